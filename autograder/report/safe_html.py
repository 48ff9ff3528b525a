"""Student-made content made safe for a page given to people: it shows, nothing in it runs.

A feedback page shows a student's notebook: their markdown cells (raw HTML allowed there) and
the outputs their code made (``text/html``, SVG, JavaScript, images given as base64 text).
Any of these could carry a ``<script>``, an ``onerror=`` handler, a ``javascript:`` link, or
markup dressed up as the page's own "PASSED" badges. This module keeps only inert markup:

- HTML goes through nh3 (Python's binding of the Ammonia sanitizer: an allow-list of tags and
  attributes, no hand-written parsing), with MathML allowed because the page draws formulas
  as MathML; ``class`` only with the few values the page itself puts in markdown, ``id``
  never with the page's own prefixes, images only from ``data:`` URLs (the page fetches
  nothing), no other ``data:`` URL;
- outputs keep only inert MIME types: HTML is cleaned, SVG is shown as an image (a browser runs
  no script inside an ``<img>``), base64 images must be base64, everything else (JavaScript,
  widgets, unknown types) is dropped and ``text/plain`` shows instead;
- metadata, which nbconvert's templates act on, keeps only what is harmless: an image's width
  and height as numbers (an output's ``filenames`` would make the page fetch a URL, its
  ``isolated`` put it in a frame); a cell keeps its nbgrader metadata (which cells are
  tests) and a raw cell's format, nothing else (``transient.remove_source`` would hide the
  student's code from the page, and the page's own marks, a test's badge or the cell where
  grading stopped, are added afterwards by the grader, never taken from the notebook); the
  notebook keeps only its kernel's and language's metadata (a widget state in it would be
  copied into the page).

Every piece of student HTML goes through :func:`clean_html` before nbconvert sees it:
outputs and raw cells in :func:`clean_notebook`, markdown as
:mod:`autograder.report.feedback_page` renders it (nbconvert's own cleaner, which its
templates apply too, kept a raw cell's ``class="badge pass"``). Each page also tells the
browser, in its Content-Security-Policy, to run no script and fetch nothing from elsewhere,
whatever a bug here lets through.

What the grader itself writes on a page is made safe by the templates that write it: the
pages are Jinja templates in ``autograder/report/templates/`` (shipped as package data, with
the pages' one stylesheet, ``pages.css``), rendered by :func:`page_templates`, whose
environment autoescapes. Every value put in a page (a student id, a file name, a grader's or
a test's message) is escaped by the template, not by a helper each caller must remember; the
only markup passed in is marked :class:`markupsafe.Markup` where it is made, with the reason
it is safe (nbconvert's output of a cleaned notebook, the page's own fixed explanations).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from pathlib import Path

import nh3
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from nbformat import NotebookNode

__all__ = ["clean_html", "clean_notebook", "page_templates", "TEMPLATES"]

#: The pages' templates and their stylesheet (package data: see pyproject.toml).
TEMPLATES = Path(__file__).resolve().with_name("templates")

_MATHML_TAGS = {
    "math", "mi", "mn", "mo", "ms", "mtext", "mrow", "msup", "msub", "msubsup", "mfrac",
    "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mlabeledtr",
    "mstyle", "mspace", "mpadded", "mphantom", "menclose", "semantics", "annotation",
}
_MATHML_ATTRIBUTES = {
    "display", "xmlns", "mathvariant", "stretchy", "fence", "separator", "accent",
    "accentunder", "columnalign", "rowspacing", "columnspacing", "displaystyle", "scriptlevel",
    "lspace", "rspace", "width", "height", "depth", "linethickness", "encoding", "notation",
    "minsize", "maxsize", "movablelimits", "form", "largeop", "symmetric",
}
_TAGS = nh3.ALLOWED_TAGS | _MATHML_TAGS | {"span", "div", "img"}
_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    **{tag: _MATHML_ATTRIBUTES for tag in _MATHML_TAGS},
    "*": {"class", "id", "title"},
    "img": {"src", "alt", "width", "height"},
    "a": {"href", "title", "class"},
}
#: Class names the page's own markdown rendering uses; student markup may use no other.
_PAGE_CLASSES = {"anchor-link", "tex"}
#: Ids the page itself gives to its parts (summary-table targets, the stop marker).
_PAGE_ID = re.compile(r"^(cell-|stopped$|summary)")
_IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif|svg\+xml);base64,[A-Za-z0-9+/=\s]*$")

_INERT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex",
                "image/png", "image/jpeg", "image/gif", "image/svg+xml")
_BASE64_IMAGES = ("image/png", "image/jpeg", "image/gif")
#: The only cell metadata a page keeps from the notebook (see the module docstring).
_CELL_METADATA = ("nbgrader", "raw_mimetype")
#: ... and the only notebook metadata.
_NOTEBOOK_METADATA = ("kernelspec", "language_info")
#: The only output metadata it keeps, for each image type: the size to show it at.
_IMAGE_SIZE = ("width", "height")


def _attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        kept = [name for name in value.split() if name in _PAGE_CLASSES]
        return " ".join(kept) or None
    if attribute == "id":
        return None if _PAGE_ID.match(value) else value
    if element == "img" and attribute == "src":   # the page fetches nothing: data only
        return value if _IMAGE_DATA.match(value) else None
    if value.lstrip().lower().startswith("data:"):
        return None
    return value


def clean_html(fragment: str) -> str:
    """``fragment`` with every script, event handler, style and dangerous URL removed."""
    return nh3.clean(fragment, tags=_TAGS, attributes=_ATTRIBUTES,
                     attribute_filter=_attribute,
                     url_schemes=nh3.ALLOWED_URL_SCHEMES | {"data"},
                     link_rel="noopener noreferrer")


def _is_base64(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _svg_as_image(svg: object) -> str:
    data = base64.b64encode(str(svg).encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="SVG figure">'


def _clean_data(data: dict) -> dict:
    kept = {k: v for k, v in data.items() if k in _INERT_TYPES}
    for mime in _BASE64_IMAGES:
        if mime in kept and not _is_base64(kept[mime]):
            del kept[mime]
    if "image/svg+xml" in kept:
        kept["text/html"] = _svg_as_image(kept.pop("image/svg+xml"))
    if "text/html" in kept:
        html = kept["text/html"]
        kept["text/html"] = clean_html("".join(html) if isinstance(html, list) else str(html))
    if not kept:
        kept["text/plain"] = "(an output that only runs in a live notebook is not shown here)"
    return kept


def _clean_output_metadata(metadata: dict) -> dict:
    kept = {}
    for mime in _BASE64_IMAGES:
        size = metadata.get(mime)
        if isinstance(size, dict):
            size = {k: v for k, v in size.items() if k in _IMAGE_SIZE
                    and type(v) in (int, float) and 0 < v < 100_000}
            if size:
                kept[mime] = size
    return kept


def clean_notebook(nb: NotebookNode) -> NotebookNode:
    """``nb`` (changed in place) with only inert outputs and raw cells, and harmless metadata
    (see the module docstring)."""
    nb.metadata = NotebookNode({k: v for k, v in nb.metadata.items() if k in _NOTEBOOK_METADATA})
    for cell in nb.cells:
        cell.metadata = NotebookNode({k: v for k, v in cell.metadata.items()
                                      if k in _CELL_METADATA})
        if cell.cell_type == "raw":   # nbconvert shows it as HTML
            cell.source = clean_html(cell.source)
        for output in cell.get("outputs", []):
            if "data" in output:
                output["data"] = _clean_data(dict(output["data"]))
            if "metadata" in output:
                output["metadata"] = NotebookNode(_clean_output_metadata(output["metadata"]))
    return nb


@functools.lru_cache(maxsize=1)
def page_templates() -> Environment:
    """The Jinja environment of the grader's pages (``templates/``), autoescaping: whatever a
    template shows is escaped unless it is :class:`markupsafe.Markup`, which only the code that
    made it (and says why it is safe) may pass in."""
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
