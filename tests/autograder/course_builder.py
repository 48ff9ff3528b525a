"""The one builder of the tests' fixture courses: nbgrader cells, notebooks and course folders.

``integrity_course``, ``synthetic_course`` and ``toy_course`` keep only their content (sources,
answers, submissions) and build with these functions, so all three write the same nbgrader
metadata (schema version 3, ``grade`` true exactly when a cell has points), the same kernelspec
and the same folder layout, ``<folder>/<assignment>/<name>.ipynb`` beside the data files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.course.reference import build_reference

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

#: assignment -> notebook name (no ``.ipynb``) -> notebook
Notebooks = Mapping[str, Mapping[str, NotebookNode]]
#: assignment -> file name -> text
Files = Mapping[str, Mapping[str, str]]


def nbgrader_metadata(grade_id: str, *, points: float | None = None, solution: bool = False,
                      locked: bool = False) -> dict:
    """A cell's ``nbgrader`` metadata: graded (a test cell) iff it has ``points``."""
    meta = {"grade_id": grade_id, "grade": points is not None, "solution": solution,
            "locked": locked, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def code_cell(source: str, grade_id: str | None = None, *, points: float | None = None,
              solution: bool = False, locked: bool = False) -> NotebookNode:
    """A code cell; without ``grade_id`` a plain one that nbgrader does not track."""
    if grade_id is None:
        return new_code_cell(source)
    return new_code_cell(source, metadata=nbgrader_metadata(
        grade_id, points=points, solution=solution, locked=locked))


def markdown_cell(source: str, grade_id: str | None = None, *,
                  locked: bool = False) -> NotebookNode:
    """A markdown cell; without ``grade_id`` a plain one that nbgrader does not track."""
    if grade_id is None:
        return new_markdown_cell(source)
    return new_markdown_cell(source, metadata=nbgrader_metadata(grade_id, locked=locked))


def notebook(cells: list[NotebookNode]) -> NotebookNode:
    """A notebook of ``cells`` on the python3 kernel."""
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    return nb


def write_notebook(nb: NotebookNode, path: Path) -> Path:
    """Write ``nb`` at ``path``, making its folder; return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def write_folder(folder: Path, notebooks: Notebooks, files: Files | None = None) -> Path:
    """Write a course folder (source or release): ``folder/<assignment>/<name>.ipynb`` for
    each notebook, ``folder/<assignment>/<file>`` for each data file; return ``folder``."""
    folder = Path(folder)
    for assignment, by_name in notebooks.items():
        for name, nb in by_name.items():
            write_notebook(nb, folder / assignment / f"{name}.ipynb")
    for assignment, by_file in (files or {}).items():
        for file_name, text in by_file.items():
            path = folder / assignment / file_name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return folder


def release(source: Path, assignment: str, name: str) -> NotebookNode:
    """The student version of ``source/<assignment>/<name>.ipynb`` (no solutions, no hidden
    tests), as the grader derives it."""
    return build_reference(source / assignment / f"{name}.ipynb", assignment).release()
