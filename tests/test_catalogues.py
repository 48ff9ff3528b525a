"""The gettext catalogues of the Chinese edition (course_lib/language.py) are complete and
current: every English message the code marks is in its zh_CN catalogue, translated (not fuzzy),
with the same {placeholders}, and the compiled .mo says what the .po says. ``make messages``
brings a catalogue up to date; a failure here says which messages to translate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from course_lib.language import translations

REPO = Path(__file__).resolve().parents[1]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
METHODS = [("**.py", "python"), ("**.j2", "jinja2")]
OPTIONS = {"**.j2": {"extensions": "jinja2.ext.i18n"}}
#: domain -> (folder whose code it holds, folders left out, where its catalogue is)
DOMAINS = {
    "course_lib": ("course_lib", ("mistakes", "locale", "_answers"), "course_lib/locale"),
    "mistakes": ("course_lib/mistakes", (), "course_lib/locale"),
    "autograder": ("autograder", ("locale",), "autograder/locale"),
}
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)[sd]|%[sd]")


def _extracted(domain: str) -> set[str]:
    folder, skipped, _ = DOMAINS[domain]

    def keep(dirname: str) -> bool:
        return Path(dirname).name not in skipped and not Path(dirname).name.startswith(".")

    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            REPO / folder, METHODS, OPTIONS, KEYWORDS, directory_filter=keep):
        for text in (message if isinstance(message, tuple) else (message,)):
            if text:
                found.add(text)
    return found


def _catalogue(domain: str):
    path = REPO / DOMAINS[domain][2] / "zh_CN" / "LC_MESSAGES" / f"{domain}.po"
    assert path.is_file(), f"{path} is missing: run make messages"
    with open(path, "rb") as handle:
        return read_po(handle, locale="zh_CN")   # its plural forms (one in Chinese)


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_catalogue_holds_every_message_of_the_code(domain):
    in_code = _extracted(domain)
    in_catalogue = {text for m in _catalogue(domain) if m.id
                    for text in ((m.id,) if isinstance(m.id, str) else m.id)}
    missing = sorted(in_code - in_catalogue)
    assert in_code, f"no message of {domain} found in the code"
    assert not missing, (f"{len(missing)} message(s) not in {domain}.po (make messages): "
                         f"{missing[:5]}")
    stale = sorted(in_catalogue - in_code)
    assert not stale, f"{domain}.po holds messages the code no longer has: {stale[:5]}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_is_translated_with_the_same_placeholders(domain):
    problems = []
    for message in _catalogue(domain):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strs):
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
            continue
        for text in strs:
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(ids[-1])):
                problems.append(f"placeholders differ: {ids[0]!r} -> {text!r}")
    assert not problems, "\n".join(problems[:10])


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogue_is_current(domain):
    localedir = str(REPO / DOMAINS[domain][2])
    compiled = translations(domain, "zh-CN", localedir)
    stale = [m.id for m in _catalogue(domain) if m.id and isinstance(m.id, str)
             and compiled.gettext(m.id) != m.string]
    assert not stale, f"{domain}.mo is older than {domain}.po (make messages): {stale[:3]}"
