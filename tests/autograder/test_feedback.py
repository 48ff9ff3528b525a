"""Feedback pages: header, badges, broken-submission pages, and never the hidden tests."""

from __future__ import annotations

import html
import re

import nbformat
import pytest
from toy_course import ASSIGNMENT, HIDDEN_SECRETS, NOTEBOOK, graded_notebook, source_notebook

from autograder.feedback import (
    EXPLANATIONS,
    feedback_path,
    format_points,
    redact_hidden_tests,
    write_feedback,
)
from autograder.mathml import UnsupportedTeX, tex_to_mathml
from autograder.results import CellResult, NotebookResult, Status, SubmissionResult

VISIBLE_MSG = "double([[1, 2]]) should be [[2, 4]], got [[2. 3.]]"
HIDDEN_MSG = "double([[0, 1, 2]]) returned x + 1: every entry is off by a constant"


def toy_result(student: str = "Zoë Ångström", **kw) -> SubmissionResult:
    cells = [
        CellResult("test_double", 0, 1, False, VISIBLE_MSG),
        CellResult("test_double_hidden", 0, 2, True, HIDDEN_MSG),
        CellResult("test_square", 1, 1, False, ""),
    ]
    nb = NotebookResult(NOTEBOOK, cells=cells, seconds=1.1)
    return SubmissionResult(student, ASSIGNMENT, Status.GRADED, max_score=4, notebooks=[nb],
                            seconds=1.2, **kw)


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
    assert "copied_reference:double" in page and "reference implementation" in page
    assert "double([[1, 2]]) = [[2. 3.]]" in page            # the student's own output kept
    assert "return x + 1" in text_of(page)                   # the student's code kept


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
    assert html.escape(title) in page and happened in page and todo in page
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


# ---------------------------------------------------------------- maths in markdown cells

def test_markdown_maths_becomes_mathml_and_unknown_tex_stays_readable(tmp_path):
    nb = graded_notebook()
    nb.cells[0].source = (r"The cost $J = -\frac1m \sum_{i=1}^{m} \mathcal{L}(a^{(i)}, y^{(i)})$"
                          "\n\n$$\\sigma(z) = \\frac{1}{1 + e^{-z}}$$\n\n"
                          r"and $\weirdmacro{x}$.")
    [path] = write_feedback(toy_result(), {NOTEBOOK: nb}, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert page.count("<math") == 2 and '<math display="block">' in page
    assert "<mfrac><mn>1</mn><mi>m</mi></mfrac>" in page and "ℒ" in page
    assert '<code class="tex">$\\weirdmacro{x}$</code>' in page
    assert external_urls(page) == []


@pytest.mark.parametrize("tex, display, parts", [
    (r"\frac{\partial J}{\partial w}", False,
     ["<mfrac><mrow><mi>∂</mi><mi>J</mi></mrow><mrow><mi>∂</mi><mi>w</mi></mrow></mfrac>"]),
    (r"\sum_{i=1}^{m} x_i", False, ["<msubsup><mrow><mo largeop=\"true\">∑</mo></mrow>"]),
    (r"\sum_{i=1}^{m} x_i", True, ["<munderover><mrow><mo largeop=\"true\">∑</mo></mrow>"]),
    (r"W^{[l]} \in \mathbb{R}^{n \times m}", False, ["<msup><mrow><mi>W</mi></mrow>", "ℝ",
                                                     "<mo>∈</mo>", "<mo>×</mo>"]),
    (r"\log_2 x", False, ["<msub><mrow><mi>log</mi></mrow><mrow><mn>2</mn></mrow></msub>"
                          "<mo>&#x2061;</mo>"]),
    (r"x^12", False, ["<msup><mrow><mi>x</mi></mrow><mrow><mn>1</mn></mrow></msup><mn>2</mn>"]),
    (r"0.25 + 10", False, ["<mn>0.25</mn>", "<mn>10</mn>"]),
    (r"\text{if } a < b", False, ["<mtext>if\u00a0</mtext>", "<mo>&lt;</mo>"]),
    (r"\text{$n_h$ sums}", False, ["<msub><mrow><mi>n</mi></mrow><mrow><mi>h</mi></mrow></msub>",
                                  "<mtext>\u00a0sums</mtext>"]),
    (r"\hat{y} - \big(1 - a\big)", False, ['<mover accent="true">', "<mo>−</mo>",
                                          'minsize="1.2em"']),
    (r"\left( \frac{a}{b} \right)", False, ['<mo stretchy="true">(</mo>',
                                            '<mo stretchy="true">)</mo>']),
    (r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", True, ["<mtable>", "</mtr><mtr>"]),
    (r"\sqrt[3]{x}", False, ["<mroot><mrow><mi>x</mi></mrow><mrow><mn>3</mn></mrow></mroot>"]),
])
def test_tex_to_mathml(tex, display, parts):
    out = tex_to_mathml(tex, display)
    assert out.startswith("<math") and out.endswith("</math>")
    for part in parts:
        assert part in out, (part, out)


@pytest.mark.parametrize("tex", [r"\unknowncommand", r"\frac{1}", r"x^", r"{a", r"a}",
                                 r"\begin{tikzpicture}\end{tikzpicture}", r"x_1_2"])
def test_tex_outside_the_subset_is_refused(tex):
    with pytest.raises(UnsupportedTeX):
        tex_to_mathml(tex)


def test_grader_notes_are_listed(tmp_path):
    result = toy_result()
    result.notebooks[0].warnings = ["still raising NotImplementedError: square"]
    [path] = write_feedback(result, {NOTEBOOK: graded_notebook()}, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert "Notes from the grader" in page
    assert "<li>still raising NotImplementedError: square</li>" in page
