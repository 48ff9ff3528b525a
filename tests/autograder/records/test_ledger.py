"""The ledger and grades.csv: nothing lost, nothing twice, a torn line tolerated."""

from __future__ import annotations

from autograder.records.ledger import Ledger, read_csv, write_csv
from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult


def result(student: str, score: float = 1.0, status: Status = Status.GRADED,
           content_hash: str = "h1") -> SubmissionResult:
    cells = [CellResult("test_add", score, 1.0)]
    return SubmissionResult(student, "01_adder", status, message="a, \"quoted\"\nmessage",
                            max_score=1.0, notebooks=[NotebookResult("adder", cells=cells)],
                            content_hash=content_hash, source_hash="s1")


def test_results_round_trip_and_the_latest_wins(tmp_path):
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.append(result("alice", 0.0))
    ledger.append(result("Zoë Ångström"))
    ledger.append(result("alice", 1.0, content_hash="h2"))
    again = Ledger(tmp_path / "ledger.jsonl")
    assert list(again.results) == [("alice", "01_adder"), ("Zoë Ångström", "01_adder")]
    assert again.results[("alice", "01_adder")].score == 1.0
    assert again.is_current(("alice", "01_adder"), "h2", "s1")
    assert not again.is_current(("alice", "01_adder"), "h1", "s1")   # files changed
    assert not again.is_current(("alice", "01_adder"), "h2", "s2")   # tests changed
    assert not again.is_current(("bob", "01_adder"), "h2", "s1")


def test_a_line_torn_by_a_crash_is_ignored_and_not_glued_to(tmp_path):
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(path)
    ledger.append(result("alice"))
    with open(path, "a") as fh:
        fh.write(result("bob").to_json()[:40])         # kill -9 in the middle of a write
    damaged = Ledger(path)
    assert damaged.damaged_lines == 1 and list(damaged.results) == [("alice", "01_adder")]
    damaged.append(result("carl"))
    assert set(Ledger(path).results) == {("alice", "01_adder"), ("carl", "01_adder")}


def test_csv_has_one_row_per_submission_and_survives_commas(tmp_path):
    ledger = Ledger(tmp_path / "ledger.jsonl")
    for r in (result("bob", 0.5, Status.TIMEOUT), result("alice"), result("bob", 0.25)):
        ledger.append(r)
        write_csv(ledger.sorted_results(), tmp_path / "grades.csv")
    rows = read_csv(tmp_path / "grades.csv")
    assert [(r["student_id"], r["score"], r["status"]) for r in rows] == [
        ("alice", "1", "graded"), ("bob", "0.25", "graded")]
    assert rows[0]["message"] == 'a, "quoted" message'
    assert not list(tmp_path.glob(".*.tmp"))


def test_no_text_of_grades_csv_runs_as_a_spreadsheet_formula(tmp_path):
    """A red team named its folder ``=HYPERLINK(...)``: grades.csv opened in a spreadsheet
    would have run it. Text cells that start like a formula start with ' instead."""
    evil = '=HYPERLINK("http:evil.example","click")'
    tricky = result(evil)
    tricky.message = "-1+1 @cmd"
    write_csv([tricky, result("+alice"), result("bob")], tmp_path / "grades.csv")
    rows = read_csv(tmp_path / "grades.csv")
    assert [r["student_id"] for r in rows] == [f"'{evil}", "'+alice", "bob"]
    assert rows[0]["message"] == "'-1+1 @cmd" and rows[2]["message"] == 'a, "quoted" message'
    assert rows[0]["score"] == "1"   # numbers are left as they are
