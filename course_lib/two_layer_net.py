"""seeds/002: a two-layer network, tanh hidden layer and sigmoid output unit.

Shapes: X (n_x, m), Y (1, m) or (n_y, m) with 0/1 labels; parameters keyed ``w1`` (n_h, n_x),
``b1`` (n_h, 1), ``w2`` (n_y, n_h), ``b2`` (n_y, 1).

Forward: Z1 = w1 X + b1, A1 = tanh(Z1), Z2 = w2 A1 + b2, A2 = sigmoid(Z2).
Cost: J = -(1/m) sum(Y log A2 + (1 - Y) log(1 - A2)).
Backward: dZ2 = A2 - Y, dw2 = dZ2 A1.T / m, db2 = row sums of dZ2 / m,
dZ1 = (w2.T dZ2) * (1 - A1^2), dw1 = dZ1 X.T / m, db1 = row sums of dZ1 / m.

The article's ``back_propagation`` divides by an ``m`` it never defines (a global); here m is
always ``X.shape[1]``. ``course_lib.published_runs.seed002_trace`` reruns the article's quirk.
"""

from __future__ import annotations

import numpy as np

from course_lib.activations import sigmoid
from course_lib.losses import binary_cross_entropy

__all__ = [
    "back_propagation",
    "compute_cost",
    "forward_propagation",
    "gradient_descent",
    "init_parameters",
    "model",
    "predict",
]

Parameters = dict[str, np.ndarray]

_PARAMETER_KEYS = ("w1", "b1", "w2", "b2")


def init_parameters(input_size: int, hidden_size: int, output_size: int) -> Parameters:
    """Small random weights, zero biases.

    w1 = randn(hidden_size, input_size) * 0.01, b1 = zeros((hidden_size, 1)),
    w2 = randn(output_size, hidden_size) * 0.01, b2 = zeros((output_size, 1)).
    The draws come from numpy's legacy global stream (``np.random.randn``), in that order:
    the caller seeds it (``np.random.seed``) to make the result reproducible.
    """
    for name, size in (("input_size", input_size), ("hidden_size", hidden_size),
                       ("output_size", output_size)):
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ValueError(f"{name} must be a positive integer, got {size!r}")
    w1 = np.random.randn(hidden_size, input_size) * 0.01
    b1 = np.zeros((hidden_size, 1))
    w2 = np.random.randn(output_size, hidden_size) * 0.01
    b2 = np.zeros((output_size, 1))
    return {"w1": w1, "b1": b1, "w2": w2, "b2": b2}


def _check_parameters(parameters: Parameters, X: np.ndarray) -> None:
    missing = [k for k in _PARAMETER_KEYS if k not in parameters]
    if missing:
        raise ValueError(f"parameters lack {missing}; expected keys {list(_PARAMETER_KEYS)}")
    w1, b1, w2, b2 = (parameters[k] for k in _PARAMETER_KEYS)
    if X.ndim != 2 or w1.shape[1] != X.shape[0]:
        raise ValueError(
            f"w1 has shape {w1.shape} but X has shape {X.shape}: w1 must be (n_h, n_x) "
            "for X of shape (n_x, m)"
        )
    if b1.shape != (w1.shape[0], 1):
        raise ValueError(f"b1 has shape {b1.shape} but w1 has shape {w1.shape}: "
                         f"b1 must be ({w1.shape[0]}, 1)")
    if w2.ndim != 2 or w2.shape[1] != w1.shape[0]:
        raise ValueError(f"w2 has shape {w2.shape} but w1 has shape {w1.shape}: "
                         f"w2 must be (n_y, {w1.shape[0]})")
    if b2.shape != (w2.shape[0], 1):
        raise ValueError(f"b2 has shape {b2.shape} but w2 has shape {w2.shape}: "
                         f"b2 must be ({w2.shape[0]}, 1)")


def forward_propagation(X: np.ndarray, parameters: Parameters) -> tuple[np.ndarray, Parameters]:
    """Forward pass. X: (n_x, m). Returns ``(A2, cache)``.

    A2: (n_y, m) output probabilities; cache: ``{"Z1", "A1"}`` (n_h, m) and ``{"Z2", "A2"}``
    (n_y, m). ValueError naming both shapes when X and the parameters disagree.
    """
    X = np.asarray(X)
    _check_parameters(parameters, X)
    Z1 = parameters["w1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["w2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2: np.ndarray, Y: np.ndarray) -> float:
    """Mean binary cross-entropy. A2: (n_y, m) probabilities; Y: same shape, 0/1 labels.

    Returns -(1/m) sum(Y log A2 + (1 - Y) log(1 - A2)) as a float, m = Y.shape[1]; +inf (not
    nan) for a confidently wrong saturated output (see ``course_lib.losses``).
    """
    return binary_cross_entropy(A2, Y, name="A2")


def _gradients(
    parameters: Parameters, cache: Parameters, X: np.ndarray, Y: np.ndarray, m: float
) -> Parameters:
    """The back-propagation formulas with the divisor m given explicitly."""
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = (parameters["w2"].T @ dZ2) * (1.0 - A1 * A1)
    return {
        "dw1": (dZ1 @ X.T) / m,
        "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
        "dw2": (dZ2 @ A1.T) / m,
        "db2": np.sum(dZ2, axis=1, keepdims=True) / m,
    }


def back_propagation(
    parameters: Parameters, cache: Parameters, X: np.ndarray, Y: np.ndarray
) -> Parameters:
    """Gradients of the mean cross-entropy cost.

    parameters: w1 (n_h, n_x), b1 (n_h, 1), w2 (n_y, n_h), b2 (n_y, 1); cache from
    ``forward_propagation``; X (n_x, m); Y (n_y, m). Returns ``{"dw1", "db1", "dw2", "db2"}``
    with the shapes of w1, b1, w2, b2. m is X.shape[1] (the article read it from a global).
    """
    X, Y = np.asarray(X), np.asarray(Y, dtype=float)
    _check_parameters(parameters, X)
    if Y.shape != cache["A2"].shape:
        raise ValueError(f"Y has shape {Y.shape} but A2 has shape {cache['A2'].shape}; "
                         "they must be equal")
    return _gradients(parameters, cache, X, Y, X.shape[1])


def gradient_descent(parameters: Parameters, grads: Parameters, learning_rate: float
                     ) -> Parameters:
    """One step theta <- theta - learning_rate * d theta for w1, b1, w2, b2.

    Returns a new dict of new arrays; ``parameters`` and ``grads`` are not modified.
    ValueError naming both shapes when a gradient's shape differs from its parameter's.
    """
    updated = {}
    for key in _PARAMETER_KEYS:
        value, grad = parameters[key], grads["d" + key]
        if np.shape(grad) != np.shape(value):
            raise ValueError(f"d{key} has shape {np.shape(grad)} but {key} has shape "
                             f"{np.shape(value)}; they must be equal")
        updated[key] = value - learning_rate * grad
    return updated


def model(
    X: np.ndarray,
    Y: np.ndarray,
    hidden_size: int,
    num_iterations: int = 10000,
    learning_rate: float = 0.5,
    print_cost: bool = False,
    cost_every: int = 1000,
) -> tuple[Parameters, list[float]]:
    """Train the network by full-batch gradient descent from ``init_parameters``.

    X: (n_x, m); Y: (n_y, m). Initial weights come from the legacy global stream: seed it
    first for a reproducible run. Returns ``(parameters, costs)`` with the cost before steps
    0, cost_every, 2 * cost_every, ...; printed too when ``print_cost=True``.
    """
    X, Y = np.asarray(X), np.asarray(Y, dtype=float)
    if Y.ndim != 2 or X.ndim != 2 or Y.shape[1] != X.shape[1]:
        raise ValueError(f"X has shape {X.shape} but Y has shape {Y.shape}; both must be 2-D "
                         "with the same number of columns m")
    parameters = init_parameters(X.shape[0], hidden_size, Y.shape[0])
    costs: list[float] = []
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = back_propagation(parameters, cache, X, Y)
        if i % cost_every == 0:
            cost = compute_cost(A2, Y)
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
        parameters = gradient_descent(parameters, grads, learning_rate)
    return parameters, costs


def predict(parameters: Parameters, X: np.ndarray) -> np.ndarray:
    """0/1 predictions: 1.0 where A2 > 0.5. X: (n_x, m) -> (n_y, m) floats."""
    A2, _ = forward_propagation(X, parameters)
    return (A2 > 0.5).astype(float)
