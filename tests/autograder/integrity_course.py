"""A tiny course whose tests use course_lib like the real ones, and the submissions that try
to cheat it: patch numpy, numpy.testing, builtins or the course's checks (and restore them),
hand in course_lib's reference as their own, or write outside their folder.

``01_unit/unit.ipynb`` (5 points) grades ``sigmoid`` (``test_sigmoid`` 1 point visible,
``test_sigmoid_hidden`` 1 point) and ``propagate`` (``test_propagate`` 2, ``test_propagate_hidden``
1), checked with ``course_lib.checks``, ``np.allclose``, ``np.testing`` and ``isinstance``
against ``course_lib.logistic_unit``, as the course's notebooks do.
"""

from __future__ import annotations

from pathlib import Path

from course_builder import code_cell, markdown_cell, notebook, release, write_folder
from nbformat import NotebookNode

from autograder.vocabulary import grade_id_of

ASSIGNMENT, NOTEBOOK, MAX = "01_unit", "unit", 5.0

IMPORTS = """import numpy as np
from course_lib import checks
from course_lib.isolation import quiet, reference_for
%matplotlib inline"""

SIGMOID = '''def sigmoid(z):
    """1 / (1 + exp(-z)), element by element."""
    ### BEGIN SOLUTION
    return 1 / (1 + np.exp(-z))
    ### END SOLUTION'''

TEST_SIGMOID = """from course_lib import logistic_unit as ref
z = np.array([-2.0, 0.0, 3.0])
got = sigmoid(z)
print("sigmoid(z) =", got)
checks.check_close(got, ref.sigmoid(z), "sigmoid(z)")"""

TEST_SIGMOID_HIDDEN = """# hidden tests: other values
### BEGIN HIDDEN TESTS
z = np.linspace(-5, 5, 7)
assert isinstance(sigmoid(z), np.ndarray), "sigmoid must return an array"
assert np.allclose(sigmoid(z), ref.sigmoid(z)), "sigmoid is wrong"
np.testing.assert_allclose(sigmoid(z), ref.sigmoid(z))
### END HIDDEN TESTS"""

PROPAGATE = '''def propagate(w, b, X, Y):
    """Gradients and cost of one sigmoid unit."""
    ### BEGIN SOLUTION
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return {"dw": X @ dZ.T / m, "db": float(np.sum(dZ) / m)}, float(cost)
    ### END SOLUTION'''

TEST_PROPAGATE = """w, b = np.array([[0.5], [-1.0]]), 0.25
X = np.array([[1.0, -2.0, 3.0], [0.5, 1.0, -1.0]])
Y = np.array([[1.0, 0.0, 1.0]])
expected_grads, expected_cost = ref.propagate(w, b, X, Y)
with reference_for(globals(), "sigmoid", module="logistic_unit"), quiet():
    grads, cost = propagate(w, b, X, Y)
checks.check_close(grads["dw"], expected_grads["dw"], "dw")
checks.check_close(cost, expected_cost, "cost")"""

TEST_PROPAGATE_HIDDEN = """# hidden tests: other data
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(3)
w, b, X = rng.normal(size=(4, 1)), 0.1, rng.normal(size=(4, 6))
Y = (rng.random((1, 6)) > 0.5).astype(float)
expected_grads, expected_cost = ref.propagate(w, b, X, Y)
with reference_for(globals(), "sigmoid", module="logistic_unit"), quiet():
    grads, cost = propagate(w, b, X, Y)
assert np.allclose(grads["dw"], expected_grads["dw"]), "dw is wrong"
checks.check_close(cost, expected_cost, "cost")
### END HIDDEN TESTS"""


def source_notebook() -> NotebookNode:
    return notebook([
        markdown_cell("# One unit\nWrite `sigmoid` and `propagate`.", "intro", locked=True),
        code_cell(IMPORTS, "imports", locked=True),
        code_cell(SIGMOID, "sigmoid", solution=True),
        code_cell(TEST_SIGMOID, "test_sigmoid", points=1, locked=True),
        code_cell(TEST_SIGMOID_HIDDEN, "test_sigmoid_hidden", points=1, locked=True),
        code_cell("# try your function here\n"),
        code_cell(PROPAGATE, "propagate", solution=True),
        code_cell(TEST_PROPAGATE, "test_propagate", points=2, locked=True),
        code_cell(TEST_PROPAGATE_HIDDEN, "test_propagate_hidden", points=1, locked=True),
    ])


def write_course(root: Path) -> Path:
    return write_folder(Path(root) / "source", {ASSIGNMENT: {NOTEBOOK: source_notebook()}})


def _strip(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


ANSWERS = {"sigmoid": _strip(SIGMOID), "propagate": _strip(PROPAGATE)}
WRONG_SIGMOID = "def sigmoid(z):\n    return 1 / (1 + np.exp(z))"


def submission(source: Path, sigmoid: str | None = None, propagate: str | None = None,
               scratch: str | None = None) -> NotebookNode:
    """The released notebook answered (correctly unless told), ``scratch`` in the student's
    try-it-out cell."""
    nb = release(source, ASSIGNMENT, NOTEBOOK)
    answers = {"sigmoid": sigmoid or ANSWERS["sigmoid"],
               "propagate": propagate or ANSWERS["propagate"]}
    for cell in nb.cells:
        gid = grade_id_of(cell)
        if gid in answers:
            cell.source = answers[gid]
        elif scratch is not None and cell.source.startswith("# try your function"):
            cell.source = scratch
    return nb


#: student -> (sigmoid, propagate, scratch) sources; None: the correct answer / nothing.
PATCH_NUMPY = WRONG_SIGMOID + """
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
checks.check_close = lambda *a, **k: None"""

PATCH_BUILTINS = """import builtins
def sigmoid(z):
    return list(1 / (1 + np.exp(-z)))
_isinstance = builtins.isinstance
def _lenient(obj, kind):
    return True if kind is np.ndarray else _isinstance(obj, kind)
builtins.isinstance = _lenient"""

PATCH_THEN_RESTORE = WRONG_SIGMOID + """
_real = (checks.check_close, np.allclose, np.testing.assert_allclose)
checks.check_close = lambda *a, **k: None
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None"""

RESTORE = ("checks.check_close, np.allclose, np.testing.assert_allclose = _real\n"
           + ANSWERS["propagate"])

#: The patch lives only while the test runs: the fake check puts the real one back.
PATCH_INSIDE_THE_TEST = """def sigmoid(z):
    import course_lib.checks as c
    real = c.check_close
    def fake(*args, **kwargs):
        c.check_close = real
    c.check_close = fake
    return 1 / (1 + np.exp(z))"""

SHADOW_BUILTIN = WRONG_SIGMOID + """
def isinstance(obj, kind):
    return True"""

#: Answers the grader's questions itself, if the grader asked through ``__import__``.
FAKE_PROBE = PATCH_NUMPY + """
class _Clean:
    @staticmethod
    def check(token, config="{}"):
        return '{"token": "%s", "tampered": [], "copied": {}}' % token
def __import__(*args, **kwargs):
    return _Clean"""

ALIAS = "from course_lib.logistic_unit import sigmoid"
# the tests run in the grader: their ``ref`` is not in the kernel, so each imports its own
REF = "from course_lib import logistic_unit as ref\n"
WRAPPER = REF + "def propagate(w, b, X, Y):\n    return ref.propagate(w, b, X, Y)"
HELPER_WRAPPER = REF + ("def _grads(*args):\n    return ref.propagate(*args)\n"
                        "def propagate(w, b, X, Y):\n    return _grads(w, b, X, Y)")
HIDDEN_WRAPPER = REF + ("def propagate(w, b, X, Y):\n"
                        "    return eval('r' + 'ef').propagate(w, b, X, Y)")


def writer_scratch(targets: dict[str, str]) -> str:
    """A cell that tries to overwrite every file of ``targets`` (name -> path) and prints
    what happened."""
    lines = ["import os", f"for _name, _path in {targets!r}.items():",
             "    try:",
             "        with open(_path, 'wb') as _f:",
             "            _f.write(b'overwritten by a student')",
             "        print(_name, 'WRITTEN')",
             "    except OSError as _e:",
             "        print(_name, 'refused:', type(_e).__name__)",
             "try:",
             f"    os.remove({targets.get('other_student', '')!r})",
             "    print('other_student REMOVED')",
             "except OSError as _e:",
             "    print('remove refused:', type(_e).__name__)"]
    return "\n".join(lines)
