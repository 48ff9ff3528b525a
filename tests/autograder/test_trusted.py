"""Tests run in the grader (autograder/trusted/): the wire refuses what is not plain data, and
the course's reference solutions keep full marks while the release scores zero."""

from __future__ import annotations

import base64
import csv
import io
import shutil

import numpy as np
import pytest

from autograder.course import DEFAULT_SOURCE
from autograder.engine import GradeOptions, grade
from autograder.reference import build_reference
from autograder.trusted import wire

ASSIGNMENTS = ["01_logistic_unit", "02_two_layer_net", "03_deep_network", "04_initialization",
               "05_layers"]


def _npy(array) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return base64.b64encode(buffer.getvalue()).decode()


def test_plain_data_round_trips():
    value = {"w": np.arange(6.0).reshape(2, 3), "b": np.float64(0.5), "n": 3,
             "parts": (1, [2.0, None], "x"), "ok": True}
    back = wire.decode(wire.encode(value))
    assert back.keys() == value.keys() and np.array_equal(back["w"], value["w"])
    assert type(back["b"]) is np.float64 and back["parts"] == (1, [2.0, None], "x")


@pytest.mark.parametrize("data, what", [
    ({"$a": _npy(np.array([object()], dtype=object))}, "malformed array"),
    ({"$a": _npy(np.array(["a"]))}, "dtype"),
    ({"$a": "not base64!"}, "malformed array"),
    ({"$bad": "a MyArray (a subclass of numpy.ndarray)"}, "subclass"),
    ({"$h": 1}, "unknown kind"),
    ({"$zz": 1}, "unknown kind"),
    ({"$t": [1], "$d": []}, "malformed"),
])
def test_what_is_not_plain_data_is_refused(data, what):
    with pytest.raises(wire.NotPlainData, match=what):
        wire.decode(data)


def test_nesting_is_capped():
    data: object = 1
    for _ in range(wire.MAX_DEPTH + 2):
        data = [data]
    with pytest.raises(wire.NotPlainData, match="nested"):
        wire.decode(data)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("trusted")
    for assignment in ASSIGNMENTS:
        source = next((DEFAULT_SOURCE / assignment).glob("*.ipynb"))
        (root / "subs" / "reference" / assignment).mkdir(parents=True)
        shutil.copy(source, root / "subs" / "reference" / assignment)
    source01 = next((DEFAULT_SOURCE / ASSIGNMENTS[0]).glob("*.ipynb"))
    (root / "subs" / "blank" / ASSIGNMENTS[0]).mkdir(parents=True)
    released = build_reference(source01, ASSIGNMENTS[0]).release()
    import nbformat

    nbformat.write(released, root / "subs" / "blank" / ASSIGNMENTS[0] / source01.name)
    grade(GradeOptions(submissions=root / "subs", out=root / "out", jobs=2,
                       progress=False, feedback=False, report=False, gradebook=False))
    with open(root / "out" / "grades.csv", newline="") as f:
        return {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_reference_solutions_keep_full_marks(graded, assignment):
    row = graded[("reference", assignment)]
    assert (row["status"], float(row["score"])) == ("graded", float(row["max_score"])), row


def test_the_release_scores_zero(graded):
    assert float(graded[("blank", ASSIGNMENTS[0])]["score"]) == 0
