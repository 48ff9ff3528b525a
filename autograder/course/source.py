"""The course as the grading tool sees it: assignments and their source notebooks.

The source folder (default: the repository's ``notebooks/``) holds one folder per assignment,
named after the assignment id, with the instructor's nbgrader *source* notebooks and any
files they need. Notebook names are unique across the course, so a file downloaded from an
LMS is matched to its assignment by the notebook name alone.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config import Config

from autograder import nbgrader_config

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = REPO / "notebooks"
DEFAULT_BUILD = Path("build")
DEFAULT_RELEASE = DEFAULT_BUILD / "release"


class CourseError(ValueError):
    """The source folder cannot be used as a course (missing, empty, duplicate names)."""


@dataclass(frozen=True)
class SourceNotebook:
    """One instructor notebook: ``<source>/<assignment>/<name>.ipynb``."""

    assignment: str
    name: str  # file stem, e.g. "logistic_unit"
    path: Path

    @property
    def filename(self) -> str:
        return f"{self.name}.ipynb"


@dataclass
class Course:
    """The assignments found in a source folder."""

    source: Path
    notebooks: list[SourceNotebook] = field(default_factory=list)

    @property
    def assignments(self) -> list[str]:
        return sorted({nb.assignment for nb in self.notebooks})

    def notebooks_of(self, assignment: str) -> list[SourceNotebook]:
        return [nb for nb in self.notebooks if nb.assignment == assignment]

    def notebook_named(self, name: str) -> SourceNotebook | None:
        """The notebook with file stem ``name`` (``.ipynb`` suffix allowed), or None."""
        stem = name[:-len(".ipynb")] if name.endswith(".ipynb") else name
        return next((nb for nb in self.notebooks if nb.name == stem), None)

    def support_files(self, assignment: str) -> dict[str, Path]:
        """Files the assignment's notebooks need (everything but notebooks and ignored names),
        keyed by their path relative to the assignment folder."""
        folder = self.source / assignment
        out: dict[str, Path] = {}
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_dir() or path.suffix == ".ipynb" or _ignored(rel):
                continue
            out[rel.as_posix()] = path
        return out

    def source_hash(self, assignment: str) -> str:
        """Hash of the assignment's source notebooks and files: a change means regrading."""
        digest = hashlib.sha256()
        files = {nb.filename: nb.path for nb in self.notebooks_of(assignment)}
        files.update(self.support_files(assignment))
        for rel in sorted(files):
            digest.update(rel.encode() + b"\0" + files[rel].read_bytes() + b"\0")
        return digest.hexdigest()[:16]

    def describe(self) -> str:
        """``01_a (a.ipynb), 02_b (b.ipynb)``: for error messages listing what is valid."""
        return ", ".join(f"{a} ({', '.join(nb.filename for nb in self.notebooks_of(a))})"
                         for a in self.assignments)


def _ignored(rel: Path) -> bool:
    patterns = nbgrader_config.apply(Config()).CourseDirectory.ignore
    return any(fnmatch.fnmatch(part, pat) for part in rel.parts for pat in patterns) or any(
        part.startswith(".") for part in rel.parts)


def load_course(source: Path | str = DEFAULT_SOURCE) -> Course:
    """Find the assignments under ``source``; raise CourseError with what is wrong."""
    source = Path(source).resolve()
    if not source.is_dir():
        raise CourseError(f"source folder {source} does not exist")
    notebooks = []
    for folder in sorted(p for p in source.iterdir() if p.is_dir() and not _ignored(
            Path(p.name))):
        for path in sorted(folder.glob("*.ipynb")):
            notebooks.append(SourceNotebook(folder.name, path.stem, path))
    if not notebooks:
        raise CourseError(f"no source notebooks in {source} (expected "
                          f"{source}/<assignment>/<notebook>.ipynb)")
    seen: dict[str, SourceNotebook] = {}
    for nb in notebooks:
        if nb.name in seen:
            raise CourseError(f"notebook name {nb.filename!r} is used by two assignments "
                              f"({seen[nb.name].assignment} and {nb.assignment}); notebook "
                              "names must be unique across the course")
        seen[nb.name] = nb
    return Course(source, notebooks)


def nbgrader_config_for(root: Path) -> Config:
    """The course's nbgrader configuration for a course folder at ``root``."""
    c = nbgrader_config.apply(Config())
    c.CourseDirectory.root = str(Path(root).resolve())
    c.CourseDirectory.db_url = f"sqlite:///{Path(root).resolve() / 'gradebook.db'}"
    return c


def venv_on_path() -> None:
    """Kernels and nbgrader's helpers come from this interpreter's environment: put its bin/
    first on PATH (nbgrader shells out to ``alembic``)."""
    bindir = str(Path(sys.executable).absolute().parent)
    if not os.environ.get("PATH", "").startswith(bindir + os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
