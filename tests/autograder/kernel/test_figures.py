"""Grading kernels draw a pyplot figure once, into the PNG the cell shows
(:mod:`autograder.kernel.figures`): pyplot's own end-of-cell draw is gone, the picture is not."""

from __future__ import annotations

import asyncio

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.kernel.execute import OK, execute_notebook
from autograder.kernel.pool import KernelPool, KernelSettings

COUNT_DRAWS = """import io
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
draws = []
_draw = Figure.draw
Figure.draw = lambda self, *a, **k: (draws.append(1), _draw(self, *a, **k))[1]"""
A_FIGURE = "fig, ax = plt.subplots()\nax.plot([1, 2, 3])\nax.set_title('cost');"
#: the draws a PNG of the same figure takes (the inline backend crops it: bbox_inches="tight")
PNG_ALONE = A_FIGURE + """
before = len(draws)
fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
plt.close(fig)
print("png", len(draws) - before)"""
DRAWS_SO_FAR = "print('cell', len(draws)); draws.clear()"


def _outputs(fork: bool) -> list:
    cells = [COUNT_DRAWS, PNG_ALONE, "draws.clear()", A_FIGURE, DRAWS_SO_FAR,
             "%matplotlib inline", A_FIGURE, DRAWS_SO_FAR]
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])

    async def go():
        pool = KernelPool(KernelSettings(memory_mb=2048, fork=fork), spares=0)
        kernel = await pool.acquire()
        try:
            return await execute_notebook(nb, kernel, 30, 10_000)
        finally:
            pool.release(kernel)   # its folders removed
            await pool.close()

    assert asyncio.run(go()).status == OK
    return [c.outputs for c in nb.cells]


@pytest.mark.parametrize("fork", [True, False], ids=["fork", "spawn"])
def test_a_figure_is_drawn_once_into_the_png_the_cell_shows(fork):
    outputs = _outputs(fork)
    png_alone = int(outputs[1][0]["text"].split()[1])
    for figure, count in ((3, 4), (6, 7)):   # the second after `%matplotlib inline` again
        assert [o["output_type"] for o in outputs[figure]] == ["display_data"]
        assert "image/png" in outputs[figure][0]["data"]
        assert outputs[count][0]["text"] == f"cell {png_alone}\n"   # pyplot's hook: one more
