"""Run a sanitized notebook, cell by cell, in a fresh kernel.

nbclient does the messaging; this module decides what happens when a cell misbehaves:

- a cell past the per-cell time limit stops the notebook (the kernel is discarded, not
  interrupted: a loop inside compiled code ignores interrupts); the cells before it keep their
  outputs, the rest are not run;
- a dead kernel (``os._exit``, a segfault, the memory limit) stops the notebook the same way,
  and the exit code or signal is reported;
- output is capped per cell while it arrives (a flood of prints cannot fill the grader's
  memory), with a note saying how much was dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from dataclasses import dataclass, field

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output

from autograder.kernels import Kernel, crash_report

OK, TIMEOUT, DEAD = "ok", "timeout", "dead"
MAX_RICH_OUTPUTS = 20           # displays (figures ...) kept per cell
MAX_RICH_CHARS = 5_000_000      # characters of rich output kept per cell


@dataclass
class Execution:
    """What happened when a notebook ran."""

    status: str = OK                       # OK, TIMEOUT or DEAD
    executed: set[int] = field(default_factory=set)   # cells that ran to completion
    stopped_at: int | None = None          # the cell that timed out or killed the kernel
    message: str = ""
    seconds: float = 0.0
    memory_error: bool = False
    truncated: list[int] = field(default_factory=list)


class CappedClient(NotebookClient):
    """An nbclient client that keeps at most ``max_output_chars`` characters of stream output
    and a bounded amount of rich output per cell."""

    def __init__(self, nb: NotebookNode, max_output_chars: int, **kw):
        super().__init__(nb, **kw)
        self.max_output_chars = max_output_chars
        self.chars: dict[int, int] = {}
        self.rich: dict[int, list[int]] = {}
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

    def output(self, outs, msg, display_id, cell_index):
        msg_type = msg["msg_type"]
        content = msg["content"]
        if msg_type == "stream":
            text = content.get("text", "")
            used = self.chars.get(cell_index, 0)
            room = max(0, self.max_output_chars - used)
            if len(text) > room:
                self.dropped[cell_index] = self.dropped.get(cell_index, 0) + len(text) - room
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
                self.dropped[cell_index] = self.dropped.get(cell_index, 0) + data_size
                return None
            self.rich[cell_index] = [count + 1, size + data_size]
        return super().output(outs, msg, display_id, cell_index)


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def describe_exit(returncode: int | None) -> str:
    """``os._exit(3)`` -> "exit code 3"; a segfault -> "SIGSEGV, a crash"."""
    if returncode is None:
        return "no exit status"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        hint = {"SIGSEGV": ", a crash", "SIGKILL": ", killed (out of memory?)",
                "SIGABRT": ", aborted (out of memory?)", "SIGBUS": ", a crash"}
        return f"{name}{hint.get(name, '')}"
    return f"exit code {returncode}"


async def _exit_status(kernel: Kernel) -> int | None:
    process = getattr(getattr(kernel.km, "provisioner", None), "process", None)
    if process is None:
        return None
    for _ in range(20):
        code = process.poll()
        if code is not None:
            return code
        await asyncio.sleep(0.05)
    return None


async def execute_notebook(nb: NotebookNode, kernel: Kernel, timeout: float,
                           max_output_chars: int, monitor=None) -> Execution:
    """Run every code cell of ``nb`` (in place) in ``kernel``; never raises for what the
    student's code does. ``monitor`` (an :class:`autograder.integrity.Monitor`) is called
    before and after every code cell, and once more if the notebook ran to the end."""
    result = Execution()
    client = CappedClient(
        nb, max_output_chars, km=kernel.km, timeout=int(max(1, round(timeout))),
        allow_errors=True, interrupt_on_timeout=False, raise_on_iopub_timeout=False,
        iopub_timeout=4, record_timing=False, shutdown_kernel="immediate")
    client.kc = kernel.kc
    start = time.perf_counter()
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    before = asyncio.all_tasks()
    for index in range(len(nb.cells)):
        cell = nb.cells[index]
        if cell.cell_type != "code":
            continue
        if monitor is not None:
            await monitor.before_cell(kernel, index)
        try:
            await client.async_execute_cell(cell, index,
                                            execution_count=client.code_cells_executed + 1)
        except CellTimeoutError:
            result.status, result.stopped_at = TIMEOUT, index
            position = code_cells.index(index) + 1
            result.message = (f"code cell {position} (of {len(code_cells)}) ran longer than "
                              f"the {timeout:g} s limit and was stopped; the cells after it "
                              "were not run")
            cell.outputs.append(_error_output(
                "TimeoutError", f"this cell ran longer than {timeout:g} s and was stopped"))
            break
        except DeadKernelError:
            result.status, result.stopped_at = DEAD, index
            position = code_cells.index(index) + 1
            how = describe_exit(await _exit_status(kernel))
            report = crash_report(kernel, lines=1)
            if report:
                how += f": {report[:200]}"
            result.message = (f"the kernel died ({how}) while running code cell {position} "
                              f"(of {len(code_cells)}); the cells after it were not run")
            cell.outputs.append(_error_output("DeadKernelError",
                                              f"the kernel died while running this cell ({how})"))
            break
        finally:
            dropped = client.dropped.pop(index, 0)
            if dropped:
                result.truncated.append(index)
                cell.outputs.append(new_output(
                    "stream", name="stdout",
                    text=f"\n... output truncated: {dropped} more characters were not kept ...\n"))
        result.executed.add(index)
        if any(o.get("output_type") == "error" and o.get("ename") == "MemoryError"
               for o in cell.outputs):
            result.memory_error = True
        if monitor is not None:
            await monitor.after_cell(kernel, index)
    if monitor is not None and result.status == OK:
        await monitor.finish(kernel, len(nb.cells))
    if result.status != OK:
        for task in asyncio.all_tasks() - before:
            if task is not asyncio.current_task():
                task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.sleep(0)
    result.seconds = time.perf_counter() - start
    return result
