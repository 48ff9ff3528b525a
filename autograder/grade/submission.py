"""Grade one submission: the work a grading process does, and the process's main loop.

A :class:`~autograder.intake.jobs.Job` names the submitted files and the source notebooks;
:func:`grade_submission` reads, sanitizes, executes (one fresh kernel per notebook, and
another in place of one that dies, each in a folder holding only this submission's files and
the assignment's own files, watched by the integrity checks of :mod:`autograder.grade.integrity`;
:mod:`autograder.kernel.execute` says what a stopped cell costs) and scores each notebook, returning
the :class:`~autograder.records.results.SubmissionResult` with the executed notebooks. Grading
processes write nothing but their kernels' temporary folders: the coordinator
(:mod:`autograder.grade.coordinator`) does all the writing. They never import nbgrader (seconds of
start-up): the coordinator sends the references, :mod:`autograder.course.rules` scores.
"""

from __future__ import annotations

import asyncio
import gc
import re
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path

import nbformat

from autograder.course.reference import Reference
from autograder.course.rules import apply_output_policy, is_grade
from autograder.grade import integrity
from autograder.grade.scoring import score_cells
from autograder.grade.trusted.runner import TrustedTests, put_stub_in
from autograder.intake.jobs import (
    Job,
    NotebookJob,
    WorkerSettings,
    error_result,
    join_message,
    notebook_json,
    worst,
)
from autograder.intake.sanitize import InvalidNotebook, copied_names, read_notebook, sanitize
from autograder.kernel.execute import DEAD, OK, TIMEOUT, execute_notebook, run_quietly
from autograder.kernel.pool import Kernel, KernelPool, KernelStartError
from autograder.kernel.sandbox import Sandbox, adopt_files, fill_slot
from autograder.messages import _, ngettext
from autograder.records.results import NotebookResult, Status, SubmissionResult
from autograder.vocabulary import TAMPERED, grade_id_of
from course_lib.language import DEFAULT, ENV, current, notebook_language, use


def _populate(folder: Path, job: Job, nb_job: NotebookJob) -> None:
    """The kernel's folder: the student's files, the assignment's files over them (as
    nbgrader does), and the notebook under its expected name."""
    for rel, src in [*job.files.items(), *job.support.items()]:
        dest = folder / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(src, dest, follow_symlinks=False)
        except OSError:
            continue
    if nb_job.path:
        shutil.copyfile(nb_job.path, folder / f"{nb_job.name}.ipynb")
    adopt_files(folder)   # the kernel's own user may change its copies


#: Run in a kernel before a notebook in another language than English (only the language of
#: the messages course_lib shows in the student's own cells: nothing the tests rely on).
_SET_LANGUAGE = "import os as _os\n_os.environ[{env!r}] = {lang!r}\ndel _os"


class _Kernels:
    """The kernel a notebook runs in, and the fresh ones that replace it when it dies (from
    the same pool, sandboxed the same way, in a new folder holding the same files)."""

    def __init__(self, pool: KernelPool, job: Job, nb_job: NotebookJob):
        self.pool, self.job, self.nb_job = pool, job, nb_job
        self.current: Kernel | None = None

    async def first(self) -> Kernel:
        kernel = await self.pool.acquire()
        if not await kernel.alive():
            self.pool.release(kernel)
            kernel = await self.pool.acquire()
        self.current = kernel
        _populate(kernel.cwd, self.job, self.nb_job)
        box = Sandbox.from_json(self.pool.settings.sandbox)
        if box.slot:   # the student edition of the assignment (else the course's library)
            fill_slot(box, kernel.km.provisioner.pid, kernel.cwd, self.job.edition or box.slot,
                      self.pool.settings.tmp_root, is_compiled=self.job.edition_compiled)
        if current() != DEFAULT:   # course_lib's messages in the student's own cells
            await run_quietly(kernel, _SET_LANGUAGE.format(env=ENV, lang=current()), 10.0)
        return kernel

    async def replace(self, old: Kernel) -> Kernel:
        """Dispose of ``old``; a fresh kernel, ready for the notebook."""
        self.pool.release(old)
        self.current = None
        return await self.first()

    def release(self) -> None:
        if self.current is not None:
            self.pool.release(self.current)
            self.current = None


async def grade_notebook(job: Job, nb_job: NotebookJob, ref: Reference, pool: KernelPool,
                         settings: WorkerSettings) -> tuple[NotebookResult, str | None]:
    """Grade one notebook; returns its result and the executed notebook (JSON) if it ran."""
    result = NotebookResult(name=nb_job.name)
    if nb_job.note:
        result.warnings.append(nb_job.note)
    try:
        nb = read_notebook(nb_job.path)
    except InvalidNotebook as exc:
        missing = nb_job.path is None
        result.status = Status.MISSING_NOTEBOOK if missing else Status.INVALID_NOTEBOOK
        result.message = (f"{nb_job.name}.ipynb was not submitted" if missing
                          else f"{Path(nb_job.path).name}: {exc}")
        result.cells = score_cells(nbformat.v4.new_notebook(), ref, None,
                                   "not graded: " + ("notebook missing" if missing
                                                     else "the notebook could not be read"))
        return result, None
    with use(notebook_language(nb.metadata)):   # what the student reads, in their language
        return await _grade_readable(nb, result, job, nb_job, ref, pool, settings)


async def _grade_readable(nb: nbformat.NotebookNode, result: NotebookResult, job: Job,
                          nb_job: NotebookJob, ref: Reference, pool: KernelPool,
                          settings: WorkerSettings) -> tuple[NotebookResult, str | None]:
    clean = sanitize(nb, ref)
    result.warnings.extend(clean.notes)
    for flag in clean.flags:
        if flag not in job.flags:
            job.flags.append(flag)
    # a kernel holding the student edition has no reference to copy and its tests run here:
    # nothing for the in-kernel checks to watch
    edition = bool(job.edition and Sandbox.from_json(settings.kernel.sandbox).slot)
    monitor = (integrity.Monitor(clean.notebook)
               if settings.integrity and not (edition and settings.trusted) else None)
    tests = (trusted_tests(ref, settings.max_output_chars, Path(nb_job.source).parent)
             .for_notebook() if settings.trusted else None)
    kernels = _Kernels(pool, job, nb_job)
    try:
        execution = await execute_notebook(
            clean.notebook, await kernels.first(), settings.timeout, settings.max_output_chars,
            monitor=monitor, restart=kernels.replace, budget=settings.notebook_budget,
            max_restarts=settings.max_restarts, tests=tests)
    finally:
        kernels.release()
    apply_output_policy(clean.notebook)
    result.cells = score_cells(clean.notebook, ref, execution,
                               hidden_details=settings.hidden_details)
    result.seconds = round(execution.seconds, 3)
    messages = []
    if monitor is not None:   # first: it explains the zeros
        _unseen_tampering(monitor.findings, execution.unseen, clean.suspicious,
                          clean.suspicious_at)
        messages.extend(integrity.apply(monitor.findings, clean.notebook, result.cells))
        for flag in monitor.findings.flags:
            if flag not in job.flags:
                job.flags.append(flag)
        if monitor.findings.error:
            result.warnings.append(monitor.findings.error)
    if monitor is None and edition:   # read from the code: a solution taken from course_lib
        graded = trusted_tests(ref, settings.max_output_chars,
                               Path(nb_job.source).parent).graded
        findings = integrity.Findings()
        findings.copied = {name: _("it is taken from course_lib") for name in
                           copied_names(clean.notebook, graded)}
        messages.extend(integrity.apply(findings, clean.notebook, result.cells))
        job.flags.extend(f for f in findings.flags if f not in job.flags)
    unwatched = (edition and settings.trusted) or (
        execution.status != OK if monitor is None else not execution.watched)
    if unwatched and clean.suspicious and TAMPERED not in job.flags:
        # the checks could not follow the notebook to its end: say what its code looks like
        job.flags.append(TAMPERED)
        messages.extend(clean.suspicious)
    if execution.status == DEAD:
        result.status = Status.KERNEL_DIED
    elif execution.status == TIMEOUT:
        result.status = Status.TIMEOUT
    if execution.message:
        messages.append(execution.message)
    if execution.memory_error:
        messages.append(_("ran out of memory (MemoryError; the limit is {limit} MB)")
                        .format(limit=pool.settings.memory_mb))
    if execution.truncated:
        count = len(execution.truncated)
        messages.append(ngettext("output of {count} cell(s) truncated",
                                 "output of {count} cell(s) truncated", count).format(count=count))
    result.warnings.extend(cell_errors(clean.notebook, execution.executed))
    if clean.todo:
        result.warnings.append(_("still raising NotImplementedError: {cells}")
                               .format(cells=", ".join(clean.todo)))
    result.message = join_message(messages)
    return result, notebook_json(clean.notebook)


_TESTS: dict[tuple[str, str, str], TrustedTests] = {}


def trusted_tests(ref: Reference, max_output_chars: int, folder: Path) -> TrustedTests:
    """The notebook's tests as the grader runs them (built once per grading process, their
    imports started in the background right away, while the first kernel runs)."""
    key = (ref.assignment, ref.name, ref.source_hash)
    if key not in _TESTS:
        _TESTS[key] = TrustedTests(ref, max_output_chars, folder)
        _TESTS[key].warm()
    return _TESTS[key]


def _unseen_tampering(findings: integrity.Findings, unseen: list[int],
                      suspicious: list[str], suspicious_at: list[int]) -> None:
    """A cell that killed its kernel (or could not be interrupted) ended where no check could
    look, and its kernel is gone: if its code patches what the tests rely on (the static
    notes of :func:`autograder.intake.sanitize.suspicious_code`), count it as tampering seen after
    that cell, as the probe would have (the tests from there on score 0). ``suspicious_at``:
    the index of the cell each note is about."""
    for index in unseen:
        notes = [n for n, at in zip(suspicious, suspicious_at, strict=False)
                 if at == index]
        for note in notes:
            if note not in findings.tampered:
                findings.tampered.append(note)
        if notes and (findings.tampered_at is None or index < findings.tampered_at):
            findings.tampered_at = index


def cell_errors(nb, executed: set[int], limit: int = 3) -> list[str]:
    """Notes about errors in solution and read-only cells (a syntax error in a solution makes
    every test of it fail with a NameError: say where it started)."""
    notes = []
    for index in sorted(executed):
        cell = nb.cells[index]
        gid = grade_id_of(cell)
        if cell.cell_type != "code" or is_grade(cell) or gid is None:
            continue
        for out in cell.outputs:
            if out.get("output_type") == "error" and out.get("ename") != "NotImplementedError":
                evalue = re.sub(r"\(\d+\.py, line (\d+)\)", r"(line \1)",
                                str(out.get("evalue", "")))
                text = (_("cell '{grade_id}' raised {ename}: {evalue}") if evalue
                        else _("cell '{grade_id}' raised {ename}"))
                notes.append(text.format(grade_id=gid, ename=out.get("ename"),
                                         evalue=evalue)[:200])
                break
        if len(notes) == limit:
            break
    return notes


async def grade_submission(job: Job, pool: KernelPool, settings: WorkerSettings
                           ) -> tuple[SubmissionResult, dict[str, str]]:
    """Grade every notebook of ``job``; executed notebooks are returned as JSON text."""
    start = time.perf_counter()
    result = SubmissionResult(student_id=job.student_id, assignment=job.assignment,
                              status=Status.GRADED, content_hash=job.content_hash,
                              source_hash=job.source_hash, flags=job.flags)
    executed: dict[str, str] = {}
    for nb_job in job.notebooks:
        ref = nb_job.ref(job.assignment)
        result.max_score += ref.max_score
        nb_result, text = await grade_notebook(job, nb_job, ref, pool, settings)
        result.notebooks.append(nb_result)
        if text is not None:
            executed[nb_job.name] = text
    result.status = worst([nb.status for nb in result.notebooks])
    parts = []
    for nb in result.notebooks:
        if nb.message:
            parts.append(nb.message if len(result.notebooks) == 1
                         else f"{nb.name}: {nb.message}")
    parts.extend(job.notes)
    for nb in result.notebooks:
        parts.extend(nb.warnings)
    result.message = join_message(parts)
    result.seconds = round(time.perf_counter() - start, 3)
    return result, executed


# ----------------------------------------------------------------- the worker process

def _freeze_imports(known: int) -> int:
    """:func:`gc.freeze` if modules were imported since the last time (``known``: how many
    there were then); how many there are now. What a grading process imports (the grading
    code, then each assignment's tests with the course's library and scikit-learn: 165,000
    objects) stays for its whole life, yet each full garbage collection walked all of it
    (0.1 s, several times a run, often in the middle of a test); frozen, they skip it. A
    freeze comes between two submissions, only after new imports (a few times a run: with
    each new assignment), so what it keeps with the modules (the little garbage not yet
    collected) stays small."""
    if len(sys.modules) > known:
        gc.freeze()
    return len(sys.modules)


def serve_fd(fd: int, settings_json: str, zygote=None) -> None:
    """Serve jobs on the socket ``fd`` (see :func:`autograder.grade.process.boot`, which starts
    grading processes) as ``settings_json`` (:class:`WorkerSettings` as JSON) says: receive
    Jobs and send back ``("result", result_json, {notebook: executed_json})`` for each;
    ``None`` or the coordinator going away ends it."""
    from multiprocessing.connection import Connection

    asyncio.run(_serve(Connection(fd), WorkerSettings.from_json(settings_json), zygote))


async def _serve(conn, settings: WorkerSettings, zygote=None) -> None:
    loop = asyncio.get_running_loop()
    # terminated by the coordinator (Ctrl-C there): stop grading, clean up the kernels
    loop.add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    pool = KernelPool(settings.kernel, spares=1, zygote=zygote,
                      prepare=put_stub_in if settings.trusted else None)
    pool.prime()
    frozen = _freeze_imports(0)
    try:
        while True:
            try:
                job = await loop.run_in_executor(None, conn.recv)
            except (EOFError, OSError):
                break
            if job is None:
                break
            try:
                result, executed = await grade_submission(job, pool, settings)
            except Exception as exc:  # noqa: BLE001 - one submission must not stop the run
                detail = (str(exc) if isinstance(exc, KernelStartError) else
                          "".join(traceback.format_exception_only(type(exc), exc)).strip())
                result, executed = error_result(job, detail), {}
            try:
                conn.send(("result", result.to_json(), executed))
            except (BrokenPipeError, OSError):
                break
            frozen = _freeze_imports(frozen)
    except asyncio.CancelledError:
        pass
    finally:
        await pool.close()
