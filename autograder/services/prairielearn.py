"""PrairieLearn: grade the submission of an external grading job and write its results.

PrairieLearn's external grading (https://prairielearn.readthedocs.io/en/latest/externalGrading/):
a question's ``info.json`` names a Docker ``image`` and an ``entrypoint``; in the container the
student's files are in ``/grade/student``, the question's ``tests/`` in ``/grade/tests``, the
course's shared files in ``/grade/serverFilesCourse``, the question's data in
``/grade/data/data.json``; the entrypoint must write ``/grade/results/results.json`` (making
``/grade/results``), at most 1 MB. Its fields: ``score`` in [0, 1] (the only one required),
``gradable`` (false: "invalid, not gradable", no attempt used and nothing scored),
``format_errors``, ``message``, ``output``, and ``tests``, each with ``name``,
``description``, ``points``, ``max_points``, ``message`` and ``output``.

:func:`results` makes it from a :class:`SubmissionResult`:

- ``score`` is the total over the maximum; ``message`` the first line of the summary,
  ``output`` all of it (:mod:`.summary`: status, what to do, notes, flags);
- one test per graded cell, named ``<notebook>: <grade_id>``, ``description`` saying whether
  it is a visible or a hidden test, ``points``/``max_points``, and as ``message`` the cell's
  message;
- ``gradable`` is false only when the grader itself failed (status ``error``): the student is
  not charged an attempt for our failure. An unreadable or missing notebook is gradable and
  scores what it earned (zero), as in a class run.

PrairieLearn has no notion of a test shown later (Gradescope's ``after_published``): whatever
is in the file is shown at once, and a student may resubmit at once. So by default a hidden
test shows its name, points and "passed"/"failed" but not its message (its assertion message
can quote the hidden inputs, which a student could then collect over attempts);
``show_hidden_messages`` shows them as the feedback page does.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from autograder.messages import _
from autograder.records.ledger import write_atomic
from autograder.records.results import CellResult, Status, SubmissionResult
from autograder.services.one_submission import OneSubmission, grade_one, submission_language
from autograder.services.summary import cell_message, name_of_test, submission_text
from course_lib.language import use

JOB = Path("/grade")
#: PrairieLearn's limit on results.json.
MAX_BYTES = 1_000_000


def _message(cell: CellResult, show_hidden: bool) -> str:
    if cell.hidden and not show_hidden:
        return _("hidden test: passed") if cell.passed else _("hidden test: failed")
    return cell_message(cell)


def results(result: SubmissionResult, show_hidden_messages: bool = False) -> dict:
    """PrairieLearn's ``results.json`` content for ``result`` (see the module docstring)."""
    text = submission_text(result)
    if result.status is Status.ERROR:
        failed = result.message or _("the grader failed")
        return {"gradable": False, "message": failed, "format_errors": [failed], "output": text}
    tests = [{"name": name_of_test(nb.name, cell),
              "description": _("hidden test") if cell.hidden else _("visible test"),
              "points": round(cell.points, 6), "max_points": round(cell.max_points, 6),
              "message": _message(cell, show_hidden_messages), "output": ""}
             for nb in result.notebooks for cell in nb.cells]
    score = result.score / result.max_score if result.max_score > 0 else 0.0
    return {"gradable": True, "score": min(1.0, max(0.0, round(score, 6))),
            "message": text.splitlines()[0], "output": text, "tests": tests}


def _fit(data: dict) -> str:
    """The JSON text, under PrairieLearn's size limit (long outputs cut, say so)."""
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if len(text.encode()) <= MAX_BYTES:
        return text
    for test in data.get("tests", []):
        test["message"] = test["message"][:2000]
    data["output"] = data["output"][:20000] + "\n... (cut: results.json is limited to 1 MB)"
    return json.dumps(data, sort_keys=True) + "\n"


def grade_and_write(submission: OneSubmission, job: Path = JOB,
                    show_hidden_messages: bool = False) -> SubmissionResult:
    """Grade ``submission`` and write ``job/results/results.json``."""
    with tempfile.TemporaryDirectory(prefix="autograder-prairielearn-") as scratch:
        result = grade_one(submission, Path(scratch))
    with use(submission_language(submission.files)):   # the student's language
        data = results(result, show_hidden_messages)
    write_results(job, data)
    return result


def write_results(job: Path, data: dict) -> Path:
    path = Path(job) / "results" / "results.json"
    write_atomic(path, _fit(data))
    return path
