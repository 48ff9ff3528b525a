import re

import numpy as np
import pytest

from course_lib import activations, cached_activations
from course_lib.gradient_check import numerical_gradient, relative_error


def _well_conditioned(shape, seed):
    """float64 values with |Z| in [0.2, 2]: far from ReLU's kink at 0."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.2, 2.0, size=shape)


@pytest.mark.parametrize("name", ["sigmoid", "relu"])
def test_forward_returns_activation_and_Z_as_cache(name):
    Z = _well_conditioned((3, 5), 0)
    A, cache = getattr(cached_activations, name)(Z)
    assert cache is Z
    np.testing.assert_array_equal(A, getattr(activations, name)(Z))
    assert A.shape == Z.shape


@pytest.mark.parametrize("name", ["sigmoid", "relu"])
def test_backward_passes_gradient_check(name):
    forward = getattr(cached_activations, name)
    backward = getattr(cached_activations, name + "_backward")
    Z = _well_conditioned((4, 6), 1)
    G = np.random.default_rng(2).standard_normal((4, 6))  # dJ/dA for J = sum(G * A)

    def cost(z):
        return float(np.sum(G * forward(z)[0]))

    dZ = backward(G, forward(Z)[1])
    assert dZ.shape == Z.shape
    assert relative_error(dZ, numerical_gradient(cost, Z)) < 1e-7


def test_sigmoid_backward_formula():
    Z = _well_conditioned((2, 3), 3)
    dA = np.full((2, 3), 2.0)
    s = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(cached_activations.sigmoid_backward(dA, Z), dA * s * (1 - s),
                               rtol=1e-13)


def test_relu_backward_zeroes_the_gradient_where_Z_is_not_positive():
    Z = np.array([[-1.0, 0.0, 2.0]])
    dA = np.array([[5.0, 6.0, 7.0]])
    np.testing.assert_array_equal(cached_activations.relu_backward(dA, Z), [[0.0, 0.0, 7.0]])


@pytest.mark.parametrize("name", ["sigmoid_backward", "relu_backward"])
def test_backward_does_not_modify_its_inputs(name):
    Z = _well_conditioned((3, 4), 4)
    dA = np.ones((3, 4))
    Z0, dA0 = Z.copy(), dA.copy()
    dZ = getattr(cached_activations, name)(dA, Z)
    np.testing.assert_array_equal(Z, Z0)
    np.testing.assert_array_equal(dA, dA0)
    assert not np.shares_memory(dZ, dA)


@pytest.mark.parametrize("name", ["sigmoid_backward", "relu_backward"])
def test_backward_shape_mismatch_names_both_shapes(name):
    with pytest.raises(ValueError, match=re.escape("(3, 4)") + ".*" + re.escape("(4, 3)")):
        getattr(cached_activations, name)(np.ones((3, 4)), np.ones((4, 3)))
