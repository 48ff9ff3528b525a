"""The sample class: every kind of submission, in the nbgrader layout, deterministic."""

from __future__ import annotations

import json

import nbformat
import pytest
import toy_course
from toy_course import ASSIGNMENT, NOTEBOOK

from autograder.course.term import parse_timestamp
from autograder.demo import sample_class
from course_lib.mistakes import Mistake

MISTAKES = [   # bodies: the rest of each cell comes from the toy course's source notebook
    Mistake(ASSIGNMENT, "double", "off_by_one", "double adds 1", "return x + x + 1"),
    Mistake(ASSIGNMENT, "double", "no_return", "double returns None", "2 * x"),
    Mistake(ASSIGNMENT, "square", "cube", "square cubes", "return x ** 3"),
]
#: the cells the first and last mistake make: their bodies in the source's solution cells
WRONG_DOUBLE = ('def double(x):\n    """x: array (n, m) -> 2 * x, same shape."""\n'
                '    return x + x + 1')
WRONG_SQUARE = ('def square(x):\n    """x: array (n, m) -> x ** 2, same shape."""\n'
                '    return x ** 3')


@pytest.fixture
def course(tmp_path):
    return toy_course.write_course(tmp_path / "course")


def read(path):
    return nbformat.read(path, as_version=4)


def cell(nb, gid):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def submitted(out, student):
    return out / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def test_every_kind_of_submission_in_nbgrader_layout(course, tmp_path, monkeypatch):
    monkeypatch.setattr(sample_class, "catalogue", lambda a: MISTAKES if a == ASSIGNMENT else [])
    source, releases = course
    out = tmp_path / "submitted"
    samples = sample_class.build(releases, out, source=source)
    kinds = {s.student_id: s.kind for s in samples}
    assert kinds == {"ada_complete": "complete", "ben_partial": "partial",
                     "cleo_partial": "partial", "dev_unfinished": "unfinished",
                     "eve_broken_file": "broken_file", "finn_infinite_loop": "infinite_loop",
                     "Zoë Ångström": "complete", "gus_tampered": "tampered",
                     "ivy_late": "late", "lin_chinese": "partial"}
    assert sorted(p.name for p in out.iterdir()) == sorted(kinds)
    for student in kinds:   # the release's other files come along
        assert (out / student / ASSIGNMENT / "data.csv").read_text() == "x\n1\n"

    complete = read(submitted(out, "ada_complete"))
    assert cell(complete, "double").source == (
        'def double(x):\n    """x: array (n, m) -> 2 * x, same shape."""\n    return 2 * x')
    assert "BEGIN" not in nbformat.writes(complete)
    assert read(submitted(out, "Zoë Ångström")) == complete

    # one mistake each, on different functions first (round-robin over the cells)
    ben, cleo = read(submitted(out, "ben_partial")), read(submitted(out, "cleo_partial"))
    assert cell(ben, "double").source == WRONG_DOUBLE
    assert cell(ben, "square").source == cell(complete, "square").source
    assert cell(cleo, "square").source == WRONG_SQUARE
    assert cell(cleo, "double").source == cell(complete, "double").source
    details = {s.student_id: s.detail for s in samples}
    assert details["ben_partial"] == "double: off_by_one"

    assert read(submitted(out, "dev_unfinished")) == read(releases[ASSIGNMENT] /
                                                          f"{NOTEBOOK}.ipynb")
    with pytest.raises(json.JSONDecodeError):
        json.loads(submitted(out, "eve_broken_file").read_text(encoding="utf-8"))
    looped = cell(read(submitted(out, "finn_infinite_loop")), "double").source
    assert looped.startswith(cell(complete, "double").source)
    assert "while n < 3:" in looped
    assert "n += 1" not in [ln.strip() for ln in looped.splitlines()]
    gus = read(submitted(out, "gus_tampered"))
    assert cell(gus, "double").source.startswith(WRONG_DOUBLE)   # a wrong answer ...
    assert "np.allclose = lambda" in cell(gus, "double").source   # ... and passing checks
    assert "_checks.check_close = lambda" in cell(gus, "double").source
    assert details["gus_tampered"] == "double: off_by_one, checks patched"
    # ivy: complete, handed in after the due date, as nbgrader's timestamp.txt says
    assert read(submitted(out, "ivy_late")) == complete
    stamp = (out / "ivy_late" / ASSIGNMENT / "timestamp.txt").read_text(encoding="utf-8")
    assert parse_timestamp(stamp) == sample_class.DUE + sample_class.LATE_BY
    assert not (out / "ada_complete" / ASSIGNMENT / "timestamp.txt").exists()
    # lin: the Chinese release (the toy course has no Chinese text: English) with the mistake
    # ben and cleo leave (an identical submission would top the similar solutions)
    lin = read(submitted(out, "lin_chinese"))
    assert lin.metadata["course_language"] == "zh-CN"
    assert details["lin_chinese"] == "zh-CN, double: no_return"
    assert "return" not in cell(lin, "double").source.split('"""')[-1]
    assert cell(lin, "square").source == cell(complete, "square").source


def test_a_copied_submission_imports_one_reference_and_wraps_another(course, tmp_path,
                                                                     monkeypatch):
    assert sample_class.reference_module("propagate") == "course_lib.logistic_unit"
    assert sample_class.reference_module("double") is None   # so the toy course has no hal
    modules = {"double": "course_lib.logistic_unit", "square": "course_lib.layers"}
    monkeypatch.setattr(sample_class, "reference_module", modules.get)
    source, releases = course
    out = tmp_path / "submitted"
    samples = sample_class.build(releases, out, source=source)
    hal = [s for s in samples if s.student_id == "hal_copied"]
    assert [(s.kind, s.detail) for s in hal] == [("copied", "imports double, wraps square")]
    nb = read(submitted(out, "hal_copied"))
    assert cell(nb, "double").source == "from course_lib.logistic_unit import double"
    assert "return _reference.square(*args, **kwargs)" in cell(nb, "square").source
    assert "class Dense(_Reference)" in sample_class.copied_source(
        "Dense", "course_lib.layers", "wrap", is_class=True)


def test_without_a_catalogue_partial_submissions_leave_a_function_unanswered(course, tmp_path,
                                                                            monkeypatch):
    monkeypatch.setattr(sample_class, "catalogue", lambda a: [])
    source, releases = course
    out = tmp_path / "submitted"
    samples = sample_class.build(releases, out, source=source)
    partial = [s for s in samples if s.kind == "partial"]
    assert [(s.student_id, s.detail) for s in partial] == [
        ("ben_partial", "square: not answered"), ("cleo_partial", "double: not answered")]
    ben = read(submitted(out, "ben_partial"))
    assert "raise NotImplementedError()" in cell(ben, "square").source
    assert "return 2 * x" in cell(ben, "double").source


def test_build_is_deterministic(course, tmp_path):
    source, releases = course
    sample_class.build(releases, tmp_path / "a", source=source)
    sample_class.build(releases, tmp_path / "b", source=source)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.ipynb"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.ipynb"))
    assert files_a == files_b and len(files_a) == 10
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_complete_submission_passes_its_tests_when_run(course, tmp_path):
    """The complete notebook runs clean with the hidden tests put back (as grading does)."""
    from nbclient import NotebookClient

    source, releases = course
    sample_class.build(releases, tmp_path / "sub", source=source, partial=0)
    nb = read(submitted(tmp_path / "sub", "ada_complete"))
    cell(nb, "test_double_hidden").source = toy_course.TEST_DOUBLE_HIDDEN
    NotebookClient(nb, timeout=30, kernel_name="python3").execute()   # raises on an error
    assert "double([[1, 2]]) = [[2. 4.]]" in cell(nb, "test_double").outputs[0].text


def test_synthetic_class_cycles_through_gradeable_kinds(course, tmp_path, monkeypatch):
    monkeypatch.setattr(sample_class, "catalogue", lambda a: MISTAKES)
    source, releases = course
    samples = sample_class.synthetic_class(releases, tmp_path / "sub", 24, source=source)
    assert [s.student_id for s in samples] == [f"s{i:03d}" for i in range(1, 25)]
    assert [s.kind for s in samples[:5]] == ["complete", "partial", "partial", "partial",
                                             "unfinished"]
    assert samples[5].kind == "complete"
    assert len(list((tmp_path / "sub").rglob("*.ipynb"))) == 24


def test_bad_arguments_are_refused(course, tmp_path):
    source, releases = course
    with pytest.raises(ValueError, match="partial must be between 0 and 4"):
        sample_class.build(releases, tmp_path, source=source, partial=9)
    with pytest.raises(ValueError, match="no source notebook"):
        sample_class.build(releases, tmp_path, source=tmp_path / "nowhere")
    with pytest.raises(ValueError, match="no released notebook"):
        sample_class.build({ASSIGNMENT: tmp_path / "empty"}, tmp_path, source=source)


@pytest.fixture(scope="module")
def logistic_class(tmp_path_factory):
    """(samples, submissions folder) of the sample class of the course's first assignment,
    released in memory (no nbgrader, no grading)."""
    from course_builder import release, write_notebook

    from autograder.course.source import DEFAULT_SOURCE

    assignment = "01_logistic_unit"
    root = tmp_path_factory.mktemp("logistic")
    folder = root / "release" / assignment
    for path in sorted((DEFAULT_SOURCE / assignment).glob("*.ipynb")):
        write_notebook(release(DEFAULT_SOURCE, assignment, path.stem), folder / path.name)
    out = root / "submitted"
    return sample_class.build({assignment: folder}, out), out


def test_two_students_hand_in_the_same_own_code_one_renamed(logistic_class):
    from autograder.course.source import DEFAULT_SOURCE, load_course
    from autograder.report.similarity import class_similarity

    samples, out = logistic_class
    similar = {s.student_id: s for s in samples if s.kind == "similar"}
    assert sorted(similar) == [sample_class.ORIGINAL, sample_class.RENAMED]
    jo = read(out / sample_class.ORIGINAL / "01_logistic_unit" / "logistic_unit.ipynb")
    kim = read(out / sample_class.RENAMED / "01_logistic_unit" / "logistic_unit.ipynb")
    assert "np.logaddexp(0, -z)" in cell(jo, "sigmoid").source
    assert "BEGIN" not in cell(jo, "propagate").source
    assert cell(kim, "propagate").source.startswith("def propagate(weights, bias, data, labels)")
    # what the demo's report shows first: the submitted cells are what the grader keeps
    [compared] = class_similarity(out, load_course(DEFAULT_SOURCE))
    top = compared.pairs[0]
    assert (top.student_a, top.student_b) == (sample_class.ORIGINAL, sample_class.RENAMED)
    assert top.alike and not any(p.alike for p in compared.pairs[1:])


@pytest.mark.parametrize("student", [sample_class.ORIGINAL, sample_class.RENAMED])
def test_the_shared_own_code_is_correct(logistic_class, student):
    """Their functions agree with course_lib's reference (so the demo expects full marks)."""
    import numpy as np

    from course_lib import logistic_unit as ref

    _, out = logistic_class
    nb = read(out / student / "01_logistic_unit" / "logistic_unit.ipynb")
    names = {"np": np}
    for gid in sample_class.OWN_SOLUTIONS["01_logistic_unit"]:
        exec(cell(nb, gid).source, names)   # the sample class's own code, not a student's
    rng = np.random.default_rng(3)
    z = np.concatenate([rng.normal(size=(2, 5)) * 4, [[-1000.0, -40.0, 0.0, 40.0, 1000.0]]])
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(names["sigmoid"](z), ref.sigmoid(z))
        np.testing.assert_allclose(names["sigmoid"](0.7), ref.sigmoid(0.7))
    w, b, X = rng.normal(size=(4, 1)), 0.3, rng.normal(size=(4, 9))
    Y = (rng.random((1, 9)) > 0.5).astype(float)
    (grads, cost), (expected, expected_cost) = names["propagate"](w, b, X, Y), ref.propagate(
        w, b, X, Y)
    np.testing.assert_allclose(grads["dw"], expected["dw"])
    np.testing.assert_allclose([grads["db"], cost], [expected["db"], expected_cost])
    np.testing.assert_array_equal(names["predict"](w, b, X), ref.predict(w, b, X))
