"""The binary cross-entropy cost shared by every network of the course.

J = -(1/m) sum over all entries of [Y log A + (1 - Y) log(1 - A)], with A (n_y, m) the
output probabilities and Y (n_y, m) the 0/1 labels.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["binary_cross_entropy"]


def binary_cross_entropy(A: ArrayLike, Y: ArrayLike, *, name: str = "A") -> float:
    """Mean binary cross-entropy of probabilities A against labels Y (same 2-D shape).

    Returns -(1/m) sum(Y log A + (1 - Y) log(1 - A)) as a float, m = Y.shape[1]. A term whose
    label weight is 0 contributes 0 even where its log is -inf (0 log 0 = 0), so a saturated
    output (A exactly 0.0 or 1.0, as sigmoid gives for |z| > ~37) costs 0 when it is right
    and +inf, not nan, when it is wrong; no warning is emitted. For finite logs the result is
    bit-for-bit the textbook formula's. ValueError naming both shapes when they differ
    (``name`` is what the message calls A, e.g. "AL").
    """
    A, Y = np.asarray(A), np.asarray(Y, dtype=float)
    if A.shape != Y.shape or Y.ndim != 2:
        raise ValueError(f"{name} has shape {A.shape} but Y has shape {Y.shape}; they must be "
                         "equal and 2-D (n_y, m)")
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = np.where(Y != 0.0, Y * np.log(A), 0.0)
        negative = np.where(Y != 1.0, (1.0 - Y) * np.log(1.0 - A), 0.0)
    return float(-np.sum(positive + negative) / Y.shape[1])
