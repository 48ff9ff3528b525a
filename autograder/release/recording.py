"""Recording a notebook's calls to reference code, at release time, for the student edition.

Runs inside the kernel that executes an instructor notebook once, with the reference solutions
(hidden tests left out). :func:`install` wraps every reference callable the student edition
must not ship: each outermost call (not the calls reference code makes inside) is kept as data,
its bound arguments and what came back (``course_lib.recorded`` reads it back in the edition).
``reference_for`` and ``reference_if_wrong`` are the edition's (the notebook's own functions,
the reference solutions here), so the notebook runs as it will in the edition.
Classes are recorded method by method, with the object's attributes before and after. Every
``explain_mistakes`` block also records the outcomes of the catalogued mistakes and of the
reference on its inputs, so the edition can name a mistake without the mistakes' code
(their hints in every language: the edition has no ``mistakes`` catalogue).
:meth:`Recorder.dump` writes ``<module>.json`` + ``<module>.npz`` and ``_mistakes.json/.npz``.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from course_lib import edition
from course_lib.diagnosis import _expression_name  # the same names the live diagnosis gives
from course_lib.edition import block_key
from course_lib.language import LANGUAGES, translate
from course_lib.mistakes import Mistake
from course_lib.recorded import Codec, rng_digest


class Recorder:
    """Wraps the reference callables ``targets`` ("module:name") and keeps their calls."""

    def __init__(self, assignment: str, targets: list[str], prefix: str = ""):
        self.assignment = assignment
        self.targets = targets
        self.prefix = prefix
        self.codecs: dict[str, Codec] = {}
        self.records: dict[str, list[dict[str, Any]]] = {}
        self.blocks: list[dict[str, Any]] = []
        self.block_codec = Codec(prefix=f"{prefix}mistakes.")
        self.depth = 0
        self.seeded_first: bool | None = None   # of the outermost recorded call under way
        self._call_start = ""

    # -------------------------------------------------------------------- wrapping
    def install(self) -> Recorder:
        wrapped: dict[int, Callable[..., Any]] = {}
        for target in self.targets:
            module_name, _, name = target.partition(":")
            obj = getattr(importlib.import_module(module_name), name)
            if isinstance(obj, type):
                self._wrap_class(module_name, obj)
            else:
                wrapped[id(obj)] = self._wrap_function(module_name, name, obj)
        for module in [m for n, m in sys.modules.items() if n.startswith("course_lib")]:
            for attr, value in list(vars(module).items()):
                if id(value) in wrapped:
                    setattr(module, attr, wrapped[id(value)])
        np.random.seed = self._seed_watch(np.random.seed)
        diagnosis = importlib.import_module("course_lib.diagnosis")
        diagnosis.explain_mistakes = self._explaining(diagnosis.explain_mistakes)
        isolation = importlib.import_module("course_lib.isolation")   # as in the edition
        isolation.reference_for = edition.reference_for
        isolation.reference_if_wrong = edition.reference_if_wrong
        gradient_check = importlib.import_module("course_lib.gradient_check")   # as in the edition
        gradient_check.CHECK_AGAINST_REFERENCE = False
        return self

    def _seed_watch(self, seed: Callable[..., Any]) -> Callable[..., Any]:
        """``np.random.seed`` noting whether a recorded call seeds numpy's global random state
        before drawing from it (its answer then does not depend on the state before it)."""

        @functools.wraps(seed)
        def watched(*args: Any, **kwargs: Any) -> Any:
            if self.depth and self.seeded_first is None:
                self.seeded_first = rng_digest() == self._call_start
            return seed(*args, **kwargs)

        return watched

    @contextlib.contextmanager
    def _inside(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def _record(self, module: str, name: str, call: Callable[[], Any], arguments: dict[str, Any],
                obj: Any = None) -> Any:
        codec = self.codecs.setdefault(module, Codec(prefix=f"{self.prefix}{module}."))
        record: dict[str, Any] = {"name": name, "args": codec.encode(arguments)}
        if obj is not None and "." in name:
            record["state"] = codec.encode(dict(vars(obj)))
        before = self._call_start = rng_digest()
        self.seeded_first = None
        try:
            with self._inside():
                result = call()
        except Exception as error:
            record["raised"] = codec.encode(error)
            raise
        finally:
            if rng_digest() != before:
                record["rng"] = {"before": before, "after": codec.encode(np.random.get_state()),
                                 "seeded": bool(self.seeded_first)}
            record["generators"] = [[k, v.bit_generator.state] for k, v in arguments.items()
                                    if isinstance(v, np.random.Generator)]
            if obj is not None:
                record["state_after"] = codec.encode(dict(vars(obj)))
            self.records.setdefault(module, []).append(record)
        record["result"] = codec.encode(result)
        return result

    def _wrap_function(self, module: str, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            if self.depth:
                return fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return self._record(module, name, lambda: fn(*args, **kwargs), dict(bound.arguments))

        return recorded

    def _wrap_class(self, module: str, cls: type) -> None:
        for attr, fn in list(vars(cls).items()):
            if not inspect.isfunction(fn) or (attr.startswith("__") and attr != "__init__"):
                continue
            setattr(cls, attr, self._wrap_method(module, cls, attr, fn))

    def _wrap_method(self, module: str, cls: type, attr: str, fn: Callable[..., Any]
                     ) -> Callable[..., Any]:
        signature = inspect.signature(fn)
        name = cls.__name__ if attr == "__init__" else f"{cls.__name__}.{attr}"

        @functools.wraps(fn)
        def recorded(obj: Any, *args: Any, **kwargs: Any) -> Any:
            if self.depth or type(obj) is not cls:
                return fn(obj, *args, **kwargs)
            bound = signature.bind(obj, *args, **kwargs)
            bound.apply_defaults()
            arguments = {k: v for k, v in bound.arguments.items() if k != "self"}
            return self._record(module, name, lambda: fn(obj, *args, **kwargs), arguments, obj)

        return recorded

    # ----------------------------------------------------------- mistakes' outcomes
    def _explaining(self, original: Callable[..., Any]) -> Callable[..., Any]:
        @contextlib.contextmanager
        def explain_mistakes(namespace: Any, cell: str, *args: Any, probe: Any = None,
                             reference: Any = None, **kwargs: Any) -> Iterator[None]:
            state = np.random.get_state()
            try:
                with self._inside():
                    self.blocks.append(self._block(namespace, cell, args, kwargs, probe,
                                                   reference))
            finally:
                np.random.set_state(state)   # the probes must not change what the test sees
            with original(namespace, cell, *args, probe=probe, reference=reference, **kwargs):
                yield

        return explain_mistakes

    def _block(self, namespace: Any, cell: str, args: tuple[Any, ...], kwargs: dict[str, Any],
               probe: Any, reference: Any) -> dict[str, Any]:
        from course_lib import diagnosis
        from course_lib.mistakes import catalogue

        codec = self.block_codec
        run = probe if probe is not None else diagnosis.default_probe(*args, **kwargs)
        mistakes = [m for m in catalogue(self.assignment) if m.cell == cell]
        if reference is None:
            reference = diagnosis._course_reference(cell, mistakes) or namespace.get(cell)
        block = {"assignment": self.assignment, "cell": cell,
                 **block_key(codec, probe, args, kwargs),
                 "reference": _outcome(codec, diagnosis._run(run, reference)), "mistakes": []}
        for mistake in mistakes:
            try:
                wrong = diagnosis._instantiate(mistake, namespace)
            except Exception:  # noqa: BLE001 - as diagnosis does: a broken entry is skipped
                continue
            block["mistakes"].append({
                "name": mistake.name, "hint": hints(mistake),
                "skeleton": skeleton(mistake.source, cell),
                "outcome": _outcome(codec, diagnosis._run(run, wrong))})
        return block

    # ---------------------------------------------------------------------- output
    def dump(self, folder: Path | str) -> list[str]:
        """Write the recordings into ``folder``; the file names written."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for module, records in self.records.items():
            short = module.rpartition(".")[2]
            _write(folder / short, records, self.codecs[module])
            written.append(short)
        _write(folder / "_mistakes", self.blocks, self.block_codec)
        return written


def hints(mistake: Mistake) -> dict[str, str]:
    """The mistake's hint in every language of the course, ``{"en": ..., "zh-CN": ...}``: the
    edition shows the one of the language of the moment (it has no ``mistakes`` catalogue)."""
    return {lang: translate(mistake.hint, "mistakes", lang=lang) for lang in LANGUAGES}


def _outcome(codec: Codec, outcome: tuple[bool, Any]) -> dict[str, Any]:
    return {"ran": bool(outcome[0]), "value": codec.encode(outcome[1])}


def _write(stem: Path, data: Any, codec: Codec) -> None:
    stem.with_suffix(".json").write_text(json.dumps(data))
    np.savez_compressed(stem.with_suffix(".npz"), **codec.arrays)


def skeleton(source: str, cell: str) -> str:
    """The parts of a mistake's source that name its outputs, and nothing it computes:
    ``def propagate(w, b, X, Y):`` and, when it returns a tuple, ``return grads, cost``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    function = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == cell),
                    None)
    if function is None:
        return ""
    parameters = ", ".join(a.arg for a in function.args.posonlyargs + function.args.args)
    lines = [f"def {cell}({parameters}):"]
    returns = [n for n in ast.walk(function) if isinstance(n, ast.Return)]
    names = [_expression_name(e) for e in returns[-1].value.elts] if returns and isinstance(
        returns[-1].value, ast.Tuple) else []
    lines.append(f"    return {', '.join(n or 'None' for n in names)}" if names else "    pass")
    return "\n".join(lines) + "\n"


def install(assignment: str, targets: list[str], prefix: str = "") -> Recorder:
    """Start recording the calls to ``targets`` in this process (the recording kernel);
    ``prefix`` keeps the array names of several notebooks of one assignment apart."""
    return Recorder(assignment, targets, prefix).install()
