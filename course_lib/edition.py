"""The student edition's test helpers: name the mistake, isolate a test, without reference code.

In the student edition of an assignment (``python -m autograder release``), the modules
:mod:`course_lib.diagnosis` and :mod:`course_lib.isolation` end by binding these versions:

* :func:`explain_mistakes` names a catalogued mistake from its outcome on the test's inputs,
  recorded at release (``_answers/_mistakes.json``): the mistakes' code is not shipped, and
  the comparison is :func:`course_lib.diagnosis.matching_outcome` (data against data). The
  hints are recorded in every language (the ``mistakes`` catalogue is not shipped either).
* :func:`reference_for` and :func:`reference_if_wrong` cannot put the course's reference
  implementations into the notebook (they are not shipped): the test runs the student's own
  functions, and a failure says which of them it ran, so that a test of ``optimize`` that fails
  because ``propagate`` is wrong points to ``propagate`` first. The grader isolates each
  function (one mistake costs only its own points); a visible test on a student's machine does
  not.

The instructor's library does not use this module.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np

from course_lib import language
from course_lib.checks import CheckFailed
from course_lib.language import _
from course_lib.recorded import ANSWERS_DIR, Codec, same_data

__all__ = ["explain_mistakes", "reference_for", "reference_if_wrong"]


@lru_cache(maxsize=1)
def _recorded_blocks() -> tuple[tuple[dict[str, Any], ...], Codec]:
    """Every recorded ``explain_mistakes`` block of the notebook, and the codec of its data."""
    path = ANSWERS_DIR / "_mistakes.json"
    if not path.exists():
        return (), Codec()
    with np.load(ANSWERS_DIR / "_mistakes.npz", allow_pickle=False) as arrays:
        codec = Codec({k: arrays[k] for k in arrays.files})
    return tuple(json.loads(path.read_text())), codec


def block_key(codec: Codec, probe: Callable[..., Any] | None, args: tuple[Any, ...],
              kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """What identifies an ``explain_mistakes`` block of a test: its inputs, or its probe's
    name and default arguments (``lambda cls, a=activation: ...`` in a loop)."""
    if probe is None:
        return {"probe": None, "args": codec.encode(list(args)), "kwargs": codec.encode(kwargs)}
    code = getattr(probe, "__code__", None)
    return {"probe": {"name": getattr(code, "co_name", ""),
                      "defaults": codec.encode(list(getattr(probe, "__defaults__", None) or ()))},
            "args": [], "kwargs": {"$dict": []}}


def _same_block(block: dict[str, Any], codec: Codec, key: dict[str, Any], live: Codec) -> bool:
    if (block["probe"] is None) != (key["probe"] is None):
        return False
    if key["probe"] is not None:
        return (block["probe"]["name"] == key["probe"]["name"] and same_data(
            block["probe"]["defaults"], codec.arrays, key["probe"]["defaults"], live.arrays))
    return (same_data(block["args"], codec.arrays, key["args"], live.arrays)
            and same_data(block["kwargs"], codec.arrays, key["kwargs"], live.arrays))


def recorded_hint(hint: str | Mapping[str, str]) -> str:
    """A recorded hint in the language of the moment (English when it has none in that
    language): the release records it in every language, ``{"en": ..., "zh-CN": ...}``; an
    older recording holds the English text alone."""
    if isinstance(hint, str):
        return hint
    return hint.get(language.current()) or hint[language.DEFAULT]


def _outcome(data: dict[str, Any] | None, codec: Codec) -> tuple[bool, Any] | None:
    return None if data is None else (bool(data["ran"]), codec.decode(data["value"]))


def _diagnose(namespace: Mapping[str, Any], cell: str, probe: Callable[[Any], Any],
              key: dict[str, Any], live: Codec) -> Any:
    from course_lib import diagnosis  # diagnosis (student edition) binds this module's names
    from course_lib.mistakes import Mistake

    student = namespace.get(cell)
    if student is None:
        return None
    blocks, codec = _recorded_blocks()
    found_any = [b for b in blocks if b["cell"] == cell and _same_block(b, codec, key, live)]
    if not found_any:
        return None
    outcome = diagnosis._run(probe, student)
    for block in found_any:
        mistakes = [(Mistake(block["assignment"], cell, m["name"], recorded_hint(m["hint"]),
                             m["skeleton"], whole_cell=True), _outcome(m["outcome"], codec))
                    for m in block["mistakes"]]
        found = diagnosis.matching_outcome(outcome, _outcome(block["reference"], codec), mistakes)
        if found is not None:
            return found
    return None


@contextmanager
def explain_mistakes(
    namespace: MutableMapping[str, Any],
    cell: str,
    *args: Any,
    probe: Callable[[Any], Any] | None = None,
    reference: Any = None,
    **kwargs: Any,
) -> Iterator[None]:
    """Run a test; if it fails, add the hint of the catalogued mistake the student's ``cell``
    matches (if any), as :func:`course_lib.diagnosis.explain_mistakes` does.

    Student edition: the mistakes' outcomes on these inputs were recorded at release (the
    block is found by its inputs, or by its probe's name and defaults); ``reference`` is
    ignored (the reference's outcome is recorded too). A block the notebook did not have at
    release names no mistake.
    """
    from course_lib import diagnosis

    live = Codec(prefix="live")
    key = block_key(live, probe, args, kwargs)
    run = probe if probe is not None else diagnosis.default_probe(*args, **kwargs)
    try:
        yield
    except Exception as failure:
        found = _diagnose(namespace, cell, run, key, live)
        if found is None:
            raise
        raise diagnosis.named_failure(failure, *found) from (
            None if isinstance(failure, AssertionError) else failure)


def _own_note(namespace: Mapping[str, Any], names: list[str], role: str) -> str:
    own = [n for n in names if n in namespace]
    if not own:
        return ""
    if len(own) == 1:
        note = _("Note: {role} uses your own {names} (the grader uses the course's, so there "
                 "only this test's function costs points): if a test of it fails, fix that "
                 "first.")
    else:
        note = _("Note: {role} uses your own {names} (the grader uses the course's, so there "
                 "only this test's function costs points): if a test of one of them fails, "
                 "fix that first.")
    return note.format(role=role, names=", ".join(own))


@contextmanager
def _noting(note: str) -> Iterator[None]:
    try:
        yield
    except AssertionError as failure:
        if not note:
            raise
        raise CheckFailed(f"{failure}\n{note}") from failure.__cause__
    except Exception as failure:
        if note and hasattr(failure, "add_note"):
            failure.add_note(note)
        raise


@contextmanager
def reference_for(
    namespace: MutableMapping[str, Any], *names: str, module: Any
) -> Iterator[None]:
    """Student edition: the test runs YOUR OWN ``names`` (the course's reference versions are
    not in the student edition); a failure says so and to fix those functions first.

    In the grader (and in the instructor's library) ``names`` are bound to the course's
    reference implementations for the duration of the test, so that a wrong ``propagate`` does
    not cost the points of ``optimize``. Here nothing is rebound. ValueError, as in the
    instructor's library, when no name is given.
    """
    if not names:
        raise ValueError("reference_for needs at least one name to replace")
    with _noting(_own_note(namespace, list(names), _("this test"))):
        yield


@contextmanager
def reference_if_wrong(
    namespace: MutableMapping[str, Any],
    calls: Mapping[str, tuple[Any, ...]],
    module: Any,
) -> Iterator[list[str]]:
    """Student edition: yields [] and runs YOUR OWN functions named in ``calls`` (the course's
    are not in the student edition); a failure says so and to fix those functions first.

    In the grader the names whose student version is wrong on ``calls`` are replaced by the
    course's for the duration of the block (the numerical side of a gradient check).
    """
    with _noting(_own_note(namespace, list(calls), _("the numerical side of this check"))):
        yield []


def numerical_side(own: Any, course: Any, own_is_right: bool, name: str) -> Any:
    """Student edition: always YOUR OWN ``own`` (the course's version here is a recording that
    answers only the test's own point, not the points a gradient check moves to); when it is
    wrong, says so and to fix it first.

    In the grader a wrong one is replaced by the course's for the check."""
    if own_is_right:
        print(_("numerical side: your {name}").format(name=name))
    else:
        print(_("numerical side: your {name}, which does not give the course's result yet (its "
                "own test says how). The course's is not in your edition, so this check "
                "differentiates yours: fix it first. (The grader differentiates the course's: "
                "there only this test's function costs points.)").format(name=name))
    return own
