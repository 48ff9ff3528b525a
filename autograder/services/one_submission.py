"""Grade the one submission a service's container holds, exactly as a class run would grade it.

Gradescope (``/autograder/submission``) and PrairieLearn (``/grade/student``) hand over the
files one student uploaded, in no particular layout. :func:`grade_one` copies them into a
scratch folder as one nbgrader-layout submission, ``<scratch>/submissions/student/<assignment>/``
(every notebook at the top, other files where they were), and runs the ordinary
:func:`autograder.grade.coordinator.grade` on it with one grading process and no progress
bar, feedback page, class report or gradebook. So the trusted tests, the sandbox, the
integrity checks and every message are those of ``python -m autograder grade``; the intake's
rules apply too (a renamed notebook is graded when it is the only one).

The assignment is the one given, else the one whose notebook names the uploaded notebooks
carry, else the course's only assignment. Whatever happens (no notebook, notebooks of two
assignments, a bad course folder, the tool failing), a :class:`SubmissionResult` comes back
that says why: the callers always have something to write.

:func:`submission_language` says in which language the student reads the services' text: that
of the uploaded notebooks (their metadata ``course_language``), as the feedback page would.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import traceback
from dataclasses import dataclass
from pathlib import Path

from autograder import nbgrader_config
from autograder.course.source import DEFAULT_RELEASE, DEFAULT_SOURCE, Course, load_course
from autograder.grade.coordinator import GradeOptions, grade
from autograder.intake.find import files_under
from autograder.records.results import Status, SubmissionResult
from course_lib.language import DEFAULT, notebook_language

log = logging.getLogger("autograder")

#: The student's folder name in the scratch layout (the real id is put back afterwards).
_FOLDER = "student"


@dataclass
class OneSubmission:
    """What to grade and how."""

    files: Path                       # the folder holding what the student uploaded
    student_id: str = "student"
    assignment: str | None = None     # None: found from the notebooks' names
    source: Path = DEFAULT_SOURCE
    release: Path = DEFAULT_RELEASE
    timeout: float = float(nbgrader_config.CELL_TIMEOUT)
    memory_mb: int = nbgrader_config.MEMORY_LIMIT_MB


def grade_one(submission: OneSubmission, scratch: Path) -> SubmissionResult:
    """Grade ``submission`` using ``scratch`` (an empty folder) for the layout and the run's
    output; never raises for a bad submission or a failing tool (status ``error`` then)."""
    try:
        course = load_course(submission.source)
        uploaded = uploaded_files(Path(submission.files))
        assignment, problem = find_assignment(course, uploaded, submission.assignment)
        if problem is not None:
            return dataclasses.replace(problem, student_id=submission.student_id)
        result = _grade(submission, course, assignment, uploaded, Path(scratch))
    except Exception as exc:  # noqa: BLE001 - every failure becomes a result that says so
        log.error("the grader failed:\n%s", traceback.format_exc())
        result = SubmissionResult(_FOLDER, submission.assignment or "", Status.ERROR,
                                  f"the grader failed: {type(exc).__name__}: {exc}")
    return dataclasses.replace(result, student_id=submission.student_id)


def uploaded_files(folder: Path) -> dict[str, Path]:
    """The regular files under ``folder`` by relative path, as the intake finds them (junk,
    hidden files and symbolic links left out); nothing when it is not a folder."""
    if not folder.is_dir():
        return {}
    return {rel: path for rel, path in files_under(folder).items() if path.is_file()}


def submission_language(files: Path) -> str:
    """The language of the first uploaded notebook (by path) that declares one, English when
    none does or none can be read (an unreadable upload is reported by the grading)."""
    for rel, path in sorted(uploaded_files(Path(files)).items()):
        if not rel.endswith(".ipynb"):
            continue
        try:
            metadata = json.loads(path.read_bytes().decode("utf-8-sig")).get("metadata")
        except (OSError, ValueError, AttributeError):
            continue
        lang = notebook_language(metadata)
        if lang != DEFAULT:
            return lang
    return DEFAULT


def find_assignment(course: Course, uploaded: dict[str, Path], given: str | None
                    ) -> tuple[str, SubmissionResult | None]:
    """The assignment to grade, or a result saying why there is none to grade."""
    if given is not None:
        if given not in course.assignments:
            return given, SubmissionResult(_FOLDER, given, Status.ERROR,
                                           f"the autograder is set up for assignment {given!r}, "
                                           f"which is not in the course ({course.describe()})")
        return given, None
    notebooks = [Path(rel).name for rel in uploaded if rel.endswith(".ipynb")]
    owners = sorted({nb.assignment for name in notebooks
                     if (nb := course.notebook_named(name)) is not None})
    if len(owners) == 1:
        return owners[0], None
    if not owners and len(course.assignments) == 1:
        return course.assignments[0], None
    if len(owners) > 1:
        message = (f"the submission holds notebooks of {len(owners)} assignments "
                   f"({', '.join(owners)}): submit the notebooks of one assignment only")
    elif notebooks:
        message = (f"{', '.join(sorted(notebooks))}: no notebook of the course has this name; "
                   f"submit the notebook under the name it was released with "
                   f"({course.describe()})")
    else:
        return "", SubmissionResult(_FOLDER, "", Status.MISSING_NOTEBOOK,
                                    "no notebook (.ipynb file) in the submission")
    return "", SubmissionResult(_FOLDER, "", Status.UNKNOWN_ASSIGNMENT, message)


def _grade(submission: OneSubmission, course: Course, assignment: str,
           uploaded: dict[str, Path], scratch: Path) -> SubmissionResult:
    folder = lay_out(uploaded, scratch / "submissions" / _FOLDER / assignment)
    summary = grade(GradeOptions(
        submissions=folder.parents[1], out=scratch / "out", jobs=1, force=True,
        timeout=submission.timeout, memory_mb=submission.memory_mb, source=course.source,
        release=Path(submission.release), progress=False, feedback=False, report=False,
        gradebook=False))
    mine = [r for r in summary.results if r.key == (_FOLDER, assignment)]
    if not mine:
        problems = "; ".join(f"{r.assignment}: {r.message}" for r in summary.results)
        return SubmissionResult(_FOLDER, assignment, Status.ERROR, "the grader produced no "
                                f"result for the submission{': ' + problems if problems else ''}")
    return mine[0]


def lay_out(uploaded: dict[str, Path], folder: Path) -> Path:
    """Copy ``uploaded`` into ``folder``: notebooks at its top (the shallowest of two with one
    name), other files at their relative paths; return ``folder``."""
    folder.mkdir(parents=True)
    placed: set[str] = set()
    by_depth = sorted(uploaded.items(), key=lambda item: (item[0].count("/"), item[0]))
    for rel, path in by_depth:
        if rel.endswith(".ipynb"):
            name = Path(rel).name
            if name in placed:
                log.warning("%s: a notebook of the same name was found first; not graded", rel)
                continue
            placed.add(name)
            target = folder / name
        else:
            target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return folder
