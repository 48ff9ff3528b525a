"""Fair grading helpers for notebook test cells: one function's mistake costs only its points.

Context managers used inside nbgrader test cells:

* :func:`reference_for` puts course_lib's reference implementation of some names into the
  notebook's namespace for the duration of a test, then restores the student's. A test of
  ``optimize`` calls the student's ``optimize``, which looks ``propagate`` up in the notebook's
  globals: under ``reference_for(globals(), "propagate", module="logistic_unit")`` it finds the
  reference, so a wrong ``propagate`` cannot make ``optimize`` fail.
* :func:`reference_if_wrong` does the same only for the names whose student version is wrong
  on given inputs. A gradient check of ``back_propagation`` differentiates the student's own
  ``forward_propagation`` and ``compute_cost`` when they are right, and the reference's when
  they are not, so a wrong forward pass costs the points of its own tests, not these.
* :func:`numerical_side` is the same choice for a class (a layer whose ``forward`` a gradient
  check differentiates): the student's when it is right, else the course's.
* :func:`quiet` keeps warnings off stderr (nbgrader scores a test cell with any stderr output
  zero): numpy floating-point errors neither raise nor print, Python warnings are captured,
  and one short note on stdout tells the student what was raised.

Example (a test cell)::

    with reference_for(globals(), "propagate", module="logistic_unit"), quiet():
        params, grads, costs = optimize(w, b, X, Y, num_iterations=100)
"""

from __future__ import annotations

import copy
import importlib
import io
import sys
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from types import ModuleType
from typing import Any, TextIO

import numpy as np

from course_lib.checks import same_output
from course_lib.language import _

__all__ = ["EVALUATE_MANY", "STUDENT_PROCESS", "call_each", "numerical_side", "reference_for",
           "reference_if_wrong", "quiet", "resolve_module", "warning_note"]

_MISSING = object()

#: The name under which a test's namespace may hold ``bind(objects, wrong=False)``, a context
#: manager that makes the student's own process see ``objects`` (or some of them: it yields
#: those; all of them when ``wrong``: the student's versions were seen to disagree with the
#: course's) under their names for the block. Set by
#: the autograder, which runs tests outside the student's kernel
#: (:mod:`autograder.grade.trusted`): there, binding the test's namespace alone would not reach
#: the student's code.
STUDENT_PROCESS = "__student_process__"

#: How :func:`call_each` evaluates a function at many points: unset, one point after another.
#: The autograder sets it while it runs a test outside the student's kernel, to send the
#: student's calls of all the evaluations together (a gradient check's hundreds of cost
#: evaluations then cost a few round trips to the kernel, not one per call).
EVALUATE_MANY: ContextVar[Callable[[Callable[[Any], Any], Iterable[Any]], list[Any]] | None] = \
    ContextVar("evaluate_many", default=None)


def call_each(f: Callable[[Any], Any], points: Iterable[Any]) -> list[Any]:
    """``[f(p) for p in points]``, the evaluations independent of each other (so that they
    may run together, see :data:`EVALUATE_MANY`); the first point's exception, if any."""
    evaluate = EVALUATE_MANY.get()
    return evaluate(f, points) if evaluate is not None else [f(p) for p in points]


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


def _check_names(mod: ModuleType, names: Iterable[str]) -> None:
    """ValueError listing the valid names when ``mod`` lacks a reference for one of ``names``."""
    unknown = [n for n in names if not callable(getattr(mod, n, None))]
    if unknown:
        valid = sorted(n for n in vars(mod) if not n.startswith("_") and callable(getattr(mod, n))
                       and getattr(getattr(mod, n), "__module__", None) == mod.__name__)
        raise ValueError(f"{mod.__name__} has no reference for {unknown}; valid names: {valid}")


@contextmanager
def reference_for(
    namespace: MutableMapping[str, Any], *names: str, module: ModuleType | str
) -> Iterator[None]:
    """Temporarily bind ``names`` in ``namespace`` to ``module``'s reference implementations.

    namespace: the notebook's globals (pass ``globals()`` from the test cell).
    names: the graded names the tested function calls, e.g. ``"propagate"``.
    module: a course_lib module or its name (``"logistic_unit"``).

    Where the namespace holds :data:`STUDENT_PROCESS` (a test run by the autograder outside
    the student's process), the names are bound there too, for the block: those that the
    autograder binds (``bind(objects)`` yields them; it keeps a student's function that passed
    its own tests on its own), so that the namespace and the student's process agree.

    On exit, also when the body raises, each name is bound again to what it was before, or
    removed if the student had not defined it. Raises ValueError, before touching the
    namespace, for a name the module does not define (listing the names it does define).
    """
    if not names:
        raise ValueError("reference_for needs at least one name to replace")
    mod = resolve_module(module)
    _check_names(mod, names)
    with _bound(namespace, names, mod, wrong=False):
        yield


@contextmanager
def _bound(namespace: MutableMapping[str, Any], names: Iterable[str], mod: ModuleType,
           wrong: bool) -> Iterator[None]:
    """:func:`reference_for`'s binding; ``wrong``: the student's versions of ``names`` were
    seen to disagree with the course's (the student's process must not keep them)."""
    saved = {n: namespace.get(n, _MISSING) for n in names}
    bind = namespace.get(STUDENT_PROCESS)
    objects = {n: getattr(mod, n) for n in names}
    try:
        with bind(objects, wrong=wrong) if bind else nullcontext(objects) as bound:
            namespace.update(bound)
            yield
    finally:
        for n, old in saved.items():
            if old is _MISSING:
                namespace.pop(n, None)
            else:
                namespace[n] = old


def _agrees(student: Any, reference: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    """True when ``student(*args)`` runs and returns what ``reference(*args)`` returns."""
    if not callable(student):
        return False
    try:
        with quiet(out=io.StringIO()):
            got = student(*copy.deepcopy(args))
    except Exception:  # noqa: BLE001 - a crash is simply "wrong"
        return False
    return same_output(got, reference(*copy.deepcopy(args)))


@contextmanager
def reference_if_wrong(
    namespace: MutableMapping[str, Any],
    calls: Mapping[str, tuple[Any, ...]],
    module: ModuleType | str,
) -> Iterator[list[str]]:
    """Bind the reference implementation of each name of ``calls`` whose student version is
    wrong, for the duration of the block; yield the list of names replaced ([] if none).

    namespace: the notebook's globals. calls: name -> the positional arguments of one call
    that decides (deep-copied for each run). The student's version is wrong when it is not
    defined, raises, or returns something other than the reference's within the course's
    tolerance (``course_lib.checks.same_output``). The names are restored on exit as by
    :func:`reference_for`. ValueError, before anything runs, for a name the module lacks.

    Example (the numeric side of a gradient check)::

        calls = {"forward_propagation": (X, parameters), "compute_cost": (A2, Y)}
        with reference_if_wrong(globals(), calls, module="two_layer_net") as replaced:
            ...  # forward_propagation and compute_cost are right here, the student's if so
    """
    mod = resolve_module(module)
    _check_names(mod, calls)
    wrong = [name for name, args in calls.items()
             if not _agrees(namespace.get(name), getattr(mod, name), tuple(args))]
    if not wrong:
        yield wrong
        return
    with _bound(namespace, wrong, mod, wrong=True):
        yield wrong


def numerical_side(own: Any, course: Any, own_is_right: bool, name: str) -> Any:
    """What a gradient check differentiates: the student's ``own`` (a class, a function)
    when it gave the course's result at the test's point (``own_is_right``), else the
    course's, so that a wrong forward costs only the points of its own test. ``name``: what
    it is, for the line saying which one the check uses (the student edition, which holds no
    course version, says more, see :func:`course_lib.edition.numerical_side`)."""
    print(_("numerical side: your {name}").format(name=name) if own_is_right else
          _("numerical side: the course's {name} (yours differs from it)").format(name=name))
    return own if own_is_right else course


def warning_note(caught: list[warnings.WarningMessage]) -> str:
    """The one-line note :func:`quiet` prints for the captured warnings ("" when none)."""
    if not caught:
        return ""
    first = caught[0]
    others = len({(w.category, str(w.message)) for w in caught}) - 1
    more = ("" if others == 0 else _(" (and {count} other kind of warning)") if others == 1
            else _(" (and {count} other kinds of warning)")).format(count=others)
    return _("Note: your code raised {warning}{more} - it did not cost points, but it often "
             "means an inf or nan somewhere: worth a look.").format(
        warning=f"{first.category.__name__}: {first.message}", more=more)


class CappedOutput:
    """``sys.stdout`` inside :func:`quiet`: the first ``head`` lines printed pass through,
    then only the last ``tail`` are kept, shown by :meth:`close` after a line saying how many
    were left out. A debug print in a function a test calls thousands of times (``sigmoid`` in
    a training loop) would otherwise bury the test's own lines and its verdict under
    thousands of lines, and slow the student's Jupyter to a crawl. The standard library's
    ``io`` classes buffer by size, not by lines kept at both ends: hence this one."""

    HEAD, TAIL, HEAD_CHARS, LINE_CHARS = 40, 20, 8000, 1000

    def __init__(self, out: TextIO):
        self.out = out
        self._passed = self._passed_chars = self._left_out = 0
        self._tail: deque[str] = deque(maxlen=self.TAIL)
        self._line = ""

    def write(self, text: str) -> int:
        for piece in str(text).splitlines(keepends=True):
            if self._passed < self.HEAD and self._passed_chars < self.HEAD_CHARS:
                self.out.write(piece)
                self._passed += piece.endswith("\n")
                self._passed_chars += len(piece)
            else:
                self._line = (self._line + piece)[:self.LINE_CHARS + 1]
                if piece.endswith("\n"):
                    self._keep()
        return len(text)

    def _keep(self) -> None:
        if len(self._tail) == self._tail.maxlen:
            self._left_out += 1
        line = self._line.rstrip("\n")
        self._tail.append(line if len(line) <= self.LINE_CHARS else line[:self.LINE_CHARS] + " ...")
        self._line = ""

    def flush(self) -> None:
        self.out.flush()

    def close(self) -> TextIO:
        """Write what was kept; return the stream this one wrapped."""
        if self._line:
            self._keep()
        if self._left_out:
            self.out.write(_("... {count} more lines printed here are not shown (a print in "
                             "a function the test calls many times?) ...\n").format(
                count=self._left_out))
        if self._tail:
            self.out.write("\n".join(self._tail) + "\n")
        return self.out

    def __getattr__(self, name: str) -> Any:   # encoding, isatty, fileno ...: the stream's
        return getattr(self.out, name)


@contextmanager
def quiet(out: TextIO | None = None) -> Iterator[list[warnings.WarningMessage]]:
    """Run student code without anything reaching stderr, and without a flood on stdout.

    Inside the block numpy floating-point errors (overflow, divide by zero, invalid, underflow)
    never raise, even if the notebook set ``np.seterr(all="raise")``: numpy reports them as
    RuntimeWarnings, and every Python warning is captured instead of printed. What is printed
    inside the block goes through a :class:`CappedOutput` (the first lines, then the last;
    in an outer ``quiet`` block only). On exit (also when the body raises) one note goes to
    ``out`` (default: the current ``sys.stdout``) if a warning was captured. Yields the list of
    captured ``warnings.WarningMessage``.
    """
    capped = None if isinstance(sys.stdout, CappedOutput) else CappedOutput(sys.stdout)
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        if capped is not None:
            sys.stdout = capped
        try:
            yield caught
        finally:
            if capped is not None:
                sys.stdout = capped.close()
            note = warning_note(caught)
            if note:
                print(note, file=out if out is not None else sys.stdout)
