"""One source notebook, two languages: the Chinese text of a markdown cell kept beside its English.

A source notebook's markdown cell holds its English text as its source and its translations in
its metadata, so that a change to a test or an exercise (code cells, grade ids, points) is made
once for every language::

    {"cell_type": "markdown", "source": "## 2. One neuron ...",
     "metadata": {"nbgrader": {...}, "translations": {"zh-CN": "## 2. 一个神经元 ..."}}}

:func:`localize` makes the notebook of one language: every markdown cell's source in that
language, the translations dropped, and the notebook's metadata ``course_language`` set
(:data:`course_lib.language.METADATA_KEY`: what the grader, the feedback page and a running
kernel read). Code cells are never touched, so both languages have the same cells, grade ids,
points and code-cell checksums, and a submission in either language is graded by the same tests.
:func:`text_in` and :func:`versions` let the intake restore a read-only cell in the
submission's own language and recognise any language's text as unedited.
"""

from __future__ import annotations

import copy

from nbformat import NotebookNode

from course_lib.language import DEFAULT, LANGUAGES, METADATA_KEY, normalize

#: Cell metadata key of a markdown cell's translations: {language: markdown}.
TRANSLATIONS = "translations"


class TranslationError(ValueError):
    """A source notebook lacks a translation a release needs; the message names the cells."""


def text_in(cell: NotebookNode, lang: str) -> str:
    """The cell's source in ``lang``: its translation for a markdown cell that has one, else
    its source (code is the same in every language)."""
    lang = normalize(lang)
    if lang == DEFAULT or cell.get("cell_type") != "markdown":
        return cell.source
    return cell.get("metadata", {}).get(TRANSLATIONS, {}).get(lang, cell.source)


def versions(cell: NotebookNode) -> set[str]:
    """Every language's text of the cell (its source for a code cell)."""
    return {text_in(cell, lang) for lang in LANGUAGES}


def untranslated(nb: NotebookNode, lang: str) -> list[str]:
    """Grade ids (or positions) of the markdown cells with no text in ``lang``."""
    lang = normalize(lang)
    if lang == DEFAULT:
        return []
    return [cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {i + 1}"
            for i, cell in enumerate(nb.cells)
            if cell.cell_type == "markdown"
            and not cell.get("metadata", {}).get(TRANSLATIONS, {}).get(lang, "").strip()]


def localize(nb: NotebookNode, lang: str, name: str = "the notebook") -> NotebookNode:
    """A copy of the source notebook ``nb`` in ``lang`` (see the module docstring);
    :class:`TranslationError` naming the cells that have no text in ``lang``."""
    lang = normalize(lang)
    missing = untranslated(nb, lang)
    if missing:
        raise TranslationError(f"{name} has no {lang} text in {len(missing)} markdown cell(s): "
                               f"{', '.join(missing[:10])}")
    out = copy.deepcopy(nb)
    for cell in out.cells:
        cell.source = text_in(cell, lang)
        cell.get("metadata", {}).pop(TRANSLATIONS, None)
    out.metadata[METADATA_KEY] = lang
    return out
