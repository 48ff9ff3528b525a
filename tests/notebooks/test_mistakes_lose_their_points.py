"""Every catalogued mistake, injected into a complete submission, loses points of the function
it breaks and of no other (grading is isolated per function), and its hidden tests catch it."""

from __future__ import annotations

import pytest
from nbgrader_course import fill_solutions, replace_cell, source_notebooks

from course_lib.mistakes import catalogue

MISTAKES = catalogue()


def _stem_with_cell(sources, cell_id):
    for stem, nb in sources.items():
        if any(c.metadata.get("nbgrader", {}).get("grade_id") == cell_id for c in nb.cells):
            return stem
    raise AssertionError(f"no notebook has a cell {cell_id!r}")


@pytest.mark.parametrize("mistake", MISTAKES, ids=[f"{m.assignment}:{m.cell}:{m.name}"
                                                   for m in MISTAKES])
def test_mistake_loses_exactly_its_points(course, mistake):
    released = course.release(mistake.assignment)
    sources = source_notebooks(mistake.assignment)
    submission = {stem: fill_solutions(nb, sources[stem]) for stem, nb in released.items()}
    stem = _stem_with_cell(sources, mistake.cell)
    submission[stem] = replace_cell(submission[stem], mistake.cell, mistake.source)
    result = course.grade(mistake.assignment, f"m-{mistake.cell}-{mistake.name}", submission)
    own = {g for g in result.max_scores if g in mistake.test_cells()}
    assert own, f"no test cell grades {mistake.cell}"
    lost = result.lost()
    assert set(lost) <= own, f"{mistake.name} also costs points elsewhere: {lost}"
    assert lost, f"{mistake.name} loses no points: the tests of {mistake.cell} miss it"
    hidden = f"test_{mistake.cell}_hidden"
    if hidden in own:  # the hidden tests are the thorough ones: they catch every known mistake
        assert lost.get(hidden) == result.max_scores[hidden], (
            f"{mistake.name} keeps points of {hidden}: {lost}")
