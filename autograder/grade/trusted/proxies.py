"""The student's functions, classes and objects as the grader's tests see them: proxies.

A test runs in the grader with these in place of the student's names: calling
``propagate(w, b, X, Y)`` sends the arguments to the kernel and returns what came back, as
plain data (:mod:`autograder.grade.trusted.wire`). Constructing ``Dense(W, b, "relu")`` leaves the
object in the kernel and returns a :class:`RemoteObject`, whose attributes are read, written
and called the same way. numpy's legacy global generator is shared:
its state travels with a call whenever it changed on the sending side (a test's
``np.random.seed(2)`` seeds the student's ``np.random.randn``; what the student drew is
drawn in the grader too). Arguments the student's code changed in place are changed in the
grader as well (a test that checks "w must not change" still sees the change). Attributes
read from an object of the student's are copies: a test assigns them (``layer.w = ...``)
rather than changing them in place (``layer.w.fill(0)`` would change the copy only).

Each change is noted with the argument as it was sent (:attr:`Channel.changes`): a test
that passed on arguments its student code changed is run again with the changes undone and
not written back (:mod:`autograder.grade.trusted.runner`), since a test that computes its
expected values, or differentiates, after the call would have done so on what the student's
code made of its data (a red team's ``predict`` that set ``X`` to ones, then returned the
zeros the course's ``predict`` gives for them). A generator's state is not a change: drawing
from one is what it is given for.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograder.grade.trusted import wire
from autograder.grade.trusted.channel import CallFailed, Channel
from autograder.messages import _


def call(channel: Channel, target: dict, args: tuple, kwargs: dict) -> Any:
    """Call the student's ``target`` ({"name": ...} or {"handle": n, "method": ...})."""
    sent_args, sent_kwargs = list(args), dict(kwargs)
    random = channel.random   # numpy's legacy generator, as the kernel last had it
    sent = (wire.encode(sent_args, channel.handle_of), wire.encode(sent_kwargs, channel.handle_of))
    answer = channel.request({
        "op": "call", **target, "args": sent[0], "kwargs": sent[1],
        "rng": wire.encode(random.take()) if random.moved() else None})
    if answer.get("rng") is not None:
        try:
            state = _legacy_state(wire.decode(answer["rng"]))
            np.random.set_state(state)
        except (TypeError, ValueError, KeyError) as error:
            raise CallFailed(_("the kernel's random state came back malformed ({error})").format(
                error=error)) from None
        random.remember(np.random.get_state())
    changed = answer.get("changed")
    if type(changed) is list and len(changed) == 2 and channel.write_backs:
        for before, as_sent, after in zip((sent_args, sent_kwargs), sent, changed, strict=True):
            if after is not None and write_back(before, wire.decode(after, channel.resolve)):
                name = target.get("method") or target.get("name") or ""
                channel.changes.append((name, before, as_sent))
    try:
        return wire.decode(answer.get("value"), channel.resolve)
    except wire.NotPlainData as what:
        name = target.get("method") or target.get("name") or _("the call")
        raise wire.NotPlainData(_("{name} returned {what}, not plain data (numbers, strings, "
                                  "lists, tuples, dicts, numpy arrays)").format(
            name=name, what=what)) from None


def _legacy_state(state: Any) -> tuple:
    """``state`` if it is a state numpy's legacy generator can draw from, else ValueError:
    numpy takes a position past the key, an all-zero key or a nan cached Gaussian, and the
    grader would then crash or loop in its next draw (a red team's finding)."""
    if not (type(state) is tuple and len(state) == 5 and state[0] == "MT19937"):
        raise ValueError("not a MT19937 state")
    _, key, position, has_gauss, cached = state
    if not (isinstance(key, np.ndarray) and key.shape == (624,) and key.dtype.kind in "iu"
            and key.any() and ((key >= 0) & (key < 2**32)).all()):
        raise ValueError("a key that is not 624 words of 32 bits, not all zero")
    if not (type(position) is int and 0 <= position <= 624 and has_gauss in (0, 1)
            and type(cached) is float and math.isfinite(cached)):
        raise ValueError("a position, or cached Gaussian, out of range")
    return state


def write_back(original: Any, changed: Any) -> bool:
    """Make ``original`` (an argument of the grader's) what the student's code changed its
    copy into, in place: arrays, dicts, lists and generators, recursively. Whether anything
    but a generator's state changed."""
    if isinstance(original, np.ndarray) and isinstance(changed, np.ndarray):
        if original.shape != changed.shape or not original.flags.writeable:
            return False
        differs = not np.array_equal(original, changed, equal_nan=True)
        np.copyto(original, changed, casting="unsafe")
        return differs
    if isinstance(original, dict) and isinstance(changed, dict):
        differs = False
        for key in [k for k in original if k not in changed]:
            del original[key]
            differs = True
        for key, value in changed.items():
            if key in original and _same_kind(original[key], value):
                differs = write_back(original[key], value) or differs
            else:
                differs = differs or key not in original or not _equal(original[key], value)
                original[key] = value
        return differs
    if isinstance(original, list) and isinstance(changed, list):
        if len(original) != len(changed):
            original[:] = changed
            return True
        differs = False
        for i, value in enumerate(changed):
            if _same_kind(original[i], value):
                differs = write_back(original[i], value) or differs
            else:
                differs = differs or not _equal(original[i], value)
                original[i] = value
        return differs
    if isinstance(original, np.random.Generator) and isinstance(changed, np.random.Generator):
        original.bit_generator.state = changed.bit_generator.state
    return False


def undo_changes(channel: Channel) -> None:
    """Make the test's arguments that the student's code changed what they were when they
    were sent (latest change first), and forget the changes."""
    for _name, argument, as_sent in reversed(channel.changes):
        write_back(argument, wire.decode(as_sent, channel.resolve))
    channel.changes.clear()


def _equal(a: Any, b: Any) -> bool:
    """Two values of plain data are the same (kinds that differ are not; nan equals nan)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and bool(
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, float) and a != a:
        return b != b
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


def _same_kind(a: Any, b: Any) -> bool:
    return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
            or type(a) in (dict, list) and type(a) is type(b)
            or isinstance(a, np.random.Generator) and isinstance(b, np.random.Generator))


class RemoteFunction:
    """A function of the student's notebook."""

    def __init__(self, channel: Channel, name: str):
        self._channel, self.__name__ = channel, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return call(self._channel, {"name": self.__name__}, args, kwargs)

    def __repr__(self) -> str:
        return _("<your {name}>").format(name=self.__name__)

    def __deepcopy__(self, memo: dict) -> RemoteFunction:
        return self


class RemoteClass(RemoteFunction):
    """A class of the student's notebook: calling it makes an object in the kernel."""


class RemoteObject:
    """An object of the student's that stays in their kernel."""

    def __init__(self, channel: Channel, number: int):
        object.__setattr__(self, "_remote_channel", channel)
        object.__setattr__(self, "_remote_number", number)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name.startswith("_remote"):
            raise AttributeError(name)
        answer = self._remote_channel.request(
            {"op": "getattr", "handle": self._remote_number, "name": name})
        value = answer.get("value")
        if type(value) is dict and set(value) == {"$method"}:
            return RemoteMethod(self, name)
        return wire.decode(value, self._remote_channel.resolve)

    def __setattr__(self, name: str, value: Any) -> None:
        channel = self._remote_channel
        channel.request({"op": "setattr", "handle": self._remote_number, "name": name,
                         "value": wire.encode(value, channel.handle_of)})

    def __repr__(self) -> str:
        return _("<your object #{number}>").format(number=self._remote_number)

    def __deepcopy__(self, memo: dict) -> RemoteObject:
        return self


_classes: dict[str, type] = {}


def proxy_class(name: str) -> type:
    """A subclass of RemoteObject named like the student's class (messages such as "is a
    Dense but expected a numpy array" read as they would in Jupyter)."""
    name = name if name.isidentifier() else "object"
    if name not in _classes:
        _classes[name] = type(name, (RemoteObject,), {"__module__": "__main__"})
    return _classes[name]


class RemoteMethod:
    """A method of an object of the student's."""

    def __init__(self, owner: RemoteObject, name: str):
        self._owner, self.__name__ = owner, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        owner = self._owner
        return call(owner._remote_channel, {"handle": owner._remote_number,
                                            "method": self.__name__}, args, kwargs)
