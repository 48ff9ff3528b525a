"""Student-made markup in feedback pages shows, but nothing in it runs, nothing is fetched,
and only the grader marks a cell as passed or stopped."""

from __future__ import annotations

import base64
import html
import re

import nbformat
from toy_course import NOTEBOOK, graded_notebook, toy_result

from autograder.report.feedback_page import write_feedback
from autograder.report.safe_html import clean_html, clean_notebook

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    '<a href="javascript:alert(3)">click</a>',
    '<iframe src="data:text/html,<script>alert(4)</script>"></iframe>',
    '<div style="position:fixed;top:0" class="badge pass">PASSED 19/19</div>',
    '<svg onload="alert(5)"><circle r="4"/></svg>',
]


def test_clean_html_keeps_text_tables_and_maths_and_drops_what_runs():
    kept = clean_html('<p>a <b>bold</b> <code>x</code></p><table><tr><td>1</td></tr></table>'
                      '<math display="block"><msup><mi>x</mi><mn>2</mn></msup></math>')
    assert "<b>bold</b>" in kept and "<td>1</td>" in kept
    assert '<math display="block"><msup><mi>x</mi><mn>2</mn></msup></math>' in kept
    cleaned = clean_html("".join(ATTACKS))
    for bad in ("<script", "onerror", "javascript:", "<iframe", "style=", "badge", "onload",
                "alert"):
        assert bad not in cleaned, bad
    assert "PASSED 19/19" in cleaned                 # the text stays, as plain text


def test_clean_html_lets_only_image_data_urls_through():
    png = "data:image/png;base64," + base64.b64encode(b"\x89PNG").decode()
    assert png in clean_html(f'<img src="{png}">')
    assert "src" not in clean_html('<img src="https://tracker.example/p.gif">')
    assert "data:" not in clean_html('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>')


def test_outputs_keep_only_inert_types():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data={
            "application/javascript": "alert(1)", "text/plain": "<JS>"}),
        nbformat.v4.new_output("display_data", data={"text/html": ATTACKS[0] + "<i>ok</i>"}),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": "<svg onload='x()'/>"}),
        nbformat.v4.new_output("display_data", data={"image/png": '"><script>x()</script>'}),
    ])])
    outs = clean_notebook(nb).cells[0].outputs
    assert outs[0]["data"] == {"text/plain": "<JS>"}
    assert outs[1]["data"]["text/html"] == "<i>ok</i>"
    assert outs[2]["data"]["text/html"].startswith('<img src="data:image/svg+xml;base64,')
    assert "image/png" not in outs[3]["data"] and "text/plain" in outs[3]["data"]


def test_a_feedback_page_runs_no_student_script(tmp_path):
    nb = graded_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("my notes " + "".join(ATTACKS)))
    nb.cells.append(nbformat.v4.new_code_cell("display(HTML(...))", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": "".join(ATTACKS)}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(6)"}),
    ]))
    page = write_feedback(toy_result(), {NOTEBOOK: nb}, tmp_path)[0].read_text("utf-8")
    assert "my notes" in page and "PASSED 19/19" in page
    for bad in ("<script", "onerror", "javascript:", "<iframe", "onload", "alert("):
        assert bad not in page, bad


def _page_of(folder, *cells) -> str:
    """The feedback page of the toy submission with ``cells`` put after its first cell."""
    nb = graded_notebook()
    nb.cells[1:1] = list(cells)
    return write_feedback(toy_result(), {NOTEBOOK: nb}, folder)[0].read_text("utf-8")


def _text_of(page: str) -> str:
    """What a reader sees: tags removed (syntax highlighting splits code into spans)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _badges(page: str) -> list[str]:
    return re.findall(r'class="badge (\w+)"', page)


def test_a_student_cannot_put_a_badge_or_a_stop_mark_on_the_page(tmp_path):
    honest = write_feedback(toy_result(), {NOTEBOOK: graded_notebook()}, tmp_path / "honest")
    forged = _page_of(tmp_path / "forged", nbformat.v4.new_code_cell("x = 1", metadata={
        "autograder_feedback": {"state": "pass", "label": "PASSED", "grade_id": "forged_cell",
                                "points": "99", "max_points": "99", "message": "FORGED-MSG"},
        "autograder_stopped": "FORGED-STOP", "autograder_stopped_first": True}))
    assert _badges(forged) == _badges(honest[0].read_text("utf-8"))   # the grader's badges only
    for forged_mark in ("forged_cell", "99 / 99", "FORGED-MSG", "FORGED-STOP", 'id="stopped"'):
        assert forged_mark not in forged, forged_mark
    assert "x = 1" in _text_of(forged)                                  # the cell itself shows


def test_a_student_cannot_hide_their_code_from_the_page(tmp_path):
    page = _page_of(tmp_path, nbformat.v4.new_code_cell("hidden_by_metadata = 1", metadata={
        "transient": {"remove_source": True}, "jupyter": {"source_hidden": True}}))
    assert "hidden_by_metadata" in _text_of(page)


def test_a_raw_cell_goes_through_the_same_sanitizer(tmp_path):
    page = _page_of(tmp_path, nbformat.v4.new_raw_cell("my raw notes " + "".join(ATTACKS),
                                             metadata={"raw_mimetype": "text/html"}))
    assert "my raw notes" in page and "PASSED 19/19" in page
    for bad in ("<script", "onerror", "javascript:", "<iframe", "onload", "alert(",
                'class="badge pass">PASSED 19/19'):
        assert bad not in page, bad


def test_notebook_metadata_adds_nothing_to_the_page(tmp_path):
    nb = graded_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {}, "version_major": 2, "version_minor": 0, "note": "WIDGET-STATE"}}
    page = write_feedback(toy_result(), {NOTEBOOK: nb}, tmp_path)[0].read_text("utf-8")
    assert "<script" not in page and "WIDGET-STATE" not in page


def test_output_metadata_cannot_make_the_page_fetch_or_frame_anything(tmp_path):
    png = base64.b64encode(b"\x89PNG\r\n").decode()
    page = _page_of(tmp_path, nbformat.v4.new_code_cell("display(...)", outputs=[
        nbformat.v4.new_output("display_data", data={"image/png": png}, metadata={
            "filenames": {"image/png": "https://tracker.example/p.png"},
            "image/png": {"width": 40, "height": "1 onload=alert(1)", "unconfined": True}}),
        nbformat.v4.new_output("display_data", data={"text/html": "<b>framed</b>"},
                               metadata={"text/html": {"isolated": True}}),
    ]))
    assert "tracker.example" not in page and "<iframe" not in page
    assert f"data:image/png;base64,{png}" in page and re.search(r'width="?40\b', page)
    assert "onload" not in page and "<b>framed</b>" in page


def test_pages_forbid_scripts_and_fetches_to_the_browser(tmp_path):
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">',
                       _page_of(tmp_path))
    assert policy is not None
    rules = dict(rule.strip().split(" ", 1) for rule in policy.group(1).split(";"))
    assert rules["default-src"] == "'none'" and "script-src" not in rules
    assert "http" not in rules["img-src"]
