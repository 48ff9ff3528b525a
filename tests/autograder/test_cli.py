"""The command line: arguments, exit statuses, the demo hook."""

from __future__ import annotations

import sys
import types
import zipfile
from pathlib import Path

import pytest

from autograder import __main__ as cli
from autograder.grade.coordinator import RunSummary
from autograder.records.results import Status, SubmissionResult


def _exits_2(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("extra, words", [
    (["-j", "0"], "must be at least 1"),
    (["-j", "two"], "not a whole number"),
    (["--timeout", "-3"], "must be more than 0"),
])
def test_bad_arguments_exit_2_with_a_message(tmp_path, capsys, extra, words):
    assert words in _exits_2(["grade", str(tmp_path), *extra], capsys)


def test_bad_inputs_exit_2_and_write_nothing(tmp_path, capsys, course_source):
    out = tmp_path / "out"
    err = _exits_2(["grade", str(tmp_path / "missing"), "--source", str(course_source),
                    "--out", str(out)], capsys)
    assert "does not exist" in err and not out.exists()
    assert "no source notebooks" in _exits_2(
        ["grade", str(tmp_path), "--source", str(tmp_path), "--out", str(out)], capsys)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("../../evil.py", "print('pwned')")
    err = _exits_2(["grade", str(bad), "--source", str(course_source), "--out", str(out)],
                   capsys)
    assert "refusing the zip" in err and "'..'" in err
    assert not (out / "intake").exists() and not (tmp_path.parent / "evil.py").exists()
    assert "matches no notebook" in _exits_2(
        ["validate", str(bad), "--source", str(course_source)], capsys)


def test_a_bad_term_or_manifest_exits_2_and_grades_nothing(tmp_path, capsys, course_source):
    out = tmp_path / "out"
    term = tmp_path / "course.toml"
    term.write_text("[due]\n99_nope = 2026-10-05T23:59:00+02:00\n")
    err = _exits_2(["grade", str(tmp_path), "--source", str(course_source), "--out", str(out),
                    "--term", str(term)], capsys)
    assert "99_nope" in err and str(term) in err and not out.exists()
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("student_id,assignment,submitted_at\nalice,01_adder,tomorrow\n")
    err = _exits_2(["grade", str(tmp_path), "--source", str(course_source), "--out", str(out),
                    "--manifest", str(manifest)], capsys)
    assert "line 2" in err and "tomorrow" in err and not out.exists()


def test_the_summary_shows_a_late_submissions_penalty(monkeypatch, tmp_path, capsys):
    from datetime import UTC, datetime

    from autograder.course.term import LatePolicy, Term
    from autograder.records.results import CellResult, NotebookResult

    term = Term(due={"01_adder": datetime(2026, 10, 5, tzinfo=UTC)},
                late=LatePolicy(per_day=0.1))
    late = SubmissionResult("ivy", "01_adder", Status.GRADED, max_score=5,
                            notebooks=[NotebookResult("adder", cells=[CellResult("t", 5, 5)])],
                            submitted_at="2026-10-05T10:00:00+00:00")
    monkeypatch.setattr("autograder.grade.coordinator.grade", lambda options: RunSummary(
        out=tmp_path, results=[late], graded=1, term=term))
    assert cli.main(["grade", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Late (1" in printed
    assert "ivy / 01_adder: 5 - 0.5 = 4.5/5 (1 day late (10.00 h): -10% of 5 points)" in printed
    assert "Mean score: 90% of the points, late penalties taken" in printed   # as grades.csv


def test_an_out_that_is_a_file_or_a_folder_is_said(tmp_path, capsys, course_source):
    afile = tmp_path / "results"
    afile.write_text("not a folder")
    err = _exits_2(["grade", str(tmp_path), "--source", str(course_source), "--out",
                    str(afile)], capsys)
    assert "is a file; give a folder" in err and afile.read_text() == "not a folder"
    cut = tmp_path / "class.zip"
    cut.write_bytes(b"PK\x03\x04" + bytes(100))
    assert "damaged or cut-short" in _exits_2(
        ["grade", str(cut), "--source", str(course_source), "--out", str(tmp_path / "o")], capsys)


def test_exit_1_when_the_grader_failed_on_a_submission(monkeypatch, tmp_path, capsys):
    broken = SubmissionResult("alice", "01_adder", Status.ERROR, "the grader failed: boom")
    fine = SubmissionResult("bob", "01_adder", Status.TIMEOUT, "slow", max_score=5)
    monkeypatch.setattr("autograder.grade.coordinator.grade", lambda options: RunSummary(
        out=tmp_path, results=[broken, fine], graded=2))
    assert cli.main(["grade", str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    assert "alice / 01_adder: error" in printed and "exit status 1" in printed
    monkeypatch.setattr("autograder.grade.coordinator.grade", lambda options: RunSummary(
        out=tmp_path, results=[fine], graded=1))
    assert cli.main(["grade", str(tmp_path)]) == 0
    monkeypatch.setattr("autograder.grade.coordinator.grade", lambda options: RunSummary(
        out=tmp_path, results=[fine], graded=1, interrupted=True, lost=3))
    assert cli.main(["grade", str(tmp_path)]) == 130
    assert "3 submission(s) still to grade" in capsys.readouterr().out


def test_demo_calls_the_demo_module(monkeypatch, tmp_path):
    calls = []
    fake = types.ModuleType("autograder.demo.workflow")
    fake.run = lambda out: calls.append(Path(out)) or 0
    monkeypatch.setitem(sys.modules, "autograder.demo.workflow", fake)
    assert cli.main(["demo", "--out", str(tmp_path)]) == 0
    assert calls == [tmp_path]
