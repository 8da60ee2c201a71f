"""The registry entries of every activation g and its g', derived from the descriptions in ``ops.py``.

Catalogue IDs: the ACT-* of every ``ops.ACTIVATIONS`` (ACT-SIGMOID, ACT-TANH, ACT-RELU, ...). Each
entry compares ``A = g(Z)`` and ``dZ = dA * g'(Z)`` (autograd of the description's PyTorch module with
a random upstream ``dA``) element by element, within the bounds of the description's rounding rule
(``tolerance.activation_bound``). For each hyperparameter variant: the entry itself (with the planted
bugs, ``Entry.mutants``, on the first variant), a forward-only variant (``based_on`` it), and for an
activation with a kink two "at-0" variants: Z containing exact zeros, the implementation asked for
PyTorch's convention (which must then agree exactly) or the notes' (g'(0) = 1, where PyTorch's differs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from . import cases
from .layout import backward_from, from_rows, to_rows
from .ops import ACTIVATIONS, Activation, planted_bugs, torch_activation
from .registry import Case, Entry, Reference, register
from .tolerance import activation_backward_bound, activation_bound

__all__ = ["BACKWARD_NAME", "KINKED", "torch_activation", "torch_activation_backward"]

#: contract name of each activation's backward function
BACKWARD_NAME = {act.name: act.backward for act in ACTIVATIONS}
#: the activations with a kink (g' undefined at 0): their pre-activations are drawn away from it
KINKED = tuple(act.name for act in ACTIVATIONS if act.kinks)

ELEMENTWISE_SHAPES = [(4, 7), (9, 3), (1, 1), (1, 6)]
SOFTMAX_SHAPES = [(5, 7), (10, 3), (2, 1)]


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


def _activation_entry(act: Activation, params: dict[str, float], at_zero: str = "", first: bool = False,
                      based_on: Entry | None = None) -> Entry:  # fmt: skip
    """``at_zero``: "" (Z away from 0), or "pytorch" / "notes": Z with exact zeros, the
    implementation asked for that convention. The notes' oracle is PyTorch's autograd
    away from 0 and the notes' documented g'(0) at 0 (where PyTorch's differs)."""
    name, backward = act.name, act.backward
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
        if at_zero == "notes":  # the notes' g'(0): exactly that multiple of dA
            dZ = np.where(Z == 0, act.kinks[0].notes * dA.astype(np.float64), dZ)
        refs = {"dZ": Reference(dZ, activation_backward_bound(name, Z, dA, dtype=dtype, **params))}
        if not at_zero:
            refs["A"] = Reference(A, activation_bound(name, Z, A, dtype=dtype, **params))
        return refs

    variant = ",".join(filter(None, [_variant(params), f"at-0 {at_zero} convention" if at_zero else ""]))
    return Entry(
        id=act.id,
        equation=act.equation,
        variant=variant,
        draw=draw_at_zero if at_zero else draw_activation,
        run=run,
        oracle=oracle,
        shapes=SOFTMAX_SHAPES if act.column_wise else ELEMENTWISE_SHAPES,
        needs=(name, backward),
        mutants=planted_bugs(act, act.id) if first else (),
        based_on=based_on,
    )


def _forward_only_entry(act: Activation, params: dict[str, float], based_on: Entry) -> Entry:
    """g(Z) alone: a module that has the activation but not its backward (the logistic-regression
    assignment's ``sigmoid(z)``) is checked too, not left out for want of ``*_backward``."""
    name = act.name

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        A = torch_activation_backward(name, case["Z"], case["dA"], device, dtype, **params)[0]
        return {"A": Reference(A, activation_bound(name, case["Z"], A, dtype=dtype, **params))}

    return Entry(
        id=act.id,
        equation=act.equation,
        variant=",".join(filter(None, [_variant(params), "forward only"])),
        draw=draw_activation,
        run=lambda impl, case: {"A": getattr(impl, name)(case["Z"], **params)},
        oracle=oracle,
        shapes=SOFTMAX_SHAPES if act.column_wise else ELEMENTWISE_SHAPES,
        needs=(name,),
        based_on=based_on,
    )


for _act in ACTIVATIONS:
    for _i, _params in enumerate(_act.variants):
        _main = register(_activation_entry(_act, dict(_params), first=_i == 0))
        register(_forward_only_entry(_act, dict(_params), _main))
        if _act.kinks:
            register(_activation_entry(_act, dict(_params), at_zero="pytorch", based_on=_main))
            register(_activation_entry(_act, dict(_params), at_zero="notes", based_on=_main))
