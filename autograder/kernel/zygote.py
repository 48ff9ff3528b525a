"""Fresh kernels in a fraction of the usual start-up time: fork them from a warm process.

Starting an IPython kernel the usual way costs 0.5-1 s of CPU (a new interpreter importing
ipykernel, then numpy and matplotlib in the first cell), more than a small notebook takes to
run. A *zygote* is a process that has imported those modules once and never runs any code of
a student; each kernel is an ``os.fork()`` of it that then starts the kernel application. The
kernel is a new process with a new, empty namespace, as fresh as a started one, but the
modules are already in memory (shared copy-on-write).

The zygote follows the recipe of Python's :func:`gc.freeze` documentation for a process that
forks without exec: no garbage collection while it imports (its full collections cost 0.15 s
of its start), :func:`gc.freeze` before it forks, collection enabled again in each kernel.
A kernel's collections then skip the frozen modules (they never are garbage), so they do not
walk them, nor write to (and so copy) the pages holding them.

After the fork, the child gets its own session (interrupts reach only it), the grading
folder as its working directory, its memory limit, fresh random seeds (``random`` and
numpy's legacy global generator, as a new interpreter would have), ``/dev/null`` as stdin and
stdout, a log file as stderr, enters the run's sandbox (:mod:`autograder.kernel.sandbox`: a user of
its own, no network, only its folders writable), and is killed if the zygote dies (which dies
with its grading process).

This module imports only the standard library, so a grading process can start its zygote
before it imports anything heavy (:func:`autograder.grade.process.boot`).

Protocol (JSON lines): the grading process writes ``{"id", "argv", "cwd", "log"}`` to the zygote's
stdin; the zygote answers ``{"forked": id, "pid": pid}`` and, when a kernel exits,
``{"exited": pid, "code": returncode}`` (negative: killed by that signal), like ``Popen``.

:class:`autograder.kernel.pool.ZygoteProvisioner` lets jupyter_client's kernel manager drive
such a kernel (poll, signal, kill, wait) as if it had started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import time

FORK_TIMEOUT = 30.0


def kernel_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of grading kernels: this one, with one BLAS thread (grading processes
    already use every core), matplotlib's inline backend (figures reach the feedback) and
    nbgrader's ``NBGRADER_EXECUTION=autograde``."""
    env = dict(os.environ)
    env.update({
        "NBGRADER_EXECUTION": "autograde",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    for key in ("JPY_SESSION_NAME", "JPY_PARENT_PID", "PYTHONWARNINGS"):
        env.pop(key, None)
    env.update(overrides or {})
    return env


# --------------------------------------------------------------------------- the zygote

def _child(request: dict, memory_mb: int, sandbox: str = "", zygote: int | None = None) -> None:
    """In the forked child: become a clean kernel process and run the kernel (never returns);
    ``zygote``: the zygote's pid (the kernel dies with it, even one that died a moment ago)."""
    code = 1
    try:
        gc.enable()   # disabled in the zygote (see the module docstring)
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 2)
        os.chdir(request["cwd"])
        from autograder.kernel.launcher import die_with_parent, enter_sandbox, limit_resources

        die_with_parent(zygote)
        limit_resources(memory_mb)
        enter_sandbox(sandbox, request["cwd"], request.get("run") or request["cwd"], zygote)
        _reseed()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from ipykernel.kernelapp import launch_new_instance

        sys.argv = [sys.argv[0], *request["argv"]]
        launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - report on stderr (the log) and exit
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os._exit(code)


def _draw_a_figure() -> None:
    """Draw one figure as the inline backend shows it (a PNG with a legend, a bold title and
    a formula), thrown away: the fonts, the formula parser and the PNG writer are then loaded
    once here instead of in each kernel's first figure (0.05-0.2 s each). Nothing of it
    stays in pyplot (the figure is not pyplot's)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3, 2))
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    axes.plot([0.0, 1.0], [0.0, 1.0], label=r"$\sigma(z)$")
    axes.set_title("warm-up", fontweight="bold")
    axes.set_xlabel("z")
    axes.legend()
    figure.savefig(io.BytesIO(), format="png", bbox_inches="tight")


def _reseed() -> None:
    import random

    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        with contextlib.suppress(Exception):
            numpy.random.seed()


def _reap(out) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        out.write(json.dumps({"exited": pid, "code": os.waitstatus_to_exitcode(status)}) + "\n")
        out.flush()


def main(argv: list[str] | None = None) -> None:
    """``python -m autograder.kernel.zygote MEMORY_MB MODULE,MODULE... [SANDBOX_JSON]``: serve fork
    requests."""
    gc.disable()   # until the imports are done and frozen (see the module docstring)
    argv = sys.argv[1:] if argv is None else argv
    memory_mb = int(argv[0]) if argv else 0
    modules = [m for m in (argv[1].split(",") if len(argv) > 1 else []) if m]
    sandbox = argv[2] if len(argv) > 2 else ""
    from autograder.kernel.launcher import die_with_parent

    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    importlib.import_module("ipykernel.kernelapp")
    # what every kernel imports before its first cell, once here instead of in every kernel:
    # the kernel's own parts it imports when it starts (its debugger, the history's sqlite3,
    # IPython's magics: the package loads each group of magics when first used, and a kernel
    # uses the execution magics and pdb when it starts, 15-20 ms), the integrity checks (and
    # the modules they protect), the sandbox
    for name in ("ipykernel.debugger", "sqlite3", "IPython.core.magics",
                 "IPython.core.magics.execution", "IPython.core.debugger",
                 "IPython.core.oinspect", "tornado.platform.asyncio",
                 "IPython.core.completerlib", "IPython.extensions.storemagic",
                 "autograder.grade.integrity_probe", "autograder.kernel.sandbox",
                 "autograder.kernel.figures", "numpy.testing"):
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    for name in modules:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    if "matplotlib" in sys.modules:
        with contextlib.suppress(Exception):
            _draw_a_figure()
    gc.freeze()
    out = sys.stdout
    zygote = os.getpid()
    out.write(json.dumps({"ready": zygote}) + "\n")
    out.flush()
    stdin = sys.stdin.buffer
    buffer = b""
    while True:
        ready, _, _ = select.select([stdin], [], [], 0.05)
        _reap(out)
        if not ready:
            continue
        chunk = os.read(stdin.fileno(), 65536)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            request = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _child(request, memory_mb, sandbox, zygote)
            out.write(json.dumps({"forked": request["id"], "pid": pid}) + "\n")
            out.flush()
    _reap(out)


# --------------------------------------------------------------------------- the client

class Zygote:
    """A grading process's handle on a zygote process."""

    def __init__(self, memory_mb: int, modules: tuple[str, ...], env: dict[str, str],
                 sandbox: str = ""):
        from autograder.kernel.sandbox import interpreter

        self.proc = subprocess.Popen(
            [interpreter(), "-m", "autograder.kernel.zygote",
             str(memory_mb), ",".join(modules), sandbox],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, start_new_session=True)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._buffer = b""
        self._next = 0
        self.ready = False
        self.forked: dict[int, int] = {}
        self.exited: dict[int, int] = {}

    def _drain(self) -> None:
        try:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            return
        self._buffer += chunk
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            msg = json.loads(line)
            if "ready" in msg:
                self.ready = True
            elif "forked" in msg:
                self.forked[msg["forked"]] = msg["pid"]
            elif "exited" in msg:
                self.exited[msg["exited"]] = msg["code"]

    def alive(self) -> bool:
        return self.proc.poll() is None

    async def wait_ready(self, timeout: float = FORK_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready:
            self._drain()
            if not self.alive():
                raise RuntimeError("the kernel zygote exited while starting")
            if time.monotonic() > deadline:
                raise TimeoutError("the kernel zygote did not start")
            await asyncio.sleep(0.01)

    async def fork(self, argv: list[str], cwd: str, log: str, run: str = "") -> int:
        """Fork a kernel in folder ``cwd`` (``run``: its private folder); returns its pid.

        Cancelled once the request is sent (a pool closing while a spare starts), it still
        waits for the pid and kills that kernel: the zygote forks it all the same, and it
        would run unowned until the zygote ends, writing its connection file and sockets
        into the folder its caller has just removed."""
        await self.wait_ready()
        self._next += 1
        rid = self._next
        request = {"id": rid, "argv": argv, "cwd": cwd, "log": log, "run": run or cwd}
        self.proc.stdin.write((json.dumps(request) + "\n").encode())
        self.proc.stdin.flush()
        try:
            return await self._pid_of(rid)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                os.kill(await self._pid_of(rid), signal.SIGKILL)
            raise

    async def _pid_of(self, rid: int) -> int:
        deadline = time.monotonic() + FORK_TIMEOUT
        while rid not in self.forked:
            self._drain()
            if not self.alive():
                raise RuntimeError("the kernel zygote died")
            if time.monotonic() > deadline:
                raise TimeoutError("the kernel zygote did not fork")
            await asyncio.sleep(0.002)
        return self.forked.pop(rid)

    def returncode(self, pid: int) -> int | None:
        self._drain()
        if pid in self.exited:
            return self.exited[pid]
        if not self.alive():  # the zygote is gone: its kernels were killed with it
            return self.exited.setdefault(pid, -signal.SIGKILL)
        return None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(Exception):
            self.proc.stdout.close()


def skip_slow_optional_imports() -> None:
    """Make ``import nbformat`` 2 s faster in a process of the tool.

    nbformat imports jsonschema, whose optional "iri" format checker imports
    ``rfc3987_syntax``, which compiles a grammar at import (1.5-2.5 s). The notebook schema
    uses no format checker, so nothing the tool does needs it: mark it absent (jsonschema
    then simply has no "iri" checker). Only for processes the tool owns (the command line,
    grading processes), never for a program that imports the tool as a library."""
    sys.modules.setdefault("rfc3987_syntax", None)


if __name__ == "__main__":
    main()
