"""The nbgrader gradebook written by a grading run: nbgrader's own API reads the scores."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbgrader.api import Gradebook, MissingEntry

from autograder.course.source import load_course
from autograder.records.gradebook import db_url, write_gradebook
from autograder.records.ledger import Ledger


def _score(db: Path, assignment: str, student: str) -> float:
    with Gradebook(db_url(db)) as gb:
        return gb.find_submission(assignment, student).score


def test_nbgrader_reads_the_scores(graded_class):
    db = Path(graded_class["out"]) / "gradebook.db"
    assert _score(db, "01_adder", "alice") == 5
    assert _score(db, "02_text", "alice") == 2
    assert _score(db, "01_adder", "bob") == 2
    assert _score(db, "01_adder", "noah") == 3          # timeout: earlier tests kept
    assert _score(db, "01_adder", "dan") == 0           # invalid notebook
    assert _score(db, "01_adder", "José Álvarez") == 5
    with Gradebook(db_url(db)) as gb:
        assert gb.find_assignment("01_adder").max_score == 5
        bob = gb.find_submission_notebook("adder", "01_adder", "bob")
        grades = {g.name: (g.auto_score, g.needs_manual_grade) for g in bob.grades}
        assert grades["test_add_hidden"] == (0, False) and grades["test_mul"] == (1, False)
        assert gb.find_submission_notebook("adder", "01_adder", "kate").flagged
        with pytest.raises(MissingEntry):
            gb.find_assignment("99_unknown")


def test_rewriting_is_idempotent(graded_class, course_source, tmp_path):
    results = Ledger(Path(graded_class["out"]) / "ledger.jsonl").sorted_results()
    db = tmp_path / "gradebook.db"
    course = load_course(course_source)
    assert write_gradebook(db, course, results) == len(results) - 3   # 3 unknown rows
    assert write_gradebook(db, course, results, only=set()) == 0     # all known already
    assert write_gradebook(db, course, results, only={("bob", "01_adder")}) == 1
    assert _score(db, "01_adder", "bob") == 2
    with Gradebook(db_url(db)) as gb:
        assert len(gb.find_assignment("01_adder").submissions) == len(
            [r for r in results if r.assignment == "01_adder"])
