"""The order a run hands out its jobs: the assignments that take longest first.

A run ends when its last job ends. With several grading processes, a long notebook handed out
last keeps one process busy while the others wait with nothing to do: in a class of five
assignments graded with ``-j 2``, the last ``04_initialization`` notebook (about three times
as long as a ``05_layers`` one) ran alone for its last seven seconds. Handing out long jobs
first and short ones last (the *longest processing time first* rule of scheduling) leaves
only short jobs to even out at the end.

How long a job takes is learnt while grading: its assignment's mean seconds over the jobs
finished so far (:meth:`LongestFirst.finished`), or the means of an earlier run
(``estimates``, from the ledger). An assignment not timed yet comes before every timed one,
so that each is timed early; among those, the one with the fewest jobs handed out, then the
order given. A job given back (:meth:`LongestFirst.retry`) comes before all others. Jobs of
one assignment keep the order given.

Written here rather than taken from a library: it is one choice among the jobs not yet
handed out, and neither :mod:`heapq` (the estimates change as jobs finish) nor Dask's
priorities (used by only one of the two ways a run grades) fits it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping

from autograder.intake.jobs import Job
from autograder.records.results import SubmissionResult

__all__ = ["LongestFirst", "mean_seconds"]


def _measured(seconds: float) -> bool:
    """A job's seconds that tell how long it took (0: no notebook ran, an error row)."""
    return seconds > 0 and math.isfinite(seconds)


def mean_seconds(results: Iterable[SubmissionResult]) -> dict[str, float]:
    """Each assignment's mean seconds per job over ``results`` (an earlier run's, from the
    ledger), counting only results that were timed."""
    total: dict[str, float] = {}
    count: dict[str, int] = {}
    for result in results:
        if _measured(result.seconds):
            total[result.assignment] = total.get(result.assignment, 0.0) + result.seconds
            count[result.assignment] = count.get(result.assignment, 0) + 1
    return {name: total[name] / count[name] for name in total}


class LongestFirst:
    """The jobs of a run not handed out yet, longest expected first.

    ``estimates``: seconds a job of an assignment took in earlier runs (assignment -> seconds);
    counted as one finished job of that assignment."""

    def __init__(self, jobs: Iterable[Job], estimates: Mapping[str, float] | None = None):
        self._pending: dict[str, deque[Job]] = {}
        for job in jobs:
            self._pending.setdefault(job.assignment, deque()).append(job)
        self._retries: deque[Job] = deque()
        self._handed: dict[str, int] = dict.fromkeys(self._pending, 0)
        self._seconds: dict[str, float] = {}
        self._timed: dict[str, int] = {}
        for name, seconds in (estimates or {}).items():
            self.finished(name, seconds)

    def __len__(self) -> int:
        return len(self._retries) + sum(len(q) for q in self._pending.values())

    def __bool__(self) -> bool:
        return len(self) > 0

    def expected(self, assignment: str) -> float:
        """Seconds a job of ``assignment`` is expected to take (inf: not timed yet)."""
        timed = self._timed.get(assignment, 0)
        return self._seconds[assignment] / timed if timed else math.inf

    def next(self) -> Job:
        """The job to hand out now (IndexError when none is left)."""
        if self._retries:
            return self._retries.popleft()
        waiting = [name for name, queue in self._pending.items() if queue]
        if not waiting:
            raise IndexError("no job left")
        # max keeps the first of equals: the order given decides the last ties
        name = max(waiting, key=lambda a: (self.expected(a), -self._handed[a]))
        self._handed[name] += 1
        return self._pending[name].popleft()

    def retry(self, job: Job) -> None:
        """Hand ``job`` out again, before any other."""
        self._retries.append(job)

    def finished(self, assignment: str, seconds: float) -> None:
        """A job of ``assignment`` took ``seconds``."""
        if _measured(seconds):
            self._seconds[assignment] = self._seconds.get(assignment, 0.0) + seconds
            self._timed[assignment] = self._timed.get(assignment, 0) + 1
