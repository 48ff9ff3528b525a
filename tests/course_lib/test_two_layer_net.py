import math
import re

import numpy as np
import pytest

from course_lib import two_layer_net as tln
from course_lib.gradient_check import gradient_check
from course_lib.published_runs import seed002_test_case


def _parameters(seed=0, n_x=3, n_h=4, n_y=1, scale=0.8):
    rng = np.random.default_rng(seed)
    return {
        "w1": rng.standard_normal((n_h, n_x)) * scale,
        "b1": rng.standard_normal((n_h, 1)) * 0.3,
        "w2": rng.standard_normal((n_y, n_h)) * scale,
        "b2": rng.standard_normal((n_y, 1)) * 0.3,
    }


def _data(seed=1, n_x=3, m=7):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return X, Y


def test_init_parameters_shapes_and_legacy_stream_order():
    np.random.seed(5)
    p = tln.init_parameters(2, 4, 1)
    assert {k: v.shape for k, v in p.items()} == {"w1": (4, 2), "b1": (4, 1), "w2": (1, 4),
                                                  "b2": (1, 1)}
    assert not p["b1"].any() and not p["b2"].any()
    np.random.seed(5)
    w1 = np.random.randn(4, 2) * 0.01
    w2 = np.random.randn(1, 4) * 0.01
    np.testing.assert_array_equal(p["w1"], w1)
    np.testing.assert_array_equal(p["w2"], w2)


def test_init_parameters_is_reproducible_only_through_the_callers_seed():
    np.random.seed(7)
    a = tln.init_parameters(3, 5, 2)
    np.random.seed(7)
    b = tln.init_parameters(3, 5, 2)
    c = tln.init_parameters(3, 5, 2)  # no reseed: the stream moved on
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["w1"], c["w1"])


@pytest.mark.parametrize("sizes", [(0, 4, 1), (2, -1, 1), (2, 4, 1.5)])
def test_init_parameters_rejects_bad_sizes(sizes):
    with pytest.raises(ValueError, match="must be a positive integer"):
        tln.init_parameters(*sizes)


def test_forward_propagation_cache_and_formulas():
    p = _parameters()
    X, _ = _data()
    A2, cache = tln.forward_propagation(X, p)
    assert set(cache) == {"Z1", "A1", "Z2", "A2"}
    assert cache["Z1"].shape == cache["A1"].shape == (4, 7)
    assert A2.shape == cache["Z2"].shape == (1, 7) and cache["A2"] is A2
    np.testing.assert_allclose(cache["A1"], np.tanh(p["w1"] @ X + p["b1"]), rtol=1e-15)
    np.testing.assert_allclose(A2, 1 / (1 + np.exp(-(p["w2"] @ cache["A1"] + p["b2"]))),
                               rtol=1e-14)


def test_compute_cost_matches_a_loop_over_examples():
    rng = np.random.default_rng(2)
    A2 = rng.uniform(0.05, 0.95, (1, 9))
    Y = (rng.random((1, 9)) > 0.5).astype(float)
    expected = -sum(Y[0, i] * math.log(A2[0, i]) + (1 - Y[0, i]) * math.log(1 - A2[0, i])
                    for i in range(9)) / 9
    cost = tln.compute_cost(A2, Y)
    assert isinstance(cost, float)
    assert cost == pytest.approx(expected, rel=1e-13)
    assert tln.compute_cost(A2, Y.astype(bool)) == cost


def test_compute_cost_names_both_shapes():
    with pytest.raises(ValueError, match=re.escape("(1, 3)") + ".*" + re.escape("(3,)")):
        tln.compute_cost(np.full((1, 3), 0.5), np.zeros(3))


@pytest.mark.parametrize("n_y", [1, 2])
def test_back_propagation_passes_gradient_check(n_y):
    p = _parameters(seed=3, n_y=n_y)
    X, _ = _data(seed=4)
    Y = (np.random.default_rng(5).random((n_y, 7)) > 0.5).astype(float)
    _, cache = tln.forward_propagation(X, p)
    grads = tln.back_propagation(p, cache, X, Y)
    assert set(grads) == {"dw1", "db1", "dw2", "db2"}

    def cost(q):
        return tln.compute_cost(tln.forward_propagation(X, q)[0], Y)

    errors = gradient_check(cost, p, grads)
    assert max(errors.values()) < 1e-7, errors


def test_back_propagation_divides_by_the_true_m():
    """Not by a global m: doubling the data set (each example twice) leaves gradients alone."""
    p = _parameters(seed=6)
    X, Y = _data(seed=6)
    X2, Y2 = np.hstack([X, X]), np.hstack([Y, Y])
    g1 = tln.back_propagation(p, tln.forward_propagation(X, p)[1], X, Y)
    g2 = tln.back_propagation(p, tln.forward_propagation(X2, p)[1], X2, Y2)
    for key in g1:
        np.testing.assert_allclose(g1[key], g2[key], rtol=1e-12, atol=1e-15)


def test_shape_errors_name_both_shapes():
    p = _parameters(n_x=3)
    X = np.ones((2, 5))
    with pytest.raises(ValueError, match=re.escape("(4, 3)") + ".*" + re.escape("(2, 5)")):
        tln.forward_propagation(X, p)
    X, Y = _data(m=7)
    _, cache = tln.forward_propagation(X, p)
    with pytest.raises(ValueError, match=re.escape("(1, 6)") + ".*" + re.escape("(1, 7)")):
        tln.back_propagation(p, cache, X, np.zeros((1, 6)))
    bad = dict(p, b1=np.zeros(4))
    with pytest.raises(ValueError, match=re.escape("(4,)") + ".*" + re.escape("(4, 3)")):
        tln.forward_propagation(X, bad)
    with pytest.raises(ValueError, match="lack"):
        tln.forward_propagation(X, {"w1": p["w1"]})


def test_gradient_descent_returns_new_arrays_and_leaves_inputs_alone():
    p = _parameters()
    grads = {"d" + k: np.full_like(v, 2.0) for k, v in p.items()}
    p_copy = {k: v.copy() for k, v in p.items()}
    g_copy = {k: v.copy() for k, v in grads.items()}
    new = tln.gradient_descent(p, grads, 0.25)
    for key in p:
        np.testing.assert_array_equal(new[key], p_copy[key] - 0.5)
        np.testing.assert_array_equal(p[key], p_copy[key])
        np.testing.assert_array_equal(grads["d" + key], g_copy["d" + key])
        assert not np.shares_memory(new[key], p[key])
    assert new is not p


def test_gradient_descent_names_both_shapes():
    p = _parameters()
    grads = {"d" + k: np.zeros_like(v) for k, v in p.items()}
    grads["dw1"] = np.zeros((3, 4))
    with pytest.raises(ValueError, match=re.escape("(3, 4)") + ".*" + re.escape("(4, 3)")):
        tln.gradient_descent(p, grads, 0.1)


def test_model_is_the_composition_of_the_pieces():
    X, Y = _data(seed=8, m=10)
    np.random.seed(2)
    parameters, costs = tln.model(X, Y, 4, num_iterations=25, learning_rate=0.3, cost_every=10)
    np.random.seed(2)
    p = tln.init_parameters(3, 4, 1)
    expected_costs = []
    for i in range(25):
        A2, cache = tln.forward_propagation(X, p)
        if i % 10 == 0:
            expected_costs.append(tln.compute_cost(A2, Y))
        p = tln.gradient_descent(p, tln.back_propagation(p, cache, X, Y), 0.3)
    assert costs == expected_costs and len(costs) == 3
    for key in p:
        np.testing.assert_array_equal(parameters[key], p[key])


def test_model_is_deterministic_given_the_seed_and_does_not_modify_data():
    X, Y = seed002_test_case()
    X0, Y0 = X.copy(), Y.copy()
    np.random.seed(4)
    first = tln.model(X, Y, 4, num_iterations=300)
    np.random.seed(4)
    second = tln.model(X, Y, 4, num_iterations=300)
    assert first[1] == second[1]
    for key in first[0]:
        np.testing.assert_array_equal(first[0][key], second[0][key])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


def test_model_learns_the_seed002_test_case_and_predicts():
    X, Y = seed002_test_case()
    np.random.seed(3)
    parameters, costs = tln.model(X, Y, 4, num_iterations=2000)
    assert len(costs) == 2 and costs[1] < 0.01 < 0.69 < costs[0]
    pred = tln.predict(parameters, X)
    assert pred.shape == (1, 3) and pred.dtype == np.float64
    np.testing.assert_array_equal(pred, Y.astype(float))


def test_model_prints_only_when_asked(capsys):
    X, Y = _data()
    np.random.seed(0)
    _, costs = tln.model(X, Y, 3, num_iterations=3, cost_every=2)
    assert capsys.readouterr().out == ""
    np.random.seed(0)
    _, costs = tln.model(X, Y, 3, num_iterations=3, cost_every=2, print_cost=True)
    assert capsys.readouterr().out.splitlines() == [
        f"Cost after iteration 0: {costs[0]:f}", f"Cost after iteration 2: {costs[1]:f}"]


def test_model_names_both_shapes():
    with pytest.raises(ValueError, match=re.escape("(2, 5)") + ".*" + re.escape("(1, 4)")):
        tln.model(np.zeros((2, 5)), np.zeros((1, 4)), 3)
