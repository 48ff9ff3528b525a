"""A stopped cell costs only what it stopped: a loop, an exit, a crash or a memory bomb in one
solution cell loses that function's points and nothing else; the rest of the notebook runs.

The synthetic course's ``01_adder`` (5 points: ``add`` 1 + 2, ``mul`` 1 + 1; ``mul``'s hidden
test reads the assignment's data file, so a fresh kernel must get the files too) is graded by
the worker's own code (:func:`autograder.grade.submission.grade_submission`) with a 2 s limit per
cell, every variant in one event loop (one zygote, spare kernels), once per module. The real
``01_logistic_unit`` gets four killers at once.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from synthetic_course import ANSWERS, cell, solved, write_nb

from autograder.course.reference import build_reference
from autograder.grade.submission import grade_submission
from autograder.intake.jobs import Job, NotebookJob, WorkerSettings
from autograder.kernel.execute import (
    DEAD,
    MAX_ERROR_OUTPUTS,
    MAX_EVALUE_CHARS,
    MAX_TRACEBACK_LINES,
    TIMEOUT,
    execute_notebook,
)
from autograder.kernel.pool import Kernel, KernelPool
from autograder.kernel.settings import KernelSettings
from autograder.records.results import Status, SubmissionResult
from autograder.vocabulary import grade_id_of

REPO = Path(__file__).resolve().parents[3]
SECRET_LOG = "SECRET-KERNEL-LOG-1234"
TAMPER = "\nimport numpy as np\nnp.allclose = lambda *args, **kwargs: True"
KILLERS = {
    "loop": "while True:\n    pass\n",
    # what the kernel writes to its log is the student's text: never in a grade message
    # (the source spells it in two parts: only the log can hold it whole)
    "exit": "import os\nos.write(2, b'SECRET-' + b'KERNEL-LOG-1234\\n')\nos._exit(3)\n",
    "segfault": "import ctypes\nctypes.string_at(0)\n",
    "memory_bomb": "grow = bytearray(8 * 1024 ** 3)   # past the 1024 MB limit\n",
    # what the kernel of a memory limit enforced by a kill (a cgroup's OOM killer) gets
    "killed": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
    # a loop that an interrupt does not stop: the kernel is replaced
    "stubborn_loop": "while True:\n    try:\n        while True:\n            pass\n"
                     "    except KeyboardInterrupt:\n        pass\n",
}
#: student -> (solution cell answers); the killers come before ``add``'s definition
SUBMISSIONS = {
    "complete": {},
    **{name: {"add": killer + ANSWERS["add"]} for name, killer in KILLERS.items()},
    # the definition runs before the loop: interrupted, it keeps add (as in nbgrader)
    "loop_after_def": {"add": ANSWERS["add"] + "\n" + KILLERS["loop"]},
    # every call of mul loops: both of its tests time out, one after the other
    "mul_loops": {"mul": "def mul(a, b):\n    while True:\n        pass"},
    # the integrity probe in the fresh kernel sees what happens after a restart ...
    "tamper_after_restart": {"add": KILLERS["exit"] + ANSWERS["add"],
                             "mul": ANSWERS["mul"] + TAMPER},
    # ... and, in the replay, what happened before it
    "tamper_before_death": {"add": ANSWERS["add"] + TAMPER,
                            "mul": KILLERS["exit"] + ANSWERS["mul"]},
    # no check can run after a cell that kills its kernel: its code is read instead
    "tamper_and_die": {"add": ANSWERS["add"] + TAMPER + "\n" + KILLERS["exit"]},
}
TIMEOUT_S = 2.0


def _job(source: Path, folder: Path, student: str, answers: dict[str, str]) -> Job:
    nb = solved(source, **answers)
    path = write_nb(nb, folder / student / "adder.ipynb")
    return Job(student, "01_adder",
               [NotebookJob("adder", str(source / "01_adder" / "adder.ipynb"), str(path))],
               support={"factor.txt": str(source / "01_adder" / "factor.txt")})


def _grade_all(jobs: list[Job], settings: WorkerSettings
               ) -> dict[str, tuple[SubmissionResult, dict[str, str]]]:
    async def go():
        pool = KernelPool(settings.kernel, spares=1)
        pool.prime()
        out = {}
        try:
            for job in jobs:
                out[job.student_id] = await grade_submission(job, pool, settings)
        finally:
            await pool.close()
        return out
    return asyncio.run(go())


@pytest.fixture(scope="module")
def graded(course_source, tmp_path_factory) -> dict[str, tuple[SubmissionResult, dict]]:
    folder = tmp_path_factory.mktemp("stopped_cells")
    jobs = [_job(course_source, folder, s, a) for s, a in SUBMISSIONS.items()]
    settings = WorkerSettings(timeout=TIMEOUT_S, kernel=KernelSettings(memory_mb=1024))
    return _grade_all(jobs, settings)


def points(result: SubmissionResult) -> dict[str, float]:
    return {c.grade_id: c.points for nb in result.notebooks for c in nb.cells}


ADD_LOST = {"test_add": 0, "test_add_hidden": 0, "test_mul": 1, "test_mul_hidden": 1}


@pytest.mark.parametrize("student, status, how", [
    ("loop", Status.TIMEOUT, "ran longer than the 2 s limit and was interrupted"),
    ("exit", Status.KERNEL_DIED, "the kernel died (exit code 3)"),
    ("segfault", Status.KERNEL_DIED, "the kernel died (SIGSEGV, a crash)"),
    ("killed", Status.KERNEL_DIED, "the kernel died (SIGKILL"),
    ("stubborn_loop", Status.TIMEOUT, "did not stop when interrupted"),
    ("memory_bomb", Status.GRADED, "ran out of memory (MemoryError; the limit is 1024 MB)"),
])
def test_a_stopped_solution_cell_costs_only_its_function(graded, student, status, how):
    assert points(graded["complete"][0]) == {"test_add": 1, "test_add_hidden": 2,
                                             "test_mul": 1, "test_mul_hidden": 1}
    result, executed = graded[student]
    assert points(result) == ADD_LOST, result.message
    assert result.status is status and not result.flags, result.message
    assert how in result.message
    assert "code cell 2 of 7 (add)" in result.message or student == "memory_bomb"
    if status is not Status.GRADED:
        assert "grading went on with the next cells" in result.message
    # every test after the stopped cell ran (in a fresh kernel with the assignment's files
    # when the first one died): its outputs are in the executed notebook
    nb = nbformat.reads(executed["adder"], as_version=4)
    assert cell(nb, "test_mul_hidden").execution_count is not None
    assert cell(nb, "test_add").outputs[-1].evalue == "name 'add' is not defined"


def test_the_stopped_cell_says_what_happened(graded):
    nb = nbformat.reads(graded["exit"][1]["adder"], as_version=4)
    (error,) = [o for o in cell(nb, "add").outputs if o.output_type == "error"]
    assert error.ename == "DeadKernelError"
    assert error.evalue == ("the kernel died (exit code 3) while running this cell: the cell "
                            "was skipped and the cells before it replayed in a fresh kernel")
    nb = nbformat.reads(graded["loop"][1]["adder"], as_version=4)
    (error,) = [o for o in cell(nb, "add").outputs if o.output_type == "error"]
    assert (error.ename, error.evalue) == ("TimeoutError", "this cell ran longer than 2 s and "
                                                           "was interrupted")


def test_what_a_stopped_cell_defined_before_an_interrupt_counts(graded):
    result, _ = graded["loop_after_def"]
    assert result.status is Status.TIMEOUT
    assert result.score == result.max_score == 5
    assert "code cell 2 of 7 (add) ran longer than the 2 s limit" in result.message


def test_each_test_that_loops_is_stopped_and_named(graded):
    result, _ = graded["mul_loops"]
    assert points(result) == {"test_add": 1, "test_add_hidden": 2, "test_mul": 0,
                              "test_mul_hidden": 0}
    assert result.status is Status.TIMEOUT
    assert "(test_mul) ran longer than the 2 s limit" in result.message
    assert "(test_mul_hidden) ran longer than the 2 s limit" in result.message
    cells = {c.grade_id: c for nb in result.notebooks for c in nb.cells}
    assert "ran longer than 2 s" in cells["test_mul_hidden"].message


def test_the_kernel_log_never_reaches_a_message(graded):
    result, executed = graded["exit"]
    assert "exit code 3" in result.message and points(result) == ADD_LOST
    everything = result.to_json() + executed["adder"]
    assert SECRET_LOG not in everything


def test_the_integrity_probe_watches_the_fresh_kernel(graded):
    for student in ("tamper_after_restart", "tamper_before_death"):
        result, _ = graded[student]
        assert result.status is Status.KERNEL_DIED
        assert "tampered" in result.flags, (student, result.message)
        # found by the probe (it names what was replaced), not by the static fallback
        assert "tampered with the grading code" in result.message
        assert "allclose" in result.message and "reassigns" not in result.message


def test_a_cell_that_patches_and_dies_counts_as_tampering(graded):
    result, _ = graded["tamper_and_die"]
    assert result.status is Status.KERNEL_DIED and result.flags == ["tampered"]
    assert result.score == 0   # the tests from that cell on, as when the probe sees a patch
    assert "cell 3 reassigns np.allclose" in result.message


# --------------------------------------------------------------------------- limits

class _Restarts:
    """A ``restart`` for execute_notebook from a pool; remembers the kernel in use."""

    def __init__(self, pool: KernelPool):
        self.pool = pool
        self.current: Kernel | None = None

    async def first(self) -> Kernel:
        self.current = await self.pool.acquire()
        return self.current

    async def __call__(self, old: Kernel) -> Kernel:
        self.pool.release(old)
        return await self.first()


LOOP = "while True:\n    pass"
#: name -> (cells, timeout, options of execute_notebook)
LIMITS = {
    "restarts": (["print('first')", *(f"import os\nos._exit({n})" for n in (1, 2, 3)),
                  "print('never')"], 1, {"max_restarts": 2}),
    "budget": ([LOOP, LOOP, LOOP, "print('never')"], 1, {"budget": 1.5}),
    "errors": (["raise ValueError('x' * 2_000_000)",
                "raise RuntimeError('\\n'.join(f'line {i}' for i in range(5000)))",
                "for _ in range(10):\n    try:\n        1 / 0\n    except ZeroDivisionError:\n"
                "        get_ipython().showtraceback()",
                "print('after')"], 60, {}),
}


@pytest.fixture(scope="module")
def limits() -> dict:
    """Each LIMITS notebook run by execute_notebook with fresh kernels from one pool."""
    async def go():
        pool = KernelPool(KernelSettings(memory_mb=1024), spares=1)
        pool.prime()
        out = {}
        try:
            for name, (sources, timeout, options) in LIMITS.items():
                nb = new_notebook(cells=[new_code_cell(src) for src in sources])
                restarts = _Restarts(pool)
                try:
                    execution = await execute_notebook(nb, await restarts.first(), timeout,
                                                       10_000, restart=restarts, **options)
                finally:
                    pool.release(restarts.current)
                out[name] = (execution, nb)
        finally:
            await pool.close()
        return out
    return asyncio.run(go())


def _printed(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                   if o.get("output_type") == "stream")


def test_restarts_are_capped(limits):
    execution, nb = limits["restarts"]
    assert execution.status == DEAD and execution.restarts == 2
    assert [s.index for s in execution.stops] == [1, 2, 3]
    assert execution.not_run == [4] and "never" not in _printed(nb)
    assert _printed(nb).count("first") == 1   # replayed twice, quietly
    assert "the kernel was already replaced 2 times (the limit): code cells 5-5 were not run" \
        in execution.message
    assert not execution.watched


def test_the_time_budget_ends_a_notebook_of_loops(limits):
    execution, nb = limits["budget"]
    # each loop takes at least the 1 s limit: the third cell cannot start within 1.5 s
    assert execution.status == TIMEOUT and execution.stops[0].index == 0
    assert execution.not_run[-2:] == [2, 3] and "never" not in _printed(nb)
    assert re.search(r"the notebook's time budget of 1.5 s ran out: code cells [23]-4 were "
                     r"not run", execution.message)


def test_error_outputs_are_capped(limits):
    execution, nb = limits["errors"]
    assert execution.executed == {0, 1, 2, 3} and "after" in _printed(nb)
    (big,) = nb.cells[0].outputs
    assert len(big.evalue) < MAX_EVALUE_CHARS + 100
    assert big.evalue.endswith("... 1998000 more characters not kept ...")
    (long,) = nb.cells[1].outputs
    assert len(long.traceback) == MAX_TRACEBACK_LINES + 1
    assert "lines of the traceback not kept" in long.traceback[0]
    assert long.traceback[-1] == "line 4999"
    many = nb.cells[2].outputs   # ten error outputs: the first MAX_ERROR_OUTPUTS are kept
    assert [o.output_type for o in many] == ["error"] * MAX_ERROR_OUTPUTS + ["stream"]
    assert "output truncated" in many[-1].text
    assert len(nbformat.writes(nb)) < 100_000


# --------------------------------------------------------------------------- the real course

def test_the_real_first_notebook_loses_only_the_stopped_functions(tmp_path):
    """01_logistic_unit without its plots: os._exit in sigmoid, a segfault in
    initialize_with_zeros (the deaths come early: short replays), a memory bomb in propagate
    and a loop in predict. Their tests score 0; optimize and model (tested with the reference
    in place of the helpers they call) keep every point."""
    from autograder.course.source import load_course
    from autograder.demo.sample_class import complete_notebook

    course = load_course(REPO / "notebooks")
    (source,) = course.notebooks_of("01_logistic_unit")
    ref = build_reference(source.path, "01_logistic_unit")
    nb = complete_notebook(ref.release(), nbformat.read(source.path, as_version=4))
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or grade_id_of(c)
                or not any(k in c.source for k in ("plt.", "plotting.", "result", "sklearn"))]
    killers = {"sigmoid": "exit", "initialize_with_zeros": "segfault",
               "propagate": "memory_bomb", "predict": "loop"}
    for gid, killer in killers.items():
        cell(nb, gid).source = KILLERS[killer] + cell(nb, gid).source
    path = write_nb(nb, tmp_path / "logistic_unit.ipynb")
    job = Job("student", "01_logistic_unit",
              [NotebookJob(source.name, str(source.path), str(path), reference=ref)],
              support={rel: str(p) for rel, p in
                       course.support_files("01_logistic_unit").items()})
    settings = WorkerSettings(timeout=10, kernel=KernelSettings(memory_mb=2048))
    result, _ = _grade_all([job], settings)["student"]
    lost = {c.grade_id for nb_ in result.notebooks for c in nb_.cells if c.points == 0}
    assert lost == {f"test_{gid}{suffix}" for gid in killers
                    for suffix in ("", "_hidden")} | {"test_propagate_gradcheck"}, \
        result.message
    assert result.score == 19 - 2 - 2 - 2 - 5 and result.max_score == 19
    assert result.status is Status.KERNEL_DIED and not result.flags
    for named in ("the kernel died (exit code 3) in code cell 4 of 23 (sigmoid)",
                  "the kernel died (SIGSEGV, a crash) in code cell 7 of 23 "
                  "(initialize_with_zeros)", "(predict) ran longer than the 10 s limit and was "
                  "interrupted", "ran out of memory"):
        assert named in result.message, result.message


# --------------------------------------------------------------------------- the texts' language

def _texts(lang: str) -> tuple[str, list[str]]:
    """The message and error outputs of a run with one interrupted timeout and one dead kernel,
    built in ``lang`` (no kernel: the run's text only)."""
    from types import SimpleNamespace

    from autograder.kernel.execute import INTERRUPTED, SKIPPED, Stop, _Run, kernel_died
    from course_lib.language import use

    nb = new_notebook(cells=[new_code_cell("x = 1", metadata={"nbgrader": {
        "grade_id": "add", "solution": True, "grade": False, "locked": False}}),
        new_code_cell("import os\nos._exit(3)")])
    with use(lang):
        run = _Run(nb, SimpleNamespace(km=None, kc=None), 2.0, 1000, None, None, None, 3)
        run.result.stops = [Stop(0, TIMEOUT, run.where(0), run._too_long(), INTERRUPTED),
                            Stop(1, DEAD, run.where(1), kernel_died(3), SKIPPED)]
        run.result.restarts = 1
        for stop in run.result.stops:
            run._record(stop)
        return run._message(), [c.outputs[0].evalue for c in nb.cells]


def test_what_a_stopped_cell_says_is_in_the_language_of_the_moment():
    message, outputs = _texts("en")
    assert message == ("code cell 1 of 2 (add) ran longer than the 2 s limit and was "
                       "interrupted; the kernel died (exit code 3) in code cell 2 of 2; grading "
                       "went on with the next cells (in a fresh kernel after replaying the cells "
                       "before: 1 time)")
    assert outputs == ["this cell ran longer than 2 s and was interrupted",
                       "the kernel died (exit code 3) while running this cell: the cell was "
                       "skipped and the cells before it replayed in a fresh kernel"]
    message, outputs = _texts("zh-CN")
    assert message.startswith("第 1 个代码单元格（共 2 个，add）运行时间超过了 2 秒的限制，"
                              "已被中断")
    assert "第 2 个代码单元格（共 2 个）中内核停止了（退出码 3）" in message
    assert outputs[0] == "这个单元格的运行时间超过了 2 秒，已被中断"
    assert outputs[1].startswith("运行这个单元格时内核停止了（退出码 3）：该单元格被跳过")


def test_an_exit_and_a_capped_error_are_described_in_the_language_of_the_moment():
    from autograder.kernel.execute import cap_error, describe_exit
    from course_lib.language import use

    long_error = {"ename": "ValueError", "evalue": "x" * (MAX_EVALUE_CHARS + 5),
                  "traceback": ["line"] * (MAX_TRACEBACK_LINES + 2)}
    with use("zh-CN"):
        assert describe_exit(-11) == "SIGSEGV，程序崩溃"
        capped, _dropped = cap_error(long_error)
    assert capped["ename"] == "ValueError"   # exception type names stay as they are
    assert capped["evalue"].endswith("……另有 5 个字符未保留……")
    assert capped["traceback"][0] == "……另有 2 行回溯信息未保留……"
    with use("en"):
        assert describe_exit(-11) == "SIGSEGV, a crash"
        assert cap_error(long_error)[0]["traceback"][0] == ("... 2 more lines of the traceback "
                                                            "not kept ...")
