"""Which language a student reads (course_lib.language): set by the grader, the environment or
the notebook a kernel runs, English otherwise; and the translation of a message."""

from __future__ import annotations

import json
import threading

import pytest

from course_lib import language
from course_lib.language import _, current, normalize, notebook_language, translate, use


@pytest.fixture(autouse=True)
def no_outside_language(monkeypatch):
    monkeypatch.delenv(language.ENV, raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    language._notebook_language.cache_clear()


@pytest.mark.parametrize("given, name", [("zh-CN", "zh-CN"), ("zh_CN.UTF-8", "zh-CN"),
                                         ("zh", "zh-CN"), ("ZH-cn", "zh-CN"), ("en", "en"),
                                         ("en_US.UTF-8", "en"), ("C", "en")])
def test_normalize(given, name):
    assert normalize(given) == name


def test_an_unknown_language_is_refused_with_the_known_ones():
    with pytest.raises(language.UnknownLanguage, match="en, zh-CN"):
        normalize("fr_FR")


def test_english_by_default_and_chinese_inside_use():
    message = "{name}: visible test passed"
    assert current() == "en" and _(message) == message
    with use("zh-CN"):
        assert current() == "zh-CN"
        assert _(message) == "{name}：可见测试通过"
    assert current() == "en"


def test_use_is_per_thread_of_work():
    seen = {}

    def other():
        seen["other"] = current()

    with use("zh-CN"):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert seen["other"] == "en", "a thread started elsewhere keeps its own language"


def test_the_environment_sets_the_language(monkeypatch):
    monkeypatch.setenv(language.ENV, "zh_CN.UTF-8")
    assert current() == "zh-CN"
    monkeypatch.setenv(language.ENV, "klingon")
    assert current() == "en"


def test_a_kernel_reads_its_notebooks_language(monkeypatch, tmp_path):
    notebook = tmp_path / "logistic_unit.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {language.METADATA_KEY: "zh-CN"},
                                    "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    assert current() == "zh-CN"
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "gone.ipynb"))
    assert current() == "en"


def test_notebook_language_reads_metadata():
    assert notebook_language({language.METADATA_KEY: "zh-CN"}) == "zh-CN"
    assert notebook_language({}) == "en"
    assert notebook_language({language.METADATA_KEY: ["zh"]}) == "en"


def test_translate_other_domains_and_a_message_without_translation():
    assert translate("no such message", lang="zh-CN") == "no such message"
    assert translate("{name}: gradient check passed", lang="zh-CN") == "{name}：梯度检验通过"
