"""The nbgrader gradebook written by a grading run: nbgrader's own API reads the scores."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbgrader.api import Gradebook, MissingEntry

from autograder.course.source import load_course
from autograder.records.gradebook import GradebookWriter, db_url, write_gradebook
from autograder.records.ledger import Ledger


def _score(db: Path, assignment: str, student: str) -> float:
    with Gradebook(db_url(db)) as gb:
        return gb.find_submission(assignment, student).score


def test_nbgrader_reads_the_scores(graded_class):
    db = Path(graded_class["out"]) / "gradebook.db"
    assert _score(db, "01_adder", "alice") == 5
    assert _score(db, "02_text", "alice") == 2
    assert _score(db, "01_adder", "bob") == 2
    assert _score(db, "01_adder", "noah") == 3          # timeout: earlier tests kept
    assert _score(db, "01_adder", "dan") == 0           # invalid notebook
    assert _score(db, "01_adder", "José Álvarez") == 5
    with Gradebook(db_url(db)) as gb:
        assert gb.find_assignment("01_adder").max_score == 5
        bob = gb.find_submission_notebook("adder", "01_adder", "bob")
        grades = {g.name: (g.auto_score, g.needs_manual_grade) for g in bob.grades}
        assert grades["test_add_hidden"] == (0, False) and grades["test_mul"] == (1, False)
        assert gb.find_submission_notebook("adder", "01_adder", "kate").flagged
        with pytest.raises(MissingEntry):
            gb.find_assignment("99_unknown")


def test_rewriting_is_idempotent(graded_class, course_source, tmp_path):
    results = Ledger(Path(graded_class["out"]) / "ledger.jsonl").sorted_results()
    db = tmp_path / "gradebook.db"
    course = load_course(course_source)
    assert write_gradebook(db, course, results) == len(results) - 3   # 3 unknown rows
    assert write_gradebook(db, course, results, only=set()) == 0     # all known already
    assert write_gradebook(db, course, results, only={("bob", "01_adder")}) == 1
    assert _score(db, "01_adder", "bob") == 2
    with Gradebook(db_url(db)) as gb:
        assert len(gb.find_assignment("01_adder").submissions) == len(
            [r for r in results if r.assignment == "01_adder"])


def test_lateness_is_written_in_nbgraders_own_fields(course_source, tmp_path):
    from datetime import UTC, datetime, timedelta

    from autograder.course.term import LatePolicy, Term
    from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult

    due = datetime(2026, 10, 5, 21, 59, tzinfo=UTC)
    term = Term(due={"01_adder": due}, late=LatePolicy(per_day=0.1),
                extensions={("bo", "01_adder"): due + timedelta(days=1)})

    def result(student: str, late: timedelta) -> SubmissionResult:
        cells = [CellResult("test_add", 1, 1), CellResult("test_add_hidden", 2, 2)]
        return SubmissionResult(student, "01_adder", Status.GRADED, max_score=5,
                                notebooks=[NotebookResult("adder", cells=cells)],
                                submitted_at=(due + late).isoformat())

    results = [result("ana", timedelta(hours=30)), result("bo", timedelta(hours=30))]
    db = tmp_path / "gradebook.db"
    write_gradebook(db, load_course(course_source), results, term=term)
    with Gradebook(db_url(db)) as gb:
        assert gb.find_assignment("01_adder").duedate == datetime(2026, 10, 5, 21, 59)
        ana, bo = gb.find_submission("01_adder", "ana"), gb.find_submission("01_adder", "bo")
        assert ana.score == 3 and ana.total_seconds_late == 30 * 3600
        assert ana.score - ana.late_submission_penalty == pytest.approx(3 * 0.8)   # 2 days
        assert bo.extension == timedelta(days=1) and bo.total_seconds_late == 6 * 3600
        assert bo.score - bo.late_submission_penalty == pytest.approx(3 * 0.9)
    # a milder policy, nothing regraded: the same database follows
    write_gradebook(db, load_course(course_source), results, only=set(),
                    term=Term(due=term.due, late=LatePolicy()))
    with Gradebook(db_url(db)) as gb:
        assert gb.find_submission("01_adder", "ana").late_submission_penalty == 0


def _scores(db: Path) -> dict:
    with Gradebook(db_url(db)) as gb:
        return {(s.student_id, s.assignment.name): (s.score, [n.flagged for n in s.notebooks])
                for a in gb.assignments for s in a.submissions}


def test_a_writer_during_the_run_writes_what_one_write_at_the_end_does(
        graded_class, course_source, tmp_path):
    results = Ledger(Path(graded_class["out"]) / "ledger.jsonl").sorted_results()
    course = load_course(course_source)
    write_gradebook(tmp_path / "at_end.db", course, results)
    writer = GradebookWriter(tmp_path / "during.db", course, ["01_adder", "02_text"])
    for result in results[: len(results) // 2]:   # as they are graded
        writer.record(result)
    assert writer.finish(results) == len(results) - 3   # 3 unknown rows
    assert _scores(tmp_path / "during.db") == _scores(tmp_path / "at_end.db")
    assert len(_scores(tmp_path / "during.db")) == len(results) - 3


def test_a_stopped_writer_keeps_what_it_recorded(graded_class, course_source, tmp_path):
    """An interrupted run: the results recorded so far are in the gradebook."""
    results = Ledger(Path(graded_class["out"]) / "ledger.jsonl").sorted_results()
    alice = next(r for r in results if r.key == ("alice", "01_adder"))
    writer = GradebookWriter(tmp_path / "gradebook.db", load_course(course_source),
                             ["01_adder"])
    writer.record(alice)
    writer.stop()
    assert _scores(tmp_path / "gradebook.db") == {("alice", "01_adder"): (5, [False])}


def test_a_writer_that_failed_says_why_when_it_finishes(graded_class, course_source,
                                                      tmp_path):
    results = Ledger(Path(graded_class["out"]) / "ledger.jsonl").sorted_results()
    (tmp_path / "gradebook.db").mkdir()   # no database can be made there
    writer = GradebookWriter(tmp_path / "gradebook.db", load_course(course_source),
                             ["01_adder"])
    writer.record(results[0])
    with pytest.raises(Exception, match="unable to open database file"):
        writer.finish(results)


def test_each_write_is_one_transaction_and_a_failed_one_leaves_nothing(
        graded_class, course_source, tmp_path, monkeypatch):
    """The cells, a result, a write at the end: one commit each (nbgrader's API commits
    every row it writes; opening the gradebook commits its course once); a write that fails
    half-way leaves no row of it behind."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from autograder.records import gradebook

    results = [r for r in Ledger(Path(graded_class["out"]) / "ledger.jsonl").sorted_results()
               if r.assignment == "01_adder"]
    commits = []

    def count(session):
        commits.append(session)
    event.listen(Session, "after_commit", count)
    try:
        writer = GradebookWriter(tmp_path / "gradebook.db", load_course(course_source),
                                 ["01_adder"])
        for result in results:
            writer.record(result)
        writer.stop()
        assert len(commits) == 1 + 1 + len(results)
        commits.clear()
        write_gradebook(tmp_path / "again.db", load_course(course_source), results)
        assert len(commits) == 1 + 1
    finally:
        event.remove(Session, "after_commit", count)
    assert len(_scores(tmp_path / "gradebook.db")) == len(results)

    def fail(gb, result):
        raise RuntimeError("disk full")
    monkeypatch.setattr(gradebook, "_record_rows", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        write_gradebook(tmp_path / "failed.db", load_course(course_source), results)
    with Gradebook(db_url(tmp_path / "failed.db")) as gb:
        assert gb.assignments == []   # the cells written before the failure: rolled back
