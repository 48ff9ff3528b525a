"""Student versions of the course's notebooks, made by nbgrader's ``generate_assignment``.

nbgrader runs in-process (``NbGraderAPI``) with the course configuration on a course folder
under ``build/`` (source notebooks copied in, its own gradebook). The student versions are
then laid out as ``<out>/<assignment>/<notebook>.ipynb`` with the files each notebook needs,
and each assignment is also zipped (``<out>/<assignment>.zip``) for upload to an LMS.
"""

from __future__ import annotations

import logging
import shutil
import zipfile
from pathlib import Path

from autograder.course import (
    DEFAULT_BUILD,
    DEFAULT_RELEASE,
    DEFAULT_SOURCE,
    Course,
    load_course,
    nbgrader_config_for,
    venv_on_path,
)
from autograder.gradebook import create_database

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

    def notebooks(self, assignment: str) -> list[Path]:
        return sorted(self[assignment].glob("*.ipynb"))


def release(out: Path = DEFAULT_RELEASE, source: Path = DEFAULT_SOURCE,
            course_root: Path = DEFAULT_COURSE,
            assignments: list[str] | None = None) -> Released:
    """Generate the student version of every assignment (or of ``assignments``) into
    ``out/<assignment>/`` and ``out/<assignment>.zip``."""
    course = load_course(source)
    wanted = assignments or course.assignments
    unknown = sorted(set(wanted) - set(course.assignments))
    if unknown:
        raise ValueError(f"unknown assignment(s) {unknown}; the course has "
                         f"{course.assignments}")
    root = Path(course_root).resolve()
    _prepare_course_folder(course, root, wanted)
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
        result.zips[assignment] = _zip(out / assignment, out / f"{assignment}.zip")
    return result


def _prepare_course_folder(course: Course, root: Path, assignments: list[str]) -> None:
    for assignment in assignments:
        dest = root / "source" / assignment
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        for nb in course.notebooks_of(assignment):
            shutil.copy2(nb.path, dest / nb.filename)
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
