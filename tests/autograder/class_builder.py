"""The class the grading tests grade: one student per way a submission goes wrong.

``EXPECTED`` is what grading must make of each (student, assignment): status and score.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
from synthetic_course import bad_json_text, cell, release, solved, write_nb

from autograder.course.source import venv_on_path

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path | None = None,
            timeout: float = 240) -> subprocess.CompletedProcess:
    """``python -m autograder ARGS`` in a fresh process (as an instructor runs it)."""
    venv_on_path()
    env = dict(os.environ, PYTHONHASHSEED="0")
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd or REPO,
                          env=env, capture_output=True, text=True, timeout=timeout)

WRONG_ADD = "def add(a, b):\n    return a - b"

#: (student, assignment) -> (status, score); max is 5 for 01_adder, 2 for 02_text.
EXPECTED = {
    ("alice", "01_adder"): ("graded", 5),
    ("alice", "02_text"): ("graded", 2),
    ("bob", "01_adder"): ("graded", 2),            # wrong add: visible and hidden fail
    ("José Álvarez", "01_adder"): ("graded", 5),   # non-ASCII and a space in the id
    ("dan", "01_adder"): ("invalid_notebook", 0),  # empty file
    ("eve", "01_adder"): ("invalid_notebook", 0),  # JSON cut short
    ("finn", "01_adder"): ("invalid_notebook", 0),  # JSON, not a notebook
    ("gus", "01_adder"): ("invalid_notebook", 0),  # binary bytes
    ("hana", "01_adder"): ("graded", 5),           # renamed notebook, the only one
    ("ivan", "01_adder"): ("missing_notebook", 0),  # two notebooks, none with the name
    ("jack", "01_adder"): ("graded", 2),           # deleted tests (restored), wrong add
    ("kate", "01_adder"): ("graded", 2),           # edited tests (restored), wrong add
    ("liam", "01_adder"): ("graded", 5),           # duplicated cells and grade ids
    ("mia", "01_adder"): ("graded", 5),            # solution cell turned into markdown
    ("noah", "01_adder"): ("timeout", 3),          # infinite loop in mul
    ("olga", "01_adder"): ("kernel_died", 3),      # os._exit in mul
    ("pete", "01_adder"): ("graded", 5),           # a flood of output
    ("quin", "01_adder"): ("graded", 2),           # add allocates past the memory limit
    ("ruth", "01_adder"): ("invalid_notebook", 0),  # unreadable (a folder named .ipynb)
    ("sam", "01_adder"): ("missing_notebook", 0),   # assignment folder without notebook
    ("sam", "99_unknown"): ("unknown_assignment", 0),
    ("tom", "notes.ipynb"): ("unknown_assignment", 0),  # a loose notebook of no assignment
    # LMS downloads next to the student folders
    ("lara", "01_adder"): ("graded", 5),
    ("lara", "02_text"): ("graded", 2),            # the resubmission (-1) is the one graded
    ("max", "max_77_notes.txt"): ("unknown_assignment", 0),
}


def build_class(source: Path, out: Path) -> Path:
    """Write the class in nbgrader's layout under ``out``; return ``out``."""
    def put(student: str, assignment: str, nb, name: str | None = None) -> Path:
        path = out / student / assignment / f"{name or nb_name(assignment)}.ipynb"
        return write_nb(nb, path)

    def nb_name(assignment: str) -> str:
        return {"01_adder": "adder", "02_text": "text"}[assignment]

    def folder(student: str, assignment: str = "01_adder") -> Path:
        path = out / student / assignment
        path.mkdir(parents=True, exist_ok=True)
        return path

    put("alice", "01_adder", solved(source))
    put("alice", "02_text", solved(source, "02_text", "text"))
    put("bob", "01_adder", solved(source, add=WRONG_ADD))
    put("José Álvarez", "01_adder", solved(source))
    (folder("dan") / "adder.ipynb").write_text("")
    (folder("eve") / "adder.ipynb").write_text(bad_json_text())
    (folder("finn") / "adder.ipynb").write_text(json.dumps({"hello": "world"}))
    (folder("gus") / "adder.ipynb").write_bytes(bytes(range(256)) * 4)
    put("hana", "01_adder", solved(source), name="adder (1)")
    put("ivan", "01_adder", solved(source), name="first try")
    put("ivan", "01_adder", solved(source), name="second try")

    jack = solved(source, add=WRONG_ADD)
    jack.cells = [c for c in jack.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") not in
                  ("test_add", "test_add_hidden")]
    put("jack", "01_adder", jack)

    kate = solved(source, add=WRONG_ADD)
    cell(kate, "test_add").source = "pass  # the test was in my way"
    cell(kate, "test_add_hidden").source = "pass"
    put("kate", "01_adder", kate)

    liam = solved(source)
    dup_test = nbformat.from_dict(cell(liam, "test_add"))
    dup_test["id"] = "dup-test"
    dup_solution = nbformat.from_dict(cell(liam, "add"))
    dup_solution["id"] = "dup-solution"
    dup_solution.source = "def add(a, b):\n    return 'an older attempt'"
    index = liam.cells.index(cell(liam, "add"))
    liam.cells.insert(index, dup_solution)           # an older copy before the real one
    liam.cells.append(dup_test)                      # a copied test cell at the end
    put("liam", "01_adder", liam)

    mia = solved(source)
    mul = cell(mia, "mul")
    mul.cell_type = "markdown"
    del mul["outputs"]
    del mul["execution_count"]
    put("mia", "01_adder", mia)

    put("noah", "01_adder", solved(source, mul="def mul(a, b):\n    while True:\n        pass"))
    put("olga", "01_adder", solved(source, mul="import os\nos._exit(1)"))
    put("pete", "01_adder", solved(source, add="def add(a, b):\n    for i in range(3000):\n"
                                               "        print('debug line', i, '.' * 50)\n"
                                               "    return a + b"))
    put("quin", "01_adder", solved(source, add="def add(a, b):\n"
                                               "    grow = bytearray(8 * 1024 ** 3)\n"
                                               "    return a + b"))
    (folder("ruth") / "adder.ipynb").mkdir()
    folder("sam")
    (folder("sam") / "readme.txt").write_text("I could not finish")
    put("sam", "99_unknown", release(source, "01_adder", "adder"), name="adder")
    write_nb(solved(source), out / "tom" / "notes.ipynb")

    write_nb(solved(source), out / "lara_1001_adder.ipynb")
    write_nb(solved(source, "02_text", "text", shout="def shout(s):\n    return s"),
             out / "lara_1001_text.ipynb")
    write_nb(solved(source, "02_text", "text"), out / "lara_1001_text-1.ipynb")
    (out / "max_77_notes.txt").write_text("see my notebook")
    return out


def zip_folder(folder: Path, target: Path) -> Path:
    """Zip ``folder``'s content (a folder named *.ipynb stays a folder)."""
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_dir():
                archive.writestr(rel + "/", b"")
            else:
                archive.write(path, rel)
    return target
