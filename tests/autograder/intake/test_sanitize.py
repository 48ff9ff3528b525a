"""Reading submitted notebooks and making them gradable (no kernel involved)."""

from __future__ import annotations

import json

import nbformat
import pytest
from synthetic_course import HIDDEN_ADD, bad_json_text, cell, release, solved

from autograder.course.reference import build_reference
from autograder.course.rules import compute_checksum
from autograder.intake.sanitize import (
    InvalidNotebook,
    not_implemented,
    read_notebook,
    sanitize,
    suspicious_code,
)
from autograder.vocabulary import grade_id_of


@pytest.fixture(scope="module")
def ref(course_source):
    return build_reference(course_source / "01_adder" / "adder.ipynb", "01_adder")


def ids(nb) -> list[str | None]:
    return [grade_id_of(c) for c in nb.cells]


# --------------------------------------------------------------------------- reading

@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (bad_json_text().encode(), "not valid JSON"),
    (json.dumps({"hello": "world"}).encode(), "not a Jupyter notebook"),
    (json.dumps([1, 2, 3]).encode(), "not a Jupyter notebook"),
    (bytes(range(256)), "not text"),
    (json.dumps({"cells": [], "nbformat": 9}).encode(), "known version"),
    (json.dumps({"cells": [{"cell_type": "code"}], "metadata": {}, "nbformat": 4,
                 "nbformat_minor": 5}).encode(), "notebook format"),
    (b'{"cells":' + b"[" * 200_000 + b"]" * 200_000 + b"}", "nested deeper"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "raw", '
     b'"metadata": {}, "source": ""}], "x": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
     "notebook format|nested deeper"),
])
def test_unreadable_uploads_get_a_clear_message(tmp_path, content, words):
    path = tmp_path / "adder.ipynb"
    path.write_bytes(content)
    with pytest.raises(InvalidNotebook, match=words):
        read_notebook(path)


def test_a_folder_or_a_missing_file_is_not_a_notebook(tmp_path):
    (tmp_path / "adder.ipynb").mkdir()
    with pytest.raises(InvalidNotebook, match="cannot read"):
        read_notebook(tmp_path / "adder.ipynb")
    with pytest.raises(InvalidNotebook, match="cannot read"):
        read_notebook(tmp_path / "nothing.ipynb")
    with pytest.raises(InvalidNotebook, match="no notebook was submitted"):
        read_notebook(None)


def test_older_notebooks_without_cell_ids_are_accepted(tmp_path, course_source):
    nb = solved(course_source)
    data = json.loads(nbformat.writes(nb))
    data["nbformat_minor"] = 4
    for c in data["cells"]:
        c.pop("id", None)
    path = tmp_path / "adder.ipynb"
    path.write_text(json.dumps(data))
    read = read_notebook(path)
    assert all(c.get("id") for c in read.cells)
    nbformat.validate(read)


# --------------------------------------------------------------------------- sanitizing

def test_a_released_notebook_is_not_reported_as_edited(course_source, ref):
    clean = sanitize(solved(course_source), ref)
    assert clean.notes == [] and clean.flags == []
    assert cell(clean.notebook, "test_add_hidden").source == HIDDEN_ADD  # hidden tests back


def test_deleted_test_cells_are_put_back_after_their_solution(course_source, ref):
    nb = solved(course_source)
    nb.cells = [c for c in nb.cells if grade_id_of(c) not in ("test_add", "test_add_hidden")]
    clean = sanitize(nb, ref)
    order = ids(clean.notebook)
    assert order.index("test_add") == order.index("add") + 1
    assert order.index("test_add_hidden") == order.index("test_add") + 1
    assert cell(clean.notebook, "test_add_hidden").source == HIDDEN_ADD
    assert any("'test_add_hidden' had been deleted" in n for n in clean.notes)
    nbformat.validate(clean.notebook)


def test_deleted_first_cells_go_to_the_top(course_source, ref):
    nb = solved(course_source)
    nb.cells = [c for c in nb.cells if grade_id_of(c) not in ("intro", "imports")]
    order = ids(sanitize(nb, ref).notebook)
    assert order[:3] == ["intro", "imports", "add"]


def test_edited_test_and_points_are_restored_and_flagged(course_source, ref):
    nb = solved(course_source)
    cell(nb, "test_add").source = "pass"
    cell(nb, "test_add_hidden").metadata.nbgrader["points"] = 100
    cell(nb, "imports").source = "import numpy as np\nnp.allclose = lambda *a, **k: True"
    clean = sanitize(nb, ref)
    assert "assert add(1, 2) == 3" in cell(clean.notebook, "test_add").source
    assert cell(clean.notebook, "test_add_hidden").metadata.nbgrader["points"] == 2
    assert cell(clean.notebook, "imports").source == "import numpy as np"
    assert clean.flags == ["edited_locked_cell"]   # restored: nothing to zero
    assert any("'test_add' had been edited" in n for n in clean.notes)


def test_a_test_cell_from_an_earlier_release_is_replaced_without_a_flag(course_source, ref):
    """A student given the assignment before the course changed a test holds that test's
    earlier text, with the checksum that release wrote: not an edit of theirs. Edited without
    its checksum (what a student's edit in Jupyter is), it is flagged as before."""
    nb = solved(course_source)
    earlier = cell(nb, "test_add")
    earlier.source = "assert add(1, 2) == 3   # the test as an earlier release had it"
    earlier.metadata.nbgrader["checksum"] = compute_checksum(earlier)
    clean = sanitize(nb, ref)
    released = release(course_source, "01_adder", "adder")
    assert cell(clean.notebook, "test_add").source == cell(released, "test_add").source
    assert clean.flags == []
    assert clean.notes == ["test cell 'test_add' is from an earlier release of the assignment; "
                           "graded with the current one"]
    cell(nb, "test_add").source += "\nprint('edited after its release')"
    assert sanitize(nb, ref).flags == ["edited_locked_cell"]


def test_a_solution_cell_turned_into_markdown_is_code_again(course_source, ref):
    nb = solved(course_source)
    mul = cell(nb, "mul")
    mul.cell_type = "markdown"
    del mul["outputs"], mul["execution_count"]
    clean = sanitize(nb, ref)
    back = cell(clean.notebook, "mul")
    assert back.cell_type == "code" and back.outputs == [] and "return a * b" in back.source
    nbformat.validate(clean.notebook)


def test_duplicated_grade_ids_keep_the_last_copy(course_source, ref):
    nb = solved(course_source)
    copy = nbformat.from_dict(cell(nb, "add"))
    copy["id"] = "older"
    copy.source = "def add(a, b):\n    return 0"
    nb.cells.insert(nb.cells.index(cell(nb, "add")), copy)
    clean = sanitize(nb, ref)
    assert ids(clean.notebook).count("add") == 1
    assert "return a + b" in cell(clean.notebook, "add").source
    assert any("more than once" in n for n in clean.notes)


def test_a_student_cannot_invent_a_test(course_source, ref):
    nb = solved(course_source)
    fake = nbformat.v4.new_code_cell("pass", metadata={"nbgrader": {
        "grade": True, "grade_id": "my_bonus", "points": 50, "locked": False,
        "solution": False, "schema_version": 3}})
    nb.cells.append(fake)
    clean = sanitize(nb, ref)
    assert "my_bonus" not in ids(clean.notebook)
    assert "nbgrader" not in clean.notebook.cells[-1].metadata


def test_outputs_are_cleared_and_kernelspec_overwritten(course_source, ref):
    nb = solved(course_source)
    cell(nb, "test_add").outputs = [nbformat.v4.new_output("stream", text="fake pass")]
    nb.metadata["kernelspec"] = {"name": "evil", "display_name": "x", "language": "python"}
    clean = sanitize(nb, ref).notebook
    assert all(c.outputs == [] for c in clean.cells if c.cell_type == "code")
    assert clean.metadata.kernelspec["name"] == "python3"


def test_unfinished_solutions_are_listed(course_source, ref):
    assert not_implemented(release(course_source, "01_adder", "adder")) == ["add", "mul"]
    assert sanitize(solved(course_source), ref).todo == []


def test_rebinding_numpy_is_noticed():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\nnp.allclose = lambda *a, **k: True"),
        nbformat.v4.new_code_cell("setattr(np.testing, 'assert_allclose', print)"),
        nbformat.v4.new_code_cell("x = np.zeros(3)\nx[0] = 1\nnp_value = 2"),
    ])
    notes = suspicious_code(nb)
    assert len(notes) == 2 and "np.allclose" in notes[0]


# --------------------------------------------------------------------------- the notes' language

def test_the_notes_are_in_the_language_of_the_moment(course_source, ref):
    from course_lib.language import use

    nb = solved(course_source)
    cell(nb, "test_add").source = "pass"
    cell(nb, "imports").source = "import numpy as np\nnp.allclose = lambda *a, **k: True"
    nb.cells = [c for c in nb.cells if grade_id_of(c) != "test_add_hidden"]
    with use("en"):
        english = sanitize(nb, ref)
    with use("zh-CN"):
        chinese = sanitize(nb, ref)
    assert "test cell 'test_add' had been edited; restored from the assignment" in english.notes
    assert ("test cell 'test_add_hidden' had been deleted; put back from the assignment"
            in english.notes)
    assert "测试单元格 'test_add' 被修改过；已按作业恢复" in chinese.notes
    assert "测试单元格 'test_add_hidden' 被删除过；已从作业中放回" in chinese.notes
    assert len(chinese.notes) == len(english.notes)


def test_suspicious_notes_are_translated_and_say_which_cell_they_are_about(course_source, ref):
    from course_lib.language import use

    nb = solved(course_source)
    nb.cells.append(nbformat.v4.new_code_cell("np.allclose = lambda *a, **k: True"))
    number = len(nb.cells)
    with use("zh-CN"):
        clean = sanitize(nb, ref)
    assert clean.suspicious == [f"第 {number} 个单元格重新赋值了 np.allclose：本次提交的测试结果"
                                "可能不可信"]
    assert clean.suspicious_at == [number - 1]
    with use("en"):
        assert suspicious_code(nb) == [f"cell {number} reassigns np.allclose: tests may not be "
                                       "trustworthy for this submission"]
