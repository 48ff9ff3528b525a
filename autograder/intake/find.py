"""Find the submissions in what the instructor downloaded.

Accepted: a folder or a ``.zip`` of it, in either layout (both may be mixed):

- nbgrader's: ``<student_id>/<assignment>/<notebook>.ipynb`` (plus any files);
- LMS downloads, flat: ``<student_id>_<anything>_<notebook>.ipynb``; the notebook name is
  matched to its assignment (notebook names are unique in the course), a resubmission suffix
  (``-1``, `` (2)``) is tolerated and the latest copy is graded.

A zip is checked before anything is extracted: absolute paths, ``..`` components and symbolic
links make the whole archive rejected (:class:`IntakeError`), and it is extracted under the
output folder only. Every submission found becomes a :class:`~autograder.intake.jobs.Job` or,
when it cannot be graded at all (a file matching no notebook, an unreadable file), a result row.
A notebook the student renamed is graded when it is the assignment's only notebook and the
only ``.ipynb`` in the folder; with several candidates the row says ``missing_notebook``.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.course.source import Course
from autograder.intake.jobs import Job, NotebookJob
from autograder.records.results import Status, SubmissionResult

JUNK = {"__MACOSX", ".DS_Store", ".ipynb_checkpoints", "__pycache__", "Thumbs.db"}
MAX_UNZIPPED_BYTES = 4_000_000_000
RESUBMISSION = re.compile(r"(?:-\d+| \(\d+\))$")


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
        raise IntakeError(f"{path} is neither a folder nor a zip archive")


def open_submissions(path: Path, workdir: Path) -> Path:
    """The folder to read submissions from: ``path`` itself, or a zip extracted (after
    :func:`check_zip`) into ``workdir/<zip name>``."""
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
            for info in archive.infolist():
                target = dest.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
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
    return dest


# --------------------------------------------------------------------------- discovery

def _junk(path: Path) -> bool:
    return path.name in JUNK or path.name.startswith(".")


def _children(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if not _junk(p))
    except OSError:
        return []


def _files_under(folder: Path) -> dict[str, Path]:
    """Regular files under ``folder`` by relative path (symlinks and junk skipped)."""
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


def discover(root: Path, course: Course) -> Intake:
    """Every submission under ``root`` (see the module docstring)."""
    root = _unwrap(Path(root), course)
    intake = Intake(root)
    lms_files: list[Path] = []
    for child in _children(root):
        if child.is_symlink():
            intake.notes.append(f"skipped symbolic link {child.name}")
        elif child.is_dir() and not child.name.endswith(".ipynb"):
            _student_folder(child, course, intake)
        else:
            lms_files.append(child)
    _lms(lms_files, course, intake)
    intake.jobs.sort(key=lambda j: j.key)
    intake.rows.sort(key=lambda r: r.key)
    return intake


def _unknown_row(student: str, name: str, message: str, files: dict[str, Path],
                 status: Status = Status.UNKNOWN_ASSIGNMENT) -> SubmissionResult:
    return SubmissionResult(student_id=student, assignment=name, status=status,
                            message=message, content_hash=_content_hash(files))


def _make_job(student: str, assignment: str, course: Course, files: dict[str, Path],
              notebooks: dict[str, Path], notes: list[str]) -> Job:
    """A job grading ``notebooks`` (file names as submitted -> path) of ``assignment``."""
    expected = course.notebooks_of(assignment)
    present = {name[:-len(".ipynb")]: path for name, path in notebooks.items()}
    unmatched = sorted(stem for stem in present if course.notebook_named(stem) is None
                       or course.notebook_named(stem).assignment != assignment)
    missing = [nb for nb in expected if nb.name not in present]
    jobs_nbs, flags = [], []
    for nb in expected:
        if nb.name in present:
            jobs_nbs.append(NotebookJob(nb.name, str(nb.path), str(present[nb.name])))
        elif len(missing) == 1 and len(unmatched) == 1:
            got = unmatched.pop()
            jobs_nbs.append(NotebookJob(nb.name, str(nb.path), str(present[got]),
                                        note=f"the notebook was renamed: graded "
                                             f"'{got}.ipynb' as '{nb.filename}'"))
            flags.append("renamed_notebook")
        else:
            note = ""
            if unmatched:
                note = (f"{nb.filename} is missing and the folder holds "
                        f"{', '.join(u + '.ipynb' for u in unmatched)}: cannot tell which to "
                        "grade; rename it to " + nb.filename)
            jobs_nbs.append(NotebookJob(nb.name, str(nb.path), None, note=note))
    for stem in unmatched:
        if not any(j.note and stem in j.note for j in jobs_nbs):
            notes.append(f"{stem}.ipynb is not a notebook of this assignment; not graded")
    graded_paths = {j.path for j in jobs_nbs if j.path}
    other = {rel: p for rel, p in files.items() if str(p) not in graded_paths
             and not rel.endswith(".ipynb")}
    return Job(student_id=student, assignment=assignment, notebooks=jobs_nbs,
               files={rel: str(p) for rel, p in other.items()},
               support={rel: str(p) for rel, p in course.support_files(assignment).items()},
               content_hash=_content_hash(files), source_hash=course.source_hash(assignment),
               notes=notes, flags=flags)


def _student_folder(folder: Path, course: Course, intake: Intake) -> None:
    student = folder.name
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
    # assignment folders first, then folders with another name, then loose files
    folders.sort(key=lambda p: (p.name not in course.assignments, p.name))
    for child in folders:
        files = _files_under(child)
        top_notebooks = {rel: p for rel, p in files.items()
                         if "/" not in rel and rel.endswith(".ipynb")}
        notes: list[str] = []
        assignment = child.name
        if assignment not in course.assignments:
            owners = {course.notebook_named(n).assignment for n in top_notebooks
                      if course.notebook_named(n)}
            if len(owners) == 1 and not owners & taken:
                assignment = owners.pop()
                notes.append(f"folder '{child.name}' graded as assignment '{assignment}'")
            else:
                intake.rows.append(_unknown_row(
                    student, child.name, f"folder '{child.name}' is not an assignment of the "
                    f"course (assignments: {', '.join(course.assignments)})", files))
                continue
        intake.jobs.append(_make_job(student, assignment, course, files, top_notebooks, notes))
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


def parse_lms_name(filename: str, course: Course) -> tuple[str, str, int] | None:
    """``alice_123_logistic_unit-2.ipynb`` -> ("alice", "logistic_unit", 2); None when no
    notebook of the course ends the name."""
    if not filename.endswith(".ipynb"):
        return None
    stem = filename[:-len(".ipynb")]
    version = 0
    candidates = [stem]
    m = RESUBMISSION.search(stem)
    if m:
        digits = re.sub(r"\D", "", m.group(0))
        version = int(digits) if digits else 0
        candidates.append(stem[:m.start()])
    for candidate in candidates:
        for nb in sorted(course.notebooks, key=lambda n: -len(n.name)):
            if candidate.endswith("_" + nb.name) and len(candidate) > len(nb.name) + 1:
                prefix = candidate[:-len(nb.name) - 1]
                student = prefix.split("_", 1)[0]
                if student.strip(" ."):
                    v = version if candidate is not stem else 0
                    return student, nb.name, v
    return None


def _lms(paths: list[Path], course: Course, intake: Intake) -> None:
    groups: dict[tuple[str, str], dict[str, list[tuple[int, Path]]]] = {}
    for path in paths:
        parsed = parse_lms_name(path.name, course)
        if parsed is None:
            student = path.name.split("_", 1)[0] if "_" in path.name else "(unknown)"
            intake.rows.append(_unknown_row(
                student, path.name, f"file {path.name} matches no notebook of the course "
                f"(expected <student>_<anything>_<notebook>.ipynb with a notebook among "
                f"{', '.join(n.filename for n in course.notebooks)})", {path.name: path}))
            continue
        student, name, version = parsed
        nb = course.notebook_named(name)
        groups.setdefault((student, nb.assignment), {}).setdefault(name, []).append(
            (version, path))
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
        intake.jobs.append(_make_job(student, assignment, course, files, notebooks, notes))
