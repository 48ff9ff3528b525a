"""The services' plain text about a submission: the same words as the feedback page, in the
language of the moment (the services set the submitted notebook's)."""

from __future__ import annotations

from autograder.messages import in_language
from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult
from autograder.report.feedback_page import EXPLANATIONS, FLAG_EXPLANATIONS
from autograder.services.summary import cell_message, plain, submission_text
from course_lib.language import use


def _result() -> SubmissionResult:
    cells = [CellResult("test_add", 1, 1), CellResult("test_add_hidden", 0, 2, True),
             CellResult("test_mul", 0, 1, False, "mul(2, 3) should be 6")]
    nb = NotebookResult("adder", status=Status.TIMEOUT, message="cell mul was stopped",
                        cells=cells, warnings=["still raising NotImplementedError: mul"])
    return SubmissionResult("student", "01_adder", Status.TIMEOUT, max_score=4,
                            notebooks=[nb], flags=["copied_reference:add"])


def test_the_english_text_names_the_score_the_problem_and_the_flags():
    with use("en"):
        text = submission_text(_result(), hidden_points=False).splitlines()
    title, happened, todo = EXPLANATIONS[Status.TIMEOUT]
    assert text[:2] == ["Visible tests: 1 / 2 points (01_adder)", ""]
    assert text[2] == ("adder.ipynb: 1 / 2 points (1 of 2 visible tests passed; 1 hidden "
                       "test(s) not counted here)")
    assert text[3:7] == [f"adder.ipynb: {title}.", "cell mul was stopped", plain(happened),
                         f"What to do: {plain(todo)}"]
    assert "Note: still raising NotImplementedError: mul" in text
    assert text[-2:] == ["Flags:", "- copied_reference:add: "
                         + FLAG_EXPLANATIONS["copied_reference"]]


def test_the_chinese_text_says_the_same_in_chinese():
    with use("zh-CN"):
        text = submission_text(_result()).splitlines()
        passed = cell_message(CellResult("test_add", 1, 1))
    title, happened, todo = (in_language(t, "zh-CN") for t in EXPLANATIONS[Status.TIMEOUT])
    assert text[0] == "得分：1 / 4 (01_adder)"
    assert text[2] == "adder.ipynb：1 / 4 分（3 个测试中通过 1 个）"
    assert text[3:7] == [f"adder.ipynb: {title}。", "cell mul was stopped", plain(happened),
                         f"你该怎么做：{plain(todo)}"]
    assert "说明：still raising NotImplementedError: mul" in text
    assert text[-2:] == ["标记：", "- copied_reference:add: "
                         + in_language(FLAG_EXPLANATIONS["copied_reference"], "zh-CN")]
    assert passed == "通过" and title != EXPLANATIONS[Status.TIMEOUT][0]
