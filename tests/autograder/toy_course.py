"""A tiny nbgrader course for the autograder's tests: two functions, visible and hidden tests.

Built in memory (no nbgrader database), released with nbgrader's own preprocessors, so the
tests of the feedback pages, the report and the sample class run in well under a second.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from course_builder import code_cell, markdown_cell, notebook, write_folder
from nbformat import NotebookNode
from traitlets.config import Config

from autograder import nbgrader_config
from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult

ASSIGNMENT = "01_toy"
NOTEBOOK = "toy"

#: Strings that appear only inside the hidden tests: no feedback page may contain them.
HIDDEN_SECRETS = ("secret_input_4711", "SECRET-EXPECTED-99", "hidden_helper_fn")

SOLUTION_DOUBLE = '''def double(x):
    """x: array (n, m) -> 2 * x, same shape."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION'''

SOLUTION_SQUARE = '''def square(x):
    """x: array (n, m) -> x ** 2, same shape."""
    ### BEGIN SOLUTION
    return x * x
    ### END SOLUTION'''

TEST_DOUBLE = '''out = double(np.array([[1.0, 2.0]]))
print("double([[1, 2]]) =", out)
assert np.allclose(out, [[2.0, 4.0]]), f"double([[1, 2]]) should be [[2, 4]], got {out}"'''

TEST_DOUBLE_HIDDEN = '''# hidden tests: other shapes and values
### BEGIN HIDDEN TESTS
def hidden_helper_fn():
    secret_input_4711 = np.arange(6.0).reshape(2, 3)
    print("SECRET-EXPECTED-99", 2 * secret_input_4711)
    assert np.allclose(double(secret_input_4711), 2 * secret_input_4711), "SECRET-EXPECTED-99"
hidden_helper_fn()
### END HIDDEN TESTS'''

TEST_SQUARE = '''assert np.allclose(square(np.array([[3.0]])), [[9.0]]), "square(3) should be 9"'''


def source_notebook() -> NotebookNode:
    """The instructor's source notebook: solutions and hidden tests in place."""
    return notebook([
        markdown_cell("# A toy assignment\nWrite `double` and `square`.", "intro", locked=True),
        code_cell("import numpy as np", "imports", locked=True),
        code_cell(SOLUTION_DOUBLE, "double", solution=True),
        code_cell(TEST_DOUBLE, "test_double", points=1, locked=True),
        code_cell(TEST_DOUBLE_HIDDEN, "test_double_hidden", points=2, locked=True),
        code_cell(SOLUTION_SQUARE, "square", solution=True),
        code_cell(TEST_SQUARE, "test_square", points=1, locked=True),
    ])


def release_notebook(source: NotebookNode) -> NotebookNode:
    """The student version, made by nbgrader's preprocessors with the course config."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

    c = nbgrader_config.apply(Config())
    nb = nbformat.from_dict(source)
    for pp in (ClearSolutions, ClearHiddenTests, ClearOutput):
        nb, _ = pp(config=c).preprocess(nb, {})
    return nb


def graded_notebook() -> NotebookNode:
    """What grading a submission whose ``double`` is wrong returns, without running a kernel:
    the test cells as graded (hidden tests restored) with hand-made outputs, the hidden test
    cell's traceback quoting the hidden source as IPython's would."""
    nb = source_notebook()
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    cells["double"].source = 'def double(x):\n    """x: array (n, m)."""\n    return x + 1'
    cells["square"].source = 'def square(x):\n    """x: array (n, m)."""\n    return x * x'
    cells["test_double"].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="double([[1, 2]]) = [[2. 3.]]\n"),
        nbformat.v4.new_output(
            "error", ename="AssertionError",
            evalue="double([[1, 2]]) should be [[2, 4]], got [[2. 3.]]",
            traceback=["\x1b[0;31mAssertionError\x1b[0m  Traceback (most recent call last)",
                       "----> 3 assert np.allclose(out, [[2.0, 4.0]])",
                       "\x1b[0;31mAssertionError\x1b[0m: double([[1, 2]]) should be [[2, 4]]"]),
    ]
    cells["test_double_hidden"].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="SECRET-EXPECTED-99 [[0. 2.]]\n"),
        nbformat.v4.new_output(
            "error", ename="AssertionError", evalue="SECRET-EXPECTED-99",
            traceback=["Cell In[5], line 6", "----> 6 hidden_helper_fn()",
                       "      3 secret_input_4711 = np.arange(6.0).reshape(2, 3)",
                       "AssertionError: SECRET-EXPECTED-99"]),
    ]
    cells["test_square"].outputs = []
    return nb


def write_course(root: Path) -> tuple[Path, dict[str, Path]]:
    """A source folder and a release folder under ``root`` for the toy assignment, with a
    data file beside the notebook. Returns (source folder, {assignment: released folder})."""
    src, data = source_notebook(), {ASSIGNMENT: {"data.csv": "x\n1\n"}}
    source_dir = write_folder(Path(root) / "source", {ASSIGNMENT: {NOTEBOOK: src}}, data)
    release_root = write_folder(Path(root) / "release",
                                {ASSIGNMENT: {NOTEBOOK: release_notebook(src)}}, data)
    return source_dir, {ASSIGNMENT: release_root / ASSIGNMENT}


VISIBLE_MSG = "double([[1, 2]]) should be [[2, 4]], got [[2. 3.]]"
HIDDEN_MSG = "double([[0, 1, 2]]) returned x + 1: every entry is off by a constant"


def toy_result(student: str = "Zoë Ångström", **kw) -> SubmissionResult:
    cells = [
        CellResult("test_double", 0, 1, False, VISIBLE_MSG),
        CellResult("test_double_hidden", 0, 2, True, HIDDEN_MSG),
        CellResult("test_square", 1, 1, False, ""),
    ]
    nb = NotebookResult(NOTEBOOK, cells=cells, seconds=1.1)
    return SubmissionResult(student, ASSIGNMENT, Status.GRADED, max_score=4, notebooks=[nb],
                            seconds=1.2, **kw)
