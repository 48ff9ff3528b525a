"""The catalogue of mistakes students really make, one module per assignment.

Each module names its assignment (``ASSIGNMENT``), the course_lib modules that hold the
reference implementations of its graded cells (``REFERENCE_MODULES``), and its ``MISTAKES``.
Each :class:`Mistake` is a small wrong implementation of one graded function (or class),
written out in full as a student would type it, with a hint that tells the student what to fix.
The tests inject each one into a released notebook and check that it loses exactly the points
of that function's test cells (``test_<cell>``, ``test_<cell>_hidden``, ``test_<cell>_gradcheck``).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

#: Suffixes of the grade cells that test the solution cell ``<cell>``: ``test_<cell><suffix>``.
TEST_CELL_SUFFIXES = ("", "_hidden", "_gradcheck")


@dataclass(frozen=True)
class Mistake:
    """One catalogued wrong implementation.

    assignment: the assignment folder, e.g. ``"01_logistic_unit"``.
    cell: grade_id of the solution cell it replaces (the function or class name).
    name: a short identifier, e.g. ``"missing_1_over_m"``.
    hint: what the student reads, e.g. ``"dw is m times too large: did you divide by m?"``.
    source: the complete wrong cell source (the ``def`` line included).
    """

    assignment: str
    cell: str
    name: str
    hint: str
    source: str

    def test_cells(self) -> tuple[str, ...]:
        """grade_ids of the test cells that grade this mistake's cell."""
        return tuple(f"test_{self.cell}{suffix}" for suffix in TEST_CELL_SUFFIXES)


def catalogue(assignment: str | None = None) -> list[Mistake]:
    """Every catalogued mistake, or those of one assignment."""
    found: list[Mistake] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "MISTAKES", []))
    if assignment is not None:
        found = [m for m in found if m.assignment == assignment]
    return found


def reference_modules(assignment: str) -> tuple[str, ...]:
    """The course_lib modules (dotted names) holding the reference implementations of the
    graded cells of ``assignment``, in the order to search them; () when none is known."""
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if getattr(module, "ASSIGNMENT", None) == assignment:
            return tuple(getattr(module, "REFERENCE_MODULES", ()))
    return ()
