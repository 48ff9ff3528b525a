"""Feedback pages of a Chinese notebook: in Chinese, with no English sentence of the grader's
left; pages of an English notebook as they have always been."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import nbformat
import pytest
from test_class_report import submission
from toy_course import ASSIGNMENT, NOTEBOOK, graded_notebook, toy_result

from autograder.course.term import LatePolicy, Term
from autograder.records.lateness import lateness
from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult
from autograder.report.class_report import write_report
from autograder.report.feedback_page import write_feedback
from course_lib.language import METADATA_KEY, translate, use

CJK = re.compile(r"[\u4e00-\u9fff]")
DUE = datetime(2026, 10, 5, 21, 59, tzinfo=UTC)
TERM = Term(due={ASSIGNMENT: DUE}, late=LatePolicy(per_day=0.10, max_days=3))

#: What a Chinese run's test cells say (course_lib's checks, translated by its own catalogue).
CELL_MESSAGES = ("double([[1, 2]]) 应为 [[2, 4]]，得到 [[2. 3.]]",
                 "double([[0, 1, 2]]) 返回了 x + 1：每个元素都差一个常数")
GRADER_MESSAGE = "单元格 'double' 运行超过 10 秒"

#: Classes of nbconvert's elements holding what the student wrote and their code printed.
STUDENT_AREAS = {"input_area", "output_area", "text_cell_render"}
#: English the Chinese text keeps: names of things, and JupyterLab's menus as it shows them.
KEPT_NAMES = ("Restart Kernel and Run All Cells", "JupyterLab", "Jupyter", "Python", "File",
              "Save", "Kernel", "numpy", "course_lib", "sigmoid", "ReLU", "stderr", "ipynb")
_VOID = {"br", "img", "meta", "hr", "input", "link", "wbr", "col"}


class _GraderText(HTMLParser):
    """The text of a page outside the student's own cells and outputs, the stylesheet and
    code (``<code>while</code>``, a grader's message)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        self.skipping.append(tag in ("style", "code") or bool(classes & STUDENT_AREAS)
                             or bool(self.skipping and self.skipping[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.skipping:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not (self.skipping and self.skipping[-1]):
            self.parts.append(data)


def english_left(page: str, *known: str) -> list[str]:
    """English words of the page outside the student's cells, once the ``known`` values (ids,
    file names, messages made by the test), numbers, identifiers and kept names are removed."""
    parser = _GraderText()
    parser.feed(page)
    text = " ".join(parser.parts)
    for value in sorted(known, key=len, reverse=True):
        text = text.replace(value, " ")
    for name in KEPT_NAMES:
        text = text.replace(name, " ")
    text = re.sub(r"\S*[_.:#()<>\[\]\d]\S*", " ", text)   # identifiers, code, numbers
    return re.findall(r"[A-Za-z]{2,}", text)


def chinese(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb.metadata[METADATA_KEY] = "zh-CN"
    return nb


def chinese_result(**kw) -> SubmissionResult:
    result = toy_result(**kw)
    for cell, message in zip(result.notebooks[0].cells, CELL_MESSAGES, strict=False):
        cell.message = message
    result.submitted_at = (DUE + timedelta(hours=25)).isoformat()
    return result


def stopped(nb: nbformat.NotebookNode, ename: str) -> nbformat.NotebookNode:
    """``nb`` with the cell defining ``double`` stopped by the grader (``ename``)."""
    double = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "double")
    double.outputs = [nbformat.v4.new_output("error", ename=ename, evalue=GRADER_MESSAGE,
                                             traceback=[f"{ename}: {GRADER_MESSAGE}"])]
    return nb


def page_of(result: SubmissionResult, graded: dict, out, **kw) -> str:
    [path] = write_feedback(result, graded, out, **kw)
    return path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the pages

def test_a_chinese_notebook_gets_a_chinese_page(tmp_path):
    result = chinese_result(flags=["edited_locked_cell"])
    page = page_of(result, {NOTEBOOK: chinese(graded_notebook())}, tmp_path,
                   lateness=lateness(result, TERM))
    assert '<html lang="zh-CN">' in page
    for heading in ("反馈：toy.ipynb", "评分后的笔记本", "标记", "通过的测试", "迟交扣分后的得分"):
        assert heading in page
    assert "迟交 2 天（25.00 小时）：扣除 1 分的 20%" in page
    assert page.count('class="badge fail">未通过<') == 2
    assert page.count('class="badge pass">通过<') == 1
    assert '<span class="tag">隐藏测试</span>' in page
    assert "# 隐藏测试：未通过（0/2 分） - " + CELL_MESSAGES[1] in page
    assert "1 / 4" in page and "0.8 / 4" in page
    for english in ("Your notebook, as graded", "Feedback:", "2 days late", "PASSED", "points"):
        assert english not in page


def test_an_english_notebook_keeps_its_english_page_whatever_the_language_of_the_moment(
        tmp_path):
    result, nb = toy_result(), graded_notebook()
    english = page_of(result, {NOTEBOOK: nb}, tmp_path / "en")
    with use("zh-CN"):
        again = page_of(result, {NOTEBOOK: nb}, tmp_path / "again")
    assert again == english
    assert '<html lang="en">' in english and not CJK.search(english)
    assert "Your notebook, as graded" in english and ">PASSED<" in english
    assert "# hidden tests: failed (0/2 points) - " in english


def test_a_page_without_its_notebook_is_in_the_submissions_language(tmp_path):
    result = toy_result()
    missing = NotebookResult("other", status=Status.MISSING_NOTEBOOK)
    result.notebooks.append(missing)
    paths = write_feedback(result, {NOTEBOOK: chinese(graded_notebook())}, tmp_path)
    pages = [p.read_text(encoding="utf-8") for p in paths]
    assert len(pages) == 2 and all('<html lang="zh-CN">' in p for p in pages)
    assert "提交中缺少笔记本" in pages[1] and "你该怎么做" in pages[1]


def test_the_language_given_wins(tmp_path):
    unreadable = SubmissionResult("eve", ASSIGNMENT, Status.INVALID_NOTEBOOK, message="not JSON")
    assert '<html lang="en">' in page_of(unreadable, {}, tmp_path / "en")
    page = page_of(unreadable, {}, tmp_path / "zh", language="zh-CN")
    assert '<html lang="zh-CN">' in page and "该文件不是可读取的笔记本" in page
    assert "你的提交" in page   # the page's title names the submission


def test_the_summary_table_shows_the_named_mistake_in_chinese(tmp_path):
    from course_lib.diagnosis import NAMED_MISTAKE

    label = translate(NAMED_MISTAKE, lang="zh-CN")
    assert CJK.search(label)
    named = f"{label}（missing_1_over_m），在 grads['dw'] 中：dw 大了 m 倍。"
    result = toy_result()
    result.notebooks[0].cells[0].message = f"{CELL_MESSAGES[0]}\n不在表中的一行\n{named}"
    page = page_of(result, {NOTEBOOK: chinese(graded_notebook())}, tmp_path)
    table = html.unescape(re.search(r'<table class="summary">.*?</table>', page, re.S).group(0))
    assert named in table and CELL_MESSAGES[0] in table and "不在表中的一行" not in table


def test_the_page_falls_back_on_cjk_fonts(tmp_path):
    page = page_of(toy_result(), {NOTEBOOK: chinese(graded_notebook())}, tmp_path)
    [body_rule] = re.findall(r"body \{[^}]*\}", page)
    fonts = [f.strip(' "') for f in body_rule.split("font:")[1].split(";")[0].split(",")]
    assert "Noto Sans CJK SC" in fonts and "Microsoft YaHei" in fonts
    assert fonts[-1] == "sans-serif"


def test_the_class_report_stays_english_beside_chinese_pages(tmp_path):
    page_of(chinese_result(), {NOTEBOOK: chinese(graded_notebook())}, tmp_path / "feedback")
    report = write_report([submission("ada", "01_a", {"t1"})], tmp_path / "report")
    text = report.read_text(encoding="utf-8")
    assert '<html lang="en">' in text and not CJK.search(text)


# --------------------------------------------------------------------------- no English left

def _graded(tmp_path) -> tuple[str, tuple[str, ...]]:
    result = chinese_result(flags=["tampered", "copied_reference:double", "a_new_flag"])
    result.notebooks[0].cells[2] = CellResult("test_square", 0.5, 1, False, "")
    page = page_of(result, {NOTEBOOK: chinese(graded_notebook())}, tmp_path,
                   lateness=lateness(result, TERM))
    return page, ("tampered", "copied_reference:double", "a_new_flag")


def _stopped(tmp_path, status: Status, ename: str) -> tuple[str, tuple[str, ...]]:
    result = chinese_result()
    result.status = result.notebooks[0].status = status
    result.notebooks[0].message = GRADER_MESSAGE
    return page_of(result, {NOTEBOOK: stopped(chinese(graded_notebook()), ename)}, tmp_path,
                   lateness=lateness(result, TERM)), ()


def _broken(tmp_path, status: Status) -> tuple[str, tuple[str, ...]]:
    nb = NotebookResult(NOTEBOOK, status=status, message=GRADER_MESSAGE)
    result = SubmissionResult("eve", ASSIGNMENT, status, message=GRADER_MESSAGE, max_score=4,
                              notebooks=[nb])
    return page_of(result, {}, tmp_path, language="zh-CN"), ()


PAGES = {
    "graded": _graded,
    "timeout": lambda tmp: _stopped(tmp, Status.TIMEOUT, "CellTimeoutError"),
    "kernel_died": lambda tmp: _stopped(tmp, Status.KERNEL_DIED, "DeadKernelError"),
    **{s.value: (lambda tmp, s=s: _broken(tmp, s)) for s in Status if s not in (
        Status.GRADED, Status.TIMEOUT, Status.KERNEL_DIED)},
}


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_no_english_is_left_on_a_chinese_page(tmp_path, kind):
    page, known = PAGES[kind](tmp_path)
    names = ("Zoë Ångström", "eve", ASSIGNMENT, f"{NOTEBOOK}.ipynb", NOTEBOOK, *known,
             *CELL_MESSAGES, GRADER_MESSAGE, "test_double_hidden", "test_double", "test_square")
    assert '<html lang="zh-CN">' in page
    assert english_left(page, *names) == []


def test_the_check_finds_english(tmp_path):
    """The test above can fail: the same page in English is all English words."""
    page = page_of(toy_result(), {NOTEBOOK: graded_notebook()}, tmp_path)
    left = english_left(page, "Zoë Ångström", ASSIGNMENT, NOTEBOOK)
    assert {"Your", "notebook", "hidden", "tests", "graded", "PASSED"} <= set(left)
