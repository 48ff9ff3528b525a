"""Notebooks that check a student edition: the solved notebook, and one with every catalogued
mistake injected in turn, each followed by its visible tests (then the solution put back)."""

from __future__ import annotations

import nbformat

from autograder.release.student_edition import _without_hidden_tests
from course_lib.mistakes import Mistake
from course_lib.validate import _is_hidden

#: first cell of a notebook run with the edition beside it, in the developers' venv: drop the
#: editable install's import hook, and prove the instructor's course_lib cannot be imported
ISOLATE = '''\
import sys
sys.meta_path[:] = [f for f in sys.meta_path
                    if not getattr(f, "__module__", "").startswith("__editable__")]
import os, course_lib
assert os.path.dirname(course_lib.__file__) == os.path.join(os.getcwd(), "course_lib"), \\
    course_lib.__file__
for _name in ("course_lib.demo", "course_lib.mistakes.logistic_unit"):
    try:
        __import__(_name)
    except ImportError:
        pass
    else:
        raise AssertionError(_name + " is importable")
'''


def _meta(cell: nbformat.NotebookNode) -> dict:
    return cell.metadata.get("nbgrader", {})


def solved(source: str) -> nbformat.NotebookNode:
    """The instructor notebook at ``source`` without its hidden tests (solutions kept)."""
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = _without_hidden_tests(cell.source)
    return nb


def visible_tests(nb: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    return {_meta(c)["grade_id"]: c for c in nb.cells if c.cell_type == "code"
            and _meta(c).get("grade") and not _meta(c).get("solution")
            and not _is_hidden(c.source)}


def with_mistakes(nb: nbformat.NotebookNode, mistakes: list[Mistake]) -> nbformat.NotebookNode:
    """``nb`` up to its last test cell, then for each mistake: its cell (its body in ``nb``'s
    solution cell) in place of the solution, the visible tests of its cell (tagged
    ``mistake=<name>``), the solution again."""
    cells = list(nb.cells)
    last = max(i for i, c in enumerate(cells) if _meta(c).get("grade"))
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    out.cells = [c for c in cells[:last + 1]]
    tests = visible_tests(nb)
    solutions = {_meta(c)["grade_id"]: c for c in cells if _meta(c).get("solution")}
    for mistake in mistakes:
        solution = solutions[mistake.cell].source
        out.cells.append(nbformat.v4.new_code_cell(mistake.source_in(solution)))
        for grade_id in mistake.test_cells():
            if grade_id in tests:
                cell = nbformat.v4.new_code_cell(tests[grade_id].source)
                cell.metadata["mistake"] = mistake.name
                out.cells.append(cell)
        out.cells.append(nbformat.v4.new_code_cell(solution))
    return out


def outputs_text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
    return "".join(parts)


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """``index: ename: evalue`` of every cell that raised."""
    return [f"{i}: {o.ename}: {o.evalue}" for i, c in enumerate(nb.cells)
            for o in c.get("outputs", []) if o.output_type == "error"]


def unnamed_mistakes(nb: nbformat.NotebookNode, mistakes: list[Mistake]) -> list[str]:
    """The mistakes whose visible tests, in the executed ``nb``, never name them."""
    said: dict[str, str] = {}
    for cell in nb.cells:
        if "mistake" in cell.metadata:
            said[cell.metadata["mistake"]] = said.get(cell.metadata["mistake"], "") + \
                outputs_text(cell)
    return [m.name for m in mistakes if f"({m.name})" not in said.get(m.name, "")]
