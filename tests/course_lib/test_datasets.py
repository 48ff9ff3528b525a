"""Tests for course_lib.datasets."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from course_lib.datasets import (
    DigitsSplit,
    Split,
    load_circles,
    load_digits_binary,
    load_moons,
    load_planar_flower,
    logic_gate,
)


def test_planar_flower_shapes_labels_and_petals():
    X, Y = load_planar_flower()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert set(np.unique(Y)) == {0.0, 1.0} and Y.sum() == 200
    r = np.hypot(X[0], X[1])
    assert 3.5 < r.max() < 4.8  # radius |4 sin 4t| plus noise


def test_planar_flower_is_not_linearly_separable_but_structured():
    X, Y = load_planar_flower()
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    linear = cross_val_score(LogisticRegression(), X.T, Y[0], cv=cv).mean()
    local = cross_val_score(KNeighborsClassifier(5), X.T, Y[0], cv=cv).mean()
    assert linear < 0.6 < 0.8 < local


def test_planar_flower_is_seeded_and_odd_m_works():
    a, b = load_planar_flower(seed=1), load_planar_flower(seed=1)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], load_planar_flower(seed=2)[0])
    X, Y = load_planar_flower(m=101)
    assert X.shape == (2, 101) and Y.shape == (1, 101) and Y.sum() == 51


@pytest.mark.parametrize("bad", [0, 1, -4, 2.5, True])
def test_planar_flower_bad_m(bad):
    with pytest.raises(ValueError, match="m must be an integer"):
        load_planar_flower(m=bad)


@pytest.mark.parametrize(
    "name, outputs",
    [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]), ("XOR", [0, 1, 1, 0]), ("nand", [1, 1, 1, 0])],
)
def test_logic_gates(name, outputs):
    X, Y = logic_gate(name)
    np.testing.assert_array_equal(X, [[0, 0, 1, 1], [0, 1, 0, 1]])
    np.testing.assert_array_equal(Y, [outputs])
    assert X.shape == (2, 4) and Y.shape == (1, 4)


def test_logic_gate_unknown_lists_valid_names():
    with pytest.raises(ValueError, match="AND, OR, XOR, NAND"):
        logic_gate("NOR")


def test_digits_default_is_odd_vs_even():
    d = load_digits_binary()
    assert isinstance(d, DigitsSplit) and isinstance(d, Split)
    assert d.positive == (1, 3, 5, 7, 9) and d.negative == (0, 2, 4, 6, 8)
    m_train, m_test = d.X_train.shape[1], d.X_test.shape[1]
    assert m_train + m_test == 1797
    assert d.X_train.shape == (64, m_train) and d.Y_train.shape == (1, m_train)
    assert d.X_test.shape == (64, m_test) and d.Y_test.shape == (1, m_test)
    assert m_test == pytest.approx(0.25 * 1797, abs=1)
    assert d.X_train.min() == 0.0 and d.X_train.max() == 1.0
    np.testing.assert_array_equal(d.Y_train[0], d.digits_train % 2)
    np.testing.assert_array_equal(d.Y_test[0], d.digits_test % 2)
    # stratified: both sets have the same class balance (to one example)
    assert abs(d.Y_train.mean() - d.Y_test.mean()) < 2 / m_test


def test_digits_images_match_columns_and_unpacking():
    d = load_digits_binary(positive=3, negative=8, scale=False)
    assert set(np.unique(d.digits_train)) == {3, 8}
    np.testing.assert_array_equal(d.images_train.reshape(-1, 64).T, d.X_train)
    np.testing.assert_array_equal(d.images_test[0].ravel(), d.X_test[:, 0])
    assert d.X_train.max() == 16.0
    X_train, Y_train, X_test, Y_test = d
    assert X_train is d.X_train and Y_test is d.Y_test


def test_digits_seeded_split():
    a, b, c = load_digits_binary(seed=0), load_digits_binary(seed=0), load_digits_binary(seed=1)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"positive": 3, "negative": (3, 8)}, "share digits"),
        ({"positive": 12}, "digit 0-9"),
        ({"positive": ()}, "digit 0-9"),
        ({"positive": range(10)}, "no digit for the negative class"),
        ({"test_size": 1.5}, "test_size"),
    ],
)
def test_digits_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_digits_binary(**kwargs)


@pytest.mark.parametrize("loader", [load_circles, load_moons])
def test_two_d_sets(loader):
    split = loader(m=200, noise=0.1, seed=3, test_size=0.25)
    X_train, Y_train, X_test, Y_test = split
    assert X_train.shape == (2, 150) and Y_train.shape == (1, 150)
    assert X_test.shape == (2, 50) and Y_test.shape == (1, 50)
    assert Y_train.mean() == 0.5 and Y_test.mean() == 0.5
    again = loader(m=200, noise=0.1, seed=3, test_size=0.25)
    np.testing.assert_array_equal(again.X_test, X_test)
    assert not np.array_equal(loader(m=200, noise=0.1, seed=4).X_test, X_test)


def test_circles_inner_class_is_inner():
    X_train, Y_train, _, _ = load_circles(noise=0.0)
    r = np.hypot(X_train[0], X_train[1])
    np.testing.assert_allclose(r[Y_train[0] == 1], 0.5)
    np.testing.assert_allclose(r[Y_train[0] == 0], 1.0)


@pytest.mark.parametrize("loader", [load_circles, load_moons])
@pytest.mark.parametrize(
    "kwargs, match", [({"m": 2}, "m must be"), ({"noise": -1}, "noise"), ({"test_size": 0}, "test")]
)
def test_two_d_bad_arguments(loader, kwargs, match):
    with pytest.raises(ValueError, match=match):
        loader(**kwargs)


def test_importing_the_module_does_not_import_scikit_learn():
    """The grader imports course_lib.fc_layers (and so this module) and draws no data set:
    scikit-learn, a second of CPU, is imported by the functions that use it."""
    import subprocess
    import sys

    code = "import sys, course_lib.fc_layers; print('sklearn' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.split()[-1] == "False"
