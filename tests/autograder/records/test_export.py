"""Grades exported as the files Canvas, Moodle and D2L import, against golden files.

The golden files (``golden/``) were written by hand from the vendors' documented import
layouts (see :mod:`autograder.records.export`), not produced by the code under test. The class:
ana graded in both assignments, bo graded in one and the grader failed on the other (status
error: left empty), chi's notebook missing (0 points), dee handed in nothing.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest

from autograder.__main__ import main
from autograder.records.export import ExportError, export, read_names, read_roster
from autograder.records.ledger import Ledger
from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult

GOLDEN = Path(__file__).parent / "golden"
A1, A2 = "01_logistic_unit", "02_two_layer_net"


def _result(student: str, assignment: str, points: float, status: Status = Status.GRADED,
            max_points: float = 20.0) -> SubmissionResult:
    cells = [CellResult("test_f", points, max_points)] if max_points else []
    return SubmissionResult(student, assignment, status, max_score=max_points,
                            notebooks=[NotebookResult("nb", status=status, cells=cells)])


CLASS = [
    _result("ana", A1, 18), _result("ana", A2, 15.5),
    _result("bo", A1, 20), _result("bo", A2, 0, Status.ERROR, max_points=0),
    _result("chi", A1, 0, Status.MISSING_NOTEBOOK),
]


def _golden(name: str) -> str:
    return (GOLDEN / name).read_bytes().decode("utf-8")


@pytest.mark.parametrize("fmt", ["canvas", "moodle", "d2l", "csv"])
def test_each_format_matches_its_golden_file(fmt):
    done = export(CLASS, fmt, read_roster(GOLDEN / "roster.csv"),
                  read_names(GOLDEN / "names.csv"))
    assert done.text == _golden(f"{fmt}.csv")
    assert done.students == 4 and done.assignments == [A1, A2]
    assert done.not_handed_in == 3 and done.errors == [("bo", A2)]


def test_the_exported_score_is_the_score_after_the_late_penalty():
    from datetime import UTC, datetime

    from autograder.course.term import LatePolicy, Term
    from autograder.records.ledger import csv_text

    late = [_result("ana", A1, 18), _result("bo", A1, 20), _result("chi", A1, 10)]
    late[0].submitted_at = "2026-10-05T01:00:00+00:00"   # 1 day late
    late[2].submitted_at = "2026-10-20T00:00:00+00:00"   # more than 3 days: 0
    term = Term(due={A1: datetime(2026, 10, 5, tzinfo=UTC)},
                late=LatePolicy(per_day=0.25, max_days=3))
    exported = export(late, "csv", term=term).text.splitlines()
    assert exported == ["student_id,01_logistic_unit", "ana,13.5", "bo,20", "chi,0"]
    rows = csv.DictReader(csv_text(late, term).splitlines())   # grades.csv's score
    assert [f"{r['student_id']},{r['score']}" for r in rows] == exported[1:]


def test_the_command_exports_a_grading_runs_ledger(tmp_path, capsys):
    ledger = Ledger(tmp_path / "ledger.jsonl")
    for result in CLASS:
        ledger.append(result)
    code = main(["export", "--format", "d2l", "--grading", str(tmp_path),
                 "--roster", str(GOLDEN / "roster.csv"), "--names", str(GOLDEN / "names.csv")])
    printed = capsys.readouterr().out
    assert code == 0
    assert (tmp_path / "export-d2l.csv").read_bytes().decode() == _golden("d2l.csv")
    assert "4 student(s) x 2 assignment(s)" in printed
    assert "bo / 02_two_layer_net, the grader failed on it" in printed


def test_an_export_during_a_grading_run_says_it_holds_the_grades_so_far(tmp_path, capsys):
    from autograder.grade.coordinator import _lock

    Ledger(tmp_path / "ledger.jsonl").append(CLASS[0])
    lock = _lock(tmp_path)   # what a grading run holds while it writes
    try:
        assert main(["export", "--format", "csv", "--grading", str(tmp_path)]) == 0
    finally:
        lock.close()
    assert "grades finished so far" in capsys.readouterr().out
    assert main(["export", "--format", "csv", "--grading", str(tmp_path)]) == 0
    assert "so far" not in capsys.readouterr().out


def test_a_plain_csv_needs_no_roster():
    text = export(CLASS, "csv").text
    assert text.splitlines()[0] == f"student_id,{A1},{A2}"
    assert text.splitlines()[1:] == ["ana,18,15.5", "bo,20,", "chi,0,"]


def test_a_roster_matches_ids_however_unicode_composed_them(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(unicodedata.normalize("NFD", "student_id\nJosé\n"), encoding="utf-8")
    assert export([_result("José", A1, 18)], "csv", read_roster(roster)).text.splitlines() == [
        f"student_id,{A1}", "José,18"]


def test_rows_matching_no_assignment_are_listed_not_exported():
    """A stray file's row (status unknown_assignment) is no assignment's grade: no column,
    and its student (an LMS file without one, ``(unknown)``) needs no roster row."""
    strays = [_result("carol_1_notes.pdf", "carol_1_notes.pdf", 0, Status.UNKNOWN_ASSIGNMENT,
                      max_points=0),
              _result("(unknown)", "_8_mine.ipynb", 0, Status.UNKNOWN_ASSIGNMENT,
                      max_points=0)]
    done = export(CLASS + strays, "canvas", read_roster(GOLDEN / "roster.csv"),
                  {**read_names(GOLDEN / "names.csv"), "03_deep_network": "Deep (7)"})
    assert done.text == _golden("canvas.csv")
    assert done.unmatched == [s.key for s in strays]
    assert done.unused_names == ["03_deep_network"]
    assert export(CLASS + strays, "csv").text == export(CLASS, "csv").text


def test_a_graded_student_missing_from_the_roster_is_an_error_not_a_lost_grade(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,canvas_id\nana,101\n")
    with pytest.raises(ExportError, match="2 graded student\\(s\\) not in the roster: bo, chi"):
        export(CLASS, "canvas", read_roster(roster))


@pytest.mark.parametrize(("text", "message"), [
    ("student_id,nickname\nana,A\n", "unknown column"),
    ("canvas_id\n101\n", "no student_id column"),
    ("student_id,canvas_id\nana,101\nana,102\n", "'ana' is repeated"),
    ("student_id,canvas_id\nana,101,extra\n", "line 2: 2 columns expected"),
])
def test_a_bad_roster_says_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(ExportError, match=message):
        read_roster(path)


@pytest.mark.parametrize(("encoding", "name"), [("gbk", "张伟"), ("utf-16", "张伟"),
                                              ("cp1252", "Zoë")])
def test_a_file_not_in_utf8_says_so(tmp_path, encoding, name):
    """Excel's plain "CSV" on a Chinese or a Western Windows, or its "Unicode text"."""
    roster, names = tmp_path / "roster.csv", tmp_path / "names.csv"
    roster.write_text(f"student_id,name\nana,{name}\n", encoding=encoding)
    names.write_text(f"assignment,column\n01_adder,{name}\n", encoding=encoding)
    with pytest.raises(ExportError, match="not UTF-8 text .* save it as 'CSV UTF-8'"):
        read_roster(roster)
    with pytest.raises(ExportError, match="not UTF-8 text"):
        read_names(names)


def test_each_lms_needs_one_of_its_ids_for_every_student(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("student_id,email\nana,ana@uni.example\nbo,b@uni.example\nchi,\n")
    roster = read_roster(path)
    assert export(CLASS, "moodle", roster[:2] + [{**roster[2], "email": "c@u"}]).students == 3
    with pytest.raises(ExportError, match="needs one of the roster columns .* empty for chi"):
        export(CLASS, "moodle", roster)   # chi has no email, username or id number
    with pytest.raises(ExportError, match="canvas_id, sis_user_id, sis_login_id"):
        export(CLASS, "canvas", roster)
    with pytest.raises(ExportError, match="needs --roster"):
        export(CLASS, "d2l")


def test_two_assignments_cannot_share_a_column():
    with pytest.raises(ExportError, match="share a column"):
        export(CLASS, "csv", names={A1: "Unit", A2: "Unit"})


def test_no_ledger_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["export", "--format", "csv", "--grading", str(tmp_path)])
    assert stop.value.code == 2
    assert "no grades in" in capsys.readouterr().err
