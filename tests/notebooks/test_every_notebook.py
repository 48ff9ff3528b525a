"""What must hold for every assignment in notebooks/: it runs, releases and grades fairly."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader_course import (
    NOTEBOOKS,
    assignments,
    cells_by_id,
    fill_solutions,
    grade_id,
    source_notebooks,
)
from printed_numbers import printed_within

ASSIGNMENTS = assignments()


def test_course_has_assignments():
    assert ASSIGNMENTS, f"no notebooks found under {NOTEBOOKS}"


def _executed(assignment: str, stem: str) -> nbformat.NotebookNode:
    """The source notebook run top to bottom (how long it takes, against the notebooks' 15 s
    budget, is bench/notebook_times.py's to say: a timed assertion here would race with
    whatever else the machine runs)."""
    nb = source_notebooks(assignment)[stem]
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS / assignment)}})
    client.execute()
    return nb


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


EXPECTED_BLOCK = re.compile(r"\*\*Expected output\*\*.*?```[a-z]*\n(.*?)```", re.S)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_is_stored_clean(assignment):
    for stem, nb in source_notebooks(assignment).items():
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs, f"{stem}: a code cell keeps outputs"
                assert cell.execution_count is None, f"{stem}: a code cell keeps a count"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_runs_top_to_bottom_and_expected_outputs_match(assignment):
    """Executes the instructor's version; every "Expected output" block shown to students
    must be what the next code cell really prints, so the markdown can never go stale
    (numbers to the digits printed: see printed_numbers)."""
    for stem in source_notebooks(assignment):
        nb = _executed(assignment, stem)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error"]
        assert not errors, f"{stem}: {errors[0]['ename']}: {errors[0]['evalue']}"
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "markdown":
                continue
            for block in EXPECTED_BLOCK.findall(cell.source):
                code = next((c for c in nb.cells[i + 1:] if c.cell_type == "code"), None)
                assert code is not None, f"{stem}: expected output with no code cell after it"
                assert printed_within(block, _stdout(code)), (
                    f"{stem}: cell {i} promises\n{block}\nbut the next code cell printed\n"
                    f"{_stdout(code)}")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solutions_or_hidden_tests(course, assignment):
    released = course.release(assignment)
    sources = source_notebooks(assignment)
    assert set(released) == set(sources)
    for stem, nb in released.items():
        text = "\n".join(c.source for c in nb.cells)
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS",
                       "END HIDDEN TESTS"):
            assert marker not in text, f"{stem}: release still contains {marker}"
        solution_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert solution_cells, f"{stem}: nothing for the student to write"
        for cell in solution_cells:
            if cell.cell_type == "code":
                assert "YOUR CODE HERE" in cell.source, f"{stem}: {grade_id(cell)} has no stub"
        # every line of solution code is gone: no source line longer than a keyword survives
        src_cells = cells_by_id(sources[stem])
        for cell in solution_cells:
            body = src_cells[grade_id(cell)].source.split("### BEGIN SOLUTION")[-1]
            body = body.split("### END SOLUTION")[0]
            for line in body.splitlines():
                if len(line.strip()) > 12:
                    assert line not in cell.source, f"{stem}: solution line leaked: {line!r}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_gets_full_marks(course, assignment):
    released = course.release(assignment)
    sources = source_notebooks(assignment)
    submission = {stem: fill_solutions(nb, sources[stem]) for stem, nb in released.items()}
    result = course.grade(assignment, "reference", submission)
    assert result.max_total > 0
    assert result.lost() == {}, f"the reference solution loses points: {result.lost()}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_gets_zero(course, assignment):
    released = course.release(assignment)
    result = course.grade(assignment, "blank", released)
    assert result.max_total > 0
    assert result.total == 0, f"an empty submission earns points: {result.scores}"
