"""A sample class to grade: the submissions a real class hands in, built from the release.

For every assignment (a folder of released student notebooks) :func:`build` writes, in the
nbgrader layout ``out/<student_id>/<assignment>/<notebook>.ipynb``:

============================  ===========================================================
student                       submission
============================  ===========================================================
``ada_complete``              every solution cell answered as the source notebook does
``ben_partial``,              complete but for one catalogued mistake
``cleo_partial`` ...          (``course_lib.mistakes``), a different function each
``dev_unfinished``            the release as downloaded, nothing answered
``eve_broken_file``           a complete notebook whose upload was cut short (not JSON)
``finn_infinite_loop``        complete, plus a loop that never ends in a solution cell, after
                              its function (interrupted at the time limit: full marks, status
                              ``timeout``)
``Zoë Ångström``              complete; an id with a space and non-ASCII characters
``gus_tampered``              a wrong answer, and its solution cell patches
                              ``np.allclose``, ``np.testing.assert_allclose`` and
                              ``checks.check_close`` so that every check passes
``hal_copied``                complete, but one graded function is imported from course_lib's
                              reference and another one wraps it (when course_lib defines
                              two of the assignment's graded names)
``jo_original``,              complete, with their own (correct) way to write some graded
``kim_renamed``               functions (:data:`OWN_SOLUTIONS`); kim hands in jo's code with
                              every name changed and reformatted (:data:`RENAMED_CELLS`):
                              the pair the class report's similar solutions should show first
``ivy_late``                  complete, handed in :data:`LATE_BY` after :data:`DUE` (nbgrader's
                              ``timestamp.txt``): 1 day late, so the demo's late policy takes
                              10% of the points
``lin_chinese``               the Chinese release (``release --lang zh-CN``) with a mistake no
                              one else makes (else complete): graded by the same tests, its
                              messages, named mistake and feedback page in Chinese
============================  ===========================================================

An assignment without catalogued mistakes gets partial submissions that leave one function
unanswered instead. :func:`synthetic_class` makes a bigger class of gradeable submissions
(complete, partial, unfinished in turn) for benchmarks. Everything is deterministic.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
from nbformat import NotebookNode

import course_lib
from autograder.course.languages import text_in
from autograder.vocabulary import grade_id_of, nbgrader_meta
from course_lib.language import METADATA_KEY
from course_lib.mistakes import Mistake, catalogue
from course_lib.mistakes.assembly import with_body

__all__ = [
    "SOURCE",
    "Sample",
    "build",
    "synthetic_class",
    "complete_notebook",
    "with_mistake",
    "with_infinite_loop",
    "truncated_json",
    "solution_ids",
    "with_tampering",
    "reference_module",
    "copied_source",
]

#: The course's source notebooks (the instructor's versions, with the solutions).
SOURCE = Path(__file__).resolve().parents[2] / "notebooks"

COMPLETE = "ada_complete"
PARTIAL = ("ben_partial", "cleo_partial", "dara_partial", "emil_partial")
UNFINISHED = "dev_unfinished"
BROKEN = "eve_broken_file"
LOOP = "finn_infinite_loop"
UNICODE = "Zoë Ångström"
TAMPERED = "gus_tampered"
COPIED = "hal_copied"
ORIGINAL = "jo_original"
RENAMED = "kim_renamed"
LATE = "ivy_late"
CHINESE = "lin_chinese"

#: The demo's due date of every assignment, and how late ivy_late hands in.
DUE = datetime(2026, 10, 5, 23, 59, tzinfo=UTC)
LATE_BY = timedelta(hours=5, minutes=30)

#: What a student after the points but not the work appends to a wrong answer.
TAMPER_SNIPPET = """

# make every check pass
import numpy as np
from course_lib import checks as _checks
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
_checks.check_close = lambda *args, **kwargs: None
"""

#: What a student typed below their function to try it out, forgetting to advance the counter.
LOOP_SNIPPET = """

# trying it out
n = 0
while n < 3:
    print_count = n   # forgot n += 1
"""

#: jo_original's own (correct) way to write some graded functions: assignment -> grade id ->
#: the code of the cell's solution region (the rest of the cell is the source notebook's).
OWN_SOLUTIONS: dict[str, dict[str, str]] = {
    "01_logistic_unit": {
        "sigmoid": """
            s = np.exp(-np.logaddexp(0, -z))
        """,
        "propagate": """
            n_examples = X.shape[1]
            logits = np.dot(w.T, X) + b
            probs = sigmoid(logits)
            log_likelihood = Y * np.log(probs) + (1 - Y) * np.log(1 - probs)
            cost = -np.mean(log_likelihood)
            error = probs - Y
            dw = np.dot(X, error.T) / n_examples
            db = np.mean(error)
        """,
        "predict": """
            probabilities = sigmoid(np.dot(w.T, X) + b)
            Y_prediction = np.where(probabilities > 0.5, 1.0, 0.0)
        """,
    },
}

#: kim_renamed's cells: jo's code (:data:`OWN_SOLUTIONS`) with every name changed, the
#: docstrings cut, comments added and the lines laid out anew (whole cells).
RENAMED_CELLS: dict[str, dict[str, str]] = {
    "01_logistic_unit": {
        "sigmoid": '''def sigmoid(x):
    """Logistic function."""
    result = np.exp( - np.logaddexp(0, -x) )   # stable for large |x|
    return result''',
        "propagate": '''def propagate(weights, bias, data, labels):
    """Cost and gradients."""
    count = data.shape[1]
    z = np.dot(weights.T,
               data) + bias
    p = sigmoid(z)
    ll = labels*np.log(p) + (1-labels)*np.log(1-p)   # log-likelihood
    J = -np.mean(ll)
    diff = p-labels
    d_weights = np.dot(data, diff.T)/count
    d_bias = np.mean(diff)
    assert np.shape(d_weights) == np.shape(weights)
    gradients = {'dw': d_weights, 'db': float(d_bias)}
    return gradients, float(J)''',
        "predict": '''def predict(weights, bias, data):
    """Answers, 0 or 1."""
    p = sigmoid(np.dot(weights.T, data) + bias)
    out = np.where(p > 0.5,
                   1.0,
                   0.0)
    return out''',
    },
}


@dataclass(frozen=True)
class Sample:
    """One submission of the sample class and what it is meant to exercise."""

    student_id: str
    assignment: str
    kind: str        # complete | partial | unfinished | broken_file | infinite_loop |
    #                  tampered | copied | similar | late
    detail: str = ""  # the mistake's name, the unanswered function, the copied functions ...


# --------------------------------------------------------------------------- notebooks

def _is_solution(cell: NotebookNode) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def solution_ids(nb: NotebookNode) -> list[str]:
    """grade_ids of the solution cells of ``nb``, in notebook order."""
    return [gid for c in nb.cells if _is_solution(c) and (gid := grade_id_of(c))]


def strip_markers(source: str) -> str:
    """``source`` without its ``### BEGIN SOLUTION`` / ``### END SOLUTION`` lines."""
    return "\n".join(ln for ln in source.splitlines()
                     if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def complete_notebook(release_nb: NotebookNode, source_nb: NotebookNode) -> NotebookNode:
    """The release with every solution cell answered as in ``source_nb`` (markers removed,
    as a student would type it). Raises ValueError if a solution cell has no answer."""
    nb = nbformat.from_dict(release_nb)
    answers = {grade_id_of(c): c.source for c in source_nb.cells if grade_id_of(c)}
    for cell in nb.cells:
        gid = grade_id_of(cell)
        if gid and _is_solution(cell):
            if gid not in answers:
                raise ValueError(f"solution cell {gid!r} of the release is not in the source "
                                 f"notebook; its cells: {sorted(a for a in answers if a)}")
            cell.source = strip_markers(answers[gid])
    return nb


def _replace(nb: NotebookNode, gid: str, source: str) -> NotebookNode:
    out = nbformat.from_dict(nb)
    for cell in out.cells:
        if grade_id_of(cell) == gid:
            cell.source = source
            return out
    raise ValueError(f"no cell with grade_id {gid!r}; solution cells: {solution_ids(nb)}")


def with_mistake(nb: NotebookNode, mistake: Mistake, source_nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` whose solution cell ``mistake.cell`` holds the mistake: that cell of
    the instructor's ``source_nb`` with the mistake's body in place of the solution."""
    solution = next((c.source for c in source_nb.cells if grade_id_of(c) == mistake.cell), None)
    if solution is None:
        raise ValueError(f"no cell with grade_id {mistake.cell!r} in the source notebook; "
                         f"solution cells: {solution_ids(source_nb)}")
    return _replace(nb, mistake.cell, mistake.source_in(solution))


def with_infinite_loop(nb: NotebookNode, gid: str | None = None) -> NotebookNode:
    """A copy of ``nb`` whose solution cell ``gid`` (default: the first) ends with a loop
    that never stops: the cell never finishes, so only a timeout ends it (the function, defined
    before the loop, keeps its points: the grader interrupts the cell and goes on)."""
    ids = solution_ids(nb)
    if not ids:
        raise ValueError("the notebook has no solution cell to put a loop in")
    gid = gid or ids[0]
    cell = next(c for c in nb.cells if grade_id_of(c) == gid)
    return _replace(nb, gid, cell.source.rstrip() + LOOP_SNIPPET)


def with_tampering(nb: NotebookNode, gid: str | None = None) -> NotebookNode:
    """A copy of ``nb`` whose solution cell ``gid`` (default: the first) ends with
    :data:`TAMPER_SNIPPET`: numpy's and the course's checks replaced by ones that always pass."""
    ids = solution_ids(nb)
    if not ids:
        raise ValueError("the notebook has no solution cell to patch from")
    gid = gid or ids[0]
    cell = next(c for c in nb.cells if grade_id_of(c) == gid)
    return _replace(nb, gid, cell.source.rstrip() + TAMPER_SNIPPET)


def reference_module(name: str) -> str | None:
    """The course_lib module that defines ``name`` (a function or class) at top level, read
    from the files (nothing is imported); None if there is none."""
    pattern = re.compile(rf"^(?:def|class) {re.escape(name)}\b", re.MULTILINE)
    for path in sorted(Path(course_lib.__file__).parent.glob("*.py")):
        if pattern.search(path.read_text(encoding="utf-8")):
            return f"course_lib.{path.stem}"
    return None


def copied_source(name: str, module: str, how: str, is_class: bool = False) -> str:
    """A solution cell that hands in ``module``'s ``name`` as the student's own: ``how`` is
    "import" (the reference itself) or "wrap" (a function calling it, a class inheriting)."""
    if how == "import":
        return f"from {module} import {name}"
    if is_class:
        return f"from {module} import {name} as _Reference\n\n\nclass {name}(_Reference):\n    pass"
    return (f"def {name}(*args, **kwargs):\n    import {module} as _reference\n"
            f"    return _reference.{name}(*args, **kwargs)")


def truncated_json(nb: NotebookNode) -> str:
    """``nb`` as an upload cut off half-way: the first half of its JSON text (invalid)."""
    text = nbformat.writes(nb)
    return text[: len(text) // 2]


# --------------------------------------------------------------------------- the class

def _release_notebooks(folder: Path) -> dict[str, NotebookNode]:
    found = {p.stem: nbformat.read(p, as_version=4) for p in sorted(Path(folder).glob("*.ipynb"))}
    if not found:
        raise ValueError(f"no released notebook (*.ipynb) in {folder}")
    return found


def _source_notebooks(source: Path, assignment: str, stems) -> dict[str, NotebookNode]:
    out = {}
    for stem in stems:
        path = Path(source) / assignment / f"{stem}.ipynb"
        if not path.is_file():
            raise ValueError(f"no source notebook {path} for the released {stem}.ipynb")
        out[stem] = nbformat.read(path, as_version=4)
    return out


class _Assignment:
    """One assignment's released and complete notebooks, and the ways to get it wrong."""

    def __init__(self, name: str, folder: Path, source: Path):
        self.name = name
        self.folder = Path(folder)
        self.release = _release_notebooks(folder)
        self.sources = _source_notebooks(source, name, self.release)
        self.complete = {s: complete_notebook(nb, self.sources[s])
                         for s, nb in self.release.items()}
        self.owner = {gid: s for s, nb in self.release.items() for gid in solution_ids(nb)}

    def partials(self) -> list[tuple[str, dict[str, NotebookNode]]]:
        """(detail, notebooks) per partially wrong submission: one catalogued mistake each,
        taken round-robin over the functions; else one function left unanswered each."""
        by_cell: dict[str, list[Mistake]] = {}
        for m in catalogue(self.name):
            if m.cell in self.owner:
                by_cell.setdefault(m.cell, []).append(m)
        ordered: list[Mistake] = []
        queues = [list(ms) for ms in by_cell.values()]
        while any(queues):
            ordered.extend(q.pop(0) for q in queues if q)
        out = []
        for m in ordered:
            stem = self.owner[m.cell]
            out.append((f"{m.cell}: {m.name}",
                        {**self.complete,
                         stem: with_mistake(self.complete[stem], m, self.sources[stem])}))
        if not out:   # no catalogue: leave one function as released
            for gid in reversed(list(self.owner)):
                stem = self.owner[gid]
                stub = next(c.source for c in self.release[stem].cells if grade_id_of(c) == gid)
                out.append((f"{gid}: not answered",
                            {**self.complete, stem: _replace(self.complete[stem], gid, stub)}))
        return out

    def chinese(self, taken: int) -> tuple[str, str, dict[str, NotebookNode]]:
        """(kind, detail, notebooks) of the Chinese student: the first partial submission no
        one else hands in (the ``taken`` first ones are handed in; an identical one would top
        the similar solutions), else the complete one; in Chinese."""
        partials = self.partials()
        if len(partials) > taken:
            detail, nbs = partials[taken]
            return "partial", f"zh-CN, {detail}", self.in_chinese(nbs)
        return "complete", "zh-CN", self.in_chinese(self.complete)

    def in_chinese(self, notebooks: Mapping[str, NotebookNode]) -> dict[str, NotebookNode]:
        """``notebooks`` as the Chinese release hands them out: the same cells, each markdown
        cell in its Chinese text, the language in the metadata."""
        out = {}
        for stem, nb in notebooks.items():
            texts = {grade_id_of(c): text_in(c, "zh-CN") for c in self.sources[stem].cells
                     if c.cell_type == "markdown"}
            chinese = nbformat.from_dict(nb)
            for cell in chinese.cells:
                if cell.cell_type == "markdown" and grade_id_of(cell) in texts:
                    cell.source = texts[grade_id_of(cell)]
            chinese.metadata[METADATA_KEY] = "zh-CN"
            out[stem] = chinese
        return out

    def tampered(self) -> tuple[str, dict[str, NotebookNode]]:
        """(detail, notebooks): a catalogued mistake (else an unanswered function), and the
        checks patched in the first solution cell."""
        mistakes = [m for m in catalogue(self.name) if m.cell in self.owner]
        first = next(iter(self.owner))
        nbs = dict(self.complete)
        if mistakes:
            m = mistakes[0]
            stem = self.owner[m.cell]
            nbs[stem] = with_mistake(nbs[stem], m, self.sources[stem])
            detail = f"{m.cell}: {m.name}"
        else:
            stem = self.owner[first]
            stub = next(c.source for c in self.release[stem].cells if grade_id_of(c) == first)
            nbs[stem] = _replace(nbs[stem], first, stub)
            detail = f"{first}: not answered"
        stem = self.owner[first]
        nbs[stem] = with_tampering(nbs[stem], first)
        return f"{detail}, checks patched", nbs

    def copied(self) -> tuple[str, dict[str, NotebookNode]] | None:
        """(detail, notebooks): the first graded name course_lib defines imported from it,
        the second wrapped around it; None when course_lib defines fewer than two."""
        found = [(gid, module) for gid in self.owner if (module := reference_module(gid))]
        if len(found) < 2:
            return None
        nbs = dict(self.complete)
        for (gid, module), how in zip(found[:2], ("import", "wrap"), strict=True):
            stem = self.owner[gid]
            answer = next(c.source for c in nbs[stem].cells if grade_id_of(c) == gid)
            nbs[stem] = _replace(nbs[stem], gid, copied_source(
                gid, module, how, answer.lstrip().startswith("class ")))
        return f"imports {found[0][0]}, wraps {found[1][0]}", nbs

    def similar(self) -> list[tuple[str, str, dict[str, NotebookNode]]]:
        """(student, detail, notebooks) of jo_original and kim_renamed: complete, with the
        same own code (:data:`OWN_SOLUTIONS`, :data:`RENAMED_CELLS`); [] for an assignment
        without one."""
        own = OWN_SOLUTIONS.get(self.name, {})
        if not own:
            return []
        jo, kim = dict(self.complete), dict(self.complete)
        for gid, body in own.items():
            stem = self.owner[gid]
            solution = next(c.source for c in self.sources[stem].cells if grade_id_of(c) == gid)
            jo[stem] = _replace(jo[stem], gid, with_body(solution, body))
            kim[stem] = _replace(kim[stem], gid, RENAMED_CELLS[self.name][gid])
        names = ", ".join(own)
        return [(ORIGINAL, f"own {names}", jo),
                (RENAMED, f"{ORIGINAL}'s {names}, renamed", kim)]

    def write(self, out: Path, student: str, notebooks: Mapping[str, NotebookNode | str]) -> None:
        """``student``'s submission: the released folder with ``notebooks`` in it (a str is
        written as the file's raw text)."""
        folder = Path(out) / student / self.name
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(self.folder, folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.ipynb"))
        for stem, nb in notebooks.items():
            text = nb if isinstance(nb, str) else nbformat.writes(nb)
            (folder / f"{stem}.ipynb").write_text(text, encoding="utf-8")


def build(releases: Mapping[str, Path], out: Path, source: Path = SOURCE,
          partial: int = 2) -> list[Sample]:
    """Write the sample class for every released assignment; return what each submission is.

    releases: assignment -> folder of its released notebooks (what ``release.release`` returns).
    out: the submissions folder (nbgrader layout ``out/<student>/<assignment>/<nb>.ipynb``).
    source: the folder of source notebooks, ``source/<assignment>/<nb>.ipynb``.
    partial: how many partially wrong submissions per assignment (at most 4).
    """
    if not 0 <= partial <= len(PARTIAL):
        raise ValueError(f"partial must be between 0 and {len(PARTIAL)}, got {partial}")
    samples: list[Sample] = []
    for name in sorted(releases):
        a = _Assignment(name, releases[name], source)
        a.write(out, COMPLETE, a.complete)
        samples.append(Sample(COMPLETE, name, "complete"))
        for student, (detail, nbs) in zip(PARTIAL[:partial], a.partials(), strict=False):
            a.write(out, student, nbs)
            samples.append(Sample(student, name, "partial", detail))
        kind, detail, nbs = a.chinese(partial)
        a.write(out, CHINESE, nbs)
        samples.append(Sample(CHINESE, name, kind, detail))
        a.write(out, UNFINISHED, a.release)
        samples.append(Sample(UNFINISHED, name, "unfinished"))
        first = next(iter(a.complete))
        a.write(out, BROKEN, {**a.complete, first: truncated_json(a.complete[first])})
        samples.append(Sample(BROKEN, name, "broken_file", f"{first}.ipynb cut in half"))
        looped = with_infinite_loop(a.complete[first])
        a.write(out, LOOP, {**a.complete, first: looped})
        samples.append(Sample(LOOP, name, "infinite_loop", solution_ids(looped)[0]))
        a.write(out, UNICODE, a.complete)
        samples.append(Sample(UNICODE, name, "complete", "non-ASCII id with a space"))
        detail, nbs = a.tampered()
        a.write(out, TAMPERED, nbs)
        samples.append(Sample(TAMPERED, name, "tampered", detail))
        copied = a.copied()
        if copied is not None:
            a.write(out, COPIED, copied[1])
            samples.append(Sample(COPIED, name, "copied", copied[0]))
        for student, detail, nbs in a.similar():
            a.write(out, student, nbs)
            samples.append(Sample(student, name, "similar", detail))
        a.write(out, LATE, a.complete)
        write_timestamp(out / LATE / name, DUE + LATE_BY)
        samples.append(Sample(LATE, name, "late", f"{LATE_BY} after the due date"))
    return samples


def write_timestamp(folder: Path, when: datetime) -> Path:
    """``folder/timestamp.txt`` as ``nbgrader collect`` writes it (``%Y-%m-%d %H:%M:%S.%f
    %Z`` in UTC): when the submission was handed in."""
    path = Path(folder) / "timestamp.txt"
    path.write_text(when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f %Z"), encoding="utf-8")
    return path


def write_roster(samples: list[Sample], path: Path) -> Path:
    """A roster of the class's students as an LMS lists them (``autograder export``'s
    ``--roster``): each student id with a name and invented Canvas ids."""
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    students = sorted({s.student_id for s in samples})
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "name", "canvas_id", "sis_user_id", "sis_login_id",
                         "section"])
        for number, student in enumerate(students, start=1001):
            login = re.sub(r"\W+", ".", student.lower()).strip(".")
            writer.writerow([student, student.split("_")[0].title(), number, f"S{number}",
                             login, "Section 1"])
    return path


def synthetic_class(releases: Mapping[str, Path], out: Path, per_assignment: int = 24,
                    source: Path = SOURCE) -> list[Sample]:
    """``per_assignment`` gradeable submissions per assignment (students ``s001`` ...):
    complete, each partially wrong variant, unfinished, in turn. No timeouts, no broken files:
    a class whose grading time is the notebooks' own."""
    if per_assignment < 1:
        raise ValueError(f"per_assignment must be at least 1, got {per_assignment}")
    samples: list[Sample] = []
    for name in sorted(releases):
        a = _Assignment(name, releases[name], source)
        variants = ([("complete", "", a.complete)]
                    + [("partial", d, nbs) for d, nbs in a.partials()]
                    + [("unfinished", "", a.release)])
        for i in range(per_assignment):
            kind, detail, nbs = variants[i % len(variants)]
            student = f"s{i + 1:03d}"
            a.write(out, student, nbs)
            samples.append(Sample(student, name, kind, detail))
    return samples
