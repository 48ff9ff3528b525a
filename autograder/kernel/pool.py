"""Fresh kernels for grading, one per notebook, ready before they are needed.

Each kernel is a new process (no state can leak from one student to the next) running in its
own empty temporary folder, under a memory limit, with one BLAS thread (grading workers
already use every core) and nbgrader's ``NBGRADER_EXECUTION=autograde``. Local sockets (ipc)
connect it: no TCP port to collide on when several workers start kernels at once.

Two ways to start one, same result:

- *fork* (default on Linux): :mod:`autograder.kernel.zygote` forks it from a process that imported
  ipykernel and the warm modules (numpy, matplotlib) once; ~0.1-0.2 s instead of ~1 s;
- *spawn*: a new interpreter via :mod:`autograder.kernel.launcher`, then the warm modules
  are imported silently before the kernel is handed out.

:class:`KernelPool` keeps a spare kernel starting while the current notebook runs, and can
prepare it there too (``prepare``: the grader's stub put in, off the notebook's time).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from jupyter_core.utils import ensure_async

from autograder.kernel.launcher import RUN_DIR_ENV
from autograder.kernel.sandbox import (
    BWRAP,
    Sandbox,
    bwrap_prefix,
    interpreter,
    kernel_user,
    kill_user,
    slot_source,
)
from autograder.kernel.settings import KERNEL_OPTIONS, KernelSettings
from autograder.kernel.zygote import Zygote, kernel_env

KERNEL_NAME = "autograder-python"
STARTUP_TIMEOUT = 60.0


class _SpecManager(KernelSpecManager):
    """Serves the one kernel spec the grader uses: this interpreter's ipykernel, through the
    limit-setting launcher (spawn: in the ``bwrap`` sandbox, a ``bwrap`` of its own around
    its folders ``own``) or the zygote (fork: argv[0] is a placeholder)."""

    def __init__(self, settings: KernelSettings, own: tuple[str, str] = ("", ""), **kw):
        super().__init__(**kw)
        self._settings = settings
        self._own = own

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        cwd, run = self._own
        launcher = (["zygote"] if self._settings.forks else
                    [*bwrap_prefix(Sandbox.from_json(self._settings.sandbox), [cwd, run],
                                   slot_source(cwd)),
                     interpreter(), "-m", "autograder.kernel.launcher",
                     "--memory-mb", str(self._settings.memory_mb),
                     *(["--sandbox", self._settings.sandbox] if self._settings.sandbox
                       else [])])
        return KernelSpec(argv=[*launcher, "-f", "{connection_file}", *KERNEL_OPTIONS],
                          display_name="Python 3 (autograder)", language="python",
                          name=KERNEL_NAME)


def settings_env(settings: KernelSettings) -> dict[str, str]:
    return kernel_env(dict(settings.env))


class _ForkedProcess:
    """The part of ``Popen`` that LocalProvisioner uses, for a kernel forked by a zygote."""

    stdin = stdout = stderr = None

    def __init__(self, zygote: Zygote, pid: int):
        self.zygote = zygote
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.returncode(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ZygoteProvisioner(LocalProvisioner):
    """Starts the kernel by asking the zygote to fork; the rest is LocalProvisioner's."""

    zygote: Zygote | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs):
        assert self.zygote is not None
        cwd = str(kwargs.get("cwd") or os.getcwd())
        log = str(kwargs.get("log") or os.devnull)
        run = str(kwargs.get("run") or cwd)
        pid = await self.zygote.fork(list(cmd[1:]), cwd, log, run)
        self.process = _ForkedProcess(self.zygote, pid)
        self.pid = self.pgid = pid
        self.cwd = cwd
        return self.connection_info

    async def wait(self) -> int | None:
        ret = 0
        if self.process:
            while await self.poll() is None:
                await asyncio.sleep(0.02)
            ret = self.process.returncode
            self.process = None
        return ret


@dataclass
class Kernel:
    """A started, ready kernel and the folder it runs in (``cwd``: only the submission's
    files; its sockets, connection file and HOME are in the private folder ``<cwd>-run``)."""

    km: AsyncKernelManager
    kc: object  # AsyncKernelClient
    cwd: Path
    warmup_error: str = ""
    #: What is closed with the kernel (the grader's end of the link to its stub): closed
    #: here, not left to the garbage collector, whose ResourceWarning could land in a test.
    closing: list[Callable[[], None]] = field(default_factory=list)

    @property
    def run(self) -> Path:
        """The kernel's private folder (sockets, connection file, HOME)."""
        return Path(f"{self.cwd}-run")

    @property
    def pid(self) -> int | None:
        """The kernel process's id (the thread that runs its cells), None if not known."""
        return getattr(self.km.provisioner, "pid", None)

    async def alive(self) -> bool:
        """The kernel process still runs (one that cannot say is not alive)."""
        try:
            return bool(await self.km.is_alive())
        except Exception:  # noqa: BLE001 - a kernel that cannot say is not alive
            return False


async def start_kernel(settings: KernelSettings, zygote=None) -> Kernel:
    """Start a kernel in a new empty folder and wait until it answers."""
    cwd = Path(tempfile.mkdtemp(prefix="grade-", dir=settings.tmp_root))
    run = Path(f"{cwd}-run")   # sockets, connection file, HOME: the kernel's, not the student's
    run.mkdir(mode=0o700)
    log = f"{cwd}.log"   # the kernel's own stderr (the student's text: never in a message)
    if zygote is None and Sandbox.from_json(settings.sandbox).mode == BWRAP:
        os.mkdir(slot_source(cwd), mode=0o755)   # what its bwrap shows at the slot
    km = AsyncKernelManager(kernel_name=KERNEL_NAME,
                            kernel_spec_manager=_SpecManager(settings, (str(cwd), str(run))),
                            transport="ipc", ip=str(run / "ipc"))
    km.connection_file = str(run / "kernel.json")
    try:
        if zygote is not None:
            km.kernel_id = str(uuid.uuid4())
            provisioner = ZygoteProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec,
                                            parent=km)
            provisioner.zygote = zygote
            km.provisioner = provisioner
            await km.start_kernel(cwd=str(cwd), log=log, run=str(run))
        else:
            env = {**settings_env(settings), RUN_DIR_ENV: str(run)}
            with open(log, "wb") as stderr:
                await km.start_kernel(cwd=str(cwd), env=env,
                                      stdout=subprocess.DEVNULL, stderr=stderr)
        kc = km.client()
        await ensure_async(kc.start_channels())
        kc.allow_stdin = False  # input() fails at once instead of waiting for the time limit
        await _until_ready(kc, STARTUP_TIMEOUT)
    except BaseException as exc:
        why = _last_words(log)   # read before the folder goes; no student code ran yet
        with contextlib.suppress(Exception):
            await km.shutdown_kernel(now=True)
        _remove(cwd)
        if isinstance(exc, Exception):
            raise KernelStartError(
                f"a kernel died while starting, before it ran any of the notebook ({exc}"
                + (f"; its last words: {why}" if why else "")
                + f"): check the machine, --memory ({settings.memory_mb} MB) and the "
                "sandbox notice") from exc
        raise
    kernel = Kernel(km, kc, cwd)
    if settings.warmup and zygote is None:
        kernel.warmup_error = await _warm_up(kernel, settings.warmup)
    return kernel


#: How long :func:`_until_ready` waits for the kernel's first broadcast after each reply.
IOPUB_LOOK = 0.01


async def _until_ready(kc, timeout: float) -> None:
    """Wait until the kernel answers on its shell channel and its broadcasts (iopub) reach
    this client: what ``wait_for_ready`` does, with shorter looks.

    A kernel answers ``kernel_info`` and broadcasts its status right after; a subscription
    that joined too late misses that status, and the request is sent again. jupyter_client
    waits 0.2 s for the status each time, and on this machine a forked kernel's first
    status was missed nearly every time: 0.35 s from its fork to ready, 0.15 s of it
    starting. Looking for :data:`IOPUB_LOOK` and asking again gives the same guarantee
    (every output of the first cell reaches this client) 0.2 s sooner, and that wait is
    the first notebook's of every grading run."""
    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            reply = await kc.shell_channel.get_msg(timeout=1)
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:
                await kc.iopub_channel.get_msg(timeout=IOPUB_LOOK)
            except Empty:
                pass
            else:
                kc._handle_kernel_info_reply(reply)   # noqa: SLF001 - as wait_for_ready does
                return
        if not await kc.is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


class KernelStartError(RuntimeError):
    """A kernel that did not start: the machine's or the settings' fault, not the notebook's."""


def _last_words(log: str, limit: int = 300) -> str:
    """What a starting kernel last wrote to its log (its stderr), cut to ``limit``: its last
    two lines that are not a traceback's frames or headers (an exception's line, Python's
    "Fatal Python error" and its cause, a library's abort message)."""
    try:
        with open(log, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - 4096))
            lines = fh.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    said = [line.strip() for line in lines if line.strip() and not line[:1].isspace()
            and not line.startswith(("Traceback", "Current thread", "Thread 0x"))]
    return " / ".join(said[-2:])[:limit]


async def _warm_up(kernel: Kernel, modules: tuple[str, ...]) -> str:
    """Import ``modules`` silently (no name is bound in the user namespace); "" if it worked."""
    code = "\n".join(f"try:\n    __import__({m!r})\nexcept Exception:\n    pass"
                     for m in modules)
    msg_id = await ensure_async(kernel.kc.execute(code, silent=True, store_history=False))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT
    while loop.time() < deadline:
        try:
            reply = await kernel.kc.get_shell_msg(timeout=0.5)
        except Empty:
            if not await kernel.alive():
                return "the kernel died while importing " + ", ".join(modules)
            continue
        if reply["parent_header"].get("msg_id") == msg_id:
            content = reply["content"]
            return "" if content.get("status") == "ok" else content.get("ename", "error")
    return "warm-up timed out"


async def stop_kernel(kernel: Kernel) -> None:
    """Kill the kernel at once (it is never reused), with anything the student's code left
    running in the background when it has a user of its own, and delete its folder."""
    uid = kernel_user(kernel.cwd)
    for close in kernel.closing:
        with contextlib.suppress(Exception):
            close()
    with contextlib.suppress(Exception):
        kernel.kc.stop_channels()
    with contextlib.suppress(Exception):
        await kernel.km.shutdown_kernel(now=True)
    with contextlib.suppress(Exception):
        await kernel.km.cleanup_resources()
    # in a thread: killing the user's processes forks this process and, with deleting the
    # folders, took 46 ms a kernel, which the event loop running the next notebook's cells
    # would otherwise wait for
    await asyncio.get_running_loop().run_in_executor(None, _dispose, uid, kernel.cwd)


def _dispose(uid: int | None, cwd: Path) -> None:
    if uid is not None:
        kill_user(uid)
    _remove(cwd)


def _remove(cwd: Path) -> None:
    shutil.rmtree(cwd, ignore_errors=True)
    shutil.rmtree(f"{cwd}-run", ignore_errors=True)
    shutil.rmtree(slot_source(cwd), ignore_errors=True)
    for leftover in cwd.parent.glob(f"{cwd.name}-ipc-*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
    with contextlib.suppress(OSError):
        Path(f"{cwd}.log").unlink()


class KernelPool:
    """Hands out fresh kernels; keeps ``spares`` more starting in the background.

    ``prepare``: run on each kernel once it answers, before it is handed out (for a spare,
    while the current notebook runs). A kernel it fails on is handed out all the same: what
    it prepares must also be done later by whoever needs it."""

    def __init__(self, settings: KernelSettings, spares: int = 1, zygote: Zygote | None = None,
                 prepare: Callable[[Kernel], Awaitable[None]] | None = None):
        self.settings = settings
        self.spares = max(0, spares)
        self._prepare = prepare
        self._starting: list[asyncio.Task] = []
        self._stopping: set[asyncio.Task] = set()
        self._zygote = zygote

    def _zygote_handle(self):
        if not self.settings.forks:
            return None
        if self._zygote is None or not self._zygote.alive():
            if self._zygote is not None:
                self._zygote.close()
            self._zygote = Zygote(self.settings.memory_mb, self.settings.warmup,
                                  settings_env(self.settings), self.settings.sandbox)
        return self._zygote

    def _start(self) -> asyncio.Task:
        return asyncio.ensure_future(self._started(self._zygote_handle()))

    async def _started(self, zygote: Zygote | None) -> Kernel:
        kernel = await start_kernel(self.settings, zygote)
        if self._prepare is not None:
            try:
                await self._prepare(kernel)
            except Exception:  # noqa: BLE001, S110 - handed out all the same (see the class)
                pass
            except BaseException:   # cancelled (the pool closes): the kernel is not left running
                await stop_kernel(kernel)
                raise
        return kernel

    def _top_up(self) -> None:
        while len(self._starting) < self.spares:
            self._starting.append(self._start())

    def prime(self) -> None:
        """Start the zygote and the spare kernels now (call from inside the event loop)."""
        self._zygote_handle()
        self._top_up()

    async def acquire(self) -> Kernel:
        """A ready kernel nobody has used. Starts the next spare once it is ready (not
        beside it: the first kernel of a run starts alone, sooner)."""
        task = self._starting.pop(0) if self._starting else self._start()
        try:
            kernel = await task
        except Exception:
            # a kernel that failed to start (e.g. the zygote died): try once more, directly
            kernel = await self._start()
        self._top_up()
        return kernel

    def release(self, kernel: Kernel) -> None:
        """Dispose of a used kernel in the background."""
        task = asyncio.ensure_future(stop_kernel(kernel))
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    async def close(self) -> None:
        for task in self._starting:
            task.cancel()
        for task in self._starting:
            with contextlib.suppress(BaseException):
                await stop_kernel(await task)
        self._starting.clear()
        if self._stopping:
            await asyncio.gather(*self._stopping, return_exceptions=True)
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None
