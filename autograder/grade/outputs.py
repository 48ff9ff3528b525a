"""Where a grading run writes, and the writing itself: the coordinator's alone.

For each finished submission, in this order (:meth:`Outputs.record`): the autograded
notebooks, one line in the ledger (fsynced), ``grades.csv`` rewritten atomically (in a large
class, once the results since its last writing are :data:`CSV_SHARE` of all: see there), the
feedback pages. So an interrupted run (Ctrl-C, ``kill -9``, a power cut) loses at most the
submissions being graded at that moment, and the next run grades only what is missing or
changed (and rewrites ``grades.csv`` from the ledger first). The
nbgrader gradebook follows as results arrive (:meth:`Outputs.start_gradebook`, in a thread of
its own), and so do the solutions the report compares (:meth:`Outputs.collect_solutions`); at
the end of a run the gradebook is brought up to date and the class report is written. A
feedback page, the gradebook or the report that fails is said in :attr:`Outputs.failures`;
it never costs a grade.

Late penalties are not stored: ``grades.csv``, the gradebook and the feedback pages compute
them from the ledger and the run's :class:`~autograder.course.term.Term` each time they are
written (:mod:`autograder.records.lateness`). The run keeps a copy of the course file it used
(``course.toml`` and ``extensions.csv`` in the output folder; :meth:`Outputs.keep_term`), so
that ``autograder export`` applies the same policy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.course.source import Course
from autograder.course.term import EXTENSIONS_FILE, NO_TERM, TERM_FILE, Term
from autograder.intake.jobs import read_notebook_json
from autograder.records.lateness import lateness
from autograder.records.ledger import Ledger, write_atomic, write_csv
from autograder.records.results import SubmissionResult

if TYPE_CHECKING:
    from autograder.records.gradebook import GradebookWriter
    from autograder.report.similarity import Solutions

log = logging.getLogger("autograder")

#: ``grades.csv`` is rewritten whole (sorted, with every late penalty), so after each result
#: its cost grows with the class: 0.5 s for 50,000 rows here, 3.6 hours of the coordinator's
#: time over a run of 10,000 students x 5 notebooks. It is rewritten once the results recorded
#: since its last writing are at least this share of all of them: after each one in a class
#: of up to 20, then every 5 %, about 21 rows written per result in all, whatever the class
#: size. The run's end (and an interrupted run) writes it in full; the ledger holds every
#: result as it comes.
CSV_SHARE = 0.05


class Outputs:
    """Where a run writes, and the writing itself (coordinator only)."""

    def __init__(self, out: Path, course: Course, feedback: bool = True,
                 term: Term = NO_TERM):
        self.out = Path(out)
        self.course = course
        self.term = term
        self.ledger = Ledger(self.out / "ledger.jsonl")
        self.csv = self.out / "grades.csv"
        self.autograded = self.out / "autograded"
        self.feedback_dir = self.out / "feedback"
        self._feedback_wanted = feedback
        self._feedback_fn: Callable | None = None
        self._gradebook: GradebookWriter | None = None
        self._solutions: Solutions | None = None
        self._collect = False
        self._unwritten = 0   # results recorded since grades.csv was last written
        self.failures: list[str] = []

    @property
    def write_feedback(self) -> Callable | None:
        """``autograder.report.feedback_page.write_feedback`` (imported on first use), None when no
        feedback is wanted."""
        if self._feedback_wanted and self._feedback_fn is None:
            from autograder.report.feedback_page import write_feedback

            self._feedback_fn = write_feedback
        return self._feedback_fn

    def notebook_path(self, result: SubmissionResult, name: str) -> Path:
        return self.autograded / result.student_id / result.assignment / f"{name}.ipynb"

    def record(self, result: SubmissionResult, executed: dict[str, str]) -> None:
        """Everything about one finished submission, in crash-safe order."""
        for nb in result.notebooks:
            path = self.notebook_path(result, nb.name)
            if nb.name in executed:
                write_atomic(path, executed[nb.name])
            elif path.exists():
                path.unlink()
        self.ledger.append(result)
        self._unwritten += 1
        if self._unwritten >= CSV_SHARE * len(self.ledger.results):
            self.write_csv()
        if self._gradebook is not None:
            self._gradebook.record(result)
        if self.write_feedback is None and not self._collect:
            return
        graded = {k: read_notebook_json(v) for k, v in executed.items()}
        if self._collect:
            self._solutions_of(result, graded)
        if self.write_feedback is not None:
            self.feedback(result, graded)

    def write_csv(self) -> None:
        """``grades.csv`` from the ledger, with the late penalties of the run's term."""
        write_csv(self.ledger.sorted_results(), self.csv, self.term)
        self._unwritten = 0

    def retime(self, result: SubmissionResult, submitted_at: str) -> SubmissionResult:
        """The ledger's ``result`` with a new submission time (nothing is graded again;
        the caller rewrites ``grades.csv`` once all are done)."""
        result = dataclasses.replace(result, submitted_at=submitted_at)
        self.ledger.append(result)
        return result

    def keep_term(self) -> Term | None:
        """Keep a copy of the run's course file and extensions in the output folder (the
        ones ``export`` reads); return the term the previous run kept (NO_TERM: none), None
        when its copy no longer reads (then every feedback page's lateness may have changed)."""
        from autograder.course.term import TermError, load_term

        kept, kept_ext = self.out / TERM_FILE, self.out / EXTENSIONS_FILE
        try:
            previous = load_term(kept if kept.is_file() else None, None,
                                 kept_ext if kept_ext.is_file() else None)
        except TermError:
            previous = None
        for source, copy in ((self.term.path, kept), (self.term.extensions_path, kept_ext)):
            if source is None:
                copy.unlink(missing_ok=True)
            elif Path(source).resolve() != copy.resolve():
                write_atomic(copy, Path(source).read_text(encoding="utf-8"))
        return previous

    def feedback(self, result: SubmissionResult, graded: dict) -> None:
        if self.write_feedback is None:
            return
        try:
            self.write_feedback(result, graded, self.feedback_dir,
                                lateness=lateness(result, self.term))
        except Exception as exc:  # noqa: BLE001 - a page must not cost the grades
            msg = f"feedback for {result.student_id}/{result.assignment} failed: {exc!r}"
            log.warning(msg)
            self.failures.append(msg)

    def feedback_if_missing(self, result: SubmissionResult, stale: bool = False) -> None:
        """Pages for a result graded by an earlier run (e.g. before feedback existed);
        ``stale``: rewritten even if they exist (their lateness line changed)."""
        if self.write_feedback is None:
            return
        import nbformat

        folder = self.feedback_dir / result.student_id / result.assignment
        if folder.exists() and not stale:
            return
        graded = {}
        for nb in result.notebooks:
            path = self.notebook_path(result, nb.name)
            if path.exists():
                with contextlib.suppress(Exception):
                    graded[nb.name] = nbformat.read(path, as_version=4)
        self.feedback(result, graded)

    @property
    def gradebook_path(self) -> Path:
        return self.out / "gradebook.db"

    def start_gradebook(self, assignments: list[str], after=None) -> None:
        """From now on, results recorded go to the gradebook as they come, in a thread that
        first writes the cells of ``assignments`` (``after``: a thread it waits for first,
        see :class:`~autograder.records.gradebook.GradebookWriter`)."""
        from autograder.records.gradebook import GradebookWriter

        self._gradebook = GradebookWriter(self.gradebook_path, self.course, assignments, after)

    def stop_gradebook(self) -> None:
        """Stop following the results (an interrupted run: what was recorded is kept)."""
        if self._gradebook is not None:
            self._gradebook.stop()
            self._gradebook = None

    def write_gradebook(self, graded_now: set[tuple[str, str]]) -> Path | None:
        """nbgrader's gradebook brought up to date (``graded_now``: the submissions this run
        graded); its path, or None if writing it failed (said in :attr:`failures`)."""
        from autograder.records.gradebook import write_gradebook

        path, writer, self._gradebook = self.gradebook_path, self._gradebook, None
        try:
            if writer is not None:
                writer.finish(self.ledger.sorted_results(), only=graded_now, term=self.term)
            else:
                write_gradebook(path, self.course, self.ledger.sorted_results(),
                                only=graded_now, term=self.term)
        except Exception as exc:  # noqa: BLE001 - the CSV and ledger are already safe
            self._failed(f"writing the gradebook {path} failed: {exc!r}")
            return None
        return path

    def collect_solutions(self) -> None:
        """From now on, the solutions of the results recorded are read for the report's
        comparison as they come (:class:`~autograder.report.similarity.Solutions`, made
        with the first result: its imports are not needed before)."""
        self._collect = True

    def _solutions_of(self, result: SubmissionResult, graded: dict) -> None:
        """Give the comparison ``result``'s autograded notebooks (``graded``: by name); if
        that fails, the report reads them from the autograded folder instead."""
        files = {self.notebook_path(result, name).name: nb for name, nb in graded.items()}
        try:
            if self._solutions is None:
                from autograder.report.similarity import Solutions

                self._solutions = Solutions(self.course)
            self._solutions.add(result.student_id, result.assignment, files)
        except Exception as exc:  # noqa: BLE001 - a prompt to look must not cost a grade
            log.debug("solutions of %s/%s left to the report: %r", *result.key, exc)
            if self._solutions is not None:
                self._solutions.forget(result.student_id, result.assignment)

    def write_report(self) -> Path | None:
        """The class report of every submission in the ledger, with the similar solutions of
        the autograded notebooks; its path, or None. A comparison that fails is said in
        :attr:`failures` and the report is written without it."""
        from autograder.report.class_report import write_report
        from autograder.report.similarity import Solutions

        similar = None
        try:
            similar = (self._solutions or Solutions(self.course)).compare(self.autograded)
        except Exception as exc:  # noqa: BLE001 - a prompt to look must not cost the report
            self._failed(f"comparing the solutions (similar solutions) failed: {exc!r}")
        try:
            return Path(write_report(self.ledger.sorted_results(), self.out / "report",
                                     similarity=similar))
        except Exception as exc:  # noqa: BLE001 - the grades are already safe
            self._failed(f"the class report failed: {exc!r}")
            return None

    def _failed(self, message: str) -> None:
        log.error(message)
        self.failures.append(message)
