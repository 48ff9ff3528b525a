"""Fair grading helpers for notebook test cells: one function's mistake costs only its points.

Two context managers, used inside nbgrader test cells:

* :func:`reference_for` puts course_lib's reference implementation of some names into the
  notebook's namespace for the duration of a test, then restores the student's. A test of
  ``optimize`` calls the student's ``optimize``, which looks ``propagate`` up in the notebook's
  globals: under ``reference_for(globals(), "propagate", module="logistic_unit")`` it finds the
  reference, so a wrong ``propagate`` cannot make ``optimize`` fail.
* :func:`quiet` keeps warnings off stderr (nbgrader scores a test cell with any stderr output
  zero): numpy floating-point errors neither raise nor print, Python warnings are captured,
  and one short note on stdout tells the student what was raised.

Example (a test cell)::

    with reference_for(globals(), "propagate", module="logistic_unit"), quiet():
        params, grads, costs = optimize(w, b, X, Y, num_iterations=100)
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from types import ModuleType
from typing import Any, TextIO

import numpy as np

__all__ = ["reference_for", "quiet", "resolve_module", "warning_note"]

_MISSING = object()


def resolve_module(module: ModuleType | str) -> ModuleType:
    """``module`` itself, or the module it names: ``"logistic_unit"`` means
    ``course_lib.logistic_unit``; a dotted name is imported as given."""
    if isinstance(module, ModuleType):
        return module
    if not isinstance(module, str):
        raise TypeError(f"module must be a module or its name, got {type(module).__name__}")
    name = module if "." in module else f"{__package__}.{module}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        raise ValueError(f"no reference module {name!r}") from err


@contextmanager
def reference_for(
    namespace: MutableMapping[str, Any], *names: str, module: ModuleType | str
) -> Iterator[None]:
    """Temporarily bind ``names`` in ``namespace`` to ``module``'s reference implementations.

    namespace: the notebook's globals (pass ``globals()`` from the test cell).
    names: the graded names the tested function calls, e.g. ``"propagate"``.
    module: a course_lib module or its name (``"logistic_unit"``).

    On exit, also when the body raises, each name is bound again to what it was before, or
    removed if the student had not defined it. Raises ValueError, before touching the
    namespace, for a name the module does not define (listing the names it does define).
    """
    if not names:
        raise ValueError("reference_for needs at least one name to replace")
    mod = resolve_module(module)
    unknown = [n for n in names if not callable(getattr(mod, n, None))]
    if unknown:
        valid = sorted(n for n in vars(mod) if not n.startswith("_") and callable(getattr(mod, n))
                       and getattr(getattr(mod, n), "__module__", None) == mod.__name__)
        raise ValueError(f"{mod.__name__} has no reference for {unknown}; valid names: {valid}")
    saved = {n: namespace.get(n, _MISSING) for n in names}
    try:
        for n in names:
            namespace[n] = getattr(mod, n)
        yield
    finally:
        for n, old in saved.items():
            if old is _MISSING:
                namespace.pop(n, None)
            else:
                namespace[n] = old


def warning_note(caught: list[warnings.WarningMessage]) -> str:
    """The one-line note :func:`quiet` prints for the captured warnings ("" when none)."""
    if not caught:
        return ""
    first = caught[0]
    kinds = {(w.category, str(w.message)) for w in caught}
    more = f" (and {len(kinds) - 1} other kind{'s' if len(kinds) > 2 else ''} of warning)" \
        if len(kinds) > 1 else ""
    return (f"Note: your code raised {first.category.__name__}: {first.message}{more} - it did "
            "not cost points, but it often means an inf or nan somewhere: worth a look.")


@contextmanager
def quiet(out: TextIO | None = None) -> Iterator[list[warnings.WarningMessage]]:
    """Run student code without anything reaching stderr.

    Inside the block numpy floating-point errors (overflow, divide by zero, invalid, underflow)
    never raise, even if the notebook set ``np.seterr(all="raise")``: numpy reports them as
    RuntimeWarnings, and every Python warning is captured instead of printed. On exit (also
    when the body raises) one note goes to ``out`` (default: the current ``sys.stdout``) if
    anything was captured. Yields the list of captured ``warnings.WarningMessage``.
    """
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            yield caught
        finally:
            note = warning_note(caught)
            if note:
                print(note, file=out if out is not None else sys.stdout)
