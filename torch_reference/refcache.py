"""The cache of a grading run: each case's draw and PyTorch references, computed once for a class.

A case is determined by its entry, seed, shape and dtype (:func:`torch_reference.registry.case_rng`),
so its draw and, for an entry without a ``prepare`` step, its references do not depend on the
student. An entry with ``prepare`` (a training loop started from the student's own initializer)
has references that depend on what ``prepare`` returned: they are kept by a digest of that case, so
students whose initializers agree (the course seeds them) share them too.

:class:`reference_cache` turns it on (``nn-verify grade``'s workers keep it on for their whole
life); what it hands out is always a fresh copy, never the cached object.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

#: the cache while on (None: off); cleared when it reaches LIMIT entries
_CACHE: dict[Any, Any] | None = None
LIMIT = 200_000


class reference_cache:  # noqa: N801 - a context manager, like np.errstate
    """Within it, draws and references are computed once per case and kept."""

    def __enter__(self) -> dict[Any, Any]:
        global _CACHE
        self.saved, _CACHE = _CACHE, {}
        return _CACHE

    def __exit__(self, *exc: Any) -> None:
        global _CACHE
        _CACHE = self.saved


def cached(kind: str, key: Any, compute: Any) -> Any:
    """``compute()``, kept under (kind, key) while the cache is on; a fresh copy each time."""
    if _CACHE is None:
        return compute()
    full = (kind, *key)
    if full not in _CACHE:
        if len(_CACHE) >= LIMIT:
            _CACHE.clear()
        _CACHE[full] = compute()
    return fresh(_CACHE[full])


def case_key(case: Any) -> str | None:
    """A digest of a case (its arrays' bytes, dtypes and shapes), or None if it holds something else."""
    try:
        return _digest(case)
    except _UnhashableError:
        return None


class _UnhashableError(Exception):
    pass


def _feed(h: Any, obj: Any) -> None:
    if obj is None or isinstance(obj, (bool, int, float, str, bytes, complex)):
        h.update(f"{type(obj).__name__}:{obj!r};".encode())
    elif isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise _UnhashableError
        h.update(f"nd:{obj.dtype.str}:{obj.shape};".encode())
        h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, np.generic):
        h.update(f"np:{obj.dtype.str}:{obj!r};".encode())
    elif isinstance(obj, Mapping):
        h.update(f"map:{len(obj)};".encode())
        for key in sorted(obj, key=repr):
            _feed(h, key)
            _feed(h, obj[key])
    elif isinstance(obj, (list, tuple)):
        h.update(f"{type(obj).__name__}:{len(obj)};".encode())
        for x in obj:
            _feed(h, x)
    elif type(obj).__module__ == "torch" and type(obj).__name__ == "dtype":
        h.update(f"torch:{obj};".encode())
    else:
        raise _UnhashableError


def _digest(obj: Any) -> str:
    h = hashlib.blake2b(digest_size=20)
    _feed(h, obj)
    return h.hexdigest()


def fresh(obj: Any) -> Any:
    """A copy of a cached case or reference for one use: arrays copied, containers and dataclasses
    rebuilt, everything else shared (numbers, strings, functions); much cheaper than deepcopy."""
    if isinstance(obj, np.ndarray):
        return obj.copy()
    if isinstance(obj, dict):
        return type(obj)((k, fresh(v)) for k, v in obj.items()) if type(obj) is dict else copy.deepcopy(obj)
    if isinstance(obj, list):
        return [fresh(v) for v in obj]
    if type(obj) is tuple:
        return tuple(fresh(v) for v in obj)
    if obj is None or isinstance(obj, (bool, int, float, str, bytes, complex, np.generic)) or callable(obj):
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = copy.copy(obj)
        for f in dataclasses.fields(obj):
            object.__setattr__(out, f.name, fresh(getattr(obj, f.name)))
        return out
    return copy.deepcopy(obj)


