"""Fully connected sigmoid layers trained on a squared loss (seeds/001).

The article stores a layer's weights as ``w`` of shape (in_num, out_num) and computes
``sigmoid(w.T @ x + b)``; data are column-major, x (in_num, m).  Gradients are *not*
divided by m (the loss is, its backward is not): that is the article's convention and the
documented numbers depend on it, so it is kept in both modes.

``published=False`` (the default) is the correct algorithm.  ``published=True`` reproduces
the two quirks of the published ``FC.backward`` that its printed numbers need:

(a) the bias gradient is ``np.sum(residual_z)``: one scalar summed over every unit and every
    example, added to every bias, instead of one sum per unit;
(b) the weights are updated *before* the residual passed to the layer below is computed, so
    that residual uses the new weights instead of the ones the forward pass used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course_lib.activations import sigmoid
from course_lib.datasets import logic_gate

__all__ = ["FC", "SquareLoss", "Net", "AND_X", "AND_T", "INITS", "and_gate_experiment",
           "train_gate"]

AND_X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
AND_T = np.array([[0, 0, 0, 1]])

#: init name -> (fill value of fc1.w, fill value of fc2.w) for :func:`and_gate_experiment`
INITS: dict[str, tuple[float, float]] = {"zeros": (0.0, 0.0), "ones": (1.0, 0.0)}


def _default_rng(rng: np.random.Generator | None) -> np.random.Generator:
    return np.random.default_rng(0) if rng is None else rng


class FC:
    """One fully connected layer with a sigmoid output.

    w: (in_num, out_num), drawn from ``rng.standard_normal``; b: (out_num, 1), zeros.
    ``forward(x)`` caches x (in_num, m) and the output y (out_num, m);
    ``backward(residual)`` takes dLoss/dy (out_num, m), updates w and b with step ``lr``
    and returns dLoss/dx (in_num, m).
    """

    def __init__(
        self,
        in_num: int,
        out_num: int,
        lr: float = 0.1,
        rng: np.random.Generator | None = None,
        published: bool = False,
    ) -> None:
        self.in_num = in_num
        self.out_num = out_num
        self.lr = lr
        self.published = published
        self.w = _default_rng(rng).standard_normal((in_num, out_num))
        self.b = np.zeros((out_num, 1))
        self.x: np.ndarray | None = None
        self.y: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (in_num, m) -> y = sigmoid(w.T @ x + b), shape (out_num, m)."""
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[0] != self.in_num:
            raise ValueError(
                f"FC.forward: x has shape {x.shape} but expected ({self.in_num}, m) "
                f"to match w of shape {self.w.shape}"
            )
        self.x = x
        self.y = sigmoid(self.w.T @ x + self.b)
        return self.y

    def backward(self, residual: np.ndarray) -> np.ndarray:
        """residual = dLoss/dy (out_num, m) -> dLoss/dx (in_num, m); updates w and b."""
        if self.x is None or self.y is None:
            raise RuntimeError("FC.backward called before forward")
        residual = np.asarray(residual, dtype=float)
        if residual.shape != self.y.shape:
            raise ValueError(
                f"FC.backward: residual has shape {residual.shape} but the output "
                f"has shape {self.y.shape}"
            )
        residual_z = residual * self.y * (1.0 - self.y)
        grad_w = self.x @ residual_z.T
        if self.published:
            grad_b = np.sum(residual_z)  # quirk (a): one scalar for every unit
            self.w -= self.lr * grad_w  # quirk (b): update first ...
            self.b -= self.lr * grad_b
            return self.w @ residual_z  # ... then propagate with the new weights
        grad_b = np.sum(residual_z, axis=1, keepdims=True)
        residual_x = self.w @ residual_z
        self.w -= self.lr * grad_w
        self.b -= self.lr * grad_b
        return residual_x


class SquareLoss:
    """L = sum((y - t)**2) / m / 2 for y, t of shape (n, m); backward gives y - t."""

    def __init__(self) -> None:
        self.diff: np.ndarray | None = None

    def forward(self, y: np.ndarray, t: np.ndarray) -> float:
        """y, t (n, m) -> scalar loss; caches y - t."""
        y = np.asarray(y, dtype=float)
        t = np.asarray(t, dtype=float)
        if y.shape != t.shape or y.ndim != 2:
            raise ValueError(
                f"SquareLoss.forward: y has shape {y.shape} and t has shape {t.shape}; "
                "they must be equal 2-D (n, m) arrays"
            )
        self.diff = y - t
        return float(np.sum(self.diff * self.diff) / self.diff.shape[1] / 2)

    def backward(self) -> np.ndarray:
        """dL/dy as the article defines it: y - t (n, m), not divided by m."""
        if self.diff is None:
            raise RuntimeError("SquareLoss.backward called before forward")
        return self.diff


class Net:
    """Two FC layers (input_num -> hidden_num -> out_num) and a SquareLoss."""

    def __init__(
        self,
        input_num: int = 2,
        hidden_num: int = 4,
        out_num: int = 1,
        lr: float = 0.1,
        rng: np.random.Generator | None = None,
        published: bool = False,
    ) -> None:
        rng = _default_rng(rng)
        self.fc1 = FC(input_num, hidden_num, lr, rng=rng, published=published)
        self.fc2 = FC(hidden_num, out_num, lr, rng=rng, published=published)
        self.loss = SquareLoss()

    def predict(self, X: np.ndarray) -> np.ndarray:
        """X (input_num, m) -> network output (out_num, m)."""
        return self.fc2.forward(self.fc1.forward(X))

    def train(self, X: np.ndarray, t: np.ndarray, iterations: int = 10000) -> list[float]:
        """Full-batch gradient steps on X (input_num, m), t (out_num, m).

        Returns the loss of every step, computed before that step's update.
        """
        losses = []
        for _ in range(iterations):
            losses.append(self.loss.forward(self.predict(X), t))
            self.fc1.backward(self.fc2.backward(self.loss.backward()))
        return losses


def and_gate_experiment(init: str, published: bool = True) -> dict[str, object]:
    """The article's symmetric-initialization experiment on the AND gate.

    init "zeros": fc1.w and fc2.w filled with 0; "ones": fc1.w filled with 1, fc2.w with 0
    (biases start at zero).  Net(2, 4, 1, lr=0.1) trains 10000 steps on AND_X (2, 4),
    AND_T (1, 4).  Returns dict(y=(1, 4) final output, w1=(2, 4), w2=(4, 1),
    losses=list of 10000 floats).
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; valid: {', '.join(sorted(INITS))}")
    w1_value, w2_value = INITS[init]
    net = Net(2, 4, 1, 0.1, published=published)
    net.fc1.w.fill(w1_value)
    net.fc2.w.fill(w2_value)
    losses = net.train(AND_X, AND_T, iterations=10000)
    return {
        "y": net.predict(AND_X).copy(),
        "w1": net.fc1.w.copy(),
        "w2": net.fc2.w.copy(),
        "losses": losses,
    }


def train_gate(
    layer: Callable[..., Any],
    gate: str,
    fill: tuple[float, float] | None = None,
    seed: int = 0,
    steps: int = 10000,
    every: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Train layer(2, 4) -> layer(4, 1) on a logic gate with the squared loss, recording w1.

    layer: a class with FC's interface (``layer(in_num, out_num, lr=0.1, rng=rng)`` with
    ``w`` (in_num, out_num), ``forward``, ``backward``), e.g. the FC a student wrote; it is
    only called, so the training uses that code.  gate: AND, OR, XOR or NAND (X (2, 4),
    T (1, 4)).  fill: (value of every w1 entry, value of every w2 entry), or None to keep
    the random weights both layers draw from ``np.random.default_rng(seed)``.  Returns the
    final output (1, 4) and w1 before steps 0, every, 2 * every, ... as
    (ceil(steps / every), 2, 4).
    """
    for name, value in (("steps", steps), ("every", every)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if fill is not None and len(fill) != 2:
        raise ValueError(f"fill must be (w1 value, w2 value) or None, got {fill!r}")
    X, T = logic_gate(gate)
    rng = np.random.default_rng(seed)
    hidden, out, loss = layer(2, 4, lr=0.1, rng=rng), layer(4, 1, lr=0.1, rng=rng), SquareLoss()
    if fill is not None:
        hidden.w.fill(fill[0])
        out.w.fill(fill[1])
    history = []
    for step in range(steps):
        if step % every == 0:
            history.append(np.array(hidden.w, dtype=float))
        loss.forward(out.forward(hidden.forward(X)), T)
        hidden.backward(out.backward(loss.backward()))
    return out.forward(hidden.forward(X)), np.array(history)
