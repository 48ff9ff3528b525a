"""A whole grading run: every bad input gets its row, results survive interruptions."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import psutil
import pytest
from class_builder import EXPECTED, REPO, WRONG_ADD, run_cli
from synthetic_course import cell, solved, write_nb

from autograder import nbgrader_config
from autograder.course.source import load_course
from autograder.grade.coordinator import GradeOptions, grade
from autograder.grade.dispatch import run_jobs
from autograder.intake.find import IntakeError, discover
from autograder.intake.jobs import WorkerSettings, error_result
from autograder.records.ledger import Ledger, read_csv
from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult
from autograder.vocabulary import grade_id_of


@pytest.fixture(scope="module")
def out(graded_class) -> Path:
    return Path(graded_class["out"])


@pytest.fixture(scope="module")
def rows(out) -> dict:
    rows = read_csv(out / "grades.csv")
    return {(r["student_id"], r["assignment"]): r for r in rows}


@pytest.fixture(scope="module")
def ledger(out) -> Ledger:
    return Ledger(out / "ledger.jsonl")


def autograded(out: Path, student: str, assignment: str = "01_adder", name: str = "adder"):
    return nbformat.read(out / "autograded" / student / assignment / f"{name}.ipynb",
                         as_version=4)


def cells(ledger: Ledger, student: str, assignment: str = "01_adder") -> dict:
    result = ledger.results[(student, assignment)]
    return {c.grade_id: c for nb in result.notebooks for c in nb.cells}


# --------------------------------------------------------------------------- the class

def test_every_submission_found_has_exactly_one_row(graded_class, rows, out):
    assert graded_class["returncode"] == 0, graded_class["stderr"][-3000:]
    lines = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ("student_id,assignment,submitted_at,raw_score,late_by,penalty,score,"
                        "max_score,status,message,lateness")
    assert len(lines) - 1 == len(rows) == len(EXPECTED)
    got = {key: (r["status"], float(r["score"])) for key, r in rows.items()}
    assert got == {key: (status, float(score)) for key, (status, score) in EXPECTED.items()}
    assert {r["max_score"] for k, r in rows.items() if k[1] == "01_adder"} == {"5"}


def test_the_summary_says_what_happened_and_where(graded_class, out):
    stdout = graded_class["stdout"]
    assert f"{len(EXPECTED)} submission(s) found" in stdout
    assert "noah / 01_adder: timeout" in stdout and "olga / 01_adder: kernel_died" in stdout
    assert str(out / "grades.csv") in stdout and str(out / "gradebook.db") in stdout
    assert "grading" in graded_class["stderr"]          # the progress bar
    assert not (out / "intake").exists()                # the extracted zip is cleaned up


def test_hidden_test_source_never_reaches_a_message(out, ledger):
    messages = [c.message for r in ledger.results.values() for nb in r.notebooks
                for c in nb.cells] + [r.message for r in ledger.results.values()]
    assert not any("SECRET_HIDDEN_MARKER" in m for m in messages)
    assert "SECRET_HIDDEN_MARKER" not in (out / "grades.csv").read_text(encoding="utf-8")
    # the autograded notebook is the instructor's copy: hidden tests ran in it
    assert "SECRET_HIDDEN_MARKER" in cell(autograded(out, "alice"), "test_add_hidden").source


def test_messages_tell_the_student_what_failed(ledger):
    bob = cells(ledger, "bob")
    assert bob["test_add"].message == "AssertionError: add(1, 2) should be 3"
    # a hidden test says that it failed, not what it expected (see test_scoring)
    assert bob["test_add_hidden"].message == "a hidden test failed (what it compares is not shown)"
    assert bob["test_add_hidden"].hidden and not bob["test_add"].hidden
    assert cells(ledger, "alice")["test_add"].message == "add(1, 2) = 3"
    assert cells(ledger, "alice")["test_mul"].points == 1   # its RuntimeWarning is ignored


def test_a_timeout_costs_only_the_cells_that_looped(ledger, rows):
    noah = cells(ledger, "noah")   # mul loops: each of its tests is interrupted in turn
    assert noah["test_add"].points == 1 and noah["test_add_hidden"].points == 2
    for gid in ("test_mul", "test_mul_hidden"):
        assert noah[gid].points == 0 and "longer than 3 s" in noah[gid].message
    message = rows[("noah", "01_adder")]["message"]
    assert "(test_mul) ran longer than the 3 s limit and was interrupted" in message
    assert "(test_mul_hidden) ran longer" in message and "grading went on" in message


def test_a_dead_kernel_costs_only_the_cell_that_killed_it(ledger, rows, out):
    olga = cells(ledger, "olga")   # os._exit in mul's cell: the fresh kernel goes on
    assert olga["test_add"].points == 1 and olga["test_add_hidden"].points == 2
    assert olga["test_mul"].points == 0 and "name 'mul' is not defined" in olga["test_mul"].message
    assert "the kernel died (exit code 1) in code cell 5 of 7 (mul)" in \
        rows[("olga", "01_adder")]["message"]
    nb = autograded(out, "olga")   # the test after it ran, in the fresh kernel
    assert cell(nb, "test_mul_hidden").outputs[-1].evalue == "name 'mul' is not defined"


def test_memory_exhaustion_is_reported(ledger, rows):
    assert "MemoryError" in cells(ledger, "quin")["test_add"].message
    assert "memory" in rows[("quin", "01_adder")]["message"]


def test_an_output_flood_stays_out_of_the_tests(out, rows):
    """A function that prints a flood when a test calls it: the test runs in the grader,
    which shows the start of what the student's code printed and says the rest is not
    shown; the test's own output follows, and its points are earned."""
    nb = autograded(out, "pete")
    test = cell(nb, "test_add")
    text = "".join(o.get("text", "") for o in test.outputs)
    assert text.startswith("debug line 0")
    assert "[... more printed by your code, not shown ...]" in text
    assert text.rstrip().endswith("add(1, 2) = 3")
    assert len(text) < nbgrader_config.MAX_OUTPUT_CHARS
    assert rows[("pete", "01_adder")]["score"] == rows[("alice", "01_adder")]["score"]


def test_deleted_and_edited_tests_are_restored_and_graded(out, ledger, rows):
    jack = autograded(out, "jack")
    order = [grade_id_of(c) for c in jack.cells]
    assert order.index("test_add") == order.index("add") + 1
    assert cells(ledger, "jack")["test_add_hidden"].points == 0   # it ran: add is wrong
    assert "deleted" in rows[("jack", "01_adder")]["message"]
    kate = autograded(out, "kate")
    assert "assert add(1, 2) == 3" in cell(kate, "test_add").source
    assert cells(ledger, "kate")["test_add"].points == 0
    assert ledger.results[("kate", "01_adder")].flags == ["edited_locked_cell"]


def test_renamed_duplicated_and_markdown_cells(ledger, rows):
    assert "graded 'adder (1).ipynb' as 'adder.ipynb'" in rows[("hana", "01_adder")]["message"]
    assert "renamed_notebook" in ledger.results[("hana", "01_adder")].flags
    assert "cannot tell which" in rows[("ivan", "01_adder")]["message"]
    assert "more than once" in rows[("liam", "01_adder")]["message"]
    assert "turned back into code" in rows[("mia", "01_adder")]["message"]


def test_unreadable_uploads_have_their_reason(rows):
    assert "empty" in rows[("dan", "01_adder")]["message"]
    assert "not valid JSON" in rows[("eve", "01_adder")]["message"]
    assert "not a Jupyter notebook" in rows[("finn", "01_adder")]["message"]
    assert "not text" in rows[("gus", "01_adder")]["message"]
    assert "cannot read" in rows[("ruth", "01_adder")]["message"]
    assert "was not submitted" in rows[("sam", "01_adder")]["message"]
    assert "matches no notebook" in rows[("max", "max_77_notes.txt")]["message"]


def test_feedback_pages_and_report_are_written(out, rows, graded_class):
    pages = sorted((out / "feedback").rglob("*.html"))
    assert {p.relative_to(out / "feedback").parts[0] for p in pages} == {k[0] for k in rows}
    assert not any("SECRET_HIDDEN_MARKER" in p.read_text(encoding="utf-8") for p in pages)
    assert (out / "report" / "report.html").exists()
    assert str(out / "report" / "report.html") in graded_class["stdout"]


def test_graded_notebooks_are_written_for_what_ran(out):
    assert (out / "autograded" / "José Álvarez" / "01_adder" / "adder.ipynb").exists()
    assert (out / "autograded" / "lara" / "02_text" / "text.ipynb").exists()
    assert not (out / "autograded" / "dan").exists()


# --------------------------------------------------------------------------- resuming

def _small_class(source: Path, folder: Path, slow: bool = False) -> Path:
    """Three (or, ``slow``, four) correct submissions. ``slow``: every student but the first
    graded sits in a 10-minute sleep, so a signal sent once the first ledger line exists
    provably arrives in the middle of a notebook, however loaded the machine is."""
    students = ("alice", "bob", "carl", "dora")[: 4 if slow else 3]
    for student in students:
        sleep = "import time\ntime.sleep(600)\n" if slow and student != students[0] else ""
        nb = solved(source, add=sleep + "def add(a, b):\n    return a + b")
        write_nb(nb, folder / student / "01_adder" / "adder.ipynb")
    return folder


def _fake_run_jobs(graded: list):
    """Stands in for the grading processes: a result per job, 2 points if add is wrong."""
    def run(jobs, settings, processes, on_result, watchdog=None, prepare=None, stop=None,
            estimates=None):
        if prepare is not None:
            prepare()
        for job in jobs:
            wrong = "return a - b" in Path(job.notebooks[0].path).read_text()
            cells = [CellResult("test_add", 2.0 if wrong else 5.0, 5.0)]
            on_result(job, SubmissionResult(
                job.student_id, job.assignment, Status.GRADED, max_score=5.0,
                notebooks=[NotebookResult("adder", cells=cells)],
                content_hash=job.content_hash, source_hash=job.source_hash), {})
            graded.append(job.key)
    return run


def test_rerun_grades_only_what_is_missing_or_changed(course_source, tmp_path, monkeypatch):
    graded: list = []
    monkeypatch.setattr("autograder.grade.coordinator.run_jobs", _fake_run_jobs(graded))
    submissions = _small_class(course_source, tmp_path / "class")
    options = GradeOptions(submissions=submissions, out=tmp_path / "out", jobs=1,
                           source=course_source, progress=False,
                           feedback=False, report=False, gradebook=False)
    assert grade(options).graded == 3
    ledger_path = tmp_path / "out" / "ledger.jsonl"
    lines = ledger_path.read_text().splitlines()
    ledger_path.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:50])   # torn last line
    write_nb(solved(course_source, add=WRONG_ADD),
             submissions / "bob" / "01_adder" / "adder.ipynb")
    graded.clear()

    second = grade(options)
    assert (second.graded, second.skipped) == (2, 1)
    assert sorted(graded) == [("bob", "01_adder"), ("carl", "01_adder")]
    rows = read_csv(tmp_path / "out" / "grades.csv")
    assert [(r["student_id"], r["score"]) for r in rows] == [
        ("alice", "5"), ("bob", "2"), ("carl", "5")]

    third = grade(options)
    assert (third.graded, third.skipped) == (0, 3)
    forced = grade(GradeOptions(**{**options.__dict__, "force": True}))
    assert (forced.graded, forced.skipped) == (3, 0)
    assert len(read_csv(tmp_path / "out" / "grades.csv")) == 3
    assert len(Ledger(ledger_path).results) == 3


def test_a_submission_the_tool_failed_on_is_graded_again_by_the_next_run(
        course_source, tmp_path, monkeypatch):
    graded: list = []
    fake = _fake_run_jobs(graded)

    def failing_on_bob(jobs, settings, processes, on_result, **kw):
        def record(job, result, executed):
            if job.student_id == "bob":   # e.g. its kernel could not start
                result = error_result(job, "the kernel died while starting")
            on_result(job, result, executed)
        fake(jobs, settings, processes, record, **kw)

    options = GradeOptions(submissions=_small_class(course_source, tmp_path / "class"),
                           out=tmp_path / "out", jobs=1, source=course_source, progress=False,
                           feedback=False, report=False, gradebook=False)
    monkeypatch.setattr("autograder.grade.coordinator.run_jobs", failing_on_bob)
    first = grade(options)
    assert [r.status for r in first.results if r.student_id == "bob"] == [Status.ERROR]
    monkeypatch.setattr("autograder.grade.coordinator.run_jobs", fake)
    graded.clear()
    second = grade(options)
    assert (second.graded, second.skipped) == (1, 2) and graded == [("bob", "01_adder")]
    assert {r.status for r in second.results} == {Status.GRADED}
    assert (grade(options).graded, graded) == (0, [("bob", "01_adder")])   # then it stays


def test_an_out_folder_that_cannot_be_made_is_a_clear_error(course_source, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    options = GradeOptions(submissions=_small_class(course_source, tmp_path / "class"),
                           out=blocked / "out", source=course_source, progress=False)
    with pytest.raises(IntakeError, match=r"--out .*a-file/out: cannot make the folder"):
        grade(options)


def test_an_interrupted_forced_run_counts_what_it_did_not_regrade(course_source, tmp_path,
                                                                monkeypatch):
    fake = _fake_run_jobs([])

    def interrupted(jobs, settings, processes, on_result, **kw):
        fake(jobs[:1], settings, processes, on_result, **kw)
        raise KeyboardInterrupt

    options = GradeOptions(submissions=_small_class(course_source, tmp_path / "class"),
                           out=tmp_path / "out", jobs=1, source=course_source, progress=False,
                           feedback=False, report=False, gradebook=False, force=True)
    monkeypatch.setattr("autograder.grade.coordinator.run_jobs", fake)
    grade(options)   # every submission has a current line in the ledger
    monkeypatch.setattr("autograder.grade.coordinator.run_jobs", interrupted)
    summary = grade(options)
    assert summary.interrupted and summary.lost == 2   # not 0: the earlier lines are not this run's
    assert len(summary.results) == 3   # the earlier grades are kept


def test_an_earlier_runs_seconds_order_the_next_runs_jobs(course_source, tmp_path,
                                                          monkeypatch):
    seen: list = []
    fake = _fake_run_jobs([])

    def run(jobs, settings, processes, on_result, estimates=None, **kw):
        seen.append(estimates)
        fake(jobs, settings, processes,
             lambda job, result, executed: on_result(job, dataclasses.replace(
                 result, seconds=2.0 if job.student_id == "alice" else 4.0), executed), **kw)

    monkeypatch.setattr("autograder.grade.coordinator.run_jobs", run)
    options = GradeOptions(submissions=_small_class(course_source, tmp_path / "class"),
                           out=tmp_path / "out", jobs=1, source=course_source, progress=False,
                           feedback=False, report=False, gradebook=False, force=True)
    grade(options)
    grade(options)
    assert seen == [{}, {"01_adder": (2.0 + 4.0 + 4.0) / 3}]


def test_a_failure_of_the_grading_processes_is_raised_not_waited_on(course_source, tmp_path,
                                                                   monkeypatch):
    def run(jobs, settings, processes, on_result, prepare=None, **kw):
        prepare()
        raise RuntimeError("the grading processes could not start")

    monkeypatch.setattr("autograder.grade.coordinator.run_jobs", run)
    options = GradeOptions(submissions=_small_class(course_source, tmp_path / "class"),
                           out=tmp_path / "out", jobs=1, source=course_source, progress=False,
                           feedback=False, report=False)   # the gradebook's thread is on
    raised: list = []
    thread = threading.Thread(target=lambda: raised.append(pytest.raises(
        RuntimeError, grade, options)), daemon=True)
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), "grade() hung after run_jobs raised"
    assert "could not start" in str(raised[0].value)


LATE_TERM = """\
[late]
per_day = {per_day}
max_days = 3
[due]
01_adder = 2026-10-05T23:59:00+00:00
"""


def _stamp(submissions: Path, student: str, when: str) -> None:
    (submissions / student / "01_adder" / "timestamp.txt").write_text(f"{when} UTC\n")


def test_a_new_policy_or_time_rescores_without_regrading(course_source, tmp_path,
                                                         monkeypatch, capsys):
    from nbgrader.api import Gradebook

    from autograder.__main__ import main
    from autograder.records.gradebook import db_url

    graded: list = []
    monkeypatch.setattr("autograder.grade.coordinator.run_jobs", _fake_run_jobs(graded))
    submissions = _small_class(course_source, tmp_path / "class")
    _stamp(submissions, "alice", "2026-10-06 00:59:00.000001")   # 1 h late: 1 day
    _stamp(submissions, "bob", "2026-10-05 20:00:00")            # on time; carl: no time
    term = tmp_path / "course.toml"
    term.write_text(LATE_TERM.format(per_day=0.1))
    out = tmp_path / "out"
    options = GradeOptions(submissions=submissions, out=out, jobs=1, source=course_source,
                           progress=False, report=False, term=term)
    first = grade(options)
    assert first.graded == 3
    rows = {r["student_id"]: r for r in read_csv(out / "grades.csv")}
    assert [(rows[s]["raw_score"], rows[s]["penalty"], rows[s]["score"])
            for s in ("alice", "bob", "carl")] == [("5", "0.5", "4.5"), ("5", "0", "5"),
                                                   ("5", "0", "5")]
    assert rows["carl"]["lateness"] == "no submission time: counted as on time"
    page = out / "feedback" / "alice" / "01_adder" / "adder.html"
    assert "1 day late" in page.read_text() and "-10% of 5 points" in page.read_text()

    term.write_text(LATE_TERM.format(per_day=0.2))             # a harsher policy
    _stamp(submissions, "bob", "2026-10-07 23:00:00")            # bob's time corrected: 2 days
    graded.clear()
    second = grade(options)
    assert (second.graded, second.skipped, graded) == (0, 3, [])  # nothing ran again
    rows = {r["student_id"]: r for r in read_csv(out / "grades.csv")}
    assert [rows[s]["score"] for s in ("alice", "bob", "carl")] == ["4", "3", "5"]
    assert Ledger(out / "ledger.jsonl").results[("bob", "01_adder")].submitted_at.startswith(
        "2026-10-07T23:00:00")
    assert "-20% of 5 points" in page.read_text()                 # the page follows

    with Gradebook(db_url(out / "gradebook.db")) as gb:   # nbgrader's view agrees
        for student in ("alice", "bob", "carl"):
            sub = gb.find_submission("01_adder", student)
            assert sub.score - sub.late_submission_penalty == pytest.approx(
                float(rows[student]["score"]))
        assert gb.find_submission("01_adder", "bob").total_seconds_late == 47 * 3600 + 60

    assert main(["export", "--format", "csv", "--grading", str(out)]) == 0   # the kept term
    capsys.readouterr()
    exported = (out / "export-csv.csv").read_text().splitlines()
    assert exported[1:] == ["alice,4", "bob,3", "carl,5"]


def _wait_for_lines(path: Path, count: int, proc: subprocess.Popen, limit: float = 90) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            return
        if proc.poll() is not None:
            raise AssertionError(f"the run ended early: {proc.communicate()}")
        time.sleep(0.1)
    raise AssertionError(f"no {count} ledger lines after {limit} s")


def _ended(run: subprocess.Popen, limit: float) -> tuple[str, str]:
    """``run``'s stdout and stderr once it has ended; if it has not within ``limit`` seconds,
    fail with the stacks of its threads (SIGABRT makes Python's faulthandler print them)."""
    try:
        return run.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        run.send_signal(signal.SIGABRT)
        _, stderr = run.communicate(timeout=30)
        raise AssertionError(f"still running {limit:g} s after Ctrl-C; its threads:\n"
                             f"{stderr[-6000:]}") from None


def _gone(pids: list[int], limit: float = 10) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False


def test_ctrl_c_and_kill_9_lose_nothing_finished(course_source, tmp_path):
    submissions = _small_class(course_source, tmp_path / "class", slow=True)
    out = tmp_path / "out"
    ledger = out / "ledger.jsonl"
    cmd = [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
           "--source", str(course_source), "-j", "1", "--no-progress", "--memory", "2048",
           "--timeout", "900"]
    env = dict(os.environ, PYTHONFAULTHANDLER="1")   # a stuck run shows where (_ended)

    run = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    _wait_for_lines(ledger, 1, run)   # the first submission is done, the second is sleeping
    children = [p.pid for p in psutil.Process(run.pid).children(recursive=True)]
    run.send_signal(signal.SIGINT)                       # Ctrl-C
    stdout, stderr = _ended(run, 60)
    assert run.returncode == 130, f"exit {run.returncode}:\n{stdout[-2000:]}\n{stderr[-4000:]}"
    assert "Interrupted" in stdout
    assert children and _gone(children)
    done = len(Ledger(ledger).results)
    assert done == 1 and len(read_csv(out / "grades.csv")) == done
    assert "Interrupted: 3 submission(s) still to grade" in stdout

    for student in ("alice", "bob", "carl", "dora"):   # no more sleeping: finish the class
        write_nb(solved(course_source, add="def add(a, b):\n    return a + b"),
                 submissions / student / "01_adder" / "adder.ipynb")
    run = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    _wait_for_lines(ledger, done + 1, run)
    children = [p.pid for p in psutil.Process(run.pid).children(recursive=True)]
    run.kill()                                           # kill -9
    run.communicate(timeout=30)
    assert children and _gone(children)
    survived = Ledger(ledger)
    assert survived.damaged_lines == 0 and len(survived.results) >= done + 1

    final = run_cli(*cmd[3:])
    assert final.returncode == 0, final.stderr[-2000:]
    assert "unchanged since the last run" in final.stdout
    rows = read_csv(out / "grades.csv")
    assert sorted(r["student_id"] for r in rows) == ["alice", "bob", "carl", "dora"]
    assert {r["score"] for r in rows} == {"5"}


# --------------------------------------------------------------------------- processes

def test_a_submission_that_kills_its_grader_is_an_error_not_a_crash(course_source, tmp_path):
    # the kernel's parent is the zygote, whose parent is the grading process
    killer = "import os, signal\nos.kill(int(open('/proc/%d/stat' % os.getppid()).read()" \
             ".split()[3]), signal.SIGKILL)\ndef add(a, b):\n    return a + b"
    write_nb(solved(course_source, add=killer), tmp_path / "eve" / "01_adder" / "adder.ipynb")
    jobs = discover(tmp_path, load_course(course_source)).jobs
    results = {}
    run_jobs(jobs, WorkerSettings(timeout=10), 1,
             lambda job, result, executed: results.__setitem__(job.key, result))
    eve = results[("eve", "01_adder")]
    assert eve.status == Status.ERROR and "died twice" in eve.message
    assert eve.max_score == 5
    json.loads(eve.to_json())


def test_the_run_imports_what_it_needs_later_once_a_notebook_ran(tmp_path, monkeypatch):
    """The coordinator's background thread hands over the references at once, then waits
    for the first result before importing nbconvert and matplotlib (and before the
    gradebook's writer, which waits for this thread, imports nbgrader): until then the
    grading processes' zygotes want the cores."""
    from autograder.course.source import DEFAULT_SOURCE
    from autograder.grade import coordinator

    imported: list[str] = []
    monkeypatch.setattr(coordinator.importlib, "import_module", imported.append)
    monkeypatch.setattr(coordinator, "gc", SimpleNamespace(
        collect=lambda: imported.append("gc.collect"),
        freeze=lambda: imported.append("gc.freeze")))
    background = coordinator._Background(load_course(DEFAULT_SOURCE), [],
                                         GradeOptions(submissions=tmp_path))
    background.attach()   # the references: no wait for any result
    background.thread.join(2.0)
    assert background.thread.is_alive() and imported == []
    background.first_result()
    background.thread.join(120)
    assert not background.thread.is_alive()
    assert imported == ["autograder.report.feedback_page", "nbconvert.exporters.html",
                        "autograder.report.class_report", "gc.collect", "gc.freeze"]
