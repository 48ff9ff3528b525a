"""course_lib.validate.execute: runs a notebook in a fresh kernel and leaves nothing behind
(nbclient, given a kernel manager, leaves the kernel running and its connection file in the
temporary folder until the process ends: `autograder release` left five of each), and says
nothing of its own on the terminal (ipykernel warned of TCP without encryption, then that its
parent had exited)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import nbformat
import psutil
import pytest
from nbclient.exceptions import CellExecutionError

from course_lib.validate import execute


def _kernels() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)
            if "ipykernel" in " ".join(p.cmdline())}


@pytest.fixture
def temporary(tmp_path, monkeypatch):
    """The temporary folder jupyter_client writes connection files to, empty."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_execute_runs_every_cell_then_stops_its_kernel(tmp_path, temporary):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 6 * 7"),
                                         nbformat.v4.new_code_cell("print(x)")])
    before = _kernels()
    execute(nb, tmp_path, timeout=60)
    assert nb.cells[1].outputs[0]["text"] == "42\n"
    assert _kernels() - before == set()
    assert list(temporary.iterdir()) == []


def test_execute_stops_its_kernel_when_a_cell_fails(tmp_path, temporary):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    before = _kernels()
    with pytest.raises(CellExecutionError):
        execute(nb, tmp_path, timeout=60, allow_errors=False)
    assert _kernels() - before == set()
    assert list(temporary.iterdir()) == []


RUN_ONE_CELL = """
import nbformat, pathlib, sys
from course_lib.validate import execute
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
execute(nb, pathlib.Path(sys.argv[1]), timeout=60)
print(nb.cells[0].outputs[0]["text"], end="")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="local sockets: not on Windows")
def test_a_process_that_runs_a_notebook_prints_only_what_the_notebook_printed(tmp_path):
    """Its own process (this suite's kernels are set up apart): the kernel's stderr is the
    terminal's, where a release printed ten warnings of ipykernel for five notebooks."""
    done = subprocess.run([sys.executable, "-c", RUN_ONE_CELL, str(tmp_path)], capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout == "42\n"
    assert "WARNING" not in done.stderr, done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="local sockets: not on Windows")
def test_a_python_found_on_a_relative_path_entry_starts_its_kernel_in_another_folder(tmp_path):
    """``PATH=.venv/bin:$PATH python ...`` (the bench's usage) makes ``sys.executable``
    relative; the kernel starts in the notebook's folder, where that path leads nowhere (the
    bench's release stopped on ``No such file or directory: '.venv/bin/python'``)."""
    bindir = os.path.dirname(os.path.abspath(sys.executable))
    parent = os.path.dirname(bindir)
    relative = os.path.basename(bindir)   # "bin", seen from the venv's folder
    env = dict(os.environ, PATH=relative + os.pathsep + os.environ.get("PATH", ""))
    script = ("import os, sys\nassert not os.path.isabs(sys.executable), sys.executable\n"
              + RUN_ONE_CELL)
    done = subprocess.run([os.path.basename(sys.executable), "-c", script, str(tmp_path)],
                          cwd=parent, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "42\n"


def test_a_kernel_that_cannot_start_is_an_error_and_the_process_ends(tmp_path):
    """nbclient left its clean-up registered at exit when the kernel's start failed, and that
    clean-up waited forever: `validate` printed its error, then never ended."""
    script = ("import sys\nsys.executable = '/nonexistent/python'\n"
              "from course_lib.validate import main\nsys.exit(main())\n")
    nb = tmp_path / "n.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), nb)
    done = subprocess.run([sys.executable, "-c", script, str(nb)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "cannot run" in done.stderr and "/nonexistent/python" in done.stderr
