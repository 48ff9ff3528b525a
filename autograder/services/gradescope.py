"""Gradescope: grade the submission in an autograder container, and build the zip to upload.

Gradescope's autograder specification (https://gradescope-autograders.readthedocs.io/en/latest/specs/):
the uploaded zip holds ``setup.sh`` (run once, as root, when the image is built) and an
executable ``run_autograder`` (run once per submission, in ``/autograder``); the zip is
extracted to ``/autograder/source``, the student's files are in ``/autograder/submission``,
who submitted in ``/autograder/submission_metadata.json``
(https://gradescope-autograders.readthedocs.io/en/latest/submission_metadata/), and the
results go to ``/autograder/results/results.json``; stdout is shown to instructors only.

:func:`results` makes that file from a :class:`SubmissionResult`:

- one test per graded cell, named ``<notebook>: <grade_id>``, with ``score``, ``max_score``,
  ``status`` (``passed``/``failed``) and as ``output`` the cell's message (the message the
  feedback page shows: never the hidden tests' source);
- visible tests are ``"visible"``; hidden tests get the visibility the instructor chose:
  ``after_published`` (the default: shown once grades are published), ``after_due_date`` or
  ``hidden`` (never shown). Gradescope hides a student's total while some tests are not yet
  visible to them;
- the top-level ``score`` is the submission's total and ``output`` the text of
  :mod:`.summary` (status, what to do, notes, flags: what the feedback page's header says);
  while hidden tests are still to be shown, that text counts the visible tests' points only
  (Gradescope hides the total until then; the output would give it away); every output is
  ``text``, so nothing a student wrote is rendered as HTML; ``extra_data``
  keeps the status and flags for the instructor; stdout stays hidden from students.

The zip (:func:`build_bundle`) carries a copy of the project (``pyproject.toml``,
``autograder/``, ``course_lib/``), the source notebooks and the release's student editions
when built, under ``course/``; ``setup.sh`` pip-installs it with the ``grader`` extra into
``/autograder/venv``, ``run_autograder`` calls ``python -m autograder gradescope``. Both
scripts are made from ``templates/``. Otter-grader's Gradescope mode works the same way
(a generated ``setup.sh`` that installs the grader, a ``run_autograder`` that calls it).
"""

from __future__ import annotations

import json
import shlex
import tempfile
import zipfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from autograder.course.source import REPO, load_course
from autograder.messages import N_, _, ngettext
from autograder.records.ledger import write_atomic
from autograder.records.results import SubmissionResult
from autograder.services import HIDDEN_VISIBILITIES
from autograder.services.one_submission import OneSubmission, grade_one, submission_language
from autograder.services.summary import cell_message, name_of_test, submission_text
from course_lib.language import use

TEMPLATES = Path(__file__).resolve().with_name("templates")

#: What of the project the zip carries (under course/), beside the source notebooks.
PROJECT_FILES = ("pyproject.toml", "README.md")
PROJECT_PACKAGES = ("autograder", "course_lib")
_SKIPPED = {"__pycache__", ".ipynb_checkpoints", ".DS_Store"}


def _points(value: float) -> float:
    return round(value, 6)


def results(result: SubmissionResult, hidden: str = "after_published") -> dict:
    """Gradescope's ``results.json`` content for ``result`` (see the module docstring)."""
    if hidden not in HIDDEN_VISIBILITIES:
        raise ValueError(f"hidden tests' visibility must be one of {HIDDEN_VISIBILITIES}, "
                         f"not {hidden!r}")
    tests = [{"name": name_of_test(nb.name, cell), "name_format": "text",
              "score": _points(cell.points), "max_score": _points(cell.max_points),
              "status": "passed" if cell.passed else "failed",
              "output": cell_message(cell), "output_format": "text",
              "visibility": hidden if cell.hidden else "visible"}
             for nb in result.notebooks for cell in nb.cells]
    return {"score": _points(result.score), "execution_time": round(result.seconds),
            "output": (submission_text(result, hidden_points=hidden == "hidden")
                       + _hidden_note(result, hidden)),
            "output_format": "text",
            "test_output_format": "text", "test_name_format": "text",
            "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"status": result.status.value, "flags": list(result.flags),
                           "assignment": result.assignment, "student_id": result.student_id}}


#: What the student is told of the hidden tests, by their visibility (Gradescope hides the
#: total while tests are still to be shown; "hidden" tests never are, the total always is).
_HIDDEN_NOTES = {
    "after_published": N_("Gradescope shows them, and your total, once your instructor "
                          "publishes the grades."),
    "after_due_date": N_("Gradescope shows them, and your total, after the due date."),
    "hidden": N_("They are not shown to you; their points are in your score."),
}


def _hidden_note(result: SubmissionResult, hidden: str) -> str:
    count = sum(c.hidden for nb in result.notebooks for c in nb.cells)
    if not count:
        return ""
    return "\n\n" + ngettext("{count} hidden test: {note}", "{count} hidden tests: {note}",
                             count).format(count=count, note=_(_HIDDEN_NOTES[hidden]))


def student_id(metadata: Path) -> str:
    """Who submitted, from ``submission_metadata.json``: the first user's ``sid``, else their
    email, else ``"student"`` (no file, unreadable, or neither field)."""
    try:
        users = json.loads(Path(metadata).read_text(encoding="utf-8")).get("users") or []
        user = users[0] if isinstance(users[0], dict) else {}
    except (OSError, ValueError, AttributeError, IndexError):
        return "student"
    for key in ("sid", "email"):
        if isinstance(user.get(key), str) and user[key].strip():
            return user[key].strip()
    return "student"


def grade_and_write(submission: OneSubmission, out: Path, hidden: str = "after_published"
                    ) -> SubmissionResult:
    """Grade ``submission`` (in a scratch folder) and write ``results.json`` to ``out``."""
    with tempfile.TemporaryDirectory(prefix="autograder-gradescope-") as scratch:
        result = grade_one(submission, Path(scratch))
    with use(submission_language(submission.files)):   # the student's language
        data = results(result, hidden)
    write_atomic(Path(out), json.dumps(data, indent=2, sort_keys=True) + "\n")
    return result


# --------------------------------------------------------------------------- the zip

def _scripts() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      keep_trailing_newline=True, autoescape=False)  # shell, not HTML
    env.filters["shell"] = lambda value: shlex.quote(str(value))
    return env


def render_scripts(hidden: str = "after_published", assignment: str | None = None
                   ) -> dict[str, str]:
    """``setup.sh`` and ``run_autograder``, filled in."""
    if hidden not in HIDDEN_VISIBILITIES:
        raise ValueError(f"--hidden must be one of {', '.join(HIDDEN_VISIBILITIES)}")
    env = _scripts()
    return {name: env.get_template(f"{name}.j2").render(hidden=hidden, assignment=assignment)
            for name in ("setup.sh", "run_autograder")}


def _files_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
                  and not any(part in _SKIPPED or part.endswith(".egg-info")
                              for part in p.relative_to(folder).parts))


def bundle_files(source: Path, release: Path, assignment: str | None = None,
                 project: Path = REPO) -> dict[str, Path]:
    """What goes under ``course/`` in the zip, by path in the zip."""
    missing = [name for name in PROJECT_FILES + PROJECT_PACKAGES if not (project / name).exists()]
    if missing:
        raise FileNotFoundError(f"{project} is not the project's checkout (no "
                                f"{', '.join(missing)}): build the bundle from the repository")
    course = load_course(source)
    if assignment is not None and assignment not in course.assignments:
        raise ValueError(f"no assignment {assignment!r} in {source} ({course.describe()})")
    chosen = [assignment] if assignment else course.assignments
    files = {f"course/{name}": project / name for name in PROJECT_FILES}
    for package in PROJECT_PACKAGES:
        files.update({f"course/{p.relative_to(project).as_posix()}": p
                      for p in _files_of(project / package)})
    for name in chosen:
        files.update({f"course/notebooks/{name}/{p.relative_to(course.source / name).as_posix()}":
                      p for p in _files_of(course.source / name)})
        if (Path(release) / name).is_dir():
            files.update({f"course/release/{name}/{p.relative_to(Path(release) / name).as_posix()}":
                          p for p in _files_of(Path(release) / name)})
    return files


def build_bundle(out: Path, source: Path, release: Path, assignment: str | None = None,
                 hidden: str = "after_published") -> dict[str, Path]:
    """Write the zip to upload to ``out``; return the files it holds from disk (by path in the
    zip; the two scripts are at its root, executable)."""
    files = bundle_files(source, release, assignment)
    scripts = render_scripts(hidden, assignment)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in scripts.items():
            archive.writestr(_entry(name, 0o755), text)
        for name, path in sorted(files.items()):
            archive.writestr(_entry(name, 0o644), path.read_bytes())
    tmp.replace(out)
    return files


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    """A zip member with a fixed date (the same input makes the same zip) and Unix mode."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
