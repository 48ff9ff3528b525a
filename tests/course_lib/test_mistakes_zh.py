"""The catalogued mistakes' hints in Chinese: every hint is translated (the ``mistakes`` gettext
domain, course_lib/locale/zh_CN/LC_MESSAGES/mistakes.po) with its code left as it is, and a
named mistake is shown in the language of the moment, by the instructor's library and by the
student edition (which reads the hints recorded at release in every language)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from course_lib import language
from course_lib.checks import check_close
from course_lib.diagnosis import explain_mistakes
from course_lib.edition import recorded_hint
from course_lib.logistic_unit import sigmoid
from course_lib.mistakes import Mistake, catalogue

MISTAKES = catalogue()

_ELEMENT = r"\s*[\w.\[\]]+(?:\s*[-+*/]\s*[\w.\[\]]+)*\s*"   # n, n[l-1], layer_dims[l - 1]
#: what a translation keeps character for character (each kind looked for on its own)
CODE_LIKE = {
    "code span": re.compile(r"`[^`]+`"),
    "shape or tuple": re.compile(rf"\((?:{_ELEMENT},)+(?:{_ELEMENT})?\)"),   # (n, 1), (dim,)
    "call": re.compile(r"\b[A-Za-z_][\w.]*\("),                              # np.zeros(
    "attribute or item": re.compile(r"\b(?!i\.e\b|e\.g\b)[A-Za-z_]\w*(?:\.\w+|\[[^\]]*\])+"),
    "number": re.compile(r"\b\d+(?:\.\d+)?\b"),                               # 0.5, 2000
}


def code_tokens(text: str) -> set[str]:
    """The code-like tokens of a hint: code spans, shapes, calls, attributes, numbers."""
    return {token for pattern in CODE_LIKE.values() for token in pattern.findall(text)}


def _zh(hint: str) -> str:
    return language.translate(hint, "mistakes", lang="zh-CN")


def test_the_tokens_are_the_code_of_a_hint():
    hint = ("w has shape (dim,) but must be (dim, 1): np.zeros(dim) makes a 1-D array, "
            "i.e. X.shape[1] is 0.5 (units of this layer, units below).")
    assert code_tokens(hint) == {"(dim,)", "(dim, 1)", "np.zeros(", "np.zeros", "X.shape[1]",
                                 "1", "0.5"}


@pytest.mark.parametrize("mistake", MISTAKES, ids=[f"{m.assignment}:{m.name}" for m in MISTAKES])
def test_every_hint_has_a_chinese_translation_that_keeps_its_code(mistake):
    chinese = _zh(mistake.hint)
    assert chinese != mistake.hint, f"no Chinese for the hint of {mistake.name}"
    assert re.search(r"[\u4e00-\u9fff]", chinese)
    missing = code_tokens(mistake.hint) - code_tokens(chinese)
    assert not missing, f"{mistake.name}: the Chinese hint lost {sorted(missing)}"


def test_the_hint_stays_english_in_the_catalogue_and_in_english():
    mistake = MISTAKES[0]
    assert mistake.hint.isascii()
    assert language.translate(mistake.hint, "mistakes", lang="en") == mistake.hint


def _failure_message(lang: str) -> str:
    """The message of a visible test of sigmoid failing on the catalogued mistake
    missing_minus_in_exponent (its cell assembled from the notebook), in ``lang``."""
    mistake = next(m for m in MISTAKES if m.name == "missing_minus_in_exponent")
    namespace = {"np": np}
    exec(mistake.source, namespace)  # noqa: S102 - the student's (wrong) cell
    z = np.array([0.0, 2.0])
    with language.use(lang), pytest.raises(AssertionError) as failure:
        with explain_mistakes(namespace, "sigmoid", z):
            check_close(namespace["sigmoid"](z), sigmoid(z), "sigmoid(z)")
    return str(failure.value)


@pytest.mark.parametrize("lang", language.LANGUAGES)
def test_a_named_mistake_shows_the_hint_in_the_language_of_the_moment(lang):
    mistake = next(m for m in MISTAKES if m.name == "missing_minus_in_exponent")
    text = _failure_message(lang)
    assert "missing_minus_in_exponent" in text
    chinese = _zh(mistake.hint)
    if lang == "zh-CN":
        assert chinese in text and mistake.hint not in text
    else:
        assert mistake.hint in text and chinese not in text


def test_a_recorded_hint_is_shown_in_the_language_of_the_moment():
    recorded = {"en": "divide by m", "zh-CN": "要除以 m"}
    with language.use("zh-CN"):
        assert recorded_hint(recorded) == "要除以 m"
        assert recorded_hint({"en": "divide by m"}) == "divide by m"   # none in Chinese
        assert recorded_hint("divide by m") == "divide by m"           # an older recording
    with language.use("en"):
        assert recorded_hint(recorded) == "divide by m"


def test_a_whole_cell_mistake_keeps_a_hint_it_has_no_translation_for():
    toy = Mistake("00_none", "g", "name", "a hint of no catalogue", "def g():\n    pass\n",
                  whole_cell=True)
    assert _zh(toy.hint) == toy.hint
