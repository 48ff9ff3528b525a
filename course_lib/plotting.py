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

__all__ = ["plot_costs", "plot_decision_boundary", "plot_image_grid"]

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
