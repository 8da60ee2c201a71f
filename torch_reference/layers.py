"""One layer in PyTorch (``nn.Linear`` + activation module), and its registry entries.

Catalogue IDs: LIN-FWD, ACT-FWD, BWD-ACT, BWD-DW, BWD-DB, BWD-DA.

The linear step's gradients come from autograd on the surrogate cost
``J = (1/m) sum(Z ⊙ dZ)``, whose per-example gradient with respect to Z is the
given ``dZ``: then ``weight.grad = dW``, ``bias.grad = db`` and
``m · A_prev.grad = dA_prev`` (the factor m applied in ``layout.per_example_grad``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from . import cases
from .activations import BACKWARD_NAME, KINKED, torch_activation, torch_activation_backward
from .finite_differences import fd_activation, fd_linear
from .layout import (
    bias_from_torch,
    bias_to_torch,
    from_rows,
    per_example_grad,
    to_rows,
    weight_from_torch,
    weight_to_torch,
)
from .ops import activation
from .registry import Case, Entry, Reference, register
from .tolerance import activation_backward_bound, activation_bound, linear_backward_bounds, linear_bound

#: (n[l-1], n[l], m): non-square layers, m > 1, plus m = 1 and width 1
LAYER_SHAPES = [(5, 3, 7), (2, 6, 4), (4, 1, 9), (3, 2, 1), (1, 1, 1)]


def torch_linear(W: np.ndarray, b: np.ndarray, device: str, dtype: torch.dtype) -> nn.Linear:
    """``nn.Linear(n[l-1], n[l])`` holding W[l] and b[l] (weight copies as is)."""
    layer = nn.Linear(W.shape[1], W.shape[0], device=device, dtype=dtype)
    with torch.no_grad():
        layer.weight.copy_(weight_to_torch(W, device, dtype))
        layer.bias.copy_(bias_to_torch(b, device, dtype))
    return layer


def torch_linear_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, device: str, dtype: torch.dtype
) -> np.ndarray:
    """``Z = W A_prev + b`` by ``nn.Linear`` in the row layout, returned as ``(n[l], m)``."""
    with torch.no_grad():
        return from_rows(torch_linear(W, b, device, dtype)(to_rows(A_prev, device, dtype)))


def torch_linear_backward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, dZ: np.ndarray, device: str, dtype: torch.dtype
) -> dict[str, np.ndarray]:
    """``dW``, ``db``, ``dA_prev`` for a given per-example ``dZ``, by autograd."""
    m = A_prev.shape[1]
    layer = torch_linear(W, b, device, dtype)
    A_prev_t = to_rows(A_prev, device, dtype, requires_grad=True)
    J = (layer(A_prev_t) * to_rows(dZ, device, dtype)).sum() / m
    J.backward()
    return {
        "dW": weight_from_torch(layer.weight.grad),
        "db": bias_from_torch(layer.bias.grad),
        "dA_prev": per_example_grad(A_prev_t, m),
    }


def draw_layer(rng: np.random.Generator, shape: tuple[int, int, int], dtype: type, activation: str = "linear") -> Case:
    """A_prev, W, b (non-zero), a random upstream dZ and dA, and a Z for backward
    that sees both branches of ``activation`` away from its kink."""
    n_prev, n, m = shape
    params = cases.layer_parameters(rng, [n_prev, n], dtype)
    return {
        "A_prev": cases.normal(rng, (n_prev, m), dtype),
        "W": params["W1"],
        "b": params["b1"],
        "Z": cases.signed(rng, (n, m), dtype),
        "dZ": cases.normal(rng, (n, m), dtype),
        "dA": cases.normal(rng, (n, m), dtype),
    }


def draw_forward_layer(rng: np.random.Generator, shape: tuple[int, int, int], dtype: type) -> Case:
    """Like :func:`draw_layer`, redrawn until no Z = W A_prev + b is near a kink."""
    return cases.redraw(
        lambda: draw_layer(rng, shape, dtype),
        lambda case: not cases.near_kink(case["W"].astype(np.float64) @ case["A_prev"] + case["b"]),
        f"a layer {shape} with no Z = W A_prev + b within KINK_MARGIN of 0",
    )


# ----------------------------------------------------------------------- LIN-FWD
def _lin_fwd_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    A_prev, W, b = case["A_prev"], case["W"], case["b"]
    return {"Z": Reference(torch_linear_forward(A_prev, W, b, device, dtype), linear_bound(W, A_prev, b))}


register(
    Entry(
        id="LIN-FWD",
        equation="Z[l] = W[l] A[l-1] + b[l]",
        draw=draw_forward_layer,
        run=lambda impl, c: {"Z": impl.linear_forward(c["A_prev"], c["W"], c["b"])[0]},
        oracle=_lin_fwd_oracle,
        shapes=LAYER_SHAPES,
        needs=("linear_forward",),
    )
)


# ----------------------------------------------------------------------- ACT-FWD
def _act_fwd_entry(name: str) -> Entry:
    def run(impl: Any, case: Case) -> dict[str, Any]:
        A, ((A_prev, W, b), Z) = impl.linear_activation_forward(case["A_prev"], case["W"], case["b"], name)
        return {"A": A, "cache Z": Z, "cache A_prev": A_prev, "cache W": W, "cache b": b}

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        A_prev, W, b = case["A_prev"], case["W"], case["b"]
        layer = torch_linear(W, b, device, dtype)
        with torch.no_grad():
            Zt = layer(to_rows(A_prev, device, dtype))
            At = torch_activation(name)(Zt)
        Z, A = from_rows(Zt), from_rows(At)
        B_Z = linear_bound(W, A_prev, b)
        return {
            "A": Reference(A, activation_bound(name, Z, A, B_Z)),
            "cache Z": Reference(Z, B_Z),
            "cache A_prev": Reference(A_prev, 0.0),
            "cache W": Reference(W, 0.0),
            "cache b": Reference(b, 0.0),
        }

    return Entry(
        id="ACT-FWD",
        variant=name,
        equation="A[l] = g[l](Z[l]); cache ((A[l-1], W[l], b[l]), Z[l])",
        draw=draw_forward_layer,
        run=run,
        oracle=oracle,
        shapes=LAYER_SHAPES if not activation(name).column_wise else [(5, 3, 7), (4, 2, 1)],
        needs=("linear_activation_forward",),
    )


for _name in BACKWARD_NAME:
    register(_act_fwd_entry(_name))


# ----------------------------------------------------------------------- BWD-ACT
def _bwd_act_entry(name: str) -> Entry:
    def run(impl: Any, case: Case) -> dict[str, Any]:
        cache = ((case["A_prev"], case["W"], case["b"]), case["Z"])
        dA_prev, dW, db = impl.linear_activation_backward(case["dA"], cache, name)
        return {"dZ": getattr(impl, BACKWARD_NAME[name])(case["dA"], case["Z"]), "dA_prev": dA_prev, "dW": dW, "db": db}

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        A_prev, W, b, Z, dA = case["A_prev"], case["W"], case["b"], case["Z"], case["dA"]
        _A, dZ = torch_activation_backward(name, Z, dA, device, dtype)
        grads = torch_linear_backward(A_prev, W, b, dZ.astype(Z.dtype), device, dtype)
        B_dZ = activation_backward_bound(name, Z, dA)
        bounds = linear_backward_bounds(dZ, A_prev, W, B_dZ)
        refs = {"dZ": Reference(dZ, B_dZ)}
        refs.update({k: Reference(v, bounds[k]) for k, v in grads.items()})
        return refs

    return Entry(
        id="BWD-ACT",
        variant=name,
        equation="dZ[l] = dA[l] * g'[l](Z[l])",
        draw=draw_layer,
        run=run,
        oracle=oracle,
        shapes=LAYER_SHAPES if not activation(name).column_wise else [(5, 3, 7), (4, 2, 1)],
        needs=("linear_activation_backward", BACKWARD_NAME[name]),
        fd=fd_activation(name),
    )


for _name in BACKWARD_NAME:
    register(_bwd_act_entry(_name))


# ----------------------------------------------------------------------- BWD-DW, BWD-DB, BWD-DA
def _linear_backward_entry(cid: str, key: str, equation: str) -> Entry:
    def run(impl: Any, case: Case) -> dict[str, Any]:
        dA_prev, dW, db = impl.linear_backward(case["dZ"], (case["A_prev"], case["W"], case["b"]))
        return {"dA_prev": dA_prev, "dW": dW, "db": db}

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        A_prev, W, b, dZ = case["A_prev"], case["W"], case["b"], case["dZ"]
        grads = torch_linear_backward(A_prev, W, b, dZ, device, dtype)
        return {key: Reference(grads[key], linear_backward_bounds(dZ, A_prev, W)[key])}

    return Entry(
        id=cid,
        equation=equation,
        draw=draw_layer,
        run=run,
        oracle=oracle,
        shapes=LAYER_SHAPES,
        needs=("linear_backward",),
        fd=fd_linear,
    )


register(_linear_backward_entry("BWD-DW", "dW", "dW[l] = (1/m) dZ[l] A[l-1]^T"))
register(_linear_backward_entry("BWD-DB", "db", "db[l] = (1/m) sum_cols dZ[l], keepdims"))
register(_linear_backward_entry("BWD-DA", "dA_prev", "dA[l-1] = W[l]^T dZ[l]"))

__all__ = ["KINKED", "torch_linear", "torch_linear_backward", "torch_linear_forward"]
