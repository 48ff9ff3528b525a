"""Where student code runs: its own folder, its own user, no network, nothing else writable.

A grading kernel runs the student's code, so it gets as little of the machine as the
machine allows. :func:`plan` decides once per run what is possible here, and
:func:`notice` is the one line the run logs about it:

- ``user`` (the grader runs as root on Linux): each kernel, once forked or launched and
  before it reads anything of the student, enters a new network namespace (no network at
  all: the kernel talks to the grader over local sockets) and a new mount namespace in which
  ``/tmp``, ``/var/tmp`` and ``/dev/shm`` are empty private file systems, the folders a
  kernel must not see (the course's source notebooks with their solutions, the grading
  output with the gradebook, the submissions) are empty and read-only, and its own two
  folders (the working folder holding only this submission's files, and a private folder
  for its sockets, connection file and ``HOME``) are mounted back. A Python installation
  that other users cannot read (e.g. under ``/root``) is mounted back read-only the same
  way. Then the kernel drops to a user of its own (uid ``BASE_UID`` + its pid, no groups,
  ``no_new_privs``), which owns only those two folders: it cannot write the gradebook, the
  source notebooks or another student's files, and cannot signal or trace another kernel.
  Where namespaces are refused (a container without ``CAP_SYS_ADMIN``), the kernel still
  drops to its own user if the Python installation is readable by every user.
- ``bwrap`` (not root, but bubblewrap installed): the kernels' processes run inside
  ``bwrap`` with the whole file system read-only except the run's kernel folders, and no
  network. They share the grader's user.
- ``none``: the kernels run as the grader's user, unconfined; the run says so.

:func:`confine` is what a kernel process does to enter the ``user`` sandbox (called by
:mod:`autograder.zygote` in a forked kernel, and by :mod:`autograder.kernel_launcher`).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import pwd
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

#: The user of the kernel with process id ``pid`` is ``BASE_UID + pid`` (group the same):
#: a user nothing else on the machine has, so kernels cannot touch each other's files.
BASE_UID = 1_500_000_000
USER, BWRAP, NONE = "user", "bwrap", "none"
TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
PRIVATE_HOME_ROOT = "/tmp/kernel"

_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV = 1, 2, 4
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_PR_SET_NO_NEW_PRIVS = 38


@dataclass(frozen=True)
class Sandbox:
    """How this run confines its kernels (plain data: it travels in the kernel settings)."""

    mode: str = NONE
    namespaces: bool = False             # user mode: network and mount namespaces work
    hide: tuple[str, ...] = ()           # folders a kernel must not see
    why: str = ""                        # why the sandbox is weaker than it could be

    def to_json(self) -> str:
        return json.dumps({"mode": self.mode, "namespaces": self.namespaces,
                           "hide": list(self.hide), "why": self.why})

    @classmethod
    def from_json(cls, text: str | None) -> Sandbox:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(mode=data.get("mode", NONE), namespaces=bool(data.get("namespaces")),
                   hide=tuple(data.get("hide", ())), why=data.get("why", ""))


@dataclass
class Confinement:
    """What :func:`confine` did in one kernel process."""

    uid: int | None = None
    network: bool = True          # still has the machine's network
    mounts: bool = False          # private /tmp, hidden folders
    problems: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- deciding

def current_user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


def plan(hide: tuple[str, ...] | list[str] = (), probe: bool = True) -> Sandbox:
    """What this machine allows (see the module docstring). ``hide``: folders kernels must
    not see. ``probe``: try the ``user`` sandbox in a throw-away process first."""
    hide = tuple(str(Path(h).resolve()) for h in hide if h)
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        namespaces, why = (_probe_namespaces() if probe else (True, ""))
        if not namespaces:
            unreadable = unreadable_paths()
            if unreadable:
                return Sandbox(NONE, why=f"{why}; the Python installation "
                                         f"({unreadable[0]}) is readable by root only")
        return Sandbox(USER, namespaces=namespaces, hide=hide, why=why)
    if shutil.which("bwrap"):
        return Sandbox(BWRAP, hide=hide)
    return Sandbox(NONE, why="not running as root and bubblewrap (bwrap) is not installed")


def notice(sandbox: Sandbox) -> str:
    """The run's one line about where student code runs."""
    if sandbox.mode == USER:
        text = ("student code runs as a user of its own per kernel, able to write only its "
                "own folder")
        if sandbox.namespaces:
            return text + ", with no network and the course's files hidden"
        return text + f" (with the network: {sandbox.why})"
    if sandbox.mode == BWRAP:
        return ("student code runs in a bubblewrap sandbox: no network, the file system "
                f"read-only but for the kernels' folders, as {current_user()}")
    return (f"student code runs as {current_user()} without a sandbox"
            + (f" ({sandbox.why})" if sandbox.why else ""))


def _probe_namespaces(timeout: float = 10.0) -> tuple[bool, str]:
    """Can a process here make network and mount namespaces and mount a tmpfs?"""
    import select

    libc = _libc()   # loaded before the fork: the child only makes system calls
    mount = _mount_function(libc)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        answer = b"ok"
        if libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET) != 0:
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


def python_paths() -> list[str]:
    """The folders this interpreter reads code from: its installation, ``sys.path`` and
    the packages it imported (editable installs included), outermost only."""
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable))}
    found.update(p for p in sys.path if p and os.path.isdir(p))
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and os.path.isabs(path):
            folder = os.path.dirname(path)
            package = getattr(module, "__path__", None)
            found.add(os.path.dirname(folder) if package else folder)
    real = sorted({os.path.realpath(p) for p in found if p and os.path.isdir(p)})
    outer: list[str] = []
    for p in real:
        if not any(_under(p, o) for o in outer):
            outer.append(p)
    return outer


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
    """Empty /tmp, /var/tmp, /dev/shm and closed ancestors of ``keep_ro``, with the kept
    folders mounted back; ``hide`` covered by empty read-only file systems."""
    _mount("none", "/", None, _MS_REC | _MS_PRIVATE)
    keep = [(p, False) for p in keep_rw] + [(p, True) for p in keep_ro]
    targets = [t for t in TMP_DIRS if os.path.isdir(t) and not os.path.islink(t)]
    for path in keep_ro:
        closed = _first_closed_ancestor(path)
        if closed:
            targets.append(closed)
    done: list[str] = []
    for target in sorted(set(targets), key=len):
        if any(_under(target, d) for d in done):
            continue
        inside = [(p, ro) for p, ro in keep if _under(p, target)
                  and not any(_under(p, q) and q != p for q, _ in keep if _under(q, target))]
        fds = [(p, ro, os.open(p, os.O_PATH | os.O_DIRECTORY)) for p, ro in inside]
        try:
            mode = "1777" if target in TMP_DIRS else "755"
            _mount("tmpfs", target, "tmpfs", _MS_NOSUID | _MS_NODEV, f"mode={mode}")
            for path, read_only, fd in fds:
                os.makedirs(path, exist_ok=True)
                _mount(f"/proc/self/fd/{fd}", path, None, _MS_BIND | _MS_REC)
                if read_only:
                    _mount(None, path, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY)
        finally:
            for _, _, fd in fds:
                os.close(fd)
        done.append(target)
    for folder in hide:
        if not os.path.isdir(folder) or any(_under(p, folder) for p, _ in keep):
            continue   # it holds something the kernel needs
        mounted_back = any(_under(folder, p) for p, _ in keep)
        if any(_under(folder, d) for d in done) and not mounted_back:
            continue   # already gone with its private file system
        _mount("tmpfs", folder, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV,
               "mode=555,size=4k")


def confine(sandbox: Sandbox, cwd: str, run_dir: str) -> Confinement:
    """Enter ``sandbox`` in this (kernel) process: see the module docstring. ``cwd``: the
    working folder; ``run_dir``: the kernel's private folder (sockets, connection file,
    HOME). Returns what was done; raises nothing (what failed is in ``problems``)."""
    done = Confinement()
    if sandbox.mode != USER or os.geteuid() != 0:
        return done
    cwd, run_dir = os.path.realpath(cwd), os.path.realpath(run_dir)
    uid = kernel_uid()
    # the folders of code other users could not read (the kernel's own excepted: a spawned
    # kernel has its working folder on sys.path)
    # and those under /tmp & co., which the private /tmp would hide (a checkout in /tmp)
    in_tmp = [p for p in python_paths() if any(_under(p, t) for t in TMP_DIRS)]
    closed = [p for p in sorted(set(unreadable_paths()) | set(in_tmp))
              if not (_under(p, cwd) or _under(p, run_dir))]
    if sandbox.namespaces:
        try:
            _unshare(_CLONE_NEWNS | _CLONE_NEWNET)
            done.network = False
            _private_mounts([cwd, run_dir], closed, sandbox.hide)
            done.mounts = True
        except OSError as exc:
            done.problems.append(f"namespaces: {exc}")
    # HOME (IPython's profile, matplotlib's cache ...) in the private /tmp when there is one:
    # in memory, gone with the kernel
    env = kernel_env(PRIVATE_HOME_ROOT if done.mounts else run_dir)
    os.makedirs(env["HOME"], exist_ok=True)
    os.chown(env["HOME"], uid, uid)
    if not done.mounts and closed:
        done.problems.append("the Python installation is readable by root only: the kernel "
                             "keeps running as root")
        return done
    try:
        _chown_tree(cwd, uid)
        _chown_tree(run_dir, uid)
        os.environ.update(env)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        _no_new_privs()
        os.chdir(cwd)   # the same folder, as this namespace sees it
        done.uid = uid
    except OSError as exc:
        done.problems.append(f"dropping privileges: {exc}")
    return done


def kernel_user(folder: Path | str) -> int | None:
    """The user of the confined kernel working in ``folder`` (its owner), or None."""
    try:
        owner = os.stat(folder).st_uid
    except OSError:
        return None
    return owner if owner >= BASE_UID else None


def kill_user(uid: int) -> None:
    """Kill every process of ``uid`` (a confined kernel's user): what the student's code
    started in the background dies with the kernel. Root only; a no-op otherwise."""
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


def bwrap_prefix(sandbox: Sandbox, writable: list[str]) -> list[str]:
    """The ``bwrap`` command line that runs a kernel's process in the ``bwrap`` sandbox."""
    if sandbox.mode != BWRAP:
        return []
    exe = shutil.which("bwrap") or "bwrap"
    args = [exe, "--die-with-parent", "--unshare-net", "--ro-bind", "/", "/",
            "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
    for folder in writable:
        args += ["--bind", folder, folder]
    for folder in sandbox.hide:
        if os.path.isdir(folder) and not any(_under(w, folder) for w in writable):
            args += ["--tmpfs", folder]
    return args
