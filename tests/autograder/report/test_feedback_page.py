"""Feedback pages: header, badges, broken-submission pages, and never the hidden tests."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
from toy_course import (
    ASSIGNMENT,
    HIDDEN_MSG,
    HIDDEN_SECRETS,
    NOTEBOOK,
    graded_notebook,
    source_notebook,
    toy_result,
)

from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult
from autograder.report.feedback_page import (
    EXPLANATIONS,
    _math_html,
    feedback_path,
    format_points,
    redact_hidden_tests,
    write_feedback,
)

NOTEBOOKS = Path(__file__).resolve().parents[3] / "notebooks"
def text_of(page: str) -> str:
    """What a reader sees: tags removed (syntax highlighting splits code into spans)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def external_urls(page: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>)]+", page)


def test_page_shows_score_badges_messages_and_flags(tmp_path):
    paths = write_feedback(toy_result(flags=["edited_locked_cell", "copied_reference:double"]),
                           {NOTEBOOK: graded_notebook()}, tmp_path)
    assert paths == [tmp_path / "Zoë Ångström" / ASSIGNMENT / f"{NOTEBOOK}.html"]
    page = paths[0].read_text(encoding="utf-8")
    assert "Zoë Ångström" in page and ASSIGNMENT in page
    assert "1 / 4" in page                                   # score / max
    assert page.count('class="badge fail"') == 2 and page.count('class="badge pass"') == 1
    assert "should be [[2, 4]], got [[2. 3.]]" in page       # the visible test's message
    assert "edited_locked_cell" in page and "put back" in page   # flag, explained
    assert "copied_reference:double" in page and "taken from course_lib" in page
    assert "double([[1, 2]]) = [[2. 3.]]" in page            # the student's own output kept
    assert "return x + 1" in text_of(page)                   # the student's code kept


def test_a_late_submission_sees_its_lateness_and_score_after_the_penalty(tmp_path):
    from autograder.records.lateness import NO_DUE_DATE, Lateness

    late = Lateness(25.0, 0.2, 0.8, "2 days late (25.00 h): -20% of 1 point")
    [path] = write_feedback(toy_result(), {NOTEBOOK: graded_notebook()}, tmp_path,
                            lateness=late)
    page = text_of(path.read_text(encoding="utf-8"))
    assert "2 days late (25.00 h): -20% of 1 point" in page
    assert "score after the late penalty 0.8 / 4" in " ".join(page.split())
    for quiet in (None, Lateness(None, 0.0, 1.0, NO_DUE_DATE)):
        [path] = write_feedback(toy_result(), {NOTEBOOK: graded_notebook()}, tmp_path,
                                lateness=quiet)
        page = text_of(path.read_text(encoding="utf-8"))
        assert "lateness" not in page and "late penalty" not in page


def test_no_hidden_test_source_or_output_reaches_the_page(tmp_path):
    [path] = write_feedback(toy_result(), {NOTEBOOK: graded_notebook()}, tmp_path)
    page = path.read_text(encoding="utf-8")
    for secret in HIDDEN_SECRETS:
        assert secret not in page
    assert "BEGIN HIDDEN TESTS" not in page
    assert "# hidden tests: failed (0/2 points) - " + HIDDEN_MSG.split(":")[0] in page
    assert "# hidden tests: other shapes and values" in page   # the visible comment stays


def test_page_is_self_contained(tmp_path):
    [path] = write_feedback(toy_result(), {NOTEBOOK: graded_notebook()}, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert external_urls(page) == []
    assert "<script" not in page and "<link" not in page
    assert "<style>" in page


def test_student_text_is_escaped(tmp_path):
    result = toy_result()
    result.notebooks[0].cells[0].message = "<script>alert(1)</script>"
    [path] = write_feedback(result, {NOTEBOOK: graded_notebook()}, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_kernel_really_running_the_hidden_tests_leaks_nothing(tmp_path):
    """A real IPython traceback quotes the failing source lines: the redaction must drop it."""
    from nbclient import NotebookClient

    nb = source_notebook()
    for cell in nb.cells:
        if cell.metadata["nbgrader"]["grade_id"] == "double":
            cell.source = 'def double(x):\n    return x + 1'
    NotebookClient(nb, allow_errors=True, timeout=30, kernel_name="python3").execute()
    hidden = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "test_double_hidden")
    assert any(o.output_type == "error" for o in hidden.outputs)   # it did fail, with source
    assert "secret_input_4711" in str(hidden.outputs)
    [path] = write_feedback(toy_result(), {NOTEBOOK: nb}, tmp_path)
    page = path.read_text(encoding="utf-8")
    for secret in HIDDEN_SECRETS:
        assert secret not in page


def test_redaction_keeps_indentation_and_handles_an_unclosed_region():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("a = 1\n    ### BEGIN HIDDEN TESTS\n    b = 2\n"
                                  "    ### END HIDDEN TESTS\nc = 3"),
        nbformat.v4.new_code_cell("x = 1\n### BEGIN HIDDEN TESTS\nsecret = 2"),
    ])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]
    out = redact_hidden_tests(nb)
    assert out.cells[0].source == "a = 1\n    # hidden tests (their code is not shown)\nc = 3"
    assert out.cells[0].outputs == []
    assert out.cells[1].source == "x = 1\n# hidden tests (their code is not shown)"
    assert "b = 2" in nb.cells[0].source                      # the input is left alone


def test_passing_hidden_tests_say_so(tmp_path):
    result = toy_result()
    result.notebooks[0].cells[1] = CellResult("test_double_hidden", 2, 2, True, "")
    [path] = write_feedback(result, {NOTEBOOK: graded_notebook()}, tmp_path)
    assert "# hidden tests: passed (2/2 points)" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.GRADED])
def test_broken_submissions_get_a_page_that_explains(tmp_path, status):
    nb = NotebookResult(NOTEBOOK, status=status, message="grader says: line 212")
    result = SubmissionResult("eve", ASSIGNMENT, status, message="grader says: line 212",
                              max_score=4, notebooks=[nb])
    [path] = write_feedback(result, {}, tmp_path)
    page = path.read_text(encoding="utf-8")
    title, happened, todo = EXPLANATIONS[status]
    assert title in text_of(page) and happened in page and todo in page
    assert "What to do" in page and "grader says: line 212" in page
    assert "0 / 4" in page
    assert external_urls(page) == []


def test_a_timeout_page_shows_how_far_the_notebook_ran(tmp_path):
    result = toy_result()
    result.status = result.notebooks[0].status = Status.TIMEOUT
    result.notebooks[0].message = "cell 'double' ran longer than 10 s"
    [path] = write_feedback(result, {NOTEBOOK: graded_notebook()}, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert EXPLANATIONS[Status.TIMEOUT][0] in page and "ran longer than 10 s" in page
    assert "Your notebook, as graded" in page and "return x + 1" in text_of(page)


def test_a_submission_without_notebook_results_gets_one_page(tmp_path):
    result = SubmissionResult("eve", ASSIGNMENT, Status.INVALID_NOTEBOOK, message="not JSON")
    [path] = write_feedback(result, {}, tmp_path)
    assert path == tmp_path / "eve" / ASSIGNMENT / "submission.html"
    assert EXPLANATIONS[Status.INVALID_NOTEBOOK][0] in path.read_text(encoding="utf-8")


def test_a_notebook_name_with_suffix_matches_its_result(tmp_path):
    [path] = write_feedback(toy_result(), {f"{NOTEBOOK}.ipynb": graded_notebook()}, tmp_path)
    assert "return x + 1" in text_of(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("student", ["..", "a/b", ""])
def test_ids_that_would_leave_the_folder_are_refused(tmp_path, student):
    with pytest.raises(ValueError, match="cannot be used"):
        feedback_path(tmp_path, student, ASSIGNMENT, NOTEBOOK)


def test_format_points():
    assert [format_points(v) for v in (2.0, 1.5, 1 / 3, 0.0, -0.0)] == ["2", "1.5", "0.33",
                                                                     "0", "0"]


def test_the_cell_where_grading_stopped_is_marked_and_linked(tmp_path):
    result = toy_result()
    result.status = result.notebooks[0].status = Status.TIMEOUT
    nb = graded_notebook()
    double = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "double")
    double.outputs = [nbformat.v4.new_output(
        "error", ename="TimeoutError", evalue="this cell ran longer than 10 s and was stopped",
        traceback=["TimeoutError: this cell ran longer than 10 s and was stopped"])]
    [path] = write_feedback(result, {NOTEBOOK: nb}, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert page.count('id="stopped"') == 1 and 'href="#stopped"' in page
    stop = page.index('id="stopped"')
    assert stop < page.index("return x + 1"[:6], stop)   # the marker sits above the cell


def test_several_stopped_cells_are_each_marked_and_the_first_is_linked(tmp_path):
    result = toy_result()
    result.status = result.notebooks[0].status = Status.KERNEL_DIED
    nb = graded_notebook()
    for cell in nb.cells[-2:]:
        cell.cell_type, cell.outputs = "code", [nbformat.v4.new_output(
            "error", ename="DeadKernelError", evalue="the kernel died (exit code 3)",
            traceback=["DeadKernelError: the kernel died (exit code 3)"])]
        cell.setdefault("execution_count", None)
    page = write_feedback(result, {NOTEBOOK: nb}, tmp_path)[0].read_text(encoding="utf-8")
    assert page.count('class="stopped"') == 2 and page.count('id="stopped"') == 1
    assert "the others keep theirs" in page and "did not run" not in page


# ---------------------------------------------------------------- maths in markdown cells

def test_markdown_maths_becomes_mathml_and_unknown_tex_stays_readable(tmp_path):
    nb = graded_notebook()
    nb.cells[0].source = (r"The cost $J = -\frac1m \sum_{i=1}^{m} \mathcal{L}(a^{(i)}, y^{(i)})$"
                          "\n\n$$\\sigma(z) = \\frac{1}{1 + e^{-z}}$$\n\n"
                          r"and $\weirdmacro{x}$.")
    [path] = write_feedback(toy_result(), {NOTEBOOK: nb}, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert page.count("<math") == 2 and 'display="block"' in page
    assert "<mfrac><mn>1</mn><mi>m</mi></mfrac>" in page and "ℒ" in page
    assert '<code class="tex">$\\weirdmacro{x}$</code>' in page
    assert external_urls(page) == []


def _course_formulas() -> list[tuple[str, str, bool]]:
    """(notebook, TeX, display) for every formula in the course's markdown cells."""
    found = []
    for path in sorted(NOTEBOOKS.glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            text = re.sub(r"`[^`]*`", "", re.sub(r"```.*?```", "", cell.source, flags=re.S))
            for m in re.finditer(r"\$\$(.+?)\$\$|\$(.+?)\$", text, re.S):
                found.append((path.stem, m.group(1) or m.group(2), m.group(1) is not None))
    return found


def test_every_formula_of_the_course_becomes_mathml():
    formulas = _course_formulas()
    assert len(formulas) > 300
    for notebook, tex, display in formulas:
        out = _math_html(tex, display)
        assert out.startswith("<math") and out.endswith("</math>"), (notebook, tex)
        assert "$" not in out and "&amp;" not in out and "<mi>&</mi>" not in out, (notebook, tex)


@pytest.mark.parametrize("tex", [r"\unknowncommand", r"x^", r"\weirdmacro{x} + 1"])
def test_tex_that_cannot_be_drawn_is_shown_as_tex(tex):
    assert _math_html(tex, False) == f'<code class="tex">${html.escape(tex)}$</code>'


def test_grader_notes_are_listed(tmp_path):
    result = toy_result()
    result.notebooks[0].warnings = ["still raising NotImplementedError: square"]
    [path] = write_feedback(result, {NOTEBOOK: graded_notebook()}, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert "Notes from the grader" in page
    assert "<li>still raising NotImplementedError: square</li>" in page


def test_the_summary_table_shows_the_named_mistake(tmp_path):
    from course_lib.diagnosis import NAMED_MISTAKE

    named = (f"{NAMED_MISTAKE} (missing_1_over_m) in grads['dw']: dw is m times too large: "
             "divide by m.")
    message = ("AssertionError: dw differs in 2 of 2 entries; every entry is 3.0 times the "
               f"expected\nTraceback line that stays out of the table\n{named}")
    result = toy_result()
    result.notebooks[0].cells[0] = CellResult("test_double", 0, 1, False, message)
    [path] = write_feedback(result, {NOTEBOOK: graded_notebook()}, tmp_path)
    table = re.search(r'<table class="summary">.*?</table>', path.read_text(encoding="utf-8"),
                      re.S).group(0)
    row = next(r for r in table.split("<tr") if 'href="#cell-test_double"' in r)
    assert "3.0 times the expected" in text_of(row)
    assert named in text_of(row)
    assert "Traceback line" not in text_of(table)
    assert NAMED_MISTAKE not in text_of(table.split("test_double_hidden")[1])
