"""autograder.grade.trusted.runner: a test cell is read and compiled once a grading process."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from autograder.course.reference import cached_reference
from autograder.course.rules import is_test
from autograder.grade.trusted.runner import CompiledTest, TrustedTests, _parse, _read
from course_lib.mistakes import catalogue

NOTEBOOKS = Path(__file__).resolve().parents[4] / "notebooks"


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


def _cell(source: str, **nbgrader) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": nbgrader} if nbgrader else {})


def _tests_of(*cells) -> TrustedTests:
    return TrustedTests(SimpleNamespace(notebook=nbformat.v4.new_notebook(cells=list(cells))))


IMPORTS = ("import numpy as np\nimport matplotlib.pyplot as plt\nimport os.path\n"
           "from course_lib import checks, datasets, plotting\nfrom math import *")


def test_the_grader_imports_only_the_names_its_tests_read():
    tests = _tests_of(
        _cell(IMPORTS),
        _cell("def f(x):\n    return x", solution=True, grade=False, grade_id="f"),
        _cell("assert checks is not None\nassert os.path.sep\nassert np.pi > 3",
              grade=True, solution=False, grade_id="test_f", points=1))
    kept = [ast.unparse(node) for node in tests._imports]
    assert kept == ["import numpy as np", "import os.path", "from course_lib import checks",
                    "from math import *"]   # a star import binds names no one can list
    assert set(tests.prelude()) >= {"np", "os", "checks", "pi"}
    assert not {"plt", "datasets", "plotting"} & set(tests.prelude())


def test_names_the_solutions_read_are_imported_for_their_mistakes():
    """explain_mistakes runs a catalogued mistake, a variant of the solution cell, in the
    test's namespace: what the solution reads must be there."""
    tests = _tests_of(
        _cell("import numpy as np\nfrom math import exp, log"),
        _cell("def f(x):\n    return exp(x)", solution=True, grade=False, grade_id="f"),
        _cell("assert f(0) == 1", grade=True, solution=False, grade_id="test_f", points=1))
    assert [ast.unparse(node) for node in tests._imports] == ["from math import exp"]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_every_name_a_catalogued_mistake_reads_is_in_the_graders_namespace(path):
    ref = cached_reference(path, path.parent.name)
    tests = TrustedTests(ref)
    imported = {(alias.asname or alias.name).split(".")[0]
                for c in ref.notebook.cells if c.cell_type == "code" and not is_test(c)
                for node in ast.walk(_parse(c.source))
                if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    mistakes = [m for m in catalogue(path.parent.name) if m.cell in tests.graded]
    assert mistakes
    for mistake in mistakes:
        needed = _read(_parse(mistake.source)) & (imported - tests.graded)
        assert needed <= set(tests.prelude()), (mistake.name, needed - set(tests.prelude()))


def test_a_test_that_cannot_be_read_keeps_every_import():
    tests = _tests_of(_cell("import numpy as np\nimport math"),
                      _cell("def (", grade=True, solution=False, grade_id="test_x", points=1))
    assert [ast.unparse(node) for node in tests._imports] == ["import numpy as np",
                                                              "import math"]
