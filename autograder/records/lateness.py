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

The sentence (:attr:`Lateness.note`) is English, as ``grades.csv`` and the command line show
it; a feedback page shows it in the student's language (:meth:`Lateness.note_in`), from the
same message and values (:class:`Said`), translated with the grader's catalogue
(:mod:`autograder.messages`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from autograder.course.term import NO_TERM, Term
from autograder.messages import N_, in_language
from autograder.records.results import Status, SubmissionResult, format_score

#: Statuses whose score is what the tests earned, so that lateness can cost some of it.
PENALISED = (Status.GRADED, Status.TIMEOUT, Status.KERNEL_DIED)
_DAY = 86_400.0
NO_DUE_DATE = N_("no due date: on time")   # the note of an assignment without a due date


@dataclass(frozen=True)
class Said:
    """A sentence kept as its English ``message`` (``{name}`` placeholders) and the values
    (text, or a sentence of their own) it is formatted with, to be said in any language."""

    message: str
    values: tuple[tuple[str, str | Said], ...] = ()

    def text(self, lang: str = "en") -> str:
        """The sentence in ``lang``."""
        return in_language(self.message, lang).format(**{
            name: value.text(lang) if isinstance(value, Said) else value
            for name, value in self.values})


def say(message: str, **values: str | Said) -> Said:
    """``Said(message, values)``, the values sorted by name."""
    return Said(message, tuple(sorted(values.items())))


@dataclass(frozen=True)
class Lateness:
    """One submission's lateness: ``late_by`` in hours (None: on time or unknown), the
    ``penalty`` in points, the ``score`` after it, and the sentence that says why (``note``,
    in English; ``said``, the same sentence for :meth:`note_in`)."""

    late_by: float | None
    penalty: float
    score: float
    note: str
    said: Said | None = field(default=None, compare=False, repr=False)

    def note_in(self, lang: str) -> str:
        """The sentence in ``lang`` (the note itself, translated, when made without ``said``)."""
        return self.said.text(lang) if self.said is not None else in_language(self.note, lang)

    @property
    def late_by_text(self) -> str:
        """Hours with two decimals, "" when on time or unknown (grades.csv's ``late_by``)."""
        return "" if self.late_by is None else f"{self.late_by:.2f}"


def lateness(result: SubmissionResult, term: Term = NO_TERM) -> Lateness:
    """How late ``result`` was under ``term`` and what it costs (see the module docstring)."""
    raw = result.score
    due, extended = term.due_date(result.student_id, result.assignment)

    def made(late_by: float | None, penalty: float, score: float, said: Said) -> Lateness:
        if extended and due is not None:
            said = say(N_("extension to {due}: {note}"), due=_when(due), note=said)
        return Lateness(late_by, penalty, score, said.text(), said)

    if due is None:
        return Lateness(None, 0.0, raw, NO_DUE_DATE, say(NO_DUE_DATE))
    submitted = submitted_time(result.submitted_at)
    if submitted is None:
        if not result.submitted_at:
            return made(None, 0.0, raw, say(N_("no submission time: counted as on time")))
        return made(None, 0.0, raw, say(
            N_("no submission time ({value} is not a time): counted as on time"),
            value=repr(result.submitted_at)))
    seconds = (submitted - due).total_seconds()
    grace = 60.0 * term.late.grace_minutes
    if seconds <= 0:
        return made(None, 0.0, raw, say(N_("on time")))
    if seconds <= grace:
        return made(None, 0.0, raw, say(
            N_("on time ({minutes} min after the due date, within the grace period)"),
            minutes=f"{seconds / 60:.0f}"))
    days = math.ceil(seconds / _DAY)
    hours = seconds / 3600
    late = _days_late(days)
    if result.status not in PENALISED:
        return made(hours, 0.0, raw, say(N_("{late} ({hours} h): not penalised ({status})"),
                                         late=late, hours=f"{hours:.2f}",
                                         status=result.status.value))
    limit = term.late.max_days
    if limit is not None and days > limit:
        more = (N_("{late}: more than {limit} day, score 0") if limit == 1
                else N_("{late}: more than {limit} days, score 0"))
        return made(hours, raw, 0.0, say(more, late=late, limit=str(limit)))
    fraction = min(1.0, term.late.per_day * days)
    if fraction == 0:
        return made(hours, 0.0, raw, say(N_("{late} ({hours} h): no penalty"), late=late,
                                         hours=f"{hours:.2f}"))
    penalty = raw * fraction
    taken = (N_("{late} ({hours} h): -{percent} of {points} point") if raw == 1
             else N_("{late} ({hours} h): -{percent} of {points} points"))
    return made(hours, penalty, raw - penalty, say(
        taken, late=late, hours=f"{hours:.2f}", percent=f"{format_score(100 * fraction)}%",
        points=format_score(raw)))


def _days_late(days: int) -> Said:
    """``1 day late``, ``3 days late`` (two messages rather than a plural form: the English
    sentence is the one grades.csv has always had)."""
    return say(N_("{days} day late") if days == 1 else N_("{days} days late"), days=str(days))


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
