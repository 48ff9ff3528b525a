"""Every catalogued mistake, put into a complete submission, loses points of the function it
breaks and of no other (grading is isolated per function), its hidden tests catch it, and the
feedback names it: its hint appears in the output of a test cell that lost points.

Each assignment's notebook runs once with the reference solutions in a kernel kept alive
(:class:`live_notebook.LiveNotebook`); each mistake then replaces its solution cell and every
grade cell is run and scored again with nbgrader's rule, twice: with the tests in the grader
(as ``python -m autograder grade`` runs them), for a Chinese submission (the hint must be the
Chinese one), and inside the kernel (as plain nbgrader runs them), in English. The full
nbgrader runs of the notebooks are in ``test_every_notebook.py``.
"""

from __future__ import annotations

import re

import pytest
from live_notebook import LiveNotebook
from nbgrader_course import source_notebooks

from course_lib.language import translate, use
from course_lib.mistakes import catalogue

MISTAKES = catalogue()


def _stem_with_cell(assignment: str, cell_id: str) -> str:
    for stem, nb in source_notebooks(assignment).items():
        if any(c.metadata.get("nbgrader", {}).get("grade_id") == cell_id for c in nb.cells):
            return stem
    raise AssertionError(f"no notebook of {assignment} has a cell {cell_id!r}")


@pytest.fixture(scope="session")
def live():
    """(assignment, notebook, where) -> its LiveNotebook, started on first use; ``where``:
    "grader" or "kernel" (where the tests run)."""
    running: dict[tuple[str, str, str], LiveNotebook] = {}

    def get(assignment: str, notebook: str, where: str) -> LiveNotebook:
        if (assignment, notebook, where) not in running:
            running[assignment, notebook, where] = LiveNotebook(
                assignment, notebook, in_kernel=where == "kernel")
        return running[assignment, notebook, where]

    yield get
    for notebook in running.values():
        notebook.close()


@pytest.mark.parametrize("mistake", MISTAKES, ids=[f"{m.assignment}:{m.cell}:{m.name}"
                                                   for m in MISTAKES])
@pytest.mark.parametrize("where, lang", [("grader", "zh-CN"), ("kernel", "en")])
def test_mistake_loses_exactly_its_points(live, mistake, where, lang):
    notebook = live(mistake.assignment, _stem_with_cell(mistake.assignment, mistake.cell),
                    where)
    with use(lang):
        result = notebook.grade_with(mistake.cell, mistake.source)
    own = {g for g in result.max_scores if g in mistake.test_cells()}
    assert own, f"no test cell grades {mistake.cell}"
    lost = result.lost()
    assert set(lost) <= own, f"{mistake.name} also costs points elsewhere: {lost}"
    assert lost, f"{mistake.name} loses no points: the tests of {mistake.cell} miss it"
    hidden = f"test_{mistake.cell}_hidden"
    if hidden in own:  # the hidden tests are the thorough ones: they catch every known mistake
        assert lost.get(hidden) == result.max_scores[hidden], (
            f"{mistake.name} keeps points of {hidden}: {lost}")
    hint = translate(mistake.hint, "mistakes", lang=lang)
    assert lang == "en" or hint != mistake.hint, f"{mistake.name} has no {lang} hint"
    feedback = {gid: _output_text(result.outputs[gid]) for gid in lost}
    assert any(_normalise(hint) in _normalise(text) for text in feedback.values()), (
        f"the feedback never names {mistake.name} ({lang}): its hint is in none of the "
        f"outputs of {sorted(lost)}:\n" + "\n".join(f"--- {g}\n{t}" for g, t in feedback.items()))


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _output_text(outputs: list) -> str:
    """Everything a graded cell showed the student: printed text and the error it raised."""
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
            parts.append(_ANSI.sub("", "\n".join(out.get("traceback", []))))
    return "\n".join(parts)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
