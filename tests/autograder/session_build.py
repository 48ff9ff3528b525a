"""Build a test fixture once per test session, even across pytest-xdist workers."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path


def shared(tmp_path_factory, name: str, build) -> dict:
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


def shared_grading(tmp_path_factory, name: str, grade_the_class) -> dict:
    """:func:`shared` for a class graded once (``grade_the_class(folder)`` returns a record
    whose "out" is the run's folder): the record, with "out" a Path and "rows" the rows of its
    grades.csv by student."""
    from autograder.records.ledger import read_csv

    record = shared(tmp_path_factory, name, grade_the_class)
    record["out"] = Path(record["out"])
    record["rows"] = {r["student_id"]: r for r in read_csv(record["out"] / "grades.csv")}
    return record
