"""``autograder validate``: a student's check (visible tests only) and the instructor's
(``--source``: visible and hidden tests), per test cell, with what is left to do."""

from __future__ import annotations

from synthetic_course import release, solved, write_nb

from autograder.__main__ import main


def test_a_student_check_runs_the_visible_tests_only(course_source, tmp_path, capsys):
    path = write_nb(solved(course_source), tmp_path / "adder.ipynb")
    assert main(["validate", str(path), "--timeout", "30"]) == 0
    printed = capsys.readouterr().out
    assert "passed  test_add " in printed and "passed  test_mul " in printed
    assert "hidden  test_add_hidden  2 point(s), graded by your instructor" in printed
    assert "Visible tests: 2 / 2  - all visible tests pass" in printed
    assert "SECRET_HIDDEN_MARKER" not in printed and "add(10, 5)" not in printed

    wrong = "def add(a, b):\n    return a - b"
    path = write_nb(solved(course_source, add=wrong), tmp_path / "adder.ipynb")
    assert main(["validate", str(path)]) == 1
    printed = capsys.readouterr().out
    assert "FAILED  test_add         0/1" in printed
    assert "AssertionError: add(1, 2) should be 3" in printed
    assert "Visible tests: 1 / 2" in printed


def test_a_student_check_lists_what_is_left_to_do(course_source, tmp_path, capsys):
    path = write_nb(release(course_source, "01_adder", "adder"), tmp_path / "adder.ipynb")
    assert main(["validate", str(path)]) == 1
    printed = capsys.readouterr().out
    assert "still raise NotImplementedError: add, mul" in printed
    assert "FAILED  test_add " in printed and "NotImplementedError" in printed


def test_instructor_mode_an_unfinished_notebook_fails_and_lists_the_stubs(
        course_source, tmp_path, capsys):
    path = write_nb(release(course_source, "01_adder", "adder"), tmp_path / "adder.ipynb")
    code = main(["validate", str(path), "--source", str(course_source), "--timeout", "10"])
    printed = capsys.readouterr().out
    assert code == 1
    assert "instructor mode (--source)" in printed and "visible and hidden tests" in printed
    assert "FAILED  test_add " in printed and "NotImplementedError" in printed
    assert "still raise NotImplementedError: add, mul" in printed
    assert "Score: 0 / 5" in printed
    assert "SECRET_HIDDEN_MARKER" not in printed


def test_instructor_mode_a_renamed_complete_notebook_passes(course_source, tmp_path, capsys):
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
