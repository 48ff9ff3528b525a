"""Tests for course_lib.checks: every message kind, and that correct values pass."""

import ast

import numpy as np
import pytest

from course_lib import checks
from course_lib.checks import (
    ATOL,
    RTOL,
    check_close,
    check_dict_close,
    check_equal,
    check_shape,
    check_type,
    entry_name,
)

E = np.array([[1.0, -2.0], [3.0, 4.0]])


def fails(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_tolerance_policy_constants_are_the_defaults():
    assert (RTOL, ATOL) == (1e-5, 1e-8)
    check_close(1.0 + 0.9e-5, 1.0, "x")
    assert "x differs" in fails(check_close, 1.0 + 1.1e-5, 1.0, "x")
    check_close(0.9e-8, 0.0, "x")
    fails(check_close, 1.1e-8, 0.0, "x")


# ---------------------------------------------------------------- correct values pass


@pytest.mark.parametrize(
    "actual, expected",
    [
        (0.25, 0.25),
        (np.float64(0.25), 0.25),
        (np.array(0.25), 0.25),  # np.squeeze of a cost
        (0.25 * (1 + 1e-7), np.float64(0.25)),
        (E.copy(), E),
        (E + 1e-9, E),
        ([0.1, 0.2], [0.1, 0.2]),
    ],
)
def test_correct_values_pass(actual, expected):
    check_close(actual, expected, "v")


def test_other_checks_pass_on_correct_values():
    check_type(E, np.ndarray, "E")
    check_type(1.0, (int, float), "x")
    check_shape(E, (2, 2), "E")
    check_shape(E[:, :1], [2, 1], "E")
    check_equal(np.array([1, 0, 1]), np.array([1, 0, 1]), "pred")
    check_equal("relu", "relu", "activation")
    check_dict_close({"dW1": E, "db1": E[:, :1], "extra": 3}, {"dW1": E, "db1": E[:, :1]}, "g")


# ---------------------------------------------------------------- type messages


def test_list_instead_of_array():
    msg = fails(check_type, [1.0, 2.0], np.ndarray, "dw")
    assert msg.startswith("dw is a list but expected a numpy array")


def test_check_close_rejects_list_for_array():
    assert "dw is a list but expected a numpy array" in fails(check_close, E.tolist(), E, "dw")


def test_zero_d_array_for_float_and_str_for_number():
    assert "cost is a numpy array of shape () but expected a float: convert it with float" in (
        fails(check_type, np.array(0.3), float, "cost")
    )
    assert fails(check_close, "0.3", 0.3, "cost") == "cost is a str but expected a float"


def test_a_tuple_holding_arrays_where_one_array_was_expected_is_several_returned_values():
    msg = fails(check_type, (E, (E, E)), np.ndarray, "A")
    assert msg == "A is a tuple but expected a numpy array: did you return 2 values where one " \
                  "was expected?"
    assert "np.array(...)" in fails(check_type, (1.0, 2.0), np.ndarray, "A")


# ---------------------------------------------------------------- returned values


def test_check_returns_gives_back_the_values_it_checked():
    grads, cost = ({"dw": E}, 0.5)
    assert checks.check_returns((grads, cost), "propagate", grads=dict, cost=None) == (grads, cost)
    assert checks.check_returns([E, 2], "f", Z=np.ndarray, n=checks.NUMBER) == (E, 2)
    assert checks.check_returns((E, np.float64(0.5)), "f", Z=None, cost=checks.NUMBER)[1] == 0.5


@pytest.mark.parametrize("returned, said", [
    ({"dw": E, "db": 0.5}, "propagate returned a dict, but it should return 2 values, as in: "
                           "return grads, cost"),
    (None, "propagate returned None, but it should return 2 values"),
    (({}, 0.5, E), "propagate returned 3 values, but it should return 2, as in: "
                   "return grads, cost"),
    ((0.5, {}), "grads, value 1 of the 2 that propagate returned, is a float but expected a "
                "dict (they come in this order: return grads, cost)"),
    (({}, "0.5"), "cost, value 2 of the 2 that propagate returned, is a str but expected a "
                  "number"),
])
def test_check_returns_says_what_came_back_instead(returned, said):
    assert said in fails(checks.check_returns, returned, "propagate", grads=dict,
                         cost=checks.NUMBER)


def test_returned_array_copies_an_array_or_a_list_and_refuses_a_tuple_of_matrices():
    got = checks.returned_array(E, "Dense.forward")
    assert got is not E and np.array_equal(got, E)
    assert checks.returned_array([1.0, 2.0], "FC.forward").shape == (2,)
    assert fails(checks.returned_array, (E, (E, E)), "Dense.forward") == \
        "Dense.forward returned a tuple of 2 values, but it should return one numpy array"


# ---------------------------------------------------------------- shape messages


def test_missing_keepdims():
    msg = fails(check_shape, np.zeros(2), (2, 1), "dw")
    assert msg == (
        "dw has shape (2,) but expected (2, 1): did you forget keepdims=True or a reshape?"
    )


def test_transposed_shape():
    msg = fails(check_shape, np.zeros((3, 2)), (2, 3), "dW1")
    assert msg.startswith("dW1 has shape (3, 2) but expected (2, 3): likely transposed")


def test_extra_axis_and_scalar_and_broadcast():
    assert "extra axis" in fails(check_shape, np.zeros((2, 1)), (2,), "b")
    assert "squeeze" in fails(check_close, np.array([[0.5]]), 0.5, "cost")
    assert "broadcast" in fails(check_shape, np.zeros((3, 3)), (3, 1), "db")


def test_plain_shape_mismatch_has_no_false_hint():
    assert fails(check_shape, np.zeros((4, 5)), (2, 3), "A") == (
        "A has shape (4, 5) but expected (2, 3)"
    )


def test_check_close_checks_shape_before_values():
    assert "keepdims" in fails(check_close, np.zeros(2), np.zeros((2, 1)), "db")


# ---------------------------------------------------------------- value messages


def test_scalar_message_with_ratio():
    msg = fails(check_close, 0.5, 0.25, "cost")
    assert msg == "cost differs: got 0.5 expected 0.25 (ratio 2.0)"


def test_scalar_sign_flip():
    msg = fails(check_close, -0.25, 0.25, "cost")
    assert "(ratio -1.0)" in msg and "sign flipped" in msg


def test_scalar_nan():
    assert fails(check_close, float("nan"), 0.25, "cost") == "cost is nan but expected 0.25"


def test_array_count_worst_entry_and_no_false_pattern():
    actual = E.copy()
    actual[1, 0] = 9.0
    actual[0, 1] = -2.1
    msg = fails(check_close, actual, E, "dW")
    assert msg.startswith("dW differs in 2 of 4 entries")
    assert "worst at index (1, 0): got 9.0 expected 3.0" in msg
    assert "times" not in msg and "same amount" not in msg


def test_array_constant_ratio_is_stated():
    msg = fails(check_close, 4.0 * E, E, "dw")
    assert "every entry is 4.0 times the expected" in msg


def test_constant_ratio_with_zero_entries():
    expected = np.array([[0.0, 1.0, 2.0]])
    msg = fails(check_close, expected / 3, expected, "db")
    assert "every entry is 0.333333 times the expected" in msg


def test_array_sign_flip_is_stated():
    msg = fails(check_close, -E, E, "dZ")
    assert "ratio -1.0" in msg and "sign flipped" in msg


def test_constant_offset_is_stated():
    assert "off by the same amount (+0.5)" in fails(check_close, E + 0.5, E, "Z")


def test_array_nan_is_stated():
    actual = E.copy()
    actual[0, 1] = np.nan
    assert "1 of them nan, the first at index (0, 1)" in fails(check_close, actual, E, "A")


def test_list_length():
    assert fails(check_close, [0.1], [0.1, 0.2], "costs") == "costs has 1 entries but expected 2"


def test_check_equal_messages():
    msg = fails(check_equal, np.array([1, 2, 3]), np.array([1, 2, 4]), "pred")
    assert msg == "pred differs in 1 of 3 entries; first at index (2,): got 3 expected 4"
    assert fails(check_equal, 3, 4, "n") == "n differs: got 3 expected 4 (ratio 0.75)"
    assert "is a list" in fails(check_equal, [1, 2], np.array([1, 2]), "pred")


# ---------------------------------------------------------------- dicts


def test_dict_missing_keys_named():
    msg = fails(check_dict_close, {"dW1": E}, {"dW1": E, "db1": E, "dW2": E}, "grads")
    assert "grads is missing keys ['db1', 'dW2']" in msg


def test_an_entry_of_a_described_dict_is_named_before_the_description():
    """A hidden test's dict is often named by its case ("parameters for sizes (5, 3, 2),
    seed 7"): the key goes first, not glued to the description's end."""
    msg = fails(check_dict_close, {"b1": np.zeros(3)}, {"b1": np.zeros((3, 1))},
                "parameters for sizes (5, 3, 2), seed 7")
    assert msg.startswith("'b1' of parameters for sizes (5, 3, 2), seed 7 has shape (3,)")
    assert entry_name("initialize_parameters_deep([5, 4])", "W1") == \
        "initialize_parameters_deep([5, 4])['W1']"
    assert entry_name("cache", "Z1") == "cache['Z1']"


def test_dict_reports_every_failing_key():
    actual = {"w": 2 * E, "b": np.zeros(2)}
    msg = fails(check_dict_close, actual, {"w": E, "b": np.zeros((2, 1))}, "p")
    lines = msg.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("p['w'] differs") and "2.0 times" in lines[0]
    assert lines[1].startswith("p['b'] has shape (2,) but expected (2, 1)")


def test_check_close_on_dicts_delegates():
    check_close({"w": E}, {"w": E}, "params")
    msg = fails(check_close, {"w": E}, {"w": E, "b": 0.0}, "params")
    assert "params is missing keys ['b']" in msg


def test_dict_type_and_extra_keys():
    assert "grads is a list but expected a dict" in fails(check_dict_close, [E], {"a": E}, "grads")
    msg = fails(check_dict_close, {"a": E, "z": E}, {"a": E}, "g", allow_extra=False)
    assert msg == "g has unexpected keys ['z']"


# ---------------------------------------------------------------- integrity


def test_checks_survive_monkey_patched_numpy(monkeypatch):
    always = lambda *a, **k: True  # noqa: E731
    for fn in ("allclose", "isclose", "array_equal", "all", "any"):
        monkeypatch.setattr(np, fn, always)
    monkeypatch.setattr(np, "shape", lambda *a, **k: (2, 2))
    monkeypatch.setattr(np, "asarray", lambda *a, **k: E)
    assert "differs" in fails(check_close, 2 * E, E, "dW")
    assert "has shape (2,)" in fails(check_close, np.zeros(2), np.zeros((2, 1)), "db")
    assert "differs" in fails(check_equal, np.array([1, 2]), np.array([1, 3]), "p")
    assert "differs" in fails(check_close, 0.5, 0.25, "cost")


def test_numpy_is_only_read_at_import():
    tree = ast.parse(open(checks.__file__).read())
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    assert functions
    # no function body looks anything up on the numpy module: only the import-time bindings do
    lookups = [
        (fn.name, node.attr)
        for fn in functions
        for node in ast.walk(fn)
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "np"
    ]
    assert lookups == []


# --------------------------------------------------------------------------- what students see

def test_show_prints_six_significant_digits_of_every_number():
    assert checks.show(0.03960049970212226) == "0.0396005"
    assert checks.show(1.0) == "1.0" and checks.show(3) == "3"
    assert checks.show(np.array([[0.5, 1 / 3]])) == "[[0.5, 0.333333]]"
    assert checks.show({"dw": np.array([2e-7]), "n": (1, 2.5)}) == "{'dw': [2e-07], 'n': (1, 2.5)}"
    assert checks.show(np.float64(8.54773471e-05)) == "8.54773e-05"
    assert checks.show(None) == "None" and checks.show("text") == "text"


def test_a_failed_check_prints_six_significant_digits_unless_they_hide_the_difference():
    msg = fails(check_close, np.array([-0.003002060745123]), np.array([0.01788628473]), "dw")
    assert "got -0.00300206 expected 0.0178863" in msg
    assert fails(check_close, 0.123456789, 0.1, "cost").startswith(
        "cost differs: got 0.123457 expected 0.1 (ratio")
    # at a tighter tolerance 1.0000012 and 1.0000034 both print 1.0 at six digits: one more
    msg = fails(check_close, np.array([1.0000012]), np.array([1.0000034]), "dw", rtol=1e-7)
    assert "got 1.000001 expected 1.000003" in msg
    msg = fails(check_equal, np.array([0.1 + 2e-16]), np.array([0.1]), "a")
    assert "got 0.1000000000000002 expected 0.1" in msg


def test_a_failed_check_is_an_assertion_error_shown_as_its_message_first():
    with pytest.raises(AssertionError) as info:
        checks.check_close(np.array([1.0, 2.0]), np.array([1.0, 3.0]), "dw")
    assert isinstance(info.value, checks.CheckFailed)
    shown = info.value._render_traceback_()
    assert shown[0].startswith("\x1b[0;31mTest failed:\x1b[0m dw")
    assert "\n".join(shown).count("dw") >= 1 and "File" not in "\n".join(shown)


def test_same_output_compares_structure_and_numbers():
    assert checks.same_output((np.ones((2, 1)), 1.0), (np.ones((2, 1)) + 1e-12, 1.0))
    assert not checks.same_output(np.ones((2, 1)), np.ones(2))
    assert not checks.same_output({"a": 1.0}, {"b": 1.0})
    assert not checks.same_output([1.0, 2.0], [1.0])
    assert checks.same_output("x", "x")
