"""``autograder release``: nbgrader's generate_assignment, laid out for students and an LMS."""

from __future__ import annotations

import zipfile

import nbformat

from autograder.reference import build_reference
from autograder.release import release


def test_student_versions_and_zips(course_source, tmp_path):
    released = release(tmp_path / "release", course_source, course_root=tmp_path / "course")
    assert sorted(released) == ["01_adder", "02_text"]
    folder = released["01_adder"]
    assert sorted(p.name for p in folder.iterdir()) == ["adder.ipynb", "factor.txt"]
    text = (folder / "adder.ipynb").read_text()
    for secret in ("BEGIN SOLUTION", "return a + b", "BEGIN HIDDEN TESTS",
                   "SECRET_HIDDEN_MARKER"):
        assert secret not in text
    assert "raise NotImplementedError" in text
    with zipfile.ZipFile(released.zips["01_adder"]) as z:
        assert sorted(z.namelist()) == ["01_adder/adder.ipynb", "01_adder/factor.txt"]
    # the grader's in-memory release is exactly nbgrader's
    ours = build_reference(course_source / "01_adder" / "adder.ipynb", "01_adder").release()
    theirs = nbformat.read(folder / "adder.ipynb", as_version=4)
    assert [(c.source, c.metadata) for c in ours.cells] == [
        (c.source, c.metadata) for c in theirs.cells]
