"""Student-made markup in feedback pages shows, but nothing in it runs."""

from __future__ import annotations

import base64

import nbformat
from toy_course import NOTEBOOK, graded_notebook, toy_result

from autograder.report.feedback_page import write_feedback
from autograder.report.safe_html import clean_html, clean_outputs

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
    outs = clean_outputs(nb).cells[0].outputs
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
