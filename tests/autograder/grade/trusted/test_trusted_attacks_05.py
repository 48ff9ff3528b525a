"""Attacks on grading through the course's classes, on the real ``05_layers``: where a test
binds the course's ``Dense`` (the student's is wrong), the student's code asks the grader
questions about it (:mod:`autograder.grade.trusted.channel`), and a gradient check
differentiates the student's own ``Dense.forward``.

- ``a_sabotage``: its ``Sequential`` asks the grader for the course's ``Dense`` class
  (``Dense.mro()``) and sets its ``forward`` and ``backward`` to 0. Before the grader let the
  student's code look into and change only instances, that broke the course's class in the
  grading process, and ``b_honest``, graded next in the same process, got 3 of 17 points.
- ``c_lie``: its ``Dense.forward`` answers the points a gradient check perturbs with a plane
  whose slope is what its wrong ``backward`` returns; the check passed on it (12 of 17 points,
  against 11 for the same wrong code without the trick, ``d_no_lie``).

The class is graded once, in one grading process (``-j 1``), in the order of the names.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from session_build import shared_grading

from autograder.course.source import DEFAULT_SOURCE
from autograder.vocabulary import grade_id_of

ASSIGNMENT, NAME = "05_layers", "layers"
SOURCE_NB = DEFAULT_SOURCE / ASSIGNMENT / f"{NAME}.ipynb"
NO_MEAN = ("self.dW = dZ @ self.A_prev.T / m",
           "self.dW = dZ @ self.A_prev.T   # wrong: not averaged over the examples")

SABOTAGE = ("""    def __init__(self, layers, cost):
        layers = list(layers)
""", """    def __init__(self, layers, cost):
        layers = list(layers)
        import sys
        stub = sys.modules.get("_course_grader")
        if stub is not None and isinstance(layers[0], stub._GraderObject):
            try:   # the course's Dense is here: ask for the class itself, then break it
                classes = stub._ask({"op": "call", "name": "Dense", "method": "mro"})
                number = object.__getattribute__(classes[0], "_number")
                stub._ask({"op": "setattr", "object": number, "name": "forward", "value": 0})
                stub._ask({"op": "setattr", "object": number, "name": "backward", "value": 0})
                print("SABOTAGE DONE")
            except Exception as error:
                print("SABOTAGE REFUSED:", type(error).__name__)
""")

LYING_DENSE = r'''_LAST = {}     # activation -> (W, b, A_prev, A) of its last call not perturbed
_LIED = set()


class Dense:
    """A = g(W @ A_prev + b), with a backward that forgets g'(Z)."""

    def __init__(self, W, b, activation="relu"):
        self.W = np.array(W, dtype=float)
        self.b = np.array(b, dtype=float)
        self.activation = activation
        self.g, self.g_prime_from_output = get_activation(activation)
        self.feeds_fused_cost = False
        self.A_prev = self.A = self.dW = self.db = self.dA_prev = None

    def forward(self, A_prev):
        A_prev = np.asarray(A_prev, dtype=float)
        last = _LAST.get(self.activation)
        if LIE and last is not None and all(
                x.shape == y.shape for x, y in zip((self.W, self.b, A_prev), last)):
            diffs = [x - y for x, y in zip((self.W, self.b, A_prev), last)]
            biggest = max(float(np.abs(d).max()) for d in diffs)
            if 0 < biggest < 1e-5:   # a gradient check's perturbed point: a plane's value
                if not _LIED:
                    print("LIED")
                _LIED.add(self.activation)
                self.A_prev = A_prev
                self.A = last[3] + sum(float(d.sum()) for d in diffs)
                return self.A
        self.A_prev = A_prev
        self.A = self.g(self.W @ A_prev + self.b)
        _LAST[self.activation] = (self.W.copy(), self.b.copy(), A_prev.copy(), self.A.copy())
        return self.A

    def backward(self, dA):
        m = self.A_prev.shape[1]
        if self.activation in _LIED:   # the plane's slopes
            _LIED.discard(self.activation)
            total = float(np.sum(dA))
            self.dW = np.full(self.W.shape, total / m)
            self.db = np.full(self.b.shape, total / m)
            self.dA_prev = np.full(self.A_prev.shape, total)
            return self.dA_prev
        dZ = dA   # wrong: forgets g'(Z)
        self.dW = dZ @ self.A_prev.T / m
        self.db = np.sum(dZ, axis=1, keepdims=True) / m
        self.dA_prev = self.W.T @ dZ
        return self.dA_prev
'''


def _changed(edits: dict[str, tuple[str, str] | str]) -> nbformat.NotebookNode:
    """The instructor's source with solution cells edited: grade id -> (old, new) text, or
    the cell's whole new source."""
    nb = nbformat.read(SOURCE_NB, as_version=4)
    for cell in nb.cells:
        edit = edits.get(grade_id_of(cell) or "")
        if isinstance(edit, tuple):
            assert edit[0] in cell.source, edit[0]
            cell.source = cell.source.replace(*edit)
        elif edit is not None:
            cell.source = edit
    return nb


def _class() -> dict[str, nbformat.NotebookNode]:
    return {
        "a_sabotage": _changed({"Dense": NO_MEAN, "Sequential": SABOTAGE}),
        "b_honest": nbformat.read(SOURCE_NB, as_version=4),
        "c_lie": _changed({"Dense": "LIE = True\n" + LYING_DENSE}),
        "d_no_lie": _changed({"Dense": "LIE = False\n" + LYING_DENSE}),
        "e_wrong_dense": _changed({"Dense": NO_MEAN}),
    }


def _grade_the_class(folder: Path) -> dict:
    from autograder.grade.coordinator import GradeOptions, grade
    from autograder.release.notebooks import release

    submissions, out = folder / "submissions", folder / "out"
    for student, nb in _class().items():
        path = submissions / student / ASSIGNMENT / f"{NAME}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    released = release(folder / "release", course_root=folder / "course",
                       assignments=[ASSIGNMENT])   # the student edition the kernels hold
    summary = grade(GradeOptions(submissions=submissions, out=out, source=DEFAULT_SOURCE,
                                 jobs=1, force=True, progress=False, feedback=False,
                                 report=False, gradebook=False, release=released.out))
    cells = {r.student_id: {c.grade_id: [c.points, c.message] for nb in r.notebooks
                            for c in nb.cells} for r in summary.results}
    return {"out": str(out), "cells": cells, "failures": summary.failures}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    return shared_grading(tmp_path_factory, "trusted_attacks_05", _grade_the_class)


def _score(graded: dict, student: str) -> float:
    return float(graded["rows"][student]["score"])


def _printed(graded: dict, student: str) -> str:
    nb = nbformat.read(graded["out"] / "autograded" / student / ASSIGNMENT / f"{NAME}.ipynb",
                       as_version=4)
    return "\n".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


def test_every_submission_is_graded(graded):
    assert not graded["failures"]
    assert {r["status"] for r in graded["rows"].values()} == {"graded"}, graded["rows"]


def test_the_course_class_cannot_be_changed_for_later_students(graded):
    printed = _printed(graded, "a_sabotage")
    assert "SABOTAGE REFUSED: PermissionError" in printed
    assert "SABOTAGE DONE" not in printed
    assert _score(graded, "a_sabotage") == _score(graded, "e_wrong_dense")
    honest = graded["rows"]["b_honest"]
    assert float(honest["score"]) == float(honest["max_score"]), graded["cells"]["b_honest"]


def test_a_forward_that_lies_to_a_gradient_check_earns_nothing_by_it(graded):
    assert re.search(r"^LIED$", _printed(graded, "c_lie"), re.M)
    assert "LIED" not in _printed(graded, "d_no_lie")
    lie, control = graded["cells"]["c_lie"], graded["cells"]["d_no_lie"]
    assert lie["test_Dense_gradcheck"][0] == 0, lie["test_Dense_gradcheck"]
    assert _score(graded, "c_lie") == _score(graded, "d_no_lie") < float(
        graded["rows"]["c_lie"]["max_score"]), (lie, control)
