"""The demo end to end on one real assignment: release, sample class, grading, outputs.

Slow (a real release and ~7 graded notebooks, one of them cut at the time limit), so it is
the only test that runs the whole pipeline on the course's own notebooks.
"""

from __future__ import annotations

import csv
import re

import pytest
from leaks import hidden_only_lines, page_lines

from autograder.course.source import DEFAULT_SOURCE, load_course
from autograder.demo import workflow as demo


def test_demo_grades_the_sample_class_as_expected(tmp_path, capsys):
    course = load_course(DEFAULT_SOURCE)
    assignment = course.assignments[0]
    code = demo.run(tmp_path, timeout=20, jobs=2, progress=False, assignments=[assignment])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "UNEXPECTED" not in printed

    grading = tmp_path / "grading"
    with open(grading / "grades.csv", encoding="utf-8", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"ada_complete", "ben_partial", "cleo_partial", "dev_unfinished",
                         "eve_broken_file", "finn_infinite_loop", "Zoë Ångström",
                         "gus_tampered", "hal_copied"}
    assert rows["eve_broken_file"]["status"] == "invalid_notebook"
    assert rows["finn_infinite_loop"]["status"] == "timeout"
    assert rows["Zoë Ångström"]["score"] == rows["Zoë Ångström"]["max_score"]

    report = grading / "report" / "report.html"
    assert str(report) in printed and str(grading / "grades.csv") in printed
    text = report.read_text(encoding="utf-8")
    assert "Not graded normally (2)" in text
    # the two cheats: flagged in the summary, first in the report, and nobody else
    assert f"gus_tampered / {assignment}: tampered" in printed
    assert re.search(rf"hal_copied / {assignment}: copied_reference:\w+, copied_reference:\w+",
                     printed)
    assert "Flagged (2;" in printed
    assert text.index("Flagged submissions (2)") < text.index("Not graded normally")
    assert int(rows["gus_tampered"]["score"]) < int(rows["gus_tampered"]["max_score"])

    # the Canvas import: every student of the roster, the scores of grades.csv
    export = grading / "export-canvas.csv"
    assert str(export) in printed
    with open(export, encoding="utf-8", newline="") as fh:
        head, points, *students = list(csv.reader(fh))
    assert head == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment]
    assert points[0].strip() == "Points Possible" and points[-1] == rows["ada_complete"][
        "max_score"]
    roster = {r["canvas_id"]: r["student_id"] for r in csv.DictReader(
        (tmp_path / "roster.csv").read_text(encoding="utf-8").splitlines())}
    assert {roster[s[1]]: s[-1] for s in students} == {k: r["score"] for k, r in rows.items()}

    secrets = set()
    for nb in course.notebooks_of(assignment):
        secrets |= hidden_only_lines(nb.path)
    assert secrets, "the assignment has hidden tests"
    pages = sorted((grading / "feedback").rglob("*.html"))
    assert len(pages) == 9 * len(course.notebooks_of(assignment))
    for page in pages:
        leaked = secrets & page_lines(page)
        assert not leaked, f"{page} shows hidden test lines: {sorted(leaked)[:3]}"


@pytest.mark.parametrize("kind, status, score, expected_ok", [
    ("complete", "graded", 10, True), ("complete", "graded", 9, False),
    ("partial", "graded", 5, True), ("partial", "graded", 0, False),
    ("unfinished", "graded", 0, True), ("broken_file", "invalid_notebook", 0, True),
    ("infinite_loop", "timeout", 10, True), ("infinite_loop", "timeout", 3, False),
    ("infinite_loop", "graded", 10, False),
    ("tampered", "graded", 0, True), ("copied", "graded", 6, True),
])
def test_expected_outcome(kind, status, score, expected_ok):
    from autograder.demo.sample_class import Sample
    from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult

    flags = {"tampered": ["tampered"],
             "copied": ["copied_reference:f", "copied_reference:g"]}.get(kind, [])
    nb = NotebookResult("nb", cells=[CellResult("t", score, 10)])
    result = SubmissionResult("s", "a", Status(status), max_score=10, notebooks=[nb],
                              flags=flags)
    sample = Sample("s", "a", kind, "imports f, wraps g" if kind == "copied" else "")
    assert (demo.expected_outcome(sample, result) == "") is expected_ok
    if kind in ("tampered", "copied"):   # not flagged: not the expected outcome
        result.flags = []
        assert demo.expected_outcome(sample, result) != ""
    elif expected_ok:                     # an honest submission flagged: not expected either
        result.flags = ["copied_reference:f"]
        assert "should not be flagged" in demo.expected_outcome(sample, result)


def test_summary_table_aligns_non_ascii_ids():
    from autograder.demo.sample_class import Sample
    from autograder.records.results import Status, SubmissionResult

    samples = [Sample("Zoë Ångström", "01_a", "complete"), Sample("ada", "01_a", "complete")]
    results = {(s.student_id, "01_a"): SubmissionResult(s.student_id, "01_a", Status.GRADED,
                                                        max_score=0) for s in samples}
    lines = demo.summary_table(samples, results).splitlines()
    assert lines[0].startswith("student")
    assert lines[2].index("01_a") == lines[3].index("01_a") == lines[0].index("assignment")
    assert "UNEXPECTED" in lines[2]      # max_score 0: a complete one cannot have full marks
