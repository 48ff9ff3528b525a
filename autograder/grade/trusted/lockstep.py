"""Many evaluations of a test's function, their calls to the kernel sent together.

A gradient check evaluates the student's cost at two points per parameter entry: a few
hundred evaluations of a few calls each, and every call to the kernel is a round trip
(about 2 ms). :class:`Lockstep` runs each evaluation in a greenlet of its own (a coroutine
that can pause inside any function it calls): each one runs, in the points' order, until it
makes a call to the kernel or ends; the calls of all the evaluations still running then go
to the kernel as one ``batch`` request, answered in the points' order, and each evaluation
resumes with its answer. Each evaluation's own calls keep their order, and what it computes
between them is done in the grader as before: only the round trips are shared (what the
student's code printed is shown step by step, in the points' order). Each evaluation runs in
a copy of the caller's context (:mod:`contextvars`: numpy's error state, for one), as one
evaluation after another would. Set as :data:`course_lib.isolation.EVALUATE_MANY` while the
grader runs a test.

greenlet, not threads: the evaluations take turns at fixed points, so nothing runs at the
same time and nothing needs a lock. With a thread per evaluation (as before), the hand-offs
between threads made ``05_layers``' gradient checks two to four times as long (its
``test_Dense_gradcheck``: 0.10-0.23 s, 0.04-0.06 s now). Not ``asyncio``: an evaluation is
the test's ordinary code, which calls the kernel without ``await``.
"""

from __future__ import annotations

import contextvars
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

from greenlet import greenlet

from autograder.grade.trusted.channel import CallFailed, Channel
from autograder.messages import _
from course_lib.isolation import EVALUATE_MANY

WIDTH = 256   # evaluations run together at most


class _Evaluation:
    """``f(point)`` in a greenlet of its own; :attr:`request` is its call waiting for an
    answer (None once it ended, with :attr:`value` or :attr:`error`)."""

    def __init__(self, f: Callable[[Any], Any], point: Any, channel: Channel):
        self.request: dict | None = None
        self.value: Any = None
        self.error: BaseException | None = None

        def run(_: None) -> None:   # the first resume's answer: none
            with channel.calls_through(self._ask):
                try:
                    self.value = f(point)
                except BaseException as error:  # noqa: BLE001 - re-raised by map, in order
                    self.error = error

        self._greenlet = greenlet(run)
        self._greenlet.gr_context = contextvars.copy_context()

    def resume(self, answer: Any = None) -> None:
        """Run until the next call to the kernel or the end (``answer``: the last call's, a
        dict or the exception to raise there)."""
        self.request = self._greenlet.switch(answer)

    def _ask(self, request: dict) -> Any:
        """The evaluation's call: handed to :meth:`Lockstep._run`, which resumes it with the
        answer."""
        answer = self._greenlet.parent.switch(request)
        if isinstance(answer, BaseException):
            raise answer
        return answer


class Lockstep:
    """``map(f, points)`` for one test's channel (see the module docstring)."""

    def __init__(self, channel: Channel, width: int = WIDTH):
        self.channel, self.width = channel, width

    def map(self, f: Callable[[Any], Any], points: Iterable[Any]) -> list[Any]:
        """``[f(p) for p in points]``; raises the first point's exception, as that list
        would (every point is evaluated first)."""
        results: list[Any] = []
        iterator = iter(points)
        with warnings.catch_warnings():   # evaluations entering quiet() in turn: as it was
            while chunk := list(islice(iterator, self.width)):
                results += self._run(f, chunk)
        return results

    def _run(self, f: Callable[[Any], Any], points: list[Any]) -> list[Any]:
        if len(points) == 1:
            return [f(points[0])]
        evaluations = [_Evaluation(f, point, self.channel) for point in points]
        for evaluation in evaluations:
            evaluation.resume()
        while waiting := [e for e in evaluations if e.request is not None]:
            answers = self._send([e.request for e in waiting])
            for evaluation, answer in zip(waiting, answers, strict=True):
                if type(answer) is dict:
                    self.channel.show_printed(answer)   # here, in the points' order
                evaluation.resume(answer)
        for evaluation in evaluations:
            if evaluation.error is not None:
                raise evaluation.error
        return [evaluation.value for evaluation in evaluations]

    def _send(self, requests: list[dict]) -> list[Any]:
        """The kernel's answers to ``requests`` (each one a dict or the exception to raise)."""
        try:
            answers = self.channel.send({"op": "batch", "requests": requests}).get("answers")
            if type(answers) is not list or len(answers) != len(requests):
                raise CallFailed(_("the kernel's answer to several calls was not one per call"))
        except BaseException as error:  # noqa: BLE001 - each evaluation raises it
            return [error] * len(requests)
        return answers


@contextmanager
def evaluating_together(channel: Channel) -> Iterator[Lockstep]:
    """For the block: :func:`course_lib.isolation.call_each` in this context runs its
    evaluations in lockstep on ``channel``."""
    lockstep = Lockstep(channel)
    token = EVALUATE_MANY.set(lockstep.map)
    try:
        yield lockstep
    finally:
        EVALUATE_MANY.reset(token)
