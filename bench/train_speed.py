"""Training speed of course_lib's deep network against scikit-learn and PyTorch (CPU).

All three run the same thing: full-batch gradient descent (no momentum, no weight decay, no
shuffling, no early stopping) on the same data, the same layer sizes ([LINEAR -> RELU] * (L-1)
-> LINEAR -> SIGMOID with binary cross-entropy), the same learning rate and the same number of
iterations, in float64. Only the initial weights differ (each library's own scheme), which does
not change the work per iteration. Prints seconds per iteration and the ratios
sklearn / course_lib and torch / course_lib (above 1 means course_lib is faster), each the
best of ``--repeats`` timings measured in this one run.

Run: ``make bench`` or ``python bench/train_speed.py [--iterations N] [--repeats R]
[--threads T]``. By default BLAS (and torch) run on one thread, the same for all three: on a
small shared machine, multithreaded BLAS on matrices this small mostly measures contention
with other processes, and varies tenfold from run to run. ``--threads 0`` leaves every
library's own default instead.
"""

from __future__ import annotations

import argparse
import contextlib
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_info, threadpool_limits

from course_lib.datasets import load_digits_binary, load_planar_flower
from course_lib.deep_network import L_layer_model

try:  # optional: PyTorch is not a dependency of the course
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


@dataclass(frozen=True)
class Case:
    """One network to train: X (n0, m), Y (1, m), layer sizes, learning rate."""

    name: str
    X: np.ndarray
    Y: np.ndarray
    layers_dims: tuple[int, ...]
    learning_rate: float


def cases() -> list[Case]:
    """The course's networks on the course's data sets."""
    X_flower, Y_flower = load_planar_flower(m=400, seed=1)
    digits = load_digits_binary(positive=3, negative=8)
    odd_even = load_digits_binary(positive=(1, 3, 5, 7, 9), negative=None)
    return [
        Case("planar flower 2-4-1, m=400", X_flower, Y_flower, (2, 4, 1), 1.2),
        Case(f"digits 3 vs 8 64-20-7-5-1, m={digits.X_train.shape[1]}",
             digits.X_train, digits.Y_train, (64, 20, 7, 5, 1), 0.0075),
        Case(f"digits odd/even 64-20-7-5-1, m={odd_even.X_train.shape[1]}",
             odd_even.X_train, odd_even.Y_train, (64, 20, 7, 5, 1), 0.0075),
    ]


def time_course_lib(case: Case, iterations: int) -> float:
    """Seconds for ``L_layer_model`` to run ``iterations`` steps."""
    start = time.perf_counter()
    L_layer_model(case.X, case.Y, list(case.layers_dims), case.learning_rate, iterations)
    return time.perf_counter() - start


def time_sklearn(case: Case, iterations: int) -> float:
    """Seconds for MLPClassifier(solver="sgd") to run exactly ``iterations`` full-batch epochs."""
    m = case.X.shape[1]
    clf = MLPClassifier(
        hidden_layer_sizes=case.layers_dims[1:-1],
        activation="relu",
        solver="sgd",
        alpha=0.0,
        batch_size=m,
        learning_rate="constant",
        learning_rate_init=case.learning_rate,
        momentum=0.0,
        nesterovs_momentum=False,
        shuffle=False,
        early_stopping=False,
        max_iter=iterations,
        tol=0.0,
        n_iter_no_change=iterations + 1,  # never stop before max_iter
        random_state=0,
    )
    X_rows, y = case.X.T.copy(), case.Y.ravel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        clf.fit(X_rows, y)
        elapsed = time.perf_counter() - start
    if clf.n_iter_ != iterations:
        raise RuntimeError(f"sklearn ran {clf.n_iter_} iterations, not {iterations}")
    return elapsed


def time_torch(case: Case, iterations: int) -> float:
    """Seconds for a float64 torch.nn.Sequential with torch.optim.SGD to run ``iterations``."""
    torch.manual_seed(0)
    dims = case.layers_dims
    layers: list = []
    for n_in, n_out in zip(dims[:-2], dims[1:-1], strict=True):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    layers.append(torch.nn.Linear(dims[-2], dims[-1]))
    net = torch.nn.Sequential(*layers).double()
    X_rows = torch.from_numpy(np.ascontiguousarray(case.X.T))
    y = torch.from_numpy(np.ascontiguousarray(case.Y.T, dtype=np.float64))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=case.learning_rate)
    start = time.perf_counter()
    for _ in range(iterations):
        optimizer.zero_grad()
        loss = loss_fn(net(X_rows), y)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def best_per_iteration(timer: Callable[[Case, int], float], case: Case, iterations: int,
                       repeats: int) -> float:
    """The fastest of ``repeats`` runs, in seconds per iteration."""
    return min(timer(case, iterations) for _ in range(repeats)) / iterations


def _blas_summary() -> str:
    return ", ".join(f"{i['internal_api']} {i.get('architecture', '')} x{i['num_threads']}"
                     for i in threadpool_info() if i["user_api"] == "blas")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS and torch threads; 0 keeps each library's default")
    args = parser.parse_args(argv)

    timers: dict[str, Callable[[Case, int], float]] = {
        "course_lib": time_course_lib,
        "sklearn": time_sklearn,
    }
    if torch is None:
        print("PyTorch is not importable here: its column is skipped.")
    else:
        if args.threads:
            torch.set_num_threads(args.threads)
        timers["torch"] = time_torch
    limit = threadpool_limits(args.threads) if args.threads else contextlib.nullcontext()
    with limit:
        print(f"full-batch gradient descent, {args.iterations} iterations, best of "
              f"{args.repeats}; BLAS: {_blas_summary()}; microseconds per iteration")
        header = f"{'network':<42}" + "".join(f"{name:>12}" for name in timers)
        header += "".join(f"{name + '/course':>16}" for name in timers if name != "course_lib")
        print(header)
        for case in cases():
            seconds = {name: best_per_iteration(timer, case, args.iterations, args.repeats)
                       for name, timer in timers.items()}
            row = f"{case.name:<42}" + "".join(f"{s * 1e6:>12.1f}" for s in seconds.values())
            row += "".join(f"{seconds[name] / seconds['course_lib']:>16.2f}"
                           for name in timers if name != "course_lib")
            print(row)


if __name__ == "__main__":
    main()
