"""Name the mistake: when a test fails, find the catalogued mistake that explains it.

A test cell wraps its check in :func:`explain_mistakes`. When the check fails, the student's
function is run again on the same inputs next to every catalogued wrong implementation of it
(:mod:`course_lib.mistakes`); if one of them returns what the student's returned, the failure
message gains that mistake's hint::

    with explain_mistakes(globals(), "propagate", w, b, X, Y):
        grads, cost = propagate(w, b, X, Y)
        check_close(grads["dw"], expected["dw"], "dw")

    AssertionError: dw differs in 2 of 2 entries ...; every entry is 3.0 times the expected
    This looks like a known mistake (missing_1_over_m): dw is m times too large: did you
    divide by m?

For a graded class, or any test that is more than one call, pass ``probe``: a function that
takes the implementation (the student's class, or a catalogued wrong one) and returns what the
test looks at.

A mistake is named only when it is distinguishable on these inputs (its output differs from
the reference's) and the student's output matches it within the course's tolerance, or when
the student's code and the mistake crash alike (same exception type and message: a shape
assertion, a ValueError from a shape mismatch). A test body that crashes instead of failing a
check is reported the same way. Only the hint is shown, never the mistake's code.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

import numpy as np

from course_lib.checks import ATOL, RTOL
from course_lib.isolation import quiet
from course_lib.mistakes import Mistake, catalogue

__all__ = ["explain_mistakes", "matching_mistake", "same_output"]

# numpy as it was at import time, so that student code that patches numpy cannot fake a match
_asarray = np.asarray
_isclose = np.isclose
_ndarray = np.ndarray
_generic = np.generic


def same_output(a: Any, b: Any, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """True when two return values agree in structure, shapes and numbers (within tolerance).

    Numbers and numeric arrays are compared with the course's tolerance (shapes must match),
    tuples/lists and dicts entry by entry; anything else with ``==``.
    """
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)) or set(a) != set(b):
            return False
        return all(same_output(a[k], b[k], rtol, atol) for k in a)
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        if not (isinstance(a, list | tuple) and isinstance(b, list | tuple)) or len(a) != len(b):
            return False
        return all(same_output(x, y, rtol, atol) for x, y in zip(a, b, strict=True))
    if _is_numeric(a) and _is_numeric(b):
        x, y = _asarray(a, dtype=float), _asarray(b, dtype=float)
        if x.shape != y.shape:
            return False
        return bool(_isclose(x, y, rtol=rtol, atol=atol, equal_nan=True).all())
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - an incomparable pair is simply "not the same"
        return False


def _is_numeric(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, int | float | _generic):
        return True
    return isinstance(x, _ndarray) and x.dtype.kind in "biuf"


def _instantiate(mistake: Mistake, namespace: Mapping[str, Any]) -> Any:
    """The function or class that ``mistake.source`` defines, executed in a copy of the
    notebook's namespace (so it finds ``np`` and the other functions the test provides)."""
    scope = dict(namespace)
    exec(compile(mistake.source, f"<mistake {mistake.name}>", "exec"), scope)  # noqa: S102
    return scope[mistake.cell]


def _run(probe: Callable[[Any], Any], implementation: Any) -> tuple[bool, Any]:
    """(True, output), or (False, the exception) when the implementation raises."""
    try:
        with quiet(out=_Discard()):
            return True, probe(implementation)
    except Exception as error:  # noqa: BLE001 - a crash is an outcome like any other
        return False, error


def _same_failure(a: BaseException, b: BaseException) -> bool:
    """Two crashes that cannot be told apart: the same exception type and message."""
    return type(a) is type(b) and str(a) == str(b)


class _Discard:
    def write(self, _text: str) -> int:
        return 0


def matching_mistake(
    namespace: Mapping[str, Any],
    cell: str,
    probe: Callable[[Any], Any],
    reference: Any = None,
    mistakes: list[Mistake] | None = None,
) -> Mistake | None:
    """The first catalogued mistake of ``cell`` whose outcome on ``probe`` equals the outcome
    of the student's implementation ``namespace[cell]``, or None.

    The outcome is the output, or the crash when the call raises: a mistake matches a
    student's crash when it raises the same exception type with the same message (e.g. a
    shape assertion in the function's template that a transposed product trips).

    reference: the correct implementation; when given, mistakes that agree with it on this
    probe are skipped (they cannot be told apart here).
    """
    student = namespace.get(cell)
    if student is None:
        return None
    student_ran, got = _run(probe, student)
    expected = _run(probe, reference) if reference is not None else (False, None)
    for mistake in mistakes if mistakes is not None else catalogue():
        if mistake.cell != cell:
            continue
        try:
            wrong = _instantiate(mistake, namespace)
        except Exception:  # noqa: BLE001 - a catalogue entry that does not compile is skipped
            continue
        ran, out = _run(probe, wrong)
        if ran != student_ran:
            continue
        if not ran:
            reference_fails_alike = (reference is not None and not expected[0]
                                     and _same_failure(expected[1], out))
            if _same_failure(got, out) and not reference_fails_alike:
                return mistake
            continue
        if expected[0] and same_output(out, expected[1]):
            continue
        if same_output(got, out):
            return mistake
    return None


@contextmanager
def explain_mistakes(
    namespace: MutableMapping[str, Any],
    cell: str,
    *args: Any,
    probe: Callable[[Any], Any] | None = None,
    reference: Any = None,
    **kwargs: Any,
) -> Iterator[None]:
    """Run a test; if it fails, add the hint of the catalogued mistake the student's ``cell``
    matches (if any) to the message.

    A failed check (AssertionError) is raised again with the hint appended. Any other
    exception (the student's code crashed, e.g. a ValueError from a shape mismatch) becomes
    an AssertionError carrying its type, message and the hint, chained to the original so
    the traceback still shows where it happened; with no matching mistake it propagates
    unchanged.

    namespace: the notebook's globals (``globals()``).
    cell: the graded name, e.g. ``"propagate"`` or ``"FC"``.
    args, kwargs: the inputs of the call the test makes (deep-copied for every run, so a
    mistake that mutates its inputs cannot spoil the next run; copied when the block starts);
    ignored when ``probe`` is given.
    probe: ``probe(implementation) -> output`` for tests that are more than one call.
    reference: the correct implementation, to skip mistakes indistinguishable on these inputs.
    """
    if probe is None:
        frozen = copy.deepcopy((args, kwargs))  # before the test can mutate them

        def probe(fn: Callable[..., Any]) -> Any:
            call_args, call_kwargs = copy.deepcopy(frozen)
            return fn(*call_args, **call_kwargs)
    try:
        yield
    except Exception as failure:
        mistake = matching_mistake(namespace, cell, probe, reference)
        if mistake is None:
            raise
        named = f"This looks like a known mistake ({mistake.name}): {mistake.hint}"
        if isinstance(failure, AssertionError):
            raise AssertionError(f"{failure}\n{named}") from None
        # the student's code crashed: keep its traceback (it shows where), then name it
        raise AssertionError(f"{type(failure).__name__}: {failure}\n{named}") from failure
