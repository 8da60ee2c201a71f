"""Running a student's code in a child process, with limits; the verdict stays in this process.

A student's module is untrusted code: it may exit, hang, start a thread that never ends,
allocate without limit, replace ``sys.stdout``, or write into the arrays it is given.
:class:`Sandbox` runs it in a child process (:mod:`torch_reference.sandbox_child`) that imports
NumPy and the student's module, never torch. This process holds the PyTorch references and
makes every comparison; the child only answers calls.

:class:`RemoteModule` stands for the student's module here: its functions are
:class:`RemoteFunction` objects that carry the real function's name, signature, source and
code names (what :mod:`torch_reference.course` and :mod:`torch_reference.adapter` read), and
whose call is a round trip to the child. Every call is timed against :attr:`Limits.call`; the
child's memory is capped at :attr:`Limits.memory_mib` (``RLIMIT_AS``, where the OS has it) and
its stdout and stderr are drained into bounded buffers.

What the child does wrong becomes a :class:`StudentCodeError` for that call, a one-line error
row of the report that says what happened, during which call and after how long:

* an exception: re-raised here as its own type, with the child's frames (the report names the
  student's line);
* ``sys.exit`` in a call; ``os._exit``, a signal or a crash, which end the child: the child is
  started again for the next call;
* a call past the time limit: the child is killed and started again;
* ``MemoryError`` or a kill for memory.

A function that ended or hung the child once is not called again (the rows that need it say
so at once), so a broken function costs one time limit, not one per case.

Writes into the caller's arrays (``dZ = dA; dZ[Z <= 0] = 0``) and returned arrays that alias an
input are found in the child by :func:`torch_reference.sandbox_child.guarded_call` and recorded
here (:meth:`Sandbox.take_writes`); the registry makes them the case's verdict.
"""

from __future__ import annotations

import inspect
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import types
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from .loader import LoadError

#: the package's parent folder, put on the child's path (so that it imports this checker)
_ROOT = str(Path(__file__).resolve().parent.parent)

#: what the child keeps of its stdout and stderr (each)
OUTPUT_TAIL = 16 * 1024


@dataclass(frozen=True)
class Limits:
    """Limits on the code under test (``nn-verify --timeout/--load-timeout/--memory-limit``)."""

    call: float = 10.0  # seconds per call of one of its functions
    load: float = 60.0  # seconds to start the child and load the module (--run-all may train)
    memory_mib: int = 2048  # address space of the child (0: no limit)


@dataclass
class Event:
    """Something the code under test did to the child process (for the report and the grader)."""

    kind: str  # "timeout" | "crashed" | "memory" | "exit"
    function: str
    seconds: float
    message: str


class StudentCodeError(Exception):
    """The code under test did something that is not an answer: the message is the report's line."""


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


class _Drain(threading.Thread):
    """Reads one of the child's output streams into a bounded buffer."""

    def __init__(self, stream: Any) -> None:
        super().__init__(daemon=True)
        self.stream, self.tail, self.total = stream, deque(maxlen=64), 0

    def run(self) -> None:
        while chunk := self.stream.read1(4096) if hasattr(self.stream, "read1") else self.stream.read(4096):
            self.total += len(chunk)
            self.tail.append(chunk)

    def text(self) -> str:
        return b"".join(self.tail)[-OUTPUT_TAIL:].decode("utf-8", "replace")


#: what may come back from the child: NumPy's arrays, scalars and dtypes, the builtin containers and
#: exceptions, the loader's report. Anything else (an object whose __reduce__ would run code here)
#: is refused: unpickling a student's object in the checker's process would let it decide the verdict.
_NUMPY_GLOBALS = {
    ("numpy", "dtype"), ("numpy", "ndarray"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy.linalg", "LinAlgError"),
    ("numpy.exceptions", "AxisError"), ("numpy._core._exceptions", "_UFuncNoLoopError"),
    ("torch_reference.loader", "LoadReport"), ("collections", "OrderedDict"),
}  # fmt: skip
_BUILTIN_TYPES = {"set", "frozenset", "complex", "slice", "range", "bytearray", "list", "dict", "tuple"}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _NUMPY_GLOBALS:
            return super().find_class(module, name)
        if module == "builtins":
            import builtins

            value = getattr(builtins, name, None)
            if name in _BUILTIN_TYPES or (isinstance(value, type) and issubclass(value, BaseException)):
                return value
        raise pickle.UnpicklingError(f"{module}.{name}")


def safe_loads(data: bytes) -> Any:
    """``pickle.loads`` of what the child sent, restricted to :data:`_NUMPY_GLOBALS` and builtins."""
    import io

    return _SafeUnpickler(io.BytesIO(data)).load()


def _rebuild(info: dict[str, Any]) -> BaseException:
    """The child's exception as an exception of this process, of the same type where it can be."""
    if info.get("object") is not None:  # in process: the exception itself, with its traceback
        return info["object"]
    exc: BaseException | None = None
    if info.get("pickled") is not None:
        try:
            exc = safe_loads(info["pickled"])
        except Exception:
            exc = None
    if exc is None:
        import builtins

        base = next((getattr(builtins, n) for n in info["mro"] if isinstance(getattr(builtins, n, None), type)
                     and issubclass(getattr(builtins, n), Exception)), Exception)  # fmt: skip
        try:
            exc = base(info["message"])
        except Exception:
            exc = Exception(info["message"])
    if info.get("name") is not None and isinstance(exc, NameError):
        exc.name = info["name"]
    exc.remote_frames = info["frames"]  # type: ignore[attr-defined]  # read by registry._last_frame
    return exc


class Sandbox:
    """One child process running one student's module (started again after a crash)."""

    def __init__(self, spec: str, run_all: bool = False, limits: Limits | None = None) -> None:
        self.spec, self.run_all, self.limits = spec, run_all, limits or Limits()
        self.events: list[Event] = []
        self.poisoned: dict[str, str] = {}  # function -> why it is not called again
        self._writes: list[str] = []
        self._proc: subprocess.Popen | None = None
        self._np_state: dict[str, Any] | None = None  # the child's legacy global state, as last synced
        self._lock = threading.Lock()
        self.load_seconds = 0.0
        self.calls = 0
        reply = self._start()
        self.manifest, self.report, self.file = reply["manifest"], reply.get("report"), reply.get("file")

    # ------------------------------------------------------------------ the child
    def _start(self) -> dict[str, Any]:
        """Start the child and load the module; raise LoadError (one line) if it cannot."""
        start = time.perf_counter()
        self._np_state = None
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([_ROOT, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"  # the cases are small; one thread each lets -j N children share the cores
        env["MPLBACKEND"] = "Agg"
        code = "from torch_reference.sandbox_child import main; main()"
        self._proc = subprocess.Popen(
            [sys.executable, "-c", code, str(to_child_r), str(from_child_w), str(self.limits.memory_mib)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(to_child_r, from_child_w), start_new_session=True, env=env,
        )  # fmt: skip
        os.close(to_child_r)
        os.close(from_child_w)
        self._send = Connection(to_child_w, readable=False)
        self._recv = Connection(from_child_r, writable=False)
        self._out, self._err = _Drain(self._proc.stdout), _Drain(self._proc.stderr)
        self._out.start()
        self._err.start()
        what = f"loading {self.spec}"
        try:
            self._reply(what, self.limits.load, start)  # "ready"
            self._send.send_bytes(pickle.dumps({"op": "load", "spec": self.spec, "run_all": self.run_all}))
            reply = self._reply(what, self.limits.load - (time.perf_counter() - start), start)
        except StudentCodeError as exc:
            raise LoadError(f"{self.spec}: {exc}") from None
        if "load_error" in reply or "manifest" not in reply:
            self._stop()
            raise LoadError(reply.get("load_error") or f"{self.spec}: its names could not be read: "
                            f"{reply.get('unsendable', reply)}")  # fmt: skip
        self.load_seconds = time.perf_counter() - start
        return reply

    def _reply(self, what: str, timeout: float, start: float) -> dict[str, Any]:
        """The child's next message, or StudentCodeError if it ends or runs past ``timeout``."""
        proc = self._proc
        assert proc is not None
        try:
            ready = self._recv.poll(max(timeout, 0.0))
            data = self._recv.recv_bytes() if ready else None
        except (EOFError, OSError):
            data = None
        elapsed = time.perf_counter() - start
        if data is not None:
            try:
                return safe_loads(data)
            except pickle.UnpicklingError as exc:
                return {"unsendable": f"it holds an object of {exc} (only numbers, strings, None, NumPy arrays "
                        "and lists, tuples and dicts of them are taken back)"}  # fmt: skip
            except Exception as exc:
                return {"unsendable": f"{type(exc).__name__}: {exc}"}
        if proc.poll() is None and not ready:
            self._kill()
            kind = "timeout"
            limit = self._limit_of(what)
            message = f"timed out: {what} ran past the limit of {limit:g} s (killed after {elapsed:.1f} s)"
        else:
            try:
                code = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._kill()
                code = proc.wait()
            kind, message = self._death(code, what, elapsed)
        self.events.append(Event(kind, what, elapsed, message))
        self._proc = None
        raise StudentCodeError(message)

    def _limit_of(self, what: str) -> float:
        return self.limits.load if what.startswith("loading") else self.limits.call

    def _death(self, code: int, what: str, elapsed: float) -> tuple[str, str]:
        tail = self._err.text().strip().splitlines()
        last = f" (its last output: {tail[-1][:200]})" if tail else ""
        if code is not None and code < 0:
            name = _signal_name(code)
            if name == "SIGKILL":
                return "memory", (f"killed (SIGKILL) during {what} after {elapsed:.1f} s: out of memory? (the "
                                  f"limit is {self.limits.memory_mib} MiB){last}")  # fmt: skip
            return "crashed", f"crashed with {name} during {what} after {elapsed:.1f} s{last}"
        return "crashed", (f"the student's code ended the process (exit status {code}: os._exit or an exit "
                           f"at import) during {what} after {elapsed:.1f} s{last}")  # fmt: skip

    def _kill(self) -> None:
        proc = self._proc
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        proc.wait()

    def _stop(self) -> None:
        if self._proc is None:
            return
        try:
            self._send.send_bytes(pickle.dumps({"op": "exit"}))
            self._proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self._kill()  # its process group: threads and processes the code started
        self._proc = None

    def close(self) -> None:
        """End the child (and anything it started)."""
        with self._lock:
            self._stop()

    def __del__(self) -> None:
        try:
            self._stop()
        except Exception:
            pass

    def output(self) -> tuple[str, str]:
        """The last :data:`OUTPUT_TAIL` bytes the child printed to stdout and stderr."""
        return self._out.text(), self._err.text()

    # ------------------------------------------------------------------ calls
    def take_writes(self) -> list[str]:
        """The writes into the caller's arrays since the last call of this method."""
        writes, self._writes = self._writes, []
        return writes

    def call(self, name: str, args: tuple, kwargs: dict, replaced: dict[str, Any] | None = None,
             contract: str | None = None) -> Any:  # fmt: skip
        """``module.name(*args, **kwargs)`` in the child (with some globals replaced for the call)."""
        state = np.random.get_state(legacy=False)
        moved = self._np_state is None or not _same_state(state, self._np_state)
        msg = {"op": "call", "name": name, "args": args, "kwargs": kwargs, "globals": replaced,
               "np_state": np.random.get_state() if moved else None, "contract": contract}  # fmt: skip
        with self._lock:
            if name in self.poisoned:
                raise StudentCodeError(self.poisoned[name])
            self.calls += 1
            reply = self._exchange(name, msg)
        return self._answer(name, args, kwargs, reply)

    def _exchange(self, name: str, msg: dict[str, Any]) -> dict[str, Any]:
        if self._proc is None:
            try:
                self._start()
            except LoadError as exc:
                raise StudentCodeError(f"the child could not be started again: {exc}") from None
        try:
            data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise StudentCodeError(f"checker bug (not your code): cannot send the arguments of {name}: {exc}") from None
        start = time.perf_counter()
        try:
            self._send.send_bytes(data)
            return self._reply(f"{name}()", self.limits.call, start)
        except StudentCodeError as exc:
            self.poisoned[name] = f"{exc} (not called again)"
            raise
        except OSError:
            self._proc = None
            raise StudentCodeError(f"the child ended before {name}() could be called") from None

    def _answer(self, name: str, args: tuple, kwargs: dict, reply: dict[str, Any]) -> Any:
        """What the call returns here: its value, or the exception it raised (rebuilt)."""
        if reply.get("np_state") is not None:  # the call moved the legacy global stream: so here
            np.random.set_state(reply["np_state"])
        self._np_state = np.random.get_state(legacy=False)  # what the child has now
        if "unsendable" in reply:
            raise StudentCodeError(f"{name} returned something that cannot be sent back: {reply['unsendable']}")
        if "raised" in reply:
            info = reply["raised"]
            if info["type"] == "SystemExit":
                message = f"{name} called sys.exit({info.get('exit_code')!r}) after {reply['seconds']:.2f} s"
                self.events.append(Event("exit", f"{name}()", reply["seconds"], message))
                raise StudentCodeError(message)
            if info["type"] == "MemoryError":
                message = (f"{name} ran out of memory (MemoryError; the limit is {self.limits.memory_mib} MiB) "
                           f"after {reply['seconds']:.2f} s")  # fmt: skip
                self.events.append(Event("memory", f"{name}()", reply["seconds"], message))
                raise StudentCodeError(message)
            raise _rebuild(info)
        _set_random_states((args, kwargs), reply.get("rng_states", []))
        self._writes += [f"{name}: {w}" for w in reply["writes"]]
        return reply["value"]


class InProcess(Sandbox):
    """The same view of the module, its code run in this process (``--no-isolate``): no limits,
    but the same writes check; for a debugger, and for tests that are not about isolation."""

    def _start(self) -> dict[str, Any]:
        from .sandbox_child import Server

        start = time.perf_counter()
        self._server = Server()
        self._server.in_process = True
        reply = self._server.load(self.spec, self.run_all)
        if "load_error" in reply:
            raise LoadError(reply["load_error"])
        self.load_seconds = time.perf_counter() - start
        return reply

    def _exchange(self, name: str, msg: dict[str, Any]) -> dict[str, Any]:
        return self._server.call(msg)

    def _stop(self) -> None:
        pass

    def output(self) -> tuple[str, str]:
        return "", ""


def _same_state(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a["state"]["pos"] == b["state"]["pos"] and a["has_gauss"] == b["has_gauss"] and a["gauss"] == b["gauss"]
            and np.array_equal(a["state"]["key"], b["state"]["key"]))  # fmt: skip


def _set_random_states(obj: Any, states: list[Any]) -> None:
    """Advance the caller's generators as the child's copies were advanced (the same walk order)."""
    from .sandbox_child import generators

    for rng, state in zip(generators(obj), states, strict=False):
        if isinstance(rng, np.random.Generator):
            rng.bit_generator.state = state
        else:
            rng.set_state(state)


class RemoteFunction:
    """A function of the student's module that lives in the child; calling it is a round trip."""

    __nn_verify_remote__ = True

    def __init__(self, sandbox: Sandbox, key: str, info: dict[str, Any]) -> None:
        self._sandbox, self._key = sandbox, key
        self.__name__ = info["name"]
        self.__qualname__ = info["qualname"]
        self.__module__ = info["module"]
        self.__doc__ = info["doc"]
        self.__nn_verify_source__ = info["source"]
        self.__nn_verify_students__ = info["students"]
        self.__code__ = types.SimpleNamespace(
            co_names=info["co_names"], co_filename=info["co_filename"], co_name=info["co_name"]
        )
        if info["parameters"] is not None:
            empty = inspect.Parameter.empty
            params = [inspect.Parameter(n, inspect._ParameterKind(k), default=d if has else empty)
                      for n, k, has, d in info["parameters"]]  # fmt: skip
            self.__signature__ = inspect.Signature(params)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._sandbox.call(self._key, args, kwargs)

    def call_with_globals(self, replaced: dict[str, Any], *args: Any) -> Any:
        """Call with some of the module's globals replaced for the call (the course's gradient
        check calls forward_propagation by name)."""
        return self._sandbox.call(self._key, args, {}, replaced=replaced)

    def __repr__(self) -> str:
        return f"<function {self.__qualname__} of {self._sandbox.spec} (in the sandbox)>"


def remote_module(sandbox: Sandbox) -> types.ModuleType:
    """The student's module as seen from this process: its functions are :class:`RemoteFunction`."""
    manifest = sandbox.manifest
    module = types.ModuleType(manifest["name"])
    if sandbox.file:
        module.__file__ = sandbox.file
    for name, value in manifest["constants"].items():
        setattr(module, name, value)
    for name, info in manifest["functions"].items():
        setattr(module, name, RemoteFunction(sandbox, name, info))
    module.__nn_verify_sandbox__ = sandbox
    return module
