"""Recorded answers: what course_lib's reference code returned, kept as data (never as code).

The student edition of an assignment (``python -m autograder release``) does not hold the
reference implementation of any function graded in that assignment or a later one. Where a
released notebook still calls one (``ref.propagate(w, b, X, Y)`` for a visible test's
expected value, ``published_runs.seed002_trace()`` for a documented run), the edition's module
holds a stand-in that answers from a recording made at release time, when the notebook ran
once with the reference solutions: the arguments of each call and what came back, as JSON with
the arrays in a ``.npz`` file (read with ``allow_pickle=False``).

A call is answered when its arguments match a recorded call's by structure and closeness (not
bytes: another machine's BLAS may round the last bit differently); a reference class is
replayed method by method from the object's attributes before the call. Anything else raises
:class:`NotInEdition`: the stand-in answers only the calls the notebook makes.

Encoded values: JSON numbers, strings, booleans, null and lists as themselves; everything else
a one-key object: ``{"$array": key}``, ``{"$tuple": [...]}``, ``{"$dict": [[k, v], ...]}``,
``{"$object": "module:Class", ...}``, ``{"$function": "module:name"}``, ``{"$error": ...}``.
"""

from __future__ import annotations

import builtins
import hashlib
import importlib
import json
import math
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from course_lib.language import _

__all__ = ["Answers", "Codec", "NotInEdition", "RecordedObject", "answers_for", "edition_info",
           "rng_digest"]

#: closeness of recorded and live arguments (far below any test's tolerance)
RTOL, ATOL = 1e-7, 1e-10
ANSWERS_DIR = Path(__file__).resolve().parent / "_answers"
_MAX_DEPTH = 30


class NotInEdition(RuntimeError):
    """A reference function of the student edition was called with inputs it has no answer for."""


# ------------------------------------------------------------------------------------ codec

def _qualified(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', type(obj).__name__)}"


def _resolve(name: str) -> Any:
    """The object ``"module:Qual.name"`` names, or None when it cannot be imported."""
    module, _colon, qualname = name.partition(":")
    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj


class Codec:
    """Encodes values as JSON-able data, arrays kept aside in ``arrays`` (key -> ndarray)."""

    def __init__(self, arrays: Mapping[str, np.ndarray] | None = None, prefix: str = "a"):
        self.arrays: dict[str, np.ndarray] = dict(arrays or {})
        self._prefix = prefix

    def _store(self, array: np.ndarray) -> str:
        key = f"{self._prefix}{len(self.arrays)}"
        self.arrays[key] = np.array(array, copy=True)
        return key

    def encode(self, value: Any, depth: int = 0) -> Any:
        """JSON-able data for ``value`` (arrays copied into ``self.arrays``)."""
        if depth > _MAX_DEPTH:
            return {"$opaque": "too deep"}
        if isinstance(value, np.generic):   # before float: np.float64 is a float
            if value.dtype.kind in "biufc":
                return {"$scalar": self._store(np.asarray(value))}
            return {"$opaque": type(value).__name__}
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"$float": repr(value)}
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "biufc":
                return {"$array": self._store(np.asarray(value))}
            return {"$opaque": "ndarray"}
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            return {"$named": _qualified(type(value)),
                    "items": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, tuple):
            return {"$tuple": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, list):
            if len(value) > 8 and all(type(v) is float for v in value):   # a cost history
                return {"$floats": self._store(np.array(value, dtype=float))}
            return [self.encode(v, depth + 1) for v in value]
        if isinstance(value, Mapping):
            return {"$dict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                              for k, v in value.items()]}
        if isinstance(value, np.random.Generator):
            return {"$generator": value.bit_generator.state}
        if isinstance(value, BaseException):
            simple = all(isinstance(a, str | int | float) for a in value.args)
            return {"$error": _qualified(type(value)), "name": type(value).__name__,
                    "args": list(value.args) if simple else [str(value)]}
        if isinstance(value, type | types.FunctionType | types.BuiltinFunctionType):
            return {"$function": _qualified(value)}
        if hasattr(value, "__dict__") and not isinstance(value, types.ModuleType):
            return {"$object": _qualified(type(value)), "name": type(value).__name__,
                    "state": self.encode(dict(vars(value)), depth + 1)}
        return {"$opaque": type(value).__name__}

    def decode(self, data: Any) -> Any:
        """The value ``data`` encodes (fresh arrays every time)."""
        if not isinstance(data, dict):
            return [self.decode(v) for v in data] if isinstance(data, list) else data
        tag, body = next(iter(data.items()))
        if tag == "$float":
            return float(body)
        if tag == "$scalar":
            return self.arrays[body][()]
        if tag == "$array":
            return np.array(self.arrays[body], copy=True)
        if tag == "$floats":
            return [float(v) for v in self.arrays[body]]
        if tag == "$tuple":
            return tuple(self.decode(v) for v in body)
        if tag == "$named":
            cls = _resolve(body)
            items = [self.decode(v) for v in data["items"]]
            return cls(*items) if cls is not None else tuple(items)
        if tag == "$dict":
            return {_hashable(self.decode(k)): self.decode(v) for k, v in body}
        if tag == "$generator":
            generator = np.random.Generator(getattr(np.random, body["bit_generator"])())
            generator.bit_generator.state = body
            return generator
        if tag == "$error":
            return _exception(body, data["name"], data["args"])
        if tag == "$function":
            return _resolve(body)
        if tag == "$object":
            return _instance(body, self.decode(data["state"]))
        return None


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def _exception(name: str, short: str, args: list[Any]) -> BaseException:
    cls = _resolve(name) or getattr(builtins, short, None)
    if not (isinstance(cls, type) and issubclass(cls, BaseException)):
        return RuntimeError(*args)
    try:
        return cls(*args)
    except Exception:  # noqa: BLE001 - an exception type with another signature
        return RuntimeError(*args)


def _instance(name: str, state: dict[str, Any]) -> Any:
    cls = _resolve(name)
    if not isinstance(cls, type):
        return types.SimpleNamespace(**state)
    obj = cls.__new__(cls)
    obj.__dict__.update(state)
    return obj


# --------------------------------------------------------------------------------- matching

_NUMERIC_TAGS = ("$array", "$scalar", "$float")


def _numeric(data: Any, arrays: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """The numbers ``data`` encodes as an array, or None when it is not a number/array."""
    if isinstance(data, bool) or data is None:
        return None
    if isinstance(data, int | float):
        return np.asarray(data) if abs(data) < 2**63 else None
    if isinstance(data, dict) and len(data) == 1:
        tag, body = next(iter(data.items()))
        if tag in ("$array", "$scalar", "$floats"):
            return np.asarray(arrays[body])
        if tag == "$float":
            return np.asarray(float(body))
    return None


def same_data(a: Any, a_arrays: Mapping[str, np.ndarray], b: Any,
              b_arrays: Mapping[str, np.ndarray]) -> bool:
    """True when two encoded values agree: same structure, numbers within RTOL/ATOL."""
    x, y = _numeric(a, a_arrays), _numeric(b, b_arrays)
    if x is not None or y is not None:
        if x is None or y is None or x.shape != y.shape:
            return False
        if x.dtype.kind in "fc" or y.dtype.kind in "fc":
            return bool(np.allclose(x, y, rtol=RTOL, atol=ATOL, equal_nan=True))
        return bool(np.array_equal(x, y))
    if _is_floats(a, b) or _is_floats(b, a):
        return same_data(_as_floats(a, a_arrays), {}, _as_floats(b, b_arrays), {})
    if isinstance(a, list) or isinstance(b, list):
        return (isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
                and all(same_data(p, a_arrays, q, b_arrays) for p, q in zip(a, b, strict=True)))
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return type(a) is type(b) and a == b
    (tag, body), (other, other_body) = next(iter(a.items())), next(iter(b.items()))
    if tag != other:
        return False
    if tag == "$dict":
        mine = {json.dumps(k): v for k, v in body}
        theirs = {json.dumps(k): v for k, v in other_body}
        return mine.keys() == theirs.keys() and all(
            same_data(mine[k], a_arrays, theirs[k], b_arrays) for k in mine)
    if tag in ("$tuple", "$named"):
        if tag == "$named" and body != other_body:
            return False
        items = a["items"] if tag == "$named" else body
        other_items = b["items"] if tag == "$named" else other_body
        return same_data(items, a_arrays, other_items, b_arrays)
    if tag == "$object":   # the class by its name: the student's Dense may stand for the course's
        return a["name"] == b["name"] and same_data(a["state"], a_arrays, b["state"], b_arrays)
    if tag == "$error":
        return a["name"] == b["name"] and a["args"] == b["args"]
    return body == other_body


def _is_floats(a: Any, b: Any) -> bool:
    """A short list of floats against a long one kept as an array ("$floats")."""
    return isinstance(a, dict) and "$floats" in a and isinstance(b, list)


def _as_floats(data: Any, arrays: Mapping[str, np.ndarray]) -> list[Any]:
    if isinstance(data, dict):
        return [float(v) for v in arrays[data["$floats"]]]
    return data


def rng_digest() -> str:
    """A digest of numpy's global random state (np.random.seed / np.random.randn)."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    digest = hashlib.sha256(np.asarray(keys).tobytes())
    digest.update(f"{name},{pos},{has_gauss},{cached!r}".encode())
    return digest.hexdigest()[:20]


# ---------------------------------------------------------------------------------- answers

def edition_info() -> dict[str, Any]:
    """What the installed student edition is: {"assignment": ..., ...}; {} for the full
    library (the instructor's)."""
    path = ANSWERS_DIR / "edition.json"
    return json.loads(path.read_text()) if path.exists() else {}


class Answers:
    """The recorded calls of one course_lib module, loaded on first use.

    Records (``<module>.json``): a list of {"name": "propagate" | "FC" | "FC.forward",
    "args": encoded bound arguments, "state": the object's attributes before a method call,
    "result", "state_after", "raised", "rng": {"before": digest, "after": state, "seeded": the
    call seeds before drawing} when the call used numpy's global random state (then answered
    only from that state, unless seeded), "generators": [[argument, state after]]}.
    """

    def __init__(self, module: str):
        self.module = module
        self._records: dict[str, list[dict[str, Any]]] | None = None
        self._codec = Codec()
        self._cursor: dict[str, int] = {}

    def _load(self) -> dict[str, list[dict[str, Any]]]:
        if self._records is None:
            short = self.module.rpartition(".")[2]
            records: dict[str, list[dict[str, Any]]] = {}
            path = ANSWERS_DIR / f"{short}.json"
            if path.exists():
                with np.load(ANSWERS_DIR / f"{short}.npz", allow_pickle=False) as arrays:
                    self._codec = Codec({k: arrays[k] for k in arrays.files})
                for record in json.loads(path.read_text()):
                    records.setdefault(record["name"], []).append(record)
            self._records = records
        return self._records

    def _find(self, name: str, arguments: dict[str, Any], state: Any = None) -> dict[str, Any]:
        records = self._load().get(name, [])
        live = Codec(prefix="live")
        args = live.encode(arguments)
        live_state = live.encode(state) if state is not None else None
        digest = rng_digest()
        start = self._cursor.get(name, -1) + 1   # calls usually come in the recorded order
        for i in [*range(start, len(records)), *range(start)]:
            record = records[i]
            rng = record.get("rng")
            if rng and not rng.get("seeded") and rng["before"] != digest:
                continue
            if not same_data(record["args"], self._codec.arrays, args, live.arrays):
                continue
            if live_state is not None and not same_data(record["state"], self._codec.arrays,
                                                        live_state, live.arrays):
                continue
            self._cursor[name] = i
            return record
        raise NotInEdition(self._missing(name))

    def _missing(self, name: str) -> str:
        assignment = edition_info().get("assignment") or _("this assignment")
        return _("{function} is not in the student edition of {assignment}: it answers only "
                 "the calls this notebook makes, with the inputs the notebook gives it, and "
                 "this call is not one of them. Write your own.").format(
            function=f"{self.module}.{name}", assignment=assignment)

    def _replay(self, record: dict[str, Any], arguments: dict[str, Any]) -> Any:
        if record.get("rng"):
            np.random.set_state(self._codec.decode(record["rng"]["after"]))
        for argument, state in record.get("generators", []):
            generator = arguments.get(argument)
            if isinstance(generator, np.random.Generator):
                generator.bit_generator.state = state
        if record.get("raised") is not None:
            raise self._codec.decode(record["raised"])
        return self._codec.decode(record["result"])

    def call(self, name: str, arguments: dict[str, Any]) -> Any:
        """What the reference function ``name`` returned for these (bound) arguments."""
        arguments = _bound(arguments)
        return self._replay(self._find(name, arguments), arguments)

    def construct(self, obj: Any, name: str, arguments: dict[str, Any]) -> None:
        """Give ``obj`` the attributes the reference class ``name`` gave itself in __init__."""
        arguments = _bound(arguments)
        record = self._find(name, arguments)
        self._replay(record, arguments)
        obj.__dict__.update(self._codec.decode(record["state_after"]))

    def method(self, obj: Any, name: str, arguments: dict[str, Any]) -> Any:
        """What the reference method ``name`` ("Class.method") returned, from ``obj``'s
        attributes before the call; ``obj`` then has the attributes it had after it."""
        arguments = _bound(arguments)
        record = self._find(name, arguments, dict(vars(obj)))
        result = self._replay(record, arguments)
        obj.__dict__.clear()
        obj.__dict__.update(self._codec.decode(record["state_after"]))
        return result


def _bound(arguments: dict[str, Any]) -> dict[str, Any]:
    """``locals()`` of a stand-in at entry: its arguments by name (``self`` left out)."""
    return {k: v for k, v in arguments.items() if k != "self" and not k.startswith("__")}


_ANSWERS: dict[str, Answers] = {}


def answers_for(module: str) -> Answers:
    """The recorded calls of ``module`` (one shared instance per module)."""
    if module not in _ANSWERS:
        _ANSWERS[module] = Answers(module)
    return _ANSWERS[module]


class RecordedObject:
    """Base of the student edition's stand-ins for reference classes: the attributes live in
    the instance as usual; __init__ and each method are answered from the recording."""

    def __repr__(self) -> str:
        return _("<{name} of the student edition (recorded answers)>").format(
            name=type(self).__name__)
