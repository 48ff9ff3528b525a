"""How long each source notebook takes to run top to bottom, against the 15 s budget.

Executes every instructor notebook in notebooks/ (reference solutions in place) with nbclient,
the way ``make test`` and the grader run them, and prints one row per notebook: the wall time
from kernel start to shutdown, the time spent inside the cells, the slowest cell, and the
ratio of the wall time to the budget (notebooks/README.md: under 15 s on a 2-core machine).

Usage::

    PATH=.venv/bin:$PATH MPLBACKEND=Agg python bench/notebook_times.py
    PATH=.venv/bin:$PATH MPLBACKEND=Agg python bench/notebook_times.py 02_two_layer_net

Exits 1 if a notebook fails or goes over budget.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
BUDGET_S = 15.0


@dataclass
class Timing:
    """One notebook's run: wall seconds, seconds inside cells, the slowest cell."""

    name: str
    wall: float
    in_cells: float
    slowest: float
    slowest_source: str
    error: str = ""


def _cell_seconds(cell: nbformat.NotebookNode) -> float:
    """Seconds a cell ran, from the timestamps nbclient records in its metadata."""
    stamps = cell.get("metadata", {}).get("execution", {})
    try:
        start = datetime.fromisoformat(stamps["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(stamps["shell.execute_reply"].replace("Z", "+00:00"))
    except KeyError:
        return 0.0
    return (end - start).total_seconds()


def time_notebook(path: Path) -> Timing:
    """Execute ``path`` in a fresh python3 kernel and time it."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(path.parent)}})
    error = ""
    start = time.perf_counter()
    try:
        client.execute()
    except Exception as err:  # noqa: BLE001 - reported in the table, not raised
        error = f"{type(err).__name__}: {str(err).strip().splitlines()[-1][:80]}"
    wall = time.perf_counter() - start
    code = [c for c in nb.cells if c.cell_type == "code"]
    seconds = [_cell_seconds(c) for c in code]
    slowest = max(range(len(code)), key=seconds.__getitem__) if code else None
    first_line = code[slowest].source.strip().splitlines()[0][:48] if slowest is not None else ""
    return Timing(f"{path.parent.name}/{path.name}", wall, sum(seconds),
                  seconds[slowest] if slowest is not None else 0.0, first_line, error)


def source_notebooks(only: list[str]) -> list[Path]:
    """The instructor notebooks, one folder per assignment, optionally filtered by folder."""
    paths = sorted(p for p in NOTEBOOKS.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    return [p for p in paths if not only or p.parent.name in only]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="folders of notebooks/ (default: all)")
    args = parser.parse_args(argv)
    paths = source_notebooks(args.assignments)
    if not paths:
        print(f"no notebooks found under {NOTEBOOKS}", file=sys.stderr)
        return 1
    header = (f"{'notebook':44s} {'wall s':>7s} {'cells s':>8s} {'/budget':>8s}  "
              f"slowest cell")
    print(f"budget: {BUDGET_S:.0f} s per notebook, wall time from kernel start to shutdown")
    print(header)
    print("-" * len(header))
    failed = False
    for path in paths:
        t = time_notebook(path)
        ratio = t.wall / BUDGET_S
        verdict = t.error or ("OVER BUDGET" if ratio > 1 else "")
        failed |= bool(verdict)
        print(f"{t.name:44s} {t.wall:7.1f} {t.in_cells:8.1f} {ratio:8.2f}  "
              f"{t.slowest:.1f} s  {t.slowest_source}  {verdict}".rstrip(), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
