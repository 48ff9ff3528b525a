"""Grading on a real Dask cluster (a scheduler and two workers on 127.0.0.1, no mocks) gives
the local run's grades, and a worker killed mid-run costs nothing.

The local run to compare with is the ``graded_class`` fixture's (the bad-input class graded by
``grade -j 2``), graded here again through ``grade --scheduler`` with the same options.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from class_builder import run_cli

from autograder.course.reference import cached_reference
from autograder.course.source import venv_on_path
from autograder.grade.cluster import _shipped, local_cluster
from autograder.intake.jobs import Job, NotebookJob
from autograder.records.ledger import read_csv

OPTIONS = ("--timeout", "3", "--memory", "2048", "--no-progress")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> str:
    """The scheduler file of a local cluster of two workers (stopped after the module)."""
    venv_on_path()
    with local_cluster(2, tmp_path_factory.mktemp("dask")) as scheduler_file:
        yield scheduler_file


def grade_args(graded_class: dict, course_source: Path, out: Path, scheduler: str) -> list:
    return ["grade", graded_class["zip"], "--out", str(out), "--source", str(course_source),
            "--scheduler", scheduler, *OPTIONS]


def ledger_keys(out: Path) -> list[tuple[str, str]]:
    path = out / "ledger.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [(r["student_id"], r["assignment"]) for r in map(json.loads, lines)]


def assert_same_grades(out: Path, graded_class: dict) -> None:
    local = read_csv(Path(graded_class["out"]) / "grades.csv")
    assert local, "the local run wrote no grades"
    assert read_csv(out / "grades.csv") == local
    keys = ledger_keys(out)
    assert sorted(keys) == sorted(set(keys)) == sorted(ledger_keys(Path(graded_class["out"])))


def test_a_job_travels_as_bytes_the_scheduler_unpickles_without_nbformat(course_source,
                                                                        tmp_path):
    """The scheduler unpickles every task's arguments: a job must not carry the grading view
    of its notebooks (a NotebookNode: nbformat and jsonschema, 1-2 s of CPU to import)."""
    source = next(course_source.rglob("*.ipynb"))
    submitted = tmp_path / source.name
    submitted.write_text("{}", encoding="utf-8")
    reference = cached_reference(source, source.parent.name)
    job = Job("s1", source.parent.name, [NotebookJob(source.stem, str(source), str(submitted),
                                                     reference=reference)])
    shipped, files = _shipped(job)
    assert isinstance(shipped, bytes)
    assert files == {f"0/{source.name}": b"{}"}
    unpickle = ("import pickle, sys; job = pickle.loads(sys.stdin.buffer.read()); "
                "print(job.notebooks[0].reference, job.notebooks[0].path, "
                "'nbformat' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", unpickle], input=shipped,
                          capture_output=True, check=True)
    assert done.stdout.decode().split() == ["None", f"0/{source.name}", "False"]
    assert job.notebooks[0].reference is reference   # the coordinator's job is left whole


def test_the_cluster_grades_the_class_as_the_local_run(graded_class, course_source, cluster,
                                                       tmp_path):
    done = run_cli(*grade_args(graded_class, course_source, tmp_path / "out", cluster))
    assert done.returncode == graded_class["returncode"], done.stderr[-3000:]
    assert_same_grades(tmp_path / "out", graded_class)
    assert (tmp_path / "out" / "gradebook.db").is_file()


def test_a_worker_killed_mid_run_loses_nothing(graded_class, course_source, cluster,
                                               tmp_path):
    from distributed import Client

    out = tmp_path / "out"
    env = dict(os.environ, PYTHONHASHSEED="0")
    run = subprocess.Popen([sys.executable, "-m", "autograder",
                            *grade_args(graded_class, course_source, out, cluster)],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with Client(scheduler_file=cluster, set_as_default=False) as client:
            pids = client.run(os.getpid)
            busy = poll(lambda: graded_in(out) and [w for w, keys in
                                                    client.processing().items() if keys])
            os.kill(pids[busy[0]], signal.SIGKILL)   # the worker process, not its nanny
            stdout, stderr = run.communicate(timeout=240)
            client.wait_for_workers(2, timeout=60)   # its nanny started a new one
            assert pids[busy[0]] not in client.run(os.getpid).values()
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == graded_class["returncode"], stderr[-3000:]
    assert_same_grades(out, graded_class)


def graded_in(out: Path) -> bool:
    """A submission graded by a worker is in the ledger (not one intake settled alone)."""
    path = out / "ledger.jsonl"
    return path.exists() and '"status": "graded"' in path.read_text(encoding="utf-8")


def poll(ready, timeout: float = 120.0):
    """``ready()``'s first true value, checked until ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not (value := ready()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return value
