"""What a student reads about a whole submission on Gradescope or PrairieLearn, as plain text.

The services show no feedback page, so their top-level text says what the page's header says,
in the same words (:mod:`autograder.report.feedback_page`): the score, per notebook that was
not graded normally what happened and what to do, the notes of the intake (a renamed
notebook, edited read-only cells put back), and the flags with their explanation. The flags
are shown because the feedback page shows them to the student too: a zero on a test for a
copied reference must be explainable. A service that shows the hidden tests later asks for the
visible tests' points only (``hidden_points=False``), so as not to give their result away.
Nothing here comes from the hidden tests' source: the messages are the graded cells'
messages, already safe to show.

The explanations are HTML written in ``feedback_page``; the tags are stripped with ``nh3``
(what ``safe_html`` cleans with) and the entities unescaped to give text. The text is in the
language of the moment (:mod:`autograder.messages`): the services set the submitted notebook's
(:func:`autograder.services.one_submission.submission_language`) around it.
"""

from __future__ import annotations

import html

import nh3

from autograder.messages import N_, _
from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult
from autograder.report.feedback_page import EXPLANATIONS, FLAG_EXPLANATIONS, format_points

#: How a test is named in both services' lists.
TEST_NAME = "{notebook}: {grade_id}"


def plain(markup: str) -> str:
    """Our own explanation HTML (``<code>``, ``<em>``, ``&rarr;``) as plain text."""
    return html.unescape(nh3.clean(markup, tags=set()))


def name_of_test(notebook: str, cell: CellResult) -> str:
    return TEST_NAME.format(notebook=notebook, grade_id=cell.grade_id)


def cell_message(cell: CellResult) -> str:
    """The cell's message, or a word when it passed silently."""
    return cell.message.strip() or (_("passed") if cell.passed else _("failed"))


def _problem(status: Status, message: str, where: str) -> list[str]:
    """What happened and what to do, for a status other than graded."""
    title, happened, todo = (_(text) for text in EXPLANATIONS[status])
    lines = [_("{where}{title}.").format(where=where, title=title)]
    if message:
        lines.append(message)
    lines += [plain(happened), _("What to do: {todo}").format(todo=plain(todo))]
    return lines


def _points(cells: list[CellResult]) -> str:
    return (f"{format_points(sum(c.points for c in cells))} / "
            f"{format_points(sum(c.max_points for c in cells))}")


def _notebook_lines(nb: NotebookResult, hidden_points: bool) -> list[str]:
    cells = [c for c in nb.cells if hidden_points or not c.hidden]
    hidden = len(nb.cells) - len(cells)
    values = {"notebook": nb.name, "points": _points(cells), "count": len(cells),
              "passed": sum(c.passed for c in cells), "hidden": hidden}
    lines = [(_("{notebook}.ipynb: {points} points ({passed} of {count} visible tests passed; "
                "{hidden} hidden test(s) not counted here)") if hidden
              else _("{notebook}.ipynb: {points} points ({passed} of {count} tests passed)"))
             .format(**values)]
    if nb.status is not Status.GRADED:
        lines += _problem(nb.status, nb.message, f"{nb.name}.ipynb: ")
    lines += [_("Note: {note}").format(note=warning) for warning in nb.warnings]
    return lines


def submission_text(result: SubmissionResult, hidden_points: bool = True) -> str:
    """The text about the whole submission (score, problems, notes, flags). Without
    ``hidden_points`` the points shown are those of the visible tests only (for a service
    that shows the hidden tests, and the total, later)."""
    cells = [c for nb in result.notebooks for c in nb.cells if hidden_points or not c.hidden]
    if hidden_points or len(cells) == sum(len(nb.cells) for nb in result.notebooks):
        total = f"{format_points(result.score)} / {format_points(result.max_score)}"
        lines = [_("Score: {total}").format(total=total)]
    else:
        lines = [_("Visible tests: {points} points").format(points=_points(cells))]
    lines[0] += f" ({result.assignment})" if result.assignment else ""
    if not result.notebooks and result.status is not Status.GRADED:
        lines += _problem(result.status, result.message, "")
    elif result.message and result.status is not Status.GRADED and all(
            nb.status is Status.GRADED for nb in result.notebooks):   # else the notebook says it
        lines.append(result.message)
    for nb in result.notebooks:
        lines += ["", *_notebook_lines(nb, hidden_points)]
    if result.flags:
        lines += ["", _("Flags:")]
        for flag in result.flags:
            why = _(FLAG_EXPLANATIONS.get(flag.split(":", 1)[0],
                                          N_("flagged for review by your instructor.")))
            lines.append(f"- {flag}: {why}")
    return "\n".join(lines)
