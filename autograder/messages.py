"""What the grader says to a student, in the student's language: the gettext domain ``autograder``.

The grader's student-facing text (the feedback page, the messages a failed test shows, the
lateness sentence of a page) is written in English in the code and translated with the
catalogue ``autograder/locale/zh_CN/LC_MESSAGES/autograder.po`` (``make messages``). Text only
an instructor reads (the command line, logs, the class report) is not translated.

:func:`_` translates into the language of the moment (:func:`course_lib.language.current`: the
language set with :func:`course_lib.language.use`, English by default); :func:`N_` marks a
constant for the catalogue, translated where it is shown with :func:`_` or :func:`in_language`.
"""

from __future__ import annotations

import gettext
from pathlib import Path

from course_lib.language import N_, current, translate, translations

__all__ = ["_", "N_", "ngettext", "in_language", "DOMAIN", "LOCALE_DIR"]

DOMAIN = "autograder"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def _(message: str) -> str:
    """``message`` (an English text of the grader's) in the language of the moment."""
    return translate(message, DOMAIN, LOCALE_DIR)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n``, in the language of the moment."""
    return _catalogue(current()).ngettext(singular, plural, n)


def in_language(message: str, lang: str) -> str:
    """``message`` in ``lang`` (``en``, ``zh-CN``), whatever the language of the moment."""
    return translate(message, DOMAIN, LOCALE_DIR, lang)


def _catalogue(lang: str) -> gettext.NullTranslations:
    return translations(DOMAIN, lang, str(LOCALE_DIR))
