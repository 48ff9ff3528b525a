"""Checks the notebook tests call: they fail with a message that says WHAT is wrong.

Every check raises ``AssertionError`` (what nbgrader counts as a failed test) with a message
naming the value, what was expected and, where a common mistake fits the evidence, a hint:
a shape (n,) where (n, 1) was expected (``keepdims=True``), a transposed matrix, a list
where a numpy array was expected, every entry off by the same factor (a constant ratio,
-1 meaning a flipped sign).

Tolerance policy (one for the whole course): ``actual`` is close to ``expected`` when
``|actual - expected| <= ATOL + RTOL * |expected|`` entry by entry (numpy's ``allclose``
rule, so ``expected`` sets the scale), with NaN never close to anything.

Language: every message is written in English here and shown in the student's language
(:mod:`course_lib.language`, ``_()``); numbers, shapes and code inside a message stay as
they are.

Integrity: the numpy functions used here are bound when this module is imported, so a
student cell that later monkey-patches numpy (``np.allclose = lambda *a, **k: True``) does
not change what these checks compute.
"""

from __future__ import annotations

import math
import numbers
import re
import sysconfig
import traceback
from collections.abc import Mapping
from functools import reduce
from pathlib import Path
from typing import Any

import numpy as np

from course_lib.language import N_, _

__all__ = [
    "RTOL",
    "ATOL",
    "check_type",
    "check_shape",
    "check_returns",
    "returned_array",
    "NUMBER",
    "check_equal",
    "check_close",
    "check_dict_close",
    "entry_name",
    "show",
    "SHOWN_DIGITS",
    "CheckFailed",
    "same_output",
    "visible_test_passed",
    "gradient_check_passed",
]

RTOL = 1e-5
ATOL = 1e-8

# numpy as it was when the checks were imported (see "Integrity" above)
_ndarray = np.ndarray
_generic = np.generic
_asarray = np.asarray
_array = np.array
_shape = np.shape
_abs = np.abs
_isclose = np.isclose
_isnan = np.isnan
_argmax = np.argmax
_argwhere = np.argwhere
_unravel_index = np.unravel_index
_count_nonzero = np.count_nonzero
_array_equal = np.array_equal
_not_equal = np.not_equal
_float64 = np.float64
_ptp = np.ptp
_max = np.max
_median = np.median

#: How a message names a type (English, translated where it is shown).
_TYPE_NAMES: dict[type, str] = {
    _ndarray: N_("a numpy array"),
    float: N_("a float"),
    int: N_("an int"),
    bool: N_("a bool"),
    str: N_("a str"),
    list: N_("a list"),
    tuple: N_("a tuple"),
    dict: N_("a dict"),
    type(None): N_("None"),
    numbers.Real: N_("a number"),
}

#: The type of "a number" in :func:`check_returns` (and :func:`check_type`): an int, a float
#: or a numpy scalar such as ``np.float64``.
NUMBER = numbers.Real


def _describe_type(t: type | tuple[type, ...]) -> str:
    if isinstance(t, tuple):
        names = [_describe_type(one) for one in t]
        return reduce(lambda either, other: _("{either} or {other}").format(
            either=either, other=other), names)
    if t in _TYPE_NAMES:
        return _(_TYPE_NAMES[t])
    return _("a {type}").format(type=t.__name__)


def _describe_value_type(value: Any) -> str:
    if isinstance(value, _ndarray) and value.ndim == 0:
        return _("a numpy array of shape {shape}").format(shape=value.shape)
    if isinstance(value, _ndarray):
        return _("a numpy array")
    if isinstance(value, _generic):
        return _("a numpy scalar ({type})").format(type=type(value).__name__)
    return _describe_type(type(value))


#: Significant digits of the numbers a test prints for the student: enough to compare by eye,
#: few enough that no machine's arithmetic (BLAS kernels round the last bits differently)
#: changes what is shown.
SHOWN_DIGITS = 6


def _fmt(x: Any, digits: int = SHOWN_DIGITS) -> str:
    """A number as a failed check prints it: ``digits`` significant digits (``1.0``, not ``1``)."""
    if isinstance(x, numbers.Integral) and not isinstance(x, bool):
        return str(int(x))
    if isinstance(x, numbers.Real):
        return repr(float(f"{float(x):.{digits}g}"))
    return repr(x)


def _shown(got: Any, expected: Any) -> dict[str, str]:
    """``got`` and ``expected`` as a failed check prints them: ``SHOWN_DIGITS`` significant
    digits, more only where that many would print two different numbers alike (``1.0000012``
    against ``1.0000034`` shows as ``1.000001`` and ``1.000003``)."""
    for digits in range(SHOWN_DIGITS, 18):
        pair = _fmt(got, digits), _fmt(expected, digits)
        if pair[0] != pair[1]:
            break
    return {"got": pair[0], "expected": pair[1]}


def show(value: Any, digits: int = SHOWN_DIGITS) -> str:
    """``value`` as a test prints it: every float to ``digits`` significant digits.

    Numbers, numpy arrays (any shape, printed as nested lists) and tuples, lists and dicts of
    them; anything else as ``str``. ``show(0.03960049970212226)`` is ``'0.0396005'``,
    ``show(np.array([[0.5, 1/3]]))`` is ``'[[0.5, 0.333333]]'``, ``show(1.0)`` is ``'1.0'``.
    """
    if isinstance(value, bool | str) or value is None:
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(f"{float(value):.{digits}g}"))   # 1.0 stays 1.0, not 1
    if isinstance(value, _ndarray) and value.dtype.kind in "biuf":
        return show(value.tolist(), digits) if value.ndim else show(value.item(), digits)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k!r}: {show(v, digits)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        inner = ", ".join(show(v, digits) for v in value)
        return f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else (
            f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
    return str(value)


def _fmt_ratio(ratio: float) -> str:
    """A ratio with 6 significant digits, always with a decimal point: 2.0, -1.0, 0.333333."""
    return repr(float(f"{ratio:.6g}"))


class CheckFailed(AssertionError):
    """A failed check: an ``AssertionError`` (what nbgrader counts as a failed test) that
    Jupyter shows as its message alone.

    IPython draws an exception that has a ``_render_traceback_`` method with the lines that
    method returns, so a student reads what differs first, not a traceback through the
    course's helpers (the check's name in the message says which value it is about).
    """

    def _render_traceback_(self) -> list[str]:
        lines = str(self).splitlines() or [""]
        failed = _("Test failed:")
        shown = [f"\x1b[0;31m{failed}\x1b[0m {lines[0]}", *lines[1:]]
        remote = getattr(self.__cause__, "student_where", "")   # raised in the student's kernel
        where = _student_frame(self.__cause__)
        if remote:
            shown.append(_("(raised in {where})").format(where=remote))
        elif where is not None:   # the student's code crashed: show where
            shown.append(_("(raised in {function}, line {line}: {code})").format(
                function=where.name, line=where.lineno, code=where.line))
        return shown


def _student_frame(error: BaseException | None) -> traceback.FrameSummary | None:
    """The innermost frame of ``error`` in a notebook cell (not in a library), or None."""
    if error is None or error.__traceback__ is None:
        return None
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith(_LIBRARY_FOLDERS)]
    return frames[-1] if frames else None


#: Where code that is not the student's lives: this package, the standard library and the
#: installed packages.
_LIBRARY_FOLDERS = tuple({str(Path(__file__).resolve().parent),
                          *(sysconfig.get_paths()[key] for key in ("stdlib", "purelib",
                                                                    "platlib"))})


def _fail(message: str) -> None:
    raise CheckFailed(message)


def _with(message: str, more: str) -> str:
    """``message: more`` (a hint after a failure), or ``message`` when there is no hint."""
    return _("{message}: {hint}").format(message=message, hint=more) if more else message


def visible_test_passed(name: str) -> str:
    """What a notebook prints when the visible test of ``name`` passed."""
    return _("{name}: visible test passed").format(name=name)


def gradient_check_passed(name: str) -> str:
    """What a notebook prints when the gradient check of ``name`` passed."""
    return _("{name}: gradient check passed").format(name=name)


# --------------------------------------------------------------------------- type & shape


def check_type(value: Any, expected_type: type | tuple[type, ...], name: str) -> None:
    """Fail unless ``isinstance(value, expected_type)``.

    Example message: "dw is a list but expected a numpy array".
    """
    if isinstance(value, expected_type):
        return
    message = _("{name} is {got} but expected {wanted}").format(
        name=name, got=_describe_value_type(value), wanted=_describe_type(expected_type))
    hint = ""
    if isinstance(value, _ndarray) and value.ndim == 0:
        hint = _("convert it with {code}").format(
            code="float(...)" if expected_type is float else ".item()")
    elif (isinstance(value, tuple) and expected_type is _ndarray
          and any(isinstance(item, _ndarray) for item in value)):
        hint = _("did you return {count} values where one was expected?").format(
            count=len(value))
    elif isinstance(value, list | tuple) and expected_type is _ndarray:
        hint = _("build it with numpy operations or wrap it in {code}").format(
            code="np.array(...)")
    _fail(_with(message, hint))


def _shape_hint(actual: tuple[int, ...], expected: tuple[int, ...]) -> str:
    """The likely cause of a shape mismatch, or "" when none fits."""
    a_squeezed = tuple(d for d in actual if d != 1)
    e_squeezed = tuple(d for d in expected if d != 1)
    if expected == ():
        return _("a scalar was expected: did you forget np.squeeze or float(...)?")
    if a_squeezed == e_squeezed and len(actual) < len(expected):
        return _("did you forget keepdims=True or a reshape?")
    if a_squeezed == e_squeezed and len(actual) > len(expected):
        return _("an extra axis of length 1: did you mean to squeeze or reshape?")
    if a_squeezed == e_squeezed:
        return _("the same entries along a different axis: a reshape or keepdims mistake?")
    if len(actual) == 2 and actual == expected[::-1]:
        return _("likely transposed: check the order of a matrix product or a missing/extra .T")
    if len(actual) == len(expected) and all(
        a == e or e == 1 for a, e in zip(actual, expected, strict=True)
    ):
        return _("bigger along an axis where a length of 1 was expected: an unintended "
                 "broadcast (e.g. (n, 1) combined with (n,) gives (n, n))?")
    return ""


def check_shape(value: Any, expected_shape: tuple[int, ...], name: str) -> None:
    """Fail unless ``np.shape(value) == expected_shape``.

    Example: "dw has shape (2,) but expected (2, 1): did you forget keepdims=True or a
    reshape?"
    """
    expected_shape = tuple(expected_shape)
    actual_shape = tuple(_shape(value))
    if actual_shape == expected_shape:
        return
    message = _("{name} has shape {got} but expected {expected}").format(
        name=name, got=actual_shape, expected=expected_shape)
    _fail(_with(message, _shape_hint(actual_shape, expected_shape)))


# --------------------------------------------------------------------------- returned values


def check_returns(value: Any, function: str,
                  **expected: type | tuple[type, ...] | None) -> tuple:
    """``value``, what ``function`` returned, as the tuple of the values named in
    ``expected`` (in order, each with its type, None for any type); fail unless it holds
    that many values of those types.

    A test unpacks what a function returns (``grads, cost = propagate(...)``): without this
    check, a function returning one value, three, or two in the other order fails the test's
    own line with an unpacking error or a bad index, not with what is wrong.
    Example: ``grads, cost = check_returns(propagate(w, b, X, Y), "propagate", grads=dict,
    cost=NUMBER)`` says "propagate returned a dict, but it should return 2 values, as in:
    return grads, cost".
    """
    names = ", ".join(expected)
    if not isinstance(value, tuple | list):
        _fail(_("{function} returned {got}, but it should return {count} values, as in: "
                "return {names}").format(function=function, got=_describe_value_type(value),
                                         count=len(expected), names=names))
    if len(value) != len(expected):
        _fail(_("{function} returned {got} values, but it should return {count}, as in: "
                "return {names}").format(function=function, got=len(value),
                                         count=len(expected), names=names))
    for position, (got, (name, wanted)) in enumerate(zip(value, expected.items(), strict=True)):
        if wanted is not None and not isinstance(got, wanted):
            _fail(_("{name}, value {position} of the {count} that {function} returned, is "
                    "{got} but expected {wanted} (they come in this order: return {names})"
                    ).format(name=name, position=position + 1, count=len(expected),
                             function=function, got=_describe_value_type(got),
                             wanted=_describe_type(wanted), names=names))
    return tuple(value)


def returned_array(value: Any, function: str) -> Any:
    """A copy of ``value``, the array ``function`` returned, made by ``np.array`` (which takes
    a list of numbers too); fail if it is a tuple holding matrices: ``function`` returned
    several values where one array was expected (``return A, cache`` from a layer's forward,
    the habit of assignment 3), which ``np.array`` would stack into one array of the wrong
    shape.
    Example: "Dense.forward returned a tuple of 2 values, but it should return one numpy
    array".
    """
    if isinstance(value, tuple) and any(isinstance(item, _ndarray) and item.ndim >= 2
                                        for item in value):
        _fail(_("{function} returned a tuple of {count} values, but it should return one "
                "numpy array").format(function=function, count=len(value)))
    return _array(value)


# --------------------------------------------------------------------------- equality


def _first_index(mask: Any) -> tuple[int, ...]:
    return tuple(int(i) for i in _argwhere(mask)[0])


def check_equal(actual: Any, expected: Any, name: str) -> None:
    """Fail unless ``actual`` equals ``expected`` exactly (arrays: same type, shape, entries)."""
    if isinstance(expected, _ndarray):
        check_type(actual, _ndarray, name)
        check_shape(actual, expected.shape, name)
        if _array_equal(actual, expected):
            return
        differ = _not_equal(actual, expected)
        n_diff = int(_count_nonzero(differ))
        idx = _first_index(differ)
        _fail(_("{name} differs in {count} of {size} entries; first at index {index}: "
                "got {got} expected {expected}").format(
            name=name, count=n_diff, size=expected.size, index=idx,
            **_shown(actual[idx], expected[idx])))
    if isinstance(actual, _ndarray):
        check_type(actual, type(expected), name)
    if bool(actual == expected):
        return
    message = _differs(name, actual, expected)
    if _is_number(actual) and _is_number(expected) and expected != 0:
        message = _with_ratio(message, actual / expected)
    _fail(message)


def _differs(name: str, got: Any, expected: Any) -> str:
    return _("{name} differs: got {got} expected {expected}").format(
        name=name, **_shown(got, expected))


def _with_ratio(message: str, ratio: float) -> str:
    return _("{message} (ratio {ratio})").format(message=message, ratio=_fmt_ratio(ratio))


# --------------------------------------------------------------------------- closeness


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, bool)


def _is_scalar(x: Any) -> bool:
    return _is_number(x) or (isinstance(x, _ndarray | _generic) and x.ndim == 0)


def _as_float_array(value: Any, name: str) -> Any:
    try:
        return _asarray(value, dtype=_float64)
    except (TypeError, ValueError):
        _fail(_("{name} holds values that are not numbers: {value}").format(
            name=name, value=repr(value)))
        raise  # unreachable, keeps type checkers happy


def _pattern(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    """State a constant ratio or a constant offset between actual and expected, if any."""
    nonzero = _abs(expected) > atol
    if _count_nonzero(nonzero) > 0 and _isclose(actual[~nonzero], 0.0, rtol=0, atol=atol).all():
        ratios = actual[nonzero] / expected[nonzero]
        ratio = float(_median(ratios))
        if ratio != 0 and _isclose(ratios, ratio, rtol=1e-6, atol=0).all():
            if _isclose(ratio, -1.0, rtol=1e-6, atol=0):
                return _("every entry has the opposite sign (ratio -1.0): sign flipped")
            return _("every entry is {ratio} times the expected (constant ratio)").format(
                ratio=_fmt_ratio(ratio))
    offsets = actual - expected
    if offsets.size > 1 and float(_ptp(offsets)) <= atol + rtol * float(_max(_abs(expected))):
        return _("every entry is off by the same amount ({offset})").format(
            offset=f"{float(offsets.flat[0]):+.6g}")
    return ""


def check_close(
    actual: Any,
    expected: Any,
    name: str,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> None:
    """Fail unless ``actual`` is close to ``expected`` under the module's tolerance policy.

    ``expected`` decides the kind: a scalar (Python or numpy number, 0-d array) needs a
    scalar, an array needs a numpy array of the same shape, a list/tuple needs a list/tuple
    of the same length, a dict is checked key by key (:func:`check_dict_close`).
    Messages: "cost differs: got 0.5 expected 0.25 (ratio 2.0)";
    for arrays how many entries differ, the worst one (index, got, expected) and a constant
    ratio or offset when there is one.
    """
    if isinstance(expected, Mapping):
        check_dict_close(actual, expected, name, rtol=rtol, atol=atol)
        return
    if _is_scalar(expected):
        if not _is_scalar(actual):
            if isinstance(actual, _ndarray):
                check_shape(actual, (), name)
            check_type(actual, float, name)
        a, e = float(_as_float_array(actual, name)), float(_as_float_array(expected, name))
        if math.isnan(a) and not math.isnan(e):
            _fail(_("{name} is nan but expected {expected}").format(name=name, expected=_fmt(e)))
        if abs(a - e) <= atol + rtol * abs(e):
            return
        message = _differs(name, a, e)
        if e != 0:
            message = _with_ratio(message, a / e)
            if math.isclose(a / e, -1.0, rel_tol=1e-6):
                message = _with(message, _("sign flipped"))
        _fail(message)
        return

    if isinstance(expected, list | tuple):
        check_type(actual, (list, tuple), name)
        if len(actual) != len(expected):
            _fail(_("{name} has {count} entries but expected {expected}").format(
                name=name, count=len(actual), expected=len(expected)))
        a_arr = _as_float_array(actual, name)
        e_arr = _as_float_array(expected, name)
    else:
        check_type(actual, _ndarray, name)
        e_arr = _as_float_array(expected, name)
        check_shape(actual, e_arr.shape, name)
        a_arr = _as_float_array(actual, name)

    close = _isclose(a_arr, e_arr, rtol=rtol, atol=atol)
    if close.all():
        return
    n_bad = int(a_arr.size - _count_nonzero(close))
    nan = _isnan(a_arr) & ~_isnan(e_arr)
    if _count_nonzero(nan):
        idx = _first_index(nan)
        _fail(_("{name} differs in {count} of {size} entries; {nan} of them nan, the first "
                "at index {index}").format(name=name, count=n_bad, size=e_arr.size,
                                           nan=int(_count_nonzero(nan)), index=idx))
    excess = _abs(a_arr - e_arr) - (atol + rtol * _abs(e_arr))
    idx = tuple(int(i) for i in _unravel_index(_argmax(excess), e_arr.shape))
    message = _("{name} differs in {count} of {size} entries ({tolerance}); worst at index "
                "{index}: got {got} expected {expected}").format(
        name=name, count=n_bad, size=e_arr.size, tolerance=f"rtol={rtol:g}, atol={atol:g}",
        index=idx, **_shown(a_arr[idx], e_arr[idx]))
    pattern = _pattern(a_arr, e_arr, rtol, atol)
    _fail(_("{message}; {pattern}").format(message=message, pattern=pattern) if pattern
          else message)


def entry_name(name: str, key: Any) -> str:
    """How a message names the entry ``key`` of the dict called ``name``: ``grads['dW1']``
    when the name reads as Python (``grads``, ``cache``, ``initialize_parameters_deep([5,
    4])``), else "'dW1' of the updated parameters" (brackets glued to the end of a
    description, "... seed 7['b1']", read as part of it)."""
    if re.fullmatch(r"[\w.]+(\(.*\)|\[.*\])?", name):
        return f"{name}[{key!r}]"
    return _("{key} of {name}").format(key=repr(key), name=name)


def check_dict_close(
    actual_dict: Any,
    expected_dict: Mapping[str, Any],
    name: str,
    rtol: float = RTOL,
    atol: float = ATOL,
    allow_extra: bool = True,
) -> None:
    """Check a dict of arrays/numbers key by key with :func:`check_close`.

    Missing keys are named; every failing key is reported in one message (one line each).
    Extra keys fail only when ``allow_extra`` is False.
    """
    check_type(actual_dict, dict, name)
    missing = [k for k in expected_dict if k not in actual_dict]
    if missing:
        _fail(_("{name} is missing keys {missing} (it has {keys})").format(
            name=name, missing=missing, keys=sorted(map(str, actual_dict))))
    extra = [k for k in actual_dict if k not in expected_dict]
    if extra and not allow_extra:
        _fail(_("{name} has unexpected keys {extra}").format(name=name, extra=extra))
    problems = []
    for key, expected in expected_dict.items():
        try:
            check_close(actual_dict[key], expected, entry_name(name, key), rtol=rtol,
                        atol=atol)
        except AssertionError as err:
            problems.append(str(err))
    if problems:
        _fail("\n".join(problems))


# ---------------------------------------------------------------------------- whole values

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
