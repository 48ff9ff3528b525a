"""Plots for the course.  Every function returns a matplotlib Figure and never shows it.

The figures are made without pyplot (a ``matplotlib.figure.Figure`` subclass that can render
itself as PNG for Jupyter): nothing is registered with pyplot, so nothing is left open (no "too
many figures" warning in a long notebook), and a figure returned as a cell's last value is
shown exactly once, with or without ``%matplotlib inline``.  Save one with ``fig.savefig(path)``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

__all__ = [
    "plot_costs",
    "plot_decision_boundary",
    "plot_image_grid",
    "plot_network",
    "plot_forward_backward",
    "plot_weight_histories",
]

_TWO_CLASSES = ListedColormap(["#d62728", "#1f77b4"])  # label 0 red, label 1 blue
# one line style per run, so runs that coincide (e.g. two stuck at log 2) stay visible
_LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)))


class _DisplayFigure(Figure):
    """A Figure that Jupyter can show without pyplot: ``_repr_png_`` renders it."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


def _as_runs(costs: Any, labels: Sequence[str] | None) -> tuple[list[np.ndarray], list | None]:
    """Normalise one run / a list of runs / a dict label -> run into 1-D arrays and labels."""
    if isinstance(costs, Mapping):
        if labels is not None:
            raise ValueError("give the labels either as the dict's keys or as labels=, not both")
        labels = [str(k) for k in costs]
        runs = list(costs.values())
    elif isinstance(costs, np.ndarray) and costs.ndim == 2:
        runs = list(costs)
    elif len(costs) > 0 and np.ndim(costs[0]) > 0 and not _is_column(costs):
        runs = list(costs)
    else:
        runs = [costs]
    arrays = [np.asarray(run, dtype=float).ravel() for run in runs]
    if not arrays or any(a.size == 0 for a in arrays):
        raise ValueError("plot_costs needs at least one non-empty run of costs")
    if labels is not None and len(labels) != len(arrays):
        raise ValueError(f"{len(labels)} labels for {len(arrays)} runs of costs")
    return arrays, labels


def _is_column(costs: Any) -> bool:
    """A run stored as one-element entries (e.g. [[0.69], [0.5]]) rather than several runs."""
    return all(np.size(c) == 1 for c in costs)


def plot_costs(
    costs: Any,
    every: int = 100,
    labels: Sequence[str] | None = None,
    log: bool = False,
    title: str | None = None,
) -> Figure:
    """Cost curves against the true iteration number.

    costs: one run (a sequence of costs recorded every ``every`` iterations, starting at
    iteration 0), several runs (a list of such sequences, or a 2-D array, one row each) or a
    dict label -> run.  Run k's point j is drawn at x = j * every; each run gets its own
    line style as well as its own colour.  ``log`` uses a log scale
    for the cost.  Returns the Figure (one Axes; one line per run; a legend when labelled).
    """
    if isinstance(every, bool) or not isinstance(every, int | np.integer) or every < 1:
        raise ValueError(f"every must be a positive integer, got {every!r}")
    runs, labels = _as_runs(costs, labels)
    fig = _DisplayFigure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    for k, run in enumerate(runs):
        label = labels[k] if labels is not None else None
        style = _LINE_STYLES[k % len(_LINE_STYLES)]
        ax.plot(np.arange(run.size) * every, run, label=label, linestyle=style)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost")
    if log:
        ax.set_yscale("log")
    if labels is not None:
        ax.legend()
    if title:
        ax.set_title(title)
    return fig


def plot_decision_boundary(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    ax: Axes | None = None,
    title: str | None = None,
    resolution: int = 300,
) -> Figure:
    """Shade the plane by ``predict_fn`` and scatter the points coloured by label.

    predict_fn: maps points P (2, k) to labels (1, k) or (k,) (0/1, or probabilities, which
    are thresholded at 0.5).  X: (2, m); Y: (1, m) 0/1 labels.  Draws into ``ax`` when given
    (and returns its figure), else into a new Figure.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"X has shape {X.shape} but expected (2, m): 2-D data, one column each")
    if Y.shape != (1, X.shape[1]):
        raise ValueError(f"Y has shape {Y.shape} but X has shape {X.shape}: expected Y (1, m)")
    pad_x = 0.1 * np.ptp(X[0]) + 1e-9
    pad_y = 0.1 * np.ptp(X[1]) + 1e-9
    xx, yy = np.meshgrid(
        np.linspace(X[0].min() - pad_x, X[0].max() + pad_x, resolution),
        np.linspace(X[1].min() - pad_y, X[1].max() + pad_y, resolution),
    )
    grid = np.stack([xx.ravel(), yy.ravel()])
    predictions = np.asarray(predict_fn(grid), dtype=float)
    if predictions.size != grid.shape[1]:
        raise ValueError(
            f"predict_fn returned shape {predictions.shape} for points of shape {grid.shape}; "
            f"expected (1, {grid.shape[1]})"
        )
    zz = (predictions.reshape(xx.shape) > 0.5).astype(float)

    if ax is None:
        fig = _DisplayFigure(figsize=(5, 4.5), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    ax.contourf(xx, yy, zz, levels=[-0.5, 0.5, 1.5], cmap=_TWO_CLASSES, alpha=0.25)
    size = float(np.clip(2000 / max(X.shape[1], 1), 14, 80))  # few points: bigger markers
    ax.scatter(X[0], X[1], c=Y.ravel(), cmap=_TWO_CLASSES, vmin=0, vmax=1, s=size,
               edgecolors="k", linewidths=0.3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return fig


def plot_image_grid(
    images: np.ndarray,
    true: np.ndarray,
    pred: np.ndarray | None = None,
    ncols: int = 8,
    class_names: Sequence[str] | None = None,
) -> Figure:
    """Small images in a grid, each titled with its true (and predicted) label.

    images: (k, h, w) grey images, or X (h*w, k) columns of a square image size;
    true, pred: k labels, any of (k,), (1, k).  Mistakes (pred != true) get a red title and
    a red frame.  class_names[label] is shown instead of the label when given.
    """
    images = np.asarray(images, dtype=float)
    if images.ndim == 2:
        side = math.isqrt(images.shape[0])
        if side * side != images.shape[0]:
            raise ValueError(
                f"images has shape {images.shape}: a 2-D array must be X (h*w, k) with square "
                "images, or pass (k, h, w)"
            )
        images = images.T.reshape(-1, side, side)
    if images.ndim != 3:
        raise ValueError(f"images has shape {images.shape} but expected (k, h, w)")
    k = images.shape[0]
    true = np.asarray(true).ravel()
    if true.size != k:
        raise ValueError(f"true has shape {np.shape(true)} but there are {k} images")
    if pred is not None:
        pred = np.asarray(pred).ravel()
        if pred.size != k:
            raise ValueError(f"pred has shape {np.shape(pred)} but there are {k} images")
    if isinstance(ncols, bool) or not isinstance(ncols, int | np.integer) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}")

    def name(label: Any) -> str:
        value = label.item() if hasattr(label, "item") else label
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(class_names[int(value)]) if class_names is not None else str(value)

    ncols = min(ncols, max(k, 1))
    nrows = max(1, math.ceil(k / ncols))
    fig = _DisplayFigure(figsize=(1.3 * ncols, 1.5 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= k:
            ax.set_axis_off()
            continue
        ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
        if pred is None:
            ax.set_title(f"true {name(true[i])}", fontsize=8)
            continue
        wrong = bool(pred[i] != true[i])
        color = "red" if wrong else "black"
        ax.set_title(f"true {name(true[i])}\npred {name(pred[i])}", fontsize=8, color=color)
        if wrong:
            for spine in ax.spines.values():
                spine.set_edgecolor("red")
                spine.set_linewidth(2.5)
    return fig


# ------------------------------------------------------------------ diagrams of a network

_NODE_COLOURS = ("#cccccc", "#9ecae1", "#fdae6b")  # input, hidden, output
_MAX_UNITS_DRAWN = 10


def _check_sizes(sizes: Sequence[int]) -> list[int]:
    """The layer sizes as ints: at least two layers, each of 1 to _MAX_UNITS_DRAWN units."""
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes {sizes!r} must list at least two layers (input and output)")
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) \
                or not 1 <= n <= _MAX_UNITS_DRAWN:
            raise ValueError(f"sizes {sizes!r}: every layer must have 1 to "
                             f"{_MAX_UNITS_DRAWN} units (an int) to be drawn")
    return [int(n) for n in sizes]


def _layer_caption(k: int, n: int, L: int, hidden: str, output: str) -> str:
    """The caption under layer k (0 = input, L = output) of n units."""
    plural = "s" if n > 1 else ""
    if k == 0:
        return f"input $x$\n$n_x = {n}$ feature{plural}"
    if k == L:
        return f"output\n$A^{{[{k}]}} = {output}(Z^{{[{k}]}})$\n$n_y = {n}$ unit{plural}"
    name, size = ("hidden layer", "n_h") if L == 2 else (f"hidden layer {k}", f"n^{{[{k}]}}")
    return f"{name}\n$A^{{[{k}]}} = {hidden}(Z^{{[{k}]}})$\n${size} = {n}$ unit{plural}"


def plot_network(
    sizes: Sequence[int] = (2, 4, 1),
    hidden: str = "\\tanh",
    output: str = "\\sigma",
) -> Figure:
    """A fully connected network: one circle per unit, one line per weight.

    sizes: units per layer, input first, e.g. (n_x, n_h, n_y) = (2, 4, 1); each 1 to 10.
    hidden, output: the activations as written in the captions (LaTeX, e.g. "\\tanh").
    Returns the Figure (one Axes, axis off): sum(sizes[k] * sizes[k+1]) weight lines, one
    scatter per layer, a caption under each layer and "W^[l], b^[l]" between layers.
    """
    sizes = _check_sizes(sizes)
    L, gap = len(sizes) - 1, 4.0
    half = (max(sizes) - 1) / 2
    width, height = gap * L + 2.0, 2 * half + 2.8   # data units; 0.73 x 0.6 inches each
    fig = _DisplayFigure(figsize=(0.73 * width, 0.6 * height), layout="constrained")
    ax = fig.add_subplot()
    layers = [np.linspace(-(n - 1) / 2, (n - 1) / 2, n) for n in sizes]
    for k in range(L):
        for y0 in layers[k]:
            for y1 in layers[k + 1]:
                ax.plot([gap * k, gap * (k + 1)], [y0, y1], color="grey", lw=0.8, zorder=1)
        ax.text(gap * (k + 0.5), half + 0.5, f"$W^{{[{k + 1}]}}, b^{{[{k + 1}]}}$",
                ha="center")
    for k, ys in enumerate(layers):
        colour = _NODE_COLOURS[0 if k == 0 else 2 if k == L else 1]
        ax.scatter([gap * k] * len(ys), ys, s=700, color=colour, edgecolors="k", zorder=2)
        ax.text(gap * k, -half - 0.9, _layer_caption(k, sizes[k], L, hidden, output),
                ha="center", va="top")
    ax.set_xlim(-1.0, gap * L + 1.0)
    ax.set_ylim(-half - 1.9, half + 0.9)
    ax.set_axis_off()
    return fig


_FORWARD, _BACKWARD, _CACHE = "#1f77b4", "#d62728", "0.45"
_BOX_WIDTH, _BOX_STEP, _ARROW = 2.1, 3.1, {"arrowstyle": "-|>", "lw": 1.4}


def _arrow(ax: Axes, start: float, end: float, y: float, colour: str, label: str,
           rise: float = 0.15) -> None:
    """A horizontal arrow from x = start to x = end at height y, labelled ``rise`` above its
    middle."""
    ax.annotate("", xy=(end, y), xytext=(start, y), arrowprops=dict(_ARROW, color=colour))
    ax.text((start + end) / 2, y + rise, label, ha="center", fontsize=10, color=colour)


def _layer_boxes(ax: Axes, x: float, l: int, activation: str) -> None:
    """Layer l's forward box (top), backward box (bottom), its cache and its dW, db."""
    for y, fc, ec, text in ((3.0, "#dbe9f6", _FORWARD, f"layer {l}\nLINEAR → {activation}"),
                            (1.0, "#fde3d0", _BACKWARD, f"{activation} → LINEAR\nbackward")):
        ax.add_patch(FancyBboxPatch((x, y), _BOX_WIDTH, 0.9, boxstyle="round,pad=0.06",
                                    fc=fc, ec=ec))
        ax.text(x + 1.05, y + 0.45, text, ha="center", va="center", fontsize=9.5)
    ax.annotate("", xy=(x + 1.05, 1.98), xytext=(x + 1.05, 2.92),
                arrowprops={"arrowstyle": "-|>", "ls": "--", "color": _CACHE})
    ax.text(x + 1.12, 2.45, f"cache {l}: $((A^{{[{l - 1}]}}, W^{{[{l}]}}, b^{{[{l}]}}), "
            f"Z^{{[{l}]}})$", fontsize=8.5, color="0.3", va="center")
    ax.annotate("", xy=(x + 1.05, 0.15), xytext=(x + 1.05, 0.92),
                arrowprops=dict(_ARROW, color=_BACKWARD))
    ax.text(x + 1.12, 0.45, f"$dW^{{[{l}]}},\\ db^{{[{l}]}}$", fontsize=10, color=_BACKWARD,
            va="center")


def plot_forward_backward(n_layers: int = 3) -> Figure:
    """The forward pass (top), the caches (dashed) and the backward pass (bottom) of an
    L-layer network: L - 1 LINEAR -> RELU layers and a LINEAR -> SIGMOID output layer.

    Returns the Figure (one Axes, axis off): 2 * n_layers boxes, the activations A[0..L]
    flowing right into the cost J, the gradients dA[L..0] flowing back left, and each
    layer's cache and dW[l], db[l].
    """
    if isinstance(n_layers, bool) or not isinstance(n_layers, int | np.integer) \
            or not 1 <= n_layers <= 6:
        raise ValueError(f"n_layers must be an int from 1 to 6, got {n_layers!r}")
    L = int(n_layers)
    x0s = [1.5 + _BOX_STEP * k for k in range(L)]
    cost_x = x0s[-1] + 3.35
    fig = _DisplayFigure(figsize=(11 * (cost_x + 0.55) / 11.6, 4.6), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(0, cost_x + 0.55)
    ax.set_ylim(-0.2, 4.6)
    ax.axis("off")
    for l, x in enumerate(x0s, start=1):
        _layer_boxes(ax, x, l, "SIGMOID" if l == L else "RELU")
    starts, ends = [0.35] + [x + 2.2 for x in x0s], [x - 0.1 for x in x0s] + [cost_x - 0.3]
    for l, (start, end) in enumerate(zip(starts, ends, strict=True)):
        label = "X = A^{[0]}" if l == 0 else f"A^{{[{l}]}}" + (" = \\hat{Y}" if l == L else "")
        _arrow(ax, start, end, 3.45, _FORWARD, f"${label}$", rise=0.17)
    ax.text(cost_x, 3.45, "cost\n$J$", ha="center", va="center", fontsize=10, fontweight="bold")
    ax.plot([cost_x, cost_x], [3.05, 1.45], color="k", lw=1.4)
    starts, ends = [cost_x] + [x - 0.1 for x in x0s[::-1]], [x + 2.2 for x in x0s[::-1]] + [0.35]
    for l, start, end in zip(range(L, -1, -1), starts, ends, strict=True):
        _arrow(ax, start, end, 1.45, _BACKWARD, f"$dA^{{[{l}]}}$")
    ax.text(0.0, 4.35, "forward: compute and cache", fontsize=10, color=_FORWARD,
            fontweight="bold")
    ax.text(0.0, 2.2, "backward: read the caches,\nright to left", fontsize=10,
            color=_BACKWARD, fontweight="bold", va="center")
    return fig


# ------------------------------------------------------------ weights during training

_INPUT_STYLES = (("-", "solid"), ("--", "dashed"), ("-.", "dash-dotted"), (":", "dotted"))


def _check_histories(histories: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Each history as a float array (k, n_in, n_units), all of the same shape."""
    if not isinstance(histories, Mapping) or not histories:
        raise ValueError("histories must be a non-empty dict title -> (k, n_in, n_units) array")
    arrays = {str(t): np.asarray(h, dtype=float) for t, h in histories.items()}
    shapes = {a.shape for a in arrays.values()}
    (shape, *others) = shapes
    if others or len(shape) != 3 or 0 in shape or shape[1] > len(_INPUT_STYLES):
        raise ValueError(f"histories have shapes {sorted(shapes)}; expected one shape "
                         f"(k, n_in, n_units) with k >= 1 and 1 <= n_in <= "
                         f"{len(_INPUT_STYLES)}")
    return arrays


def plot_weight_histories(histories: Mapping[str, Any], every: int = 100) -> Figure:
    """The weights into each hidden unit while training, one panel per run.

    histories: dict panel title -> w1 recorded every ``every`` steps, shape
    (k, n_in, n_units) (w1 (n_in, n_units) as FC stores it), all runs of one shape.  Unit j
    has colour C{j}; the weight from input i has line style i (solid, dashed, ...).
    Returns the Figure: one Axes per run (shared y), n_in * n_units lines each, x = the
    step number, a legend naming the units in the last panel.
    """
    if isinstance(every, bool) or not isinstance(every, int | np.integer) or every < 1:
        raise ValueError(f"every must be a positive integer, got {every!r}")
    arrays = _check_histories(histories)
    fig = _DisplayFigure(figsize=(5.5 * len(arrays), 3.6), layout="constrained")
    axes = fig.subplots(1, len(arrays), sharey=True, squeeze=False)[0]
    for ax, (title, history) in zip(axes, arrays.items(), strict=True):
        steps = np.arange(history.shape[0]) * every
        for unit in range(history.shape[2]):
            for row in range(history.shape[1]):
                ax.plot(steps, history[:, row, unit], _INPUT_STYLES[row][0], color=f"C{unit}",
                        label=f"unit {unit + 1}" if row == 0 else None)
        ax.set_title(title)
        ax.set_xlabel("iteration")
    styles = ", ".join(f"{_INPUT_STYLES[i][1]}: from $x_{i + 1}$"
                       for i in range(history.shape[1]))
    axes[0].set_ylabel(f"weights into each hidden unit\n({styles})")
    axes[-1].legend(loc="upper left", fontsize=8)
    return fig
