"""``python -m autograder demo``: the whole instructor workflow on a sample class.

1. release the course (the student versions, ``<out>/release/``);
2. build a sample class from them (``autograder.demo.sample_class``): complete, partially wrong
   and unfinished submissions, a broken file, an infinite loop, a non-ASCII student id, a
   submission that patches the checks and one that hands in course_lib's reference, two
   students who hand in the same own code, one of them renamed (the class report's similar
   solutions show them first), and a complete one handed in late (nbgrader's
   ``timestamp.txt``) (``<out>/submitted/``, nbgrader layout);
3. grade it with the engine (one grading process per core, the per-cell timeout
   :data:`DEMO_TIMEOUT` interrupts the infinite loop, and grading goes on) into
   ``<out>/grading/``, under the demo's own due dates and late policy (``<out>/course.toml``,
   :func:`write_term`: -10% per started day late), so the late submission loses points;
4. print one line per submission (with its flags) and where the report, ``grades.csv`` and
   the feedback pages are, after checking each submission got the outcome its kind calls for
   (an honest one is never flagged ``tampered`` or ``copied_reference``);
5. export the grades as Canvas imports them (``<out>/grading/export-canvas.csv``, with the
   sample class's roster ``<out>/roster.csv``), as ``autograder export`` does.

The exit status is 0 when every submission was graded as expected, 1 otherwise.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

from autograder.course.term import NO_TERM, Term
from autograder.demo.sample_class import DUE, Sample
from autograder.records.lateness import lateness, penalty_line
from autograder.records.results import Status, SubmissionResult
from autograder.vocabulary import is_serious

#: Seconds a cell may run in the demo; the infinite loop costs this much per assignment.
#: Shorter than the course's policy would be nicer, but the slowest cells of a complete
#: 03_deep_network (its training runs) take 10-21 s on a busy 2-core machine, and a demo
#: must not cut a correct submission.
DEMO_TIMEOUT = 30.0

#: The demo's late policy (every assignment is due at sample_class.DUE).
LATE_POLICY = "[late]\nper_day = 0.10\nmax_days = 3\ngrace_minutes = 10\n"

__all__ = ["run", "expected_outcome", "summary_table", "write_term", "DEMO_TIMEOUT"]


def write_term(path: Path, assignments: list[str]) -> Path:
    """The demo's course file (an instructor writes their own, see the README): every
    assignment due at :data:`~autograder.demo.sample_class.DUE`, :data:`LATE_POLICY`."""
    due = "".join(f"{a} = {DUE.isoformat()}\n" for a in sorted(assignments))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# written by the demo\n{LATE_POLICY}[due]\n{due}", encoding="utf-8")
    return path


def _serious(result: SubmissionResult) -> list[str]:
    return [f for f in result.flags if is_serious(f)]


def expected_outcome(sample: Sample, result: SubmissionResult | None,
                     term: Term = NO_TERM) -> str:
    """"" when ``result`` is what ``sample``'s kind calls for, else what is wrong (``term``:
    the due dates and late policy the run applied)."""
    if result is None:
        return "no result"
    full = result.max_score > 0 and abs(result.score - result.max_score) < 1e-9
    if sample.kind == "tampered":
        ok = "tampered" in result.flags and result.score < result.max_score
        return "" if ok else "patching the checks should be flagged and earn nothing"
    if sample.kind == "copied":
        names = re.findall(r"(?:imports|wraps) (\w+)", sample.detail)
        ok = (all(f"copied_reference:{n}" in result.flags for n in names)
              and result.score < result.max_score)
        return "" if ok else "course_lib's reference handed in should be flagged, no points"
    if _serious(result):
        return f"an honest submission should not be flagged {', '.join(_serious(result))}"
    if sample.kind in ("complete", "similar"):   # alike is for the report to show, not a flag
        ok = result.status is Status.GRADED and full
        return "" if ok else "a complete submission should score full marks"
    if sample.kind == "late":   # complete, then the late policy takes its share
        ok = result.status is Status.GRADED and full and lateness(result, term).penalty > 0
        return "" if ok else "a complete submission handed in late should lose some points"
    if sample.kind == "partial":
        ok = result.status is Status.GRADED and 0 < result.score < result.max_score
        return "" if ok else "a partially wrong submission should lose some points, not all"
    if sample.kind == "unfinished":
        ok = result.status is Status.GRADED and result.score < result.max_score
        return "" if ok else "an unfinished submission should not score full marks"
    if sample.kind == "broken_file":
        ok = result.status is Status.INVALID_NOTEBOOK and result.score == 0
        return "" if ok else "a file that is not JSON should be an invalid notebook"
    if sample.kind == "infinite_loop":   # after a correct function: interrupted, costs nothing
        ok = result.status is Status.TIMEOUT and full
        return "" if ok else "an infinite loop should be interrupted and cost only itself"
    return f"unknown sample kind {sample.kind!r}"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (combining marks take none)."""
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def summary_table(samples: list[Sample], results: dict[tuple[str, str], SubmissionResult],
                  message_width: int = 70, term: Term = NO_TERM) -> str:
    """One line per submission: student, assignment, score/max, status, message, and what
    the submission was (and a warning when the outcome is not the expected one)."""
    from autograder.report.feedback_page import format_points

    header = ["student", "assignment", "score", "status", "flags", "submission", "message"]
    rows = []
    for s in samples:
        r = results.get((s.student_id, s.assignment))
        score = "-" if r is None else f"{format_points(r.score)}/{format_points(r.max_score)}"
        status = "-" if r is None else r.status.value
        flags = ", ".join(r.flags) if r is not None and r.flags else "-"
        what = s.kind + (f" ({s.detail})" if s.detail and s.kind in ("partial", "copied",
                                                                    "similar")
                         else "")
        problem = expected_outcome(s, r, term)
        message = ("UNEXPECTED: " + problem) if problem else (r.message if r else "")
        rows.append([s.student_id, s.assignment, score, status, _clip(flags, 60),
                     _clip(what, 40), _clip(message, message_width)])
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(c, w) for c, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]
    return "\n".join(lines)


def run(out: Path = Path("build"), timeout: float = DEMO_TIMEOUT,
        jobs: int | None = None, progress: bool = True,
        assignments: list[str] | None = None) -> int:
    """Release, build the sample class, grade it, print the summary; 0 if all went as
    expected. Everything is written under ``out``.

    timeout: seconds a cell may run; jobs: grading processes (default: one per core);
    assignments: only these (default: every assignment of the course).
    """
    from autograder.demo import sample_class
    from autograder.grade.coordinator import GradeOptions, default_jobs, grade
    from autograder.release.notebooks import release

    out = Path(out)
    print(f"1. Releasing the course into {out / 'release'} ...", flush=True)
    releases = release(out / "release", course_root=out / "course", assignments=assignments)
    print(f"2. Building the sample class in {out / 'submitted'} ...", flush=True)
    samples = sample_class.build(releases, out / "submitted")
    term = write_term(out / "course.toml", list(releases))
    jobs = jobs or default_jobs()
    print(f"3. Grading {len(samples)} submissions with {jobs} process(es), "
          f"{timeout:g} s per cell, due dates and late policy {term} ...", flush=True)
    summary = grade(GradeOptions(submissions=out / "submitted", out=out / "grading",
                                 jobs=jobs, timeout=timeout, force=True, progress=progress,
                                 release=out / "release", term=term))
    results = {r.key: r for r in summary.results}
    print()
    print(summary_table(samples, results, term=summary.term))
    unexpected = [s for s in samples if expected_outcome(s, results.get(
        (s.student_id, s.assignment)), summary.term)]
    print()
    late = [(r, x) for r in results.values() if (x := lateness(r, summary.term)).penalty > 0]
    if late:
        print(f"Late ({len(late)}; raw score - penalty = score, as in grades.csv):")
        for r, x in sorted(late, key=lambda rx: (rx[0].assignment, rx[0].student_id)):
            print(f"  {penalty_line(r, x)}")
        print()
    flagged = [r for r in results.values() if r.flags]
    if flagged:
        print(f"Flagged ({len(flagged)}; the class report lists them first):")
        for r in sorted(flagged, key=lambda r: (r.assignment, r.student_id)):
            print(f"  {r.student_id} / {r.assignment}: {', '.join(r.flags)}")
        print()
    print(f"Graded {len(results)} submissions in {summary.seconds:.1f} s.")
    if summary.sandbox:
        print(f"Sandbox: {summary.sandbox}.")
    labels = {"report": "class report", "grades": "grades (CSV)",
              "feedback": "feedback pages", "autograded": "graded notebooks",
              "gradebook": "nbgrader gradebook"}
    for key, label in labels.items():
        if key in summary.paths:
            print(f"  {label + ':':20} {summary.paths[key]}")
    print(f"  {'Canvas import:':20} {_canvas_export(samples, out, summary.term)}")
    for failure in summary.failures:
        print(f"Tool failure: {failure}", file=sys.stderr)
    if unexpected:
        print(f"{len(unexpected)} submission(s) did not get the expected outcome "
              "(marked UNEXPECTED above).", file=sys.stderr)
    return 1 if unexpected or summary.failures or summary.interrupted else 0


def _canvas_export(samples: list[Sample], out: Path, term: Term = NO_TERM) -> Path:
    """The class's grades as Canvas imports them, from the grading run's ledger (the scores
    after the late penalties of ``term``, as in grades.csv)."""
    from autograder.demo.sample_class import write_roster
    from autograder.records.export import export, read_roster
    from autograder.records.ledger import Ledger, write_atomic

    roster = read_roster(write_roster(samples, out / "roster.csv"))
    results = Ledger(out / "grading" / "ledger.jsonl").sorted_results()
    path = out / "grading" / "export-canvas.csv"
    write_atomic(path, export(results, "canvas", roster, term=term).text)
    return path


if __name__ == "__main__":
    raise SystemExit(run())
