"""seeds/001's documented outputs are reproduced inside the executed initialization notebook.

The notebook is executed once (its reference solutions in place) and the numbers are read
from the cell outputs (shared material: documented_outputs.md, "seeds/001"): the published
runs digit for digit as the article printed them, the corrected runs to the precision the
documentation gives, and the corrected zeros run also from the student's own FC (the visible
test cell).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from nbclient import NotebookClient
from nbgrader_course import NOTEBOOKS, cells_by_id, source_notebooks

ASSIGNMENT = "04_initialization"

#: init -> run -> (final y, the value of every w1 entry, the value of every w2 entry)
DOCUMENTED = {
    "every weight 0": {
        "published": ("3.22480024e-04 2.22335711e-02 2.22335711e-02 9.57711099e-01",
                      "-2.49072772", "-3.373125"),
        "corrected": ("8.548e-05 2.632338e-02 2.632338e-02 9.5184229e-01",
                      "-2.17711194", "-3.88777583"),
    },
    "w1 all 1, w2 all 0": {
        "published": ("0.00399349 0.02830098 0.02830098 0.96924181", "2.48265841", "3.231811"),
        "corrected": ("0.00185546 0.03256607 0.03256607 0.96286654", "2.10198096", "3.44993323"),
    },
}

NUMBER = r"-?\d+\.\d*(?:e[-+]\d+)?"


@pytest.fixture(scope="module")
def executed():
    nb = source_notebooks(ASSIGNMENT)["initialization"]
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS / ASSIGNMENT)}}).execute()
    return nb


def _stdout(cell) -> str:
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert not errors, f"the cell failed: {errors[0]['evalue']}"
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def _tables(text: str) -> dict[str, dict[str, dict[str, list[str]]]]:
    """``=== title ===`` sections -> run label -> "y"/"w1"/"w2" -> printed number tokens."""
    out: dict = {}
    for title, body in re.findall(r"=== (.+?) ===\n(.*?)(?=\n===|\Z)", text, re.S):
        runs: dict = {}
        for label, key, array in re.findall(r"^(\w+)\s+(y|w1|w2)\s+= (\[\[.*?\]\])", body,
                                            re.S | re.M):
            runs.setdefault(label, {})[key] = re.findall(NUMBER, array)
        out[title] = runs
    return out


def _agrees(printed: str, documented: str) -> bool:
    """``printed`` rounds to ``documented`` at the documented number of digits."""
    doc = Decimal(documented)
    half_unit = Decimal(1).scaleb(doc.as_tuple().exponent) / 2
    return abs(Decimal(printed) - doc) <= half_unit


def test_published_runs_are_printed_digit_for_digit(executed):
    tables = _tables(_stdout(cells_by_id(executed)["published_tables"]))
    for title, runs in DOCUMENTED.items():
        y, w1, w2 = runs["published"]
        printed = tables[title]["published"]
        assert printed["y"] == y.split(), f"{title}: y printed as {printed['y']}"
        assert printed["w1"] == [w1] * 8, f"{title}: w1 printed as {printed['w1']}"
        assert printed["w2"] == [w2] * 4, f"{title}: w2 printed as {printed['w2']}"


def test_corrected_runs_match_the_documented_numbers(executed):
    tables = _tables(_stdout(cells_by_id(executed)["published_tables"]))
    for title, runs in DOCUMENTED.items():
        y, w1, w2 = runs["corrected"]
        printed = tables[title]["corrected"]
        assert len(printed["y"]) == 4 and all(
            _agrees(p, d) for p, d in zip(printed["y"], y.split(), strict=True)), (
            f"{title}: corrected y printed as {printed['y']}, documented {y}")
        assert len(printed["w1"]) == 8 and all(_agrees(p, w1) for p in printed["w1"])
        assert len(printed["w2"]) == 4 and all(_agrees(p, w2) for p in printed["w2"])


def test_the_students_fc_keeps_symmetric_units_identical(executed):
    """The FC test trains the AND gate from zero weights (30 steps, against the course's FC):
    every hidden unit keeps the same weights. The documented 10000-step runs are checked in
    tests/course_lib/test_published_runs.py."""
    text = _stdout(cells_by_id(executed)["test_FC"])
    w1 = re.search(r"your w1\s+= (\[\[.*?\]\])", text, re.S)
    assert w1, f"the FC test cell did not print the AND-gate run:\n{text}"
    assert len(set(re.findall(NUMBER, w1.group(1)))) == 1


def test_every_hidden_unit_keeps_identical_weights(executed):
    """The documented observation: symmetric initialization is never broken."""
    tables = _tables(_stdout(cells_by_id(executed)["published_tables"]))
    for title, runs in tables.items():
        for label, arrays in runs.items():
            assert len(set(arrays["w1"])) == 1 and len(set(arrays["w2"])) == 1, (
                f"{title}, {label}: the hidden units differ")
