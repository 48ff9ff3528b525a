"""Name the mistake: when a test fails, find the catalogued mistake that explains it.

A test cell wraps its check in :func:`explain_mistakes`. When the check fails, the student's
function is run again on the same inputs next to the reference and every catalogued wrong
implementation of it (:mod:`course_lib.mistakes`); if one of them explains what the student's
returned, the failure message gains that mistake's hint and the part it is about::

    with explain_mistakes(globals(), "propagate", w, b, X, Y):
        grads, cost = propagate(w, b, X, Y)
        check_close(grads["dw"], expected["dw"], "dw")

    AssertionError: dw differs in 2 of 2 entries ...; every entry is 3.0 times the expected
    This looks like a known mistake (dw_without_1_over_m) in grads['dw']: dw is m times too
    large while db is right: ...

Outputs are compared part by part (a tuple item, a dict key such as ``grads['dw']``, one cache
entry, nested): a mistake explains the student's output when every part where the student's
differs from the reference's is a part where the mistake's differs too, with the same value.
So a mistake in ``dw`` alone is named even when ``db`` and the cost are right. A mistake is
never named where it agrees with the reference (it cannot be told apart on these inputs).
Crashes match when the student's code and the mistake raise alike (same exception type and
message: a shape assertion, a ValueError from a shape mismatch). Only the hint is shown, never
the mistake's code.

The comparison itself is :func:`matching_outcome`: it needs only numpy and the recorded
outcomes (no reference code, nothing executed), so outcomes recorded at release time can be
shipped as data. The default probe of :func:`explain_mistakes` records the returned value and
the positional arguments after the call (:class:`CallResult`), so a function that changes its
inputs in place is told apart from one that does not.
"""

from __future__ import annotations

import ast
import copy
import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from course_lib.checks import CheckFailed, same_output
from course_lib.isolation import quiet
from course_lib.language import N_, _, translate
from course_lib.mistakes import Mistake, catalogue, reference_modules

__all__ = [
    "NAMED_MISTAKE",
    "CallResult",
    "Outcome",
    "default_probe",
    "explain_mistakes",
    "matching_mistake",
    "matching_outcome",
    "named_mistake",
    "part_name",
    "same_output",
]

#: (ran, output) or (False, the exception the call raised).
Outcome = tuple[bool, Any]

#: How the line naming a catalogued mistake starts, in English: the line starts with its
#: translation, ``_(NAMED_MISTAKE)`` (:func:`named_mistake` finds it).
NAMED_MISTAKE = N_("This looks like a known mistake")

_ABSENT = object()  # a part one output has and the other lacks


def named_mistake(message: str) -> str:
    """The line of a failure ``message`` that names a catalogued mistake, stripped (it starts
    with :data:`NAMED_MISTAKE` in English or in the language of the moment), or ""."""
    starts = (NAMED_MISTAKE, _(NAMED_MISTAKE))
    return next((line.strip() for line in message.splitlines()
                 if line.strip().startswith(starts)), "")

Path = tuple[Any, ...]  # dict keys and tuple indices from the whole value down to one part


class CallResult(NamedTuple):
    """What the default probe sees of one call: the returned value, and the positional
    arguments as they are after the call (a function must not change its inputs)."""

    returned: Any
    arguments: tuple[Any, ...]


# ---------------------------------------------------------------------------- comparing parts

def _differences(a: Any, b: Any, path: Path = ()) -> list[Path]:
    """The paths of the parts where ``a`` and ``b`` differ ([] when they agree).

    Dicts are compared key by key (a key only one of them has is a differing part), tuples
    and lists of equal length item by item; anything else is one part (same_output).
    """
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        found: list[Path] = []
        for key in [*a, *(k for k in b if k not in a)]:
            if key in a and key in b:
                found += _differences(a[key], b[key], (*path, key))
            else:
                found.append((*path, key))
        return found
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True))
                for p in _differences(x, y, (*path, i))]
    return [] if same_output(a, b) else [path]


def _part(value: Any, path: Path) -> Any:
    """The part of ``value`` at ``path``, or _ABSENT when it has none there."""
    for step in path:
        if isinstance(value, Mapping):
            if step not in value:
                return _ABSENT
            value = value[step]
        elif isinstance(value, list | tuple) and isinstance(step, int) and step < len(value):
            value = value[step]
        else:
            return _ABSENT
    return value


def _same_part(a: Any, b: Any) -> bool:
    if a is _ABSENT or b is _ABSENT:
        return a is b
    return same_output(a, b)


def _explains(got: Any, wrong: list[Path], out: Any, theirs: list[Path]) -> bool:
    """True when every part where the student is wrong (``wrong``) lies in a part where the
    mistake is wrong too (``theirs``) and the two agree there."""
    return all(any(p[:len(q)] == q for q in theirs) and _same_part(_part(got, p), _part(out, p))
               for p in wrong)


def matching_outcome(student: Outcome, reference: Outcome | None,
                     mistakes: Sequence[tuple[Mistake, Outcome]]) -> tuple[Mistake, str] | None:
    """The first mistake whose outcome explains the student's; with the name of the part
    that matched, e.g. "grads['dw']" or "" for the whole value.

    student, reference: (True, output) or (False, the exception raised); reference None when
    unknown (then outputs are compared whole). mistakes: each catalogued mistake with its
    outcome on the same inputs. A crash matches a mistake that raises the same exception type
    with the same message, unless the reference raises it too. An output matches a mistake
    when the parts where it differs from the reference's all differ there in the mistake's
    output too, with the same values (the course's tolerance); a mistake that differs from the
    reference in exactly the student's parts is preferred to one that differs in more.
    """
    ran, got = student
    if not ran:
        shared = reference is not None and not reference[0]
        for mistake, (mistake_ran, out) in mistakes:
            if not mistake_ran and _same_failure(got, out) \
                    and not (shared and _same_failure(reference[1], out)):
                return mistake, ""
        return None
    if reference is None or not reference[0]:
        for mistake, (mistake_ran, out) in mistakes:
            if mistake_ran and same_output(got, out):
                return mistake, ""
        return None
    expected = reference[1]
    wrong = _differences(got, expected)
    if not wrong:
        return None
    covering = None
    for mistake, (mistake_ran, out) in mistakes:
        if not mistake_ran:
            continue
        theirs = _differences(out, expected)
        if theirs and _explains(got, wrong, out, theirs):
            if set(theirs) == set(wrong):
                return mistake, part_name(mistake, got, wrong)
            if covering is None:
                covering = mistake
    return (covering, part_name(covering, got, wrong)) if covering is not None else None


def _same_failure(a: BaseException, b: BaseException) -> bool:
    """Two crashes that cannot be told apart: the same exception type (by name: a crash in
    the student's kernel reaches the autograder as its copy) and message."""
    return type(a).__name__ == type(b).__name__ and str(a) == str(b)


# ------------------------------------------------------------------------------ naming parts

def part_name(mistake: Mistake, output: Any, paths: Sequence[Path]) -> str:
    """How the student reads the parts at ``paths`` of ``output``: "grads['dw']", "dW",
    "cache[2]", "w (changed by the call)"; "" for the whole value or more than three parts.

    Tuple items are named after the variables of the mistake's ``return`` line when it has
    one (``return grads, float(cost)`` names ``grads`` and ``cost``), dict entries after
    their key; arguments after the function's parameters.
    """
    if not paths or len(paths) > 3 or any(not p for p in paths):
        return ""
    returns, parameters = _source_names(mistake)
    names = [_path_name(output, p, returns, parameters) for p in paths]
    if "" in names:
        return ""
    return names[0] if len(names) == 1 else _("{names} and {last}").format(
        names=_(", ").join(names[:-1]), last=names[-1])


def _path_name(output: Any, path: Path, returns: list[str | None] | None,
               parameters: list[str]) -> str:
    if isinstance(output, CallResult):
        if path[0] == 1 and len(path) > 1:
            i = path[1]
            root = parameters[i] if isinstance(i, int) and i < len(parameters) \
                else _("argument {number}").format(number=i + 1 if isinstance(i, int) else i)
            return _("{part} (changed by the call)").format(part=root + _subscripts(path[2:]))
        output, path = output[0], path[1:]
        if not path:
            return ""  # the whole returned value
    if isinstance(output, tuple | list) and isinstance(path[0], int):
        name = returns[path[0]] if returns and len(returns) == len(output) else None
        return (name or f"result[{path[0]}]") + _subscripts(path[1:])
    if isinstance(output, Mapping):
        return str(path[0]) + _subscripts(path[1:])
    return "result" + _subscripts(path)


def _subscripts(steps: Path) -> str:
    return "".join(f"[{step!r}]" for step in steps)


def _source_names(mistake: Mistake) -> tuple[list[str | None] | None, list[str]]:
    """(names of the items of the last ``return`` of the function the mistake defines, or
    None when it returns no tuple; the names of its positional parameters)."""
    try:
        tree = ast.parse(mistake.source)
    except (SyntaxError, ValueError):
        return None, []
    function = next((node for node in tree.body if isinstance(node, ast.FunctionDef)
                     and node.name == mistake.cell), None)
    if function is None:
        return None, []
    parameters = [a.arg for a in function.args.posonlyargs + function.args.args]
    returns = [node for node in ast.walk(function) if isinstance(node, ast.Return)]
    if not returns or not isinstance(returns[-1].value, ast.Tuple):
        return None, parameters
    return [_expression_name(e) for e in returns[-1].value.elts], parameters


def _expression_name(node: ast.expr) -> str | None:
    """``grads`` for ``grads``, ``cost`` for ``float(cost)``, ``y`` for ``self.y``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        return _expression_name(node.args[0])
    return None


# ------------------------------------------------------------------- running the candidates

def _instantiate(mistake: Mistake, namespace: Mapping[str, Any]) -> Any:
    """The function or class that ``mistake.source`` (its cell, assembled from the source
    notebook) defines, executed in a copy of the notebook's namespace (so it finds ``np``
    and the other functions the test provides)."""
    scope = dict(namespace)
    exec(compile(mistake.source, f"<mistake {mistake.name}>", "exec"), scope)  # noqa: S102
    return scope[mistake.cell]


def _run(probe: Callable[[Any], Any], implementation: Any) -> Outcome:
    """(True, output), or (False, the exception) when the implementation raises."""
    try:
        with quiet(out=_Discard()):
            return True, probe(implementation)
    except Exception as error:  # noqa: BLE001 - a crash is an outcome like any other
        return False, error


class _Discard:
    def write(self, _text: str) -> int:
        return 0


def _course_reference(cell: str, mistakes: Sequence[Mistake]) -> Any:
    """course_lib's reference implementation of ``cell`` for the assignment whose mistakes
    are given, or None (not found, or no reference installed: a student's edition)."""
    for assignment in dict.fromkeys(m.assignment for m in mistakes):
        for module in reference_modules(assignment):
            try:
                found = getattr(importlib.import_module(module), cell, None)
            except ImportError:
                continue
            if callable(found):
                return found
    return None


def _diagnose(namespace: Mapping[str, Any], cell: str, probe: Callable[[Any], Any],
              reference: Any, mistakes: Sequence[Mistake] | None) -> tuple[Mistake, str] | None:
    student = namespace.get(cell)
    if student is None:
        return None
    candidates = [m for m in (mistakes if mistakes is not None else catalogue())
                  if m.cell == cell]
    if not candidates:
        return None
    if reference is None:
        reference = _course_reference(cell, candidates)
    outcomes = []
    for mistake in candidates:
        try:
            wrong = _instantiate(mistake, namespace)
        except Exception:  # noqa: BLE001 - a catalogue entry that does not compile is skipped
            continue
        outcomes.append((mistake, _run(probe, wrong)))
    expected = _run(probe, reference) if reference is not None else None
    return matching_outcome(_run(probe, student), expected, outcomes)


def matching_mistake(
    namespace: Mapping[str, Any],
    cell: str,
    probe: Callable[[Any], Any],
    reference: Any = None,
    mistakes: list[Mistake] | None = None,
) -> Mistake | None:
    """The catalogued mistake of ``cell`` that explains the outcome of the student's
    implementation ``namespace[cell]`` on ``probe`` (see :func:`matching_outcome`), or None.

    reference: the correct implementation (default: course_lib's implementation of ``cell``
    for the mistakes' assignment, when there is one); mistakes that agree with it on this
    probe are never named.
    """
    found = _diagnose(namespace, cell, probe, reference, mistakes)
    return found[0] if found else None


def default_probe(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], CallResult]:
    """The probe :func:`explain_mistakes` uses for a plain call: calls ``fn`` on deep copies
    of the inputs (copied now, before a test can change them) and returns a
    :class:`CallResult` (the returned value and the positional arguments after the call)."""
    frozen = copy.deepcopy((args, kwargs))

    def probe(fn: Callable[..., Any]) -> CallResult:
        call_args, call_kwargs = copy.deepcopy(frozen)
        returned = fn(*call_args, **call_kwargs)
        return CallResult(returned, tuple(call_args))

    return probe


def named_failure(failure: Exception, mistake: Mistake, part: str) -> CheckFailed:
    """The failure of a test, with the catalogued mistake that explains it.

    A failed check keeps its message; a crash of the student's code (a ValueError from a
    shape mismatch) becomes a failed check naming the exception (raise it ``from`` the crash:
    Jupyter then shows the line of the student's code where it happened). Either way the
    student reads what differs first, then ``This looks like a known mistake (name) in part:
    hint``, and no traceback through the course's helpers.
    """
    hint = translate(mistake.hint, "mistakes")  # in the language of the moment
    line = _("{label} ({mistake}) in {part}: {hint}") if part \
        else _("{label} ({mistake}): {hint}")
    named = line.format(label=_(NAMED_MISTAKE), mistake=mistake.name, part=part, hint=hint)
    if isinstance(failure, AssertionError):
        return CheckFailed(f"{failure}\n{named}")
    return CheckFailed(f"{type(failure).__name__}: {failure}\n{named}")


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
    matches (if any) to the message, with the part it is about.

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
    reference: the correct implementation (default: course_lib's, when there is one).
    """
    if probe is None:
        probe = default_probe(*args, **kwargs)
    try:
        yield
    except Exception as failure:
        found = _diagnose(namespace, cell, probe, reference, None)
        if found is None:
            raise
        raise named_failure(failure, *found) from (
            None if isinstance(failure, AssertionError) else failure)
