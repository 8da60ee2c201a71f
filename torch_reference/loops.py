"""The registry entry of the per-example forward loop of the notes.

Catalogue ID: FWD-LOOP. The implementation's ``model_forward_loop`` (one example at a time, see
``scratch_nn/loops.py``) is compared with PyTorch's vectorized forward of the same network, every
``Z[l]`` and ``A[l]``, with the same cases and the same rounding-error bounds as FWD-L: each
``z[l](i)`` is the same dot products as column i of ``W[l] A[l-1] + b[l]``, only perhaps summed in
another order, which the bound ``k·u·|W||A|`` covers.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from . import model as _model  # FWD-L must be registered first
from .registry import REGISTRY, Case, Entry, register


def _run_forward_loop(impl: Any, case: Case) -> dict[str, Any]:
    AL, caches = impl.model_forward_loop(case["X"], case["parameters"], activations=case["activations"])
    out = {f"Z{l}": cache[1] for l, cache in enumerate(caches, start=1)}
    out.update({f"A{l}": cache[0][0] for l, cache in enumerate(caches) if l > 0})
    out[f"A{len(caches)}"] = AL
    return out


def _forward_entry() -> Entry:
    for entry in REGISTRY:
        if entry.key == "FWD-L":
            return entry
    raise LookupError(f"FWD-L is not registered (torch_reference.model {_model.__name__} defines it)")


register(
    dataclasses.replace(
        _forward_entry(),
        id="FWD-LOOP",
        equation="for i = 1..m: z[l](i) = W[l] a[l-1](i) + b[l], a[l](i) = g[l](z[l](i))",
        run=_run_forward_loop,
        needs=("model_forward_loop",),
    )
)
