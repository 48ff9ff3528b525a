"""The nbgrader gradebook (``gradebook.db``), written by the coordinator only.

The database holds what ``generate_assignment`` would put there (assignments, notebooks,
grade, solution and source cells, from :mod:`autograder.course.reference`) and, per submission,
the autograder score of every test cell, so formgrader and ``nbgrader export`` work on it and
``nbgrader.api.Gradebook`` reads the scores. Creating the database does not shell out to
``alembic`` (nbgrader does, taking seconds): the schema is created in-process and stamped
with the migration head that nbgrader expects.

Lateness is written in nbgrader's own fields, for every submission at every run (a changed
policy needs no regrading): ``Assignment.duedate``, ``SubmittedAssignment.timestamp`` and
``.extension`` (the student's due date minus the assignment's), and each notebook's
``late_submission_penalty``, the submission's penalty (:mod:`autograder.records.lateness`)
shared between its notebooks in proportion to their scores. So nbgrader's score minus its
penalty is the ``score`` of ``grades.csv``. nbgrader keeps times as naive UTC.

A grading run keeps the gradebook up to date as it goes (:class:`GradebookWriter`): its
assignments' cells are written while the first kernels start and each result as it arrives,
so that the end of the run only records the lateness. The cells of the five assignments are
written in one transaction, and each result in one (:func:`_one_transaction`: nbgrader's API
commits each row): 0.33 s and 7 ms on this machine, on the bench's quick class, off the end
of the run.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import warnings
from datetime import UTC, datetime
from pathlib import Path

from autograder.course.source import Course
from autograder.course.term import NO_TERM, Term
from autograder.records.lateness import lateness, submitted_time
from autograder.records.results import Status, SubmissionResult


def db_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def _alembic_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    cfg = Config()
    cfg.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(cfg).get_current_head()


def create_database(path: Path) -> str:
    """Make an empty nbgrader database at ``path`` if there is none; return its URL."""
    from nbgrader.api import Base
    from sqlalchemy import create_engine, inspect, text

    url = db_url(path)
    engine = create_engine(url, future=True)
    try:
        if not inspect(engine).get_table_names():
            Base.metadata.create_all(bind=engine)
            with engine.begin() as conn:
                conn.execute(text("CREATE TABLE alembic_version "
                                  "(version_num VARCHAR(32) NOT NULL)"))
                conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                             {"v": _alembic_head()})
    finally:
        engine.dispose()
    return url


@contextlib.contextmanager
def _one_transaction(gb):
    """For the block, nbgrader's API flushes where it commits (each row it writes), and the
    block's rows are committed once at its end (rolled back if it raises). Committing each
    row made nbgrader reload every row it had written since: the cells of the five
    assignments took 0.6 s of CPU and 0.8 s in all into a new database, and 0.33 s this way;
    a result 13 ms of CPU, and 6.5 ms. The rows written are the same."""
    db = gb.db
    db.commit = db.flush
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    finally:
        del db.commit
    db.commit()


def _sync_assignment(gb, course: Course, assignment: str) -> None:
    """The assignment's notebooks and cells, as ``generate_assignment`` writes them."""
    from nbgrader import utils
    from nbgrader.api import MissingEntry

    from autograder.course.reference import cached_reference
    from autograder.vocabulary import grade_id_of

    gb.update_or_create_assignment(assignment)
    for ref in [cached_reference(nb.path, assignment) for nb in course.notebooks_of(assignment)]:
        try:
            gb.find_notebook(ref.name, assignment)
        except MissingEntry:
            kernelspec = json.dumps(ref.notebook.metadata.get("kernelspec", {}))
            gb.add_notebook(ref.name, assignment, kernelspec=kernelspec)
        for cell in ref.notebook.cells:
            gid = grade_id_of(cell)
            if gid is None:
                continue
            meta = cell.metadata.nbgrader
            if utils.is_grade(cell):
                gb.update_or_create_grade_cell(gid, ref.name, assignment,
                                               max_score=float(meta["points"]),
                                               cell_type=cell.cell_type)
            if utils.is_solution(cell):
                gb.update_or_create_solution_cell(gid, ref.name, assignment)
            if utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell):
                gb.update_or_create_source_cell(gid, ref.name, assignment,
                                                cell_type=cell.cell_type,
                                                locked=utils.is_locked(cell),
                                                source=cell.source,
                                                checksum=meta.get("checksum"))


def _record(gb, result: SubmissionResult) -> None:
    with _one_transaction(gb):
        _record_rows(gb, result)


def _record_rows(gb, result: SubmissionResult) -> None:
    gb.update_or_create_student(result.student_id)
    submission = gb.update_or_create_submission(result.assignment, result.student_id)
    by_name = {nb.name: nb for nb in result.notebooks}
    for snb in submission.notebooks:
        nb_result = by_name.get(snb.name)
        cells = {c.grade_id: c for c in (nb_result.cells if nb_result else [])}
        for grade in snb.grades:
            cell = cells.get(grade.name)
            manual = cell is not None and cell.message == "needs manual grading"
            grade.auto_score = None if manual else (cell.points if cell else 0.0)
            grade.needs_manual_grade = manual or grade.manual_score is not None
        snb.flagged = bool(result.flags)


def write_gradebook(path: Path, course: Course, results: list[SubmissionResult],
                    only: set[tuple[str, str]] | None = None, term: Term = NO_TERM) -> int:
    """Record ``results`` (those whose key is in ``only``, plus any the database does not
    have yet) in the gradebook at ``path``, and the lateness of all of them under ``term``;
    returns how many results were written."""
    from nbgrader.api import Gradebook

    create_database(path)
    _quiet_nbgrader()
    with Gradebook(db_url(path)) as gb:
        return _write(gb, course, results, only, term)


def _quiet_nbgrader() -> None:
    """nbgrader's own queries trigger SQLAlchemy "not in session" warnings (harmless): a
    filter of that message alone, for the process (``catch_warnings`` would change every
    thread's filters for as long as the gradebook is open, a whole run for the writer)."""
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", message=r"Object of type <\w+> not in session",
                            category=SAWarning)


class GradebookWriter:
    """The gradebook of a grading run, written while the run grades (module docstring).

    Its thread makes the database and writes the cells of ``assignments`` first, then records
    each result given to :meth:`record`, until :meth:`finish` hands it the run's results (it
    then writes what it has not recorded yet, as :func:`write_gradebook` does, and the
    lateness of all) or :meth:`stop` ends it early (an interrupted run). Only that thread
    touches the database: a SQLAlchemy session belongs to one thread. ``after``: a thread to
    wait for before importing nbgrader (its modules import each other in a circle, and two
    threads importing them at once fail). A writer whose thread failed leaves the whole
    write to :meth:`finish`, in the caller's thread, so the error it raises is the write's.
    """

    def __init__(self, path: Path, course: Course, assignments: list[str],
                 after: threading.Thread | None = None):
        self.path, self.course = Path(path), course
        self._assignments, self._after = sorted(assignments), after
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._synced: set[str] = set()
        self._recorded: set[tuple[str, str]] = set()
        self._outcome: int | BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="gradebook", daemon=True)
        self._thread.start()

    def record(self, result: SubmissionResult) -> None:
        """Record ``result`` soon (a submission just graded)."""
        self._queue.put(result)

    def finish(self, results: list[SubmissionResult],
               only: set[tuple[str, str]] | None = None, term: Term = NO_TERM) -> int:
        """What :func:`write_gradebook` does with these arguments, the results recorded
        during the run counted; raises what the write raised."""
        self._queue.put((results, only, term))
        self._thread.join()
        if isinstance(self._outcome, int):
            return self._outcome
        return write_gradebook(self.path, self.course, results, only, term)

    def stop(self) -> None:
        """End the thread without the final write (what it recorded is committed)."""
        self._queue.put(None)
        self._thread.join()

    def _serve(self) -> None:
        if self._after is not None:
            self._after.join()   # before any import of nbgrader
        try:
            from nbgrader.api import Gradebook

            create_database(self.path)
            _quiet_nbgrader()
            with Gradebook(db_url(self.path)) as gb:
                self._sync(gb)
                while (item := self._queue.get()) is not None:
                    if isinstance(item, SubmissionResult):
                        if _gradable(item, self.course):
                            _record(gb, item)
                            self._recorded.add(item.key)
                    else:
                        self._outcome = _write(gb, self.course, *item, synced=self._synced,
                                               recorded=self._recorded)
                        return
        except Exception as exc:  # noqa: BLE001 - finish() writes it all again and raises
            self._outcome = exc

    def _sync(self, gb) -> None:
        assignments = [a for a in self._assignments if a in self.course.assignments]
        with _one_transaction(gb):
            for assignment in assignments:
                _sync_assignment(gb, self.course, assignment)
        self._synced.update(assignments)


def _gradable(result: SubmissionResult, course: Course) -> bool:
    return (result.assignment in course.assignments
            and result.status != Status.UNKNOWN_ASSIGNMENT)


def _utc(moment: datetime | None) -> datetime | None:
    """nbgrader's kind of time: naive, in UTC."""
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


def _record_lateness(gb, results: list[SubmissionResult], term: Term) -> None:
    """nbgrader's due dates, submission times, extensions and penalties (module docstring)."""
    from nbgrader.api import Assignment, SubmittedAssignment

    for assignment in gb.db.query(Assignment):
        assignment.duedate = _utc(term.due.get(assignment.name))
    by_key = {r.key: r for r in results}
    for submission in gb.db.query(SubmittedAssignment):
        result = by_key.get((submission.student_id, submission.assignment.name))
        if result is None:
            continue
        due, extended = term.due_date(result.student_id, result.assignment)
        base = term.due.get(result.assignment)
        submission.timestamp = _utc(submitted_time(result.submitted_at))
        submission.extension = due - base if extended and due and base else None
        late = lateness(result, term)
        scores = {nb.name: nb.score for nb in result.notebooks}
        for snb in submission.notebooks:
            share = scores.get(snb.name, 0.0) / result.score if result.score > 0 else 0.0
            snb.late_submission_penalty = (late.penalty * share if late.late_by is not None
                                            else None)
    gb.db.commit()


def _write(gb, course: Course, results: list[SubmissionResult],
           only: set[tuple[str, str]] | None, term: Term, synced: set[str] = frozenset(),
           recorded: set[tuple[str, str]] = frozenset()) -> int:
    """:func:`write_gradebook` in the open gradebook ``gb``; ``synced``: assignments whose
    cells are written already, ``recorded``: results recorded already (counted)."""
    from nbgrader.api import SubmittedAssignment

    gradable = [r for r in results if _gradable(r, course)]
    known = {(s.student_id, s.assignment.name) for s in gb.db.query(SubmittedAssignment)}
    todo = [r for r in gradable if r.key not in recorded
            and (only is None or r.key in only or r.key not in known)]
    with _one_transaction(gb):
        for assignment in sorted({r.assignment for r in todo} - set(synced)):
            _sync_assignment(gb, course, assignment)
        for result in todo:
            _record_rows(gb, result)
        _record_lateness(gb, gradable, term)
    return len(todo) + len(recorded)
