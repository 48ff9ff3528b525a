"""A test cell's conversation held on one core: the grader's side and the kernel's.

A test cell graded out of the student's process (:mod:`autograder.grade.trusted`) is a
conversation in lockstep: the grader calls the student's function in the kernel, the
student's code asks the grader about the course's objects it was given, thousands of times
in a class's tests of training loops, and each side waits while the other works. When the
two sides sit on two cores, every message wakes the other core from idle: a Unix-socket
round trip took 57 us between two cores of the 2-core CI machine and 5 us on one; with
80 us of work on each side per message, 255 us against 166 us.

So while a test cell runs, :func:`one_core` holds the grader's thread that runs it and the
kernel's main thread (its ``pid``, the thread that runs the student's code) on one core,
then gives both back the cores they had. Only while a test cell runs: the rest of the time
the kernel runs the student's own cells, and the grading process reads the kernel's outputs
and starts the next kernel, on whatever core is free, in parallel. Each grading process has
a core of its own (:func:`choose`, from its number in the run), so two grading processes do
not share one. On the bench's quick class (20 notebooks, 2 cores), ``-j 1`` alternated with and
without, three runs each: 33.8-34.7 s against 34.7-35.6 s, the same grades; ``-j 2``
unchanged (21.6-21.7 s against 21.7-21.8 s: every core is busy there anyway).

A machine with one usable core, a process that has no core chosen (a cluster's worker), and
a thread that cannot be moved (gone, not this user's, or the core no longer allowed) leave
everything as it was: the cores a thread runs on change its speed, never what it computes.
Standard library only: the grading process calls :func:`choose` before it imports the
grading code.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

_core: int | None = None   # this grading process's core (None: hold nothing)


def choose(number: int) -> int | None:
    """Give this grading process, the ``number``-th of the run (from 0), its core: one of
    the cores this process may use, a different one for each number up to their count.
    None (nothing is held) where there is only one, or no affinity to set (not Linux)."""
    global _core
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    _core = allowed[number % len(allowed)] if len(allowed) > 1 else None
    return _core


@contextlib.contextmanager
def one_core(pid: int | None) -> Iterator[None]:
    """Hold the calling thread and the thread ``pid`` (a kernel's main thread) on this
    process's core for the block, then give each back the cores it had (see the module
    docstring). Does nothing without a chosen core; a thread that cannot be moved is left
    where it is (the other is still held: it costs nothing)."""
    if _core is None:
        yield
        return
    mine, theirs = _move(0, {_core}), _move(pid, {_core})
    try:
        yield
    finally:
        for thread, had in ((0, mine), (pid, theirs)):
            if had is not None:
                _move(thread, had)


def _move(pid: int | None, cores: set[int]) -> set[int] | None:
    """Put thread ``pid`` (0: the calling thread) on ``cores``; the cores it had, or None if
    it could not be moved: gone, another user's without the right to move it, or the core
    no longer one it may use (a test never fails for where it ran)."""
    if pid is None:
        return None
    try:
        had = os.sched_getaffinity(pid)
        os.sched_setaffinity(pid, cores)
    except OSError:
        return None
    return had
