"""The language a student reads: English (``en``, the default) or Simplified Chinese (``zh-CN``).

Everything a student reads at run time (check failures, named-mistake hints, gradient-check
messages, ``validate``'s report, the feedback page) is written in English in the code and
translated with gettext catalogues, managed with Babel (``make messages``: extract, update,
compile; the catalogues live in ``course_lib/locale/`` and ``autograder/locale/``)::

    from course_lib.language import _
    raise CheckFailed(_("{what} has shape {got}, expected {expected}").format(...))

A message is translated when it is *shown*, in the language of the moment, which is, first
found:

1. the language set with :func:`use` (the grader sets the submission's language around its
   tests; a context variable, so threads and tasks do not mix languages);
2. the environment variable ``COURSE_LANG`` (``zh-CN``, ``zh_CN.UTF-8``, ``en``, ...);
3. the notebook this kernel runs, when Jupyter says which (``JPY_SESSION_NAME``): its metadata
   ``course_language``, which ``release --lang`` writes into every student notebook;
4. English.

Domains: ``course_lib`` (the library's messages, shipped to students), ``mistakes`` (the
catalogued mistakes' hints: instructor side only, the student edition records the hints it
needs in both languages) and ``autograder`` (the grader's student-facing text). Strings written
where no language is known yet (a table of hints, a constant) are marked with :func:`N_` and
translated where they are shown.
"""

from __future__ import annotations

import gettext as _gettext
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

#: The languages of the course, the first one the default.
LANGUAGES = ("en", "zh-CN")
DEFAULT = "en"
#: Environment variable that sets the language of a process (and of a grading kernel).
ENV = "COURSE_LANG"
#: Notebook metadata key holding a student notebook's language.
METADATA_KEY = "course_language"
#: Where the course_lib and mistakes catalogues are.
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "course_lib"

_chosen: ContextVar[str | None] = ContextVar("course_language", default=None)


class UnknownLanguage(ValueError):
    """A language the course does not have; the message lists those it has."""


def normalize(lang: str) -> str:
    """The course's name of ``lang``: ``zh_CN.UTF-8``, ``zh-cn``, ``zh`` -> ``zh-CN``;
    ``en_US`` -> ``en``. :class:`UnknownLanguage` for any other language."""
    base = lang.strip().split(".")[0].replace("_", "-").lower()
    if base in ("zh", "zh-cn", "zh-hans", "zh-hans-cn", "zh-sg"):
        return "zh-CN"
    if base == "en" or base.startswith("en-") or base in ("c", "posix"):
        return "en"
    raise UnknownLanguage(f"the course has no language {lang!r}; it has "
                          f"{', '.join(LANGUAGES)}")


def gettext_locale(lang: str) -> str:
    """``zh-CN`` -> ``zh_CN``: the folder name gettext and Babel use."""
    return normalize(lang).replace("-", "_")


def current() -> str:
    """The language of the moment (see the module docstring for the order)."""
    chosen = _chosen.get()
    if chosen:
        return chosen
    from_env = os.environ.get(ENV, "").strip()
    if from_env:
        try:
            return normalize(from_env)
        except UnknownLanguage:
            return DEFAULT
    session = os.environ.get("JPY_SESSION_NAME", "")
    return _notebook_language(session) if session else DEFAULT


@contextmanager
def use(lang: str | None) -> Iterator[str]:
    """Within the block, messages are in ``lang`` (None: leave the language as it is)."""
    if lang is None:
        yield current()
        return
    token = _chosen.set(normalize(lang))
    try:
        yield _chosen.get()
    finally:
        _chosen.reset(token)


def notebook_language(metadata: dict) -> str:
    """The language a notebook's metadata declares (English when it declares none)."""
    declared = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    if not isinstance(declared, str):
        return DEFAULT
    try:
        return normalize(declared)
    except UnknownLanguage:
        return DEFAULT


@lru_cache(maxsize=32)
def _notebook_language(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return notebook_language(json.load(handle).get("metadata", {}))
    except (OSError, ValueError, AttributeError):
        return DEFAULT


@lru_cache(maxsize=32)
def translations(domain: str, lang: str, localedir: str = str(LOCALE_DIR)
                 ) -> _gettext.NullTranslations:
    """gettext's translations of ``domain`` into ``lang`` (no translation for English or a
    missing catalogue: the English text is shown)."""
    if normalize(lang) == DEFAULT:
        return _gettext.NullTranslations()
    return _gettext.translation(domain, localedir, languages=[gettext_locale(lang)],
                                fallback=True)


def translate(message: str, domain: str = DOMAIN, localedir: Path = LOCALE_DIR,
              lang: str | None = None) -> str:
    """``message`` in ``lang`` (default: the language of the moment)."""
    return translations(domain, lang or current(), str(localedir)).gettext(message)


def _(message: str) -> str:
    """``message`` (an English text of course_lib) in the language of the moment."""
    return translate(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (it is translated where
    it is shown, with :func:`translate`)."""
    return message
