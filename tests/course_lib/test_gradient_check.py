import re

import numpy as np
import pytest

from course_lib.gradient_check import gradient_check, numerical_gradient, relative_error


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
