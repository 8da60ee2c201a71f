"""The sandbox's child process: it loads the code under test and calls it, and nothing else.

It imports NumPy, :mod:`torch_reference.loader` and :mod:`torch_reference.course_helpers`
(NumPy only), never torch: importing torch here raises ImportError. The parent process
(:mod:`torch_reference.sandbox`) holds the PyTorch references and makes every comparison; this
process only answers "call f with these arrays" with what f returned, how long it took, and
which of the caller's arrays it wrote into (:func:`guarded_call`).

The protocol is pickled messages on two pipes (not stdin/stdout, which the code under test may
print to, close or replace):

* ``{"op": "load", "spec", "run_all"}`` -> ``{"manifest": {...}, "report": LoadReport}`` or
  ``{"load_error": "one line"}``
* ``{"op": "call", "name", "args", "kwargs", "globals", "np_state"}`` -> ``{"value", "writes",
  "np_state", "rng_states", "seconds"}`` or ``{"raised": {...}}``
* ``{"op": "exit"}``: the process ends at once (``os._exit``), whatever threads the code started.

This module is also used in the parent's own process by ``--no-isolate`` (:func:`guarded_call`
is the same there).
"""

from __future__ import annotations

import functools
import importlib.abc
import inspect
import os
import pickle
import sys
import time
import traceback
import types
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

#: functions whose returned arrays may be the input itself or a view of it: the identity activation's
#: A = Z, and the course's vector_to_dictionary (theta[:20].reshape(5, 4), in gc_utils itself)
MAY_ALIAS = frozenset({"linear", "vector_to_dictionary"})

#: container nesting walked when looking for the caller's arrays (caches are tuples of tuples)
_DEPTH = 6


class _NoTorch(importlib.abc.MetaPathFinder):
    """Refuses ``import torch`` in the child: the code under test gets NumPy only."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "torch" or name.startswith("torch."):
            raise ImportError(f"{name} is not available to the code under test (the checker runs it with NumPy only)")
        return None


# ------------------------------------------------------------------ the caller's arrays, before and after
def _arrays(obj: Any, path: str, out: list[tuple[str, np.ndarray]], seen: set[int], depth: int = 0) -> None:
    if depth > _DEPTH or id(obj) in seen:
        return
    if isinstance(obj, np.ndarray):
        seen.add(id(obj))
        out.append((path, obj))
    elif isinstance(obj, dict):
        seen.add(id(obj))
        for k, v in list(obj.items()):
            _arrays(v, f"{path}[{k!r}]", out, seen, depth + 1)
    elif isinstance(obj, (list, tuple)):
        seen.add(id(obj))
        for i, v in enumerate(obj):
            _arrays(v, f"{path}[{i}]", out, seen, depth + 1)


_SIGNATURES: dict[int, tuple[Any, inspect.Signature]] = {}


def _signature(func: Any) -> inspect.Signature:
    known = _SIGNATURES.get(id(func))
    if known is None or known[0] is not func:
        known = _SIGNATURES[id(func)] = (func, inspect.signature(func))
    return known[1]


def _arg_names(func: Any, args: tuple, kwargs: dict) -> list[tuple[str, Any]]:
    """(parameter name, value) of each argument, named as the function names them."""
    try:
        sig = _signature(func)
        bound = sig.bind_partial(*args, **kwargs)
        named = []
        for name, value in bound.arguments.items():
            kind = sig.parameters[name].kind
            if kind is inspect.Parameter.VAR_POSITIONAL:
                named += [(f"{name}[{i}]", v) for i, v in enumerate(value)]
            elif kind is inspect.Parameter.VAR_KEYWORD:
                named += list(value.items())
            else:
                named.append((name, value))
        return named
    except (TypeError, ValueError):
        return [(f"argument {i + 1}", a) for i, a in enumerate(args)] + list(kwargs.items())


def _first_difference(before: np.ndarray, after: np.ndarray) -> tuple[tuple[int, ...], Any, Any]:
    if before.shape != after.shape:
        return (), f"shape {before.shape}", f"shape {after.shape}"
    differs = ~((before == after) | (np.isnan(before) & np.isnan(after)) if before.dtype.kind in "fc"
                else before == after)  # fmt: skip
    index = tuple(int(i) for i in np.argwhere(np.asarray(differs))[0]) if np.ndim(differs) else ()
    return index, before[index].item(), after[index].item()


def _returned_arrays(value: Any) -> list[tuple[str, np.ndarray]]:
    """The arrays a function returns as results: the value itself, the values of a returned dict,
    the items of a returned tuple or list, except the second of a pair: the course's ``(A, cache)``
    and ``(AL, caches)``, whose cache holds the inputs by design (as do arrays nested deeper)."""
    top = value if isinstance(value, (tuple, list)) else (value,)
    if isinstance(value, tuple) and len(value) == 2:
        top = value[:1]
    out = []
    for i, item in enumerate(top):
        where = "the result" if item is value else f"result[{i}]"
        if isinstance(item, np.ndarray):
            out.append((where, item))
        elif isinstance(item, dict) and not (isinstance(value, (tuple, list)) and i > 0):
            out += [(f"{where}[{k!r}]", v) for k, v in item.items() if isinstance(v, np.ndarray)]
    return out


def guarded_call(func: Any, name: str, args: tuple, kwargs: dict) -> tuple[Any, list[str]]:
    """Call ``func(*args, **kwargs)``; return (its value, the writes it made into its arguments).

    A write is an element of an array the caller passed that the call changed in place, or an
    array it returns that shares memory with one the caller passed (NumPy views included). Each
    is one line naming the argument and the element. Rebinding the entries of a dict it was given
    (the course's ``parameters["W1"] = parameters["W1"] - ...``) is not a write: the arrays the
    caller holds are unchanged. Writing into them (``parameters["W1"] -= ...``) is.
    """
    given: list[tuple[str, np.ndarray]] = []
    seen: set[int] = set()
    for arg, value in _arg_names(func, args, kwargs):
        _arrays(value, arg, given, seen)
    copies = [a.copy() for _, a in given]
    value = func(*args, **kwargs)
    writes = []
    for (where, array), before in zip(given, copies, strict=True):
        if array.shape != before.shape or not np.array_equal(array, before, equal_nan=array.dtype.kind in "fc"):
            index, old, new = _first_difference(before, array)
            at = f"{where}[{', '.join(map(str, index))}]" if index else where
            writes.append(f"writes into the caller's {where}: {at} was {old!r}, is {new!r} after the call")
    if name not in MAY_ALIAS:
        for out_where, out in _returned_arrays(value):
            for where, array in given:
                if out.size and np.shares_memory(out, array):
                    what = "is" if out is array else "is a view of"
                    writes.append(f"{out_where} {what} the caller's {where} (returned without a copy)")
                    break
    return value, writes


# ------------------------------------------------------------------ what the parent learns of the module
def _parameters(func: Any) -> list[tuple[str, int, bool, Any]] | None:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        default = None if p.default is p.empty else p.default
        if not _plain(default):
            default = repr(default)  # what the parent reads of a default is its value, if a literal
        out.append((p.name, int(p.kind), p.default is not p.empty, default))
    return out


def _plain(value: Any) -> bool:
    """A literal the parent may be sent: None, a bool, int, float or str, or a tuple or list of them."""
    if value is None or type(value) in (bool, int, float, str):
        return True
    return type(value) in (tuple, list) and all(_plain(v) for v in value)


def _data(value: Any, depth: int = 0) -> bool:
    """Numbers, strings, numeric arrays and containers of them: what the parent takes back."""
    if depth > _DEPTH:
        return False
    if _plain(value) or (type(value) is np.ndarray and not value.dtype.hasobject) or isinstance(value, np.generic):
        return True
    if type(value) in (tuple, list):
        return all(_data(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(_plain(k) and _data(v, depth + 1) for k, v in value.items())
    return False


def describe(module: types.ModuleType, path: str | None) -> dict[str, Any]:
    """What the parent needs to know of the module's names, to recognize and call them."""
    functions, constants = {}, {}
    for name, value in list(vars(module).items()):
        if name.startswith("__"):
            continue
        try:
            entry = _describe_function(value, name, path) if isinstance(value, _CALLABLES) else None
        except Exception:  # an object whose attributes raise: not something the checker calls
            continue
        if entry is not None:
            functions[name] = entry
        elif _data(value):
            try:
                if len(pickle.dumps(value)) < 1 << 20:
                    constants[name] = value
            except Exception:
                pass
    return {"functions": functions, "constants": constants, "name": module.__name__}


#: what the parent may call: Python functions, builtins and ufuncs, partials (not classes, not
#: the stand-ins for names whose import failed)
_CALLABLES = (types.FunctionType, types.BuiltinFunctionType, np.ufunc, functools.partial)


def _describe_function(value: Any, name: str, path: str | None) -> dict[str, Any]:
    from .loader import code_of, is_students, source_of

    code = code_of(value)
    try:
        source = source_of(value)
    except Exception:
        source = None
    doc = getattr(value, "__doc__", None)
    return {
        "name": getattr(value, "__name__", name),
        "qualname": getattr(value, "__qualname__", name),
        "module": getattr(value, "__module__", None),
        "doc": doc if isinstance(doc, str) else None,
        "parameters": _parameters(value),
        "source": source,
        "co_names": tuple(code.co_names) if code is not None else (),
        "co_filename": code.co_filename if code is not None else "",
        "co_name": code.co_name if code is not None else name,
        "students": is_students(value, path),
    }


# ------------------------------------------------------------------ the server
def _exception_info(exc: BaseException, pickled: bool = True) -> dict[str, Any]:
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(exc.__traceback__)]
    try:
        text = str(exc)
    except Exception:
        text = f"<{type(exc).__name__}>"
    data = None
    if pickled:
        try:
            data = pickle.dumps(exc)
            pickle.loads(data)
        except Exception:
            data = None
    info = {"type": type(exc).__name__, "module": type(exc).__module__, "message": text, "frames": frames,
            "pickled": data, "mro": [c.__name__ for c in type(exc).__mro__]}  # fmt: skip
    if isinstance(exc, SystemExit):
        info["exit_code"] = exc.code if isinstance(exc.code, (int, str, type(None))) else repr(exc.code)
    if isinstance(exc, NameError):
        info["name"] = getattr(exc, "name", None)
    return info


def generators(obj: Any, depth: int = 0) -> list[Any]:
    """The ``Generator`` and ``RandomState`` objects in ``obj`` (nested containers), in one order:
    the child reports their states after a call in this order, and the parent sets its own in it."""
    if depth > _DEPTH:
        return []
    if isinstance(obj, (np.random.Generator, np.random.RandomState)):
        return [obj]
    values = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else ()
    return [g for v in values for g in generators(v, depth + 1)]


def state_of(rng: Any) -> Any:
    return rng.bit_generator.state if isinstance(rng, np.random.Generator) else rng.get_state(legacy=False)


class Server:
    """Loads one module and answers calls of its functions (in the child, or in process)."""

    def __init__(self) -> None:
        self.module: types.ModuleType | None = None
        self.in_process = False  # True for --no-isolate: exceptions are handed over as they are

    def load(self, spec: str, run_all: bool) -> dict[str, Any]:
        from .loader import LoadError, _one_line, load_spec

        path = list(sys.path)
        try:
            module, report, file = load_spec(spec, run_all=run_all)
            self.module = module
            # a module that empties or rewrites sys.path at import keeps what it added, not what it removed
            sys.path[:] = sys.path + [p for p in path if p not in sys.path]
            return {"manifest": describe(module, file), "report": report, "file": file}
        except LoadError as exc:
            return {"load_error": str(exc)}
        except SystemExit as exc:
            return {"load_error": f"{spec}: loading it called sys.exit({exc.code!r})"}
        except BaseException as exc:  # whatever it raised, one line
            return {"load_error": f"{spec}: loading it raised {type(exc).__name__}: {_one_line(exc)}"}

    def call(self, msg: dict[str, Any]) -> dict[str, Any]:
        assert self.module is not None
        namespace = vars(self.module)
        func = namespace[msg["name"]]
        args, kwargs = msg["args"], msg["kwargs"]
        replaced = msg.get("globals") or {}
        g = getattr(func, "__globals__", namespace)
        saved = {k: g[k] for k in replaced if k in g}
        g.update(replaced)
        if msg.get("np_state") is not None:  # the caller's legacy global stream, where it moved
            np.random.set_state(msg["np_state"])
        before = np.random.get_state(legacy=False)
        start = time.perf_counter()
        try:
            value, writes = guarded_call(func, msg.get("contract") or msg["name"], args, kwargs)
        except BaseException as exc:  # sys.exit included: the parent decides
            if isinstance(exc, KeyboardInterrupt) and self.in_process:
                raise
            info = _exception_info(exc, pickled=not self.in_process)
            if self.in_process:
                info["object"] = exc
            return {"raised": info, "seconds": time.perf_counter() - start, "np_state": _moved(before)}
        finally:
            for k in replaced:
                if k in saved:
                    g[k] = saved[k]
                else:
                    g.pop(k, None)
        states = [state_of(g) for g in generators((args, kwargs))]
        return {"value": value, "writes": writes, "seconds": time.perf_counter() - start,
                "np_state": _moved(before), "rng_states": states}  # fmt: skip


def _moved(before: dict[str, Any]) -> tuple | None:
    """NumPy's legacy global state if the call moved it (to be set in the caller), else None."""
    after = np.random.get_state(legacy=False)
    a, b = after["state"], before["state"]
    same = a["pos"] == b["pos"] and after["has_gauss"] == before["has_gauss"] and np.array_equal(a["key"], b["key"])
    return None if same else np.random.get_state()


def _limit_memory(mib: int) -> None:
    try:
        import resource

        limit = mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):  # not on this OS: the wall-clock limit still holds
        pass


def _die_with_parent() -> None:
    """End this process when the checker's process is gone (killed while the code under test runs):
    a daemon thread watches the parent's pid (the GIL lets it run between the student's bytecodes)."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="nn-verify-parent-watch").start()


def main() -> None:
    """The child's entry: ``python -c "from torch_reference.sandbox_child import main; main()" R W MiB``."""
    read_fd, write_fd, mib = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    sys.meta_path.insert(0, _NoTorch())
    if mib > 0:
        _limit_memory(mib)
    _die_with_parent()
    conn_in, conn_out = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    server = Server()
    send = conn_out.send_bytes
    send(pickle.dumps({"ready": os.getpid()}))
    while True:
        try:
            msg = pickle.loads(conn_in.recv_bytes())
        except (EOFError, OSError):
            os._exit(0)
        if msg["op"] == "exit":
            os._exit(0)
        try:
            reply = server.load(msg["spec"], msg["run_all"]) if msg["op"] == "load" else server.call(msg)
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data = pickle.dumps({"raised": {"type": "MemoryError", "module": "builtins", "message": "",
                                            "frames": [], "pickled": None, "mro": ["MemoryError"]}})  # fmt: skip
        except BaseException as exc:  # a result that cannot be sent back
            data = pickle.dumps({"unsendable": f"{type(exc).__name__}: {exc}"})
        send(data)


if __name__ == "__main__":
    main()
