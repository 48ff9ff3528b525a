"""A test cell's two sides held on one core (autograder/kernel/cores.py): each grading process
gets a core of its own, the block holds the calling thread and the kernel's thread there, and
both get back the cores they had; without a core, or with a kernel that is gone, nothing
moves and nothing fails."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from autograder.kernel import cores

CORES = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
needs_two = pytest.mark.skipif(len(CORES) < 2, reason="needs two usable cores")


@pytest.fixture(autouse=True)
def _no_core_left(monkeypatch):
    monkeypatch.setattr(cores, "_core", None)


@pytest.fixture
def sleeper():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait()


@needs_two
def test_each_grading_process_gets_a_core_of_its_own():
    chosen = [cores.choose(n) for n in range(len(CORES))]
    assert sorted(chosen) == CORES
    assert cores.choose(len(CORES)) == chosen[0]   # more processes than cores: shared again


def test_one_usable_core_holds_nothing(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert cores.choose(0) is None and cores._core is None


@needs_two
def test_the_block_holds_both_threads_on_the_core_then_gives_back_theirs(sleeper):
    core = cores.choose(1)
    os.sched_setaffinity(sleeper.pid, set(CORES[:2]))
    mine = os.sched_getaffinity(0)
    with cores.one_core(sleeper.pid):
        assert os.sched_getaffinity(0) == {core}
        assert os.sched_getaffinity(sleeper.pid) == {core}
    assert os.sched_getaffinity(0) == mine
    assert os.sched_getaffinity(sleeper.pid) == set(CORES[:2])


@needs_two
def test_the_cores_come_back_when_the_block_raises(sleeper):
    cores.choose(0)
    mine, theirs = os.sched_getaffinity(0), os.sched_getaffinity(sleeper.pid)
    with pytest.raises(RuntimeError, match="a test failed"), cores.one_core(sleeper.pid):
        raise RuntimeError("a test failed")
    assert os.sched_getaffinity(0) == mine and os.sched_getaffinity(sleeper.pid) == theirs


@needs_two
def test_a_kernel_gone_or_unknown_is_left_alone(sleeper):
    core = cores.choose(0)
    sleeper.kill()
    sleeper.wait()
    mine = os.sched_getaffinity(0)
    for pid in (sleeper.pid, None):
        with cores.one_core(pid):
            assert os.sched_getaffinity(0) == {core}   # this thread is still held
        assert os.sched_getaffinity(0) == mine


def test_a_core_that_cannot_be_used_moves_nothing_and_fails_nothing(monkeypatch, sleeper):
    """The core chosen is no longer one this process may use (a cpuset changed mid-run):
    the test runs where it was."""
    monkeypatch.setattr(cores, "_core", 100_000)
    mine, theirs = os.sched_getaffinity(0), os.sched_getaffinity(sleeper.pid)
    with cores.one_core(sleeper.pid):
        assert os.sched_getaffinity(0) == mine
        assert os.sched_getaffinity(sleeper.pid) == theirs
    assert os.sched_getaffinity(0) == mine


def test_without_a_core_nothing_moves(sleeper):
    mine, theirs = os.sched_getaffinity(0), os.sched_getaffinity(sleeper.pid)
    with cores.one_core(sleeper.pid):
        assert os.sched_getaffinity(0) == mine
        assert os.sched_getaffinity(sleeper.pid) == theirs
