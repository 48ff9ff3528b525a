"""course_lib.isolation: reference_for swaps names in and out; quiet keeps stderr empty."""

from __future__ import annotations

import io
import types
import warnings

import numpy as np
import pytest

from course_lib import isolation
from course_lib.isolation import (
    quiet,
    reference_for,
    reference_if_wrong,
    resolve_module,
    warning_note,
)

# A stand-in reference module, so these tests do not depend on the other course modules.
REF = types.ModuleType("course_lib_fake_reference")
exec(
    "def propagate(x):\n    return 'reference propagate'\n"
    "def sigmoid(z):\n    return 'reference sigmoid'\n"
    "NOT_CALLABLE = 3\n",
    REF.__dict__,
)
REF.propagate.__module__ = REF.sigmoid.__module__ = REF.__name__


def student_propagate(x):
    return "student propagate"


def test_reference_is_visible_inside_and_student_restored_after():
    ns = {"propagate": student_propagate}
    # a function defined in the notebook looks names up in the same globals dict
    exec("def optimize():\n    return propagate(1)\n", ns)
    assert ns["optimize"]() == "student propagate"
    with reference_for(ns, "propagate", module=REF):
        assert ns["optimize"]() == "reference propagate"
    assert ns["optimize"]() == "student propagate"
    assert ns["propagate"] is student_propagate


def test_several_names_and_a_name_the_student_never_defined():
    ns = {"propagate": student_propagate}
    with reference_for(ns, "propagate", "sigmoid", module=REF):
        assert ns["sigmoid"] is REF.sigmoid and ns["propagate"] is REF.propagate
    assert "sigmoid" not in ns
    assert ns["propagate"] is student_propagate


def test_student_name_restored_when_the_test_body_fails():
    ns = {"propagate": student_propagate}
    with pytest.raises(AssertionError), reference_for(ns, "propagate", module=REF):
        raise AssertionError("the tested function was wrong")
    assert ns["propagate"] is student_propagate


def test_unknown_name_is_refused_before_touching_the_namespace():
    ns = {"propagate": student_propagate}
    with pytest.raises(ValueError, match=r"no reference for \['propogate'\].*propagate"):
        with reference_for(ns, "propagate", "propogate", module=REF):
            pass
    assert ns == {"propagate": student_propagate}
    with pytest.raises(ValueError, match="NOT_CALLABLE"):
        with reference_for(ns, "NOT_CALLABLE", module=REF):
            pass


def test_needs_a_name():
    with pytest.raises(ValueError, match="at least one name"):
        with reference_for({}, module=REF):
            pass


def test_module_by_name():
    assert resolve_module("isolation") is isolation
    assert resolve_module("course_lib.isolation") is isolation
    with pytest.raises(ValueError, match="course_lib.no_such_module"):
        resolve_module("no_such_module")
    with pytest.raises(TypeError):
        resolve_module(3)


def test_quiet_captures_numpy_overflow_and_prints_one_note_on_stdout(capsys):
    with quiet() as caught:
        out = 1 / (1 + np.exp(-np.array([-1000.0, 0.0])))
        np.log(np.zeros(2))
    np.testing.assert_array_equal(out, [0.0, 0.5])
    assert len(caught) == 2
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = captured.out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Note: your code raised RuntimeWarning: overflow encountered in exp")
    assert "did not cost points" in lines[0] and "1 other kind" in lines[0]


def test_quiet_overrides_errstate_raise():
    with np.errstate(all="raise"), quiet(out=io.StringIO()) as caught:
        np.exp(np.array([1000.0]))
    assert caught and issubclass(caught[0].category, RuntimeWarning)


def test_quiet_catches_python_warnings_and_still_notes_when_the_body_raises():
    buf = io.StringIO()
    with pytest.raises(ZeroDivisionError), quiet(out=buf):
        warnings.warn("old API", DeprecationWarning, stacklevel=1)
        1 / 0  # noqa: B018
    assert buf.getvalue().startswith("Note: your code raised DeprecationWarning: old API")


def test_quiet_says_nothing_when_nothing_happened(capsys):
    with quiet() as caught:
        np.exp(np.array([1.0]))
    assert caught == []
    assert capsys.readouterr() == ("", "")
    assert warning_note([]) == ""


def test_quiet_restores_numpy_error_state():
    before = np.geterr()
    with quiet(out=io.StringIO()):
        pass
    assert np.geterr() == before


def test_quiet_shows_a_few_printed_lines_as_they_are(capsys):
    with quiet():
        for i in range(5):
            print("cost", i)
    assert capsys.readouterr().out == "".join(f"cost {i}\n" for i in range(5))


def test_quiet_shows_the_first_and_last_lines_of_a_flood_and_how_many_it_left_out(capsys):
    head, tail = isolation.CappedOutput.HEAD, isolation.CappedOutput.TAIL
    with quiet():
        for i in range(10_000):   # a debug print in sigmoid, in a training loop
            print("z =", i)
        print("expected AL = [0.5]")   # the test's own lines come last: they are shown
        print("your AL     = [0.6]")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:head] == [f"z = {i}" for i in range(head)]
    assert lines[head] == (f"... {10_002 - head - tail} more lines printed here are not shown "
                           "(a print in a function the test calls many times?) ...")
    assert lines[head + 1:] == [f"z = {i}" for i in range(10_002 - tail, 10_000)] + [
        "expected AL = [0.5]", "your AL     = [0.6]"]


def test_quiet_cuts_a_line_that_never_ends(capsys):
    with quiet():
        for i in range(100_000):
            print(i, end=" ")
    out = capsys.readouterr().out
    assert len(out) < isolation.CappedOutput.HEAD_CHARS + 2 * isolation.CappedOutput.LINE_CHARS
    assert out.endswith(" ...\n")


def test_quiet_inside_quiet_caps_once_and_stdout_comes_back_after_an_error():
    import sys

    before = sys.stdout
    with pytest.raises(ZeroDivisionError), quiet():
        outer = sys.stdout
        with quiet():
            assert sys.stdout is outer   # not wrapped twice
        raise ZeroDivisionError("the body fails")
    assert isinstance(outer, isolation.CappedOutput) and sys.stdout is before


# --------------------------------------------------------------------------- reference_if_wrong

NUMERIC_REF = types.ModuleType("course_lib_fake_numeric_reference")
exec(
    "import numpy as np\n"
    "def forward(x):\n    return np.tanh(x)\n"
    "def cost(a):\n    return float(np.sum(a ** 2))\n",
    NUMERIC_REF.__dict__,
)
NUMERIC_REF.forward.__module__ = NUMERIC_REF.cost.__module__ = NUMERIC_REF.__name__


def test_reference_if_wrong_keeps_a_right_student_function():
    def forward(x):  # right, in another style
        return (np.exp(2 * x) - 1) / (np.exp(2 * x) + 1)

    ns = {"forward": forward}
    x = np.linspace(-1, 1, 5)
    with reference_if_wrong(ns, {"forward": (x,)}, module=NUMERIC_REF) as replaced:
        assert replaced == []
        assert ns["forward"] is forward
    assert ns["forward"] is forward


def test_reference_if_wrong_replaces_only_the_wrong_ones_and_restores_them():
    def forward(x):
        return 1 / (1 + np.exp(-x))  # sigmoid instead of tanh

    def cost(a):
        return float(np.sum(a ** 2))

    ns = {"forward": forward, "cost": cost}
    x = np.linspace(-1, 1, 5)
    calls = {"forward": (x,), "cost": (np.tanh(x),)}
    with reference_if_wrong(ns, calls, module=NUMERIC_REF) as replaced:
        assert replaced == ["forward"]
        assert ns["forward"] is NUMERIC_REF.forward and ns["cost"] is cost
    assert ns["forward"] is forward


@pytest.mark.parametrize("student", [
    None,
    "not a function",
    lambda a: 1 / 0,
    lambda a: a.tolist(),
], ids=["missing", "not-callable", "raises", "wrong-type"])
def test_reference_if_wrong_replaces_missing_crashing_and_wrong_functions(student):
    ns = {} if student is None else {"cost": student}
    with reference_if_wrong(ns, {"cost": (np.ones(3),)}, module=NUMERIC_REF) as replaced:
        assert replaced == ["cost"] and ns["cost"] is NUMERIC_REF.cost
    assert ns.get("cost") is student


def test_reference_if_wrong_never_lets_the_student_change_the_inputs(capsys):
    import warnings

    def cost(a):
        a *= 2  # mutates, and warns
        warnings.warn("careful", RuntimeWarning, stacklevel=1)
        return float(np.sum((a / 2) ** 2))

    a = np.ones(3)
    ns = {"cost": cost}
    with reference_if_wrong(ns, {"cost": (a,)}, module=NUMERIC_REF) as replaced:
        assert replaced == []
    np.testing.assert_array_equal(a, np.ones(3))
    assert capsys.readouterr().out == ""


def test_reference_if_wrong_refuses_unknown_names_before_running_anything():
    ran = []
    ns = {"forward": lambda x: ran.append(x)}
    with pytest.raises(ValueError, match="no reference for \\['backward'\\]"):
        with reference_if_wrong(ns, {"forward": (1.0,), "backward": (1.0,)}, module=NUMERIC_REF):
            pass
    assert ran == []
