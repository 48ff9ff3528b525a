import math
import re

import numpy as np
import pytest

from course_lib import deep_network as dn
from course_lib.gradient_check import gradient_check, numerical_gradient, relative_error
from course_lib.initialization import initialize_parameters_he, initialize_parameters_zeros

# seeds/000, documented_outputs.md: print(parameters["W1"]) etc. after
# initialize_parameters_deep([5, 4, 3]).
DOCUMENTED_W1 = """\
[[ 0.01788628  0.0043651   0.00096497 -0.01863493 -0.00277388]
 [-0.00354759 -0.00082741 -0.00627001 -0.00043818 -0.00477218]
 [-0.01313865  0.00884622  0.00881318  0.01709573  0.00050034]
 [-0.00404677 -0.0054536  -0.01546477  0.00982367 -0.01101068]]"""
DOCUMENTED_W2 = """\
[[-0.01185047 -0.0020565   0.01486148  0.00236716]
 [-0.01023785 -0.00712993  0.00625245 -0.00160513]
 [-0.00768836 -0.00230031  0.00745056  0.01976111]]"""
DOCUMENTED_B1 = "[[0.]\n [0.]\n [0.]\n [0.]]"
DOCUMENTED_B2 = "[[0.]\n [0.]\n [0.]]"


def _numbers(printed):
    return np.array([float(t) for t in printed.replace("[", " ").replace("]", " ").split()])


def _printed(array):
    """str(array) under numpy's default print options, as the article printed it."""
    with np.printoptions(precision=8, floatmode="maxprec", suppress=False, linewidth=75,
                         legacy=False):
        return str(array)


def _network(dims=(4, 5, 3, 1), m=6, seed=0):
    """Parameters, X, Y with every ReLU pre-activation well away from the kink at 0."""
    rng = np.random.default_rng(seed)
    for _ in range(100):
        parameters = {}
        for l in range(1, len(dims)):
            parameters[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * 0.9
            parameters[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.3
        X = rng.standard_normal((dims[0], m))
        _, caches = dn.L_model_forward(X, parameters)
        if min((np.abs(c[1]).min() for c in caches[:-1]), default=1.0) > 0.05:
            Y = (rng.random((1, m)) > 0.5).astype(float)
            return parameters, X, Y
    raise AssertionError("no well-conditioned network found")


# ---------------------------------------------------------------- documented outputs


def test_initialize_parameters_deep_reproduces_the_documented_print():
    p = dn.initialize_parameters_deep([5, 4, 3])
    assert _printed(p["W1"]) == DOCUMENTED_W1
    assert _printed(p["b1"]) == DOCUMENTED_B1
    assert _printed(p["W2"]) == DOCUMENTED_W2
    assert _printed(p["b2"]) == DOCUMENTED_B2
    np.testing.assert_allclose(p["W1"].ravel(), _numbers(DOCUMENTED_W1), rtol=0, atol=5e-9)
    np.testing.assert_allclose(p["W2"].ravel(), _numbers(DOCUMENTED_W2), rtol=0, atol=5e-9)
    assert list(p) == ["W1", "b1", "W2", "b2"]


def test_initialize_parameters_deep_reseeds_so_global_state_does_not_matter():
    np.random.seed(123)
    np.random.rand(17)
    a = dn.initialize_parameters_deep([5, 4, 3])
    b = dn.initialize_parameters_deep([5, 4, 3])
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert _printed(a["W1"]) == DOCUMENTED_W1


@pytest.mark.parametrize("dims", [[5], [], [3, 0, 1], [3, -1], [2.0, 3], [True, 2]])
def test_initialize_parameters_deep_rejects_bad_dims(dims):
    with pytest.raises(ValueError, match="layer_dims"):
        dn.initialize_parameters_deep(dims)


# ---------------------------------------------------------------- forward


def test_linear_forward_value_and_cache():
    rng = np.random.default_rng(1)
    A, W, b = rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal((4, 1))
    Z, cache = dn.linear_forward(A, W, b)
    assert Z.shape == (4, 2)
    np.testing.assert_allclose(Z, np.dot(W, A) + b, rtol=1e-14)
    assert cache[0] is A and cache[1] is W and cache[2] is b


def test_linear_forward_names_both_shapes():
    with pytest.raises(ValueError, match=re.escape("(4, 5)") + ".*" + re.escape("(3, 2)")):
        dn.linear_forward(np.zeros((3, 2)), np.zeros((4, 5)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match=re.escape("(4,)") + ".*" + re.escape("(4, 3)")):
        dn.linear_forward(np.zeros((3, 2)), np.zeros((4, 3)), np.zeros(4))


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_linear_activation_forward_cache_layout(activation):
    rng = np.random.default_rng(2)
    A_prev, W, b = rng.standard_normal((3, 5)), rng.standard_normal((2, 3)), np.ones((2, 1))
    A, cache = dn.linear_activation_forward(A_prev, W, b, activation)
    (cached_A, cached_W, cached_b), Z = cache
    assert cached_A is A_prev and cached_W is W and cached_b is b
    np.testing.assert_allclose(Z, W @ A_prev + b, rtol=1e-14)
    expected = 1 / (1 + np.exp(-Z)) if activation == "sigmoid" else np.maximum(Z, 0)
    np.testing.assert_allclose(A, expected, rtol=1e-14)


def test_unknown_activation_lists_the_valid_ones():
    A, W, b = np.ones((2, 3)), np.ones((1, 2)), np.zeros((1, 1))
    with pytest.raises(ValueError, match="tanh.*'sigmoid'.*'relu'"):
        dn.linear_activation_forward(A, W, b, "tanh")
    _, cache = dn.linear_activation_forward(A, W, b, "relu")
    with pytest.raises(ValueError, match="Relu.*'sigmoid'.*'relu'"):
        dn.linear_activation_backward(np.ones((1, 3)), cache, "Relu")


def test_L_model_forward_composes_layers():
    parameters, X, _ = _network()
    AL, caches = dn.L_model_forward(X, parameters)
    assert AL.shape == (1, 6) and len(caches) == 3
    A = X
    for l in (1, 2):
        A = np.maximum(parameters[f"W{l}"] @ A + parameters[f"b{l}"], 0)
    expected = 1 / (1 + np.exp(-(parameters["W3"] @ A + parameters["b3"])))
    np.testing.assert_allclose(AL, expected, rtol=1e-13)
    assert caches[0][0][0] is X or np.shares_memory(caches[0][0][0], X)


def test_L_model_forward_rejects_incomplete_parameters():
    parameters, X, _ = _network()
    del parameters["b2"]
    with pytest.raises(ValueError, match="W1, b1"):
        dn.L_model_forward(X, parameters)


def test_compute_cost_matches_a_loop_over_examples_and_names_shapes():
    rng = np.random.default_rng(3)
    AL = rng.uniform(0.05, 0.95, (1, 8))
    Y = (rng.random((1, 8)) > 0.5).astype(float)
    expected = -sum(Y[0, i] * math.log(AL[0, i]) + (1 - Y[0, i]) * math.log(1 - AL[0, i])
                    for i in range(8)) / 8
    cost = dn.compute_cost(AL, Y)
    assert isinstance(cost, float) and cost == pytest.approx(expected, rel=1e-13)
    with pytest.raises(ValueError, match=re.escape("(1, 8)") + ".*" + re.escape("(8, 1)")):
        dn.compute_cost(AL, Y.T)


# ---------------------------------------------------------------- backward: gradient checks


def test_linear_backward_passes_gradient_check():
    rng = np.random.default_rng(4)
    m = 5
    A, W, b = rng.standard_normal((3, m)), rng.standard_normal((4, 3)), rng.standard_normal((4, 1))
    G = rng.standard_normal((4, m))  # dZ: gradient of the summed loss sum(G * Z)

    def cost(p):  # the mean cost J = sum(G * Z) / m
        return float(np.sum(G * dn.linear_forward(p["A"], p["W"], p["b"])[0])) / m

    dA_prev, dW, db = dn.linear_backward(G, (A, W, b))
    assert dA_prev.shape == A.shape and dW.shape == W.shape and db.shape == b.shape
    # dA_prev is not divided by m (the article's convention): compare dA_prev / m with dJ/dA
    errors = gradient_check(cost, {"A": A, "W": W, "b": b}, {"dA": dA_prev / m, "dW": dW,
                                                             "db": db})
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_linear_activation_backward_passes_gradient_check(activation):
    rng = np.random.default_rng(5)
    m = 6
    A_prev = rng.standard_normal((3, m))
    W = rng.standard_normal((2, 3))
    b = rng.standard_normal((2, 1))
    Z = W @ A_prev + b
    assert np.abs(Z).min() > 1e-3  # away from ReLU's kink
    G = rng.standard_normal((2, m))

    def cost(p):
        return float(np.sum(G * dn.linear_activation_forward(p["A"], p["W"], p["b"],
                                                             activation)[0])) / m

    _, cache = dn.linear_activation_forward(A_prev, W, b, activation)
    dA_prev, dW, db = dn.linear_activation_backward(G, cache, activation)
    errors = gradient_check(cost, {"A": A_prev, "W": W, "b": b},
                            {"dA": dA_prev / m, "dW": dW, "db": db})
    assert max(errors.values()) < 1e-7, errors


def test_linear_backward_names_the_shapes():
    A, W, b = np.zeros((3, 5)), np.zeros((4, 3)), np.zeros((4, 1))
    with pytest.raises(ValueError, match=re.escape("(4, 6)") + ".*" + re.escape("(4, 3)")):
        dn.linear_backward(np.zeros((4, 6)), (A, W, b))


@pytest.mark.parametrize("dims", [(4, 5, 3, 1), (3, 1), (2, 4, 1)])
def test_L_model_backward_passes_gradient_check_for_every_parameter(dims):
    parameters, X, Y = _network(dims, seed=len(dims))
    AL, caches = dn.L_model_forward(X, parameters)
    grads = dn.L_model_backward(AL, Y, caches)
    L = len(dims) - 1
    expected_keys = ({f"dW{l}" for l in range(1, L + 1)} | {f"db{l}" for l in range(1, L + 1)}
                     | {f"dA{l}" for l in range(L)})
    assert set(grads) == expected_keys

    def cost(p):
        return dn.compute_cost(dn.L_model_forward(X, p)[0], Y)

    errors = gradient_check(cost, parameters, grads)
    assert max(errors.values()) < 1e-7, errors


def test_L_model_backward_dA_l_is_the_gradient_with_respect_to_A_l():
    """dA{l} (times 1/m) = dJ/dA[l] for every l = 0..L-1; dA0 is the gradient w.r.t. X."""
    dims = (4, 5, 3, 1)
    parameters, X, Y = _network(dims, seed=9)
    m = X.shape[1]
    AL, caches = dn.L_model_forward(X, parameters)
    grads = dn.L_model_backward(AL, Y, caches)
    L = len(dims) - 1
    for l in range(L):
        A_l = caches[l][0][0]  # the input of layer l+1 is A[l]
        tail = {f"{k}{j - l}": parameters[f"{k}{j}"] for j in range(l + 1, L + 1) for k in "Wb"}

        def cost_from_A_l(A, tail=tail):
            return dn.compute_cost(dn.L_model_forward(A, tail)[0], Y)

        numeric = numerical_gradient(cost_from_A_l, A_l)
        assert grads[f"dA{l}"].shape == A_l.shape
        assert relative_error(grads[f"dA{l}"] / m, numeric) < 1e-7, l
    np.testing.assert_array_equal(caches[0][0][0], X)


def test_L_model_backward_accepts_flat_labels_and_names_bad_shapes():
    parameters, X, Y = _network()
    AL, caches = dn.L_model_forward(X, parameters)
    a = dn.L_model_backward(AL, Y, caches)
    b = dn.L_model_backward(AL, Y.ravel(), caches)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    with pytest.raises(ValueError, match=re.escape("(1, 5)") + ".*" + re.escape("(1, 6)")):
        dn.L_model_backward(AL, Y[:, :5], caches)


def test_L_model_backward_is_deterministic_and_leaves_inputs_alone():
    parameters, X, Y = _network()
    AL, caches = dn.L_model_forward(X, parameters)
    AL0, Y0 = AL.copy(), Y.copy()
    g1 = dn.L_model_backward(AL, Y, caches)
    g2 = dn.L_model_backward(AL, Y, caches)
    for key in g1:
        np.testing.assert_array_equal(g1[key], g2[key])
    np.testing.assert_array_equal(AL, AL0)
    np.testing.assert_array_equal(Y, Y0)


def test_training_gradients_agree_with_L_model_backward():
    parameters, X, Y = _network(seed=11)
    AL, caches = dn.L_model_forward(X, parameters)
    reference = dn.L_model_backward(AL, Y, caches)
    fast = dn._training_gradients(AL, Y, caches)
    assert set(fast) == {k for k in reference if not k.startswith("dA")}
    for key in fast:
        np.testing.assert_allclose(fast[key], reference[key], rtol=1e-10, atol=1e-15)


# ---------------------------------------------------------------- update and training


def test_update_parameters_returns_new_arrays_and_leaves_inputs_alone():
    parameters, X, Y = _network()
    grads = dn.L_model_backward(*dn.L_model_forward(X, parameters)[:1], Y,
                                dn.L_model_forward(X, parameters)[1])
    p0 = {k: v.copy() for k, v in parameters.items()}
    g0 = {k: v.copy() for k, v in grads.items()}
    new = dn.update_parameters(parameters, grads, 0.1)
    assert set(new) == set(parameters)
    for key in parameters:
        np.testing.assert_array_equal(parameters[key], p0[key])
        np.testing.assert_allclose(new[key], p0[key] - 0.1 * g0["d" + key], rtol=1e-15)
        assert not np.shares_memory(new[key], parameters[key])
    for key in grads:
        np.testing.assert_array_equal(grads[key], g0[key])


def test_update_parameters_names_both_shapes():
    parameters = {"W1": np.zeros((2, 3)), "b1": np.zeros((2, 1))}
    grads = {"dW1": np.zeros((3, 2)), "db1": np.zeros((2, 1))}
    with pytest.raises(ValueError, match=re.escape("(3, 2)") + ".*" + re.escape("(2, 3)")):
        dn.update_parameters(parameters, grads, 0.1)


def _separable(m=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, m))
    Y = ((X[0] + 0.5 * X[1] ** 2 - 0.5 > 0).astype(float)).reshape(1, m)
    return X, Y


def test_L_layer_model_trains_records_every_100_and_is_deterministic():
    X, Y = _separable()
    X0, Y0 = X.copy(), Y.copy()
    p1, costs1 = dn.L_layer_model(X, Y, [3, 5, 1], learning_rate=0.5, num_iterations=301,
                                  initializer=initialize_parameters_he)
    p2, costs2 = dn.L_layer_model(X, Y, [3, 5, 1], learning_rate=0.5, num_iterations=301,
                                  initializer=initialize_parameters_he)
    assert len(costs1) == 4 and costs1 == costs2
    for key in p1:
        np.testing.assert_array_equal(p1[key], p2[key])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    assert costs1[-1] < 0.5 * costs1[0]
    assert dn.accuracy(dn.predict(X, p1), Y) > 0.9


def test_L_layer_model_is_the_composition_of_the_article_functions():
    X, Y = _separable(m=20, seed=1)
    parameters, costs = dn.L_layer_model(X, Y, [3, 4, 2, 1], learning_rate=0.3,
                                         num_iterations=120, initializer=initialize_parameters_he)
    p = initialize_parameters_he([3, 4, 2, 1])
    expected_costs = []
    for i in range(120):
        AL, caches = dn.L_model_forward(X, p)
        if i % 100 == 0:
            expected_costs.append(dn.compute_cost(AL, Y))
        p = dn.update_parameters(p, dn.L_model_backward(AL, Y, caches), 0.3)
    np.testing.assert_allclose(costs, expected_costs, rtol=1e-12)
    for key in p:
        np.testing.assert_allclose(parameters[key], p[key], rtol=1e-9, atol=1e-15)


def test_L_layer_model_default_initializer_is_the_articles():
    X, Y = _separable(m=10)
    parameters, costs = dn.L_layer_model(X, Y, [3, 2, 1], num_iterations=1)
    _, costs_explicit = dn.L_layer_model(X, Y, [3, 2, 1], num_iterations=1,
                                         initializer=dn.initialize_parameters_deep)
    assert costs == costs_explicit
    assert costs[0] == pytest.approx(math.log(2), abs=1e-3)  # tiny weights: AL ~ 0.5


def test_L_layer_model_with_zero_initialization_never_breaks_symmetry():
    X, Y = _separable(m=30)
    parameters, _ = dn.L_layer_model(X, Y, [3, 4, 1], learning_rate=0.5, num_iterations=200,
                                     initializer=initialize_parameters_zeros)
    W1 = parameters["W1"]
    np.testing.assert_array_equal(W1, np.broadcast_to(W1[0], W1.shape))


def test_L_layer_model_prints_only_when_asked(capsys):
    X, Y = _separable(m=10)
    _, costs = dn.L_layer_model(X, Y, [3, 2, 1], num_iterations=101)
    assert capsys.readouterr().out == ""
    _, costs = dn.L_layer_model(X, Y, [3, 2, 1], num_iterations=101, print_cost=True)
    assert capsys.readouterr().out.splitlines() == [
        f"Cost after iteration {i}: {c:f}" for i, c in zip((0, 100), costs, strict=True)]


def test_L_layer_model_bad_input():
    X, Y = _separable(m=10)
    with pytest.raises(ValueError, match=re.escape("(3, 10)") + ".*4"):
        dn.L_layer_model(X, Y, [4, 2, 1], num_iterations=1)
    with pytest.raises(ValueError, match=re.escape("(1, 9)") + ".*" + re.escape("(3, 10)")):
        dn.L_layer_model(X, Y[:, :9], [3, 2, 1], num_iterations=1)
    with pytest.raises(TypeError, match="'he'.*INITIALIZERS"):
        dn.L_layer_model(X, Y, [3, 2, 1], num_iterations=1, initializer="he")


def test_predict_and_accuracy():
    parameters = {"W1": np.array([[1.0, -1.0]]), "b1": np.zeros((1, 1))}
    X = np.array([[2.0, 0.0, 1.0], [1.0, 3.0, 1.0]])
    pred = dn.predict(X, parameters)
    np.testing.assert_array_equal(pred, [[1.0, 0.0, 0.0]])  # 0.5 is not > 0.5
    assert dn.accuracy(pred, np.array([[1.0, 1.0, 0.0]])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match=re.escape("(1, 3)") + ".*" + re.escape("(3,)")):
        dn.accuracy(pred, np.zeros(3))
