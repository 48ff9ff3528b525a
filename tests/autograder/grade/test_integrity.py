"""Integrity: a student cell cannot earn points by patching what the tests rely on, by handing
in course_lib's reference as its own, or by writing outside its folder."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import tempfile
from pathlib import Path

import nbformat
import pytest
from integrity_course import (
    ALIAS,
    ASSIGNMENT,
    FAKE_PROBE,
    HELPER_WRAPPER,
    HIDDEN_WRAPPER,
    MAX,
    NOTEBOOK,
    PATCH_BUILTINS,
    PATCH_INSIDE_THE_TEST,
    PATCH_NUMPY,
    PATCH_THEN_RESTORE,
    RESTORE,
    SHADOW_BUILTIN,
    WRAPPER,
    WRONG_SIGMOID,
    submission,
    write_course,
    writer_scratch,
)
from nbformat.v4 import new_code_cell, new_notebook

from autograder.grade import integrity
from autograder.kernel import sandbox
from autograder.records.results import CellResult, Status, SubmissionResult

# --------------------------------------------------------------------------- the notebook side


def _locked(source: str, gid: str, points: float | None = None):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": gid, "locked": True, "solution": False,
                                 "grade": points is not None, "schema_version": 3,
                                 **({"points": points} if points is not None else {})}
    return cell


def _solution(source: str, gid: str):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": gid, "locked": False, "solution": True,
                                 "grade": False, "schema_version": 3}
    return cell


def test_names_a_read_only_cell_imports_and_the_course_modules_it_uses():
    source = ("import numpy as np\nimport matplotlib.pyplot\nfrom course_lib import checks, "
              "logistic_unit as ref\n%matplotlib inline\ntry:\n    import scipy as sp\n"
              "except ImportError:\n    pass\ndef f():\n    import os\n")
    assert integrity.imported_names(source) == ["np", "matplotlib", "checks", "ref", "sp"]
    assert integrity.imported_names("%%bash\nls") == []
    assert integrity.imported_names("def broken(:\n") == []
    modules = integrity.course_modules([
        source, "from course_lib.diagnosis import explain_mistakes",
        "with reference_for(globals(), 'sigmoid', module='two_layer_net'):\n    pass",
        "def h():\n    from course_lib.gradient_check import check_gradients"])
    assert modules == ["course_lib", "course_lib.checks", "course_lib.logistic_unit",
                       "course_lib.diagnosis", "course_lib.diagnosis.explain_mistakes",
                       "course_lib.two_layer_net", "course_lib.gradient_check",
                       "course_lib.gradient_check.check_gradients"]


def test_graded_names_are_the_solution_cells_and_own_their_test_cells():
    nb = new_notebook(cells=[_locked("import numpy as np", "imports"),
                             _solution("def f(x):\n    return x", "f"),
                             _solution("text", "written answer"),
                             _locked("assert f(1) == 1", "test_f", points=1)])
    assert integrity.graded_names(nb) == ["f"]
    monitor = integrity.Monitor(nb)
    assert monitor.locked == {0, 3} and monitor.binds[0] == ["np"]
    assert len(monitor.token) == 32


def _cells(*spec):
    return [CellResult(grade_id=g, points=p, max_points=p) for g, p in spec]


def _toy_nb():
    return new_notebook(cells=[_locked("import numpy as np", "imports"),
                               _solution("def f(x):\n    return x", "f"),
                               _locked("", "test_f", 1), _locked("", "test_f_hidden", 2),
                               _solution("def g(x):\n    return x", "g"),
                               _locked("", "test_g", 1)])


def test_tampering_voids_every_test_from_the_cell_where_it_was_seen():
    found = integrity.Findings(tampered=["numpy.allclose was replaced"], tampered_at=3)
    cells = _cells(("test_f", 1.0), ("test_f_hidden", 2.0), ("test_g", 1.0))
    notes = integrity.apply(found, _toy_nb(), cells)
    assert [c.points for c in cells] == [1.0, 0.0, 0.0]
    assert "numpy.allclose was replaced" in cells[1].message
    assert cells[1].message.startswith("0 points")
    assert "numpy.allclose" in notes[0] and found.flags == ["tampered"]


def test_a_copied_function_loses_only_its_own_tests():
    found = integrity.Findings(copied={"f": "it is course_lib's logistic_unit.f"})
    cells = _cells(("test_f", 1.0), ("test_f_hidden", 2.0), ("test_g", 1.0))
    integrity.apply(found, _toy_nb(), cells)
    assert [c.points for c in cells] == [0.0, 0.0, 1.0]
    assert "f is not your own code" in cells[0].message
    assert found.flags == ["copied_reference:f"]


def test_the_reasons_for_a_zero_are_in_the_language_of_the_moment():
    from course_lib.language import use

    found = integrity.Findings(tampered=["numpy.allclose was replaced"], tampered_at=3,
                               copied={"g": "it is taken from course_lib"})
    for lang in ("en", "zh-CN"):
        cells = _cells(("test_f", 1.0), ("test_f_hidden", 2.0), ("test_g", 1.0))
        with use(lang):
            notes = integrity.apply(found, _toy_nb(), cells)
        if lang == "en":
            assert cells[1].message == ("0 points: the notebook tampered with the grading code "
                                        "before this test ran (numpy.allclose was replaced), so "
                                        "it is not scored")
            assert notes == ["tampered with the grading code: numpy.allclose was replaced; the "
                             "test cells after that score 0 (2 had passed)",
                             "g is not the student's own code (it is taken from course_lib): its "
                             "tests score 0"]
        else:
            assert cells[1].message == ("0 分：笔记本在这个测试运行之前篡改了评分代码"
                                        "（numpy.allclose was replaced），因此它不计分")
            assert notes[0] == ("篡改了评分代码：numpy.allclose was replaced；此后的测试单元格均记 "
                                "0 分（其中 2 个原本已通过）")
        assert [c.points for c in cells] == [1.0, 0.0, 0.0]


# --------------------------------------------------------------------------- the sandbox


def test_the_sandbox_notice_says_what_confines_student_code(monkeypatch):
    none = sandbox.Sandbox(sandbox.NONE, why="not running as root")
    assert sandbox.notice(none).startswith(f"student code runs as {sandbox.current_user()} "
                                           "without a sandbox")
    assert "no network" in sandbox.notice(sandbox.Sandbox(sandbox.USER, namespaces=True))
    assert sandbox.Sandbox.from_json(none.to_json()) == none
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    assert sandbox.plan().mode == sandbox.NONE
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: "/usr/bin/bwrap")
    box = sandbox.plan(hide=[tempfile.gettempdir()], probe=False)
    assert box.mode == sandbox.BWRAP
    monkeypatch.setattr(sandbox, "probe_bwrap", lambda: (False, "setting up uid map: denied"))
    refused = sandbox.plan()   # bwrap installed, but a container forbids user namespaces
    assert refused.mode == sandbox.NONE and "setting up uid map: denied" in refused.why
    args = sandbox.bwrap_prefix(box, ["/tmp/autograder-1/grade-x", "/tmp/autograder-1/grade-x-run"])
    assert args[0] == "/usr/bin/bwrap" and "--unshare-all" in args   # the network too
    binds = [args[i + 1] for i, a in enumerate(args) if a == "--bind"]
    assert binds == ["/tmp/autograder-1/grade-x", "/tmp/autograder-1/grade-x-run"]


root_only = pytest.mark.skipif(os.geteuid() != 0 or not sandbox.plan(probe=True).namespaces,
                               reason="confining a kernel needs root and namespaces")


@root_only
def test_a_confined_process_can_write_only_its_own_folders(tmp_path):
    scratch = Path(tempfile.mkdtemp(prefix="autograder-test-"))
    try:
        cwd = scratch / "grade-x"
        run = scratch / "grade-x-run"
        cwd.mkdir()
        run.mkdir()
        (cwd / "data.csv").write_text("1")
        secret = tmp_path / "hidden"
        secret.mkdir()
        (secret / "solutions.txt").write_text("x")
        outside = tmp_path / "outside.txt"
        box = sandbox.Sandbox(sandbox.USER, namespaces=True, hide=(str(secret),))
        report = _in_child(lambda: _attempts(box, cwd, run, outside, secret))
        assert report["uid"] >= sandbox.BASE_UID
        assert report["own"] == "ok" and report["new"] == "ok" and report["home"] == "ok"
        assert report["outside"] != "ok" and not outside.exists()
        assert report["course_file"] == "PermissionError"   # visible, not writable
        assert report["hidden"] in ([], "FileNotFoundError") and report["network"] != "ok"
        assert report["import"] == "ok"        # the Python installation stays readable
    finally:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)


def _attempts(box, cwd, run, outside, secret) -> dict:
    done = sandbox.confine(box, str(cwd), str(run))
    out = {"uid": os.getuid(), "problems": done.problems}

    def attempt(key, fn):
        try:
            out[key] = fn() or "ok"
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            out[key] = type(exc).__name__

    attempt("own", lambda: Path("data.csv").write_text("2") and None)
    attempt("new", lambda: Path("new.txt").write_text("3") and None)
    attempt("home", lambda: Path(os.environ["HOME"], "h").write_text("4") and None)
    attempt("outside", lambda: outside.write_text("5") and None)
    attempt("course_file", lambda: open(sandbox.__file__, "a").close())
    attempt("hidden", lambda: os.listdir(secret))
    attempt("network", lambda: socket.create_connection(("127.0.0.1", 9), timeout=1)
            and None)
    attempt("import", lambda: __import__("xml.dom.minidom") and None)
    return out


def _in_child(fn) -> dict:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            data = json.dumps(fn())
        except BaseException as exc:  # noqa: BLE001
            data = json.dumps({"error": repr(exc)})
        os.write(write, data.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)


CONFINED_CELL = """import os, subprocess
print("uid", os.getuid())
print("files", sorted(os.listdir(".")))
try:
    open({course_file!r}, "a").close()
    print("course file WRITABLE")
except OSError as exc:
    print("course file refused:", type(exc).__name__)
print("background", subprocess.Popen(["sleep", "120"]).pid)
"""


@root_only
@pytest.mark.parametrize("fork", [True, False], ids=["fork", "spawn"])
def test_kernels_run_confined_and_leave_nothing_running(fork):
    import asyncio

    import psutil

    from autograder.kernel.execute import OK, execute_notebook
    from autograder.kernel.pool import KernelPool, KernelSettings

    box = sandbox.plan()
    settings = KernelSettings(memory_mb=2048, fork=fork, sandbox=box.to_json())
    nb = new_notebook(cells=[new_code_cell(CONFINED_CELL.format(
        course_file=str(Path(sandbox.__file__))))])

    async def go():
        pool = KernelPool(settings, spares=0)
        pool.prime()
        try:
            kernel = await pool.acquire()
            (kernel.cwd / "data.csv").write_text("1")
            sandbox.adopt_files(kernel.cwd)
            execution = await execute_notebook(nb, kernel, 20, 10_000)
            pool.release(kernel)
        finally:
            await pool.close()
        return execution

    execution = asyncio.run(go())
    assert execution.status == OK
    printed = dict(line.split(" ", 1) for line in "".join(
        o.get("text", "") for o in nb.cells[0].outputs).splitlines())
    assert int(printed["uid"]) >= sandbox.BASE_UID
    assert printed["files"] == "['data.csv']"
    assert printed["course"] == "file refused: PermissionError"
    background = int(printed["background"])
    assert not psutil.pid_exists(background) or psutil.Process(background).status() == \
        psutil.STATUS_ZOMBIE


# --------------------------------------------------------------------------- a graded class

#: student -> (sigmoid, propagate, scratch) and the expected (score, flags)
CLASS = {
    "honest": ((None, None, None), (MAX, [])),
    "wrong": ((WRONG_SIGMOID, None, None), (3.0, [])),
    "patch_numpy": ((PATCH_NUMPY, None, None), (0.0, ["tampered"])),
    "patch_builtins": ((PATCH_BUILTINS, None, None), (0.0, ["tampered"])),
    "patch_restore": ((PATCH_THEN_RESTORE, RESTORE, None), (0.0, ["tampered"])),
    "patch_in_test": ((PATCH_INSIDE_THE_TEST, None, None), (0.0, ["tampered"])),
    "shadow": ((SHADOW_BUILTIN, None, None), (0.0, ["tampered"])),
    "fake_probe": ((FAKE_PROBE, None, None), (0.0, ["tampered"])),
    "alias": ((ALIAS, None, None), (3.0, ["copied_reference:sigmoid"])),
    "wrapper": ((None, WRAPPER, None), (2.0, ["copied_reference:propagate"])),
    "helper": ((None, HELPER_WRAPPER, None), (2.0, ["copied_reference:propagate"])),
    "hidden_wrapper": ((None, HIDDEN_WRAPPER, None), (2.0, ["copied_reference:propagate"])),
    "writer": ((None, None, "WRITER"), (MAX, [])),
    # may kill the kernel (ipykernel itself relies on isinstance): flagged either way
    "patch_and_crash": ((WRONG_SIGMOID + "\nimport builtins\n"
                         "builtins.isinstance = lambda *a, **k: True", None, None),
                        (0.0, ["tampered"])),
}


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def _grade(submissions: Path, out: Path, source: Path, jobs: int = 2):
    from autograder.grade.coordinator import GradeOptions, grade

    handler = _Lines()
    logger = logging.getLogger("autograder")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        summary = grade(GradeOptions(submissions=submissions, out=out, source=source,
                                     jobs=jobs, timeout=20, progress=False, feedback=False,
                                     report=False, gradebook=True))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return summary, handler.lines


def _grade_the_class(root: Path) -> dict:
    source = write_course(root)
    submissions, out = root / "submitted", root / "out"
    targets = {"gradebook": out / "gradebook.db", "grades": out / "grades.csv",
               "ledger": out / "ledger.jsonl",
               "source": source / ASSIGNMENT / f"{NOTEBOOK}.ipynb",
               "other_student": submissions / "honest" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"}
    for student, ((sig, prop, scratch), _) in CLASS.items():
        if scratch == "WRITER":
            scratch = writer_scratch({k: str(v) for k, v in targets.items()})
        path = submissions / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(submission(source, sig, prop, scratch), path)
    out.mkdir()
    (out / "gradebook.db").write_bytes(b"")   # exists from the start, like a second run's
    before = {k: _digest(v) for k, v in targets.items() if k not in ("grades", "ledger")}
    summary, lines = _grade(submissions, out, source)
    return {"results": {r.student_id: r.to_json() for r in summary.results}, "lines": lines,
            "before": before, "after": {k: _digest(targets[k]) for k in before},
            "targets": {k: str(v) for k, v in targets.items()}, "out": str(out),
            "sandbox": summary.sandbox}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    """The class above graded once per test session (shared by the xdist workers)."""
    from session_build import shared

    record = shared(tmp_path_factory, "integrity_class", _grade_the_class)
    record["results"] = {s: SubmissionResult.from_json(r) for s, r in record["results"].items()}
    record["targets"] = {k: Path(v) for k, v in record["targets"].items()}
    record["out"] = Path(record["out"])
    return record


def test_every_submission_gets_the_score_and_flags_it_earned(graded):
    results = graded["results"]
    assert set(results) == set(CLASS)
    got = {s: (r.score, sorted(r.flags)) for s, r in results.items()}
    want = {s: (score, sorted(flags)) for s, (_, (score, flags)) in CLASS.items()}
    assert got == want, "\n".join(f"{s}: {results[s].message}" for s in results
                                  if got[s] != want[s])
    assert all(r.status is Status.GRADED for s, r in results.items() if s != "patch_and_crash")
    assert results["patch_and_crash"].status in (Status.GRADED, Status.KERNEL_DIED)


def test_an_honest_submission_is_not_flagged(graded):
    honest = graded["results"]["honest"]
    assert honest.score == MAX and honest.flags == []
    assert "tamper" not in honest.message and "course_lib" not in honest.message


def test_patches_are_named_and_their_tests_score_zero(graded):
    results = graded["results"]
    cells = {c.grade_id: c for c in results["patch_numpy"].notebooks[0].cells}
    assert all(c.points == 0 for c in cells.values())
    message = cells["test_sigmoid"].message
    assert message.startswith("0 points") and "tampered" in message
    for patched in ("numpy.allclose", "numpy.testing.assert_allclose",
                    "course_lib.checks.check_close"):
        assert patched in results["patch_numpy"].message
    assert "builtins.isinstance" in results["patch_builtins"].message
    assert "its own isinstance" in results["shadow"].message
    # a notebook that answers for the checks through __import__ is not asked that way
    assert "numpy.allclose" in results["fake_probe"].message
    # the fake check put the real one back before the cell ended: the guard saw it anyway
    assert "course_lib.checks.check_close" in results["patch_in_test"].message


def test_copied_functions_lose_their_own_tests_only(graded):
    results = graded["results"]
    alias = {c.grade_id: c.points for c in results["alias"].notebooks[0].cells}
    assert alias == {"test_sigmoid": 0, "test_sigmoid_hidden": 0, "test_propagate": 2,
                     "test_propagate_hidden": 1}
    assert "activations.sigmoid" in results["alias"].message
    assert "logistic_unit.propagate" in results["wrapper"].message
    for student in ("wrapper", "helper", "hidden_wrapper"):
        cells = {c.grade_id: c for c in results[student].notebooks[0].cells}
        assert cells["test_propagate"].points == 0
        assert "propagate is not your own code" in cells["test_propagate"].message


def test_a_cell_that_writes_outside_its_folder_changes_no_grade_and_no_file(graded):
    results = graded["results"]
    assert results["writer"].score == MAX and results["honest"].score == MAX
    rows = (graded["out"] / "grades.csv").read_text()
    assert "overwritten" not in rows and "overwritten" not in (
        graded["out"] / "ledger.jsonl").read_text()
    assert graded["targets"]["other_student"].exists()
    if not graded["sandbox"].startswith("student code runs as a user of its own"):
        pytest.skip("not confined here (" + graded["sandbox"] + "): the writes "
                    "succeed, only the grades are checked")
    assert graded["after"] == {**graded["before"], "gradebook": graded["after"]["gradebook"]}
    assert graded["after"]["gradebook"] is not None
    assert not graded["targets"]["gradebook"].read_bytes().startswith(b"overwritten")
    nb = nbformat.read(graded["out"] / "autograded" / "writer" / ASSIGNMENT
                       / f"{NOTEBOOK}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "WRITTEN" not in printed and "REMOVED" not in printed
    assert printed.count("refused") == 6


def test_the_run_says_once_where_student_code_runs(graded, tmp_path, monkeypatch):
    notices = [ln for ln in graded["lines"] if ln.startswith("student code runs")]
    assert notices == [graded["sandbox"]]
    source = write_course(tmp_path)
    submissions = tmp_path / "submitted"
    for student in ("a", "b"):
        path = submissions / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(submission(source), path)
    monkeypatch.setattr(sandbox, "plan", lambda *a, **k: sandbox.Sandbox(
        sandbox.NONE, why="testing"))
    summary, lines = _grade(submissions, tmp_path / "out", source)
    assert [r.score for r in summary.results] == [MAX] * 2
    unconfined = [ln for ln in lines if "without a sandbox" in ln]
    assert unconfined == [f"student code runs as {sandbox.current_user()} without a sandbox "
                          "(testing)" + sandbox.SHARED_USER]
