"""The only grader code that runs in the student's kernel: it answers calls with plain data.

The grader (:mod:`autograder.grade.trusted.channel`) executes this file's text once in each grading
kernel, as the module ``_course_grader``, which registers the comm target :data:`TARGET` and
connects (:func:`connect`) to a Unix socket the grader listens on, in the kernel's private run
folder: the *link*. The grader opens one comm, and a message on it starts a :func:`session`
in the kernel's main thread: the stub reads a request from the link, answers it, reads the
next, until the grader sends an empty frame at the end of the test. Each frame is a 4-byte
length and that many bytes of JSON. A round trip on the link costs about 0.1 ms here (on the
kernel's stdin channel, as input requests, it cost 1.5 ms: Jupyter's message signing and
dispatch on both sides; a comm message 3 ms, a cell 10). :func:`serve` calls the student's
function, method or class and answers with what came back, encoded. Nothing here decides
anything: the student may replace every line of it, and then only what their own calls
return changes, which the grader reads as data (``autograder.grade.trusted.wire``) and checks
itself.

Three kinds of objects cross, each by number:
- ``{"$h": n}``: an object of the student's (an instance of a class defined in the notebook)
  kept here in :data:`_handles`; the grader holds a proxy;
- ``{"$g": n, "class": name}``: an object of the grader's (the course's ``Dense`` while a test
  of ``Sequential`` runs); here a :class:`_GraderObject` whose attribute reads, writes and
  method calls are asked of the grader on the link (``{"question": ...}``), which the grader
  answers only while that call runs;
- global names the grader binds for one test (:func:`_bind`): the course's function or class
  in place of the student's, answered the same way.

numpy's legacy global generator is shared: the grader's state comes with a call when the
test moved it, the kernel's goes back when the student's code drew from it. Both ends tell
whether it moved with :class:`LegacyRandom`, which the grader imports from this file (the
comm target is registered only where the file runs as ``_course_grader``, in the kernel).

Self-contained (numpy and IPython only): the grading kernel holds the student edition, not
the grader.
"""

import binascii
import builtins
import contextlib
import io
import json
import socket
import struct
import traceback

import numpy as np
from IPython import get_ipython

TARGET = "course_grader"
_link = None             # the socket to the grader (see connect)
_HEADER = struct.Struct("!I")   # a frame's length
_handles: dict = {}      # handle number -> the student's object
_numbers: dict = {}      # id(object) -> handle number
_bound: dict = {}        # name -> what the notebook had bound before (or _MISSING)
_set_on: set = set()     # (object of the grader's, name) the student's code set: asked again
_MISSING = object()
_SCALARS = (bool, int, float, str, type(None))
_dtypes = {}   # the grader's dtypes by their text (np.dtype costs microseconds an array)
PRINTED_CHARS = 100_000   # what one request's code prints, sent back at most


# ------------------------------------------------------------------------------- encoding

def _array(value):
    return [value.dtype.str, list(value.shape),
            binascii.b2a_base64(value.tobytes(), newline=False).decode()]   # C order


def _keep(value):
    number = _numbers.get(id(value))
    if number is None:
        number = len(_handles) + 1
        _handles[number] = value
        _numbers[id(value)] = number
    return {"$h": number, "class": str(type(value).__name__)[:100]}


def encode(value, depth=0):
    """Plain data as JSON; the student's own objects as handles; anything else a ``$bad``:
    ``[what, detail]``, which the grader says in the student's language."""
    kind = type(value)
    if depth > 20:
        return {"$bad": ["deep", "20"]}
    if kind in _SCALARS:
        return value
    if kind is np.ndarray:
        if value.dtype.kind not in "biuf":
            return {"$bad": ["dtype", str(value.dtype)]}
        return {"$a": _array(value)}
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        if value.dtype.kind not in "biuf":
            return {"$bad": ["numpy", kind.__name__]}
        return {"$s": _array(np.asarray(value))}
    if kind is list:
        return [encode(v, depth + 1) for v in value]
    if kind is tuple:
        return {"$t": [encode(v, depth + 1) for v in value]}
    if kind is dict:
        return {"$d": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if kind is np.random.Generator:
        return {"$rng": encode(value.bit_generator.state, depth + 1)}
    if isinstance(value, _GraderObject):
        return {"$g": object.__getattribute__(value, "_number")}
    if isinstance(value, np.ndarray):
        return {"$bad": ["subclass", kind.__name__]}
    if getattr(kind, "__module__", None) == "__main__" and not isinstance(value, type):
        return _keep(value)
    return {"$bad": ["object", str(getattr(kind, "__name__", "?"))]}


def decode(data):
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$a" in data or "$s" in data:
        dtype, shape, text = data.get("$a") or data["$s"]
        raw = bytearray(binascii.a2b_base64(text))
        kind = _dtypes.get(dtype)
        if kind is None:
            kind = _dtypes[dtype] = np.dtype(dtype)
        array = np.frombuffer(raw, dtype=kind).reshape(shape)
        return array[()] if "$s" in data else array
    if "$t" in data:
        return tuple(decode(v) for v in data["$t"])
    if "$d" in data:
        return {decode(k): decode(v) for k, v in data["$d"]}
    if "$h" in data:
        return _handles[data["$h"]]
    if "$g" in data:
        return _grader_object(data.get("class", "object"), data["$g"])
    if "$rng" in data:
        generator = np.random.Generator(np.random.PCG64())
        generator.bit_generator.state = decode(data["$rng"])
        return generator
    raise ValueError(f"unknown encoding {sorted(data)}")


# -------------------------------------------------------- numpy's legacy generator

class LegacyRandom:
    """numpy's legacy global generator (``np.random.seed``, ``np.random.randn`` ...) as calls
    move it: :meth:`moved` says exactly whether it moved since the state last taken
    (:meth:`take`) or remembered (:meth:`remember`, after ``set_state``).

    The grader uses this class too (both ends of a call look, before and after it). Written
    for speed: ``np.random.get_state()`` costs about 30 us (a loop over the Mersenne
    Twister's 624 numbers), half of a call's round trip when each end took it twice. Every
    draw changes the generator's key or position, so a copy of those 2.5 kB of its memory
    (under a microsecond) tells whether it moved; the one change they do not show is a
    cached Gaussian being used up, so a state holding one is compared in full. Where numpy
    keeps its state otherwise than expected, every look compares in full."""

    def __init__(self):
        self._memory = self._key_and_position()
        self._at = (None, None)   # (the state as get_state gives it, the memory then)

    @staticmethod
    def _key_and_position():
        """The generator's key and position in memory (ctypes), or None if they are not
        where numpy's MT19937 keeps them (checked against ``get_state()``)."""
        try:
            import ctypes

            bit_generator = np.random.mtrand._rand._bit_generator
            memory = (ctypes.c_char * (625 * 4)).from_address(
                bit_generator.ctypes.state_address)
            _, key, position, *_rest = np.random.get_state()
            words = np.frombuffer(bytes(memory), dtype=np.uint32)
            if np.array_equal(words[:624], key) and int(words[624]) == position:
                return memory
        except Exception:  # noqa: BLE001 - then every look compares in full
            pass
        return None

    @property
    def known(self):
        return self._at[0]

    def remember(self, state):
        """``state`` is the generator's state now (it was just set)."""
        self._at = (state, bytes(self._memory) if self._memory is not None else None)

    def forget(self):
        self._at = (None, None)

    def take(self):
        """The generator's state now, remembered."""
        self.remember(np.random.get_state())
        return self.known

    def moved(self):
        known, seen = self._at
        if known is None:
            return True
        if seen is not None and not known[3]:   # no cached Gaussian: the memory says
            return bytes(self._memory) != seen
        now = np.random.get_state()
        return now[2:] != known[2:] or not np.array_equal(now[1], known[1])


_random = LegacyRandom()


# ------------------------------------------------------------------- the grader's objects

def connect(path):
    """Connect the link to the grader's socket at ``path`` (once, when the stub is put in)."""
    global _link
    _link = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    _link.connect(path)


def _read_exactly(size):
    data = bytearray()
    while len(data) < size:
        chunk = _link.recv(size - len(data))
        if not chunk:
            raise EOFError("the grader closed the link")
        data += chunk
    return bytes(data)


def _read():
    """The grader's next frame, decoded; None for an empty one (the session ends)."""
    (size,) = _HEADER.unpack(_read_exactly(_HEADER.size))
    return json.loads(_read_exactly(size)) if size else None


def _write(message):
    data = json.dumps(message).encode()
    _link.sendall(_HEADER.pack(len(data)) + data)


def _exchange(message):
    """Send ``message`` to the grader; its reply (the next frame)."""
    _write(message)
    return _read()


def _ask(request):
    """Ask the grader (answered only during a call) and decode the answer."""
    reply = _exchange({"question": request})
    if not isinstance(reply, dict):
        raise RuntimeError("the grader did not answer")
    if "raised" in reply:
        raise _rebuilt(reply["raised"])
    return decode(reply.get("value"))


def _rebuilt(raised):
    kind = getattr(builtins, str(raised.get("type")), None)
    if not (isinstance(kind, type) and issubclass(kind, Exception)):
        kind = RuntimeError
    try:
        return kind(raised.get("message", ""))
    except Exception:  # noqa: BLE001 - an exception class with other arguments
        return RuntimeError(raised.get("message", ""))


class _GraderObject:
    """An object that lives in the grader; every use is a question to the grader. A name the
    grader once said is a method of the class is called without asking again: one question
    per call, not two (722 fewer of the 9,062 the bench's quick class of 20 notebooks asked,
    all in 05's layers). The course's classes keep their methods on the class, never a bound
    method in an attribute, so what holds for one object holds for all but a name the
    student's code set on that object (:data:`_set_on`, however it reached the object): such
    a name is asked about again on it (it is then what was set), and stays a known method on
    the class's other objects."""

    _methods: set[str]   # names the grader said are methods: one set per class (_grader_class)

    def __init__(self, *_args, **_kwargs):
        pass   # made by _grader_object, or by the grader when the class is called

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        number = object.__getattribute__(self, "_number")
        methods = type(self)._methods
        if name not in methods or (number, name) in _set_on:
            value = _ask({"op": "getattr", "object": number, "name": name})
            if not (isinstance(value, dict) and value.keys() == {"$method"}):
                return value
            methods.add(name)
        return lambda *args, **kwargs: _ask({"op": "call", "object": number, "method": name,
                                             "args": encode(list(args)),
                                             "kwargs": encode(kwargs)})

    def __setattr__(self, name, value):
        number = object.__getattribute__(self, "_number")
        _set_on.add((number, name))
        _ask({"op": "setattr", "object": number, "name": name, "value": encode(value)})

    def __repr__(self):
        return f"<the course's {type(self).__name__}>"


_classes: dict = {}


def _grader_class(name):
    """One class per name of the grader's: calling it makes the object in the grader."""
    if name not in _classes:
        def construct(_cls, *args, **kwargs):
            return _ask({"op": "call", "name": name, "args": encode(list(args)),
                         "kwargs": encode(kwargs)})
        _classes[name] = type(name, (_GraderObject,), {"__new__": construct, "_methods": set()})
    return _classes[name]


def _grader_object(class_name, number):
    obj = object.__new__(_grader_class(class_name))
    object.__setattr__(obj, "_number", number)
    return obj


def _grader_callable(name, is_class):
    if is_class:
        return _grader_class(name)

    def call(*args, **kwargs):
        return _ask({"op": "call", "name": name, "args": encode(list(args)),
                     "kwargs": encode(kwargs)})
    call.__name__ = call.__qualname__ = name
    return call


def _bind(names):
    namespace = get_ipython().user_ns
    for name, kind in names.items():
        _bound.setdefault(name, namespace.get(name, _MISSING))
        namespace[name] = _grader_callable(name, kind == "class")
    return None


def _unbind(names):
    namespace = get_ipython().user_ns
    for name in names:
        before = _bound.pop(name, _MISSING)
        if before is _MISSING:
            namespace.pop(name, None)
        else:
            namespace[name] = before
    return None


# ------------------------------------------------------------------------------- requests

def _describe(names):
    namespace = get_ipython().user_ns
    found = {}
    for name in names:
        if name not in namespace:
            continue
        value = namespace[name]
        if isinstance(value, type):
            found[name] = {"kind": "class"}
        elif type(value).__name__ == "module":
            found[name] = {"kind": "module"}
        elif callable(value) and not hasattr(value, "__array__"):
            found[name] = {"kind": "function"}
        else:
            found[name] = {"kind": "value", "value": encode(value)}
    return found


def _target(request):
    if "handle" in request:
        obj = _handles[request["handle"]]
    else:
        obj = get_ipython().user_ns[request["name"]]
    return getattr(obj, request["method"]) if request.get("method") else obj


def _call(request):
    args, kwargs = decode(request["args"]), decode(request["kwargs"])
    if request.get("rng") is not None:
        state = decode(request["rng"])
        np.random.set_state(state)
        _random.remember(state)
    elif _random.known is None:
        _random.take()
    before = [request["args"], request["kwargs"]]
    result = _target(request)(*args, **kwargs)
    after = [encode(args), encode(kwargs)]
    moved = _random.moved()   # the state is sent back when the call drew from it (or seeded it)
    return {"value": encode(result), "rng": encode(_random.take()) if moved else None,
            "changed": [after[i] if after[i] != before[i] else None for i in (0, 1)]}


def _getattr(request):
    value = getattr(_handles[request["handle"]], request["name"])
    if callable(value) and not isinstance(value, type) and hasattr(value, "__self__"):
        return {"value": {"$method": request["name"]}}
    return {"value": encode(value)}


def _setattr(request):
    setattr(_handles[request["handle"]], request["name"], decode(request["value"]))
    return {"value": None}


def _release(_request):
    _handles.clear()
    _numbers.clear()
    _set_on.clear()
    _unbind(list(_bound))
    return {"value": None}


_OPS = {"call": _call, "getattr": _getattr, "setattr": _setattr, "release": _release,
        "describe": lambda r: {"value": _describe(r["names"])},
        "bind": lambda r: {"value": _bind(r["names"])},
        "unbind": lambda r: {"value": _unbind(r["names"])},
        "batch": lambda r: {"answers": [serve(q) for q in r["requests"]]}}


def _where(error):
    """The student's innermost line in ``error``'s traceback (the rule of
    ``course_lib.checks._student_frame``, written here: the stub imports nothing of the
    course)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if "site-packages" not in f.filename
              and "/lib/python" not in f.filename and f.filename != "<course-grader>"]
    if not frames:
        return ""
    last = frames[-1]
    return f"{last.name}, line {last.lineno}: {(last.line or '').strip()}"[:300]


def serve(request):
    """The answer to one request of the grader (see the module docstring)."""
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):   # shown in the test's output by the grader
            answer = _OPS[request["op"]](request)
    except (Exception, SystemExit) as error:  # noqa: BLE001 - the student's exception is the answer
        answer = {"raised": {"type": type(error).__name__[:100], "message": str(error)[:2000],
                             "where": _where(error)}}
    if buffer.getvalue():
        answer["printed"] = buffer.getvalue()[:PRINTED_CHARS]
    return answer


def session():
    """Answer the grader's requests, read from the link, until it sends an empty frame; one
    that ends otherwise (interrupted) says so."""
    ended = False
    _random.forget()   # the grader sends its state with the session's first call
    try:
        request = _read()
        while request is not None:
            request = _exchange({"answer": serve(request)})
        ended = True
    finally:
        if not ended:
            with contextlib.suppress(Exception):
                _write({"ended": True})


def _open(comm, _msg):
    comm.on_msg(lambda _msg: session())


if __name__ == "_course_grader":   # in the kernel (the grader imports LegacyRandom from here)
    get_ipython().kernel.comm_manager.register_target(TARGET, _open)
