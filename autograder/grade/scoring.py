"""Points and messages for the test cells of an executed notebook.

Scores follow nbgrader exactly (:func:`autograder.course.rules.determine_grade`, nbgrader's
``determine_grade``: an error or any stderr output scores 0, a float as the last expression
is partial credit, anything else full marks), after the course's output policy
(:func:`autograder.course.rules.apply_output_policy`: RuntimeWarning stderr dropped, long output
trimmed). What nbgrader gets wrong is fixed here: a test cell that did not run to
completion (it timed out, the kernel died in it, or it was never started) scores 0 instead of
full marks. Each cell gets a short message for the student built from its *outputs* (the
exception line, what was written to stderr, the last lines printed), never from its source,
so a hidden test's code is never quoted. The messages are in the language of the moment
(:mod:`autograder.messages`), except "needs manual grading", which the gradebook reads.
"""

from __future__ import annotations

import builtins
import re

from nbformat import NotebookNode

from autograder.course.reference import Reference
from autograder.course.rules import determine_grade
from autograder.kernel.execute import DEAD, TIMEOUT, Execution
from autograder.messages import _
from autograder.records.results import CellResult
from autograder.vocabulary import grade_id_of
from course_lib.diagnosis import named_mistake

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MESSAGE_LINES = 8
MESSAGE_CHARS = 600


def _clip(text: str) -> str:
    text = ANSI.sub("", text).strip()
    lines = text.splitlines()
    if len(lines) > MESSAGE_LINES:
        lines = lines[:MESSAGE_LINES] + ["..."]
    text = "\n".join(lines)
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + " ..."


def _stream(cell: NotebookNode, name: str) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == name)


def _last_lines(text: str, n: int = 3) -> str:
    lines = [ln for ln in ANSI.sub("", text).splitlines() if ln.strip()]
    return "\n".join(lines[-n:])


def cell_message(cell: NotebookNode, hidden: bool) -> str:
    """What the student reads about one executed test cell (outputs only, never source).

    Of a hidden test, only that it failed, the kind of error (a built-in's name) and the
    catalogued mistake it names: its check messages hold its expected values, and what the
    student's code printed or raised holds its inputs (a student's code may print them, or
    raise them as a message). The autograded notebook keeps all of it for the instructor."""
    if hidden:
        return _hidden_message(cell)
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            ename = ANSI.sub("", out.get("ename", "Error"))
            evalue = ANSI.sub("", str(out.get("evalue", ""))).strip()
            if evalue:   # a failed check's message says what differs: it needs no name
                return _clip(evalue if ename == "CheckFailed" else f"{ename}: {evalue}")
            printed = _last_lines(_stream(cell, "stdout"))
            if ename == "NotImplementedError":
                return _("NotImplementedError: a function it tests is not written yet")
            what = _("{ename} (a hidden test failed)").format(ename=ename) if hidden else ename
            return _clip(f"{printed}\n{what}" if printed else what)
    stderr = _stream(cell, "stderr")
    if stderr.strip():
        return _clip(_("wrote to stderr, which fails a test: {lines}").format(
            lines=_last_lines(stderr)))
    return _clip(_last_lines(_stream(cell, "stdout")))


def _hidden_message(cell: NotebookNode) -> str:
    error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
    if error is None:
        return _("wrote to stderr, which fails a test") if _stream(cell, "stderr").strip() else ""
    ename = ANSI.sub("", str(error.get("ename", "")))
    evalue = ANSI.sub("", str(error.get("evalue", "")))
    if ename == "NotImplementedError":
        return _("NotImplementedError: a function it tests is not written yet")
    if ename == "InputsChanged":   # the grader's own words, no value of the test's
        return _clip(evalue)
    named = named_mistake(evalue)
    if isinstance(getattr(builtins, ename, None), type) and not (
            ename == "AssertionError" and evalue.strip()):
        # a built-in exception's name (the student's code raised it), never its message
        what = _("{ename} (a hidden test failed)").format(ename=ename)
    else:   # a failed check: its message says what it expected
        what = _("a hidden test failed (what it compares is not shown)")
    return _clip(f"{what}\n{named}" if named else what)


def score_cells(nb: NotebookNode, ref: Reference, execution: Execution | None,
                not_run_message: str = "", hidden_details: bool = False) -> list[CellResult]:
    """One CellResult per grade cell of ``ref``, in the source order.

    ``execution`` None means nothing ran (every cell scores 0 with ``not_run_message``).
    ``hidden_details``: hidden tests' messages as visible ones' (validate's instructor mode,
    on the instructor's machine), not what a student reads (:func:`cell_message`).
    """
    index_of = {gid: i for i, c in enumerate(nb.cells) if (gid := grade_id_of(c))}
    results = []
    for grade in ref.grade_cells:
        res = CellResult(grade_id=grade.grade_id, points=0.0, max_points=grade.points,
                         hidden=grade.hidden)
        results.append(res)
        index = index_of.get(grade.grade_id)
        if execution is None:
            res.message = not_run_message
            continue
        if index is None:
            res.message = _("this cell is missing from the notebook")
            continue
        cell = nb.cells[index]
        if index not in execution.executed:
            res.message = _not_run(index, execution, cell)
            continue
        try:
            points = determine_grade(cell)[0]
        except (ValueError, KeyError, TypeError) as exc:
            res.message = _("could not be scored: {error}").format(error=exc)
            continue
        if points is None:
            res.message = "needs manual grading"   # not translated: the gradebook reads it
            continue
        res.points = max(0.0, min(float(points), grade.points))
        res.message = cell_message(cell, grade.hidden and not hidden_details)
        if 0 < res.points < grade.points:
            credit = _("partial credit: {points} of {max_points}").format(
                points=f"{res.points:g}", max_points=f"{grade.points:g}")
            res.message = credit + (f"\n{res.message}" if res.message else "")
    return results


def _not_run(index: int, execution: Execution, cell: NotebookNode) -> str:
    stopped = {s.index for s in execution.stops} | {execution.stopped_at}
    if index in stopped:   # its error output says what happened (the time limit, the kernel)
        return cell_message(cell, hidden=False) if execution.status in (TIMEOUT, DEAD) else ""
    if index in execution.not_run and execution.not_run_reason:
        return _("not run: {reason}").format(reason=execution.not_run_reason)
    if execution.status == TIMEOUT:
        return _("not run: an earlier cell ran past the time limit")
    if execution.status == DEAD:
        return _("not run: the kernel died in an earlier cell")
    return _("not run")
