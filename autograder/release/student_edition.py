"""The student edition of course_lib for one assignment: what a student installs, no answers.

For an assignment A, every function graded in A or a later assignment (the grade ids of the
solution cells of their notebooks) is looked up in course_lib by name (plus
:data:`ALIASES`); those definitions, the definitions that call them, and the private helpers
they use (same module) are *stubbed*: in the edition their module holds a stand-in with the
same signature that answers from the calls recorded when A's notebooks ran once with the
reference solutions at release (:mod:`autograder.release.recording`, read back by
:mod:`course_lib.recorded`). Everything else ships as it is: data sets, plots, checks,
gradient checking, ``quiet()``, the functions of earlier assignments. The mistakes' code
(``course_lib/mistakes/`` but its ``__init__``: the catalogues and their assembly from the
instructor's notebooks) and ``course_lib/demo.py`` are left out; the
mistakes' names, hints (in every language: the ``mistakes`` translations are left out of
``course_lib/locale/``) and outcomes on the visible tests' inputs are recorded instead, and
the edition's ``diagnosis``/``isolation`` end by binding :mod:`course_lib.edition`'s versions.

Layout of an edition folder: ``course_lib/`` (the package, ``_answers/`` inside with
``edition.json`` and the recordings) and ``autograder/`` (a two-file shim so that
``python -m autograder validate NOTEBOOK`` runs the visible tests on a student's machine).
"""

from __future__ import annotations

import ast
import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

import course_lib
from autograder.course.source import Course
from autograder.vocabulary import nbgrader_meta

LIBRARY = Path(course_lib.__file__).resolve().parent
PACKAGE = "course_lib"
#: grade id -> further course_lib definitions ("module:name") that are its reference too
ALIASES: dict[str, tuple[str, ...]] = {"compute_cost": ("losses:binary_cross_entropy",)}
#: modules a student never gets (relative to course_lib)
LEFT_OUT = ("demo.py",)
#: files of course_lib/locale a student never gets: the ``mistakes`` domain (the hints of every
#: assignment; the edition records those it needs, in every language) and the templates
LOCALE_LEFT_OUT = ("mistakes.*", "*.pot")
#: appended to these modules in the edition (the student edition's versions of the helpers)
OVERLAYS = {
    "diagnosis.py": "from course_lib.edition import explain_mistakes  # noqa: E402,F401,F811\n",
    "isolation.py": ("from course_lib.edition import numerical_side, reference_for, "
                     "reference_if_wrong  # noqa: E402,F401,F811\n"),
    "gradient_check.py": "CHECK_AGAINST_REFERENCE = False   # the course's costs are not here\n",
}
OVERLAY_HEADER = ("\n\n# --- student edition: the reference implementations are not here, so "
                  "these helpers work from recorded data and the student's own functions ---\n")
SHIM_DOC = ('"""The student edition\'s ``python -m autograder validate NOTEBOOK`` '
            '(visible tests)."""\n')
SHIM_MAIN = SHIM_DOC + '''

import sys

from course_lib.validate import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["validate"]:
        args = args[1:]
    sys.exit(main(args))
'''


# ----------------------------------------------------------------------------- the library

Ref = tuple[str, str]   # (module relative name e.g. "logistic_unit", top-level name)


@dataclass
class ModuleInfo:
    """One course_lib module: its top-level definitions and what each one refers to."""

    name: str            # "logistic_unit", "mistakes/__init__" style paths are not indexed
    path: Path
    tree: ast.Module
    defs: dict[str, ast.FunctionDef | ast.ClassDef] = field(default_factory=dict)
    refs: dict[str, set[Ref]] = field(default_factory=dict)
    imported: dict[str, Ref] = field(default_factory=dict)   # from course_lib.m import x


def _imports(nodes: Iterable[ast.AST]) -> tuple[dict[str, Ref], dict[str, str]]:
    """(local name -> (module, name) for ``from course_lib.m import x``,
    local name -> module for ``from course_lib import m`` / ``import course_lib.m as m``)."""
    names: dict[str, Ref] = {}
    modules: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module == PACKAGE:
            for alias in node.names:
                modules[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE + "."):
            module = node.module.split(".", 1)[1]
            for alias in node.names:
                names[alias.asname or alias.name] = (module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + ".") and alias.asname:
                    modules[alias.asname] = alias.name.split(".", 1)[1]
    return names, modules


def index_library(library: Path = LIBRARY) -> dict[str, ModuleInfo]:
    """Every top-level module of course_lib (not ``mistakes``), with its definitions."""
    found: dict[str, ModuleInfo] = {}
    for path in sorted(library.glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        info = ModuleInfo(path.stem, path, tree)
        info.imported, modules_here = _imports(tree.body)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                info.defs[node.name] = node
        for name, node in info.defs.items():
            local_names, local_modules = _imports(ast.walk(node))   # imports inside the body
            names = {**info.imported, **local_names}
            modules = {**modules_here, **local_modules}
            refs: set[Ref] = set()
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name):
                    if sub.id in info.defs and sub.id != name:
                        refs.add((info.name, sub.id))
                    elif sub.id in names:
                        refs.add(names[sub.id])
                elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) \
                        and sub.value.id in modules:
                    refs.add((modules[sub.value.id], sub.attr))
            info.refs[name] = refs
        found[info.name] = info
    return found


def graded_names(course: Course) -> dict[str, list[str]]:
    """assignment -> the grade ids of its notebooks' solution cells, in order."""
    out: dict[str, list[str]] = {}
    for assignment in course.assignments:
        ids: list[str] = []
        for nb in course.notebooks_of(assignment):
            for cell in nbformat.read(nb.path, as_version=4).cells:
                meta = nbgrader_meta(cell)
                if meta.get("solution") and meta.get("grade_id"):
                    ids.append(meta["grade_id"])
        out[assignment] = ids
    return out


def forbidden_for(assignment: str, course: Course, library: dict[str, ModuleInfo]) -> set[Ref]:
    """The reference definitions of every function graded in ``assignment`` or later."""
    from course_lib.mistakes import reference_modules

    graded = graded_names(course)
    found: set[Ref] = set()
    for later in course.assignments[course.assignments.index(assignment):]:
        modules = [m.split(".", 1)[1] for m in reference_modules(later)] or list(library)
        for name in graded[later]:
            for module in modules:
                found |= _definition(library, module, name)
            for alias in ALIASES.get(name, ()):
                found |= _definition(library, *alias.split(":"))
    return found


def _definition(library: dict[str, ModuleInfo], module: str, name: str) -> set[Ref]:
    """Where ``module.name`` is defined (following ``from course_lib.x import name``)."""
    info = library.get(module)
    if info is None:
        return set()
    if name in info.defs:
        return {(module, name)}
    if name in info.imported:
        return _definition(library, *info.imported[name])
    return set()


def stubbed_for(forbidden: set[Ref], library: dict[str, ModuleInfo]) -> set[Ref]:
    """``forbidden``, every definition that refers to a stubbed one, and the private helpers
    (same module) a stubbed one uses: the definitions the edition replaces by stand-ins."""
    stubbed = set(forbidden)
    changed = True
    while changed:
        changed = False
        for module, info in library.items():
            for name, refs in info.refs.items():
                me = (module, name)
                if me not in stubbed and refs & stubbed:
                    stubbed.add(me)
                    changed = True
                if me in stubbed:
                    helpers = {r for r in refs if r[0] == module and r[1].startswith("_")}
                    if helpers - stubbed:
                        stubbed |= helpers
                        changed = True
    return stubbed


# ------------------------------------------------------------------------------ stand-ins

def _signature(node: ast.FunctionDef) -> str:
    args = ast.parse(ast.unparse(node.args).join(("def f(", "): pass"))).body[0].args
    for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if a is not None:
            a.annotation = None
    return ast.unparse(args)


def _docstring(indent: str) -> str:
    """The stand-in's docstring (not the original's: a summary line may give the formula)."""
    return (f'{indent}"""Student edition: answers only the calls the notebook makes '
            '(recorded at release)."""\n')


def stub_function(node: ast.FunctionDef) -> str:
    return (f"def {node.name}({_signature(node)}):\n{_docstring('    ')}"
            f"    return _ANSWERS.call({node.name!r}, locals())\n")


def stub_class(node: ast.ClassDef) -> str:
    lines = [f"class {node.name}(_recorded.RecordedObject):\n", _docstring("    ")]
    methods = [m for m in node.body if isinstance(m, ast.FunctionDef) and not m.decorator_list
               and (m.name == "__init__" or not m.name.startswith("__"))]
    if not any(m.name == "__init__" for m in methods):
        lines.append("\n    def __init__(self, *args, **kwargs):\n"
                     f"        _ANSWERS.construct(self, {node.name!r}, locals())\n")
    for m in methods:
        lines.append(f"\n    def {m.name}({_signature(m)}):\n")
        if m.name == "__init__":
            lines.append(f"        _ANSWERS.construct(self, {node.name!r}, locals())\n")
        else:
            lines.append(_docstring("        "))
            lines.append(f"        return _ANSWERS.method(self, '{node.name}.{m.name}', "
                         "locals())\n")
    return "".join(lines)


def stub_module(info: ModuleInfo, names: Iterable[str], assignment: str) -> str:
    """``info``'s source with the definitions ``names`` replaced by stand-ins and its
    docstring replaced (a module docstring may spell out the formulas)."""
    names = set(names)
    lines = info.path.read_text().splitlines(keepends=True)
    pieces: list[tuple[int, int, str]] = []
    body = info.tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        pieces.append((body[0].lineno, body[0].end_lineno, (
            f'"""course_lib.{info.name}, student edition of {assignment}: the definitions '
            "graded in this assignment or later answer only\nthe calls the notebook makes, "
            'from data recorded at release (course_lib.recorded)."""\n')))
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in names:
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            text = stub_function(node) if isinstance(node, ast.FunctionDef) else stub_class(node)
            pieces.append((start, node.end_lineno, text))
    anchor = _after_imports(info.tree)
    pieces.append((anchor + 1, anchor, "\nfrom course_lib import recorded as _recorded  # noqa: "
                   "E402\n\n_ANSWERS = _recorded.answers_for(__name__)\n"))
    out = list(lines)
    for start, end, text in sorted(pieces, reverse=True):
        out[start - 1:end] = [text]
    return "".join(out)


def _after_imports(tree: ast.Module) -> int:
    """The line number after the module's leading docstring and import statements."""
    last = 0
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom) or (
                last == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            last = node.end_lineno
        else:
            break
    return last


# ------------------------------------------------------------------------------- assembly

@dataclass
class EditionPlan:
    """What one assignment's edition stubs: module -> names, and the recording targets."""

    assignment: str
    stubbed: dict[str, list[str]]

    @property
    def targets(self) -> list[str]:
        return [f"{PACKAGE}.{m}:{n}" for m, names in sorted(self.stubbed.items())
                for n in names]


def plan_edition(assignment: str, course: Course, library: dict[str, ModuleInfo] | None = None
                 ) -> EditionPlan:
    library = library if library is not None else index_library()
    stubbed = stubbed_for(forbidden_for(assignment, course, library), library)
    by_module: dict[str, list[str]] = {}
    for module, name in sorted(stubbed):
        if module + ".py" not in LEFT_OUT:
            by_module.setdefault(module, []).append(name)
    return EditionPlan(assignment, by_module)


def write_package(plan: EditionPlan, recordings: Path | None, dest: Path,
                  library: dict[str, ModuleInfo] | None = None) -> Path:
    """The edition's files under ``dest`` (``dest/course_lib``, ``dest/autograder``)."""
    library = library if library is not None else index_library()
    shutil.rmtree(dest, ignore_errors=True)
    package = dest / PACKAGE
    (package / "mistakes").mkdir(parents=True)
    shutil.copy2(LIBRARY / "mistakes" / "__init__.py", package / "mistakes" / "__init__.py")
    if (LIBRARY / "locale").is_dir():   # the translations of course_lib's own messages
        shutil.copytree(LIBRARY / "locale", package / "locale",
                        ignore=shutil.ignore_patterns(*LOCALE_LEFT_OUT))
    for name, info in library.items():
        if info.path.name in LEFT_OUT:
            continue
        if name in plan.stubbed:
            text = stub_module(info, plan.stubbed[name], plan.assignment)
        else:
            text = info.path.read_text()
        if info.path.name in OVERLAYS:
            text = text.rstrip("\n") + "\n" + OVERLAY_HEADER + OVERLAYS[info.path.name]
        (package / info.path.name).write_text(text)
    answers = package / "_answers"
    answers.mkdir()
    if recordings is not None:
        for path in sorted(recordings.iterdir()):
            if path.suffix in (".json", ".npz"):
                shutil.copy2(path, answers / path.name)
    (answers / "edition.json").write_text(json.dumps(
        {"assignment": plan.assignment, "version": course_lib.__version__,
         "stubbed": plan.stubbed}, indent=1, sort_keys=True))
    shim = dest / "autograder"
    shim.mkdir()
    (shim / "__init__.py").write_text(SHIM_DOC)
    (shim / "__main__.py").write_text(SHIM_MAIN)
    return dest


# ------------------------------------------------------------------------------ recording

def recording_notebook(source: Path, assignment: str, targets: list[str], out: Path,
                       prefix: str) -> nbformat.NotebookNode:
    """The source notebook without its hidden tests, between a cell that starts recording
    and one that writes the recordings to ``out``."""
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = _without_hidden_tests(cell.source)
    start = ("from autograder.release.recording import install as _install_recorder\n"
             f"_recorder = _install_recorder({assignment!r}, {targets!r}, {prefix!r})\n")
    nb.cells.insert(0, nbformat.v4.new_code_cell(start))
    nb.cells.append(nbformat.v4.new_code_cell(f"_recorder.dump({str(out)!r})"))
    return nb


def _without_hidden_tests(source: str) -> str:
    kept, hidden = [], False
    for line in source.splitlines():
        if "### BEGIN HIDDEN TESTS" in line:
            hidden = True
        elif "### END HIDDEN TESTS" in line:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


def record(plan: EditionPlan, course: Course, out: Path, timeout: float = 900) -> Path | None:
    """Run the assignment's notebooks once with the reference solutions, recording; the
    folder of the recordings, or None when no notebook uses course_lib."""
    from course_lib.validate import execute

    notebooks = [nb for nb in course.notebooks_of(plan.assignment)
                 if PACKAGE in nb.path.read_text()]
    if not notebooks:
        return None
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for i, nb in enumerate(notebooks):
        part = out / f"part{i}"
        with tempfile.TemporaryDirectory(prefix="record-") as work:
            for rel, path in course.support_files(plan.assignment).items():
                (Path(work) / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, Path(work) / rel)
            execute(recording_notebook(nb.path, plan.assignment, plan.targets, part, f"n{i}."),
                    Path(work), timeout, allow_errors=False)
    return _merge([out / f"part{i}" for i in range(len(notebooks))], out / "merged")


def _merge(parts: list[Path], dest: Path) -> Path:
    import numpy as np

    dest.mkdir(parents=True, exist_ok=True)
    stems = sorted({p.stem for part in parts for p in part.glob("*.json")})
    for stem in stems:
        records, arrays = [], {}
        for part in parts:
            if (part / f"{stem}.json").exists():
                records += json.loads((part / f"{stem}.json").read_text())
                with np.load(part / f"{stem}.npz", allow_pickle=False) as data:
                    arrays.update({k: data[k] for k in data.files})
        (dest / f"{stem}.json").write_text(json.dumps(records))
        np.savez_compressed(dest / f"{stem}.npz", **arrays)
    return dest


# ---------------------------------------------------------------------------------- build

@dataclass
class Edition:
    """One assignment's student edition: the unpacked files (``course_lib/``, ``autograder/``
    under ``folder``) and the wheel."""

    assignment: str
    folder: Path
    wheel: Path
    plan: EditionPlan

    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.rglob("*") if p.is_file())


def build_edition(assignment: str, course: Course, dest: Path, work: Path,
                  library: dict[str, ModuleInfo] | None = None) -> Edition:
    """Record ``assignment``'s notebooks (in ``work``) and write its edition into ``dest``:
    ``dest/course_lib/``, ``dest/autograder/`` and ``dest/<wheel>``."""
    from autograder.release.edition_wheel import build_wheel, local_version

    library = library if library is not None else index_library()
    plan = plan_edition(assignment, course, library)
    recordings = record(plan, course, Path(work) / "recordings")
    staging = Path(work) / "package"
    write_package(plan, recordings, staging, library)
    for name in (PACKAGE, "autograder"):
        shutil.rmtree(dest / name, ignore_errors=True)
        shutil.copytree(staging / name, dest / name)
    for old in dest.glob("*.whl"):
        old.unlink()
    wheel = build_wheel(staging, local_version(course_lib.__version__, assignment), dest,
                        f"course_lib, student edition of {assignment}")
    return Edition(assignment, dest, wheel, plan)
