"""The source articles' documented experiments, rerun: the published run and the corrected one.

One function per article (``seeds/`` in the shared material). Where an article's code has a
quirk that its printed numbers depend on, the quirk is named in the function's docstring and
``published=True`` reproduces it, while ``published=False`` runs the same experiment with the
quirk fixed, so the notebooks can show both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_lib import two_layer_net
from course_lib.deep_network import Parameters, initialize_parameters_deep

__all__ = [
    "seed000_initializer",
    "seed001_and_gate",
    "seed002_initial_parameters",
    "seed002_test_case",
    "seed002_trace",
]


def seed000_initializer() -> Parameters:
    """seeds/000's documented call ``initialize_parameters_deep([5, 4, 3])``.

    Returns W1 (4, 5), b1 (4, 1), W2 (3, 4), b2 (3, 1); W1[0, 0] prints as 0.01788628.
    The article has no quirk in this function. Its other quirks, which do not change any
    printed number and which the course's ``deep_network`` handles as follows:

    * ``L_layer_model`` calls ``np.random.seed(1)`` and then the initializer, which reseeds
      with 3: the first seed is dead code (dropped in ``deep_network``).
    * ``L_model_backward`` stores the gradient with respect to A[l] under ``dA{l+1}``
      (off by one); ``deep_network`` keys it ``dA{l}``, with ``dA0`` for X.
    * the cost plot's x axis says "iterations (per tens)" while a cost is kept every 100
      iterations.
    * ``linear_forward``, ``sigmoid``, ``relu``, ``sigmoid_backward``, ``relu_backward`` are
      used but never defined (``deep_network`` and ``cached_activations`` define them).
    """
    return initialize_parameters_deep([5, 4, 3])


def seed001_and_gate(init: str, published: bool = True) -> dict[str, Any]:
    """seeds/001's AND-gate experiment with symmetric initial weights.

    init: "zeros" (w1, w2 all 0) or "ones" (w1 all 1, w2 all 0). Delegates to
    ``course_lib.fc_layers.and_gate_experiment``; returns its dict (final output ``y`` (1, 4),
    weights ``w1`` (2, 4), ``w2`` (4, 1), ``losses``).

    Quirks of the published ``FC.backward`` (reproduced with ``published=True``):
    (a) the bias gradient is one scalar summed over all units and examples instead of a
    per-unit sum; (b) the weights are updated before the residual passed to the layer below
    is computed with them. ``published=False`` sums per unit and uses the old weights.
    """
    from course_lib.fc_layers import and_gate_experiment  # written alongside this module

    return and_gate_experiment(init=init, published=published)


def seed002_test_case() -> tuple[np.ndarray, np.ndarray]:
    """The data of seeds/002's run (the common ``nn_model_test_case``).

    Calls ``np.random.seed(1)`` then draws X = randn(2, 3) and Y = (randn(1, 3) > 0), returned
    as X (2, 3) float and Y (1, 3) bool. It leaves the legacy global stream where the article's
    ``init_parameters`` continues drawing.
    """
    np.random.seed(1)
    X = np.random.randn(2, 3)
    Y = np.random.randn(1, 3) > 0
    return X, Y


def seed002_initial_parameters() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The starting point of seeds/002's run: its data and its initial parameters.

    Returns ``(X, Y, parameters)``: X (2, 3) and Y (1, 3) from ``seed002_test_case()``, Y as
    0.0/1.0 floats; then, drawn from the legacy global stream without reseeding, the
    article's initialization ``w1 = np.random.rand(4, 2) * 0.01``, ``b1 = zeros((4, 1))``,
    ``w2 = np.random.rand(1, 4) * 0.01``, ``b2 = zeros((1, 1))``.

    Quirk: ``np.random.rand`` draws uniformly from [0, 1), so every initial weight is
    positive (in [0, 0.01)); ``two_layer_net.init_parameters`` draws zero-mean weights with
    ``np.random.randn``, as is usual. These uniform weights serve only to reproduce the
    article's numbers. Same result whatever the global stream's state before the call.
    """
    X, Y = seed002_test_case()
    parameters = {
        "w1": np.random.rand(4, 2) * 0.01,
        "b1": np.zeros((4, 1)),
        "w2": np.random.rand(1, 4) * 0.01,
        "b2": np.zeros((1, 1)),
    }
    return X, Y.astype(float), parameters


def seed002_trace(published: bool = True) -> list[float]:
    """seeds/002's ``model(X, Y, 4, 10000)`` run: its costs at steps 0, 1000, ..., 9000.

    Starts from ``seed002_initial_parameters()`` (the article's data and its uniform
    ``np.random.rand`` initial weights, not the zero-mean ``randn`` of
    ``two_layer_net.init_parameters``); 10000 full-batch gradient-descent steps at learning
    rate 0.5 with a tanh hidden layer of 4 units.

    Quirk (``published=True``): the article's ``back_propagation`` divides every gradient by
    an ``m`` it never defines, so Python reads a global one, left over from the planar
    "flower" data set (m = 400) used earlier in the series, while ``compute_cost`` divides by
    the true m = 3. Gradients are thus 3/400 of their true size; only with that global m = 400
    do the printed costs come out (``"%f"`` of the result gives
    ``0.693230 0.642704 0.451822 ...``). ``published=False`` divides by the true m = 3 in
    both, with the same data and initial weights: the cost collapses much faster
    (``0.693230 0.000529 0.000259 ...``).
    """
    X, Y, parameters = seed002_initial_parameters()
    gradient_divisor = 400 if published else X.shape[1]
    costs: list[float] = []
    for i in range(10000):
        A2, cache = two_layer_net.forward_propagation(X, parameters)
        if i % 1000 == 0:
            costs.append(two_layer_net.compute_cost(A2, Y))
        grads = two_layer_net._gradients(parameters, cache, X, Y, gradient_divisor)
        parameters = two_layer_net.gradient_descent(parameters, grads, 0.5)
    return costs
