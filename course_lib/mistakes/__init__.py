"""The catalogue of mistakes students really make, one module per assignment.

Each module names its assignment (``ASSIGNMENT``), the course_lib modules that hold the
reference implementations of its graded cells (``REFERENCE_MODULES``), and its ``MISTAKES``.
Each :class:`Mistake` is a small wrong implementation of one graded function (or of one method
of a graded class), with a hint that tells the student what to fix. The tests inject each one
into a released notebook and check that it loses exactly the points of that function's test
cells (``test_<cell>``, ``test_<cell>_hidden``, ``test_<cell>_gradcheck``).

A mistake stores only its **body**: what a student types in place of ``# YOUR CODE HERE``,
i.e. the code of the solution region (between nbgrader's solution markers) of the
instructor's solution cell whose grade_id is the mistake's ``cell``. The rest of the cell (the
``def`` line, the docstring, the given lines around the solution, a class's other methods)
comes from the source notebook itself (``notebooks/<assignment>/*.ipynb``), so a catalogue
cannot drift from its notebook. Convention: the body is written at any indentation (it is
dedented, and blank lines at its ends are dropped) and is indented like the region's opening
marker line when the cell is assembled. A class cell has one solution region per method:
``method`` names the one the mistake replaces; the other regions keep the reference solution.

:attr:`Mistake.source` is the assembled cell, read from the repository's notebooks;
:meth:`Mistake.source_in` assembles it from a solution cell the caller already holds. The
assembly (:mod:`course_lib.mistakes.assembly`) needs the instructor's source notebooks, so it
is for the instructor's side only: tests, release (which records the mistakes' outcomes), and
the grader, whose test cells run in the grading process. A process that cannot read
``notebooks/`` (a kernel of ``grade --in-kernel`` in the root sandbox, which hides it) cannot
assemble a mistake: :mod:`course_lib.diagnosis` then skips it (no hint is named). A student
edition ships this module alone (no catalogue, no assembly) and builds only ``whole_cell``
mistakes (recorded skeletons, see :mod:`course_lib.edition`).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType

#: Suffixes of the grade cells that test the solution cell ``<cell>``: ``test_<cell><suffix>``.
TEST_CELL_SUFFIXES = ("", "_hidden", "_gradcheck")

#: The modules of this package that are not an assignment's catalogue.
_NOT_A_CATALOGUE = ("assembly",)


@dataclass(frozen=True)
class Mistake:
    """One catalogued wrong implementation.

    assignment: the assignment folder, e.g. ``"01_logistic_unit"``.
    cell: grade_id of the solution cell it replaces (the function or class name).
    name: a short identifier, e.g. ``"missing_1_over_m"``.
    hint: what the student reads, e.g. ``"dw is m times too large: did you divide by m?"``;
        English, marked ``N_()`` in the catalogues and shown translated (gettext domain
        ``mistakes``, see :mod:`course_lib.language`).
    body: the wrong code of the cell's solution region (see the module docstring); with
        ``whole_cell``, the complete cell instead.
    method: for a cell with several solution regions (a class), the method whose region
        ``body`` replaces; "" for a cell with one region.
    whole_cell: ``body`` is a complete cell, not a body: for code that has no solution cell
        to go into (the student edition's recorded skeletons, tests' toy functions). The
        catalogue's mistakes are all bodies.
    """

    assignment: str
    cell: str
    name: str
    hint: str
    body: str
    method: str = ""
    whole_cell: bool = False

    def test_cells(self) -> tuple[str, ...]:
        """grade_ids of the test cells that grade this mistake's cell."""
        return tuple(f"test_{self.cell}{suffix}" for suffix in TEST_CELL_SUFFIXES)

    def source_in(self, solution: str) -> str:
        """The complete wrong cell, made from ``solution``: the source of the instructor's
        solution cell ``cell``, markers included. ``CatalogueError`` when it does not fit."""
        if self.whole_cell:
            return self.body
        from course_lib.mistakes.assembly import with_body

        return with_body(solution, self.body, self.method)

    @property
    def source(self) -> str:
        """The complete wrong cell, as a student would hand it in: ``cell``'s solution cell,
        read from the repository's source notebook, with ``body`` in place of its solution.
        ``CatalogueError`` when the notebook has no such cell or region."""
        if self.whole_cell:
            return self.body
        from course_lib.mistakes.assembly import solution_cell

        return self.source_in(solution_cell(self.assignment, self.cell))


def _catalogues() -> list[ModuleType]:
    """The modules of this package that catalogue an assignment's mistakes."""
    return [importlib.import_module(f"{__name__}.{info.name}")
            for info in pkgutil.iter_modules(__path__) if info.name not in _NOT_A_CATALOGUE]


def catalogue(assignment: str | None = None) -> list[Mistake]:
    """Every catalogued mistake, or those of one assignment."""
    found = [m for module in _catalogues() for m in getattr(module, "MISTAKES", [])]
    if assignment is not None:
        found = [m for m in found if m.assignment == assignment]
    return found


def reference_modules(assignment: str) -> tuple[str, ...]:
    """The course_lib modules (dotted names) holding the reference implementations of the
    graded cells of ``assignment``, in the order to search them; () when none is known."""
    for module in _catalogues():
        if getattr(module, "ASSIGNMENT", None) == assignment:
            return tuple(getattr(module, "REFERENCE_MODULES", ()))
    return ()
