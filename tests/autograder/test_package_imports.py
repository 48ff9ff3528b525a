"""The tool's own processes start without rfc3987_syntax: jsonschema, under nbformat, imports
it for two format checks no notebook uses, and it builds its parsers for 2 s as it is imported
(:func:`autograder.kernel.zygote.skip_slow_optional_imports`: the command line and the grading
processes; ``python -m course_lib.validate``, the students' tool, does the same). A program
that imports the tool as a library keeps what it installed."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import nbformat
import pytest

try:
    importlib.metadata.distribution("rfc3987-syntax")
except importlib.metadata.PackageNotFoundError:
    pytest.skip("rfc3987-syntax is not installed here: nothing to keep out",
                allow_module_level=True)

LOADED = "print(type(sys.modules.get('rfc3987_syntax', 'absent')).__name__)"


def _python(code: str) -> str:
    """The last word ``code`` printed, run by a new interpreter."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120).stdout.split()[-1]


def test_a_library_user_keeps_it():
    assert _python(f"import sys, autograder.grade.coordinator, nbformat\n{LOADED}") == "module"


def test_the_command_line_skips_it():
    code = ("import contextlib, sys\nfrom autograder.__main__ import main\n"
            "sys.argv = ['autograder', '--help']\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(None):\n"
            "    main()\nimport nbformat\n" + LOADED)
    assert _python(code) == "NoneType"


def test_without_it_notebooks_validate_and_uri_formats_are_still_checked():
    code = ("from autograder.kernel.zygote import skip_slow_optional_imports\n"
            "skip_slow_optional_imports()\n"
            "import jsonschema, nbformat\n"
            "nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')]))\n"
            "checkers = jsonschema.FormatChecker.checkers\n"
            "print(f\"{'uri' in checkers}-{'iri' in checkers}\")")
    assert _python(code) == "True-False"


def test_the_students_checking_tool_skips_it(tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), path)
    code = ("import contextlib, runpy, sys\n"
            f"sys.argv = ['validate', {str(path)!r}]\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(None):\n"
            "    runpy.run_module('course_lib.validate', run_name='__main__')\n" + LOADED)
    assert _python(code) == "NoneType"
