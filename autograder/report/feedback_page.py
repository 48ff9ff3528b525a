"""Feedback pages: one self-contained HTML page per graded notebook, safe to give the student.

A page shows the student's executed notebook (nbconvert's HTML exporter, a lean template with
the CSS inlined: no script, no stylesheet and no font is fetched from the network) under a
header with the score, the grading status and its message, and any flags. Every test cell
carries a pass/fail badge with its points and the message the student needs.

The HTML is in templates, not in this module: ``templates/feedback_page.html.j2`` (the page,
on ``page.html.j2``, the frame shared with the class report, which inlines ``pages.css``, the
one stylesheet of both) and ``templates/feedback_notebook.html.j2`` (nbconvert's template for
the notebook, extending its ``classic`` cells). This module computes what they show, as
plain text: the page's environment autoescapes (:func:`.safe_html.page_templates`), so a
student id or a message holding ``<script>`` or ``&`` shows as typed and runs nothing. The
only markup handed to it is marked :class:`~markupsafe.Markup` where it is made: nbconvert's
notebook HTML, the explanations below, pygments' CSS.

The hidden tests never reach the page: in every cell the region between the lines holding
``BEGIN HIDDEN TESTS`` and ``END HIDDEN TESTS`` (:mod:`autograder.vocabulary`) is replaced by
one comment line (``# hidden tests: failed - <message>``), and that cell's outputs (a
traceback quotes the source it ran) are dropped.

A submission that could not be graded (not a notebook, missing, cut at the time limit, the
kernel died, the tool failed) gets a page that says what happened and what to do next, above
whatever part of the notebook did run.

When the course has due dates, the header also says whether the submission was on time and,
if it was late, what the penalty took and the assignment's score after it
(:mod:`autograder.records.lateness`).

A page is in the submission's language: its notebook's metadata ``course_language``
(:func:`course_lib.language.notebook_language`: ``zh-CN`` for a Chinese notebook, English when
absent), or the ``language`` given to :func:`write_feedback`. The templates' text is wrapped
for jinja2's i18n extension, and this module's constant texts are marked with ``N_``; all is
translated while the page is rendered, in :func:`course_lib.language.use` of that language,
with the grader's catalogue (:mod:`autograder.messages`). The html element's ``lang`` says
the language; the stylesheet's fonts fall back to CJK fonts.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import nbformat
from jinja2 import Environment, FileSystemLoader, pass_context
from latex2mathml.converter import convert as latex_to_mathml
from markupsafe import Markup
from nbformat import NotebookNode

from autograder.course.rules import replace_regions
from autograder.messages import N_, _, ngettext
from autograder.records.lateness import NO_DUE_DATE, Lateness
from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult
from autograder.report.safe_html import TEMPLATES, clean_html, clean_notebook, page_templates
from autograder.vocabulary import HIDDEN_BEGIN, HIDDEN_END, grade_id_of
from course_lib.diagnosis import named_mistake
from course_lib.language import DEFAULT, current, notebook_language, use

__all__ = [
    "write_feedback",
    "feedback_path",
    "render_page",
    "page_language",
    "redact_hidden_tests",
    "format_points",
]

#: nbconvert template of the notebook part of a page (in ``templates/``, as is the page's).
_NOTEBOOK_TEMPLATE = "feedback_notebook.html.j2"

#: Cell metadata key the notebook template reads to draw a test cell's badge.
_BADGE_KEY = "autograder_feedback"

#: Cell metadata key marking the cell where a timeout or a dead kernel stopped the run (the
#: notebook template reads it, and ``<key>_first`` on the first such cell, by these names).
_STOPPED_KEY = "autograder_stopped"

#: Error names the grading engine gives the cell it stopped at.
_STOP_ERRORS = {"TimeoutError": N_("this cell ran past the time limit"),
                "CellTimeoutError": N_("this cell ran past the time limit"),
                "DeadKernelError": N_("the kernel died while running this cell")}

#: Page name used when a submission has no notebook result at all.
_SUBMISSION_PAGE = "submission"

#: The statuses as a page names them (English: the status itself, as it has always shown).
_STATUS_NAMES = {Status.GRADED: N_("graded"), Status.TIMEOUT: N_("timeout"),
                 Status.KERNEL_DIED: N_("kernel_died"),
                 Status.INVALID_NOTEBOOK: N_("invalid_notebook"),
                 Status.MISSING_NOTEBOOK: N_("missing_notebook"),
                 Status.UNKNOWN_ASSIGNMENT: N_("unknown_assignment"), Status.ERROR: N_("error")}

#: Per status: (title, what happened, what to do). The title is text, the other two HTML.
EXPLANATIONS: dict[Status, tuple[str, str, str]] = {
    Status.GRADED: (N_("Graded"), "", ""),
    Status.TIMEOUT: (
        N_("A cell was stopped at the time limit"),
        N_("A cell of your notebook was still running when the time limit for one cell ran out, "
           "so it was interrupted. Grading went on with the next cells: only the tests that "
           "need what that cell should have done lose points. This is nearly always a loop that "
           "never ends (a <code>while</code> loop whose condition never becomes false, a "
           "counter that is never increased) or far more iterations than the exercise asks for."),
        N_("Run your notebook from a fresh kernel (<em>Kernel &rarr; Restart Kernel and Run All "
           "Cells</em>) and check that every cell finishes within a few seconds. The red marks "
           "in the notebook below show the cells that were stopped. Fix the loop and submit "
           "again."),
    ),
    Status.KERNEL_DIED: (
        N_("A cell stopped the notebook's Python process"),
        N_("The Python process (the kernel) running your notebook stopped during a cell. The "
           "grader started a fresh one, ran the cells before that cell again, skipped it and "
           "went on: the functions defined in that cell lose their points, the others keep "
           "theirs. A kernel dies when code calls <code>exit()</code>, <code>sys.exit()</code> "
           "or <code>os._exit()</code>, crashes, or uses more memory than allowed (a very large "
           "array, for example one built from a shape that was meant to be (n, 1) but is "
           "(n, n))."),
        N_("Remove any exit calls, check the shapes of the arrays you build, then run the "
           "notebook from a fresh kernel (<em>Kernel &rarr; Restart Kernel and Run All "
           "Cells</em>) and submit again. The red marks in the notebook below show where."),
    ),
    Status.INVALID_NOTEBOOK: (
        N_("The file is not a readable notebook"),
        N_("The file you submitted could not be opened as a Jupyter notebook, so none of it "
           "was graded. This happens when an upload is cut short, when the file was edited in "
           "a text editor, or when another file was renamed to <code>.ipynb</code>."),
        N_("Open the file in JupyterLab. If it opens, save it (<em>File &rarr; Save</em>) and "
           "submit that file again. If it does not open, download the assignment again, copy "
           "your answers into it, run it, save it and submit it."),
    ),
    Status.MISSING_NOTEBOOK: (
        N_("The notebook is missing from the submission"),
        N_("The assignment's notebook was not found in what you submitted, so it scored zero. "
           "The grader looks for the notebook under the exact name it was released with."),
        N_("Submit the notebook under its original file name (shown in the title of this "
           "page), without renaming it or putting it in a sub-folder."),
    ),
    Status.UNKNOWN_ASSIGNMENT: (
        N_("The file matches no assignment"),
        N_("A file in your submission has a name that matches none of the released notebooks, "
           "so it was not graded."),
        N_("Check that you submitted the notebook of this assignment under the name it was "
           "released with."),
    ),
    Status.ERROR: (
        N_("The grading tool failed"),
        N_("The grading tool itself failed on your submission. This is not a problem with "
           "your work, and your instructor can see it in the class report."),
        N_("Nothing: your instructor will grade the submission again once the problem is "
           "fixed. If you do not hear back, contact your instructor."),
    ),
}

#: Flags the grader may set, explained for the student.
FLAG_EXPLANATIONS: dict[str, str] = {
    "tampered": N_("Your notebook changed code the tests rely on (numpy, numpy.testing, Python's "
                   "builtins, the course's checks, or what runs the cells). The messages below say "
                   "what was changed. Your instructor will review it."),
    "copied_reference": N_("This graded function is taken from course_lib (imported, aliased, or "
                           "called by your function) rather than written by you, so its tests "
                           "score 0. Your instructor will review it."),
    "edited_locked_cell": N_("A read-only cell (an explanation or a test) had been edited. It was "
                             "put back as released before grading; your edits to it were not "
                             "used."),
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
                   out_dir: Path, lateness: Lateness | None = None,
                   language: str | None = None) -> list[Path]:
    """Write one feedback page per notebook of ``result``; return the paths written.

    result: the submission's grading record.
    graded: notebook name (with or without ``.ipynb``) -> the graded notebook, executed, with
        its outputs and the test cells as graded (hidden tests included: they are removed
        here). A notebook that did not run (invalid, missing) is simply absent.
    out_dir: the feedback folder; pages go to ``out_dir/<student_id>/<assignment>/``.
    lateness: the submission's lateness under the course's term (None: not shown).
    language: the pages' language (``en``, ``zh-CN``); None: each page's notebook's, and for
        a page without a notebook, that of the submission's first graded notebook (by name).

    A submission without any notebook result (e.g. an unreadable upload) gets one page,
    ``submission.html``, explaining its status.
    """
    notebooks = {_stem(name): nb for name, nb in graded.items()}
    submitted = language or next((page_language(notebooks[name]) for name in sorted(notebooks)),
                                 None)
    written: list[Path] = []
    nb_results = result.notebooks or [
        NotebookResult(name=_SUBMISSION_PAGE, status=result.status, message=result.message)]
    for nb_result in nb_results:
        stem = _stem(nb_result.name)
        path = feedback_path(out_dir, result.student_id, result.assignment, stem)
        notebook = notebooks.get(stem)
        lang = language or (page_language(notebook) if notebook is not None else submitted)
        page = render_page(result, nb_result, notebook, lateness, lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written


# --------------------------------------------------------------------------- hidden tests

def _hidden_line(cell: CellResult | None) -> str:
    if cell is None:
        return _("# hidden tests (their code is not shown)")
    head = (_("# hidden tests: passed ({points}/{max_points} points)") if cell.passed
            else _("# hidden tests: failed ({points}/{max_points} points)")).format(
        points=format_points(cell.points), max_points=format_points(cell.max_points))
    lines = (cell.message or "").strip().splitlines()
    if not lines:
        return head
    return "\n".join([f"{head} - {lines[0]}"] + [f"#   {ln}" for ln in lines[1:]])


def _redact_source(source: str, cell: CellResult | None) -> tuple[str, bool]:
    """``source`` with every hidden region replaced by one comment line; whether any was."""
    return replace_regions(source, HIDDEN_BEGIN, HIDDEN_END, _hidden_line(cell).splitlines(),
                           strict=False)


def redact_hidden_tests(nb: NotebookNode,
                        cells: dict[str, CellResult] | None = None) -> NotebookNode:
    """A copy of ``nb`` without the hidden tests' source, nor the outputs of cells that had
    hidden tests. ``cells`` (grade_id -> result) words the line that replaces each region (in
    the language of the moment); an unclosed ``BEGIN`` hides everything to the end of its
    cell."""
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
    shown = Markup('<div class="tex">{}</div>' if display else '<code class="tex">{}</code>')
    return str(shown.format(delim + tex + delim))   # format escapes the TeX


#: Cells whose HTML a grading run keeps (highlighted code, drawn markdown): a class's pages
#: share most of their cells' text.
SAME_CELLS = 4096


@functools.lru_cache(maxsize=1)
def _exporter():
    """The HTML exporter with the feedback template (built once: it takes ~0.3 s); markdown
    maths is drawn as MathML (the browser renders it: no MathJax, nothing to download)."""
    from nbconvert import HTMLExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    class MathMLRenderer(IPythonRenderer):
        def inline_math(self, body: str) -> str:
            return _math_html(body, display=False)

        def block_math(self, body: str) -> str:
            return _math_html(body, display=True)

        def latex_environment(self, name: str, body: str) -> str:
            return _math_html(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

    class SameCellsOnce(Highlight2HTML):
        """Highlighting (half of a page's time) done once per cell text for a whole
        class: read-only cells and tests are the same on every student's page."""

        @functools.lru_cache(maxsize=SAME_CELLS)  # noqa: B019 - one per exporter
        def highlighted(self, source, language, magics_language):
            return super().__call__(source, language, None if magics_language is None
                                    else {"magics_language": magics_language})

        def __call__(self, source, language=None, metadata=None):
            return self.highlighted(source, language,
                                    (metadata or {}).get("magics_language"))

    class FeedbackExporter(HTMLExporter):
        def _create_environment(self) -> Environment:
            environment = super()._create_environment()
            _install_gettext(environment)   # the text of feedback_notebook.html.j2
            return environment

        @pass_context
        def markdown2html(self, context, source):
            attachments = context.get("cell", {}).get("attachments", {})
            if attachments:
                return self._markdown_html(source, attachments)
            return self._markdown_alone(source)

        @functools.lru_cache(maxsize=SAME_CELLS)  # noqa: B019 - one exporter per process
        def _markdown_alone(self, source):
            """A markdown cell without attachments, drawn once for a whole class: most are
            the notebook's own text, the same on every student's page."""
            return self._markdown_html(source, {})

        def _markdown_html(self, source, attachments):
            renderer = MathMLRenderer(
                escape=False, attachments=attachments, embed_images=self.embed_images,
                path="", anchor_link_text=self.anchor_link_text,
                exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
            return clean_html(MarkdownWithMath(renderer=renderer).render(source))

        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter's own version re-parses the whole page with BeautifulSoup to add
            # alt texts and tab stops: a second per page that these pages do not need.
            from nbconvert.exporters.templateexporter import TemplateExporter
            from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

            resources = self._init_resources(resources)
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", self.highlighter))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = FeedbackExporter(
        template_name="basic",   # templates/feedback_notebook.html.j2 extends its cells
        extra_loaders=[FileSystemLoader(TEMPLATES)],
        template_file=_NOTEBOOK_TEMPLATE,
        optimistic_validation=True,   # the notebook validated once, not after each step
    )
    exporter.highlighter = SameCellsOnce(pygments_lexer="ipython3", parent=exporter)
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def _badge(res: CellResult) -> dict:
    """What the notebook template shows above a graded test cell."""
    state = _state(res)
    return {
        "grade_id": res.grade_id,
        "state": state,
        "label": {"pass": _("PASSED"), "partial": _("PARTIAL"), "fail": _("FAILED")}[state],
        "points": format_points(res.points),
        "max_points": format_points(res.max_points),
        "hidden": res.hidden,
        "message": res.message.strip(),
    }


def _state(res: CellResult) -> str:
    return "pass" if res.passed else ("partial" if res.points > 0 else "fail")


def _annotate(nb: NotebookNode, cells: dict[str, CellResult]) -> NotebookNode:
    """Attach each graded test cell's badge data to its metadata (for the template), and mark
    the cells where the run was stopped (a timeout, a dead kernel)."""
    first_seen = False
    for cell in nb.cells:
        stop = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"
                and o.get("ename") in _STOP_ERRORS]
        if stop:
            cell.metadata[_STOPPED_KEY] = _(_STOP_ERRORS[stop[0]["ename"]])
            cell.metadata[_STOPPED_KEY + "_first"] = not first_seen   # the header links to it
            first_seen = True
        gid = grade_id_of(cell)
        if gid is not None and gid in cells:
            cell.metadata[_BADGE_KEY] = _badge(cells[gid])
    return nb


def _notebook_html(nb: NotebookNode, cells: dict[str, CellResult]) -> Markup:
    safe = _annotate(clean_notebook(redact_hidden_tests(nb, cells)), cells)
    body, _ = _exporter().from_notebook_node(safe)
    # safe to show as it is: nbconvert's HTML of a notebook whose hidden tests were removed,
    # whose outputs, metadata, markdown and raw cells were cleaned (safe_html), whose code and
    # texts it escaped; the badges and stop marks in it are the grader's (_annotate)
    return Markup(body)


def summary_lines(message: str) -> list[str]:
    """What the summary table shows of a failure message: its first line, and the line naming
    the catalogued mistake (``This looks like a known mistake ...``, or its translation into
    the language of the moment) when there is one."""
    lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
    named = named_mistake("\n".join(lines[1:]))
    return lines[:1] + ([named] if named else [])


def _summary_rows(nb_result: NotebookResult, anchors: set[str]) -> list[dict]:
    """One row per test cell; ``linked`` when the notebook shows that cell to link to."""
    return [{"state": _state(c), "grade_id": c.grade_id, "linked": c.grade_id in anchors,
             "kind": _("hidden") if c.hidden else _("visible"),
             "points": f"{format_points(c.points)} / {format_points(c.max_points)}",
             "lines": summary_lines(c.message)} for c in nb_result.cells]


def _flags(flags: Iterable[str]) -> list[tuple[str, str]]:
    """(flag, what it means for the student) per flag."""
    default = N_("flagged for review by your instructor.")
    # "copied_reference:propagate" is explained as "copied_reference"
    return [(f, _(FLAG_EXPLANATIONS.get(f.split(":", 1)[0], default))) for f in flags]


def _problem(status: Status) -> dict | None:
    """The box saying what went wrong and what to do; None for a graded notebook."""
    if status is Status.GRADED:
        return None
    title, happened, todo = (_(text) for text in EXPLANATIONS[status])
    # HTML written in EXPLANATIONS above (<code>, <em>) and its translations in the grader's
    # catalogue, never from a submission
    return {"title": title, "happened": Markup(happened), "todo": Markup(todo)}


def _scores(result: SubmissionResult, nb_result: NotebookResult) -> dict:
    """The header's numbers: the notebook's score, the assignment's when it has several."""
    if nb_result.cells or nb_result.max_score:
        total = f"{format_points(nb_result.score)} / {format_points(nb_result.max_score)}"
    else:
        total = f"{format_points(result.score)} / {format_points(result.max_score)}"
    several = len(result.notebooks) > 1
    return {"total": total,
            "assignment_total": (f"{format_points(result.score)} / "
                                 f"{format_points(result.max_score)}" if several else ""),
            "passed": sum(c.passed for c in nb_result.cells), "tests": len(nb_result.cells)}


def _lateness(result: SubmissionResult, late: Lateness | None) -> dict:
    """The header's lateness line ("" when the assignment has no due date) and, when a
    penalty was taken, the assignment's score after it."""
    if late is None or late.note == NO_DUE_DATE:
        return {"lateness": "", "after_penalty": ""}
    after = (f"{format_points(late.score)} / {format_points(result.max_score)}"
             if late.penalty > 0 else "")
    return {"lateness": late.note_in(current()), "after_penalty": after}


def page_language(notebook: NotebookNode) -> str:
    """The language of a graded notebook (its metadata's; English when it says none)."""
    return notebook_language(notebook.get("metadata", {}))


def render_page(result: SubmissionResult, nb_result: NotebookResult,
                notebook: NotebookNode | None, lateness: Lateness | None = None,
                lang: str | None = None) -> str:
    """The whole feedback page (a string of HTML) for one notebook of ``result``, in ``lang``
    (None: the notebook's language, English without a notebook)."""
    if lang is None:
        lang = page_language(notebook) if notebook is not None else DEFAULT
    with use(lang) as shown:
        return _render(result, nb_result, notebook, lateness, shown)


def _render(result: SubmissionResult, nb_result: NotebookResult,
            notebook: NotebookNode | None, lateness: Lateness | None, lang: str) -> str:
    cells = {c.grade_id: c for c in nb_result.cells}
    status = nb_result.status if result.notebooks else result.status
    present = {g for g in ((grade_id_of(c) for c in notebook.cells) if notebook else ()) if g}
    body = _notebook_html(notebook, cells) if notebook is not None else Markup("")
    return _page_environment().get_template("feedback_page.html.j2").render(
        lang=lang, student=result.student_id, assignment=result.assignment,
        notebook_title=(f"{nb_result.name}.ipynb" if nb_result.name != _SUBMISSION_PAGE
                        else _("your submission")),
        status=_(_STATUS_NAMES[status]), graded=status is Status.GRADED,
        message=nb_result.message if result.notebooks else result.message,
        problem=_problem(status), stopped='id="stopped"' in body,
        flags=_flags(result.flags), notes=nb_result.warnings,
        summary=_summary_rows(nb_result, present),
        hidden_tests=any(c.hidden for c in nb_result.cells),
        notebook=body, extra_css=_highlight_css(), **_scores(result, nb_result),
        **_lateness(result, lateness))


def _install_gettext(environment: Environment) -> None:
    """Give ``environment`` jinja2's i18n extension, translating with the grader's catalogue
    into the language of the moment (:func:`render_page` sets it around a page)."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(_, ngettext, newstyle=True)


@functools.lru_cache(maxsize=1)
def _page_environment() -> Environment:
    """The pages' environment (:func:`.safe_html.page_templates`: autoescaping, the same
    templates) with the i18n extension. An overlay, with globals of its own (the extension
    installs ``_`` there): the class report's environment is left as it is."""
    environment = page_templates().overlay()
    environment.globals = dict(environment.globals)
    _install_gettext(environment)
    return environment


@functools.lru_cache(maxsize=1)
def _highlight_css() -> Markup:
    """The colours of the highlighted code (pygments' default style), after pages.css."""
    from pygments.formatters import HtmlFormatter

    # CSS that pygments writes from its own fixed style: no text from a notebook in it
    return Markup(HtmlFormatter(style="default").get_style_defs(".highlight"))
