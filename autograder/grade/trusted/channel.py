"""The grader's end of the conversation with a student's kernel: one call, one data answer.

The grader talks to :mod:`autograder.grade.trusted.kernel_stub` (put into the kernel once, by a
cell that is not recorded: it never enters ``In``). A test's first call is a message on a
Jupyter comm, which starts the stub's session; the stub's answer, and every later call and
answer of the test, is one round trip on the kernel's stdin channel, until :meth:`Channel.end`.
Answers are decoded by :func:`autograder.grade.trusted.wire.decode`; no answer before the kernel
goes idle, an answer that is not plain data, a dead kernel or the test's time running out
fail the call.

While a call runs, the student's code may ask the grader for the course's version of a name
the test bound with :meth:`Channel.bind` (the reference ``sigmoid`` inside a test of
``propagate``: a wrong ``sigmoid`` costs only its own points) or use an object of the
grader's it was given. Those questions arrive as ``input_request`` messages on the stdin
channel and are answered (:meth:`Channel._answer`) only for the names bound at that moment.

The test runs in a worker thread; :meth:`Channel.request` carries each call to the event
loop that owns the kernel's client and waits for it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import builtins
import json
import re
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import zmq
import zmq.asyncio

from autograder.grade.trusted import wire
from autograder.messages import _

TARGET = "course_grader"    # the comm target the kernel stub registers
PROMPT, ANSWER = "$course:", "$answer:"   # the stub's prompts: a question, an answer
STUB = Path(__file__).with_name("kernel_stub.py").read_text()
INSTALL = ("(lambda m: (exec(compile({src!r}, '<course-grader>', 'exec'), m.__dict__), "
           "__import__('sys').modules.__setitem__('_course_grader', m)))"
           "(__import__('types').ModuleType('_course_grader'))")
TIMEOUT, DEAD = "timeout", "dead"
QUESTION_SECONDS = 0.01   # the grader's time per question of the student's code (~3 ms here)
LATEST = 4                # a test never runs longer than this many times the cell's limit
SHOWN_PRINTS = 2_000      # characters of the student's prints shown per test


class KernelLost(BaseException):  # noqa: N818 - not an Exception: a test cannot catch it
    """The kernel died, or the test ran out of time in a call: the test ends here."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class CallFailed(Exception):  # noqa: N818 - reads as what happened
    """The kernel did not answer a call with data (no answer, an error, not plain data)."""


class StudentError(Exception):
    """The student's code raised; ``where`` is its innermost line ("propagate, line 4: ...").
    Each exception type the student's code raises gets a subclass of this one named like it
    (and deriving from the built-in of that name), so messages read as they would in Jupyter.
    """

    student_where: str = ""


_student_types: dict[str, type] = {}


def student_error(raised: Any) -> StudentError:
    """The grader's copy of an exception the student's code raised (plain data only)."""
    raised = raised if isinstance(raised, dict) else {}
    name = re.sub(r"\W", "", str(raised.get("type", "")))[:100] or "Exception"
    if name not in _student_types:
        builtin = getattr(builtins, name, None)
        bases: tuple[type, ...] = (StudentError,)
        if isinstance(builtin, type) and issubclass(builtin, Exception):
            bases = (StudentError, builtin)
        try:
            _student_types[name] = type(name, bases, {})
        except TypeError:
            _student_types[name] = type(name, (StudentError,), {})
    error = _student_types[name](str(raised.get("message", ""))[:2000])
    error.student_where = str(raised.get("where", ""))[:300]
    return error


class Channel:
    """Calls into one kernel for one test; ``deadline`` is the event loop's clock."""

    def __init__(self, kernel, loop: asyncio.AbstractEventLoop, deadline: float,
                 proxy_class: Callable[[str], type] | None = None):
        """``proxy_class(name)``: the class of the grader's proxies for the student's objects
        of class ``name`` (:func:`autograder.grade.trusted.proxies.proxy_class`; without it, an
        answer holding one of the student's objects is refused)."""
        self.kernel, self.loop, self.deadline = kernel, loop, deadline
        self.proxy_class = proxy_class
        # the grader's own time answering questions does not count against the student's
        # limit: each answer moves the deadline by QUESTION_SECONDS, up to LATEST x the limit
        self.latest = loop.time() + LATEST * max(0.0, deadline - loop.time())
        self.objects: dict[int, Any] = {}    # the grader's objects the kernel holds, by number
        self.bound: dict[str, Any] = {}      # names the kernel may ask the grader about
        self.lost: KernelLost | None = None
        self.proxies: dict[int, Any] = {}    # handle number -> proxy (one per handle)
        self.rng_state: Any = None           # numpy's legacy state when the kernel last had it
        self.session: str | None = None      # the message that started the stub's session
        self._through = threading.local()    # see calls_through
        self.printed = 0                     # characters the student's code printed so far
        self.questions = 0                   # questions of the student's code answered
        self._numbering = threading.Lock()   # handles are numbered from several threads

    # ---------------------------------------------------------------- from the test thread

    def request(self, request: dict) -> dict:
        """One request's answer (a dict); raises KernelLost, CallFailed or the student's
        exception. Sent now, or with others' (see :meth:`calls_through`)."""
        submit = getattr(self._through, "submit", None)
        answer = submit(request) if submit is not None else self.send(request)
        if type(answer) is not dict:
            raise CallFailed(_("the kernel's answer was not a dict"))
        self.show_printed(answer)
        if "raised" in answer:
            raise student_error(answer["raised"])
        return answer

    def send(self, request: dict) -> dict:
        """Send one request now and wait for its answer, a dict."""
        if self.lost is not None:
            raise KernelLost(self.lost.kind)
        if _in_event_loop():
            raise CallFailed(_("the course's code cannot call the student's while answering it"))
        answer = asyncio.run_coroutine_threadsafe(self.call(request), self.loop).result()
        if type(answer) is not dict:
            raise CallFailed(_("the kernel's answer was not a dict"))
        return answer

    def show_printed(self, answer: dict) -> None:
        """What the student's code printed during a call (sent as a string, taken out of
        ``answer``), on the test's output as in Jupyter: the first :data:`SHOWN_PRINTS`
        characters per test, so that a flood never hides the test's own lines."""
        printed = answer.pop("printed", None)
        if type(printed) is not str or not printed:
            return
        room = SHOWN_PRINTS - self.printed
        if room > 0:
            sys.stdout.write(printed[:room])
            if len(printed) > room:
                sys.stdout.write("\n" + _("[... more printed by your code, not shown ...]") + "\n")
        self.printed += len(printed)

    @contextmanager
    def calls_through(self, submit) -> Iterator[None]:
        """For the block, this thread's requests go to ``submit`` (which sends them, with
        other threads' requests: :mod:`autograder.grade.trusted.lockstep`) and it returns
        answers."""
        self._through.submit = submit
        try:
            yield
        finally:
            self._through.submit = None

    @contextmanager
    def bind(self, objects: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """For the block: the kernel's ``name`` is the course's ``objects[name]``, answered
        by the grader (see the module docstring)."""
        kinds = {n: "class" if isinstance(o, type) else "function" for n, o in objects.items()}
        self.request({"op": "bind", "names": kinds})
        self.bound.update(objects)
        try:
            yield objects
        finally:
            for name in objects:
                self.bound.pop(name, None)
            if self.lost is None:
                self.request({"op": "unbind", "names": list(objects)})

    # ------------------------------------------------------------------ in the event loop

    async def install(self) -> None:
        """Put :mod:`autograder.grade.trusted.kernel_stub` into the kernel and open the comm the
        calls travel on (once per kernel: the comm's id is kept on the kernel)."""
        await self._execute(INSTALL.format(src=STUB))
        comm_id = uuid.uuid4().hex
        self.kernel.kc.shell_channel.send(self.kernel.kc.session.msg(
            "comm_open", {"comm_id": comm_id, "target_name": TARGET, "data": {}}))
        self.kernel.grader_comm = comm_id

    def _lose(self, kind: str) -> KernelLost:
        self.lost = KernelLost(kind)
        return self.lost

    async def _messages(self, sockets: dict) -> AsyncIterator[dict]:
        """Messages arriving on ``sockets`` until the deadline (KernelLost when it passes
        or the kernel dies)."""
        poller = zmq.asyncio.Poller()
        for socket in sockets:
            poller.register(socket, zmq.POLLIN)
        while True:
            remaining = self.deadline - self.loop.time()
            if remaining <= 0:
                raise self._lose(TIMEOUT)
            events = dict(await poller.poll(min(remaining, 0.2) * 1000))
            if not events and not await self.kernel.alive():
                raise self._lose(DEAD)
            for socket in events:
                yield await sockets[socket].get_msg(timeout=0)

    async def _execute(self, code: str) -> None:
        """Run ``code`` as a cell that is not recorded; CallFailed unless it succeeds."""
        kc = self.kernel.kc
        msg_id = kc.execute(code, silent=True, store_history=False, stop_on_error=False)
        async for msg in self._messages({kc.shell_channel.socket: kc.shell_channel}):
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                if msg["content"].get("status") != "ok":
                    raise CallFailed(_("the grader's stub could not be put into the kernel"))
                return

    async def call(self, request: dict) -> Any:
        """Send ``request``; its one answer (parsed JSON), serving questions meanwhile.

        The first call of a test sends a comm message that starts the stub's session; each
        later one is the reply to the stub's last answer, which is an ``input_request`` it
        is waiting on (see :mod:`autograder.grade.trusted.kernel_stub`)."""
        kc = self.kernel.kc
        if self.session is None:
            msg = kc.session.msg("comm_msg", {"comm_id": getattr(self.kernel, "grader_comm",
                                                                 None), "data": request})
            self.session = msg["header"]["msg_id"]
            kc.shell_channel.send(msg)
        else:
            kc.input(base64.b64encode(json.dumps(request).encode()).decode())
        sockets = {kc.iopub_channel.socket: kc.iopub_channel,
                   kc.stdin_channel.socket: kc.stdin_channel}
        async for reply in self._messages(sockets):
            if reply.get("parent_header", {}).get("msg_id") != self.session:
                continue
            kind, content = reply["msg_type"], reply["content"]
            prompt = str(content.get("prompt", "")) if kind == "input_request" else ""
            if prompt.startswith(ANSWER):
                return _decoded(prompt[len(ANSWER):])
            if kind == "input_request":
                kc.input(self._answer(prompt))
                self.deadline = min(self.deadline + QUESTION_SECONDS, self.latest)
            elif kind == "status" and content.get("execution_state") == "idle":
                self.session = None   # the stub's session ended without answering
                raise CallFailed(_("the student's kernel gave no answer"))
        raise CallFailed(_("the student's kernel gave no answer"))

    def end(self) -> None:
        """End the stub's session (the kernel goes back to running cells)."""
        if self.session is not None:
            self.kernel.kc.input("")
            self.session = None

    # ------------------------------------------------- questions from the student's code

    def handle_of(self, obj: Any) -> dict:
        """How an object that is not plain data is sent: a proxy as its handle, an object of
        the grader's by a number the kernel asks about."""
        number = getattr(obj, "_remote_number", None)
        if number is not None and getattr(obj, "_remote_channel", None) is self:
            return {"$h": number}
        with self._numbering:
            known = next((n for n, value in self.objects.items() if value is obj), None)
            if known is None:
                known = len(self.objects) + 1
                self.objects[known] = obj
        return {"$g": known, "class": type(obj).__name__}

    def resolve(self, tag: str, data: dict) -> Any:
        """The object a ``$g`` (the grader's) or ``$h`` (the student's: its proxy) stands for."""
        number = data[tag]
        if tag == "$g":
            if number not in self.objects:
                raise wire.NotPlainData(_("a reference to an object the grader never gave"))
            return self.objects[number]
        if self.proxy_class is None:
            raise wire.NotPlainData(_("an object of the student's where plain data was expected"))
        with self._numbering:
            if number not in self.proxies:
                kind = self.proxy_class(str(data.get("class", "object")))
                self.proxies[number] = kind(self, number)
            return self.proxies[number]

    def _answer(self, prompt: str) -> str:
        """The answer to one question of the student's code (see the module docstring)."""
        try:
            if not prompt.startswith(PROMPT):
                raise PermissionError(_("input() is not available while the grader calls"))
            request = json.loads(base64.b64decode(prompt[len(PROMPT):], validate=True))
        except (ValueError, binascii.Error, PermissionError) as error:
            reply = {"raised": {"type": "ValueError",
                                 "message": _("bad request: {error}").format(error=error)}}
        else:
            try:
                self.questions += 1
                reply = {"value": wire.encode(self._serve(request), self.handle_of)}
            except Exception as error:  # noqa: BLE001 - the course's code raised: say so
                reply = {"raised": {"type": type(error).__name__,
                                    "message": str(error)[:2000]}}
        return base64.b64encode(json.dumps(reply).encode()).decode()

    def _serve(self, request: Any) -> Any:
        if type(request) is not dict:
            raise ValueError("not a request")
        op = request.get("op")
        if "name" in request and op == "call":
            if request["name"] not in self.bound:
                raise PermissionError(_("{name} is not available here").format(
                    name=str(request["name"])[:50]))
            target = self.bound[request["name"]]
        else:
            target = self.objects.get(request.get("object"))  # type: ignore[arg-type]
            if target is None:
                raise PermissionError(_("no such object of the grader's"))
        if op == "call":
            if request.get("method") is not None:
                target = getattr(target, _public(request["method"]))
            args = wire.decode(request.get("args", []), self.resolve)
            kwargs = wire.decode(request.get("kwargs", {"$d": []}), self.resolve)
            if type(args) is not list or type(kwargs) is not dict:
                raise ValueError("malformed arguments")
            return target(*args, **{str(k): v for k, v in kwargs.items()})
        if op == "getattr":
            value = getattr(target, _public(request.get("name")))
            return {"$method": request["name"]} if callable(value) and hasattr(
                value, "__self__") and not isinstance(value, type) else value
        if op == "setattr":
            setattr(target, _public(request.get("name")),
                    wire.decode(request.get("value"), self.resolve))
            return None
        raise ValueError(f"unknown request {str(op)[:20]!r}")


def _decoded(text: str) -> Any:
    """An answer sent as a prompt (base64 of JSON), or CallFailed."""
    if len(text) > wire.MAX_REPLY_BYTES:
        raise CallFailed(_("the answer was larger than the grader accepts"))
    try:
        return json.loads(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error):
        raise CallFailed(_("the kernel's answer could not be read")) from None


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _public(name: Any) -> str:
    if type(name) is not str or name.startswith("__"):
        raise PermissionError(_("only public attributes of the course's objects"))
    return name
