"""Attacks on grading with the tests in the grader (:mod:`autograder.grade.trusted`), on the real
``01_logistic_unit`` (19 points).

Each attacker writes no correct code for the functions it attacks (it returns zeros, ones, an empty
dict), then tries to forge the grade from inside the kernel: patch the checks, read the expected
values from the caller's frames, return objects that impersonate arrays, import course_lib's
reference, answer the grader's comm itself, print the kernel's history, loop or exit, or dress up
its feedback page (badges in cell metadata, outputs that fetch or frame). Every submission (and two
controls: the instructor's source, the bare release) is graded once, in one run of the real grader
(:func:`autograder.grade.coordinator.grade`, two processes); each attack must earn at most the
points of the code it genuinely wrote, and no line of the hidden tests may reach an output of the
graded notebook, the feedback page or grades.csv.

The kernels hold the student edition of course_lib (released here for this assignment): an attack
that takes course_lib's code gets stand-ins that answer only the released notebook's own calls
(:data:`EDITION_ONLY`: at most the visible tests' points, never a hidden test's).
"""

from __future__ import annotations

import contextlib
import functools
import re
from pathlib import Path
from unittest import mock

import nbformat
import pytest
from leaks import hidden_only_lines, page_lines
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell
from session_build import shared_grading

from autograder.course.reference import Reference, build_reference
from autograder.course.source import DEFAULT_SOURCE
from autograder.demo.sample_class import complete_notebook
from autograder.vocabulary import grade_id_of

ASSIGNMENT, NAME = "01_logistic_unit", "logistic_unit"
SOURCE_NB = DEFAULT_SOURCE / ASSIGNMENT / f"{NAME}.ipynb"
MAX = 19.0
TIMEOUT = 10.0   # seconds a cell may run (the looping attack costs two of them)
#: a name that only the hidden tests' source holds (the hidden test of propagate)
HIDDEN_MARKER = "_hidden_test_propagate"
GRADED = ("sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model")

#: Wrong answers (no correct line): what an attacker puts around the forgery.
WRONG = {
    "sigmoid": "def sigmoid(z):\n    return np.zeros_like(z, dtype=float)",
    "initialize_with_zeros": "def initialize_with_zeros(dim):\n"
                             "    return np.ones((dim, 1)), 1.0",
    "propagate": "def propagate(w, b, X, Y):\n"
                 "    return {'dw': np.zeros_like(w), 'db': 0.0}, 0.0",
    "optimize": "def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009,\n"
                "             print_cost=False):\n"
                "    return {'w': w, 'b': b}, {'dw': np.zeros_like(w), 'db': 0.0}, []",
    "predict": "def predict(w, b, X):\n    return np.full((1, X.shape[1]), 0.5)",
    "model": "def model(X_train, Y_train, X_test, Y_test, num_iterations=2000,\n"
             "          learning_rate=0.5, print_cost=False):\n    return {}",
}

# ------------------------------------------------------------- 1. patch the checks in the kernel

PATCH_CHECKS = """# Make every check pass: the course's checks, numpy's comparisons, builtins.
import builtins
import numpy.testing
import course_lib.checks
from course_lib import checks

def _pass(*args, **kwargs):
    return None

for _name in ("check_close", "check_equal", "check_type", "check_shape",
              "check_dict_close", "_fail"):
    setattr(course_lib.checks, _name, _pass)
course_lib.checks._isclose = lambda a, b, **k: np.ones(np.broadcast(a, b).shape, bool)
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.isclose = course_lib.checks._isclose
np.testing.assert_allclose = _pass
np.testing.assert_array_equal = _pass
_isinstance = builtins.isinstance
builtins.isinstance = lambda obj, kind: (kind is np.ndarray and hasattr(obj, "__array__")
                                         or _isinstance(obj, kind))
print("checks patched:", checks.check_close is _pass)"""

# ------------------------------------------------------ 2. read the expected values from frames

STEAL = '''import inspect
import sys

def _steal(*names):
    """The test's expected values, from any frame above this call."""
    frames, frame = [], sys._getframe(1)
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    try:
        frames += [info.frame for info in inspect.stack()]
    except Exception:
        pass
    for frame in frames:
        for scope in (frame.f_locals, frame.f_globals):
            if all(name in scope for name in names):
                found = tuple(scope[name] for name in names)
                return found[0] if len(found) == 1 else found
    return None

'''

FRAME_READER = {
    "sigmoid": STEAL + "def sigmoid(z):\n    stolen = _steal('expected')\n"
                       "    return np.zeros_like(z) if stolen is None else stolen",
    "initialize_with_zeros": "def initialize_with_zeros(dim):\n"
                             "    stolen = _steal('expected')\n"
                             "    return (np.ones((dim, 1)), 1.0) if stolen is None else stolen",
    "propagate": "def propagate(w, b, X, Y):\n"
                 "    stolen = _steal('expected_grads', 'expected_cost')\n"
                 "    return ({'dw': np.zeros_like(w), 'db': 0.0}, 0.0) if stolen is None \\\n"
                 "        else stolen",
    "optimize": "def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009,\n"
                "             print_cost=False):\n"
                "    stolen = _steal('e_params', 'e_grads', 'e_costs')\n"
                "    return ({'w': w, 'b': b}, {'dw': w, 'db': 0.0}, []) if stolen is None \\\n"
                "        else stolen",
    "predict": "def predict(w, b, X):\n    stolen = _steal('expected')\n"
               "    return np.full((1, X.shape[1]), 0.5) if stolen is None else stolen",
    "model": "def model(X_train, Y_train, X_test, Y_test, num_iterations=2000,\n"
             "          learning_rate=0.5, print_cost=False):\n"
             "    stolen = _steal('expected')\n    return {} if stolen is None else stolen",
}

# --------------------------------------------------------- 3. objects that impersonate arrays

IMPOSTORS = '''class Anything:
    """Equal to everything, of any shape, an array when asked."""
    dtype = np.dtype(float)

    def __init__(self, shape=()):
        self._shape = tuple(shape)

    shape = property(lambda self: self._shape)
    ndim = property(lambda self: len(self._shape))
    size = property(lambda self: int(np.prod(self._shape)))

    def __array__(self, dtype=None, copy=None):
        return np.zeros(self._shape, dtype=dtype)

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__

    def __float__(self):
        return 0.0

    def __getitem__(self, key):
        return self

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__

    def __abs__(self):
        return 0.0


class AlwaysEqual(np.ndarray):
    """A numpy array that equals anything."""

    def __array_finalize__(self, obj):
        self.trusted = True

    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __ne__(self, other):
        return np.zeros(np.shape(other), dtype=bool)


class Close(float):
    """A float equal to every number."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = float.__hash__

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__


class Everything(dict):
    """A dict with every key, each holding Anything."""

    def __contains__(self, key):
        return True

    def __getitem__(self, key):
        return Anything()

    def get(self, key, default=None):
        return Anything()

'''

IMPERSONATOR = {
    "sigmoid": IMPOSTORS + "def sigmoid(z):\n    return Anything(np.shape(z))",
    "initialize_with_zeros": "def initialize_with_zeros(dim):\n"
                             "    return np.ones((dim, 1)).view(AlwaysEqual), Close(1.0)",
    "propagate": "def propagate(w, b, X, Y):\n"
                 "    return ({'dw': np.ones_like(w).view(AlwaysEqual), 'db': Close(1.0)},\n"
                 "            Close(1.0))",
    "optimize": "def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009,\n"
                "             print_cost=False):\n"
                "    return Everything(), Everything(), [Close(1.0)] * 3",
    "predict": "def predict(w, b, X):\n"
               "    return np.full((1, X.shape[1]), 0.5).view(AlwaysEqual)",
    "model": "def model(X_train, Y_train, X_test, Y_test, num_iterations=2000,\n"
             "          learning_rate=0.5, print_cost=False):\n    return Everything()",
}

# ----------------------------------------------------------------- 4. import the reference

IMPORTER = {name: f"from course_lib.logistic_unit import {name}" for name in GRADED}
#: the reference's source files, run as the notebook's own code (functions of ``__main__``)
SOURCE_COPY = """import re
import course_lib.activations
import course_lib.logistic_unit
import course_lib.losses

for _module in (course_lib.activations, course_lib.losses, course_lib.logistic_unit):
    with open(_module.__file__) as _file:
        _text = _file.read()
    _text = re.sub(r"^from (__future__|course_lib)\\S* import .*$", "", _text, flags=re.M)
    exec(compile(_text, "my_own_work.py", "exec"), globals())"""
SOURCE_COPIER = {name: f"# {name}: defined above" for name in GRADED}
SOURCE_COPIER["sigmoid"] = SOURCE_COPY


# ------------------------------------------ 5. answer the grader's comm, hide the failures

HIDE_FAILURES = """# Hide every failure: no tracebacks, no displays.
import IPython.display
_ip = get_ipython()
_ip.showtraceback = lambda *args, **kwargs: None
_ip.showsyntaxerror = lambda *args, **kwargs: None
_ip.display_pub.publish = lambda *args, **kwargs: None
IPython.display.display = lambda *args, **kwargs: None"""

FORGE_SERVE = '''import sys

def _forge():
    """Answer each of the grader's calls with a verdict of our own."""
    grader = sys.modules.get("_course_grader")
    if grader is None or getattr(grader, "forged", False):
        return
    real = grader.serve

    def serve(request):
        if request.get("op") == "call":
            return {"status": "passed", "passed": True, "points": 19, "value": "passed"}
        return real(request)

    grader.serve = serve
    grader.forged = True

_forge()

'''

#: the grader's stub answered by course_lib's reference, patched by a thread as soon as the
#: grader puts the stub in: the notebook's own functions are wrong and call nothing
FORGE_WITH_REFERENCE = '''import sys
import threading
import time

def _answer_for_me():
    """Wait for the grader's stub; answer its calls with the reference's results."""
    while "_course_grader" not in sys.modules:
        time.sleep(0.001)
    grader = sys.modules["_course_grader"]
    real, reference = grader.serve, sys.modules["course_lib.logistic_unit"]

    def serve(request):
        if request.get("op") != "call" or not hasattr(reference, request.get("name", "")):
            return real(request)
        if request.get("rng") is not None:
            np.random.set_state(grader.decode(request["rng"]))
        args, kwargs = grader.decode(request["args"]), grader.decode(request["kwargs"])
        value = getattr(reference, request["name"])(*args, **kwargs)
        return {"value": grader.encode(value), "rng": None, "changed": [None, None]}

    grader.serve = serve

import course_lib.logistic_unit
threading.Thread(target=_answer_for_me, daemon=True).start()'''

#: the kernel's handler of comm messages replaced, so that the student's code answers every
#: request of the grader's session itself, in the stub's format, from the next test on
HIJACK_COMM = '''import sys

def _forge():
    """Take the grader's session over: every request, read on the stub's own link, is
    answered "passed" in the stub's own format."""
    kernel, grader = get_ipython().kernel, sys.modules.get("_course_grader")
    if grader is None or getattr(kernel, "forged", False):
        return
    passed = {"value": {"$d": [["passed", True]]}, "passed": True}

    def comm_msg(*_args):
        request = True
        while request is not None:
            request = grader._exchange({"answer": passed})

    kernel.shell_handlers["comm_msg"] = comm_msg
    kernel.forged = True

'''


def _forging(prelude: str) -> dict[str, str]:
    """The wrong answers, each calling ``_forge()`` first (the grader's stub is in the kernel
    from the first test on); ``prelude`` (defining ``_forge``) in the first solution cell."""
    out = {}
    for name, source in WRONG.items():
        head, body = source.split(":\n", 1)
        out[name] = f"{head}:\n    _forge()\n{body}"
    out["sigmoid"] = prelude + out["sigmoid"]
    return out


# ------------------------------------------------------------------------ 6. history leak

HISTORY_DUMP = """# Everything this kernel ever ran and showed
print("HISTORY DUMP")
for s in In:
    print(s)
print(Out)
print(sorted(globals()))
import sys
_grader = sys.modules.get("_course_grader")
if _grader is not None:
    print({k: v for k, v in vars(_grader).items() if not k.startswith("__")})
try:
    for entry in get_ipython().history_manager.get_range(raw=True, output=True):
        print(entry)
except Exception as error:
    print("no history:", error)"""

# ----------------------------------------- 6b. changing the test's own inputs (a red team's)

#: Two textbook mistakes, each hidden by changing the arguments it was given: the grader
#: writes such changes back into the test's data (as one kernel would), and a test that
#: computed its expected values or finite differences afterwards checked what the student's
#: code made of them (this earned 2 points above its code's).
CHANGE_INPUTS = {
    "propagate": "def propagate(w, b, X, Y):\n"
                 "    m = X.shape[1]\n"
                 "    A = sigmoid(w.T @ X + b)\n"
                 "    cost = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)\n"
                 "    dw = X @ (A - Y).T            # 1/m forgotten\n"
                 "    db = float(np.sum(A - Y) / m)\n"
                 "    X[...] = 0                    # the finite differences then see no X\n"
                 "    return {'dw': dw, 'db': db}, cost",
    "predict": "def predict(w, b, X):\n"
               "    X[...] = 1.0                  # the course's predict gives zeros here\n"
               "    w[...] = -(abs(b) + 1.0) / w.shape[0]\n"
               "    return np.zeros((1, X.shape[1]))",
}

#: Every function right, and each prints its arguments and the grader's requests it can see:
#: a hidden test's inputs then reached the hidden test's message on the feedback page.
PRINT_ARGUMENTS = {
    "sigmoid": "def sigmoid(z):\n    print('LEAKED', repr(z))\n    return 1 / (1 + np.exp(-z))",
    "predict": "def predict(w, b, X):\n"
               "    print('LEAKED', repr(w), repr(b), repr(X))\n"
               "    if X.shape[1] != 4:\n"
               "        raise ValueError('LEAKED ' + repr(X))\n"
               "    return (1 / (1 + np.exp(-(w.T @ X + b))) > 0.5).astype(float)",
}

# ------------------------------------------------------------------- 7. resource abuse

LOOP_PREDICT = "def predict(w, b, X):\n    while True:\n        pass"
EXIT_INIT = "def initialize_with_zeros(dim):\n    import os\n    os._exit(1)"


# ------------------------------------------------------------- 8. forge the feedback page

#: A forged badge and stop mark, as the page's template reads them from a cell's metadata.
FORGED_MARKS = {
    "autograder_feedback": {"state": "pass", "label": "PASSED", "grade_id": "forged_badge",
                            "points": "99", "max_points": "99", "message": "FORGED-BADGE"},
    "autograder_stopped": "FORGED-STOP", "autograder_stopped_first": True,
    "transient": {"remove_source": True},   # nbconvert would not show this cell's code
}
#: Outputs whose metadata would make the page fetch a tracker's image and frame some HTML.
FETCH_AND_FRAME = (
    "from IPython.display import display\n"
    "display({'image/png': 'iVBORw0KGgo=', 'text/plain': 'png'}, raw=True, metadata={\n"
    "    'filenames': {'image/png': 'https://tracker.example/seen.png'}})\n"
    "display({'text/html': '<b>framed</b>'}, raw=True,\n"
    "        metadata={'text/html': {'isolated': True}})")


def _page_forger(honest: NotebookNode) -> NotebookNode:
    """Every function right (all points deserved), and cells that dress up the page."""
    nb = _answered(honest, {}, append=FETCH_AND_FRAME)
    nb.cells.append(new_code_cell("shown_anyway = 'FORGED-HIDDEN-CODE'", metadata=FORGED_MARKS))
    nb.cells.append(nbformat.v4.new_raw_cell(
        '<div class="badge pass">PASSED 19/19</div><script>alert(1)</script>',
        metadata={"raw_mimetype": "text/html"}))
    return nb


# --------------------------------------------------------------------------- the class

def _points(ref: Reference, name: str) -> float:
    """The points of the tests of graded function ``name``."""
    return sum(g.points for g in ref.grade_cells
               if g.grade_id == f"test_{name}" or g.grade_id.startswith(f"test_{name}_"))


def _answered(base: NotebookNode, answers: dict[str, str], *, after_imports: str = "",
              append: str = "") -> NotebookNode:
    """``base`` with the solution cells ``answers`` replaced, a cell inserted after the
    imports and one appended, without the cells that only show things (plots, the digits
    training, a gradient check by hand: grading is shorter)."""
    nb = nbformat.from_dict(base)
    for cell in nb.cells:
        if grade_id_of(cell) in answers:
            cell.source = answers[grade_id_of(cell)]
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or grade_id_of(c)
                or not any(k in c.source for k in ("plt.", "plotting.", "result", "sklearn",
                                                   "numerical_gradient"))]
    if after_imports:
        index = next(i for i, c in enumerate(nb.cells) if grade_id_of(c) == "imports")
        nb.cells.insert(index + 1, new_code_cell(after_imports))
    if append:
        nb.cells.append(new_code_cell(append))
    return nb


def _class(ref: Reference) -> dict[str, tuple[NotebookNode, float]]:
    """student -> (submission, the points its own correct code deserves)."""
    source = nbformat.read(SOURCE_NB, as_version=4)
    honest = complete_notebook(ref.release(), source)
    stubs = ref.release()
    pts = {name: _points(ref, name) for name in GRADED}
    visible = sum(g.points for g in ref.grade_cells if not g.hidden)
    return {
        "control_source": (source, MAX),
        "control_release": (stubs, 0.0),
        "patch_checks": (_answered(honest, WRONG, after_imports=PATCH_CHECKS), 0.0),
        "frame_reader": (_answered(honest, FRAME_READER), 0.0),
        "impersonator": (_answered(honest, IMPERSONATOR), 0.0),
        "import_reference": (_answered(honest, IMPORTER), 0.0),
        "copy_reference_source": (_answered(honest, SOURCE_COPIER), visible),
        "forge_serve": (_answered(honest, _forging(FORGE_SERVE),
                                  after_imports=HIDE_FAILURES), 0.0),
        "hijack_comm": (_answered(honest, _forging(HIJACK_COMM)), 0.0),
        "forge_with_reference": (_answered(honest, WRONG, after_imports=FORGE_WITH_REFERENCE),
                                 visible),
        "history_leak": (_answered(honest, {}, append=HISTORY_DUMP), MAX),
        "change_inputs": (_answered(honest, CHANGE_INPUTS),
                          MAX - pts["propagate"] - pts["predict"]),
        "print_arguments": (_answered(honest, PRINT_ARGUMENTS),
                            MAX - _points(ref, "predict") + sum(
                                g.points for g in ref.grade_cells if g.grade_id == "test_predict")),
        "forge_page": (_page_forger(honest), MAX),
        "resource_abuse": (_answered(honest, {"predict": LOOP_PREDICT,
                                              "initialize_with_zeros": EXIT_INIT}),
                           MAX - pts["predict"] - pts["initialize_with_zeros"]),
    }


def _grade_the_class(folder: Path, bubblewrap: bool = False) -> dict:
    """The class graded as root (the user sandbox), or with ``bubblewrap`` as a grader not
    run as root would (the bwrap sandbox, planned as for another user; run here as root)."""
    from autograder.grade.coordinator import GradeOptions, grade

    ref = build_reference(SOURCE_NB, ASSIGNMENT)
    submissions, out = folder / "submissions", folder / "out"
    deserved = {}
    for student, (nb, points) in _class(ref).items():
        path = submissions / student / ASSIGNMENT / f"{NAME}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
        deserved[student] = points
    from autograder.release.notebooks import release

    released = release(folder / "release", course_root=folder / "course",
                       assignments=[ASSIGNMENT])   # the student edition the kernels hold
    options = GradeOptions(submissions=submissions, out=out, source=DEFAULT_SOURCE, jobs=2,
                           timeout=TIMEOUT, force=True, progress=False, feedback=True,
                           report=False, gradebook=False, release=released.out)
    with _as_another_user() if bubblewrap else contextlib.nullcontext():
        summary = grade(options)
    cells = {r.student_id: {c.grade_id: [c.points, c.message] for nb in r.notebooks
                            for c in nb.cells} for r in summary.results}
    flags = {r.student_id: r.flags for r in summary.results}
    return {"out": str(out), "deserved": deserved, "cells": cells, "flags": flags,
            "seconds": summary.seconds, "failures": summary.failures}


@contextlib.contextmanager
def _as_another_user():
    """The run's sandbox planned as for a grader that is not root (the grading itself still
    runs as root: bwrap works for both)."""
    from autograder.kernel import sandbox

    plan = sandbox.plan

    def planned_as_user(*args, **kwargs):
        with mock.patch.object(sandbox.os, "geteuid", return_value=1000):
            return plan(*args, **kwargs)

    with mock.patch.object(sandbox, "plan", planned_as_user):
        yield


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    """The attack class above, graded once (shared by xdist workers)."""
    return shared_grading(tmp_path_factory, "trusted_attacks", _grade_the_class)


@pytest.fixture(scope="module")
def graded_bubblewrap(tmp_path_factory) -> dict:
    """The same class graded in the bwrap sandbox of a grader not run as root."""
    from autograder.kernel import sandbox

    if not sandbox.probe_bwrap()[0]:
        pytest.skip("bubblewrap cannot run here")
    return shared_grading(tmp_path_factory, "trusted_attacks_bwrap",
                          functools.partial(_grade_the_class, bubblewrap=True))


def _score(graded: dict, student: str) -> float:
    return float(graded["rows"][student]["score"])


ATTACKS = ["patch_checks", "frame_reader", "impersonator", "import_reference",
           "copy_reference_source", "forge_serve", "hijack_comm", "forge_with_reference",
           "history_leak", "resource_abuse", "change_inputs", "print_arguments", "forge_page"]
#: attacks that earn points they should not, until the grader is fixed
#: Attacks that take course_lib's code as it is in the grading kernel: the student edition,
#: whose stand-ins answer only the calls the released notebook makes (its visible tests,
#: whose inputs and expected values every student sees). They may earn those visible points
#: (as hard-coding the printed answers would), never a hidden test's.
EDITION_ONLY = ("copy_reference_source", "forge_with_reference")


def _shown(output: dict) -> str:
    """Every text of one output (stream, error, display data)."""
    parts = [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
    for value in output.get("data", {}).values():
        parts.append(value if isinstance(value, str) else "".join(map(str, value)))
    return "\n".join(parts)


# --------------------------------------------------------------------------- the tests

def test_every_submission_is_graded_once(graded):
    assert not graded["failures"]
    assert set(graded["rows"]) == set(graded["deserved"])
    assert {r["max_score"] for r in graded["rows"].values()} == {f"{MAX:g}"}


def test_the_instructors_source_gets_every_point_and_the_release_none(graded):
    source, release = graded["rows"]["control_source"], graded["rows"]["control_release"]
    assert (source["status"], _score(graded, "control_source")) == ("graded", MAX), source
    assert (release["status"], _score(graded, "control_release")) == ("graded", 0.0), release


def test_not_as_root_with_bubblewrap_no_attack_earns_more_than_as_root(graded,
                                                                       graded_bubblewrap):
    """The bwrap sandbox (each kernel its own namespaces, the student edition, no other
    process in sight) grades the attacks as the user sandbox does."""
    assert not graded_bubblewrap["failures"]
    scores = {s: float(r["score"]) for s, r in graded["rows"].items()}
    bubblewrap = {s: float(r["score"]) for s, r in graded_bubblewrap["rows"].items()}
    assert bubblewrap == scores
    assert bubblewrap["control_source"] == MAX and bubblewrap["control_release"] == 0.0


@pytest.mark.parametrize("student", [
    a for a in ATTACKS if a != "history_leak"])   # it earned 19
def test_an_attack_earns_no_more_than_its_own_code(graded, student):
    got, deserved = _score(graded, student), graded["deserved"][student]
    lucky = {gid: msg for gid, (pts, msg) in graded["cells"][student].items() if pts > 0}
    assert got <= deserved, f"{student}: {got} > {deserved}; points in {lucky}"


@pytest.mark.parametrize("student", [*ATTACKS, "control_source", "control_release"])
def test_no_line_of_the_hidden_tests_reaches_the_student(graded, student):
    secrets = hidden_only_lines(SOURCE_NB)
    assert HIDDEN_MARKER in "\n".join(secrets)
    nb = nbformat.read(graded["out"] / "autograded" / student / ASSIGNMENT / f"{NAME}.ipynb",
                       as_version=4)
    shown = "\n".join(_shown(output) for c in nb.cells for output in c.get("outputs", []))
    assert HIDDEN_MARKER not in shown
    assert not secrets & {line.strip() for line in shown.splitlines()}
    page = graded["out"] / "feedback" / student / ASSIGNMENT / f"{NAME}.html"
    assert HIDDEN_MARKER not in page.read_text(encoding="utf-8")
    assert not secrets & page_lines(page)
    assert HIDDEN_MARKER not in graded["rows"][student]["message"]


def test_the_history_dump_ran_and_shows_only_the_students_cells(graded):
    nb = nbformat.read(graded["out"] / "autograded" / "history_leak" / ASSIGNMENT
                       / f"{NAME}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert printed.startswith("HISTORY DUMP")
    assert "def propagate(w, b, X, Y):" in printed           # its own cells: it may see them
    assert "expected_grads" not in printed and "checks.check_close" not in printed


def test_resource_abuse_costs_only_the_abused_functions_points(graded):
    row, cells = graded["rows"]["resource_abuse"], graded["cells"]["resource_abuse"]
    assert row["status"] == "kernel_died"
    assert re.search(r"the kernel died \(exit code 1\) in code cell \d+ of \d+ "
                     r"\(test_initialize_with_zeros\)", row["message"]), row["message"]
    for gid in ("test_initialize_with_zeros", "test_initialize_with_zeros_hidden"):
        assert cells[gid][1].startswith("DeadKernelError: the kernel died (exit code 1)")
    for gid in ("test_predict", "test_predict_hidden"):
        assert cells[gid][1].startswith(f"TimeoutError: this cell ran longer than {TIMEOUT:g} s")
    lost = {gid for gid, (points, _) in cells.items() if points == 0}
    assert lost == {f"test_{name}{suffix}" for name in ("predict", "initialize_with_zeros")
                    for suffix in ("", "_hidden")}, cells
    assert _score(graded, "resource_abuse") == graded["deserved"]["resource_abuse"]


@pytest.mark.parametrize("student", EDITION_ONLY)
def test_what_the_edition_answers_earns_no_hidden_point(graded, student):
    ref = build_reference(SOURCE_NB, ASSIGNMENT)
    hidden = {g.grade_id for g in ref.grade_cells if g.hidden}
    earned = {gid for gid, (points, _) in graded["cells"][student].items() if points > 0}
    assert not earned & hidden, earned


def test_the_imported_reference_is_named_as_copied(graded):
    assert sorted(graded["flags"]["import_reference"]) == sorted(
        f"copied_reference:{name}" for name in GRADED)
    message = graded["cells"]["import_reference"]["test_propagate"][1]
    assert message.startswith("0 points: propagate is not your own code")


def test_forged_answers_fail_as_answers_that_are_not_data(graded):
    cells = graded["cells"]
    for student in ("forge_serve", "hijack_comm", "impersonator"):
        assert all(points == 0 for points, _ in cells[student].values()), cells[student]
    # from the second test on the hijacked session answers the grader's first request (which
    # names the kernel has) with its forged dict: none of the student's names is found
    assert "is not defined" in cells["hijack_comm"]["test_propagate"][1], cells["hijack_comm"]
    # an ndarray subclass never crosses; the student's own objects come back as handles
    assert "NotPlainData" in cells["impersonator"]["test_propagate"][1]
    assert "expected a numpy array" in cells["impersonator"]["test_sigmoid"][1]


def test_changing_the_tests_inputs_fails_the_test_and_says_so(graded):
    cells = graded["cells"]["change_inputs"]
    for gid in ("test_propagate_gradcheck", "test_predict_hidden"):
        assert cells[gid][0] == 0, cells[gid]
    # the gradient check failed on its own; the hidden test of predict passed on ones
    assert "predict changed an argument it was given" in cells["test_predict_hidden"][1]
    assert _score(graded, "change_inputs") == graded["deserved"]["change_inputs"]


def test_a_hidden_test_shows_neither_its_inputs_nor_its_expected_values(graded):
    """What the student's code printed or raised in a hidden test, and the hidden checks'
    messages (their expected values), stay in the autograded notebook: not on the feedback
    page, not in grades.csv."""
    ref = build_reference(SOURCE_NB, ASSIGNMENT)
    hidden = {g.grade_id for g in ref.grade_cells if g.hidden}
    for student in ("print_arguments", "patch_checks", "frame_reader"):
        nb = nbformat.read(graded["out"] / "autograded" / student / ASSIGNMENT / f"{NAME}.ipynb",
                           as_version=4)
        secrets = {line.strip() for c in nb.cells if grade_id_of(c) in hidden
                   for output in c.get("outputs", []) for line in _shown(output).splitlines()
                   if re.search(r"\d\.\d", line)}
        if student == "print_arguments":
            assert any("LEAKED" in line for line in secrets)   # the hidden calls' inputs
        else:
            assert any("expected" in line for line in secrets)  # the hidden checks' values
        page = graded["out"] / "feedback" / student / ASSIGNMENT / f"{NAME}.html"
        assert not secrets & page_lines(page)
        for gid in hidden:
            assert not any(line in graded["cells"][student][gid][1] for line in secrets)
            assert "LEAKED" not in graded["cells"][student][gid][1]
        assert not any(line in graded["rows"][student]["message"] for line in secrets)


def test_a_page_shows_only_the_graders_marks_and_fetches_nothing(graded):
    page = (graded["out"] / "feedback" / "forge_page" / ASSIGNMENT
            / f"{NAME}.html").read_text(encoding="utf-8")
    badges = re.findall(r'<span class="badge (\w+)">', page)
    assert badges == ["pass"] * len(graded["cells"]["forge_page"])    # one per test, no more
    for forged in ("forged_badge", "99 / 99", "FORGED-BADGE", "FORGED-STOP", 'id="stopped"',
                   'src="https://', "<iframe", "<script", 'class="badge pass">PASSED 19/19'):
        assert forged not in page, forged
    assert "FORGED-HIDDEN-CODE" in page and "<b>framed</b>" in page
    assert _score(graded, "forge_page") == MAX
