"""What a submission is graded against, derived from an instructor source notebook.

nbgrader's ``generate_assignment`` stores in its database each locked and graded cell as it
is *before* the hidden tests are removed (solutions replaced by stubs, hidden tests kept), and
autograding restores locked cells from there. :func:`build_reference` computes that same view
in memory with nbgrader's own preprocessors and the course configuration, so no course folder
and no database are needed to grade.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from traitlets.config import Config

from autograder import nbgrader_config
from autograder.course import CourseError

HIDDEN_BEGIN = "BEGIN HIDDEN TESTS"


def nbgrader_meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id_of(cell: NotebookNode) -> str | None:
    gid = nbgrader_meta(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


@dataclass
class GradeCell:
    """A test cell with points."""

    grade_id: str
    points: float
    hidden: bool
    cell_type: str = "code"


@dataclass
class Reference:
    """The grading view of one source notebook."""

    assignment: str
    name: str
    notebook: NotebookNode                 # stubs for solutions, hidden tests kept, checksums
    grade_cells: list[GradeCell] = field(default_factory=list)
    source_hash: str = ""
    _release_sources: dict[str, str] | None = field(default=None, repr=False)

    @property
    def max_score(self) -> float:
        return sum(g.points for g in self.grade_cells)

    def cells_by_id(self) -> dict[str, NotebookNode]:
        return {gid: c for c in self.notebook.cells if (gid := grade_id_of(c))}

    def grade_cell(self, grade_id: str) -> GradeCell | None:
        return next((g for g in self.grade_cells if g.grade_id == grade_id), None)

    def release_sources(self) -> dict[str, str]:
        """grade id -> the source students were given (hidden tests removed)."""
        if self._release_sources is None:
            self._release_sources = {gid: c.source for c in self.release().cells
                                     if (gid := grade_id_of(c))}
        return self._release_sources

    def release(self) -> NotebookNode:
        """The student version (hidden tests removed), as ``generate_assignment`` writes it."""
        from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ComputeChecksums

        nb = copy.deepcopy(self.notebook)
        resources: dict = {}
        for pp in (ClearHiddenTests, ClearMarkScheme, ComputeChecksums):
            nb, resources = pp(config=_config()).preprocess(nb, resources)
        return nb


def _config() -> Config:
    return nbgrader_config.apply(Config())


def build_reference(path: Path | str, assignment: str) -> Reference:
    """The grading view of the source notebook at ``path``; CourseError if it is malformed."""
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )

    path = Path(path)
    raw = path.read_bytes()
    nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    resources: dict = {}
    try:
        for pp in (LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums):
            nb, resources = pp(config=_config()).preprocess(nb, resources)
    except Exception as exc:  # nbgrader raises RuntimeError/ValidationError for bad metadata
        raise CourseError(f"source notebook {path} is not a valid nbgrader notebook: {exc}") \
            from exc
    from nbgrader import utils

    grade_cells = []
    for cell in nb.cells:
        if utils.is_grade(cell):
            grade_cells.append(GradeCell(
                grade_id=grade_id_of(cell), points=float(nbgrader_meta(cell)["points"]),
                hidden=HIDDEN_BEGIN in cell.source, cell_type=cell.cell_type))
    ref = Reference(assignment=assignment, name=path.stem, notebook=nb,
                    grade_cells=grade_cells, source_hash=hashlib.sha256(raw).hexdigest()[:16])
    ref.release_sources()  # now, so that grading processes never need nbgrader
    return ref


_CACHE: dict[tuple[str, str, int, int], Reference] = {}


def cached_reference(path: Path | str, assignment: str) -> Reference:
    """:func:`build_reference`, memoised on the file's path, size and modification time."""
    st = Path(path).stat()
    key = (str(path), assignment, st.st_size, st.st_mtime_ns)
    if key not in _CACHE:
        _CACHE[key] = build_reference(path, assignment)
    return _CACHE[key]
