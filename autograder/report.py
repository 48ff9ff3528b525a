"""The class report: one HTML page for the instructor, with PNG plots beside it.

``write_report(results, out_dir)`` writes ``out_dir/report.html`` and, next to it,
``report_scores.png`` (score distribution per assignment), ``report_pass_rates.png`` (pass
rate of every test cell) and ``report_runtime.png`` (grading time of every submission). The
page links the plots by relative path, inlines its CSS and loads nothing from the network, so
the folder can be zipped or opened straight from disk.

Sections, most urgent first: flagged submissions (``result.flags``), submissions that could
not be graded, a status count table, the plots, the most common failure messages, the grade
table and the slowest submissions.
"""

from __future__ import annotations

import html
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

from autograder.feedback import format_points  # noqa: E402
from autograder.results import CellResult, Status, SubmissionResult  # noqa: E402
from autograder.vocabulary import is_serious

__all__ = [
    "write_report",
    "plot_scores",
    "plot_pass_rates",
    "plot_runtime",
    "status_counts",
    "cell_pass_rates",
    "common_failures",
    "FailureGroup",
]

SCORES_PNG = "report_scores.png"
PASS_RATES_PNG = "report_pass_rates.png"
RUNTIME_PNG = "report_runtime.png"

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
                color=[STATUS_COLOURS[Status.GRADED], "#e08214"],
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


def plot_pass_rates(results: Sequence[SubmissionResult]) -> Figure:
    """Horizontal bars: the share of submissions that passed each test cell, by assignment."""
    rates = cell_pass_rates(results)
    labels = [f"{a} / {g}" for a, g, *_ in rates]
    values = [100 * p / t if t else 0.0 for *_, p, t in rates]
    fig, ax = plt.subplots(figsize=(9, 0.9 + 0.28 * max(1, len(rates))))
    y = np.arange(len(rates))[::-1]
    colours = ["#7b3294" if hidden else STATUS_COLOURS[Status.GRADED]
               for _, _, hidden, _, _ in rates]
    ax.barh(y, values, color=colours, height=0.7)
    for yi, v, (*_, p, t) in zip(y, values, rates, strict=True):
        ax.text(v + 1, yi, f"{v:.0f}%  ({p}/{t})", va="center", fontsize=7.5)
    for yi, prev, cur in zip(y[1:], rates, rates[1:], strict=False):
        if prev[0] != cur[0]:   # a line between assignments
            ax.axhline(yi + 0.5, color="#999", linewidth=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, 116)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("submissions that passed (%)")
    ax.set_title("Pass rate per test cell, notebooks that ran to the end\n"
                 "(blue: visible tests, purple: hidden tests)", fontsize=11, loc="left")
    _style(ax)
    if not rates:
        ax.text(50, 0, "no test cells graded", ha="center")
    fig.tight_layout()
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


# --------------------------------------------------------------------------- html

def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _feedback_href(r: SubmissionResult, out_dir: Path, feedback_dir: Path | None) -> str | None:
    """Relative link from the report to the submission's first feedback page, if any."""
    if feedback_dir is None:
        return None
    folder = Path(feedback_dir) / r.student_id / r.assignment
    pages = sorted(folder.glob("*.html")) if folder.is_dir() else []
    if not pages:
        return None
    return Path(os.path.relpath(pages[0], out_dir)).as_posix()


def _link(r: SubmissionResult, out_dir: Path, feedback_dir: Path | None) -> str:
    """The student's id, linked to their feedback page when it exists."""
    href = _feedback_href(r, out_dir, feedback_dir)
    if href is None:
        return _e(r.student_id)
    return f'<a href="{_e(href)}">{_e(r.student_id)}</a>'


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """An HTML table; cells of ``rows`` are already-escaped HTML."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _status_pill(status: Status) -> str:
    return (f'<span class="pill" style="background:{STATUS_COLOURS[status]}">'
            f"{_e(status.value)}</span>")


def _score(r: SubmissionResult) -> str:
    return f"{format_points(r.score)} / {format_points(r.max_score)}"


def _flag_html(flag: str) -> str:
    return f'<span class="flag{"" if is_serious(flag) else " minor"}">{_e(flag)}</span>'


def _flagged_section(results, out_dir, feedback_dir) -> str:
    flagged = sorted((r for r in results if r.flags),
                     key=lambda r: (not any(is_serious(f) for f in r.flags), r.assignment,
                                    r.student_id))
    if not flagged:
        return ('<section class="box ok"><h2>Flagged submissions</h2>'
                "<p>None: no submission was flagged.</p></section>")
    rows = [(_link(r, out_dir, feedback_dir), _e(r.assignment),
             " ".join(_flag_html(f) for f in r.flags), _score(r), _status_pill(r.status),
             _e(_clip(r.message, 300))) for r in flagged]
    serious = sum(any(is_serious(f) for f in r.flags) for r in flagged)
    return (f'<section class="box alert"><h2>Flagged submissions ({len(flagged)})</h2>'
            f"<p><b>{serious} with points withheld.</b> "
            "Review these before publishing grades. <b>tampered</b>: the notebook changed "
            "what the tests rely on (numpy, numpy.testing, builtins, the course's checks, "
            "the kernel running the cells): where the tests ran inside the student's kernel "
            "(no student edition), every test from the first one after the change scored 0; "
            "where they ran in the grader, the change could not reach them and the flag only "
            "says what was tried. <b>copied_reference:&lt;name&gt;</b>: the graded function is "
            "taken from course_lib (imported, aliased or wrapped), not the student's code; its "
            "tests scored 0 (a kernel holding the student edition has no reference to take). "
            "The others change no points: "
            "<b>edited_locked_cell</b> (a read-only cell had been edited and was restored), "
            "<b>renamed_notebook</b>.</p>"
            + _table(["student", "assignment", "flags", "score", "status", "why"], rows)
            + "</section>")


def _clip(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _attention_section(results, out_dir, feedback_dir) -> str:
    bad = [r for r in results if r.status is not Status.GRADED]
    if not bad:
        return ""
    rows = [(_link(r, out_dir, feedback_dir), _e(r.assignment), _status_pill(r.status),
             _e(r.message or "; ".join(nb.message for nb in r.notebooks if nb.message)),
             _score(r)) for r in bad]
    return (f'<section class="box warn"><h2>Not graded normally ({len(bad)})</h2>'
            "<p>These submissions hold the score shown, but did not run to the end: each "
            "student's feedback page explains what happened and what to do.</p>"
            + _table(["student", "assignment", "status", "message", "score"], rows)
            + "</section>")


def _status_section(results) -> str:
    counts = status_counts(results)
    present = [s for s in Status if any(c[s] for c in counts.values())]
    rows = []
    for name, c in counts.items():
        subs = [r for r in results if r.assignment == name]
        mean = np.mean([r.score for r in subs]) if subs else 0.0
        top = max((r.max_score for r in subs), default=0.0)
        rows.append([_e(name)] + [str(c[s]) if c[s] else "" for s in present]
                    + [str(sum(c.values())), f"{mean:.1f} / {format_points(top)}"])
    totals = Counter()
    for c in counts.values():
        totals.update(c)
    rows.append(["<b>all</b>"] + [f"<b>{totals[s]}</b>" if totals[s] else "" for s in present]
                + [f"<b>{sum(totals.values())}</b>", ""])
    head = ["assignment"] + [_status_pill(s) for s in present] + ["total", "mean score"]
    return "<h2>Status of every submission</h2>" + _table(head, rows, "counts")


def _failures_section(results) -> str:
    groups = common_failures(results)
    if not groups:
        return "<h2>Most common failure messages</h2><p>No test cell failed.</p>"
    rows = []
    for g in groups:
        where = ", ".join(f"{_e(k)} ({n})" for k, n in g.cells.most_common(3))
        if len(g.cells) > 3:
            where += f", and {len(g.cells) - 3} more"
        rows.append((str(g.count), str(len(g.students)), f"<code>{_e(g.example)}</code>", where))
    return ("<h2>Most common failure messages</h2><p class=note>Failed test cells of the "
            "notebooks that ran to the end, grouped by message (messages that differ only in "
            "their numbers count as one; one example shown).</p>"
            + _table(["failures", "students", "message", "test cells"], rows, "failures"))


def _grades_section(results, out_dir, feedback_dir) -> str:
    names = sorted({r.assignment for r in results})
    students = sorted({r.student_id for r in results})
    by_key = {r.key: r for r in results}
    rows = []
    for s in students:
        row = [_e(s)]
        for a in names:
            r = by_key.get((s, a))
            if r is None:
                row.append('<span class="muted">-</span>')
                continue
            cls = "" if r.status is Status.GRADED else ' class="bad"'
            text = _score(r) + ("" if r.status is Status.GRADED else f" ({r.status.value})")
            if r.flags:
                text += " &#9873;"
            href = _feedback_href(r, out_dir, feedback_dir)
            row.append(f"<span{cls}>{text}</span>" if href is None
                       else f'<a href="{_e(href)}"{cls}>{text}</a>')
        rows.append(row)
    return (f"<details open><summary><h2>Grades ({len(students)} students)</h2></summary>"
            "<p class=note>&#9873; marks a flagged submission; a score links to the student's "
            "feedback page.</p>"
            + _table(["student"] + [_e(a) for a in names], rows, "grades") + "</details>")


def _slowest_section(results, out_dir, feedback_dir, n: int = 10) -> str:
    slow = sorted(results, key=lambda r: -r.seconds)[:n]
    rows = [(_link(r, out_dir, feedback_dir), _e(r.assignment), f"{r.seconds:.1f}",
             _status_pill(r.status)) for r in slow]
    return (f"<h2>Slowest {len(slow)} submissions</h2>"
            + _table(["student", "assignment", "seconds", "status"], rows))


def _save(fig: Figure, path: Path) -> None:
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(results: list[SubmissionResult], out_dir: Path,
                 feedback_dir: Path | None = None) -> Path:
    """Write ``out_dir/report.html`` and its PNG plots; return the page's path.

    results: every graded submission of the class (any statuses, any assignments).
    feedback_dir: where :func:`autograder.feedback.write_feedback` wrote the pages (default:
        a ``feedback`` folder beside ``out_dir``, the grading run's layout, if there is one);
        student names and scores link to their feedback (relative links).
    """
    out_dir = Path(out_dir)
    if feedback_dir is None and (out_dir.parent / "feedback").is_dir():
        feedback_dir = out_dir.parent / "feedback"
    out_dir.mkdir(parents=True, exist_ok=True)
    results = sorted(results, key=lambda r: (r.assignment, r.student_id))
    plots = ""
    if results:
        _save(plot_scores(results), out_dir / SCORES_PNG)
        _save(plot_pass_rates(results), out_dir / PASS_RATES_PNG)
        _save(plot_runtime(results), out_dir / RUNTIME_PNG)
        plots = (f'<h2>Scores</h2><img src="{SCORES_PNG}" alt="score distribution per '
                 f'assignment"><h2>Test cells</h2><img src="{PASS_RATES_PNG}" alt="pass rate '
                 f'per test cell"><h2>Run time</h2><img src="{RUNTIME_PNG}" alt="run time per '
                 'submission">')
    total_time = sum(r.seconds for r in results)
    students = len({r.student_id for r in results})
    graded = sum(r.status is Status.GRADED for r in results)
    intro = (f"<p class=lead>{len(results)} submissions from {students} students in "
             f"{len({r.assignment for r in results})} assignments; {graded} graded normally, "
             f"{len(results) - graded} not; {sum(bool(r.flags) for r in results)} flagged. "
             f"Grading time summed over submissions: {total_time:.1f} s.</p>")
    if not results:
        intro = "<p class=lead>No submissions were graded.</p>"
    body = "".join([
        "<h1>Autograder class report</h1>", intro,
        _flagged_section(results, out_dir, feedback_dir),
        _attention_section(results, out_dir, feedback_dir),
        _status_section(results) if results else "",
        plots,
        _failures_section(results) if results else "",
        _grades_section(results, out_dir, feedback_dir) if results else "",
        _slowest_section(results, out_dir, feedback_dir) if results else "",
    ])
    page = out_dir / "report.html"
    page.write_text(_PAGE.format(css=_CSS, body=body), encoding="utf-8")
    return page


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Autograder class report</title>
<style>{css}</style>
</head>
<body><main>
{body}
</main></body>
</html>
"""

_CSS = """
* { box-sizing: border-box; }
body { margin: 0; background: #f6f8fa; color: #1f2328;
       font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 60px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 6px; }
h2 { font-size: 18px; margin: 26px 0 8px; display: inline-block; }
.lead { color: #444; }
.note { color: #57606a; font-size: 13px; margin: 2px 0 6px; }
img { max-width: 100%; display: block; margin: 6px 0 14px; border: 1px solid #eee; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 14px; width: 100%; }
th, td { border-bottom: 1px solid #d0d7de; padding: 4px 8px; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; }
table.counts td, table.counts th { text-align: center; }
table.counts td:first-child { text-align: left; }
table.grades td { white-space: nowrap; }
table.failures td:nth-child(3) { width: 50%; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px;
       white-space: pre-wrap; }
.pill { color: #fff; border-radius: 9px; padding: 0 8px; font-size: 12px; font-weight: 600;
        white-space: nowrap; }
.flag.minor { background: #8c8c8c; }
.flag { background: #c62828; color: #fff; border-radius: 4px; padding: 1px 7px;
        font-weight: 700; font-size: 13px; margin-right: 4px; }
.box { border-left: 6px solid; border-radius: 4px; padding: 4px 16px 8px; margin: 14px 0; }
.box h2 { margin-top: 10px; }
.box.alert { border-color: #c62828; background: #fff5f5; }
.box.warn { border-color: #e08214; background: #fff8e6; }
.box.ok { border-color: #1a7f37; background: #f0fff4; }
.bad { color: #c62828; }
.muted { color: #999; }
a { color: #0969da; }
summary { cursor: pointer; }
"""
