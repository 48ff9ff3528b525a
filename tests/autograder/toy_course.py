"""A tiny nbgrader course for the autograder's tests: two functions, visible and hidden tests.

Built in memory (no nbgrader database), released with nbgrader's own preprocessors, so the
tests of the feedback pages, the report and the sample class run in well under a second.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from traitlets.config import Config

from autograder import nbgrader_config

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


def _cell(source: str, grade_id: str, *, points: float | None = None, solution: bool = False,
          locked: bool = False) -> NotebookNode:
    cell = new_code_cell(source)
    meta = {"grade_id": grade_id, "grade": points is not None, "solution": solution,
            "locked": locked, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def source_notebook() -> NotebookNode:
    """The instructor's source notebook: solutions and hidden tests in place."""
    intro = new_markdown_cell("# A toy assignment\nWrite `double` and `square`.")
    intro.metadata["nbgrader"] = {"grade_id": "intro", "grade": False, "solution": False,
                                  "locked": True, "schema_version": 3}
    nb = new_notebook(cells=[
        intro,
        _cell("import numpy as np", "imports", locked=True),
        _cell(SOLUTION_DOUBLE, "double", solution=True),
        _cell(TEST_DOUBLE, "test_double", points=1, locked=True),
        _cell(TEST_DOUBLE_HIDDEN, "test_double_hidden", points=2, locked=True),
        _cell(SOLUTION_SQUARE, "square", solution=True),
        _cell(TEST_SQUARE, "test_square", points=1, locked=True),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


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
    source_dir = Path(root) / "source"
    release_dir = Path(root) / "release" / ASSIGNMENT
    (source_dir / ASSIGNMENT).mkdir(parents=True)
    release_dir.mkdir(parents=True)
    src = source_notebook()
    nbformat.write(src, source_dir / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    nbformat.write(release_notebook(src), release_dir / f"{NOTEBOOK}.ipynb")
    for folder in (source_dir / ASSIGNMENT, release_dir):
        (folder / "data.csv").write_text("x\n1\n")
    return source_dir, {ASSIGNMENT: release_dir}
