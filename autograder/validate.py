"""``python -m autograder validate --source NOTEBOOK``: the instructor's check of a notebook.

Instructor mode. The notebook is matched to its source by file name (or, if renamed, by its
cells), graded exactly as the instructor's grading would grade it (same sanitizing, fresh
kernel, time and memory limits, scoring, the visible *and the hidden* tests), and a report
says, per test cell, passed or failed with the message (hidden tests' code never shown), and
which solution cells still ``raise NotImplementedError``.

Without ``--source`` (a student's check), ``validate`` runs the notebook's visible tests only,
as it is, with the course_lib it finds (:mod:`course_lib.validate`): hidden tests are not on a
student's machine.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from autograder.course.source import Course, SourceNotebook, load_course
from autograder.grade.submission import grade_submission
from autograder.intake.jobs import Job, NotebookJob, WorkerSettings
from autograder.intake.sanitize import InvalidNotebook, not_implemented, read_notebook
from autograder.kernel.pool import KernelPool
from autograder.kernel.settings import KernelSettings
from autograder.records.results import Status, SubmissionResult, format_score
from autograder.vocabulary import grade_id_of


class ValidateError(ValueError):
    """The notebook cannot be matched to any notebook of the course."""


@dataclass
class Validation:
    path: Path
    source: SourceNotebook
    result: SubmissionResult
    todo: list[str]

    @property
    def passed(self) -> bool:
        return (self.result.status == Status.GRADED and not self.todo
                and self.result.score >= self.result.max_score - 1e-9)


def match_source(path: Path, course: Course) -> tuple[SourceNotebook, str]:
    """The course notebook ``path`` is a version of, and a note if matched by content."""
    by_name = course.notebook_named(Path(path).stem)
    if by_name is not None:
        return by_name, ""
    try:
        ids = {gid for c in read_notebook(path).cells if (gid := grade_id_of(c))}
    except InvalidNotebook:
        ids = set()
    best, overlap = None, 0
    for nb in course.notebooks:
        from autograder.course.reference import cached_reference

        common = len(ids & set(cached_reference(nb.path, nb.assignment).cells_by_id()))
        if common > overlap:
            best, overlap = nb, common
    if best is None:
        raise ValidateError(f"{Path(path).name} matches no notebook of the course; its "
                            f"notebooks are {', '.join(n.filename for n in course.notebooks)}")
    return best, f"{Path(path).name} was checked as {best.filename} (matched by its cells)"


def validate(path: Path, source: Path, timeout: float, memory_mb: int) -> Validation:
    """Grade ``path`` against its source notebook in this process."""
    path = Path(path)
    if not path.exists():
        raise ValidateError(f"{path} does not exist")
    course = load_course(source)
    nb_source, note = match_source(path, course)
    try:
        todo = not_implemented(read_notebook(path))
    except InvalidNotebook:
        todo = []
    job = Job(student_id="you", assignment=nb_source.assignment,
              notebooks=[NotebookJob(nb_source.name, str(nb_source.path), str(path), note)],
              support={rel: str(p) for rel, p in
                       course.support_files(nb_source.assignment).items()})
    # one notebook: nothing to overlap a zygote's start-up with, so start the kernel directly
    settings = WorkerSettings(timeout=timeout, hidden_details=True, kernel=KernelSettings(
        memory_mb=memory_mb, fork=False, warmup=()))

    async def run() -> SubmissionResult:
        pool = KernelPool(settings.kernel, spares=0)
        try:
            result, _ = await grade_submission(job, pool, settings)
        finally:
            await pool.close()
        return result

    return Validation(path, nb_source, asyncio.run(run()), todo)


def report(v: Validation) -> str:
    """The text printed for the student."""
    r = v.result
    lines = [f"{v.path.name}: assignment {v.source.assignment}, instructor mode (--source): "
             "checked against the source notebooks' visible and hidden tests (the hidden "
             "tests' code is not shown)"]
    for nb in r.notebooks:
        for warning in nb.warnings:
            if not warning.startswith("still raising NotImplementedError"):  # said below
                lines.append(f"  note: {warning}")
        if nb.status in (Status.INVALID_NOTEBOOK, Status.MISSING_NOTEBOOK):
            lines.append(f"  cannot be graded: {nb.message}")
            continue
        width = max((len(c.grade_id) for c in nb.cells), default=0)
        for c in nb.cells:
            verdict = "passed" if c.passed else "FAILED"
            kind = " (hidden)" if c.hidden else ""
            head = (f"  {verdict:6}  {c.grade_id:{width}}  "
                    f"{format_score(c.points)}/{format_score(c.max_points)}{kind}")
            lines.append(head)
            if c.message and not c.passed:
                lines.extend("            " + ln for ln in c.message.splitlines())
        if nb.status != Status.GRADED:
            lines.append(f"  {nb.status.value}: {nb.message}")
    if v.todo:
        lines.append("Still to do: these cells still raise NotImplementedError: "
                     + ", ".join(v.todo))
    lines.append(f"Score: {format_score(r.score)} / {format_score(r.max_score)}"
                 + ("  - all tests pass" if v.passed else ""))
    return "\n".join(lines)
