"""The grading processes' shared preparation in autograder/grade/dispatch.py."""

from __future__ import annotations

import sys
from pathlib import Path

from autograder.grade.dispatch import _compile_editions
from autograder.intake.jobs import Job


def test_each_edition_is_compiled_once_for_every_job_naming_it(tmp_path):
    editions = []
    for assignment in ("01_a", "02_b"):
        edition = tmp_path / "release" / assignment / "course_lib"
        edition.mkdir(parents=True)
        (edition / "__init__.py").write_text(f"NAME = {assignment!r}\n")
        editions.append(str(edition))
    jobs = [Job("ann", "01_a", [], edition=editions[0]),
            Job("bob", "01_a", [], edition=editions[0]),
            Job("ann", "02_b", [], edition=editions[1]),
            Job("cat", "03_c", [])]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _compile_editions(jobs, scratch)

    assert jobs[0].edition == jobs[1].edition != jobs[2].edition   # one copy per edition
    assert (jobs[3].edition, jobs[3].edition_compiled) == ("", False)   # the course's: as it is
    tag = sys.implementation.cache_tag
    for job, assignment in zip(jobs[:3], ("01_a", "01_a", "02_b"), strict=True):
        copy = Path(job.edition)
        assert job.edition_compiled and scratch in copy.parents
        assert (copy / "__init__.py").read_text() == f"NAME = {assignment!r}\n"
        assert (copy / "__pycache__" / f"__init__.{tag}.pyc").is_file()
    _compile_editions(jobs, scratch)   # a job retried in a new process: not compiled again
    assert len(list(scratch.iterdir())) == 2


def test_an_edition_that_cannot_be_copied_is_left_to_the_grading_process(tmp_path):
    job = Job("ann", "01_a", [], edition=str(tmp_path / "nowhere" / "course_lib"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _compile_editions([job], scratch)
    assert (job.edition, job.edition_compiled) == (str(tmp_path / "nowhere" / "course_lib"),
                                                   False)
