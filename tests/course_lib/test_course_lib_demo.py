"""Tests for course_lib.demo: the CLI runs, writes its plots, and the models learn."""

import pytest

from course_lib import demo
from course_lib.demo import Result, format_table


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    results, written = demo.run_all(out)
    return out, {(r.model, r.data): r for r in results}, written


def test_every_plot_is_written(full_run):
    out, _, written = full_run
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in written)
    assert len(names) == 9
    assert all((out / n).stat().st_size > 5000 for n in names)


def test_summary_rows_and_what_they_show(full_run):
    _, rows, _ = full_run
    logistic_flower = rows[("logistic unit", "planar flower")]
    net_flower = rows[("two-layer tanh, 4 hidden", "planar flower")]
    assert logistic_flower.train_accuracy < 0.65 < 0.85 < net_flower.test_accuracy
    logistic_digits = rows[("logistic unit", "digits odd/even")]
    deep_digits = rows[("L-layer [64, 20, 7, 5, 1], He", "digits odd/even")]
    assert 0.85 < logistic_digits.test_accuracy < deep_digits.test_accuracy
    zeros = rows[("3-layer ReLU, init 'zeros'", "circles")]
    he = rows[("3-layer ReLU, init 'he'", "circles")]
    assert zeros.train_accuracy == 0.5 and zeros.final_cost == pytest.approx(0.693147, abs=1e-6)
    assert he.test_accuracy > 0.95
    for init in ("randn", "zeros", "ones"):
        key = next(k for k in rows if k[0].startswith(f"seeds/001 FC net, {init}"))
        assert rows[key].train_accuracy == 1.0 and rows[key].test_accuracy is None


def test_format_table():
    rows = [Result("m", "d", 0.5, 1.0, None), Result("model two", "d", 0.25, 0.5, 0.75)]
    table = format_table(rows)
    lines = table.splitlines()
    assert lines[0].split() == ["model", "data", "final", "cost", "train", "acc", "test", "acc"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["m", "d", "0.500000", "100.0%", "-"]
    assert lines[3].split() == ["model", "two", "d", "0.250000", "50.0%", "75.0%"]
    assert len({len(line) for line in lines}) == 1


def test_main_prints_table_and_writes_to_out(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(demo, "EXPERIMENTS", (demo.fc_on_and_gate,))
    assert demo.main(["--out", str(tmp_path / "demo")]) == 0
    printed = capsys.readouterr().out
    assert "seeds/001 FC net, randn init" in printed and "final cost" in printed
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == [
        "and_gate_boundary.png",
        "and_gate_costs.png",
    ]
