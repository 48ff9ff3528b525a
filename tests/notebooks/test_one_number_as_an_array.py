"""A number the article computes as a scalar (``db``, a cost) may come out of a student's code
as a (1, 1) array (``np.dot``, ``keepdims=True``): the solution cells' own last lines take it
as the one number it is, so it costs nothing. numpy 2 refuses ``float()`` of such an array, and
those lines used to raise before any test could look. An array of several numbers there is
still refused, by a message that says so."""

from __future__ import annotations

import pytest
from live_notebook import LiveNotebook

CASES = [
    ("01_logistic_unit", "logistic_unit", "propagate",
     "db = np.sum(dZ) / m", "db = np.sum(dZ, axis=1, keepdims=True) / m",
     "db = dZ / m", "db must be one number, got an array of shape (1, "),
    ("02_two_layer_net", "two_layer_net", "compute_cost",
     "cost = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m",
     "cost = -(np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T)) / m",
     "cost = -(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m",
     "the cost must be one number, got shape (1, "),
]


@pytest.mark.parametrize(("assignment", "notebook", "cell", "article", "as_array", "several",
                          "said"), CASES, ids=[c[2] for c in CASES])
def test_a_one_by_one_array_is_the_number_it_holds(assignment, notebook, cell, article,
                                                    as_array, several, said):
    live = LiveNotebook(assignment, notebook)
    try:
        solution = live.solutions[cell]
        assert article in solution
        assert live.grade_with(cell, solution.replace(article, as_array)).lost() == {}
        wrong = live.grade_with(cell, solution.replace(article, several))
        assert wrong.lost()
        shown = "".join(str(o.get("evalue", "")) + o.get("text", "")
                        for outputs in wrong.outputs.values() for o in outputs)
        assert said in shown
    finally:
        live.close()
