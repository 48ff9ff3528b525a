"""A student who changes what a function returns (one value instead of two, two in the other
order, one too many) is told so by the tests of that function, which lose their points and
no others: each test unpacks the returned values with ``checks.check_returns``, which says
what came back and the order the values come in. Without it the tests' own lines failed
with "too many values to unpack", "string indices must be integers" (a dict ``grads``
unpacked into its two keys) or "invalid index to scalar variable" (a cost indexed as
``grads``). A layer's method that returns a tuple where one array is expected is named by
``checks.returned_array``."""

from __future__ import annotations

import pytest
from live_notebook import LiveNotebook

PROPAGATE_TESTS = {"test_propagate": 2.0, "test_propagate_hidden": 2.0,
                   "test_propagate_gradcheck": 1.0}
CASES = [
    ("return grads", "propagate returned a dict, but it should return 2 values, as in: "
                     "return grads, cost"),
    ("return cost, grads", "grads, value 1 of the 2 that propagate returned, is a numpy scalar "
                           "(float64) but expected a dict (they come in this order: return "
                           "grads, cost)"),
    ("return grads, cost, dw", "propagate returned 3 values, but it should return 2"),
]


@pytest.fixture(scope="module")
def logistic_unit():
    live = LiveNotebook("01_logistic_unit", "logistic_unit")
    yield live
    live.close()


@pytest.mark.parametrize(("line", "said"), CASES, ids=[c[0] for c in CASES])
def test_a_changed_return_line_is_named_by_its_tests(logistic_unit, line, said):
    solution = logistic_unit.solutions["propagate"]
    fixed = "    return grads, float(np.squeeze(cost))"
    assert fixed in solution
    graded = logistic_unit.grade_with("propagate", solution.replace(fixed, f"    {line}"))
    assert graded.lost() == PROPAGATE_TESTS
    for test in PROPAGATE_TESTS:
        shown = "".join(str(o.get("evalue", "")) + o.get("text", "")
                        for o in graded.outputs[test])
        assert said in shown, (test, shown)


def test_a_layer_returning_its_cache_too_is_told_so():
    """05's Dense.forward returns its output alone; ``return self.A, cache`` (the habit of 03's
    functions) was stacked by the test's own ``np.array`` into an array of shape (2, 3, 4):
    "A of tanh layer has shape (2, 3, 4) but expected (3, 4)"."""
    live = LiveNotebook("05_layers", "layers")
    try:
        solution = live.solutions["Dense"]
        assert solution.count("return self.A\n") == 1
        graded = live.grade_with("Dense", solution.replace(
            "return self.A\n", "return self.A, (self.A.copy(), self.A.copy())\n"))
        assert graded.lost() == {"test_Dense": 2.0, "test_Dense_hidden": 3.0}
        shown = "".join(str(o.get("evalue", "")) for o in graded.outputs["test_Dense"])
        assert ("Dense.forward returned a tuple of 2 values, but it should return one numpy "
                "array") in shown, shown
    finally:
        live.close()
