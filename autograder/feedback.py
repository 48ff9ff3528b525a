"""Feedback pages: one self-contained HTML page per graded notebook, safe to give the student.

A page shows the student's executed notebook (nbconvert's HTML exporter, a lean template with
the CSS inlined: no script, no stylesheet and no font is fetched from the network) under a
header with the score, the grading status and its message, and any flags. Every test cell
carries a pass/fail badge with its points and the message the student needs.

The hidden tests never reach the page: in every cell the region between the lines holding
``BEGIN HIDDEN TESTS`` and ``END HIDDEN TESTS`` (:mod:`autograder.vocabulary`) is replaced by
one comment line (``# hidden tests: failed - <message>``), and that cell's outputs (a
traceback quotes the source it ran) are dropped.

A submission that could not be graded (not a notebook, missing, cut at the time limit, the
kernel died, the tool failed) gets a page that says what happened and what to do next, above
whatever part of the notebook did run.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable
from pathlib import Path

import nbformat
from jinja2 import DictLoader, pass_context
from latex2mathml.converter import convert as latex_to_mathml
from nbformat import NotebookNode

from autograder.results import CellResult, NotebookResult, Status, SubmissionResult
from autograder.safe_html import clean_html, clean_outputs
from autograder.vocabulary import HIDDEN_BEGIN, HIDDEN_END, grade_id_of

__all__ = [
    "write_feedback",
    "feedback_path",
    "render_page",
    "redact_hidden_tests",
    "format_points",
]

#: Cell metadata key the template reads to draw a test cell's badge.
_BADGE_KEY = "autograder_feedback"

#: Cell metadata key marking the cell where a timeout or a dead kernel stopped the run.
_STOPPED_KEY = "autograder_stopped"

#: Error names the grading engine gives the cell it stopped at.
_STOP_ERRORS = {"TimeoutError": "this cell ran past the time limit",
                "CellTimeoutError": "this cell ran past the time limit",
                "DeadKernelError": "the kernel died while running this cell"}

#: Page name used when a submission has no notebook result at all.
_SUBMISSION_PAGE = "submission"

#: Per status: (title, what happened, what to do). ``{message}`` is the grader's message.
EXPLANATIONS: dict[Status, tuple[str, str, str]] = {
    Status.GRADED: ("Graded", "", ""),
    Status.TIMEOUT: (
        "A cell was stopped at the time limit",
        "A cell of your notebook was still running when the time limit for one cell ran out, "
        "so it was interrupted. Grading went on with the next cells: only the tests that "
        "need what that cell should have done lose points. This is nearly always a loop that "
        "never ends (a <code>while</code> loop whose condition never becomes false, a "
        "counter that is never increased) or far more iterations than the exercise asks for.",
        "Run your notebook from a fresh kernel (<em>Kernel &rarr; Restart Kernel and Run All "
        "Cells</em>) and check that every cell finishes within a few seconds. The red marks "
        "in the notebook below show the cells that were stopped. Fix the loop and submit "
        "again.",
    ),
    Status.KERNEL_DIED: (
        "A cell stopped the notebook's Python process",
        "The Python process (the kernel) running your notebook stopped during a cell. The "
        "grader started a fresh one, ran the cells before that cell again, skipped it and "
        "went on: the functions defined in that cell lose their points, the others keep "
        "theirs. A kernel dies when code calls <code>exit()</code>, <code>sys.exit()</code> "
        "or <code>os._exit()</code>, crashes, or uses more memory than allowed (a very large "
        "array, for example one built from a shape that was meant to be (n, 1) but is "
        "(n, n)).",
        "Remove any exit calls, check the shapes of the arrays you build, then run the "
        "notebook from a fresh kernel (<em>Kernel &rarr; Restart Kernel and Run All "
        "Cells</em>) and submit again. The red marks in the notebook below show where.",
    ),
    Status.INVALID_NOTEBOOK: (
        "The file is not a readable notebook",
        "The file you submitted could not be opened as a Jupyter notebook, so none of it "
        "was graded. This happens when an upload is cut short, when the file was edited in "
        "a text editor, or when another file was renamed to <code>.ipynb</code>.",
        "Open the file in JupyterLab. If it opens, save it (<em>File &rarr; Save</em>) and "
        "submit that file again. If it does not open, download the assignment again, copy "
        "your answers into it, run it, save it and submit it.",
    ),
    Status.MISSING_NOTEBOOK: (
        "The notebook is missing from the submission",
        "The assignment's notebook was not found in what you submitted, so it scored zero. "
        "The grader looks for the notebook under the exact name it was released with.",
        "Submit the notebook under its original file name (shown in the title of this "
        "page), without renaming it or putting it in a sub-folder.",
    ),
    Status.UNKNOWN_ASSIGNMENT: (
        "The file matches no assignment",
        "A file in your submission has a name that matches none of the released notebooks, "
        "so it was not graded.",
        "Check that you submitted the notebook of this assignment under the name it was "
        "released with.",
    ),
    Status.ERROR: (
        "The grading tool failed",
        "The grading tool itself failed on your submission. This is not a problem with "
        "your work, and your instructor can see it in the class report.",
        "Nothing: your instructor will grade the submission again once the problem is "
        "fixed. If you do not hear back, contact your instructor.",
    ),
}

#: Flags the grader may set, explained for the student.
FLAG_EXPLANATIONS: dict[str, str] = {
    "tampered": "Your notebook changed code the tests rely on (numpy, numpy.testing, Python's "
                "builtins, the course's checks, or what runs the cells). The messages below say "
                "what was changed. Your instructor will review it.",
    "copied_reference": "This graded function is taken from course_lib (imported, aliased, or "
                        "called by your function) rather than written by you, so its tests "
                        "score 0. Your instructor will review it.",
    "edited_locked_cell": "A read-only cell (an explanation or a test) had been edited. It was "
                          "put back as released before grading; your edits to it were not "
                          "used.",
}


def format_points(value: float) -> str:
    """``2.0 -> "2"``, ``1.5 -> "1.5"``, ``0.333333 -> "0.33"``."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def feedback_path(out_dir: Path, student_id: str, assignment: str, notebook: str) -> Path:
    """Where the page of ``notebook`` goes: ``out_dir/<student_id>/<assignment>/<notebook>.html``.

    Raises ValueError for a name that would leave ``out_dir`` (empty, ``.``/``..``, a slash).
    """
    parts = {"student id": student_id, "assignment": assignment, "notebook": notebook}
    for what, name in parts.items():
        if name in ("", ".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise ValueError(f"{what} {name!r} cannot be used as a folder or file name")
    return Path(out_dir) / student_id / assignment / f"{notebook}.html"


def _stem(name: str) -> str:
    return name[:-len(".ipynb")] if name.endswith(".ipynb") else name


def write_feedback(result: SubmissionResult, graded: dict[str, NotebookNode],
                   out_dir: Path) -> list[Path]:
    """Write one feedback page per notebook of ``result``; return the paths written.

    result: the submission's grading record.
    graded: notebook name (with or without ``.ipynb``) -> the graded notebook, executed, with
        its outputs and the test cells as graded (hidden tests included: they are removed
        here). A notebook that did not run (invalid, missing) is simply absent.
    out_dir: the feedback folder; pages go to ``out_dir/<student_id>/<assignment>/``.

    A submission without any notebook result (e.g. an unreadable upload) gets one page,
    ``submission.html``, explaining its status.
    """
    notebooks = {_stem(name): nb for name, nb in graded.items()}
    written: list[Path] = []
    nb_results = result.notebooks or [
        NotebookResult(name=_SUBMISSION_PAGE, status=result.status, message=result.message)]
    for nb_result in nb_results:
        stem = _stem(nb_result.name)
        path = feedback_path(out_dir, result.student_id, result.assignment, stem)
        page = render_page(result, nb_result, notebooks.get(stem))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written


# --------------------------------------------------------------------------- hidden tests

def _hidden_line(cell: CellResult | None) -> str:
    if cell is None:
        return "# hidden tests (their code is not shown)"
    verdict = "passed" if cell.passed else "failed"
    points = f"{format_points(cell.points)}/{format_points(cell.max_points)} points"
    lines = (cell.message or "").strip().splitlines()
    head = f"# hidden tests: {verdict} ({points})"
    if not lines:
        return head
    return "\n".join([f"{head} - {lines[0]}"] + [f"#   {ln}" for ln in lines[1:]])


def _redact_source(source: str, cell: CellResult | None) -> tuple[str, bool]:
    """``source`` with every hidden region replaced by one comment line; whether any was."""
    out: list[str] = []
    hiding = redacted = False
    for line in source.splitlines():
        if not hiding and HIDDEN_BEGIN in line:
            hiding = redacted = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + ln for ln in _hidden_line(cell).splitlines())
        elif hiding:
            if HIDDEN_END in line:
                hiding = False
        else:
            out.append(line)
    return "\n".join(out), redacted


def redact_hidden_tests(nb: NotebookNode,
                        cells: dict[str, CellResult] | None = None) -> NotebookNode:
    """A copy of ``nb`` without the hidden tests' source, nor the outputs of cells that had
    hidden tests. ``cells`` (grade_id -> result) words the line that replaces each region;
    an unclosed ``BEGIN`` hides everything to the end of its cell."""
    cells = cells or {}
    out = nbformat.from_dict(nb)
    for cell in out.cells:
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        if HIDDEN_BEGIN not in source:
            continue
        new_source, redacted = _redact_source(source, cells.get(grade_id_of(cell) or ""))
        if redacted:
            cell.source = new_source
            if cell.cell_type == "code":
                cell.outputs = []
            cell.pop("attachments", None)
    return out


# --------------------------------------------------------------------------- rendering

_TEMPLATE = r"""
{%- extends 'classic/base.html.j2' -%}
{% block any_cell %}
{%- set stopped = cell.metadata.get('@STOPPED@') -%}
{%- if stopped -%}
<div class="stopped"{% if cell.metadata.get('@STOPPED@_first') %} id="stopped"{% endif %}>
&#9632; The grader stopped this cell: {{ stopped | escape_html }}</div>
{%- endif -%}
{%- set fb = cell.metadata.get('@BADGE@') -%}
{%- if fb -%}
<section class="graded {{ fb.state }}" id="cell-{{ fb.grade_id | escape_html }}">
<div class="badge-row"><span class="badge {{ fb.state }}">{{ fb.label }}</span>
<span class="cell-id">{{ fb.grade_id | escape_html }}</span>
<span class="pts">{{ fb.points }} / {{ fb.max_points }} points</span>
{%- if fb.hidden %}<span class="tag">hidden tests</span>{% endif -%}
</div>
{%- if fb.message %}<pre class="cell-msg">{{ fb.message | escape_html }}</pre>{% endif %}
{{ super() }}
</section>
{%- else -%}
{{ super() }}
{%- endif -%}
{% endblock any_cell %}
{% block input %}
<div class="inner_cell"><div class="input_area">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
</div></div>
{%- endblock input %}
""".replace("@STOPPED@", _STOPPED_KEY).replace("@BADGE@", _BADGE_KEY)


def _math_html(tex: str, display: bool) -> str:
    """MathML for a formula of a markdown cell (latex2mathml), or its TeX source when it
    cannot be drawn: malformed TeX, or a command latex2mathml does not know (it would show
    the command's name as a letter)."""
    try:
        mathml = latex_to_mathml(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - latex2mathml has many error types; any means "cannot"
        mathml = ""
    if mathml and "<mi>\\" not in mathml:   # HTML needs no namespace: the page names no URL
        return mathml.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "", 1)
    delim = "$$" if display else "$"
    tag = "div" if display else "code"
    return f'<{tag} class="tex">{html.escape(delim + tex + delim)}</{tag}>'


@functools.lru_cache(maxsize=1)
def _exporter():
    """The HTML exporter with the feedback template (built once: it takes ~0.3 s); markdown
    maths is drawn as MathML (the browser renders it: no MathJax, nothing to download)."""
    from nbconvert import HTMLExporter
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    class MathMLRenderer(IPythonRenderer):
        def inline_math(self, body: str) -> str:
            return _math_html(body, display=False)

        def block_math(self, body: str) -> str:
            return _math_html(body, display=True)

        def latex_environment(self, name: str, body: str) -> str:
            return _math_html(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

    class FeedbackExporter(HTMLExporter):
        @pass_context
        def markdown2html(self, context, source):
            cell = context.get("cell", {})
            renderer = MathMLRenderer(
                escape=False, attachments=cell.get("attachments", {}),
                embed_images=self.embed_images, path="",
                anchor_link_text=self.anchor_link_text,
                exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
            return clean_html(MarkdownWithMath(renderer=renderer).render(source))

        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter's own version re-parses the whole page with BeautifulSoup to add
            # alt texts and tab stops: a second per page that these pages do not need.
            from nbconvert.exporters.templateexporter import TemplateExporter
            from nbconvert.filters.highlight import Highlight2HTML
            from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

            resources = self._init_resources(resources)
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer="ipython3", parent=self)))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = FeedbackExporter(
        template_name="basic",
        extra_loaders=[DictLoader({"autograder_feedback.html.j2": _TEMPLATE})],
        template_file="autograder_feedback.html.j2",
    )
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def _annotate(nb: NotebookNode, cells: dict[str, CellResult]) -> NotebookNode:
    """Attach each graded test cell's badge data to its metadata (for the template), and mark
    the cells where the run was stopped (a timeout, a dead kernel)."""
    first_seen = False
    for cell in nb.cells:
        stop = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"
                and o.get("ename") in _STOP_ERRORS]
        if stop:
            cell.metadata[_STOPPED_KEY] = _STOP_ERRORS[stop[0]["ename"]]
            cell.metadata[_STOPPED_KEY + "_first"] = not first_seen   # the header links to it
            first_seen = True
        gid = grade_id_of(cell)
        if gid is None or gid not in cells:
            continue
        res = cells[gid]
        state = "pass" if res.passed else ("partial" if res.points > 0 else "fail")
        cell.metadata[_BADGE_KEY] = {
            "grade_id": gid,
            "state": state,
            "label": {"pass": "PASSED", "partial": "PARTIAL", "fail": "FAILED"}[state],
            "points": format_points(res.points),
            "max_points": format_points(res.max_points),
            "hidden": res.hidden,
            "message": res.message.strip(),
        }
    return nb


def _notebook_html(nb: NotebookNode, cells: dict[str, CellResult]) -> str:
    safe = _annotate(clean_outputs(redact_hidden_tests(nb, cells)), cells)
    body, _ = _exporter().from_notebook_node(safe)
    return body


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


#: How course_lib.diagnosis starts the line that names a catalogued mistake.
NAMED_MISTAKE = "This looks like a known mistake"


def summary_lines(message: str) -> list[str]:
    """What the summary table shows of a failure message: its first line, and the line naming
    the catalogued mistake (``This looks like a known mistake ...``) when there is one."""
    lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
    named = next((ln for ln in lines[1:] if ln.startswith(NAMED_MISTAKE)), None)
    return lines[:1] + ([named] if named else [])


def _summary_table(nb_result: NotebookResult, anchors: set[str]) -> str:
    if not nb_result.cells:
        return ""
    rows = []
    for c in nb_result.cells:
        state = "pass" if c.passed else ("partial" if c.points > 0 else "fail")
        name = _e(c.grade_id)
        if c.grade_id in anchors:
            name = f'<a href="#cell-{name}">{name}</a>'
        kind = "hidden" if c.hidden else "visible"
        msg = "<br>".join(_e(line) for line in summary_lines(c.message))
        rows.append(
            f'<tr class="{state}"><td><span class="dot {state}"></span>{name}</td>'
            f"<td>{kind}</td><td class=num>{format_points(c.points)} / "
            f"{format_points(c.max_points)}</td><td>{msg}</td></tr>")
    return ('<table class="summary"><thead><tr><th>test</th><th>kind</th><th>points</th>'
            "<th>message</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _flags_html(flags: Iterable[str]) -> str:
    default = "flagged for review by your instructor."
    # "copied_reference:propagate" is explained as "copied_reference"
    items = [f"<li><strong>{_e(f)}</strong>: "
             f"{_e(FLAG_EXPLANATIONS.get(f.split(':', 1)[0], default))}</li>" for f in flags]
    if not items:
        return ""
    return f'<div class="callout flags"><h2>Flags</h2><ul>{"".join(items)}</ul></div>'


def _notes_html(notes: list[str]) -> str:
    """The grader's remarks on a notebook (cells restored, functions left unanswered ...)."""
    if not notes:
        return ""
    items = "".join(f"<li>{_e(n)}</li>" for n in notes)
    return f'<div class="callout notes"><h2>Notes from the grader</h2><ul>{items}</ul></div>'


def _status_html(status: Status, message: str, stopped: bool = False) -> str:
    title, happened, todo = EXPLANATIONS[status]
    if status is Status.GRADED:
        return ""
    parts = [f'<div class="callout problem"><h2>{_e(title)}</h2>']
    if message:
        parts.append(f'<p class="grader-msg">Grader: <code>{_e(message)}</code></p>')
    parts.append(f"<h3>What happened</h3><p>{happened}</p>")
    parts.append(f"<h3>What to do</h3><p>{todo}</p>")
    if stopped:
        parts.append('<p><a href="#stopped">Go to the cell where the grader stopped</a></p>')
    parts.append("</div>")
    return "".join(parts)


def render_page(result: SubmissionResult, nb_result: NotebookResult,
                notebook: NotebookNode | None) -> str:
    """The whole feedback page (a string of HTML) for one notebook of ``result``."""
    cells = {c.grade_id: c for c in nb_result.cells}
    status = nb_result.status if result.notebooks else result.status
    message = nb_result.message if result.notebooks else result.message
    present = {g for g in ((grade_id_of(c) for c in notebook.cells) if notebook else ()) if g}
    body = _notebook_html(notebook, cells) if notebook is not None else ""
    title_nb = (f"{nb_result.name}.ipynb" if nb_result.name != _SUBMISSION_PAGE
                else "your submission")
    total = (f"{format_points(nb_result.score)} / {format_points(nb_result.max_score)}"
             if nb_result.cells or nb_result.max_score else
             f"{format_points(result.score)} / {format_points(result.max_score)}")
    sub_total = ""
    if len(result.notebooks) > 1:
        sub_total = (f"<div><span class=lbl>assignment total</span> "
                     f"{format_points(result.score)} / {format_points(result.max_score)}</div>")
    passed = sum(c.passed for c in nb_result.cells)
    tests_line = (f"<div><span class=lbl>tests passed</span> {passed} of {len(nb_result.cells)}"
                  "</div>" if nb_result.cells else "")
    status_cls = "ok" if status is Status.GRADED else "bad"
    # a problem's message goes in its own box below; a graded note fits in the header
    head_msg = f"<span class=smsg>{_e(message)}</span>" if message and status_cls == "ok" else ""
    header = f"""
<header class="page-head">
  <h1>Feedback: {_e(title_nb)}</h1>
  <div class="meta">
    <div><span class=lbl>student</span> {_e(result.student_id)}</div>
    <div><span class=lbl>assignment</span> {_e(result.assignment)}</div>
    <div><span class=lbl>status</span> <span class="status {status_cls}">{_e(status.value)}</span>
      {head_msg}</div>
    {tests_line}{sub_total}
  </div>
  <div class="score"><div class="big">{total}</div><div class=lbl>points</div></div>
</header>"""
    hidden_note = ""
    if any(c.hidden for c in nb_result.cells):
        hidden_note = ('<p class="note">Hidden tests run your functions on other inputs than '
                       "the visible tests. Their code is not shown; the line that replaces it "
                       "says whether they passed and, if not, what went wrong.</p>")
    notebook_part = ""
    if body:
        notebook_part = f'<h2 class="nb-title">Your notebook, as graded</h2>\n{body}'
    elif status is Status.GRADED:
        notebook_part = "<p>The graded notebook is not available.</p>"
    return _PAGE.format(
        title=_e(f"Feedback: {result.assignment} / {title_nb} - {result.student_id}"),
        css=_css(),
        header=header,
        status=_status_html(status, message, stopped='id="stopped"' in body),
        flags=_flags_html(result.flags) + _notes_html(nb_result.warnings),
        summary=_summary_table(nb_result, present),
        hidden_note=hidden_note,
        notebook=notebook_part,
    )


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<main>
{header}
{status}
{flags}
{summary}
{hidden_note}
{notebook}
</main>
</body>
</html>
"""

_BASE_CSS = """
:root { --pass: #1a7f37; --fail: #c62828; --partial: #b26a00; --line: #d0d7de; --muted: #57606a; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f8fa; color: #1f2328;
       font: 15px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 28px 60px; background: #fff;
       min-height: 100vh; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
.page-head { display: flex; justify-content: space-between; align-items: flex-start;
             border-bottom: 2px solid var(--line); padding-bottom: 14px; margin-bottom: 16px; }
.meta div { margin: 2px 0; }
.lbl { color: var(--muted); display: inline-block; min-width: 110px; font-size: 13px; }
.score { text-align: right; }
.score .big { font-size: 34px; font-weight: 700; white-space: nowrap; }
.status { font-weight: 600; padding: 1px 8px; border-radius: 10px; font-size: 13px; }
.status.ok { background: #dafbe1; color: var(--pass); }
.status.bad { background: #ffebe9; color: var(--fail); }
.smsg { color: var(--muted); margin-left: 6px; }
.callout { border-left: 5px solid; padding: 8px 16px; margin: 16px 0; border-radius: 4px; }
.callout h2 { margin: 4px 0 8px; }
.callout h3 { font-size: 15px; margin: 10px 0 2px; }
.callout.problem { border-color: var(--fail); background: #fff5f5; }
.callout.flags { border-color: var(--partial); background: #fff8e6; }
.callout.notes { border-color: #57606a; background: #f6f8fa; }
.grader-msg code { white-space: pre-wrap; }
table.summary { border-collapse: collapse; width: 100%; margin: 12px 0; font-size: 14px; }
table.summary th, table.summary td { border-bottom: 1px solid var(--line); padding: 5px 8px;
             text-align: left; vertical-align: top; }
table.summary th { background: #f6f8fa; }
td.num, table.summary td:first-child { white-space: nowrap; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; }
.dot.pass { background: var(--pass); } .dot.fail { background: var(--fail); }
.dot.partial { background: var(--partial); }
.note { color: var(--muted); font-size: 13px; }
.nb-title { border-top: 2px solid var(--line); padding-top: 14px; margin-top: 24px; }
.stopped { background: var(--fail); color: #fff; font-weight: 700; padding: 4px 10px;
           border-radius: 4px; margin: 14px 0 4px; }
section.graded { border: 2px solid; border-radius: 6px; margin: 14px 0; padding: 6px 10px; }
section.graded.pass { border-color: var(--pass); }
section.graded.fail { border-color: var(--fail); }
section.graded.partial { border-color: var(--partial); }
.badge-row { display: flex; gap: 10px; align-items: center; font-size: 14px; }
.badge { color: #fff; font-weight: 700; padding: 1px 10px; border-radius: 4px; font-size: 13px; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.badge.partial { background: var(--partial); }
.cell-id { font-family: monospace; font-weight: 600; }
.pts { color: var(--muted); }
.tag { font-size: 12px; border: 1px solid var(--line); border-radius: 8px; padding: 0 6px; }
pre.cell-msg { background: #fff5f5; border-left: 3px solid var(--fail); padding: 6px 10px;
               white-space: pre-wrap; margin: 6px 0; }
section.graded.pass pre.cell-msg { background: #f0fff4; border-color: var(--pass); }
.cell { margin: 8px 0; }
.input_area { background: #f6f8fa; border: 1px solid var(--line); border-radius: 4px;
              overflow-x: auto; }
.input_area pre { margin: 0; padding: 8px 10px; white-space: pre-wrap; word-break: break-word; }
.anchor-link { display: none; }
.highlight { background: transparent; }
.output_wrapper { margin: 2px 0 0 0; }
.output_area pre { margin: 0; padding: 4px 10px; white-space: pre-wrap; word-break: break-word; }
.output_stderr { background: #fff5f5; }
.output_error { background: #fff5f5; border-left: 3px solid var(--fail); }
.output_png img, .output_jpeg img, .output_svg img { max-width: 100%; }
.text_cell_render { padding: 0 4px; overflow-x: auto; }
.output_subarea { overflow-x: auto; }
math { font-size: 1.08em; }
math[display="block"] { margin: 0.6em 0; }
.tex { font-family: monospace; color: #57606a; }
.text_cell_render table { border-collapse: collapse; }
.text_cell_render td, .text_cell_render th { border: 1px solid var(--line); padding: 2px 6px; }
.ansi-black-fg { color: #3e424d; } .ansi-red-fg { color: #e75c58; }
.ansi-green-fg { color: #00a250; } .ansi-yellow-fg { color: #b8860b; }
.ansi-blue-fg { color: #208ffb; } .ansi-magenta-fg { color: #d160c4; }
.ansi-cyan-fg { color: #60c6c8; } .ansi-white-fg { color: #c5c1b4; }
.ansi-red-intense-fg { color: #b22b31; } .ansi-green-intense-fg { color: #007427; }
.ansi-yellow-intense-fg { color: #b27d12; } .ansi-blue-intense-fg { color: #0065ca; }
.ansi-cyan-intense-fg { color: #258f8f; } .ansi-bold { font-weight: bold; }
.ansi-red-bg { background-color: #ffd7d5; } .ansi-green-bg { background-color: #d3f5d8; }
"""


def _css() -> str:
    from pygments.formatters import HtmlFormatter

    return _BASE_CSS + HtmlFormatter(style="default").get_style_defs(".highlight")
