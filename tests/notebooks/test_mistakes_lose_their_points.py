"""Every catalogued mistake, injected into a complete submission, loses points of the function
it breaks and of no other (grading is isolated per function), its hidden tests catch it, and
the feedback names it: its hint appears in the output of a test cell that lost points."""

from __future__ import annotations

import re

import pytest
from nbgrader_course import cells_by_id, fill_solutions, replace_cell, source_notebooks

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
    graded = course.autograded(mistake.assignment, f"m-{mistake.cell}-{mistake.name}", stem)
    feedback = {gid: _output_text(cell) for gid, cell in cells_by_id(graded).items()
                if gid in lost}
    assert any(_normalise(mistake.hint) in _normalise(text) for text in feedback.values()), (
        f"the feedback never names {mistake.name}: its hint is in none of the outputs of "
        f"{sorted(lost)}:\n" + "\n".join(f"--- {g}\n{t}" for g, t in feedback.items()))


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _output_text(cell) -> str:
    """Everything a graded cell showed the student: printed text and the error it raised."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
            parts.append(_ANSI.sub("", "\n".join(out.get("traceback", []))))
    return "\n".join(parts)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
