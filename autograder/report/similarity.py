"""Solutions that are unusually alike: pairs of students to look at, per assignment.

For each assignment, a student's *code* is the text of their solution cells (nbgrader
``solution: true`` code cells, matched to the instructor's source notebook by grade id, else
by cell id) in their autograded notebooks. What every student starts from or may legitimately
hand in does not count: the instructor's solution cells and the released stubs are
copydetect's *boilerplate*, so a student who pasted the reference shares nothing with another
who did, and a student who answered nothing (only stubs) is left out.

The comparison is copydetect's (a kept library rather than a hand-written diff): its
tokenizer (pygments) turns every name into ``V`` (``F`` for a function being defined), every
string into ``S`` and drops comments and whitespace, so renaming variables and reformatting
change nothing; its fingerprints are the hashed k-grams of that normalised text (winnowing,
Schleimer, Wilkerson and Aiken 2003). Its "tokens" are the characters of the normalised text,
where a name counts as one: ``dw = X @ dZ.T / m`` is ``V=V@V.V/V``, 9 tokens.

Parameters, measured on the demo's sample class (``python -m autograder demo``) and on
hand-written independent solutions of the first assignment's functions (the tests'):

- :data:`K` = 25 tokens (copydetect's default noise threshold), about two short statements.
  Names become ``V``, so ``np.dot(w.T, X)`` and ``np.matmul(w.T, X)`` read the same and
  independent solutions share many short runs: at k = 15 two of them scored 0.42 and an
  edited copy's neighbour 0.61; at k = 25 independent pairs scored at most 0.33 while a
  renamed, reformatted copy scored 0.75 to 0.91 and a copy with statements moved 0.57.
- :data:`WINDOW` = 1: every k-gram is a fingerprint (winnowing keeps them all), as with
  copydetect's defaults (noise threshold = guarantee threshold). A notebook's solutions are a
  few hundred tokens, so nothing needs thinning; and with a larger window the kept
  fingerprints would depend on Python's per-process string hash, so scores would change
  from run to run.
- The score of a pair is the **smaller** of the two shares (the part of each student's own
  code, boilerplate removed, that the other one has too). In the demo, two students make the
  same catalogued mistake and one of them also patches the checks: all of the first one's
  own code is in the second's (share 1.0), a fifth of the second's in the first's. The mean
  (0.6) would rank them with copies; the smaller (0.2) says the two hand-ins are not mostly
  the same code.
- A pair is *unusually alike* (:meth:`Pair.alike`) at a score of at least :data:`ALIKE_SCORE`
  with at least :data:`ALIKE_TOKENS` tokens in common: one slip two students both made is
  30 to 80 tokens (the demo's), so two answers that are the reference but for the same
  slip do not look like a copy; the demo's copied pair shares about 245.

Scale: only pairs that share at least one fingerprint are compared (the others share no code:
score 0, not listed), found through an index from fingerprint to students. A fingerprint
that more than :data:`COMMON` students hold is an idiom of the class, not a copy, and pairs no
pair through it alone (a copied pair shares rarer ones too); in a class of at most
:data:`COMMON` students that changes nothing, and the work then grows with the pairs that
share code, not with the square of the class. The heat map shows at most
:data:`HEAT_MAP_STUDENTS` students: those of the most alike pairs.

Similarity is a prompt to look, not a verdict: students are told to use the same formulas,
and a short function has few ways to be written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from nbformat import NotebookNode  # noqa: E402

from autograder.course.reference import cached_reference  # noqa: E402
from autograder.course.source import Course, SourceNotebook  # noqa: E402
from autograder.records.ledger import as_text  # noqa: E402
from autograder.vocabulary import grade_id_of, nbgrader_meta  # noqa: E402

__all__ = [
    "K", "WINDOW", "COMMON", "HEAT_MAP_STUDENTS", "ALIKE_SCORE", "ALIKE_TOKENS", "CSV_FLOOR",
    "CSV_COLUMNS",
    "Pair", "AssignmentSimilarity", "solution_code", "boilerplate_of", "compare", "Solutions",
    "class_similarity", "similarity_pairs", "write_csv", "plot_similarity",
]

#: k-gram length and winnowing window (copydetect's tokens; why these: the module docstring).
K = 25
WINDOW = 1
#: A fingerprint more students hold than this pairs no one (see the module docstring).
COMMON = 50
#: The most students one heat map shows.
HEAT_MAP_STUDENTS = 30
#: A pair at least this alike (score), over at least this much shared code, is *alike*.
ALIKE_SCORE = 0.5
ALIKE_TOKENS = 100
#: Pairs scoring below this are left out of the CSV (they share next to nothing).
CSV_FLOOR = 0.1
CSV_COLUMNS = ["assignment", "student_a", "student_b", "score", "shared_tokens",
               "share_a", "share_b"]

#: The file name copydetect is told (it only picks the display name; the language is given).
_NAME = "solution.py"


@dataclass(frozen=True)
class Pair:
    """Two students' solutions to one assignment, compared (``student_a`` < ``student_b``).

    share_a, share_b: the part of each one's own code (boilerplate removed) the other has too;
    score: the smaller of the two; shared_tokens: how much code they share (copydetect's
    tokens, see the module docstring).
    """

    assignment: str
    student_a: str
    student_b: str
    score: float
    shared_tokens: int
    share_a: float
    share_b: float

    @property
    def alike(self) -> bool:
        """Unusually alike: a high score over enough shared code."""
        return self.score >= ALIKE_SCORE and self.shared_tokens >= ALIKE_TOKENS


@dataclass(frozen=True)
class AssignmentSimilarity:
    """One assignment's comparison.

    students: those compared (who handed in solution text), sorted; pairs: every pair that
    shares code, most alike first (a pair not listed scores 0).
    """

    assignment: str
    students: list[str]
    pairs: list[Pair] = field(default_factory=list)

    def heat_map(self, most: int = HEAT_MAP_STUDENTS) -> tuple[list[str], list[list[float]]]:
        """(students, matrix): every student when there are at most ``most``, else those of
        the most alike pairs; matrix[i][j] the score of students i and j (0: not listed)."""
        shown = set(self.students) if len(self.students) <= most else set()
        for p in self.pairs:
            if len(shown) >= most - 1:
                break
            shown |= {p.student_a, p.student_b}
        students = sorted(shown)
        index = {s: i for i, s in enumerate(students)}
        matrix = [[0.0] * len(students) for _ in students]
        for p in self.pairs:
            if p.student_a in index and p.student_b in index:
                i, j = index[p.student_a], index[p.student_b]
                matrix[i][j] = matrix[j][i] = p.score
        return students, matrix


# --------------------------------------------------------------------------- the texts

def _solution_cells(nb: NotebookNode) -> list[NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and nbgrader_meta(c).get("solution")]


def solution_code(submitted: NotebookNode, source: NotebookNode) -> list[str]:
    """The texts of ``submitted``'s cells that answer ``source``'s code solution cells, in
    the source's order (matched by grade id, else by cell id; a cell that is missing gives
    nothing)."""
    by_grade_id = {gid: c for c in submitted.cells if (gid := grade_id_of(c))}
    by_cell_id = {c.get("id"): c for c in submitted.cells if c.get("id")}
    texts = []
    for cell in _solution_cells(source):
        found = by_grade_id.get(grade_id_of(cell)) or by_cell_id.get(cell.get("id"))
        if found is not None and found.cell_type == "code":
            texts.append(found.source)
    return texts


def boilerplate_of(notebooks: Iterable[SourceNotebook]) -> tuple[list[str], list[str]]:
    """(the reference solutions, the released stubs): the texts of the source notebooks'
    code solution cells, as the instructor wrote them and as students were given them."""
    solutions: list[str] = []
    stubs: list[str] = []
    for nb in notebooks:
        source = nbformat.read(nb.path, as_version=4)
        solutions += [c.source for c in _solution_cells(source)]
        released = cached_reference(nb.path, nb.assignment).notebook
        stubs += [c.source for c in _solution_cells(released)]
    return solutions, stubs


def _answered(texts: Sequence[str], stubs: Sequence[str]) -> bool:
    """Whether any of ``texts`` is more than a released stub (or blank)."""
    given = {"".join(s.split()) for s in stubs}
    return any((flat := "".join(t.split())) and flat not in given for t in texts)


def _joined(texts: Sequence[str]) -> str:
    return "\n\n".join(texts)


# --------------------------------------------------------------------------- the comparison

def _fingerprint(code: str, boilerplate: np.ndarray | None = None):
    """copydetect's fingerprint of ``code`` (imported here: the class report, which shows
    what this module found, renders without copydetect)."""
    from copydetect import CodeFingerprint

    return CodeFingerprint(_NAME, K, WINDOW, boilerplate=boilerplate, filter=True,
                           language="python", fp=io.StringIO(code))


#: Where the raw code's characters are in the normalised code: copydetect maps the copied
#: slices back to the raw code with them, which :func:`compare` does not use.
_NO_OFFSETS = np.empty((0, 2), dtype=np.int64)


@dataclass(frozen=True)
class _Print:
    """One student's fingerprint, kept small until it is compared: a run keeps one per
    submission to its end (:class:`Solutions`). copydetect's own object (the code twice,
    each character's offset, the hashes in a Python set and their positions in a dict of
    lists) takes 170-290 kB for this course's notebooks when all their code is the student's
    own; this takes 10-20 kB (the hashes and positions as two arrays, the normalised code).

    hashes: the k-grams' hashes kept (boilerplate removed), one entry per position; where:
    those positions; code: the normalised code; coverage: copydetect's token coverage. The
    raw code and its offsets are not kept: they only place the copied slices in it."""

    hashes: np.ndarray
    where: np.ndarray
    code: str
    coverage: int

    @classmethod
    def of(cls, fingerprint) -> _Print:
        """From copydetect's ``CodeFingerprint``."""
        pairs = [(h, i) for h, places in fingerprint.hash_idx.items() for i in places]
        return cls(np.array([h for h, _ in pairs], dtype=np.int64),
                   np.array([i for _, i in pairs], dtype=np.int64),
                   fingerprint.filtered_code, int(fingerprint.token_coverage))

    def for_copydetect(self) -> SimpleNamespace:
        """What ``copydetect.compare_files`` reads of a ``CodeFingerprint``, rebuilt."""
        hash_idx: dict[int, list[int]] = {}
        for h, i in zip(self.hashes.tolist(), self.where.tolist(), strict=True):
            hash_idx.setdefault(h, []).append(i)
        return SimpleNamespace(k=K, hashes=set(hash_idx), hash_idx=hash_idx,
                               filtered_code=self.code, token_coverage=self.coverage,
                               offsets=_NO_OFFSETS)


def _boilerplate_hashes(texts: Sequence[str]) -> np.ndarray:
    """copydetect's boilerplate: the hashes of every k-gram of ``texts`` (each text alone and
    all of them one after the other, as a student's cells are joined)."""
    hashes: set[int] = set()
    for text in [*texts, _joined(texts)]:
        hashes |= _fingerprint(text).hashes
    return np.array(sorted(hashes), dtype=np.int64)


@dataclass(frozen=True)
class _Given:
    """What every student of an assignment was given: its source notebooks (file name ->
    notebook), the released stubs and the boilerplate's hashes (reference and stubs)."""

    sources: Mapping[str, NotebookNode]
    stubs: Sequence[str]
    hashes: np.ndarray

    @classmethod
    def of(cls, notebooks: Sequence[SourceNotebook]) -> _Given:
        """From the assignment's source notebooks."""
        solutions, stubs = boilerplate_of(notebooks)
        return cls({nb.filename: nbformat.read(nb.path, as_version=4) for nb in notebooks},
                   stubs, _boilerplate_hashes([*solutions, *stubs]))

    def fingerprint(self, texts: Sequence[str]) -> _Print | None:
        """The fingerprint of one student's solution texts, None when they answered nothing
        (only stubs, or blank)."""
        if not _answered(texts, self.stubs):
            return None
        return _Print.of(_fingerprint(_joined(texts), self.hashes))


def compare(codes: Mapping[str, Sequence[str]], boilerplate: Sequence[str],
            assignment: str, stubs: Sequence[str] = ()) -> AssignmentSimilarity:
    """Compare every two students' solution texts (student -> their solution cells' texts),
    ``boilerplate`` (texts) not counting. Students whose texts are all ``stubs`` or blank are
    left out."""
    given = _Given({}, list(stubs), _boilerplate_hashes([*boilerplate, *stubs]))
    return _compared({s: given.fingerprint(texts) for s, texts in codes.items()}, assignment)


def _compared(kept: Mapping[str, _Print | None], assignment: str) -> AssignmentSimilarity:
    """Every two students' fingerprints (None: a student left out) compared."""
    from copydetect import compare_files

    prints = {s: p.for_copydetect() for s, p in sorted(kept.items()) if p is not None}
    pairs = []
    for a, b in _sharing(prints):
        shared, (share_a, share_b), _ = compare_files(prints[a], prints[b])
        if shared:
            pairs.append(Pair(assignment, a, b, float(min(share_a, share_b)), int(shared),
                              float(share_a), float(share_b)))
    pairs.sort(key=lambda p: (-p.score, -p.shared_tokens, p.student_a, p.student_b))
    return AssignmentSimilarity(assignment, list(prints), pairs)


def _sharing(prints: Mapping) -> list[tuple[str, str]]:
    """The pairs of students (sorted names) whose fingerprints share a hash held by at most
    :data:`COMMON` students, in sorted order."""
    holders: dict[int, list[str]] = {}
    for student, fingerprint in prints.items():
        for h in set(fingerprint.hashes):
            holders.setdefault(h, []).append(student)
    pairs = set()
    for students in holders.values():
        if 2 <= len(students) <= COMMON:
            ordered = sorted(students)
            pairs.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:])
    return sorted(pairs)


def _submitted_code(folder: Path, sources: Mapping[str, NotebookNode]) -> list[str]:
    """The solution texts of one student's autograded notebooks of one assignment
    (``sources``: file name -> source notebook; a notebook that is not there, or cannot be
    read, gives nothing)."""
    texts: list[str] = []
    for filename, source in sources.items():
        path = folder / filename
        if not path.is_file():
            continue
        try:
            submitted = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - an unreadable notebook has no code to compare
            continue
        texts += solution_code(submitted, source)
    return texts


class Solutions:
    """A class's solutions, taken as a grading run records them, compared at its end.

    :meth:`add` takes one submission's autograded notebooks when the run writes them (they
    are at hand then, and the run's coordinator has a core to spare while kernels run);
    :meth:`compare` then reads from the autograded folder only what was not added (graded by
    an earlier run) and compares. So the end of a run no longer reads and fingerprints the
    whole class: on the quick class (20 submissions, 5 assignments, 2 cores) that was 1.1 s
    of the report's 5.9 s, and it grows with the class (about 40 ms a submission there).
    What :meth:`compare` returns is what :func:`class_similarity` returns for the same
    folder. Memory: 10-20 kB a submission kept (:class:`_Print`), where the comparison of
    one assignment at the end held copydetect's 170-290 kB for each of its students.
    """

    def __init__(self, course: Course):
        self.course = course
        self._given: dict[str, _Given] = {}
        self._prints: dict[tuple[str, str], _Print | None] = {}   # (student, assignment)

    def given(self, assignment: str) -> _Given:
        if assignment not in self._given:
            self._given[assignment] = _Given.of(self.course.notebooks_of(assignment))
        return self._given[assignment]

    def add(self, student: str, assignment: str, notebooks: Mapping[str, NotebookNode]
            ) -> None:
        """The autograded notebooks of one submission (file name -> notebook; one that did
        not run is absent), in place of what was added for it before."""
        self.forget(student, assignment)
        if assignment not in self.course.assignments:
            return
        given = self.given(assignment)
        texts = [t for filename, source in given.sources.items() if filename in notebooks
                 for t in solution_code(notebooks[filename], source)]
        self._prints[(student, assignment)] = given.fingerprint(texts)

    def forget(self, student: str, assignment: str) -> None:
        """What was added for that submission (:meth:`compare` reads it from the folder)."""
        self._prints.pop((student, assignment), None)

    def compare(self, autograded: Path) -> list[AssignmentSimilarity]:
        """Every assignment's comparison, for the students with a folder of it in
        ``autograded/<student>/<assignment>/`` (two at least)."""
        autograded = Path(autograded)
        students = sorted(p.name for p in autograded.iterdir() if p.is_dir()) \
            if autograded.is_dir() else []
        out = []
        for assignment in self.course.assignments:
            here = [s for s in students if (autograded / s / assignment).is_dir()]
            if len(here) < 2:
                continue
            given = self.given(assignment)
            prints = {s: self._prints[(s, assignment)] if (s, assignment) in self._prints
                      else given.fingerprint(_submitted_code(autograded / s / assignment,
                                                             given.sources))
                      for s in here}
            out.append(_compared(prints, assignment))
        return out


def class_similarity(autograded: Path, course: Course) -> list[AssignmentSimilarity]:
    """Every assignment's comparison, from the autograded notebooks
    ``autograded/<student>/<assignment>/<notebook>.ipynb`` of a grading run."""
    return Solutions(course).compare(autograded)


def similarity_pairs(autograded: Path, course: Course) -> list[Pair]:
    """Every pair of every assignment, by assignment, most alike first."""
    return [p for a in class_similarity(autograded, course) for p in a.pairs]


# --------------------------------------------------------------------------- outputs

def write_csv(similar: Iterable[AssignmentSimilarity], path: Path,
              floor: float = CSV_FLOOR) -> Path:
    """``path``: every pair scoring at least ``floor``, most alike first (by assignment)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for a in sorted(similar, key=lambda a: a.assignment):
            for p in a.pairs:
                if p.score >= floor:
                    writer.writerow([as_text(p.assignment), as_text(p.student_a),
                                     as_text(p.student_b), f"{p.score:.3f}",
                                     p.shared_tokens, f"{p.share_a:.3f}", f"{p.share_b:.3f}"])
    return path


def plot_similarity(matrix: Sequence[Sequence[float]], students: Sequence[str],
                    title: str = "") -> Figure:
    """Heat map of the pair scores (0 to 1; the diagonal left blank), one row and one
    column per student."""
    n = len(students)
    data = np.ma.masked_array(np.asarray(matrix, dtype=float).reshape(n, n),
                              mask=np.eye(n, dtype=bool))
    side = min(14.0, 2.6 + 0.32 * n)
    fig, ax = plt.subplots(figsize=(side + 1.2, side))
    image = ax.imshow(data, vmin=0.0, vmax=1.0, cmap="Reds")
    ax.set_xticks(range(n), students, rotation=90, fontsize=8)
    ax.set_yticks(range(n), students, fontsize=8)
    if n <= 25:
        for i in range(n):
            for j in range(n):
                if i != j and data[i, j] >= CSV_FLOOR:
                    ax.text(j, i, f"{data[i, j]:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if data[i, j] > 0.6 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="score")
    ax.set_title(title or "Similarity of solutions", fontsize=11, loc="left")
    fig.tight_layout()
    return fig
