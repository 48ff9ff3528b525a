"""The student workspace: made from a release, keeps the student's work, hides nbgrader's
instructor and exchange tools, gives the Validate button the course's configuration, and lets a
kernel import the student edition shipped beside the notebook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel
from traitlets.config import Config

from autograder import __main__ as cli
from autograder import nbgrader_config
from autograder.course.source import REPO
from autograder.release.workspace import (
    CONFIG_DIR,
    LAB_PLUGINS_OFF,
    NEWS_PLUGIN,
    SERVER_EXTENSIONS_OFF,
    WorkspaceError,
    lab_command,
    make_workspace,
)

LABEXTENSIONS = Path(sys.prefix) / "share" / "jupyter"


@pytest.fixture()
def fake_release(tmp_path) -> Path:
    """01_a ships a student edition (a course_lib/ without logistic_unit); 02_b ships none."""
    release = tmp_path / "release"
    edition = release / "01_a" / "course_lib"
    edition.mkdir(parents=True)
    (edition / "__init__.py").write_text('EDITION = "student edition of 01_a"\n')
    (release / "01_a" / "a.ipynb").write_text('{"released": 1}')
    (release / "01_a" / "data.csv").write_text("x\n1\n")
    (release / "02_b").mkdir()
    (release / "02_b" / "b.ipynb").write_text('{"released": 1}')
    (release / "01_a.zip").write_bytes(b"PK")
    (release / ".made").touch()
    return release


def test_workspace_holds_the_release_and_the_lab_config(fake_release, tmp_path):
    ws = make_workspace(fake_release, tmp_path / "student")
    files = sorted(p.relative_to(ws).as_posix() for p in ws.rglob("*")
                   if p.is_file() and not p.relative_to(ws).as_posix().startswith(CONFIG_DIR))
    assert files == ["01_a/a.ipynb", "01_a/course_lib/__init__.py", "01_a/data.csv",
                     "02_b/b.ipynb"]
    config = ws / CONFIG_DIR
    server = json.loads((config / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"] == dict.fromkeys(SERVER_EXTENSIONS_OFF,
                                                                       False)
    page = json.loads((config / "labconfig" / "page_config.json").read_text())
    assert set(page["disabledExtensions"]) == {*LAB_PLUGINS_OFF, NEWS_PLUGIN}
    assert (config / "nbgrader_config.py").read_text() == Path(
        nbgrader_config.__file__).read_text()


def test_making_it_again_keeps_the_students_notebooks(fake_release, tmp_path):
    ws = make_workspace(fake_release, tmp_path / "student")
    (ws / "01_a" / "a.ipynb").write_text('{"my work": 1}')
    (fake_release / "01_a" / "data.csv").write_text("x\n2\n")
    make_workspace(fake_release, ws)
    assert (ws / "01_a" / "a.ipynb").read_text() == '{"my work": 1}'
    assert (ws / "01_a" / "data.csv").read_text() == "x\n2\n"


def test_the_command_makes_it(fake_release, tmp_path, capsys):
    out = tmp_path / "student"
    assert cli.main(["workspace", "--release", str(fake_release), "--out", str(out)]) == 0
    assert f"Student workspace: {out}" in capsys.readouterr().out
    assert (out / "02_b" / "b.ipynb").exists()
    assert (out / CONFIG_DIR / "nbgrader_config.py").exists()


def test_a_missing_or_empty_release_is_an_error(tmp_path, capsys):
    with pytest.raises(WorkspaceError, match="does not exist"):
        make_workspace(tmp_path / "missing", tmp_path / "student")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["workspace", "--release", str(tmp_path / "empty"), "--out",
                  str(tmp_path / "student")])
    assert exit_info.value.code == 2
    assert "no released assignment" in capsys.readouterr().err


def test_the_disabled_ids_are_nbgraders_real_ones():
    """A renamed extension would silently come back: every id must exist where it is installed."""
    bundles = "".join(p.read_text(errors="replace") for p in [
        *LABEXTENSIONS.glob("labextensions/@jupyter/nbgrader/static/*.js"),
        *LABEXTENSIONS.glob("lab/static/*.js")])
    for plugin in (*LAB_PLUGINS_OFF, NEWS_PLUGIN):
        assert f'"{plugin}"' in bundles, f"no Lab plugin {plugin} is installed"
    enabled = {}
    for path in (Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d").glob("*.json"):
        enabled.update(json.loads(path.read_text())["ServerApp"]["jpserver_extensions"])
    for name in SERVER_EXTENSIONS_OFF:
        assert enabled.get(name) is True, f"{name} is not an enabled server extension"


def test_lab_disables_them_and_validate_reads_the_course_config(fake_release, tmp_path):
    ws = make_workspace(fake_release, tmp_path / "student")
    seen = _in_lab_env(ws)
    extensions = json.loads(seen["extensions"])
    assert all(extensions[name] is False for name in SERVER_EXTENSIONS_OFF), extensions
    assert extensions["nbgrader.server_extensions.validate_assignment"] is True
    course = nbgrader_config.apply(Config())
    loaded = json.loads(seen["validate_config"])
    for section, values in course.items():
        for key, value in values.items():
            assert loaded.get(section, {}).get(key) == value, \
                f"Validate runs with {section}.{key} unset"


_PROBE = """
import json
from jupyter_server.serverapp import ServerApp
from nbgrader.server_extensions.validate_assignment.handlers import ValidateAssignmentHandler

app = ServerApp()
app.load_config_file()
app.find_server_extensions()
config = ValidateAssignmentHandler.load_config(None)  # exactly what the Validate button does
print(json.dumps({"extensions": json.dumps(app.jpserver_extensions),
                  "validate_config": json.dumps({s: dict(v) for s, v in config.items()},
                                                default=str)}))
"""


def _in_lab_env(workspace: Path) -> dict[str, str]:
    """Run the probe with the environment Lab gets, from a folder without nbgrader_config.py."""
    env = lab_command(workspace)[1]
    done = subprocess.run([sys.executable, "-c", _PROBE], env=env, cwd=REPO / "tests",
                          capture_output=True, text=True, timeout=240, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _import_in_kernel(workspace: Path, folder: str) -> str:
    """What a Lab kernel for a notebook in ``folder`` gets from ``import course_lib``."""
    env = lab_command(workspace)[1]
    code = ("import course_lib\nprint(course_lib.__file__)\ntry:\n"
            "    import course_lib.logistic_unit as m\n    print(m.__file__)\n"
            "except ImportError:\n    print('no course_lib.logistic_unit')\n")
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(workspace / folder), env=env)
    try:
        chunks: list[str] = []
        kc.execute_interactive(code, timeout=120, output_hook=lambda msg: chunks.append(
            msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None)
        return "".join(chunks)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_kernel_imports_the_edition_beside_the_notebook(fake_release, tmp_path):
    ws = make_workspace(fake_release, tmp_path / "student")
    first, second = _import_in_kernel(ws, "01_a").splitlines()
    assert first == str((ws / "01_a" / "course_lib" / "__init__.py").resolve())
    assert second == "no course_lib.logistic_unit", \
        "a module left out of the student edition came from the installed course_lib"


def test_without_an_edition_the_kernel_uses_the_installed_course_lib(fake_release, tmp_path):
    ws = make_workspace(fake_release, tmp_path / "student")
    first, second = _import_in_kernel(ws, "02_b").splitlines()
    assert Path(first).parent.name == "course_lib" and not Path(first).is_relative_to(ws)
    assert second.endswith("logistic_unit.py")


def test_lab_starts_from_the_workspace_with_a_python_found_on_a_relative_path(
        tmp_path, monkeypatch):
    """``open_lab`` moves into the workspace, then runs the command's first word: a
    ``sys.executable`` of ``.venv/bin/python`` (``PATH=.venv/bin:$PATH``) led nowhere there."""
    monkeypatch.chdir(Path(sys.executable).parent.parent)
    monkeypatch.setattr(sys, "executable", os.path.join(
        Path(sys.executable).parent.name, Path(sys.executable).name))
    argv = lab_command(tmp_path)[0]
    monkeypatch.chdir(tmp_path)
    assert os.path.isabs(argv[0]) and os.access(argv[0], os.X_OK), argv[0]
