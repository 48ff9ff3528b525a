"""Similar solutions: a renamed copy stands out in a class of independent solutions; the
code everyone was given (reference, stubs) makes no pair; the CSV, the report's section."""

from __future__ import annotations

import csv
import html
import re

import nbformat
import pytest
from course_builder import code_cell, notebook, release, write_folder, write_notebook

from autograder.course.source import load_course
from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult
from autograder.report import similarity
from autograder.report.class_report import SIMILARITY_CSV, similarity_png, write_report
from autograder.report.similarity import (
    ALIKE_SCORE,
    CSV_COLUMNS,
    CSV_FLOOR,
    class_similarity,
    plot_similarity,
    similarity_pairs,
    solution_code,
    write_csv,
)

ASSIGNMENT = "01_neuron"
NOTEBOOK = "neuron"

SIGMOID = '''def sigmoid(z):
    """The logistic function."""
    ### BEGIN SOLUTION
    s = 1 / (1 + np.exp(-z))
    ### END SOLUTION
    return s'''

PROPAGATE = '''def propagate(w, b, X, Y):
    """Cost and gradient."""
    ### BEGIN SOLUTION
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    dw = X @ dZ.T / m
    db = np.sum(dZ) / m
    ### END SOLUTION
    grads = {"dw": dw, "db": float(db)}
    return grads, float(cost)'''

PREDICT = '''def predict(w, b, X):
    """0/1 answers."""
    ### BEGIN SOLUTION
    A = sigmoid(w.T @ X + b)
    Y_prediction = (A > 0.5).astype(float)
    ### END SOLUTION
    return Y_prediction'''

#: Independently written (sigmoid, propagate, predict), each correct, as students write them.
INDEPENDENT = {
    "amal": ('''def sigmoid(z):
    """The logistic function."""
    s = 1.0 / (1.0 + np.exp(-1.0 * z))
    return s''', '''def propagate(w, b, X, Y):
    """Cost and gradient."""
    m = X.shape[1]
    Z = np.dot(w.T, X) + b
    A = sigmoid(Z)
    losses = -(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    cost = np.sum(losses) / m
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    grads = {"dw": dw, "db": float(db)}
    return grads, float(cost)''', '''def predict(w, b, X):
    """0/1 answers."""
    A = sigmoid(np.dot(w.T, X) + b)
    Y_prediction = np.zeros((1, X.shape[1]))
    for i in range(A.shape[1]):
        if A[0, i] > 0.5:
            Y_prediction[0, i] = 1.0
    return Y_prediction'''),
    "bruno": ('''def sigmoid(z):
    """The logistic function."""
    s = np.exp(z) / (np.exp(z) + 1)
    return s''', '''def propagate(w, b, X, Y):
    """Cost and gradient."""
    n_samples = X.shape[1]
    preds = sigmoid(np.matmul(w.T, X) + b)
    cost = -np.mean(Y * np.log(preds) + (1 - Y) * np.log(1 - preds))
    residual = preds - Y
    dw = np.matmul(X, residual.T) / n_samples
    db = residual.mean()
    grads = {"dw": dw, "db": float(db)}
    return grads, float(cost)''', '''def predict(w, b, X):
    """0/1 answers."""
    Y_prediction = np.where(sigmoid(w.T @ X + b) > 0.5, 1.0, 0.0)
    return Y_prediction'''),
    "chen": ('''def sigmoid(z):
    """The logistic function."""
    s = 0.5 * (1 + np.tanh(z / 2))
    return s''', '''def propagate(w, b, X, Y):
    """Cost and gradient."""
    m = Y.size
    A = sigmoid(X.T.dot(w).T + b)
    cost = -(Y.dot(np.log(A).T) + (1 - Y).dot(np.log(1 - A).T)).item() / m
    dw = X.dot((A - Y).T) * (1 / m)
    db = (A - Y).sum() * (1 / m)
    grads = {"dw": dw, "db": float(db)}
    return grads, float(cost)''', '''def predict(w, b, X):
    """0/1 answers."""
    probs = sigmoid(w.T.dot(X) + b)
    Y_prediction = (probs >= 0.5) * 1.0
    Y_prediction[probs == 0.5] = 0.0
    return Y_prediction'''),
    "dana": ('''def sigmoid(z):
    """The logistic function."""
    z = np.asarray(z, dtype=float)
    s = 1 / (1 + np.exp(-z))
    if s.ndim == 0:
        s = float(s)
    return s''', '''def propagate(w, b, X, Y):
    """Cost and gradient."""
    num = X.shape[1]
    activation = sigmoid(np.dot(w.T, X) + b)
    log_probs = np.multiply(Y, np.log(activation)) + np.multiply(1 - Y, np.log(1 - activation))
    cost = -1 / num * np.sum(log_probs)
    dZ = activation - Y
    dw = (1 / num) * np.dot(X, dZ.T)
    db = (1 / num) * np.sum(dZ)
    grads = {"dw": dw, "db": float(db)}
    return grads, float(cost)''', '''def predict(w, b, X):
    """0/1 answers."""
    m = X.shape[1]
    Y_prediction = np.zeros((1, m))
    w = w.reshape(X.shape[0], 1)
    A = sigmoid(np.dot(w.T, X) + b)
    Y_prediction = (A > 0.5).astype(float)
    return Y_prediction'''),
    "emre": ('''def sigmoid(z):
    """The logistic function."""
    return 1 / (1 + np.exp(-z))''', '''def propagate(w, b, X, Y):
    """Cost and gradient."""
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    eps = 1e-12
    cost = -(Y @ np.log(A + eps).T + (1 - Y) @ np.log(1 - A + eps).T)[0, 0] / m
    grad_z = A - Y
    dw = X @ grad_z.T / m
    db = grad_z.sum() / m
    grads = {"dw": dw, "db": float(db)}
    return grads, float(cost)''', '''def predict(w, b, X):
    """0/1 answers."""
    A = sigmoid(w.T @ X + b)
    return np.round(A).astype(float) * (A != 0.5)'''),
    "jo": ('''def sigmoid(z):
    """The logistic function."""
    s = np.exp(-np.logaddexp(0, -z))
    return s''', '''def propagate(w, b, X, Y):
    """Cost and gradient."""
    n_examples = X.shape[1]
    logits = np.dot(w.T, X) + b
    probs = sigmoid(logits)
    log_likelihood = Y * np.log(probs) + (1 - Y) * np.log(1 - probs)
    cost = -np.mean(log_likelihood)
    error = probs - Y
    dw = np.dot(X, error.T) / n_examples
    db = np.mean(error)
    grads = {"dw": dw, "db": float(db)}
    return grads, float(cost)''', '''def predict(w, b, X):
    """0/1 answers."""
    probabilities = sigmoid(np.dot(w.T, X) + b)
    Y_prediction = np.where(probabilities > 0.5, 1.0, 0.0)
    return Y_prediction'''),
}

#: jo's code with every name changed, comments added, the docstrings cut, laid out anew; the
#: student id holds markup, which the report must show as typed.
PLANTED = "kim<b>&"
RENAMED = ('''def sigmoid(x):
    # logistic
    result = np.exp( - np.logaddexp(0, -x) )
    return result''', '''def propagate(weights, bias, data, labels):
    count = data.shape[1]
    z = np.dot(weights.T,
               data) + bias
    p = sigmoid(z)
    ll = labels*np.log(p) + (1-labels)*np.log(1-p)   # log-likelihood
    J = -np.mean(ll)
    diff = p-labels
    d_weights = np.dot(data, diff.T)/count
    d_bias = np.mean(diff)
    return {'dw': d_weights, 'db': float(d_bias)}, float(J)''', '''def predict(weights, bias, data):
    p = sigmoid(np.dot(weights.T, data) + bias)
    out = np.where(p > 0.5,
                   1.0,
                   0.0)
    return out''')

REFERENCE_PASTERS = ("ref_1", "ref_2")
UNFINISHED = "stubs_only"
IDS = ("sigmoid", "propagate", "predict")


def source_notebook():
    cells = [code_cell("import numpy as np", "imports", locked=True)]
    for gid, text in zip(IDS, (SIGMOID, PROPAGATE, PREDICT), strict=True):
        cells += [code_cell(text, gid, solution=True),
                  code_cell(f"assert {gid} is not None", f"test_{gid}", points=1, locked=True)]
    return notebook(cells)


def answered(released, texts):
    """The released notebook with the solution cells ``texts`` (in IDS order) filled in."""
    nb = nbformat.from_dict(released)
    by_id = dict(zip(IDS, texts, strict=True))
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if gid in by_id:
            c.source = by_id[gid]
    return nb


def without_markers(text):
    return "\n".join(ln for ln in text.splitlines() if "SOLUTION" not in ln)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(course, autograded folder) of the class: the independent students, the planted
    copy, two who pasted the reference (one reformatted) and one who answered nothing."""
    root = tmp_path_factory.mktemp("similar")
    source = write_folder(root / "source", {ASSIGNMENT: {NOTEBOOK: source_notebook()}})
    released = release(source, ASSIGNMENT, NOTEBOOK)
    reference = [without_markers(t) for t in (SIGMOID, PROPAGATE, PREDICT)]
    answers = {**INDEPENDENT, PLANTED: RENAMED,
               "ref_1": reference,
               "ref_2": [t.replace(" = ", "=").replace("    ", "  ") for t in reference],
               UNFINISHED: None}
    out = root / "autograded"
    for student, texts in answers.items():
        nb = released if texts is None else answered(released, texts)
        write_notebook(nb, out / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    return load_course(source), out


@pytest.fixture(scope="module")
def compared(graded):
    course, out = graded
    [result] = class_similarity(out, course)
    return result


def test_the_renamed_copy_ranks_first_and_alike(compared):
    top = compared.pairs[0]
    assert (top.student_a, top.student_b) == ("jo", PLANTED)
    assert top.alike and top.score >= ALIKE_SCORE
    independent = [p for p in compared.pairs if PLANTED not in (p.student_a, p.student_b)]
    assert not any(p.alike for p in independent)
    assert top.score > max(p.score for p in independent) + 0.2   # a clear gap


def test_pairs_are_ranked_and_the_heat_map_agrees(compared):
    scores = [p.score for p in compared.pairs]
    assert scores == sorted(scores, reverse=True)
    students, matrix = compared.heat_map()
    assert students == compared.students   # a small class: everyone
    index = {s: i for i, s in enumerate(students)}
    for p in compared.pairs:
        assert p.student_a < p.student_b and p.shared_tokens > 0
        assert p.score == min(p.share_a, p.share_b)
        assert matrix[index[p.student_a]][index[p.student_b]] == p.score
        assert matrix[index[p.student_b]][index[p.student_a]] == p.score


def _added(course, out, **instead):
    """Solutions with every student's notebook added as a run adds them (``instead``:
    student -> the notebook added in place of the one in the folder)."""
    solutions = similarity.Solutions(course)
    for folder in sorted(out.iterdir()):
        nb = instead.get(folder.name) or nbformat.read(
            folder / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
        solutions.add(folder.name, ASSIGNMENT, {f"{NOTEBOOK}.ipynb": nb})
    return solutions


def test_solutions_added_as_a_run_grades_compare_as_the_folder_reads(graded, compared):
    course, out = graded
    assert _added(course, out).compare(out) == [compared]


def test_what_was_added_is_compared_not_the_folder(graded, compared):
    """A submission added (graded now) is compared as added; one forgotten is read again."""
    course, out = graded
    unfinished = nbformat.read(out / UNFINISHED / ASSIGNMENT / f"{NOTEBOOK}.ipynb",
                               as_version=4)
    solutions = _added(course, out, **{PLANTED: unfinished})
    [result] = solutions.compare(out)
    assert result.students == [s for s in compared.students if s != PLANTED]
    assert all(PLANTED not in (p.student_a, p.student_b) for p in result.pairs)
    solutions.forget(PLANTED, ASSIGNMENT)
    assert solutions.compare(out) == [compared]


def test_every_pair_that_shares_code_is_listed(graded, compared):
    """The fingerprint index finds exactly the pairs copydetect scores above 0 (all pairs
    compared one by one, with copydetect's own fingerprints), with copydetect's numbers:
    what the comparison keeps of a fingerprint (similarity._Print) loses nothing."""
    from copydetect import compare_files

    course, out = graded
    codes = {s: similarity._submitted_code(
        out / s / ASSIGNMENT, {nb.filename: nbformat.read(nb.path, as_version=4)
                             for nb in course.notebooks_of(ASSIGNMENT)})
        for s in compared.students}
    solutions, stubs = similarity.boilerplate_of(course.notebooks_of(ASSIGNMENT))
    common = similarity._boilerplate_hashes([*solutions, *stubs])
    prints = {s: similarity._fingerprint(similarity._joined(codes[s]), common)
              for s in compared.students}
    sharing = {(a, b): compare_files(prints[a], prints[b])[:2]
               for i, a in enumerate(compared.students) for b in compared.students[i + 1:]}
    sharing = {pair: found for pair, found in sharing.items() if found[0]}
    assert {(p.student_a, p.student_b) for p in compared.pairs} == set(sharing)
    for p in compared.pairs:
        shared, (share_a, share_b) = sharing[(p.student_a, p.student_b)]
        assert (p.shared_tokens, p.share_a, p.share_b) == (shared, share_a, share_b)


class _Prints:
    def __init__(self, *hashes: int):
        self.hashes = set(hashes)   # as copydetect keeps them


def test_a_fingerprint_the_whole_class_holds_pairs_no_one():
    prints = {f"s{i:03d}": _Prints(1) for i in range(similarity.COMMON + 1)}
    prints["s000"], prints["s007"] = _Prints(1, 2), _Prints(1, 2)
    assert similarity._sharing(prints) == [("s000", "s007")]
    few = {f"s{i}": _Prints(1) for i in range(3)}
    assert similarity._sharing(few) == [("s0", "s1"), ("s0", "s2"), ("s1", "s2")]


def test_a_big_class_heat_map_shows_the_most_alike_pairs():
    students = [f"s{i:02d}" for i in range(40)]
    pairs = [similarity.Pair("a", students[i], students[i + 20], 0.9 - i / 100, 200, 0.9, 0.9)
             for i in range(20)]
    shown, matrix = similarity.AssignmentSimilarity("a", students, pairs).heat_map(most=6)
    assert shown == ["s00", "s01", "s02", "s20", "s21", "s22"]
    assert matrix[0][3] == pairs[0].score and matrix[0][1] == 0.0


def test_the_reference_and_the_stubs_make_no_pair(compared):
    assert UNFINISHED not in compared.students   # nothing but stubs: not compared
    assert set(REFERENCE_PASTERS) <= set(compared.students)
    for p in compared.pairs:
        # the reference is everyone's: those who pasted it share no code with anyone
        assert not {p.student_a, p.student_b} & set(REFERENCE_PASTERS), p


def test_solution_cells_match_by_grade_id_else_cell_id():
    source = notebook([code_cell("import numpy as np", "imports", locked=True),
                       code_cell(SIGMOID, "sigmoid", solution=True),
                       code_cell(PREDICT, "predict", solution=True)])
    submitted = nbformat.from_dict(source)
    submitted.cells[1].source = "def sigmoid(z):\n    return 0"
    submitted.cells[2].source = "def predict(w, b, X):\n    return 1"
    del submitted.cells[2].metadata["nbgrader"]   # metadata lost; the cell id is kept
    submitted.cells.reverse()
    assert solution_code(submitted, source) == ["def sigmoid(z):\n    return 0",
                                                "def predict(w, b, X):\n    return 1"]


def test_csv_holds_the_pairs_above_the_floor_most_alike_first(compared, tmp_path):
    path = write_csv([compared], tmp_path / "similarity.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == CSV_COLUMNS
    body = [dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]]
    assert (body[0]["student_a"], body[0]["student_b"]) == ("jo", PLANTED)
    scores = [float(r["score"]) for r in body]
    assert scores == sorted(scores, reverse=True) and min(scores) >= CSV_FLOOR
    assert len(body) == sum(p.score >= CSV_FLOOR for p in compared.pairs)


def test_similarity_pairs_lists_every_pair(graded, compared):
    assert similarity_pairs(graded[1], graded[0]) == compared.pairs


def test_heat_map_has_a_row_and_a_column_per_student(compared):
    fig = plot_similarity(compared.heat_map()[1], compared.students, "title")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == compared.students
    assert [t.get_text() for t in ax.get_xticklabels()] == compared.students
    import matplotlib.pyplot as plt

    plt.close(fig)


def result(student):
    nb = NotebookResult(NOTEBOOK, cells=[CellResult("test_sigmoid", 1, 1, False, "")])
    return SubmissionResult(student, ASSIGNMENT, Status.GRADED, max_score=1, notebooks=[nb])


def test_class_report_shows_the_pair_escaped_with_csv_and_heat_map(compared, tmp_path):
    results = [result(s) for s in compared.students]
    feedback = tmp_path / "feedback" / "jo" / ASSIGNMENT
    feedback.mkdir(parents=True)
    (feedback / f"{NOTEBOOK}.html").write_text("<html></html>")
    out = tmp_path / "report"
    text = write_report(results, out, similarity=[compared]).read_text(encoding="utf-8")
    section = text[text.index("<h2>Similar solutions</h2>"):text.index("<h2>Grades")]
    assert "prompt to look, not a verdict" in " ".join(section.split())
    start = section.index("<tbody>")
    first_row = section[start:section.index("</tr>", start)]
    assert f'<a href="../feedback/jo/{ASSIGNMENT}/{NOTEBOOK}.html">jo</a>' in first_row
    assert "kim&lt;b&gt;&amp;" in first_row and PLANTED not in text
    assert 'class="flag">alike' in first_row
    assert html.unescape(re.sub(r"<[^>]+>", " ", first_row)).split()[:3] == [
        "jo", PLANTED, f"{compared.pairs[0].score:.2f}"]
    assert (out / SIMILARITY_CSV).is_file()
    assert (out / similarity_png(ASSIGNMENT)).read_bytes()[:4] == b"\x89PNG"
    assert f'<img src="{similarity_png(ASSIGNMENT)}"' in section


def test_without_similarity_data_there_is_no_section(tmp_path):
    text = write_report([result("ada")], tmp_path).read_text(encoding="utf-8")
    assert "Similar solutions" not in text and not (tmp_path / SIMILARITY_CSV).exists()


def outputs_with_a_result(graded, tmp_path):
    from autograder.grade.outputs import Outputs

    course, autograded = graded
    outputs = Outputs(tmp_path / "run", course, feedback=False)
    outputs.autograded = autograded
    outputs.ledger.append(result("jo"))
    return outputs


def test_a_grading_run_writes_the_section(graded, tmp_path):
    outputs = outputs_with_a_result(graded, tmp_path)
    text = outputs.write_report().read_text(encoding="utf-8")
    assert "<h2>Similar solutions</h2>" in text and outputs.failures == []
    assert (tmp_path / "run" / "report" / SIMILARITY_CSV).is_file()


def test_a_run_compares_the_solutions_it_recorded(graded, tmp_path, monkeypatch):
    """Outputs.record gives the comparison each result's notebooks; when that fails, the
    report reads them from the folder instead: the same section either way."""
    from autograder.grade.outputs import Outputs

    course, autograded = graded
    sections, kept = [], []
    for failing in (False, True):
        if failing:
            monkeypatch.setattr(similarity._Given, "fingerprint", _refuse)
        outputs = Outputs(tmp_path / f"run_{failing}", course, feedback=False)
        outputs.collect_solutions()
        for folder in sorted(autograded.iterdir()):
            text = (folder / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8")
            outputs.record(result(folder.name), {NOTEBOOK: text})
        kept.append(len(outputs._solutions._prints))
        monkeypatch.undo()
        page = outputs.write_report().read_text(encoding="utf-8")
        assert outputs.failures == []
        sections.append(page[page.index("<h2>Similar solutions</h2>"):])
    assert kept == [len(list(autograded.iterdir())), 0]
    assert sections[0] == sections[1]


def _refuse(*args, **kwargs):
    raise RuntimeError("no fingerprint here")


def test_a_failing_comparison_leaves_the_report_without_the_section(graded, tmp_path,
                                                                    monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("tokenizer exploded")

    monkeypatch.setattr(similarity.Solutions, "compare", broken)
    outputs = outputs_with_a_result(graded, tmp_path)
    page = outputs.write_report()
    assert page is not None and page.is_file()
    text = page.read_text(encoding="utf-8")
    assert "Similar solutions" not in text and "jo" in text
    assert len(outputs.failures) == 1 and "tokenizer exploded" in outputs.failures[0]
