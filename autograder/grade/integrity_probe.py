"""Inside a grading kernel: notice tampering with the grading machinery, and graded functions
that are course_lib's reference implementation instead of the student's own code.

Nothing here is imported by a notebook. The grader (:mod:`autograder.grade.integrity`) loads it in
every kernel before the first cell runs and asks it questions with IPython *user expressions*
(evaluated after an empty, silent request: no cell, no history, no input transformer, no
output), each answered with one JSON string that carries the run's token:

- :func:`install` (before the first cell, so before any code of the student): takes the
  pristine state. numpy, numpy.testing, numpy.linalg, numpy.random, math, builtins and every
  course_lib module (those imported later too, as soon as they are seen) are snapshotted: the
  object behind every name, the code, defaults and closure of every Python function, the
  methods of course_lib's classes. They are also *guarded*: their class becomes a module
  subclass that logs every assignment that changes a name, so a patch that is undone before
  the next question (patch, run the test, restore) is seen too. The IPython shell and kernel
  that run the cells (methods, input and AST transformers, event callbacks, custom exception
  handlers, ``sys.stdout``/``stderr``, trace and profile functions) are snapshotted as well.
  course_lib's reference implementation of every graded name is wrapped so that a call made
  while the student's function of the same name runs is recorded.
- :func:`check` (after every read-only cell; reached through a class named after the token,
  found among ``object.__subclasses__()`` without looking up any name): first records the
  notebook names that cell
  imported (``checks``, ``np``, ``quiet`` ...), which must not be rebound later; then
  compares everything with the snapshot and looks at every graded name the notebook defines.
  The answer lists what was replaced since :func:`install` (cumulative) and the graded names
  that are not the student's own code, with the reason.

A graded name is "copied" when its object is course_lib's (an alias, an import, a
``functools.partial``), a class that inherits from course_lib's class of that name, or a
function (a method, a helper it calls, a closure, a default argument) whose code reaches a
course_lib reference implementation: through a global bound to it, a course_lib module and
an attribute path (``ref.propagate``), an import inside the function, or a module name in a
string (``importlib.import_module("course_lib...")``); or when the reference of that name was
called while the student's function of that name was running.

Limits: this runs in the student's own process. It catches every way of patching and
copying that plain Python offers (assignments, ``setattr``, ``del``, swapping ``__code__``,
rebinding, shadowing builtins, imports, wrappers, IPython hooks), but code that rewrites the
interpreter's memory (ctypes) or impersonates this module after finding it can still lie.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import json
import sys
import types

# pristine references, bound when this module is imported (in the zygote, or before any cell)
_ModuleType = types.ModuleType
_FunctionType = types.FunctionType
_MethodType = types.MethodType
_CodeType = types.CodeType
_BuiltinFunctionType = types.BuiltinFunctionType
_partial = functools.partial
_getframe = sys._getframe
_dumps = json.dumps
_loads = json.loads
_import_module = importlib.import_module
_module_setattr = types.ModuleType.__setattr__
_module_delattr = types.ModuleType.__delattr__
_builtins_dict = builtins.__dict__
_modules = sys.modules

COURSE = "course_lib"
PROTECTED = ("builtins", "math", "numpy", "numpy.testing", "numpy.linalg", "numpy.random")
#: Builtins that a notebook may not shadow with a function of its own (the tests use them).
SENSITIVE_BUILTINS = (
    "isinstance", "issubclass", "type", "len", "abs", "all", "any", "min", "max", "sum",
    "round", "float", "int", "bool", "str", "list", "tuple", "dict", "set", "range", "zip",
    "enumerate", "sorted", "reversed", "iter", "next", "map", "filter", "getattr", "setattr",
    "hasattr", "callable", "print", "repr", "id", "hash", "object", "super", "vars", "dir",
    "globals", "locals", "open", "exec", "eval", "compile", "__import__", "__build_class__",
    "AssertionError", "Exception", "BaseException", "ValueError", "TypeError", "KeyError",
    "IndexError", "RuntimeError", "StopIteration", "NotImplementedError", "ArithmeticError",
    "ZeroDivisionError", "FloatingPointError", "Warning", "RuntimeWarning", "UserWarning",
)
#: Builtins IPython itself adds, replaces or removes while it runs cells.
_IPYTHON_BUILTINS = {"_", "__", "___", "exit", "quit", "get_ipython", "display", "__IPYTHON__",
                     "copyright", "credits", "license", "help", "__debug__", "input"}
_MISSING = object()
_MAX_REASONS = 20
_MAX_FRAMES = 200


# --------------------------------------------------------------------------- the state

class _State:
    def __init__(self, token: str, graded: list[str], shell, user_ns: dict):
        self.token = token
        self.graded = tuple(graded)
        self.shell = shell
        self.user_ns = user_ns
        self.modules: dict[str, dict] = {}           # name -> copy of its dict
        self.code: dict[int, tuple] = {}             # id(function) -> (function, state)
        self.classes: dict[int, tuple] = {}          # id(class) -> (class, copy of its dict)
        self.forbidden: dict[int, tuple] = {}        # id(obj) -> (obj, label, graded name)
        self.wrappers: dict[int, object] = {}        # id(original) -> its wrapper
        self.attrs: list[tuple] = []                 # (owner, attribute, value, label)
        self.lists: list[tuple] = []                 # (label, getter, snapshot)
        self.bindings: dict[str, object] = {}        # notebook names bound by read-only cells
        self.events: list[str] = []                  # guarded writes, reference calls
        self.tampered: list[str] = []
        self.copied: dict[str, str] = {}
        self.notebook_files: set[str] = set()
        self.anchor: type | None = None


_STATE: _State | None = None


def _label(obj) -> str:
    """``course_lib.logistic_unit.propagate`` -> ``logistic_unit.propagate``."""
    module = getattr(obj, "__module__", None) or "?"
    if module.startswith(COURSE + "."):
        module = module[len(COURSE) + 1:]
    return f"{module}.{getattr(obj, '__qualname__', getattr(obj, '__name__', '?'))}"


def _note(state: _State, reason: str) -> None:
    if reason not in state.tampered and len(state.tampered) < _MAX_REASONS:
        state.tampered.append(reason)


# --------------------------------------------------------------------------- guarded modules

class _Guarded(_ModuleType):
    """A protected module: an assignment or deletion that changes a snapshotted name is
    logged (the value is still set: the student's code runs as written)."""

    def __setattr__(self, name, value):
        _written(self, name, value)
        _module_setattr(self, name, value)

    def __delattr__(self, name):
        _written(self, name, _MISSING)
        _module_delattr(self, name)


def _written(module, name: str, value) -> None:
    state = _STATE
    if state is None:
        return
    modname = _ModuleType.__getattribute__(module, "__name__")
    if name == "__class__":
        state.events.append(f"the class of module {modname} was changed")
        return
    snapshot = state.modules.get(modname)
    if snapshot is None or modname == "builtins" and name in _IPYTHON_BUILTINS:
        return
    before = snapshot.get(name, _MISSING)
    if before is _MISSING or before is value:
        return
    state.events.append(f"{modname}.{name} was {'deleted' if value is _MISSING else 'replaced'}")


def _guard(module) -> None:
    if type(module) is _ModuleType:
        try:
            module.__class__ = _Guarded
        except TypeError:
            pass


# --------------------------------------------------------------------------- snapshots

def _function_state(fn) -> tuple:
    return (fn.__code__, fn.__defaults__, fn.__kwdefaults__, fn.__closure__, fn.__globals__)


def _record_function(state: _State, fn) -> None:
    if type(fn) is _FunctionType and id(fn) not in state.code:
        state.code[id(fn)] = (fn, _function_state(fn))
    impl = getattr(fn, "_implementation", None) if not isinstance(fn, type) else None
    if type(impl) is _FunctionType and id(impl) not in state.code:   # numpy's dispatchers
        state.code[id(impl)] = (impl, _function_state(impl))


def _record_class(state: _State, cls) -> None:
    if id(cls) in state.classes:
        return
    state.classes[id(cls)] = (cls, dict(cls.__dict__))
    for value in cls.__dict__.values():
        for fn in _unwrap(value):
            _record_function(state, fn)


def _adopt(state: _State, name: str) -> None:
    """Snapshot, wrap and guard module ``name`` (once)."""
    module = _modules.get(name)
    if module is None or name in state.modules or not isinstance(module, _ModuleType):
        return
    course = name == COURSE or name.startswith(COURSE + ".")
    if course:
        if state.modules:   # seen after install: a student cell may have run before
            for attr, value in list(module.__dict__.items()):
                if _defined_in_notebook(state, value):
                    _note(state, f"{name}.{attr} was replaced by code of the notebook")
        _find_forbidden(state, module)
    for attr, value in list(module.__dict__.items()):
        wrapper = state.wrappers.get(id(value))
        if wrapper is not None:
            _ModuleType.__setattr__(module, attr, wrapper)
    state.modules[name] = dict(module.__dict__)
    for value in state.modules[name].values():
        if isinstance(value, type):
            if course and value.__module__ == name:
                _record_class(state, value)
        elif callable(value):
            _record_function(state, value)
    _guard(module)


def _adopt_new(state: _State) -> None:
    for name in [n for n in list(_modules) if n == COURSE or n.startswith(COURSE + ".")]:
        _adopt(state, name)


def _shell_snapshot(state: _State) -> None:
    shell = state.shell
    kernel = getattr(shell, "kernel", None)
    owners = [("the IPython shell", shell), ("the kernel", kernel),
              ("the kernel's session", getattr(kernel, "session", None)),
              ("the display hook", getattr(shell, "displayhook", None)),
              ("the display publisher", getattr(shell, "display_pub", None)),
              ("the input transformer", getattr(shell, "input_transformer_manager", None)),
              ("the compiler", getattr(shell, "compile", None)),
              ("the events", getattr(shell, "events", None))]
    for label, obj in owners:
        if obj is None:
            continue
        for cls in type(obj).__mro__[:-1]:
            for attr, value in list(cls.__dict__.items()):
                if callable(value) or isinstance(value, (classmethod, staticmethod, property)):
                    state.attrs.append((cls, attr, value, f"{label}'s {attr}"))
        for attr, value in list(getattr(obj, "__dict__", {}).items()):
            if callable(value):
                state.attrs.append((obj, attr, value, f"{label}'s {attr}"))
        state.lists.append((f"{label}'s methods", _instance_callables(obj),
                            _instance_callables(obj)()))
    for name in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
        state.lists.append((f"IPython's {name}", _attr_list(shell, name),
                            _attr_list(shell, name)()))
    manager = getattr(shell, "input_transformer_manager", None)
    for name in ("cleanup_transforms", "line_transforms", "token_transformers"):
        state.lists.append((f"IPython's {name}", _attr_list(manager, name),
                            _attr_list(manager, name)()))
    events = getattr(shell, "events", None)
    state.lists.append(("IPython's event callbacks", _event_callbacks(events),
                        _event_callbacks(events)()))
    state.lists.append(("IPython's custom exception handler", _attr_list(shell,
                                                                      "custom_exceptions"),
                        _attr_list(shell, "custom_exceptions")()))
    for name in ("stdout", "stderr", "displayhook", "excepthook", "meta_path", "modules"):
        state.attrs.append((sys, name, getattr(sys, name), f"sys.{name}"))
    state.lists.append(("sys.meta_path", lambda: tuple(sys.meta_path), tuple(sys.meta_path)))
    handlers = getattr(kernel, "shell_handlers", None)
    if isinstance(handlers, dict):
        def message_handlers():
            return tuple((k, handlers[k]) for k in sorted(handlers))
        state.lists.append(("the kernel's message handlers", message_handlers,
                            message_handlers()))
    state.lists.append(("the trace or profile function", _hooks, _hooks()))


def _instance_callables(obj):
    return lambda: tuple(sorted(k for k, v in getattr(obj, "__dict__", {}).items()
                                if callable(v) and not isinstance(v, type)))


def _attr_list(obj, name):
    return lambda: tuple(getattr(obj, name, ()) or ())


def _event_callbacks(events):
    def get():
        callbacks = getattr(events, "callbacks", {}) or {}
        return tuple((k, tuple(v)) for k, v in sorted(callbacks.items()))
    return get


def _hooks():
    import threading

    return (sys.gettrace(), sys.getprofile(), getattr(threading, "_trace_hook", None),
            getattr(threading, "_profile_hook", None))


def _flatten(items) -> list:
    out = []
    for item in items if type(items) is tuple else (items,):
        if type(item) is tuple:
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


def _new_items(now, before) -> list:
    """The objects in ``now`` that are not in ``before`` (library code may add its own
    callbacks, e.g. matplotlib's inline backend; only the notebook's own are tampering)."""
    old = _flatten(before)
    return [x for x in _flatten(now) if not any(_same(x, y) for y in old)]


def _same(a, b) -> bool:
    """``a is b``, element-wise for tuples (bound methods are made anew on each access)."""
    if a is b:
        return True
    if type(a) is tuple and type(b) is tuple and len(a) == len(b):
        return all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is _MethodType and type(b) is _MethodType:
        return a.__func__ is b.__func__ and a.__self__ is b.__self__
    if type(a) is str and type(b) is str:
        return a == b
    return False


# --------------------------------------------------------------------------- reference calls

def _find_forbidden(state: _State, module) -> None:
    """Record (and wrap) course_lib's objects named like a graded name."""
    for name in state.graded:
        obj = module.__dict__.get(name, _MISSING)
        if obj is _MISSING or id(obj) in state.forbidden:
            continue
        if not (isinstance(obj, type) or callable(obj)):
            continue
        label = _label(obj)
        state.forbidden[id(obj)] = (obj, label, name)
        if type(obj) is _FunctionType and id(obj) not in state.wrappers:
            wrapper = _wrap(state, obj, name, label)
            state.wrappers[id(obj)] = wrapper
            state.forbidden[id(wrapper)] = (wrapper, label, name)


def _wrap(state: _State, original, name: str, label: str):
    user_ns = state.user_ns
    events = state.events
    getframe = _getframe

    def reference(*args, **kwargs):
        frame = getframe(1)
        depth = 0
        while frame is not None and depth < _MAX_FRAMES:
            if frame.f_globals is user_ns and frame.f_code.co_name == name:
                hit = f"copied:{name}:called course_lib's {label} while running its own {name}"
                if hit not in events:
                    events.append(hit)
                break
            frame = frame.f_back
            depth += 1
        return original(*args, **kwargs)

    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(reference, attr, getattr(original, attr))
    reference.__dict__.update(original.__dict__)
    try:
        import inspect

        reference.__signature__ = inspect.signature(original)
    except (TypeError, ValueError):
        pass
    return reference


# --------------------------------------------------------------------------- copied code

def _unwrap(obj) -> list:
    """The functions behind ``obj``: itself, a partial's function, a method's function,
    staticmethod/classmethod/property parts."""
    out, todo, seen = [], [obj], set()
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if type(item) is _partial:
            todo.extend([item.func, *item.args, *item.keywords.values()])
        elif isinstance(item, (staticmethod, classmethod)):
            todo.append(item.__func__)
        elif isinstance(item, property):
            todo.extend(f for f in (item.fget, item.fset, item.fdel) if f is not None)
        elif type(item) is _MethodType:
            todo.extend([item.__func__, item.__self__])
        else:
            out.append(item)
    return out


def _defined_in_notebook(state: _State, obj) -> bool:
    for item in _unwrap(obj):
        if getattr(item, "__module__", None) == "__main__":
            return True
        code = getattr(item, "__code__", None)
        if type(code) is _CodeType and code.co_filename in state.notebook_files:
            return True
    return False


def _is_course(obj) -> bool:
    module = getattr(obj, "__module__", None)
    return isinstance(module, str) and (module == COURSE or module.startswith(COURSE + "."))


def _course_module(value) -> bool:
    return isinstance(value, _ModuleType) and (value.__name__ == COURSE
                                               or value.__name__.startswith(COURSE + "."))


def _code_names(code) -> tuple[set, set]:
    """(names, strings): every name a code object and its nested code objects use, and
    their string constants."""
    names, strings, todo = set(), set(), [code]
    while todo:
        c = todo.pop()
        names.update(c.co_names)
        names.update(c.co_freevars)
        for const in c.co_consts:
            if type(const) is _CodeType:
                todo.append(const)
            elif type(const) is str:
                strings.add(const)
            elif type(const) is tuple:
                strings.update(x for x in const if type(x) is str)
    return names, strings


def _reaches(state: _State, module, names: set, depth: int = 0) -> str | None:
    """A forbidden object reachable from ``module`` by an attribute path made of ``names``."""
    if depth > 4:
        return None
    for name in names:
        value = module.__dict__.get(name, _MISSING)
        if value is _MISSING:
            continue
        if id(value) in state.forbidden:
            return state.forbidden[id(value)][1]
        if _course_module(value) and value is not module:
            found = _reaches(state, value, names, depth + 1)
            if found:
                return found
    return None


def _copied(state: _State, name: str, obj) -> str | None:
    """Why the notebook's ``name`` is not the student's own code, or None."""
    return _why(state, name, obj, set(), top=True)


def _why(state: _State, name: str, obj, seen: set, top: bool = False) -> str | None:
    if id(obj) in seen:
        return None
    seen.add(id(obj))
    hit = state.forbidden.get(id(obj))
    if hit is not None:
        return f"it is course_lib's {hit[1]}"
    if isinstance(obj, type):
        if _is_course(obj):
            return f"it is course_lib's {_label(obj)}"
        for base in obj.__mro__[1:]:
            if id(base) in state.forbidden:
                return f"it inherits from course_lib's {state.forbidden[id(base)][1]}"
            if _defined_in_notebook(state, base):
                why = _why(state, name, base, seen)
                if why:
                    return f"{why} (in its base class {base.__name__})"
        for attr, value in list(obj.__dict__.items()):
            for fn in _unwrap(value):
                why = _why(state, name, fn, seen)
                if why:
                    return f"{attr}: {why}" if not why.startswith(attr) else why
        return None
    for item in _unwrap(obj):
        if item is not obj:
            why = _why(state, name, item, seen)
            if why:
                return why
            continue
        if top and _is_course(item):
            return f"it is course_lib's {_label(item)}"
        if type(item) is not _FunctionType:
            if top and not isinstance(item, type) and callable(item) \
                    and _defined_in_notebook(state, type(item)):
                return _why(state, name, type(item), seen)
            continue
        if not _defined_in_notebook(state, item):
            continue
        why = _why_code(state, name, item, seen)
        if why:
            return why
    return None


def _why_code(state: _State, name: str, fn, seen: set) -> str | None:
    names, strings = _code_names(fn.__code__)
    env = fn.__globals__
    values = [(n, env.get(n, _MISSING)) for n in sorted(names)]
    for i, cell in enumerate(fn.__closure__ or ()):
        try:
            values.append((fn.__code__.co_freevars[i], cell.cell_contents))
        except (ValueError, IndexError):
            continue
    values += [("a default argument", v) for v in (fn.__defaults__ or ())]
    values += [("a default argument", v) for v in (fn.__kwdefaults__ or {}).values()]
    attribute_names = names | {s for s in strings if s.isidentifier()}
    for used, value in values:
        if value is _MISSING or used in state.graded or used == name:
            continue   # another graded name is judged on its own
        hit = state.forbidden.get(id(value))
        if hit is not None:
            return f"it calls course_lib's {hit[1]} (as {used})"
        if _course_module(value):
            found = _reaches(state, value, attribute_names)
            if found:
                return f"it uses course_lib's {found} (through {used})"
        if type(value) is _FunctionType or isinstance(value, type):
            if _defined_in_notebook(state, value):
                why = _why(state, name, value, seen)
                if why:
                    return f"{why} (in {used})"
    for text in sorted(names | strings):
        if text == COURSE or text.startswith(COURSE + "."):
            module, rest = _module_for(text)
            if module is None:
                continue
            found = _reaches(state, module, attribute_names | rest | {name})
            if found:
                return f"it imports course_lib's {found}"
    return None


def _module_for(text: str) -> tuple:
    """The longest importable module a dotted name starts with, and the names after it."""
    parts = text.split(".")
    for i in range(len(parts), 0, -1):
        if not all(p.isidentifier() for p in parts[:i]):
            continue
        try:
            return _import_module(".".join(parts[:i])), set(parts[i:])
        except Exception:  # noqa: BLE001 - not a module name after all
            continue
    return None, set()


# --------------------------------------------------------------------------- comparisons

def _compare(state: _State) -> None:
    builtin = state.modules.get("builtins", {})
    for attr, before in builtin.items():
        if attr in _IPYTHON_BUILTINS or attr.startswith("_") and attr != "__import__" \
                and attr != "__build_class__":
            continue
        if type(before) is not _BuiltinFunctionType and not isinstance(before, type):
            continue
        if _builtins_dict.get(attr, _MISSING) is not before:
            _note(state, f"builtins.{attr} was replaced")
    for modname, snapshot in state.modules.items():
        if modname == "builtins":
            continue
        module = _modules.get(modname)
        if module is None:
            continue
        if type(module) is not _Guarded and type(module) is not _ModuleType:
            _note(state, f"the class of module {modname} was changed")
        current = _ModuleType.__getattribute__(module, "__dict__")
        for attr, before in snapshot.items():
            if attr in ("__builtins__", "__loader__", "__spec__", "__cached__"):
                continue
            if current.get(attr, _MISSING) is not before:
                _note(state, f"{modname}.{attr} was replaced")
    for fn, saved in list(state.code.values()):
        if not all(a is b for a, b in zip(_function_state(fn), saved, strict=True)):
            _note(state, f"the code of {_label(fn)} was replaced")
    for cls, saved in list(state.classes.values()):
        current = cls.__dict__
        for attr, before in saved.items():
            if attr in ("__dict__", "__weakref__", "__doc__"):
                continue
            if current.get(attr, _MISSING) is not before:
                _note(state, f"{_label(cls)}.{attr} was replaced")
    for owner, attr, before, label in state.attrs:
        if owner is sys:
            now = getattr(sys, attr, _MISSING)
        else:
            now = owner.__dict__.get(attr, _MISSING)
        if not _same(now, before):
            _note(state, f"{label} was replaced")
    for label, getter, before in state.lists:
        try:
            now = getter()
        except Exception:  # noqa: BLE001 - a broken attribute is a change too
            _note(state, f"{label} cannot be read any more")
            continue
        if not _same(now, before) and any(_defined_in_notebook(state, item)
                                          for item in _new_items(now, before)):
            _note(state, f"{label} changed: the notebook added its own")
    for attr, before in state.bindings.items():
        if state.user_ns.get(attr, _MISSING) is not before:
            _note(state, f"the notebook's {attr} (imported by a read-only cell) was rebound")
    for attr in SENSITIVE_BUILTINS:
        value = state.user_ns.get(attr, _MISSING)
        if value is _MISSING or value is _builtins_dict.get(attr):
            continue
        if (callable(value) or isinstance(value, type)) and _defined_in_notebook(state, value):
            _note(state, f"the notebook defines its own {attr}, hiding Python's")
    for event in state.events:
        if event.startswith("copied:"):
            _, name, why = event.split(":", 2)
            state.copied.setdefault(name, why)
        else:
            _note(state, event)
    state.events.clear()


def _notebook_files(state: _State) -> None:
    compiler = getattr(state.shell, "compile", None)
    names = getattr(compiler, "_filename_map", None)
    if isinstance(names, dict):
        state.notebook_files.update(k for k in names if isinstance(k, str))


# --------------------------------------------------------------------------- the API

def _answer(state: _State | None, token: str, **extra) -> str:
    body = {"token": token, "tampered": list(state.tampered) if state else [],
            "copied": dict(state.copied) if state else {}}
    body.update(extra)
    return _dumps(body)


def install(config: str) -> str:
    """Take the pristine state (see the module docstring). ``config`` is JSON:
    ``{"token": str, "graded": [names], "modules": [extra module names to protect]}``."""
    global _STATE
    options = _loads(config)
    shell = _ipython()
    state = _State(options["token"], options.get("graded", []), shell,
                   shell.user_ns if shell is not None else {})
    _STATE = state   # before this module is snapshotted with the others
    # how the grader reaches check() from now on: a class named after the token, found among
    # object's subclasses, so no name the notebook could shadow (``__import__``) is involved
    state.anchor = type(anchor_name(state.token), (), {"check": staticmethod(check)})
    for name in (*PROTECTED, *options.get("modules", ())):
        try:
            _import_module(name)
        except Exception:  # noqa: BLE001 - a module that is not installed is not protected
            continue
    _adopt_new(state)
    for name in (*PROTECTED, *options.get("modules", ()), __name__):
        _adopt(state, name)
    if shell is not None:
        _shell_snapshot(state)
    return _answer(state, state.token, ready=True)


def anchor_name(token: str) -> str:
    return f"_IntegrityProbe_{token}"


def check(token: str, config: str = "{}") -> str:
    """What changed since :func:`install` and which graded names are not the student's own.
    ``config`` is JSON: ``{"bind": [names a read-only cell just imported],
    "graded": [graded names to examine; default: all]}``."""
    state = _STATE
    if state is None or token != state.token:
        return _answer(None, token, error="the integrity checks were not installed")
    options = _loads(config)
    _notebook_files(state)
    for name in options.get("bind", ()):   # the read-only cell that just ran bound these
        value = state.user_ns.get(name, _MISSING)
        if value is not _MISSING:
            state.bindings[name] = value
    _compare(state)
    _adopt_new(state)
    for name in options.get("graded", state.graded):
        if name in state.copied:
            continue
        value = state.user_ns.get(name, _MISSING)
        if value is _MISSING:
            continue
        try:
            why = _copied(state, name, value)
        except Exception as exc:  # noqa: BLE001 - an object built to break the analysis
            why = f"it could not be examined ({type(exc).__name__})"
        if why:
            state.copied[name] = why
    return _answer(state, token)


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
