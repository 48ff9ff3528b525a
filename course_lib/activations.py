"""Activation functions and their derivatives, as plain array-in / array-out functions.

Every function works elementwise: the output has the shape of the input (a scalar in gives a
numpy scalar out). Floating inputs keep their dtype; integer or boolean inputs are computed in
float64.

Two kinds of derivative are provided:

* from the pre-activation ``z`` (``sigmoid_derivative(z)``, ...), the textbook form;
* from the activation's *output* ``a`` (``sigmoid_derivative_from_output(a)`` = a(1 - a), ...),
  the form a layer uses in its backward pass because ``a`` is already cached (seeds/003).

``get_activation(name)`` returns the pair ``(fn, derivative_from_output)`` used by layer objects.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "ACTIVATIONS",
    "get_activation",
    "relu",
    "relu_derivative",
    "relu_derivative_from_output",
    "sigmoid",
    "sigmoid_derivative",
    "sigmoid_derivative_from_output",
    "tanh",
    "tanh_derivative",
    "tanh_derivative_from_output",
]


def _as_float_array(z: ArrayLike) -> np.ndarray:
    """``z`` as a floating array (no copy when it already is one)."""
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    return z


def _result(out: np.ndarray) -> np.ndarray:
    """Unwrap 0-d arrays into numpy scalars, leave other arrays alone."""
    return out[()] if isinstance(out, np.ndarray) and out.ndim == 0 else out


def sigmoid(z: ArrayLike) -> np.ndarray:
    """Logistic function 1 / (1 + exp(-z)), elementwise, numerically stable.

    z: any shape. Returns an array of the same shape with values in [0, 1].
    Never warns: ``sigmoid(-1000.0) == 0.0`` and ``sigmoid(1000.0) == 1.0``, even under
    ``np.errstate(all="raise")``.

    Why the plain formula is stable here: for very negative z, exp(-z) overflows to +inf and
    1 / (1 + inf) is exactly 0.0, the correctly rounded value; for very positive z, exp(-z)
    underflows to 0.0 and the result is exactly 1.0. Everywhere else each of the three
    operations is correct to the last bit or so. The only defect of the formula is that numpy
    *reports* the overflow/underflow, so those two reports (and only those) are switched off
    inside this function. No inf or nan ever leaves it for a finite input.
    """
    z = _as_float_array(z)
    with np.errstate(over="ignore", under="ignore"):
        out = 1.0 / (1.0 + np.exp(-z))
    return _result(out)


def tanh(z: ArrayLike) -> np.ndarray:
    """Hyperbolic tangent, elementwise. z: any shape; returns the same shape, values in [-1, 1]."""
    return _result(np.tanh(_as_float_array(z)))


def relu(z: ArrayLike) -> np.ndarray:
    """Rectified linear unit max(0, z), elementwise. z: any shape; returns the same shape."""
    z = _as_float_array(z)
    return _result(np.maximum(z, 0.0, dtype=z.dtype))


def sigmoid_derivative(z: ArrayLike) -> np.ndarray:
    """d sigmoid / dz at z, elementwise: sigmoid(z) * (1 - sigmoid(z)). Same shape as z.

    Computed as t / (1 + t)^2 with t = exp(-|z|) in (0, 1], which keeps full relative
    precision in both tails (where 1 - sigmoid(z) would round to 0) and never warns: t
    underflowing to 0.0 for |z| > ~745 gives the correctly rounded 0.0.
    """
    z = _as_float_array(z)
    with np.errstate(under="ignore"):
        t = np.exp(-np.abs(z))
        out = t / ((1.0 + t) * (1.0 + t))
    return _result(out)


def tanh_derivative(z: ArrayLike) -> np.ndarray:
    """d tanh / dz at z, elementwise: 1 - tanh(z)^2. Same shape as z."""
    a = np.tanh(_as_float_array(z))
    return _result(1.0 - a * a)


def relu_derivative(z: ArrayLike) -> np.ndarray:
    """d relu / dz at z, elementwise: 1.0 where z > 0, else 0.0 (0.0 at the kink z = 0).

    Same shape and floating dtype as z.
    """
    z = _as_float_array(z)
    return _result((z > 0).astype(z.dtype))


def sigmoid_derivative_from_output(a: ArrayLike) -> np.ndarray:
    """Sigmoid's derivative written through its output a = sigmoid(z): a * (1 - a).

    a: any shape (values in [0, 1]); returns the same shape.
    """
    a = _as_float_array(a)
    return _result(a * (1.0 - a))


def tanh_derivative_from_output(a: ArrayLike) -> np.ndarray:
    """Tanh's derivative written through its output a = tanh(z): 1 - a^2. Same shape as a."""
    a = _as_float_array(a)
    return _result(1.0 - a * a)


def relu_derivative_from_output(a: ArrayLike) -> np.ndarray:
    """ReLU's derivative written through its output a = relu(z): 1.0 where a > 0, else 0.0.

    Same as ``relu_derivative(z)`` because relu(z) > 0 exactly when z > 0. Same shape as a.
    """
    a = _as_float_array(a)
    return _result((a > 0).astype(a.dtype))


Activation = Callable[[ArrayLike], np.ndarray]

#: name -> (activation function, its derivative expressed through the activation's output)
ACTIVATIONS: dict[str, tuple[Activation, Activation]] = {
    "sigmoid": (sigmoid, sigmoid_derivative_from_output),
    "tanh": (tanh, tanh_derivative_from_output),
    "relu": (relu, relu_derivative_from_output),
}


def get_activation(name: str) -> tuple[Activation, Activation]:
    """``(fn, derivative_from_output)`` for the activation called ``name``.

    Names are matched case-insensitively. Raises ValueError listing the valid names when
    ``name`` is not one of them.
    """
    key = name.lower() if isinstance(name, str) else name
    if key not in ACTIVATIONS:
        valid = ", ".join(repr(k) for k in ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; valid names are {valid}")
    return ACTIVATIONS[key]
