"""Fixtures of the grading tool's tests: a synthetic course and one graded class.

The class (every bad input the grader must survive, one submission each) is graded once per
test session by the real command line, ``python -m autograder grade -j 2``; with pytest-xdist
the first worker grades it and the others wait for it and read the same output folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic_course import write_course

from autograder.course import venv_on_path

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path | None = None,
            timeout: float = 240) -> subprocess.CompletedProcess:
    """``python -m autograder ARGS`` in a fresh process (as an instructor runs it)."""
    venv_on_path()
    env = dict(os.environ, PYTHONHASHSEED="0")
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd or REPO,
                          env=env, capture_output=True, text=True, timeout=timeout)


def _shared(tmp_path_factory, name: str, build) -> dict:
    """Build ``name`` once per session, even across xdist workers; return its JSON record."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / name
    record = folder / "record.json"
    folder.mkdir(parents=True, exist_ok=True)
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            record.write_text(json.dumps(build(folder)))
    return json.loads(record.read_text())


@pytest.fixture(scope="session")
def course_source(tmp_path_factory) -> Path:
    """The synthetic course's source folder (see synthetic_course)."""
    return Path(_shared(tmp_path_factory, "course",
                        lambda folder: {"source": str(write_course(folder))})["source"])


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, course_source) -> dict:
    """The bad-input class graded by the CLI: {"submissions", "out", "returncode", "stdout",
    "stderr"}; see class_builder.build_class for who submitted what."""
    from class_builder import build_class

    def build(folder: Path) -> dict:
        submissions = build_class(course_source, folder / "submissions")
        out = folder / "out"
        done = run_cli("grade", str(submissions), "--out", str(out), "--source",
                       str(course_source), "-j", "2", "--timeout", "3", "--memory", "1024")
        return {"submissions": str(submissions), "out": str(out),
                "returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr}

    return _shared(tmp_path_factory, "graded_class", build)
