"""Finding submissions: nbgrader layout, LMS downloads, zips (safe extraction only)."""

from __future__ import annotations

import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from synthetic_course import solved, write_nb

from autograder.course.source import CourseError, load_course
from autograder.intake.find import (
    IntakeError,
    apply_manifest,
    discover,
    open_submissions,
    parse_lms_name,
    read_manifest,
)
from autograder.records.results import Status


@pytest.fixture(scope="module")
def course(course_source):
    return load_course(course_source)


def test_course_lists_assignments_and_refuses_bad_folders(course, tmp_path):
    assert course.assignments == ["01_adder", "02_text"]
    assert list(course.support_files("01_adder")) == ["factor.txt"]
    with pytest.raises(CourseError, match="does not exist"):
        load_course(tmp_path / "nowhere")
    with pytest.raises(CourseError, match="no source notebooks"):
        load_course(tmp_path)


def test_nbgrader_layout_with_odd_names(course, course_source, tmp_path):
    write_nb(solved(course_source), tmp_path / "José Álvarez" / "01_adder" / "adder.ipynb")
    write_nb(solved(course_source), tmp_path / "bo b" / "01_adder" / "Copy of adder.ipynb")
    (tmp_path / "bo b" / "01_adder" / "notes.txt").write_text("mine")
    write_nb(solved(course_source, "02_text", "text"), tmp_path / "bo b" / "text.ipynb")
    found = discover(tmp_path, course)
    jobs = {j.key: j for j in found.jobs}
    assert set(jobs) == {("José Álvarez", "01_adder"), ("bo b", "01_adder"),
                         ("bo b", "02_text")}
    renamed = jobs[("bo b", "01_adder")]
    assert renamed.notebooks[0].path.endswith("Copy of adder.ipynb")
    assert "renamed" in renamed.notebooks[0].note and "renamed_notebook" in renamed.flags
    assert set(renamed.files) == {"notes.txt"} and set(renamed.support) == {"factor.txt"}
    assert "not in an assignment folder" in jobs[("bo b", "02_text")].notes[0]
    assert found.rows == []


def test_ambiguous_notebooks_are_missing_and_strays_get_rows(course, course_source, tmp_path):
    write_nb(solved(course_source), tmp_path / "ivan" / "01_adder" / "a.ipynb")
    write_nb(solved(course_source), tmp_path / "ivan" / "01_adder" / "b.ipynb")
    (tmp_path / "sam" / "01_adder").mkdir(parents=True)
    write_nb(solved(course_source), tmp_path / "sam" / "homework" / "x.ipynb")
    write_nb(solved(course_source), tmp_path / "sam" / "mine.ipynb")
    found = discover(tmp_path, course)
    jobs = {j.key: j for j in found.jobs}
    assert jobs[("ivan", "01_adder")].notebooks[0].path is None
    assert "cannot tell which" in jobs[("ivan", "01_adder")].notebooks[0].note
    assert jobs[("sam", "01_adder")].notebooks[0].path is None
    rows = {r.key: r for r in found.rows}
    assert set(rows) == {("sam", "homework"), ("sam", "mine.ipynb")}
    assert all(r.status == Status.UNKNOWN_ASSIGNMENT for r in rows.values())
    assert "01_adder, 02_text" in rows[("sam", "homework")].message


def test_a_wrapping_folder_is_stepped_into(course, course_source, tmp_path):
    write_nb(solved(course_source), tmp_path / "submissions" / "alice" / "01_adder" /
             "adder.ipynb")
    assert [j.key for j in discover(tmp_path, course).jobs] == [("alice", "01_adder")]


@pytest.mark.parametrize("name, expected", [
    ("alice_123_adder.ipynb", ("alice", "adder", 0)),
    ("alice_adder.ipynb", ("alice", "adder", 0)),
    ("Jane Doe_4471_assignsubmission_file_text.ipynb", ("Jane Doe", "text", 0)),
    ("bob_12_34_adder-2.ipynb", ("bob", "adder", 2)),
    ("bob_12_adder (3).ipynb", ("bob", "adder", 3)),
    ("adder.ipynb", None),
    ("carl_9_mywork.ipynb", None),
    ("carl_9_adder.txt", None),
    ("Homework 1_jdoe_attempt_2026-10-05-23-59-01_adder.ipynb", ("jdoe", "adder", 0)),
    ("Homework_1_jdoe_attempt_2026-10-05-23-59-01_adder-2.ipynb", ("jdoe", "adder", 2)),
])
def test_lms_names(course, name, expected):
    assert parse_lms_name(name, course) == expected


def test_lms_downloads_grade_the_latest_upload(course, course_source, tmp_path):
    write_nb(solved(course_source), tmp_path / "alice_1_adder.ipynb")
    write_nb(solved(course_source), tmp_path / "alice_1_adder-1.ipynb")
    write_nb(solved(course_source, "02_text", "text"), tmp_path / "bob_2_text.ipynb")
    (tmp_path / "dave_3_notes.txt").write_text("hello")
    found = discover(tmp_path, course)
    jobs = {j.key: j for j in found.jobs}
    assert set(jobs) == {("alice", "01_adder"), ("bob", "02_text")}
    assert jobs[("alice", "01_adder")].notebooks[0].path.endswith("alice_1_adder-1.ipynb")
    assert "2 uploads" in jobs[("alice", "01_adder")].notes[0]
    assert [(r.key, r.status) for r in found.rows] == [
        (("dave", "dave_3_notes.txt"), Status.UNKNOWN_ASSIGNMENT)]


def test_content_hash_follows_the_files(course, course_source, tmp_path):
    path = write_nb(solved(course_source), tmp_path / "alice" / "01_adder" / "adder.ipynb")
    first = discover(tmp_path, course).jobs[0].content_hash
    assert discover(tmp_path, course).jobs[0].content_hash == first
    write_nb(solved(course_source, add="def add(a, b):\n    return 0"), path)
    assert discover(tmp_path, course).jobs[0].content_hash != first


# --------------------------------------------------------------------------- times

def test_nbgrader_timestamp_gives_the_time_and_is_not_content(course, course_source, tmp_path):
    write_nb(solved(course_source), tmp_path / "alice" / "01_adder" / "adder.ipynb")
    first = discover(tmp_path, course).jobs[0]
    assert first.submitted_at == ""
    stamp = tmp_path / "alice" / "01_adder" / "timestamp.txt"
    stamp.write_text("2026-10-05 23:59:01.123456 UTC\n")
    job = discover(tmp_path, course).jobs[0]
    assert datetime.fromisoformat(job.submitted_at) == datetime(
        2026, 10, 5, 23, 59, 1, 123456, tzinfo=UTC)
    assert job.content_hash == first.content_hash       # a new time alone: not regraded
    assert "timestamp.txt" not in job.files
    stamp.write_text("not a time")
    found = discover(tmp_path, course)
    assert found.jobs[0].submitted_at == ""
    assert any("timestamp.txt: not a time" in n for n in found.notes)


def test_blackboard_names_give_the_student_and_the_attempts_time(course, course_source,
                                                                  tmp_path):
    for when in ("2026-10-05-20-00-00", "2026-10-06-09-30-00"):
        write_nb(solved(course_source), tmp_path / f"Adder_jdoe_attempt_{when}_adder.ipynb")
        (tmp_path / f"Adder_jdoe_attempt_{when}.txt").write_text("receipt")
    berlin = ZoneInfo("Europe/Berlin")
    found = discover(tmp_path, course, berlin)
    assert [j.key for j in found.jobs] == [("jdoe", "01_adder")] and not found.rows
    job = found.jobs[0]
    assert job.notebooks[0].path.endswith("2026-10-06-09-30-00_adder.ipynb")   # the latest
    assert datetime.fromisoformat(job.submitted_at) == datetime(2026, 10, 6, 9, 30,
                                                                tzinfo=berlin)
    assert sum("receipt" in n for n in found.notes) == 2


def test_a_manifest_gives_the_times_and_wins(course, course_source, tmp_path):
    write_nb(solved(course_source), tmp_path / "sub" / "alice" / "01_adder" / "adder.ipynb")
    (tmp_path / "sub" / "alice" / "01_adder" / "timestamp.txt").write_text(
        "2026-10-01 10:00:00 UTC")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("student_id,assignment,submitted_at\n"
                        "alice,01_adder,2026-10-06T08:00:00+02:00\n"
                        "zed,02_text,2026-10-06T08:00:00\n", encoding="utf-8")
    times = read_manifest(manifest)
    assert times[("zed", "02_text")] == "2026-10-06T08:00:00+00:00"   # no offset: UTC
    found = discover(tmp_path / "sub", course)
    apply_manifest(found, times)
    assert found.jobs[0].submitted_at == "2026-10-06T08:00:00+02:00"
    assert "manifest: no submission of zed / 02_text found" in found.notes


@pytest.mark.parametrize("text, words", [
    ("student,assignment,when\n", ["line 1", "columns"]),
    ("student_id,assignment,submitted_at\nalice,01_adder,soon\n", ["line 2", "soon"]),
    ("student_id,assignment,submitted_at\nalice,01_adder\n", ["line 2", "3 columns"]),
    ("student_id,assignment,submitted_at\na,01_adder,2026-10-06\na,01_adder,2026-10-07\n",
     ["line 3", "again"]),
])
def test_a_bad_manifest_says_its_line(tmp_path, text, words):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(IntakeError) as err:
        read_manifest(manifest)
    assert str(manifest) in str(err.value)
    for word in words:
        assert word in str(err.value)


# --------------------------------------------------------------------------- zips

def _zip(path: Path, members: dict[str, bytes], links: dict[str, str] = ()) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
        for name, target in dict(links).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    return path


def test_a_zip_is_extracted_under_the_output_folder(course, course_source, tmp_path):
    nb = (course_source / "01_adder" / "adder.ipynb").read_bytes()
    archive = _zip(tmp_path / "class.zip", {"class/Zoë/01_adder/adder.ipynb": nb})
    root = open_submissions(archive, tmp_path / "out" / "intake")
    assert root == tmp_path / "out" / "intake" / "class"
    assert [j.key for j in discover(root, course).jobs] == [("Zoë", "01_adder")]


@pytest.mark.parametrize("members, links, words", [
    ({"../escape.txt": b"x"}, {}, "goes up"),
    ({"ok/../../escape.txt": b"x"}, {}, "goes up"),
    ({"/tmp/escape.txt": b"x"}, {}, "absolute"),
    ({"alice/01_adder/adder.ipynb": b"{}"}, {"alice/01_adder/data": "/etc"}, "symbolic link"),
])
def test_unsafe_zips_are_refused_and_nothing_is_written(tmp_path, members, links, words):
    archive = _zip(tmp_path / "bad.zip", members, links)
    dest = tmp_path / "out" / "intake"
    with pytest.raises(IntakeError, match=words):
        open_submissions(archive, dest)
    assert not dest.exists()
    assert not (tmp_path / "escape.txt").exists()


def test_not_a_zip_and_missing_paths(tmp_path):
    (tmp_path / "grades.txt").write_text("no")
    with pytest.raises(IntakeError, match="neither a folder nor a zip"):
        open_submissions(tmp_path / "grades.txt", tmp_path / "out")
    with pytest.raises(IntakeError, match="does not exist"):
        open_submissions(tmp_path / "nope.zip", tmp_path / "out")


def test_symlinks_in_a_folder_are_not_followed(course, course_source, tmp_path):
    folder = tmp_path / "class"
    write_nb(solved(course_source), folder / "alice" / "01_adder" / "adder.ipynb")
    (folder / "alice" / "01_adder" / "secrets").symlink_to("/etc")
    (folder / "alice" / "01_adder" / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "mallory").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    found = discover(folder, course)
    assert [j.key for j in found.jobs] == [("alice", "01_adder")]
    assert found.jobs[0].files == {}
    assert any("symbolic link" in n for n in found.notes)
