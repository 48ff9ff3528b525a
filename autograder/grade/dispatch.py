"""The grading processes of a run: started, fed one job at a time, replaced, stopped.

:func:`run_jobs` keeps ``processes`` grading processes (:func:`autograder.grade.process.boot`)
busy and hands each result to the coordinator's callback as it arrives. A process that dies
takes only its current submission with it: that one is retried once in a new process, then
reported as ``error``; one past the watchdog is reported as ``error`` too. The kernels'
folders live under one scratch folder per run, removed at the end (and, after a ``kill -9``,
by the next run).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing.connection
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path

from autograder.grade.longest_first import LongestFirst
from autograder.intake.jobs import Job, WorkerSettings, error_result
from autograder.kernel.sandbox import compiled, pid_alive
from autograder.records.results import SubmissionResult

log = logging.getLogger("autograder")


class _GradingProcess:
    """A grading process (:func:`autograder.grade.process.boot`) and the socket to talk to it.

    Started with ``subprocess`` rather than ``multiprocessing`` so nothing of the caller's
    ``__main__`` is re-imported, in its own session so a Ctrl-C in the terminal reaches only
    the coordinator, and set to die with the coordinator. ``number``: its number in the run,
    which gives it a core for its test cells (:mod:`autograder.kernel.cores`); None for a
    cluster's worker, which does not know the others on its machine."""

    def __init__(self, settings: WorkerSettings, number: int | None):
        ours, theirs = socket.socketpair()
        fd = theirs.fileno()
        boot = (f"from autograder.grade.process import boot; "
                f"boot({fd}, {settings.to_json()!r}, {number})")
        self.proc = subprocess.Popen([os.path.abspath(sys.executable), "-c", boot],
                                     pass_fds=(fd,), start_new_session=True,
                                     stdin=subprocess.DEVNULL)
        theirs.close()
        self.conn = Connection(ours.detach())
        self.number = number
        self.job: Job | None = None
        self.started = 0.0

    def give(self, job: Job) -> bool:
        """Send ``job``; False if the process is gone."""
        self.job, self.started = job, time.monotonic()
        try:
            self.conn.send(job)
        except OSError:
            return False
        return True

    def ask_to_stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)

    def stop(self, wait: float) -> None:
        self.ask_to_stop()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(wait)
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(2)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(Exception):
            self.conn.close()


def run_jobs(jobs: Iterable[Job], settings: WorkerSettings, processes: int,
             on_result: Callable[[Job, SubmissionResult, dict[str, str]], None],
             watchdog: float | None = None, prepare: Callable[[], None] | None = None,
             stop: threading.Event | None = None,
             estimates: Mapping[str, float] | None = None) -> None:
    """Grade ``jobs`` in ``processes`` grading processes, calling ``on_result`` in this
    process as each finishes. ``prepare`` runs once the processes are starting, before the
    first job is sent. A job whose process dies is retried once in a new process, then
    reported as ``error``; one that runs past ``watchdog`` seconds is reported as ``error``.
    Once ``stop`` is set, KeyboardInterrupt within about a second, between two results (the
    grading processes are stopped, and what finished is kept). Jobs are handed out longest
    expected first (:class:`~autograder.grade.longest_first.LongestFirst`; ``estimates``:
    an earlier run's seconds per job of an assignment)."""
    jobs = list(jobs)
    if not jobs:
        return
    queue = LongestFirst(jobs, estimates)
    scratch = _scratch()  # the kernels' folders: removed at the end, even after a kill -9
    settings = dataclasses.replace(settings, kernel=dataclasses.replace(
        settings.kernel, tmp_root=str(scratch)))
    workers = [_GradingProcess(settings, i) for i in range(min(processes, len(queue)))]
    if prepare is not None:
        prepare()
    attempts: Counter = Counter()
    watchdog = watchdog or max(600.0, 40 * settings.timeout)
    clean = False

    def lost(i: int, overdue: bool) -> None:
        w = workers[i]
        job, w.job = w.job, None
        w.stop(0)
        attempts[job.key] += 1
        if attempts[job.key] < 2 and not overdue:
            log.warning("grading process died on %s/%s; retrying it", *job.key)
            queue.retry(job)
        else:
            why = (f"grading took longer than {watchdog:g} s" if overdue
                   else "the grading process died twice on it")
            on_result(job, error_result(job, why), {})

    try:
        _compile_editions(jobs, scratch)
        while True:
            if stop is not None and stop.is_set():
                raise KeyboardInterrupt
            for i, w in enumerate(workers):
                if w.job is None and queue:
                    if w.proc.poll() is not None:  # stopped after a loss: a new one
                        workers[i] = w = _GradingProcess(settings, i)
                    if not w.give(queue.next()):
                        lost(i, overdue=False)
            busy = [w for w in workers if w.job is not None]
            if not busy:
                break
            ready = multiprocessing.connection.wait([w.conn for w in busy], timeout=1.0)
            for i, w in enumerate(workers):
                if w.job is None:
                    continue
                if w.conn not in ready:
                    if time.monotonic() - w.started > watchdog:
                        lost(i, overdue=True)
                    continue
                try:
                    message = w.conn.recv()
                except (EOFError, OSError):
                    lost(i, overdue=False)
                    continue
                job, w.job = w.job, None
                _, result_json, executed = message
                result = SubmissionResult.from_json(result_json)
                queue.finished(job.assignment, result.seconds)
                if queue and not w.give(queue.next()):  # keep it busy while we write
                    lost(i, overdue=False)
                on_result(job, result, executed)
        clean = True
    finally:
        def stop_all(wait: float) -> None:
            for w in workers:
                w.stop(wait)
            shutil.rmtree(scratch, ignore_errors=True)

        if clean:  # let them end (kernels killed, folders removed) while the caller goes on
            for w in workers:
                w.ask_to_stop()
            thread = threading.Thread(target=stop_all, args=(10,))
            thread.start()
            _STOPPING.append(thread)
        else:  # interrupted: SIGTERM all at once (each kills its kernels), then wait
            for w in workers:
                w.ask_to_stop()
                with contextlib.suppress(OSError):
                    w.proc.terminate()
            stop_all(3)


def _compile_editions(jobs: Iterable[Job], scratch: Path) -> None:
    """Point the jobs at a copy of their student edition with its modules compiled, made
    here once for every grading process (they would each compile it at their first notebook
    of the assignment, 0.1 s each, while that notebook waits), while they start."""
    copies: dict[str, str | None] = {}
    for job in jobs:
        if job.edition and not job.edition_compiled:
            if job.edition not in copies:
                try:
                    copies[job.edition] = compiled(job.edition, str(scratch))
                except OSError:   # left to the grading process, whose job then says why
                    copies[job.edition] = None
            if (copy := copies[job.edition]) is not None:
                job.edition, job.edition_compiled = copy, True


_STOPPING: list[threading.Thread] = []


def wait_for_workers() -> None:
    """Wait until the grading processes of finished runs have exited."""
    while _STOPPING:
        _STOPPING.pop().join()


def _scratch() -> Path:
    """A new folder for the kernels' working folders, ``<tmp>/autograder-<pid>-<n>``; the
    folders left by runs that were killed (``kill -9``) are removed first."""
    root = Path(tempfile.gettempdir())
    for old in root.glob("autograder-*-*"):
        pid = old.name.split("-")[1]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"autograder-{os.getpid()}-", dir=root))
