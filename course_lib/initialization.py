"""Initialization schemes for the L-layer network of ``deep_network``.

Each function maps ``layers_dims`` = [n0, n1, ..., nL] to ``{"W1", "b1", ..., "WL", "bL"}``
with W{l} (n[l], n[l-1]) and b{l} (n[l], 1), and calls ``np.random.seed(3)`` first, like
``deep_network.initialize_parameters_deep``, so that every scheme is reproducible and two
schemes draw the same underlying normal numbers (only the scale differs). Biases are zero.

``INITIALIZERS`` maps a short name to each function; pass one as ``L_layer_model``'s
``initializer``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from course_lib.deep_network import Parameters, _check_layers_dims, initialize_parameters_deep

__all__ = [
    "INITIALIZERS",
    "initialize_parameters_constant",
    "initialize_parameters_he",
    "initialize_parameters_random",
    "initialize_parameters_zeros",
]


def _build(
    layers_dims: Sequence[int], weight: Callable[[int, int], np.ndarray]
) -> Parameters:
    """Seed the legacy stream with 3, then W{l} = weight(n[l], n[l-1]), b{l} = zeros."""
    _check_layers_dims(layers_dims)
    np.random.seed(3)
    parameters: Parameters = {}
    for l in range(1, len(layers_dims)):
        parameters[f"W{l}"] = weight(layers_dims[l], layers_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_zeros(layers_dims: Sequence[int]) -> Parameters:
    """All weights and biases zero: every unit of a layer stays identical (symmetry)."""
    return _build(layers_dims, lambda n_out, n_in: np.zeros((n_out, n_in)))


def initialize_parameters_random(layers_dims: Sequence[int]) -> Parameters:
    """W{l} = randn(n[l], n[l-1]) * 10: large weights that saturate the sigmoid output."""
    return _build(layers_dims, lambda n_out, n_in: np.random.randn(n_out, n_in) * 10)


def initialize_parameters_he(layers_dims: Sequence[int]) -> Parameters:
    """He et al. (2015): W{l} = randn(n[l], n[l-1]) * sqrt(2 / n[l-1]), suited to ReLU layers."""
    return _build(
        layers_dims, lambda n_out, n_in: np.random.randn(n_out, n_in) * np.sqrt(2.0 / n_in)
    )


def initialize_parameters_constant(layers_dims: Sequence[int], value: float = 1.0) -> Parameters:
    """Every weight equal to ``value`` (biases zero): symmetric like zeros, but not zero."""
    return _build(layers_dims, lambda n_out, n_in: np.full((n_out, n_in), float(value)))


#: name -> initializer; "small" is seeds/000's randn * 0.01 (``initialize_parameters_deep``).
INITIALIZERS: dict[str, Callable[[Sequence[int]], Parameters]] = {
    "zeros": initialize_parameters_zeros,
    "random": initialize_parameters_random,
    "he": initialize_parameters_he,
    "constant": initialize_parameters_constant,
    "small": initialize_parameters_deep,
}
