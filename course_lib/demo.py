"""Train every reference model on its data set; print a summary, save the plots.

    python -m course_lib.demo [--out build/demo]

Models: the logistic unit on digits (odd vs even); the two-layer tanh network on the planar
flower beside a logistic baseline; the L-layer network on digits; a 3-layer ReLU network on
circles with each initializer of ``course_lib.initialization``; seeds/001's FC network on the
AND gate.  Everything is seeded, so two runs print the same table.  This is a command-line
program: unlike the library modules it prints.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from course_lib import (
    datasets,
    deep_network,
    fc_layers,
    initialization,
    logistic_unit,
    two_layer_net,
)
from course_lib.plotting import plot_costs, plot_decision_boundary, plot_image_grid

__all__ = ["Result", "run_all", "format_table", "main"]


@dataclass(frozen=True)
class Result:
    """One row of the summary: accuracies are fractions in [0, 1] (None: no such set)."""

    model: str
    data: str
    final_cost: float
    train_accuracy: float
    test_accuracy: float | None


def _accuracy(predictions: np.ndarray, Y: np.ndarray) -> float:
    return deep_network.accuracy(predictions, Y)


def _save(fig: Figure, out: Path, name: str, written: list[Path]) -> None:
    path = out / name
    fig.savefig(path, dpi=100)
    written.append(path)


def _boundaries(
    panels: Sequence[tuple[str, Callable[[np.ndarray], np.ndarray]]], X: np.ndarray, Y: np.ndarray
) -> Figure:
    """One decision-boundary panel per (title, predict_fn), side by side."""
    fig = Figure(figsize=(4.2 * len(panels), 4), layout="constrained")
    for ax, (title, predict_fn) in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels,
                                       strict=True):
        plot_decision_boundary(predict_fn, X, Y, ax=ax, title=title)
    return fig


def logistic_on_digits(out: Path, written: list[Path]) -> list[Result]:
    d = datasets.load_digits_binary()
    r = logistic_unit.model(d.X_train, d.Y_train, d.X_test, d.Y_test, 2000, 0.5)
    _, cost = logistic_unit.propagate(r["w"], r["b"], d.X_train, d.Y_train)
    _save(plot_costs(r["costs"], every=100, title="logistic unit, digits odd vs even"),
          out, "logistic_digits_costs.png", written)
    grid = plot_image_grid(d.images_test[:32], d.Y_test[0, :32], r["Y_prediction_test"][0, :32],
                           class_names=["even", "odd"])
    _save(grid, out, "logistic_digits_test_images.png", written)
    return [Result("logistic unit", "digits odd/even", float(cost), r["train_accuracy"],
                   r["test_accuracy"])]


def two_layer_on_flower(out: Path, written: list[Path]) -> list[Result]:
    X, Y = datasets.load_planar_flower(seed=1)
    X_test, Y_test = datasets.load_planar_flower(seed=2)  # a fresh draw of the same flower
    base = logistic_unit.model(X, Y, X_test, Y_test, 2000, 0.5)
    _, base_cost = logistic_unit.propagate(base["w"], base["b"], X, Y)

    np.random.seed(1)  # two_layer_net draws from the legacy global stream (CONTRACT.md)
    params, costs = two_layer_net.model(X, Y, 4, num_iterations=10000, learning_rate=1.2,
                                        cost_every=100)
    A2, _ = two_layer_net.forward_propagation(X, params)
    results = [
        Result("logistic unit", "planar flower", float(base_cost), base["train_accuracy"],
               base["test_accuracy"]),
        Result("two-layer tanh, 4 hidden", "planar flower",
               float(two_layer_net.compute_cost(A2, Y)),
               _accuracy(two_layer_net.predict(params, X), Y),
               _accuracy(two_layer_net.predict(params, X_test), Y_test)),
    ]
    curves = {"two-layer net, lr 1.2": costs, "logistic unit, lr 0.5": base["costs"]}
    _save(plot_costs(curves, every=100, title="planar flower"), out, "flower_costs.png", written)
    panels = [
        ("logistic unit", lambda P: logistic_unit.predict(base["w"], base["b"], P)),
        ("two-layer net, 4 tanh units", lambda P: two_layer_net.predict(params, P)),
    ]
    _save(_boundaries(panels, X, Y), out, "flower_boundaries.png", written)
    return results


def deep_on_digits(out: Path, written: list[Path]) -> list[Result]:
    d = datasets.load_digits_binary()
    dims = [64, 20, 7, 5, 1]
    params, costs = deep_network.L_layer_model(
        d.X_train, d.Y_train, dims, learning_rate=0.05, num_iterations=3000,
        initializer=initialization.initialize_parameters_he)
    AL, _ = deep_network.L_model_forward(d.X_train, params)
    _save(plot_costs(costs, every=100, log=True, title=f"L-layer net {dims}, He init, digits"),
          out, "deep_digits_costs.png", written)
    return [Result(f"L-layer {dims}, He", "digits odd/even",
                   deep_network.compute_cost(AL, d.Y_train),
                   _accuracy(deep_network.predict(d.X_train, params), d.Y_train),
                   _accuracy(deep_network.predict(d.X_test, params), d.Y_test))]


def initializers_on_circles(out: Path, written: list[Path]) -> list[Result]:
    X, Y, X_test, Y_test = datasets.load_circles(m=400, noise=0.05, seed=1)
    dims = [2, 10, 5, 1]
    results, curves, panels = [], {}, []
    for name, init in initialization.INITIALIZERS.items():
        # large random weights saturate the output: log(0) costs are inf, by design
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            params, costs = deep_network.L_layer_model(X, Y, dims, learning_rate=0.01,
                                                       num_iterations=6000, initializer=init)
            AL, _ = deep_network.L_model_forward(X, params)
            cost = deep_network.compute_cost(AL, Y)
        curves[name] = costs
        panels.append((f"init {name!r}", lambda P, p=params: deep_network.predict(P, p)))
        results.append(Result(f"3-layer ReLU, init {name!r}", "circles", cost,
                              _accuracy(deep_network.predict(X, params), Y),
                              _accuracy(deep_network.predict(X_test, params), Y_test)))
    _save(plot_costs(curves, every=100, log=True, title="3-layer ReLU net on circles, lr 0.01"),
          out, "circles_init_costs.png", written)
    _save(_boundaries(panels, X, Y), out, "circles_init_boundaries.png", written)
    return results


def fc_on_and_gate(out: Path, written: list[Path]) -> list[Result]:
    X, T = fc_layers.AND_X.astype(float), fc_layers.AND_T.astype(float)
    net = fc_layers.Net(rng=np.random.default_rng(0))
    losses = net.train(X, T, iterations=10000)
    y = net.predict(X)
    results = [Result("seeds/001 FC net, randn init", "AND gate", net.loss.forward(y, T),
                      _accuracy((y > 0.5).astype(float), T), None)]
    curves = {"randn init": losses[::100]}
    for init in fc_layers.INITS:
        run = fc_layers.and_gate_experiment(init, published=True)
        y = run["y"]
        results.append(Result(f"seeds/001 FC net, {init} init (published)", "AND gate",
                              float(np.sum((y - T) ** 2) / T.shape[1] / 2),
                              _accuracy((y > 0.5).astype(float), T), None))
        curves[f"{init} init (published)"] = run["losses"][::100]
    _save(plot_costs(curves, every=100, log=True, title="seeds/001: AND gate, square loss"),
          out, "and_gate_costs.png", written)
    _save(_boundaries([("FC net, randn init", net.predict)], X, T), out, "and_gate_boundary.png",
          written)
    return results


EXPERIMENTS = (logistic_on_digits, two_layer_on_flower, deep_on_digits,
               initializers_on_circles, fc_on_and_gate)


def run_all(out: Path) -> tuple[list[Result], list[Path]]:
    """Run every experiment, writing PNGs under ``out``; returns the rows and the files."""
    out.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    written: list[Path] = []
    for experiment in EXPERIMENTS:
        results.extend(experiment(out, written))
    return results, written


def format_table(results: Sequence[Result]) -> str:
    """The summary as aligned text: model, data, final cost, train / test accuracy (%)."""
    header = ("model", "data", "final cost", "train acc", "test acc")
    rows = [
        (r.model, r.data, f"{r.final_cost:.6f}", f"{100 * r.train_accuracy:.1f}%",
         "-" if r.test_accuracy is None else f"{100 * r.test_accuracy:.1f}%")
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("build/demo"),
                        help="folder for the PNG plots (default: build/demo)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results, written = run_all(args.out)
    print(format_table(results))
    print(f"\n{len(written)} plots in {args.out}/ ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
