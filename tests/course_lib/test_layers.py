"""Tests for course_lib.layers: gradient checks, the fused cost layer, seeds/000 agreement."""

import numpy as np
import pytest

from course_lib import deep_network
from course_lib.gradient_check import gradient_check
from course_lib.layers import Dense, Sequential, SigmoidCrossEntropy, from_parameters


def random_parameters(layer_dims, rng, scale=0.7):
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * scale
        params[f"b{l}"] = rng.standard_normal((layer_dims[l], 1)) * 0.1
    return params


# ---------------------------------------------------------------- Dense


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_dense_gradient_check(activation):
    rng = np.random.default_rng(0)
    values = {
        "W": rng.standard_normal((3, 4)),
        "b": rng.standard_normal((3, 1)),
        "A_prev": rng.standard_normal((4, 6)),
    }
    R = rng.standard_normal((3, 6))  # example i's loss is R[:, i] . A[:, i]; J is their mean
    m = 6

    def cost(v):
        return np.sum(R * Dense(v["W"], v["b"], activation).forward(v["A_prev"])) / m

    layer = Dense(values["W"], values["b"], activation)
    layer.forward(values["A_prev"])
    dA_prev = layer.backward(R)  # per-example gradients: dJ/dA_prev = dA_prev / m
    grads = {"dW": layer.dW, "db": layer.db, "dA_prev": dA_prev / m}
    errors = gradient_check(cost, values, grads, eps=1e-6)
    assert max(errors.values()) < 1e-7, errors
    assert layer.dW.shape == (3, 4) and layer.db.shape == (3, 1) and dA_prev.shape == (4, 6)


@pytest.mark.parametrize(
    "activation, derivative",
    [
        ("sigmoid", lambda a: a * (1 - a)),
        ("tanh", lambda a: 1 - a**2),
        ("relu", lambda a: (a > 0).astype(float)),
    ],
)
def test_dense_uses_derivative_from_cached_output(activation, derivative):
    rng = np.random.default_rng(1)
    layer = Dense(rng.standard_normal((2, 3)), np.zeros((2, 1)), activation)
    A = layer.forward(rng.standard_normal((3, 5)))
    dA = rng.standard_normal((2, 5))
    dA_prev = layer.backward(dA)
    np.testing.assert_allclose(dA_prev, layer.W.T @ (dA * derivative(A)), rtol=1e-14, atol=0)


def test_dense_errors():
    with pytest.raises(ValueError, match=r"'softplus'.*'sigmoid'.*'tanh'.*'relu'"):
        Dense(np.zeros((2, 3)), np.zeros((2, 1)), "softplus")
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 1\)"):
        Dense(np.zeros((2, 3)), np.zeros((3, 1)), "relu")
    layer = Dense(np.zeros((2, 3)), np.zeros((2, 1)), "relu")
    with pytest.raises(ValueError, match=r"\(4, 5\).*\(2, 3\)"):
        layer.forward(np.zeros((4, 5)))
    with pytest.raises(RuntimeError):
        layer.backward(np.zeros((2, 5)))
    layer.forward(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"\(2, 4\).*\(2, 5\)"):
        layer.backward(np.zeros((2, 4)))


# ---------------------------------------------------------------- cost layer and fusion


def test_cost_layer_value_and_errors():
    cost = SigmoidCrossEntropy()
    AL = np.array([[0.8, 0.1]])
    Y = np.array([[1.0, 0.0]])
    assert cost.forward(AL, Y) == pytest.approx(-(np.log(0.8) + np.log(0.9)) / 2, rel=1e-15)
    np.testing.assert_array_equal(cost.backward(), AL - Y)
    with pytest.raises(ValueError, match=r"\(1, 2\).*\(2, 1\)"):
        cost.forward(AL, Y.T)


def test_fused_gradient_equals_unfused_chain():
    rng = np.random.default_rng(2)
    W, b = rng.standard_normal((1, 4)), rng.standard_normal((1, 1))
    A_prev = rng.standard_normal((4, 7))
    Y = (rng.random((1, 7)) > 0.5).astype(float)

    fused = Sequential([Dense(W, b, "sigmoid")], SigmoidCrossEntropy())
    fused.cost(fused.forward(A_prev), Y)
    fused.backward()
    parent = fused.layers[0]
    assert parent.feeds_fused_cost

    unfused = Dense(W, b, "sigmoid")
    A = unfused.forward(A_prev)
    dA = -(Y / A - (1 - Y) / (1 - A))
    unfused.backward(dA)  # multiplies by sigmoid'(Z) = A(1 - A)

    np.testing.assert_allclose(fused.cost_layer.backward(), dA * A * (1 - A), rtol=0, atol=1e-12)
    np.testing.assert_allclose(parent.dW, unfused.dW, rtol=0, atol=1e-12)
    np.testing.assert_allclose(parent.db, unfused.db, rtol=0, atol=1e-12)
    np.testing.assert_allclose(parent.dA_prev, unfused.dA_prev, rtol=0, atol=1e-12)


def test_fusion_requires_a_sigmoid_parent():
    with pytest.raises(ValueError, match="'sigmoid'.*'relu'"):
        Sequential([Dense(np.ones((1, 2)), np.zeros((1, 1)), "relu")], SigmoidCrossEntropy())


# ---------------------------------------------------------------- Sequential


def make_net_and_data(layer_dims=(5, 4, 3, 1), m=8, seed=3):
    rng = np.random.default_rng(seed)
    params = random_parameters(list(layer_dims), rng)
    X = rng.standard_normal((layer_dims[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return params, X, Y


def test_sequential_gradient_check():
    params, X, Y = make_net_and_data()
    m = X.shape[1]

    def cost(v):
        net = from_parameters({k: a for k, a in v.items() if k != "X"})
        return net.cost(net.forward(v["X"]), Y)

    net = from_parameters(params)
    net.cost(net.forward(X), Y)
    dX = net.backward()
    grads = {**net.gradients(), "dX": dX / m}
    errors = gradient_check(cost, {**params, "X": X}, grads, eps=1e-6)
    assert set(errors) == {"W1", "b1", "W2", "b2", "W3", "b3", "X"}
    assert max(errors.values()) < 1e-7, errors
    np.testing.assert_array_equal(grads["dA0"], dX)


def test_sequential_step_and_training_lowers_the_cost():
    params, X, Y = make_net_and_data()
    net = from_parameters(params)
    net.cost(net.forward(X), Y)
    net.backward()
    expected = {k: v - 0.1 * net.gradients()[f"d{k}"] for k, v in params.items()}
    net.step(0.1)
    for key, value in net.parameters().items():
        np.testing.assert_allclose(value, expected[key], rtol=1e-15, atol=1e-15)
    costs = []
    for _ in range(300):
        costs.append(net.cost(net.forward(X), Y))
        net.backward()
        net.step(0.5)
    assert costs[-1] < costs[0] / 2
    np.testing.assert_array_equal(net.predict(X), Y)


def test_from_parameters_builds_seed000_network_and_copies():
    params, X, Y = make_net_and_data(layer_dims=(5, 4, 3, 1))
    before = {k: v.copy() for k, v in params.items()}
    net = from_parameters(params)
    assert [layer.activation for layer in net.layers] == ["relu", "relu", "sigmoid"]
    assert [layer.W.shape for layer in net.layers] == [(4, 5), (3, 4), (1, 3)]
    net.cost(net.forward(X), Y)
    net.backward()
    net.step(1.0)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])


def test_sequential_errors():
    hidden = Dense(np.ones((4, 5)), np.zeros((4, 1)), "relu")
    output = Dense(np.ones((1, 3)), np.zeros((1, 1)), "sigmoid")
    with pytest.raises(ValueError, match=r"\(4, 5\).*\(1, 3\)"):
        Sequential([hidden, output], SigmoidCrossEntropy())
    with pytest.raises(ValueError, match="W1, b1"):
        from_parameters({"W1": np.ones((1, 2)), "b2": np.zeros((1, 1))})
    net = from_parameters({"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))})
    with pytest.raises(RuntimeError):
        net.step(0.1)


# ---------------------------------------------------------------- agreement with seeds/000


def test_sequential_reproduces_deep_network():
    params, X, Y = make_net_and_data(layer_dims=(6, 5, 4, 3, 1), m=10, seed=7)
    AL, caches = deep_network.L_model_forward(X, params)
    cost = deep_network.compute_cost(AL, Y)
    grads = deep_network.L_model_backward(AL, Y, caches)

    net = from_parameters(params)
    net_AL = net.forward(X)
    net_cost = net.cost(net_AL, Y)
    net.backward()
    net_grads = net.gradients()

    np.testing.assert_allclose(net_AL, AL, rtol=0, atol=1e-12)
    assert abs(net_cost - float(cost)) < 1e-12
    assert set(net_grads) == set(grads)
    for key, value in net_grads.items():
        np.testing.assert_allclose(value, grads[key], rtol=0, atol=1e-12, err_msg=key)
