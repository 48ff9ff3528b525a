"""course_lib.mistakes: every catalogued mistake is a body that fits its notebook's solution
cell, and the cell around it is the notebook's own (so a catalogue cannot drift from it).

A notebook that renames a graded cell, or drops its solution region, fails here by name.
"""

from __future__ import annotations

import ast
import json

import pytest

from course_lib.mistakes import Mistake, catalogue
from course_lib.mistakes.assembly import NOTEBOOKS, CatalogueError, solution_cell, with_body

MISTAKES = catalogue()


def _ids(mistakes: list[Mistake]) -> list[str]:
    return [f"{m.assignment}:{m.cell}:{m.name}" for m in mistakes]


def _without_markers(source: str) -> str:
    return "\n".join(ln for ln in source.split("\n") if "SOLUTION" not in ln)


def test_the_catalogue_is_not_empty_and_its_names_are_unique():
    assert len(MISTAKES) > 50
    keys = [(m.assignment, m.cell, m.name) for m in MISTAKES]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("mistake", MISTAKES, ids=_ids(MISTAKES))
def test_every_mistake_assembles_against_its_notebook(mistake):
    assert not mistake.whole_cell, "a catalogued mistake is a body, not a whole cell"
    solution = solution_cell(mistake.assignment, mistake.cell)   # the grade_id exists
    source = mistake.source                                      # the region exists
    assert source == mistake.source_in(solution)
    tree = ast.parse(source)                                     # the cell compiles
    compile(tree, f"<mistake {mistake.name}>", "exec")
    defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    assert defined == [mistake.cell], "the cell defines the graded name, once"
    assert "SOLUTION" not in source
    assert source != _without_markers(solution), "the mistake is the reference solution"
    first = source.split("\n", 1)[0]
    assert first == solution.split("\n", 1)[0], "the def line is the notebook's"
    assert not mistake.body.lstrip().startswith(("def ", "class ")), (
        "the body is what replaces the solution, not the whole cell")


def test_a_body_goes_in_at_the_indentation_of_the_begin_line():
    cell = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    z = x + y\n    ### END SOLUTION\n" \
           "    return z"
    written_anyhow = """
            z = x - y

            z = z * 2
    """
    assert with_body(cell, written_anyhow) == (
        "def f(x):\n    y = 1\n    z = x - y\n\n    z = z * 2\n    return z")


CLASS = '''class C:
    def forward(self, x):
        ### BEGIN SOLUTION
        return x
        ### END SOLUTION

    def backward(self, d):
        ### BEGIN SOLUTION
        return d
        ### END SOLUTION'''


def test_a_class_mistake_replaces_the_region_of_its_method_only():
    assert with_body(CLASS, "return -d", "backward") == (
        "class C:\n    def forward(self, x):\n        return x\n\n"
        "    def backward(self, d):\n        return -d")


@pytest.mark.parametrize("method", ["", "step"])
def test_a_class_mistake_must_name_one_of_its_methods(method):
    with pytest.raises(CatalogueError, match="solution regions in forward, backward"):
        with_body(CLASS, "return 0", method)


def test_a_cell_without_a_solution_region_or_a_body_is_refused():
    with pytest.raises(CatalogueError, match="no 'BEGIN SOLUTION' region"):
        with_body("def f(x):\n    return x", "return 0")
    with pytest.raises(CatalogueError, match="without 'END SOLUTION'"):
        with_body("def f(x):\n    ### BEGIN SOLUTION\n    return x", "return 0")
    with pytest.raises(CatalogueError, match="empty body"):
        with_body("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION", "\n")


def _notebook(grade_id: str) -> dict:
    cell = {"cell_type": "code", "execution_count": None, "outputs": [],
            "metadata": {"nbgrader": {"grade_id": grade_id, "solution": True, "grade": False,
                                      "locked": False, "schema_version": 3}},
            "source": ["def f(x):\n", "    ### BEGIN SOLUTION\n", "    return x\n",
                       "    ### END SOLUTION"]}
    return {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_a_renamed_graded_cell_is_reported_with_the_notebook(tmp_path):
    (tmp_path / "01_a").mkdir()
    path = tmp_path / "01_a" / "a.ipynb"
    path.write_text(json.dumps(_notebook("f")))
    assert solution_cell("01_a", "f", tmp_path).startswith("def f(x):")
    path.write_text(json.dumps(_notebook("f_renamed")))   # the cache follows the file
    with pytest.raises(CatalogueError, match=r"no solution cell with grade_id 'f' in a\.ipynb"):
        solution_cell("01_a", "f", tmp_path)
    with pytest.raises(CatalogueError, match="no source notebook"):
        solution_cell("02_missing", "f", tmp_path)


def test_a_whole_cell_mistake_needs_no_notebook():
    toy = Mistake("00_none", "g", "name", "hint", "def g():\n    return 1", whole_cell=True)
    assert toy.source == toy.source_in("anything") == "def g():\n    return 1"
    assert not (NOTEBOOKS / "00_none").exists()
