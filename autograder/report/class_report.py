"""The class report: one HTML page for the instructor, with PNG plots beside it.

``write_report(results, out_dir)`` writes ``out_dir/report.html`` and, next to it,
``report_scores.png`` (score distribution per assignment) and ``report_runtime.png`` (grading
time of every submission). The page links the plots by relative path, inlines its CSS and
loads nothing from the network, so the folder can be zipped or opened straight from disk.

Sections, most urgent first: flagged submissions (``result.flags``), submissions that could
not be graded, a status count table, the plots, the pass rate of every test cell (a table
with a bar per cell: text to read and search; as a figure, this course's 66 test cells made
a PNG 2,300 pixels tall that took 0.6 s of the run's end to draw), the most common failure
messages, similar solutions (when the caller compared them: :mod:`.similarity`;
``similarity.csv`` and ``report_similarity_<assignment>.png`` beside the page), the grade
table and the slowest submissions.

The page is ``templates/class_report.html.j2`` (one macro per section, on ``page.html.j2``
and ``pages.css``, the frame and stylesheet it shares with the feedback pages); this module
gives it plain data (rows of text and numbers) and no HTML. Its environment autoescapes
(:func:`.safe_html.page_templates`): student ids and messages come from submissions, and one
holding ``<b>`` or ``&`` must show as typed, not change the instructor's page.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from autograder.records.results import CellResult, Status, SubmissionResult  # noqa: E402
from autograder.report.drawing import FigureJob, draw  # noqa: E402
from autograder.report.feedback_page import format_points  # noqa: E402
from autograder.report.safe_html import page_templates  # noqa: E402
from autograder.report.similarity import (  # noqa: E402
    ALIKE_SCORE,
    ALIKE_TOKENS,
    CSV_FLOOR,
    AssignmentSimilarity,
    plot_similarity,
    write_csv,
)
from autograder.vocabulary import is_serious

__all__ = [
    "write_report",
    "plot_scores",
    "plot_runtime",
    "status_counts",
    "cell_pass_rates",
    "common_failures",
    "FailureGroup",
    "similarity_png",
    "SIMILARITY_CSV",
]

SCORES_PNG = "report_scores.png"
RUNTIME_PNG = "report_runtime.png"
SIMILARITY_CSV = "similarity.csv"
#: Pairs per assignment the similar solutions' table shows (the CSV: every one scoring at
#: least similarity.CSV_FLOOR).
SIMILAR_ROWS = 10

#: One colour per status, used by every plot and table.
STATUS_COLOURS: dict[Status, str] = {
    Status.GRADED: "#2b7bba",
    Status.TIMEOUT: "#e08214",
    Status.KERNEL_DIED: "#b2182b",
    Status.INVALID_NOTEBOOK: "#7b3294",
    Status.MISSING_NOTEBOOK: "#8c8c8c",
    Status.UNKNOWN_ASSIGNMENT: "#bababa",
    Status.ERROR: "#000000",
}
#: Statuses of submissions whose notebook never ran.
_NOT_RUN = (Status.INVALID_NOTEBOOK, Status.MISSING_NOTEBOOK, Status.UNKNOWN_ASSIGNMENT)


# --------------------------------------------------------------------------- numbers

def status_counts(results: Iterable[SubmissionResult]) -> dict[str, Counter]:
    """assignment -> Counter(Status -> number of submissions)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        counts[r.assignment][r.status] += 1
    return dict(sorted(counts.items()))


def _cells(results: Iterable[SubmissionResult]) -> Iterable[tuple[SubmissionResult, CellResult]]:
    """The test cells of the notebooks that ran to the end (status graded): a test that did
    not run because its notebook was broken or cut short says nothing about the test."""
    for r in results:
        for nb in r.notebooks:
            if nb.status is not Status.GRADED:
                continue
            for c in nb.cells:
                yield r, c


def cell_pass_rates(results: Sequence[SubmissionResult]) -> list[tuple[str, str, bool, int, int]]:
    """(assignment, grade_id, hidden, passed, total) per test cell, in notebook order, over
    the notebooks that ran to the end (a broken or timed-out one is counted elsewhere)."""
    order: dict[tuple[str, str], int] = {}
    hidden: dict[tuple[str, str], bool] = {}
    passed: Counter = Counter()
    total: Counter = Counter()
    for r, c in _cells(results):
        key = (r.assignment, c.grade_id)
        order.setdefault(key, len(order))
        hidden[key] = hidden.get(key, False) or c.hidden
        total[key] += 1
        passed[key] += c.passed
    keys = sorted(order, key=lambda k: (k[0], order[k]))
    return [(a, g, hidden[(a, g)], passed[(a, g)], total[(a, g)]) for a, g in keys]


# a number, but not the digits of a name such as W1, dA0 or test_l2
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])")


def _message_key(message: str) -> str:
    """What two failure messages have in common when only their numbers differ."""
    first = message.strip().splitlines()[0] if message.strip() else "(no message)"
    return re.sub(r"\s+", " ", _NUMBER.sub("#", first))[:200]


@dataclass
class FailureGroup:
    """Failed test cells whose messages differ only in their numbers."""

    example: str
    count: int = 0
    students: set[str] = field(default_factory=set)
    cells: Counter = field(default_factory=Counter)   # "assignment / grade_id" -> count


def common_failures(results: Sequence[SubmissionResult], top: int = 15) -> list[FailureGroup]:
    """The ``top`` most frequent failure messages of test cells, most frequent first."""
    groups: dict[str, FailureGroup] = {}
    for r, c in _cells(results):
        if c.passed:
            continue
        key = _message_key(c.message)
        first = c.message.strip().splitlines()[0] if c.message.strip() else "(no message)"
        group = groups.setdefault(key, FailureGroup(example=first))
        group.count += 1
        group.students.add(r.student_id)
        group.cells[f"{r.assignment} / {c.grade_id}"] += 1
    ranked = sorted(groups.values(), key=lambda g: (-g.count, g.example))
    return ranked[:top]


# --------------------------------------------------------------------------- plots

def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)


def plot_scores(results: Sequence[SubmissionResult]) -> Figure:
    """One histogram per assignment of the submissions' scores (points), stacked by whether
    the submission was graded or could not be (a zero for a broken file is not a zero earned)."""
    by_assignment: dict[str, list[SubmissionResult]] = defaultdict(list)
    for r in results:
        by_assignment[r.assignment].append(r)
    names = sorted(by_assignment)
    ncols = min(2, max(1, len(names)))
    nrows = max(1, -(-len(names) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.2 * nrows), squeeze=False)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names, strict=False):
        subs = by_assignment[name]
        top = max([r.max_score for r in subs] + [1.0])
        if top <= 30 and float(top).is_integer():   # one bar per whole point
            bins = np.arange(-0.5, top + 1.0, 1.0)
        else:
            bins = np.linspace(0, top, 11)
        graded = [r.score for r in subs if r.status is Status.GRADED]
        other = [r.score for r in subs if r.status is not Status.GRADED]
        ax.hist([graded, other], bins=bins, stacked=True, rwidth=0.85,
                color=[STATUS_COLOURS[Status.GRADED], STATUS_COLOURS[Status.TIMEOUT]],
                label=["graded", "not graded (timeout, broken ...)"])
        mean = float(np.mean([r.score for r in subs]))
        ax.axvline(mean, color="#333", linestyle="--", linewidth=1, label="mean")
        ax.set_title(f"{name}: n={len(subs)}, mean {mean:.1f} of {format_points(top)}",
                     fontsize=10)
        ax.set_xlim(bins[0], bins[-1])
        ax.set_xlabel("score (points)")
        ax.set_ylabel("submissions")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.xaxis.get_major_locator().set_params(integer=True)
        _style(ax)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", fontsize=8, frameon=False)
    fig.suptitle("Score distribution per assignment", fontsize=12, x=0.02, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def plot_runtime(results: Sequence[SubmissionResult]) -> Figure:
    """Grading time of every submission that ran: one dot each, a row per assignment,
    coloured by status (log scale: a 1 s notebook and a 30 s timeout on one axis). Files
    that could not be read, or were missing, are left out (they take no time)."""
    results = [r for r in results if r.status not in _NOT_RUN]
    names = sorted({r.assignment for r in results})
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.6 * max(1, len(names))))
    rng = np.random.default_rng(0)   # vertical jitter only, so dots do not hide each other
    seen: set[Status] = set()
    for row, name in enumerate(reversed(names)):
        subs = [r for r in results if r.assignment == name]
        for status in Status:
            xs = [max(r.seconds, 1e-2) for r in subs if r.status is status]
            if not xs:
                continue
            ys = row + rng.uniform(-0.22, 0.22, size=len(xs))
            ax.scatter(xs, ys, s=22, alpha=0.8, color=STATUS_COLOURS[status],
                       label=None if status in seen else status.value, edgecolors="none")
            seen.add(status)
    ax.set_xscale("log")
    seconds = [max(r.seconds, 1e-2) for r in results] or [1.0]
    ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 100, 200, 500)
             if min(seconds) / 2 <= t <= 2 * max(seconds)]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_yticks(range(len(names)), list(reversed(names)), fontsize=8)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlabel("seconds to grade the submission (log scale)")
    ax.set_title("Run time per submission", fontsize=11, loc="left")
    if seen:
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _style(ax)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- page

@dataclass(frozen=True)
class _Row:
    """One submission as the page's tables show it (text only: the template escapes it)."""

    student: str
    assignment: str
    status: Status
    score: str                      # "3 / 4"
    href: str | None                # its feedback page, relative to the report
    flags: list[tuple[str, bool]]   # (flag, whether it withholds points)
    message: str                    # the submission's message, else its notebooks'
    why: str                        # the submission's message, clipped
    seconds: float

    @property
    def withheld(self) -> bool:
        """Whether a flag withholds points."""
        return any(serious for _, serious in self.flags)


def _feedback_href(r: SubmissionResult, out_dir: Path, feedback_dir: Path | None) -> str | None:
    """Relative link from the report to the submission's first feedback page, if any."""
    if feedback_dir is None:
        return None
    folder = Path(feedback_dir) / r.student_id / r.assignment
    pages = sorted(folder.glob("*.html")) if folder.is_dir() else []
    if not pages:
        return None
    return Path(os.path.relpath(pages[0], out_dir)).as_posix()


def _clip(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _row(r: SubmissionResult, out_dir: Path, feedback_dir: Path | None) -> _Row:
    return _Row(
        student=r.student_id, assignment=r.assignment, status=r.status,
        score=f"{format_points(r.score)} / {format_points(r.max_score)}",
        href=_feedback_href(r, out_dir, feedback_dir),
        flags=[(f, is_serious(f)) for f in r.flags],
        message=r.message or "; ".join(nb.message for nb in r.notebooks if nb.message),
        why=_clip(r.message, 300), seconds=r.seconds)


def _flagged(rows: list[_Row]) -> list[_Row]:
    """Flagged submissions, those with points withheld first."""
    return sorted((r for r in rows if r.flags),
                  key=lambda r: (not r.withheld, r.assignment, r.student))


def _status_table(results: list[SubmissionResult]) -> dict:
    """Per assignment: submissions per status present, their total and mean score."""
    counts = status_counts(results)
    present = [s for s in Status if any(c[s] for c in counts.values())]
    rows = []
    for name, c in counts.items():
        subs = [r for r in results if r.assignment == name]
        mean = np.mean([r.score for r in subs]) if subs else 0.0
        top = max((r.max_score for r in subs), default=0.0)
        rows.append((name, [c[s] for s in present], sum(c.values()),
                     f"{mean:.1f} / {format_points(top)}"))
    totals: Counter = Counter()
    for c in counts.values():
        totals.update(c)
    return {"statuses": present, "rows": rows,
            "totals": ([totals[s] for s in present], sum(totals.values()))}


def _pass_rate_rows(results: list[SubmissionResult]) -> list[dict]:
    """Per assignment, its test cells in notebook order: passed of total, as a percentage
    (the bar's length) and as counts."""
    by_assignment: dict[str, list[dict]] = defaultdict(list)
    for assignment, grade_id, hidden, passed, total in cell_pass_rates(results):
        by_assignment[assignment].append({
            "cell": grade_id, "hidden": hidden, "passed": passed, "total": total,
            "percent": round(100 * passed / total) if total else 0})
    return [{"name": name, "cells": cells} for name, cells in by_assignment.items()]


def _failure_rows(results: list[SubmissionResult]) -> list[dict]:
    """The most common failures: count, students, example, the 3 test cells most hit."""
    return [{"count": g.count, "students": len(g.students), "example": g.example,
             "cells": g.cells.most_common(3), "more": max(0, len(g.cells) - 3)}
            for g in common_failures(results)]


def _grade_table(rows: list[_Row]) -> dict:
    """Student x assignment: the submission's row, or None where there is none."""
    names = sorted({r.assignment for r in rows})
    by_key = {(r.student, r.assignment): r for r in rows}
    students = sorted({r.student for r in rows})
    return {"assignments": names,
            "rows": [(s, [by_key.get((s, a)) for a in names]) for s in students]}


def _summary(results: list[SubmissionResult]) -> dict:
    """The numbers of the page's first line."""
    return {"submissions": len(results), "students": len({r.student_id for r in results}),
            "assignments": len({r.assignment for r in results}),
            "graded": sum(r.status is Status.GRADED for r in results),
            "flagged": sum(bool(r.flags) for r in results),
            "seconds": sum(r.seconds for r in results)}


def similarity_png(assignment: str) -> str:
    """The file name of an assignment's heat map of similar solutions."""
    return f"report_similarity_{re.sub(r'[^A-Za-z0-9_.-]', '_', assignment)}.png"


def _similar_section(similar: Sequence[AssignmentSimilarity],
                     hrefs: dict[tuple[str, str], str | None]) -> dict:
    """The similar solutions section: per assignment, its most alike pairs (score of at least
    CSV_FLOOR, with their students' feedback links) and its heat map's file name."""
    assignments = []
    for a in sorted(similar, key=lambda a: a.assignment):
        rows = [{"a": p.student_a, "b": p.student_b, "score": f"{p.score:.2f}",
                 "shares": f"{p.share_a:.2f} / {p.share_b:.2f}", "tokens": p.shared_tokens,
                 "alike": p.alike,
                 "href_a": hrefs.get((p.student_a, a.assignment)),
                 "href_b": hrefs.get((p.student_b, a.assignment))}
                for p in a.pairs if p.score >= CSV_FLOOR][:SIMILAR_ROWS]
        assignments.append({"name": a.assignment, "students": len(a.students), "rows": rows,
                            "alike": sum(p.alike for p in a.pairs),
                            "png": similarity_png(a.assignment)
                            if len(a.heat_map()[0]) > 1 else None})
    return {"assignments": assignments, "csv": SIMILARITY_CSV, "floor": f"{CSV_FLOOR:.2f}",
            "score": f"{ALIKE_SCORE:.2f}", "tokens": ALIKE_TOKENS}


def _heat_maps(similar: Sequence[AssignmentSimilarity], out_dir: Path) -> list[FigureJob]:
    """One heat map per assignment compared (of two students or more), beside the page."""
    jobs = []
    for a in similar:
        students, matrix = a.heat_map()
        if len(students) > 1:
            jobs.append(FigureJob(plot_similarity,
                                  (matrix, students, f"{a.assignment}: score of each pair"),
                                  out_dir / similarity_png(a.assignment)))
    return jobs


def _page(results: list[SubmissionResult], out_dir: Path, feedback_dir: Path | None,
          similar: Sequence[AssignmentSimilarity] | None = None) -> str:
    """The report's HTML (templates/class_report.html.j2), from the data of its sections."""
    rows = [_row(r, out_dir, feedback_dir) for r in results]
    hrefs = {(r.student, r.assignment): r.href for r in rows}
    return page_templates().get_template("class_report.html.j2").render(
        summary=_summary(results), colours=STATUS_COLOURS, graded=Status.GRADED,
        flagged=_flagged(rows), not_graded=[r for r in rows if r.status is not Status.GRADED],
        status_table=_status_table(results), failures=_failure_rows(results),
        plots=[(SCORES_PNG, "Scores", "score distribution per assignment"),
               (RUNTIME_PNG, "Run time", "run time per submission")],
        pass_rates=_pass_rate_rows(results),
        grades=_grade_table(rows), slowest=sorted(rows, key=lambda r: -r.seconds)[:10],
        similar=None if similar is None else _similar_section(similar, hrefs))


def write_report(results: list[SubmissionResult], out_dir: Path,
                 feedback_dir: Path | None = None,
                 similarity: Sequence[AssignmentSimilarity] | None = None) -> Path:
    """Write ``out_dir/report.html`` and its PNG plots; return the page's path.

    results: every graded submission of the class (any statuses, any assignments).
    similarity: the comparison of the class's solutions
        (:func:`autograder.report.similarity.class_similarity`, computed by the caller); the
        page then has a section of similar solutions, and ``similarity.csv`` and one heat map
        per assignment are written beside it. None: no such section.
    feedback_dir: where :func:`autograder.report.feedback_page.write_feedback` wrote the pages
    (default:
        a ``feedback`` folder beside ``out_dir``, the grading run's layout, if there is one);
        student names and scores link to their feedback (relative links).
    The plots are drawn on two cores where there are two (:mod:`.drawing`).
    """
    out_dir = Path(out_dir)
    if feedback_dir is None and (out_dir.parent / "feedback").is_dir():
        feedback_dir = out_dir.parent / "feedback"
    out_dir.mkdir(parents=True, exist_ok=True)
    results = sorted(results, key=lambda r: (r.assignment, r.student_id))
    figures = []
    if results:
        assignments = len({r.assignment for r in results})
        figures += [FigureJob(plot_scores, (results,), out_dir / SCORES_PNG,
                              weight=assignments),   # a histogram per assignment
                    FigureJob(plot_runtime, (results,), out_dir / RUNTIME_PNG)]
    if similarity is not None:
        write_csv(similarity, out_dir / SIMILARITY_CSV)
        figures += _heat_maps(similarity, out_dir)
    draw(figures)
    page = out_dir / "report.html"
    page.write_text(_page(results, out_dir, feedback_dir, similarity), encoding="utf-8")
    return page
