"""Late penalties: computed from a result and the term, never stored; grades.csv shows them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from autograder.course.term import NO_TERM, LatePolicy, Term
from autograder.records.lateness import NO_DUE_DATE, Lateness, lateness
from autograder.records.ledger import CSV_FIELDS, csv_text
from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult
from course_lib.language import use

DUE = datetime(2026, 10, 5, 21, 59, tzinfo=UTC)
TERM = Term(due={"01_a": DUE}, late=LatePolicy(per_day=0.10, max_days=3, grace_minutes=10),
            extensions={("bo", "01_a"): DUE + timedelta(days=2)})


def _result(student: str = "ana", late: timedelta | None = timedelta(0), points: float = 15,
            status: Status = Status.GRADED) -> SubmissionResult:
    nb = NotebookResult("nb", status=status, cells=[CellResult("t", points, 20)])
    when = "" if late is None else (DUE + late).isoformat()
    return SubmissionResult(student, "01_a", status, max_score=20, notebooks=[nb],
                            submitted_at=when)


@pytest.mark.parametrize("late, late_by, penalty, note", [
    (timedelta(hours=-3), None, 0, "on time"),
    (timedelta(minutes=9), None, 0, "on time (9 min after the due date, within the grace"),
    (timedelta(minutes=11), 11 / 60, 1.5, "1 day late (0.18 h): -10% of 15 points"),
    (timedelta(hours=49, minutes=30), 49.5, 4.5, "3 days late (49.50 h): -30% of 15 points"),
    (timedelta(days=5, minutes=1), 120 + 1 / 60, 15, "6 days late: more than 3 days, score 0"),
    (None, None, 0, "no submission time: counted as on time"),
])
def test_the_penalty_follows_the_policy(late, late_by, penalty, note):
    got = lateness(_result(late=late), TERM)
    assert got.note.startswith(note), got.note
    assert got.penalty == pytest.approx(penalty)
    assert got.score == pytest.approx(15 - penalty)
    assert (got.late_by is None) is (late_by is None)
    if late_by is not None:
        assert got.late_by == pytest.approx(late_by)


def test_a_stored_time_that_is_not_one_counts_as_on_time_and_says_so():
    result = _result()
    result.submitted_at = "last tuesday"
    got = lateness(result, TERM)
    assert (got.penalty, got.score) == (0, 15) and "'last tuesday' is not a time" in got.note
    result.submitted_at = "2026-10-06T21:59:00"   # no offset: UTC
    assert lateness(result, TERM).late_by == pytest.approx(24)


def test_an_extension_moves_the_due_date_and_says_so():
    on_time = lateness(_result("bo", late=timedelta(days=1)), TERM)
    assert on_time.penalty == 0 and on_time.note.startswith("extension to 2026-10-07 21:59")
    assert on_time.note.endswith(": on time")
    late = lateness(_result("bo", late=timedelta(days=2, hours=1)), TERM)
    assert late.penalty == pytest.approx(1.5) and "1 day late" in late.note


def test_without_a_due_date_or_a_term_nothing_is_late():
    for term in (NO_TERM, Term(due={"02_b": DUE})):
        got = lateness(_result(late=timedelta(days=30)), term)
        assert (got.late_by, got.penalty, got.score, got.note) == (None, 0, 15, NO_DUE_DATE)


@pytest.mark.parametrize("status, penalised", [
    (Status.GRADED, True), (Status.TIMEOUT, True), (Status.KERNEL_DIED, True),
    (Status.INVALID_NOTEBOOK, False), (Status.MISSING_NOTEBOOK, False), (Status.ERROR, False),
])
def test_only_a_tested_score_is_penalised(status, penalised):
    got = lateness(_result(late=timedelta(days=1), status=status), TERM)
    assert (got.penalty > 0) is penalised
    assert got.late_by == pytest.approx(24)
    if not penalised:
        assert f"not penalised ({status.value})" in got.note


def test_grades_csv_keeps_raw_score_penalty_and_score():
    results = [_result(late=timedelta(hours=25)), _result("bo", late=None)]
    rows = list(csv.DictReader(io.StringIO(csv_text(results, TERM))))
    assert list(rows[0]) == CSV_FIELDS
    assert {k: rows[0][k] for k in ("raw_score", "late_by", "penalty", "score", "max_score")} \
        == {"raw_score": "15", "late_by": "25.00", "penalty": "3", "score": "12",
            "max_score": "20"}
    assert rows[0]["submitted_at"] == (DUE + timedelta(hours=25)).isoformat()
    assert rows[0]["lateness"] == "2 days late (25.00 h): -20% of 15 points"
    assert (rows[1]["late_by"], rows[1]["penalty"], rows[1]["score"]) == ("", "0", "15")
    # the same ledger under another policy: new scores, nothing regraded
    lenient = Term(due=TERM.due, late=LatePolicy(per_day=0.05))
    assert next(csv.DictReader(io.StringIO(csv_text(results, lenient))))["score"] == "13.5"


# --------------------------------------------------------------------------- in Chinese

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("student, late, status, english, chinese", [
    ("ana", timedelta(hours=-3), Status.GRADED, "on time", "按时"),
    ("ana", timedelta(minutes=9), Status.GRADED,
     "on time (9 min after the due date, within the grace period)",
     "按时（截止时间后 9 分钟，在宽限期内）"),
    ("ana", timedelta(minutes=11), Status.GRADED, "1 day late (0.18 h): -10% of 15 points",
     "迟交 1 天（0.18 小时）：扣除 15 分的 10%"),
    ("ana", timedelta(days=5, minutes=1), Status.GRADED,
     "6 days late: more than 3 days, score 0", "迟交 6 天：超过 3 天，得 0 分"),
    ("ana", timedelta(days=1), Status.ERROR, "1 day late (24.00 h): not penalised (error)",
     "迟交 1 天（24.00 小时）：不扣分（error）"),
    ("ana", None, Status.GRADED, "no submission time: counted as on time",
     "没有提交时间：视为按时"),
    ("bo", timedelta(days=1), Status.GRADED, "extension to 2026-10-07 21:59 +00:00: on time",
     "延期至 2026-10-07 21:59 +00:00：按时"),
])
def test_the_note_is_english_and_a_page_can_say_it_in_chinese(student, late, status, english,
                                                              chinese):
    got = lateness(_result(student, late=late, status=status), TERM)
    assert got.note == english and got.note_in("en") == english
    assert got.note_in("zh-CN") == chinese


def test_the_note_stays_english_whatever_the_language_of_the_moment():
    with use("zh-CN"):
        got = lateness(_result(late=timedelta(hours=49, minutes=30)), TERM)
    assert got.note == "3 days late (49.50 h): -30% of 15 points"
    assert not CJK.search(csv_text([_result(late=timedelta(hours=25))], TERM))


def test_a_note_made_without_its_sentence_is_translated_when_known():
    assert Lateness(None, 0.0, 15, NO_DUE_DATE).note_in("zh-CN") == "没有截止时间：按时"
    assert lateness(_result(), NO_TERM).note_in("zh-CN") == "没有截止时间：按时"
    odd = Lateness(None, 0.0, 15, "a note typed by hand")
    assert odd.note_in("zh-CN") == "a note typed by hand"
