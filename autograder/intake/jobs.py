"""What the coordinator sends to a grading process, and the results it makes without one.

Plain, picklable data with light imports: the coordinator (:mod:`autograder.grade.coordinator`) and
the intake use it without loading the grading machinery (nbclient, jupyter_client, nbformat's
validator), which only grading processes need (:mod:`autograder.grade.submission`).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from autograder import nbgrader_config
from autograder.kernel.settings import KernelSettings
from autograder.records.results import Status, SubmissionResult

if TYPE_CHECKING:
    from autograder.course.reference import Reference

#: When a submission has several problems, the row shows the most serious one.
SEVERITY = [Status.ERROR, Status.KERNEL_DIED, Status.TIMEOUT, Status.INVALID_NOTEBOOK,
            Status.MISSING_NOTEBOOK, Status.UNKNOWN_ASSIGNMENT, Status.GRADED]
MAX_MESSAGE = 600


@dataclass
class NotebookJob:
    name: str                  # the assignment's notebook (file stem)
    source: str                # the source notebook's path
    path: str | None = None    # the submitted file graded as this notebook; None: missing
    note: str = ""             # e.g. how a renamed file was matched
    reference: Reference | None = None   # built by the coordinator (else here, on demand)

    def ref(self, assignment: str) -> Reference:
        if self.reference is None:
            from autograder.course.reference import cached_reference

            self.reference = cached_reference(self.source, assignment)
        return self.reference


@dataclass
class Job:
    student_id: str
    assignment: str
    notebooks: list[NotebookJob]
    files: dict[str, str] = field(default_factory=dict)     # other submitted files
    support: dict[str, str] = field(default_factory=dict)   # the assignment's own files
    content_hash: str = ""
    source_hash: str = ""
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    edition: str = ""   # the student edition of course_lib its kernels hold ("": the course's)
    edition_compiled: bool = False   # ``edition`` is a copy with its modules compiled
    submitted_at: str = ""   # when it was handed in, ISO 8601 with an offset ("": unknown);
    #                          not part of content_hash: a new time alone is not regraded

    @property
    def key(self) -> tuple[str, str]:
        return (self.student_id, self.assignment)


@dataclass(frozen=True)
class WorkerSettings:
    timeout: float = 30.0      # seconds a cell may run
    max_output_chars: int = 10_000
    integrity: bool = True     # the in-kernel checks of autograder.grade.integrity (flags)
    trusted: bool = True       # tests run in the grader (autograder.grade.trusted), not the kernel
    kernel: KernelSettings = field(default_factory=KernelSettings)
    budget: float = 0.0        # seconds a notebook may take (0: BUDGET_TIMEOUTS x timeout)
    max_restarts: int = nbgrader_config.MAX_KERNEL_RESTARTS   # fresh kernels per notebook
    hidden_details: bool = False   # hidden tests' messages in full: validate's instructor mode

    @property
    def notebook_budget(self) -> float:
        """Seconds of wall time a notebook may take (see :mod:`autograder.kernel.execute`)."""
        return self.budget or nbgrader_config.BUDGET_TIMEOUTS * self.timeout

    def to_json(self) -> str:
        """What a grading process is started with (its only copy of the settings)."""
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> WorkerSettings:
        data = json.loads(text)
        return cls(**{**data, "kernel": KernelSettings.from_dict(data["kernel"])})


def worst(statuses: list[Status]) -> Status:
    return min(statuses, key=SEVERITY.index) if statuses else Status.GRADED


def join_message(parts: list[str]) -> str:
    text = "; ".join(p.strip() for p in parts if p and p.strip())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 4] + " ..."


def error_result(job: Job, error: str) -> SubmissionResult:
    """The row of a submission the tool itself failed on."""
    refs = []
    for nb_job in job.notebooks:
        try:
            refs.append(nb_job.ref(job.assignment))
        except Exception:  # noqa: BLE001 - the error being reported may be this one
            pass
    return SubmissionResult(
        student_id=job.student_id, assignment=job.assignment, status=Status.ERROR,
        message=join_message([f"the grader failed on this submission: {error}"]),
        max_score=sum(r.max_score for r in refs), content_hash=job.content_hash,
        source_hash=job.source_hash, flags=list(job.flags), submitted_at=job.submitted_at)


def notebook_json(nb) -> str:
    """The notebook in the .ipynb text format, without nbformat's full schema validation
    (the grader built it; validating costs more than writing)."""
    from nbformat.v4.nbjson import writes

    return writes(nb)


def read_notebook_json(text: str):
    """The inverse of :func:`notebook_json`, also without validation."""
    from nbformat.v4.nbjson import reads

    return reads(text)
