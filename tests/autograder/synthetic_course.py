"""A tiny nbgrader course written by the tests, and the student submissions they grade.

Two assignments, each one source notebook with nbgrader metadata (read-only cells, solution
cells, visible and hidden test cells with points), small enough that a notebook runs in a
fraction of a second:

- ``01_adder/adder.ipynb`` (5 points): ``add`` (1 visible + 2 hidden) and ``mul`` (1 visible,
  which also makes a numpy RuntimeWarning, + 1 hidden that reads the assignment's data file
  ``factor.txt``);
- ``02_text/text.ipynb`` (2 points): ``shout`` (1 visible + 1 hidden).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.reference import build_reference
from autograder.vocabulary import grade_id_of

ADDER_MAX = 5.0
TEXT_MAX = 2.0

#: Only in the hidden tests' source (a comment): no message may ever contain it.
SECRET = "SECRET_HIDDEN_MARKER"
HIDDEN_ADD = ("# hidden tests: other inputs\n### BEGIN HIDDEN TESTS\n"
              f"# {SECRET}: students never see this line\n"
              "assert add(-1, 1) == 0, 'add(-1, 1) should be 0'\n"
              "assert add(10, 5) == 15, 'add(10, 5) should be 15'\n"
              "### END HIDDEN TESTS")


def _meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _code(source: str, **kw) -> NotebookNode:
    return new_code_cell(source, metadata=_meta(**kw))


def adder_source() -> NotebookNode:
    cells = [
        new_markdown_cell("# Adder\nWrite `add` and `mul`.", metadata=_meta("intro",
                                                                            locked=True)),
        _code("import numpy as np", grade_id="imports", locked=True),
        _code("def add(a, b):\n    \"\"\"a + b\"\"\"\n    ### BEGIN SOLUTION\n    return a + b\n"
              "    ### END SOLUTION", grade_id="add", solution=True),
        _code("print('add(1, 2) =', add(1, 2))\nassert add(1, 2) == 3, 'add(1, 2) should be 3'",
              grade_id="test_add", grade=True, points=1),
        _code(HIDDEN_ADD, grade_id="test_add_hidden", grade=True, points=2),
        _code("def mul(a, b):\n    \"\"\"a * b\"\"\"\n    ### BEGIN SOLUTION\n    return a * b\n"
              "    ### END SOLUTION", grade_id="mul", solution=True),
        _code("big = np.float64(1e308) * 10  # overflows: a RuntimeWarning on stderr\n"
              "assert mul(2, 3) == 6, 'mul(2, 3) should be 6'",
              grade_id="test_mul", grade=True, points=1),
        _code("# hidden tests: the factor from the data file\n### BEGIN HIDDEN TESTS\n"
              "factor = float(open('factor.txt').read())\n"
              "assert mul(factor, 2) == 4, 'mul(factor, 2) should be 4'\n"
              "### END HIDDEN TESTS", grade_id="test_mul_hidden", grade=True, points=1),
    ]
    return _notebook(cells)


def text_source() -> NotebookNode:
    cells = [
        _code("def shout(s):\n    ### BEGIN SOLUTION\n    return s.upper() + '!'\n"
              "    ### END SOLUTION", grade_id="shout", solution=True),
        _code("assert shout('hi') == 'HI!', \"shout('hi') should be 'HI!'\"",
              grade_id="test_shout", grade=True, points=1),
        _code("### BEGIN HIDDEN TESTS\nassert shout('ok') == 'OK!'\n### END HIDDEN TESTS",
              grade_id="test_shout_hidden", grade=True, points=1),
    ]
    return _notebook(cells)


def _notebook(cells: list[NotebookNode]) -> NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def write_course(root: Path) -> Path:
    """Write the source folder under ``root``; return it."""
    source = Path(root) / "source"
    (source / "01_adder").mkdir(parents=True, exist_ok=True)
    (source / "02_text").mkdir(parents=True, exist_ok=True)
    nbformat.write(adder_source(), source / "01_adder" / "adder.ipynb")
    (source / "01_adder" / "factor.txt").write_text("2\n")
    nbformat.write(text_source(), source / "02_text" / "text.ipynb")
    return source


# --------------------------------------------------------------------------- submissions

def release(source: Path, assignment: str, name: str) -> NotebookNode:
    """The student version (no solutions, no hidden tests)."""
    return build_reference(source / assignment / f"{name}.ipynb", assignment).release()


def cell(nb: NotebookNode, gid: str) -> NotebookNode:
    found = [c for c in nb.cells if grade_id_of(c) == gid]
    if not found:
        raise KeyError(f"no cell {gid!r}; ids: {[grade_id_of(c) for c in nb.cells]}")
    return found[-1]


ANSWERS = {
    "add": "def add(a, b):\n    \"\"\"a + b\"\"\"\n    return a + b",
    "mul": "def mul(a, b):\n    \"\"\"a * b\"\"\"\n    return a * b",
    "shout": "def shout(s):\n    return s.upper() + '!'",
}


def solved(source: Path, assignment: str = "01_adder", name: str = "adder",
           **answers: str) -> NotebookNode:
    """A complete submission; keyword arguments replace the answer of a solution cell."""
    nb = release(source, assignment, name)
    for c in nb.cells:
        gid = grade_id_of(c)
        if gid in ANSWERS and c.metadata.nbgrader.get("solution"):
            c.source = answers.get(gid, ANSWERS[gid])
    return nb


def write_nb(nb: NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def deepcopy(nb: NotebookNode) -> NotebookNode:
    return copy.deepcopy(nb)


def bad_json_text() -> str:
    good = json.dumps(nbformat.v4.new_notebook())
    return good[: len(good) // 2]
