"""autograder.rules agrees with nbgrader 0.9's own functions on the same cells."""

from __future__ import annotations

import copy

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader import utils
from nbgrader.preprocessors import IgnorePattern, LimitOutput
from traitlets.config import Config

from autograder import nbgrader_config, rules


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
