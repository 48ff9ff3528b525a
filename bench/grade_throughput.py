"""How fast the autograder grades a class, against plain nbgrader and the notebooks' own time.

One run builds a synthetic class (at least 24 gradeable submissions per assignment: complete,
partially wrong and unfinished notebooks, from the release and ``autograder.demo.sample_class``)
and grades it three ways:

1. ``python -m autograder grade -j 1``  (the grader, one grading process)
2. ``python -m autograder grade -j 2``  (two grading processes)
   and ``python -m autograder grade --scheduler ...`` on a Dask cluster of two workers (one
   process, one thread each) started on this machine beforehand (``autograder.grade.cluster``:
   the workers' start is not timed, their grading processes' is, as ``-j 2``'s)
3. the plain nbgrader command line, one ``nbgrader autograde ASSIGNMENT --student ID`` per
   submission from a course folder: the loop an instructor would script today (the course
   folder, its database and the released assignment are set up first, outside the timing).

It also measures the floor: the same executed notebooks' cells run one after another in warm
kernels (started once, namespace reset between notebooks): the notebooks' own cells with the
student edition, the tests with the course's full library (see :func:`floor_seconds`), which
is the time the students' code and the tests take with no grading machinery around them. The
floor is measured right after ``-j 1``, and ``-j 2`` right after the floor, the way they are
compared: this machine's speed drifts by 10-40 % over the minutes a bench takes, and a ratio
of two times taken apart would show the drift. Dask runs right after ``-j 2`` (on a cluster
started for it, not timed) and is compared with it. ``--repeat N`` runs that round (``-j 1``,
the floor, ``-j 2``, Dask) N times; each ratio among them is then the median of the rounds'
own ratios, printed with their range: one ``-j 1`` of the quick class took 65.7 to 102.8 s
from run to run on this machine, for the same code.

Right before each ``-j 2`` the bench measures the machine itself (:func:`machine_scaling`):
how much faster it does two copies of one piece of the course's work at once than one after
the other. That is the most any ``-j 2`` can gain on the machine at that moment. A virtual
machine whose two cores are not two free cores gives less than 2 (1.59 to 2.09 from one
minute to the next on the machine this was written on: above 2, its speed moved between the
runs alone and the pair), and then the 1.8x target says more of the machine than of the
grader; the last rows print the share of the machine's speed-up ``-j 2`` reached. The floor
is also run two at a time (:func:`floor_in_pairs`: two halves of the notebooks at once), which
measures the same on the graded cells themselves, cache and memory shared between two kernels
included.

Prints seconds per notebook for each, and the ratios against the targets:
``-j 2`` at least 1.8x faster than ``-j 1``; Dask at least 0.9x as fast as ``-j 2`` (and the
same grades.csv); at least 3x faster than the nbgrader loop; per-notebook time at most 1.2x
the floor. The grader's runs use the release's student
editions (kernels without the reference) and run the tests in the grader; one more run with
``--in-kernel`` (tests inside the kernel, as nbgrader) shows what that trust costs. Rows
without a target say what two of the ratios are made of (see :func:`_explained`): the cores
``-j 1`` keeps busy, and so the most ``-j 2`` can gain on two cores; ``-j 1``'s seconds in
the notebooks against the floor, in all and by assignment (where running the tests out of the
kernel costs most: an assignment whose tests call the student's objects hundreds of times),
and its seconds around them.

Usage::

    PATH=.venv/bin:$PATH python bench/grade_throughput.py            # 24 per assignment
    PATH=.venv/bin:$PATH python bench/grade_throughput.py --quick    # 4 per assignment
    PATH=.venv/bin:$PATH python bench/grade_throughput.py --quick --repeat 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.demo import sample_class  # noqa: E402
from autograder.grade.cluster import local_cluster  # noqa: E402
from autograder.records.ledger import Ledger  # noqa: E402
from autograder.records.results import Status  # noqa: E402

CONFIG = REPO / "autograder" / "nbgrader_config.py"
#: The venv's interpreter and bin/ as absolute paths (``python`` may have been found on a
#: relative PATH entry such as ``.venv/bin``, and the nbgrader loop runs in another folder).
PYTHON = os.path.abspath(sys.executable)
BIN = os.path.dirname(PYTHON)
TARGET_PARALLEL = 1.8
TARGET_VS_NBGRADER = 3.0
TARGET_VS_FLOOR = 1.2
TARGET_DASK = 0.9   # two Dask workers against -j 2 (speed)


def _env() -> dict[str, str]:
    """The venv's bin first on PATH (nbgrader shells out to alembic; kernels come from it)."""
    env = dict(os.environ)
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def _notebooks(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.ipynb"))


# --------------------------------------------------------------------------- the grader

class Run(NamedTuple):
    """One run of the grader: its wall seconds; the cores this machine kept busy meanwhile,
    on average (None if the clock did not move); by assignment, the seconds its kernels spent
    in the notebooks (the ledger's per-notebook ``seconds``: cells and tests, from each
    notebook's first cell to its last), the rest being start-up, the moments between
    notebooks and the writing at the end."""

    seconds: float
    busy_cores: float | None
    by_assignment: dict[str, float]

    @property
    def in_notebooks(self) -> float:
        """The seconds in the notebooks of every assignment."""
        return sum(self.by_assignment.values())


def grade_with_grader(submissions: Path, out: Path, jobs: int, *extra: str) -> Run:
    """``python -m autograder grade`` (a fresh process, as an instructor runs it: imports and
    kernel start-up included); ``extra``: more options."""
    if out.exists():
        shutil.rmtree(out)
    cmd = [PYTHON, "-m", "autograder", "grade", str(submissions), "--out", str(out),
           "-j", str(jobs), "--force", "--no-progress", *extra]
    before = _cpu_times()
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = _cpu_times()
    if done.returncode not in (0, 1):   # 1: some submission did not score full marks
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    busy = None
    if after[0] > before[0]:
        busy = (os.cpu_count() or 1) * (1 - (after[1] - before[1]) / (after[0] - before[0]))
    return Run(seconds, busy, _seconds_in_notebooks(out / "ledger.jsonl"))


def _cpu_times() -> tuple[float, float]:
    """(all, idle) seconds of this machine's cores so far (psutil; guest time is already in
    user time, and waiting for the disk counts as idle)."""
    import psutil

    times = psutil.cpu_times()
    guest = getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)
    idle = times.idle + getattr(times, "iowait", 0.0)
    return sum(times) - guest, idle


def _seconds_in_notebooks(ledger: Path) -> dict[str, float]:
    """The graded notebooks' own seconds in a run's ledger, summed by assignment."""
    seconds: dict[str, float] = defaultdict(float)
    for result in Ledger(ledger).results.values():
        seconds[result.assignment] += sum(nb.seconds for nb in result.notebooks)
    return dict(seconds)


# --------------------------------------------------------------------------- plain nbgrader

def nbgrader_course(root: Path, releases: dict[str, Path], submissions: Path) -> list[tuple]:
    """An nbgrader course folder under ``root`` with the assignments generated and the
    submissions in ``submitted/``; returns the (assignment, student) pairs to grade."""
    source = root / "source"
    for assignment in releases:
        shutil.copytree(sample_class.SOURCE / assignment, source / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        run_nbgrader(root, ["generate_assignment", assignment, "--force"])
    shutil.copytree(submissions, root / "submitted")
    return sorted((a.name, s.name) for s in (root / "submitted").iterdir()
                  for a in s.iterdir() if a.is_dir())


def run_nbgrader(root: Path, args: list[str]) -> None:
    cmd = [os.path.join(BIN, "nbgrader"), *args,
           f"--JupyterApp.config_file={CONFIG}", f"--CourseDirectory.root={root}"]
    done = subprocess.run(cmd, cwd=root, env=_env(), capture_output=True, text=True)
    if done.returncode != 0 and args[0] != "autograde":
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")


def grade_with_nbgrader(root: Path, pairs: list[tuple[str, str]]) -> float:
    start = time.perf_counter()
    for assignment, student in pairs:
        run_nbgrader(root, ["autograde", assignment, "--student", student, "--force"])
    return time.perf_counter() - start


# --------------------------------------------------------------------------- the floor

def floor_seconds(graded: list[Path], submissions: Path,
                  ready: threading.Barrier | None = None) -> float:
    """Seconds the graded notebooks' cells take in warm kernels, in all (see
    :func:`floor_by_assignment`)."""
    return sum(floor_by_assignment(graded, submissions, ready).values())


def floor_by_assignment(graded: list[Path], submissions: Path,
                        ready: threading.Barrier | None = None) -> dict[str, float]:
    """Seconds the graded notebooks' cells take in warm kernels, without the grader around,
    summed by assignment (``graded``: ``autograded/<student>/<assignment>/<notebook>.ipynb``).

    The work graded is the notebook's own cells in a kernel holding the student edition of
    ``course_lib``, and its tests with the course's full library. So two warm kernels, twins of
    a grading kernel (its environment, :func:`autograder.kernel.zygote.kernel_env`: inline
    figures, one BLAS thread; its options, :data:`autograder.kernel.settings.KERNEL_OPTIONS`:
    each figure drawn once; the modules its zygote imports first,
    :data:`autograder.kernel.settings.WARM_MODULES`, frozen for the garbage collector as
    the zygote freezes them), run each notebook: one its non-test
    cells with the edition in the submission's folder (timed; the test cells skipped), the
    other every cell with the full library (only the test cells timed; the cells before each
    test run to give it what it reads). Between notebooks each kernel's namespace is reset and
    ``course_lib`` forgotten, so each notebook imports it again, as its grading kernel does. A
    timed cell that raises here but not in the graded notebook means the floor did not do the
    graded work: the bench stops rather than print a floor too low (the floor once ran every
    notebook against the first assignment's edition, most cells failing at once).

    ``ready``: waited on once both kernels are up (:func:`floor_in_pairs` starts two floors
    together)."""
    students, course = _WarmKernel(library=None), _WarmKernel(library=REPO)
    seconds: dict[str, float] = defaultdict(float)
    try:
        if ready is not None:
            ready.wait()
        for path in graded:
            nb = nbformat.read(path, as_version=4)
            assignment = path.parent.name
            folder = submissions / path.parent.parent.name / assignment
            seconds[assignment] += students.run(nb, folder, path, tests=False)
            seconds[assignment] += course.run(nb, folder, path, tests=True)
    finally:
        students.close()
        course.close()
    return dict(seconds)


def floor_in_pairs(graded: list[Path], submissions: Path) -> float:
    """The floor of the same notebooks split in two halves run at the same time (two floors,
    each in its own pair of warm kernels, every other notebook each): the seconds of the
    slower half. ``floor_seconds / floor_in_pairs`` is how much faster this machine does the
    graded work itself two at a time, with no grader around it: the most any ``-j 2`` can
    gain over ``-j 1`` on that work at that moment.

    Unlike :func:`machine_scaling`'s small training run, this is the notebooks' own cells
    (their arrays, their imports, their figures), so it also shows what two kernels at once
    lose to each other in the cores' shared cache and memory."""
    halves = [graded[0::2], graded[1::2]]
    ready = threading.Barrier(len(halves), timeout=300)

    def floor_of(half: list[Path]) -> float:
        try:
            return floor_seconds(half, submissions, ready)
        except BaseException:
            ready.abort()   # the other half stops waiting for this one's kernels
            raise

    with ThreadPoolExecutor(len(halves)) as pool:
        runs = [pool.submit(floor_of, half) for half in halves]
    # the error that stopped the pair, not the other half's broken wait
    errors = [run.exception() for run in runs if run.exception() is not None]
    errors.sort(key=lambda error: isinstance(error, threading.BrokenBarrierError))
    if errors:
        raise errors[0]
    return max(run.result() for run in runs)


#: What a floor kernel does between two notebooks (outside the timing).
_FRESH_NOTEBOOK = """import os, sys
for name in [m for m in sys.modules if m == "course_lib" or m.startswith("course_lib.")]:
    del sys.modules[name]
{library}os.chdir({folder!r})
%reset -f"""
_LIBRARY_FIRST = "if sys.path[0] != {repo!r}:\n    sys.path.insert(0, {repo!r})\n"

#: Not inherited from the bench's own environment: the kernel sets its own figure backend.
_KERNEL_ENV = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}


class _WarmKernel:
    """A kernel for the floor; ``library``: the folder whose ``course_lib`` it imports first
    (None: the one in the submission's folder, the student edition)."""

    def __init__(self, library: Path | None):
        from jupyter_client.manager import KernelManager

        from autograder.kernel.settings import KERNEL_OPTIONS, WARM_MODULES
        from autograder.kernel.zygote import kernel_env

        self.library = library
        # local sockets, as a grading kernel's (over TCP, each kernel warns that it is)
        self.sockets = Path(tempfile.mkdtemp(prefix="floor-kernel-"))
        self.km = KernelManager(kernel_name="python3", transport="ipc",
                                ip=str(self.sockets / "ipc"))
        self.km.connection_file = str(self.sockets / "kernel.json")
        self.km.start_kernel(env=kernel_env(_env() | _KERNEL_ENV),
                             extra_arguments=list(KERNEL_OPTIONS))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)
        self.kc.execute_interactive("\n".join(f"import {m}" for m in WARM_MODULES),
                                    timeout=120)
        # frozen as a zygote freezes its imports before it forks a kernel: a grading
        # kernel's collections skip them, so the twin's must too
        self.kc.execute_interactive("__import__('gc').freeze()", timeout=60)

    def run(self, nb: nbformat.NotebookNode, folder: Path, path: Path, tests: bool) -> float:
        """Seconds of the notebook's test cells (``tests``) or of its other cells."""
        from autograder.course.rules import is_test

        library = _LIBRARY_FIRST.format(repo=str(self.library)) if self.library else ""
        self.kc.execute_interactive(_FRESH_NOTEBOOK.format(folder=str(folder), library=library),
                                    timeout=60)
        seconds, raised = 0.0, []
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            timed = is_test(cell) == tests
            if not timed and not tests:
                continue   # the edition's kernel skips the tests
            start = time.perf_counter()
            self.kc.execute_interactive(cell.source, timeout=600, output_hook=(
                lambda msg, i=index, timed=timed: raised.append(i)
                if timed and msg["msg_type"] == "error" else None))
            if timed:
                seconds += time.perf_counter() - start
        _same_errors(path, nb, raised)
        return seconds

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        shutil.rmtree(self.sockets, ignore_errors=True)


def _same_errors(path: Path, nb: nbformat.NotebookNode, raised: list[int]) -> None:
    """Stop unless every timed cell that raised in the floor raised when graded too."""
    graded_errors = {i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                     and any(o.get("output_type") == "error" for o in c.get("outputs", []))}
    extra = sorted(set(raised) - graded_errors)
    if extra:
        raise SystemExit(f"the floor's run of {path} raised in cells {extra}, which ran "
                         "without error when graded: the floor would not be the same work")


# --------------------------------------------------------------------------- the machine

#: One fixed piece of the course's own kind of work (a two-layer net trained on the planar
#: data: small numpy arrays in a Python loop, as the notebooks' cells do), a few seconds.
_TRAINING = """
import numpy as np
from course_lib.datasets import load_planar_flower
from course_lib.two_layer_net import model
X, Y = load_planar_flower()
np.random.seed(2)
model(X, Y, 4, num_iterations={iterations})
"""
PROBE_ITERATIONS = 10_000
PROBE_PAIRS = 3


def machine_scaling(iterations: int = PROBE_ITERATIONS) -> tuple[float, float]:
    """How much faster this machine does two copies of the same work at once than one after
    the other: ``2 * alone / together``, 2.0 on two cores that share nothing. Returns it (the
    median of ``PROBE_PAIRS`` pairs, each against the mean of the runs alone on either side
    of it: the machine's speed moves within seconds) with the median seconds of one copy
    alone.

    No ``-j 2`` can gain more on this machine at that moment than this ratio: it is the same
    kind of work as the kernels' (the course's library), with no grader around it and no
    process waiting on another. A virtual machine whose two cores are one physical core's
    two threads, or whose host is busy, gives far less than 2. Each copy is its own process,
    started before the timing (imports done, then it waits for a line on its stdin)."""
    def started() -> subprocess.Popen:
        code = ("import sys\nimport course_lib.two_layer_net, course_lib.datasets\n"
                "sys.stdout.write('ready\\n'); sys.stdout.flush(); sys.stdin.readline()\n"
                + _TRAINING.format(iterations=iterations))
        proc = subprocess.Popen([PYTHON, "-c", code], cwd=REPO, env=_env(), text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        if proc.stdout.readline() != "ready\n":
            raise SystemExit("the machine's probe did not start")
        return proc

    def timed(count: int) -> float:
        procs = [started() for _ in range(count)]
        start = time.perf_counter()
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            proc.stdin.close()
            if proc.wait() != 0:
                raise SystemExit("the machine's probe failed")
        return time.perf_counter() - start

    alone, ratios = [timed(1)], []
    for _ in range(PROBE_PAIRS):   # alone, together, alone, ...: each pair against the
        together = timed(2)        # mean of the runs alone on either side of it
        alone.append(timed(1))
        ratios.append((alone[-2] + alone[-1]) / together)
    return statistics.median(ratios), statistics.median(alone)


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 submissions per assignment")
    parser.add_argument("--per-assignment", type=int, default=None,
                        help="submissions per assignment (default 24, --quick 4)")
    parser.add_argument("--assignments", nargs="+", default=None, metavar="NAME",
                        help="only these assignments (default: all)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run -j 1, the floor and -j 2 N times, one after the other, and "
                             "compare them round by round (default 1)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    per = args.per_assignment or (4 if args.quick else 24)
    os.environ.update(_env())

    from autograder.release.notebooks import release

    work = args.keep or Path(tempfile.mkdtemp(prefix="grade_throughput_"))
    if work.exists() and args.keep:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    try:
        releases = release(work / "release", course_root=work / "release_course",
                           assignments=args.assignments)
        submissions = work / "submitted"
        samples = sample_class.synthetic_class(releases, submissions, per)
        n = len(_notebooks(submissions))
        print(f"class: {len(samples)} submissions, {n} notebooks, "
              f"{len(releases)} assignments ({per} each); {os.cpu_count()} cores", flush=True)

        editions = ("--release", str(work / "release"))   # kernels hold the student edition
        rounds = [_round(submissions, work, n, editions) for _attempt in range(args.repeat)]
        j1, j2 = (statistics.median(getattr(r, way).seconds for r in rounds)
                  for way in ("j1", "j2"))
        floor = statistics.median(r.floor for r in rounds)
        dask2 = statistics.median(r.dask for r in rounds)
        inside = grade_with_grader(submissions, work / "graded_in_kernel", 1,
                                   "--in-kernel").seconds
        print(f"  grade -j 1 --in-kernel {inside:7.1f} s", flush=True)

        pairs = nbgrader_course(work / "nbgrader_course", releases, submissions)
        loop = grade_with_nbgrader(work / "nbgrader_course", pairs)
        print(f"  nbgrader loop     {loop:7.1f} s  ({len(pairs)} autograde commands)",
              flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    median = f" (median of {args.repeat})" if args.repeat > 1 else ""
    rows = [("grade -j 1" + median, j1), ("grade -j 2" + median, j2),
            ("grade on Dask, 2 workers" + median, dask2),
            ("grade -j 1 --in-kernel (tests in kernel)", inside),
            ("nbgrader autograde loop", loop),
            ("floor: cells in warm kernels" + median, floor)]
    print(f"\n{'way':34s} {'total s':>9s} {'s / notebook':>13s}")
    for name, seconds in rows:
        print(f"{name:34s} {seconds:9.1f} {seconds / n:13.3f}")

    checks = [
        ("-j 2 vs -j 1 (speed-up)", [r.j1.seconds / r.j2.seconds for r in rounds],
         TARGET_PARALLEL, ">="),
        ("Dask 2 workers vs -j 2 (speed)", [r.j2.seconds / r.dask for r in rounds],
         TARGET_DASK, ">="),
        ("-j 2 vs nbgrader loop (speed-up)", [loop / j2], TARGET_VS_NBGRADER, ">="),
        ("-j 1 vs nbgrader loop (speed-up)", [loop / j1], TARGET_VS_NBGRADER, ">="),
        ("-j 1 per notebook / floor", [r.j1.seconds / r.floor for r in rounds],
         TARGET_VS_FLOOR, "<="),
        ("-j 2 per notebook / floor", [r.j2.seconds / r.floor for r in rounds],
         TARGET_VS_FLOOR, "<="),
        ("-j 1 / -j 1 --in-kernel (cost of trust)", [j1 / inside], None, ""),
        *_explained(rounds),
    ]
    print(f"\n{'ratio':34s} {'measured':>9s} {'target':>9s}")
    for name, values, target, op in checks:
        if not values:   # not measured
            continue
        value = statistics.median(values)
        spread = f"  (rounds: {min(values):.2f}-{max(values):.2f})" if len(values) > 1 else ""
        if target is None:
            print(f"{name:34s} {value:9.2f} {'':9s}  {spread.strip()}".rstrip())
            continue
        ok = value >= target if op == ">=" else value <= target
        print(f"{name:34s} {value:9.2f} {op + ' ' + format(target, 'g'):>9s}  "
              f"{'ok' if ok else 'MISSED'}{spread}")
    return 0


class Round(NamedTuple):
    """``-j 1``, the floor by assignment (seconds), ``-j 2``, the machine's own speed-up on
    two cores (:func:`machine_scaling`), the floor two at once (:func:`floor_in_pairs`,
    seconds) and Dask's two workers (seconds), measured one right after the other in the
    order ``-j 1``, floor, floor two at once, machine, ``-j 2``, Dask."""

    j1: Run
    floor_by_assignment: dict[str, float]
    j2: Run
    machine: float
    floor_paired: float
    dask: float

    @property
    def floor(self) -> float:
        """The floor of every assignment (seconds)."""
        return sum(self.floor_by_assignment.values())


def _explained(rounds: list[Round]) -> list[tuple]:
    """What the two speed ratios are made of (rows without a target, medians of rounds).

    - ``-j 2`` can be at most (2 / the cores ``-j 1`` kept busy) times faster than ``-j 1``
      if it takes as many core-seconds (the same work on a machine as fast) and keeps both
      cores busy from start to end. ``-j 1`` keeps more than one core busy (the coordinator
      writes each result's pages, the next kernel is forked and started, while a notebook
      runs), so the bound is below 2. Each run's core-seconds are printed with it: the same
      run's from round to round show how much the machine's speed moved (a round whose
      ``-j 2`` ran in a faster moment beats the bound).
    - The machine's own speed-up on two cores (:func:`machine_scaling`, right before
      ``-j 2``): the most any ``-j 2`` could gain on it at that moment. The last row is the
      share of it ``-j 2`` reached (1.0: all the machine gave).
    - The floor's own speed-up two at a time (:func:`floor_in_pairs`): the same, measured on
      the graded notebooks' cells rather than a small training run; the row after it is the
      share of it ``-j 2`` reached.
    - ``-j 1``'s seconds are its notebooks' own (the kernels' time from each notebook's first
      cell to its last: compared with the floor, the same cells' time in warm kernels) and the
      rest: the start before the first notebook, the moments between notebooks, the gradebook
      and class report at the end. The first ratio is given for each assignment too: where
      the grader's way of running the tests (out of the kernel, each call a round trip) costs
      more than their cells in a warm kernel.
    """
    busy = [r.j1.busy_cores for r in rounds if r.j1.busy_cores is not None]
    return [
        ("-j 1: cores busy on average", busy, None, ""),
        ("-j 2 vs -j 1 at most, same CPU", [2 / b for b in busy if b > 0], None, ""),
        ("machine: 2 copies at once (x)", [r.machine for r in rounds], None, ""),
        ("-j 2 vs -j 1 / machine's speed-up",
         [r.j1.seconds / r.j2.seconds / r.machine for r in rounds], None, ""),
        ("floor: 2 at once vs 1 (speed-up)", [r.floor / r.floor_paired for r in rounds],
         None, ""),
        ("-j 2 vs -j 1 / floor's speed-up",
         [r.j1.seconds / r.j2.seconds / (r.floor / r.floor_paired) for r in rounds], None, ""),
        ("-j 1 in notebooks / floor", [r.j1.in_notebooks / r.floor for r in rounds], None, ""),
        *((f"  {assignment}", [r.j1.by_assignment[assignment] / r.floor_by_assignment[assignment]
                               for r in rounds], None, "")
          for assignment in sorted(rounds[0].floor_by_assignment)),
        ("-j 1 outside notebooks, seconds",
         [r.j1.seconds - r.j1.in_notebooks for r in rounds], None, ""),
    ]


def _round(submissions: Path, work: Path, n: int, editions: tuple[str, ...]) -> Round:
    """One :class:`Round`."""
    j1 = grade_with_grader(submissions, work / "graded_j1", 1, *editions)
    print(f"  grade -j 1        {j1.seconds:7.1f} s  {_detail(j1)}", flush=True)
    graded = _notebooks(work / "graded_j1" / "autograded")
    if len(graded) != n:
        raise SystemExit(f"expected {n} graded notebooks, found {len(graded)}")
    _check_statuses(work / "graded_j1")
    floor_by = floor_by_assignment(graded, submissions)
    floor = sum(floor_by.values())
    print(f"  floor (warm)      {floor:7.1f} s", flush=True)
    paired = floor_in_pairs(graded, submissions)
    print(f"  floor, 2 at once  {paired:7.1f} s  ({floor / paired:.2f} x the floor's speed "
          "one at a time)", flush=True)
    scaling, alone = machine_scaling()
    print(f"  machine           {scaling:7.2f} x  (two copies of {alone:.1f} s of training at "
          "once, against one after the other)", flush=True)
    j2 = grade_with_grader(submissions, work / "graded_j2", 2, *editions)
    print(f"  grade -j 2        {j2.seconds:7.1f} s  {_detail(j2)}", flush=True)
    with local_cluster(2, work / "dask") as scheduler:
        dask = grade_with_grader(submissions, work / "graded_dask", 2, *editions,
                                 "--scheduler", scheduler).seconds
    print(f"  grade on Dask (2 workers) {dask:7.1f} s", flush=True)
    if ((work / "graded_dask" / "grades.csv").read_bytes()
            != (work / "graded_j2" / "grades.csv").read_bytes()):
        raise SystemExit("the Dask run's grades.csv differs from -j 2's")
    return Round(j1, floor_by, j2, scaling, paired, dask)


def _detail(run: Run) -> str:
    busy = (f"{run.busy_cores:.2f} cores busy: {run.busy_cores * run.seconds:.1f} core-s, "
            if run.busy_cores is not None else "")
    return f"({busy}{run.in_notebooks:.1f} s in notebooks)"


def _check_statuses(out: Path) -> None:
    """The synthetic class has no broken submission: every row must be graded."""
    import csv

    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    bad = [r for r in rows if r.get("status") not in (None, Status.GRADED.value)]
    if bad:
        raise SystemExit(f"{len(bad)} submissions of the synthetic class were not graded: "
                         f"{bad[:3]}")


if __name__ == "__main__":
    raise SystemExit(main())
