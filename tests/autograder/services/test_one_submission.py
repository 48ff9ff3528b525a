"""One submission in a service's container: which assignment it is, and its layout for grading."""

from __future__ import annotations

from pathlib import Path

from autograder.course.source import load_course
from autograder.records.results import Status
from autograder.services.one_submission import (
    OneSubmission,
    find_assignment,
    grade_one,
    lay_out,
    uploaded_files,
)


def _upload(folder: Path, *names: str) -> dict[str, Path]:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("{}")
    return uploaded_files(folder)


def test_the_assignment_is_found_from_the_notebook_names(tmp_path, course_source):
    course = load_course(course_source)
    uploaded = _upload(tmp_path, "text.ipynb", "notes.txt", ".ipynb_checkpoints/text.ipynb",
                       "__MACOSX/._text.ipynb")
    assert sorted(uploaded) == ["notes.txt", "text.ipynb"]
    assert find_assignment(course, uploaded, None) == ("02_text", None)
    # a renamed notebook is for the intake to judge once the assignment is given
    assert find_assignment(course, _upload(tmp_path / "b", "mine.ipynb"), "01_adder") == (
        "01_adder", None)


def test_a_submission_that_names_no_single_assignment_says_why(tmp_path, course_source):
    course = load_course(course_source)
    _, both = find_assignment(course, _upload(tmp_path / "a", "adder.ipynb", "text.ipynb"), None)
    assert both.status is Status.UNKNOWN_ASSIGNMENT and "01_adder, 02_text" in both.message
    _, renamed = find_assignment(course, _upload(tmp_path / "b", "mine.ipynb"), None)
    assert renamed.status is Status.UNKNOWN_ASSIGNMENT and "mine.ipynb" in renamed.message
    assert "adder.ipynb" in renamed.message   # says which names are expected
    _, empty = find_assignment(course, _upload(tmp_path / "c", "readme.txt"), None)
    assert empty.status is Status.MISSING_NOTEBOOK
    _, unknown = find_assignment(course, {}, "99_nope")
    assert unknown.status is Status.ERROR and "99_nope" in unknown.message


def test_notebooks_go_to_the_top_and_other_files_keep_their_place(tmp_path):
    uploaded = _upload(tmp_path / "in", "hw/adder.ipynb", "adder.ipynb", "data/x.csv")
    folder = lay_out(uploaded, tmp_path / "out" / "student" / "01_adder")
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) \
        == ["adder.ipynb", "data/x.csv"]


def test_a_bad_course_folder_becomes_an_error_result_not_an_exception(tmp_path):
    result = grade_one(OneSubmission(files=tmp_path, student_id="s1", source=tmp_path / "no"),
                       tmp_path / "scratch")
    assert result.status is Status.ERROR and result.student_id == "s1"
    assert "does not exist" in result.message


def test_the_language_is_the_uploaded_notebooks(tmp_path):
    from autograder.services.one_submission import submission_language

    (tmp_path / "notes.txt").write_text("not a notebook")
    (tmp_path / "a.ipynb").write_text("{not json")
    assert submission_language(tmp_path) == "en"
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.ipynb").write_text('{"metadata": {"course_language": "zh_CN"}}')
    assert submission_language(tmp_path) == "zh-CN"
    assert submission_language(tmp_path / "missing") == "en"
