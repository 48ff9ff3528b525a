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
from course_builder import code_cell, markdown_cell, notebook, release, write_folder, write_notebook
from nbformat import NotebookNode

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


def adder_source() -> NotebookNode:
    return notebook([
        markdown_cell("# Adder\nWrite `add` and `mul`.", "intro", locked=True),
        code_cell("import numpy as np", "imports", locked=True),
        code_cell('def add(a, b):\n    """a + b"""\n    ### BEGIN SOLUTION\n    return a + b\n'
                  "    ### END SOLUTION", "add", solution=True),
        code_cell("print('add(1, 2) =', add(1, 2))\n"
                  "assert add(1, 2) == 3, 'add(1, 2) should be 3'", "test_add", points=1),
        code_cell(HIDDEN_ADD, "test_add_hidden", points=2),
        code_cell('def mul(a, b):\n    """a * b"""\n    ### BEGIN SOLUTION\n    return a * b\n'
                  "    ### END SOLUTION", "mul", solution=True),
        code_cell("big = np.float64(1e308) * 10  # overflows: a RuntimeWarning on stderr\n"
                  "assert mul(2, 3) == 6, 'mul(2, 3) should be 6'", "test_mul", points=1),
        code_cell("# hidden tests: the factor from the data file\n### BEGIN HIDDEN TESTS\n"
                  "factor = float(open('factor.txt').read())\n"
                  "assert mul(factor, 2) == 4, 'mul(factor, 2) should be 4'\n"
                  "### END HIDDEN TESTS", "test_mul_hidden", points=1),
    ])


def text_source() -> NotebookNode:
    return notebook([
        code_cell("def shout(s):\n    ### BEGIN SOLUTION\n    return s.upper() + '!'\n"
                  "    ### END SOLUTION", "shout", solution=True),
        code_cell("assert shout('hi') == 'HI!', \"shout('hi') should be 'HI!'\"",
                  "test_shout", points=1),
        code_cell("### BEGIN HIDDEN TESTS\nassert shout('ok') == 'OK!'\n### END HIDDEN TESTS",
                  "test_shout_hidden", points=1),
    ])


def write_course(root: Path) -> Path:
    """Write the source folder under ``root``; return it."""
    notebooks = {"01_adder": {"adder": adder_source()}, "02_text": {"text": text_source()}}
    return write_folder(Path(root) / "source", notebooks, {"01_adder": {"factor.txt": "2\n"}})


# --------------------------------------------------------------------------- submissions

#: Writes a submission (making its folder); the tests import it from here.
write_nb = write_notebook


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


def deepcopy(nb: NotebookNode) -> NotebookNode:
    return copy.deepcopy(nb)


def bad_json_text() -> str:
    good = json.dumps(nbformat.v4.new_notebook())
    return good[: len(good) // 2]
