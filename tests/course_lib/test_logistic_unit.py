import math
import re

import numpy as np
import pytest

from course_lib import activations, logistic_unit
from course_lib.gradient_check import gradient_check


def _data(n=3, m=20, seed=0):
    """Linearly separable-ish data: X (n, m), Y (1, m) 0/1 floats."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, m))
    true_w = rng.standard_normal((n, 1))
    Y = ((true_w.T @ X + 0.1 * rng.standard_normal((1, m))) > 0).astype(float)
    return X, Y


def _cost_by_loops(w, b, X, Y):
    """The cross-entropy cost written out example by example, as an independent reference."""
    n, m = X.shape
    total = 0.0
    for i in range(m):
        z = sum(w[k, 0] * X[k, i] for k in range(n)) + b
        a = 1.0 / (1.0 + math.exp(-z))
        total += -(Y[0, i] * math.log(a) + (1 - Y[0, i]) * math.log(1 - a))
    return total / m


def test_sigmoid_is_reexported():
    assert logistic_unit.sigmoid is activations.sigmoid


def test_initialize_with_zeros():
    w, b = logistic_unit.initialize_with_zeros(4)
    assert w.shape == (4, 1) and w.dtype == np.float64 and not w.any()
    assert b == 0.0 and isinstance(b, float)


@pytest.mark.parametrize("dim", [0, -2, 2.5, "3", True])
def test_initialize_with_zeros_rejects_bad_dims(dim):
    with pytest.raises(ValueError, match="dim"):
        logistic_unit.initialize_with_zeros(dim)


def test_propagate_shapes_and_cost():
    X, Y = _data()
    w = np.array([[0.3], [-0.2], [0.5]])
    grads, cost = logistic_unit.propagate(w, 0.1, X, Y)
    assert grads["dw"].shape == (3, 1)
    assert isinstance(grads["db"], float) and isinstance(cost, float)
    assert cost == pytest.approx(_cost_by_loops(w, 0.1, X, Y), rel=1e-12)


def test_propagate_gradients_pass_gradient_check():
    X, Y = _data(seed=1)
    parameters = {"w": np.array([[0.4], [-0.7], [0.2]]), "b": 0.3}
    grads, _ = logistic_unit.propagate(parameters["w"], parameters["b"], X, Y)

    def cost(p):
        return logistic_unit.propagate(p["w"], p["b"], X, Y)[1]

    errors = gradient_check(cost, parameters, grads)
    assert set(errors) == {"w", "b"}
    assert max(errors.values()) < 1e-7, errors


def test_propagate_accepts_boolean_labels():
    X, Y = _data()
    w = np.full((3, 1), 0.1)
    a = logistic_unit.propagate(w, 0.0, X, Y)
    b = logistic_unit.propagate(w, 0.0, X, Y.astype(bool))
    assert a[1] == b[1]


def test_propagate_names_both_shapes_when_w_and_X_disagree():
    X, Y = _data(n=2, m=3)
    with pytest.raises(ValueError, match=re.escape("(3, 1)") + ".*" + re.escape("(2, 3)")):
        logistic_unit.propagate(np.zeros((3, 1)), 0.0, X, Y)
    with pytest.raises(ValueError, match=re.escape("(2,)") + ".*" + re.escape("(2, 3)")):
        logistic_unit.propagate(np.zeros(2), 0.0, X, Y)


def test_propagate_names_both_shapes_when_Y_and_X_disagree():
    X, Y = _data(n=2, m=3)
    with pytest.raises(ValueError, match=re.escape("(3,)") + ".*" + re.escape("(2, 3)")):
        logistic_unit.propagate(np.zeros((2, 1)), 0.0, X, Y.ravel())
    with pytest.raises(ValueError, match=re.escape("(1, 4)")):
        logistic_unit.propagate(np.zeros((2, 1)), 0.0, X, np.zeros((1, 4)))


def test_propagate_rejects_a_non_scalar_b():
    X, Y = _data(n=2, m=3)
    with pytest.raises(ValueError, match=re.escape("(2, 1)")):
        logistic_unit.propagate(np.zeros((2, 1)), np.zeros((2, 1)), X, Y)


def test_optimize_does_not_modify_its_inputs_and_is_deterministic():
    X, Y = _data()
    w, b = np.array([[0.1], [0.2], [-0.3]]), 0.5
    copies = (w.copy(), X.copy(), Y.copy())
    first = logistic_unit.optimize(w, b, X, Y, num_iterations=150, learning_rate=0.1)
    second = logistic_unit.optimize(w, b, X, Y, num_iterations=150, learning_rate=0.1)
    for before, after in zip(copies, (w, X, Y), strict=True):
        np.testing.assert_array_equal(before, after)
    assert b == 0.5
    np.testing.assert_array_equal(first[0]["w"], second[0]["w"])
    assert first[0]["b"] == second[0]["b"] and first[2] == second[2]
    assert first[0]["w"] is not w


def test_optimize_is_gradient_descent_on_propagate():
    X, Y = _data()
    w, b = np.zeros((3, 1)), 0.0
    params, grads, costs = logistic_unit.optimize(w, b, X, Y, num_iterations=250,
                                                  learning_rate=0.2)
    expected_costs = []
    for i in range(250):
        g, c = logistic_unit.propagate(w, b, X, Y)
        if i % 100 == 0:
            expected_costs.append(c)
        w, b = w - 0.2 * g["dw"], b - 0.2 * g["db"]
    np.testing.assert_array_equal(params["w"], w)
    assert params["b"] == b
    assert costs == expected_costs and len(costs) == 3
    np.testing.assert_array_equal(grads["dw"], g["dw"])  # grads of the last step
    assert costs[-1] < costs[0]


def test_optimize_prints_only_when_asked(capsys):
    X, Y = _data()
    logistic_unit.optimize(np.zeros((3, 1)), 0.0, X, Y, num_iterations=201)
    assert capsys.readouterr().out == ""
    _, _, costs = logistic_unit.optimize(np.zeros((3, 1)), 0.0, X, Y, num_iterations=201,
                                         print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"Cost after iteration {i}: {c:f}" for i, c in zip((0, 100, 200), costs,
                                                                          strict=True)]


def test_predict_thresholds_at_one_half():
    X = np.array([[-1.0, 0.0, 1.0, 3.0]])
    w = np.array([[2.0]])
    pred = logistic_unit.predict(w, 0.0, X)
    np.testing.assert_array_equal(pred, [[0.0, 0.0, 1.0, 1.0]])  # sigmoid(0) = 0.5 -> 0
    assert pred.shape == (1, 4) and pred.dtype == np.float64


def test_predict_names_both_shapes():
    with pytest.raises(ValueError, match=re.escape("(2, 1)") + ".*" + re.escape("(3, 5)")):
        logistic_unit.predict(np.zeros((2, 1)), 0.0, np.zeros((3, 5)))


def test_model_learns_separable_data_and_reports_everything():
    X_train, Y_train = _data(m=80, seed=3)
    rng = np.random.default_rng(3)
    X_test = rng.standard_normal((3, 30))
    Y_test = np.zeros((1, 30))
    result = logistic_unit.model(X_train, Y_train, X_test, Y_test, num_iterations=500,
                                 learning_rate=0.5)
    assert set(result) == {"costs", "Y_prediction_test", "Y_prediction_train", "w", "b",
                           "learning_rate", "num_iterations", "train_accuracy",
                           "test_accuracy"}
    assert len(result["costs"]) == 5
    assert result["Y_prediction_train"].shape == (1, 80)
    assert result["Y_prediction_test"].shape == (1, 30)
    assert result["train_accuracy"] >= 0.9
    expected_test = np.mean(logistic_unit.predict(result["w"], result["b"], X_test) == Y_test)
    assert result["test_accuracy"] == pytest.approx(expected_test)
    assert 0.0 <= result["test_accuracy"] <= 1.0
    assert result["learning_rate"] == 0.5 and result["num_iterations"] == 500
    again = logistic_unit.model(X_train, Y_train, X_test, Y_test, num_iterations=500,
                                learning_rate=0.5)
    np.testing.assert_array_equal(again["w"], result["w"])


def test_model_names_both_shapes_for_mismatched_test_set():
    X, Y = _data()
    with pytest.raises(ValueError, match=re.escape("(1, 7)") + ".*" + re.escape("(3, 20)")):
        logistic_unit.model(X, Y, X, np.zeros((1, 7)), num_iterations=1)
