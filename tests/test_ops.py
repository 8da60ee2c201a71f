"""The descriptions of torch_reference/ops.py are right about their operations, and everything is derived
from them.

Catalogue IDs: every ACT-* (one per ``ops.ACTIVATIONS``), COST-BCE, COST-CE and the half squared error
(``ops.LOSSES``).

* each description's float64 g, g' and g'' agree with its PyTorch module and autograd, and g'' with a
  centered difference of g': the finite-difference twins and the rounding bounds built from them are
  built on the right formulas;
* where PyTorch's module computes another formula than g (``Activation.torch_gap``), the gap is needed
  in the float64 bound and negligible in float32;
* each loss's float64 per-example losses average to PyTorch's J;
* scratch_nn has the contract's function of every description, and the module of the descriptions
  imports no registry, no tolerance (no import cycle can run through it).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import torch

import scratch_nn
from torch_reference import cases
from torch_reference.compare import compare
from torch_reference.layout import from_rows, to_rows
from torch_reference.ops import ACTIVATIONS, LOSSES, Activation
from torch_reference.tolerance import (
    activation_backward_bound,
    activation_bound,
    formula_difference_bound,
    logit_loss_bound,
    mean_bound,
)

PACKAGE = Path(__file__).resolve().parent.parent / "torch_reference"
VARIANTS = [(a, dict(p)) for a in ACTIVATIONS for p in a.variants]
IDS = [f"{a.name}-{','.join(f'{k}={v}' for k, v in p.items())}".rstrip("-") for a, p in VARIANTS]


def _autograd(act: Activation, params: dict, Z: np.ndarray, dA: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    Zt = to_rows(Z, "cpu", torch.float64, requires_grad=True)
    At = act.torch_module(act.with_params(**params))(Zt)
    At.backward(to_rows(dA, "cpu", torch.float64))
    return from_rows(At.detach()), from_rows(Zt.grad)


@pytest.mark.parametrize(("act", "params"), VARIANTS, ids=IDS)
def test_float64_formulas_agree_with_the_pytorch_module(act, params):
    rng = np.random.default_rng(7)
    Z = cases.signed(rng, (5, 6), np.float64)
    dA = rng.standard_normal(Z.shape)
    A_ref, dZ_ref = _autograd(act, params, Z, dA)
    p = act.with_params(**params)
    A = act.g64(Z, p)
    assert compare("A", A, A_ref, activation_bound(act.name, Z, A_ref, **params), np.float64).passed
    if act.dg64 is None:  # column-wise: g' is a Jacobian (its backward bound is checked by the registry)
        return
    dZ = dA * act.dg64(Z, p)
    result = compare("dZ", dZ, dZ_ref, activation_backward_bound(act.name, Z, dA, **params), np.float64)
    assert result.passed, result.detail


@pytest.mark.parametrize(
    ("act", "params"), [pytest.param(*v, id=i) for v, i in zip(VARIANTS, IDS, strict=True) if v[0].d2g64 is not None]
)
def test_second_derivative_is_the_derivative_of_the_first(act, params):
    """g'' against the centered difference of g' (step 1e-6; Z away from the kinks by 0.05)."""
    Z = cases.signed(np.random.default_rng(8), (4, 5), np.float64)
    p, h = act.with_params(**params), 1e-6
    difference = (act.dg64(Z + h, p) - act.dg64(Z - h, p)) / (2 * h)
    np.testing.assert_allclose(act.d2g64(Z, p), difference, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("act", [a for a in ACTIVATIONS if a.torch_gap is not None], ids=lambda a: a.name)
def test_where_pytorch_computes_another_formula_the_bound_says_so(act):
    """Where a module computes another formula (``torch_gap``: a linearization above a threshold, say),
    the difference is absolute, so in units of u it depends on the dtype: in float64 the comparison fails
    without it in the bound and passes with it; in float32 (u = 6e-8) it is below one rounding and passes
    either way. Z spans ±40 (both sides of any such threshold met so far) and the unsaturated range."""
    rng = np.random.default_rng(9)
    Z = np.concatenate([rng.uniform(-40, 40, (2, 8)), cases.signed(rng, (1, 8), np.float64)])
    dA = rng.standard_normal(Z.shape)
    for dtype, gap_matters in ((np.float64, True), (np.float32, False)):
        Zd, dAd = Z.astype(dtype), dA.astype(dtype)
        A = getattr(scratch_nn, act.name)(Zd)
        dZ = getattr(scratch_nn, act.backward)(dAd, Zd)
        Zt = torch.tensor(Zd, requires_grad=True)
        At = act.torch_module(act.defaults)(Zt)
        At.backward(torch.tensor(dAd))
        A_ref, dZ_ref = At.detach().numpy().astype(np.float64), Zt.grad.numpy().astype(np.float64)
        B_A = activation_bound(act.name, Zd, A_ref, dtype=dtype)
        B_dZ = activation_backward_bound(act.name, Zd, dAd, dtype=dtype)
        gap, dgap = act.torch_gap(Zd.astype(np.float64), act.defaults)
        assert (gap > 0).any() and (dgap > 0).any(), "the draws never reach where the formulas differ"
        assert compare("A", A, A_ref, B_A, dtype).passed
        assert compare("dZ", dZ, dZ_ref, B_dZ, dtype).passed
        without = [
            compare("A", A, A_ref, B_A - formula_difference_bound(gap, dtype), dtype).passed,
            compare("dZ", dZ, dZ_ref, B_dZ - np.abs(dAd) * formula_difference_bound(dgap, dtype), dtype).passed,
        ]
        assert without == [not gap_matters] * 2, f"{np.dtype(dtype).name}: passes without the gap: {without}"


@pytest.mark.parametrize("paired", LOSSES, ids=lambda loss: loss.name)
def test_loss_formulas_agree_with_pytorch(paired):
    """Each loss's float64 per-example losses, from the logits, average to PyTorch's J within its bound."""
    rng = np.random.default_rng(10)
    for shape in paired.shapes:
        case = paired.draw(rng, shape, np.float64)
        Z, Y = case["Z"], case["Y"]
        losses = paired.losses64(Z, Y)
        assert losses.shape == (1, shape[1])
        J_ref = paired.torch_loss()(to_rows(Z, "cpu", torch.float64), to_rows(Y, "cpu", torch.float64)).item()
        bound = mean_bound(losses.ravel(), logit_loss_bound(paired.output, Z, Y).ravel())
        result = compare("J", float(losses.mean()), np.asarray(J_ref), bound, np.float64, scalar=True)
        assert result.passed, result.detail
        low, high = paired.outputs
        assert low <= shape[0] and (high is None or shape[0] <= high)


def test_scratch_nn_has_the_contract_function_of_every_description():
    for act in ACTIVATIONS:
        assert {act.name, act.backward} <= set(scratch_nn.__all__), act.id
        assert act.name in scratch_nn.ACTIVATIONS, f"{act.id}: activation_forward does not know {act.name}"
    for paired in LOSSES:
        assert {n for n in (paired.cost, paired.cost_from_logits) if n} <= set(scratch_nn.__all__), paired.name


def _imports(module: str) -> set[str]:
    """The torch_reference modules ``module`` imports (``from .x import``, ``from . import x``, at any depth
    of the file: module level or inside a function)."""
    found = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {alias.name for alias in node.names}
    return found


def test_the_descriptions_import_no_registry_and_no_bounds():
    """ops.py is the bottom of the derivations: all it imports (transitively) is the rounding units and
    the drawing rules, so no import cycle can pass through it (the old activations -> registry ->
    diagnose -> activations is gone: diagnose reads the descriptions, not the registry entries)."""
    reached, todo = set(), ["ops"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(_imports(module))
    assert reached == {"ops", "rounding", "cases"}
    assert "activations" not in _imports("diagnose")
