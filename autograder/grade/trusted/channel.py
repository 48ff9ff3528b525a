"""The grader's end of the conversation with a student's kernel: one call, one data answer.

The grader puts :mod:`autograder.grade.trusted.kernel_stub` into the kernel once, by a cell that
is not recorded (it never enters ``In``), and the stub connects to a Unix socket the grader
listens on for that moment only, in the kernel's private run folder: the *link*
(:class:`Link`; frames of a 4-byte length and that many bytes of JSON). A test's first call
sends a message on a Jupyter comm, which starts the stub's session in the kernel's main
thread; each call and its answer are then one round trip on the link, until
:meth:`Channel.end`. Answers are decoded by :func:`autograder.grade.trusted.wire.decode`; a
session that ended without answering (the stub says so), an answer that is not plain data or
is larger than :data:`~autograder.grade.trusted.wire.MAX_REPLY_BYTES` (read and thrown away),
a dead kernel or the test's time running out fail the call. A student's code that takes the
stub's place can only answer wrongly or not at all: then the test fails when its time is
up.

While a call runs, the student's code may ask the grader for the course's version of a name
the test bound with :meth:`Channel.bind` (the reference ``sigmoid`` inside a test of
``propagate``: a wrong ``sigmoid`` costs only its own points) or use an object of the
grader's it was given. Those questions arrive on the link as ``{"question": ...}`` and are
answered (:meth:`Channel._answer`) only for the names bound at that moment.

The test runs in a worker thread, which talks on the link itself; only what needs the
kernel's Jupyter client (the stub's installation, the comm message starting a session, whether
the kernel still lives) runs in the event loop that owns that client.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import ctypes
import functools
import json
import os
import re
import shutil
import socket
import struct
import sys
import tempfile
import threading
import time
import types
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, NoReturn

import zmq
import zmq.asyncio

from autograder.grade.trusted import wire
from autograder.grade.trusted.kernel_stub import LegacyRandom
from autograder.messages import _
from course_lib.checks import CheckFailed

TARGET = "course_grader"    # the comm target the kernel stub registers
STUB = Path(__file__).with_name("kernel_stub.py").read_text()
INSTALL = ("(lambda m: (exec(compile({src!r}, '<course-grader>', 'exec'), m.__dict__), "
           "__import__('sys').modules.__setitem__('_course_grader', m), m.connect({path!r})))"
           "(__import__('types').ModuleType('_course_grader'))")
SOCKET_NAME = "grader.sock"   # in the kernel's run folder, while the stub connects
TIMEOUT, DEAD = "timeout", "dead"
QUESTION_SECONDS = 0.01   # the grader's time per question of the student's code (~0.3 ms here)
LATEST = 4                # a test never runs longer than this many times the cell's limit
SHOWN_PRINTS = 2_000      # characters of the student's prints shown per test
WAIT_SLICE = 0.1          # seconds between two looks at the deadline
CLOSED_LOOKS = 20         # looks at a kernel whose end of the link closed, WAIT_SLICE apart
ALIVE_EVERY = 1.0         # seconds between two looks at the kernel's process while waiting


class KernelLost(BaseException):  # noqa: N818 - not an Exception: a test cannot catch it
    """The kernel died, or the test ran out of time in a call: the test ends here."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class CallFailed(Exception):  # noqa: N818 - reads as what happened
    """The kernel did not answer a call with data (no answer, an error, not plain data)."""


class InputsChanged(CheckFailed):
    """The failure of a test that passed only on what its student code made of the arguments
    it was given (:mod:`autograder.grade.trusted.proxies`): run again on the arguments as
    they were given, it failed (:mod:`autograder.grade.trusted.runner`).
    Its message holds no value of the test's, so a hidden test shows it too
    (:mod:`autograder.grade.scoring`); no exception of the student's is given its name."""


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
    name = "Exception" if name == InputsChanged.__name__ else name
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


class Link:
    """The grader's end of the socket the kernel's stub is connected to: frames of a 4-byte
    length and that many bytes (see :mod:`autograder.grade.trusted.kernel_stub`). A frame
    longer than :data:`~autograder.grade.trusted.wire.MAX_REPLY_BYTES` is read and thrown away
    as it arrives (never held), and reported as :data:`TOO_BIG`, so the frames after it are
    read as they were sent."""

    HEADER = struct.Struct("!I")
    TOO_BIG = b"too big"   # in place of a frame that was thrown away
    CHUNK = 1 << 20

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = bytearray()
        self.skip = 0    # bytes of a frame too big still to throw away

    def write(self, message: Any, timeout: float) -> None:
        """Send ``message`` as JSON (None: an empty frame); socket.timeout past ``timeout``."""
        data = b"" if message is None else json.dumps(message).encode()
        self.sock.settimeout(max(timeout, 0.001))
        self.sock.sendall(self.HEADER.pack(len(data)) + data)

    def frame(self, timeout: float) -> bytes | None:
        """The next whole frame, or None if none came within ``timeout`` seconds; EOFError
        once the kernel's end is closed."""
        end = time.monotonic() + timeout
        while (got := self._parse()) is None:
            remaining = end - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(self.CHUNK)
            except TimeoutError:
                return None
            if not chunk:
                raise EOFError
            self.buffer += chunk
        return got

    def drain(self) -> None:
        """Throw away what was sent and not read (the end of a session that was interrupted):
        at most :data:`~autograder.grade.trusted.wire.MAX_REPLY_BYTES`."""
        self.buffer.clear()
        self.skip = 0
        self.sock.settimeout(0.0)
        dropped = 0
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while dropped <= wire.MAX_REPLY_BYTES:
                chunk = self.sock.recv(self.CHUNK)
                if not chunk:
                    raise EOFError
                dropped += len(chunk)

    def _parse(self) -> bytes | None:
        if self.skip:
            dropped = min(self.skip, len(self.buffer))
            del self.buffer[:dropped]
            self.skip -= dropped
            return self.TOO_BIG if self.skip == 0 else None
        if len(self.buffer) < self.HEADER.size:
            return None
        (size,) = self.HEADER.unpack_from(self.buffer)
        if size > wire.MAX_REPLY_BYTES:
            del self.buffer[:self.HEADER.size]
            self.skip = size
            return self._parse()
        if len(self.buffer) < self.HEADER.size + size:
            return None
        data = bytes(self.buffer[self.HEADER.size:self.HEADER.size + size])
        del self.buffer[:self.HEADER.size + size]
        return data


#: (channel, submit) while a block of :meth:`Channel.calls_through` runs in this context
_THROUGH: ContextVar[tuple[Channel, Callable[[dict], Any]] | None] = ContextVar(
    "calls_through", default=None)


class Channel:
    """Calls into one kernel for one test; ``deadline`` is the event loop's clock. Used by
    the test's thread (a gradient check's evaluations take turns in it:
    :mod:`autograder.grade.trusted.lockstep`), so its handles need no lock."""

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
        self.random = LegacyRandom()         # numpy's legacy generator as the kernel last had it
        self.session: str | None = None      # the message that started the stub's session
        self.printed = 0                     # characters the student's code printed so far
        #: (the call, the argument its student code changed, that argument as it was sent)
        self.changes: list[tuple[str, Any, Any]] = []
        self.write_backs = True              # changes reach the test's data (see proxies)
        self.questions = 0                   # questions of the student's code answered
        self._talking = threading.Lock()     # one exchange on the link at a time
        self._answering = False              # the grader is answering a question
        self._overtime = _Overtime(time.monotonic() + self.latest - loop.time())

    # ---------------------------------------------------------------- from the test thread

    def request(self, request: dict) -> dict:
        """One request's answer (a dict); raises KernelLost, CallFailed or the student's
        exception. Sent now, or with others' (see :meth:`calls_through`)."""
        through = _THROUGH.get()
        answer = through[1](request) if through and through[0] is self else self.send(request)
        if type(answer) is not dict:
            raise CallFailed(_("the kernel's answer was not a dict"))
        self.show_printed(answer)
        if "raised" in answer:
            raise student_error(answer["raised"])
        return answer

    def send(self, request: dict) -> dict:
        """Send one request now and wait for its answer, a dict (from a thread that is not
        the event loop's)."""
        if self.lost is not None:
            raise KernelLost(self.lost.kind)
        if self._answering or _in_event_loop():
            raise CallFailed(_("the course's code cannot call the student's while answering it"))
        with self._talking:
            link = getattr(self.kernel, "grader_link", None)
            if link is None:
                raise CallFailed(_("the grader's stub could not be put into the kernel"))
            if self.session is None:
                self._open_session(link)
            self._write(link, request)
            while True:
                message = self._next(link)
                if type(message) is dict and type(message.get("answer")) is dict:
                    return message["answer"]
                if type(message) is dict and "ended" in message:   # the stub's session ended
                    self.session = None
                    raise CallFailed(_("the student's kernel gave no answer"))
                if type(message) is dict and "question" in message:
                    self._write(link, self._answer(message["question"]))
                    self.deadline = min(self.deadline + QUESTION_SECONDS, self.latest)
                    continue
                raise CallFailed(_("the kernel's answer was not a dict") if type(message) is dict
                                 else _("the kernel's answer could not be read"))

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
    def calls_through(self, submit: Callable[[dict], Any]) -> Iterator[None]:
        """For the block, this channel's requests in this context (a thread's, a greenlet's)
        go to ``submit``, which sends them with other evaluations' and returns their answers
        (:mod:`autograder.grade.trusted.lockstep`)."""
        token = _THROUGH.set((self, submit))
        try:
            yield
        finally:
            _THROUGH.reset(token)

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
        """Put :mod:`autograder.grade.trusted.kernel_stub` into the kernel, connect it to the
        grader (a Unix socket in the kernel's private run folder, listening only until the
        stub has connected) and open the comm that starts its sessions. Once per kernel: the
        link and the comm's id are kept on the kernel."""
        run = getattr(self.kernel, "run", None)
        own = None if run is not None and run.is_dir() else Path(tempfile.mkdtemp(
            prefix="grader-link-"))   # a kernel the pool did not start (validate, tests)
        path = (own or run) / SOCKET_NAME
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            listener.bind(str(path))
            os.chmod(path, 0o666)   # the kernel's own user connects (the folder is private)
            listener.listen(1)
            await self._execute(INSTALL.format(src=STUB, path=str(path)))
            listener.setblocking(False)
            try:
                connection, _address = listener.accept()
            except BlockingIOError:
                raise CallFailed(_("the grader's stub could not be put into the kernel")) from None
        finally:
            listener.close()
            with contextlib.suppress(OSError):
                path.unlink()
            if own is not None:
                shutil.rmtree(own, ignore_errors=True)
        self.kernel.grader_link = Link(connection)
        if isinstance(getattr(self.kernel, "closing", None), list):   # the pool's kernels
            self.kernel.closing.append(connection.close)
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
        for sock in sockets:
            poller.register(sock, zmq.POLLIN)
        while True:
            remaining = self.deadline - self.loop.time()
            if remaining <= 0:
                raise self._lose(TIMEOUT)
            events = dict(await poller.poll(min(remaining, 0.2) * 1000))
            if not events and not await self.kernel.alive():
                raise self._lose(DEAD)
            for sock in events:
                yield await sockets[sock].get_msg(timeout=0)

    async def _execute(self, code: str) -> None:
        """Run ``code`` as a cell that is not recorded; CallFailed unless it succeeds."""
        kc = self.kernel.kc
        msg_id = kc.execute(code, silent=True, store_history=False, stop_on_error=False)
        async for msg in self._messages({kc.shell_channel.socket: kc.shell_channel}):
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                if msg["content"].get("status") != "ok":
                    raise CallFailed(_("the grader's stub could not be put into the kernel"))
                return

    def _open_session(self, link: Link) -> None:
        """Start the stub's session: what an interrupted session left on the link is thrown
        away, then the comm message is sent (by the event loop, which owns the client)."""
        try:
            link.drain()
        except (EOFError, OSError):
            self._closed()
        self.session = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result()

    async def _start(self) -> str:
        kc = self.kernel.kc
        msg = kc.session.msg("comm_msg", {"comm_id": getattr(self.kernel, "grader_comm", None),
                                          "data": {}})
        kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def _write(self, link: Link, message: Any) -> None:
        try:
            link.write(message, self.deadline - self.loop.time())
        except TimeoutError:
            raise self._lose(TIMEOUT) from None
        except OSError:
            self._closed()

    def _next(self, link: Link) -> Any:
        """The kernel's next message on the link (JSON), within the deadline; whether the
        kernel still lives is looked at every :data:`ALIVE_EVERY` seconds without one (a
        child process of the student's may keep the link open after the kernel died)."""
        looked = time.monotonic()
        while True:
            remaining = self.deadline - self.loop.time()
            if remaining <= 0:
                raise self._lose(TIMEOUT)
            try:
                frame = link.frame(min(remaining, WAIT_SLICE))
            except (EOFError, OSError):
                self._closed()
            if frame is Link.TOO_BIG:
                raise CallFailed(_("the answer was larger than the grader accepts"))
            if frame is not None:
                if wire.too_many_values(frame):
                    raise CallFailed(_("the answer held more values than the grader accepts "
                                       "(a long list: return a numpy array instead)"))
                try:
                    return json.loads(frame)
                except ValueError:
                    raise CallFailed(_("the kernel's answer could not be read")) from None
            if time.monotonic() - looked > ALIVE_EVERY:
                if not self._alive():
                    raise self._lose(DEAD)
                looked = time.monotonic()

    def _closed(self) -> NoReturn:
        """The kernel's end of the link is gone: it died (its process may take a moment to be
        seen gone), or its stub did (then no later call of this kernel can be answered)."""
        self.session = None
        for _look in range(CLOSED_LOOKS):
            if not self._alive():
                raise self._lose(DEAD)
            time.sleep(WAIT_SLICE)
        raise CallFailed(_("the student's kernel gave no answer"))

    def _alive(self) -> bool:
        try:
            return asyncio.run_coroutine_threadsafe(self.kernel.alive(), self.loop).result(10)
        except Exception:  # noqa: BLE001 - a kernel that cannot say is not alive
            return False

    def extend(self, seconds: float) -> None:
        """Give the test ``seconds`` more, its latest end too (a test run again)."""
        self.deadline += seconds
        self.latest += seconds
        self._overtime.extend(seconds)

    def end(self) -> None:
        """End the stub's session (the kernel goes back to running cells)."""
        link = getattr(self.kernel, "grader_link", None)
        if self.session is not None and link is not None:
            with contextlib.suppress(OSError):
                link.write(None, 1.0)
        self.session = None
        self._overtime.stop()

    # ------------------------------------------------- questions from the student's code

    def handle_of(self, obj: Any) -> dict:
        """How an object that is not plain data is sent: a proxy as its handle, an object of
        the grader's by a number the kernel asks about."""
        number = getattr(obj, "_remote_number", None)
        if number is not None and getattr(obj, "_remote_channel", None) is self:
            return {"$h": number}
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
        if number not in self.proxies:
            kind = self.proxy_class(str(data.get("class", "object")))
            self.proxies[number] = kind(self, number)
        return self.proxies[number]

    def _answer(self, question: Any) -> dict:
        """The answer to one question of the student's code (see the module docstring), given
        within the test's latest end (:class:`_Overtime`): a question is the grader's work, so
        its time limit is the grader's to keep (a red team asked the course's ``optimize``
        for a million iterations, which held the grading process past the cell's limit)."""
        self._answering = True
        try:
            self.questions += 1
            with self._overtime.answering():
                value = self._serve(question)
            return {"value": wire.encode(value, self.handle_of)}
        except Exception as error:  # noqa: BLE001 - the course's code raised: say so
            return {"raised": {"type": type(error).__name__, "message": str(error)[:2000]}}
        finally:
            self._answering = False

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
        if op in ("getattr", "setattr") or op == "call" and request.get("method") is not None:
            _instance_only(target)
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


class AnswerTimeout(TimeoutError):
    """A question of the student's code took the grader past the test's latest end."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("the course's code ran past the test's time limit"))


class _Overtime:
    """Stops the grader's answers to a test's questions at the test's latest end (``end``, on
    ``time.monotonic``'s clock): a thread that waits for that moment raises AnswerTimeout in
    the thread answering then (CPython's ``PyThreadState_SetAsyncExc``, seen at the answer's
    next step of Python), and in no other. Nothing runs in the answering thread meanwhile: a
    trace function there made the course's ``optimize`` 1.5 to 2.2 times slower, which cost
    a ``-j 1`` run of the bench's class about 5 s. Hand-written: Python cannot interrupt a
    thread from outside, and the grader's test threads are not the main thread (signals)."""

    def __init__(self, end: float):
        self.end = end
        self._lock = threading.Lock()
        self._answering: int | None = None      # the thread answering now
        self._watching = False                  # a watcher waits for the end (under the lock)
        self._over = threading.Event()          # the test ended: the watcher stops waiting

    @contextmanager
    def answering(self) -> Iterator[None]:
        """The block answers a question; AnswerTimeout in it once the end has passed."""
        if time.monotonic() >= self.end:
            raise AnswerTimeout
        ident = threading.get_ident()
        with self._lock:
            self._answering = ident
            if not self._watching:
                self._watching = True
                threading.Thread(target=self._watch, name="overtime", daemon=True).start()
        try:
            yield
        finally:
            with self._lock:
                self._answering = None
                _raise_in(ident, None)   # one raised too late to be seen: never seen

    def extend(self, seconds: float) -> None:
        """Move the end ``seconds`` later (a watcher waiting wakes at the old end and waits
        on; one that saw the old end pass has stopped, and the next answer starts one)."""
        with self._lock:
            self.end += seconds

    def stop(self) -> None:
        self._over.set()

    def _watch(self) -> None:
        while not self._over.wait(max(self.end - time.monotonic(), 0.0)):
            with self._lock:
                if time.monotonic() < self.end:   # moved later meanwhile (extend)
                    continue
                if self._answering is not None:
                    _raise_in(self._answering, AnswerTimeout)
                self._watching = False
                return
        with self._lock:
            self._watching = False


def _raise_in(thread: int, kind: type[BaseException] | None) -> None:
    """Raise ``kind`` in thread ``thread`` at its next step of Python (None: forget one that
    was set and not raised yet)."""
    exception = ctypes.py_object(kind) if kind is not None else ctypes.c_void_p(None)  # NULL
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), exception)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


#: What the student's code may call but not look into or change: the grading process keeps
#: them for the next submissions (a class's attribute set by one student's code would be there
#: for the next student's tests), so only the objects themselves (instances) are opened.
_SHARED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
           types.MethodType, types.BuiltinMethodType, functools.partial)


def _instance_only(target: Any) -> None:
    if isinstance(target, _SHARED):
        raise PermissionError(_("only the attributes and methods of the course's objects, not "
                                "of its classes, functions or modules"))


def _public(name: Any) -> str:
    if type(name) is not str or name.startswith("__"):
        raise PermissionError(_("only public attributes of the course's objects"))
    return name
