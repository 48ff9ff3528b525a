"""Gradescope: results.json against the documented format, the bundle, and its run_autograder
run end to end on the synthetic course in a fake ``/autograder`` tree."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from class_builder import WRONG_ADD
from jsonschema import Draft202012Validator
from leaks import hidden_only_lines
from synthetic_course import ADDER_MAX, SECRET, bad_json_text, solved, write_nb

from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult
from autograder.report.feedback_page import EXPLANATIONS, FLAG_EXPLANATIONS
from autograder.services import HIDDEN_VISIBILITIES
from autograder.services.gradescope import build_bundle, results, student_id

# From https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output format",
# "Controlling test case visibility", "Output string formatting", "Test case status").
_VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
_FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
GRADESCOPE_TEST = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "max_score": {"type": "number"},
        "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
        "name_format": _FORMAT, "number": {"type": "string"}, "output": {"type": "string"},
        "output_format": _FORMAT, "tags": {"type": "array", "items": {"type": "string"}},
        "visibility": _VISIBILITY, "extra_data": {"type": "object"},
    },
}
GRADESCOPE_RESULTS = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"},
        "output": {"type": "string"}, "output_format": _FORMAT,
        "test_output_format": _FORMAT, "test_name_format": _FORMAT,
        "visibility": _VISIBILITY, "stdout_visibility": _VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": GRADESCOPE_TEST},
        "leaderboard": {"type": "array"},
    },
    # a score at the top, or on every test
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"],
               "properties": {"tests": {"items": {"required": ["score"]}}}}],
}


def check(data: dict) -> dict:
    Draft202012Validator(GRADESCOPE_RESULTS).validate(data)
    return data


def _result(**changes) -> SubmissionResult:
    cells = [CellResult("test_add", 1, 1), CellResult("test_add_hidden", 0, 2, True,
                                                      "add(-1, 1) should be 0"),
             CellResult("test_mul", 0, 1, False, "mul(2, 3) should be 6")]
    result = SubmissionResult("alice", "01_adder", Status.GRADED, max_score=4,
                              notebooks=[NotebookResult("adder", cells=cells)])
    for key, value in changes.items():
        setattr(result, key, value)
    return result


# --------------------------------------------------------------------------- results.json

@pytest.mark.parametrize("hidden", HIDDEN_VISIBILITIES)
def test_one_test_per_cell_and_hidden_tests_get_the_chosen_visibility(hidden):
    data = check(results(_result(), hidden))
    assert data["score"] == 1
    assert [(t["name"], t["score"], t["max_score"], t["status"], t["visibility"])
            for t in data["tests"]] == [
        ("adder: test_add", 1, 1, "passed", "visible"),
        ("adder: test_add_hidden", 0, 2, "failed", hidden),
        ("adder: test_mul", 0, 1, "failed", "visible")]
    assert data["tests"][2]["output"] == "mul(2, 3) should be 6"
    assert data["stdout_visibility"] == "hidden"   # the grader's log is the instructor's
    assert data["extra_data"]["status"] == "graded"


def test_the_total_is_not_given_away_while_hidden_tests_are_to_be_shown_later():
    later = check(results(_result(), "after_published"))["output"]
    assert later.startswith("Visible tests: 1 / 2 points (01_adder)")
    assert "1 / 4" not in later and "once your instructor publishes" in later
    never = check(results(_result(), "hidden"))["output"]   # Gradescope shows the total then
    assert never.startswith("Score: 1 / 4 (01_adder)")


def test_flags_and_problems_are_explained_in_the_top_level_output():
    flagged = _result(flags=["copied_reference:add"])
    flagged.notebooks[0].status = Status.TIMEOUT
    flagged.notebooks[0].message = "cell mul was stopped after 3 s"
    output = check(results(flagged))["output"]
    assert "copied_reference:add: " + FLAG_EXPLANATIONS["copied_reference"] in output
    assert EXPLANATIONS[Status.TIMEOUT][0] in output and "cell mul was stopped" in output
    assert "<code>" not in output and "<em>" not in output   # text, not our HTML


def test_a_submission_without_notebook_results_still_validates():
    lost = SubmissionResult("bob", "", Status.MISSING_NOTEBOOK, "no notebook (.ipynb file) "
                            "in the submission")
    data = check(results(lost))
    assert data["score"] == 0 and data["tests"] == []
    assert EXPLANATIONS[Status.MISSING_NOTEBOOK][0] in data["output"]
    with pytest.raises(ValueError, match="after_published"):
        results(lost, "visible")


def test_the_student_id_comes_from_the_submission_metadata(tmp_path):
    meta = tmp_path / "submission_metadata.json"

    def with_users(users) -> str:
        meta.write_text(json.dumps({"id": 1, "users": users}))
        return student_id(meta)

    assert with_users([{"sid": "s123", "email": "a@x.org"}, {"sid": "s456"}]) == "s123"
    assert with_users([{"email": "a@x.org", "sid": None}]) == "a@x.org"
    assert with_users([{"name": "A"}]) == "student"
    assert with_users([]) == "student"
    meta.write_text("{not json")
    assert student_id(meta) == "student"
    assert student_id(tmp_path / "missing.json") == "student"


# --------------------------------------------------------------------------- the bundle

@pytest.fixture(scope="module")
def bundle(tmp_path_factory, course_source) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "gradescope.zip"
    build_bundle(out, course_source, out.parent / "no-release")
    return out


def test_the_bundle_holds_executable_scripts_at_its_root_and_the_course(bundle):
    with zipfile.ZipFile(bundle) as archive:
        infos = {i.filename: i for i in archive.infolist()}
        scripts = {name: archive.read(name).decode() for name in ("setup.sh", "run_autograder")}
    for name in scripts:
        assert stat.S_IMODE(infos[name].external_attr >> 16) == 0o755
        subprocess.run(["bash", "-n"], input=scripts[name], text=True, check=True)
    for needed in ("course/pyproject.toml", "course/README.md",
                   "course/autograder/services/templates/run_autograder.j2",
                   "course/course_lib/__init__.py", "course/notebooks/01_adder/adder.ipynb",
                   "course/notebooks/01_adder/factor.txt", "course/notebooks/02_text/text.ipynb"):
        assert needed in infos, needed
    assert not [n for n in infos if "__pycache__" in n or n.endswith(".pyc")]
    assert "-m pip install \"$ROOT/source/course[grader]\"" in scripts["setup.sh"]
    install = scripts["setup.sh"].index("-m pip install \"$ROOT/source/course[grader]\"")
    removal = scripts["setup.sh"].index('rm -rf "$ROOT/source/course/course_lib"')
    assert install < removal   # no reference source left beside the installed grader
    assert "-m autograder gradescope" in scripts["run_autograder"]
    assert "--hidden after_published" in scripts["run_autograder"]


def _run_autograder(bundle: Path, root: Path, submit: dict[str, object],
                    python: str = sys.executable, sid: str = "s123") -> dict:
    """Lay out a fake /autograder at ``root`` and run the bundle's run_autograder there."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    for name, content in submit.items():
        if isinstance(content, str):
            (root / "submission" / name).write_text(content)
        else:
            write_nb(content, root / "submission" / name)
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"sid": sid}]}))
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=python)
    done = subprocess.run(["bash", str(root / "run_autograder")], env=env, cwd=root,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    text = (root / "results" / "results.json").read_text()
    return {"data": check(json.loads(text)), "text": text, "stdout": done.stdout}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, bundle, course_source) -> dict:
    """run_autograder on a correct, a wrong and a broken submission of 01_adder."""
    submissions = {"correct": {"adder.ipynb": solved(course_source)},
                   "wrong": {"adder.ipynb": solved(course_source, add=WRONG_ADD)},
                   "broken": {"adder.ipynb": bad_json_text()}}
    return {name: _run_autograder(bundle, tmp_path_factory.mktemp(name), files)
            for name, files in submissions.items()}


def test_a_correct_submission_gets_every_point(runs):
    data = runs["correct"]["data"]
    assert data["score"] == ADDER_MAX
    assert all(t["status"] == "passed" for t in data["tests"]) and len(data["tests"]) == 4
    assert data["extra_data"]["student_id"] == "s123"
    assert data["extra_data"]["assignment"] == "01_adder"


def test_a_wrong_add_loses_exactly_the_tests_of_add(runs):
    data = runs["wrong"]["data"]
    assert {t["name"] for t in data["tests"] if t["status"] == "failed"} == {
        "adder: test_add", "adder: test_add_hidden"}
    assert data["score"] == ADDER_MAX - 3
    assert "should be 3" in next(t["output"] for t in data["tests"]
                                 if t["name"] == "adder: test_add")


def test_hidden_tests_are_shown_after_publication_and_never_their_source(runs, course_source):
    secret_lines = hidden_only_lines(course_source / "01_adder" / "adder.ipynb")
    assert secret_lines
    for run in runs.values():
        tests = run["data"]["tests"]
        assert {t["visibility"] for t in tests if "hidden" in t["name"]} == {"after_published"}
        shown = [run["data"]["output"], *(t["output"] for t in tests)]
        assert not any(SECRET in text for text in shown)
        assert not [line for line in secret_lines for text in shown if line in text]


def test_a_broken_notebook_still_yields_results_that_say_why(runs):
    data = runs["broken"]["data"]
    assert data["score"] == 0 and data["extra_data"]["status"] == "invalid_notebook"
    assert EXPLANATIONS[Status.INVALID_NOTEBOOK][0] in data["output"]
    assert {t["status"] for t in data["tests"]} == {"failed"}


def test_run_autograder_writes_results_even_when_the_grader_cannot_start(bundle, tmp_path):
    run = _run_autograder(bundle, tmp_path, {"adder.ipynb": "{}"}, python="/bin/false")
    assert run["data"]["score"] == 0 and "failed to start" in run["data"]["output"]
    assert "wrote no results" in run["stdout"]


def test_the_bundle_command_writes_the_zip_or_exits_2(tmp_path, course_source, capsys):
    from autograder import __main__ as cli

    out = tmp_path / "gs.zip"
    assert cli.main(["gradescope-bundle", "--out", str(out), "--source", str(course_source),
                     "--release", str(tmp_path), "--assignment", "02_text",
                     "--hidden", "hidden"]) == 0
    printed = capsys.readouterr().out
    assert "1 source notebook(s)" in printed and "student editions: none" in printed
    with zipfile.ZipFile(out) as archive:
        assert "--assignment 02_text" in archive.read("run_autograder").decode()
        assert not [n for n in archive.namelist() if n.startswith("course/notebooks/01_adder")]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["gradescope-bundle", "--out", str(out), "--source", str(course_source),
                  "--assignment", "99_nope"])
    assert exit_info.value.code == 2 and "no assignment '99_nope'" in capsys.readouterr().err
