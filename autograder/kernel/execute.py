"""Run a sanitized notebook, cell by cell, in a fresh kernel: a stopped cell costs only itself.

nbclient does the messaging; this module decides what happens when a cell misbehaves:

- a cell past the per-cell time limit is *interrupted* (SIGINT, as nbgrader does) and recorded
  on that cell (an error output naming the limit); grading goes on with the next cell. A cell
  that is still busy :data:`INTERRUPT_GRACE` seconds after the interrupt (a loop inside
  compiled code, a student ``except KeyboardInterrupt``) is handled like a dead kernel;
- a dead kernel (``os._exit``, a segfault, a memory limit enforced by a kill) is replaced by a
  fresh one from the same machinery (``restart``: the grading process's pool, sandboxed the same
  way); the code cells that ran to completion before are *replayed* in it quietly (their outputs
  were recorded the first time; nothing is added to the notebook), the cell that killed it is
  skipped with an error output saying how the kernel died (the exit code or signal only: the
  kernel's own log is the student's text and never reaches a grade message), and grading
  goes on. A cell that timed out and could not be interrupted is skipped the same way.
  Consequence: what a stopped cell defined before it was stopped is kept after an interrupt
  (as in nbgrader) but lost after a replacement (the cell is not replayed);
- at most ``max_restarts`` replacements per notebook (:data:`MAX_RESTARTS` by default), so a
  notebook that kills every kernel ends;
- a per-notebook time *budget* (``budget`` seconds of wall time, replays included; the
  grading process's default is ``BUDGET_TIMEOUTS`` per-cell timeouts, see
  :mod:`autograder.nbgrader_config`) bounds the whole run: it is checked before each cell,
  so a run can exceed it by at most one cell's timeout. When it runs out, the remaining
  cells are not run and :attr:`Execution.message` names them;
- output is capped per cell while it arrives (a flood of prints cannot fill the grader's
  memory), error outputs too (the exception's message, the traceback's lines), each with a
  note saying how much was dropped.

:class:`Execution` says what happened: ``status`` is the most serious event (``DEAD`` over
``TIMEOUT`` over ``OK``) even when grading went on to the last cell, so the instructor sees it;
``stops`` lists every stopped cell; ``message`` names them for ``grades.csv``. What a student
reads (the stopped cells' error outputs, ``message``, the notes on dropped output) is in the
language of the moment (:mod:`autograder.messages`: the grader sets the submission's);
exception type names stay as they are.

The integrity monitor (:class:`autograder.grade.integrity.Monitor`) is called around every cell as
before; after a replacement it is told (:meth:`~autograder.grade.integrity.Monitor.restarted`) and
installs its probe in the fresh kernel before the first replayed cell, so the replay and
every later cell are watched as the first kernel was. ``Execution.watched`` is False when the
run did not reach the end of the notebook in a live kernel (the monitor's last check could
not run).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from queue import Empty

from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output

from autograder.course.rules import is_test
from autograder.kernel.pool import Kernel
from autograder.messages import N_, _, ngettext
from autograder.vocabulary import grade_id_of

OK, TIMEOUT, DEAD = "ok", "timeout", "dead"
MAX_RICH_OUTPUTS = 20           # displays (figures ...) kept per cell
MAX_RICH_CHARS = 5_000_000      # characters of rich output kept per cell
MAX_ERROR_OUTPUTS = 3           # error outputs kept per cell
MAX_ENAME_CHARS = 100           # characters of an exception's class name
MAX_EVALUE_CHARS = 2_000        # characters of an exception's message
MAX_TRACEBACK_LINES = 100       # lines of a traceback (nbgrader's LimitOutput.max_traceback)
MAX_TRACEBACK_CHARS = 20_000    # characters of a traceback
INTERRUPT_GRACE = 3.0           # seconds an interrupted cell has to stop
MAX_RESTARTS = 3                # fresh kernels per notebook after the first

#: What the grader did with a stopped cell (:attr:`Stop.then`), translated where shown.
INTERRUPTED = N_("was interrupted")
SKIPPED = N_("was skipped and the cells before it replayed in a fresh kernel")

#: Gets a fresh kernel in place of ``kernel`` (disposing of it), ready for the notebook.
Restart = Callable[[Kernel], Awaitable[Kernel]]


@dataclass
class Stop:
    """A cell that did not run to completion: it timed out or the kernel died in it."""

    index: int       # the cell's index in the notebook
    kind: str        # TIMEOUT or DEAD
    where: str       # "code cell 3 of 12 (sigmoid)"
    what: str        # "ran longer than the 30 s limit", "the kernel died (exit code 3)"
    then: str = ""   # what the grader did: INTERRUPTED, SKIPPED (English) or ""
    stuck: bool = False   # a timed-out cell that did not stop when interrupted


@dataclass
class Execution:
    """What happened when a notebook ran."""

    status: str = OK                       # OK, or the most serious stop: DEAD over TIMEOUT
    executed: set[int] = field(default_factory=set)   # cells that ran to completion
    stopped_at: int | None = None          # the first cell that timed out or killed the kernel
    message: str = ""
    seconds: float = 0.0
    memory_error: bool = False
    truncated: list[int] = field(default_factory=list)
    stops: list[Stop] = field(default_factory=list)
    not_run: list[int] = field(default_factory=list)   # code cells never started
    not_run_reason: str = ""               # why (the budget ran out, too many restarts ...)
    restarts: int = 0                      # fresh kernels started after the first
    watched: bool = True                   # the monitor saw the run to the notebook's end
    unseen: list[int] = field(default_factory=list)   # stopped cells whose kernel was replaced:
    #                                                   no check ran after them


# --------------------------------------------------------------------------- output caps

def _dropped_note(what: str, count: int) -> str:
    """The note replacing dropped ``characters`` or ``lines`` of an error output."""
    if what == "lines":
        return _("... {count} more lines of the traceback not kept ...").format(count=count)
    return _("... {count} more characters not kept ...").format(count=count)


def cap_error(content: dict) -> tuple[dict, int]:
    """An error output's ``content`` with its name, message and traceback capped; returns
    it and the number of characters dropped."""
    ename = str(content.get("ename", "Error"))
    evalue = str(content.get("evalue", ""))
    lines = [ln for entry in content.get("traceback", []) or []
             for ln in str(entry).splitlines()]
    size = len(ename) + len(evalue) + sum(len(ln) for ln in lines)
    ename = ename[:MAX_ENAME_CHARS]
    if len(evalue) > MAX_EVALUE_CHARS:
        evalue = (evalue[:MAX_EVALUE_CHARS] + " "
                  + _dropped_note("characters", len(evalue) - MAX_EVALUE_CHARS))
    kept: list[str] = []
    total = 0
    for line in reversed(lines):   # the end of a traceback says the most
        line = line[:MAX_EVALUE_CHARS]
        if len(kept) == MAX_TRACEBACK_LINES or total + len(line) > MAX_TRACEBACK_CHARS:
            break
        kept.append(line)
        total += len(line)
    kept.reverse()
    if len(kept) < len(lines):
        kept.insert(0, _dropped_note("lines", len(lines) - len(kept)))
    dropped = max(0, size - len(ename) - len(evalue) - sum(len(ln) for ln in kept))
    return {**content, "ename": ename, "evalue": evalue, "traceback": kept}, dropped


class CappedClient(NotebookClient):
    """An nbclient client that keeps at most ``max_output_chars`` characters of stream output,
    a bounded amount of rich output and capped error outputs per cell."""

    def __init__(self, nb: NotebookNode, max_output_chars: int, **kw):
        super().__init__(nb, **kw)
        self.max_output_chars = max_output_chars
        self.chars: dict[int, int] = {}
        self.rich: dict[int, list[int]] = {}
        self.errors: dict[int, int] = {}
        self.dropped: dict[int, int] = {}

    async def _async_poll_kernel_alive(self) -> None:
        # nbclient checks every second; a dead kernel is noticed sooner here
        while True:
            await asyncio.sleep(0.1)
            try:
                await self._async_check_alive()
            except DeadKernelError:
                assert self.task_poll_for_reply is not None
                self.task_poll_for_reply.cancel()
                return

    def _drop(self, cell_index: int, count: int) -> None:
        self.dropped[cell_index] = self.dropped.get(cell_index, 0) + count

    def output(self, outs, msg, display_id, cell_index):
        msg_type = msg["msg_type"]
        content = msg["content"]
        if msg_type == "stream":
            text = content.get("text", "")
            used = self.chars.get(cell_index, 0)
            room = max(0, self.max_output_chars - used)
            if len(text) > room:
                self._drop(cell_index, len(text) - room)
                if room == 0:
                    return None
                msg = {**msg, "content": {**content, "text": text[:room]}}
                text = text[:room]
            self.chars[cell_index] = used + len(text)
        elif msg_type in ("display_data", "execute_result"):
            count, size = self.rich.get(cell_index, [0, 0])
            data_size = sum(len(v) if isinstance(v, str) else len(str(v))
                            for v in content.get("data", {}).values())
            if count >= MAX_RICH_OUTPUTS or size + data_size > MAX_RICH_CHARS:
                self._drop(cell_index, data_size)
                return None
            self.rich[cell_index] = [count + 1, size + data_size]
        elif msg_type == "error":
            count = self.errors.get(cell_index, 0)
            capped, dropped = cap_error(content)
            if count >= MAX_ERROR_OUTPUTS:
                self._drop(cell_index, len(str(content.get("evalue", ""))))
                return None
            self.errors[cell_index] = count + 1   # the output says what it dropped
            msg = {**msg, "content": capped}
        return super().output(outs, msg, display_id, cell_index)


# --------------------------------------------------------------------------- kernels

def _error_output(ename: str, evalue: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def describe_exit(returncode: int | None) -> str:
    """``os._exit(3)`` -> "exit code 3"; a segfault -> "SIGSEGV, a crash"."""
    if returncode is None:
        return _("no exit status")
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            return _("signal {number}").format(number=-returncode)
        hint = {"SIGSEGV": _("{signal}, a crash"), "SIGBUS": _("{signal}, a crash"),
                "SIGKILL": _("{signal}, killed (out of memory?)"),
                "SIGABRT": _("{signal}, aborted (out of memory?)")}
        return hint.get(name, "{signal}").format(signal=name)
    return _("exit code {code}").format(code=returncode)


def kernel_died(returncode: int | None) -> str:
    """What a stopped cell says of its dead kernel: "the kernel died (exit code 3)"."""
    return _("the kernel died ({how})").format(how=describe_exit(returncode))


async def _exit_status(kernel: Kernel) -> int | None:
    process = getattr(getattr(kernel.km, "provisioner", None), "process", None)
    if process is None:
        return None
    for _attempt in range(20):
        code = process.poll()
        if code is not None:
            return code
        await asyncio.sleep(0.05)
    return None


async def run_quietly(kernel: Kernel, code: str, timeout: float) -> str:
    """Run ``code`` in the kernel without recording anything (its outputs go unread); OK once
    the kernel replied, TIMEOUT if it did not within ``timeout`` seconds, DEAD if it died.
    Requests are served in order, so ``run_quietly(kernel, "", t)`` also waits until the cell
    before it has finished."""
    msg_id = await ensure_async(kernel.kc.execute(code, silent=not code, store_history=bool(code),
                                                  allow_stdin=False, stop_on_error=False))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (remaining := deadline - loop.time()) > 0:
        try:
            reply = await kernel.kc.get_shell_msg(timeout=min(remaining, 0.1))
        except Empty:
            if not await kernel.alive():
                return DEAD
            continue
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            return OK
    return TIMEOUT if await kernel.alive() else DEAD


# --------------------------------------------------------------------------- the run

def _then(stop: Stop, text: str) -> str:
    """``text`` (what happened to the cell) followed by what the grader did."""
    if stop.then == INTERRUPTED:
        return _("{what} and was interrupted").format(what=text)
    if stop.then == SKIPPED:
        return _("{what}: the cell was skipped and the cells before it replayed in a fresh "
                 "kernel").format(what=text)
    return text


def _limit(seconds: float | None) -> str:
    return f"{seconds:g}"


class _Run:
    """One notebook's run (see the module docstring); :meth:`run` does it."""

    def __init__(self, nb: NotebookNode, kernel: Kernel, timeout: float,
                 max_output_chars: int, monitor, restart: Restart | None,
                 budget: float | None, max_restarts: int, tests=None):
        self.nb, self.kernel, self.timeout, self.tests = nb, kernel, timeout, tests
        self.max_output_chars, self.monitor, self.restart = max_output_chars, monitor, restart
        self.budget, self.max_restarts = budget, max_restarts
        self.code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        self.result = Execution()
        self.start = time.perf_counter()
        self.count = 0
        self.client = self._client()

    def _client(self) -> CappedClient:
        client = CappedClient(
            self.nb, self.max_output_chars, km=self.kernel.km,
            timeout=int(max(1, round(self.timeout))), allow_errors=True,
            interrupt_on_timeout=False, raise_on_iopub_timeout=False, iopub_timeout=4,
            record_timing=False, shutdown_kernel="immediate")
        client.kc = self.kernel.kc
        return client

    def where(self, index: int) -> str:
        gid = grade_id_of(self.nb.cells[index])
        number, count = self.code.index(index) + 1, len(self.code)
        if gid:
            return _("code cell {number} of {count} ({grade_id})").format(
                number=number, count=count, grade_id=gid)
        return _("code cell {number} of {count}").format(number=number, count=count)

    def _over_budget(self) -> bool:
        return self.budget is not None and time.perf_counter() - self.start >= self.budget

    async def run(self) -> Execution:
        for n, index in enumerate(self.code):
            if self._over_budget():
                self._give_up(self.code[n:], _("the notebook's time budget of {limit} s ran "
                                               "out").format(limit=_limit(self.budget)))
                break
            outcome = await self._cell(index)
            if outcome == OK:
                continue
            stop = self.result.stops[-1]
            if outcome == TIMEOUT and await self._interrupt():
                stop.then = INTERRUPTED
            else:
                if outcome == TIMEOUT:
                    stop.stuck = True
                    stop.what = _("ran longer than the {limit} s limit and did not stop when "
                                  "interrupted").format(limit=_limit(self.timeout))
                self.result.unseen.append(index)
                why = await self._replace()
                if why:
                    self._record(stop)
                    self._give_up(self.code[n + 1:], why)
                    break
                stop.then = SKIPPED
            self._record(stop)
        alive = not self.result.not_run and await self.kernel.alive()
        if self.monitor is not None and alive:
            await self.monitor.finish(self.kernel, len(self.nb.cells))
        self.result.watched = alive
        self.result.message = self._message()
        self.result.seconds = time.perf_counter() - self.start
        return self.result

    def _is_test(self, index: int) -> bool:
        return self.tests is not None and is_test(self.nb.cells[index])

    async def _test(self, index: int) -> str:
        """Run one test cell in the grader (:mod:`autograder.grade.trusted`); OK, TIMEOUT or DEAD.
        The integrity monitor watches the kernel around it as around any cell: what the
        student's code does while the test calls it (using the reference ...) is seen."""
        if self.monitor is not None:
            await self.monitor.before_cell(self.kernel, index)
        outcome = await self.tests.run_cell(self.nb.cells[index], self.kernel, self.timeout)
        if outcome == OK and self.monitor is not None:
            await self.monitor.after_cell(self.kernel, index)
        if outcome == TIMEOUT:
            self._stop(index, TIMEOUT, self._too_long())
        elif outcome == DEAD:
            self._stop(index, DEAD, kernel_died(await _exit_status(self.kernel)))
        else:
            self.count += 1
            self.nb.cells[index].execution_count = self.count
            self.result.executed.add(index)
            if any(o.get("output_type") == "error" and o.get("ename") == "MemoryError"
                   for o in self.nb.cells[index].outputs):
                self.result.memory_error = True
        return outcome

    async def _cell(self, index: int) -> str:
        """Run one code cell through nbclient; OK, or TIMEOUT or DEAD (a new Stop)."""
        if self._is_test(index):
            return await self._test(index)
        cell = self.nb.cells[index]
        if self.monitor is not None:
            await self.monitor.before_cell(self.kernel, index)
        before = asyncio.all_tasks()
        outcome = OK
        try:
            await self.client.async_execute_cell(cell, index, execution_count=self.count + 1)
        except CellTimeoutError:
            outcome = TIMEOUT
            self._stop(index, TIMEOUT, self._too_long())
        except DeadKernelError:
            outcome = DEAD
            self._stop(index, DEAD, kernel_died(await _exit_status(self.kernel)))
        finally:
            dropped = self.client.dropped.pop(index, 0)
            if dropped:
                self.result.truncated.append(index)
                cell.outputs.append(new_output(
                    "stream", name="stdout",
                    text="\n" + _("... output truncated: {count} more characters were not "
                                   "kept ...").format(count=dropped) + "\n"))
        if outcome != OK:   # nbclient's pollers of this cell, if any is left: not needed
            for task in asyncio.all_tasks() - before:
                if "Client._async_poll" in getattr(task.get_coro(), "__qualname__", ""):
                    task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.sleep(0)
            return outcome
        self.count += 1
        self.result.executed.add(index)
        if any(o.get("output_type") == "error" and o.get("ename") == "MemoryError"
               for o in cell.outputs):
            self.result.memory_error = True
        if self.monitor is not None:
            await self.monitor.after_cell(self.kernel, index)
        return OK

    def _too_long(self) -> str:
        return _("ran longer than the {limit} s limit").format(limit=_limit(self.timeout))

    def _stop(self, index: int, kind: str, what: str) -> None:
        self.result.stops.append(Stop(index, kind, self.where(index), what))
        if self.result.stopped_at is None:
            self.result.stopped_at = index
        if kind == DEAD or self.result.status == OK:
            self.result.status = kind

    def _record(self, stop: Stop) -> None:
        """The stopped cell's error output: what happened and what the grader did."""
        limit = _limit(self.timeout)
        if stop.kind == TIMEOUT:
            ename = "TimeoutError"
            evalue = (_("this cell ran longer than {limit} s and did not stop when interrupted")
                      if stop.stuck else _("this cell ran longer than {limit} s")
                      ).format(limit=limit)
        else:
            ename = "DeadKernelError"
            evalue = _("{what} while running this cell").format(what=stop.what)
        self.nb.cells[stop.index].outputs.append(_error_output(ename, _then(stop, evalue)))

    async def _interrupt(self) -> bool:
        """Interrupt the timed-out cell; True if the kernel is idle within the grace time."""
        try:
            await ensure_async(self.kernel.km.interrupt_kernel())
            return await run_quietly(self.kernel, "", INTERRUPT_GRACE) == OK
        except Exception:  # noqa: BLE001 - a kernel that cannot be interrupted is replaced
            return False

    async def _replace(self) -> str:
        """Put a fresh kernel in place of the dead (or stuck) one and replay the cells that
        ran to completion; "" when done, else why grading cannot go on."""
        if self.restart is None:
            return _("the kernel could not be replaced")
        if self.result.restarts >= self.max_restarts:
            return _("the kernel was already replaced {count} times (the limit)").format(
                count=self.max_restarts)
        self.result.restarts += 1
        try:
            self.kernel = await self.restart(self.kernel)
        except Exception as exc:  # noqa: BLE001 - the notebook ends, the reason is reported
            return _("no fresh kernel could be started ({error})").format(
                error=type(exc).__name__)
        self.client = self._client()
        if self.monitor is not None:
            self.monitor.restarted()
        for index in sorted(self.result.executed):
            if self._is_test(index):   # tests run in the grader, never in a kernel
                continue
            if self._over_budget():
                return _("the notebook's time budget of {limit} s ran out while a fresh kernel "
                         "replayed the cells before").format(limit=_limit(self.budget))
            if self.monitor is not None:
                await self.monitor.before_cell(self.kernel, index)
            outcome = await run_quietly(self.kernel, self.nb.cells[index].source, self.timeout)
            if outcome != OK:
                text = (_("replaying {where} in a fresh kernel ran past the time limit")
                        if outcome == TIMEOUT
                        else _("replaying {where} in a fresh kernel killed it"))
                return text.format(where=self.where(index))
            if self.monitor is not None:
                await self.monitor.after_cell(self.kernel, index)
        return ""

    def _give_up(self, rest: list[int], why: str) -> None:
        self.result.not_run = list(rest)
        self.result.not_run_reason = why
        if self.result.status == OK:   # only the budget can run out without a stop
            self.result.status = TIMEOUT

    def _message(self) -> str:
        """One line for grades.csv: every stopped cell and what happened, what was not run."""
        parts = [_stopped(s) for s in self.result.stops[:3]]
        if len(self.result.stops) > 3:
            parts.append(_("{count} more cells were stopped").format(
                count=len(self.result.stops) - 3))
        if self.result.not_run:
            parts.append(self._not_run())
        elif self.result.stops:
            restarts = self.result.restarts
            parts.append(ngettext(
                "grading went on with the next cells (in a fresh kernel after replaying the "
                "cells before: {count} time)",
                "grading went on with the next cells (in a fresh kernel after replaying the "
                "cells before: {count} times)", restarts).format(count=restarts)
                if restarts else _("grading went on with the next cells"))
        return "; ".join(parts)

    def _not_run(self) -> str:
        """The cells the run never started, and why."""
        names = [gid for i in self.result.not_run if (gid := grade_id_of(self.nb.cells[i]))]
        values = {"reason": self.result.not_run_reason, "last": len(self.code),
                  "first": self.code.index(self.result.not_run[0]) + 1,
                  "names": ", ".join(names[:4]) + (" ..." if len(names) > 4 else "")}
        if names:
            return _("{reason}: code cells {first}-{last} ({names}) were not "
                     "run").format(**values)
        return _("{reason}: code cells {first}-{last} were not run").format(**values)


def _stopped(stop: Stop) -> str:
    """A stopped cell as ``message`` names it."""
    if stop.kind == TIMEOUT:
        what = _then(stop, stop.what) if stop.then == INTERRUPTED else stop.what
        return _("{where} {what}").format(where=stop.where, what=what)
    return _("{what} in {where}").format(what=stop.what, where=stop.where)


async def execute_notebook(nb: NotebookNode, kernel: Kernel, timeout: float,
                           max_output_chars: int, monitor=None, *,
                           restart: Restart | None = None, budget: float | None = None,
                           max_restarts: int = MAX_RESTARTS, tests=None) -> Execution:
    """Run every code cell of ``nb`` (in place) in ``kernel``; never raises for what the
    student's code does.

    ``monitor`` (an :class:`autograder.grade.integrity.Monitor`) is called before and after every
    code cell, and once more if the run reached the end in a live kernel. ``restart`` replaces
    a dead or stuck kernel (None: a dead kernel ends the run); the caller disposes of the
    kernel in use at the end, which ``restart`` may have changed (the grading process keeps track).
    ``budget``: seconds for the whole notebook (None: no limit). ``tests`` (an
    :class:`autograder.grade.trusted.runner.TrustedTests`): its test cells run in the grader, not in
    the kernel (None: every cell runs in the kernel, as plain nbgrader does)."""
    run = _Run(nb, kernel, timeout, max_output_chars, monitor, restart, budget, max_restarts,
               tests)
    return await run.run()
