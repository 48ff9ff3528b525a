"""What the student's code prints while a test runs in the grader is shown in that test's
output, as it is in Jupyter (the print happens in the kernel; the grader shows the text)."""

from __future__ import annotations

import pytest
from live_notebook import LiveNotebook

PRINTING_SIGMOID = '''def sigmoid(z):
    print("sigmoid was called with", np.shape(z))
    return 1 / (1 + np.exp(-z))
'''


@pytest.fixture(scope="module")
def live():
    notebook = LiveNotebook("01_logistic_unit", "logistic_unit")
    yield notebook
    notebook.close()


def _text(outputs) -> str:
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def test_a_print_inside_the_students_function_reaches_the_test_output(live):
    graded = live.grade_with("sigmoid", PRINTING_SIGMOID)
    assert not graded.lost()                     # printing costs nothing
    shown = _text(graded.outputs["test_sigmoid"])
    assert "sigmoid was called with" in shown, shown
    assert shown.index("sigmoid was called with") < shown.index("sigmoid: visible test passed")


def test_without_prints_the_output_is_the_tests_own(live):
    graded = live.grade_with("sigmoid", PRINTING_SIGMOID.replace("    print(", "    (", 1))
    assert "was called with" not in _text(graded.outputs["test_sigmoid"])
