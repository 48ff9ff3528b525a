"""``autograder release``: nbgrader's generate_assignment, laid out for students and an LMS,
with the student edition of course_lib beside each notebook and as a wheel."""

from __future__ import annotations

import zipfile

import nbformat

from autograder.course.reference import build_reference
from autograder.release.edition_wheel import wheel_name
from autograder.release.notebooks import release

WHEEL = wheel_name("0.1.0+01.adder")


def test_student_versions_and_zips(course_source, tmp_path):
    released = release(tmp_path / "release", course_source, course_root=tmp_path / "course")
    assert sorted(released) == ["01_adder", "02_text"]
    folder = released["01_adder"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "adder.ipynb", "autograder", "course_lib", "factor.txt", WHEEL]
    text = (folder / "adder.ipynb").read_text()
    for secret in ("BEGIN SOLUTION", "return a + b", "BEGIN HIDDEN TESTS",
                   "SECRET_HIDDEN_MARKER"):
        assert secret not in text
    assert "raise NotImplementedError" in text
    with zipfile.ZipFile(released.zips["01_adder"]) as z:
        names = sorted(z.namelist())
    assert [n for n in names if "/course_lib/" not in n and "/autograder/" not in n] == [
        "01_adder/adder.ipynb", "01_adder/factor.txt", f"01_adder/{WHEEL}"]
    assert "01_adder/course_lib/_answers/edition.json" in names
    assert "01_adder/autograder/__main__.py" in names
    assert released.editions["01_adder"].wheel == folder / WHEEL
    # the grader's in-memory release is exactly nbgrader's
    ours = build_reference(course_source / "01_adder" / "adder.ipynb", "01_adder").release()
    theirs = nbformat.read(folder / "adder.ipynb", as_version=4)
    assert [(c.source, c.metadata) for c in ours.cells] == [
        (c.source, c.metadata) for c in theirs.cells]


def test_without_the_edition(course_source, tmp_path):
    released = release(tmp_path / "release", course_source, course_root=tmp_path / "course",
                       assignments=["02_text"], edition=False)
    assert sorted(p.name for p in released["02_text"].iterdir()) == ["text.ipynb"]
    assert released.editions == {}
