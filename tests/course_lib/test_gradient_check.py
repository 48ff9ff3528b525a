import re

import numpy as np
import pytest

from course_lib.gradient_check import (
    check_gradients,
    gradient_check,
    gradient_errors,
    numeric_gradients,
    numerical_gradient,
    relative_error,
)


def test_relative_error_definition():
    a = np.array([3.0, 4.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == 1.0
    assert relative_error(a, np.zeros(2)) == 1.0
    assert relative_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(
        np.sqrt(2) / 2)
    assert relative_error(2.0, 1.0) == pytest.approx(1 / 3)


def test_relative_error_zero_over_zero_is_zero():
    assert relative_error(np.zeros((2, 3)), np.zeros((2, 3))) == 0.0
    assert relative_error(0.0, 0.0) == 0.0


def test_relative_error_names_both_shapes():
    with pytest.raises(ValueError, match=re.escape("(3,)") + ".*" + re.escape("(3, 1)")):
        relative_error(np.zeros(3), np.zeros((3, 1)))


def test_numerical_gradient_of_known_functions():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = numerical_gradient(lambda v: float(np.sum(v**3)), x)
    assert g.shape == x.shape
    assert relative_error(g, 3 * x**2) < 1e-8
    assert numerical_gradient(lambda v: float(np.sin(v)), 0.3) == pytest.approx(np.cos(0.3))


def test_numerical_gradient_never_modifies_x_and_perturbs_one_entry_at_a_time():
    x = np.array([1.0, 2.0, 3.0])
    seen = []

    def f(v):
        seen.append(v.copy())
        return float(v @ np.array([1.0, 10.0, 100.0]))

    g = numerical_gradient(f, x, eps=1e-3)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(g, [1.0, 10.0, 100.0], rtol=1e-9)
    assert len(seen) == 6
    assert all(np.count_nonzero(v != x) == 1 for v in seen)


def test_numerical_gradient_rejects_non_positive_eps():
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda v: 0.0, np.zeros(2), eps=0.0)


def _quadratic():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 3))
    parameters = {"W": rng.standard_normal((3, 2)), "b": 0.7}

    def cost(p):
        return float(np.sum((A @ p["W"] + p["b"]) ** 2))

    grads = {"dW": 2 * A.T @ (A @ parameters["W"] + parameters["b"]),
             "db": float(np.sum(2 * (A @ parameters["W"] + parameters["b"])))}
    return cost, parameters, grads


def test_gradient_check_accepts_correct_gradients():
    cost, parameters, grads = _quadratic()
    errors = gradient_check(cost, parameters, grads)
    assert set(errors) == {"W", "b"}
    assert max(errors.values()) < 1e-7


def test_gradient_check_catches_wrong_gradients():
    cost, parameters, grads = _quadratic()
    errors = gradient_check(cost, parameters, {"dW": grads["dW"] * 2, "db": grads["db"]})
    assert errors["W"] == pytest.approx(1 / 3, rel=1e-5)
    assert errors["b"] < 1e-7


def test_gradient_check_leaves_parameters_alone():
    cost, parameters, grads = _quadratic()
    W = parameters["W"].copy()
    gradient_check(cost, parameters, grads)
    np.testing.assert_array_equal(parameters["W"], W)
    assert parameters["b"] == 0.7


def test_gradient_check_accepts_grads_keyed_by_the_parameter_name():
    cost, parameters, grads = _quadratic()
    errors = gradient_check(cost, parameters, {"W": grads["dW"], "b": grads["db"]})
    assert max(errors.values()) < 1e-7


def test_gradient_check_bad_grads():
    cost, parameters, grads = _quadratic()
    with pytest.raises(ValueError, match="'dW'"):
        gradient_check(cost, parameters, {"db": grads["db"]})
    with pytest.raises(ValueError, match=re.escape("(2, 3)") + ".*" + re.escape("(3, 2)")):
        gradient_check(cost, parameters, {"dW": grads["dW"].T, "db": grads["db"]})


# --------------------------------------------------------------------------- grading helpers


def _logistic_data():
    """(X, Y, w): fixed random data of a logistic unit."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3, 6))
    Y = (rng.random((1, 6)) > 0.5).astype(float)
    return X, Y, rng.normal(size=(3, 1))


def _logistic():
    """A logistic unit's cost and its correct gradients on fixed random data."""
    X, Y, w = _logistic_data()
    parameters = {"w": w, "b": 0.3}

    def cost(p):
        A = 1 / (1 + np.exp(-(p["w"].T @ X + p["b"])))
        return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))

    A = 1 / (1 + np.exp(-(parameters["w"].T @ X + parameters["b"])))
    grads = {"dw": X @ (A - Y).T / 6, "db": float(np.sum(A - Y)) / 6}
    return cost, parameters, grads


def test_numeric_gradients_are_keyed_like_a_backward_pass():
    cost, parameters, grads = _logistic()
    w = parameters["w"].copy()
    numeric = numeric_gradients(cost, parameters)
    assert set(numeric) == {"dw", "db"}
    assert numeric["dw"].shape == (3, 1) and numeric["db"].shape == ()
    assert relative_error(numeric["dw"], grads["dw"]) < 1e-8
    assert relative_error(numeric["db"], grads["db"]) < 1e-8
    np.testing.assert_array_equal(parameters["w"], w)
    assert parameters["b"] == 0.3


def test_check_gradients_passes_correct_gradients_whatever_their_style():
    cost, parameters, grads = _logistic()
    numeric = numeric_gradients(cost, parameters)
    check_gradients(grads, numeric)
    # db as a numpy scalar, a 0-d array or a (1, 1) array: a style, not a mistake
    for db in (np.float64(grads["db"]), np.array(grads["db"]), np.array([[grads["db"]]])):
        check_gradients({"dw": grads["dw"], "db": db, "extra": "ignored"}, numeric)
    errors = gradient_errors(grads, numeric)
    assert set(errors) == {"dw", "db"} and max(errors.values()) < 1e-7


def test_check_gradients_names_a_constant_ratio_and_what_agrees():
    cost, parameters, grads = _logistic()
    numeric = numeric_gradients(cost, parameters)
    with pytest.raises(AssertionError) as err:
        check_gradients({"dw": 4 * grads["dw"], "db": grads["db"]}, numeric)
    text = str(err.value)
    assert text.startswith("the gradient check failed for dw:")
    assert "dw: relative error 6.0e-01 (above 1e-07); dw is 4.0 times the numerical gradient" \
        in text
    assert "db agrees with the numerical gradient (relative error" in text


def test_check_gradients_names_every_failing_gradient():
    cost, parameters, grads = _logistic()
    numeric = numeric_gradients(cost, parameters)
    with pytest.raises(AssertionError) as err:
        check_gradients({"dw": -grads["dw"], "db": grads["db"] * 3 / 400}, numeric)
    text = str(err.value)
    assert "failed for dw and db" in text
    assert "dw has the opposite sign of the numerical gradient (ratio -1.0)" in text
    assert "db is 0.0075 times the numerical gradient" in text
    assert "agree" not in text


def test_check_gradients_points_at_the_worst_entry_when_there_is_no_pattern():
    cost, parameters, grads = _logistic()
    numeric = numeric_gradients(cost, parameters)
    dw = grads["dw"].copy()
    dw[2, 0] += 0.5
    with pytest.raises(AssertionError, match=re.escape("worst entry is at index (2, 0)")):
        check_gradients({"dw": dw, "db": grads["db"]}, numeric)
    with pytest.raises(AssertionError, match="dw is all zeros"):
        check_gradients({"dw": np.zeros((3, 1)), "db": grads["db"]}, numeric)


def test_check_gradients_threshold():
    cost, parameters, grads = _logistic()
    numeric = numeric_gradients(cost, parameters)
    off = {"dw": grads["dw"] * (1 + 1e-5), "db": grads["db"]}
    check_gradients(off, numeric, threshold=1e-4)
    with pytest.raises(AssertionError, match="dw: relative error 5.0e-06"):
        check_gradients(off, numeric)


@pytest.mark.parametrize("grads, message", [
    ({"db": 0.1}, "dw is missing from the gradients (they have keys ['db'])"),
    ({"dw": np.zeros((1, 3)), "db": 0.1},
     "dw has shape (1, 3) but the numerical gradient has shape (3, 1): the same entries along"),
    ({"dw": np.zeros(3), "db": 0.1}, "did you forget keepdims=True"),
    ({"dw": np.full((3, 1), np.nan), "db": 0.1}, "dw contains nan or inf"),
    ({"dw": None, "db": 0.1}, "dw is None"),
    ({"dw": "zeros", "db": 0.1}, "dw holds values that are not numbers (str)"),
    ([1.0, 2.0], "the gradients are list, expected a dict with keys ['dw', 'db']"),
])
def test_check_gradients_says_what_is_wrong_with_a_bad_gradient(grads, message):
    cost, parameters, _ = _logistic()
    numeric = numeric_gradients(cost, parameters)
    with pytest.raises(AssertionError, match=re.escape(message)):
        check_gradients(grads, numeric)
    errors = gradient_errors(grads, numeric)
    assert errors["dw"] == np.inf


def test_check_gradients_refuses_a_cost_that_is_not_finite():
    numeric = {"dw": np.array([[np.inf], [1.0]])}
    with pytest.raises(AssertionError, match="numerical estimate of dw holds nan or inf"):
        check_gradients({"dw": np.ones((2, 1))}, numeric)
    assert gradient_errors({"dw": np.ones((2, 1))}, numeric) == {"dw": np.inf}


def test_check_gradients_ignores_a_patched_numpy(monkeypatch):
    cost, parameters, grads = _logistic()
    numeric = numeric_gradients(cost, parameters)
    monkeypatch.setattr(np.linalg, "norm", lambda *a, **k: 0.0)
    with pytest.raises(AssertionError, match="dw is 2.0 times"):
        check_gradients({"dw": 2 * grads["dw"], "db": grads["db"]}, numeric)


def test_a_constant_cost_never_passes_a_gradient_check():
    # a propagate that returns cost 0 and zero gradients: its own cost is flat, so the numerical
    # gradients are zero too and agree with the analytic ones; the check must still fail
    _, parameters, _ = _logistic()
    numeric = numeric_gradients(lambda p: 0.0, parameters)
    zeros = {"dw": np.zeros((3, 1)), "db": 0.0}
    assert max(gradient_errors(zeros, numeric).values()) == 0.0
    with pytest.raises(AssertionError, match="every numerical gradient is zero"):
        check_gradients(zeros, numeric)


def test_no_numerical_gradient_at_all_never_passes_a_gradient_check():
    # a red team's back_propagation emptied the parameters the check differentiates
    assert numeric_gradients(lambda p: 0.0, {}) == {}
    for analytic in ({}, {"dW1": np.zeros((2, 2))}):
        with pytest.raises(AssertionError, match="no numerical gradient"):
            check_gradients(analytic, {})


def test_one_flat_direction_is_not_a_constant_cost():
    cost, parameters, grads = _logistic()
    numeric = numeric_gradients(cost, parameters)
    numeric["dw"] = np.zeros_like(numeric["dw"])   # a cost that ignores w but not b
    check_gradients({"dw": np.zeros((3, 1)), "db": grads["db"]}, numeric)


def _lying(cost, parameters, slope):
    """A cost that returns ``cost``'s value at ``parameters`` and, near it, a plane of slope
    ``slope`` (a red team's forward, made to agree with a wrong backward)."""
    w0, b0, c0 = parameters["w"].copy(), parameters["b"], cost(parameters)

    def lie(p):
        if np.array_equal(p["w"], w0) and p["b"] == b0:
            return c0
        return c0 + float(slope["dw"].ravel() @ (p["w"] - w0).ravel()) + slope["db"] * (p["b"] - b0)
    return lie


def test_a_cost_with_slopes_of_its_own_is_not_differentiated_where_the_course_is_at_hand(
        monkeypatch):
    cost, parameters, grads = _logistic()
    wrong = {"dw": 6 * grads["dw"], "db": grads["db"]}   # 1/m forgotten in dw
    lie = _lying(cost, parameters, wrong)
    assert lie(parameters) == cost(parameters)
    check_gradients(wrong, numeric_gradients(lie, parameters))   # the lie alone passes
    numeric = numeric_gradients(lie, parameters, reference=cost)
    with pytest.raises(AssertionError, match="dw"):
        check_gradients(wrong, numeric)
    check_gradients(grads, numeric)

    X, Y, _w = _logistic_data()

    def honest(p):   # the same cost written another way: its own slopes are kept
        Z = p["w"].T @ X + p["b"]
        return float(np.mean(Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)))

    kept, own = numeric_gradients(honest, parameters, reference=cost), numeric_gradients(
        honest, parameters)
    assert all(np.array_equal(kept[k], own[k]) for k in own)
    assert 0 < relative_error(own["dw"], numeric_gradients(cost, parameters)["dw"]) < 1e-7
    check_gradients(grads, kept)

    # the student edition (and the recording of its answers): the course's cost is not there
    monkeypatch.setattr("course_lib.gradient_check.CHECK_AGAINST_REFERENCE", False)
    check_gradients(wrong, numeric_gradients(lie, parameters, reference=cost))

