"""What must not leak: lines of a source notebook's hidden tests, and the text a page shows."""

from __future__ import annotations

import html
import re

import nbformat

from autograder.vocabulary import HIDDEN_BEGIN, HIDDEN_END


def hidden_only_lines(notebook_path) -> set[str]:
    """Lines of the source notebook's hidden tests that appear nowhere else in it."""
    hidden, visible = set(), set()
    for cell in nbformat.read(notebook_path, as_version=4).cells:
        rest = cell.source
        while HIDDEN_BEGIN in rest:
            before, after = rest.split(HIDDEN_BEGIN, 1)
            inside, _, rest = after.partition(HIDDEN_END)
            visible.update(ln.strip() for ln in before.splitlines())
            hidden.update(ln.strip() for ln in inside.splitlines() if len(ln.strip()) > 8)
        visible.update(ln.strip() for ln in rest.splitlines())
    return hidden - visible


def page_lines(path) -> set[str]:
    text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))
    return {ln.strip() for ln in text.splitlines()}
