"""Late penalties: a projection of a result and the course's term, never stored as the grade.

The ledger keeps what the tests earned (the *raw* score) and when the submission was handed
in (``SubmissionResult.submitted_at``). :func:`lateness` computes, each time ``grades.csv``,
the gradebook, an export or a feedback page is written, how late it was against the
student's due date (:meth:`autograder.course.term.Term.due_date`, extensions included) and
what that costs under the term's :class:`~autograder.course.term.LatePolicy`:

- no due date, no submission time, or within the grace period: on time, no penalty;
- late by ``d`` started days (a day is 24 h counted from the due date; 1 minute late past
  the grace is 1 day): ``per_day * d`` of the earned points, at most all of them;
- more than ``max_days`` days late: score 0.

Only a result whose score is the tests' (``graded``, ``timeout``, ``kernel_died``) is
penalised; the others (missing or invalid notebook, unknown file, the grader's error) have
nothing to take. So changing the policy and grading again recomputes every penalty without
running a notebook.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from autograder.course.term import NO_TERM, Term
from autograder.records.results import Status, SubmissionResult, format_score

#: Statuses whose score is what the tests earned, so that lateness can cost some of it.
PENALISED = (Status.GRADED, Status.TIMEOUT, Status.KERNEL_DIED)
_DAY = 86_400.0
NO_DUE_DATE = "no due date: on time"   # the note of an assignment without a due date


@dataclass(frozen=True)
class Lateness:
    """One submission's lateness: ``late_by`` in hours (None: on time or unknown), the
    ``penalty`` in points, the ``score`` after it, and the sentence that says why."""

    late_by: float | None
    penalty: float
    score: float
    note: str

    @property
    def late_by_text(self) -> str:
        """Hours with two decimals, "" when on time or unknown (grades.csv's ``late_by``)."""
        return "" if self.late_by is None else f"{self.late_by:.2f}"


def lateness(result: SubmissionResult, term: Term = NO_TERM) -> Lateness:
    """How late ``result`` was under ``term`` and what it costs (see the module docstring)."""
    raw = result.score
    due, extended = term.due_date(result.student_id, result.assignment)
    prefix = f"extension to {_when(due)}: " if extended and due is not None else ""
    if due is None:
        return Lateness(None, 0.0, raw, NO_DUE_DATE)
    submitted = submitted_time(result.submitted_at)
    if submitted is None:
        unreadable = f" ({result.submitted_at!r} is not a time)" if result.submitted_at else ""
        return Lateness(None, 0.0, raw, f"no submission time{unreadable}: counted as on time")
    seconds = (submitted - due).total_seconds()
    grace = 60.0 * term.late.grace_minutes
    if seconds <= 0:
        return Lateness(None, 0.0, raw, prefix + "on time")
    if seconds <= grace:
        return Lateness(None, 0.0, raw, f"{prefix}on time ({seconds / 60:.0f} min after the "
                                        f"due date, within the grace period)")
    days = math.ceil(seconds / _DAY)
    hours = seconds / 3600
    late = f"{days} day{'s' if days != 1 else ''} late"
    if result.status not in PENALISED:
        return Lateness(hours, 0.0, raw, f"{prefix}{late} ({hours:.2f} h): not penalised "
                                         f"({result.status.value})")
    limit = term.late.max_days
    if limit is not None and days > limit:
        return Lateness(hours, raw, 0.0, f"{prefix}{late}: more than {limit} "
                                         f"day{'s' if limit != 1 else ''}, score 0")
    fraction = min(1.0, term.late.per_day * days)
    if fraction == 0:
        return Lateness(hours, 0.0, raw, f"{prefix}{late} ({hours:.2f} h): no penalty")
    penalty = raw * fraction
    return Lateness(hours, penalty, raw - penalty,
                    f"{prefix}{late} ({hours:.2f} h): -{format_score(100 * fraction)}% of "
                    f"{format_score(raw)} point{'s' if raw != 1 else ''}")


def submitted_time(text: str) -> datetime | None:
    """The stored time (ISO 8601; UTC if it has no offset), None when empty or unreadable:
    a ledger edited by hand must not stop grades.csv from being written."""
    try:
        when = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def penalty_line(result: SubmissionResult, late: Lateness) -> str:
    """``ivy / 01_a: 15 - 1.5 = 13.5/15 (1 day late (5.00 h): -10% of 15 points)``: a late
    submission as the command line and the demo list it."""
    return (f"{result.student_id} / {result.assignment}: {format_score(result.score)} - "
            f"{format_score(late.penalty)} = {format_score(late.score)}/"
            f"{format_score(result.max_score)} ({late.note})")


def _when(moment: datetime) -> str:
    """``2026-10-07 23:59 +02:00``: the due date as the course file wrote it."""
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}" if offset else \
        f"{moment:%Y-%m-%d %H:%M}"
