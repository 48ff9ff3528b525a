"""seeds/002's documented outputs are reproduced inside the executed two-layer-net notebook.

The notebook is executed once, with its reference solutions in place, and the traces are read
from the cell outputs, every printed digit as in the shared material (documented_outputs.md,
"seeds/002"):

* the notebook's own ``forward_propagation``, ``compute_cost``, ``back_propagation`` and
  ``gradient_descent``, in a loop from the article's initial parameters
  (``published_runs.seed002_initial_parameters()``: its uniform ``np.random.rand`` draw, while
  the notebook's ``init_parameters`` draws zero-mean ``randn`` weights), give the corrected
  trace;
* the published trace, printed from ``course_lib.published_runs.seed002_trace(published=True)``;
* the notebook's functions at learning rate 0.5 * 3/400 give the published trace too (the
  article's global ``m = 400`` is a hidden learning-rate change, as the notebook explains).

(Named ``..._notebook`` because tests/course_lib/test_two_layer_net.py already owns the
module name ``test_two_layer_net``.)
"""

from __future__ import annotations

import re

import pytest
from nbclient import NotebookClient
from nbgrader_course import NOTEBOOKS, source_notebooks

ASSIGNMENT = "02_two_layer_net"

# documented_outputs.md, seeds/002: the cost every 1000 steps of model(X, Y, 4, 10000)
CORRECTED = ("0.693230 0.000529 0.000259 0.000172 0.000128 "
             "0.000102 0.000085 0.000073 0.000064 0.000056")
PUBLISHED = ("0.693230 0.642704 0.451822 0.128380 0.055486 "
             "0.033372 0.023442 0.017932 0.014464 0.012093")


@pytest.fixture(scope="module")
def stdout() -> str:
    """Everything the executed source notebook printed, cell after cell."""
    nb = source_notebooks(ASSIGNMENT)["two_layer_net"]
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS / ASSIGNMENT)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors, f"{errors[0]['ename']}: {errors[0]['evalue']}"
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs if o.output_type == "stream" and o.name == "stdout")


def _trace(text: str, label: str) -> str:
    """The numbers printed after ``label`` on its line (exactly as printed)."""
    found = re.findall(rf"^{re.escape(label)}\s+([0-9. ]+)$", text, re.M)
    assert found, f"the notebook never printed a line starting {label!r}"
    return found[-1].strip()


def test_the_notebooks_functions_give_the_corrected_trace(stdout):
    assert _trace(stdout, "your trace:") == CORRECTED


def test_every_logged_cost_of_the_documented_run(stdout):
    logged = re.findall(r"^Cost after iteration (\d+): ([0-9.]+)$", stdout, re.M)
    run = [cost for step, cost in logged if int(step) % 1000 == 0][-10:]
    assert [int(step) for step, _ in logged[-10:]] == list(range(0, 10000, 1000))
    assert " ".join(run) == CORRECTED


def test_course_lib_gives_both_documented_traces_in_the_notebook(stdout):
    assert _trace(stdout, "corrected trace:") == CORRECTED
    assert _trace(stdout, "published trace:") == PUBLISHED


def test_global_m_is_the_same_as_a_smaller_learning_rate(stdout):
    assert _trace(stdout, "yours, rate 0.5*3/400:") == PUBLISHED


def test_the_documented_run_trains_the_articles_start_with_the_notebooks_functions():
    """The trace comes from an explicit loop over the student's four functions, from the
    article's uniform initial weights; the student's own init_parameters draws randn."""
    nb = source_notebooks(ASSIGNMENT)["two_layer_net"]
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    run = next(src for src in code if 'print("your trace:"' in src)
    assert "published_runs.seed002_initial_parameters()" in run
    for name in ("forward_propagation(", "compute_cost(", "back_propagation(",
                 "gradient_descent("):
        assert name in run, f"the documented run does not call {name}...)"
    assert "model(" not in run and "init_parameters(" not in run.replace(
        "seed002_initial_parameters(", "")
    init = next(src for src in code if src.startswith("def init_parameters("))
    assert "np.random.randn(" in init and "np.random.rand(" not in init
