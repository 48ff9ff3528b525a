"""The class report: plots beside the page, flagged submissions first, correct counts."""

from __future__ import annotations

import html
import re

import pytest

from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult
from autograder.report.class_report import (
    RUNTIME_PNG,
    SCORES_PNG,
    STATUS_COLOURS,
    cell_pass_rates,
    common_failures,
    status_counts,
    write_report,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def submission(student, assignment, passed, *, status=Status.GRADED, flags=(), seconds=1.0,
               message=""):
    """A result with tests ``t1`` (1 point), ``t1_hidden`` (2 points), ``t2`` (1 point);
    ``passed`` names the cells that passed, the others fail with a message quoting a number."""
    spec = [("t1", 1.0, False), ("t1_hidden", 2.0, True), ("t2", 1.0, False)]
    cells = [CellResult(gid, mx if gid in passed else 0.0, mx, hidden,
                        "" if gid in passed else f"{gid}: off by {len(student)}.5")
             for gid, mx, hidden in spec]
    nb = NotebookResult(assignment[3:], status=status, cells=cells, seconds=seconds)
    return SubmissionResult(student, assignment, status, message=message, max_score=4.0,
                            notebooks=[nb], seconds=seconds, flags=list(flags))


def class_results() -> list[SubmissionResult]:
    return [
        submission("ada", "01_a", {"t1", "t1_hidden", "t2"}),
        submission("ben", "01_a", {"t1"}, flags=["copied_reference"]),
        submission("cleo", "01_a", set(), status=Status.TIMEOUT, seconds=10.3,
                   message="cell 'f' ran past 10 s"),
        submission("ada", "02_b", {"t1", "t2"}),
        submission("ben", "02_b", {"t2"}, flags=["tampered"], seconds=2.5),
        submission("<b>dan</b>", "02_b", set(), status=Status.INVALID_NOTEBOOK,
                   message="not JSON", seconds=0.01),
    ]


@pytest.fixture
def results():
    return class_results()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """(folder, page text) of the report of ``class_results()``, written once."""
    out = tmp_path_factory.mktemp("report")
    page = write_report(class_results(), out)
    assert page == out / "report.html"
    return out, page.read_text(encoding="utf-8")


def test_status_counts(results):
    counts = status_counts(results)
    assert counts["01_a"] == {Status.GRADED: 2, Status.TIMEOUT: 1}
    assert counts["02_b"] == {Status.GRADED: 2, Status.INVALID_NOTEBOOK: 1}


def test_cell_pass_rates_in_notebook_order_over_notebooks_that_ran(results):
    rates = cell_pass_rates(results)   # cleo's timeout and dan's broken file do not count
    assert rates[:3] == [("01_a", "t1", False, 2, 2), ("01_a", "t1_hidden", True, 1, 2),
                         ("01_a", "t2", False, 1, 2)]
    assert rates[3:] == [("02_b", "t1", False, 1, 2), ("02_b", "t1_hidden", True, 0, 2),
                         ("02_b", "t2", False, 2, 2)]


def test_common_failures_group_messages_that_differ_in_numbers(results):
    groups = common_failures(results)
    top = groups[0]
    # "t1_hidden: off by 3.5" (ben) and "... 3.5" (ada): one message; t1 / t2 are names
    assert top.example == "t1_hidden: off by 3.5"
    assert top.count == 3 and top.students == {"ben", "ada"}
    assert top.cells == {"01_a / t1_hidden": 1, "02_b / t1_hidden": 2}
    assert sorted((g.example, g.count) for g in groups[1:]) == [("t1: off by 3.5", 1),
                                                                ("t2: off by 3.5", 1)]


def test_report_writes_page_and_plots(report):
    out, text = report
    for name in (SCORES_PNG, RUNTIME_PNG):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    assert sorted(re.findall(r'<img src="([^"]+)"', text)) == sorted([SCORES_PNG, RUNTIME_PNG])
    assert re.findall(r"https?://", text) == [] and "<script" not in text
    assert "6 submissions from 4 students in 2 assignments" in text


def test_pass_rates_are_a_table_with_a_bar_per_test_cell(report):
    _, text = report
    section = text[text.index("<h2>Test cells</h2>"):]
    section = section[:section.index("</table>")]
    rows = re.findall(r'<tr><td><code>(\w+)</code></td>\s*<td class="track"><span '
                      r'class="bar( hidden)?" style="width:(\d+)%"></span></td>\s*'
                      r'<td>(\d+)%  \((\d+)/(\d+)\)</td></tr>', section)
    # per assignment, in notebook order; cleo's timeout and dan's broken file do not count
    assert [g for g in re.findall(r'<tr class="group"><th colspan="3">(\w+)</th>', section)
            ] == ["01_a", "02_b"]
    assert rows == [("t1", "", "100", "100", "2", "2"),
                    ("t1_hidden", " hidden", "50", "50", "1", "2"),
                    ("t2", "", "50", "50", "1", "2"),
                    ("t1", "", "50", "50", "1", "2"),
                    ("t1_hidden", " hidden", "0", "0", "0", "2"),
                    ("t2", "", "100", "100", "2", "2")]
    # visible tests' bars in the blue of a graded submission's pill, named once (class_report)
    graded = STATUS_COLOURS[Status.GRADED]
    assert f".bar, .bar-key {{ background: {graded}; }}" in text
    assert f'class="pill" style="background:{graded}"' in text


def test_flagged_submissions_come_first(report):
    _, text = report
    flagged = text.index("Flagged submissions (2)")
    assert flagged < text.index("Status of every submission") < text.index(SCORES_PNG)
    section = text[flagged:text.index("</section>", flagged)]
    assert "copied_reference" in section and "tampered" in section
    assert "ben" in section and "ada" not in section


def test_broken_submissions_are_listed_with_their_message(report):
    _, text = report
    start = text.index("Not graded normally (2)")
    section = text[start:text.index("</section>", start)]
    assert "cell 'f' ran past 10 s" in html.unescape(section) and "not JSON" in section
    assert "<b>dan</b>" not in text and "&lt;b&gt;dan&lt;/b&gt;" in section


def test_student_names_link_to_feedback_pages(results, tmp_path):
    feedback = tmp_path / "feedback"
    page_dir = feedback / "ben" / "02_b"
    page_dir.mkdir(parents=True)
    (page_dir / "b.html").write_text("<html></html>")
    out = tmp_path / "out"
    text = write_report(results, out, feedback_dir=feedback).read_text(encoding="utf-8")
    hrefs = set(re.findall(r'href="([^"]+)"', text))
    assert hrefs == {"../feedback/ben/02_b/b.html"}
    assert (out / "../feedback/ben/02_b/b.html").is_file()


def test_no_results_still_writes_a_page(tmp_path):
    text = write_report([], tmp_path).read_text(encoding="utf-8")
    assert "No submissions were graded" in text
