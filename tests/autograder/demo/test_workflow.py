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
from autograder.course.term import LatePolicy, Term
from autograder.demo import workflow as demo
from autograder.demo.sample_class import DUE

#: The demo's course file as write_term makes it, for assignment "a".
DEMO_TERM = Term(due={"a": DUE}, late=LatePolicy(per_day=0.10, max_days=3, grace_minutes=10))


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
                         "gus_tampered", "hal_copied", "jo_original", "kim_renamed",
                         "ivy_late", "lin_chinese"}
    assert rows["eve_broken_file"]["status"] == "invalid_notebook"
    assert rows["finn_infinite_loop"]["status"] == "timeout"
    assert rows["Zoë Ångström"]["score"] == rows["Zoë Ångström"]["max_score"]
    ivy = rows["ivy_late"]   # complete but 1 day late: -10% (the demo's course.toml)
    assert ivy["raw_score"] == ivy["max_score"] and float(ivy["penalty"]) > 0
    assert float(ivy["score"]) == pytest.approx(0.9 * float(ivy["max_score"]), abs=1e-3)
    assert ivy["lateness"].startswith("1 day late (5.50 h): -10% of")
    assert f"ivy_late / {assignment}: {ivy['raw_score']} - {ivy['penalty']} = " in printed
    # lin: a mistake of the catalogue in the Chinese release: points lost, said in Chinese
    assert float(rows["lin_chinese"]["score"]) < float(rows["lin_chinese"]["max_score"])
    page = next(p for p in sorted((grading / "feedback").rglob("*.html"))
                if "lin_chinese" in str(p)).read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in page and "这看起来是一个已知错误" in page

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
    # the two students who handed in the same own code: full marks, and the top similar pair
    for student in ("jo_original", "kim_renamed"):
        assert rows[student]["score"] == rows[student]["max_score"]
    with open(grading / "report" / "similarity.csv", encoding="utf-8", newline="") as fh:
        similar = list(csv.DictReader(fh))
    assert (similar[0]["student_a"], similar[0]["student_b"]) == ("jo_original", "kim_renamed")
    section = text[text.index("Similar solutions"):]
    assert section.index("jo_original") < section.index("kim_renamed") < section.index(
        "</table>")

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
    assert len(pages) == len(rows) * len(course.notebooks_of(assignment))
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
    ("late", "graded", 10, True), ("late", "graded", 9, False),
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
    if kind == "late":   # handed in after the due date of the demo's course file
        from autograder.demo.sample_class import LATE_BY

        result.submitted_at = (DUE + LATE_BY).isoformat()
    assert (demo.expected_outcome(sample, result, DEMO_TERM) == "") is expected_ok
    if kind in ("tampered", "copied"):   # not flagged: not the expected outcome
        result.flags = []
        assert demo.expected_outcome(sample, result) != ""
    elif expected_ok:                     # an honest submission flagged: not expected either
        result.flags = ["copied_reference:f"]
        assert "should not be flagged" in demo.expected_outcome(sample, result, DEMO_TERM)


def test_late_without_a_penalty_is_not_the_expected_outcome():
    from autograder.demo.sample_class import Sample
    from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult

    nb = NotebookResult("nb", cells=[CellResult("t", 10, 10)])
    result = SubmissionResult("s", "a", Status.GRADED, max_score=10, notebooks=[nb])
    assert "late" in demo.expected_outcome(Sample("s", "a", "late"), result, DEMO_TERM)


def test_the_demo_writes_its_own_course_file(tmp_path):
    from autograder.course.term import load_term

    path = demo.write_term(tmp_path / "build" / "course.toml", ["01_a", "02_b"])
    term = load_term(path, ["01_a", "02_b"])
    assert term.due == {"01_a": DUE, "02_b": DUE}
    assert (term.late.per_day, term.late.max_days) == (0.10, 3)


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
