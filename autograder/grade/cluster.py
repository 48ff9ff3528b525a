"""Grading on a Dask cluster: the same grading processes, on the cluster's workers.

:func:`run_jobs_on_cluster` has the contract of :func:`autograder.grade.dispatch.run_jobs`
(the coordinator calls one or the other; ``grade --scheduler``): each job becomes one Dask
task, and ``on_result`` is called here, in the coordinator, once per job as tasks finish, so
the coordinator stays the only writer (ledger, grades.csv, feedback ...).

Nothing is assumed on the workers' disks but this project installed: the course travels with
the run. :class:`CoursePlugin` (a ``distributed.WorkerPlugin``, named after a hash of what it
carries and a token of the run, so two runs or courses never mix) holds a tar of the source
notebooks, the assignments' own files and the student editions the jobs name; each worker
unpacks it once into its local folder and starts one pre-warmed grading process
(:class:`autograder.grade.dispatch._GradingProcess`, sandboxed as this worker's machine
allows). :func:`grade_on_worker` is the task: it writes the submission's files (sent as bytes,
not paths) into a scratch folder, hands the job to that process and returns its result as
plain data. The job itself travels pickled, as bytes, without the grading view of its source
notebooks (``NotebookJob.reference``): the scheduler, which unpickles every task's arguments,
then never loads nbformat for them (with jsonschema, 1-2 s of CPU per process, taken from
the grading on a small cluster), and the worker's grading process builds that view from the
course copy (the same bytes: about 15 ms a notebook, once per process; the worker itself
only for an error row it writes, whose points need it). A notebook that
kills its grading process or runs past the watchdog is that job's ``error`` row, as in
``run_jobs``; the task never raises for a bad notebook. A worker lost mid-run (killed, its
machine gone) is Dask's business: the scheduler runs its task on another worker.

``distributed`` is imported only here, and this module only when ``--scheduler`` is given:
local grading never loads it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import logging
import os
import pickle
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from distributed import Client, WorkerPlugin, get_worker, wait

import course_lib
from autograder.grade.dispatch import _GradingProcess, _scratch
from autograder.grade.longest_first import LongestFirst
from autograder.intake.find import IntakeError
from autograder.intake.jobs import Job, WorkerSettings, error_result
from autograder.kernel import sandbox
from autograder.records.results import SubmissionResult

log = logging.getLogger("autograder")

#: A submitted file as sent to a worker: its bytes, or None when it could not be read here
#: (a folder named ``*.ipynb``, no permission): the worker makes a folder in its place, so
#: reading it fails there as it would have here.
Shipped = bytes | None


# --------------------------------------------------------------------------- coordinator side

def run_jobs_on_cluster(jobs: Iterable[Job], settings: WorkerSettings, scheduler: str,
                        on_result: Callable[[Job, SubmissionResult, dict[str, str]], None],
                        prepare: Callable[[], None] | None = None,
                        stop: threading.Event | None = None,
                        watchdog: float | None = None,
                        estimates: Mapping[str, float] | None = None) -> None:
    """Grade ``jobs`` on the Dask cluster whose scheduler is ``scheduler`` (an address such
    as ``tcp://host:8786``, or the path of a ``--scheduler-file``), calling ``on_result`` in
    this process once per job as each finishes. Same contract as
    :func:`autograder.grade.dispatch.run_jobs`: ``prepare`` runs before the first job is
    sent; once ``stop`` is set, KeyboardInterrupt within about a second, between two
    results (the tasks not finished are cancelled, what finished is kept); jobs are sent
    longest expected first (:class:`~autograder.grade.longest_first.LongestFirst`)."""
    jobs = list(jobs)
    if not jobs:
        return
    watchdog = watchdog or max(600.0, 40 * settings.timeout)
    with _connect(scheduler) as client:
        plugin = CoursePlugin(course_bundle(jobs), settings.to_json())
        client.register_plugin(plugin, name=plugin.name)   # the workers' processes start
        if prepare is not None:
            prepare()   # the references, in the coordinator's jobs (its error rows);
            #             they stay here: _shipped leaves them out
        delivered: set[tuple[str, str]] = set()
        try:
            with client.as_current():   # the client Dask's ``wait`` uses
                queue = LongestFirst(jobs, estimates)
                for job, future in _graded(client, plugin.name, queue, watchdog, stop):
                    seconds = _deliver(job, future, on_result, delivered)
                    queue.finished(job.assignment, seconds)
        finally:
            with contextlib.suppress(Exception):
                client.unregister_worker_plugin(plugin.name)


def _connect(scheduler: str) -> Client:
    """A client of ``scheduler`` (address or scheduler file); IntakeError if unreachable."""
    target = ({"scheduler_file": scheduler} if Path(scheduler).is_file()
              else {"address": scheduler})
    try:
        return Client(**target, set_as_default=False)
    except (OSError, ValueError) as exc:
        raise IntakeError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None


def _graded(client: Client, plugin: str, todo: LongestFirst, watchdog: float,
            stop: threading.Event | None) -> Iterator[tuple[Job, object]]:
    """(job, its finished future) as tasks finish. Jobs are submitted a window at a time
    (four per worker thread): the scheduler holds a task's submission bytes until it is
    done, and a class of 50,000 notebooks should not sit there at once. Waits a second at a
    time (``distributed.wait``; ``as_completed`` cannot time out) so that ``stop`` is seen:
    KeyboardInterrupt once it is set, the tasks still running cancelled."""
    running: dict = {}
    sent = 0
    window = max(8, 4 * sum(client.nthreads().values()))
    try:
        while todo or running:
            if stop is not None and stop.is_set():
                raise KeyboardInterrupt
            while todo and len(running) < window:
                job = todo.next()
                running[client.submit(grade_on_worker, plugin, *_shipped(job), watchdog,
                                      key=f"{plugin}-{sent}", pure=False)] = job
                sent += 1
            try:
                done, _ = wait(list(running), timeout=1.0, return_when="FIRST_COMPLETED")
            except TimeoutError:
                continue
            for future in sorted(done, key=lambda f: f.key):
                yield running.pop(future), future
    finally:
        client.cancel(list(running))


def _deliver(job: Job, future, on_result: Callable, delivered: set) -> float:
    """``on_result`` for ``job`` from its finished ``future``: the grading process's result,
    or an ``error`` row when Dask could not run the task (e.g. ``KilledWorker``: the workers
    running it died again and again). Once per job: a second result (``delivered`` holds
    the keys done) is logged and dropped. Returns the seconds the job took (0: none
    measured)."""
    if job.key in delivered:
        log.warning("a second result for %s/%s ignored", *job.key)
        return 0.0
    delivered.add(job.key)
    if future.status == "finished":
        result_json, executed = future.result()
        result = SubmissionResult.from_json(result_json)
    else:
        why = repr(future.exception()) if future.status == "error" else future.status
        result, executed = error_result(job, f"the cluster could not grade it ({why})"), {}
    on_result(job, result, executed)
    return result.seconds


def course_bundle(jobs: list[Job]) -> bytes:
    """A tar of what grading ``jobs`` reads from the course: the source notebooks, the
    assignments' own files and the student editions, each under its absolute path (without
    the leading ``/``). Deterministic (sorted, no times or owners): its hash names the run's
    plugin."""
    paths = set()
    for job in jobs:
        paths.update(nb.source for nb in job.notebooks)
        paths.update(job.support.values())
        if job.edition:
            paths.add(job.edition)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(os.path.abspath(p) for p in paths):
            for item in [Path(path), *sorted(Path(path).rglob("*"))]:
                if "__pycache__" in item.parts or item.is_symlink():
                    continue
                info = tar.gettarinfo(str(item), arcname=_arcname(str(item)))
                info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                with open(item, "rb") if item.is_file() else contextlib.nullcontext() as fh:
                    tar.addfile(info, fh)
    return buffer.getvalue()


def _arcname(path: str) -> str:
    return os.path.abspath(path).lstrip("/")


def _shipped(job: Job) -> tuple[bytes, dict[str, Shipped]]:
    """``job`` as it travels, pickled: course paths relative to the course copy, no grading
    view of the notebooks (built on the worker), submitted files renamed ``<n>/<their name>``
    (the name is kept: messages show it) and sent as bytes."""
    files: dict[str, Shipped] = {}

    def submitted(path: str) -> str:
        name = f"{len(files)}/{Path(path).name}"
        try:
            files[name] = Path(path).read_bytes()
        except OSError:
            files[name] = None
        return name

    notebooks = [dataclasses.replace(nb, source=_arcname(nb.source), reference=None,
                                     path=submitted(nb.path) if nb.path else None)
                 for nb in job.notebooks]
    shipped = dataclasses.replace(
        job, notebooks=notebooks,
        files={rel: submitted(src) for rel, src in job.files.items()},
        support={rel: _arcname(src) for rel, src in job.support.items()},
        edition=_arcname(job.edition) if job.edition else "")
    return pickle.dumps(shipped), files


# --------------------------------------------------------------------------- worker side

class CoursePlugin(WorkerPlugin):
    """The run's course and one grading process on each worker (see the module docstring)."""

    def __init__(self, bundle: bytes, settings_json: str):
        self.bundle = bundle
        self.settings_json = settings_json
        digest = hashlib.sha256(bundle + settings_json.encode()).hexdigest()[:16]
        self.name = f"autograder-{digest}-{uuid.uuid4().hex[:8]}"   # this course, this run

    def setup(self, worker) -> None:
        self.home = Path(worker.local_directory) / self.name
        shutil.rmtree(self.home, ignore_errors=True)
        self.course, self.submissions = self.home / "course", self.home / "submissions"
        for folder in (self.course, self.submissions):
            folder.mkdir(parents=True)
        self.kernels = _scratch()   # short paths: the kernels' sockets live there
        with tarfile.open(fileobj=io.BytesIO(self.bundle)) as tar:
            tar.extractall(self.course, filter="data")
        self.settings = _worker_settings(WorkerSettings.from_json(self.settings_json),
                                         hide=[self.course, self.submissions],
                                         tmp_root=self.kernels)
        self.lock = threading.Lock()   # one job at a time in the grading process
        # the nanny's malloc setting for the worker (glibc read it at start) is not for the
        # kernels: it turns off glibc's adaptive mmap threshold and slows numpy down
        os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
        self.starter = ThreadPoolExecutor(1, thread_name_prefix="autograder")
        self.process = self._start()   # warm (its zygote imports) before the first job

    def teardown(self, worker) -> None:
        self.process.stop(10)
        self.starter.shutdown()
        for folder in (self.home, self.kernels):
            shutil.rmtree(folder, ignore_errors=True)

    def grade(self, job: bytes, files: dict[str, Shipped], watchdog: float
              ) -> tuple[str, dict[str, str]]:
        """Grade the shipped ``job`` (:func:`_shipped`): (result as JSON, executed
        notebooks)."""
        with self.lock:
            folder = Path(tempfile.mkdtemp(dir=self.submissions))
            try:
                return self._grade(_localized(pickle.loads(job), files, self.course, folder),
                                   watchdog)
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    def _grade(self, job: Job, watchdog: float) -> tuple[str, dict[str, str]]:
        """As :func:`autograder.grade.dispatch.run_jobs` does it: a job whose grading process
        dies is retried once in a new one; past ``watchdog`` seconds it is an error."""
        for attempt in range(2):
            if self.process.proc.poll() is not None:
                self.process = self._start()
            if (reply := self._ask(job, watchdog)) is not None:
                return reply
            self.process.stop(0)
            if attempt == 0:
                log.warning("grading process died on %s/%s; retrying it", *job.key)
        return error_result(job, "the grading process died twice on it").to_json(), {}

    def _ask(self, job: Job, watchdog: float) -> tuple[str, dict[str, str]] | None:
        """The grading process's reply to ``job``; None if the process died."""
        if not self.process.give(job):
            return None
        if not self.process.conn.poll(watchdog):   # neither a reply nor the end of the socket
            self.process.stop(0)
            return error_result(job, f"grading took longer than {watchdog:g} s").to_json(), {}
        try:
            _, result_json, executed = self.process.conn.recv()
        except (EOFError, OSError):
            return None
        return result_json, executed

    def _start(self) -> _GradingProcess:
        """A new grading process, started from the plugin's own thread: it dies with the
        thread that started it (``PR_SET_PDEATHSIG``), and Dask's task threads may end."""
        return self.starter.submit(_GradingProcess, self.settings, None).result()


def grade_on_worker(plugin: str, job: bytes, files: dict[str, Shipped], watchdog: float
                    ) -> tuple[str, dict[str, str]]:
    """The Dask task: grade ``job`` with this worker's :class:`CoursePlugin` ``plugin``."""
    return get_worker().plugins[plugin].grade(job, files, watchdog)


def _localized(job: Job, files: dict[str, Shipped], course: Path, folder: Path) -> Job:
    """The shipped ``job`` with its paths on this worker: the course's under ``course``,
    the submitted files written under ``folder``."""
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            path.mkdir()
        else:
            path.write_bytes(data)
    notebooks = [dataclasses.replace(nb, source=str(course / nb.source),
                                     path=str(folder / nb.path) if nb.path else None)
                 for nb in job.notebooks]
    return dataclasses.replace(
        job, notebooks=notebooks,
        files={rel: str(folder / name) for rel, name in job.files.items()},
        support={rel: str(course / arc) for rel, arc in job.support.items()},
        edition=str(course / job.edition) if job.edition else "")


def _worker_settings(settings: WorkerSettings, hide: list[Path], tmp_root: Path
                     ) -> WorkerSettings:
    """The coordinator's settings with this machine's sandbox (planned here, hiding the
    course copy and the submissions; the student editions swapped in when the coordinator's
    run did and this machine can) and its kernels' folders under ``tmp_root``."""
    box = sandbox.plan(hide=[str(h) for h in hide])
    wanted = sandbox.Sandbox.from_json(settings.kernel.sandbox).slot
    if wanted and box.can_hold_editions(settings.kernel.fork):
        box = dataclasses.replace(box, slot=str(Path(course_lib.__file__).resolve().parent))
    return dataclasses.replace(settings, kernel=dataclasses.replace(
        settings.kernel, sandbox=box.to_json(), tmp_root=str(tmp_root)))


# --------------------------------------------------------------------------- a local cluster

#: The scheduler's setting for grading (README: how to start one): a worker gets its next
#: notebook when it is free, not one in advance (the default, 1.1 tasks a thread, queues a
#: second notebook on a one-thread worker, which then waits there while another is idle).
SCHEDULER_ENV = {"DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}

@contextlib.contextmanager
def local_cluster(workers: int, folder: Path, timeout: float = 60.0) -> Iterator[str]:
    """A Dask scheduler and ``workers`` workers (one process, one thread each) on this
    machine, as separate ``dask`` processes (as on a real cluster); yields the scheduler
    file's path (for ``--scheduler``); every process is stopped at the end. For trying the
    cluster path, the benchmark and the tests."""
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    env = dict(os.environ, **SCHEDULER_ENV)
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "scheduler.json"
    file.unlink(missing_ok=True)
    procs = [_start([*dask, "--scheduler-file", str(file), "--host", "127.0.0.1",
                     "--port", "0", "--no-dashboard"], folder / "scheduler.log", env)]
    try:
        _wait_for(file.is_file, timeout, "the Dask scheduler did not start")
        for i in range(workers):
            procs.append(_start([sys.executable, "-m", "distributed.cli.dask_worker",
                                 "--scheduler-file", str(file), "--nthreads", "1",
                                 "--nworkers", "1", "--no-dashboard", "--host", "127.0.0.1",
                                 "--local-directory", str(folder / f"worker-{i}")],
                                folder / f"worker-{i}.log"))
        with Client(scheduler_file=str(file), set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=timeout)
        yield str(file)
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _start(cmd: list[str], log_file: Path, env: dict | None = None) -> subprocess.Popen:
    with open(log_file, "ab") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    """Stop ``proc`` and its process group (a worker's nanny, worker, grading process)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, 15)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        proc.wait()


def _wait_for(ready: Callable[[], bool], timeout: float, error: str) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(error)
        time.sleep(0.1)
