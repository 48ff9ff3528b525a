"""What an LMS download's file name says: the student, the notebook, the upload's number and
the LMS's own number for the student (:func:`parse_lms_name`), and a Blackboard attempt's time
(:func:`blackboard_time`). Names only: which files make a submission is
:mod:`autograder.intake.find`'s.

- ``<student_id>_<anything>_<notebook>.ipynb``: the name's first field is the student, its
  end the course's notebook (letter case aside), after a resubmission or copy suffix
  (``-1``, `` (2)``, ``-Copy1``) if any;
- Canvas: ``<sortable name>_[LATE_]<user id>_<file id>_<file>``; Moodle:
  ``<full name>_<participant number>_assignsubmission_file_<file>``: the number after the
  name is the LMS's for the student (:attr:`LmsName.account`);
- Blackboard: ``<Assignment>_<username>_attempt_<yyyy-mm-dd-hh-mm-ss>_<file>`` (the
  username must hold no ``_``), and ``..._attempt_<time>.txt`` receipts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from typing import NamedTuple

from autograder.course.source import Course
from autograder.vocabulary import student_id

#: What an LMS or Jupyter adds to a notebook's name on a new upload or a copy, one or more:
#: ``-2``, `` (3)``, ``-Copy1`` (``logistic_unit (1)-1``).
RESUBMISSION = re.compile(r"(?:-\d+| \(\d+\)|-Copy\d*)+$", re.IGNORECASE)
BLACKBOARD = re.compile(r"^(?P<assignment>.+)_(?P<student>[^_]+)_attempt_"
                        r"(?P<when>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:_(?P<file>.+)|\.txt)$")


class LmsName(NamedTuple):
    """What an LMS download's file name says (:func:`parse_lms_name`)."""

    student: str    # the name's first field
    notebook: str   # the course's notebook it holds
    version: int    # its resubmission number (0: none)
    account: str    # the LMS's number for the student ("" when the name has none)


def parse_lms_name(filename: str, course: Course) -> LmsName | None:
    """``alice_123_logistic_unit-2.ipynb`` -> ("alice", "logistic_unit", 2, "123"); None when
    no notebook of the course ends the name (letter case aside). A Blackboard name,
    ``<Assignment>_<username>_attempt_<time>_<file>``, gives the username."""
    if not filename.lower().endswith(".ipynb"):
        return None
    blackboard = BLACKBOARD.match(filename)
    if blackboard and blackboard.group("file"):
        filename = f"{blackboard.group('student')}_{blackboard.group('file')}"
    stem = filename[:-len(".ipynb")]
    version = 0
    candidates = [stem]
    m = RESUBMISSION.search(stem)
    if m:
        numbers = re.findall(r"\d+", m.group(0))
        version = int(numbers[-1]) if numbers else 0
        candidates.append(stem[:m.start()])
    for candidate in candidates:
        for nb in sorted(course.notebooks, key=lambda n: -len(n.name)):
            if (candidate.lower().endswith("_" + nb.name.lower())
                    and len(candidate) > len(nb.name) + 1):
                student, *rest = candidate[:-len(nb.name) - 1].split("_")
                if student.strip(" ."):
                    v = version if candidate is not stem else 0
                    return LmsName(student_id(student), nb.name, v, _account(rest))
    return None


def _account(fields: list[str]) -> str:
    """The LMS's number for the student among the fields after the name: Canvas's
    ``[LATE_]<user id>_<file id>``, Moodle's ``<participant>_assignsubmission_file``."""
    if fields[:1] == ["LATE"]:
        fields = fields[1:]
    return fields[0] if fields and fields[0].isdigit() else ""


def blackboard_time(filename: str, timezone: tzinfo | None = None) -> datetime | None:
    """The attempt's time in a Blackboard download's name (in ``timezone``, default UTC);
    None when the name is not Blackboard's."""
    m = BLACKBOARD.match(filename)
    if m is None:
        return None
    try:
        when = datetime.strptime(m.group("when"), "%Y-%m-%d-%H-%M-%S")
    except ValueError:
        return None
    return when.replace(tzinfo=timezone or UTC)
