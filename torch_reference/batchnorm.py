"""Batch normalization against ``torch.nn.BatchNorm1d``: training-mode forward and backward, and the
eval-mode forward with the running statistics.

Catalogue IDs: BN-FWD, BN-BWD (autograd, and a float64 finite-difference twin), BN-INFER.

The notes' Z is ``(n[l], m)``, one example per column; ``BatchNorm1d(n[l])`` takes ``(m, n[l])``
(``layout.to_rows``): each of its features is one of the notes' units, normalized over the m rows.

PyTorch's semantics, read from its source (``aten/src/ATen/native/Normalization.cpp``,
``batch_norm_cpu_update_stats_template`` and ``batch_norm_cpu_transform_input_template``;
``torch/nn/modules/batchnorm.py`` ``_BatchNorm.forward``):

* training mode normalizes with the **biased** batch variance: ``save_var_transform =
  VarTransform(var_sum / n, eps)`` (invstd = ``1 / sqrt(var_sum / n + eps)``): the notes' σ² exactly;
* the running variance is updated with the **unbiased** one: ``unbiased_var = var_sum / (n - 1)``;
  ``running_var = momentum * unbiased_var + (1 - momentum) * running_var`` (and ``running_mean =
  momentum * mean + (1 - momentum) * running_mean``), ``momentum = 0.1`` by default: the weight of the
  *new* statistic (the notes' exponentially weighted average with β = 1 - momentum = 0.9);
  ``running_mean`` starts at 0 and ``running_var`` at 1;
* eval mode uses ``(z - running_mean) / sqrt(running_var + eps) * weight + bias``.

So after one training step from the same running variance, torch's exceeds the notes' (σ² of the
batch) by exactly ``momentum · σ² · (m/(m - 1) - 1) = momentum · σ² / (m - 1)``
(``tests/test_batchnorm.py`` shows it); the BN-INFER entry compares scratch_nn's
``update_running_averages(..., unbiased=True)``, torch's convention, within rounding.

The backward is compared as the notes write it: ``dZ_tilde`` is m times the gradient of the cost, so
the oracle differentiates ``J = (1/m) Σ dZ_tilde ⊙ Z_tilde`` and ``layout.per_example_grad`` gives
dZ; ``weight.grad`` and ``bias.grad`` are dγ and dβ (gradients of J, no factor).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from . import cases
from .gradient_check import FD, centered_differences, finite_difference_entry, summed_bound
from .layout import bias_from_torch, from_rows, per_example_grad, to_rows
from .registry import Case, Entry, Reference, register
from .tolerance import (
    batchnorm_backward_bounds,
    batchnorm_normalize_bounds,
    batchnorm_statistics_bounds,
    moving_average_bound,
)

#: ε of every case (torch's default) and torch's default momentum
BN_EPS, BN_MOMENTUM = 1e-5, 0.1

#: (n[l], m): m >= 2 (BatchNorm1d refuses one example per channel in training), non-square
BN_SHAPES = [(3, 8), (5, 4), (2, 33)]


def draw_bn(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> Case:
    """Z with a non-zero mean per unit (a missing μ would show), γ away from 0 (both signs), β non-zero,
    and a random upstream gradient dZ_tilde."""
    n, m = shape
    offsets = cases.normal(rng, (n, 1), np.float64, 2.0)
    return {
        "Z": (cases.normal(rng, (n, m), np.float64) * rng.uniform(0.5, 2.0, (n, 1)) + offsets).astype(dtype),
        "gamma": cases.signed(rng, (n, 1), dtype, 0.5, 2.0),
        "beta": cases.normal(rng, (n, 1), dtype),
        "dZ_tilde": cases.normal(rng, (n, m), dtype),
    }


def torch_batchnorm(gamma: np.ndarray, beta: np.ndarray, device: str, dtype: torch.dtype) -> nn.BatchNorm1d:
    """``nn.BatchNorm1d(n)`` with weight γ and bias β (columns in the notes, vectors in torch)."""
    bn = nn.BatchNorm1d(gamma.shape[0], eps=BN_EPS, momentum=BN_MOMENTUM).to(device=device, dtype=dtype)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma[:, 0], dtype=dtype, device=device))
        bn.bias.copy_(torch.tensor(beta[:, 0], dtype=dtype, device=device))
    return bn


def _forward_bounds(case: Case) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    stats = batchnorm_statistics_bounds(case["Z"])
    norm = batchnorm_normalize_bounds(case["Z"], case["gamma"], case["beta"], stats["mu_value"], stats["var_value"],
                                      stats["mu"], stats["var"], BN_EPS)  # fmt: skip
    return stats, norm


# ----------------------------------------------------------------------- BN-FWD
def _run_forward(impl: Any, case: Case) -> dict[str, Any]:
    Z_tilde, cache = impl.batchnorm_forward(case["Z"], case["gamma"], case["beta"], BN_EPS)
    return {"Z_tilde": Z_tilde, "mu": cache[2], "var": cache[3]}


def _forward_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    bn = torch_batchnorm(case["gamma"], case["beta"], device, dtype).train()
    Zr = to_rows(case["Z"], device, dtype)
    with torch.no_grad():
        out = bn(Zr)
        var, mu = torch.var_mean(Zr, dim=0, correction=0)  # the batch statistics BatchNorm1d normalizes with
    stats, norm = _forward_bounds(case)
    return {
        "Z_tilde": Reference(from_rows(out), norm["z_tilde"]),
        "mu": Reference(bias_from_torch(mu), stats["mu"]),
        "var": Reference(bias_from_torch(var), stats["var"]),
    }


register(
    Entry(
        id="BN-FWD",
        equation="μ = (1/m) Σ z, σ² = (1/m) Σ (z - μ)²; z̃ = γ (z - μ)/sqrt(σ² + ε) + β, per unit",
        variant="nn.BatchNorm1d, training mode",
        draw=draw_bn,
        run=_run_forward,
        oracle=_forward_oracle,
        shapes=BN_SHAPES,
        needs=("batchnorm_forward",),
    )
)


# ----------------------------------------------------------------------- BN-BWD
def _run_backward(impl: Any, case: Case) -> dict[str, Any]:
    _, cache = impl.batchnorm_forward(case["Z"], case["gamma"], case["beta"], BN_EPS)
    dZ, dgamma, dbeta = impl.batchnorm_backward(case["dZ_tilde"], cache)
    return {"dZ": dZ, "dgamma": dgamma, "dbeta": dbeta}


def _backward_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    bn = torch_batchnorm(case["gamma"], case["beta"], device, dtype).train()
    Zr = to_rows(case["Z"], device, dtype, requires_grad=True)
    m = case["Z"].shape[1]
    J = (bn(Zr) * to_rows(case["dZ_tilde"], device, dtype)).sum() / m
    J.backward()
    _stats, norm = _forward_bounds(case)
    B = batchnorm_backward_bounds(case["dZ_tilde"], norm["z_norm_value"], norm["z_norm"], case["gamma"],
                                  norm["s_value"], norm["s"])  # fmt: skip
    return {
        "dZ": Reference(per_example_grad(Zr, m), B["dZ"]),
        "dgamma": Reference(bias_from_torch(bn.weight.grad), B["dgamma"]),
        "dbeta": Reference(bias_from_torch(bn.bias.grad), B["dbeta"]),
    }


BN_BWD = register(
    Entry(
        id="BN-BWD",
        equation="dβ = (1/m) Σ dz̃; dγ = (1/m) Σ dz̃ z_norm; dz through μ and σ² (the full derivation)",
        variant="nn.BatchNorm1d autograd",
        draw=draw_bn,
        run=_run_backward,
        oracle=_backward_oracle,
        shapes=BN_SHAPES,
        needs=("batchnorm_forward", "batchnorm_backward"),
    )
)


def bn64(Z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = BN_EPS) -> np.ndarray:
    """BN-FWD in float64 over the last axis (the m columns), any leading batch axes."""
    mu = Z.mean(axis=-1, keepdims=True)
    var = ((Z - mu) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (Z - mu) / np.sqrt(var + eps) + beta


def fd_batchnorm(case: Case) -> FD:
    """BN-BWD by centered differences of ``S = Σ dZ_tilde ⊙ BN(Z)`` (-> dZ, the notes' m·∂J/∂Z) and of
    ``J = S / m`` (-> dγ, dβ); rounding of one evaluation from BN-FWD's bounds, summed."""
    Z, gamma, beta, g = (np.asarray(case[k], np.float64) for k in ("Z", "gamma", "beta", "dZ_tilde"))
    m = Z.shape[1]
    _stats, norm = _forward_bounds(case)
    Zt = bn64(Z, gamma, beta)
    B_S = summed_bound(g * Zt, np.abs(g) * norm["z_tilde"] + np.abs(g * Zt))
    B_J = B_S / m + abs(float((g * Zt).sum()) / m)

    def J(Z_=Z, gamma_=gamma, beta_=beta, scale=1 / m):
        return (g * bn64(Z_, gamma_, beta_)).sum(axis=(-2, -1)) * scale

    return {
        "dZ": centered_differences(lambda Zb: J(Z_=Zb, scale=1.0), Z, B_S),
        "dgamma": centered_differences(lambda gb: J(gamma_=gb), gamma, B_J),
        "dbeta": centered_differences(lambda bb: J(beta_=bb), beta, B_J),
    }


register(finite_difference_entry(BN_BWD, fd_batchnorm))


# ----------------------------------------------------------------------- BN-INFER
#: (n[l], m per training batch, number of training batches, m of the test batch)
INFER_SHAPES = [(3, 8, 3, 5), (2, 16, 2, 1), (4, 5, 4, 3)]


def draw_infer(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    n, m, batches, m_test = shape
    first = draw_bn(rng, (n, m), dtype)
    more = [draw_bn(rng, (n, m), dtype)["Z"] for _ in range(batches - 1)]
    test = draw_bn(rng, (n, m_test), dtype)["Z"]
    return {"batches": [first["Z"], *more], "Z_test": test, "gamma": first["gamma"], "beta": first["beta"]}


def _run_infer(impl: Any, case: Case) -> dict[str, Any]:
    gamma, beta = case["gamma"], case["beta"]
    n, dtype = gamma.shape[0], gamma.dtype
    running_mean, running_var = np.zeros((n, 1), dtype), np.ones((n, 1), dtype)  # torch's start
    for Z in case["batches"]:
        _, cache = impl.batchnorm_forward(Z, gamma, beta, BN_EPS)
        running_mean, running_var = impl.update_running_averages(running_mean, running_var, cache, BN_MOMENTUM,
                                                                 unbiased=True)  # fmt: skip
    Z_tilde = impl.batchnorm_inference(case["Z_test"], gamma, beta, running_mean, running_var, BN_EPS)
    return {"running_mean": running_mean, "running_var": running_var, "Z_tilde": Z_tilde}


def _infer_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    gamma, beta = case["gamma"], case["beta"]
    bn = torch_batchnorm(gamma, beta, device, dtype).train()
    with torch.no_grad():
        for Z in case["batches"]:
            bn(to_rows(Z, device, dtype))
        bn.eval()
        out = bn(to_rows(case["Z_test"], device, dtype))
    n = gamma.shape[0]
    rm, rv = np.zeros((n, 1)), np.ones((n, 1))
    B_rm: Any = 0.0
    B_rv: Any = 0.0
    beta_ema = 1 - BN_MOMENTUM
    for Z in case["batches"]:
        stats = batchnorm_statistics_bounds(Z)
        m = Z.shape[1]
        unbiased = stats["var_value"] * m / (m - 1)
        B_unbiased = stats["var"] * m / (m - 1) + 2 * unbiased  # the factor m/(m - 1) and its product
        rm_new = beta_ema * rm + BN_MOMENTUM * stats["mu_value"]
        rv_new = beta_ema * rv + BN_MOMENTUM * unbiased
        B_rm = moving_average_bound(rm, B_rm, stats["mu_value"], beta_ema, rm_new, B_term=stats["mu"])
        B_rv = moving_average_bound(rv, B_rv, unbiased, beta_ema, rv_new, B_term=B_unbiased)
        rm, rv = rm_new, rv_new
    norm = batchnorm_normalize_bounds(case["Z_test"], gamma, beta, rm, rv, B_rm, B_rv, BN_EPS)
    return {
        "running_mean": Reference(bias_from_torch(bn.running_mean), B_rm),
        "running_var": Reference(bias_from_torch(bn.running_var), B_rv),
        "Z_tilde": Reference(from_rows(out), norm["z_tilde"]),
    }


register(
    Entry(
        id="BN-INFER",
        equation="μ_run, σ²_run := (1 - p)·run + p·batch (p = momentum 0.1); z̃ = γ (z - μ_run)/sqrt(σ²_run + ε) + β",
        variant="nn.BatchNorm1d eval mode; running_var with the unbiased m/(m-1)·σ² (torch's)",
        draw=draw_infer,
        run=_run_infer,
        oracle=_infer_oracle,
        shapes=INFER_SHAPES,
        needs=("batchnorm_forward", "update_running_averages", "batchnorm_inference"),
    )
)
