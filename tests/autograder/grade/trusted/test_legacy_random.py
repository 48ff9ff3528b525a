"""LegacyRandom (autograder/grade/trusted/kernel_stub.py): whether numpy's legacy global
generator moved since its state was taken, exactly, whichever way it moved."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.grade.trusted.kernel_stub import LegacyRandom


@pytest.fixture(params=["memory", "full"])
def random(request):
    """A watcher reading the generator's memory, and one that always compares in full."""
    saved = np.random.get_state()
    watcher = LegacyRandom()
    if request.param == "full":
        watcher._memory = None
    else:
        assert watcher._memory is not None   # this numpy keeps its state where expected
    yield watcher
    np.random.set_state(saved)


def test_nothing_known_counts_as_moved(random):
    assert random.moved()
    random.take()
    assert not random.moved()


@pytest.mark.parametrize("draw", [
    lambda: np.random.rand(),
    lambda: np.random.randn(3),
    lambda: np.random.seed(4),
    lambda: np.random.permutation(5),
])
def test_each_draw_or_seed_is_seen(random, draw):
    np.random.seed(1)
    random.take()
    draw()
    assert random.moved()


def test_using_up_a_cached_gaussian_is_seen(random):
    """One Gaussian of a pair is kept for the next draw: using it changes neither the key nor
    the position, only the cache."""
    np.random.seed(2)
    np.random.randn()           # draws a pair, keeps one
    random.take()
    assert random.known[3] == 1
    np.random.randn()           # the kept one: no draw from the Mersenne Twister
    assert random.moved()


def test_the_same_seed_again_without_a_cache_is_no_move(random):
    np.random.seed(5)
    random.take()
    np.random.seed(5)
    assert not random.moved()


def test_a_remembered_state_is_the_reference(random):
    np.random.seed(6)
    state = np.random.get_state()
    np.random.rand(10)
    np.random.set_state(state)
    random.remember(state)
    assert not random.moved()
    np.random.rand()
    assert random.moved()
    random.forget()
    assert random.known is None and random.moved()


def test_a_state_the_legacy_generator_cannot_draw_from_is_refused():
    """numpy takes a position past the key, an all-zero key or a nan cached Gaussian, and
    then crashes or loops in its next draw: the grader refuses such a state from a kernel."""
    from autograder.grade.trusted.proxies import _legacy_state

    np.random.seed(3)
    good = np.random.get_state()
    assert _legacy_state(good) is good
    name, key, position, has_gauss, cached = good
    for bad in [(name, key, 700, has_gauss, cached), (name, np.zeros(624, np.uint32), 0, 0, 0.0),
                (name, key, position, 1, float("nan")), (name, key[:10], position, 0, 0.0),
                ("PCG64", key, position, 0, 0.0), [name, key, position, 0, 0.0]]:
        with pytest.raises(ValueError):
            _legacy_state(bad)
