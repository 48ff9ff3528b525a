"""The coordinator of a grading run: finds the submissions, hands them to grading processes,
and is the only one to write anything.

:func:`grade` takes the instructor's :class:`GradeOptions`, holds the output folder's lock,
finds the submissions (:mod:`autograder.intake`), skips those the ledger already holds
unchanged (``force`` regrades everything), hands the rest to grading processes
(:func:`autograder.grade.dispatch.run_jobs`; the assignments that took longest in this run or
the last one first: :mod:`autograder.grade.longest_first`) and writes each result as it
arrives, in the crash-safe order of :mod:`autograder.grade.outputs`. Ctrl-C or SIGTERM stops
the run at its next turn; what finished is kept, and the same command grades the rest.

Student code runs confined as far as the machine allows (:mod:`autograder.kernel.sandbox`: a user
of its own per kernel, no network, the course's files hidden); the run decides it once and
says it once in its log (and in ``RunSummary.sandbox``). Every notebook is watched by the
integrity checks (:mod:`autograder.grade.integrity`).

Due dates and late penalties (:mod:`autograder.course.term`, ``--term``: by default
``<source>/course.toml`` when there is one) never change what is graded: the submission times
found at intake (or in ``--manifest``) are stored with the results, and every output applies
the policy when it is written. A submission whose only change is its time is not graded again
(its time is updated in the ledger), and a run with nothing new to grade still rewrites
``grades.csv``, the gradebook and the feedback pages whose lateness changed: changing the
policy and running the same command recomputes every penalty without running a notebook.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import gc
import importlib
import logging
import os
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import course_lib
from autograder import nbgrader_config
from autograder.course.source import (
    DEFAULT_BUILD,
    DEFAULT_RELEASE,
    DEFAULT_SOURCE,
    Course,
    load_course,
)
from autograder.course.term import NO_TERM, Term, default_paths, load_term
from autograder.grade.dispatch import run_jobs, wait_for_workers
from autograder.grade.longest_first import mean_seconds
from autograder.grade.outputs import Outputs
from autograder.intake.find import (
    IntakeError,
    apply_manifest,
    check_path,
    discover,
    open_submissions,
    read_manifest,
    zip_encoding,
)
from autograder.intake.jobs import Job, WorkerSettings
from autograder.kernel import sandbox
from autograder.kernel.settings import KernelSettings
from autograder.records.lateness import lateness
from autograder.records.ledger import Ledger
from autograder.records.results import Status, SubmissionResult

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
    term: Path | None = None         # due dates and late policy (None: <source>/course.toml
    #                                  if it exists, else no due dates)
    extensions: Path | None = None   # None: extensions.csv beside the term file, if any
    manifest: Path | None = None     # CSV student_id,assignment,submitted_at (times)
    scheduler: str | None = None     # a Dask scheduler (address or scheduler file): grade
    #                                  on its cluster (autograder.grade.cluster), not here
    zip_encoding: str | None = None  # how a zip's unmarked non-UTF-8 file names are
    #                                  written (gbk, ...); None: cp437, with a warning


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
    sandbox: str = ""   # where student code ran (autograder.kernel.sandbox.notice)
    term: Term = NO_TERM   # the due dates and late policy the outputs applied

    @property
    def ok(self) -> bool:
        return not self.failures and not any(r.status == Status.ERROR for r in self.results)


# --------------------------------------------------------------------------- the run

class TqdmHandler(logging.Handler):
    """Log lines that do not break the progress bar."""

    def emit(self, record):
        from tqdm import tqdm

        tqdm.write(self.format(record), file=sys.stderr)


def grade(options: GradeOptions) -> RunSummary:
    """Grade every submission in ``options.submissions``; see the module docstring.

    Raises CourseError / TermError / IntakeError (bad input: nothing graded) before any
    grading starts.
    """
    start = time.perf_counter()
    course = load_course(options.source)
    term = load_term(*_term_paths(options, course))
    times = read_manifest(options.manifest, term.timezone) if options.manifest else None
    check_path(Path(options.submissions))
    zip_encoding(options.zip_encoding)
    out = Path(options.out)
    if out.exists() and not out.is_dir():
        raise IntakeError(f"--out {out} is a file; give a folder for the results")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IntakeError(f"--out {out}: cannot make the folder ({exc.strerror}); give one "
                          "you can write") from None
    lock = _lock(out)
    try:
        return _grade(options, course, out, start, term, times)
    finally:
        lock.close()


def _term_paths(options: GradeOptions, course: Course) -> tuple:
    """(course file, assignments, extensions) for :func:`load_term`, defaults applied."""
    path, extensions = default_paths(options.source, options.term, options.extensions)
    return path, course.assignments, extensions


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


def _grade(options: GradeOptions, course: Course, out: Path, start: float, term: Term,
           times: dict | None) -> RunSummary:
    root = open_submissions(Path(options.submissions), out / "intake",
                            zip_encoding(options.zip_encoding))
    extracted = not Path(options.submissions).is_dir()
    intake = discover(root, course, term.timezone, skip=out)
    if times is not None:
        apply_manifest(intake, times)
    for note in intake.notes:
        log.info("%s", note)
    outputs = Outputs(out, course, feedback=options.feedback, term=term)
    previous_term = outputs.keep_term()
    summary = RunSummary(out=out, term=term)
    if outputs.ledger.damaged_lines:
        log.warning("ledger: %d damaged line(s) ignored (an interrupted write); those "
                    "submissions are graded again", outputs.ledger.damaged_lines)

    for row in intake.rows:
        if options.force or not outputs.ledger.is_current(row.key, row.content_hash, ""):
            outputs.record(row, {})
            summary.graded += 1
        else:
            summary.skipped += 1
            _unchanged(outputs, row.key, row.submitted_at, previous_term)
    todo = []
    for job in intake.jobs:
        if options.force or not outputs.ledger.is_current(job.key, job.content_hash,
                                                          job.source_hash):
            todo.append(job)
        else:
            summary.skipped += 1
            _unchanged(outputs, job.key, job.submitted_at, previous_term)
    outputs.write_csv()
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
        result = dataclasses.replace(result, submitted_at=job.submitted_at)
        outputs.record(result, executed)
        background.first_result()
        done_keys.add(result.key)
        summary.graded += 1
        statuses[result.status.value] += 1
        if bar is not None:
            bar.set_postfix({k: v for k, v in sorted(statuses.items())}, refresh=False)
            bar.update(1)

    # the longest assignments are handed out first; how long, as far as earlier runs know
    estimates = mean_seconds(outputs.ledger.results.values())
    stop = threading.Event()   # Ctrl-C or SIGTERM: the run stops at its next turn
    previous = _stop_on_signals(stop)
    background = _Background(course, todo, options)
    before_run = outputs.ledger.size()   # what this run grades is what is written after it
    if options.gradebook:   # written as results come, once the background's imports are done
        outputs.start_gradebook(sorted({j.assignment for j in todo}), after=background.thread)
    if options.report:   # the solutions it compares, read as results come
        outputs.collect_solutions()
    try:
        if options.scheduler:   # distributed is imported only then
            from autograder.grade.cluster import run_jobs_on_cluster

            run_jobs_on_cluster(todo, settings, options.scheduler, on_result,
                                prepare=background.attach, stop=stop, estimates=estimates)
        else:
            run_jobs(todo, settings, max(1, options.jobs), on_result,
                     prepare=background.attach, stop=stop, estimates=estimates)
    except KeyboardInterrupt:
        summary.interrupted = True
        # the file is the truth: Ctrl-C may have come between a result's line and the
        # ledger's memory of it; and with --force an earlier run's line does not count
        this_run = Ledger(outputs.ledger.path, since=before_run)
        summary.lost = len([j for j in todo if not this_run.is_current(
            j.key, j.content_hash, j.source_hash)])
        log.warning("interrupted: %d submission(s) not graded; run the same command again "
                    "to grade them (finished ones are kept)", summary.lost)
    except BaseException:
        background.first_result()   # else the gradebook's thread waits for it forever
        outputs.stop_gradebook()
        raise
    finally:
        background.first_result()   # none came (no job, interrupted): the thread must end
        if bar is not None:
            bar.close()
        for signum, handler in previous.items():
            with contextlib.suppress(TypeError):   # None: a handler not set from Python
                signal.signal(signum, handler)

    if summary.interrupted:  # Ctrl-C may land between a ledger line's fsync and its record
        outputs.ledger = Ledger(outputs.ledger.path)
    outputs.write_csv()  # even if interrupted mid-write
    found = [*intake.rows, *intake.jobs]
    summary.results = [outputs.ledger.results[x.key] for x in found
                       if x.key in outputs.ledger.results]
    summary.paths = {"grades": outputs.csv, "ledger": outputs.ledger.path,
                     "autograded": outputs.autograded}
    if not summary.interrupted:  # else the next run brings the gradebook and report up to date
        background.thread.join()
    if options.gradebook and not summary.interrupted:
        if (gradebook := outputs.write_gradebook(done_keys)) is not None:
            summary.paths["gradebook"] = gradebook
    outputs.stop_gradebook()   # if the run was interrupted (what it recorded is kept)
    if outputs.feedback_dir.exists():
        summary.paths["feedback"] = outputs.feedback_dir
    if options.report and not summary.interrupted:
        if (report := outputs.write_report()) is not None:
            summary.paths["report"] = report
    summary.failures.extend(outputs.failures)
    wait_for_workers()
    if extracted:
        shutil.rmtree(out / "intake", ignore_errors=True)
    summary.seconds = time.perf_counter() - start
    return summary


def _unchanged(outputs: Outputs, key: tuple[str, str], submitted_at: str,
               previous_term: Term | None) -> None:
    """A submission graded before and unchanged: its time brought up to date (not graded
    again), its feedback pages written if missing or if their lateness line changed."""
    old = outputs.ledger.results[key]
    new = old if old.submitted_at == submitted_at else outputs.retime(old, submitted_at)
    stale = previous_term is None or (lateness(old, previous_term).note
                                      != lateness(new, outputs.term).note)
    outputs.feedback_if_missing(new, stale=stale)


def _with_editions(box: sandbox.Sandbox, options: GradeOptions, todo: list[Job]
                   ) -> sandbox.Sandbox:
    """Kernels hold the student edition of course_lib of their assignment (from
    ``options.release``), not the reference library, where the sandbox can swap it in (its
    own mount namespace, kernels forked; or a ``bwrap`` of its own): then importing a
    reference implementation of the assignment is impossible rather than detected."""
    assignments = sorted({job.assignment for job in todo})
    editions = {a: str(p.resolve()) for a in assignments
                if ((p := options.release / a / "course_lib") / "__init__.py").is_file()}
    can = box.can_hold_editions(KernelSettings().fork) and not options.in_kernel
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

    1. the grading view of the source notebooks (:mod:`autograder.course.reference`, nbgrader's own
       preprocessors), sent with each job so that grading processes never import nbgrader;
    2. once the first result is in (:meth:`first_result`, or the jobs are over): the imports
       the rest of the run needs, nbconvert for the feedback pages and matplotlib for the
       report (then the gradebook's writer starts, :meth:`Outputs.start_gradebook`). Then
       :func:`gc.freeze`: the modules stay to the run's end, and the full collections of
       the run (0.1-0.2 s each, the report's among them) no longer walk them. A collection
       first: nothing that is garbage then is frozen (the caller may be a long-lived
       process, not the command line's).

    Why 2 waits: until the first notebook runs, every grading process is starting its
    kernels' zygote (seconds of imports, :mod:`autograder.kernel.zygote`), and these imports
    (about 3 s of CPU with the gradebook's) would take turns with it on the same cores: on a
    2-core machine, one submission graded with ``-j 1`` waited 4.9-5.8 s from its job to its
    first cell with them, 3.6-4.1 s without. Afterwards they use a core the kernel leaves
    free.

    One thread does all of it: nbgrader's modules import each other in a circle, and two
    threads importing them at once fail."""

    def __init__(self, course: Course, jobs: list[Job], options: GradeOptions):
        self.jobs = jobs
        self.refs: dict[tuple[str, str], object] = {}
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self._go_on = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(course, options), daemon=True)
        self.thread.start()

    def _run(self, course: Course, options: GradeOptions) -> None:
        from autograder.course.reference import cached_reference

        try:
            for assignment in sorted({j.assignment for j in self.jobs}):
                for nb in course.notebooks_of(assignment):
                    self.refs[(assignment, nb.name)] = cached_reference(nb.path, assignment)
        except BaseException as exc:  # noqa: BLE001 - re-raised by attach
            self.error = exc
        finally:
            self.ready.set()
        self._go_on.wait()
        # in the order they are needed: feedback with the next result, the rest at the end
        feedback = ["autograder.report.feedback_page", "nbconvert.exporters.html"]
        for module in (feedback if options.feedback else []) + (
                ["autograder.report.class_report"] if options.report else []):
            with contextlib.suppress(Exception):
                importlib.import_module(module)
        gc.collect()   # once, in this thread, so that no garbage is frozen with them
        gc.freeze()

    def first_result(self) -> None:
        """The first notebook ran (or no job is left to run): go on with the imports."""
        self._go_on.set()

    def attach(self) -> None:
        """Wait for the references and put them in the jobs."""
        self.ready.wait()
        if self.error is not None:
            raise self.error
        for job in self.jobs:
            for nb_job in job.notebooks:
                nb_job.reference = self.refs[(job.assignment, nb_job.name)]


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


