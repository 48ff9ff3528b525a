"""Tests run in the grader (autograder/grade/trusted/): the wire refuses what is not plain data, and
the course's reference solutions keep full marks while the release scores zero."""

from __future__ import annotations

import base64
import contextlib
import csv
import shutil
import types

import numpy as np
import pytest

from autograder.course.reference import build_reference
from autograder.course.source import DEFAULT_SOURCE
from autograder.grade.coordinator import GradeOptions, grade
from autograder.grade.trusted import wire
from autograder.grade.trusted.runner import NotebookTests, TrustedTests

ASSIGNMENTS = ["01_logistic_unit", "02_two_layer_net", "03_deep_network", "04_initialization",
               "05_layers"]


def _bytes(array) -> str:
    return base64.b64encode(array.tobytes()).decode()


def test_plain_data_round_trips():
    value = {"w": np.arange(6.0).reshape(2, 3), "b": np.float64(0.5), "n": 3,
             "parts": (1, [2.0, None], "x"), "ok": True, "mask": np.array([[True], [False]]),
             "t": np.asfortranarray(np.arange(6).reshape(2, 3)), "empty": np.zeros((0, 4))}
    back = wire.decode(wire.encode(value))
    assert back.keys() == value.keys()
    for name in ("w", "mask", "t", "empty"):
        assert back[name].dtype == value[name].dtype
        assert np.array_equal(back[name], value[name])
    back["w"][0, 0] = 7.0   # a writable array, as the student's function returned it
    assert type(back["b"]) is np.float64 and back["parts"] == (1, [2.0, None], "x")


@pytest.mark.parametrize("data, what", [
    ({"$a": ["|O", [1], _bytes(np.zeros(1))]}, "dtype"),
    ({"$a": ["<U1", [1], _bytes(np.array(["a"]))]}, "dtype"),
    ({"$a": ["<i3", [1], _bytes(np.zeros(1))]}, "dtype"),
    ({"$a": ["<f8", [3], _bytes(np.zeros(2))]}, "its bytes"),
    ({"$a": ["<f8", [-1], _bytes(np.zeros(1))]}, "its shape"),
    ({"$a": ["<f8", [1], "not base64!"]}, "its bytes"),
    ({"$a": ["<f8", [1], _bytes(np.zeros(1))[:-1]]}, "its bytes"),           # padding cut
    ({"$a": ["<f8", [1], "\n" + _bytes(np.zeros(1))]}, "its bytes"),         # not the alphabet
    ({"$a": ["<f8", [1], "\u00e9" + _bytes(np.zeros(1))[1:]]}, "its bytes"),  # not ASCII
    ({"$a": [["<f8"], [1], _bytes(np.zeros(1))]}, "dtype"),
    ({"$a": "an .npy file"}, "malformed array"),
    ({"$s": ["<f8", [1], _bytes(np.zeros(1))]}, "its shape"),
    ({"$bad": ["subclass", "MyArray"]}, r"class MyArray \(a subclass of numpy.ndarray\)"),
    ({"$bad": ["object", "Impostor"]}, "an object of class Impostor$"),
    ({"$bad": "an object of class Impostor"}, "malformed"),
    ({"$bad": ["rewritten", "x"]}, "malformed"),
    ({"$h": 1}, "unknown kind"),
    ({"$zz": 1}, "unknown kind"),
    ({"$t": [1], "$d": []}, "malformed"),
])
def test_what_is_not_plain_data_is_refused(data, what):
    with pytest.raises(wire.NotPlainData, match=what):
        wire.decode(data)


def test_a_dtype_read_before_is_checked_the_same():
    """The dtypes read are kept (wire._DTYPES): a refused one is refused again, a kept one
    still reads with its byte order."""
    for _ in range(2):
        with pytest.raises(wire.NotPlainData, match="dtype <U1"):
            wire.decode({"$a": ["<U1", [1], _bytes(np.array(["a"]))]})
        big = wire.decode({"$a": [">i4", [2], _bytes(np.array([1, 2], dtype=">i4"))]})
        assert big.dtype == np.dtype(">i4") and big.tolist() == [1, 2]
    assert "<U1" not in wire._DTYPES


class _Impostor:
    """Not plain data, and not the student's own (its class is not in ``__main__``)."""


class _MyArray(np.ndarray):
    pass


@pytest.mark.parametrize("value, said", [
    (np.array(["a"]), "a numpy array of dtype <U1"),
    (np.str_("a"), "a numpy str_"),
    (np.zeros(2).view(_MyArray), "an object of class _MyArray (a subclass of numpy.ndarray)"),
    (_Impostor(), "an object of class _Impostor"),
])
def test_the_kernel_says_what_it_could_not_send(value, said):
    """kernel_stub's side of the wire to the grader's: what came back, named."""
    from autograder.grade.trusted import kernel_stub

    with pytest.raises(wire.NotPlainData) as refused:
        wire.decode(kernel_stub.encode(value))
    assert str(refused.value) == said


def test_nesting_is_capped():
    data: object = 1
    for _ in range(wire.MAX_DEPTH + 2):
        data = [data]
    with pytest.raises(wire.NotPlainData, match="nested"):
        wire.decode(data)


class _Binding:
    """The channel's side of ``reference_for``: records what is bound in the kernel."""

    def __init__(self):
        self.bound: list[list[str]] = []

    @contextlib.contextmanager
    def bind(self, objects):
        self.bound.append(sorted(objects))
        yield objects


def _notebook_tests(graded_names, test_ids):
    tests = types.SimpleNamespace(graded=set(graded_names), sources=dict.fromkeys(test_ids))
    tests.tests_of = lambda name: TrustedTests.tests_of(tests, name)
    return NotebookTests(tests)


def _bind(run, channel, running, names, wrong=False):
    with run._binder(channel, running)(dict.fromkeys(names, len), wrong=wrong) as bound:
        return sorted(bound)


def test_a_function_proven_on_its_own_keeps_the_students_version():
    run = _notebook_tests(["f", "g", "h", "model"], ["test_f", "test_g", "test_g_hidden",
                                                     "test_h", "test_model"])
    channel = _Binding()
    run.passed.update(test_f=False, test_g=True, test_g_hidden=True, test_h=True)
    run.leaned.add("test_g_hidden")   # g's student code asked for the course's f there
    # model's test: f wrong, g passed only with the course's f: both bound; h proven: kept
    assert _bind(run, channel, "test_model", ["f", "g", "h"]) == ["f", "g"]
    assert channel.bound == [["f", "g"]]
    # seen to disagree with the course's (reference_if_wrong): bound even when proven
    assert _bind(run, channel, "test_model", ["h"], wrong=True) == ["h"]


def test_a_name_whose_tests_have_not_run_is_bound_in_the_test_only():
    run = _notebook_tests(["f", "g"], ["test_f", "test_g"])
    channel = _Binding()
    assert _bind(run, channel, "test_f", ["g"]) == ["g"] and channel.bound == []


#: Right code that changes, in place, an argument its tests give it a copy of: the article's
#: update_parameters assigns into the dict it was given; FC.backward multiplies the residual
#: it was given by the sigmoid's slope. One kernel gives full marks, and so must the grader (it
#: runs a test that passed on changed arguments again on the arguments as given; before that,
#: such a test failed with InputsChanged: 33 of 35 and 8 of 14). 05's Dense is not here: its
#: backward changing dA in place changes the dA_prev the layer above keeps (wrong code).
IN_PLACE = {
    "03_deep_network": ("    L = len(parameters) // 2\n    updated = {}\n", """\
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] -= learning_rate * grads["db" + str(l)]
    return parameters
    updated = {}
"""),
    "04_initialization": ("        residual_z = residual * self.y * (1 - self.y)\n",
                          "        residual *= self.y * (1 - self.y)\n"
                          "        residual_z = residual\n"),
}


def _changing_in_place(source, assignment: str):
    """The source notebook ``source`` with IN_PLACE's change to its solution."""
    import nbformat

    nb = nbformat.read(source, as_version=4)
    old, new = IN_PLACE[assignment]
    cell = next(c for c in nb.cells if old in c.source)
    cell.source = cell.source.replace(old, new)
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    import nbformat

    root = tmp_path_factory.mktemp("trusted")
    for assignment in ASSIGNMENTS:
        source = next((DEFAULT_SOURCE / assignment).glob("*.ipynb"))
        (root / "subs" / "reference" / assignment).mkdir(parents=True)
        shutil.copy(source, root / "subs" / "reference" / assignment)
        if assignment in IN_PLACE:
            (root / "subs" / "in_place" / assignment).mkdir(parents=True)
            nbformat.write(_changing_in_place(source, assignment),
                           root / "subs" / "in_place" / assignment / source.name)
    source01 = next((DEFAULT_SOURCE / ASSIGNMENTS[0]).glob("*.ipynb"))
    (root / "subs" / "blank" / ASSIGNMENTS[0]).mkdir(parents=True)
    released = build_reference(source01, ASSIGNMENTS[0]).release()
    nbformat.write(released, root / "subs" / "blank" / ASSIGNMENTS[0] / source01.name)
    # these tests are about marks, not time: 04's slowest cell (the article's runs, 4 x 10,000
    # steps) took 5 s on an idle 2-core machine and past the course's 30 s with two test
    # runs sharing it
    grade(GradeOptions(submissions=root / "subs", out=root / "out", jobs=2, timeout=300.0,
                       progress=False, feedback=False, report=False, gradebook=False))
    with open(root / "out" / "grades.csv", newline="") as f:
        return {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_reference_solutions_keep_full_marks(graded, assignment):
    row = graded[("reference", assignment)]
    assert (row["status"], float(row["score"])) == ("graded", float(row["max_score"])), row


@pytest.mark.parametrize("assignment", sorted(IN_PLACE))
def test_right_code_that_changes_a_copy_it_was_given_keeps_full_marks(graded, assignment):
    row = graded[("in_place", assignment)]
    assert (row["status"], float(row["score"])) == ("graded", float(row["max_score"])), row


def test_the_release_scores_zero(graded):
    assert float(graded[("blank", ASSIGNMENTS[0])]["score"]) == 0
