"""A student's Jupyter Lab workspace, made from the release (never from the instructor's sources).

    <out>/<assignment>/...   a copy of ``<release>/<assignment>/``: the student notebook, the
                             files it needs, and the student edition of course_lib (``course_lib/``
                             beside the notebook) when the release holds one
    <out>/.jupyter/          the Lab's own config dir (``JUPYTER_CONFIG_DIR``), hidden from its
                             file browser:
        nbgrader_config.py             the course's grading policy, read by the Validate button
        jupyter_server_config.json     nbgrader's instructor and exchange server extensions off
        labconfig/page_config.json     the same extensions' Lab plugins off (and the news prompt)
        ipython/                       the kernels' IPYTHONDIR, with the start-up file below

A kernel that Lab starts for a notebook runs in the notebook's folder, which Python searches
before site-packages, so the ``course_lib/`` shipped beside a notebook is the one it imports; an
assignment released without one falls back to the installed course_lib. An *editable* install
(``pip install -e .``, the developers' venv) would still hand out, from the repository, every
course_lib module the student edition leaves out (its import hook resolves ``course_lib.X`` by
name, whatever folder ``course_lib`` came from), so the kernels' start-up file drops that hook
whenever a ``course_lib/`` sits beside the notebook: the kernel sees what a student has.

Making the workspace again keeps every notebook already there (the student's work) and refreshes
everything else from the release.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from pathlib import Path

from autograder import nbgrader_config
from autograder.course.source import DEFAULT_BUILD

log = logging.getLogger("autograder")

DEFAULT_WORKSPACE = DEFAULT_BUILD / "student"
CONFIG_DIR = ".jupyter"

#: nbgrader's server extensions a student must not have: the instructor's grading UI and the
#: exchange (course and assignment lists). ``validate_assignment`` stays on.
SERVER_EXTENSIONS_OFF = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
)

#: The matching Lab plugins of nbgrader's labextension (``@jupyter/nbgrader``); the "Nbgrader"
#: menu holds only their commands. ``validate-assignment`` (the Validate button) stays on.
LAB_PLUGINS_OFF = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:menu",
)

#: Lab's "get notified about Jupyter news?" prompt, which would also reach out to the network.
NEWS_PLUGIN = "@jupyterlab/apputils-extension:announcements"


#: Run by every kernel of the workspace before the notebook (see the module docstring).
KERNEL_STARTUP = '''\
"""Student workspace: a course_lib/ folder beside the notebook is the whole course library."""
import os
import sys

if os.path.isfile(os.path.join("course_lib", "__init__.py")):  # drop an editable install's hook
    sys.meta_path[:] = [finder for finder in sys.meta_path
                        if not getattr(finder, "__module__", "").startswith("__editable__")]
'''


class WorkspaceError(ValueError):
    """The release folder holds no released assignment."""


def released_assignments(release: Path) -> list[Path]:
    """The assignment folders of a release (``<release>/<assignment>/`` holding a notebook)."""
    release = Path(release)
    if not release.is_dir():
        raise WorkspaceError(f"release folder {release} does not exist (make it with "
                             "`python -m autograder release`)")
    folders = sorted(p for p in release.iterdir()
                     if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb")))
    if not folders:
        raise WorkspaceError(f"no released assignment in {release} (expected "
                             f"{release}/<assignment>/<notebook>.ipynb)")
    return folders


def make_workspace(release: Path, out: Path = DEFAULT_WORKSPACE) -> Path:
    """Copy every released assignment of ``release`` into ``out`` and write the Lab's config;
    return ``out``. Notebooks already in ``out`` are kept."""
    out = Path(out)
    for folder in released_assignments(release):
        _copy_assignment(folder, out / folder.name)
    write_lab_config(out / CONFIG_DIR)
    return out


def _copy_assignment(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for item in sorted(src.iterdir()):
        target = dest / item.name
        if item.suffix == ".ipynb" and target.exists():
            log.info("kept %s (your work); the released version is %s", target, item)
        elif item.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(item, target)
        else:
            shutil.copy2(item, target)


def write_lab_config(config_dir: Path) -> Path:
    """Write the student Lab's config dir (see the module docstring) and return it."""
    config_dir = Path(config_dir)
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(nbgrader_config.__file__, config_dir / "nbgrader_config.py")
    server = {"ServerApp": {"jpserver_extensions": dict.fromkeys(SERVER_EXTENSIONS_OFF, False)}}
    page = {"disabledExtensions": dict.fromkeys((*LAB_PLUGINS_OFF, NEWS_PLUGIN), True)}
    _write_json(config_dir / "jupyter_server_config.json", server)
    _write_json(config_dir / "labconfig" / "page_config.json", page)
    startup = config_dir / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00_student_edition.py").write_text(KERNEL_STARTUP)
    return config_dir


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


def lab_command(workspace: Path, port: int | None = None, token: str | None = None,
                open_browser: bool = True,
                extra: list[str] | tuple[str, ...] = ()) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that start Jupyter Lab on ``workspace`` with its config
    dir (as root too). ``token``: None lets Lab make one and print the URL holding it."""
    workspace = Path(workspace).resolve()
    # absolute: open_lab moves into the workspace first, and this interpreter may have been
    # found on a relative PATH entry (PATH=.venv/bin:$PATH)
    argv = [os.path.abspath(sys.executable), "-m", "jupyterlab",
            f"--ServerApp.root_dir={workspace}"]
    if port is not None:
        argv += [f"--port={port}", "--ServerApp.port_retries=0"]
    if token is not None:
        argv.append(f"--IdentityProvider.token={token}")
    if not open_browser:
        argv.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    config_dir = workspace / CONFIG_DIR
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config_dir),
               IPYTHONDIR=str(config_dir / "ipython"))
    bindir = str(Path(sys.executable).absolute().parent)  # the kernel and nbgrader's helpers
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return argv + list(extra), env


def open_lab(workspace: Path, extra: list[str] | tuple[str, ...] = ()) -> None:
    """Replace this process with Jupyter Lab on ``workspace`` (does not return)."""
    argv, env = lab_command(workspace, extra=extra)
    os.chdir(workspace)
    os.execve(argv[0], argv, env)
