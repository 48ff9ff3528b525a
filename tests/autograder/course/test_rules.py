"""autograder.course.rules agrees with nbgrader 0.9's own functions on the same cells."""

from __future__ import annotations

import copy

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader import utils
from nbgrader.preprocessors import IgnorePattern, LimitOutput
from traitlets.config import Config

from autograder import nbgrader_config
from autograder.course import rules


def _grade_cell(outputs, points=2, **meta):
    nbgrader = {"grade": True, "grade_id": "t", "points": points, "solution": False,
                "locked": True, "schema_version": 3, **meta}
    return new_code_cell("assert f() == 1", metadata={"nbgrader": nbgrader}, outputs=outputs)


def _stream(name, text):
    return new_output("stream", name=name, text=text)


def _result(text):
    return new_output("execute_result", data={"text/plain": text}, execution_count=1)


CELLS = [
    _grade_cell([]),
    _grade_cell([_stream("stdout", "fine\n")]),
    _grade_cell([_stream("stderr", "UserWarning: x\n")]),
    _grade_cell([_stream("stdout", "a"), new_output("error", ename="E", evalue="v",
                                                    traceback=[])]),
    _grade_cell([_result("1.5")]),
    _grade_cell([_result("0")]),
    _grade_cell([_result("-1")]),
    _grade_cell([_result("'text'")]),
    _grade_cell([_result(["0.5", "1"])]),
    _grade_cell([_result("0.25"), _stream("stderr", "late\n")]),
    _grade_cell([], points="3"),
    _grade_cell([], solution=True),
    new_code_cell("x = 1", metadata={"nbgrader": {"grade": False, "grade_id": "s",
                                                  "solution": True, "locked": False,
                                                  "schema_version": 3}}),
    new_markdown_cell("read me", metadata={"nbgrader": {"grade": False, "grade_id": "m",
                                                        "solution": False, "locked": True,
                                                        "schema_version": 3}}),
    new_code_cell("plain"),
]


@pytest.mark.parametrize("index", range(len(CELLS)))
def test_cell_predicates_checksums_and_grades_agree(index):
    cell = CELLS[index]
    for ours, theirs in ((rules.is_grade, utils.is_grade), (rules.is_solution, utils.is_solution),
                         (rules.is_locked, utils.is_locked)):
        assert ours(cell) == theirs(cell)
    if "nbgrader" in cell.metadata:
        assert rules.compute_checksum(cell) == utils.compute_checksum(cell)
        solved = copy.deepcopy(cell)
        solved.metadata.nbgrader["checksum"] = utils.compute_checksum(cell)
        for variant in (cell, solved):
            if utils.is_grade(variant):
                assert rules.determine_grade(variant) == utils.determine_grade(variant)
            else:
                with pytest.raises(ValueError):
                    rules.determine_grade(variant)


def test_too_much_partial_credit_is_refused_like_nbgrader():
    cell = _grade_cell([_result("5")])
    with pytest.raises(ValueError):
        utils.determine_grade(cell)
    with pytest.raises(ValueError):
        rules.determine_grade(cell)


def test_output_policy_agrees_with_the_preprocessors():
    long_stream = "\n".join(f"line {i}" for i in range(500))
    cells = [new_code_cell("x", outputs=[
        _stream("stderr", "f.py:1: RuntimeWarning: overflow encountered in exp\n"),
        _stream("stderr", "DeprecationWarning: old\n"),
        _stream("stdout", long_stream), _stream("stdout", "more\n"),
        new_output("error", ename="E", evalue="v", traceback=[f"tb {i}" for i in range(300)]),
    ])]
    ours, theirs = new_notebook(cells=copy.deepcopy(cells)), new_notebook(cells=cells)
    rules.apply_output_policy(ours)
    config = nbgrader_config.apply(Config())
    resources: dict = {}
    theirs, resources = IgnorePattern(config=config).preprocess(theirs, resources)
    theirs, resources = LimitOutput(config=config).preprocess(theirs, resources)
    assert ours == theirs
    texts = [o.get("text", "") for o in ours.cells[0].outputs]
    assert not any("RuntimeWarning" in t for t in texts) and "DeprecationWarning: old\n" in texts
    assert texts[1].endswith("... Output truncated ...")   # 200 lines kept, then cut


REGION_SOURCES = [
    "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\nx = 2",
    "a = 1\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION\n### BEGIN SOLUTION\nc\n### END SOLUTION",
    "a = 1\n### END SOLUTION\nb = 2",                       # a stray end line
    "\tif x:\n\t\t### BEGIN SOLUTION\n\t\tpass\n\t\t### END SOLUTION",
    "no region at all\n",
]


@pytest.mark.parametrize("source", REGION_SOURCES)
def test_regions_are_replaced_as_nbgrader_clears_solutions(source):
    from nbgrader.preprocessors import ClearSolutions

    cell = new_code_cell(source)
    clear = ClearSolutions(config=nbgrader_config.apply(Config()))
    found = clear._replace_solution_region(cell, "python")
    stub = clear.code_stub["python"].split("\n")
    assert rules.replace_regions(source, "BEGIN SOLUTION", "END SOLUTION", stub) == (
        cell.source, found)


@pytest.mark.parametrize("source", ["### BEGIN SOLUTION\nx\n### BEGIN SOLUTION\ny",
                                    "x\n### BEGIN SOLUTION\ny"])
def test_a_nested_or_unclosed_region_is_an_error_in_a_source_but_hidden_on_a_page(source):
    with pytest.raises(ValueError):
        rules.replace_regions(source, "BEGIN SOLUTION", "END SOLUTION", ["stub"])
    shown, found = rules.replace_regions(source, "BEGIN SOLUTION", "END SOLUTION", ["stub"],
                                         strict=False)
    assert found and "y" not in shown.split("\n") and shown.endswith("stub")
