"""Gradient checking by centred finite differences.

``numerical_gradient(f, x)`` estimates df/dx entry by entry with
(f(x + eps e_i) - f(x - eps e_i)) / (2 eps); ``gradient_check`` does that for every array of a
parameters dict and compares with the analytic gradients through ``relative_error``
||a - b|| / (||a|| + ||b||). With float64 and eps = 1e-7 a correct backward pass typically
gives relative errors below 1e-7; a wrong one gives errors of order 1e-2 to 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["gradient_check", "numerical_gradient", "relative_error"]


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    """||a - b|| / (||a|| + ||b||) with Euclidean norms over all entries; 0/0 is defined as 0.

    a, b: arrays of the same shape (or scalars). ValueError naming both shapes otherwise.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}; they must be equal")
    denominator = np.linalg.norm(a.ravel()) + np.linalg.norm(b.ravel())
    if denominator == 0.0:
        return 0.0
    return float(np.linalg.norm((a - b).ravel()) / denominator)


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: ArrayLike, eps: float = 1e-7
) -> np.ndarray:
    """Centred finite-difference gradient of the scalar function ``f`` at ``x``.

    x: array of any shape (a float64 copy is perturbed; ``x`` itself is never modified).
    Returns an array of x's shape whose entry i is (f(x + eps e_i) - f(x - eps e_i)) divided
    by the actual distance between the two perturbed values (2 eps up to rounding).
    """
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    point = np.array(x, dtype=float)  # a copy we may perturb
    flat = point.reshape(-1)  # a view of that copy
    grad = np.empty(point.size)
    for i in range(point.size):
        original = flat[i]
        flat[i] = original + eps
        upper, f_upper = flat[i], float(f(point))
        flat[i] = original - eps
        lower, f_lower = flat[i], float(f(point))
        flat[i] = original
        grad[i] = (f_upper - f_lower) / (upper - lower)
    return grad.reshape(point.shape)


def _gradient_for(grads: Mapping[str, Any], name: str) -> Any:
    for key in ("d" + name, name):
        if key in grads:
            return grads[key]
    raise ValueError(f"no gradient for parameter {name!r}: expected key 'd{name}' among "
                     f"{sorted(grads)}")


def gradient_check(
    cost_fn: Callable[[dict[str, Any]], float],
    parameters: Mapping[str, Any],
    grads: Mapping[str, Any],
    eps: float = 1e-7,
) -> dict[str, float]:
    """Compare analytic gradients with centred finite differences, parameter by parameter.

    cost_fn: maps a parameters dict to the scalar cost. parameters: name -> array (or
    scalar). grads: the analytic gradients, keyed ``"d" + name`` (``dW1`` for ``W1``, ``dw``
    for ``w``) or ``name``, each of its parameter's shape. Returns name -> relative error.
    ``parameters`` is not modified: each name is perturbed in a copy. ValueError naming both
    shapes when a gradient's shape differs from its parameter's.
    """
    errors: dict[str, float] = {}
    for name, value in parameters.items():
        analytic = np.asarray(_gradient_for(grads, name), dtype=float)
        if analytic.shape != np.shape(value):
            raise ValueError(f"d{name} has shape {analytic.shape} but {name} has shape "
                             f"{np.shape(value)}; they must be equal")

        def cost_at(v: np.ndarray, name: str = name) -> float:
            trial = dict(parameters)
            trial[name] = v
            return cost_fn(trial)

        errors[name] = relative_error(analytic, numerical_gradient(cost_at, value, eps))
    return errors
