"""Fixtures of the grading tool's tests: a synthetic course and one graded class.

The class (every bad input the grader must survive, one submission each) is graded once per
test session by the real command line, ``python -m autograder grade -j 2``; with pytest-xdist
the first worker grades it and the others wait for it and read the same output folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from class_builder import run_cli
from session_build import shared as _shared
from synthetic_course import write_course


@pytest.fixture(scope="session")
def course_source(tmp_path_factory) -> Path:
    """The synthetic course's source folder (see synthetic_course)."""
    return Path(_shared(tmp_path_factory, "course",
                        lambda folder: {"source": str(write_course(folder))})["source"])


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, course_source) -> dict:
    """The bad-input class, zipped, graded by the CLI: {"submissions", "zip", "out",
    "returncode", "stdout", "stderr"}; see class_builder for who submitted what."""
    from class_builder import build_class, zip_folder

    def build(folder: Path) -> dict:
        submissions = build_class(course_source, folder / "submissions")
        archive = zip_folder(submissions, folder / "submissions.zip")
        out = folder / "out"
        done = run_cli("grade", str(archive), "--out", str(out), "--source",
                       str(course_source), "-j", "2", "--timeout", "3", "--memory", "2048")
        return {"submissions": str(submissions), "zip": str(archive), "out": str(out),
                "returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr}

    return _shared(tmp_path_factory, "graded_class", build)
