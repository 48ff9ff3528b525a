"""What crosses between the grader and the student's kernel: plain data, checked on arrival.

The encoding (JSON, written by :mod:`autograder.grade.trusted.kernel_stub` on the kernel's side):
numbers, strings, booleans, null and lists as themselves; ``{"$a": [dtype, shape, base64]}``
an array (its dtype as numpy spells it, ``"<f8"``; its shape as a list; its bytes in C order),
``{"$s": [dtype, [], base64]}`` a numpy scalar, ``{"$t": [...]}`` a tuple,
``{"$d": [[key, value], ...]}`` a dict, ``{"$rng": state}`` a ``numpy.random.Generator``,
``{"$h": n}`` an object of the student's (a handle: the grader holds a proxy), ``{"$g": n}``
an object of the grader's, ``{"$bad": [what, detail]}`` a value that is none of these (what
it was: ``"dtype"`` and the dtype, ``"object"`` and the class's name ...).

:func:`decode` trusts nothing it reads: an array's dtype must be a plain boolean or number
type and its bytes exactly what its shape needs; sizes and depth are capped; anything else
raises :class:`NotPlainData` saying what came back, which fails the test that asked.
Hand-written because the format must be this narrow: pickle, JSON-pickle libraries and
``np.load(allow_pickle=True)`` all rebuild arbitrary objects, which is what this refuses.
Arrays are not sent as ``.npy`` files (``np.load(allow_pickle=False)`` would be as safe):
reading a ``.npy`` header evaluates it with ``ast`` (about 60 us an array, and CPython 3.11
shares that parser's depth counter between threads, gh-106905), and a training loop in a
test sends thousands of arrays.
"""

from __future__ import annotations

import binascii
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.messages import N_, _

MAX_REPLY_BYTES = 64 * 2**20      # one reply's JSON text
#: Values in one reply: its commas (items of lists, tuples and dicts; an array travels as one
#: string) and its lists and dicts. JSON makes about 30 bytes of Python objects of each 3
#: bytes of ``[],``: under the size cap alone, a red team's 16 MB reply took 1.4 GB.
MAX_ITEMS = 1_000_000
MAX_CONTAINERS = 100_000
MAX_DEPTH = 20
_SCALARS = (bool, int, float, str, type(None))


class NotPlainData(ValueError):  # noqa: N818 - reads as what came back
    """What came back is not plain data (or is malformed, or too big)."""


#: What kernel_stub.py (which has no catalogue: it runs in the student's kernel) sends for a
#: value that is not plain data, ``{"$bad": [what, detail]}``: the message for each ``what``
#: and the name its detail takes in it.
_NOT_PLAIN = {
    "deep": (N_("data nested more than {levels} levels deep"), "levels"),
    "dtype": (N_("a numpy array of dtype {dtype}"), "dtype"),
    "numpy": (N_("a numpy {kind}"), "kind"),
    "subclass": (N_("an object of class {kind} (a subclass of numpy.ndarray)"), "kind"),
    "object": (N_("an object of class {kind}"), "kind"),
}


def _not_plain(body: Any) -> str:
    """What the stub said of a value, in the language of the moment."""
    if not (type(body) is list and len(body) == 2 and all(type(b) is str for b in body)
            and body[0] in _NOT_PLAIN):
        return _("a malformed reply")
    message, name = _NOT_PLAIN[body[0]]
    return _(message).format(**{name: body[1][:100]})


_DTYPE = re.compile(r"[<>|=][biuf][1-9][0-9]?")   # "<f8", "|b1", "<i8" ...
MAX_DIMENSIONS = 32
#: The dtypes read so far, by their text (at most the few hundred _DTYPE admits): a training
#: loop in a test reads thousands of arrays of the same two or three.
_DTYPES: dict[str, np.dtype] = {}


def _array_data(array: np.ndarray) -> list:
    return [array.dtype.str, list(array.shape),
            binascii.b2a_base64(array.tobytes(), newline=False).decode()]   # C order


def encode(value: Any, handle_of: Callable[[Any], dict] | None = None, depth: int = 0) -> Any:
    """``value`` (the grader's: arguments of a call) as the JSON structure above.

    ``handle_of(obj)`` encodes what is not plain data (a proxy of the student's object, an
    object of the grader's); without it such a value raises TypeError.
    """
    if depth > MAX_DEPTH:
        raise TypeError(_("data nested too deep to send"))
    kind = type(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return {"$a": _array_data(value)}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"$s": _array_data(np.asarray(value))}
    for base in (bool, int, float, str):   # a subclass (an IntEnum ...) is sent as its base
        if isinstance(value, base):
            return base(value)
    if isinstance(value, list):
        return [encode(v, handle_of, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"$t": [encode(v, handle_of, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"$d": [[encode(k, handle_of, depth + 1), encode(v, handle_of, depth + 1)]
                       for k, v in value.items()]}
    if isinstance(value, np.random.Generator):
        return {"$rng": encode(value.bit_generator.state, handle_of, depth + 1)}
    if handle_of is not None:
        return handle_of(value)
    raise TypeError(_("cannot send a {kind} to the student's kernel").format(kind=kind.__name__))


def _array(body: Any, scalar: bool) -> Any:
    """The array ``body`` (``[dtype, shape, base64]``) stands for, or NotPlainData."""
    if type(body) is not list or len(body) != 3:
        raise NotPlainData(_("a malformed array"))
    dtype, shape, text = body
    kind = _dtype(dtype)
    if (type(shape) is not list or len(shape) > MAX_DIMENSIONS or (scalar and shape)
            or not all(type(n) is int and n >= 0 for n in shape)):
        raise NotPlainData(_("a malformed array (its shape)"))
    try:   # only the base64 alphabet, padded as it must be
        raw = binascii.a2b_base64(text, strict_mode=True) if type(text) is str else None
    except (ValueError, binascii.Error):
        raw = None
    if raw is None or len(raw) != math.prod(shape) * kind.itemsize:
        raise NotPlainData(_("a malformed array (its bytes)"))
    array = np.frombuffer(bytearray(raw), dtype=kind).reshape(shape)
    return array[()] if scalar else array


def _dtype(text: Any) -> np.dtype:
    """The plain boolean or number dtype ``text`` spells, or NotPlainData."""
    kind = _DTYPES.get(text) if type(text) is str else None
    if kind is not None:
        return kind
    if type(text) is not str or not _DTYPE.fullmatch(text):
        raise NotPlainData(_("a numpy array of dtype {dtype}").format(dtype=str(text)[:30]))
    try:
        kind = np.dtype(text)
    except TypeError:
        raise NotPlainData(_("a numpy array of dtype {dtype}").format(dtype=text)) from None
    _DTYPES[text] = kind
    return kind


def _key(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        raise NotPlainData(_("a dict with an unhashable key")) from None
    return value


def too_many_values(frame: bytes) -> bool:
    """Whether a reply's JSON text holds more values than the grader unpacks (counted before
    it is parsed: a scan of the bytes)."""
    return (frame.count(b",") > MAX_ITEMS
            or frame.count(b"[") + frame.count(b"{") > MAX_CONTAINERS)


def decode(data: Any, resolve: Callable[[str, dict], Any] | None = None,
           depth: int = 0) -> Any:
    """The value ``data`` (parsed JSON from the kernel) stands for; NotPlainData if it is not
    plain data. ``resolve(tag, data)`` turns ``$h``/``$g`` references into objects (without
    it they are refused)."""
    if depth > MAX_DEPTH:
        raise NotPlainData(_("data nested more than {levels} levels deep").format(levels=MAX_DEPTH))
    if type(data) in _SCALARS:
        return data
    if type(data) is list:
        return [decode(v, resolve, depth + 1) for v in data]
    if type(data) is not dict:
        raise NotPlainData(_("a malformed reply"))
    if len(data) == 2 and resolve is not None and data.keys() == {"$h", "class"}:
        return resolve("$h", data)   # an object of the student's, with its class's name
    if len(data) != 1:
        raise NotPlainData(_("a malformed reply"))
    ((tag, body),) = data.items()
    if tag == "$a" or tag == "$s":
        return _array(body, scalar=tag == "$s")
    if tag == "$t" and type(body) is list:
        return tuple(decode(v, resolve, depth + 1) for v in body)
    if tag == "$d" and type(body) is list:
        if not all(type(p) is list and len(p) == 2 for p in body):
            raise NotPlainData(_("a malformed dict"))
        return {_key(decode(k, resolve, depth + 1)): decode(v, resolve, depth + 1)
                for k, v in body}
    if tag == "$rng":
        generator = np.random.Generator(np.random.PCG64())
        try:
            generator.bit_generator.state = decode(body, None, depth + 1)
        except (TypeError, ValueError, KeyError) as error:
            raise NotPlainData(_("a malformed random generator ({error})").format(
                error=error)) from None
        return generator
    if tag == "$bad":
        raise NotPlainData(_not_plain(body))
    if tag in ("$h", "$g") and type(body) is int and resolve is not None:
        return resolve(tag, data)
    raise NotPlainData(_("a value of unknown kind {kind}").format(kind=repr(tag[:20])))
