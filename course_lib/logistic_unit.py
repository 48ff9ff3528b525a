"""Logistic regression as the smallest neural network: one sigmoid unit.

Shapes: X (n_features, m), Y (1, m) with 0/1 labels, w (n_features, 1), b a scalar.
Forward: A = sigmoid(w.T @ X + b), shape (1, m). Cost: mean binary cross-entropy
J = -(1/m) sum(Y log A + (1 - Y) log(1 - A)). Gradients: dw = X (A - Y).T / m, shape
(n_features, 1); db = sum(A - Y) / m, a float.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_lib.activations import sigmoid
from course_lib.losses import binary_cross_entropy

__all__ = ["initialize_with_zeros", "model", "optimize", "predict", "propagate", "sigmoid"]


def _check_w_X(w: np.ndarray, X: np.ndarray) -> None:
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}; it must be 2-D (n_features, m)")
    if w.shape != (X.shape[0], 1):
        raise ValueError(
            f"w has shape {w.shape} but X has shape {X.shape}: "
            f"w must be (n_features, 1) = ({X.shape[0]}, 1)"
        )


def _check_Y(Y: np.ndarray, X: np.ndarray) -> None:
    if Y.shape != (1, X.shape[1]):
        raise ValueError(
            f"Y has shape {Y.shape} but X has shape {X.shape}: Y must be (1, m) = (1, {X.shape[1]})"
        )


def _check_b(b: float | np.ndarray) -> None:
    if np.size(b) != 1:
        raise ValueError(f"b has shape {np.shape(b)}; it must be a scalar")


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    """Zero parameters for ``dim`` input features: ``(w, b)`` with w (dim, 1) zeros, b = 0.0."""
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
        raise ValueError(f"dim must be a positive integer, got {dim!r}")
    return np.zeros((int(dim), 1)), 0.0


def propagate(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray
) -> tuple[dict[str, Any], float]:
    """One forward and backward pass.

    w: (n_features, 1); b: scalar; X: (n_features, m); Y: (1, m).
    Returns ``({"dw": (n_features, 1) array, "db": float}, cost float)``.
    ValueError naming both shapes when w, X or Y disagree.
    """
    w, X, Y = np.asarray(w), np.asarray(X), np.asarray(Y, dtype=float)
    _check_w_X(w, X)
    _check_Y(Y, X)
    _check_b(b)
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    cost = binary_cross_entropy(A, Y)
    dZ = A - Y
    grads = {"dw": (X @ dZ.T) / m, "db": float(np.sum(dZ)) / m}
    return grads, cost


def optimize(
    w: np.ndarray,
    b: float,
    X: np.ndarray,
    Y: np.ndarray,
    num_iterations: int = 100,
    learning_rate: float = 0.009,
    print_cost: bool = False,
) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
    """Full-batch gradient descent on (w, b); the inputs are never modified.

    w: (n_features, 1); b: scalar; X: (n_features, m); Y: (1, m).
    Returns ``(params, grads, costs)``: params ``{"w", "b"}`` after ``num_iterations`` steps,
    grads ``{"dw", "db"}`` of the last step, and the cost before steps 0, 100, 200, ...
    With ``print_cost=True`` those costs are also printed.
    """
    costs: list[float] = []
    grads: dict[str, Any] = {}
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    return {"w": w, "b": b}, grads, costs


def predict(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """0/1 predictions: 1.0 where sigmoid(w.T @ X + b) > 0.5. w: (n, 1); X: (n, m) -> (1, m)."""
    w, X = np.asarray(w), np.asarray(X)
    _check_w_X(w, X)
    _check_b(b)
    return (sigmoid(w.T @ X + b) > 0.5).astype(float)


def model(
    X_train: np.ndarray,
    Y_train: np.ndarray,
    X_test: np.ndarray,
    Y_test: np.ndarray,
    num_iterations: int = 2000,
    learning_rate: float = 0.5,
    print_cost: bool = False,
) -> dict[str, Any]:
    """Train a logistic unit from zero parameters and evaluate it.

    X_train: (n, m_train); Y_train: (1, m_train); X_test: (n, m_test); Y_test: (1, m_test).
    Returns a dict with ``costs`` (every 100 iterations), ``Y_prediction_test`` (1, m_test),
    ``Y_prediction_train`` (1, m_train), ``w`` (n, 1), ``b``, ``learning_rate``,
    ``num_iterations``, and ``train_accuracy`` / ``test_accuracy`` as fractions in [0, 1].
    """
    X_train, X_test = np.asarray(X_train), np.asarray(X_test)
    _check_Y(np.asarray(Y_test), X_test)
    w, b = initialize_with_zeros(X_train.shape[0])
    params, _, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_train = predict(w, b, X_train)
    Y_prediction_test = predict(w, b, X_test)
    return {
        "costs": costs,
        "Y_prediction_test": Y_prediction_test,
        "Y_prediction_train": Y_prediction_train,
        "w": w,
        "b": b,
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
        "train_accuracy": float(np.mean(Y_prediction_train == Y_train)),
        "test_accuracy": float(np.mean(Y_prediction_test == Y_test)),
    }
