"""Student versions of the course's notebooks, made by nbgrader's ``generate_assignment``,
each with the student edition of course_lib.

nbgrader runs in-process (``NbGraderAPI``) with the course configuration on a course folder
under ``build/`` (source notebooks copied in, its own gradebook). Everything a student gets,
and nothing more, is laid out per assignment::

    <out>/<assignment>/<notebook>.ipynb        the student notebook, and the files it needs
    <out>/<assignment>/course_lib/             the student edition (.student_edition): no
                                               reference code of this or a later assignment
    <out>/<assignment>/autograder/             ``python -m autograder validate`` for students
    <out>/<assignment>/nn_course_student-<version>+<assignment>-py3-none-any.whl
                                               the same edition, for ``pip install``
    <out>/<assignment>.zip                     all of the above, for upload to an LMS

``lang`` picks the language of the notebooks' text (``en``, or ``zh-CN``: the markdown cells'
translations kept in the source notebooks, :mod:`autograder.course.languages`); code, grade ids,
points and the student edition are the same in every language, and each student notebook
records its language in its metadata (``course_language``).

A notebook opened beside its ``course_lib/`` imports it (a kernel searches the notebook's
folder first). Building an edition runs the assignment's notebooks once with the reference
solutions (two at a time by default), so a release takes about as long as running them.
"""

from __future__ import annotations

import logging
import os
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError

from autograder.course.languages import localize
from autograder.course.source import (
    DEFAULT_BUILD,
    DEFAULT_RELEASE,
    DEFAULT_SOURCE,
    Course,
    load_course,
    nbgrader_config_for,
    venv_on_path,
)
from autograder.records.gradebook import create_database
from autograder.release.student_edition import Edition, build_edition, index_library

log = logging.getLogger("autograder")

DEFAULT_COURSE = DEFAULT_BUILD / "course"


class ReleaseError(RuntimeError):
    """nbgrader could not generate an assignment; the message holds nbgrader's log."""


class Released(dict):
    """assignment -> the folder of its student version; ``zips``: assignment -> zip file."""

    def __init__(self, out: Path):
        super().__init__()
        self.out = Path(out)
        self.zips: dict[str, Path] = {}
        self.editions: dict[str, Edition] = {}

    def notebooks(self, assignment: str) -> list[Path]:
        return sorted(self[assignment].glob("*.ipynb"))


def release(out: Path = DEFAULT_RELEASE, source: Path = DEFAULT_SOURCE,
            course_root: Path = DEFAULT_COURSE,
            assignments: list[str] | None = None, edition: bool = True,
            jobs: int | None = None, lang: str = "en") -> Released:
    """Generate the student version of every assignment (or of ``assignments``) into
    ``out/<assignment>/`` and ``out/<assignment>.zip``, in language ``lang``, with its
    student edition of course_lib unless ``edition`` is False; ``jobs`` notebooks are recorded
    at once (default: 2, or 1 on a one-core machine)."""
    course = load_course(source)
    wanted = assignments or course.assignments
    unknown = sorted(set(wanted) - set(course.assignments))
    if unknown:
        raise ValueError(f"unknown assignment(s) {unknown}; the course has "
                         f"{course.assignments}")
    root = Path(course_root).resolve()
    _prepare_course_folder(course, root, wanted, lang)
    venv_on_path()
    create_database(root / "gradebook.db")  # in-process: nbgrader would shell out to alembic
    from nbgrader.apps import NbGraderAPI

    api = NbGraderAPI(config=nbgrader_config_for(root))
    out = Path(out)
    result = Released(out)
    for assignment in wanted:
        log.info("releasing %s", assignment)
        outcome = api.generate_assignment(assignment, force=True, create=True)
        if not outcome["success"]:
            raise ReleaseError(f"nbgrader generate_assignment {assignment} failed:\n"
                               f"{outcome.get('error', '')}\n{outcome.get('log', '')}")
        result[assignment] = _copy_release(root / "release" / assignment, out / assignment)
    if edition:
        result.editions = _editions(course, wanted, result, root / "edition", jobs)
    for assignment in wanted:
        result.zips[assignment] = _zip(out / assignment, out / f"{assignment}.zip")
    return result


def _editions(course: Course, assignments: list[str], released: Released, work: Path,
              jobs: int | None) -> dict[str, Edition]:
    library = index_library()
    workers = jobs or min(2, os.cpu_count() or 1)

    def one(assignment: str) -> Edition:
        log.info("student edition of %s: running its notebooks with the reference solutions",
                 assignment)
        try:
            return build_edition(assignment, course, released[assignment], work / assignment,
                                 library)
        except CellExecutionError as exc:
            raise ReleaseError(f"the student edition of {assignment} needs its notebooks to "
                               f"run with the reference solutions, and one failed:\n{exc}"
                               ) from exc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(assignments, pool.map(one, assignments), strict=True))


def _prepare_course_folder(course: Course, root: Path, assignments: list[str],
                           lang: str) -> None:
    for assignment in assignments:
        dest = root / "source" / assignment
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        for nb in course.notebooks_of(assignment):
            source = nbformat.read(nb.path, as_version=4)
            nbformat.write(localize(source, lang, f"{assignment}/{nb.filename}"),
                           dest / nb.filename)
        for rel, path in course.support_files(assignment).items():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest / rel)


def _copy_release(src: Path, dest: Path) -> Path:
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest)
    return dest


def _zip(folder: Path, target: Path) -> Path:
    tmp = target.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, Path(folder.name) / path.relative_to(folder))
    tmp.replace(target)
    return target
