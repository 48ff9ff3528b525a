"""Fixtures shared by the notebook tests: one nbgrader course folder per test worker."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from nbgrader_course import NbgraderCourse  # noqa: E402


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> NbgraderCourse:
    """An nbgrader course holding every source notebook; releases are made on first use."""
    return NbgraderCourse(tmp_path_factory.mktemp("course"))
