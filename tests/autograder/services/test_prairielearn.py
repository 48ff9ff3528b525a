"""PrairieLearn: results.json against the documented format, and ``python -m autograder
prairielearn`` run end to end on the synthetic course in a fake ``/grade`` job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from class_builder import WRONG_ADD, run_cli
from jsonschema import Draft202012Validator
from leaks import hidden_only_lines
from synthetic_course import SECRET, solved, write_nb

from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult
from autograder.report.feedback_page import EXPLANATIONS
from autograder.services.prairielearn import MAX_BYTES, results, write_results

# From https://prairielearn.readthedocs.io/en/latest/externalGrading/ ("Grading results"):
# score in [0, 1] is the one required field unless gradable is false; more fields may be added.
_IMAGES = {"type": "array", "items": {"anyOf": [
    {"type": "string"},
    {"type": "object", "required": ["url"],
     "properties": {"url": {"type": "string"}, "label": {"type": "string"}}}]}}
PL_TEST = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "name": {"type": "string"}, "description": {"type": "string"},
        "points": {"type": "number"}, "max_points": {"type": "number"},
        "message": {"type": "string"}, "output": {"type": "string"}, "images": _IMAGES,
    },
}
PL_RESULTS = {
    "type": "object",
    "properties": {
        "gradable": {"type": "boolean"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "format_errors": {"anyOf": [{"type": "string"},
                                    {"type": "array", "items": {"type": "string"}}]},
        "message": {"type": "string"}, "output": {"type": "string"}, "images": _IMAGES,
        "tests": {"type": "array", "items": PL_TEST},
    },
    "if": {"required": ["gradable"], "properties": {"gradable": {"const": False}}},
    "else": {"required": ["score"]},
}


def check(data: dict) -> dict:
    Draft202012Validator(PL_RESULTS).validate(data)
    return data


def _result() -> SubmissionResult:
    cells = [CellResult("test_add", 1, 1), CellResult("test_add_hidden", 0, 2, True,
                                                      "add(-1, 1) should be 0"),
             CellResult("test_mul", 0, 1, False, "mul(2, 3) should be 6")]
    return SubmissionResult("student", "01_adder", Status.GRADED, max_score=4,
                            notebooks=[NotebookResult("adder", cells=cells)])


# --------------------------------------------------------------------------- results.json

def test_the_score_is_a_fraction_and_there_is_one_test_per_cell():
    data = check(results(_result()))
    assert data["gradable"] is True and data["score"] == pytest.approx(0.25)
    assert [(t["name"], t["points"], t["max_points"], t["description"])
            for t in data["tests"]] == [("adder: test_add", 1, 1, "visible test"),
                                        ("adder: test_add_hidden", 0, 2, "hidden test"),
                                        ("adder: test_mul", 0, 1, "visible test")]
    assert data["message"] == "Score: 1 / 4 (01_adder)"
    assert data["tests"][2]["message"] == "mul(2, 3) should be 6"


def test_hidden_messages_are_generic_unless_asked_for():
    generic = check(results(_result()))["tests"][1]["message"]
    assert generic == "hidden test: failed"
    shown = check(results(_result(), show_hidden_messages=True))["tests"][1]["message"]
    assert shown == "add(-1, 1) should be 0"


def test_only_a_failure_of_the_grader_is_not_gradable():
    failed = check(results(SubmissionResult("student", "01_adder", Status.ERROR,
                                            "the grader failed: OSError: disk full")))
    assert failed["gradable"] is False and "disk full" in failed["message"]
    missing = check(results(SubmissionResult("student", "", Status.MISSING_NOTEBOOK,
                                             "no notebook (.ipynb file) in the submission")))
    assert missing["gradable"] is True and missing["score"] == 0
    assert EXPLANATIONS[Status.MISSING_NOTEBOOK][0] in missing["output"]


def test_results_stay_under_prairielearns_size_limit(tmp_path):
    huge = _result()
    huge.notebooks[0].cells[2].message = "x" * (2 * MAX_BYTES)
    huge.notebooks[0].warnings = ["y" * MAX_BYTES]
    path = write_results(tmp_path, results(huge))
    assert path == tmp_path / "results" / "results.json"
    assert path.stat().st_size <= MAX_BYTES
    assert "cut" in check(json.loads(path.read_text()))["output"]


# --------------------------------------------------------------------------- end to end

def _job(root: Path, files: dict[str, object]) -> Path:
    """A grading job as PrairieLearn lays it out: student/, data/data.json (no results/)."""
    for name, content in files.items():
        path = root / "student" / name
        if isinstance(content, str):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        else:
            write_nb(content, path)
    (root / "data").mkdir()
    (root / "data" / "data.json").write_text(json.dumps({"params": {}, "submitted_answers": {}}))
    return root


@pytest.fixture(scope="module")
def jobs(tmp_path_factory, course_source) -> dict:
    """``python -m autograder prairielearn`` on a correct, a wrong and an empty submission."""
    submissions = {"correct": {"text.ipynb": solved(course_source, "02_text", "text")},
                   "wrong": {"adder.ipynb": solved(course_source, add=WRONG_ADD)},
                   "broken": {"adder.ipynb": ""}}
    out = {}
    for name, files in submissions.items():
        job = _job(tmp_path_factory.mktemp(name), files)
        done = run_cli("prairielearn", "--job", str(job), "--source", str(course_source),
                       "--release", str(job / "no-release"), "--timeout", "5")
        assert done.returncode == 0, done.stderr
        text = (job / "results" / "results.json").read_text()
        out[name] = {"data": check(json.loads(text)), "stdout": done.stdout}
    return out


def test_a_correct_submission_scores_one(jobs):
    data = jobs["correct"]["data"]
    assert data["score"] == 1 and {t["points"] == t["max_points"] for t in data["tests"]} == {True}
    assert "student / 02_text: graded" in jobs["correct"]["stdout"]


def test_a_wrong_add_loses_exactly_the_tests_of_add(jobs):
    data = jobs["wrong"]["data"]
    assert {t["name"] for t in data["tests"] if t["points"] < t["max_points"]} == {
        "adder: test_add", "adder: test_add_hidden"}
    assert data["score"] == pytest.approx(2 / 5)


def test_no_hidden_test_source_and_no_hidden_message_in_any_results(jobs, course_source):
    secret_lines = hidden_only_lines(course_source / "01_adder" / "adder.ipynb")
    for job in jobs.values():
        data = job["data"]
        shown = [data["message"], data["output"],
                 *(t[k] for t in data["tests"] for k in ("message", "output"))]
        assert not any(SECRET in text for text in shown)
        assert not [line for line in secret_lines for text in shown if line in text]
        assert not any("should be 0" in text for text in shown)   # hidden assertion message


def test_an_empty_notebook_is_graded_zero_with_the_reason(jobs):
    data = jobs["broken"]["data"]
    assert data["gradable"] is True and data["score"] == 0
    assert EXPLANATIONS[Status.INVALID_NOTEBOOK][0] in data["output"]
