"""Gradient checking by centred finite differences.

``numerical_gradient(f, x)`` estimates df/dx entry by entry with
(f(x + eps e_i) - f(x - eps e_i)) / (2 eps); ``gradient_check`` does that for every array of a
parameters dict and compares with the analytic gradients through ``relative_error``
||a - b|| / (||a|| + ||b||). With float64 and eps = 1e-7 a correct backward pass typically
gives relative errors below 1e-7; a wrong one gives errors of order 1e-2 to 1.

For grading, a notebook test cell differentiates the student's own cost numerically and
checks the student's gradients against it::

    numeric = numeric_gradients(lambda p: propagate(p["w"], p["b"], X, Y)[1], {"w": w, "b": b})
    errors = gradient_errors(grads, numeric)      # {"dw": 3.1e-10, "db": 8.0e-11}, to print
    check_gradients(grads, numeric)               # AssertionError naming what is off

    AssertionError: the gradient check failed for dw:
    dw: relative error 6.0e-01 (above 1e-07); dw is 4.0 times the numerical gradient
    db agrees with the numerical gradient (relative error 8.0e-11)

The messages are shown in the student's language (:mod:`course_lib.language`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_lib.checks import CheckFailed, _shape_hint  # _shape_hint: the likely shape causes
from course_lib.isolation import call_each
from course_lib.language import _

__all__ = [
    "GRADIENT_THRESHOLD",
    "check_gradients",
    "gradient_check",
    "gradient_errors",
    "numeric_gradients",
    "numerical_gradient",
    "relative_error",
]

#: A relative error at or below this passes a gradient check (float64, eps = 1e-7).
GRADIENT_THRESHOLD = 1e-7

# numpy as it was at import time, so that student code that patches numpy cannot change
# what the checks compute (as in course_lib.checks)
_asarray = np.asarray
_isfinite = np.isfinite
_abs = np.abs
_max = np.max
_median = np.median
_argmax = np.argmax
_unravel_index = np.unravel_index
_norm = np.linalg.norm


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    """||a - b|| / (||a|| + ||b||) with Euclidean norms over all entries; 0/0 is defined as 0.

    a, b: arrays of the same shape (or scalars). ValueError naming both shapes otherwise.
    """
    a, b = _asarray(a, dtype=float), _asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(_("a has shape {a} but b has shape {b}; they must be equal").format(
            a=a.shape, b=b.shape))
    denominator = _norm(a.ravel()) + _norm(b.ravel())
    if denominator == 0.0:
        return 0.0
    return float(_norm((a - b).ravel()) / denominator)


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: ArrayLike, eps: float = 1e-7
) -> np.ndarray:
    """Centred finite-difference gradient of the scalar function ``f`` at ``x``.

    x: array of any shape (a float64 copy is perturbed; ``x`` itself is never modified).
    Returns an array of x's shape whose entry i is (f(x + eps e_i) - f(x - eps e_i)) divided
    by the actual distance between the two perturbed values (2 eps up to rounding).
    """
    return numeric_gradients(lambda p: f(p["x"]), {"x": x}, eps)["dx"]


def _perturbed(point: np.ndarray, eps: float) -> Iterator[np.ndarray]:
    """Copies of ``point`` with entry 0 raised by ``eps``, then lowered by ``eps``, then
    entry 1 likewise, and so on (2 * size arrays, made one at a time)."""
    for i in range(point.size):
        for step in (eps, -eps):
            trial = point.copy()
            flat = trial.reshape(-1)   # a view of the copy
            flat[i] = flat[i] + step
            yield trial


def _differences(values: list[float], point: np.ndarray, eps: float) -> np.ndarray:
    """The centred differences of the costs ``values`` at :func:`_perturbed`'s points, each
    divided by the distance between its two perturbed values as floats hold them."""
    flat = point.reshape(-1)
    costs = np.array(values, dtype=float).reshape(-1, 2)
    return ((costs[:, 0] - costs[:, 1]) / ((flat + eps) - (flat - eps))).reshape(point.shape)


#: Whether :func:`numeric_gradients` differentiates the course's cost it is given too. False in
#: the student edition (the course's code is not there: its stand-ins answer only recorded
#: calls) and while the edition's answers are recorded at release.
CHECK_AGAINST_REFERENCE = True


def numeric_gradients(
    cost_fn: Callable[[dict[str, Any]], float],
    parameters: Mapping[str, Any],
    eps: float = 1e-7,
    reference: Callable[[dict[str, Any]], float] | None = None,
) -> dict[str, np.ndarray]:
    """Centred finite-difference gradients of ``cost_fn`` for every parameter.

    cost_fn: maps a parameters dict (same keys as ``parameters``) to the scalar cost.
    parameters: name -> array of any shape, or a number (then its gradient has shape ()).
    Returns ``"d" + name`` -> the numerical gradient, of the parameter's shape: the keys a
    backward pass uses (``dw`` for ``w``, ``dW1`` for ``W1``). Each parameter is perturbed in
    a copy; ``parameters`` and its arrays are never modified. The cost is evaluated at every
    perturbed point with :func:`course_lib.isolation.call_each` (together, under the grader).

    reference: the course's version of ``cost_fn``. Where the course's code is at hand
    (:data:`CHECK_AGAINST_REFERENCE`) it is differentiated too, and if any gradient of
    ``cost_fn`` differs from the course's by more than :data:`GRADIENT_THRESHOLD` (relative
    error), the course's gradients are returned. A test takes the student's cost only once it
    returned the course's value at the test's point; an honest one then has the course's
    slopes there too (to about 1e-9), while a forward that answers the check's perturbed
    points with a slope of its own (a red team's, made to agree with a wrong backward) is not
    differentiated.
    """
    numeric = _numeric_gradients(cost_fn, parameters, eps, call_each)
    if reference is None or not CHECK_AGAINST_REFERENCE:
        return numeric
    # the course's cost calls nothing of the student's: evaluated here, one point after another
    course = _numeric_gradients(reference, parameters, eps, _one_by_one)
    if any(relative_error(numeric[name], gradient) > GRADIENT_THRESHOLD
           for name, gradient in course.items()):
        return course
    return numeric


def _one_by_one(f: Callable[[Any], Any], points: Iterable[Any]) -> list[Any]:
    return [f(p) for p in points]


def _numeric_gradients(cost_fn: Callable[[dict[str, Any]], float], parameters: Mapping[str, Any],
                       eps: float, each: Callable[..., list[Any]]) -> dict[str, np.ndarray]:
    if not eps > 0:
        raise ValueError(_("eps must be positive, got {eps}").format(eps=repr(eps)))
    points = {name: np.array(value, dtype=float) for name, value in parameters.items()}
    trials = (dict(parameters) | {name: trial}
              for name, point in points.items() for trial in _perturbed(point, eps))
    values = each(lambda trial: float(cost_fn(trial)), trials)
    numeric: dict[str, np.ndarray] = {}
    start = 0
    for name, point in points.items():
        numeric["d" + name] = _differences(values[start:start + 2 * point.size], point, eps)
        start += 2 * point.size
    return numeric


def _as_gradient(value: Any, expected: np.ndarray, name: str = "gradient"
                 ) -> tuple[np.ndarray | None, str]:
    """(value as a float array of ``expected``'s shape, "") or (None, what is wrong with the
    gradient ``name``).

    A size-1 gradient matches a size-1 parameter whatever its shape (a float db for a scalar
    b, or a (1, 1) array): a style choice, not a mistake in the derivative.
    """
    if value is None:
        return None, _("{name} is None (is a value missing from the dict, or a return?)"
                       ).format(name=name)
    try:
        array = _asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None, _("{name} holds values that are not numbers ({type})").format(
            name=name, type=type(value).__name__)
    if array.shape != expected.shape:
        if array.size == 1 and expected.size == 1:
            return array.reshape(expected.shape), ""
        problem = _("{name} has shape {got} but the numerical gradient has shape {expected}"
                    ).format(name=name, got=array.shape, expected=expected.shape)
        hint = _shape_hint(array.shape, expected.shape)
        return None, _("{message}: {hint}").format(message=problem, hint=hint) if hint \
            else problem
    if not _isfinite(array).all():
        return None, _("{name} contains nan or inf").format(name=name)
    return array, ""


def gradient_errors(analytic: Mapping[str, Any], numeric: Mapping[str, Any]
                    ) -> dict[str, float]:
    """name -> relative error between ``analytic[name]`` and ``numeric[name]``, for every name
    of ``numeric`` (what a test cell prints). Never raises: a gradient that is missing, has
    the wrong shape or holds nan/inf gets ``inf`` (:func:`check_gradients` says why)."""
    errors: dict[str, float] = {}
    for name, expected in numeric.items():
        expected = _asarray(expected, dtype=float)
        if not isinstance(analytic, Mapping) or name not in analytic \
                or not _isfinite(expected).all():
            errors[name] = math.inf
            continue
        array, _problem = _as_gradient(analytic[name], expected)
        errors[name] = math.inf if array is None else relative_error(array, expected)
    return errors


def _fmt_ratio(ratio: float) -> str:
    """4 significant digits, always with a decimal point: 4.0, -1.0, 0.0075, 133.3."""
    return repr(float(f"{ratio:.4g}"))


def _pattern(name: str, analytic: np.ndarray, numeric: np.ndarray) -> str:
    """How ``analytic`` is off: a constant ratio, all zeros, or its worst entry."""
    scale = float(_max(_abs(numeric))) if numeric.size else 0.0
    if not _abs(analytic).any():
        return _("{name} is all zeros").format(name=name)
    if scale > 0.0:
        big = _abs(numeric) > 1e-3 * scale
        ratios = analytic[big] / numeric[big]
        ratio = float(_median(ratios))
        small_ok = (_abs(analytic[~big]) <= 1e-3 * abs(ratio) * scale + 1e-12).all()
        if ratio != 0.0 and small_ok and (_abs(ratios - ratio) <= 1e-4 * abs(ratio)).all():
            if abs(ratio + 1.0) <= 1e-4:
                return _("{name} has the opposite sign of the numerical gradient (ratio -1.0): "
                         "a sign flipped").format(name=name)
            return _("{name} is {ratio} times the numerical gradient").format(
                name=name, ratio=_fmt_ratio(ratio))
    if analytic.ndim == 0:
        return _("yours {yours}, numerical {numerical}").format(
            yours=f"{float(analytic):.6g}", numerical=f"{float(numeric):.6g}")
    idx = tuple(int(i) for i in _unravel_index(_argmax(_abs(analytic - numeric)), numeric.shape))
    return _("the worst entry is at index {index}: yours {yours}, numerical {numerical}").format(
        index=idx, yours=f"{float(analytic[idx]):.6g}", numerical=f"{float(numeric[idx]):.6g}")


def _and(names: list[str]) -> str:
    """"dw", "dw and db", "dw1, db1 and dw2"."""
    return names[0] if len(names) == 1 else _("{names} and {last}").format(
        names=_(", ").join(names[:-1]), last=names[-1])


def _all_zero(numeric: Mapping[str, Any]) -> bool:
    """True when there are numerical gradients and every entry of every one is exactly 0."""
    arrays = [_asarray(g, dtype=float) for g in numeric.values()]
    return bool(arrays) and all(not _abs(a).any() for a in arrays)


def check_gradients(
    analytic: Mapping[str, Any],
    numeric: Mapping[str, Any],
    threshold: float = GRADIENT_THRESHOLD,
) -> None:
    """Fail unless every gradient of ``numeric`` has a close analytic counterpart.

    analytic: the backward pass's gradients, e.g. ``{"dw": (n, 1) array, "db": float}``
    (extra keys are ignored). numeric: the same names -> numerical gradients, e.g. from
    :func:`numeric_gradients`. A gradient passes when its :func:`relative_error` is at most
    ``threshold``. Raises CheckFailed (an AssertionError that Jupyter shows as its message
    alone) naming every gradient that fails, with its relative error and how it is off: a
    constant ratio ("dw is 4.0 times the numerical gradient"), a flipped sign, all zeros, or
    its worst entry; or that it is missing, mis-shaped or not finite. The gradients that pass
    are listed after the failures. A check with no numerical gradient at all fails (a red
    team's ``back_propagation`` emptied the parameters the check differentiates), and so does
    one where every numerical gradient is zero, whatever the analytic ones: a constant cost
    (a function whose every output is wrong) must not earn a gradient check.
    """
    if not isinstance(analytic, Mapping):
        raise CheckFailed(_("the gradients are {type}, expected a dict with keys {keys}"
                            ).format(type=type(analytic).__name__, keys=list(numeric)))
    if not numeric:   # nothing to compare with passes nothing
        raise CheckFailed(_("the gradient check has no numerical gradient to compare with "
                            "(no parameter was differentiated)"))
    if _all_zero(numeric):
        raise CheckFailed(_(
            "the gradient check proves nothing here: every numerical gradient is zero, so the "
            "cost it differentiates does not change with any parameter (is that cost a "
            "constant?). A correct cost changes with the parameters at these inputs."))
    failures: dict[str, str] = {}
    passed: dict[str, float] = {}
    for name, expected in numeric.items():
        expected = _asarray(expected, dtype=float)
        if not _isfinite(expected).all():
            failures[name] = _("the numerical estimate of {name} holds nan or inf: the cost "
                               "is not finite near these parameters").format(name=name)
            continue
        if name not in analytic:
            failures[name] = _("{name} is missing from the gradients (they have keys {keys})"
                               ).format(name=name, keys=sorted(map(str, analytic)))
            continue
        array, problem = _as_gradient(analytic[name], expected, name)
        if array is None:
            failures[name] = problem
            continue
        error = relative_error(array, expected)
        if error <= threshold:
            passed[name] = error
            continue
        failures[name] = _("{name}: relative error {error} (above {threshold}); {how}").format(
            name=name, error=f"{error:.1e}", threshold=f"{threshold:.0e}",
            how=_pattern(name, array, expected))
    if not failures:
        return
    lines = [_("the gradient check failed for {names}:").format(names=_and(list(failures))),
             *failures.values()]
    if passed:
        lines.append(_agreeing(passed))
    raise CheckFailed("\n".join(lines))


def _agreeing(passed: Mapping[str, float]) -> str:
    """The line naming the gradients that pass, with their relative errors."""
    errors = ", ".join(f"{e:.1e}" for e in passed.values())
    if len(passed) == 1:
        text = _("{names} agrees with the numerical gradient (relative error {errors})")
    else:
        text = _("{names} agree with the numerical gradient (relative errors {errors})")
    return text.format(names=_and(list(passed)), errors=errors)


def _gradient_for(grads: Mapping[str, Any], name: str) -> Any:
    for key in ("d" + name, name):
        if key in grads:
            return grads[key]
    raise ValueError(_("no gradient for parameter {name}: expected key {key} among {keys}"
                       ).format(name=repr(name), key=repr("d" + name), keys=sorted(grads)))


def gradient_check(
    cost_fn: Callable[[dict[str, Any]], float],
    parameters: Mapping[str, Any],
    grads: Mapping[str, Any],
    eps: float = 1e-7,
) -> dict[str, float]:
    """Compare analytic gradients with centred finite differences, parameter by parameter.

    cost_fn: maps a parameters dict to the scalar cost. parameters: name -> array (or
    scalar). grads: the analytic gradients, keyed ``"d" + name`` (``dW1`` for ``W1``, ``dw``
    for ``w``) or ``name``, each of its parameter's shape. Returns name -> relative error.
    ``parameters`` is not modified: each name is perturbed in a copy. ValueError naming both
    shapes when a gradient's shape differs from its parameter's.
    """
    analytic: dict[str, np.ndarray] = {}
    for name, value in parameters.items():
        analytic[name] = np.asarray(_gradient_for(grads, name), dtype=float)
        if analytic[name].shape != np.shape(value):
            raise ValueError(_("{gradient} has shape {got} but {name} has shape {expected}; "
                               "they must be equal").format(
                gradient="d" + name, got=analytic[name].shape, name=name,
                expected=np.shape(value)))
    numeric = numeric_gradients(cost_fn, parameters, eps)
    return {name: relative_error(analytic[name], numeric["d" + name]) for name in parameters}
