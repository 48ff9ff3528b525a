"""course_lib.diagnosis: a failing test names the catalogued mistake the student made."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import diagnosis
from course_lib.checks import check_close
from course_lib.diagnosis import explain_mistakes, matching_mistake, matching_outcome
from course_lib.mistakes import Mistake


def _toy(cell: str, name: str, hint: str, source: str) -> Mistake:
    """A mistake in a toy function that has no notebook: its complete cell is given."""
    return Mistake("00_demo", cell, name, hint, source, whole_cell=True)


CORRECT = "def mean_grad(X):\n    return X.sum(axis=1, keepdims=True) / X.shape[1]\n"
MISTAKES = [
    _toy("mean_grad", "missing_1_over_m", "m times too large: divide by m",
         "def mean_grad(X):\n    return X.sum(axis=1, keepdims=True)\n"),
    _toy("mean_grad", "no_keepdims", "shape (n,): use keepdims=True",
         "def mean_grad(X):\n    return X.sum(axis=1) / X.shape[1]\n"),
    _toy("mean_grad", "mutates", "never change your inputs",
         "def mean_grad(X):\n    X *= 2\n"
         "    return X.sum(axis=1, keepdims=True) / X.shape[1] / 2\n"),
]


def _namespace(source: str) -> dict:
    scope = {"np": np}
    exec(source, scope)
    return scope


def _reference():
    return _namespace(CORRECT)["mean_grad"]


X = np.arange(6.0).reshape(2, 3)


@pytest.mark.parametrize("mistake", MISTAKES[:2], ids=lambda m: m.name)
def test_a_matching_mistake_is_named(mistake):
    ns = _namespace(mistake.source)
    found = matching_mistake(ns, "mean_grad", lambda f: f(X.copy()), reference=_reference(),
                             mistakes=MISTAKES)
    assert found == mistake


def test_a_mistake_that_agrees_with_the_reference_is_never_named():
    # "mutates" returns the right value: it cannot be told apart by the output
    ns = _namespace(CORRECT)
    assert matching_mistake(ns, "mean_grad", lambda f: f(X.copy()), reference=_reference(),
                            mistakes=MISTAKES) is None


def test_explain_mistakes_adds_the_hint(monkeypatch):
    import course_lib.diagnosis as diagnosis

    monkeypatch.setattr(diagnosis, "catalogue", lambda: MISTAKES)
    ns = _namespace(MISTAKES[0].source)
    with pytest.raises(AssertionError) as err:
        with explain_mistakes(ns, "mean_grad", X, reference=_reference()):
            check_close(ns["mean_grad"](X), _reference()(X), "mean_grad(X)")
    text = str(err.value)
    assert "3.0 times the expected" in text
    assert "known mistake (missing_1_over_m): m times too large" in text


def test_explain_mistakes_leaves_an_unknown_failure_alone(monkeypatch):
    import course_lib.diagnosis as diagnosis

    monkeypatch.setattr(diagnosis, "catalogue", lambda: MISTAKES)
    ns = _namespace("def mean_grad(X):\n    return X[:, :1] * 0\n")
    with pytest.raises(AssertionError) as err:
        with explain_mistakes(ns, "mean_grad", X, reference=_reference()):
            check_close(ns["mean_grad"](X), _reference()(X), "mean_grad(X)")
    assert "known mistake" not in str(err.value)


def test_inputs_are_frozen_when_the_block_starts(monkeypatch):
    import course_lib.diagnosis as diagnosis

    monkeypatch.setattr(diagnosis, "catalogue", lambda: MISTAKES)
    ns = _namespace(MISTAKES[0].source)
    data = X.copy()
    with pytest.raises(AssertionError) as err:
        with explain_mistakes(ns, "mean_grad", data, reference=_reference()):
            got = ns["mean_grad"](data)
            data *= 100  # the test (or the student's code) changes the input afterwards
            check_close(got, _reference()(X), "mean_grad(X)")
    assert "missing_1_over_m" in str(err.value)


def test_passing_tests_are_untouched():
    ns = _namespace(CORRECT)
    with explain_mistakes(ns, "mean_grad", X):
        check_close(ns["mean_grad"](X), _reference()(X), "mean_grad(X)")


# mistakes that crash: a shape assertion in the template, a ValueError from a shape mismatch
CRASHING = [
    _toy("mean_grad", "transposed", "the product is in the wrong order",
         "def mean_grad(X):\n    g = X.sum(axis=1, keepdims=True).T / X.shape[1]\n"
         "    assert g.shape == (X.shape[0], 1), f'g has shape {g.shape}'\n    return g\n"),
    _toy("mean_grad", "uses_global_data", "use your argument X, not DATA",
         "def mean_grad(X):\n    return np.ones((2, 1)) @ DATA\n"),
]


def test_a_crash_matches_a_mistake_that_crashes_alike(monkeypatch):
    import course_lib.diagnosis as diagnosis

    monkeypatch.setattr(diagnosis, "catalogue", lambda: CRASHING)
    ns = _namespace(CRASHING[0].source)
    with pytest.raises(AssertionError) as err:
        with explain_mistakes(ns, "mean_grad", X, reference=_reference()):
            check_close(ns["mean_grad"](X), _reference()(X), "mean_grad(X)")
    text = str(err.value)
    assert text.startswith("g has shape (1, 2)")
    assert "known mistake (transposed): the product is in the wrong order" in text


def test_a_crash_of_another_kind_is_not_named(monkeypatch):
    import course_lib.diagnosis as diagnosis

    monkeypatch.setattr(diagnosis, "catalogue", lambda: CRASHING)
    ns = _namespace("def mean_grad(X):\n    assert False, 'something else'\n")
    with pytest.raises(AssertionError) as err:
        with explain_mistakes(ns, "mean_grad", X, reference=_reference()):
            ns["mean_grad"](X)
    assert str(err.value) == "something else"


def test_a_test_body_that_crashes_gets_the_hint_and_keeps_the_traceback(monkeypatch):
    import course_lib.diagnosis as diagnosis

    monkeypatch.setattr(diagnosis, "catalogue", lambda: CRASHING)
    ns = _namespace(CRASHING[1].source)
    ns["DATA"] = np.ones((3, 4))
    with pytest.raises(AssertionError) as err:
        with explain_mistakes(ns, "mean_grad", X, reference=_reference()):
            ns["mean_grad"](X)
    text = str(err.value)
    assert text.startswith("ValueError: matmul: Input operand 1 has a mismatch")
    assert "known mistake (uses_global_data): use your argument X, not DATA" in text
    assert isinstance(err.value.__cause__, ValueError)


def test_an_unknown_crash_propagates_unchanged(monkeypatch):
    import course_lib.diagnosis as diagnosis

    monkeypatch.setattr(diagnosis, "catalogue", lambda: CRASHING)
    ns = _namespace("def mean_grad(X):\n    return {}['missing']\n")
    with pytest.raises(KeyError):
        with explain_mistakes(ns, "mean_grad", X, reference=_reference()):
            ns["mean_grad"](X)


def test_a_crash_the_reference_shares_names_nothing():
    reference = _namespace(CRASHING[0].source)["mean_grad"]
    ns = _namespace(CRASHING[0].source)
    assert matching_mistake(ns, "mean_grad", lambda f: f(X.copy()), reference=reference,
                            mistakes=CRASHING) is None


# ------------------------------------------------------------ matching part by part (outcomes)

PROPAGATE = "def propagate(w, b, X, Y):\n    return grads, float(cost)\n"  # names the tuple items
BOTH = _toy("propagate", "missing_1_over_m", "dw and db: divide by m", PROPAGATE)
DW_ONLY = _toy("propagate", "dw_without_1_over_m", "dw: divide by m", PROPAGATE)
RIGHT = ({"dw": np.array([[0.5], [1.0]]), "db": 0.25}, 0.7)


def _outcome(dw_scale=1.0, db_scale=1.0, cost=0.7):
    grads, _ = RIGHT
    return True, ({"dw": grads["dw"] * dw_scale, "db": grads["db"] * db_scale}, cost)


def test_a_mistake_in_one_part_is_named_with_that_part():
    mistakes = [(BOTH, _outcome(3, 3)), (DW_ONLY, _outcome(3))]
    assert matching_outcome(_outcome(3), (True, RIGHT), mistakes) == (DW_ONLY, "grads['dw']")
    assert matching_outcome(_outcome(3, 3), (True, RIGHT), mistakes) == (
        BOTH, "grads['dw'] and grads['db']")


def test_a_mistake_wrong_in_more_parts_explains_the_parts_it_shares():
    # only the catalogued "both wrong" mistake: a student wrong in dw alone still gets it
    assert matching_outcome(_outcome(3), (True, RIGHT), [(BOTH, _outcome(3, 3))]) == (
        BOTH, "grads['dw']")


def test_a_part_the_mistake_gets_right_is_not_explained_by_it():
    mistakes = [(DW_ONLY, _outcome(3))]
    assert matching_outcome(_outcome(3, 3), (True, RIGHT), mistakes) is None   # db unexplained
    assert matching_outcome(_outcome(2), (True, RIGHT), mistakes) is None      # another dw
    assert matching_outcome((True, RIGHT), (True, RIGHT), mistakes) is None    # nothing wrong


def test_a_mistake_that_agrees_with_the_reference_is_skipped_part_by_part():
    right_mistake = _toy("propagate", "same", "never shown", PROPAGATE)
    assert matching_outcome(_outcome(3), (True, RIGHT), [(right_mistake, (True, RIGHT)),
                                                        (DW_ONLY, _outcome(3))])[0] == DW_ONLY


def test_a_missing_key_is_a_part():
    grads, cost = RIGHT
    renamed = (True, ({"dw": grads["dw"], "db_": grads["db"]}, cost))
    mistake = _toy("propagate", "renamed_key", "the key is db", PROPAGATE)
    assert matching_outcome(renamed, (True, RIGHT), [(mistake, renamed)]) == (
        mistake, "grads['db_'] and grads['db']")


def test_without_a_reference_outputs_are_compared_whole():
    mistakes = [(BOTH, _outcome(3, 3)), (DW_ONLY, _outcome(3))]
    assert matching_outcome(_outcome(3), None, mistakes) == (DW_ONLY, "")
    assert matching_outcome(_outcome(2), None, mistakes) is None


def test_crashes_match_on_type_and_message_only():
    crash = _toy("propagate", "crash", "shape", PROPAGATE)
    mistakes = [(crash, (False, ValueError("dw has shape (1, 2)")))]
    assert matching_outcome((False, ValueError("dw has shape (1, 2)")), (True, RIGHT),
                            mistakes) == (crash, "")
    assert matching_outcome((False, TypeError("dw has shape (1, 2)")), (True, RIGHT),
                            mistakes) is None
    assert matching_outcome((False, ValueError("dw has shape (1, 2)")),
                            (False, ValueError("dw has shape (1, 2)")), mistakes) is None


def test_parts_are_named_without_the_mistakes_source():
    anonymous = _toy("propagate", "dw_without_1_over_m", "dw: divide by m", "")
    assert matching_outcome(_outcome(3), (True, RIGHT), [(anonymous, _outcome(3))]) == (
        anonymous, "result[0]['dw']")


def test_explain_mistakes_names_the_part_and_an_input_changed_in_place(monkeypatch):
    import course_lib.diagnosis as diagnosis

    monkeypatch.setattr(diagnosis, "catalogue", lambda: MISTAKES)
    ns = _namespace(MISTAKES[2].source)   # "mutates": right value, but X doubled in place
    data = X.copy()
    with pytest.raises(AssertionError) as err:
        with explain_mistakes(ns, "mean_grad", data, reference=_reference()):
            ns["mean_grad"](data)
            check_close(data, X, "X after the call")
    assert "known mistake (mutates) in X (changed by the call): never change" in str(err.value)


def test_a_named_crash_reads_as_what_differs_then_the_mistake_then_the_students_line():
    def student(w):
        return w @ np.ones((3, 3))   # (2, 2) @ (3, 3): a shape mismatch

    mistake = _toy("student", "transposed", "transpose w first", "def student(w): ...")
    try:
        student(np.ones((2, 2)))
    except ValueError as crash:
        failure = diagnosis.named_failure(crash, mistake, "w")
        failure.__cause__ = crash
    assert isinstance(failure, AssertionError)
    shown = failure._render_traceback_()
    assert shown[0].startswith("\x1b[0;31mTest failed:\x1b[0m ValueError: matmul")
    assert shown[1] == ("This looks like a known mistake (transposed) in w: transpose w first")
    assert shown[2].startswith("(raised in student, line") and "w @ np.ones" in shown[2]
    assert not any("diagnosis.py" in line or "contextlib" in line for line in shown)
