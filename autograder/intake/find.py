"""Find the submissions in what the instructor downloaded.

Accepted: a folder or a ``.zip`` of it, in either layout (both may be mixed):

- nbgrader's: ``<student_id>/<assignment>/<notebook>.ipynb`` (plus any files);
- LMS downloads, flat: ``<student_id>_<anything>_<notebook>.ipynb`` (what each LMS's names
  say: :mod:`autograder.intake.lms_names`); the notebook is matched to its assignment
  (notebook names are unique in the course) and the latest upload is graded. The LMS's
  number for the student tells two students of the same name apart: their uploads of one
  assignment are never merged, each is graded as ``<student_id>_<number>``
  (:data:`~autograder.vocabulary.SAME_NAME`).

One submission per student and assignment: one found twice (a folder and an LMS file for the
same student, say) is graded once, the first found (the folder), and the row says where the
other copy is (:data:`~autograder.vocabulary.DUPLICATE`).

A zip is checked before anything is extracted: absolute paths, ``..`` components and symbolic
links make the whole archive rejected (:class:`IntakeError`), and it is extracted under the
output folder only. Every submission found becomes a :class:`~autograder.intake.jobs.Job` or,
when it cannot be graded at all (a file matching no notebook, an unreadable file), a result row.
A notebook the student renamed is graded when it is the assignment's only notebook and the
only ``.ipynb`` in the folder; with several candidates the row says ``missing_notebook``.

When each submission was handed in (``submitted_at``, for the late penalties of
:mod:`autograder.records.lateness`) comes from, the first found of:

1. a manifest CSV (``grade --manifest``: ``student_id,assignment,submitted_at`` in ISO 8601;
   :func:`read_manifest`, :func:`apply_manifest`);
2. nbgrader's ``<student_id>/<assignment>/timestamp.txt`` (what ``nbgrader collect`` writes,
   ``2026-10-05 23:59:01.123456 UTC``; without a zone it is UTC, as nbgrader reads it);
3. a Blackboard download's name, ``<Assignment>_<username>_attempt_2026-10-05-23-59-01_<file>``
   (Blackboard's ``..._attempt_<time>.txt`` receipts are skipped).

Times written without a zone (a manifest's, Blackboard's) are in the course's timezone
(``timezone`` of :func:`discover`). ``timestamp.txt`` is not part of a submission's content
hash, so a submission whose only change is its time is not graded again.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import logging
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path, PurePosixPath

from autograder.course.source import Course
from autograder.course.term import parse_timestamp
from autograder.intake.jobs import Job, NotebookJob
from autograder.intake.lms_names import BLACKBOARD, LmsName, blackboard_time, parse_lms_name
from autograder.records.results import Status, SubmissionResult
from autograder.vocabulary import DUPLICATE, RENAMED, SAME_NAME, student_id

JUNK = {"__MACOSX", ".DS_Store", ".ipynb_checkpoints", "__pycache__", "Thumbs.db"}
MAX_UNZIPPED_BYTES = 4_000_000_000
TIMESTAMP = "timestamp.txt"   # nbgrader's record of when a submission was collected
MANIFEST_COLUMNS = ("student_id", "assignment", "submitted_at")

log = logging.getLogger("autograder")


class IntakeError(ValueError):
    """The submissions cannot be read at all (bad path, bad or unsafe zip)."""


@dataclass
class Intake:
    """Everything found: gradable jobs and rows that need no grading."""

    root: Path
    jobs: list[Job] = field(default_factory=list)
    rows: list[SubmissionResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # for the instructor's log

    @property
    def count(self) -> int:
        return len(self.jobs) + len(self.rows)


# --------------------------------------------------------------------------- zip files

def check_zip(archive: zipfile.ZipFile) -> None:
    """Raise IntakeError unless every member stays inside the extraction folder."""
    bad, total = [], 0
    for info in archive.infolist():
        name = info.filename
        path = PurePosixPath(name.replace("\\", "/"))
        mode = info.external_attr >> 16
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
            bad.append(f"{name!r} (absolute path)")
        elif ".." in path.parts:
            bad.append(f"{name!r} (goes up with '..')")
        elif stat.S_ISLNK(mode):
            bad.append(f"{name!r} (symbolic link)")
        total += info.file_size
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise IntakeError(f"refusing the zip: {len(bad)} unsafe member(s): {shown}; nothing "
                          "was extracted. Re-create the archive without them.")
    if total > MAX_UNZIPPED_BYTES:
        raise IntakeError(f"refusing the zip: it would extract to {total / 1e9:.1f} GB")


def check_path(path: Path) -> None:
    """Raise IntakeError unless ``path`` is a folder or a zip archive."""
    path = Path(path)
    if path.is_dir():
        return
    if not path.exists():
        raise IntakeError(f"{path} does not exist")
    if not zipfile.is_zipfile(path):
        damaged = (" (a damaged or cut-short one? download it again)"
                   if path.suffix.lower() == ".zip" else "")
        raise IntakeError(f"{path} is neither a folder nor a zip archive{damaged}")


def zip_encoding(name: str | None) -> str | None:
    """``name`` checked as a text encoding Python knows (None stays None: no encoding given);
    IntakeError if it is not one."""
    if name is None:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise IntakeError(f"--zip-encoding {name}: not an encoding Python knows (e.g. gbk, "
                          "cp932, cp1252)") from None


def open_submissions(path: Path, workdir: Path, encoding: str | None = None) -> Path:
    """The folder to read submissions from: ``path`` itself, or a zip extracted (after
    :func:`check_zip`) into ``workdir/<zip name>``.

    encoding: how the zip's unmarked file names are written when they are not UTF-8 (gbk for
    a zip made on a Chinese Windows); None: the zip format's default, cp437, with a warning.
    """
    path = Path(path)
    check_path(path)
    if path.is_dir():
        return path
    dest = Path(workdir) / path.stem
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive)
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            unknown = []
            for info in archive.infolist():
                name, known = _member_name(info, encoding)
                if not known:
                    unknown.append(name)
                target = dest.joinpath(*PurePosixPath(name.replace("\\", "/")).parts)
                if not target.resolve().is_relative_to(dest.resolve()):
                    raise IntakeError(f"refusing the zip: {info.filename!r} leaves the folder")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
    except zipfile.BadZipFile as exc:
        raise IntakeError(f"{path} is a damaged zip archive: {exc}") from exc
    if unknown:
        log.warning("%d file name(s) in %s are in an encoding the zip does not say (not "
                    "UTF-8; read as cp437, the zip format's default), e.g. %r: if student ids "
                    "look garbled, grade again into a new --out folder with the zip's encoding "
                    "(--zip-encoding gbk for a zip made on a Chinese Windows), or extract the "
                    "zip with your system's own tool and grade the folder", len(unknown), path.name,
                    unknown[0])
    return dest


def _member_name(info: zipfile.ZipInfo, encoding: str | None = None) -> tuple[str, bool]:
    """A zip member's name, and whether its encoding is known: marked UTF-8, plain ASCII,
    or unmarked bytes that are valid UTF-8 (as many tools write them), else in ``encoding``
    when it is given and they are valid in it. Other unmarked names (GBK from a Chinese
    Windows, say, with no encoding given) stay as zipfile read them, in cp437: no guessing,
    as Western cp437 names are often valid GBK too."""
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name, True
    raw = name.encode("cp437")
    for candidate in ("utf-8", encoding):
        if candidate is not None:
            with contextlib.suppress(UnicodeError):
                return raw.decode(candidate), True
    return name, False


# --------------------------------------------------------------------------- discovery

def _junk(path: Path) -> bool:
    return path.name in JUNK or path.name.startswith(".")


def _children(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if not _junk(p))
    except OSError:
        return []


def files_under(folder: Path) -> dict[str, Path]:
    """Regular files under ``folder`` by relative path (symlinks and junk skipped; a folder
    named ``*.ipynb`` is listed as a file, so that reading it fails as a bad notebook)."""
    out: dict[str, Path] = {}
    stack = [folder]
    while stack:
        current = stack.pop()
        for child in _children(current):
            if child.is_symlink():
                continue
            if child.is_dir() and not child.name.endswith(".ipynb"):
                stack.append(child)
            else:
                out[child.relative_to(folder).as_posix()] = child
    return out


def _content_hash(files: dict[str, Path]) -> str:
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update(files[rel].read_bytes())
        except OSError as exc:
            digest.update(f"<unreadable: {exc.strerror}>".encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _is_student_folder(folder: Path, course: Course) -> bool:
    return any(c.is_dir() and c.name in course.assignments for c in _children(folder))


def _unwrap(root: Path, course: Course) -> Path:
    """Step into a lone wrapping folder (``submissions.zip`` -> ``submissions/``)."""
    for _ in range(5):
        children = _children(root)
        if (len(children) == 1 and children[0].is_dir() and not children[0].is_symlink()
                and not _is_student_folder(children[0], course)
                and children[0].name not in course.assignments):
            root = children[0]
        else:
            break
    return root


def discover(root: Path, course: Course, timezone: tzinfo | None = None,
             skip: Path | None = None) -> Intake:
    """Every submission under ``root`` (see the module docstring); ``timezone``: of the
    times in Blackboard's file names (None: UTC); ``skip``: a folder that is no submission
    (the grading run's output, when it was put among the submissions)."""
    root = _unwrap(Path(root), course)
    intake = Intake(root)
    skip = Path(skip).resolve() if skip is not None else None
    lms_files: list[Path] = []
    for child in _children(root):
        if skip is not None and child.resolve() == skip:
            intake.notes.append(f"skipped {child.name}: the grading's own output folder")
        elif child.is_symlink():
            intake.notes.append(f"skipped symbolic link {child.name}")
        elif child.is_dir() and not child.name.endswith(".ipynb"):
            _student_folder(child, course, intake)
        else:
            lms_files.append(child)
    _lms(lms_files, course, intake, timezone or UTC)
    _one_per_key(intake)
    intake.jobs.sort(key=lambda j: j.key)
    intake.rows.sort(key=lambda r: r.key)
    return intake


def _unknown_row(student: str, name: str, message: str, files: dict[str, Path],
                 status: Status = Status.UNKNOWN_ASSIGNMENT,
                 submitted_at: str = "") -> SubmissionResult:
    return SubmissionResult(student_id=student, assignment=name, status=status,
                            message=message, content_hash=_content_hash(files),
                            submitted_at=submitted_at)


def _timestamp(files: dict[str, Path], where: str, notes: list[str]) -> str:
    """Take nbgrader's ``timestamp.txt`` out of ``files`` (so that it is neither hashed nor
    copied) and return its time as ISO 8601; "" (and a note) when it is unreadable."""
    path = files.pop(TIMESTAMP, None)
    if path is None:
        return ""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        return parse_timestamp(text, UTC).isoformat()
    except (OSError, ValueError) as exc:
        notes.append(f"{where}/{TIMESTAMP}: not a time ({exc}); counted as on time")
        return ""


def _make_job(student: str, assignment: str, course: Course, files: dict[str, Path],
              notebooks: dict[str, Path], notes: list[str]) -> Job:
    """A job grading ``notebooks`` (file names as submitted -> path) of ``assignment``."""
    expected = course.notebooks_of(assignment)
    present = {name[:-len(".ipynb")]: path for name, path in notebooks.items()}
    unmatched = sorted(stem for stem in present if course.notebook_named(stem) is None
                       or course.notebook_named(stem).assignment != assignment)
    missing = [nb for nb in expected if nb.name not in present]
    # another assignment's notebook is never graded as this one's, renamed
    foreign = {stem: nb.assignment for stem in unmatched
               if (nb := course.notebook_named(stem)) is not None}
    renamed = [stem for stem in unmatched if stem not in foreign]
    jobs_nbs, flags = [], []
    for nb in expected:
        if nb.name in present:
            jobs_nbs.append(NotebookJob(nb.name, str(nb.path), str(present[nb.name])))
        elif len(missing) == 1 and len(renamed) == 1:
            got = renamed.pop()
            jobs_nbs.append(NotebookJob(nb.name, str(nb.path), str(present[got]),
                                        note=f"the notebook was renamed: graded "
                                             f"'{got}.ipynb' as '{nb.filename}'"))
            flags.append(RENAMED)
        else:
            note = ""
            if renamed:
                note = (f"{nb.filename} is missing and the folder holds "
                        f"{', '.join(u + '.ipynb' for u in renamed)}: cannot tell which to "
                        "grade; rename it to " + nb.filename)
            elif foreign:
                note = f"{nb.filename} is missing; the folder holds " + ", ".join(
                    f"{stem}.ipynb (the notebook of {owner})" for stem, owner in foreign.items())
            jobs_nbs.append(NotebookJob(nb.name, str(nb.path), None, note=note))
    for stem in unmatched:
        if not any(j.note and stem in j.note for j in jobs_nbs):
            owner = f" (it is {foreign[stem]}'s)" if stem in foreign else ""
            notes.append(f"{stem}.ipynb is not a notebook of this assignment{owner}; "
                         "not graded")
    graded_paths = {j.path for j in jobs_nbs if j.path}
    other = {rel: p for rel, p in files.items() if str(p) not in graded_paths
             and not rel.endswith(".ipynb")}
    return Job(student_id=student, assignment=assignment, notebooks=jobs_nbs,
               files={rel: str(p) for rel, p in other.items()},
               support={rel: str(p) for rel, p in course.support_files(assignment).items()},
               content_hash=_content_hash(files), source_hash=course.source_hash(assignment),
               notes=notes, flags=flags)


def _student_folder(folder: Path, course: Course, intake: Intake) -> None:
    student = student_id(folder.name)
    loose: dict[str, Path] = {}
    folders: list[Path] = []
    for child in _children(folder):
        if child.is_symlink():
            intake.notes.append(f"{student}: skipped symbolic link {child.name}")
        elif child.is_dir() and not child.name.endswith(".ipynb"):
            folders.append(child)
        else:
            loose[child.name] = child
    taken: set[str] = set()
    found = intake.count
    # assignment folders first, then folders with another name, then loose files
    folders.sort(key=lambda p: (p.name not in course.assignments, p.name))
    for child in folders:
        files = files_under(child)
        notes: list[str] = []
        submitted_at = _timestamp(files, f"{student}/{child.name}", intake.notes)
        top_notebooks = {rel: p for rel, p in files.items()
                         if "/" not in rel and rel.endswith(".ipynb")}
        assignment = child.name
        if assignment not in course.assignments:
            owners = {course.notebook_named(n).assignment for n in top_notebooks
                      if course.notebook_named(n)}
            if len(owners) == 1 and not owners & taken:
                assignment = owners.pop()
                notes.append(f"folder '{child.name}' graded as assignment '{assignment}'")
            else:
                deeper = (f"; it holds assignment folders: is it a student's folder one "
                          f"level too deep? Move it next to '{student}'"
                          if _is_student_folder(child, course) else "")
                intake.rows.append(_unknown_row(
                    student, child.name, f"folder '{child.name}' is not an assignment of the "
                    f"course (assignments: {', '.join(course.assignments)}){deeper}", files,
                    submitted_at=submitted_at))
                continue
        job = _make_job(student, assignment, course, files, top_notebooks, notes)
        job.submitted_at = submitted_at
        intake.jobs.append(job)
        taken.add(assignment)
    for name, path in loose.items():
        nb = course.notebook_named(name) if name.endswith(".ipynb") else None
        if nb is None:
            if name.endswith(".ipynb"):
                intake.rows.append(_unknown_row(
                    student, name, f"{name} matches no notebook of the course (notebooks: "
                    f"{', '.join(n.filename for n in course.notebooks)})", {name: path}))
            else:
                intake.notes.append(f"{student}: ignored {name} (not in an assignment folder)")
        elif nb.assignment in taken:
            intake.notes.append(f"{student}: ignored {name} next to the folder {nb.assignment}")
        else:
            intake.jobs.append(_make_job(student, nb.assignment, course, {name: path},
                                         {name: path}, [f"{name} was not in an assignment "
                                                        f"folder; graded as {nb.assignment}"]))
            taken.add(nb.assignment)
    if intake.count == found:
        intake.notes.append(f"{student}: nothing to grade in this folder (no assignment "
                            "folder, no notebook)")


def _lms(paths: list[Path], course: Course, intake: Intake, timezone: tzinfo) -> None:
    found: list[tuple[LmsName, Path]] = []
    for path in paths:
        receipt = BLACKBOARD.match(path.name)
        if receipt and not receipt.group("file"):
            intake.notes.append(f"skipped Blackboard's receipt {path.name}")
            continue
        parsed = parse_lms_name(path.name, course)
        if parsed is None:
            intake.rows.append(_unknown_file(path, course))
            continue
        found.append((parsed, path))
    groups: dict[tuple[str, str], dict[str, list[tuple[int, Path]]]] = {}
    twins = _same_names(found, course)
    shared: dict[str, str] = {}   # a student graded as <name>_<number> -> that name
    for parsed, path in found:
        student = parsed.student
        if student in twins and parsed.account:
            student = f"{student}_{parsed.account}"
            shared[student] = parsed.student
        groups.setdefault((student, course.notebook_named(parsed.notebook).assignment),
                          {}).setdefault(parsed.notebook, []).append((parsed.version, path))
    for (student, assignment), by_name in sorted(groups.items()):
        files, notebooks, notes = {}, {}, []
        for name, copies in sorted(by_name.items()):
            copies.sort(key=lambda vp: (vp[0], vp[1].name))
            version, chosen = copies[-1]
            if len(copies) > 1:
                notes.append(f"{len(copies)} uploads of {name}.ipynb; graded the latest, "
                             f"{chosen.name}")
            files[f"{name}.ipynb"] = chosen
            notebooks[f"{name}.ipynb"] = chosen
        if student in shared:
            notes.append(twins[shared[student]])
        job = _make_job(student, assignment, course, files, notebooks, notes)
        if student in shared:
            job.flags.append(SAME_NAME)
        times = [t for p in notebooks.values() if (t := blackboard_time(p.name, timezone))]
        job.submitted_at = max(times).isoformat() if times else ""
        intake.jobs.append(job)
    intake.notes.extend(sorted(set(twins.values())))


def _unknown_file(path: Path, course: Course) -> SubmissionResult:
    """The row of a file that names no student and notebook of the course."""
    expected = "expected <student>_<anything>_<notebook>.ipynb"
    if parse_lms_name(f"x_{path.name}", course) is not None:   # a notebook's name, no student
        return _unknown_row("(unknown)", path.name, f"file {path.name} names no student before "
                            f"the notebook ({expected})", {path.name: path})
    student = path.name.split("_", 1)[0] if "_" in path.name else ""
    return _unknown_row(student_id(student) or "(unknown)", path.name,
                        f"file {path.name} matches no notebook of the course ({expected} with "
                        f"a notebook among {', '.join(n.filename for n in course.notebooks)})",
                        {path.name: path})


def _same_names(found: list[tuple[LmsName, Path]], course: Course) -> dict[str, str]:
    """The names that stand for several students (their uploads of one assignment carry
    different LMS numbers), each with the note saying how they are graded."""
    accounts: dict[tuple[str, str], set[str]] = {}
    for parsed, _path in found:
        if parsed.account:
            key = (parsed.student, course.notebook_named(parsed.notebook).assignment)
            accounts.setdefault(key, set()).add(parsed.account)
    numbers: dict[str, set[str]] = {}
    for (student, _assignment), seen in accounts.items():
        if len(seen) > 1:
            numbers.setdefault(student, set()).update(seen)
    return {student: (f"students of the same name '{student}' (LMS numbers "
                      f"{', '.join(sorted(seen))}): each graded as '{student}_<number>'; "
                      "use these ids in the roster")
            for student, seen in numbers.items()}


def _one_per_key(intake: Intake) -> None:
    """Keep one submission per (student, assignment), the first found; the kept one's row
    says where the others were (they are not graded)."""
    kept: dict[tuple[str, str], Job | SubmissionResult] = {}
    for item in [*intake.jobs, *intake.rows]:
        first = kept.setdefault(item.key, item)
        if first is item:
            continue
        where, there = _where(item, intake.root), _where(first, intake.root)
        note = (f"another submission of {item.student_id} for {item.assignment} was found "
                f"({where}): not graded; this row is for {there}. Keep one of them")
        intake.notes.append(note)
        if isinstance(first, Job):
            first.notes.append(note)
            if DUPLICATE not in first.flags:   # once, however many copies
                first.flags.append(DUPLICATE)
        else:
            first.message = f"{first.message}; {note}"
    intake.jobs = [j for j in intake.jobs if kept[j.key] is j]
    intake.rows = [r for r in intake.rows if kept[r.key] is r]


def _where(item: Job | SubmissionResult, root: Path) -> str:
    """The files of a submission, as the instructor finds them under ``root``."""
    paths = ([nb.path for nb in item.notebooks if nb.path] if isinstance(item, Job)
             else [])
    shown = []
    for path in paths or []:
        try:
            shown.append(Path(path).relative_to(root).as_posix())
        except ValueError:
            shown.append(str(path))
    return ", ".join(shown) or f"{item.student_id}/{item.assignment}"


# --------------------------------------------------------------------------- manifest

def read_manifest(path: Path, timezone: tzinfo | None = None) -> dict[tuple[str, str], str]:
    """A manifest's times: ``student_id,assignment,submitted_at`` rows (ISO 8601; without an
    offset in ``timezone``, default UTC) -> {(student, assignment): ISO 8601 with offset}.
    IntakeError naming the file and line of anything wrong."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            if header != list(MANIFEST_COLUMNS):
                raise IntakeError(f"manifest {path}, line 1: the columns must be "
                                  f"{','.join(MANIFEST_COLUMNS)}, got {','.join(header)!r}")
            return _manifest_rows(path, reader, timezone or UTC)
    except OSError as exc:
        raise IntakeError(f"cannot read the manifest {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise IntakeError(f"manifest {path}: not UTF-8 text (byte {exc.start}); save it as "
                          "'CSV UTF-8'") from None


def _manifest_rows(path: Path, reader, timezone: tzinfo) -> dict[tuple[str, str], str]:
    times: dict[tuple[str, str], str] = {}
    for row in reader:
        line = reader.line_num
        if not any(v.strip() for v in row):
            continue
        if len(row) != len(MANIFEST_COLUMNS):
            raise IntakeError(f"manifest {path}, line {line}: {len(MANIFEST_COLUMNS)} columns "
                              f"expected, got {len(row)}")
        student, assignment, when = (v.strip() for v in row)
        student = student_id(student)
        if not student or not assignment:
            raise IntakeError(f"manifest {path}, line {line}: empty student_id or assignment")
        if (student, assignment) in times:
            raise IntakeError(f"manifest {path}, line {line}: {student} / {assignment} again")
        try:
            times[(student, assignment)] = parse_timestamp(when, timezone).isoformat()
        except ValueError as exc:
            raise IntakeError(f"manifest {path}, line {line}: submitted_at: {exc}") from None
    return times


def apply_manifest(intake: Intake, times: dict[tuple[str, str], str]) -> None:
    """The manifest's times on the submissions found (they win over any other source);
    a manifest row that matches no submission is said in the intake's notes."""
    found = {x.key: x for x in [*intake.jobs, *intake.rows]}
    for key, when in sorted(times.items()):
        if key in found:
            found[key].submitted_at = when
        else:
            intake.notes.append(f"manifest: no submission of {key[0]} / {key[1]} found")
