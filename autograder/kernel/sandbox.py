"""Where student code runs: its own folder, its own user, no network, nothing else writable.

A grading kernel runs the student's code, so it gets as little of the machine as the
machine allows. :func:`plan` decides once per run what is possible here, and
:func:`notice` is the one line the run logs about it:

- ``user`` (the grader runs as root on Linux): each kernel, once forked or launched and
  before it reads anything of the student, joins a control group of its own (below), enters
  new network, IPC and mount namespaces (no network at all: the kernel talks to the grader
  over local sockets), and in its mount namespace sees:

  * every file system read-only;
  * only the system's folders (``/usr``, ``/etc``, ``/bin``, ``/lib*``, ``/dev``, ``/proc``,
    ``/sys``): every other top-level folder (``/home``, ``/root``, ``/srv``, ``/var``,
    ``/run``, ``/opt``, ``/work`` ...) is an empty read-only file system, and so are the
    folders the run hides (the course's source notebooks, the grading output with its
    gradebook, the submissions) and the checkout the course's packages are installed from
    (an editable install: its ``.git``, ``notebooks/``, ``build/``, ``tests/``, earlier
    outputs);
  * mounted back read-only into those empty folders: the Python installation (venv included,
    even one inside the checkout) and the packages the checkout provides (``course_lib/``,
    ``autograder/``);
  * private, empty, size-capped (``TMPFS_MB``) file systems on every world-writable folder
    (``/tmp``, ``/var/tmp``, ``/dev/shm``, ``/run/lock``, ``/dev/mqueue``, world-writable
    tmpfs mounts): nothing written there reaches the host or outlives the kernel;
  * its own two folders, writable: the working folder holding only this submission's files
    and a private folder for its sockets, connection file and ``HOME``.

  Then the kernel drops to a user of its own (uid ``BASE_UID`` + its pid, no groups,
  ``no_new_privs``), which owns only those two folders: it cannot write the gradebook or
  another student's files, and cannot signal or trace another kernel.
  Limits: the control group (cgroup v2 where the grader's own group can delegate, else the
  cgroup v1 ``memory`` and ``pids`` hierarchies) caps the memory of the kernel and all its
  children together (the kernel's memory limit; tmpfs pages count too) and its number of
  processes and threads (``KERNEL_PROCESSES``; ``RLIMIT_NPROC`` of its user caps it as well);
  every process also has ``RLIMIT_AS`` (per process) and ``RLIMIT_FSIZE`` (``FILE_MB``).
  :func:`kill_user` (when the kernel is stopped) kills what is left and removes the group.
  Where namespaces are refused (a container without ``CAP_SYS_ADMIN``), the kernel still
  drops to its own user if the Python installation is readable by every user.
- ``bwrap`` (not root, but bubblewrap installed): each kernel is started (not forked) in a
  ``bwrap`` of its own (:func:`bwrap_prefix`): new user, PID, IPC and network namespaces,
  the system's folders, the Python installation and the course's packages read-only, its
  own two folders writable, the student edition at course_lib's place, private ``/tmp``,
  ``RLIMIT_NPROC`` (counted in its own user namespace on Linux 5.14+). It keeps the grader's
  user: no control group, and memory is capped per process only.
- ``none``: the kernels run as the grader's user, unconfined, able to reach every process
  of that user (:data:`SHARED_USER`, said in the notice).

What stays exposed: without a student edition (no release, or the ``--in-kernel`` run of
plain nbgrader's way) the kernel reads the reference library ``course_lib/`` (read-only). It
also reads the system's folders (in the ``user`` sandbox ``/proc`` too: other processes'
command lines), and may fill its working folder with many files of ``FILE_MB`` each until
the time limit ends it.

:func:`confine` is what a kernel process does to enter the ``user`` sandbox (called by
:mod:`autograder.kernel.zygote` in a forked kernel, and by :mod:`autograder.kernel.launcher`;
in the ``bwrap`` sandbox only its process limit).
"""

from __future__ import annotations

import atexit
import compileall
import contextlib
import ctypes
import functools
import importlib.metadata
import importlib.util
import json
import os
import pwd
import py_compile
import re
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from urllib.parse import unquote, urlparse

#: The user of the kernel with process id ``pid`` is ``BASE_UID + pid`` (group the same):
#: a user nothing else on the machine has, so kernels cannot touch each other's files.
BASE_UID = 1_500_000_000
USER, BWRAP, NONE = "user", "bwrap", "none"
TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/run/shm",
            "/dev/mqueue")
PRIVATE_HOME_ROOT = "/tmp/kernel"
#: The top-level folders a kernel sees (read-only); every other one is emptied.
SYSTEM_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc",
               "sys", "tmp")
#: Processes and threads of one kernel, its children included (ipykernel itself uses ~10).
KERNEL_PROCESSES = 64
#: The largest file a kernel's process may write (RLIMIT_FSIZE), in MB.
FILE_MB = 256
#: The size of each private tmpfs (/tmp, /dev/shm ...), in MB (its pages count as memory too).
TMPFS_MB = 256
#: The name of a kernel's control group (in the grader's own group), by its user.
CGROUP_NAME = "autograder-kernel-{uid}"
CGROUP_WAIT = 3.0   # seconds to wait for a stopped kernel's processes to leave its group

_CLONE_NEWNS, _CLONE_NEWIPC, _CLONE_NEWNET = 0x00020000, 0x08000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV = 1, 2, 4
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
#: mount options kept when a mount is made read-only (clearing them would loosen it)
_KEPT_FLAGS = {"nosuid": 2, "nodev": 4, "noexec": 8, "noatime": 1024, "nodiratime": 2048,
               "relatime": 1 << 21, "nosymfollow": 256}
_PR_SET_NO_NEW_PRIVS = 38


@dataclass(frozen=True)
class Sandbox:
    """How this run confines its kernels (plain data: it travels in the kernel settings)."""

    mode: str = NONE
    namespaces: bool = False             # user mode: network and mount namespaces work
    hide: tuple[str, ...] = ()           # folders a kernel must not see
    keep: tuple[str, ...] = ()           # inside them, the packages a kernel imports
    why: str = ""                        # why the sandbox is weaker than it could be
    cgroup: int = 0                      # the control group version kernels join (0: none)
    controllers: tuple[str, ...] = ()    # "memory", "pids": what that group limits
    why_cgroup: str = ""                 # why there is no (or a partial) control group
    slot: str = ""                       # course_lib's folder: an empty file system in each
    #                                      kernel, filled per notebook (fill_slot)

    def can_hold_editions(self, forked: bool) -> bool:
        """Whether its kernels can be given the student edition of course_lib in place of the
        reference (:attr:`slot`): a ``bwrap`` of their own, or their own mount namespace in
        user mode where kernels are forked from a zygote (``forked``)."""
        return self.mode == BWRAP or (self.mode == USER and self.namespaces and forked)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> Sandbox:
        if not text:
            return cls()
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: tuple(v) if isinstance(v, list) else v
                      for k, v in data.items() if k in known})


@dataclass
class Confinement:
    """What :func:`confine` did in one kernel process."""

    uid: int | None = None
    network: bool = True          # still has the machine's network
    mounts: bool = False          # private /tmp, hidden folders
    cgroup: list[str] = field(default_factory=list)   # the control group folders it joined
    problems: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- deciding

def current_user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


SLOT_MB = 64   # the student edition's file system in a kernel


def plan(hide: tuple[str, ...] | list[str] = (), probe: bool = True) -> Sandbox:
    """What this machine allows (see the module docstring). ``hide``: folders kernels must
    not see (the checkouts of editable installs are added). ``probe``: try the ``user``
    sandbox and the control groups in throw-away processes and folders first."""
    hide = tuple(str(Path(h).resolve()) for h in hide if h)
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        namespaces, why = (_probe_namespaces() if probe else (True, ""))
        if not namespaces:
            unreadable = unreadable_paths()
            if unreadable:
                return Sandbox(NONE, why=f"{why}; the Python installation "
                                         f"({unreadable[0]}) is readable by root only")
        trees, packages = editable_installs()
        version, controllers, why_cgroup = (probe_cgroups() if probe
                                            else (0, (), "not probed"))
        return Sandbox(USER, namespaces=namespaces, hide=tuple(dict.fromkeys(hide + trees)),
                       keep=packages, why=why, cgroup=version, controllers=controllers,
                       why_cgroup=why_cgroup)
    if shutil.which("bwrap"):
        works, why = probe_bwrap() if probe else (True, "")
        if not works:
            return Sandbox(NONE, why=f"not running as root, and bubblewrap cannot run here: "
                                     f"{why}")
        trees, packages = editable_installs()
        return Sandbox(BWRAP, hide=tuple(dict.fromkeys(hide + trees)), keep=packages)
    return Sandbox(NONE, why="not running as root and bubblewrap (bwrap) is not installed")


def _per_namespace_limits() -> bool:
    """Linux counts RLIMIT_NPROC per user namespace (5.14 and later); before, a limit set in
    a kernel counted every process of the grader's user."""
    release = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return release is not None and (int(release[1]), int(release[2])) >= (5, 14)


def probe_bwrap(timeout: float = 10.0) -> tuple[bool, str]:
    """Whether ``bwrap`` is installed and can make the namespaces :func:`bwrap_prefix` asks
    for here (a container or a distribution may forbid unprivileged user namespaces), and
    why not."""
    if shutil.which("bwrap") is None:
        return False, "bubblewrap (bwrap) is not installed"
    try:
        done = subprocess.run([shutil.which("bwrap") or "bwrap", "--unshare-all",
                               "--unshare-user", "--disable-userns", "--ro-bind", "/", "/",
                               "--proc", "/proc", "true"], capture_output=True, text=True,
                              timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    return done.returncode == 0, done.stderr.strip()[-300:]


def notice(sandbox: Sandbox, memory_mb: int | None = None) -> str:
    """The run's one line about where student code runs and what limits it
    (``memory_mb``: the kernels' memory limit, when the caller knows it)."""
    code = ("the Python installation read-only, and instead of course_lib the student "
            "edition of the notebook's assignment, which holds no reference implementation "
            "of it" if sandbox.slot else "the Python installation and course_lib read-only")
    if sandbox.mode == USER:
        text = ("student code runs as a user of its own per kernel, able to write only its "
                "own folder")
        if sandbox.namespaces:
            text += (f", with no network and the course's files hidden ({code}), private "
                     "/tmp, /dev/shm & co.")
        else:
            text += f" (with the network: {sandbox.why})"
        return text + "; " + _limits_notice(sandbox, memory_mb)
    if sandbox.mode == BWRAP:
        amount = f"{memory_mb} MB " if memory_mb else ""
        processes = (f"at most {KERNEL_PROCESSES} processes per kernel (RLIMIT_NPROC in its "
                     "user namespace)" if _per_namespace_limits() else
                     "no cap on a kernel's number of processes (Linux before 5.14)")
        return (f"student code runs as {current_user()} in a bubblewrap sandbox of its own "
                "per kernel: no network, no other process in sight, able to write only its "
                f"own folder, the course's files hidden ({code}), private /tmp and /dev/shm "
                f"of {TMPFS_MB} MB; memory {amount}per process only (RLIMIT_AS), {processes}, "
                f"files up to {FILE_MB} MB (run grade as root for a user and a control group "
                "per kernel)")
    return (f"student code runs as {current_user()} without a sandbox"
            + (f" ({sandbox.why})" if sandbox.why else "") + SHARED_USER)


#: What the notice of a run without a sandbox adds.
SHARED_USER = ("; it shares your user with the other kernels and the grading processes, "
               "which a determined student's code can reach (it can kill every process of "
               "yours): install bubblewrap (bwrap), or run grade as root on Linux")


def _limits_notice(sandbox: Sandbox, memory_mb: int | None) -> str:
    amount = f"{memory_mb} MB " if memory_mb else ""
    if "memory" in sandbox.controllers:
        memory = f"memory {amount}per kernel incl. its children (cgroup v{sandbox.cgroup})"
    else:
        memory = (f"memory {amount}per process only (RLIMIT_AS): no cgroup"
                  + (f" ({sandbox.why_cgroup})" if sandbox.why_cgroup else ""))
    how = "pids cgroup and RLIMIT_NPROC" if "pids" in sandbox.controllers else "RLIMIT_NPROC"
    return (f"{memory}, at most {KERNEL_PROCESSES} processes per kernel ({how}), files up to "
            f"{FILE_MB} MB, private file systems of {TMPFS_MB} MB")


def _probe_namespaces(timeout: float = 10.0) -> tuple[bool, str]:
    """Can a process here make network, IPC and mount namespaces and mount a tmpfs?"""
    import select

    libc = _libc()   # loaded before the fork: the child only makes system calls
    mount = _mount_function(libc)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        answer = b"ok"
        if libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWIPC) != 0:
            answer = b"unshare"
        elif mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0 or mount(
                b"tmpfs", b"/tmp", b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=1777") != 0:
            answer = b"mount"
        os.write(write, answer)
        os._exit(0)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], timeout)
        answer = os.read(read, 100).decode(errors="replace") if ready else "timeout"
    finally:
        os.close(read)
        if answer == "timeout":
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        os.waitpid(pid, 0)
    if answer == "ok":
        return True, ""
    return False, f"namespaces are not available here ({answer} failed)"


# --------------------------------------------------------------------------- control groups

def _mount_table() -> list[tuple[str, str, str, str, str]]:
    """(mount point, root inside its file system, mount options, type, super options) of
    every mount this process sees (``/proc/self/mountinfo``)."""
    rows = []
    with contextlib.suppress(OSError), open("/proc/self/mountinfo") as table:
        for line in table:
            before, _, after = line.partition(" - ")
            parts, rest = before.split(), after.split()
            if len(parts) >= 6 and len(rest) >= 3:
                rows.append((_unescape(parts[4]), _unescape(parts[3]), parts[5], rest[0],
                             rest[2]))
    return rows


def _unescape(text: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def own_cgroups() -> tuple[int, dict[str, str]]:
    """This process's control group folders: (2, {"memory": f, "pids": f}) under cgroup v2
    when it offers those controllers, else (1, {controller: folder}) from the cgroup v1
    hierarchies, else (0, {})."""
    mounts = {}
    for point, root, _, kind, options in _mount_table():
        if kind == "cgroup2":
            mounts.setdefault("", (point, root))
        elif kind == "cgroup":
            for name in ("memory", "pids"):
                if name in options.split(","):
                    mounts.setdefault(name, (point, root))
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return 0, {}
    v1: dict[str, str] = {}
    for line in lines:
        _, names, path = line.split(":", 2)
        for name in names.split(",") if names else [""]:
            if name not in mounts:
                continue
            point, root = mounts[name]
            inner = os.path.relpath(path, root) if _under(path, root) else path.lstrip("/")
            folder = point if inner in (".", "") else os.path.join(point, inner)
            if not name:
                with contextlib.suppress(OSError):
                    offered = Path(folder, "cgroup.controllers").read_text().split()
                    if "memory" in offered:
                        return 2, {c: folder for c in ("memory", "pids") if c in offered}
            else:
                v1[name] = folder
    return (1, v1) if v1 else (0, {})


def probe_cgroups() -> tuple[int, tuple[str, ...], str]:
    """Can this process make a child control group with a memory and a process limit?
    (version, the controllers that worked, why not all); removes what it made."""
    version, folders = own_cgroups()
    if not folders:
        return 0, (), "no writable memory or pids cgroup here"
    _sweep(folders)
    worked, problems = [], []
    for controller, folder in sorted(folders.items()):
        probe = os.path.join(folder, f"autograder-probe-{os.getpid()}")
        try:
            if version == 2:
                _delegate(folder)
            os.mkdir(probe)
            try:
                _set_limits(probe, version, controller, 64 << 20)
                worked.append(controller)
            finally:
                os.rmdir(probe)
        except OSError as exc:
            problems.append(f"{controller}: {exc.strerror or exc}")
    return (version if worked else 0), tuple(worked), "; ".join(problems)


def _delegate(folder: str) -> None:
    """cgroup v2: let ``folder``'s children use the memory and pids controllers."""
    enabled = Path(folder, "cgroup.subtree_control").read_text().split()
    wanted = [c for c in ("memory", "pids") if c not in enabled]
    if wanted:
        Path(folder, "cgroup.subtree_control").write_text(" ".join("+" + c for c in wanted))


def _set_limits(group: str, version: int, controller: str, memory_bytes: int) -> None:
    """Write the limits of ``controller`` in the control group folder ``group``."""
    if controller == "pids":
        _write(group, "pids.max", KERNEL_PROCESSES)
    elif memory_bytes and version == 2:
        _write(group, "memory.max", memory_bytes)
        with contextlib.suppress(OSError):
            _write(group, "memory.swap.max", 0)
    elif memory_bytes:
        _write(group, "memory.limit_in_bytes", memory_bytes)
        with contextlib.suppress(OSError):   # without swap accounting
            _write(group, "memory.memsw.limit_in_bytes", memory_bytes)


def _write(folder: str, name: str, value: int | str) -> None:
    with open(os.path.join(folder, name), "w") as f:
        f.write(str(value))


def _join_cgroup(sandbox: Sandbox, uid: int) -> list[str]:
    """Make this kernel's control group (limits: the memory limit this process already has
    as RLIMIT_AS, ``KERNEL_PROCESSES``), leave a janitor to remove it when this process
    exits (:func:`_janitor`), and move this process into it; its folders."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    memory = 0 if soft == resource.RLIM_INFINITY else soft
    version, folders = own_cgroups()
    joined = []
    for controller in sandbox.controllers:
        if version != sandbox.cgroup or controller not in folders:
            continue
        group = os.path.join(folders[controller], CGROUP_NAME.format(uid=uid))
        if group not in joined:
            os.makedirs(group, exist_ok=True)
            joined.append(group)
        _set_limits(group, version, controller, memory)
    _janitor(joined)
    for group in joined:
        _write(group, "cgroup.procs", os.getpid())
    return joined


def _janitor(groups: list[str]) -> None:
    """Leave a root process (its own session, outside the groups) that waits until this
    kernel process has exited, however it ends (stopped, crashed, its grader killed), then
    kills what is left in ``groups`` and removes them. Needs ``pidfd_open`` (Linux 5.3);
    without it :func:`kill_user` still removes them when the kernel is stopped."""
    if not groups or not hasattr(os, "pidfd_open"):
        return
    pidfd = os.pidfd_open(os.getpid())
    if os.fork() == 0:  # pragma: no cover - the janitor
        _clean_after(pidfd, groups)
    os.close(pidfd)


def _clean_after(pidfd: int, groups: list[str]) -> None:  # pragma: no cover - the janitor
    import select
    import signal

    try:
        os.setsid()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, pidfd)
        os.closerange(pidfd + 1, 1 << 16)
        select.select([pidfd], [], [])      # readable once the kernel process has exited
        for group in groups:
            _remove_group(group, wait=60.0)
    finally:
        os._exit(0)


def cgroup_folders(uid: int) -> list[str]:
    """The control group folders of the kernel of user ``uid`` (existing or not)."""
    _, folders = own_cgroups()
    return sorted({os.path.join(f, CGROUP_NAME.format(uid=uid)) for f in folders.values()})


def remove_cgroups(uid: int) -> None:
    """Kill what is left in the control group of the kernel of user ``uid`` and remove it,
    with the groups of kernels that died with an earlier grader. Root only."""
    for group in cgroup_folders(uid):
        _remove_group(group)
    _sweep(own_cgroups()[1])


def _remove_group(group: str, wait: float = CGROUP_WAIT) -> None:
    """Kill the processes in ``group`` and remove it (waiting up to ``wait`` seconds for
    them to exit)."""
    deadline = time.monotonic() + wait
    while os.path.isdir(group):
        pids = _members(group)
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        try:
            os.rmdir(group)
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)


def _members(group: str) -> list[int]:
    try:
        return [int(p) for p in Path(group, "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _sweep(folders: dict[str, str]) -> None:
    """Remove the empty groups of kernels that no longer run (their grader was killed)."""
    pattern = re.compile(CGROUP_NAME.format(uid=r"(\d+)") + "$")
    for folder in set(folders.values()):
        with contextlib.suppress(OSError):
            for name in os.listdir(folder):
                match = pattern.match(name)
                if match and not pid_alive(int(match.group(1)) - BASE_UID):
                    group = os.path.join(folder, name)
                    if not _members(group):
                        with contextlib.suppress(OSError):
                            os.rmdir(group)


def pid_alive(pid: int) -> bool:
    """A process ``pid`` runs (one we may not signal runs too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# --------------------------------------------------------------------------- paths

def _reachable_by_others(path: str) -> bool:
    """Can a user who owns nothing read ``path`` (every ancestor searchable by others)?"""
    p = Path(path)
    for part in [*reversed(p.parents), p]:
        try:
            mode = os.stat(part).st_mode
        except OSError:
            return False
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return False
    try:
        return bool(os.stat(p).st_mode & stat.S_IROTH)
    except OSError:
        return False


def interpreter() -> str:
    """This interpreter, as a sandboxed kernel must start it: its folder resolved, its file
    not. The sandbox shows real paths only, so a venv reached through a symlink (a linked
    home folder, a linked ``.venv``) must be started from its real folder; but a venv's
    ``bin/python`` is itself a link to the base interpreter, and resolving it would leave the
    venv."""
    path = os.path.abspath(sys.executable)
    return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))


def python_paths(hidden: tuple[str, ...] | list[str] = (),
                 keep: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The folders this interpreter reads code from, outermost only: its installation,
    ``sys.path``, the packages it imported and ``keep`` (the packages of editable installs).
    A folder holding one of ``hidden`` (a checkout on ``sys.path``) is left out: only the
    packages in it are listed."""
    hidden = [os.path.realpath(h) for h in hidden]
    base = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
            os.path.dirname(os.path.realpath(sys.executable))}
    found = {p for p in sys.path if p and os.path.isdir(p)} | set(keep)
    for name, module in list(sys.modules.items()):
        if "." in name:
            continue   # a submodule lives in its top-level package's folder
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and os.path.isabs(path):
            folder = os.path.dirname(path)
            found.add(folder)
            if getattr(module, "__path__", None):
                found.add(os.path.dirname(folder))
    real = {os.path.realpath(p) for p in found if p and os.path.exists(p)}
    real = {p for p in real if not any(_under(h, p) for h in hidden)}
    real |= {os.path.realpath(p) for p in base if p and os.path.isdir(p)}
    outer: list[str] = []
    for p in sorted(real):
        if not any(_under(p, o) and not any(_under(p, h) and _under(h, o) and h != o
                                             for h in hidden) for o in outer):
            outer.append(p)
    return outer


def editable_installs() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The checkouts this interpreter's editable installs come from (PEP 610
    ``direct_url.json``) and the packages they provide, e.g. ``(("/work/main",),
    ("/work/main/autograder", "/work/main/course_lib"))``."""
    trees: list[str] = []
    packages: list[str] = []
    for dist in importlib.metadata.distributions():
        try:
            info = json.loads(dist.read_text("direct_url.json") or "{}")
        except (OSError, ValueError):
            continue
        url = urlparse(str(info.get("url", "")))
        if not (info.get("dir_info") or {}).get("editable") or url.scheme != "file":
            continue
        tree = os.path.realpath(unquote(url.path))
        trees.append(tree)
        for name in (dist.read_text("top_level.txt") or "").split():
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                continue
            where = (list(spec.submodule_search_locations or []) or [spec.origin]) if spec \
                else []
            packages += [os.path.realpath(w) for w in where if w and _under(
                os.path.realpath(w), tree)]
    return tuple(dict.fromkeys(trees)), tuple(dict.fromkeys(packages))


def unreadable_paths() -> list[str]:
    """The folders of :func:`python_paths` another user could not read."""
    return [p for p in python_paths() if not _reachable_by_others(p)]


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _first_closed_ancestor(path: str) -> str | None:
    """The outermost folder on the way to ``path`` that others cannot search."""
    p = Path(path)
    for part in [*reversed(p.parents), p]:
        with contextlib.suppress(OSError):
            if not os.stat(part).st_mode & stat.S_IXOTH:
                return str(part) if str(part) != "/" else None
    return None


# --------------------------------------------------------------------------- system calls

@functools.cache
def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _unshare(flags: int) -> None:
    _check(_libc().unshare(flags), "unshare")


def _mount_function(libc):
    mount = libc.mount
    mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                      ctypes.c_char_p]
    return mount


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    enc = [None if s is None else os.fsencode(s) for s in (source, target, fstype, data)]
    _check(_mount_function(_libc())(enc[0], enc[1], enc[2], flags, enc[3]), f"mount {target}")


def _no_new_privs() -> None:
    with contextlib.suppress(Exception):
        _libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


# --------------------------------------------------------------------------- in the kernel

def kernel_uid(pid: int | None = None) -> int:
    return BASE_UID + (os.getpid() if pid is None else pid)


def kernel_env(folder: str) -> dict[str, str]:
    """The environment variables that keep a confined kernel's own files in ``folder``."""
    home = os.path.join(folder, "home")
    return {"HOME": home, "USER": "student", "LOGNAME": "student", "TMPDIR": home,
            "MPLCONFIGDIR": os.path.join(home, ".matplotlib"),
            "IPYTHONDIR": os.path.join(home, ".ipython"),
            "JUPYTER_RUNTIME_DIR": os.path.join(home, ".jupyter"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "XDG_CONFIG_HOME": os.path.join(home, ".config")}


def _chown_tree(folder: str, uid: int) -> None:
    os.chown(folder, uid, uid, follow_symlinks=False)
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            with contextlib.suppress(OSError):
                os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def _private_mounts(keep_rw: list[str], keep_ro: list[str], hide: tuple[str, ...]) -> None:
    """In this (new) mount namespace: every mount read-only; the non-system top-level
    folders, ``hide`` and the closed ancestors of ``keep_ro`` emptied, with the ``keep_ro``
    in them mounted back read-only; each world-writable folder an empty private tmpfs; the
    ``keep_rw`` folders writable wherever they are."""
    _mount("none", "/", None, _MS_REC | _MS_PRIVATE)
    keep = {**dict.fromkeys(keep_ro, False), **dict.fromkeys(keep_rw, True)}  # -> writable
    hidden = _hidden_folders(hide, keep_ro)
    private = _private_folders()
    fds = {p: os.open(p, os.O_PATH | os.O_CLOEXEC) for p in keep}   # before they are covered
    try:
        _read_only_everywhere()
        covered: list[str] = []
        for target in hidden:
            if target in keep or any(_under(target, p) for p in private):
                continue   # kept as it is, or gone with its private file system
            if any(_under(target, c) for c in covered) and not any(
                    _under(target, p) for p in keep):
                continue   # already gone with a covered folder
            _cover(target, keep, fds, "mode=755,size=1m",
                   [p for p in private if _under(p, target)])
            _mount(None, target, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
            covered.append(target)
        for target in private:
            _cover(target, keep, fds, f"mode=1777,size={TMPFS_MB}m,nr_inodes=65536", [])
        for path in keep_rw:
            _bind(fds[path], path, read_only=False, make=False)
    finally:
        for fd in fds.values():
            os.close(fd)


def _hidden_folders(hide: tuple[str, ...], keep_ro: list[str]) -> list[str]:
    """The folders a kernel must not see, shortest first: the top-level folders that are not
    the system's, ``hide``, and the folders on the way to ``keep_ro`` others cannot search."""
    top = [os.path.join("/", name) for name in os.listdir("/") if name not in SYSTEM_DIRS]
    closed = [_first_closed_ancestor(p) for p in keep_ro]
    found = [p for p in [*top, *hide, *closed] if p and os.path.isdir(p)
             and not os.path.islink(p)]
    return sorted({os.path.realpath(p) for p in found}, key=lambda p: (len(p), p))


def _private_folders() -> list[str]:
    """The world-writable folders that get a private tmpfs: ``TMP_DIRS`` and every
    world-writable tmpfs or mqueue mount, outermost only."""
    mounts = [point for point, _, _, kind, _ in _mount_table()
              if kind in ("tmpfs", "mqueue", "ramfs") and _world_writable(point)]
    found = sorted({p for p in [*TMP_DIRS, *mounts] if os.path.isdir(p)
                    and not os.path.islink(p)}, key=lambda p: (len(p), p))
    return [p for i, p in enumerate(found) if not any(_under(p, q) for q in found[:i])]


def _world_writable(path: str) -> bool:
    try:
        return bool(os.stat(path).st_mode & stat.S_IWOTH)
    except OSError:
        return False


def _read_only_everywhere() -> None:
    """Make every mount of this namespace read-only (``/proc`` excepted), keeping its
    other options; only a failure on ``/`` is an error."""
    for point, _, options, kind, _ in _mount_table():
        if kind == "proc" or _under(point, "/proc"):
            continue
        flags = _MS_REMOUNT | _MS_BIND | _MS_RDONLY
        for option in options.split(","):
            flags |= _KEPT_FLAGS.get(option, 0)
        try:
            _mount(None, point, None, flags)
        except OSError:
            if point == "/":
                raise


def _cover(target: str, keep: dict[str, bool], fds: dict[str, int], options: str,
           mount_points: list[str]) -> None:
    """Mount an empty tmpfs on ``target``, mount back the outermost ``keep`` folders inside
    it and make the empty ``mount_points`` (for file systems mounted there later)."""
    inside = [p for p in keep if p != target and _under(p, target)]
    inside = [p for p in inside if not any(q != p and _under(p, q) for q in inside)]
    _mount("tmpfs", target, "tmpfs", _MS_NOSUID | _MS_NODEV, options)
    for path in inside:
        _bind(fds[path], path, read_only=not keep[path], make=True)
    for path in mount_points:
        os.makedirs(path, exist_ok=True)


def _bind(fd: int, path: str, read_only: bool, make: bool) -> None:
    """Mount what ``fd`` (an ``O_PATH`` descriptor) names on ``path`` (made first when
    ``make``), read-only or writable."""
    if make and stat.S_ISDIR(os.fstat(fd).st_mode):
        os.makedirs(path, exist_ok=True)
    elif make:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "a").close()
    _mount(f"/proc/self/fd/{fd}", path, None, _MS_BIND | _MS_REC)
    _mount(None, path, None, _MS_BIND | _MS_REMOUNT | _MS_NOSUID | _MS_NODEV
           | (_MS_RDONLY if read_only else 0))


def confine(sandbox: Sandbox, cwd: str, run_dir: str) -> Confinement:
    """Enter ``sandbox`` in this (kernel) process: see the module docstring. ``cwd``: the
    working folder; ``run_dir``: the kernel's private folder (sockets, connection file,
    HOME). The memory limit of its control group is this process's ``RLIMIT_AS`` (set it
    first). Returns what was done; raises nothing (what failed is in ``problems``)."""
    done = Confinement()
    if sandbox.mode == BWRAP and _per_namespace_limits():
        # in the user namespace of its own bwrap, RLIMIT_NPROC counts its own processes only
        resource.setrlimit(resource.RLIMIT_NPROC, (KERNEL_PROCESSES, KERNEL_PROCESSES))
    if sandbox.mode != USER or os.geteuid() != 0:
        return done
    cwd, run_dir = os.path.realpath(cwd), os.path.realpath(run_dir)
    uid = kernel_uid()
    try:
        done.cgroup = _join_cgroup(sandbox, uid)
    except OSError as exc:
        done.problems.append(f"cgroup: {exc}")
    # the code this kernel reads (its own folders excepted: a spawned kernel has its working
    # folder on sys.path), mounted back read-only where its folders are hidden
    code = [p for p in python_paths(sandbox.hide, sandbox.keep or editable_installs()[1])
            if not (_under(p, cwd) or _under(p, run_dir))]
    if sandbox.namespaces:
        try:
            _unshare(_CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWIPC)
            done.network = False
            _private_mounts([cwd, run_dir], code, sandbox.hide)
            if sandbox.slot:   # root's, read-only for the kernel's user
                _mount("course_edition", sandbox.slot, "tmpfs", _MS_NOSUID | _MS_NODEV,
                       f"mode=755,size={SLOT_MB}m")
            done.mounts = True
        except OSError as exc:
            done.problems.append(f"namespaces: {exc}")
    # HOME (IPython's profile, matplotlib's cache ...) in the private /tmp when there is one:
    # in memory, gone with the kernel
    env = kernel_env(PRIVATE_HOME_ROOT if done.mounts else run_dir)
    os.makedirs(env["HOME"], exist_ok=True)
    os.chown(env["HOME"], uid, uid)
    if not done.mounts and any(not _reachable_by_others(p) for p in code):
        done.problems.append("the Python installation is readable by root only: the kernel "
                             "keeps running as root")
        return done
    try:
        _chown_tree(cwd, uid)
        _chown_tree(run_dir, uid)
        os.environ.update(env)
        resource.setrlimit(resource.RLIMIT_NPROC, (KERNEL_PROCESSES, KERNEL_PROCESSES))
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        _no_new_privs()
        os.chdir(cwd)   # the same folder, as this namespace sees it
        done.uid = uid
    except (OSError, ValueError) as exc:
        done.problems.append(f"dropping privileges: {exc}")
    return done


def slot_source(cwd: str | Path) -> str:
    """The folder a ``bwrap`` kernel working in ``cwd`` sees at the slot (read-only)."""
    return f"{cwd}-slot"


def fill_slot(sandbox: Sandbox, pid: int, cwd: str | Path, package: str,
              scratch: str | None = None, is_compiled: bool = False) -> None:
    """Copy the folder ``package`` (a student edition of course_lib), its modules compiled,
    into the empty slot that the confined kernel ``pid`` working in ``cwd`` sees at
    ``sandbox.slot``: in the ``user`` sandbox through ``/proc/<pid>/root``, as root (the
    files are root's, the kernel's user can only read them); in the ``bwrap`` sandbox its
    :func:`slot_source`, which the kernel sees read-only. ``scratch``: where the compiled
    copy is kept (default: the system's temporary folder); ``is_compiled``: ``package`` is
    such a copy already (made by :func:`compiled`). Raises OSError."""
    source = package if is_compiled else compiled(package, scratch)
    target = (slot_source(cwd) if sandbox.mode == BWRAP
              else f"/proc/{pid}/root{sandbox.slot}")
    shutil.copytree(source, target, dirs_exist_ok=True)


@functools.cache
def compiled(package: str, scratch: str | None = None) -> str:
    """A copy of the folder ``package`` with every module compiled (``__pycache__``), made
    once per grading process in a new folder under ``scratch``. A kernel cannot write in its
    slot, so without it each notebook's first ``import course_lib`` compiled the edition
    again (about 20 ms). The compiled files are not checked against their sources (nothing
    can change either in a slot)."""
    copy = Path(tempfile.mkdtemp(prefix="edition-", dir=scratch)) / Path(package).name
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(copy, quiet=2,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    atexit.register(shutil.rmtree, copy.parent, True)
    return str(copy)


def kernel_user(folder: Path | str) -> int | None:
    """The user of the confined kernel working in ``folder`` (its owner), or None."""
    try:
        owner = os.stat(folder).st_uid
    except OSError:
        return None
    return owner if owner >= BASE_UID else None


def kill_user(uid: int) -> None:
    """Kill every process of ``uid`` (a confined kernel's user): what the student's code
    started in the background dies with the kernel; then remove its control group. Root
    only; a no-op otherwise."""
    if os.geteuid() != 0 or uid < BASE_UID:
        return
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: become the user, signal all its processes
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, 9)
        except OSError:
            pass
        os._exit(0)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    remove_cgroups(uid)


def adopt_files(folder: Path | str) -> None:
    """Give the files put in a kernel's working folder (after it started) to the kernel's
    user, i.e. the folder's owner, so that the student's code can change its own files."""
    folder = str(folder)
    try:
        owner = os.stat(folder).st_uid
    except OSError:
        return
    if owner == os.geteuid() or os.geteuid() != 0:
        return
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            with contextlib.suppress(OSError):
                os.chown(os.path.join(root, name), owner, owner, follow_symlinks=False)


def bwrap_prefix(sandbox: Sandbox, own: list[str], slot_source: str = "") -> list[str]:
    """The ``bwrap`` command line that runs one kernel's process in the ``bwrap`` sandbox
    (each kernel gets its own: kernels are not forked in it). Built up from an empty root:

    * the system's folders (:data:`SYSTEM_DIRS`), read-only; a fresh ``/dev`` and ``/proc``;
    * the Python installation and the course's packages (:func:`python_paths`: not the
      checkout they come from, nor the folders the run hides), read-only;
    * private ``/tmp`` and ``/dev/shm``; ``own`` (the kernel's two folders), writable; HOME
      is the last of them (its private folder);
    * at ``sandbox.slot`` (course_lib's folder), ``slot_source``, read-only: the folder the
      grader fills with the student edition of the notebook's assignment (:func:`fill_slot`);
    * new user, PID, IPC, UTS and network namespaces: no network, and no other process in
      sight (a student's ``os.kill(-1, 9)`` kills its own kernel, not every process of the
      grader's user).
    """
    if sandbox.mode != BWRAP:
        return []
    args = [shutil.which("bwrap") or "bwrap", "--die-with-parent", "--unshare-all",
            "--unshare-user", "--disable-userns"]
    system = [os.path.join("/", name) for name in SYSTEM_DIRS
              if name not in ("dev", "proc", "tmp") and os.path.lexists(f"/{name}")]
    for path in system:
        args += (["--symlink", os.readlink(path), path] if os.path.islink(path)
                 else ["--ro-bind", path, path])
    size = str(TMPFS_MB * 1024 * 1024)
    args += ["--dev", "/dev", "--proc", "/proc", "--size", size, "--tmpfs", "/tmp",
             "--size", size, "--tmpfs", "/dev/shm"]
    for folder in python_paths(sandbox.hide, sandbox.keep):
        if not any(_under(folder, path) for path in system):
            args += ["--ro-bind", folder, folder]
    for folder in own:
        args += ["--bind", folder, folder]
    if sandbox.slot and slot_source:
        args += ["--ro-bind", slot_source, sandbox.slot]
    return [*args, "--setenv", "HOME", own[-1], "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib",
            # its parent is bwrap's process 1, which ipykernel takes for a dead parent: the
            # kernel dies with bwrap (--die-with-parent) instead of polling for that
            "--unsetenv", "JPY_PARENT_PID"]
