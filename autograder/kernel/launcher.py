"""Start an IPython kernel under the grader's limits: ``python -m autograder.kernel.launcher
--memory-mb N -f CONNECTION_FILE``.

Before the kernel starts it caps its address space (``RLIMIT_AS``: an allocation past the limit
raises MemoryError in the student's cell instead of taking the machine down) and the size of
any file it writes (``RLIMIT_FSIZE``, :data:`autograder.kernel.sandbox.FILE_MB`: a larger write
fails with "File too large"), forbids core dumps, asks Linux to kill it when the grading worker that
started it dies, and enters the run's sandbox (``--sandbox JSON``, :mod:`autograder.kernel.sandbox`:
its own user and control group, no network, only its folders writable). The control group
caps the memory of the kernel and all its children together at the same limit, and their
number (:data:`autograder.kernel.sandbox.KERNEL_PROCESSES`).
"""

from __future__ import annotations

import os
import resource
import signal
import sys

from autograder.kernel.sandbox import FILE_MB

#: The environment variable that names a spawned kernel's private folder.
RUN_DIR_ENV = "AUTOGRADER_KERNEL_RUN"


def limit_resources(megabytes: int) -> None:
    """Cap the address space at ``megabytes`` (0: no cap; the sandbox's control group takes
    the same limit for the kernel and its children together), the size of a written file at
    ``FILE_MB`` (a write past it fails instead of killing the process with SIGXFSZ), and
    forbid core dumps."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    file_limit = FILE_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere).

    ``parent``: the parent's pid as the parent knew it before it forked this process. A
    parent that died before this call goes unseen otherwise: the process is already an
    orphan, whose parent of the moment (init) looks alive; a kernel forked by a zygote killed
    at that moment ran on after the grading run (seen in CI: a kernel of a test's killed
    grading process, alive after the test suite)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        expected = os.getppid() if parent is None else parent
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != expected:  # the parent died before prctl
            os._exit(1)
    except OSError:
        pass


def enter_sandbox(sandbox: str, cwd: str, run_dir: str, parent: int | None = None) -> None:
    """Confine this kernel process (:func:`autograder.kernel.sandbox.confine`) when ``sandbox`` (the
    run's Sandbox as JSON) asks for it; what failed goes to stderr, the kernel's log.
    ``parent``: as :func:`die_with_parent`'s."""
    if not sandbox:
        return
    from autograder.kernel.sandbox import Sandbox, confine

    done = confine(Sandbox.from_json(sandbox), cwd, run_dir)
    for problem in done.problems:
        print(f"sandbox: {problem}", file=sys.stderr, flush=True)
    if done.uid is not None:
        die_with_parent(parent)   # a change of user clears the parent-death signal: again


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    megabytes, sandbox = 0, ""
    while len(argv) >= 2 and argv[0] in ("--memory-mb", "--sandbox"):
        if argv[0] == "--memory-mb":
            megabytes = int(argv[1])
        else:
            sandbox = argv[1]
        argv = argv[2:]
    die_with_parent()
    limit_resources(megabytes)
    from ipykernel.kernelapp import launch_new_instance

    enter_sandbox(sandbox, os.getcwd(), os.environ.pop(RUN_DIR_ENV, os.getcwd()))

    sys.argv = [sys.argv[0], *argv]
    launch_new_instance()


if __name__ == "__main__":
    main()
