"""Integrity of grading: tests that cannot be fooled from a student cell, and graded functions
that must be the student's own.

The tests run in the student's kernel, so a student cell can patch what they rely on
(``np.allclose = lambda *a, **k: True``, ``checks.check_close = lambda *a, **k: None``,
``builtins.isinstance = ...``) or hand in course_lib's reference implementation as their own
(``propagate = ref.propagate``, or a ``def propagate`` that calls it). This module is the
grader's side of :mod:`autograder.grade.integrity_probe`, which runs inside the kernel:

- :class:`Monitor` follows one notebook's execution
(:func:`autograder.kernel.execute.execute_notebook`
  calls it around every code cell): before the first cell it installs the probe with a token
  of its own (again in a fresh kernel that replaces a dead one, before its replay), after
  every read-only cell it asks what changed, and it keeps the first cell after which
  tampering was seen and the graded names that are not the student's code. The
  probe is reached through IPython *user expressions* of empty silent requests: nothing is
  added to the notebook, its outputs or its execution counts, and no input transformer or
  event callback of the student sees the questions.
- :func:`apply` turns the findings into grades: every test cell from the first one after which
  tampering was seen scores 0 (the ones before ran untouched and keep their points), the test
  cells of a copied function (``test_<name>``, ``test_<name>_hidden``,
  ``test_<name>_gradcheck``) score 0, each with a message saying why; and the flags
  ``tampered`` and ``copied_reference:<name>`` for the report. The messages are in the language
  of the moment (:mod:`autograder.messages`: the grader sets the submission's); what the probe
  reports from the kernel (what was replaced, why a function is not the student's) is shown as
  it comes.

A probe that does not answer (the student's code broke what it needs) counts as tampering,
unless the kernel died, which is reported as such.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
import secrets
from dataclasses import dataclass, field
from queue import Empty

from nbformat import NotebookNode

from autograder.course.rules import is_locked
from autograder.messages import _
from autograder.records.results import CellResult
from autograder.vocabulary import COPIED, TAMPERED, cells_testing, grade_id_of, nbgrader_meta

PROBE = "autograder.grade.integrity_probe"
PROBE_TIMEOUT = 15.0
_MAGIC = re.compile(r"^\s*[%!]")


@dataclass
class Findings:
    """What the probe saw while one notebook ran."""

    tampered: list[str] = field(default_factory=list)   # what was replaced, in order
    tampered_at: int | None = None      # index of the cell after which it was first seen
    copied: dict[str, str] = field(default_factory=dict)   # graded name -> why
    error: str = ""                     # why the probe could not run (not the student's doing)
    checks: int = 0                     # questions answered

    @property
    def flags(self) -> list[str]:
        return ([TAMPERED] if self.tampered else []) + [f"{COPIED}:{n}" for n in self.copied]


class ProbeError(RuntimeError):
    """The probe did not answer, or answered something that is not its answer."""


# --------------------------------------------------------------------------- the notebook

def graded_names(nb: NotebookNode) -> list[str]:
    """The graded names: grade ids of the solution cells that are Python names."""
    return [gid for c in nb.cells if c.cell_type == "code" and nbgrader_meta(c).get("solution")
            and (gid := grade_id_of(c)) and gid.isidentifier()]


def _parse(source: str) -> ast.Module | None:
    """``source`` as Python, IPython magics and shell lines left out; None if it is not."""
    if source.lstrip().startswith("%%"):
        return None
    lines = ["pass" if _MAGIC.match(line) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def imported_names(source: str) -> list[str]:
    """Names a cell binds with top-level imports (``import numpy as np`` -> ``np``)."""
    tree = _parse(source)
    if tree is None:
        return []
    names: list[str] = []
    todo = list(tree.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, ast.Import):
            names += [a.asname or a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names += [a.asname or a.name for a in node.names if a.name != "*"]
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for part in ("body", "orelse", "finalbody", "handlers"):
                todo.extend(getattr(node, part, []))
        elif isinstance(node, ast.ExceptHandler):
            todo.extend(node.body)
    return list(dict.fromkeys(names))


def course_modules(sources: list[str], package: str = "course_lib") -> list[str]:
    """The ``package`` modules the read-only cells import or name (``module="..."``)."""
    found: list[str] = []
    for source in sources:
        tree = _parse(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [a.name for a in node.names if a.name.split(".")[0] == package]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level \
                    and node.module.split(".")[0] == package:
                found.append(node.module)
                found += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
            elif isinstance(node, ast.keyword) and node.arg == "module" \
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                value = node.value.value
                found.append(value if "." in value else f"{package}.{value}")
    return [m for m in dict.fromkeys(found) if all(p.isidentifier() for p in m.split("."))]


# --------------------------------------------------------------------------- asking the kernel

async def ask(kc, expression: str, timeout: float = PROBE_TIMEOUT) -> str:
    """Evaluate ``expression`` in the kernel as a user expression of an empty silent request;
    its value (a str) or ProbeError."""
    msg_id = kc.execute("", silent=True, store_history=False, allow_stdin=False,
                        user_expressions={"r": expression})
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise ProbeError(f"no answer within {timeout:g} s")
        try:
            reply = await kc.get_shell_msg(timeout=min(remaining, 1.0))
        except Empty:
            continue
        if reply.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise ProbeError(f"the request failed: {content.get('ename', '?')}")
        value = content.get("user_expressions", {}).get("r", {})
        if value.get("status") != "ok":
            raise ProbeError(f"{value.get('ename', 'error')}: {value.get('evalue', '')}"[:300])
        text = value.get("data", {}).get("text/plain", "")
        try:
            result = ast.literal_eval(text)
        except (ValueError, SyntaxError) as exc:
            raise ProbeError("the answer is not a string") from exc
        if not isinstance(result, str):
            raise ProbeError("the answer is not a string")
        return result


class Monitor:
    """Watches one notebook's execution in one kernel (see the module docstring)."""

    def __init__(self, nb: NotebookNode, timeout: float = PROBE_TIMEOUT):
        self.token = secrets.token_hex(16)
        self.timeout = timeout
        self.graded = graded_names(nb)
        self.locked = {i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                       and is_locked(c)}
        self.binds = {i: imported_names(nb.cells[i].source) for i in self.locked}
        self.modules = course_modules([nb.cells[i].source for i in sorted(self.locked)])
        self.findings = Findings()
        self._installed = False
        self._stopped = False

    def _call(self, function: str, *args: str) -> str:
        """The user expression that calls the probe's ``function``: ``install`` through an
        import (no student code has run yet), ``check`` through the class the probe named
        after the token (no name the notebook could shadow, ``__import__`` included)."""
        quoted = ", ".join(repr(a) for a in args)
        if function == "install":
            return f"__import__({PROBE!r}, fromlist=['_']).install({quoted})"
        anchor = f"_IntegrityProbe_{self.token}"
        return (f"[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == "
                f"{anchor!r}][0].{function}({quoted})")

    async def _ask(self, kernel, function: str, *args: str) -> dict | None:
        try:
            text = await ask(kernel.kc, self._call(function, *args), self.timeout)
            answer = json.loads(text)
            if not isinstance(answer, dict) or answer.get("token") != self.token:
                raise ProbeError("the answer does not carry this run's token")
            if answer.get("error"):
                raise ProbeError(str(answer["error"]))
            return answer
        except (ProbeError, ValueError, TypeError) as exc:
            self._stopped = True
            if not await kernel.alive():
                return None   # the execution reports the dead kernel
            if not self._installed:
                self.findings.error = _("the integrity checks could not start: {error}").format(
                    error=exc)
                return None
            return {"tampered": [_("the integrity check stopped answering ({error})").format(
                error=exc)], "copied": {}}

    async def before_cell(self, kernel, index: int) -> None:
        """Called before code cell ``index`` runs: installs the probe before the first."""
        if self._installed or self._stopped:
            return
        config = json.dumps({"token": self.token, "graded": self.graded,
                             "modules": self.modules})
        answer = await self._ask(kernel, "install", config)
        if answer is not None and not self.findings.error:
            self._installed = True
            self._record(answer, index)

    def restarted(self) -> None:
        """The kernel died and a fresh one replaces it (:mod:`autograder.kernel.execute`): the probe
        is installed again, with the same token, before the first cell the fresh kernel runs
        (the cells replayed in it included). What was found so far is kept."""
        self._installed = False
        self._stopped = False

    async def after_cell(self, kernel, index: int) -> None:
        """Called after code cell ``index`` ran to completion."""
        if index in self.locked:
            await self._check(kernel, index, self.binds.get(index, []))

    async def finish(self, kernel, index: int) -> None:
        """Called once the notebook ran to the end (``index``: one past the last cell)."""
        await self._check(kernel, index, [])

    async def _check(self, kernel, index: int, bind: list[str]) -> None:
        if not self._installed or self._stopped:
            return
        answer = await self._ask(kernel, "check", self.token, json.dumps({"bind": bind}))
        if answer is not None:
            self._record(answer, index)

    def _record(self, answer: dict, index: int) -> None:
        self.findings.checks += 1
        for reason in answer.get("tampered", []):
            if reason not in self.findings.tampered:
                self.findings.tampered.append(str(reason))
        if self.findings.tampered and self.findings.tampered_at is None:
            self.findings.tampered_at = index
        for name, why in (answer.get("copied") or {}).items():
            if name in self.graded:
                self.findings.copied.setdefault(name, str(why))


# --------------------------------------------------------------------------- grades

def _short(reasons: list[str], n: int = 3) -> str:
    text = "; ".join(reasons[:n])
    if len(reasons) <= n:
        return text
    return _("{reasons} (and {count} more)").format(reasons=text, count=len(reasons) - n)


def apply(findings: Findings, nb: NotebookNode, cells: list[CellResult]) -> list[str]:
    """Zero the test cells the findings void (in place); return notes for the notebook."""
    index_of = {gid: i for i, c in enumerate(nb.cells) if (gid := grade_id_of(c))}
    notes: list[str] = []
    voided: set[str] = set()
    if findings.tampered:
        start = findings.tampered_at if findings.tampered_at is not None else 0
        passed = 0
        for cell in cells:
            if index_of.get(cell.grade_id, len(nb.cells)) >= start:
                passed += cell.points > 0
                voided.add(cell.grade_id)
                _void(cell, _("the notebook tampered with the grading code before this test "
                              "ran ({reasons}), so it is not scored").format(
                                  reasons=_short(findings.tampered, 2)))
        notes.append((_("tampered with the grading code: {reasons}; the test cells after that "
                        "score 0 ({passed} had passed)") if start < len(nb.cells)
                      else _("tampered with the grading code: {reasons}; after the last test"))
                     .format(reasons=_short(findings.tampered), passed=passed))
    for name, why in findings.copied.items():
        own = set(cells_testing(name))
        for cell in cells:
            if cell.grade_id in own and cell.grade_id not in voided:
                _void(cell, _("{name} is not your own code: {why}").format(name=name, why=why))
        notes.append(_("{name} is not the student's own code ({why}): its tests score 0")
                     .format(name=name, why=why))
    return notes


def _void(cell: CellResult, why: str) -> None:
    previous = cell.message
    cell.points = 0.0
    cell.message = _("0 points: {why}").format(why=why) + (f"\n{previous}" if previous else "")
