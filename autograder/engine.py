"""The coordinator of a grading run: finds the submissions, hands them to grading processes,
and is the only one to write anything.

For each finished submission, in this order: the autograded notebooks, one line in the
ledger (fsynced), ``grades.csv`` rewritten atomically, the feedback pages. So an interrupted
run (Ctrl-C, ``kill -9``, a power cut) loses at most the submissions being graded at that
moment, and the next run grades only what is missing or changed (``force`` regrades
everything). At the end the nbgrader gradebook is brought up to date and the class report is
written.

Grading processes are fresh interpreters (no state shared with the coordinator); each
keeps a kernel starting while it grades (:class:`autograder.kernels.KernelPool`). A process
that dies takes only its current submission with it: that one is retried once in a new
process, then recorded as ``error``.

Student code runs confined as far as the machine allows (:mod:`autograder.sandbox`: a user
of its own per kernel, no network, the course's files hidden); the run decides it once and
says it once in its log (and in ``RunSummary.sandbox``). Every notebook is watched by the
integrity checks (:mod:`autograder.integrity`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import importlib
import logging
import multiprocessing.connection
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import course_lib
from autograder import nbgrader_config, sandbox
from autograder.course import DEFAULT_BUILD, DEFAULT_RELEASE, DEFAULT_SOURCE, Course, load_course
from autograder.intake import IntakeError, check_path, discover, open_submissions
from autograder.jobs import Job, WorkerSettings, error_result, read_notebook_json
from autograder.kernel_settings import KernelSettings, settings_json
from autograder.ledger import Ledger, write_atomic, write_csv
from autograder.results import Status, SubmissionResult

log = logging.getLogger("autograder")

DEFAULT_OUT = DEFAULT_BUILD / "grading"


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class GradeOptions:
    submissions: Path
    out: Path = DEFAULT_OUT
    jobs: int = field(default_factory=default_jobs)
    timeout: float = float(nbgrader_config.CELL_TIMEOUT)
    force: bool = False
    source: Path = DEFAULT_SOURCE
    memory_mb: int = nbgrader_config.MEMORY_LIMIT_MB
    max_output_chars: int = nbgrader_config.MAX_OUTPUT_CHARS
    progress: bool = True
    feedback: bool = True
    report: bool = True
    gradebook: bool = True
    in_kernel: bool = False    # tests in the student's kernel, as plain nbgrader runs them
    release: Path = DEFAULT_RELEASE   # the student editions kernels hold (autograder release)


@dataclass
class RunSummary:
    """What a run did; ``results`` are this run's submissions (graded now or before)."""

    out: Path
    results: list[SubmissionResult] = field(default_factory=list)
    graded: int = 0
    skipped: int = 0
    lost: int = 0
    interrupted: bool = False
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)   # parts of the tool that failed
    paths: dict[str, Path] = field(default_factory=dict)
    sandbox: str = ""   # where student code ran (autograder.sandbox.notice)

    @property
    def ok(self) -> bool:
        return not self.failures and not any(r.status == Status.ERROR for r in self.results)


# --------------------------------------------------------------------------- outputs

class Outputs:
    """Where a run writes, and the writing itself (coordinator only)."""

    def __init__(self, out: Path, course: Course, feedback: bool = True):
        self.out = Path(out)
        self.course = course
        self.ledger = Ledger(self.out / "ledger.jsonl")
        self.csv = self.out / "grades.csv"
        self.autograded = self.out / "autograded"
        self.feedback_dir = self.out / "feedback"
        self._feedback_wanted = feedback
        self._feedback_fn: Callable | None = None
        self.failures: list[str] = []

    @property
    def write_feedback(self) -> Callable | None:
        """``autograder.feedback.write_feedback`` (imported on first use), None when no
        feedback is wanted."""
        if self._feedback_wanted and self._feedback_fn is None:
            from autograder.feedback import write_feedback

            self._feedback_fn = write_feedback
        return self._feedback_fn

    def notebook_path(self, result: SubmissionResult, name: str) -> Path:
        return self.autograded / result.student_id / result.assignment / f"{name}.ipynb"

    def record(self, result: SubmissionResult, executed: dict[str, str]) -> None:
        """Everything about one finished submission, in crash-safe order."""
        for nb in result.notebooks:
            path = self.notebook_path(result, nb.name)
            if nb.name in executed:
                write_atomic(path, executed[nb.name])
            elif path.exists():
                path.unlink()
        self.ledger.append(result)
        write_csv(self.ledger.sorted_results(), self.csv)
        if self.write_feedback is not None:
            self.feedback(result, {k: read_notebook_json(v) for k, v in executed.items()})

    def feedback(self, result: SubmissionResult, graded: dict) -> None:
        if self.write_feedback is None:
            return
        try:
            self.write_feedback(result, graded, self.feedback_dir)
        except Exception as exc:  # noqa: BLE001 - a page must not cost the grades
            msg = f"feedback for {result.student_id}/{result.assignment} failed: {exc!r}"
            log.warning(msg)
            self.failures.append(msg)

    def feedback_if_missing(self, result: SubmissionResult) -> None:
        """Pages for a result graded by an earlier run (e.g. before feedback existed)."""
        if self.write_feedback is None:
            return
        import nbformat

        folder = self.feedback_dir / result.student_id / result.assignment
        if folder.exists():
            return
        graded = {}
        for nb in result.notebooks:
            path = self.notebook_path(result, nb.name)
            if path.exists():
                with contextlib.suppress(Exception):
                    graded[nb.name] = nbformat.read(path, as_version=4)
        self.feedback(result, graded)


# --------------------------------------------------------------------------- processes

class _Worker:
    """A grading process (:func:`autograder.grading_process.boot`) and the socket to talk to it.

    Started with ``subprocess`` rather than ``multiprocessing`` so nothing of the caller's
    ``__main__`` is re-imported, in its own session so a Ctrl-C in the terminal reaches only
    the coordinator, and set to die with the coordinator."""

    def __init__(self, settings: WorkerSettings, number: int):
        ours, theirs = socket.socketpair()
        fd = theirs.fileno()
        boot = (f"from autograder.grading_process import boot; "
                f"boot({fd}, {settings_json(settings.kernel)!r})")
        self.proc = subprocess.Popen([os.path.abspath(sys.executable), "-c", boot],
                                     pass_fds=(fd,), start_new_session=True,
                                     stdin=subprocess.DEVNULL)
        theirs.close()
        self.conn = Connection(ours.detach())
        self.number = number
        self.job: Job | None = None
        self.started = 0.0
        self.conn.send(settings)

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
             stop: threading.Event | None = None) -> None:
    """Grade ``jobs`` in ``processes`` grading processes, calling ``on_result`` in this
    process as each finishes. ``prepare`` runs once the processes are starting, before the
    first job is sent. A job whose process dies is retried once in a new process, then
    reported as ``error``; one that runs past ``watchdog`` seconds is reported as ``error``.
    Once ``stop`` is set, KeyboardInterrupt within about a second, between two results (the
    grading processes are stopped, and what finished is kept)."""
    queue = deque(jobs)
    if not queue:
        return
    scratch = _scratch()  # the kernels' folders: removed at the end, even after a kill -9
    settings = dataclasses.replace(settings, kernel=dataclasses.replace(
        settings.kernel, tmp_root=str(scratch)))
    workers = [_Worker(settings, i) for i in range(min(processes, len(queue)))]
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
            queue.appendleft(job)
        else:
            why = (f"grading took longer than {watchdog:g} s" if overdue
                   else "the grading process died twice on it")
            on_result(job, error_result(job, why), {})

    try:
        while True:
            if stop is not None and stop.is_set():
                raise KeyboardInterrupt
            for i, w in enumerate(workers):
                if w.job is None and queue:
                    if w.proc.poll() is not None:  # stopped after a loss: a new one
                        workers[i] = w = _Worker(settings, i)
                    if not w.give(queue.popleft()):
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
                if queue and not w.give(queue.popleft()):  # keep it busy while we write
                    lost(i, overdue=False)
                _, result_json, executed = message
                on_result(job, SubmissionResult.from_json(result_json), executed)
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


_STOPPING: list[threading.Thread] = []


def wait_for_workers() -> None:
    """Wait until the grading processes of finished runs have exited."""
    while _STOPPING:
        _STOPPING.pop().join()


# --------------------------------------------------------------------------- the run

class TqdmHandler(logging.Handler):
    """Log lines that do not break the progress bar."""

    def emit(self, record):
        from tqdm import tqdm

        tqdm.write(self.format(record), file=sys.stderr)


def grade(options: GradeOptions) -> RunSummary:
    """Grade every submission in ``options.submissions``; see the module docstring.

    Raises CourseError / IntakeError (bad input: nothing graded) before any grading starts.
    """
    start = time.perf_counter()
    course = load_course(options.source)
    check_path(Path(options.submissions))
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    lock = _lock(out)
    try:
        return _grade(options, course, out, start)
    finally:
        lock.close()


def _lock(out: Path):
    """Hold ``out/.lock`` for the run: two runs writing one ledger would lose rows."""
    handle = open(out / ".lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise IntakeError(f"another grading run is writing to {out}; wait for it to end or "
                          "choose another --out") from None
    return handle


def _grade(options: GradeOptions, course: Course, out: Path, start: float) -> RunSummary:
    root = open_submissions(Path(options.submissions), out / "intake")
    extracted = not Path(options.submissions).is_dir()
    intake = discover(root, course)
    for note in intake.notes:
        log.info("%s", note)
    outputs = Outputs(out, course, feedback=options.feedback)
    summary = RunSummary(out=out)
    if outputs.ledger.damaged_lines:
        log.warning("ledger: %d damaged line(s) ignored (an interrupted write); those "
                    "submissions are graded again", outputs.ledger.damaged_lines)

    for row in intake.rows:
        if options.force or not outputs.ledger.is_current(row.key, row.content_hash, ""):
            outputs.record(row, {})
            summary.graded += 1
        else:
            summary.skipped += 1
    todo = []
    for job in intake.jobs:
        if options.force or not outputs.ledger.is_current(job.key, job.content_hash,
                                                          job.source_hash):
            todo.append(job)
        else:
            summary.skipped += 1
            outputs.feedback_if_missing(outputs.ledger.results[job.key])
    write_csv(outputs.ledger.sorted_results(), outputs.csv)
    log.info("found %d submission(s) in %s: %d to grade, %d unchanged since the last run",
             intake.count, root, len(todo) + summary.graded, summary.skipped)
    if intake.count == 0:
        log.warning("no submission in %s: expected <student_id>/<assignment>/<notebook>.ipynb "
                    "or files named <student_id>_<anything>_<notebook>.ipynb", root)

    box = _sandbox([options.source, out, root])
    box = _with_editions(box, options, todo)
    summary.sandbox = sandbox.notice(box, memory_mb=options.memory_mb)
    (log.info if box.mode != sandbox.NONE else log.warning)("%s", summary.sandbox)
    settings = WorkerSettings(timeout=options.timeout,
                              max_output_chars=options.max_output_chars,
                              trusted=not options.in_kernel,
                              kernel=KernelSettings(memory_mb=options.memory_mb,
                                                    sandbox=box.to_json()))
    done_keys: set[tuple[str, str]] = {r.key for r in intake.rows}
    bar = _progress(len(todo), options.progress)
    statuses: Counter = Counter()

    def on_result(job: Job, result: SubmissionResult, executed: dict[str, str]) -> None:
        outputs.record(result, executed)
        done_keys.add(result.key)
        summary.graded += 1
        statuses[result.status.value] += 1
        if bar is not None:
            bar.set_postfix({k: v for k, v in sorted(statuses.items())}, refresh=False)
            bar.update(1)

    stop = threading.Event()   # Ctrl-C or SIGTERM: the run stops at its next turn
    previous = _stop_on_signals(stop)
    background = _Background(course, todo, out, options)
    try:
        run_jobs(todo, settings, max(1, options.jobs), on_result, prepare=background.attach,
                 stop=stop)
    except KeyboardInterrupt:
        summary.interrupted = True
        on_disk = Ledger(outputs.ledger.path)   # the truth: Ctrl-C may have come between a
        #                                         result's line and the ledger's memory of it
        summary.lost = len([j for j in todo if not on_disk.is_current(
            j.key, j.content_hash, j.source_hash)])
        log.warning("interrupted: %d submission(s) not graded; run the same command again "
                    "to grade them (finished ones are kept)", summary.lost)
    finally:
        if bar is not None:
            bar.close()
        for signum, handler in previous.items():
            with contextlib.suppress(TypeError):   # None: a handler not set from Python
                signal.signal(signum, handler)

    if summary.interrupted:  # Ctrl-C may land between a ledger line's fsync and its record
        outputs.ledger = Ledger(outputs.ledger.path)
    write_csv(outputs.ledger.sorted_results(), outputs.csv)  # even if interrupted mid-write
    found = [*intake.rows, *intake.jobs]
    summary.results = [outputs.ledger.results[x.key] for x in found
                       if x.key in outputs.ledger.results]
    summary.paths = {"grades": outputs.csv, "ledger": outputs.ledger.path,
                     "autograded": outputs.autograded}
    if not summary.interrupted:  # else the next run brings the gradebook and report up to date
        background.thread.join()
    if options.gradebook and not summary.interrupted:
        _gradebook(out, course, outputs, done_keys, summary)
    if outputs.feedback_dir.exists():
        summary.paths["feedback"] = outputs.feedback_dir
    if options.report and not summary.interrupted:
        _report(out, outputs, summary)
    summary.failures.extend(outputs.failures)
    wait_for_workers()
    if extracted:
        shutil.rmtree(out / "intake", ignore_errors=True)
    summary.seconds = time.perf_counter() - start
    return summary


def _with_editions(box: sandbox.Sandbox, options: GradeOptions, todo: list[Job]
                   ) -> sandbox.Sandbox:
    """Kernels hold the student edition of course_lib of their assignment (from
    ``options.release``), not the reference library, where the sandbox can swap it in (its
    own mount namespace, kernels forked): then importing a reference implementation of the
    assignment is impossible rather than detected."""
    assignments = sorted({job.assignment for job in todo})
    editions = {a: str(p.resolve()) for a in assignments
                if ((p := options.release / a / "course_lib") / "__init__.py").is_file()}
    can = (box.mode == sandbox.USER and box.namespaces and KernelSettings().fork
           and not options.in_kernel)
    if not (editions and can):
        if assignments and not options.in_kernel:
            log.warning("kernels can import the reference library: %s", "no student edition "
                        f"in {options.release} (run `python -m autograder release`)"
                        if can else "the sandbox cannot give them the student edition here")
        return box
    for job in todo:
        job.edition = editions.get(job.assignment, "")
    missing = [a for a in assignments if a not in editions]
    if missing:
        log.warning("no student edition of %s in %s: those kernels can import the reference "
                    "library", ", ".join(missing), options.release)
    return dataclasses.replace(box, slot=str(Path(course_lib.__file__).resolve().parent))


def _sandbox(hide: list[Path]) -> sandbox.Sandbox:
    """What confines student code in this run (decided once per run): the source notebooks,
    this run's output and the submissions are hidden from the kernels."""
    return sandbox.plan(hide=[str(Path(h).resolve()) for h in hide if Path(h).is_dir()])


class _Background:
    """Work done in a thread while the grading processes start (the coordinator is idle then):

    1. the grading view of the source notebooks (:mod:`autograder.reference`, nbgrader's own
       preprocessors), sent with each job so that grading processes never import nbgrader;
    2. imports and set-up the end of the run needs: the gradebook's database, nbconvert for
       the feedback pages, matplotlib for the report.

    One thread does all of it: nbgrader's modules import each other in a circle, and two
    threads importing them at once fail."""

    def __init__(self, course: Course, jobs: list[Job], out: Path, options: GradeOptions):
        self.jobs = jobs
        self.refs: dict[tuple[str, str], object] = {}
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(course, out, options),
                                       daemon=True)
        self.thread.start()

    def _run(self, course: Course, out: Path, options: GradeOptions) -> None:
        from autograder.reference import cached_reference

        try:
            for assignment in sorted({j.assignment for j in self.jobs}):
                for nb in course.notebooks_of(assignment):
                    self.refs[(assignment, nb.name)] = cached_reference(nb.path, assignment)
        except BaseException as exc:  # noqa: BLE001 - re-raised by attach
            self.error = exc
        finally:
            self.ready.set()
        # in the order they are needed: feedback with the first result, the rest at the end
        for module in (["autograder.feedback", "nbconvert.exporters.html"] if options.feedback
                       else []) + (["autograder.report"] if options.report else []):
            with contextlib.suppress(Exception):
                importlib.import_module(module)
        if options.gradebook:
            with contextlib.suppress(Exception):
                from autograder.gradebook import create_database

                create_database(out / "gradebook.db")

    def attach(self) -> None:
        """Wait for the references and put them in the jobs."""
        self.ready.wait()
        if self.error is not None:
            raise self.error
        for job in self.jobs:
            for nb_job in job.notebooks:
                nb_job.reference = self.refs[(job.assignment, nb_job.name)]


def _scratch() -> Path:
    """A new folder for the kernels' working folders, ``<tmp>/autograder-<pid>-<n>``; the
    folders left by runs that were killed (``kill -9``) are removed first."""
    root = Path(tempfile.gettempdir())
    for old in root.glob("autograder-*-*"):
        pid = old.name.split("-")[1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"autograder-{os.getpid()}-", dir=root))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_on_signals(stop: threading.Event) -> dict:
    """Ctrl-C (SIGINT) and SIGTERM set ``stop`` instead of raising KeyboardInterrupt wherever
    the coordinator happens to be (inside an import, a library's clean-up or a result being
    written, where it could be lost or land twice): :func:`run_jobs` raises it at its next
    turn. Returns the handlers replaced (none when not called from the main thread)."""
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
        except ValueError:   # not the main thread: signals are the caller's
            return {}
    return previous


def _progress(total: int, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stderr, unit="submission", dynamic_ncols=True,
                desc="grading", smoothing=0.1)


def _gradebook(out: Path, course: Course, outputs: Outputs, graded_now: set,
               summary: RunSummary) -> None:
    from autograder.gradebook import write_gradebook

    path = out / "gradebook.db"
    try:
        write_gradebook(path, course, outputs.ledger.sorted_results(), only=graded_now)
        summary.paths["gradebook"] = path
    except Exception as exc:  # noqa: BLE001 - the CSV and ledger are already safe
        msg = f"writing the gradebook {path} failed: {exc!r}"
        log.error(msg)
        summary.failures.append(msg)


def _report(out: Path, outputs: Outputs, summary: RunSummary) -> None:
    from autograder.report import write_report

    try:
        summary.paths["report"] = Path(write_report(outputs.ledger.sorted_results(),
                                                    out / "report"))
    except Exception as exc:  # noqa: BLE001
        msg = f"the class report failed: {exc!r}"
        log.error(msg)
        summary.failures.append(msg)

