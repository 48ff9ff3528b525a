"""What grading one submission produces: the record every other part of the tool reads.

A :class:`SubmissionResult` is made by a grading worker, stored by the coordinator (the
ledger, the gradebook, ``grades.csv``), and read by the feedback pages and the class report.
It is plain data and round-trips through JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import Enum


class Status(str, Enum):  # noqa: UP042 - str(status) and f-strings kept as they were
    """Why a submission has the score it has. Every submission found gets exactly one."""

    GRADED = "graded"                        # ran; score is what its tests earned
    # both below: the stopped cell costs its own tests, grading goes on (autograder.kernel.execute);
    # the message names the cells and says what was not run, if anything
    TIMEOUT = "timeout"                      # a cell ran past the per-cell limit (interrupted),
    #                                          or the notebook's time budget ran out
    KERNEL_DIED = "kernel_died"              # os._exit, a segfault, a kill (memory) ... in a cell:
    #                                          skipped, the rest ran in a fresh kernel
    INVALID_NOTEBOOK = "invalid_notebook"    # not JSON, empty, not a notebook, bad nbformat
    MISSING_NOTEBOOK = "missing_notebook"    # the assignment's notebook is not in the submission
    UNKNOWN_ASSIGNMENT = "unknown_assignment"  # a file that matches no released notebook
    ERROR = "error"                          # the tool itself failed on this submission


@dataclass
class CellResult:
    """One graded test cell. ``message`` is what the student reads (never hidden source)."""

    grade_id: str
    points: float
    max_points: float
    hidden: bool = False
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.points >= self.max_points - 1e-9


@dataclass
class NotebookResult:
    """One notebook of a submission, with the results of its test cells in notebook order."""

    name: str
    status: Status = Status.GRADED
    message: str = ""
    cells: list[CellResult] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(c.points for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.cells)


@dataclass
class SubmissionResult:
    """One (student, assignment) pair: the unit of a row in ``grades.csv``."""

    student_id: str
    assignment: str
    status: Status
    message: str = ""
    max_score: float = 0.0
    notebooks: list[NotebookResult] = field(default_factory=list)
    content_hash: str = ""
    seconds: float = 0.0
    flags: list[str] = field(default_factory=list)   # "tampered", "copied_reference:<name>" ...
    source_hash: str = ""   # hash of the assignment's source files it was graded against
    submitted_at: str = ""  # when it was handed in, ISO 8601 with an offset ("": unknown);
    #                         lateness is computed from it when grades.csv is written
    #                         (autograder.records.lateness), never stored as the score

    @property
    def score(self) -> float:
        """The points the tests earned (before any late penalty)."""
        return sum(nb.score for nb in self.notebooks)

    @property
    def key(self) -> tuple[str, str]:
        return (self.student_id, self.assignment)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SubmissionResult:
        data = json.loads(text)
        notebooks = []
        for nb in data.pop("notebooks"):
            cells = [CellResult(**c) for c in nb.pop("cells")]
            notebooks.append(NotebookResult(cells=cells, status=Status(nb.pop("status")), **nb))
        return cls(notebooks=notebooks, status=Status(data.pop("status")), **data)


def format_score(value: float) -> str:
    """Points as grades.csv and the exports write them: ``15``, ``13.5``, ``0.3333``."""
    return f"{round(value, 4):g}"
