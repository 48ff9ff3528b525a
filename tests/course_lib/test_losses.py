import math
import re
import warnings

import numpy as np
import pytest

from course_lib.losses import binary_cross_entropy


def test_matches_a_loop_over_examples_for_several_output_rows():
    rng = np.random.default_rng(0)
    A = rng.uniform(0.01, 0.99, (2, 7))
    Y = (rng.random((2, 7)) > 0.5).astype(float)
    expected = -sum(Y[r, i] * math.log(A[r, i]) + (1 - Y[r, i]) * math.log(1 - A[r, i])
                    for r in range(2) for i in range(7)) / 7
    assert binary_cross_entropy(A, Y) == pytest.approx(expected, rel=1e-13)


def test_is_bit_for_bit_the_textbook_formula_when_no_output_is_saturated():
    rng = np.random.default_rng(1)
    A = rng.uniform(1e-6, 1 - 1e-6, (1, 50))
    Y = (rng.random((1, 50)) > 0.5).astype(float)
    textbook = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / 50)
    assert binary_cross_entropy(A, Y) == textbook
    assert binary_cross_entropy(A, Y.astype(bool)) == textbook


def test_saturated_outputs_give_zero_when_right_and_inf_when_wrong_without_warnings():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        assert binary_cross_entropy(np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]])) == 0.0
        assert binary_cross_entropy(np.array([[1.0, 0.5]]), np.array([[0.0, 1.0]])) == math.inf


def test_names_both_shapes():
    with pytest.raises(ValueError, match="AL has shape " + re.escape("(1, 3)") + ".*"
                       + re.escape("(3, 1)")):
        binary_cross_entropy(np.full((1, 3), 0.5), np.zeros((3, 1)), name="AL")
