"""One source notebook, two languages (autograder.course.languages): the release of a language
and what the intake accepts as an unedited read-only cell."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.course.languages import (
    TRANSLATIONS,
    TranslationError,
    localize,
    text_in,
    untranslated,
    versions,
)
from autograder.course.reference import build_reference
from autograder.course.rules import compute_checksum
from autograder.intake.sanitize import EDITED, sanitize
from course_lib.language import METADATA_KEY, notebook_language


def _meta(gid: str, **extra) -> dict:
    return {"nbgrader": {"grade_id": gid, "locked": True, "solution": False, "grade": False,
                         "schema_version": 3, **extra}}


def source_notebook() -> nbformat.NotebookNode:
    intro = new_markdown_cell("## Adding\n\nWrite `add(a, b)`: $a + b$.", metadata=_meta("md-01"))
    intro.metadata[TRANSLATIONS] = {"zh-CN": "## 加法\n\n编写 `add(a, b)`：$a + b$。"}
    code = new_code_cell("def add(a, b):\n    return a + b", metadata=_meta("add"))
    return new_notebook(cells=[intro, code])


def test_localize_puts_the_translation_in_and_records_the_language():
    nb = source_notebook()
    zh = localize(nb, "zh_CN.UTF-8")
    assert zh.cells[0].source.startswith("## 加法")
    assert TRANSLATIONS not in zh.cells[0].metadata
    assert zh.metadata[METADATA_KEY] == "zh-CN"
    assert notebook_language(zh.metadata) == "zh-CN"
    en = localize(nb, "en")
    assert en.cells[0].source.startswith("## Adding") and en.metadata[METADATA_KEY] == "en"
    assert TRANSLATIONS in nb.cells[0].metadata, "the source notebook itself is not changed"


def test_both_languages_share_code_grade_ids_and_checksums():
    nb = source_notebook()
    en, zh = localize(nb, "en"), localize(nb, "zh-CN")
    assert [c.cell_type for c in en.cells] == [c.cell_type for c in zh.cells]
    assert en.cells[1] == zh.cells[1]
    assert compute_checksum(en.cells[1]) == compute_checksum(zh.cells[1])


def test_a_missing_translation_is_named():
    nb = source_notebook()
    nb.cells.append(new_markdown_cell("More text", metadata=_meta("md-02")))
    assert untranslated(nb, "zh-CN") == ["md-02"]
    with pytest.raises(TranslationError, match="md-02"):
        localize(nb, "zh-CN", "01_adder/adder.ipynb")
    assert localize(nb, "en").cells[2].source == "More text"


def test_text_in_and_versions():
    cell = source_notebook().cells[0]
    assert text_in(cell, "zh-CN").startswith("## 加法")
    assert text_in(cell, "en").startswith("## Adding")
    assert versions(cell) == {text_in(cell, "en"), text_in(cell, "zh-CN")}
    with pytest.raises(ValueError, match="zh-CN"):
        text_in(cell, "fr")


@pytest.fixture
def translated_ref(tmp_path, course_source):
    """The synthetic course's adder notebook with a Chinese text for every markdown cell."""
    nb = nbformat.read(course_source / "01_adder" / "adder.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.metadata[TRANSLATIONS] = {"zh-CN": "中文：" + cell.source}
    (tmp_path / "01_adder").mkdir()
    nbformat.write(nb, tmp_path / "01_adder" / "adder.ipynb")
    return nb, build_reference(tmp_path / "01_adder" / "adder.ipynb", "01_adder")


def test_a_chinese_submission_keeps_its_chinese_text_unflagged(translated_ref):
    source, ref = translated_ref
    submission = localize(ref.release(), "zh-CN")
    assert any(c.cell_type == "markdown" for c in submission.cells)
    clean = sanitize(submission, ref)
    assert EDITED not in clean.flags, clean.notes
    for cell in clean.notebook.cells:
        if cell.cell_type == "markdown":
            assert cell.source.startswith("中文："), cell.source


def test_english_text_in_a_chinese_notebook_is_restored_in_chinese_unflagged(translated_ref):
    _, ref = translated_ref
    submission = localize(ref.release(), "en")
    submission.metadata[METADATA_KEY] = "zh-CN"
    clean = sanitize(submission, ref)
    assert EDITED not in clean.flags
    assert all(c.source.startswith("中文：") for c in clean.notebook.cells
               if c.cell_type == "markdown")


def test_edited_or_deleted_chinese_text_is_restored_in_chinese(translated_ref):
    _, ref = translated_ref
    submission = localize(ref.release(), "zh-CN")
    md = [i for i, c in enumerate(submission.cells) if c.cell_type == "markdown"]
    submission.cells[md[0]].source = "我改了这段说明"
    if len(md) > 1:
        del submission.cells[md[-1]]
    clean = sanitize(submission, ref)
    assert EDITED in clean.flags
    texts = [c.source for c in clean.notebook.cells if c.cell_type == "markdown"]
    assert len(texts) == len(md) and all(t.startswith("中文：") for t in texts)
    assert all(TRANSLATIONS not in c.metadata for c in clean.notebook.cells)
