"""course_lib's messages in Chinese: every check, gradient check, note and report line a
student reads comes out in Chinese under ``language.use("zh-CN")`` (no English sentence left),
and unchanged in English under ``"en"``."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest

from course_lib import checks, diagnosis, edition, isolation, language, recorded, validate
from course_lib.checks import check_close, check_dict_close, check_equal, check_shape, check_type
from course_lib.gradient_check import check_gradients, gradient_check, numeric_gradients
from course_lib.mistakes import Mistake

#: Latin words a Chinese message may keep: names of functions and values (glossary: kept in
#: Latin letters), numpy's name, the numpy functions and arguments and the Python keyword the
#: messages mention.
ALLOWED = {"sigmoid", "relu", "tanh", "numpy", "nan", "inf", "none", "reshape", "squeeze",
           "keepdims", "return"}

_LATIN = r"[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"   # not a space, not Chinese
_CODE = re.compile(
    r"`[^`]*`"                                  # `code`
    r"|'[^']*'"                                 # a repr'd string, e.g. grads['dw']
    r"|\([A-Za-z0-9_, ]*\)"                      # a shape: (2, 1), (n, n), ()
    rf"|{_LATIN}*[=.(]{_LATIN}*"                # keepdims=True, np.squeeze, float(...), .T
    r"|[A-Za-z]*[_\d][A-Za-z0-9_]*"             # identifiers with _ or digits, numbers
    r"|\b[A-Z]?[a-z]+[A-Z][A-Za-z0-9_]*"         # CamelCase: NotImplementedError
)


def english_words(message: str, *names: str) -> list[str]:
    """The Latin words of ``message`` that are not code: what is left once `code`, quoted
    strings, identifiers with _ or digits, calls and attributes, shapes, numbers, CamelCase
    names, the ``names`` the test passed and the :data:`ALLOWED` words are taken out."""
    for name in sorted(names, key=len, reverse=True):
        message = re.sub(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", " ", message)
    words = re.findall(r"[A-Za-z]+", _CODE.sub(" ", message))
    return [w for w in words if w.lower() not in ALLOWED]


def has_chinese(message: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", message) is not None


def test_english_words_keeps_sentences_and_drops_code():
    assert english_words("dw has shape (2,): did you forget keepdims=True?", "dw") == \
        ["has", "shape", "did", "you", "forget"]
    assert english_words("dw 的形状是 (2,)：是否忘了 keepdims=True 或 np.squeeze？", "dw") == []
    assert english_words("W1_grad 是 NotImplementedError，`raise x` 和 sigmoid") == []
    assert english_words("例如 (n, 1) 与 (n,) 得到 (n, n)（比值 -1.0）") == []


def failure(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


E = np.array([[1.0, -2.0], [3.0, 4.0]])

#: (check, its arguments, a piece of today's English message); the checked value is "dw".
CHECKS = {
    "shape_keepdims": (check_shape, (np.zeros(2), (2, 1), "dw"),
                       "dw has shape (2,) but expected (2, 1): did you forget keepdims=True"),
    "shape_transposed": (check_shape, (np.zeros((3, 2)), (2, 3), "dw"), "likely transposed"),
    "shape_broadcast": (check_shape, (np.zeros((3, 3)), (3, 1), "dw"),
                        "an unintended broadcast"),
    "shape_scalar": (check_shape, (np.zeros((1, 1)), (), "dw"), "a scalar was expected"),
    "shape_extra_axis": (check_shape, (np.zeros((2, 1)), (2,), "dw"), "an extra axis"),
    "type_list": (check_type, ([1.0, 2.0], np.ndarray, "dw"),
                  "dw is a list but expected a numpy array: build it with numpy operations"),
    "type_0d": (check_type, (np.array(0.5), float, "dw"),
                "dw is a numpy array of shape () but expected a float: convert it with float"),
    "type_either": (check_type, ("x", (int, float), "dw"),
                    "dw is a str but expected an int or a float"),
    "close_scalar": (check_close, (0.5, 0.25, "dw"),
                     "dw differs: got 0.5 expected 0.25 (ratio 2.0)"),
    "close_sign": (check_close, (-0.25, 0.25, "dw"), "(ratio -1.0): sign flipped"),
    "close_nan": (check_close, (float("nan"), 0.25, "dw"), "dw is nan but expected 0.25"),
    "close_ratio": (check_close, (3 * E, E, "dw"),
                    "every entry is 3.0 times the expected (constant ratio)"),
    "close_offset": (check_close, (E + 1, E, "dw"), "every entry is off by the same amount (+1)"),
    "close_flipped": (check_close, (-E, E, "dw"), "every entry has the opposite sign"),
    "close_worst": (check_close, (E + np.array([[0, 1], [0, 3]]), E, "dw"),
                    "dw differs in 2 of 4 entries (rtol=1e-05, atol=1e-08); worst at index (1, 1)"),
    "close_array_nan": (check_close, (E * np.nan, E, "dw"), "4 of them nan, the first at index"),
    "close_length": (check_close, ([1.0], [1.0, 2.0], "dw"), "dw has 1 entries but expected 2"),
    "close_not_numbers": (check_close, (["a", "b"], [1.0, 2.0], "dw"),
                          "dw holds values that are not numbers"),
    "dict_keys": (check_dict_close, ({"dW1": E}, {"dW1": E, "db1": E}, "dw"),
                  "dw is missing keys ['db1'] (it has ['dW1'])"),
    "dict_extra": (check_dict_close, ({"dW1": E, "x": 1}, {"dW1": E}, "dw", 1e-5, 1e-8, False),
                   "dw has unexpected keys ['x']"),
    "dict_values": (check_dict_close, ({"dW1": 2 * E, "db1": E}, {"dW1": E, "db1": -E}, "dw"),
                    "dw['dW1'] differs in 4 of 4 entries"),
    "dict_described": (check_dict_close, ({"dW1": 2 * E}, {"dW1": E}, "dw (seed 7)"),
                       "'dW1' of dw (seed 7) differs in 4 of 4 entries"),
    "equal_array": (check_equal, (np.array([1, 0]), np.array([1, 1]), "dw"),
                    "dw differs in 1 of 2 entries; first at index (1,): got 0 expected 1"),
    "equal_number": (check_equal, (4, 2, "dw"), "dw differs: got 4 expected 2 (ratio 2.0)"),
}


@pytest.mark.parametrize("case", sorted(CHECKS))
def test_a_failing_check_speaks_chinese(case):
    check, args, _english = CHECKS[case]
    with language.use("zh-CN"):
        message = failure(check, *args)
    assert has_chinese(message), message
    assert english_words(message, "dw") == [], message


@pytest.mark.parametrize("case", sorted(CHECKS))
def test_a_failing_check_still_speaks_english(case):
    check, args, english = CHECKS[case]
    with language.use("en"):
        message = failure(check, *args)
    assert english in message
    assert not has_chinese(message)


def test_the_chinese_checks_keep_names_numbers_and_shapes():
    with language.use("zh-CN"):
        message = failure(check_shape, np.zeros(2), (2, 1), "dw")
        scalar = failure(check_close, 0.5, 0.25, "cost")
    assert message.startswith("dw ") and "(2,)" in message and "(2, 1)" in message
    assert "keepdims=True" in message
    assert "0.5" in scalar and "0.25" in scalar and "2.0" in scalar


def test_the_passed_lines_the_notebooks_print():
    with language.use("zh-CN"):
        assert checks.visible_test_passed("sigmoid") == "sigmoid：可见测试通过"
        assert checks.gradient_check_passed("propagate") == "propagate：梯度检验通过"
    with language.use("en"):
        assert checks.visible_test_passed("sigmoid") == "sigmoid: visible test passed"
        assert checks.gradient_check_passed("propagate") == "propagate: gradient check passed"


def test_a_failed_check_is_shown_with_a_chinese_heading():
    with language.use("zh-CN"):
        try:
            check_close(0.5, 0.25, "cost")
        except checks.CheckFailed as failed:
            shown = failed._render_traceback_()
    assert "测试未通过" in shown[0] and "Test failed" not in shown[0]


# ------------------------------------------------------------------------- gradient checks

def cost(p):
    """A toy cost: its gradients are dw = 2 w and db = 3."""
    return float(np.sum(p["w"] ** 2) + 3.0 * p["b"])


PARAMETERS = {"w": np.array([[0.5], [-1.0], [2.0]]), "b": 0.7}

#: deliberately wrong backward passes (the right one: {"dw": 2 w, "db": 3.0})
WRONG = {
    "factor": {"dw": 4 * PARAMETERS["w"], "db": 3.0},
    "sign": {"dw": -2 * PARAMETERS["w"], "db": 3.0},
    "zeros": {"dw": np.zeros((3, 1)), "db": 3.0},
    "worst_entry": {"dw": 2 * PARAMETERS["w"] + np.array([[0.0], [0.0], [1.0]]), "db": 3.0},
    "scalar": {"dw": 2 * PARAMETERS["w"], "db": 1.0},
    "missing": {"dw": 2 * PARAMETERS["w"]},
    "shape": {"dw": 2 * PARAMETERS["w"].ravel(), "db": 3.0},
    "none": {"dw": None, "db": 3.0},
    "not_finite": {"dw": np.full((3, 1), np.nan), "db": 3.0},
    "two_wrong": {"dw": 4 * PARAMETERS["w"], "db": 1.0},
}


@pytest.fixture(scope="module")
def numeric():
    return numeric_gradients(cost, PARAMETERS)


@pytest.mark.parametrize("case", sorted(WRONG))
def test_a_failing_gradient_check_speaks_chinese(case, numeric):
    with language.use("zh-CN"):
        message = failure(check_gradients, WRONG[case], numeric)
    assert has_chinese(message) and "梯度检验" in message, message
    assert english_words(message, "dw", "db") == [], message


def test_a_failing_gradient_check_still_speaks_english(numeric):
    with language.use("en"):
        message = failure(check_gradients, WRONG["factor"], numeric)
    assert message.splitlines()[0] == "the gradient check failed for dw:"
    assert "dw is 2.0 times the numerical gradient" in message
    assert "db agrees with the numerical gradient (relative error" in message
    with language.use("zh-CN"):
        chinese = failure(check_gradients, WRONG["factor"], numeric)
    assert "dw 是数值梯度的 2.0 倍" in chinese and "db 与数值梯度一致" in chinese


def test_the_other_gradient_check_failures_speak_chinese(numeric):
    with language.use("zh-CN"):
        messages = [failure(check_gradients, [1.0], numeric),
                    failure(check_gradients, WRONG["factor"], {"dw": np.zeros((3, 1))})]
        with pytest.raises(ValueError) as shape:
            gradient_check(cost, PARAMETERS, {"dw": np.zeros(3), "db": 3.0})
        with pytest.raises(ValueError) as missing:
            gradient_check(cost, PARAMETERS, {"dw": 2 * PARAMETERS["w"]})
    for message in [*messages, str(shape.value), str(missing.value)]:
        assert has_chinese(message), message
        assert english_words(message, "dw", "db", "w", "b", "list") == [], message


def test_a_right_backward_passes_in_any_language():
    right = {"dw": 2 * PARAMETERS["w"], "db": 3.0}
    with language.use("zh-CN"):
        errors = gradient_check(cost, PARAMETERS, right)
        check_gradients(right, numeric_gradients(cost, PARAMETERS))
    assert max(errors.values()) < 1e-7


# ------------------------------------------------------------ notes, named mistakes, edition

def test_the_warning_note_speaks_chinese():
    with isolation.quiet(out=io.StringIO()) as caught:
        np.exp(np.array([1000.0]))
        np.log(np.array([0.0]))
    raised = f"{caught[0].category.__name__}: {caught[0].message}"   # Python's own words
    with language.use("zh-CN"):
        note = isolation.warning_note(list(caught))
    assert has_chinese(note) and raised in note and "另有 1 种其他警告" in note
    assert english_words(note.replace(raised, " ")) == [], note
    with language.use("en"):
        assert isolation.warning_note(list(caught)).startswith(
            f"Note: your code raised {raised} (and 1 other kind of warning) - it did not cost")


def test_a_named_mistake_is_framed_in_chinese():
    mistake = Mistake("00_demo", "propagate", "dw_without_1_over_m", "提示", "", whole_cell=True)
    with language.use("zh-CN"):
        named = str(diagnosis.named_failure(AssertionError("dw 与预期不符"), mistake,
                                            "grads['dw']"))
        crash = str(diagnosis.named_failure(ValueError("boom"), mistake, ""))
    assert named.splitlines()[1].startswith("这看起来是一个已知错误（dw_without_1_over_m）")
    assert english_words(named, "dw", "grads") == []
    assert english_words(crash.splitlines()[1]) == []
    with language.use("en"):
        english = str(diagnosis.named_failure(AssertionError("x"), mistake, "grads['dw']"))
    assert english.splitlines()[1].startswith(
        f"{diagnosis.NAMED_MISTAKE} (dw_without_1_over_m) in grads['dw']: ")


def test_a_changed_argument_is_named_in_chinese():
    mistake = Mistake("00_demo", "scale", "m", "h", "def scale(X, k):\n    return X\n",
                      whole_cell=True)
    output = diagnosis.CallResult(None, (np.zeros(2), 1))
    with language.use("zh-CN"):
        assert diagnosis.part_name(mistake, output, [(1, 0)]) == "X（被这次调用修改了）"
    with language.use("en"):
        assert diagnosis.part_name(mistake, output, [(1, 0)]) == "X (changed by the call)"


def test_the_student_editions_notes_speak_chinese():
    namespace = {"propagate": None, "compute_cost": None}
    with language.use("zh-CN"):
        notes = [edition._own_note(namespace, ["propagate"], language._("this test")),
                 edition._own_note(namespace, ["propagate", "compute_cost"],
                                   language._("the numerical side of this check"))]
        with pytest.raises(AssertionError) as failed:
            with edition.reference_for(namespace, "propagate", module="logistic_unit"):
                check_close(0.5, 0.25, "cost")
    for note in notes:
        assert has_chinese(note) and english_words(note, "propagate") == [], note
    assert notes[0] in str(failed.value)
    with language.use("en"):
        assert edition._own_note(namespace, ["propagate"], "this test").startswith(
            "Note: this test uses your own propagate")


def test_a_call_the_edition_did_not_record_is_refused_in_chinese(tmp_path, monkeypatch):
    monkeypatch.setattr(recorded, "ANSWERS_DIR", tmp_path)
    answers = recorded.Answers("course_lib.logistic_unit")
    with language.use("zh-CN"):
        with pytest.raises(recorded.NotInEdition) as refused:
            answers.call("propagate", {"w": np.zeros((2, 1))})
        shown = repr(recorded.RecordedObject())
    assert has_chinese(str(refused.value)) and english_words(str(refused.value)) == []
    assert "本作业" in str(refused.value) and has_chinese(shown)
    with language.use("en"):
        with pytest.raises(recorded.NotInEdition, match="is not in the student edition of "
                                                         "this assignment"):
            answers.call("propagate", {"w": np.zeros((2, 1))})


# ------------------------------------------------------------------------------ validate

def a_report(language_: str = "en") -> validate.Report:
    return validate.Report(
        Path("adder.ipynb"),
        tests=[validate.TestResult("test_add", 1, False),
               validate.TestResult("test_mul", 2, False, "AssertionError: 乘积不对"),
               validate.TestResult("test_add_hidden", 2, True)],
        todo=["mul"], errors=["NameError: name 'x' is not defined"], language=language_)


def test_the_validate_report_speaks_chinese():
    with language.use("zh-CN"):
        text = validate.format_report(a_report())
    lines = text.splitlines()
    assert lines[0].startswith("adder.ipynb：") and "通过" in lines[1] and "未通过" in lines[2]
    assert "隐藏" in text and "可见测试：1 / 3" in text
    for line in lines:
        if "NameError" not in line:   # the student's own error stays as Python wrote it
            assert english_words(line, "mul") == [], line


def test_the_validate_report_still_speaks_english():
    with language.use("en"):
        text = validate.format_report(a_report())
        passing = validate.format_report(validate.Report(
            Path("adder.ipynb"), tests=[validate.TestResult("test_add", 1, False)]))
    assert "  passed  test_add         1/1" in text
    assert "  FAILED  test_mul         0/2" in text
    assert "  hidden  test_add_hidden  2 point(s), graded by your instructor" in text
    assert "  error in a cell that is not a test: NameError" in text
    assert "Still to do: these cells still raise NotImplementedError: mul" in text
    assert text.endswith("Visible tests: 1 / 3")
    assert passing.endswith("Visible tests: 1 / 1  - all visible tests pass")


def test_the_report_is_in_the_notebooks_language_unless_course_lang_says_otherwise(
        monkeypatch):
    monkeypatch.delenv(language.ENV, raising=False)
    assert validate.report_language({"course_language": "zh-CN"}) == "zh-CN"
    assert validate.report_language({}) == "en"
    monkeypatch.setenv(language.ENV, "en")
    assert validate.report_language({"course_language": "zh-CN"}) == "en"


def test_validate_prints_the_report_in_the_notebooks_language(tmp_path, monkeypatch, capsys):
    notebook = tmp_path / "adder.ipynb"
    notebook.write_text("{}")
    monkeypatch.setattr(validate, "validate", lambda path, timeout: a_report("zh-CN"))
    assert validate.main([str(notebook)]) == 1
    printed = capsys.readouterr().out
    assert "可见测试：1 / 3" in printed and "Visible tests" not in printed
