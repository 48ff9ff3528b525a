"""Run a notebook's test cells in the grader, against the student's code in their kernel.

For each test cell (a grade cell that is not a solution) :meth:`TrustedTests.run_cell` runs
the cell's source, taken from the instructor's source notebook, in the grading process, in a
namespace holding:

- what the notebook's own import lines import (numpy, ``checks``, ``explain_mistakes`` ...),
  imported here, from the course's full library: expected values, mistake catalogues and
  gradient checks are computed in the grader;
- for every other name the test reads and does not assign: what the student's kernel has under
  that name, as a proxy (a function or class, :mod:`autograder.grade.trusted.proxies`) or as plain
  data (a variable);
- the source notebook's folder as the working folder (a test reads the assignment's own data
  files there, never the student's copies);
- :data:`course_lib.isolation.STUDENT_PROCESS`: how ``reference_for`` binds the course's
  version of a name in the kernel too (:meth:`autograder.grade.trusted.channel.Channel.bind`).

What the test prints becomes the cell's stdout; a failure becomes its error output, with the
check's message (and the student's line, when their code raised), never a traceback through
the test's code: a hidden test's source stays in the grader. The kernel never receives a
test's source, its expected values or anything the test compares: only the arguments of
each call, when it is made.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import contextlib
import contextvars
import io
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

import numpy as np
from IPython.core.inputtransformer2 import TransformerManager
from nbformat import NotebookNode
from nbformat.v4 import new_output

from autograder.course.reference import Reference
from autograder.course.rules import is_solution, is_test
from autograder.grade.trusted import wire
from autograder.grade.trusted.channel import (
    DEAD,
    TIMEOUT,
    CallFailed,
    Channel,
    InputsChanged,
    KernelLost,
)
from autograder.grade.trusted.lockstep import evaluating_together
from autograder.grade.trusted.proxies import (
    RemoteClass,
    RemoteFunction,
    RemoteMethod,
    RemoteObject,
    proxy_class,
    undo_changes,
)
from autograder.kernel.cores import one_core
from autograder.messages import _
from autograder.vocabulary import cells_testing, grade_id_of
from course_lib.isolation import STUDENT_PROCESS

OK = "ok"
_ABSENT = object()
_BUILTINS = set(dir(builtins))


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


def _defined(tree: ast.AST) -> set[str]:
    """Names a piece of code assigns, defines, imports or takes as arguments."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _read(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _names_read(sources: list[str]) -> set[str] | None:
    """Every name the tests' code reads, None (all) if a piece of it cannot be parsed."""
    read: set[str] = set()
    for source in sources:
        tree = _parse(source)
        if tree is None:
            return None
        read |= _read(tree)
    return read


def _mistaken_code(graded: set[str]) -> list[str]:
    """The code of the catalogued mistakes of the ``graded`` names: a test's
    ``explain_mistakes`` runs each in the test's namespace, so it reads names from it too."""
    from course_lib.mistakes import catalogue

    return [textwrap.dedent(m.body) for m in catalogue() if m.cell in graded]


def _binding_only(node: ast.Import | ast.ImportFrom,
                  read: set[str] | None) -> ast.Import | ast.ImportFrom | None:
    """The import ``node`` reduced to the names in ``read`` (None: it binds none of them).

    The grader imports only what its tests read: a notebook's ``import matplotlib.pyplot``
    or ``from course_lib import datasets`` (scikit-learn) cost each grading process 1.5 s
    of CPU at its start, for names no test uses. Read by a test: in a test cell, a solution
    cell or a catalogued mistake of a solution's names (:func:`_mistaken_code`: a test's
    ``explain_mistakes`` runs them in its namespace). Such a name is imported as before; a
    star import is kept whole."""
    if read is None or any(alias.name == "*" for alias in node.names):
        return node
    names = [a for a in node.names if (a.asname or a.name.split(".")[0]) in read]
    if not names:
        return None
    if isinstance(node, ast.Import):
        return ast.copy_location(ast.Import(names=names), node)
    return ast.copy_location(ast.ImportFrom(module=node.module, names=names,
                                            level=node.level), node)


@dataclass(frozen=True)
class CompiledTest:
    """One test cell, read once a grading process (every submission of the assignment runs
    the same test): its code, and the names it reads without defining them (what it takes
    from the tests before it, the notebook's imports or the student's kernel). ``code`` is
    None when the cell cannot be read."""

    code: CodeType | None
    free: frozenset[str] = frozenset()

    @classmethod
    def of(cls, source: str) -> CompiledTest:
        tree = _parse(source)
        if tree is None:
            return cls(None)
        try:
            code = compile(tree, "<test>", "exec")
        except (SyntaxError, ValueError):   # parsed, yet not a program ('return' at the top)
            return cls(None)
        return cls(code, frozenset(_read(tree) - _defined(tree)))


STUB_SECONDS = 60.0   # at most, to put the stub into a kernel


async def put_stub_in(kernel) -> None:
    """Put the grader's stub into ``kernel`` ahead of its notebook (the pool's ``prepare``: a
    spare kernel gets it while the current notebook runs, off the student's time). Silent
    if the kernel refuses it or is lost: its first test cell then puts it in, or fails, as
    :meth:`NotebookTests.run_cell` does for any kernel without it."""
    loop = asyncio.get_running_loop()
    with contextlib.suppress(CallFailed, KernelLost):
        await Channel(kernel, loop, loop.time() + STUB_SECONDS).install()


class TrustedTests:
    """The test cells of one source notebook, run by the grader (see the module docstring)."""

    def __init__(self, ref: Reference, max_output_chars: int = 100_000,
                 folder: Path | None = None):
        self.ref, self.max_output_chars, self.folder = ref, max_output_chars, folder
        self.sources = {gid: c.source for c in ref.notebook.cells
                        if is_test(c) and (gid := grade_id_of(c))}
        self._prelude: dict[str, Any] | None = None
        self._importing = threading.Lock()
        self._compiled: dict[str, CompiledTest] = {}
        code = [(c, tree) for c in ref.notebook.cells if c.cell_type == "code"
                and not is_test(c) and (tree := _parse(c.source)) is not None]
        #: the names the solution cells define (the student's graded functions and classes)
        self.graded: set[str] = {n for c, tree in code if is_solution(c) for n in _defined(tree)}
        read = _names_read([*self.sources.values(), *_mistaken_code(self.graded)])
        if read is not None:   # the solutions: a catalogued mistake runs in their place
            read |= {n for c, tree in code if is_solution(c) for n in _read(tree)}
        self._imports = [kept for _, tree in code for n in tree.body
                         if isinstance(n, (ast.Import, ast.ImportFrom))
                         and (kept := _binding_only(n, read)) is not None]

    def compiled(self, gid: str) -> CompiledTest:
        """The test cell ``gid``, parsed and compiled the first time it is asked for (it took
        about 80 ms a notebook, each time)."""
        if gid not in self._compiled:
            self._compiled[gid] = CompiledTest.of(self.sources.get(gid, ""))
        return self._compiled[gid]

    def prelude(self) -> dict[str, Any]:
        """The notebook's imports, done in the grader (the student's graded names excluded);
        imported on first use (or by :meth:`warm`), outside any test's time limit."""
        with self._importing:
            if self._prelude is None:
                namespace: dict[str, Any] = {"__name__": "__main__"}
                for node in self._imports:
                    with contextlib.suppress(Exception):
                        exec(compile(ast.Module([node], []), "<imports>", "exec"), namespace)  # noqa: S102
                self._prelude = {k: v for k, v in namespace.items() if k not in self.graded}
        return self._prelude

    def warm(self) -> None:
        """Start importing :meth:`prelude` in a background thread (seconds the first time:
        the course's library and scikit-learn), while the student's cells run in their
        kernel; :meth:`prelude` waits for it."""
        threading.Thread(target=self.prelude, name="prelude", daemon=True).start()

    def tests_of(self, name: str) -> list[str]:
        """The grade ids of this notebook's test cells of graded name ``name``."""
        return [g for g in cells_testing(name) if g in self.sources]

    def for_notebook(self) -> NotebookTests:
        """The state of one notebook's run (which tests passed so far)."""
        return NotebookTests(self)


class NotebookTests:
    """The tests of one submitted notebook, run one cell at a time by
    :mod:`autograder.kernel.execute`.

    ``reference_for`` binds the course's version of a name in the kernel (and in the test's
    namespace: both agree) unless that name is proven: its own tests (test cells named
    ``test_<name>`` or ``test_<name>_...``) all passed on the student's code alone: their
    student code asked the grader nothing (:attr:`Channel.questions`). A proven function
    keeps the student's own, which spares thousands of questions to the grader in a test of
    ``model``; a wrong one, and one that passed only with the course's version of what it
    calls, are bound, so a mistake costs only its own points, as in the kernel. Names
    ``reference_if_wrong`` saw disagree with the course's are bound whatever their tests said.
    """

    def __init__(self, tests: TrustedTests):
        self.tests = tests
        self.passed: dict[str, bool] = {}     # grade id -> the test passed
        self.leaned: set[str] = set()         # tests whose student code used the course's
        self.shared: dict[str, Any] = {}      # what earlier tests defined (``ref`` ...)

    def _proven(self, name: str) -> bool:
        """The student's ``name`` has tests, and they all passed on the student's code alone."""
        ids = self.tests.tests_of(name)
        return bool(ids) and all(self.passed.get(g) and g not in self.leaned for g in ids)

    def _binder(self, channel: Channel, running: str):
        """``bind`` for ``reference_for`` in test ``running``. A name whose own tests have not
        all run yet (the course's ``Sequential`` around the student's ``Dense`` in a test of
        ``Dense``) is bound in the test only, never in the kernel: the student's code could
        otherwise ask the course's version for answers before it is graded itself."""
        @contextlib.contextmanager
        def bind(objects: dict[str, Any], wrong: bool = False):
            early = {n: o for n, o in objects.items() if n in self.tests.graded and any(
                g not in self.passed and g != running for g in self.tests.tests_of(n))}
            wanted = {n: o for n, o in objects.items()
                      if n not in early and (wrong or not self._proven(n))}
            with channel.bind(wanted) if wanted else contextlib.nullcontext({}) as bound:
                yield {**early, **bound}
        return bind

    async def run_cell(self, cell: NotebookNode, kernel, timeout: float) -> str:
        """Run the test cell ``cell`` (its outputs replaced); OK, TIMEOUT or DEAD."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.tests.prelude)   # the grader's time, not theirs
        channel = Channel(kernel, loop, loop.time() + timeout, proxy_class)
        gid = grade_id_of(cell) or ""
        try:
            if getattr(kernel, "grader_comm", None) is None:
                await channel.install()
            # in the submission's language (course_lib.language.use, a context variable)
            outputs = await loop.run_in_executor(None, contextvars.copy_context().run,
                                                 self._run, gid, channel,
                                                 getattr(kernel, "pid", None))
        except KernelLost as lost:
            outputs = []
            channel.lost = lost
        except CallFailed as failed:   # the kernel refused the grader's stub
            outputs = [error_output(failed)]
        cell.outputs = outputs
        self.passed[gid] = channel.lost is None and not any(
            o.get("output_type") == "error" for o in outputs)
        if channel.questions:
            self.leaned.add(gid)
        if channel.lost is not None:
            return TIMEOUT if channel.lost.kind == TIMEOUT else DEAD
        with contextlib.suppress(Exception, KernelLost):
            channel.deadline = loop.time() + timeout
            await loop.run_in_executor(None, channel.send, {"op": "release"})
        channel.end()
        return OK

    def _exec(self, test: CompiledTest, channel: Channel, gid: str) -> Exception | None:
        """Run the test once; the exception that failed it, or None."""
        try:
            if test.code is None:
                raise SyntaxError(_("the test cell could not be read"))
            namespace = self._namespace(test, channel, gid)
            try:
                with evaluating_together(channel):
                    exec(test.code, namespace)  # noqa: S102 - the instructor's
            finally:
                self._keep(namespace)
        except KernelLost:
            raise
        except Exception as failure:  # noqa: BLE001 - a failed test is an output
            return failure
        return None

    def _as_given(self, test: CompiledTest, channel: Channel, gid: str,
                  random_state: tuple, took: float
                  ) -> tuple[io.StringIO | None, InputsChanged | None]:
        """The verdict of a test that passed while its student code changed arguments it was
        given (written back into the test's data, as one kernel would). It is run again with
        those changes undone and no longer written back, numpy's legacy generator as it was,
        and as much time again. Passing both ways, it passes (None, None): an
        ``update_parameters`` that assigns into the dict it was given, or an ``FC.backward``
        that multiplies the residual it was given in place, changes only the copy its test
        gives it. Failing then, the test passed only on what the student's code made of its
        data (its expected values, or a gradient check's slopes, computed after the call):
        what it printed this time (the values as given, not a "passed" line) and
        InputsChanged."""
        names = [name for name, _argument, _as_sent in channel.changes]
        undo_changes(channel)
        np.random.set_state(random_state)
        channel.random.forget()
        channel.extend(took)
        channel.printed, channel.write_backs = 0, False
        again = io.StringIO()
        try:
            with contextlib.redirect_stdout(again):
                error = self._exec(test, channel, gid)
        finally:
            channel.write_backs = True
        return (None, None) if error is None else (again, _inputs_changed(names))

    def _namespace(self, test: CompiledTest, channel: Channel, running: str) -> dict[str, Any]:
        namespace = {**self.tests.prelude(), **self.shared}
        wanted = sorted(test.free - set(namespace) - _BUILTINS)
        namespace.update(_from_kernel(channel, wanted))
        namespace[STUDENT_PROCESS] = self._binder(channel, running)
        namespace["__builtins__"] = _KernelGlobals(channel)
        return namespace

    def _keep(self, namespace: dict[str, Any]) -> None:
        """Test cells share their globals, as they would in one kernel: keep what this one
        defined for the next ones (not the student's proxies: they belong to this test)."""
        prelude = self.tests.prelude()
        for name, value in namespace.items():
            if name.startswith("__") or isinstance(value, (RemoteFunction, RemoteObject,
                                                           RemoteMethod)):
                continue
            if prelude.get(name, _ABSENT) is not value:
                self.shared[name] = value

    def _run(self, gid: str, channel: Channel, kernel_pid: int | None = None
             ) -> list[NotebookNode]:
        """Run one test in this (worker) thread, held on one core with the kernel's thread
        ``kernel_pid`` (:func:`autograder.kernel.cores.one_core`); its outputs."""
        test = self.tests.compiled(gid)
        printed, error = io.StringIO(), None
        folder = self.tests.folder or Path.cwd()   # a test reads the assignment's own files
        with (contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()),
              contextlib.chdir(folder), one_core(kernel_pid)):
            random_state, started = np.random.get_state(), time.monotonic()
            error = self._exec(test, channel, gid)
            if error is None and channel.changes:
                again, error = self._as_given(test, channel, gid, random_state,
                                              time.monotonic() - started)
                printed = again or printed
        outputs = []
        text, limit = printed.getvalue(), self.tests.max_output_chars
        if len(text) > limit:
            dropped = _("... {count} more characters not kept ...").format(
                count=len(text) - limit)
            text = f"{text[:limit]}\n{dropped}\n"
        if text:
            outputs.append(new_output("stream", name="stdout", text=text))
        if error is not None:
            outputs.append(error_output(error))
        return outputs


def _inputs_changed(names: list[str]) -> InputsChanged:
    """The failure of a test that passed only on arguments its student code changed
    (``names``: the calls that changed them)."""
    name = next((n for n in names if n), "") or _("your code")
    return InputsChanged(_("{name} changed an argument it was given, in place, and this test "
                           "passed only on the changed values: on the arguments as they were "
                           "given, it fails. A function must not change its inputs (write "
                           "X = X - ..., not X -= ...).").format(name=name))


def _from_kernel(channel: Channel, names: list[str]) -> dict[str, Any]:
    """What the student's kernel has under ``names``: proxies for functions and classes,
    plain data for variables (names it lacks, or holds something else under, are left out)."""
    if not names:
        return {}
    found = channel.request({"op": "describe", "names": names}).get("value")
    got: dict[str, Any] = {}
    for name, what in (found.items() if type(found) is dict else ()):
        kind = what.get("kind") if type(what) is dict else None
        if name not in names:
            continue
        if kind in ("function", "class"):
            got[name] = (RemoteClass if kind == "class" else RemoteFunction)(channel, name)
        elif kind == "value":
            with contextlib.suppress(wire.NotPlainData):
                got[name] = wire.decode(what.get("value"), channel.resolve)
    return got


class _KernelGlobals(dict):
    """A test's builtins: Python's, then the student's kernel for a name found nowhere else
    when the code runs (a catalogued mistake that reads the notebook's global ``m``, run in
    the grader to name the mistake, reads the kernel's ``m`` as the student's code does)."""

    def __init__(self, channel: Channel):
        super().__init__(vars(builtins))
        self._channel = channel

    def __missing__(self, name: str) -> Any:
        if name.startswith("__"):
            raise KeyError(name)
        found = _from_kernel(self._channel, [name])
        if name not in found:
            raise KeyError(name)
        return found[name]


def error_output(error: BaseException) -> NotebookNode:
    """A failure as Jupyter would show it, without the test's own lines: the check's message,
    or the student's exception and the line of theirs that raised it."""
    ename = type(error).__name__
    evalue = str(error)
    render = getattr(error, "_render_traceback_", None)
    if render is not None:
        lines = list(render())
    else:
        lines = [f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]
        where = getattr(error, "student_where", "")
        if where:
            lines.append(_("(raised in {where})").format(where=where))
    return new_output("error", ename=ename, evalue=evalue, traceback=lines)
