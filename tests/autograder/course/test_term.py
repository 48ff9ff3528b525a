"""The course file (due dates, late policy) and the extensions: read, or refused clearly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from autograder.course.term import (
    NO_TERM,
    LatePolicy,
    TermError,
    default_paths,
    load_term,
    parse_timestamp,
)

ASSIGNMENTS = ["01_adder", "02_text"]
BERLIN_SUMMER = timezone(timedelta(hours=2))

TOML = """\
timezone = "Europe/Berlin"
[late]
per_day = 0.10
max_days = 3
grace_minutes = 10
[due]
01_adder = 2026-10-05T23:59:00
02_text = 2026-10-19
"""


def _write(folder: Path, text: str, name: str = "course.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_due_dates_policy_and_extensions_are_read(tmp_path):
    ext = _write(tmp_path, "student_id,assignment,due\nbo,01_adder,2026-10-07T23:59:00\n"
                           "cy,02_text,2026-10-21T12:00:00+00:00\n", "extensions.csv")
    term = load_term(_write(tmp_path, TOML), ASSIGNMENTS, ext)
    assert term.late == LatePolicy(per_day=0.10, max_days=3, grace_minutes=10)
    assert term.due["01_adder"] == datetime(2026, 10, 5, 23, 59, tzinfo=BERLIN_SUMMER)
    assert term.due["02_text"] == datetime(2026, 10, 19, 23, 59, 59, tzinfo=BERLIN_SUMMER)
    assert term.due_date("ana", "01_adder") == (term.due["01_adder"], False)
    assert term.due_date("bo", "01_adder") == (
        datetime(2026, 10, 7, 23, 59, tzinfo=BERLIN_SUMMER), True)
    assert term.due_date("cy", "02_text")[0] == datetime(2026, 10, 21, 12, tzinfo=UTC)


def test_defaults_find_the_files_beside_the_notebooks(tmp_path):
    assert default_paths(tmp_path) == (None, None)
    toml = _write(tmp_path, TOML)
    assert default_paths(tmp_path) == (toml, None)
    ext = _write(tmp_path, "student_id,assignment,due\n", "extensions.csv")
    assert default_paths(tmp_path) == (toml, ext)
    assert load_term(None, ASSIGNMENTS) == NO_TERM
    assert NO_TERM.due_date("ana", "01_adder") == (None, False)


@pytest.mark.parametrize("text, words", [
    ("[due]\n99_nope = 2026-10-05T23:59:00+02:00\n", ["99_nope", "not an assignment"]),
    ("[due]\n01_adder = 2026-10-05T23:59:00\n", ["no time zone", "timezone"]),
    ("[due]\n01_adder = \"next monday\"\n", ["01_adder", "next monday"]),
    ("[due]\n01_adder = 3\n", ["01_adder", "not a date"]),
    ("timezone = \"Mars/Olympus\"\n", ["Mars/Olympus"]),
    ("[late]\nper_day = -0.1\n", ["per_day", "-0.1"]),
    ("[late]\nper_day = 10\n", ["per_day", "between 0 and 1"]),
    ("[late]\nmax_days = 1.5\n", ["max_days", "whole number"]),
    ("[late]\ngrace = 5\n", ["'grace'", "unknown"]),
    ("deadline = 1\n", ["'deadline'", "unknown"]),
    ("[due\n", ["not valid TOML"]),
])
def test_a_bad_course_file_says_what_is_wrong(tmp_path, text, words):
    path = _write(tmp_path, text)
    with pytest.raises(TermError) as err:
        load_term(path, ASSIGNMENTS)
    assert str(path) in str(err.value)
    for word in words:
        assert word in str(err.value)


def test_files_not_in_utf8_say_so(tmp_path):
    toml = tmp_path / "course.toml"
    toml.write_text("# 课程\n" + TOML, encoding="gbk")
    with pytest.raises(TermError, match="course file .*: not UTF-8 text"):
        load_term(toml, ASSIGNMENTS)
    good = _write(tmp_path, TOML)
    ext = tmp_path / "extensions.csv"
    ext.write_text("student_id,assignment,due\n张伟,01_adder,2026-10-07\n", encoding="gbk")
    with pytest.raises(TermError, match="extensions .*: not UTF-8 text"):
        load_term(good, ASSIGNMENTS, ext)


@pytest.mark.parametrize("rows, words", [
    ("student,assignment,due\n", ["line 1", "columns"]),
    ("student_id,assignment,due\nbo,99_nope,2026-10-07\n", ["line 2", "99_nope"]),
    ("student_id,assignment,due\nbo,01_adder,soon\n", ["line 2", "soon"]),
    ("student_id,assignment,due\nbo,01_adder,2026-10-07\nbo,01_adder,2026-10-08\n",
     ["line 3", "second extension"]),
    ("student_id,assignment,due\n\nbo,01_adder\n", ["line 3", "columns"]),
    ("student_id,assignment,due\nbo,02_text,2026-10-07\n", ["02_text", "no due date"]),
])
def test_a_bad_extension_row_says_its_line(tmp_path, rows, words):
    toml = _write(tmp_path, TOML.replace("02_text = 2026-10-19\n", ""))
    ext = _write(tmp_path, rows, "extensions.csv")
    with pytest.raises(TermError) as err:
        load_term(toml, ASSIGNMENTS, ext)
    assert str(ext) in str(err.value)
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("text, expected", [
    ("2026-10-05 23:59:01.123456 UTC\n", datetime(2026, 10, 5, 23, 59, 1, 123456, tzinfo=UTC)),
    ("2026-10-05 23:59:01 Europe/Berlin", datetime(2026, 10, 5, 21, 59, 1, tzinfo=UTC)),
    ("2026-10-05 23:59:01 +0200", datetime(2026, 10, 5, 21, 59, 1, tzinfo=UTC)),
    ("2026-10-05T23:59:01+02:00", datetime(2026, 10, 5, 21, 59, 1, tzinfo=UTC)),
    ("2026-10-05T23:59:01Z", datetime(2026, 10, 5, 23, 59, 1, tzinfo=UTC)),
    ("2026-10-05 23:59:01", datetime(2026, 10, 5, 23, 59, 1, tzinfo=UTC)),   # no zone: UTC
])
def test_timestamps_as_nbgrader_writes_them(text, expected):
    assert parse_timestamp(text) == expected


def test_a_timestamp_that_is_not_one_is_an_error():
    for text in ("yesterday", "2026-10-05 23:59:01 Nowhere/Land", ""):
        with pytest.raises(ValueError):
            parse_timestamp(text)
    with pytest.raises(ValueError, match="no time zone"):
        parse_timestamp("2026-10-05 23:59:01", None)
