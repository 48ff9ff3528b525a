"""Points per test cell (nbgrader's rules), messages from outputs only."""

from __future__ import annotations

import pytest
from nbformat.v4 import new_notebook, new_output
from synthetic_course import cell, solved

from autograder.course.reference import build_reference
from autograder.course.rules import apply_output_policy
from autograder.grade.scoring import cell_message, score_cells
from autograder.intake.sanitize import sanitize
from autograder.kernel.execute import DEAD, OK, TIMEOUT, Execution, describe_exit


@pytest.fixture()
def graded(course_source):
    ref = build_reference(course_source / "01_adder" / "adder.ipynb", "01_adder")
    return ref, sanitize(solved(course_source), ref).notebook


def _error(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue,
                      traceback=["\x1b[31m----> 3 assert add(10, 5) == 15 SECRET_HIDDEN_MARKER"])


def _ran_all(nb) -> Execution:
    return Execution(status=OK, executed=set(range(len(nb.cells))))


def test_nbgrader_rules(graded):
    ref, nb = graded
    cell(nb, "test_add").outputs = [new_output("stream", name="stdout", text="add(1, 2) = 3\n")]
    cell(nb, "test_add_hidden").outputs = [_error("AssertionError", "add(10, 5) should be 15")]
    cell(nb, "test_mul").outputs = [new_output("stream", name="stderr",
                                               text="DeprecationWarning: old\n")]
    cell(nb, "test_mul_hidden").outputs = [new_output("execute_result", data={"text/plain": "0.5"},
                                                      execution_count=1)]
    scores = {c.grade_id: (c.points, c.message) for c in score_cells(nb, ref, _ran_all(nb))}
    assert scores["test_add"] == (1.0, "add(1, 2) = 3")
    # a hidden test's expected value ("should be 15") is not shown
    assert scores["test_add_hidden"] == (
        0.0, "a hidden test failed (what it compares is not shown)")
    assert scores["test_mul"][0] == 0.0 and "stderr" in scores["test_mul"][1]
    assert scores["test_mul_hidden"][0] == 0.5 and "partial credit" in scores["test_mul_hidden"][1]


def test_runtime_warnings_do_not_cost_points(graded):
    ref, nb = graded
    cell(nb, "test_mul").outputs = [new_output(
        "stream", name="stderr", text="<ipython>:1: RuntimeWarning: overflow encountered\n")]
    apply_output_policy(nb)
    result = {c.grade_id: c for c in score_cells(nb, ref, _ran_all(nb))}
    assert result["test_mul"].points == 1.0


def test_cells_that_never_ran_score_zero(graded):
    ref, nb = graded
    stop = nb.cells.index(cell(nb, "test_mul"))
    cell(nb, "test_mul").outputs = [new_output("error", ename="TimeoutError",
                                               evalue="this cell ran longer than 3 s",
                                               traceback=[])]
    execution = Execution(status=TIMEOUT, executed=set(range(stop)), stopped_at=stop)
    result = {c.grade_id: c for c in score_cells(nb, ref, execution)}
    assert result["test_add"].points == 1 and result["test_add_hidden"].points == 2
    assert result["test_mul"].points == 0 and "longer than 3 s" in result["test_mul"].message
    assert result["test_mul_hidden"].points == 0
    assert "earlier cell ran past the time limit" in result["test_mul_hidden"].message
    dead = Execution(status=DEAD, executed=set(range(stop)), stopped_at=stop)
    assert "kernel died" in score_cells(nb, ref, dead)[-1].message
    nothing = score_cells(new_notebook(), ref, None, "not graded: notebook missing")
    assert [c.points for c in nothing] == [0, 0, 0, 0]
    assert sum(c.max_points for c in nothing) == ref.max_score == 5


def test_messages_never_quote_the_hidden_source(graded):
    _, nb = graded
    hidden = cell(nb, "test_add_hidden")
    hidden.outputs = [_error("AssertionError", "")]
    message = cell_message(hidden, hidden=True)
    assert message == "AssertionError (a hidden test failed)"
    assert "SECRET_HIDDEN_MARKER" not in message
    hidden.outputs = [new_output("stream", name="stdout", text="x" * 5000), _error("E", "v" * 5000)]
    assert len(cell_message(hidden, hidden=True)) < 700


def test_exit_descriptions():
    assert describe_exit(3) == "exit code 3"
    assert describe_exit(-11) == "SIGSEGV, a crash"
    assert "out of memory" in describe_exit(-9)
    assert describe_exit(None) == "no exit status"


def test_a_failed_check_reads_as_its_message_other_errors_keep_their_name():
    from nbformat.v4 import new_code_cell, new_output

    from autograder.grade.scoring import cell_message

    def failing(ename: str, evalue: str):
        return new_code_cell("t()", outputs=[new_output("error", ename=ename, evalue=evalue,
                                                        traceback=[])])

    assert cell_message(failing("CheckFailed", "dw differs in 2 of 2 entries"), False) == \
        "dw differs in 2 of 2 entries"
    assert cell_message(failing("ValueError", "shapes (1,3) and (4,1)"), False) == \
        "ValueError: shapes (1,3) and (4,1)"


def test_a_hidden_test_says_neither_its_expected_values_nor_what_the_student_printed(graded):
    """A red team's submission printed its arguments and read the hidden tests' inputs and
    expected values on its feedback page. A hidden test's message now says that it failed,
    the built-in exception raised, and the catalogued mistake named; nothing else."""
    _, nb = graded
    hidden = cell(nb, "test_add_hidden")
    secret = "X = [[0.7, -1.5]] expected 0.5570142072"
    named = ("This looks like a known mistake (no_seed): draw with the generator you were "
             "given")
    failed = "a hidden test failed (what it compares is not shown)"
    changed = "add changed an argument it was given, in place: ..."
    cases = [
        ([new_output("stream", name="stdout", text=secret + "\n")], ""),
        ([_error("InputsChanged", changed)], changed),   # the grader's words (see channel)
        ([_error("CheckFailed", f"cost = 0.61 but {secret}")], failed),
        ([_error("CheckFailed", f"{secret}\n{named}")], f"{failed}\n{named}"),
        ([_error("ValueError", secret)], "ValueError (a hidden test failed)"),
        ([_error("AssertionError", secret)], failed),
        ([_error("x0_7_m1_5", secret)], failed),
        ([new_output("stream", name="stderr", text=secret)], "wrote to stderr, which fails a test"),
    ]
    for outputs, expected in cases:
        hidden.outputs = outputs
        assert cell_message(hidden, hidden=True) == expected, outputs
    visible = cell(nb, "test_add")
    visible.outputs = [_error("CheckFailed", f"cost = 0.61 but {secret}")]
    assert secret in cell_message(visible, hidden=False)
