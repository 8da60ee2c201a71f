"""PyTorch's activation modules, and the registry entries of every g and g'.

Catalogue IDs: ACT-SIGMOID, ACT-TANH, ACT-RELU, ACT-LEAKY, ACT-ELU, ACT-SOFTMAX,
ACT-LINEAR. Each entry compares ``A = g(Z)`` and ``dZ = dA * g'(Z)`` (autograd of
the module with a random upstream ``dA``) element by element. The piecewise ones
also have an ``at-0`` variant: Z containing exact zeros, the implementation asked
for PyTorch's convention, which must then agree exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from . import cases
from .layout import backward_from, from_rows, to_rows
from .registry import Case, Entry, Reference, register
from .tolerance import activation_backward_bound, activation_bound


def torch_activation(name: str, slope: float = 0.01, alpha: float = 1.0) -> nn.Module:
    """The ``nn`` module for an activation name, in the row layout (softmax over dim 1)."""
    modules = {
        "sigmoid": lambda: nn.Sigmoid(),
        "tanh": lambda: nn.Tanh(),
        "relu": lambda: nn.ReLU(),
        "leaky_relu": lambda: nn.LeakyReLU(negative_slope=slope),
        "elu": lambda: nn.ELU(alpha=alpha),
        "softmax": lambda: nn.Softmax(dim=1),  # classes are columns in PyTorch's rows
        "linear": lambda: nn.Identity(),
    }
    if name not in modules:
        raise ValueError(f"unknown activation {name!r}")
    return modules[name]()


def torch_activation_backward(
    name: str, Z: np.ndarray, dA: np.ndarray, device: str, dtype: torch.dtype, **params: float
) -> tuple[np.ndarray, np.ndarray]:
    """``A = g(Z)`` and ``dZ = dA * g'(Z)`` by autograd, notes' layout, float64.

    The upstream gradient is fed directly (``A.backward(dA)``): an element-wise g
    maps dA to dZ locally, so no factor m is involved here.
    """
    Zt = to_rows(Z, device, dtype, requires_grad=True)
    At = torch_activation(name, **params)(Zt)
    backward_from(At, to_rows(dA, device, dtype))
    return from_rows(At), from_rows(Zt.grad)


# (ID, function name, params, description) of every activation entry
ACTIVATION_IDS: list[tuple[str, str, dict[str, float], str]] = [
    ("ACT-SIGMOID", "sigmoid", {}, "g(z) = 1/(1+e^-z); g'(z) = a(1-a)"),
    ("ACT-TANH", "tanh", {}, "g(z) = tanh z; g'(z) = 1 - a^2"),
    ("ACT-RELU", "relu", {}, "g(z) = max(0, z); g' = 1[z >= 0]"),
    ("ACT-LEAKY", "leaky_relu", {"slope": 0.01}, "g(z) = max(s z, z); g' = s or 1"),
    ("ACT-LEAKY", "leaky_relu", {"slope": 0.2}, "g(z) = max(s z, z); g' = s or 1"),
    ("ACT-ELU", "elu", {"alpha": 1.0}, "g(z) = a(e^z - 1) or z; g' = a e^z or 1"),
    ("ACT-ELU", "elu", {"alpha": 1.7}, "g(z) = a(e^z - 1) or z; g' = a e^z or 1"),
    ("ACT-SOFTMAX", "softmax", {}, "a_i = e^z_i / sum_j e^z_j per column; dZ = a*(dA - sum a dA)"),
    ("ACT-LINEAR", "linear", {}, "g(z) = z; g' = 1"),
]

#: contract name of each activation's backward function
BACKWARD_NAME = {
    "sigmoid": "sigmoid_backward",
    "tanh": "tanh_backward",
    "relu": "relu_backward",
    "leaky_relu": "leaky_relu_backward",
    "elu": "elu_backward",
    "softmax": "softmax_backward",
    "linear": "linear_backward_activation",
}
KINKED = ("relu", "leaky_relu", "elu")

ELEMENTWISE_SHAPES = [(4, 7), (9, 3), (1, 1), (1, 6)]
SOFTMAX_SHAPES = [(5, 7), (10, 3), (2, 1)]


def _variant(params: dict[str, float]) -> str:
    return ",".join(f"{k}={v}" for k, v in params.items())


def draw_activation(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> Case:
    """Z with both signs, away from 0 and unsaturated; a random upstream dA."""
    return {"Z": cases.signed(rng, shape, dtype), "dA": cases.normal(rng, shape, dtype)}


def draw_at_zero(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> Case:
    """Like :func:`draw_activation`, with about a third of Z set to exactly 0."""
    case = draw_activation(rng, shape, dtype)
    case["Z"][rng.random(shape) < 1 / 3] = 0
    case["Z"].flat[0] = 0  # at least one exact zero
    return case


def _make_activation_entry(cid: str, name: str, params: dict[str, float], eq: str, at_zero: str = "") -> Entry:
    """``at_zero``: "" (Z away from 0), or "pytorch" / "notes": Z with exact zeros, the
    implementation asked for that convention. The notes' oracle is PyTorch's autograd
    away from 0 and the notes' documented g'(0) = 1 at 0 (where PyTorch's differs)."""
    backward = BACKWARD_NAME[name]
    extra: dict[str, Any] = {"convention": at_zero} if at_zero else {}

    def run(impl: Any, case: Case) -> dict[str, Any]:
        Z, dA = case["Z"], case["dA"]
        out: dict[str, Any] = {}
        if not at_zero:
            out["A"] = getattr(impl, name)(Z, **params)
        out["dZ"] = getattr(impl, backward)(dA, Z, **params, **extra)
        return out

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        Z, dA = case["Z"], case["dA"]
        A, dZ = torch_activation_backward(name, Z, dA, device, dtype, **params)
        if at_zero == "notes":
            dZ = np.where(Z == 0, dA.astype(np.float64), dZ)  # g'(0) = 1: exactly dA
        refs = {"dZ": Reference(dZ, activation_backward_bound(name, Z, dA, **params))}
        if not at_zero:
            refs["A"] = Reference(A, activation_bound(name, Z, A, **params))
        return refs

    variant = ",".join(filter(None, [_variant(params), f"at-0 {at_zero} convention" if at_zero else ""]))
    return Entry(
        id=cid,
        equation=eq,
        variant=variant,
        draw=draw_at_zero if at_zero else draw_activation,
        run=run,
        oracle=oracle,
        shapes=SOFTMAX_SHAPES if name == "softmax" else ELEMENTWISE_SHAPES,
        needs=(name, backward),
    )


def _forward_only_entry(cid: str, name: str, params: dict[str, float], eq: str) -> Entry:
    """g(Z) alone: a module that has the activation but not its backward (the logistic-regression
    assignment's ``sigmoid(z)``) is checked too, not left out for want of ``*_backward``."""
    return Entry(
        id=cid,
        equation=eq,
        variant=",".join(filter(None, [_variant(params), "forward only"])),
        draw=draw_activation,
        run=lambda impl, case: {"A": getattr(impl, name)(case["Z"], **params)},
        oracle=lambda case, device, dtype: {
            "A": Reference(
                (A := torch_activation_backward(name, case["Z"], case["dA"], device, dtype, **params)[0]),
                activation_bound(name, case["Z"], A, **params),
            )
        },
        shapes=SOFTMAX_SHAPES if name == "softmax" else ELEMENTWISE_SHAPES,
        needs=(name,),
    )


for _cid, _name, _params, _eq in ACTIVATION_IDS:
    register(_make_activation_entry(_cid, _name, _params, _eq))
    register(_forward_only_entry(_cid, _name, _params, _eq))
    if _name in KINKED:
        register(_make_activation_entry(_cid, _name, _params, _eq, at_zero="pytorch"))
        register(_make_activation_entry(_cid, _name, _params, _eq, at_zero="notes"))
