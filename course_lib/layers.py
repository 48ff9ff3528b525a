"""Layer objects (seeds/003): a dense layer, a fused sigmoid + cross-entropy cost layer, a stack.

Column-major throughout: A_prev (n_prev, m), W (n, n_prev), b (n, 1), A (n, m).

Gradient convention (the one seeds/000's ``L_model_backward`` uses, so both agree to the last
bits): the gradient flowing between layers, ``dA`` (n, m), holds in column i the derivative of
example i's own loss, not divided by m; the parameter gradients ``dW``, ``db`` are those of
the mean cost J (divided by m).

Two design points of seeds/003:

* a layer's backward multiplies by the activation's derivative written through the cached
  *output* A (sigmoid A(1-A), tanh 1-A^2, relu A>0): nothing else needs to be stored;
* the cost layer fuses with the layer before it (its "parent"): sigmoid followed by
  cross-entropy has dJ/dZ = A - Y, so the cost layer hands over A - Y and the parent passes
  it straight through instead of multiplying by its derivative (no division by A or 1 - A).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from course_lib.activations import get_activation

__all__ = ["Dense", "SigmoidCrossEntropy", "Sequential", "from_parameters"]


class Dense:
    """A = g(W @ A_prev + b) with W (n, n_prev), b (n, 1), activation g by name.

    ``forward(A_prev)`` caches A_prev and A; ``backward(dA)`` stores ``dW`` (n, n_prev),
    ``db`` (n, 1) and returns ``dA_prev`` (n_prev, m).  When ``feeds_fused_cost`` is True
    (set by :class:`Sequential`), ``backward`` receives dJ/dZ from the cost layer and does
    not multiply by the activation's derivative.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray, activation: str = "relu") -> None:
        W = np.array(W, dtype=float)
        b = np.array(b, dtype=float)
        if W.ndim != 2 or b.shape != (W.shape[0], 1):
            raise ValueError(
                f"Dense: W has shape {W.shape} and b has shape {b.shape}; "
                "expected W (n, n_prev) and b (n, 1)"
            )
        self.W, self.b = W, b
        self.activation = activation
        self.g, self.g_prime_from_output = get_activation(activation)
        self.feeds_fused_cost = False
        self.A_prev: np.ndarray | None = None
        self.A: np.ndarray | None = None
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None
        self.dA_prev: np.ndarray | None = None

    def __repr__(self) -> str:
        n, n_prev = self.W.shape
        return f"Dense({n_prev} -> {n}, {self.activation!r})"

    def forward(self, A_prev: np.ndarray) -> np.ndarray:
        """A_prev (n_prev, m) -> A (n, m)."""
        A_prev = np.asarray(A_prev, dtype=float)
        if A_prev.ndim != 2 or A_prev.shape[0] != self.W.shape[1]:
            raise ValueError(
                f"Dense.forward: A_prev has shape {A_prev.shape} but W has shape "
                f"{self.W.shape}: expected A_prev ({self.W.shape[1]}, m)"
            )
        self.A_prev = A_prev
        self.A = self.g(self.W @ A_prev + self.b)
        return self.A

    def backward(self, dA: np.ndarray) -> np.ndarray:
        """dA (n, m) -> dA_prev (n_prev, m); stores dW (n, n_prev) and db (n, 1).

        dA is dJ/dA per example, or dJ/dZ when this layer feeds a fused cost layer.
        """
        if self.A is None or self.A_prev is None:
            raise RuntimeError("Dense.backward called before forward")
        dA = np.asarray(dA, dtype=float)
        if dA.shape != self.A.shape:
            raise ValueError(
                f"Dense.backward: dA has shape {dA.shape} but the layer's output A has "
                f"shape {self.A.shape}"
            )
        dZ = dA if self.feeds_fused_cost else dA * self.g_prime_from_output(self.A)
        m = self.A_prev.shape[1]
        self.dW = dZ @ self.A_prev.T / m
        self.db = np.sum(dZ, axis=1, keepdims=True) / m
        self.dA_prev = self.W.T @ dZ
        return self.dA_prev


class SigmoidCrossEntropy:
    """Binary cross-entropy cost layer that fuses with a sigmoid parent.

    ``forward(AL, Y)``: AL, Y (1, m) -> J = -sum(Y log AL + (1-Y) log(1-AL)) / m.
    ``backward()``: dJ/dZ of the parent per example, AL - Y (1, m), which the parent passes
    straight through.
    """

    #: the activation a parent must have for the fusion to be valid
    fuses_with = "sigmoid"

    def __init__(self) -> None:
        self.AL: np.ndarray | None = None
        self.Y: np.ndarray | None = None

    def forward(self, AL: np.ndarray, Y: np.ndarray) -> float:
        """AL, Y (1, m) -> the mean cross-entropy (float)."""
        AL = np.asarray(AL, dtype=float)
        Y = np.asarray(Y, dtype=float)
        if AL.shape != Y.shape or AL.ndim != 2:
            raise ValueError(
                f"SigmoidCrossEntropy: AL has shape {AL.shape} and Y has shape {Y.shape}; "
                "expected two equal (1, m) arrays"
            )
        self.AL, self.Y = AL, Y
        m = Y.shape[1]
        return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)

    def backward(self) -> np.ndarray:
        """The fused gradient AL - Y (1, m): dJ/dZ of the sigmoid parent, per example."""
        if self.AL is None or self.Y is None:
            raise RuntimeError("SigmoidCrossEntropy.backward called before forward")
        return self.AL - self.Y


class Sequential:
    """A stack of Dense layers ending in a cost layer that fuses with the last layer.

    Usage: ``AL = net.forward(X); J = net.cost(AL, Y); net.backward(); net.step(lr)``.
    """

    def __init__(self, layers: Sequence[Dense], cost: SigmoidCrossEntropy) -> None:
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for below, above in zip(layers, layers[1:], strict=False):
            if above.W.shape[1] != below.W.shape[0]:
                raise ValueError(
                    f"Sequential: a layer with W of shape {below.W.shape} is followed by one "
                    f"with W of shape {above.W.shape}; expected ({above.W.shape[0]}, "
                    f"{below.W.shape[0]})"
                )
        parent = layers[-1]
        if cost.fuses_with is not None:
            if parent.activation != cost.fuses_with:
                raise ValueError(
                    f"{type(cost).__name__} fuses with a {cost.fuses_with!r} layer but the "
                    f"last layer's activation is {parent.activation!r}"
                )
            parent.feeds_fused_cost = True
        self.layers = layers
        self.cost_layer = cost

    def __repr__(self) -> str:
        return f"Sequential({self.layers}, {type(self.cost_layer).__name__}())"

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X (n_x, m) -> AL (n_L, m)."""
        A = X
        for layer in self.layers:
            A = layer.forward(A)
        return A

    def cost(self, AL: np.ndarray, Y: np.ndarray) -> float:
        """The cost layer's value for AL, Y (1, m); caches them for :meth:`backward`."""
        return self.cost_layer.forward(AL, Y)

    def backward(self) -> np.ndarray:
        """Backpropagate from the last :meth:`cost` call; returns dA0 = dJ/dX per example."""
        d = self.cost_layer.backward()
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d

    def step(self, learning_rate: float) -> None:
        """One gradient-descent step, in place: W -= lr * dW, b -= lr * db for every layer."""
        for layer in self.layers:
            if layer.dW is None or layer.db is None:
                raise RuntimeError("Sequential.step called before backward")
            layer.W -= learning_rate * layer.dW
            layer.b -= learning_rate * layer.db

    def parameters(self) -> dict[str, np.ndarray]:
        """{"W1": W1, "b1": b1, ...}: the layers' own arrays (not copies)."""
        params = {}
        for l, layer in enumerate(self.layers, start=1):
            params[f"W{l}"] = layer.W
            params[f"b{l}"] = layer.b
        return params

    def gradients(self) -> dict[str, np.ndarray]:
        """Keys as deep_network.L_model_backward: dA{l-1}, dW{l}, db{l} for l = 1..L."""
        grads = {}
        for l, layer in enumerate(self.layers, start=1):
            if layer.dW is None or layer.db is None or layer.dA_prev is None:
                raise RuntimeError("Sequential.gradients called before backward")
            grads[f"dA{l - 1}"] = layer.dA_prev
            grads[f"dW{l}"] = layer.dW
            grads[f"db{l}"] = layer.db
        return grads

    def predict(self, X: np.ndarray) -> np.ndarray:
        """X (n_x, m) -> 0/1 floats (n_L, m): 1 where the output exceeds 0.5."""
        return (self.forward(X) > 0.5).astype(float)


def from_parameters(parameters: Mapping[str, np.ndarray]) -> Sequential:
    """seeds/000's network [LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID + cross-entropy.

    parameters: {"W1": (n1, n0), "b1": (n1, 1), ..., "WL", "bL"}; the arrays are copied, so
    training the returned network never changes the dict.
    """
    L = len(parameters) // 2
    expected = [f"{p}{l}" for l in range(1, L + 1) for p in ("W", "b")]
    if L == 0 or sorted(parameters) != sorted(expected):
        raise ValueError(
            f"from_parameters: keys {sorted(parameters)} do not form W1, b1, ..., WL, bL "
            f"(expected {expected})"
        )
    layers = [
        Dense(parameters[f"W{l}"], parameters[f"b{l}"], "relu" if l < L else "sigmoid")
        for l in range(1, L + 1)
    ]
    return Sequential(layers, SigmoidCrossEntropy())
