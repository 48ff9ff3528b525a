"""Grades in the file an LMS imports: Canvas, Moodle, D2L Brightspace, or one wide CSV.

A grading run knows students by the id their submission carried (``student_id``); an LMS
knows them by its own ids. A **roster** (a CSV the instructor exports from the LMS or writes)
maps one to the other: a ``student_id`` column and the LMS's columns, among

    name, first_name, last_name, email, username, id_number, canvas_id, sis_user_id,
    sis_login_id, section, org_defined_id

Each format needs one of its identity columns for every student (:data:`IDENTITY`). One row per
roster student, one column per assignment of the ledger (renamed with ``names``, e.g. to the
LMS's own column name); a cell is the submission's score. A cell is left empty when the
student handed nothing in for that assignment, or when the grader failed on it (status
``error``: no grade to defend yet); :class:`Export` counts both. A graded student missing from
the roster is an error, never a dropped grade.

The score exported is the one that counts: after the late penalty of the course's term
(:mod:`autograder.records.lateness`), the same number as the ``score`` column of ``grades.csv``
when given the same term (``autograder export`` reads the copy the grading run kept).

The layouts, as the vendors document their grade import:

- **canvas**: ``Student`` (the name), ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``,
  then one column per assignment (a column whose name ends in the Canvas assignment id, as
  ``Logistic unit (12345)``, updates that assignment; another name creates one). The second
  row is Canvas's ``Points Possible`` row.
- **moodle**: ``First name``, ``Last name``, ``ID number``, ``Username``, ``Email address`` (the
  columns of Moodle's own grade export; the import page maps one of them to its users), then
  one column per grade item.
- **d2l**: ``OrgDefinedId``, ``Username`` (each value after a ``#``, as Brightspace's own
  export writes them, so a spreadsheet keeps leading zeros), ``<item> Points Grade`` columns,
  and ``End-of-Line Indicator`` (``#`` on every row).
- **csv**: ``student_id``, the roster's ``name`` if any, one column per assignment.

Written by hand: there is no maintained library for these layouts (they are CSV headers and
conventions, documented on the vendors' help pages), and Python's ``csv`` does the quoting.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course.term import NO_TERM, Term
from autograder.records.lateness import lateness
from autograder.records.results import Status, SubmissionResult, format_score
from autograder.vocabulary import student_id

FORMATS = ("canvas", "moodle", "d2l", "csv")
ROSTER_COLUMNS = ("student_id", "name", "first_name", "last_name", "email", "username",
                  "id_number", "canvas_id", "sis_user_id", "sis_login_id", "section",
                  "org_defined_id")
#: roster columns of which each student needs at least one, per format
IDENTITY = {
    "canvas": ("canvas_id", "sis_user_id", "sis_login_id"),
    "moodle": ("id_number", "username", "email"),
    "d2l": ("org_defined_id", "username"),
    "csv": ("student_id",),
}


class ExportError(ValueError):
    """Bad input to an export (roster, names, results): nothing is written."""


@dataclass
class Export:
    """An export's text and what it left out."""

    text: str
    students: int
    assignments: list[str]
    not_handed_in: int = 0                       # empty cells: nothing submitted
    errors: list[tuple[str, str]] = field(default_factory=list)   # empty: the grader failed
    #: (student, file or folder) of the rows matching no assignment of the course: no
    #: grade to export (the grading run's message says what each was)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    unused_names: list[str] = field(default_factory=list)   # --names of no graded assignment


def read_roster(path: Path) -> list[dict[str, str]]:
    """The roster's rows (known columns only, values stripped); ExportError when a column is
    unknown, ``student_id`` is missing or a student id is empty or repeated."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            rows = [row for row in reader if any(v.strip() for v in row)]
    except OSError as exc:
        raise ExportError(f"cannot read the roster {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ExportError(f"roster {path}: not UTF-8 text (byte {exc.start}); save it as "
                          "'CSV UTF-8'") from None
    unknown = [h for h in header if h not in ROSTER_COLUMNS]
    if unknown:
        raise ExportError(f"roster {path}: unknown column(s) {', '.join(map(repr, unknown))}; "
                          f"known: {', '.join(ROSTER_COLUMNS)}")
    if "student_id" not in header:
        raise ExportError(f"roster {path}: no student_id column (the id of the submissions)")
    if any(len(row) != len(header) for row in rows):
        bad = next(i for i, row in enumerate(rows, start=2) if len(row) != len(header))
        raise ExportError(f"roster {path}, line {bad}: {len(header)} columns expected")
    roster = [{k: v.strip() for k, v in zip(header, row, strict=True)} for row in rows]
    for row in roster:
        row["student_id"] = student_id(row["student_id"])
    seen: set[str] = set()
    for line, row in enumerate(roster, start=2):
        sid = row["student_id"]
        if not sid or sid in seen:
            raise ExportError(f"roster {path}, line {line}: student_id "
                              f"{'is empty' if not sid else repr(sid) + ' is repeated'}")
        seen.add(sid)
    return roster


def read_names(path: Path) -> dict[str, str]:
    """``assignment,column`` rows: the LMS's column name for an assignment."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ExportError(f"{path}: not UTF-8 text (byte {exc.start}); save it as "
                          "'CSV UTF-8'") from None
    if not {"assignment", "column"} <= set(reader.fieldnames or ()):
        raise ExportError(f"{path}: the columns must be 'assignment' and 'column'")
    names = {(r["assignment"] or "").strip(): (r["column"] or "").strip() for r in rows}
    if not all(names) or not all(names.values()):
        raise ExportError(f"{path}: an empty assignment or column name")
    return names


def export(results: Iterable[SubmissionResult], fmt: str,
           roster: list[dict[str, str]] | None = None,
           names: Mapping[str, str] | None = None, term: Term = NO_TERM) -> Export:
    """The import file of format ``fmt`` for ``results`` (a ledger's), one row per roster
    student (without a roster, format csv only: one row per student graded); each score
    after the late penalty under ``term``. Rows matching no assignment (a stray file) are
    left out and listed in :attr:`Export.unmatched`."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    results = list(results)
    unmatched = [r.key for r in results if r.status is Status.UNKNOWN_ASSIGNMENT]
    results = [r for r in results if r.status is not Status.UNKNOWN_ASSIGNMENT]
    if roster is None:
        if fmt != "csv":
            raise ExportError(f"a {fmt} export needs --roster (the LMS's ids of the students)")
        roster = [{"student_id": s} for s in sorted({r.student_id for r in results})]
    _check_roster(roster, results, fmt)
    assignments = sorted({r.assignment for r in results})
    names = dict(names or {})
    columns = [names.get(a, a) for a in assignments]
    if len(set(columns)) < len(columns):
        raise ExportError(f"two assignments would share a column: {', '.join(columns)}")
    by_key = {r.key: r for r in results}
    cells, out = [], Export("", len(roster), assignments, unmatched=unmatched,
                            unused_names=sorted(set(names) - set(assignments)))
    for student in roster:
        row = []
        for a in assignments:
            r = by_key.get((student["student_id"], a))
            if r is None:
                out.not_handed_in += 1
            elif r.status is Status.ERROR:
                out.errors.append(r.key)
            row.append("" if r is None or r.status is Status.ERROR
                       else format_score(lateness(r, term).score))
        cells.append(row)
    possible = [format_score(max((r.max_score for r in results if r.assignment == a),
                                 default=0.0)) for a in assignments]
    out.text = _WRITERS[fmt](roster, columns, cells, possible)
    return out


def _check_roster(roster: list[dict[str, str]], results: list[SubmissionResult],
                  fmt: str) -> None:
    known = {row["student_id"] for row in roster}
    missing = sorted({r.student_id for r in results} - known)
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more"
                                          if len(missing) > 10 else "")
        raise ExportError(f"{len(missing)} graded student(s) not in the roster: {shown}")
    keys = IDENTITY[fmt]
    nameless = [row["student_id"] for row in roster if not any(row.get(k) for k in keys)]
    if nameless:
        raise ExportError(f"a {fmt} export needs one of the roster columns "
                          f"{', '.join(keys)} for every student; empty for "
                          f"{', '.join(nameless[:10])}")


def _csv(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _canvas(roster, columns, cells, possible) -> str:
    head = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *columns]
    points = ["    Points Possible", "", "", "", "", *possible]
    rows = [[_display_name(s), s.get("canvas_id", ""), s.get("sis_user_id", ""),
             s.get("sis_login_id", ""), s.get("section", ""), *c]
            for s, c in zip(roster, cells, strict=True)]
    return _csv([head, points, *rows])


def _moodle(roster, columns, cells, possible) -> str:
    head = ["First name", "Last name", "ID number", "Username", "Email address", *columns]
    rows = [[s.get("first_name", ""), s.get("last_name", "") or s.get("name", ""),
             s.get("id_number", ""), s.get("username", ""), s.get("email", ""), *c]
            for s, c in zip(roster, cells, strict=True)]
    return _csv([head, *rows])


def _d2l(roster, columns, cells, possible) -> str:
    head = ["OrgDefinedId", "Username", *(f"{c} Points Grade" for c in columns),
            "End-of-Line Indicator"]
    rows = [[_hashed(s.get("org_defined_id", "")), _hashed(s.get("username", "")), *c, "#"]
            for s, c in zip(roster, cells, strict=True)]
    return _csv([head, *rows])


def _plain(roster, columns, cells, possible) -> str:
    named = any(s.get("name") for s in roster)
    head = ["student_id", *(["name"] if named else []), *columns]
    rows = [[s["student_id"], *([s.get("name", "")] if named else []), *c]
            for s, c in zip(roster, cells, strict=True)]
    return _csv([head, *rows])


def _display_name(student: Mapping[str, str]) -> str:
    """Canvas's ``Last, First``, else the roster's name, else the submission id."""
    last, first = student.get("last_name", ""), student.get("first_name", "")
    if last and first:
        return f"{last}, {first}"
    return student.get("name") or last or first or student["student_id"]


def _hashed(value: str) -> str:
    return f"#{value}" if value else ""


_WRITERS = {"canvas": _canvas, "moodle": _moodle, "d2l": _d2l, "csv": _plain}
