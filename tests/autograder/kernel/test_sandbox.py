"""The grading kernels' sandbox from inside a real kernel (issue 11, part 7): what a student's
code can see, where it can write, and how much memory, processes and disk it can take.

Every kernel here is started by the project's own machinery (:class:`KernelPool`, forked from
the zygote like a grading run's kernels) in the sandbox :func:`sandbox.plan` picks. The attacks
need root (the ``user`` sandbox); elsewhere they are skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from autograder.kernel import sandbox

CHECKOUT = Path(sandbox.__file__).resolve().parents[2]
MEMORY_MB = 1024          # the kernels' memory limit in these tests

root_only = pytest.mark.skipif(os.geteuid() != 0 or not sandbox.plan().namespaces,
                               reason="the user sandbox needs root and namespaces")


# --------------------------------------------------------------------------- helpers

async def _run(kernel, code: str, timeout: float = 40) -> dict:
    """Run ``code`` in ``kernel``; it prints one JSON object, returned here."""
    chunks: list[str] = []

    def hook(msg) -> None:
        if msg["msg_type"] == "stream":
            chunks.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            chunks.append(json.dumps({"error": msg["content"]["ename"]}))

    await kernel.kc.execute_interactive(code, timeout=timeout, output_hook=hook,
                                        allow_stdin=False)
    return json.loads("".join(chunks).strip().splitlines()[-1])


class Kernels:
    """A pool of grading kernels in this run's sandbox, on an event loop of its own."""

    def __init__(self, fork: bool = True, box: sandbox.Sandbox | None = None,
                 tmp_root: str | None = None):
        from autograder.kernel.pool import KernelPool, KernelSettings

        self.box = box or sandbox.plan()
        self.loop = asyncio.new_event_loop()
        self.pool = KernelPool(KernelSettings(memory_mb=MEMORY_MB, fork=fork,
                                              sandbox=self.box.to_json(), tmp_root=tmp_root),
                               spares=0)
        self.loop.call_soon(self.pool.prime)

    def run(self, codes: list[str], host=None) -> list[dict]:
        """Run ``codes[i]`` in a fresh kernel ``i``, all at once (siblings);
        ``host(kernels)`` runs on the grader's side while they are alive; the kernels are
        stopped (and their control groups removed) before this returns."""
        return self.loop.run_until_complete(self._run(codes, host))

    async def _run(self, codes, host):
        kernels = []
        try:
            for _ in codes:
                kernels.append(await self.pool.acquire())
            results = list(await asyncio.gather(*(_run(k, code) for k, code in
                                                  zip(kernels, codes, strict=True))))
            if host is not None:
                results.append(host(kernels))
        finally:
            from autograder.kernel.pool import stop_kernel

            for kernel in kernels:
                await stop_kernel(kernel)
        return results

    def close(self) -> None:
        self.loop.run_until_complete(self.pool.close())
        self.loop.close()


@pytest.fixture(scope="module")
def kernels():
    pool = Kernels()
    yield pool
    pool.close()


# --------------------------------------------------------------------------- the plan

def test_the_notice_states_the_limits_that_apply():
    box = sandbox.Sandbox(sandbox.USER, namespaces=True, cgroup=1,
                          controllers=("memory", "pids"))
    text = sandbox.notice(box, memory_mb=4096)
    assert "no network" in text
    assert "memory 4096 MB per kernel incl. its children (cgroup v1)" in text
    assert f"at most {sandbox.KERNEL_PROCESSES} processes" in text
    assert f"files up to {sandbox.FILE_MB} MB" in text
    bare = sandbox.notice(sandbox.Sandbox(sandbox.USER, namespaces=True, why_cgroup="test"))
    assert "memory per process only (RLIMIT_AS): no cgroup (test)" in bare
    assert sandbox.Sandbox.from_json(box.to_json()) == box


def test_only_kernels_with_a_mount_namespace_of_their_own_can_hold_the_student_edition():
    """The rule the coordinator and a cluster's workers both ask: a ``bwrap`` always; user
    mode with namespaces only for forked kernels (the zygote's child enters its own); never
    without namespaces or without a sandbox."""
    with_namespaces = sandbox.Sandbox(sandbox.USER, namespaces=True)
    assert sandbox.Sandbox(sandbox.BWRAP).can_hold_editions(forked=False)
    assert with_namespaces.can_hold_editions(forked=True)
    assert not with_namespaces.can_hold_editions(forked=False)
    assert not sandbox.Sandbox(sandbox.USER).can_hold_editions(forked=True)
    assert not sandbox.Sandbox(sandbox.NONE).can_hold_editions(forked=True)


def test_the_checkout_is_hidden_but_its_packages_stay_importable():
    trees, packages = sandbox.editable_installs()
    if str(CHECKOUT) not in trees:
        pytest.skip("the project is not installed editable (pip install -e .) here")
    assert {str(CHECKOUT / "course_lib"), str(CHECKOUT / "autograder")} <= set(packages)
    kept = sandbox.python_paths(trees, packages)
    assert str(CHECKOUT) not in kept and str(CHECKOUT / "course_lib") in kept


CLONE_READS = """import json, os
clone = {clone!r}
out = {{}}
for name in ("pkg/__init__.py", ".venv/bin/python", ".git/HEAD", "notebooks/a.ipynb"):
    try:
        out[name] = open(os.path.join(clone, name)).read()
    except OSError as exc:
        out[name] = type(exc).__name__
out["listing"] = sorted(os.listdir(clone))
try:
    open(os.path.join(clone, "pkg", "new.py"), "w").close()
    out["write"] = "ok"
except OSError as exc:
    out["write"] = type(exc).__name__
print(json.dumps(out))
"""


@root_only
def test_a_checkout_under_tmp_with_its_venv_inside_shows_only_the_venv_and_packages():
    """A CI clone in /tmp with its .venv inside: /tmp is private, the clone hidden, and the
    venv and the packages mounted back read-only (here passed as ``keep``)."""
    clone = Path(tempfile.mkdtemp(prefix="autograder-clone-"))
    try:
        for name, text in (("pkg/__init__.py", "code"), (".venv/bin/python", "python"),
                           (".git/HEAD", "ref"), ("notebooks/a.ipynb", "solutions")):
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            (clone / name).write_text(text)
        box = sandbox.Sandbox(sandbox.USER, namespaces=True, hide=(str(clone),),
                              keep=(str(clone / "pkg"), str(clone / ".venv")))
        work = Path(tempfile.mkdtemp(prefix="grade-"))
        run = Path(f"{work}-run")
        run.mkdir()
        report = _confined(box, work, run, CLONE_READS.format(clone=str(clone)))
    finally:
        for folder in (clone, work, run):
            shutil.rmtree(folder, ignore_errors=True)
    assert report["pkg/__init__.py"] == "code" and report[".venv/bin/python"] == "python"
    assert report[".git/HEAD"] == "FileNotFoundError"
    assert report["notebooks/a.ipynb"] == "FileNotFoundError"
    assert report["listing"] == [".venv", "pkg"]
    assert report["write"] in ("PermissionError", "OSError")


def _confined(box: sandbox.Sandbox, cwd: Path, run: Path, code: str) -> dict:
    """Run ``code`` (it prints one JSON object) in a forked child confined by ``box``."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        sys.stdout = os.fdopen(write, "w")
        try:
            done = sandbox.confine(box, str(cwd), str(run))
            if done.problems:
                print(json.dumps({"problems": done.problems}))
            else:
                exec(code, {})
            sys.stdout.flush()
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    sandbox.kill_user(sandbox.kernel_uid(pid))
    return json.loads(text.strip().splitlines()[-1])


# --------------------------------------------------------------------------- what it sees

SEES = """import json, os
paths = {paths!r}
seen = {{p: os.path.exists(p) for p in paths}}
import course_lib.checks
try:
    open(course_lib.checks.__file__, "a").close()
    writable = True
except OSError:
    writable = False
print(json.dumps({{"seen": seen, "course_lib": course_lib.checks.__file__,
                   "course_lib_writable": writable, "root": sorted(os.listdir("/")),
                   "checkout": sorted(os.listdir({checkout!r})),
                   "home": os.listdir("/home") if os.path.isdir("/home") else []}}))
"""


@root_only
@pytest.mark.parametrize("fork", [True, False], ids=["fork", "spawn"])
def test_the_checkout_and_earlier_outputs_are_hidden(tmp_path, fork, request):
    earlier = tmp_path / "earlier-run"
    earlier.mkdir()
    (earlier / "gradebook.db").write_text("grades")
    hidden = [CHECKOUT / ".git", CHECKOUT / "notebooks", CHECKOUT / "build",
              CHECKOUT / "tests", CHECKOUT / "pyproject.toml", earlier / "gradebook.db",
              Path.home() / ".bash_history", Path(sys.prefix).parent / "README.md"]
    hidden = [str(p) for p in hidden if p.exists()]
    pool = request.getfixturevalue("kernels") if fork else Kernels(fork=False)
    try:
        [report] = pool.run([SEES.format(paths=hidden, checkout=str(CHECKOUT))])
    finally:
        if not fork:
            pool.close()
    assert report["seen"] == dict.fromkeys(hidden, False)
    assert report["course_lib"] == str(CHECKOUT / "course_lib" / "checks.py")
    assert report["course_lib_writable"] is False
    # the checkout shows only the packages installed from it (and a venv inside it)
    assert set(report["checkout"]) <= {"course_lib", "autograder", Path(sys.prefix).name}
    assert "course_lib" in report["checkout"]
    assert report["home"] == []


LINKED = """import asyncio, json
from autograder.kernel import sandbox
from autograder.kernel.pool import KernelPool, KernelSettings, stop_kernel


async def main():
    pool = KernelPool(KernelSettings(memory_mb=1024, fork={fork},
                                     sandbox=sandbox.plan().to_json()), spares=0)
    pool.prime()
    kernel = await pool.acquire()
    reply = await kernel.kc.execute_interactive("x = 1", timeout=60,
                                                allow_stdin=False)
    print(json.dumps(reply["content"]["status"]))
    await stop_kernel(kernel)
    await pool.close()

asyncio.run(main())
"""


@root_only
@pytest.mark.parametrize("fork", [True, False], ids=["fork", "spawn"])
def test_a_venv_reached_through_a_symlink_starts_its_kernels(tmp_path, fork):
    """An instructor's venv under a linked folder (a linked home, a linked .venv): the sandbox
    shows real paths only, so the kernel must be started from the venv's real folder (it
    died before replying to kernel_info: every submission an error)."""
    link = tmp_path / "linked-venv"
    link.symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    python = link / "bin" / Path(sys.executable).name
    run = subprocess.run([str(python), "-c", LINKED.format(fork=fork)], cwd=CHECKOUT,
                         capture_output=True, text=True, timeout=180)
    assert run.stdout.strip().splitlines()[-1:] == ['"ok"'], run.stderr[-3000:]


def test_the_kernels_interpreter_is_the_venvs_in_its_real_folder(tmp_path, monkeypatch):
    real = tmp_path / "real" / "bin"
    real.mkdir(parents=True)
    (real / "python").symlink_to(sys.executable)   # a venv's python links to the base one
    (tmp_path / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "linked" / "bin" / "python"))
    assert sandbox.interpreter() == str(real.resolve() / "python")


BWRAP_SEES = """import json, os, signal, socket, sys
try:
    open(os.path.join(sys.prefix, "written-by-a-student"), "w").close()   # the venv
    write = "written"
except OSError as exc:
    write = type(exc).__name__
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2)
    network = True
except OSError:
    network = False
try:
    os.kill(-1, signal.SIGKILL)   # every process of the grader's user it can see
    killed = "sent"
except OSError as exc:
    killed = type(exc).__name__
import course_lib, resource
print(json.dumps({{"write": write, "network": network, "killed": killed,
                   "nproc": resource.getrlimit(resource.RLIMIT_NPROC),
                   "seen": [p for p in {paths!r} if os.path.exists(p)],
                   "root": sorted(os.listdir("/")), "home": os.environ["HOME"],
                   "course_lib": sorted(os.listdir(os.path.dirname(course_lib.__file__)))}}))
"""


@pytest.mark.skipif(not sandbox.probe_bwrap()[0], reason="bubblewrap cannot run here")
def test_a_bubblewrap_kernel_sees_its_folders_the_code_and_no_other_process(tmp_path):
    """The sandbox of a grader not run as root, with bubblewrap: each kernel in a bwrap of its
    own. Its os.kill(-1, 9) killed every process of the grader's user (the run and the
    instructor's session); it saw the checkout, the home folders and the other kernels'
    folders; a venv under /tmp (a CI clone) was hidden and every kernel died while starting."""
    import asyncio

    from autograder.kernel.pool import KernelPool, KernelSettings, stop_kernel

    hidden = tmp_path / "source-notebooks"
    hidden.mkdir()
    scratch = tmp_path / "kernels"   # a run's folder of kernel folders, as run_jobs makes
    (scratch / "grade-other-kernel").mkdir(parents=True)
    edition = tmp_path / "edition" / "course_lib"
    edition.mkdir(parents=True)
    (edition / "__init__.py").write_text("")
    (edition / "STUDENT_EDITION").write_text("")
    course_lib = Path(sandbox.__file__).resolve().parents[2] / "course_lib"
    box = sandbox.Sandbox(sandbox.BWRAP, hide=(str(hidden), str(CHECKOUT)),
                          keep=(str(CHECKOUT / "autograder"), str(course_lib)),
                          slot=str(course_lib))
    canary = subprocess.Popen(["sleep", "60"])
    paths = [str(p) for p in (CHECKOUT / ".git", CHECKOUT / "pyproject.toml", hidden,
                              scratch / "grade-other-kernel", Path.home() / ".bash_history")
             if p.exists()]

    async def run() -> dict:
        pool = KernelPool(KernelSettings(memory_mb=MEMORY_MB, fork=True, sandbox=box.to_json(),
                                         tmp_root=str(scratch)), spares=0)
        pool.prime()
        kernel = await pool.acquire()
        try:
            sandbox.fill_slot(box, kernel.km.provisioner.pid, kernel.cwd, str(edition),
                              str(tmp_path))
            return await _run(kernel, BWRAP_SEES.format(checkout=str(CHECKOUT), paths=paths))
        finally:
            await stop_kernel(kernel)
            await pool.close()

    try:
        report = asyncio.run(run())
        assert canary.poll() is None   # alive
    finally:
        canary.kill()
    assert report["write"] in ("OSError", "PermissionError") and report["network"] is False
    assert report["killed"] in ("sent", "ProcessLookupError")
    if sandbox._per_namespace_limits():   # counted in its own user namespace (not for root)
        assert report["nproc"] == [sandbox.KERNEL_PROCESSES] * 2
    assert report["seen"] == []
    on_the_way = {Path(p).resolve().parts[1] for p in (sys.base_prefix, sys.prefix, course_lib)}
    assert set(report["root"]) <= set(sandbox.SYSTEM_DIRS) | on_the_way   # /home & co. gone
    assert report["home"].endswith("-run")   # the kernel's private folder
    assert "STUDENT_EDITION" in report["course_lib"]   # the slot, not the reference


def test_the_notice_says_what_a_sandbox_not_run_as_root_leaves_out():
    none = sandbox.notice(sandbox.Sandbox(sandbox.NONE, why="no bwrap"))
    assert none.endswith(sandbox.SHARED_USER) and "kill every process of yours" in none
    bwrap = sandbox.notice(sandbox.Sandbox(sandbox.BWRAP, slot="/x/course_lib"), 1024)
    assert "no other process in sight" in bwrap and "the student edition" in bwrap
    assert "memory 1024 MB per process only" in bwrap
    for box in (sandbox.Sandbox(sandbox.BWRAP), sandbox.Sandbox(sandbox.USER,
                                                                namespaces=True)):
        assert sandbox.SHARED_USER not in sandbox.notice(box)


# --------------------------------------------------------------------------- where it writes

WRITES = """import json, os
out = {{}}
for folder in {folders!r}:
    try:
        with open(os.path.join(folder, {name!r}), "w") as f:
            f.write("x")
        out[folder] = sorted(os.listdir(folder))
    except OSError as exc:
        out[folder] = type(exc).__name__
own = os.path.basename(os.getcwd())
print(json.dumps({{"out": out, "own": [own, own + "-run", "kernel"]}}))
"""


def _world_writable() -> list[str]:
    """The host's world-writable folders near the top of the root file system (a full walk
    takes too long for a test; the sandbox makes every mount read-only anyway), plus
    /dev/shm & co."""
    found = subprocess.run(["find", "/", "-xdev", "-maxdepth", "3", "-type", "d",
                            "-perm", "-0002"],
                           capture_output=True, text=True, timeout=20).stdout.split()
    found += ["/dev/shm", "/dev/mqueue", "/run/lock", "/var/lock", "/var/tmp", "/tmp"]
    return sorted({os.path.realpath(p) for p in found if os.path.isdir(p)
                   and not p.startswith(("/proc", "/sys"))})


def _mounted_back(folder: str) -> set[str]:
    """The entry of ``folder`` that leads to this checkout or its Python, when they live
    under it (a clone under /tmp): the sandbox mounts them back, read-only."""
    entries = set()
    for path in (Path(__file__).resolve().parents[3], Path(sys.prefix).resolve()):
        if path.is_relative_to(folder) and path != Path(folder):
            entries.add(path.relative_to(folder).parts[0])
    return entries


@root_only
def test_world_writable_folders_are_private(kernels):
    folders = _world_writable()
    name = f"autograder-test-{uuid.uuid4().hex}"
    planted = Path("/dev/shm") / f"planted-{name}"
    planted.write_text("another user's file")
    try:
        [report] = kernels.run([WRITES.format(folders=folders, name=name)])
        out = report["out"]
        for folder in folders:
            assert not os.path.exists(os.path.join(folder, name)), folder
            # either refused, or absent (a world-writable folder inside a private one, such
            # as /tmp/x), or a private folder holding only what the kernel wrote (and, in
            # /tmp, the kernel's own folders)
            seen = out[folder] if isinstance(out[folder], str) else \
                sorted(set(out[folder]) - set(report["own"]) - _mounted_back(folder))
            assert seen in ("OSError", "PermissionError", "FileNotFoundError", [name]), (
                folder, out[folder])
        assert out["/dev/shm"] == [name] and out["/run/lock"] == [name]
    finally:
        planted.unlink()


# --------------------------------------------------------------------------- its limits

FORKS = """import json, subprocess
children, error = [], None
for _ in range(200):
    try:
        children.append(subprocess.Popen(["sleep", "60"]))
    except OSError as exc:
        error = type(exc).__name__
        break
for child in children:
    child.kill()
    child.wait()
print(json.dumps({"started": len(children), "error": error}))
"""

HOG = """import json, subprocess, sys
size = {size}
code = f"b = b'1' * {{size}}; import time; time.sleep(3)"
children = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
            for _ in range({count})]
print(json.dumps({{"codes": [c.wait() for c in children]}}))
"""

FILES = """import json, os
out = {}
chunk = b"0" * (64 << 20)
for folder in (".", "/tmp", "/dev/shm"):
    written, error = 0, None
    try:
        with open(os.path.join(folder, "big"), "wb") as f:
            while written < (2 << 30):
                f.write(chunk)
                f.flush()
                written += len(chunk)
    except OSError as exc:
        error = exc.strerror
    os.remove(os.path.join(folder, "big"))
    out[folder] = [written >> 20, error]
print(json.dumps(out))
"""


@root_only
def test_process_count_and_file_size_are_capped(kernels):
    seen: dict = {}

    def host(kernels):
        uid = sandbox.kernel_user(kernels[0].cwd)
        seen["cgroups"] = sandbox.cgroup_folders(uid)
        seen["existed"] = [os.path.isdir(f) for f in seen["cgroups"]]
        seen["limits"] = {f: _limits(f) for f in seen["cgroups"]}
        return {}

    forks, files, _ = kernels.run([FORKS, FILES], host=host)
    assert forks["started"] < sandbox.KERNEL_PROCESSES and forks["error"] == "BlockingIOError"
    for folder, (megabytes, error) in files.items():
        assert megabytes <= max(sandbox.FILE_MB, sandbox.TMPFS_MB), folder
        assert error in ("File too large", "No space left on device"), (folder, error)
    if kernels.box.controllers:
        assert seen["cgroups"] and all(seen["existed"])      # while the kernel ran
        assert not any(os.path.exists(f) for f in seen["cgroups"])   # after it stopped
        limits = {k: v for one in seen["limits"].values() for k, v in one.items()}
        assert limits.get("pids") in (None, sandbox.KERNEL_PROCESSES)
        assert limits.get("memory") in (None, MEMORY_MB << 20)


def _limits(folder: str) -> dict:
    out = {}
    for key, name in (("pids", "pids.max"), ("memory", "memory.limit_in_bytes"),
                      ("memory", "memory.max")):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            out[key] = int(Path(path).read_text())
    return out


@root_only
def test_memory_is_capped_across_a_kernels_children_not_its_siblings(kernels):
    if "memory" not in kernels.box.controllers:
        pytest.skip("no memory cgroup here: " + sandbox.notice(kernels.box))
    size = MEMORY_MB * 6 // 10 << 20          # each under the per-process limit
    greedy = HOG.format(size=size, count=2)   # together over the kernel's limit
    sibling = HOG.format(size=size, count=1)
    hog, alone = kernels.run([greedy, sibling])
    assert sorted(hog["codes"])[0] != 0 and hog["codes"].count(0) <= 1, hog
    assert alone["codes"] == [0]


@root_only
def test_a_kernel_that_dies_leaves_no_control_group(kernels):
    if not kernels.box.controllers:
        pytest.skip("no cgroup here: " + sandbox.notice(kernels.box))
    from autograder.kernel.pool import stop_kernel

    async def go():
        kernel = await kernels.pool.acquire()
        try:
            await _run(kernel, "import json, subprocess\n"
                               "subprocess.Popen(['sleep', '60'])\nprint('{}')")
            groups = sandbox.cgroup_folders(sandbox.kernel_user(kernel.cwd))
            existed = [os.path.isdir(g) for g in groups]
            os.kill(kernel.km.provisioner.pid, 9)   # not stopped by the grader: it dies
            for _ in range(500):                    # its janitor removes the groups
                if not any(os.path.isdir(g) for g in groups):
                    break
                await asyncio.sleep(0.02)
            return existed, [os.path.isdir(g) for g in groups]
        finally:
            await stop_kernel(kernel)

    existed, remaining = kernels.loop.run_until_complete(go())
    assert existed and all(existed) and not any(remaining)


def test_an_edition_is_compiled_once_into_a_copy(tmp_path):
    """The slot's copy of an edition holds its modules compiled (a kernel cannot write
    __pycache__ there); the edition itself is left as it was."""
    edition = tmp_path / "release" / "course_lib"
    (edition / "sub").mkdir(parents=True)
    (edition / "__init__.py").write_text("ANSWER = None\n")
    (edition / "sub" / "__init__.py").write_text("")
    (edition / "sub" / "plots.py").write_text("def draw():\n    return 1\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    copy = Path(sandbox.compiled(str(edition), str(scratch)))
    assert sandbox.compiled(str(edition), str(scratch)) == str(copy)   # once per process
    assert copy.name == "course_lib" and scratch in copy.parents
    tag = sys.implementation.cache_tag
    assert (copy / "__pycache__" / f"__init__.{tag}.pyc").is_file()
    assert (copy / "sub" / "__pycache__" / f"plots.{tag}.pyc").is_file()
    assert (copy / "sub" / "plots.py").read_text() == "def draw():\n    return 1\n"
    assert not list(edition.rglob("__pycache__"))
