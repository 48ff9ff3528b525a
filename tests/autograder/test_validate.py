"""``autograder validate``: a student's check, per test cell, with what is left to do."""

from __future__ import annotations

from synthetic_course import release, solved, write_nb

from autograder.__main__ import main


def test_an_unfinished_notebook_fails_and_lists_the_stubs(course_source, tmp_path, capsys):
    path = write_nb(release(course_source, "01_adder", "adder"), tmp_path / "adder.ipynb")
    code = main(["validate", str(path), "--source", str(course_source), "--timeout", "10"])
    printed = capsys.readouterr().out
    assert code == 1
    assert "FAILED  test_add " in printed and "NotImplementedError" in printed
    assert "still raise NotImplementedError: add, mul" in printed
    assert "Score: 0 / 5" in printed
    assert "SECRET_HIDDEN_MARKER" not in printed


def test_a_renamed_complete_notebook_passes(course_source, tmp_path, capsys):
    wrong_hidden = "def add(a, b):\n    return 3 if (a, b) == (1, 2) else 0"
    path = write_nb(solved(course_source, add=wrong_hidden), tmp_path / "my copy.ipynb")
    code = main(["validate", str(path), "--source", str(course_source)])
    printed = capsys.readouterr().out
    assert code == 1
    assert "checked as adder.ipynb" in printed
    assert "passed  test_add " in printed
    assert "FAILED  test_add_hidden  0/2 (hidden)" in printed
    assert "add(10, 5) should be 15" in printed and "SECRET_HIDDEN_MARKER" not in printed

    path = write_nb(solved(course_source), tmp_path / "adder.ipynb")
    assert main(["validate", str(path), "--source", str(course_source)]) == 0
    assert "all tests pass" in capsys.readouterr().out
