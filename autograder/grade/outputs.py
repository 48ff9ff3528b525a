"""Where a grading run writes, and the writing itself: the coordinator's alone.

For each finished submission, in this order (:meth:`Outputs.record`): the autograded
notebooks, one line in the ledger (fsynced), ``grades.csv`` rewritten atomically, the feedback
pages. So an interrupted run (Ctrl-C, ``kill -9``, a power cut) loses at most the submissions
being graded at that moment, and the next run grades only what is missing or changed. At the
end of a run the nbgrader gradebook is brought up to date and the class report is written. A
feedback page, the gradebook or the report that fails is said in :attr:`Outputs.failures`;
it never costs a grade.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from autograder.course.source import Course
from autograder.intake.jobs import read_notebook_json
from autograder.records.ledger import Ledger, write_atomic, write_csv
from autograder.records.results import SubmissionResult

log = logging.getLogger("autograder")


class Outputs:
    """Where a run writes, and the writing itself (coordinator only)."""

    def __init__(self, out: Path, course: Course, feedback: bool = True):
        self.out = Path(out)
        self.course = course
        self.ledger = Ledger(self.out / "ledger.jsonl")
        self.csv = self.out / "grades.csv"
        self.autograded = self.out / "autograded"
        self.feedback_dir = self.out / "feedback"
        self._feedback_wanted = feedback
        self._feedback_fn: Callable | None = None
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
        write_csv(self.ledger.sorted_results(), self.csv)
        if self.write_feedback is not None:
            self.feedback(result, {k: read_notebook_json(v) for k, v in executed.items()})

    def feedback(self, result: SubmissionResult, graded: dict) -> None:
        if self.write_feedback is None:
            return
        try:
            self.write_feedback(result, graded, self.feedback_dir)
        except Exception as exc:  # noqa: BLE001 - a page must not cost the grades
            msg = f"feedback for {result.student_id}/{result.assignment} failed: {exc!r}"
            log.warning(msg)
            self.failures.append(msg)

    def feedback_if_missing(self, result: SubmissionResult) -> None:
        """Pages for a result graded by an earlier run (e.g. before feedback existed)."""
        if self.write_feedback is None:
            return
        import nbformat

        folder = self.feedback_dir / result.student_id / result.assignment
        if folder.exists():
            return
        graded = {}
        for nb in result.notebooks:
            path = self.notebook_path(result, nb.name)
            if path.exists():
                with contextlib.suppress(Exception):
                    graded[nb.name] = nbformat.read(path, as_version=4)
        self.feedback(result, graded)

    def write_gradebook(self, graded_now: set[tuple[str, str]]) -> Path | None:
        """nbgrader's gradebook brought up to date (``graded_now``: the submissions this run
        graded); its path, or None if writing it failed (said in :attr:`failures`)."""
        from autograder.records.gradebook import write_gradebook

        path = self.out / "gradebook.db"
        try:
            write_gradebook(path, self.course, self.ledger.sorted_results(), only=graded_now)
        except Exception as exc:  # noqa: BLE001 - the CSV and ledger are already safe
            self._failed(f"writing the gradebook {path} failed: {exc!r}")
            return None
        return path

    def write_report(self) -> Path | None:
        """The class report of every submission in the ledger; its path, or None."""
        from autograder.report.class_report import write_report

        try:
            return Path(write_report(self.ledger.sorted_results(), self.out / "report"))
        except Exception as exc:  # noqa: BLE001 - the grades are already safe
            self._failed(f"the class report failed: {exc!r}")
            return None

    def _failed(self, message: str) -> None:
        log.error(message)
        self.failures.append(message)
