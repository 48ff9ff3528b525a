"""Build a test fixture once per test session, even across pytest-xdist workers."""

from __future__ import annotations

import fcntl
import json
import os


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
