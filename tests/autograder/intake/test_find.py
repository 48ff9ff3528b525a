"""Finding submissions: nbgrader layout, LMS downloads, zips (safe extraction only)."""

from __future__ import annotations

import stat
import unicodedata
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from synthetic_course import solved, write_nb

from autograder.course.source import CourseError, load_course
from autograder.intake import find
from autograder.intake.find import (
    IntakeError,
    apply_manifest,
    discover,
    open_submissions,
    read_manifest,
    zip_encoding,
)
from autograder.intake.lms_names import parse_lms_name
from autograder.records.results import Status
from autograder.vocabulary import DUPLICATE, RENAMED, SAME_NAME


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
    ("alice_123_adder.ipynb", ("alice", "adder", 0, "123")),
    ("alice_adder.ipynb", ("alice", "adder", 0, "")),
    ("Jane Doe_4471_assignsubmission_file_text.ipynb", ("Jane Doe", "text", 0, "4471")),
    ("bob_12_34_adder-2.ipynb", ("bob", "adder", 2, "12")),
    ("bob_LATE_12_34_adder.ipynb", ("bob", "adder", 0, "12")),
    ("bob_12_adder (3).ipynb", ("bob", "adder", 3, "12")),
    ("bob_12_adder (1)-4.ipynb", ("bob", "adder", 4, "12")),
    ("bob_12_adder-Copy1.ipynb", ("bob", "adder", 1, "12")),
    ("CAROL_1_ADDER.IPYNB", ("CAROL", "adder", 0, "1")),
    ("carol_1_Adder.ipynb", ("carol", "adder", 0, "1")),
    ("adder.ipynb", None),
    ("_8_adder.ipynb", None),
    ("carl_9_mywork.ipynb", None),
    ("carl_9_adder.txt", None),
    ("Homework 1_jdoe_attempt_2026-10-05-23-59-01_adder.ipynb", ("jdoe", "adder", 0, "")),
    ("Homework_1_jdoe_attempt_2026-10-05-23-59-01_adder-2.ipynb", ("jdoe", "adder", 2, "")),
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


def test_a_manifest_not_in_utf8_says_so(tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("student_id,assignment,submitted_at\n张伟,01_adder,2026-10-06\n",
                        encoding="gbk")
    with pytest.raises(IntakeError, match="not UTF-8 text .* save it as 'CSV UTF-8'"):
        read_manifest(manifest)


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


def _unmarked_zip(path: Path, members: dict[str, tuple[str, bytes]]) -> Path:
    """A zip whose names are written in ``encoding`` without the UTF-8 mark (as Windows'
    own zip tool does in a Chinese system); ``members``: name -> (encoding, data)."""
    with zipfile.ZipFile(path, "w") as z:
        for name, (encoding, data) in members.items():
            info = zipfile.ZipInfo(name.encode(encoding).decode("cp437"))   # read back alike
            z.writestr(info, data)
    with zipfile.ZipFile(path) as z:   # the mark is off: zipfile set it for non-ASCII
        assert not any(i.flag_bits & 0x800 for i in z.infolist() if not i.filename.isascii())
    return path


def test_unmarked_names_are_read_as_utf8_or_said_to_be_unknown(course, course_source,
                                                               tmp_path, monkeypatch):
    nb = (course_source / "01_adder" / "adder.ipynb").read_bytes()
    said: list[str] = []
    monkeypatch.setattr(find.log, "warning", lambda text, *args: said.append(text % args))
    monkeypatch.setattr(zipfile.ZipInfo, "_encodeFilenameFlags",
                        lambda info: (info.filename.encode("cp437"), info.flag_bits & ~0x800))
    utf8 = _unmarked_zip(tmp_path / "utf8.zip", {"Zoë_1_adder.ipynb": ("utf-8", nb)})
    root = open_submissions(utf8, tmp_path / "out")
    assert [j.key for j in discover(root, course).jobs] == [("Zoë", "01_adder")]
    assert said == []
    gbk = _unmarked_zip(tmp_path / "gbk.zip", {"李雷_1_adder.ipynb": ("gbk", nb)})
    open_submissions(gbk, tmp_path / "out")
    assert "1 file name(s) in gbk.zip are in an encoding the zip does not say" in said[0]
    assert "extract the zip with your system's own tool" in said[0]
    assert "--zip-encoding gbk" in said[0]

    said.clear()   # the instructor says the zip's encoding: the names are right, nothing said
    root = open_submissions(gbk, tmp_path / "out", encoding=zip_encoding("GBK"))
    assert [j.key for j in discover(root, course).jobs] == [("李雷", "01_adder")]
    assert said == []
    root = open_submissions(utf8, tmp_path / "out", encoding="gbk")   # UTF-8 names stay so
    assert [j.key for j in discover(root, course).jobs] == [("Zoë", "01_adder")]


def test_an_unknown_zip_encoding_is_refused_before_anything_runs():
    assert zip_encoding(None) is None
    with pytest.raises(IntakeError, match="--zip-encoding klingon: not an encoding Python"):
        zip_encoding("klingon")


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


def test_students_of_the_same_name_are_never_merged(course, course_source, tmp_path):
    """Canvas names files <sortable name>_<user id>_<file id>_<file>: two students named
    alike are two students (their user ids), each graded; one student's two uploads are one."""
    write_nb(solved(course_source), tmp_path / "zhangwei_1001_5001_adder.ipynb")
    write_nb(solved(course_source), tmp_path / "zhangwei_1002_5002_adder.ipynb")
    write_nb(solved(course_source, "02_text", "text"), tmp_path / "zhangwei_1002_5003_text.ipynb")
    write_nb(solved(course_source), tmp_path / "li_7_5004_adder.ipynb")
    write_nb(solved(course_source), tmp_path / "li_7_5005_adder-1.ipynb")
    found = discover(tmp_path, course)
    jobs = {j.key: j for j in found.jobs}
    assert set(jobs) == {("zhangwei_1001", "01_adder"), ("zhangwei_1002", "01_adder"),
                         ("zhangwei_1002", "02_text"), ("li", "01_adder")}
    for key in [("zhangwei_1001", "01_adder"), ("zhangwei_1002", "02_text")]:
        assert SAME_NAME in jobs[key].flags
        assert any("same name 'zhangwei'" in n and "1001, 1002" in n for n in jobs[key].notes)
    assert jobs[("li", "01_adder")].flags == []
    assert "2 uploads" in jobs[("li", "01_adder")].notes[0]
    assert any("same name 'zhangwei'" in n for n in found.notes)


def test_one_submission_found_twice_is_graded_once_and_said(course, course_source, tmp_path):
    """A student's folder and an LMS file of the same assignment: the folder is graded, the
    other copy is named in its row, and the same run again finds the same one."""
    write_nb(solved(course_source), tmp_path / "s004" / "01_adder" / "adder.ipynb")
    write_nb(solved(course_source), tmp_path / "s004_x_adder.ipynb")
    for _ in range(2):
        found = discover(tmp_path, course)
        assert [j.key for j in found.jobs] == [("s004", "01_adder")]
        job = found.jobs[0]
        assert job.notebooks[0].path.endswith("s004/01_adder/adder.ipynb")
        assert DUPLICATE in job.flags
        assert any("s004_x_adder.ipynb" in n and "not graded" in n for n in job.notes)
        assert found.rows == []


def test_another_assignments_notebook_is_not_graded_as_renamed(course, course_source,
                                                                tmp_path):
    write_nb(solved(course_source, "02_text", "text"), tmp_path / "s013" / "01_adder" /
             "text.ipynb")
    write_nb(solved(course_source, "02_text", "text"), tmp_path / "s014" / "01_adder" /
             "text.ipynb")
    write_nb(solved(course_source), tmp_path / "s014" / "01_adder" / "mine.ipynb")
    jobs = {j.key: j for j in discover(tmp_path, course).jobs}
    wrong = jobs[("s013", "01_adder")].notebooks[0]
    assert wrong.path is None
    assert "adder.ipynb is missing" in wrong.note and "the notebook of 02_text" in wrong.note
    assert RENAMED not in jobs[("s013", "01_adder")].flags
    renamed = jobs[("s014", "01_adder")]
    assert renamed.notebooks[0].path.endswith("mine.ipynb") and RENAMED in renamed.flags
    assert any("text.ipynb is not a notebook of this assignment (it is 02_text's)" in n
               for n in renamed.notes)


def test_folders_that_hold_no_submission_say_why(course, course_source, tmp_path):
    (tmp_path / "s006").mkdir()
    (tmp_path / "s011").mkdir()
    (tmp_path / "s011" / "report.pdf").write_text("pdf")
    write_nb(solved(course_source), tmp_path / "extra" / "s001" / "01_adder" / "adder.ipynb")
    write_nb(solved(course_source), tmp_path / "s002" / "01_adder" / "adder.ipynb")
    write_nb(solved(course_source), tmp_path / "grading" / "autograded" / "s002" /
             "01_adder" / "adder.ipynb")
    found = discover(tmp_path, course, skip=tmp_path / "grading")
    assert [j.key for j in found.jobs] == [("s002", "01_adder")]
    (row,) = found.rows
    assert row.key == ("extra", "s001") and "one level too deep" in row.message
    assert "s006: nothing to grade in this folder (no assignment folder, no notebook)" in \
        found.notes
    assert "s011: ignored report.pdf (not in an assignment folder)" in found.notes
    assert "skipped grading: the grading's own output folder" in found.notes


def test_a_student_id_is_the_same_however_unicode_composed_it(course, course_source, tmp_path):
    """macOS writes "José" decomposed (e and a combining accent) in zips and folders."""
    decomposed = unicodedata.normalize("NFD", "José")
    write_nb(solved(course_source), tmp_path / decomposed / "01_adder" / "adder.ipynb")
    write_nb(solved(course_source, "02_text", "text"), tmp_path / f"{decomposed}_1_text.ipynb")
    manifest = tmp_path.parent / "manifest.csv"
    manifest.write_text(f"student_id,assignment,submitted_at\n{decomposed},01_adder,"
                        "2026-10-06T08:00:00+00:00\n", encoding="utf-8")
    found = discover(tmp_path, course)
    assert [j.key for j in found.jobs] == [("José", "01_adder"), ("José", "02_text")]
    assert all(unicodedata.is_normalized("NFC", j.student_id) for j in found.jobs)
    apply_manifest(found, read_manifest(manifest))
    assert found.jobs[0].submitted_at == "2026-10-06T08:00:00+00:00"


def test_a_file_named_as_a_notebook_without_a_student_says_so(course, course_source, tmp_path):
    write_nb(solved(course_source), tmp_path / "_8_adder.ipynb")
    write_nb(solved(course_source), tmp_path / "adder.ipynb")
    write_nb(solved(course_source), tmp_path / "carl_9_mywork.ipynb")
    rows = {r.assignment: r for r in discover(tmp_path, course).rows}
    for name in ("_8_adder.ipynb", "adder.ipynb"):
        assert rows[name].student_id == "(unknown)"
        assert "names no student before the notebook" in rows[name].message
    assert rows["carl_9_mywork.ipynb"].student_id == "carl"
    assert "matches no notebook of the course" in rows["carl_9_mywork.ipynb"].message
