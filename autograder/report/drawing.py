"""Draw a report's figures to PNG files, on two cores where there are two.

The class report has a few figures (the score histograms, the run times, one heat map of
similar solutions per assignment), 0.1-0.4 s each, nearly all of it matplotlib laying out
and rasterising text, which holds Python's lock: threads would draw them one after another.
They are drawn at the very end of a grading run, when nothing else is left to do, so the list
is split in two shares of about the same weight (:attr:`FigureJob.weight`, :func:`halves`):
a process forked from this one (matplotlib and the data already in its memory: nothing is
sent to it) draws one, this process the other. ``multiprocessing``'s fork context starts it
and reports its exit status. This process's objects are frozen (:func:`gc.freeze`) when it
forks: the child's first full collection would otherwise walk, and so copy, the whole heap
it inherited (0.4 s at the end of a grading run, longer than its figures). A process that
had frozen nothing is unfrozen right after; one that had (a grading run's coordinator
freezes its modules) keeps them frozen, as it chose (:func:`gc.unfreeze` cannot tell its
objects from the others).

A figure is never lost to the split: where there is one core, another system than Linux or
a single figure, this process draws everything; a forked process that fails, or is still
drawing :data:`CHILD_SECONDS` after this process finished its own share (then it is killed),
leaves its figures to this process, which draws every one of them again.
An exception of a figure's own code is raised from this process, as it was before the split.
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

DPI = 110
CHILD_SECONDS = 120.0   # a forked process's time to finish after this one finished its share
#: Fonts tried, in order, for what matplotlib's own font cannot draw: student ids and
#: names in Chinese (fonts-noto-cjk, or the systems' own).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei",
             "PingFang SC", "Heiti SC")


@dataclass(frozen=True)
class FigureJob:
    """One figure: ``plot(*args)`` returns it, saved as the PNG ``path``. ``weight``: how
    long it takes to draw, against a figure of one plot (1): a figure of 5 histograms, 5."""

    plot: Callable[..., Figure]
    args: tuple[Any, ...]
    path: Path
    weight: float = 1.0


def _save(fig: Figure, path: Path) -> None:
    """``fig`` as a PNG at ``path``, then closed (pyplot keeps no figure)."""
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def draw(jobs: Sequence[FigureJob]) -> None:
    """Draw every job, each to its path (see the module docstring), in matplotlib's font
    with a CJK font behind it where this machine has one."""
    jobs = list(jobs)
    # a family list, not the "sans-serif" alias: a glyph missing in one font comes from the next
    fonts = [plt.rcParams["font.sans-serif"][0], *cjk_fonts()]
    with plt.rc_context({"font.family": fonts}):
        _draw_split(jobs)


def _draw_split(jobs: list[FigureJob]) -> None:
    mine, theirs = halves(jobs)
    child = _fork(theirs) if _can_split(jobs) else None
    _draw_each(jobs if child is None else mine)
    if child is not None:
        child.join(CHILD_SECONDS)
        if child.is_alive():
            child.kill()
            child.join()
        if child.exitcode != 0:   # its figures, drawn again here (each file rewritten)
            _draw_each(theirs)


def halves(jobs: Sequence[FigureJob]) -> tuple[list[FigureJob], list[FigureJob]]:
    """``jobs`` in two shares of about the same weight: each figure, heaviest first, goes
    to the lighter share (each share in the order the figures were given)."""
    shares: tuple[list[int], list[int]] = ([], [])
    loads = [0.0, 0.0]
    for i in sorted(range(len(jobs)), key=lambda i: -jobs[i].weight):
        lighter = 0 if loads[0] <= loads[1] else 1
        shares[lighter].append(i)
        loads[lighter] += jobs[i].weight
    return ([jobs[i] for i in sorted(shares[0])], [jobs[i] for i in sorted(shares[1])])


@functools.cache
def cjk_fonts() -> tuple[str, ...]:
    """The fonts of :data:`CJK_FONTS` this machine has (asked once: a missing one would
    be a warning at every text drawn)."""
    from matplotlib import font_manager

    names = {font.name for font in font_manager.fontManager.ttflist}
    return tuple(name for name in CJK_FONTS if name in names)


def _can_split(jobs: list[FigureJob]) -> bool:
    """Two figures or more, on Linux (where forking a process that holds matplotlib is safe:
    not on macOS), with two cores or more to run on."""
    return (len(jobs) > 1 and sys.platform.startswith("linux")
            and len(os.sched_getaffinity(0)) > 1)


def _fork(jobs: list[FigureJob]) -> multiprocessing.process.BaseProcess | None:
    """A forked process drawing ``jobs`` (exit status 0 when all were drawn), or None if it
    could not start."""
    process = multiprocessing.get_context("fork").Process(
        target=_draw_or_exit, args=(jobs,), name="report figures", daemon=True)
    had_frozen = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        process.start()
    except OSError:
        return None
    finally:
        if not had_frozen:
            gc.unfreeze()
    return process


def _draw_or_exit(jobs: Sequence[FigureJob]) -> None:
    """The forked process's work: exit status 1, without a traceback, if a figure failed
    (this process then draws it again, and raises its error)."""
    try:
        _draw_each(jobs)
    except BaseException:  # noqa: BLE001 - said by this process's own attempt
        sys.exit(1)


def _draw_each(jobs: Sequence[FigureJob]) -> None:
    for job in jobs:
        _save(job.plot(*job.args), job.path)
