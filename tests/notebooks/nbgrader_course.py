"""A throw-away nbgrader course folder for tests: release notebooks and grade submissions.

It drives nbgrader's own Python API in-process with the course's configuration
(``autograder/nbgrader_config.py``), so the tests prove that the notebooks grade as intended
under plain nbgrader, independently of the course's instructor tool.

Typical use::

    course = NbgraderCourse(tmp_path)
    release = course.release("01_logistic_unit")            # {notebook name: student notebook}
    submission = fill_solutions(release["logistic_unit"], source_nb)
    result = course.grade("01_logistic_unit", "alice", {"logistic_unit": submission})
    assert result.total == result.max_total
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from traitlets.config import Config

from autograder import nbgrader_config

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"


def assignments() -> list[str]:
    """Names of the course's assignments: the folders of notebooks/ that hold a notebook."""
    return sorted(p.name for p in NOTEBOOKS.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def source_notebooks(assignment: str) -> dict[str, NotebookNode]:
    """The instructor's source notebooks of ``assignment``, keyed by file stem."""
    folder = NOTEBOOKS / assignment
    return {p.stem: nbformat.read(p, as_version=4) for p in sorted(folder.glob("*.ipynb"))}


def grade_id(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def cells_by_id(nb: NotebookNode) -> dict[str, NotebookNode]:
    return {grade_id(c): c for c in nb.cells if grade_id(c)}


def is_solution(cell: NotebookNode) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def fill_solutions(release_nb: NotebookNode, source_nb: NotebookNode) -> NotebookNode:
    """A student's complete submission: the release with every solution cell answered as the
    source notebook answers it (solution markers removed, as a student would type it)."""
    nb = nbformat.from_dict(release_nb)
    answers = cells_by_id(source_nb)
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid and is_solution(cell):
            cell.source = strip_markers(answers[gid].source)
    return nb


def strip_markers(source: str) -> str:
    """Remove the ``### BEGIN/END SOLUTION`` marker lines, keep the code between them."""
    keep = [ln for ln in source.splitlines() if ln.strip() not in
            ("### BEGIN SOLUTION", "### END SOLUTION")]
    return "\n".join(keep)


def replace_cell(nb: NotebookNode, gid: str, source: str) -> NotebookNode:
    """A copy of ``nb`` whose cell ``gid`` holds ``source`` (for injecting a mistake)."""
    out = nbformat.from_dict(nb)
    cell = cells_by_id(out).get(gid)
    if cell is None:
        raise KeyError(f"no cell with grade_id {gid!r}; ids: {sorted(cells_by_id(out))}")
    cell.source = source
    return out


@dataclass
class GradeResult:
    """Scores of one graded submission, per grade cell (grade_id -> points)."""

    scores: dict[str, float] = field(default_factory=dict)
    max_scores: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.scores.values())

    @property
    def max_total(self) -> float:
        return sum(self.max_scores.values())

    def lost(self) -> dict[str, float]:
        """grade_id -> points lost, for the cells that did not get full marks."""
        return {g: self.max_scores[g] - s for g, s in self.scores.items()
                if s < self.max_scores[g] - 1e-9}


class NbgraderCourse:
    """An nbgrader course folder under ``root`` with the course's source notebooks."""

    def __init__(self, root: Path, notebooks: Path = NOTEBOOKS):
        self.root = Path(root)
        shutil.copytree(notebooks, self.root / "source",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.md"))
        self._released: set[str] = set()

    def _api(self):
        from nbgrader.apps import NbGraderAPI

        c = nbgrader_config.apply(Config())
        c.CourseDirectory.root = str(self.root)
        c.CourseDirectory.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        _venv_on_path()
        return NbGraderAPI(config=c)

    def release(self, assignment: str) -> dict[str, NotebookNode]:
        """Generate the student version of ``assignment``; return its notebooks by stem."""
        if assignment not in self._released:
            result = self._api().generate_assignment(assignment, force=True)
            if not result["success"]:
                raise RuntimeError(
                    f"generate_assignment failed:\n{result['error']}\n{result['log']}")
            self._released.add(assignment)
        folder = self.root / "release" / assignment
        return {p.stem: nbformat.read(p, as_version=4) for p in sorted(folder.glob("*.ipynb"))}

    def grade(self, assignment: str, student: str,
              notebooks: dict[str, NotebookNode]) -> GradeResult:
        """Autograde ``student``'s ``notebooks`` (stem -> notebook) and return the scores."""
        self.release(assignment)
        folder = self.root / "submitted" / student / assignment
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(self.root / "release" / assignment, folder)
        for stem, nb in notebooks.items():
            nbformat.write(nb, folder / f"{stem}.ipynb")
        result = self._api().autograde(assignment, student, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"autograde failed:\n{result['error']}\n{result['log']}")
        return self.scores(assignment, student)

    def scores(self, assignment: str, student: str) -> GradeResult:
        from nbgrader.api import Gradebook

        out = GradeResult()
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gb:
            submission = gb.find_submission(assignment, student)
            for nb in submission.notebooks:
                for grade in nb.grades:
                    gid = grade.name
                    out.scores[gid] = float(grade.score)
                    out.max_scores[gid] = float(grade.max_score)
        return out

    def autograded(self, assignment: str, student: str, stem: str) -> NotebookNode:
        """The executed, graded notebook (outputs included) nbgrader wrote for ``student``."""
        path = self.root / "autograded" / student / assignment / f"{stem}.ipynb"
        return nbformat.read(path, as_version=4)


def _venv_on_path() -> None:
    """nbgrader shells out to ``alembic`` and starts kernels by name: put this interpreter's
    bin/ first on PATH so both come from the same environment as the tests."""
    bindir = str(Path(sys.executable).parent)
    if not os.environ.get("PATH", "").startswith(bindir + os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
