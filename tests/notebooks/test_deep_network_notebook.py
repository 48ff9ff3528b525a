"""seeds/000's documented output is reproduced inside the executed deep-network notebook.

The notebook is executed once (its reference solutions in place) and the numbers are read
from the cell outputs, digit for digit as the article printed them
(shared material: documented_outputs.md, "seeds/000").
"""

from __future__ import annotations

import re

import pytest
from nbclient import NotebookClient
from nbgrader_course import NOTEBOOKS, cells_by_id, source_notebooks

ASSIGNMENT = "03_deep_network"

# initialize_parameters_deep([5, 4, 3]) as printed in the article (numpy's default format)
DOCUMENTED = {
    "W1": """
        0.01788628  0.0043651   0.00096497 -0.01863493 -0.00277388
       -0.00354759 -0.00082741 -0.00627001 -0.00043818 -0.00477218
       -0.01313865  0.00884622  0.00881318  0.01709573  0.00050034
       -0.00404677 -0.0054536  -0.01546477  0.00982367 -0.01101068""",
    "b1": "0. 0. 0. 0.",
    "W2": """
       -0.01185047 -0.0020565   0.01486148  0.00236716
       -0.01023785 -0.00712993  0.00625245 -0.00160513
       -0.00768836 -0.00230031  0.00745056  0.01976111""",
    "b2": "0. 0. 0.",
}


@pytest.fixture(scope="module")
def executed():
    nb = source_notebooks(ASSIGNMENT)["deep_network"]
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS / ASSIGNMENT)}}).execute()
    return nb


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def _printed_arrays(text: str) -> dict[str, list[str]]:
    """``name = [[...]]`` blocks of a cell's stdout -> the number tokens as printed."""
    blocks = re.findall(r"^(\w+) = (\[\[.*?\]\])", text, re.S | re.M)
    return {name: re.findall(r"-?\d+\.\d*(?:e[-+]\d+)?", body) for name, body in blocks}


def test_documented_initializer_output_is_printed_digit_for_digit(executed):
    cell = cells_by_id(executed)["test_initialize_parameters_deep"]
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert not errors, f"the test cell failed: {errors[0]['evalue']}"
    printed = _printed_arrays(_stdout(cell))
    for name, documented in DOCUMENTED.items():
        assert printed.get(name) == documented.split(), (
            f"{name} printed as {printed.get(name)}, the article printed {documented.split()}")


def test_notebook_shows_the_article_plot_label_mistake_corrected(executed):
    """The cost plots use the true iteration number (every=100), and the text says why."""
    text = "\n".join(c.source for c in executed.cells)
    assert "iterations (per tens)" in text
    plot_cells = [c for c in executed.cells
                  if c.cell_type == "code" and "plot_costs(" in c.source]
    assert plot_cells and all("every=100" in c.source for c in plot_cells)
    for cell in plot_cells:
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), (
            "a cost plot cell shows no figure")
