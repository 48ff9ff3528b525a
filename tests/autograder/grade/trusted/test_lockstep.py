"""Evaluations in lockstep (autograder/grade/trusted/lockstep.py): the calls of many evaluations
travel together, in the points' order, and give what one evaluation after another gives."""

from __future__ import annotations

import types

import numpy as np
import pytest

from autograder.grade.trusted.channel import Channel, KernelLost
from autograder.grade.trusted.lockstep import Lockstep, evaluating_together
from course_lib.gradient_check import numeric_gradients
from course_lib.isolation import call_each


class _Kernel(Channel):
    """A channel whose "kernel" doubles ``x`` (and refuses negative numbers), recording
    what was sent to it."""

    def __init__(self, lost: bool = False):
        super().__init__(kernel=None, loop=types.SimpleNamespace(time=lambda: 0.0),
                         deadline=1.0)
        self.sent: list[dict] = []
        self.lose = lost

    def send(self, request: dict) -> dict:
        self.sent.append(request)
        if self.lose:
            raise KernelLost("timeout")
        if request["op"] == "batch":
            return {"answers": [self._one(r) for r in request["requests"]]}
        return self._one(request)

    @staticmethod
    def _one(request: dict) -> dict:
        if request["x"] < 0:
            return {"raised": {"type": "ValueError", "message": f"{request['x']} < 0"}}
        return {"value": 2 * request["x"], "printed": f"doubled {request['x']}\n"}

    def double(self, x: float) -> float:
        return self.request({"op": "call", "x": x})["value"]


def _two_calls(kernel: _Kernel):
    return lambda p: kernel.double(p) + kernel.double(p + 100)


def test_each_step_of_every_evaluation_is_one_request_in_the_points_order():
    kernel = _Kernel()
    assert Lockstep(kernel).map(_two_calls(kernel), range(10)) == [
        2 * p + 2 * (p + 100) for p in range(10)]
    assert [r["op"] for r in kernel.sent] == ["batch", "batch"]
    assert [q["x"] for q in kernel.sent[0]["requests"]] == list(range(10))
    assert [q["x"] for q in kernel.sent[1]["requests"]] == list(range(100, 110))


def test_what_the_calls_printed_is_shown_step_by_step_in_the_points_order(capsys):
    kernel = _Kernel()
    Lockstep(kernel).map(_two_calls(kernel), range(3))
    assert capsys.readouterr().out.split("\n")[:-1] == [
        "doubled 0", "doubled 1", "doubled 2", "doubled 100", "doubled 101", "doubled 102"]


def test_evaluations_beyond_the_width_wait_for_the_next_round():
    kernel = _Kernel()
    assert Lockstep(kernel, width=4).map(_two_calls(kernel), range(10)) == [
        2 * p + 2 * (p + 100) for p in range(10)]
    assert [len(r["requests"]) for r in kernel.sent] == [4, 4, 4, 4, 2, 2]


def test_the_first_points_exception_is_raised_as_one_after_another_would():
    kernel = _Kernel()
    with pytest.raises(ValueError, match="-2 < 0"):
        Lockstep(kernel).map(_two_calls(kernel), [3, -2, -5, 4])


def test_a_lost_kernel_ends_every_evaluation():
    kernel = _Kernel(lost=True)
    with pytest.raises(KernelLost):
        Lockstep(kernel).map(_two_calls(kernel), range(5))
    assert len(kernel.sent) == 1


def test_numeric_gradients_under_the_grader_equal_one_evaluation_after_another():
    kernel = _Kernel()
    rng = np.random.default_rng(0)
    parameters = {"W": rng.normal(size=(3, 2)), "b": 0.5}

    def cost(p):   # the "student's" cost: a call to the kernel per evaluation
        return kernel.double(float(np.sum(p["W"] ** 2) + p["b"] ** 3))

    alone = numeric_gradients(cost, parameters)
    assert len(kernel.sent) == 2 * 7
    kernel.sent.clear()
    with evaluating_together(kernel):
        together = numeric_gradients(cost, parameters)
    assert [r["op"] for r in kernel.sent] == ["batch"]
    assert together.keys() == alone.keys()
    for name in alone:
        np.testing.assert_array_equal(together[name], alone[name])
    np.testing.assert_allclose(together["dW"], 4 * parameters["W"], rtol=1e-6)
    assert call_each(abs, [-1, 2]) == [1, 2]   # the block ended: one after another again


def test_each_evaluation_runs_in_the_callers_context_as_one_after_another_would():
    kernel = _Kernel()

    def inverse_of_double(p):   # numpy's error state is the caller's (a context variable)
        return np.float64(1.0) / (kernel.double(p) - 2 * p)

    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            [inverse_of_double(p) for p in range(3)]
        with pytest.raises(FloatingPointError):
            Lockstep(kernel).map(inverse_of_double, range(3))
