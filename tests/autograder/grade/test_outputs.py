"""What a run writes as results arrive (autograder/grade/outputs.py): grades.csv follows the
ledger closely, at a cost that does not grow with the square of the class."""

from __future__ import annotations

from autograder.course.source import DEFAULT_SOURCE, load_course
from autograder.grade import outputs as outputs_module
from autograder.grade.outputs import CSV_SHARE, Outputs
from autograder.records.ledger import read_csv
from autograder.records.results import CellResult, NotebookResult, Status, SubmissionResult


def result(student: str) -> SubmissionResult:
    cells = [CellResult("test_add", 1.0, 1.0)]
    return SubmissionResult(student, "01_adder", Status.GRADED, max_score=1.0,
                            notebooks=[NotebookResult("adder", cells=cells)],
                            content_hash="h", source_hash="s")


def test_grades_csv_lags_the_ledger_by_a_twentieth_at_most(tmp_path, monkeypatch):
    writes = []
    real = outputs_module.write_csv
    monkeypatch.setattr(outputs_module, "write_csv",
                        lambda results, *a, **k: (writes.append(len(results)),
                                                  real(results, *a, **k)))
    outputs = Outputs(tmp_path / "run", load_course(DEFAULT_SOURCE), feedback=False)
    rows = []
    for i in range(400):
        outputs.record(result(f"s{i:03d}"), {})
        rows.append(len(read_csv(outputs.csv)))
    assert rows[:20] == list(range(1, 21))   # a small class: after every result, as before
    assert all(n - r < CSV_SHARE * n for n, r in enumerate(rows, start=1))
    assert len(writes) < 80 and sum(writes) < 25 * 400   # not 400 writes of 80,000 rows
    outputs.write_csv()   # the run's end
    assert len(read_csv(outputs.csv)) == 400
