"""``python -m autograder`` (or ``autograder``): release, grade, export, validate, demo.

    autograder release [--out DIR] [--source DIR] [--lang en|zh-CN]
    autograder grade SUBMISSIONS [--out DIR] [-j N] [--timeout S] [--force] [--source DIR]
                     [--term TOML] [--extensions CSV] [--manifest CSV]
                     [--scheduler ADDRESS|FILE]
    autograder export --format canvas|moodle|d2l|csv [--roster CSV] [--grading DIR] [--names CSV]
                      [--term TOML] [--extensions CSV]
    autograder validate NOTEBOOK [--source [DIR]]
    autograder demo [--out DIR]
    autograder workspace [--release DIR] [--out DIR] [--lab [-- LAB_OPTIONS...]]
    autograder gradescope [--submission DIR] [--results JSON] [--hidden VISIBILITY]
    autograder gradescope-bundle [--out ZIP] [--assignment A] [--hidden VISIBILITY]
    autograder prairielearn [--job DIR]

Exit status: 0 when the command did its job (``grade``: every submission found has a row,
broken submissions included), 1 when the tool itself failed, 2 for bad arguments or input it
cannot read, 130 when interrupted. ``validate`` exits 1 when a test fails.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import logging
import sys
from collections import Counter
from pathlib import Path

from autograder import nbgrader_config
from autograder.course.source import DEFAULT_SOURCE, CourseError

log = logging.getLogger("autograder")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from autograder.course.source import DEFAULT_RELEASE
    from autograder.grade.coordinator import DEFAULT_OUT, default_jobs
    from autograder.records.export import FORMATS

    parser = argparse.ArgumentParser(
        prog="autograder", description="Release, grade and check the course's notebooks "
        "(nbgrader underneath).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    source_help = f"the instructor's source notebooks (default: {DEFAULT_SOURCE})"

    p = sub.add_parser("release", help="make the student versions of every notebook")
    p.add_argument("--out", type=Path, default=None,
                   help=f"where to put them (default: {DEFAULT_RELEASE}, and "
                   f"{DEFAULT_RELEASE}-zh-CN for --lang zh-CN)")
    p.add_argument("--lang", default="en", metavar="LANG",
                   help="the language of the notebooks' text and of what students read: en "
                   "(default) or zh-CN (简体中文); the same cells, tests and points either way")
    p.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=source_help)
    p.add_argument("--no-edition", action="store_true",
                   help="the notebooks only, without the student edition of course_lib (which "
                   "takes a run of every notebook to build)")

    p = sub.add_parser("grade", help="grade a folder or zip of submissions")
    p.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                   help="<student_id>/<assignment>/<notebook>.ipynb folders, or LMS downloads "
                        "named <student_id>_<anything>_<notebook>.ipynb; a folder or a .zip")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"where results go (default: {DEFAULT_OUT})")
    p.add_argument("-j", "--jobs", type=_positive_int, default=default_jobs(),
                   help="grading processes (default: the number of cores)")
    p.add_argument("--timeout", type=_positive_float,
                   default=float(nbgrader_config.CELL_TIMEOUT),
                   help=f"seconds a cell may run (default: {nbgrader_config.CELL_TIMEOUT})")
    p.add_argument("--memory", type=_positive_int, default=nbgrader_config.MEMORY_LIMIT_MB,
                   metavar="MB", help="memory limit of each notebook's kernel "
                   f"(default: {nbgrader_config.MEMORY_LIMIT_MB})")
    p.add_argument("--force", action="store_true",
                   help="regrade everything, even submissions graded before and unchanged")
    p.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=source_help)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--release", type=Path, default=DEFAULT_RELEASE,
                   help="the release whose student editions of course_lib the kernels hold "
                   f"instead of the reference library (default: {DEFAULT_RELEASE})")
    p.add_argument("--in-kernel", action="store_true",
                   help="run the tests inside each student's kernel, as plain nbgrader does "
                   "(trusting it: student code can forge such a grade; for comparison only)")
    p.add_argument("--term", type=Path, default=None, metavar="TOML",
                   help="due dates and late policy (default: <source>/course.toml if it "
                   "exists, else no due dates: every submission on time)")
    p.add_argument("--extensions", type=Path, default=None, metavar="CSV",
                   help="student_id,assignment,due: extended due dates (default: "
                   "extensions.csv beside the term file, if it exists)")
    p.add_argument("--manifest", type=Path, default=None, metavar="CSV",
                   help="student_id,assignment,submitted_at (ISO 8601): when each submission "
                   "was handed in (wins over timestamp.txt and file names)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS|FILE",
                   help="grade on a Dask cluster: its scheduler's address (tcp://HOST:PORT) "
                   "or scheduler file (needs the cluster extra; -j is then unused)")
    p.add_argument("--zip-encoding", default=None, metavar="ENCODING",
                   help="how a zip's file names are written when the zip does not say and "
                   "they are not UTF-8: gbk for a zip made on a Chinese Windows (default: "
                   "cp437, the zip format's, with a warning if student ids may be garbled)")

    p = sub.add_parser("export", help="the grades as a file an LMS imports (Canvas, Moodle, "
                       "D2L) or one wide CSV")
    p.add_argument("--format", required=True, choices=FORMATS, help="the LMS's import layout")
    p.add_argument("--roster", type=Path, default=None, help="CSV: student_id (as in the "
                   "submissions) and the LMS's ids, e.g. canvas_id, sis_user_id, email, "
                   "username, org_defined_id, name (needed for canvas, moodle and d2l)")
    p.add_argument("--grading", type=Path, default=DEFAULT_OUT,
                   help=f"the grading run's folder, holding ledger.jsonl (default: {DEFAULT_OUT})")
    p.add_argument("--names", type=Path, default=None, help="CSV assignment,column: the LMS's "
                   "name of each assignment's column (default: the assignment folder's name)")
    p.add_argument("--out", type=Path, default=None,
                   help="the file to write (default: <grading>/export-<format>.csv)")
    p.add_argument("--term", type=Path, default=None, metavar="TOML",
                   help="due dates and late policy of the scores (default: the copy the "
                   "grading run kept, <grading>/course.toml, if any: the scores of grades.csv)")
    p.add_argument("--extensions", type=Path, default=None, metavar="CSV",
                   help="extended due dates (default: extensions.csv beside the term file)")

    p = sub.add_parser("validate", help="run a notebook's visible tests (--source: the "
                       "instructor's check, hidden tests too)")
    p.add_argument("notebook", type=Path, metavar="NOTEBOOK")
    p.add_argument("--source", type=Path, nargs="?", const=DEFAULT_SOURCE, default=None,
                   metavar="DIR", help="instructor mode: grade against the source notebooks, "
                   f"visible and hidden tests ({source_help})")
    p.add_argument("--timeout", type=_positive_float,
                   default=float(nbgrader_config.CELL_TIMEOUT), help="seconds a cell may run")

    p = sub.add_parser("workspace", help="a student's Jupyter Lab folder made from the release "
                       "(--lab: open Lab on it)")
    p.add_argument("--release", type=Path, default=DEFAULT_RELEASE,
                   help=f"the released assignments (default: {DEFAULT_RELEASE})")
    p.add_argument("--out", type=Path, default=None,
                   help="the workspace; notebooks already there are kept "
                        "(default: build/student)")
    p.add_argument("--lab", action="store_true", help="then open Jupyter Lab on it")
    p.add_argument("lab_options", nargs=argparse.REMAINDER,
                   help="after --: more Jupyter Lab options, e.g. -- --ip=0.0.0.0 --no-browser")

    p = sub.add_parser("demo", help="release, grade a sample class, show the results")
    p.add_argument("--out", type=Path, default=None,
                   help="where the demo writes (default: the demo's, build/)")
    add_service_commands(sub, source_help)
    return parser


def _setup_logging(verbose: bool = True) -> None:
    from autograder.grade.coordinator import TqdmHandler

    handler = TqdmHandler()
    handler.setFormatter(logging.Formatter("[autograder] %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO if verbose else logging.WARNING)
    log.propagate = False


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    if __name__ == "__main__" or argv is None:  # our own process: start faster
        from autograder.kernel.zygote import skip_slow_optional_imports

        skip_slow_optional_imports()
    args = parser.parse_args(argv)
    _setup_logging()
    try:
        return COMMANDS[args.command](args, parser)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def cmd_release(args, parser) -> int:
    from autograder.course.source import DEFAULT_RELEASE
    from autograder.release.notebooks import ReleaseError, release
    from course_lib.language import DEFAULT, normalize

    try:
        lang = normalize(args.lang)
        out = args.out or (DEFAULT_RELEASE if lang == DEFAULT
                           else DEFAULT_RELEASE.with_name(f"{DEFAULT_RELEASE.name}-{lang}"))
        released = release(out, args.source, edition=not args.no_edition, lang=lang)
    except (CourseError, ValueError) as exc:
        parser.error(str(exc))
    except ReleaseError as exc:
        print(f"autograder release: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Released {len(released)} assignment(s) to {released.out}:")
    for assignment in released:
        names = ", ".join(p.name for p in released.notebooks(assignment))
        print(f"  {assignment}: {names}  (zip: {released.zips[assignment]})")
        if assignment in released.editions:
            print(f"    student edition: {released[assignment] / 'course_lib'}, "
                  f"{released.editions[assignment].wheel.name}")
    return EXIT_OK


def cmd_grade(args, parser) -> int:
    from autograder.course.term import TermError
    from autograder.grade.coordinator import GradeOptions, grade
    from autograder.intake.find import IntakeError

    options = GradeOptions(submissions=args.submissions, out=args.out, jobs=args.jobs,
                           timeout=args.timeout, force=args.force, source=args.source,
                           memory_mb=args.memory, progress=not args.no_progress,
                           in_kernel=args.in_kernel, release=args.release, term=args.term,
                           extensions=args.extensions, manifest=args.manifest,
                           scheduler=args.scheduler, zip_encoding=args.zip_encoding)
    if args.scheduler and importlib.util.find_spec("distributed") is None:
        parser.error("--scheduler needs Dask: pip install 'nn-from-scratch-course[cluster]'")
    try:
        summary = grade(options)
    except (CourseError, IntakeError, TermError) as exc:
        parser.error(str(exc))
    print(format_summary(summary))
    if summary.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if summary.ok else EXIT_FAILED


def format_summary(summary) -> str:
    from autograder.records.results import Status, format_score

    results = summary.results
    counts = Counter(r.status.value for r in results)
    lines = [f"Graded {summary.graded} submission(s) in {summary.seconds:.1f} s"
             + (f", {summary.skipped} unchanged since the last run (use --force to regrade)"
                if summary.skipped else "") + "."]
    if summary.interrupted:
        lines.append(f"Interrupted: {summary.lost} submission(s) still to grade; run the same "
                     "command again to finish (nothing graded is lost; the gradebook and the "
                     "report are brought up to date then).")
    if results:
        lines.append(f"{len(results)} submission(s) found: " + ", ".join(
            f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1])))
        graded = [r for r in results if r.max_score > 0]
        late = _late_lines(summary)
        if graded:   # the score of grades.csv: after any late penalty
            from autograder.records.lateness import lateness

            mean = sum(lateness(r, summary.term).score / r.max_score
                       for r in graded) / len(graded)
            lines.append(f"Mean score: {100 * mean:.0f}% of the points"
                         + (", late penalties taken" if late else ""))
        lines.extend(late)
        problems = [r for r in results if r.status != Status.GRADED]
        if problems:
            lines.append("Needs a look:")
            for r in problems[:20]:
                lines.append(f"  {r.student_id} / {r.assignment}: {r.status.value} "
                             f"({format_score(r.score)}/{format_score(r.max_score)}) "
                             f"{r.message[:150]}")
            if len(problems) > 20:
                lines.append(f"  ... and {len(problems) - 20} more in grades.csv")
    for failure in summary.failures:
        lines.append(f"Tool failure: {failure}")
    if any(r.status == Status.ERROR for r in results):
        lines.append("The grader failed on some submissions (status error): see their "
                     "message; once that is fixed, the same command grades them again (only "
                     "them, if nothing else changed); exit status 1.")
    lines.append("Results:")
    labels = {"grades": "grades (CSV)", "gradebook": "nbgrader gradebook",
              "autograded": "graded notebooks", "feedback": "feedback pages",
              "report": "class report", "ledger": "ledger"}
    for key, label in labels.items():
        if key in summary.paths:
            lines.append(f"  {label + ':':20} {summary.paths[key]}")
    return "\n".join(lines)


def _late_lines(summary) -> list[str]:
    """The submissions that lost points for lateness: raw score, penalty, score."""
    from autograder.records.lateness import lateness, penalty_line

    late = [(r, x) for r in summary.results if (x := lateness(r, summary.term)).penalty > 0]
    if not late:
        return []
    lines = [f"Late ({len(late)}, penalty taken; the lateness column of grades.csv says why):"]
    lines += [f"  {penalty_line(r, x)}" for r, x in late[:20]]
    if len(late) > 20:
        lines.append(f"  ... and {len(late) - 20} more in grades.csv")
    return lines


def cmd_export(args, parser) -> int:
    from autograder.course.term import TermError, default_paths, load_term
    from autograder.records.export import ExportError, export, read_names, read_roster
    from autograder.records.ledger import Ledger, write_atomic

    ledger_path = args.grading / "ledger.jsonl"
    if not ledger_path.is_file():
        parser.error(f"no grades in {args.grading} (no ledger.jsonl): grade first, or give "
                     "--grading")
    term_path, extensions = default_paths(args.grading, args.term, args.extensions)
    try:
        term = load_term(term_path, None, extensions)   # the grading run's copy by default
        done = export(Ledger(ledger_path).sorted_results(), args.format,
                      read_roster(args.roster) if args.roster else None,
                      read_names(args.names) if args.names else None, term)
    except (ExportError, TermError) as exc:
        parser.error(str(exc))
    out = args.out or args.grading / f"export-{args.format}.csv"
    if out.is_dir():
        parser.error(f"--out {out} is a folder; give the export file's name")
    write_atomic(out, done.text)
    if _run_in_progress(args.grading):
        print("A grading run is writing to this folder: the export holds the grades finished "
              "so far; export again when it ends.")
    print(f"{args.format} export of {done.students} student(s) x {len(done.assignments)} "
          f"assignment(s): {out}")
    if done.not_handed_in:
        print(f"  {done.not_handed_in} cell(s) empty: nothing handed in")
    for student, assignment in done.errors:
        print(f"  empty: {student} / {assignment}, the grader failed on it (status error); "
              "grade it again, then export")
    if done.unmatched:
        shown = ", ".join(f"{s} / {a}" for s, a in done.unmatched[:10])
        print(f"  not exported: {len(done.unmatched)} file(s) or folder(s) matching no "
              f"assignment (status unknown_assignment in grades.csv): {shown}"
              + (" ..." if len(done.unmatched) > 10 else ""))
    if done.unused_names:
        print(f"  --names for assignment(s) not graded here, not used: "
              f"{', '.join(done.unused_names)}")
    return EXIT_OK


def _run_in_progress(grading: Path) -> bool:
    """A grading run holds ``grading/.lock`` (see autograder.grade.coordinator)."""
    import fcntl

    if not (grading / ".lock").is_file():
        return False
    try:
        with open(grading / ".lock") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    return False


def cmd_validate(args, parser) -> int:
    from autograder.validate import ValidateError, report, validate

    if args.source is None:   # a student's check: the visible tests, as course_lib runs them
        from course_lib.validate import main as visible_tests

        return visible_tests([str(args.notebook), "--timeout", str(args.timeout)])
    try:
        outcome = validate(args.notebook, args.source, args.timeout,
                           nbgrader_config.MEMORY_LIMIT_MB)
    except (CourseError, ValidateError) as exc:
        parser.error(str(exc))
    print(report(outcome))
    return EXIT_OK if outcome.passed else EXIT_FAILED


def cmd_demo(args, parser) -> int:
    from autograder.demo.workflow import run

    return int((run(args.out) if args.out is not None else run()) or 0)


def cmd_workspace(args, parser) -> int:
    from autograder.release.workspace import (
        DEFAULT_WORKSPACE,
        WorkspaceError,
        make_workspace,
        open_lab,
    )

    try:
        workspace = make_workspace(args.release, args.out or DEFAULT_WORKSPACE)
    except WorkspaceError as exc:
        parser.error(str(exc))
    print(f"Student workspace: {workspace} (from {args.release})")
    if args.lab:
        sys.stdout.flush()
        open_lab(workspace, [o for o in args.lab_options if o != "--"])
    return EXIT_OK


# --------------------------------------------------------------------------- services

def add_service_commands(sub, source_help: str) -> None:
    """``gradescope``, ``gradescope-bundle`` and ``prairielearn`` (:mod:`autograder.services`)."""
    from autograder.course.source import DEFAULT_BUILD, DEFAULT_RELEASE
    from autograder.services import HIDDEN_VISIBILITIES

    def common(p, release: str) -> None:
        p.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=source_help)
        p.add_argument("--release", type=Path, default=DEFAULT_RELEASE, help="the release "
                       f"whose student editions the kernels hold ({release})")
        p.add_argument("--assignment", default=None, help="the assignment graded (default: "
                       "the one whose notebook names the submission's notebooks carry)")

    def limits(p) -> None:
        p.add_argument("--timeout", type=_positive_float,
                       default=float(nbgrader_config.CELL_TIMEOUT), help="seconds a cell may run")
        p.add_argument("--memory", type=_positive_int, default=nbgrader_config.MEMORY_LIMIT_MB,
                       metavar="MB", help="memory limit of the notebook's kernel")

    hidden_help = ("Gradescope visibility of the hidden tests (default: after_published, "
                   "shown once grades are published)")
    root = Path("/autograder")
    p = sub.add_parser("gradescope", help="in a Gradescope autograder: grade the submission, "
                       "write results.json")
    p.add_argument("--submission", type=Path, default=root / "submission",
                   help="the student's files (default: /autograder/submission)")
    p.add_argument("--results", type=Path, default=root / "results" / "results.json",
                   help="where results go (default: /autograder/results/results.json)")
    p.add_argument("--metadata", type=Path, default=root / "submission_metadata.json",
                   help="who submitted (default: /autograder/submission_metadata.json)")
    p.add_argument("--hidden", choices=HIDDEN_VISIBILITIES, default=HIDDEN_VISIBILITIES[0],
                   help=hidden_help)
    common(p, f"default: {DEFAULT_RELEASE}")
    limits(p)

    p = sub.add_parser("gradescope-bundle", help="the autograder zip to upload to Gradescope")
    p.add_argument("--out", type=Path, default=DEFAULT_BUILD / "gradescope.zip",
                   help=f"the zip to write (default: {DEFAULT_BUILD / 'gradescope.zip'})")
    p.add_argument("--hidden", choices=HIDDEN_VISIBILITIES, default=HIDDEN_VISIBILITIES[0],
                   help=hidden_help)
    common(p, f"copied into the zip when built; default: {DEFAULT_RELEASE}")

    p = sub.add_parser("prairielearn", help="in a PrairieLearn external grader: grade "
                       "<job>/student, write <job>/results/results.json")
    p.add_argument("--job", type=Path, default=Path("/grade"),
                   help="the grading job's folder (default: /grade)")
    p.add_argument("--show-hidden-messages", action="store_true",
                   help="show the hidden tests' messages (default: passed/failed only)")
    common(p, f"default: {DEFAULT_RELEASE}")
    limits(p)


def _one_submission(args, folder: Path, student: str):
    from autograder.services.one_submission import OneSubmission

    return OneSubmission(files=folder, student_id=student, assignment=args.assignment,
                         source=args.source, release=args.release, timeout=args.timeout,
                         memory_mb=args.memory)


def _service_report(result, results_path: Path) -> int:
    """What the instructor sees in the service's log; exit 1 when the grader failed."""
    from autograder.records.results import Status, format_score

    print(f"{result.student_id} / {result.assignment or '(no assignment)'}: "
          f"{result.status.value}, {format_score(result.score)}/"
          f"{format_score(result.max_score)}{' ' + result.message if result.message else ''}")
    if result.flags:
        print(f"flags: {', '.join(result.flags)}")
    print(f"results: {results_path}")
    return EXIT_FAILED if result.status == Status.ERROR else EXIT_OK


def cmd_gradescope(args, parser) -> int:
    from autograder.services import gradescope

    result = gradescope.grade_and_write(
        _one_submission(args, args.submission, gradescope.student_id(args.metadata)),
        args.results, args.hidden)
    return _service_report(result, args.results)


def cmd_prairielearn(args, parser) -> int:
    from autograder.services import prairielearn

    result = prairielearn.grade_and_write(_one_submission(args, args.job / "student", "student"),
                                          args.job, args.show_hidden_messages)
    return _service_report(result, args.job / "results" / "results.json")


def cmd_gradescope_bundle(args, parser) -> int:
    from autograder.services.gradescope import build_bundle

    try:
        files = build_bundle(args.out, args.source, args.release, args.assignment, args.hidden)
    except (CourseError, ValueError, FileNotFoundError) as exc:
        parser.error(str(exc))
    notebooks = sorted(n for n in files if n.startswith("course/notebooks/")
                       and n.endswith(".ipynb"))
    editions = sorted({n.split("/")[2] for n in files if n.startswith("course/release/")})
    print(f"Gradescope autograder: {args.out} ({len(files) + 2} files: setup.sh, "
          f"run_autograder, the project and {len(notebooks)} source notebook(s))")
    print(f"  hidden tests: {args.hidden}; assignment: "
          f"{args.assignment or 'found from the notebook names'}")
    none = ("none (run `python -m autograder release` first, else kernels can import the "
            "reference library)")
    print(f"  student editions: {', '.join(editions) if editions else none}")
    print("Upload it as the assignment's autograder (Configure Autograder -> Zip file upload).")
    return EXIT_OK


COMMANDS = {"release": cmd_release, "grade": cmd_grade, "export": cmd_export,
            "validate": cmd_validate,
            "demo": cmd_demo, "workspace": cmd_workspace,
            "gradescope": cmd_gradescope, "gradescope-bundle": cmd_gradescope_bundle,
            "prairielearn": cmd_prairielearn}


if __name__ == "__main__":
    code = main()
    # Everything is written. Python's teardown would now collect the whole heap (nbconvert,
    # matplotlib, the gradebook's...: 0.5-0.9 s after a grading run); frozen, it skips it.
    gc.freeze()
    sys.exit(code)
