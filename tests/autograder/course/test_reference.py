"""The grading view of a source notebook is nbgrader's own, cell for cell (without nbgrader)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ClearSolutions,
    ComputeChecksums,
    LockCells,
)
from traitlets.config import Config

from autograder import nbgrader_config
from autograder.course.reference import build_reference
from autograder.course.source import DEFAULT_SOURCE, CourseError

COURSE_NOTEBOOKS = sorted(DEFAULT_SOURCE.glob("*/*.ipynb"))


def _nbgrader(path: Path):
    """generate_assignment's two views: what it stores (db) and what it releases."""
    config = nbgrader_config.apply(Config())
    nb = nbformat.read(path, as_version=4)
    resources: dict = {}
    for pp in (LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums):
        nb, resources = pp(config=config).preprocess(nb, resources)
    db = nbformat.from_dict(nb)
    for pp in (ClearHiddenTests, ClearMarkScheme, ComputeChecksums):
        nb, resources = pp(config=config).preprocess(nb, resources)
    return db, nb


def _same(ours, theirs) -> None:
    assert len(ours.cells) == len(theirs.cells)
    for a, b in zip(ours.cells, theirs.cells, strict=True):
        assert (a.cell_type, a.source, a.metadata) == (b.cell_type, b.source, b.metadata)
        assert a.get("outputs") == b.get("outputs")
    assert ours.metadata == theirs.metadata


def _check(path: Path, assignment: str) -> None:
    ref = build_reference(path, assignment)
    db, released = _nbgrader(path)
    _same(ref.notebook, db)
    _same(ref.release(), released)


def test_the_test_course_matches_nbgrader(course_source):
    for path in sorted(course_source.glob("*/*.ipynb")):
        _check(path, path.parent.name)
    ref = build_reference(course_source / "01_adder" / "adder.ipynb", "01_adder")
    assert [(g.grade_id, g.points, g.hidden) for g in ref.grade_cells] == [
        ("test_add", 1, False), ("test_add_hidden", 2, True), ("test_mul", 1, False),
        ("test_mul_hidden", 1, True)]
    assert "BEGIN HIDDEN TESTS" not in ref.release_sources()["test_add_hidden"]


@pytest.mark.parametrize("path", COURSE_NOTEBOOKS, ids=[p.stem for p in COURSE_NOTEBOOKS])
def test_every_course_notebook_matches_nbgrader(path):
    _check(path, path.parent.name)


@pytest.mark.parametrize("source, words", [
    ("### BEGIN SOLUTION\nx = 1", "without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
])
def test_malformed_sources_are_refused(tmp_path, source, words):
    cell = new_code_cell(source, metadata={"nbgrader": {
        "grade": False, "grade_id": "f", "locked": False, "solution": True,
        "schema_version": 3}})
    path = tmp_path / "bad.ipynb"
    nbformat.write(new_notebook(cells=[cell]), path)
    with pytest.raises(CourseError, match=words):
        build_reference(path, "00_bad")
