import math
import warnings

import numpy as np
import pytest

from course_lib import activations as act
from course_lib.gradient_check import numerical_gradient, relative_error

EXTREMES = np.array([-np.inf, -1e308, -1000.0, -746.0, -709.5, -708.0, -40.0, -1e-300, 0.0,
                     1e-300, 40.0, 708.0, 709.5, 746.0, 1000.0, 1e308, np.inf])


@pytest.fixture
def strict():
    """Every warning, and every numpy floating-point report, becomes an error."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


def test_the_strict_fixture_catches_the_textbook_formula(strict):
    with pytest.raises(FloatingPointError):
        1.0 / (1.0 + np.exp(-np.array([-1000.0])))


def test_sigmoid_of_minus_1000_is_zero_without_any_warning(strict):
    assert act.sigmoid(-1000) == 0.0
    assert act.sigmoid(-1000.0) == 0.0
    assert act.sigmoid(np.array([[-1000.0]]))[0, 0] == 0.0
    assert act.sigmoid(1000.0) == 1.0


def test_sigmoid_on_extremes_is_finite_bounded_and_silent(strict):
    s = act.sigmoid(EXTREMES)
    assert np.all(np.isfinite(s))
    assert np.all((s >= 0.0) & (s <= 1.0))
    assert s[0] == 0.0 and s[-1] == 1.0
    assert s[list(EXTREMES).index(0.0)] == 0.5
    assert np.all(np.diff(s) >= 0)  # monotone


def test_sigmoid_float32_extremes_are_silent(strict):
    z = np.array([-1000.0, -100.0, -88.0, 0.0, 88.0, 100.0, 1000.0], dtype=np.float32)
    s = act.sigmoid(z)
    assert s.dtype == np.float32
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5


def test_sigmoid_matches_the_textbook_formula_where_that_is_safe():
    z = np.linspace(-30, 30, 601)
    expected = np.array([1.0 / (1.0 + math.exp(-v)) for v in z])
    np.testing.assert_allclose(act.sigmoid(z), expected, rtol=1e-15, atol=0)


def test_sigmoid_is_accurate_in_the_far_left_tail():
    # sigmoid(z) ~ exp(z) for z << 0: full relative precision, not rounded to 0
    z = np.array([-50.0, -300.0, -700.0])
    np.testing.assert_allclose(act.sigmoid(z), np.exp(z), rtol=1e-14)


def test_sigmoid_symmetry():
    z = np.linspace(-20, 20, 81)
    np.testing.assert_allclose(act.sigmoid(-z), 1.0 - act.sigmoid(z), atol=1e-16)


def test_shapes_dtypes_and_scalars():
    z = np.arange(12.0).reshape(3, 4) - 6
    for fn in (act.sigmoid, act.tanh, act.relu, act.sigmoid_derivative, act.tanh_derivative,
               act.relu_derivative, act.sigmoid_derivative_from_output,
               act.tanh_derivative_from_output, act.relu_derivative_from_output):
        out = fn(z)
        assert out.shape == (3, 4), fn.__name__
        assert out.dtype == np.float64, fn.__name__
        assert np.ndim(fn(0.3)) == 0, fn.__name__
        assert fn(np.arange(3)).dtype == np.float64, fn.__name__  # ints computed in float64
        assert fn(z.astype(np.float32)).dtype == np.float32, fn.__name__


def test_inputs_are_not_modified():
    z = np.array([-2.0, 0.0, 3.0])
    before = z.copy()
    for fn in (act.sigmoid, act.tanh, act.relu, act.sigmoid_derivative, act.tanh_derivative,
               act.relu_derivative):
        fn(z)
    np.testing.assert_array_equal(z, before)


def test_tanh_and_relu_values():
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(act.tanh(z), np.tanh(z))
    np.testing.assert_array_equal(act.relu(z), [0.0, 0.0, 0.0, 0.5, 3.0])
    assert act.tanh(1000.0) == 1.0


@pytest.mark.parametrize(
    "fn, derivative",
    [(act.sigmoid, act.sigmoid_derivative), (act.tanh, act.tanh_derivative),
     (act.relu, act.relu_derivative)],
)
def test_derivatives_from_z_match_finite_differences(fn, derivative):
    z = np.array([-4.0, -1.3, -0.2, 0.3, 1.1, 5.0])  # away from relu's kink at 0
    numeric = numerical_gradient(lambda v: float(np.sum(fn(v))), z, eps=1e-6)
    assert relative_error(derivative(z), numeric) < 1e-8


@pytest.mark.parametrize(
    "fn, derivative, from_output",
    [(act.sigmoid, act.sigmoid_derivative, act.sigmoid_derivative_from_output),
     (act.tanh, act.tanh_derivative, act.tanh_derivative_from_output),
     (act.relu, act.relu_derivative, act.relu_derivative_from_output)],
)
def test_derivative_from_output_agrees_with_derivative_from_z(fn, derivative, from_output):
    z = np.linspace(-6, 6, 49)
    np.testing.assert_allclose(from_output(fn(z)), derivative(z), rtol=1e-12, atol=1e-15)


def test_derivative_from_output_formulas():
    a = np.array([0.0, 0.25, 0.5, 0.9, 1.0])
    np.testing.assert_array_equal(act.sigmoid_derivative_from_output(a), a * (1 - a))
    np.testing.assert_array_equal(act.tanh_derivative_from_output(a), 1 - a**2)
    np.testing.assert_array_equal(act.relu_derivative_from_output(a), [0, 1, 1, 1, 1])


def test_relu_derivative_is_zero_at_the_kink():
    assert act.relu_derivative(0.0) == 0.0
    assert act.relu_derivative_from_output(0.0) == 0.0


def test_sigmoid_derivative_keeps_precision_in_the_tails_and_never_warns(strict):
    np.testing.assert_allclose(act.sigmoid_derivative(np.array([40.0, -40.0])),
                               np.exp(-40.0), rtol=1e-14)
    assert act.sigmoid_derivative(0.0) == 0.25
    d = act.sigmoid_derivative(EXTREMES)
    assert np.all(np.isfinite(d)) and d[0] == 0.0 and d[-1] == 0.0


def test_get_activation_returns_function_and_derivative_from_output():
    for name in ("sigmoid", "tanh", "relu"):
        fn, derivative = act.get_activation(name)
        assert (fn, derivative) == act.ACTIVATIONS[name]
    assert act.get_activation("Sigmoid")[0] is act.sigmoid
    assert act.get_activation("tanh") == (act.tanh, act.tanh_derivative_from_output)
    assert set(act.ACTIVATIONS) == {"sigmoid", "tanh", "relu"}


def test_get_activation_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError) as info:
        act.get_activation("softmax")
    message = str(info.value)
    assert "softmax" in message
    for name in ("sigmoid", "tanh", "relu"):
        assert name in message
