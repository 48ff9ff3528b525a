"""seeds/000's activation helpers: forward returns ``(A, cache)``, backward takes that cache.

The deep-network code (``deep_network``) uses these without defining them in the article:
``sigmoid(Z) -> (A, Z)``, ``relu(Z) -> (A, Z)`` keep the pre-activation ``Z`` as their cache,
and ``sigmoid_backward(dA, Z)`` / ``relu_backward(dA, Z)`` turn the gradient with respect to
``A`` into the gradient with respect to ``Z`` (chain rule through the elementwise activation).
All arrays here have the same shape, (n[l], m) in the network.
"""

from __future__ import annotations

import numpy as np

from course_lib import activations

__all__ = ["relu", "relu_backward", "sigmoid", "sigmoid_backward"]


def sigmoid(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sigmoid of Z. Z: (n, m). Returns ``(A, cache)``: A (n, m) and cache = Z itself."""
    Z = np.asarray(Z)
    return activations.sigmoid(Z), Z


def relu(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ReLU of Z. Z: (n, m). Returns ``(A, cache)``: A (n, m) and cache = Z itself."""
    Z = np.asarray(Z)
    return activations.relu(Z), Z


def _check_same_shape(dA: np.ndarray, Z: np.ndarray, fn: str) -> None:
    if dA.shape != Z.shape:
        raise ValueError(
            f"{fn}: dA has shape {dA.shape} but the cached Z has shape {Z.shape}; "
            "they must be equal"
        )


def sigmoid_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """Gradient through a sigmoid: dZ = dA * s * (1 - s) with s = sigmoid(Z).

    dA: (n, m) gradient with respect to the activation. cache: Z (n, m) from ``sigmoid``.
    Returns dZ (n, m), a new array. ValueError naming both shapes when they differ.
    """
    dA = np.asarray(dA)
    Z = np.asarray(cache)
    _check_same_shape(dA, Z, "sigmoid_backward")
    return dA * activations.sigmoid_derivative(Z)


def relu_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """Gradient through a ReLU: dZ = dA where Z > 0, 0 elsewhere (0 at the kink Z = 0).

    dA: (n, m) gradient with respect to the activation. cache: Z (n, m) from ``relu``.
    Returns dZ (n, m), a new array. ValueError naming both shapes when they differ.
    """
    dA = np.asarray(dA)
    Z = np.asarray(cache)
    _check_same_shape(dA, Z, "relu_backward")
    return dA * (Z > 0)
