"""autograder.grade.trusted.runner: a test cell is read and compiled once a grading process."""

from __future__ import annotations

from types import SimpleNamespace

import nbformat

from autograder.grade.trusted.runner import CompiledTest, TrustedTests


def test_a_test_cell_is_compiled_with_the_names_it_takes_from_outside():
    test = CompiledTest.of("got = sigmoid(z)\nassert np.allclose(got, expected)")
    assert test.code is not None
    assert test.free == {"sigmoid", "z", "np", "expected"}   # not `got`: the cell defines it
    namespace = {"sigmoid": lambda v: v, "z": 1, "expected": 1,
                 "np": SimpleNamespace(allclose=lambda a, b: a == b)}
    exec(test.code, namespace)   # noqa: S102 - runs
    assert namespace["got"] == 1


def test_ipython_syntax_is_read_as_the_kernel_would():
    assert CompiledTest.of("%time x = 1\ny = x").code is not None


def test_a_cell_that_is_not_a_program_has_no_code():
    assert CompiledTest.of("def (").code is None        # not Python
    assert CompiledTest.of("return 1").code is None     # parses, does not compile


def test_each_test_cell_is_compiled_once_for_every_notebook_graded():
    cell = nbformat.v4.new_code_cell("assert 1 + 1 == 2", metadata={"nbgrader": {
        "grade": True, "grade_id": "test_two", "points": 1, "solution": False}})
    tests = TrustedTests(SimpleNamespace(notebook=nbformat.v4.new_notebook(cells=[cell])))
    first = tests.compiled("test_two")
    assert first.code is not None and tests.compiled("test_two") is first
