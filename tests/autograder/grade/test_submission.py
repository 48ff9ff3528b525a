"""Pieces of a grading process that need no kernel."""

from __future__ import annotations

from nbformat.v4 import new_output
from synthetic_course import cell, solved

from autograder.course.reference import build_reference
from autograder.grade.submission import cell_errors
from autograder.intake.jobs import join_message, worst
from autograder.intake.sanitize import sanitize
from autograder.records.results import Status


def test_errors_in_solution_cells_are_pointed_at(course_source):
    ref = build_reference(course_source / "01_adder" / "adder.ipynb", "01_adder")
    nb = sanitize(solved(course_source), ref).notebook
    cell(nb, "add").outputs = [new_output("error", ename="IndentationError",
                                          evalue="unexpected indent (3373.py, line 4)",
                                          traceback=[])]
    cell(nb, "test_add").outputs = [new_output("error", ename="NameError",
                                               evalue="name 'add' is not defined",
                                               traceback=[])]
    everything = set(range(len(nb.cells)))
    assert cell_errors(nb, everything) == [
        "cell 'add' raised IndentationError: unexpected indent (line 4)"]
    assert cell_errors(nb, set()) == []


def test_the_most_serious_status_wins_and_messages_stay_short():
    assert worst([Status.GRADED, Status.TIMEOUT, Status.MISSING_NOTEBOOK]) == Status.TIMEOUT
    assert worst([]) == Status.GRADED
    assert join_message(["a", " ", "b"]) == "a; b"
    assert len(join_message(["x" * 1000])) == 600


def test_a_notebook_gets_a_time_budget_of_several_cell_timeouts():
    from autograder import nbgrader_config
    from autograder.intake.jobs import WorkerSettings

    assert WorkerSettings(timeout=3).notebook_budget == 3 * nbgrader_config.BUDGET_TIMEOUTS
    assert WorkerSettings(timeout=3, budget=7.5).notebook_budget == 7.5
    assert WorkerSettings().max_restarts == nbgrader_config.MAX_KERNEL_RESTARTS


def test_a_cells_error_is_pointed_at_in_the_language_of_the_moment(course_source):
    from course_lib.language import use

    ref = build_reference(course_source / "01_adder" / "adder.ipynb", "01_adder")
    nb = sanitize(solved(course_source), ref).notebook
    cell(nb, "add").outputs = [new_output("error", ename="ZeroDivisionError",
                                          evalue="division by zero", traceback=[])]
    cell(nb, "mul").outputs = [new_output("error", ename="StopIteration", evalue="",
                                          traceback=[])]
    everything = set(range(len(nb.cells)))
    with use("zh-CN"):
        assert cell_errors(nb, everything) == [
            "单元格 'add' 引发了 ZeroDivisionError：division by zero",
            "单元格 'mul' 引发了 StopIteration"]
    with use("en"):
        assert cell_errors(nb, everything) == ["cell 'add' raised ZeroDivisionError: division by "
                                               "zero", "cell 'mul' raised StopIteration"]


def test_a_patch_in_a_cell_that_killed_its_kernel_counts_as_tampering_after_it():
    from autograder.grade.integrity import Findings
    from autograder.grade.submission import _unseen_tampering

    findings = Findings()
    notes = ["第 2 个单元格重新赋值了 np.allclose", "第 5 个单元格重新赋值了 np.isclose"]
    _unseen_tampering(findings, [4], notes, [1, 4])   # the cell of index 4 killed its kernel
    assert findings.tampered == [notes[1]] and findings.tampered_at == 4


_FREEZES = """
import gc, sys
from autograder.grade.submission import _freeze_imports
before = gc.get_freeze_count()
assert _freeze_imports(len(sys.modules)) == len(sys.modules)
assert gc.get_freeze_count() == before, "nothing new was imported, yet something was frozen"
_freeze_imports(len(sys.modules) - 1)
assert gc.get_freeze_count() > before, "one module more than last time, nothing frozen"
"""


def test_a_grading_process_freezes_what_it_imported_only_when_it_is_new():
    """Between two submissions, a grading process freezes its modules for the garbage
    collector (``gc.freeze``) if it imported any since the last time, and only then. In a
    process of its own, as a grading process: here, another test's thread still importing
    or freezing (a coordinator's) would change the counts under the test."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _FREEZES], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
