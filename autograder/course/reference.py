"""What a submission is graded against, derived from an instructor source notebook.

nbgrader's ``generate_assignment`` stores in its database each locked and graded cell as it
is *before* the hidden tests are removed (solutions replaced by stubs, hidden tests kept), and
autograding restores locked cells from there. :func:`build_reference` computes that same view
in memory, the way nbgrader's preprocessors do (``LockCells``, ``ClearSolutions``,
``ClearOutput``, ``CheckCellMetadata``, ``ComputeChecksums``), with the course configuration;
:meth:`Reference.release` is the student version (``ClearHiddenTests`` then
``ComputeChecksums`` again). It does so without importing nbgrader (seconds of start-up);
``tests/autograder/course/test_reference.py`` checks the result is nbgrader's, cell for cell, on the
test course and on every notebook of the course.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from traitlets.config import Config

from autograder import nbgrader_config
from autograder.course.rules import (
    compute_checksum,
    is_grade,
    is_locked,
    is_solution,
    replace_regions,
)
from autograder.course.source import CourseError
from autograder.vocabulary import HIDDEN_BEGIN, HIDDEN_END, grade_id_of, nbgrader_meta


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
        nb = copy.deepcopy(self.notebook)
        for cell in nb.cells:
            removed = _remove_region(cell, HIDDEN_BEGIN, HIDDEN_END, None)
            if removed and not is_grade(cell):
                raise CourseError(f"hidden tests in a cell that is not a test cell: "
                                  f"{cell.source[:80]!r}")
        nb.metadata.pop("celltoolbar", None)
        _compute_checksums(nb)
        return nb


# --------------------------------------------------------------------------- nbgrader's steps

@lru_cache(maxsize=1)
def _settings() -> dict:
    c = nbgrader_config.apply(Config())
    lock, clear = c.LockCells, c.ClearSolutions
    return {
        "lock_solution": lock.get("lock_solution_cells", True),
        "lock_grade": lock.get("lock_grade_cells", True),
        "lock_readonly": lock.get("lock_readonly_cells", True),
        "lock_all": lock.get("lock_all_cells", False),
        "code_stub": dict(clear.get("code_stub", {
            "python": "# YOUR CODE HERE\nraise NotImplementedError()"})),
        "text_stub": clear.get("text_stub", "YOUR ANSWER HERE"),
        "begin": clear.get("begin_solution_delimeter", "BEGIN SOLUTION"),
        "end": clear.get("end_solution_delimeter", "END SOLUTION"),
    }


def _lock_cells(nb: NotebookNode) -> None:
    s = _settings()
    for cell in nb.cells:
        if (s["lock_solution"] or s["lock_grade"]) and is_solution(cell) and is_grade(cell):
            cell.metadata["deletable"] = False
        elif s["lock_solution"] and is_solution(cell):
            cell.metadata["deletable"] = False
        elif (s["lock_grade"] and is_grade(cell)) or (s["lock_readonly"] and is_locked(cell)) \
                or s["lock_all"]:
            cell.metadata["deletable"] = False
            cell.metadata["editable"] = False


def _remove_region(cell: NotebookNode, begin: str, end: str, stub: list[str] | None) -> bool:
    """Replace the lines from ``begin`` to ``end`` with ``stub`` (None: nothing); True if a
    region was found."""
    try:
        cell.source, found = replace_regions(cell.source, begin, end, stub or [])
    except ValueError as exc:
        raise CourseError(f"{exc} in a cell: {cell.source[:80]!r}") from None
    return found


def _clear_solutions(nb: NotebookNode) -> None:
    s = _settings()
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    if language not in s["code_stub"]:
        raise CourseError(f"no code stub for the notebook's language {language!r}")
    for cell in nb.cells:
        code = cell.cell_type == "code"
        stub = (s["code_stub"][language] if code else s["text_stub"]).split("\n")
        replaced = _remove_region(cell, s["begin"], s["end"], stub)
        if replaced and not is_solution(cell):
            raise CourseError("a solution region in a cell that is not a solution cell: "
                              f"{cell.source[:80]!r}")
        if is_solution(cell) and not replaced:
            cell.source = "\n".join(stub)
    nb.metadata.pop("celltoolbar", None)


def _clear_output(nb: NotebookNode) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            for key in ("collapsed", "scrolled"):
                cell.metadata.pop(key, None)


def _check_metadata(nb: NotebookNode) -> None:
    seen: set[str] = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        if is_grade(cell) or is_solution(cell) or is_locked(cell):
            gid = meta.get("grade_id")
            if not gid:
                raise CourseError(f"an nbgrader cell has no grade_id: {cell.source[:80]!r}")
            if gid in seen:
                raise CourseError(f"grade_id {gid!r} is used by two cells")
            seen.add(gid)
        if is_grade(cell):
            try:
                float(meta["points"])
            except (KeyError, TypeError, ValueError):
                raise CourseError(f"test cell {meta.get('grade_id')!r} has no valid points") \
                    from None


def _compute_checksums(nb: NotebookNode) -> None:
    for cell in nb.cells:
        if is_grade(cell) or is_solution(cell) or is_locked(cell):
            cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
            cell.metadata.nbgrader["cell_type"] = cell.cell_type


# --------------------------------------------------------------------------- building

def build_reference(path: Path | str, assignment: str) -> Reference:
    """The grading view of the source notebook at ``path``; CourseError if it is malformed."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 - any reason the instructor's file is unusable
        raise CourseError(f"source notebook {path} cannot be read: {exc}") from exc
    try:
        _lock_cells(nb)
        _clear_solutions(nb)
        _clear_output(nb)
        _check_metadata(nb)
        _compute_checksums(nb)
    except CourseError as exc:
        raise CourseError(f"source notebook {path} is not a valid nbgrader notebook: {exc}") \
            from exc
    grade_cells = [GradeCell(grade_id=grade_id_of(c), points=float(nbgrader_meta(c)["points"]),
                             hidden=HIDDEN_BEGIN in c.source, cell_type=c.cell_type)
                   for c in nb.cells if is_grade(c)]
    ref = Reference(assignment=assignment, name=path.stem, notebook=nb,
                    grade_cells=grade_cells, source_hash=hashlib.sha256(raw).hexdigest()[:16])
    ref.release_sources()  # now, so that it travels with the reference to grading processes
    return ref


_CACHE: dict[tuple[str, str, int, int], Reference] = {}


def cached_reference(path: Path | str, assignment: str) -> Reference:
    """:func:`build_reference`, memoised on the file's path, size and modification time."""
    st = Path(path).stat()
    key = (str(path), assignment, st.st_size, st.st_mtime_ns)
    if key not in _CACHE:
        _CACHE[key] = build_reference(path, assignment)
    return _CACHE[key]
