"""Small data sets for the course, all offline and seeded.

Shapes follow the course convention: X (n_features, m), Y (1, m) with float 0.0/1.0 labels.

* :func:`load_planar_flower` - the classic two-class "flower" in the plane, X (2, m);
* :func:`logic_gate` - the four inputs of a two-input gate and its truth table;
* :func:`load_digits_binary` - scikit-learn's bundled 8x8 digits as a binary task, X (64, m);
* :func:`load_circles`, :func:`load_moons` - scikit-learn's 2-D toy sets, split train/test.

Functions that split return a :class:`Split` (or :class:`DigitsSplit`), which unpacks as
``X_train, Y_train, X_test, Y_test = load_moons()``.

scikit-learn is imported by the functions that draw from it, not with this module: it takes
about a second to import, and the grader imports this module (through ``fc_layers``) without
drawing any data set.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Split",
    "DigitsSplit",
    "GATES",
    "load_planar_flower",
    "logic_gate",
    "load_digits_binary",
    "load_circles",
    "load_moons",
]


@dataclass(frozen=True)
class Split:
    """A train/test split: X_train (n, m_train), Y_train (1, m_train), X_test, Y_test."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray

    def __iter__(self) -> Iterator[np.ndarray]:
        """Unpack as ``X_train, Y_train, X_test, Y_test``."""
        return iter((self.X_train, self.Y_train, self.X_test, self.Y_test))


@dataclass(frozen=True)
class DigitsSplit(Split):
    """A digits split, plus what is needed to show the images.

    images_train (m_train, 8, 8), images_test (m_test, 8, 8): the pixels as X holds them;
    digits_train (m_train,), digits_test (m_test,): the original digit (0-9) of each image;
    positive, negative: the digits labelled 1 and 0.
    """

    images_train: np.ndarray
    images_test: np.ndarray
    digits_train: np.ndarray
    digits_test: np.ndarray
    positive: tuple[int, ...]
    negative: tuple[int, ...]


def _check_positive_int(value: int, name: str, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _check_fraction(value: float, name: str) -> None:
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")


def _columns(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(m, n) samples and (m,) labels -> X (n, m) float64, Y (1, m) float64."""
    return np.ascontiguousarray(X.T, dtype=float), np.asarray(y, dtype=float).reshape(1, -1)


def _split(X: np.ndarray, y: np.ndarray, test_size: float, seed: int) -> Split:
    """Stratified, seeded split of (m, n) samples into a column-major Split."""
    from sklearn.model_selection import train_test_split

    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y
    )
    return Split(*_columns(X_tr, y_tr), *_columns(X_te, y_te))


def load_planar_flower(m: int = 400, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The planar "flower": two classes of m // 2 and m - m // 2 points.

    Class j takes angles t spread over [3.12 j, 3.12 (j + 1)] plus noise, radii
    r = 4 sin(4 t) plus noise, and points (r sin t, r cos t): the petals alternate
    between the classes.  Returns X (2, m), Y (1, m) with labels 0.0/1.0.
    """
    _check_positive_int(m, "m", minimum=2)
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for j, n in enumerate((m // 2, m - m // 2)):
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n) + rng.standard_normal(n) * 0.2
        r = 4 * np.sin(4 * t) + rng.standard_normal(n) * 0.2
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)]))
        ys.append(np.full(n, float(j)))
    return np.concatenate(xs, axis=1), np.concatenate(ys).reshape(1, m)


#: gate name -> its outputs for the inputs (0,0), (0,1), (1,0), (1,1)
GATES: dict[str, tuple[int, int, int, int]] = {
    "AND": (0, 0, 0, 1),
    "OR": (0, 1, 1, 1),
    "XOR": (0, 1, 1, 0),
    "NAND": (1, 1, 1, 0),
}


def logic_gate(name: str) -> tuple[np.ndarray, np.ndarray]:
    """X (2, 4) = [[0, 0, 1, 1], [0, 1, 0, 1]] and the gate's outputs Y (1, 4), as floats.

    name: one of AND, OR, XOR, NAND (any case).
    """
    key = name.upper() if isinstance(name, str) else name
    if key not in GATES:
        raise ValueError(f"unknown gate {name!r}; valid names are {', '.join(GATES)}")
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
    return X, np.array([GATES[key]], dtype=float)


def _digit_tuple(digits: int | Iterable[int] | None, name: str) -> tuple[int, ...] | None:
    if digits is None:
        return None
    values = (digits,) if isinstance(digits, int | np.integer) else tuple(digits)
    if not values or any(not isinstance(d, int | np.integer) or not 0 <= d <= 9 for d in values):
        raise ValueError(f"{name} must be a digit 0-9 or a non-empty list of them, got {digits!r}")
    return tuple(int(d) for d in values)


def load_digits_binary(
    positive: int | Iterable[int] = (1, 3, 5, 7, 9),
    negative: int | Iterable[int] | None = None,
    test_size: float = 0.25,
    seed: int = 0,
    scale: bool = True,
) -> DigitsSplit:
    """scikit-learn's 8x8 digits as a binary task: ``positive`` digits -> 1, ``negative`` -> 0.

    ``negative=None`` means every digit not in ``positive``, so the default is odd vs even
    (1347 training images): not trivial, a logistic unit gets about 91% of the test set right
    and a small deep network about 97%.  A single pair such as positive=3, negative=8 is a
    smaller, easier task.  The split is stratified and seeded; ``scale`` maps the pixels
    0..16 to [0, 1].  X_train (64, m_train), Y_train (1, m_train), likewise for the test set;
    see :class:`DigitsSplit` for the images.
    """
    pos = _digit_tuple(positive, "positive")
    neg = _digit_tuple(negative, "negative")
    if neg is None:
        neg = tuple(d for d in range(10) if d not in pos)
    if set(pos) & set(neg):
        raise ValueError(f"positive {pos} and negative {neg} share digits {set(pos) & set(neg)}")
    if not neg:
        raise ValueError(f"positive {pos} leaves no digit for the negative class")
    _check_fraction(test_size, "test_size")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    keep = np.isin(bunch.target, pos + neg)
    images = bunch.images[keep] / 16.0 if scale else bunch.images[keep].astype(float)
    digits = bunch.target[keep]
    labels = np.isin(digits, pos).astype(float)
    idx_train, idx_test = train_test_split(
        np.arange(len(labels)), test_size=test_size, random_state=seed, stratify=labels
    )
    flat = images.reshape(len(images), -1)
    return DigitsSplit(
        *_columns(flat[idx_train], labels[idx_train]),
        *_columns(flat[idx_test], labels[idx_test]),
        images_train=images[idx_train],
        images_test=images[idx_test],
        digits_train=digits[idx_train],
        digits_test=digits[idx_test],
        positive=pos,
        negative=neg,
    )


def load_circles(
    m: int = 400, noise: float = 0.05, seed: int = 1, test_size: float = 0.25, factor: float = 0.5
) -> Split:
    """Two concentric circles (inner radius ``factor``), m points, stratified seeded split.

    X (2, m_split), Y (1, m_split): 1.0 on the inner circle.
    """
    _check_positive_int(m, "m", minimum=4)
    _check_fraction(test_size, "test_size")
    _check_fraction(factor, "factor")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=m, noise=noise, factor=factor, random_state=seed)
    return _split(X, y, test_size, seed)


def load_moons(m: int = 400, noise: float = 0.2, seed: int = 1, test_size: float = 0.25) -> Split:
    """Two interleaving half moons, m points, stratified seeded split.

    X (2, m_split), Y (1, m_split).
    """
    _check_positive_int(m, "m", minimum=4)
    _check_fraction(test_size, "test_size")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=m, noise=noise, random_state=seed)
    return _split(X, y, test_size, seed)
