"""The pages' templates: both pages escape what comes from a submission, share one stylesheet,
and ship with the package."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest
from markupsafe import Markup
from test_class_report import submission
from toy_course import ASSIGNMENT, NOTEBOOK, graded_notebook, toy_result

import autograder.report
from autograder.records.results import NotebookResult, Status, SubmissionResult
from autograder.report.class_report import STATUS_COLOURS, write_report
from autograder.report.feedback_page import write_feedback
from autograder.report.safe_html import TEMPLATES, page_templates

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"
SHIPPED = ("page.html.j2", "pages.css", "feedback_page.html.j2", "feedback_notebook.html.j2",
           "class_report.html.j2")

#: A student id no folder refuses (no slash), that would run if it were not escaped.
HOSTILE_ID = "<img src=x onerror=alert(1)> & co"
HOSTILE_ID_SHOWN = "&lt;img src=x onerror=alert(1)&gt; &amp; co"
HOSTILE_MSG = "<script>alert(2)</script> & <b>more</b>"
HOSTILE_MSG_SHOWN = "&lt;script&gt;alert(2)&lt;/script&gt; &amp; &lt;b&gt;more&lt;/b&gt;"


def style_of(page: str) -> str:
    [css] = re.findall(r"<style>(.*?)</style>", page, re.S)
    return css


def assert_escaped_once(page: str) -> None:
    assert "<img src=x" not in page and "<script>" not in page and "<b>more" not in page
    assert "&amp;lt;" not in page and "&amp;amp;" not in page   # not escaped twice either


@pytest.fixture(scope="module")
def feedback_pages(tmp_path_factory) -> dict[str, str]:
    """Pages of a hostile student id and message: graded (message in the header) and broken
    (message in the box saying what happened)."""
    out = tmp_path_factory.mktemp("feedback")
    graded = toy_result(student=HOSTILE_ID, flags=["tampered"])
    graded.notebooks[0].message = HOSTILE_MSG
    graded.notebooks[0].warnings = [HOSTILE_MSG]
    [graded_page] = write_feedback(graded, {NOTEBOOK: graded_notebook()}, out)
    broken = SubmissionResult(HOSTILE_ID, "02_b", Status.TIMEOUT, message=HOSTILE_MSG,
                              max_score=4, notebooks=[NotebookResult(
                                  NOTEBOOK, status=Status.TIMEOUT, message=HOSTILE_MSG)])
    [broken_page] = write_feedback(broken, {}, out)
    return {name: path.read_text(encoding="utf-8")
            for name, path in (("graded", graded_page), ("broken", broken_page))}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report")
    results = [submission(HOSTILE_ID, "01_a", set(), status=Status.TIMEOUT,
                          flags=["tampered"], message=HOSTILE_MSG, seconds=3.0),
               submission(HOSTILE_ID, "02_b", {"t2"}), submission("ada", "01_a", {"t1"})]
    results[1].notebooks[0].cells[0].message = HOSTILE_MSG   # a common failure
    return write_report(results, out).read_text(encoding="utf-8")


@pytest.mark.parametrize("kind, messages", [("graded", 2), ("broken", 1)])
def test_the_feedback_page_escapes_the_student_id_and_messages(feedback_pages, kind, messages):
    page = feedback_pages[kind]
    assert_escaped_once(page)
    assert page.count(HOSTILE_ID_SHOWN) == 2              # the title, the header
    # graded: the header's message and the grader's note; broken: the box saying what happened
    assert page.count(HOSTILE_MSG_SHOWN) == messages


def test_the_class_report_escapes_the_student_id_and_messages(report):
    assert_escaped_once(report)
    # flagged, not graded normally, grades, slowest (twice)
    assert report.count(HOSTILE_ID_SHOWN) == 5
    # why it was flagged, why it was not graded normally, the common failures
    assert report.count(HOSTILE_MSG_SHOWN) == 3


def test_the_pages_own_markup_is_not_escaped(feedback_pages, report):
    broken = feedback_pages["broken"]
    assert "a <code>while</code> loop" in broken and "&lt;code&gt;" not in broken
    assert "<em>Kernel &rarr; Restart Kernel" in broken
    assert '<section class="graded fail" id="cell-test_double">' in feedback_pages["graded"]
    assert '<span class="flag">tampered</span>' in report and "&#9873;" in report


def test_both_pages_inline_the_one_stylesheet(feedback_pages, report):
    css = (TEMPLATES / "pages.css").read_text(encoding="utf-8").strip()
    assert ".callout.problem" in css and ".box.alert" in css   # the rules of both pages
    for page in (*feedback_pages.values(), report):
        assert style_of(page).strip().startswith(css)
        assert "<link" not in page
    # after it, the report's one rule of its own: its bars in a status's colour
    graded = STATUS_COLOURS[Status.GRADED]
    assert style_of(report).strip()[len(css):].strip() == (
        f".bar, .bar-key {{ background: {graded}; }}")
    assert ".highlight .k " in style_of(feedback_pages["graded"])   # pygments' colours after
    assert '<body class="feedback-page">' in feedback_pages["graded"]
    assert '<body class="class-report">' in report


def test_the_templates_ship_with_the_package():
    tomllib = pytest.importorskip("tomllib")   # Python 3.11+
    assert TEMPLATES == Path(autograder.report.__file__).resolve().parent / "templates"
    assert {p.name for p in TEMPLATES.iterdir()} >= set(SHIPPED)
    package_data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["autograder.report"]
    for path in TEMPLATES.iterdir():
        rel = path.relative_to(TEMPLATES.parent).as_posix()
        assert any(fnmatch.fnmatch(rel, pattern) for pattern in package_data), rel


def test_the_environment_autoescapes_all_but_markup():
    template = page_templates().from_string("{{ a }}|{{ b }}")
    assert template.render(a="<i>&", b=Markup("<i>")) == "&lt;i&gt;&amp;|<i>"


def test_a_missing_value_is_an_error_not_an_empty_string():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        page_templates().get_template("class_report.html.j2").render()


def test_a_page_for_an_assignment_named_with_an_ampersand(tmp_path):
    result = toy_result(student="eve")
    result.assignment = "R&D"
    [path] = write_feedback(result, {NOTEBOOK: graded_notebook()}, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert f"<title>Feedback: R&amp;D / {NOTEBOOK}.ipynb - eve</title>" in page
    assert ASSIGNMENT not in page
