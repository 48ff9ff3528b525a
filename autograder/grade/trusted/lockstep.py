"""Many evaluations of a test's function, their calls to the kernel sent together.

A gradient check evaluates the student's cost at two points per parameter entry: a few
hundred evaluations of a few calls each, and every call to the kernel is a round trip
(about 2 ms). :class:`Lockstep` runs each evaluation in a thread of its own; when every
evaluation still running is waiting for an answer, their calls go to the kernel as one
``batch`` request, answered in the order of the points (so a run is reproducible). Each
evaluation's own calls keep their order, and what it computes between them is done in the
grader as before: only the round trips are shared (what the student's code printed is shown
step by step, in the points' order). Set as
:data:`course_lib.isolation.EVALUATE_MANY` while the grader runs a test.

Written here (not ``concurrent.futures``): a thread pool returns results, but the point of
this one is that every thread waits at the same step, which no pool does.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

from autograder.grade.trusted.channel import CallFailed, Channel
from autograder.messages import _
from course_lib.isolation import EVALUATE_MANY

WIDTH = 256   # evaluations run together at most (threads at once)


class Lockstep:
    """``map(f, points)`` for one test's channel (see the module docstring)."""

    def __init__(self, channel: Channel, width: int = WIDTH):
        self.channel, self.width = channel, width
        self._state = threading.Condition()
        self._running = 0
        self._asked: dict[int, dict] = {}             # evaluation -> its waiting request
        self._answers: dict[int, Any] = {}            # evaluation -> answer (or exception)
        self._told: dict[int, threading.Event] = {}   # evaluation -> set once it has its answer

    def map(self, f: Callable[[Any], Any], points: Iterable[Any]) -> list[Any]:
        """``[f(p) for p in points]``; raises the first point's exception, as that list
        would (every point is evaluated first)."""
        results: list[Any] = []
        iterator = iter(points)
        with warnings.catch_warnings():   # threads entering quiet() at once leave it as was
            while chunk := list(islice(iterator, self.width)):
                results += self._run(f, chunk)
        return results

    def _run(self, f: Callable[[Any], Any], points: list[Any]) -> list[Any]:
        if len(points) == 1:
            return [f(points[0])]
        values: list[Any] = [None] * len(points)
        errors: list[BaseException | None] = [None] * len(points)

        def evaluate(index: int) -> None:
            with self.channel.calls_through(self._submitter(index)):
                try:
                    values[index] = f(points[index])
                except BaseException as error:  # noqa: BLE001 - re-raised by map, in order
                    errors[index] = error
                finally:
                    with self._state:
                        self._running -= 1
                        self._wake_server()

        self._running = len(points)
        threads = [threading.Thread(target=evaluate, args=(i,), daemon=True)
                   for i in range(len(points))]
        for thread in threads:
            thread.start()
        self._serve()
        for thread in threads:
            thread.join()
        for error in errors:
            if error is not None:
                raise error
        return values

    def _serve(self) -> None:
        """Until every evaluation ended: wait until each one still running asks, send their
        requests as one, hand each its answer."""
        with self._state:
            while True:
                self._state.wait_for(lambda: len(self._asked) == self._running)
                if not self._running:
                    return
                order = sorted(self._asked)
                requests = [self._asked.pop(i) for i in order]
                for index, answer in zip(order, self._send(requests), strict=True):
                    if type(answer) is dict:
                        self.channel.show_printed(answer)   # here, in the points' order
                    self._answers[index] = answer
                    self._told.pop(index).set()

    def _wake_server(self) -> None:
        """Wake :meth:`_serve` once every evaluation still running waits (called holding the
        lock). Each evaluation waits on an event of its own: waking all of them at every
        step, hundreds of threads, cost more than the round trips."""
        if len(self._asked) == self._running:
            self._state.notify()

    def _send(self, requests: list[dict]) -> list[Any]:
        """The kernel's answers to ``requests`` (each one a dict or the exception to raise)."""
        try:
            answers = self.channel.send({"op": "batch", "requests": requests}).get("answers")
            if type(answers) is not list or len(answers) != len(requests):
                raise CallFailed(_("the kernel's answer to several calls was not one per call"))
        except BaseException as error:  # noqa: BLE001 - each evaluation raises it
            return [error] * len(requests)
        return answers

    def _submitter(self, index: int) -> Callable[[dict], Any]:
        def submit(request: dict) -> Any:
            told = threading.Event()
            with self._state:
                self._asked[index] = request
                self._told[index] = told
                self._wake_server()
            told.wait()
            with self._state:
                answer = self._answers.pop(index)
            if isinstance(answer, BaseException):
                raise answer
            return answer
        return submit


@contextmanager
def evaluating_together(channel: Channel) -> Iterator[Lockstep]:
    """For the block: :func:`course_lib.isolation.call_each` in this thread runs its
    evaluations in lockstep on ``channel``."""
    lockstep = Lockstep(channel)
    token = EVALUATE_MANY.set(lockstep.map)
    try:
        yield lockstep
    finally:
        EVALUATE_MANY.reset(token)
