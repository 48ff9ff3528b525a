"""The grader's words, defined once: what marks a notebook's cells, and what a flag says.

- **nbgrader's cell metadata** (``cell.metadata["nbgrader"]``): :func:`nbgrader_meta`,
  :func:`grade_id_of`. The grading *rules* that read it as nbgrader does (raw values, for the
  checksum) are :mod:`autograder.course.rules`.
- **Hidden tests**: the lines of a test cell between a line holding :data:`HIDDEN_BEGIN` and
  one holding :data:`HIDDEN_END` (nbgrader's ``ClearHiddenTests`` delimiters, found anywhere in
  the line as nbgrader finds them; the notebooks write ``### BEGIN HIDDEN TESTS``).
- **Test cells**: the cells testing graded name ``<name>`` (a solution cell's grade id) are
  ``test_<name><suffix>`` for each of :data:`TEST_CELL_SUFFIXES` (:func:`cells_testing`).
- **Flags** on a submission: :data:`TAMPERED` (code that patches what the tests rely on) and
  :data:`COPIED` (``copied_reference:<name>``: a graded function taken from course_lib) withhold
  points (:func:`is_serious`); other flags only inform.
"""

from __future__ import annotations

import unicodedata
from typing import Any

HIDDEN_BEGIN = "BEGIN HIDDEN TESTS"
HIDDEN_END = "END HIDDEN TESTS"

#: ``test_<name>`` (visible), ``test_<name>_hidden``, ``test_<name>_gradcheck``. The mistake
#: catalogue (course_lib.mistakes, which never imports the grader) repeats them; a test holds
#: the two equal.
TEST_CELL_SUFFIXES = ("", "_hidden", "_gradcheck")

TAMPERED = "tampered"
#: Flags that only inform, from intake (:mod:`autograder.intake.find`): a notebook graded under
#: its course name; a student's other copy of the same submission, not graded; a student
#: whose LMS name is shared with another student (graded as ``<name>_<LMS number>``).
RENAMED = "renamed_notebook"
DUPLICATE = "duplicate_submission"
SAME_NAME = "same_name_students"
COPIED = "copied_reference"
#: Flags that withhold points: an honest submission never gets them.
SERIOUS_FLAGS = (TAMPERED, COPIED)


def nbgrader_meta(cell: Any) -> dict:
    """The cell's nbgrader metadata ({} when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id_of(cell: Any) -> str | None:
    """The cell's grade id, or None (no metadata, or an empty or malformed id)."""
    gid = nbgrader_meta(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def cells_testing(name: str) -> tuple[str, ...]:
    """The grade ids of the test cells of graded name ``name``, visible first."""
    return tuple(f"test_{name}{suffix}" for suffix in TEST_CELL_SUFFIXES)


def student_id(text: str) -> str:
    """A student id as every stage compares it: Unicode's composed form (NFC). A zip made on
    macOS spells "José" as "Jose" and a combining accent; a roster typed elsewhere, with one
    letter "é". Both are the same student."""
    return unicodedata.normalize("NFC", text)


def is_serious(flag: str) -> bool:
    """True for a flag that withholds points (``copied_reference:sigmoid`` included)."""
    return flag.split(":", 1)[0] in SERIOUS_FLAGS
