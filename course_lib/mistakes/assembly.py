"""A catalogued mistake's cell: its body in the instructor's solution cell (instructor side).

:func:`solution_cell` reads the solution cell of a graded name from the source notebooks
(``notebooks/<assignment>/*.ipynb``); :func:`with_body` puts a mistake's body in place of its
solution region: the lines between a ``### BEGIN SOLUTION`` line and its ``### END SOLUTION``
line (nbgrader's delimiters, found anywhere in a line as nbgrader and the grader find them).
The body is dedented (blank lines at its ends dropped) and indented like the ``BEGIN`` line;
the cell's other regions keep their solution; no marker line remains. A region belongs to the
innermost ``def`` above it (a class cell has one per method: the mistake's ``method`` picks
one).

Not shipped in a student edition (it names the markers, and has nothing to assemble there).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from textwrap import dedent, indent

#: The instructor's source notebooks, ``NOTEBOOKS/<assignment>/<notebook>.ipynb`` (this
#: repository's; course_lib is installed from the checkout with ``pip install -e``).
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

#: nbgrader's solution delimiters (the notebooks write ``### BEGIN SOLUTION``).
BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"

_DEF = re.compile(r"(\s*)(?:async\s+)?def\s+(\w+)")


class CatalogueError(ValueError):
    """A mistake does not fit its notebook: no notebook, no solution cell with its grade_id,
    no solution region (or none in the method it names)."""


def solution_cell(assignment: str, cell: str, notebooks: Path = NOTEBOOKS) -> str:
    """The source (markers included) of the solution cell with grade_id ``cell`` in the
    source notebooks ``notebooks/<assignment>/*.ipynb``; CatalogueError when there is none."""
    folder = Path(notebooks) / assignment
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        raise CatalogueError(f"no source notebook in {folder}: the mistakes of {assignment} "
                             "are assembled from the instructor's notebooks")
    for path in paths:
        try:
            stat = path.stat()
            found = _solution_cells(path, stat.st_mtime_ns, stat.st_size).get(cell)
        except (OSError, ValueError) as error:
            raise CatalogueError(f"cannot read the source notebook {path}: {error}") from error
        if found is not None:
            return found
    raise CatalogueError(f"no solution cell with grade_id {cell!r} in "
                         f"{', '.join(p.name for p in paths)} ({folder})")


@lru_cache(maxsize=32)
def _solution_cells(path: Path, _mtime_ns: int, _size: int) -> dict[str, str]:
    """grade_id -> source of every solution cell of the notebook at ``path`` (cached until
    the file changes)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("solution") and meta.get("grade_id"):
            source = cell.get("source", "")
            out[meta["grade_id"]] = "".join(source) if isinstance(source, list) else source
    return out


@dataclass(frozen=True)
class _Region:
    begin: int    # index of the ``### BEGIN SOLUTION`` line
    end: int      # index of the ``### END SOLUTION`` line
    indent: str   # the BEGIN line's indentation
    method: str   # the function the region is in ("" at the top level)


def _solution_regions(source: str) -> list[_Region]:
    """The solution regions of a cell's source, in order; CatalogueError for a BEGIN without
    its END, or nested."""
    lines = source.split("\n")
    regions: list[_Region] = []
    begin: int | None = None
    for i, line in enumerate(lines):
        if BEGIN_SOLUTION in line:
            if begin is not None:
                raise CatalogueError(f"nested {BEGIN_SOLUTION!r} in {_first_line(source)}")
            begin = i
        elif END_SOLUTION in line:
            if begin is None:
                raise CatalogueError(f"{END_SOLUTION!r} without {BEGIN_SOLUTION!r} in "
                                     f"{_first_line(source)}")
            margin = re.match(r"\s*", lines[begin]).group(0)
            regions.append(_Region(begin, i, margin, _enclosing_def(lines[:begin], margin)))
            begin = None
    if begin is not None:
        raise CatalogueError(f"{BEGIN_SOLUTION!r} without {END_SOLUTION!r} in "
                             f"{_first_line(source)}")
    return regions


def _enclosing_def(above: list[str], margin: str) -> str:
    """The name of the innermost ``def`` above a line indented by ``margin``; "" if none."""
    for line in reversed(above):
        match = _DEF.match(line)
        if match and len(match.group(1)) < len(margin):
            return match.group(2)
    return ""


def _first_line(source: str) -> str:
    return repr(source.strip().split("\n", 1)[0][:80])


def with_body(solution: str, body: str, method: str = "") -> str:
    """``solution`` (a solution cell's source) with ``body`` in place of the solution region
    (of ``method``, for a cell with several), dedented then indented like its
    ``### BEGIN SOLUTION`` line; the other regions keep their code; no marker lines remain.

    CatalogueError when the cell has no solution region, has several and ``method`` names
    none of them, or ``body`` is empty.
    """
    regions = _solution_regions(solution)
    target = _target(regions, method, solution)
    code = dedent(body).strip("\n")
    if not code.strip():
        raise CatalogueError(f"an empty body for {_first_line(solution)}")
    lines = solution.split("\n")
    out: list[str] = []
    start = 0
    for region in regions:
        out += lines[start:region.begin]
        inner = indent(code, region.indent).split("\n") if region is target \
            else lines[region.begin + 1:region.end]
        out += inner
        start = region.end + 1
    out += lines[start:]
    return "\n".join(out)


def _target(regions: list[_Region], method: str, solution: str) -> _Region:
    if not regions:
        raise CatalogueError(f"no {BEGIN_SOLUTION!r} region in {_first_line(solution)}")
    if not method and len(regions) == 1:
        return regions[0]
    matching = [r for r in regions if r.method == method]
    if len(matching) != 1:
        names = ", ".join(r.method or "<top level>" for r in regions)
        raise CatalogueError(f"{_first_line(solution)} has solution regions in {names}: "
                             f"name one as the mistake's method (got {method!r})")
    return matching[0]
