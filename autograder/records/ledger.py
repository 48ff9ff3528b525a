"""What has been graded, kept so that nothing is lost and nothing is graded twice.

The ledger (``ledger.jsonl``) gets one line per finished submission, appended, flushed and
fsynced by the coordinator before it moves on; the latest line for a (student, assignment)
wins. A line cut short by a crash is ignored. ``grades.csv`` is a projection of the ledger,
rewritten whole (temporary file, fsync, ``os.replace``) after every result, so it is never
half-written and never holds a row twice.

Its columns: ``student_id, assignment, submitted_at, raw_score, late_by, penalty, score,
max_score, status, message, lateness``. ``raw_score`` is what the tests earned, ``score`` what
counts (after the late penalty of :mod:`autograder.records.lateness`, computed here from the
course's term each time the file is written: changing the policy needs no regrading),
``late_by`` hours late (empty: on time or unknown), ``lateness`` the sentence that explains it.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from autograder.course.term import NO_TERM, Term
from autograder.records.lateness import lateness
from autograder.records.results import Status, SubmissionResult, format_score

CSV_FIELDS = ["student_id", "assignment", "submitted_at", "raw_score", "late_by", "penalty",
              "score", "max_score", "status", "message", "lateness"]

__all__ = ["CSV_FIELDS", "Ledger", "csv_text", "read_csv", "write_atomic", "write_csv"]


class Ledger:
    """The append-only record of results in ``path``.

    since: read only the lines written after this many bytes (:meth:`size` at some earlier
    moment): what was graded since then.
    """

    def __init__(self, path: Path, since: int = 0):
        self.path = Path(path)
        self.results: dict[tuple[str, str], SubmissionResult] = {}
        self.damaged_lines = 0
        if self.path.exists():
            self._load(since)

    def size(self) -> int:
        """The ledger's length in bytes now (0 if there is none yet)."""
        return self.path.stat().st_size if self.path.exists() else 0

    def _load(self, since: int) -> None:
        with open(self.path, "rb") as fh:
            fh.seek(since)
            text = fh.read().decode("utf-8", errors="replace")
        for line in text.split("\n"):   # not splitlines: a message may hold U+2028
            if not line.strip():
                continue
            try:
                result = SubmissionResult.from_json(line)
            except (ValueError, TypeError, KeyError):
                self.damaged_lines += 1
                continue
            self.results[result.key] = result

    def is_current(self, key: tuple[str, str], content_hash: str, source_hash: str) -> bool:
        """Already graded from the same files against the same source? A submission the
        tool failed on (status error: a kernel that could not start, say) is not: the next
        run tries it again."""
        old = self.results.get(key)
        return (old is not None and old.status is not Status.ERROR
                and old.content_hash == content_hash and old.source_hash == source_hash)

    def append(self, result: SubmissionResult) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = result.to_json() + "\n"
        with open(self.path, "a+b") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() > 0:  # a previous run killed mid-line must not glue onto this one
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")
            fh.write(line.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        self.results[result.key] = result

    def sorted_results(self) -> list[SubmissionResult]:
        return [self.results[k] for k in sorted(self.results)]


#: What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    """``value`` for a text column of a CSV file an instructor opens in a spreadsheet: one
    that a spreadsheet would run as a formula gets a leading ``'`` (a student's folder named
    ``=HYPERLINK(...)`` is an id, not a link)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def csv_text(results: list[SubmissionResult], term: Term = NO_TERM) -> str:
    """``grades.csv``'s text: one row per result, its lateness under ``term`` (text columns
    :func:`as_text`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in results:
        late = lateness(r, term)
        writer.writerow([as_text(r.student_id), as_text(r.assignment), r.submitted_at,
                         format_score(r.score), late.late_by_text, format_score(late.penalty),
                         format_score(late.score), format_score(r.max_score), r.status.value,
                         as_text(r.message.replace("\n", " ")), as_text(late.note)])
    return buffer.getvalue()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_csv(results: list[SubmissionResult], path: Path, term: Term = NO_TERM) -> None:
    write_atomic(path, csv_text(results, term))


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))

