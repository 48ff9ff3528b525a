"""Check a notebook before handing it in: run it, and report each visible test.

    python -m autograder validate my_notebook.ipynb      (with the student edition installed)
    python -m course_lib.validate my_notebook.ipynb

The notebook runs from top to bottom in a fresh kernel of this Python (so it sees the
course_lib installed here), in its own folder. Every test cell (nbgrader's grade cells) is
reported passed or FAILED with the failure's message; hidden tests are not in a student's
notebook (the instructor's grading runs them), so they are listed as such, never run. Cells that
still ``raise NotImplementedError`` are listed as still to do. Exit status 0 when every visible
test passes and nothing is left to do, 1 otherwise, 2 when the notebook cannot be read.

The report is in the notebook's language (its metadata ``course_language``, or
``COURSE_LANG`` when set, :mod:`course_lib.language`), and so are the messages of the tests,
whose kernel gets that language.

Needs ``nbclient`` and ``ipykernel`` (installed with the student edition).
"""

from __future__ import annotations

import argparse
import atexit
import os
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_lib.language import DEFAULT, ENV, _, current, notebook_language, use

__all__ = ["TestResult", "Report", "execute", "main", "validate"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_STUB = re.compile(r"^\s*raise NotImplementedError", re.M)   # a solution not written yet


def _this_python_kernel(sockets: Path) -> Any:
    """A kernel manager whose kernel is this interpreter's ipykernel (not whatever "python3"
    kernel spec a machine has elsewhere), talking over local sockets in the folder ``sockets``
    where the system has them (not Windows): no TCP port to race another program for, and
    none of ipykernel's warnings about TCP without encryption."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class _ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            # absolute: the kernel starts in the notebook's folder, and this interpreter may
            # have been found on a relative PATH entry (PATH=.venv/bin:$PATH)
            return KernelSpec(argv=[os.path.abspath(sys.executable), "-m",
                                    "ipykernel_launcher", "-f",
                                    "{connection_file}"], display_name="Python 3",
                              language="python", resource_dir="")

    local = {} if os.name == "nt" else {"transport": "ipc", "ip": str(sockets / "kernel")}
    return KernelManager(kernel_name="python3", kernel_spec_manager=_ThisPython(), **local)


def execute(nb: Any, folder: Path, timeout: float, allow_errors: bool = True,
            language: str | None = None) -> Any:
    """Run every cell of the notebook ``nb`` (an nbformat node) in ``folder``; returns it with
    its outputs. With ``allow_errors=False`` the first failing cell raises
    ``nbclient.exceptions.CellExecutionError``. ``language``: the kernel's
    ``COURSE_LANG`` (default: as this process has it). The kernel is shut down at the end
    (nbclient leaves running a kernel whose manager it was given, until this process ends)."""
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        client = NotebookClient(nb, km=_this_python_kernel(Path(sockets)), timeout=timeout,
                                allow_errors=allow_errors, record_timing=False,
                                shutdown_kernel="immediate",
                                resources={"metadata": {"path": str(folder)}})
        try:
            client.execute(cleanup_kc=True,
                           **({"env": {**os.environ, ENV: language}} if language else {}))
        finally:
            # nbclient registers a clean-up at exit before it starts the kernel, and leaves it
            # there when the start fails: at exit it then waited forever on a kernel that
            # never was (a bad interpreter path hung `validate` after its error message);
            # a private name of nbclient's, so looked up without failing if it goes
            atexit.unregister(getattr(client, "_cleanup_kernel", None))
    return nb


def report_language(metadata: dict[str, Any]) -> str:
    """The language of the report on a notebook with this metadata: ``COURSE_LANG`` when it
    is set, else the notebook's own (English when it declares none)."""
    return current() if os.environ.get(ENV, "").strip() else notebook_language(metadata)


@dataclass
class TestResult:
    """One test cell: its grade id, points, and the failure's message ("" when it passed)."""

    grade_id: str
    points: float
    hidden: bool
    message: str = ""

    @property
    def passed(self) -> bool:
        return not self.hidden and not self.message


@dataclass
class Report:
    """What :func:`validate` found in one notebook, and the language to report it in."""

    path: Path
    tests: list[TestResult] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)   # failing cells that are not tests
    language: str = DEFAULT

    @property
    def visible(self) -> list[TestResult]:
        return [t for t in self.tests if not t.hidden]

    @property
    def passed(self) -> bool:
        return not self.todo and all(t.passed for t in self.visible)


def _nbgrader(cell: Any) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_hidden(source: str) -> bool:
    """A released hidden-test cell holds comments only (nbgrader removed the tests)."""
    return not any(line.strip() and not line.strip().startswith("#")
                   for line in source.splitlines())


def _error_of(cell: Any) -> str:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return _ANSI.sub("", f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")
    return ""


def validate(path: Path, timeout: float = 120.0) -> Report:
    """Run the notebook at ``path`` and collect its visible tests' results."""
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    report = Report(path, language=report_language(nb.get("metadata", {})))
    execute(nb, path.resolve().parent, timeout, language=report.language)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta, error = _nbgrader(cell), _error_of(cell)
        if meta.get("solution") and _STUB.search(cell.source):
            report.todo.append(meta.get("grade_id", "?"))
        if meta.get("grade") and not meta.get("solution"):
            report.tests.append(TestResult(meta.get("grade_id", "?"), float(meta.get("points", 0)),
                                           _is_hidden(cell.source), error))
        elif error and not error.startswith("NotImplementedError"):
            report.errors.append(error.splitlines()[0])
    return report


def _points(x: float) -> str:
    return f"{x:g}"


def _pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` columns (a Chinese character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - columns, 0)


def format_report(report: Report) -> str:
    """The text a student reads, in the language of the moment: one line per test, the
    message under a failure."""
    lines = [_("{notebook}: the visible tests (hidden tests are run by the grader only)"
               ).format(notebook=report.path.name)]
    width = max((len(t.grade_id) for t in report.tests), default=0)
    for t in report.tests:
        if t.hidden:
            hidden = _pad(_("hidden"), 6)
            points = _("{points} point(s), graded by your instructor").format(
                points=_points(t.points))
            lines.append(f"  {hidden}  {t.grade_id:{width}}  {points}")
            continue
        verdict = _("passed") if t.passed else _("FAILED")
        lines.append(f"  {_pad(verdict, 6)}  {t.grade_id:{width}}  "
                     f"{_points(t.points if t.passed else 0)}/{_points(t.points)}")
        lines.extend("            " + ln for ln in t.message.splitlines())
    for error in report.errors:
        lines.append("  " + _("error in a cell that is not a test: {error}").format(error=error))
    if report.todo:
        lines.append(_("Still to do: these cells still raise NotImplementedError: {cells}"
                       ).format(cells=", ".join(report.todo)))
    got = sum(t.points for t in report.visible if t.passed)
    total = sum(t.points for t in report.visible)
    score = _("Visible tests: {got} / {total}").format(got=_points(got), total=_points(total))
    lines.append(_("{score}  - all visible tests pass").format(score=score) if report.passed
                 else score)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder validate",
        description=_("Run your notebook and report its visible tests."))
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--timeout", type=float, default=120.0,
                        help=_("seconds a cell may run (default: 120)"))
    if argv is None:   # this tool's own process: start 2 s faster
        # nbformat's jsonschema would import rfc3987_syntax, which builds its parsers for 2 s,
        # for format checks no notebook uses; the grader's processes skip it the same way
        # (autograder.kernel.zygote.skip_slow_optional_imports, which this library may not
        # import)
        sys.modules.setdefault("rfc3987_syntax", None)
    args = parser.parse_args(argv)
    if not args.notebook.exists():
        print(_("{notebook} does not exist").format(notebook=args.notebook), file=sys.stderr)
        return 2
    try:
        report = validate(args.notebook, args.timeout)
    except Exception as exc:  # noqa: BLE001 - an unreadable notebook: say why, exit 2
        print(_("cannot run {notebook}: {error}").format(
            notebook=args.notebook, error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return 2
    with use(report.language):
        print(format_report(report))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
