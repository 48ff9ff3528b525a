"""seeds/000: an L-layer network, [LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID.

Shapes: X = A[0] (n[0], m); Y (1, m) with 0/1 labels; W{l} (n[l], n[l-1]); b{l} (n[l], 1);
Z[l], A[l] (n[l], m) for l = 1..L; AL = A[L] (1, m).

Caches: ``linear_forward`` caches ``(A_prev, W, b)``; ``linear_activation_forward`` caches
``((A_prev, W, b), Z)`` (linear cache, activation cache); ``L_model_forward`` returns the
list of the L layer caches, layer 1 first.

Gradient convention (the article's): ``dA`` and ``dZ`` arrays carry one column per example
and are *not* divided by m (they are the gradients of the summed loss m * J), while
``dW = dZ A_prev.T / m`` and ``db = row sums of dZ / m`` are the gradients of the mean cost J.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from course_lib import cached_activations
from course_lib.losses import binary_cross_entropy

__all__ = [
    "ACTIVATION_NAMES",
    "L_layer_model",
    "L_model_backward",
    "L_model_forward",
    "accuracy",
    "compute_cost",
    "initialize_parameters_deep",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "predict",
    "update_parameters",
]

Parameters = dict[str, np.ndarray]
LinearCache = tuple[np.ndarray, np.ndarray, np.ndarray]
Cache = tuple[LinearCache, np.ndarray]
Initializer = Callable[[Sequence[int]], Parameters]

_FORWARD = {"sigmoid": cached_activations.sigmoid, "relu": cached_activations.relu}
_BACKWARD = {
    "sigmoid": cached_activations.sigmoid_backward,
    "relu": cached_activations.relu_backward,
}
#: The activations a layer may use.
ACTIVATION_NAMES = tuple(_FORWARD)


def _check_activation(activation: str) -> None:
    if activation not in _FORWARD:
        valid = ", ".join(repr(a) for a in ACTIVATION_NAMES)
        raise ValueError(f"unknown activation {activation!r}; valid activations are {valid}")


def _check_layers_dims(layer_dims: Sequence[int]) -> None:
    dims = list(layer_dims)
    if len(dims) < 2 or any(
        isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1 for n in dims
    ):
        raise ValueError(
            f"layer_dims must list at least two positive integers [n0, n1, ...], got {layer_dims!r}"
        )


def initialize_parameters_deep(layer_dims: Sequence[int]) -> Parameters:
    """Small random weights, zero biases, for layer sizes ``layer_dims`` = [n0, n1, ..., nL].

    Calls ``np.random.seed(3)`` first (so the result is always the same), then layer by layer
    draws W{l} = randn(n[l], n[l-1]) * 0.01 and sets b{l} = zeros((n[l], 1)).
    Returns ``{"W1", "b1", ..., "WL", "bL"}``.
    """
    _check_layers_dims(layer_dims)
    np.random.seed(3)
    parameters: Parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters


def linear_forward(
    A: np.ndarray, W: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, LinearCache]:
    """Z = W @ A + b. A: (n[l-1], m); W: (n[l], n[l-1]); b: (n[l], 1).

    Returns ``(Z, (A, W, b))`` with Z (n[l], m). ValueError naming both shapes when they
    disagree.
    """
    A, W, b = np.asarray(A), np.asarray(W), np.asarray(b)
    if A.ndim != 2 or W.ndim != 2 or W.shape[1] != A.shape[0]:
        raise ValueError(
            f"W has shape {W.shape} but A has shape {A.shape}: W must be (n[l], n[l-1]) "
            "and A (n[l-1], m)"
        )
    if b.shape != (W.shape[0], 1):
        raise ValueError(
            f"b has shape {b.shape} but W has shape {W.shape}: b must be ({W.shape[0]}, 1)"
        )
    Z = W @ A
    Z += b
    return Z, (A, W, b)


def linear_activation_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str
) -> tuple[np.ndarray, Cache]:
    """One layer: A = g(W @ A_prev + b), g = ``activation`` ("sigmoid" or "relu").

    A_prev: (n[l-1], m); W: (n[l], n[l-1]); b: (n[l], 1). Returns ``(A, ((A_prev, W, b), Z))``
    with A and Z (n[l], m). ValueError listing the valid activations for an unknown one.
    """
    _check_activation(activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = _FORWARD[activation](Z)
    return A, (linear_cache, activation_cache)


def _num_layers(parameters: Parameters) -> int:
    L = len(parameters) // 2
    if L < 1 or len(parameters) != 2 * L or any(
        f"W{l}" not in parameters or f"b{l}" not in parameters for l in range(1, L + 1)
    ):
        raise ValueError(
            f"parameters must hold W1, b1, ..., WL, bL and nothing else; got keys "
            f"{sorted(parameters)}"
        )
    return L


def L_model_forward(X: np.ndarray, parameters: Parameters) -> tuple[np.ndarray, list[Cache]]:
    """Forward pass: L-1 ReLU layers then one sigmoid layer.

    X: (n[0], m); parameters W1, b1, ..., WL, bL. Returns ``(AL, caches)``: AL (n[L], m) and
    the list of the L caches of ``linear_activation_forward``, layer 1 first.
    """
    X = np.asarray(X)
    L = _num_layers(parameters)
    caches = []
    A = X
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """Mean binary cross-entropy -(1/m) sum(Y log AL + (1 - Y) log(1 - AL)).

    AL: (1, m) probabilities; Y: (1, m) 0/1 labels. Returns a float: +inf (not nan) when a
    saturated output is confidently wrong (see ``course_lib.losses``). ValueError naming both
    shapes when they differ.
    """
    return binary_cross_entropy(AL, Y, name="AL")


def linear_backward(
    dZ: np.ndarray, cache: LinearCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of Z = W @ A_prev + b.

    dZ: (n[l], m); cache: (A_prev (n[l-1], m), W (n[l], n[l-1]), b (n[l], 1)).
    Returns ``(dA_prev, dW, db)``: dA_prev = W.T @ dZ (n[l-1], m), dW = dZ @ A_prev.T / m
    (n[l], n[l-1]), db = row sums of dZ / m (n[l], 1). ValueError naming both shapes when dZ
    does not match the cached layer.
    """
    A_prev, W, b = cache
    dZ = np.asarray(dZ)
    if dZ.shape != (W.shape[0], A_prev.shape[1]):
        raise ValueError(
            f"dZ has shape {dZ.shape} but the cached W has shape {W.shape} and A_prev "
            f"{A_prev.shape}: dZ must be ({W.shape[0]}, {A_prev.shape[1]})"
        )
    dW, db = _parameter_gradients(dZ, A_prev)
    return W.T @ dZ, dW, db


def _parameter_gradients(dZ: np.ndarray, A_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dW = dZ @ A_prev.T / m (n[l], n[l-1]) and db = row sums of dZ / m (n[l], 1)."""
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T
    dW /= m
    db = dZ.sum(axis=1, keepdims=True)
    db /= m
    return dW, db


def linear_activation_backward(
    dA: np.ndarray, cache: Cache, activation: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of one layer A = g(W @ A_prev + b).

    dA: (n[l], m); cache: ``((A_prev, W, b), Z)`` from ``linear_activation_forward``;
    activation: the one used forward. Returns ``(dA_prev (n[l-1], m), dW, db)``.
    ValueError listing the valid activations for an unknown one.
    """
    _check_activation(activation)
    linear_cache, activation_cache = cache
    dZ = _BACKWARD[activation](dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL: np.ndarray, Y: np.ndarray, caches: list[Cache]) -> Parameters:
    """Backward pass of ``L_model_forward``: gradients of the mean cross-entropy cost.

    AL: (1, m) from ``L_model_forward``; Y: (1, m) labels (any shape with m entries is
    reshaped to AL's); caches: its list of L caches. Returns ``grads`` with

    * ``dW{l}`` (n[l], n[l-1]) and ``db{l}`` (n[l], 1) for l = 1..L;
    * ``dA{l}`` (n[l], m) for l = 0..L-1, the gradient with respect to A[l], the *input* of
      layer l+1; ``dA0`` is the gradient with respect to X. Like every dA here it is not
      divided by m (it is the gradient of m * J; see the module docstring).

    The output layer starts from the article's dAL = -(Y / AL - (1 - Y) / (1 - AL)), which is
    inf or nan where AL has saturated to exactly 0.0 or 1.0; ``L_layer_model`` trains with an
    equivalent pass that starts from dZ = AL - Y instead and has no such problem.

    Naming differs from seeds/000: the article stores the gradient with respect to A[l] under
    ``"dA" + str(l + 1)`` (its loop writes the output of layer l+1's backward step under the
    layer's own number), so its ``dA1`` is our ``dA0`` and its ``dAL`` is our ``dA{L-1}``. Here
    the number in the key is always the index of the activation differentiated, matching
    ``dW{l}``/``db{l}`` and the A[l] of the formulas.
    """
    AL = np.asarray(AL)
    Y = np.asarray(Y, dtype=float)
    if Y.size != AL.size:
        raise ValueError(f"Y has shape {Y.shape} but AL has shape {AL.shape}; they must hold "
                         "the same number of entries")
    Y = Y.reshape(AL.shape)
    L = len(caches)
    grads: Parameters = {}
    dAL = -(Y / AL - (1.0 - Y) / (1.0 - AL))
    dA = dAL
    for l in range(L, 0, -1):
        activation = "sigmoid" if l == L else "relu"
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            dA, caches[l - 1], activation
        )
        grads[f"dA{l - 1}"] = dA
    return grads


def update_parameters(parameters: Parameters, grads: Parameters, learning_rate: float
                      ) -> Parameters:
    """One gradient-descent step: W{l} - learning_rate * dW{l}, b{l} - learning_rate * db{l}.

    Returns a new dict of new arrays; ``parameters`` and ``grads`` are not modified (the
    article assigned into ``parameters``). ValueError naming both shapes when a gradient's
    shape differs from its parameter's.
    """
    updated: Parameters = {}
    for key, value in parameters.items():
        grad = grads["d" + key]
        if grad.shape != value.shape:
            raise ValueError(f"d{key} has shape {grad.shape} but {key} has shape {value.shape}; "
                             "they must be equal")
        updated[key] = value - learning_rate * grad
    return updated


def _check_initializer(initializer: Initializer) -> Initializer:
    if not callable(initializer):
        raise TypeError(f"initializer must be a function of layers_dims, got {initializer!r}; "
                        "course_lib.initialization.INITIALIZERS maps names to the course's")
    return initializer


def L_layer_model(
    X: np.ndarray,
    Y: np.ndarray,
    layers_dims: Sequence[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
    initializer: Initializer = initialize_parameters_deep,
) -> tuple[Parameters, list[float]]:
    """Train the L-layer network by full-batch gradient descent.

    X: (n[0], m); Y: (1, m); layers_dims = [n[0], n[1], ..., 1]. ``initializer`` maps
    layers_dims to the initial parameters (a function: those of ``course_lib.initialization``,
    or ``INITIALIZERS[name]``). Returns ``(parameters, costs)``, costs holding the cost
    before steps 0, 100, 200, ... (printed too when ``print_cost=True``).

    Unlike the article this returns the costs instead of plotting them (the article also
    seeded np.random with 1 here, which its initializer's seed(3) overrode; that line is
    dropped).
    """
    X, Y = np.asarray(X), np.asarray(Y, dtype=float)
    _check_layers_dims(layers_dims)
    if X.ndim != 2 or X.shape[0] != layers_dims[0]:
        raise ValueError(f"X has shape {X.shape} but layers_dims[0] is {layers_dims[0]}: X "
                         f"must be ({layers_dims[0]}, m)")
    if Y.shape != (layers_dims[-1], X.shape[1]):
        raise ValueError(f"Y has shape {Y.shape} but X has shape {X.shape}: Y must be "
                         f"({layers_dims[-1]}, {X.shape[1]})")
    parameters = _check_initializer(initializer)(layers_dims)
    costs: list[float] = []
    for i in range(num_iterations):
        AL, caches = L_model_forward(X, parameters)
        if i % 100 == 0:
            cost = compute_cost(AL, Y)
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
        grads = _training_gradients(AL, Y, caches)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs


def _training_gradients(AL: np.ndarray, Y: np.ndarray, caches: list[Cache]) -> Parameters:
    """dW{l}, db{l} of ``L_model_backward`` (equal up to rounding), computed more cheaply.

    Two shortcuts, both exact in exact arithmetic: the output layer's dZ is AL - Y (the
    sigmoid's derivative cancels against the cross-entropy's, and no division by AL or
    1 - AL can overflow), and the gradient with respect to X, which training never uses, is
    not computed. Y: (1, m) floats.
    """
    grads: Parameters = {}
    dZ = AL - Y
    for l in range(len(caches), 0, -1):
        (A_prev, W, _), _ = caches[l - 1]
        grads[f"dW{l}"], grads[f"db{l}"] = _parameter_gradients(dZ, A_prev)
        if l > 1:
            dZ = cached_activations.relu_backward(W.T @ dZ, caches[l - 2][1])
    return grads


def predict(X: np.ndarray, parameters: Parameters) -> np.ndarray:
    """0/1 predictions: 1.0 where AL > 0.5. X: (n[0], m) -> (1, m) floats."""
    AL, _ = L_model_forward(X, parameters)
    return (AL > 0.5).astype(float)


def accuracy(predictions: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of entries where ``predictions`` equals ``Y`` (both (1, m)), in [0, 1].

    ValueError naming both shapes when they differ.
    """
    predictions, Y = np.asarray(predictions), np.asarray(Y)
    if predictions.shape != Y.shape:
        raise ValueError(f"predictions have shape {predictions.shape} but Y has shape "
                         f"{Y.shape}; they must be equal")
    return float(np.mean(predictions == Y))
