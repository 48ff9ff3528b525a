"""The order a run hands out its jobs (autograder/grade/longest_first.py)."""

from __future__ import annotations

import heapq
import math
from collections import deque

import pytest

from autograder.grade.longest_first import LongestFirst, mean_seconds
from autograder.intake.jobs import Job
from autograder.records.results import Status, SubmissionResult

#: Seconds a notebook of each assignment took in the bench's quick class (-j 1, this machine).
SECONDS = {"01_logistic_unit": 4.0, "02_two_layer_net": 7.5, "03_deep_network": 5.0,
           "04_initialization": 9.0, "05_layers": 3.0}


def _class(students: int = 4) -> list[Job]:
    """Jobs in the order intake finds them: student by student, assignment by assignment."""
    return [Job(f"s{i:03d}", name, []) for i in range(students) for name in SECONDS]


def _drain(queue: LongestFirst) -> list[Job]:
    order = []
    while queue:
        order.append(queue.next())
    return order


def test_every_job_is_handed_out_once_and_one_assignment_keeps_its_order():
    jobs = _class()
    queue = LongestFirst(jobs)
    assert len(queue) == 20
    order = _drain(queue)
    assert sorted(map(id, order)) == sorted(map(id, jobs))
    for name in SECONDS:
        assert [j.student_id for j in order if j.assignment == name] == [
            "s000", "s001", "s002", "s003"]
    with pytest.raises(IndexError):
        queue.next()
    assert not queue and len(queue) == 0


def test_untimed_assignments_come_first_one_job_each_then_the_longest():
    queue = LongestFirst(_class())
    first = [queue.next().assignment for _ in range(5)]
    assert first == list(SECONDS)   # none timed: one of each, in the order given
    for name, seconds in SECONDS.items():
        queue.finished(name, seconds)
    rest = [j.assignment for j in _drain(queue)]
    assert rest == [name for name in sorted(SECONDS, key=SECONDS.get, reverse=True)
                    for _ in range(3)]


def test_an_assignment_whose_jobs_are_all_running_is_not_timed_yet():
    queue = LongestFirst([Job("ann", "a", []), Job("bob", "a", []), Job("ann", "b", [])])
    queue.finished("b", 1.0)
    # "a" has no finished job: it comes before the timed "b", running or not
    assert [queue.next().student_id, queue.next().student_id] == ["ann", "bob"]


def test_the_mean_decides_and_untimed_results_are_not_counted():
    queue = LongestFirst([Job("ann", "a", []), Job("ann", "b", [])])
    queue.finished("a", 10.0)
    queue.finished("a", 2.0)      # mean 6
    queue.finished("b", 5.0)
    queue.finished("b", 0.0)      # an error row: no notebook ran
    queue.finished("b", math.nan)
    assert (queue.expected("a"), queue.expected("b")) == (6.0, 5.0)
    assert queue.expected("c") == math.inf
    assert [queue.next().assignment, queue.next().assignment] == ["a", "b"]


def test_a_job_given_back_comes_before_every_other():
    queue = LongestFirst(_class(1))
    lost = queue.next()
    queue.retry(lost)
    assert len(queue) == 5
    assert queue.next() is lost


def test_an_earlier_runs_seconds_order_the_first_jobs():
    estimates = {"01_logistic_unit": 4.0, "04_initialization": 9.0, "05_layers": 3.0}
    queue = LongestFirst(_class(2), estimates)
    # the never timed (02, 03) first while none of theirs finished, then the longest known
    assert [queue.next().assignment[:2] for _ in range(10)] == [
        "02", "03", "02", "03", "04", "04", "01", "01", "05", "05"]


def test_mean_seconds_of_a_ledgers_results():
    def result(assignment, seconds):
        return SubmissionResult("ann", assignment, Status.GRADED, seconds=seconds)

    assert mean_seconds([result("a", 2.0), result("a", 4.0), result("b", 0.0),
                         result("c", 1.5)]) == {"a": 3.0, "c": 1.5}


def _makespan(queue: LongestFirst | _FoundOrder, processes: int) -> tuple[float, str]:
    """When the last of ``queue``'s jobs ends with ``processes`` processes taking the next job
    as each frees (as :func:`autograder.grade.dispatch.run_jobs` does), and its assignment."""
    free = [(0.0, i) for i in range(processes)]
    end, last = 0.0, ""
    while queue:
        now, i = heapq.heappop(free)
        job = queue.next()
        done = now + SECONDS[job.assignment]
        queue.finished(job.assignment, SECONDS[job.assignment])   # known when it ends: a
        #                                    simplification that only the first jobs notice
        if done > end:
            end, last = done, job.assignment
        heapq.heappush(free, (done, i))
    return end, last


def test_two_processes_end_on_a_short_job_and_sooner_than_in_the_order_found():
    total = sum(SECONDS.values()) * 4
    found_order, last_found = _makespan(_FoundOrder(_class()), 2)
    longest_first, last = _makespan(LongestFirst(_class()), 2)
    assert last_found == "04_initialization"   # the bench's class: its longest notebook last
    assert last == "05_layers"
    assert longest_first < found_order
    assert longest_first - total / 2 <= SECONDS["05_layers"] / 2   # what is left to even out


class _FoundOrder:
    """The jobs in the order given, as runs handed them out before."""

    def __init__(self, jobs: list[Job]):
        self.jobs = deque(jobs)

    def __bool__(self) -> bool:
        return bool(self.jobs)

    def next(self) -> Job:
        return self.jobs.popleft()

    def finished(self, assignment: str, seconds: float) -> None:
        pass
