"""A source notebook kept running in one kernel, so that its tests can be graded again and
again with one solution cell swapped (for the mistake catalogue: seconds per mistake instead
of a whole nbgrader run of the notebook).

The notebook runs once, top to bottom, with the reference solutions (hidden tests included,
as nbgrader's autograde restores them). Then :meth:`LiveNotebook.grade_with` puts another body
into one solution cell, re-runs every grade cell and scores each one with nbgrader's rule
(:func:`autograder.course.rules.determine_grade`, after the course's output policy), and puts the
reference solution back. Test cells run as ``python -m autograder grade`` runs them: in the
grader, against the kernel's functions (:mod:`autograder.grade.trusted`); ``in_kernel=True`` runs
them inside the kernel, as plain nbgrader does.

What this does not see, and the full nbgrader runs of ``test_every_notebook`` and
``test_gradient_checks_need_a_real_cost`` do: a test cell that reads a global made by a
non-test cell from the student's functions. The notebook conventions forbid such tests (every
test builds its own inputs), and those full runs grade every notebook under nbgrader.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbformat import NotebookNode
from nbgrader_course import NOTEBOOKS, grade_id, is_solution, strip_markers

from autograder.course.reference import build_reference
from autograder.course.rules import apply_output_policy, determine_grade, is_grade, is_test
from autograder.grade.trusted.runner import TrustedTests
from autograder.kernel.pool import Kernel


@dataclass
class Grading:
    """Scores and outputs of every grade cell after one run of the tests."""

    scores: dict[str, float] = field(default_factory=dict)
    max_scores: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, list] = field(default_factory=dict)

    def lost(self) -> dict[str, float]:
        return {gid: self.max_scores[gid] - s for gid, s in self.scores.items()
                if s < self.max_scores[gid] - 1e-9}


class LiveNotebook:
    """``notebook`` of ``assignment`` running in a kernel of its own (close it when done)."""

    def __init__(self, assignment: str, notebook: str, in_kernel: bool = False):
        path = NOTEBOOKS / assignment / f"{notebook}.ipynb"
        self.tests = None if in_kernel else TrustedTests(build_reference(path, assignment),
                                                         folder=path.parent)
        self.nb = nbformat.read(path, as_version=4)
        for cell in self.nb.cells:
            if cell.cell_type == "code":
                cell.source = strip_markers(cell.source)
        self.solutions = {grade_id(c): c.source for c in self.nb.cells if is_solution(c)}
        os.environ.setdefault("MPLBACKEND", "Agg")
        self.client = NotebookClient(
            self.nb, timeout=120, kernel_name="python3", allow_errors=True,
            resources={"metadata": {"path": str(NOTEBOOKS / assignment)}})
        self.client.km = self.client.create_kernel_manager()
        self.client.start_new_kernel()
        self.client.start_new_kernel_client()
        self.kernel = Kernel(km=self.client.km, kc=self.client.kc, cwd=path.parent)
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code":
                self.client.execute_cell(cell, index)
        errors = [(grade_id(c), o["ename"]) for c in self.nb.cells for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        if errors:
            self.close()
            raise AssertionError(f"{assignment}: the reference run raised {errors}")

    def _index(self, gid: str) -> int:
        return next(i for i, c in enumerate(self.nb.cells) if grade_id(c) == gid)

    def _run(self, gid: str, source: str) -> NotebookNode:
        index = self._index(gid)
        cell = nbformat.from_dict(self.nb.cells[index])
        cell.source, cell.outputs = source, []
        self.client.execute_cell(cell, index)
        return cell

    def _test(self, gid: str, tests) -> NotebookNode:
        """Test cell ``gid`` run in the grader (``tests``: this grading's NotebookTests)."""
        cell = nbformat.from_dict(self.nb.cells[self._index(gid)])
        cell.outputs = []
        outcome = run_sync(tests.run_cell)(cell, self.kernel, 120.0)
        assert outcome == "ok", f"{gid}: the kernel was lost ({outcome})"
        return cell

    def grade_with(self, gid: str, source: str) -> Grading:
        """Every grade cell's score with solution cell ``gid`` holding ``source``."""
        self._run(gid, source)
        tests = self.tests.for_notebook() if self.tests is not None else None
        try:
            graded = nbformat.v4.new_notebook(cells=[
                self._test(grade_id(c), tests) if tests is not None and is_test(c)
                else self._run(grade_id(c), c.source) for c in self.nb.cells if is_grade(c)])
        finally:
            self._run(gid, self.solutions[gid])
        apply_output_policy(graded)
        result = Grading()
        for cell in graded.cells:
            score, max_score = determine_grade(cell)
            result.scores[grade_id(cell)] = float(score or 0.0)
            result.max_scores[grade_id(cell)] = float(max_score)
            result.outputs[grade_id(cell)] = cell.outputs
        return result

    def close(self) -> None:
        self.client.kc.stop_channels()
        run_sync(self.client.km.shutdown_kernel)(now=True)   # nbclient's manager is async
