"""The course's calendar: a due date per assignment, one late policy, and extensions.

An instructor writes a TOML file (``course.toml``, by default beside the source notebooks)::

    timezone = "Europe/Berlin"   # IANA name: the zone of the times written without an offset
    [late]
    per_day = 0.10               # fraction of the earned points taken per started day late
    max_days = 3                 # later than this many days: score 0 (omit: no limit)
    grace_minutes = 10           # lateness under this is on time
    [due]
    01_logistic_unit = 2026-10-05T23:59:00
    02_two_layer_net = 2026-10-19T23:59:00+02:00

and, for the students who were granted more time, an ``extensions.csv`` (by default beside
the TOML file) with the columns ``student_id,assignment,due``: the student's own due date.

A due date is a TOML date-time (with or without an offset), a TOML date (due at the end of
that day, 23:59:59) or a string in ISO 8601; without an offset it is read in ``timezone``,
which is then required. An assignment without a due date is never late. Every mistake
(an unknown key or assignment, a date that is not one, a negative number, a bad CSV row) is a
:class:`TermError` naming the file, the line when there is one, and the value.

Read with :mod:`tomllib` and :mod:`csv` (the standard library); the zones come from
:mod:`zoneinfo`. :func:`parse_timestamp` also reads the times nbgrader writes in a
submission's ``timestamp.txt`` (``2026-10-05 23:59:01.123456 UTC``): nbgrader's own
``parse_utc`` would do, but importing nbgrader takes seconds, and the intake needs only this.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from autograder.vocabulary import student_id

TERM_FILE = "course.toml"
EXTENSIONS_FILE = "extensions.csv"
EXTENSION_COLUMNS = ("student_id", "assignment", "due")
_TOP_KEYS = ("timezone", "late", "due")
_LATE_KEYS = ("per_day", "max_days", "grace_minutes")


class TermError(ValueError):
    """The course file or the extensions cannot be used: says which file, line and value."""


@dataclass(frozen=True)
class LatePolicy:
    """How lateness costs points: ``per_day`` of the earned points per started day late,
    score 0 after ``max_days`` days (None: no limit), nothing under ``grace_minutes``."""

    per_day: float = 0.0
    max_days: int | None = None
    grace_minutes: float = 0.0


@dataclass(frozen=True)
class Term:
    """Due dates (timezone-aware), the late policy and the extensions of a course."""

    due: dict[str, datetime] = field(default_factory=dict)
    late: LatePolicy = field(default_factory=LatePolicy)
    extensions: dict[tuple[str, str], datetime] = field(default_factory=dict)
    timezone: tzinfo | None = None   # of the times written without an offset (None: none)
    path: Path | None = None   # the TOML file read (None: no due dates at all)
    extensions_path: Path | None = None   # the extensions CSV read (None: none)

    def due_date(self, student_id: str, assignment: str) -> tuple[datetime | None, bool]:
        """The student's due date for the assignment and whether it is an extension."""
        extended = self.extensions.get((student_id, assignment))
        if extended is not None:
            return extended, True
        return self.due.get(assignment), False


#: No course file: nothing has a due date, every submission is on time.
NO_TERM = Term()


# --------------------------------------------------------------------------- times

def zone(name: str) -> tzinfo:
    """The IANA zone ``name`` (``Europe/Berlin``, ``UTC``); ValueError when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as "
                         "'Europe/Berlin' or 'UTC')") from None


def parse_timestamp(text: str, default: tzinfo | None = UTC) -> datetime:
    """An aware datetime from ISO 8601 (``2026-10-05T23:59:00+02:00``) or nbgrader's
    timestamp format (``2026-10-05 23:59:01.123456 UTC``, a zone name or ``+0200`` last).
    A time without a zone is in ``default``; ValueError if it is None or ``text`` is no time."""
    text = text.strip()
    parts = text.split()
    when: datetime
    if len(parts) == 3:
        when = datetime.fromisoformat(f"{parts[0]} {parts[1]}")
        offset = parts[2]
        if offset[:1] in "+-":
            when = when.replace(tzinfo=datetime.strptime(offset, "%z").tzinfo)
        else:
            when = when.replace(tzinfo=zone(offset))
    else:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a date and time (expected ISO 8601, e.g. "
                             "2026-10-05T23:59:00+02:00)") from None
    if when.tzinfo is None:
        if default is None:
            raise ValueError(f"{text!r} has no time zone: add an offset (+02:00) or set "
                             "timezone in the course file")
        when = when.replace(tzinfo=default)
    return when


def _due_value(value: object, tz: tzinfo | None) -> datetime:
    """A due date as TOML gives it (datetime, date or string) made aware."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            if tz is None:
                raise ValueError(f"{value.isoformat()} has no time zone: add an offset "
                                 "(+02:00) or set timezone = \"...\" at the top")
            return value.replace(tzinfo=tz)
        return value
    if isinstance(value, date):
        return _due_value(datetime.combine(value, time(23, 59, 59)), tz)
    if isinstance(value, str):
        try:
            return _due_value(date.fromisoformat(value.strip()), tz)
        except ValueError:
            return parse_timestamp(value, tz)
    raise ValueError(f"{value!r} is not a date")


# --------------------------------------------------------------------------- reading

def default_paths(source: Path, term: Path | None = None, extensions: Path | None = None
                  ) -> tuple[Path | None, Path | None]:
    """The course file and extensions to use: those given, else ``<source>/course.toml`` and
    ``extensions.csv`` beside the course file, when they exist (None when not)."""
    if term is None and (Path(source) / TERM_FILE).is_file():
        term = Path(source) / TERM_FILE
    if extensions is None and term is not None and (
            (beside := Path(term).parent / EXTENSIONS_FILE).is_file()):
        extensions = beside
    return term, extensions


def load_term(path: Path | None, assignments: Iterable[str] | None = None,
              extensions: Path | None = None) -> Term:
    """The term in the TOML file ``path`` (None: no due dates) and the ``extensions`` CSV.

    assignments: the course's; a due date or an extension for another name is an error
    (None: not checked, e.g. when re-reading the copy a grading run kept)."""
    known = None if assignments is None else set(assignments)
    term = NO_TERM if path is None else _read_toml(Path(path), known)
    if extensions is None:
        return term
    added = read_extensions(Path(extensions), term, known)
    return Term(term.due, term.late, added, term.timezone, term.path, Path(extensions))


def _read_toml(path: Path, known: set[str] | None) -> Term:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise TermError(f"cannot read the course file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TermError(f"course file {path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise TermError(f"course file {path}: not UTF-8 text (byte {exc.start})") from None
    _no_unknown_keys(path, "", data, _TOP_KEYS)
    tz: tzinfo | None = None
    if "timezone" in data:
        try:
            tz = zone(str(data["timezone"]))
        except ValueError as exc:
            raise TermError(f"course file {path}: timezone: {exc}") from None
    late = _late_policy(path, data.get("late", {}))
    due_table = data.get("due", {})
    if not isinstance(due_table, dict):
        raise TermError(f"course file {path}: [due] must be a table of assignment = date")
    due = {}
    for assignment, value in due_table.items():
        if known is not None and assignment not in known:
            raise TermError(f"course file {path}: [due] {assignment!r} is not an assignment "
                            f"of the course (assignments: {', '.join(sorted(known))})")
        try:
            due[assignment] = _due_value(value, tz)
        except ValueError as exc:
            raise TermError(f"course file {path}: [due] {assignment}: {exc}") from None
    return Term(due=due, late=late, timezone=tz, path=path)


def _no_unknown_keys(path: Path, table: str, data: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        where = f"[{table}] " if table else ""
        raise TermError(f"course file {path}: {where}unknown key(s) "
                        f"{', '.join(map(repr, unknown))}; known: {', '.join(allowed)}")


def _late_policy(path: Path, table: object) -> LatePolicy:
    if not isinstance(table, dict):
        raise TermError(f"course file {path}: [late] must be a table")
    _no_unknown_keys(path, "late", table, _LATE_KEYS)
    values = {}
    for key, value in table.items():
        whole = key == "max_days"
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
            raise TermError(f"course file {path}: [late] {key} = {value!r}: expected a "
                            f"{'whole number' if whole else 'number'}")
        if value < 0 or (key == "per_day" and value > 1):
            limits = "between 0 and 1 (0.10 is 10%)" if key == "per_day" else "0 or more"
            raise TermError(f"course file {path}: [late] {key} = {value!r}: must be {limits}")
        values[key] = value
    return LatePolicy(**values)


def read_extensions(path: Path, term: Term, known: set[str] | None = None
                    ) -> dict[tuple[str, str], datetime]:
    """``student_id,assignment,due`` rows: each student's own due date for an assignment
    (read in the term's timezone when written without an offset)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or ()]
            if header != list(EXTENSION_COLUMNS):
                raise TermError(f"extensions {path}, line 1: the columns must be "
                                f"{','.join(EXTENSION_COLUMNS)}, got {','.join(header)!r}")
            reader.fieldnames = header
            return _extension_rows(path, reader, term, known)
    except OSError as exc:
        raise TermError(f"cannot read the extensions {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise TermError(f"extensions {path}: not UTF-8 text (byte {exc.start}); save it as "
                        "'CSV UTF-8'") from None


def _extension_rows(path: Path, reader: csv.DictReader, term: Term, known: set[str] | None
                    ) -> dict[tuple[str, str], datetime]:
    out: dict[tuple[str, str], datetime] = {}
    tz = term.timezone
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            raise TermError(f"extensions {path}, line {line}: {len(EXTENSION_COLUMNS)} "
                            "columns expected")
        student, assignment, due = (row[c].strip() for c in EXTENSION_COLUMNS)
        student = student_id(student)
        if not (student or assignment or due):
            continue
        if not student or not assignment:
            raise TermError(f"extensions {path}, line {line}: empty student_id or assignment")
        if known is not None and assignment not in known:
            raise TermError(f"extensions {path}, line {line}: {assignment!r} is not an "
                            f"assignment of the course")
        if assignment not in term.due:
            raise TermError(f"extensions {path}, line {line}: {assignment!r} has no due date "
                            "in the course file, so an extension means nothing")
        if (student, assignment) in out:
            raise TermError(f"extensions {path}, line {line}: a second extension for "
                            f"{student} / {assignment}")
        try:
            out[(student, assignment)] = _due_value(due, tz)
        except ValueError as exc:
            raise TermError(f"extensions {path}, line {line}: due: {exc}") from None
    return out

