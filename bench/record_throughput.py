"""How many results one grading run can record, and whether that holds as the class grows.

Every result of a run, wherever it was graded (a local grading process or a Dask worker), is
recorded by the run's one coordinator process (:meth:`autograder.grade.outputs.Outputs.record`):
the autograded notebooks, the ledger line, ``grades.csv`` now and then, the feedback pages, the
solutions the class report compares and, in a thread of the same process, the nbgrader
gradebook's rows. So the coordinator sets the most notebooks an hour one run can grade, however
many workers grade them (README, "How many workers for 10,000 students").

The bench grades a small class once (``-j 2``; four submissions per assignment: complete,
partly wrong, unfinished, in turn), then records its results again as if they came from
``--results`` students (default 2,000, ``--quick`` 300), each student's code cells their own
(:func:`own_work`), the way a run does: gradebook, feedback pages and solutions on. Prints the
seconds per result over all of them (up to the gradebook caught up with the last) and so the
notebooks an hour one run records, the coordinator's CPU per result, and the ratio of the last
tenth's seconds per result to the first tenth's against its target (recording must not slow
down as the ledger, ``grades.csv`` and the gradebook grow). ``--report`` also times the class
report of them all at the end.

Usage::

    PATH=.venv/bin:$PATH python bench/record_throughput.py
    PATH=.venv/bin:$PATH python bench/record_throughput.py --quick
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.course.source import load_course  # noqa: E402
from autograder.demo import sample_class  # noqa: E402
from autograder.grade.outputs import Outputs  # noqa: E402
from autograder.records.ledger import Ledger  # noqa: E402
from autograder.records.results import SubmissionResult  # noqa: E402

PYTHON = os.path.abspath(sys.executable)
#: Submissions graded per assignment (complete, partly wrong, unfinished, in turn).
PER_ASSIGNMENT = 4
#: The last tenth's seconds per result against the first tenth's, at most.
TARGET_GROWTH = 1.2


def graded_class(work: Path) -> tuple[list[SubmissionResult], dict]:
    """A small class released, built and graded once: its results, and by result the
    autograded notebooks' text (by notebook name), as a grading process hands them over."""
    from autograder.release.notebooks import release

    releases = release(work / "release", course_root=work / "release_course")
    sample_class.synthetic_class(releases, work / "submitted", PER_ASSIGNMENT)
    out = work / "graded"
    cmd = [PYTHON, "-m", "autograder", "grade", str(work / "submitted"), "--out", str(out),
           "--release", str(work / "release"), "-j", "2", "--force", "--no-progress"]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if done.returncode not in (0, 1):   # 1: some submission did not score full marks
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    results = Ledger(out / "ledger.jsonl").sorted_results()
    executed = {r.key: {nb.name: (out / "autograded" / r.student_id / r.assignment
                                  / f"{nb.name}.ipynb").read_text(encoding="utf-8")
                        for nb in r.notebooks} for r in results}
    return results, executed


def own_work(notebook: str, student: str) -> str:
    """``notebook`` (JSON text) as ``student`` would have handed it in: each solution cell
    ends with a comment of its own, so that no page or fingerprint of it is one the run has
    already made (every student's code differs; the grader caches what is the same)."""
    nb = json.loads(notebook)
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            source = cell["source"]
            text = "".join(source) if isinstance(source, list) else source
            cell["source"] = f"{text}\n# {student}: my own work"
    return json.dumps(nb)


def record_all(results: list[SubmissionResult], executed: dict, count: int,
               out: Path) -> tuple[list[float], float, float, Outputs]:
    """``count`` results recorded into a fresh output folder, taken in turn from ``results``
    under new student ids: each record's seconds, then the seconds until the gradebook has
    every row, and the process's CPU seconds for it all."""
    outputs = Outputs(out, load_course())
    outputs.start_gradebook(sorted({r.assignment for r in results}))
    outputs.collect_solutions()
    seconds, keys = [], set()
    cpu = time.process_time()
    for i in range(count):
        base = results[i % len(results)]
        result = dataclasses.replace(base, student_id=f"r{i:05d}")
        notebooks = {name: own_work(text, result.student_id)
                     for name, text in executed[base.key].items()}
        start = time.perf_counter()
        outputs.record(result, notebooks)
        seconds.append(time.perf_counter() - start)
        keys.add(result.key)
    start = time.perf_counter()
    if outputs.write_gradebook(keys) is None:
        raise SystemExit(f"the gradebook failed: {outputs.failures}")
    outputs.write_csv()
    catch_up = time.perf_counter() - start
    if outputs.failures:
        raise SystemExit(f"recording failed: {outputs.failures}")
    return seconds, catch_up, time.process_time() - cpu, outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=None,
                        help="results to record (default 2000, --quick 300)")
    parser.add_argument("--quick", action="store_true", help="300 results")
    parser.add_argument("--report", action="store_true", help="also time the class report")
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args(argv)
    count = args.results or (300 if args.quick else 2000)
    if count < 20:
        parser.error("--results must be at least 20 (a tenth of them is compared)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="record_throughput_"))
    if work.exists() and args.keep:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    try:
        results, executed = graded_class(work)
        notebooks = sum(len(r.notebooks) for r in results)
        print(f"graded: {len(results)} submissions, {notebooks} notebooks; recording "
              f"{count} results", flush=True)
        start = time.perf_counter()
        seconds, catch_up, cpu, outputs = record_all(results, executed, count,
                                                     work / "recorded")
        total = time.perf_counter() - start
        report = None
        if args.report:
            start = time.perf_counter()
            if outputs.write_report() is None:
                raise SystemExit(f"the report failed: {outputs.failures}")
            report = time.perf_counter() - start
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    tenth = count // 10
    first, last = statistics.mean(seconds[:tenth]), statistics.mean(seconds[-tenth:])
    each = total / count
    print(f"\n{count} results in {total:.1f} s ({catch_up:.1f} s of it the gradebook "
          f"catching up after the last)")
    print(f"  per result            {each * 1000:7.1f} ms  "
          f"(first tenth {first * 1000:.1f} ms, last tenth {last * 1000:.1f} ms)")
    print(f"  coordinator CPU       {cpu / count * 1000:7.1f} ms per result")
    print(f"  one run records about {3600 / each:,.0f} notebooks an hour")
    if report is not None:
        print(f"  class report          {report:7.1f} s")
    growth = last / first
    ok = "ok" if growth <= TARGET_GROWTH else "MISSED"
    print(f"\n{'ratio':40s} {'measured':>9s} {'target':>9s}")
    print(f"{'last tenth / first tenth (per result)':40s} {growth:9.2f} "
          f"{'<= ' + format(TARGET_GROWTH, 'g'):>9s}  {ok}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
