"""The report's figures drawn on two cores (autograder/report/drawing.py): the same files as
one process draws, and none lost when the forked process fails, hangs or cannot start."""

from __future__ import annotations

import multiprocessing
import os
import time

import matplotlib.pyplot as plt
import pytest

from autograder.report import drawing
from autograder.report.drawing import FigureJob, draw

PARENT = os.getpid()
PNG = b"\x89PNG"


def bars(values: list[float], title: str):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(range(len(values)), values)
    ax.set_title(title)
    return fig


def failing_when_forked(values: list[float], title: str):
    if os.getpid() != PARENT:
        raise RuntimeError("only in the forked process")
    return bars(values, title)


def hanging_when_forked(values: list[float], title: str):
    if os.getpid() != PARENT:
        time.sleep(600)
    return bars(values, title)


def broken(values: list[float], title: str):
    raise ValueError(f"no figure for {title}")


def _jobs(folder, plot=bars, n=4) -> list[FigureJob]:
    folder.mkdir(exist_ok=True)
    return [FigureJob(plot, ([1.0, i + 2.0, 3.0], f"figure {i}"), folder / f"f{i}.png")
            for i in range(n)]


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(drawing.os, "sched_getaffinity", lambda _pid: {0, 1})


def test_split_drawing_writes_the_files_one_process_writes(tmp_path, monkeypatch, two_cores):
    draw(_jobs(tmp_path / "split"))
    monkeypatch.setattr(drawing, "_can_split", lambda jobs: False)
    draw(_jobs(tmp_path / "one"))
    for i in range(4):
        split, one = (tmp_path / d / f"f{i}.png" for d in ("split", "one"))
        assert split.read_bytes()[:4] == PNG
        assert split.read_bytes() == one.read_bytes()


def test_the_figures_of_a_forked_process_that_failed_are_drawn_here(tmp_path, two_cores):
    draw(_jobs(tmp_path, failing_when_forked))
    assert all((tmp_path / f"f{i}.png").read_bytes()[:4] == PNG for i in range(4))


def test_a_forked_process_still_drawing_is_stopped_and_its_figures_drawn_here(
        tmp_path, monkeypatch, two_cores):
    monkeypatch.setattr(drawing, "CHILD_SECONDS", 0.5)
    start = time.monotonic()
    draw(_jobs(tmp_path, hanging_when_forked))
    assert time.monotonic() - start < 60
    assert not multiprocessing.active_children()   # the forked process was stopped
    assert all((tmp_path / f"f{i}.png").read_bytes()[:4] == PNG for i in range(4))


def test_halves_share_the_weight_and_keep_the_order(tmp_path):
    scores, runtime, *maps = [FigureJob(bars, ([1.0], name), tmp_path / f"{name}.png", weight)
                              for name, weight in [("scores", 5), ("runtime", 1), ("a", 1),
                                                   ("b", 1), ("c", 1), ("d", 1), ("e", 1)]]
    mine, theirs = drawing.halves([scores, runtime, *maps])
    assert sorted(sum(j.weight for j in share) for share in (mine, theirs)) == [5, 6]
    assert scores in mine and len(theirs) == 5
    assert theirs == [j for j in [runtime, *maps] if j in theirs]   # in the order given
    equal = _jobs(tmp_path, n=4)
    assert drawing.halves(equal) == (equal[0::2], equal[1::2])


@pytest.mark.parametrize("which", [0, 1])   # one of this process's figures, one of the fork's
def test_a_figure_that_fails_raises_its_error_here(tmp_path, two_cores, which):
    jobs = _jobs(tmp_path)
    jobs[which] = FigureJob(broken, jobs[which].args, jobs[which].path)
    with pytest.raises(ValueError, match="no figure for figure"):
        draw(jobs)


def test_one_core_or_one_figure_draws_without_forking(tmp_path, monkeypatch):
    def no_fork(*_args, **_kwargs):
        raise AssertionError("forked")

    monkeypatch.setattr(drawing, "_fork", no_fork)
    draw(_jobs(tmp_path, n=1))
    monkeypatch.setattr(drawing.os, "sched_getaffinity", lambda _pid: {0})
    draw(_jobs(tmp_path / "more"))
    assert (tmp_path / "f0.png").exists() and (tmp_path / "more" / "f3.png").exists()


def test_a_fork_that_cannot_start_leaves_every_figure_here(tmp_path, monkeypatch, two_cores):
    monkeypatch.setattr(drawing, "_fork", lambda jobs: None)
    draw(_jobs(tmp_path))
    assert all((tmp_path / f"f{i}.png").exists() for i in range(4))


def freeze_count_when_forked(values: list[float], title: str):
    """A figure; in the forked process, how many objects are frozen is written beside it."""
    if os.getpid() != PARENT:
        import gc

        with open(f"{title}.frozen", "w") as out:
            out.write(str(gc.get_freeze_count()))
    return bars(values, title)


@pytest.mark.parametrize("had_frozen", [False, True], ids=["unfrozen", "frozen"])
def test_the_forked_process_inherits_a_frozen_heap_and_this_one_stays_as_it_was(
        tmp_path, monkeypatch, two_cores, had_frozen):
    import gc

    monkeypatch.chdir(tmp_path)
    gc.unfreeze()
    if had_frozen:   # as a grading run's coordinator: its modules stay frozen
        gc.freeze()
    try:
        draw(_jobs(tmp_path, freeze_count_when_forked))
        after = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert after > 10_000 if had_frozen else after == 0   # not unfrozen / left unfrozen
    frozen = [int(p.read_text()) for p in tmp_path.glob("*.frozen")]
    assert len(frozen) == 2 and min(frozen) > 10_000


@pytest.mark.skipif(not drawing.cjk_fonts(), reason="no CJK font on this machine")
def test_chinese_student_ids_are_drawn_not_boxes(tmp_path, recwarn):
    """A class of Chinese names: each glyph comes from the CJK font behind matplotlib's own
    (matplotlib warns of every glyph it cannot draw, and would draw an empty box)."""
    draw([FigureJob(bars, ([1.0, 2.0], "张伟 / 李娜: 0.93"), tmp_path / "zh.png")])
    assert (tmp_path / "zh.png").read_bytes().startswith(PNG)
    assert not [w for w in recwarn if "missing from font" in str(w.message)]
    assert plt.rcParams["font.family"] == ["sans-serif"]   # only while drawing
