"""Read a submitted notebook and make it gradable, the way nbgrader's sanitizing step does,
plus what nbgrader leaves broken.

:func:`read_notebook` turns every kind of unreadable upload (missing, empty, not JSON, not a
notebook, failing nbformat validation) into :class:`InvalidNotebook` with a message a student
understands. :func:`sanitize` then, against the :class:`~autograder.course.reference.Reference`:

- clears outputs and execution counts;
- de-duplicates grade ids like nbgrader (the last cell with an id keeps it);
- restores every locked cell (test cells with their hidden tests, read-only cells) from the
  source, in the notebook's own language (:mod:`autograder.course.languages`: any language's
  text of a read-only cell counts as unedited), its nbgrader metadata (points cannot be
  edited) and its cell type, so a solution cell turned into markdown is code again;
- puts back deleted test and read-only cells, each after the nearest cell that precedes it in
  the source (so a test follows its solution cell);
- drops nbgrader metadata the source does not know (a student cannot invent a test);
- overwrites the kernelspec.

It reports what it changed as notes (shown to the instructor and in the feedback, in the
language of the moment: the grader sets the submission's), and flags
a submission whose read-only cells had been edited (``edited_locked_cell``: restored, graded
as released); a cell as an earlier release gave it (its text matches the checksum that release
wrote into it) is replaced with a note, not flagged. Tampering with the grading code is
judged while the notebook runs (:mod:`autograder.grade.integrity`); :func:`suspicious_code`
is only its static fallback.
"""

from __future__ import annotations

import ast
import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.corpus.words import generate_corpus_id

from autograder.course.languages import TRANSLATIONS, text_in, versions
from autograder.course.reference import Reference
from autograder.course.rules import compute_checksum, is_locked, is_solution
from autograder.messages import _
from autograder.vocabulary import grade_id_of, nbgrader_meta
from course_lib.language import notebook_language

MAX_NOTEBOOK_BYTES = 50_000_000
#: The flag of a submission whose read-only cells had been edited (they were restored).
EDITED = "edited_locked_cell"


class InvalidNotebook(ValueError):
    """The file cannot be graded as a notebook; the message says why."""


def read_notebook(path: Path | str | None) -> NotebookNode:
    """Read and validate a submitted notebook (any nbformat 4 minor, or 3 converted)."""
    if path is None:
        raise InvalidNotebook("no notebook was submitted")
    path = Path(path)
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise InvalidNotebook(f"the file is {path.stat().st_size / 1e6:.0f} MB; notebooks "
                                  f"over {MAX_NOTEBOOK_BYTES / 1e6:.0f} MB are not graded "
                                  "(clear the outputs before submitting)")
        raw = path.read_bytes()
    except InvalidNotebook:
        raise
    except OSError as exc:
        raise InvalidNotebook(f"cannot read the file: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise InvalidNotebook("the file is empty (0 bytes of notebook): it was probably not "
                              "saved before uploading")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidNotebook("the file is not text (not UTF-8): it is not a .ipynb notebook "
                              "saved by Jupyter") from exc
    try:
        data = json.loads(text)
    except RecursionError:
        raise InvalidNotebook("the file is JSON nested deeper than any notebook: it is not a "
                              "Jupyter notebook") from None
    except json.JSONDecodeError as exc:
        raise InvalidNotebook(f"the file is not valid JSON ({exc.msg} at line {exc.lineno}, "
                              f"column {exc.colno}): it is damaged or was cut short; open it in "
                              "Jupyter, save it and submit again") from exc
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise InvalidNotebook("the file is JSON but not a Jupyter notebook (it has no cells)")
    major = data.get("nbformat")
    if major not in (3, 4):
        raise InvalidNotebook(f"the file is not a Jupyter notebook of a known version "
                              f"(nbformat {major!r})")
    try:
        nb = nbformat.reads(text, as_version=4, capture_validation_error={})
        nb = nbformat.from_dict(nbformat.validator.normalize(nb, strip_invalid_metadata=True)[1])
        _ensure_cell_ids(nb)
        nbformat.validate(nb)
    except (nbformat.ValidationError, KeyError, TypeError, AttributeError, ValueError,
            RecursionError) as exc:
        raise InvalidNotebook(f"the notebook does not follow the notebook format: "
                              f"{_short(exc)}") from exc
    return nb


def _short(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__


def _ensure_cell_ids(nb: NotebookNode) -> None:
    """Upgrade to nbformat 4.5 (cell ids), giving ids to cells without one."""
    seen: set[str] = set()
    nb.nbformat_minor = max(int(nb.get("nbformat_minor", 0)), 5)
    for cell in nb.cells:
        cid = cell.get("id")
        if not isinstance(cid, str) or not cid or cid in seen:
            cid = generate_corpus_id()
            cell["id"] = cid
        seen.add(cid)


@dataclass
class Sanitized:
    notebook: NotebookNode
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)   # solution cells still raising
    suspicious: list[str] = field(default_factory=list)   # suspicious_code's notes
    suspicious_at: list[int] = field(default_factory=list)   # the cell index of each


def sanitize(nb: NotebookNode, ref: Reference) -> Sanitized:
    """A gradable copy of ``nb`` (see the module docstring) and what was changed."""
    nb = copy.deepcopy(nb)
    out = Sanitized(nb)
    _clear_outputs(nb)
    _deduplicate(nb, out)
    _overwrite(nb, ref, out)
    _add_missing(nb, ref, out)
    nb.metadata["kernelspec"] = copy.deepcopy(ref.notebook.metadata.get("kernelspec", {}))
    if "language_info" in ref.notebook.metadata:
        nb.metadata["language_info"] = copy.deepcopy(ref.notebook.metadata["language_info"])
    nb.metadata.setdefault("language_info", {"name": "python"})
    out.todo = not_implemented(nb)
    # what tampering did is seen while the notebook runs (autograder.grade.integrity); this static
    # look is kept for a notebook that could not run to the end
    found = suspicious_notes(nb)
    out.suspicious = [note for _index, note in found]
    out.suspicious_at = [index for index, _note in found]
    _ensure_cell_ids(nb)
    return out


def _clear_outputs(nb: NotebookNode) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)


def _deduplicate(nb: NotebookNode, out: Sanitized) -> None:
    seen: set[str] = set()
    for cell in reversed(nb.cells):
        gid = grade_id_of(cell)
        if gid is None:
            continue
        if gid in seen:
            cell.metadata["nbgrader"] = {}
            out.notes.append(_("cell '{grade_id}' appeared more than once; the last copy was "
                               "graded").format(grade_id=gid))
        seen.add(gid)


def _set_type(cell: NotebookNode, cell_type: str) -> None:
    cell.cell_type = cell_type
    if cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def _overwrite(nb: NotebookNode, ref: Reference, out: Sanitized) -> None:
    known = ref.cells_by_id()
    lang = notebook_language(nb.metadata)
    for cell in nb.cells:
        gid = grade_id_of(cell)
        if gid is None:
            if "nbgrader" in cell.metadata:
                del cell.metadata["nbgrader"]
            continue
        source_cell = known.get(gid)
        if source_cell is None:
            del cell.metadata["nbgrader"]
            out.notes.append(_("cell '{grade_id}' is not part of the assignment; graded as a "
                               "plain cell").format(grade_id=gid))
            continue
        if cell.cell_type != source_cell.cell_type:
            out.notes.append(_("cell '{grade_id}' had been turned into {got}; turned back into "
                               "{wanted}").format(grade_id=gid, got=cell.cell_type,
                                                  wanted=source_cell.cell_type))
            _set_type(cell, source_cell.cell_type)
        as_released = _matches_its_checksum(cell)   # before its metadata is replaced
        cell.metadata["nbgrader"] = copy.deepcopy(nbgrader_meta(source_cell))
        for key in ("editable", "deletable"):
            if key in source_cell.metadata:
                cell.metadata[key] = source_cell.metadata[key]
        wanted = text_in(source_cell, lang)
        if is_locked(source_cell) and cell.source != wanted:
            edited = (cell.source != ref.release_sources().get(gid)
                      and cell.source not in versions(source_cell))
            cell.source = wanted
            if not edited:  # as released: only the hidden tests come back
                continue
            if as_released:   # an earlier release's text: replaced, not flagged
                out.notes.append((_("test cell '{grade_id}' is from an earlier release of the "
                                    "assignment; graded with the current one")
                                  if ref.grade_cell(gid)
                                  else _("read-only cell '{grade_id}' is from an earlier "
                                         "release of the assignment; replaced by the current "
                                         "one")).format(grade_id=gid))
                continue
            out.notes.append((_("test cell '{grade_id}' had been edited; restored from the "
                                "assignment") if ref.grade_cell(gid)
                              else _("read-only cell '{grade_id}' had been edited; restored "
                                     "from the assignment")).format(grade_id=gid))
            if EDITED not in out.flags:
                out.flags.append(EDITED)


def _matches_its_checksum(cell: NotebookNode) -> bool:
    """The cell's text is the one the checksum in its metadata was computed from: a release
    wrote it so (nbgrader's checksum of the text, type, grade id and points). A student who
    got the assignment before a later release changed a test has that test's earlier text:
    not an edit. (Anyone can compute a checksum, so this is no proof against a student who
    edits a test on purpose; the test is replaced by the current one all the same.)"""
    try:
        return cell.metadata["nbgrader"]["checksum"] == compute_checksum(cell)
    except Exception:  # noqa: BLE001 - no checksum, or metadata it cannot be computed from
        return False


def _add_missing(nb: NotebookNode, ref: Reference, out: Sanitized) -> None:
    """Put back deleted locked cells (tests included) after their nearest present predecessor
    in the source order."""
    present = {gid for c in nb.cells if (gid := grade_id_of(c))}
    order = [grade_id_of(c) for c in ref.notebook.cells if grade_id_of(c)]
    known = ref.cells_by_id()
    lang = notebook_language(nb.metadata)
    for pos, gid in enumerate(order):
        source_cell = known[gid]
        if gid in present or not is_locked(source_cell):
            continue
        new = copy.deepcopy(source_cell)
        new["id"] = generate_corpus_id()
        new.source = text_in(source_cell, lang)
        new.metadata.pop(TRANSLATIONS, None)
        if new.cell_type == "code":
            new.outputs = []
            new.execution_count = None
        index = 0
        for prev in reversed(order[:pos]):
            if prev in present:
                index = 1 + max(i for i, c in enumerate(nb.cells) if grade_id_of(c) == prev)
                break
        nb.cells.insert(index, new)
        present.add(gid)
        out.notes.append((_("test cell '{grade_id}' had been deleted; put back from the "
                            "assignment") if ref.grade_cell(gid)
                          else _("read-only cell '{grade_id}' had been deleted; put back from "
                                 "the assignment")).format(grade_id=gid))


def not_implemented(nb: NotebookNode) -> list[str]:
    """Grade ids (or ``cell N``) of solution cells that still ``raise NotImplementedError``."""
    todo = []
    for i, cell in enumerate(nb.cells):
        if not nbgrader_meta(cell).get("solution") or cell.cell_type != "code":
            continue
        if any(line.strip().startswith("raise NotImplementedError")
               for line in cell.source.splitlines()):
            todo.append(grade_id_of(cell) or f"cell {i + 1}")
    return todo


_PROTECTED = {"np", "numpy", "course_lib", "checks", "isolation", "builtins", "math"}


def suspicious_code(nb: NotebookNode) -> list[str]:
    """Notes about student cells that rebind functions of numpy or the course's checks
    (``np.allclose = lambda *a, **k: True`` would make every test pass)."""
    return [note for _index, note in suspicious_notes(nb)]


def suspicious_notes(nb: NotebookNode) -> list[tuple[int, str]]:
    """:func:`suspicious_code`'s notes with the index of the cell each is about."""
    notes = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or is_locked(cell):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id == "setattr" and node.args):
                targets = [ast.Attribute(value=node.args[0], attr="?")]
            for target in targets:
                base = target
                while isinstance(base, ast.Attribute):
                    base = base.value
                if (isinstance(target, ast.Attribute) and isinstance(base, ast.Name)
                        and base.id in _PROTECTED):
                    notes.append((i, _("cell {number} reassigns {target}: tests may not be "
                                       "trustworthy for this submission").format(
                                           number=i + 1, target=ast.unparse(target))))
    return notes


def copied_names(nb: NotebookNode, graded: set[str]) -> list[str]:
    """The graded names that solution cells take from course_lib: ``from course_lib.m import
    name``, or ``module.name`` for a course_lib module they imported. Read from the code
    alone (a kernel holding the student edition has no reference to take: this says why
    those functions earn nothing)."""
    found: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code" or not is_solution(cell):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        modules = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules |= {(a.asname or a.name.split(".")[0]) for a in node.names
                            if a.name.split(".")[0] == "course_lib"}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_lib"):
                for a in node.names:
                    if a.name in graded:
                        found.append(a.name)
                    else:
                        modules.add(a.asname or a.name)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in graded
                    and isinstance(node.value, ast.Name) and node.value.id in modules):
                found.append(node.attr)
    return list(dict.fromkeys(found))
