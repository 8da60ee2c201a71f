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
from .activations import KINKED, torch_activation
from .gradient_check import FD, centered_differences, finite_difference_entry, summed_bound
from .layers import torch_linear
from .layout import bias_from_torch, from_rows, per_example_grad, to_rows
from .losses import torch_output_loss
from .registry import Case, Entry, Reference, register
from .tolerance import (
    activation_backward_bound,
    activation_bound,
    batchnorm_backward_bounds,
    batchnorm_normalize_bounds,
    batchnorm_running_bounds,
    batchnorm_statistics_bounds,
    linear_backward_bounds,
    linear_bound,
    logit_loss_bound,
    output_dZ_bound,
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
    for Z in case["batches"]:
        rm, rv, B_rm, B_rv = batchnorm_running_bounds(
            rm, rv, B_rm, B_rv, batchnorm_statistics_bounds(Z), Z.shape[1], BN_MOMENTUM
        )
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


# ----------------------------------------------------------------------- BN inside the L-layer model
# ``scratch_nn.bn_model``: a layer with batch norm is Z[l] = W[l] A[l-1] (no b[l]), Z̃[l] = BN(Z[l]; γ[l], β[l]),
# A[l] = g[l](Z̃[l]); a plain layer keeps Z[l] = W[l] A[l-1] + b[l] (and Z̃[l] is Z[l]). PyTorch's network is one
# ``nn.Sequential``: per layer ``nn.Linear(bias=False)``, ``nn.BatchNorm1d`` and the activation module (or a
# plain ``nn.Linear`` and the activation); every intermediate is kept with ``retain_grad()``, so that Z[l],
# Z̃[l], A[l] and, after ``J.backward()``, dZ̃[l], dZ[l], dA[l], dW[l], dγ[l], dβ[l], db[l] are compared layer by
# layer. The cost is taken from the logits (Z̃[L] or Z[L]) by ``losses.torch_output_loss``.

#: (layer dims, activations, m, the layers with batch norm): L >= 3, non-square, m >= 2 (BatchNorm1d's
#: training mode); the usual BN-on-the-hidden-layers, a plain hidden layer between BN ones with BN on the
#: output layer too, and every output activation
BN_MODEL_SHAPES = [
    ((5, 4, 3, 1), ("relu", "tanh", "sigmoid"), 7, (1, 2)),
    ((4, 6, 5, 3), ("leaky_relu", "elu", "softmax"), 9, (1, 3)),
    ((3, 5, 4, 2, 2), ("tanh", "relu", "sigmoid", "linear"), 6, (1, 2, 3)),
]


def bn_model_parameters(rng: np.random.Generator, dims: tuple[int, ...], bn: tuple[int, ...], dtype: type) -> Case:
    """``W[l]`` ~ N(0, 1/n[l-1]); a BN layer's γ[l] away from 0 (both signs) and β[l] non-zero, a plain layer's
    b[l] non-zero (``cases.layer_parameters``)."""
    params = cases.layer_parameters(rng, list(dims), dtype)
    for l in bn:
        del params[f"b{l}"]
        params[f"gamma{l}"] = cases.signed(rng, (dims[l], 1), dtype, 0.5, 2.0)
        params[f"beta{l}"] = cases.normal(rng, (dims[l], 1), dtype)
    return params


def draw_bn_model(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    """X, parameters and Y; redrawn until no kinked layer's Z̃[l] is within ``cases.KINK_MARGIN`` of 0 and no
    ReLU layer is dead (its gradients would be 0: a mistake there would hide)."""
    from .model import _labels

    dims, acts, m, bn = shape
    layers = [l for l in range(1, len(acts) + 1) if acts[l - 1] in KINKED]

    def draw() -> Case:
        return {
            "X": cases.normal(rng, (dims[0], m), dtype),
            "parameters": bn_model_parameters(rng, dims, bn, dtype),
            "Y": _labels(rng, acts[-1], (dims[-1], m), dtype),
            "activations": list(acts),
        }

    def accept(case: Case) -> bool:
        values = bn_forward64(case["parameters"], acts, case["X"])
        return not any(
            cases.near_kink(values[f"Zt{l}"]) or (acts[l - 1] == "relu" and cases.dead_relu(values[f"Zt{l}"]))
            for l in layers
        )

    return cases.redraw(draw, accept, f"a BN network {dims} {acts} with no kinked Z~ near 0 and no dead ReLU layer")


def _with_bn(parameters: dict[str, np.ndarray], L: int) -> list[bool]:
    return [f"gamma{l}" in parameters for l in range(1, L + 1)]


def torch_bn_network(parameters: dict[str, np.ndarray], activations: list[str], device: str,
                     dtype: torch.dtype) -> nn.Sequential:  # fmt: skip
    """``nn.Sequential``: per layer ``Linear(bias=False)``, ``BatchNorm1d`` (weight γ, bias β), g; or ``Linear``, g."""
    modules: list[nn.Module] = []
    for l, (bn, name) in enumerate(zip(_with_bn(parameters, len(activations)), activations, strict=True), start=1):
        W = parameters[f"W{l}"]
        if bn:
            linear = nn.Linear(W.shape[1], W.shape[0], bias=False, device=device, dtype=dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(W, dtype=dtype, device=device))
            modules += [linear, torch_batchnorm(parameters[f"gamma{l}"], parameters[f"beta{l}"], device, dtype)]
        else:
            modules.append(torch_linear(W, parameters[f"b{l}"], device, dtype))
        modules.append(torch_activation(name))
    return nn.Sequential(*modules).train()


def bn_reference_pass(case: Case, device: str, dtype: torch.dtype) -> dict[str, np.ndarray]:
    """Forward and backward of :func:`torch_bn_network`, module by module, in the notes' layout and scale:
    ``Z{l}``, ``Zt{l}`` (BN layers), ``A{l}``, ``dZt{l}``, ``dZ{l}``, ``dA{l}`` (l < L), ``dA0``, ``dW{l}``,
    ``dgamma{l}``, ``dbeta{l}`` or ``db{l}``, float64."""
    params, acts, X, Y = case["parameters"], case["activations"], case["X"], case["Y"]
    L, m = len(acts), X.shape[1]
    net = torch_bn_network(params, acts, device, dtype)
    A = Xt = to_rows(X, device, dtype, requires_grad=True)
    kept: dict[str, torch.Tensor] = {}
    modules = iter(net)
    for l, bn in enumerate(_with_bn(params, L), start=1):
        kept[f"Z{l}"] = next(modules)(A)
        kept[f"Zt{l}"] = next(modules)(kept[f"Z{l}"]) if bn else kept[f"Z{l}"]
        A = kept[f"A{l}"] = next(modules)(kept[f"Zt{l}"])
        for t in {id(v): v for v in (kept[f"Z{l}"], kept[f"Zt{l}"], A)}.values():
            t.retain_grad()
    J = torch_output_loss(acts[-1])(kept[f"Zt{L}"], to_rows(Y, device, dtype))
    J.backward()
    out = {"J": np.asarray(J.item()), "A0": np.asarray(X, np.float64), "dA0": per_example_grad(Xt, m)}
    linears = [mod for mod in net if isinstance(mod, nn.Linear)]
    norms = iter(mod for mod in net if isinstance(mod, nn.BatchNorm1d))
    for l, bn in enumerate(_with_bn(params, L), start=1):
        out[f"Z{l}"], out[f"A{l}"] = from_rows(kept[f"Z{l}"]), from_rows(kept[f"A{l}"])
        out[f"dZ{l}"] = per_example_grad(kept[f"Z{l}"], m)
        out[f"dW{l}"] = linears[l - 1].weight.grad.detach().to("cpu", torch.float64).numpy().copy()
        if bn:
            norm = next(norms)
            out[f"Zt{l}"], out[f"dZt{l}"] = from_rows(kept[f"Zt{l}"]), per_example_grad(kept[f"Zt{l}"], m)
            out[f"dgamma{l}"], out[f"dbeta{l}"] = bias_from_torch(norm.weight.grad), bias_from_torch(norm.bias.grad)
        else:
            out[f"Zt{l}"] = out[f"Z{l}"]
            out[f"db{l}"] = bias_from_torch(linears[l - 1].bias.grad)
        if l < L:
            out[f"dA{l}"] = per_example_grad(kept[f"A{l}"], m)
    return out


def bn_layer_bounds(Z: np.ndarray, B_Z: np.ndarray | float, gamma: np.ndarray, beta: np.ndarray,
                    epsilon: float = BN_EPS) -> dict[str, np.ndarray]:  # fmt: skip
    """BN-FWD's bounds (units of u) when Z itself is off by ``B_Z`` (a layer of the model), to first order:

    * μ: its own rounding (``batchnorm_statistics_bounds``) plus ``mean(B_Z)`` (∂μ/∂z_i = 1/m);
    * σ²: its own plus ``(2/m) Σ |z - μ| (B_Z + mean B_Z)`` (∂σ²/∂z_i = 2(z_i - μ)/m, z - μ off by both);
    * z_norm and z̃: ``batchnorm_normalize_bounds`` with those μ and σ² bounds, plus the carried ``B_Z / s``
      and ``|γ| B_Z / s`` (z - μ contains z itself; the fused route's ``z·a`` carries ``|a| B_Z``, the same).

    The three contributions are bounded separately (the triangle inequality), so the bound ignores their
    cancellation in the exact Jacobian of BN: an upper bound, not an estimate."""
    Z64 = np.asarray(Z, np.float64)
    m = Z64.shape[1]
    B_Z = np.broadcast_to(np.asarray(B_Z, np.float64), Z64.shape)
    stats = batchnorm_statistics_bounds(Z64)
    mean_B = B_Z.mean(axis=1, keepdims=True)
    d = Z64 - stats["mu_value"]
    B_mu = stats["mu"] + mean_B
    B_var = stats["var"] + (2 / m) * (np.abs(d) * (B_Z + mean_B)).sum(axis=1, keepdims=True)
    norm = batchnorm_normalize_bounds(Z64, gamma, beta, stats["mu_value"], stats["var_value"], B_mu, B_var, epsilon)
    s = norm["s_value"]
    return {
        **norm,
        "z_norm": norm["z_norm"] + B_Z / s,
        "z_tilde": norm["z_tilde"] + np.abs(np.asarray(gamma, np.float64)) * B_Z / s,
        "mu": B_mu,
        "var": B_var,
        "mu_value": stats["mu_value"],
        "var_value": stats["var_value"],
    }


def bn_backward_carried(dZ_tilde_bound: np.ndarray, z_norm: np.ndarray, gamma: np.ndarray,
                        s: np.ndarray) -> dict[str, np.ndarray]:  # fmt: skip
    """What an error ``B_g`` in BN-BWD's upstream ``g = dZ̃`` adds (the map is linear in g):
    ``dz = (γ/s)(g - mean g - z_norm mean(g z_norm))`` moves by
    ``|γ/s| (B_g + mean B_g + |z_norm| mean(|z_norm| B_g))``, ``dγ = mean(g z_norm)`` by ``mean(B_g |z_norm|)``,
    ``dβ = mean g`` by ``mean B_g``."""
    B_g, zn = np.asarray(dZ_tilde_bound, np.float64), np.abs(np.asarray(z_norm, np.float64))
    B_g = np.broadcast_to(B_g, zn.shape)
    c = np.abs(np.asarray(gamma, np.float64) / s)
    return {
        "dZ": c * (B_g + B_g.mean(axis=1, keepdims=True) + zn * (zn * B_g).mean(axis=1, keepdims=True)),
        "dgamma": (B_g * zn).mean(axis=1, keepdims=True),
        "dbeta": B_g.mean(axis=1, keepdims=True),
    }


def bn_model_bounds(case: Case, ref: dict[str, np.ndarray], forward_only: bool = False) -> dict[str, Any]:
    """Rounding bounds (units of u) of every quantity of :func:`bn_reference_pass`, chained layer by layer
    through the forward (``linear_bound``, :func:`bn_layer_bounds`, ``activation_bound``) and the backward
    (``output_dZ_bound``, ``activation_backward_bound``, ``batchnorm_backward_bounds`` plus
    :func:`bn_backward_carried`, ``linear_backward_bounds``), evaluated at the float64 values ``ref``."""
    params, acts, Y = case["parameters"], case["activations"], case["Y"]
    L = len(acts)
    with_bn = _with_bn(params, L)
    B: dict[str, Any] = {"A0": 0.0}
    bn_parts: dict[int, dict[str, np.ndarray]] = {}
    for l in range(1, L + 1):
        W = params[f"W{l}"]
        b = params[f"b{l}"] if not with_bn[l - 1] else np.zeros((W.shape[0], 1))
        B[f"Z{l}"] = linear_bound(W, ref[f"A{l - 1}"], b, B[f"A{l - 1}"])
        if with_bn[l - 1]:
            bn_parts[l] = bn_layer_bounds(ref[f"Z{l}"], B[f"Z{l}"], params[f"gamma{l}"], params[f"beta{l}"])
            B[f"Zt{l}"] = bn_parts[l]["z_tilde"]
        else:
            B[f"Zt{l}"] = B[f"Z{l}"]
        B[f"A{l}"] = activation_bound(acts[l - 1], ref[f"Zt{l}"], ref[f"A{l}"], B[f"Zt{l}"])
    if forward_only:  # with each BN layer's statistics and their bounds (BN-INFER's running averages)
        return {**B, **{f"bn{l}": part for l, part in bn_parts.items()}}
    B[f"dZt{L}"] = output_dZ_bound(ref[f"A{L}"], Y, B[f"A{L}"])
    for l in range(L, 0, -1):
        if l < L:
            B[f"dZt{l}"] = activation_backward_bound(acts[l - 1], ref[f"Zt{l}"], ref[f"dA{l}"], B[f"dA{l}"],
                                                     B[f"Zt{l}"])  # fmt: skip
        if with_bn[l - 1]:
            part, gamma = bn_parts[l], params[f"gamma{l}"]
            own = batchnorm_backward_bounds(ref[f"dZt{l}"], part["z_norm_value"], part["z_norm"], gamma,
                                            part["s_value"], part["s"])  # fmt: skip
            carried = bn_backward_carried(B[f"dZt{l}"], part["z_norm_value"], gamma, part["s_value"])
            B[f"dZ{l}"] = own["dZ"] + carried["dZ"]
            B[f"dgamma{l}"], B[f"dbeta{l}"] = own["dgamma"] + carried["dgamma"], own["dbeta"] + carried["dbeta"]
        else:
            B[f"dZ{l}"] = B[f"dZt{l}"]
        back = linear_backward_bounds(ref[f"dZ{l}"], ref[f"A{l - 1}"], params[f"W{l}"], B[f"dZ{l}"], B[f"A{l - 1}"])
        B[f"dW{l}"], B[f"dA{l - 1}"] = back["dW"], back["dA_prev"]
        if not with_bn[l - 1]:
            B[f"db{l}"] = back["db"]
    return B


def _bn_model_names(case: Case, kind: str) -> list[str]:
    L = len(case["activations"])
    with_bn = _with_bn(case["parameters"], L)
    if kind == "forward":
        return [n for l in range(1, L + 1) for n in ([f"Z{l}", f"Zt{l}"] if with_bn[l - 1] else [f"Z{l}"]) + [f"A{l}"]]
    names = []
    for l in range(L, 0, -1):
        if with_bn[l - 1]:
            names += [f"dZt{l}", f"dZ{l}", f"dW{l}", f"dgamma{l}", f"dbeta{l}"]
        else:
            names += [f"dZ{l}", f"dW{l}", f"db{l}"]
        names.append(f"dA{l - 1}")
    return names


def _bn_model_oracle(kind: str):
    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        ref = bn_reference_pass(case, device, dtype)
        B = bn_model_bounds(case, ref)
        return {name: Reference(ref[name], B[name]) for name in _bn_model_names(case, kind)}

    return oracle


def _run_bn_model_forward(impl: Any, case: Case, returned: tuple[Any, Any] | None = None) -> dict[str, Any]:
    if returned is None:
        returned = impl.bn_model_forward(case["X"], case["parameters"], activations=case["activations"],
                                         epsilon=BN_EPS)  # fmt: skip
    AL, caches = returned
    out = {}
    for l, cache in enumerate(caches, start=1):
        out[f"Z{l}"] = cache.Z
        if cache.b is None:  # a BN layer (its bn cache is None at test time)
            out[f"Zt{l}"] = cache.Z_tilde
        out[f"A{l}"] = caches[l].A_prev if l < len(caches) else AL
    return out


def _run_bn_model_backward(impl: Any, case: Case) -> dict[str, Any]:
    acts = case["activations"]
    AL, caches = impl.bn_model_forward(case["X"], case["parameters"], activations=acts, epsilon=BN_EPS)
    grads = impl.bn_model_backward(AL, case["Y"], caches, activations=acts, return_dZ=True)
    return {(f"dZt{k[8:]}" if k.startswith("dZ_tilde") else k): v for k, v in grads.items()}


_BN_MODEL_VARIANT = "L-layer model: nn.Sequential(Linear(bias=False), BatchNorm1d, g), layer by layer"

register(
    Entry(
        id="BN-FWD",
        equation="Z[l] = W[l] A[l-1] (no b[l]); Z~[l] = γ[l] (Z[l] - μ[l])/sqrt(σ²[l] + ε) + β[l]; A[l] = g[l](Z~[l])",
        variant=_BN_MODEL_VARIANT,
        draw=draw_bn_model,
        run=_run_bn_model_forward,
        oracle=_bn_model_oracle("forward"),
        shapes=BN_MODEL_SHAPES,
        needs=("bn_model_forward",),
    )
)

BN_MODEL_BWD = register(
    Entry(
        id="BN-BWD",
        equation="dZ~[l] = dA[l] * g'(Z~[l]); dZ[l], dγ[l], dβ[l] through μ[l], σ²[l]; dW[l], dA[l-1] for l = L..1",
        variant=_BN_MODEL_VARIANT,
        draw=draw_bn_model,
        run=_run_bn_model_backward,
        oracle=_bn_model_oracle("backward"),
        shapes=BN_MODEL_SHAPES,
        needs=("bn_model_forward", "bn_model_backward"),
    )
)


# ---- the finite-difference twin of the model's BN-BWD
def bn_forward64(params: dict[str, np.ndarray], acts: list[str], value: np.ndarray, start: int = 0,
                 kind: str = "A") -> dict[str, np.ndarray]:  # fmt: skip
    """The BN model's forward in float64 NumPy (batched: leading axes are perturbed copies), from ``A[start]``
    (``kind="A"``), ``Z[start]`` (``"Z"``: BN if layer ``start`` has it, then g) or ``Z̃[start]`` (``"Zt"``: g
    first), up to ``A[L]``. Returns every value it passes through (``Z{l}``, ``Zt{l}``, ``A{l}``)."""
    from .gradient_check import g64

    L, with_bn = len(acts), _with_bn(params, len(acts))
    out: dict[str, np.ndarray] = {f"{kind}{start}": np.asarray(value, np.float64)}
    for l in range(start + 1 if kind == "A" else start, L + 1):
        if f"Z{l}" not in out and f"Zt{l}" not in out:
            W = params[f"W{l}"].astype(np.float64)
            out[f"Z{l}"] = W @ out[f"A{l - 1}"] if with_bn[l - 1] else W @ out[f"A{l - 1}"] + params[f"b{l}"]
        if f"Zt{l}" not in out:
            bn = with_bn[l - 1]
            out[f"Zt{l}"] = bn64(out[f"Z{l}"], params[f"gamma{l}"], params[f"beta{l}"]) if bn else out[f"Z{l}"]
        out[f"A{l}"] = g64(acts[l - 1], out[f"Zt{l}"])
    return out


def _summed_loss(case: Case, value: np.ndarray, start: int, kind: str) -> np.ndarray:
    """``S = Σ_i L_i`` of the BN model from ``value`` (``bn_forward64``'s start), one value per leading copy."""
    from .gradient_check import losses_from_logits

    acts, L = case["activations"], len(case["activations"])
    if kind == "A" and start == L:
        raise ValueError("A[L] is the output: difference the logits instead")
    out = bn_forward64(case["parameters"], acts, value, start, kind)
    return losses_from_logits(acts[-1], out[f"Zt{L}"], np.asarray(case["Y"], np.float64)).sum(axis=(-2, -1))


def _summed_loss_bound(case: Case, ref: dict[str, np.ndarray], start: int, kind: str) -> float:
    """Rounding bound (units of u) of one float64 evaluation of :func:`_summed_loss` at the case's values: the
    model's forward bounds from that point (the starting value exact), the losses from the logits, the sum."""
    from .gradient_check import losses_from_logits

    params, acts, Y = case["parameters"], case["activations"], np.asarray(case["Y"], np.float64)
    L, with_bn = len(acts), _with_bn(case["parameters"], len(acts))
    B: dict[str, Any] = {f"{kind}{start}": 0.0}
    for l in range(start + 1 if kind == "A" else start, L + 1):
        if f"Z{l}" not in B and f"Zt{l}" not in B:
            W = params[f"W{l}"]
            b = np.zeros((W.shape[0], 1)) if with_bn[l - 1] else params[f"b{l}"]
            B[f"Z{l}"] = linear_bound(W, ref[f"A{l - 1}"], b, B[f"A{l - 1}"])
        if f"Zt{l}" not in B and with_bn[l - 1]:
            B[f"Zt{l}"] = bn_layer_bounds(ref[f"Z{l}"], B[f"Z{l}"], params[f"gamma{l}"], params[f"beta{l}"])["z_tilde"]
        elif f"Zt{l}" not in B:
            B[f"Zt{l}"] = B[f"Z{l}"]
        B[f"A{l}"] = activation_bound(acts[l - 1], ref[f"Zt{l}"], ref[f"A{l}"], B[f"Zt{l}"])
    ZL = ref[f"Zt{L}"]
    losses = losses_from_logits(acts[-1], ZL, Y)
    return summed_bound(losses, logit_loss_bound(acts[-1], ZL, Y, B[f"Zt{L}"]))


def fd_bn_model(case: Case) -> FD:
    """BN-BWD in the model by centered differences: dW[l], dγ[l], dβ[l], db[l] from the cost J(parameters);
    dZ̃[l], dZ[l], dA[l] from the summed loss S = m J as a function of that intermediate (the layers above it).
    dZ[l] of a BN layer is m·∂J/∂Z[l] with column i reaching every example through μ and σ²: S differenced."""
    params = {k: np.asarray(v, np.float64) for k, v in case["parameters"].items()}
    acts, X = case["activations"], np.asarray(case["X"], np.float64)
    L, m = len(acts), X.shape[1]
    c64 = {**case, "parameters": params}
    ref = {"A0": X, **bn_forward64(params, acts, X)}
    S0 = float(_summed_loss(c64, X, 0, "A"))
    B_J = _summed_loss_bound(c64, ref, 0, "A") / m + abs(S0 / m)  # J = S / m: one more rounding
    out: FD = {}
    for key, P in params.items():
        def J(Pb: np.ndarray, key: str = key) -> np.ndarray:
            return _summed_loss({**c64, "parameters": {**params, key: Pb}}, X, 0, "A") / m

        out[f"d{key}"] = centered_differences(J, P, B_J)
    for l in range(1, L + 1):
        for kind, name in (("Z", f"dZ{l}"), ("Zt", f"dZt{l}")):
            if kind == "Zt" and f"gamma{l}" not in params:
                continue
            value = ref[f"{kind}{l}"]
            S = lambda v, l=l, kind=kind: _summed_loss(c64, v, l, kind)  # noqa: E731
            out[name] = centered_differences(S, value, _summed_loss_bound(c64, ref, l, kind))
    for l in range(L):
        S = lambda v, l=l: _summed_loss(c64, v, l, "A")  # noqa: E731
        out[f"dA{l}"] = centered_differences(S, ref[f"A{l}"], _summed_loss_bound(c64, ref, l, "A"))
    return out


register(finite_difference_entry(BN_MODEL_BWD, fd_bn_model))


# ---- BN-INFER in the model: running averages over training batches, then a test-time forward
#: (layer dims, activations, m, the BN layers, training batches, m of the test batch)
BN_MODEL_INFER_SHAPES = [
    ((5, 4, 3, 1), ("relu", "tanh", "sigmoid"), 7, (1, 2), 3, 4),
    ((3, 5, 4, 2, 2), ("tanh", "elu", "sigmoid", "linear"), 6, (1, 3), 2, 1),
]


def draw_bn_model_infer(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    """A BN-model case (:func:`draw_bn_model`) whose X is the first of ``batches`` training batches, and a test
    batch; every batch's forward (training mode) and the test forward (running statistics) kept from kinks."""
    dims, acts, m, bn, batches, m_test = shape
    kinked = [l for l in range(1, len(acts) + 1) if acts[l - 1] in KINKED]

    def draw() -> Case:
        case = draw_bn_model(rng, (dims, acts, m, bn), dtype)
        case["batches"] = [case["X"]] + [cases.normal(rng, (dims[0], m), dtype) for _ in range(batches - 1)]
        case["X_test"] = cases.normal(rng, (dims[0], m_test), dtype)
        return case

    def accept(case: Case) -> bool:
        values = [bn_forward64(case["parameters"], acts, Xb) for Xb in case["batches"]]
        values.append(_infer_reference(case)["test"])
        return not any(cases.near_kink(v[f"Zt{l}"]) for v in values for l in kinked)

    what = f"{batches} training batches and a test batch of a BN network {dims} {acts} with no kinked Z~ near 0"
    return cases.redraw(draw, accept, what)


def _infer_reference(case: Case) -> dict[str, Any]:
    """float64 values and bounds (units of u) of BN-INFER in the model: per BN layer the running averages after
    the training batches (``moving_average_bound`` with the batch statistics' bounds, Z[l]'s own error carried,
    ``m/(m - 1)`` for torch's unbiased running variance), then the test forward through the running statistics
    (``batchnorm_normalize_bounds`` plus the carried ``|γ| B_Z / s``)."""
    params, acts = case["parameters"], case["activations"]
    L = len(acts)
    with_bn = _with_bn(params, L)
    run = {f"{q}{l}": (np.zeros if q == "mean" else np.ones)((params[f"W{l}"].shape[0], 1))
           for l in range(1, L + 1) if with_bn[l - 1] for q in ("mean", "var")}  # fmt: skip
    B_run: dict[str, Any] = dict.fromkeys(run, 0.0)
    for Xb in case["batches"]:
        values = {"A0": np.asarray(Xb, np.float64), **bn_forward64(params, acts, Xb)}
        B = bn_model_bounds({**case, "X": Xb}, values, forward_only=True)
        for l in range(1, L + 1):
            if with_bn[l - 1]:
                mean, var = f"mean{l}", f"var{l}"
                run[mean], run[var], B_run[mean], B_run[var] = batchnorm_running_bounds(
                    run[mean], run[var], B_run[mean], B_run[var], B[f"bn{l}"], Xb.shape[1], BN_MOMENTUM
                )
    from .gradient_check import g64

    test: dict[str, np.ndarray] = {"A0": np.asarray(case["X_test"], np.float64)}
    B_test: dict[str, Any] = {"A0": 0.0}
    for l in range(1, L + 1):
        W = np.asarray(params[f"W{l}"], np.float64)
        b = np.zeros((W.shape[0], 1)) if with_bn[l - 1] else np.asarray(params[f"b{l}"], np.float64)
        test[f"Z{l}"] = W @ test[f"A{l - 1}"] + b
        B_test[f"Z{l}"] = linear_bound(W, test[f"A{l - 1}"], b, B_test[f"A{l - 1}"])
        if with_bn[l - 1]:
            gamma, beta = params[f"gamma{l}"], params[f"beta{l}"]
            norm = batchnorm_normalize_bounds(test[f"Z{l}"], gamma, beta, run[f"mean{l}"], run[f"var{l}"],
                                              B_run[f"mean{l}"], B_run[f"var{l}"], BN_EPS)  # fmt: skip
            s = norm["s_value"]
            test[f"Zt{l}"] = np.asarray(gamma, np.float64) * norm["z_norm_value"] + np.asarray(beta, np.float64)
            B_test[f"Zt{l}"] = norm["z_tilde"] + np.abs(np.asarray(gamma, np.float64)) * B_test[f"Z{l}"] / s
        else:
            test[f"Zt{l}"], B_test[f"Zt{l}"] = test[f"Z{l}"], B_test[f"Z{l}"]
        test[f"A{l}"] = g64(acts[l - 1], test[f"Zt{l}"])
        B_test[f"A{l}"] = activation_bound(acts[l - 1], test[f"Zt{l}"], test[f"A{l}"], B_test[f"Zt{l}"])
    return {"running": run, "B_running": B_run, "test": test, "B_test": B_test}


def _run_bn_model_infer(impl: Any, case: Case) -> dict[str, Any]:
    params, acts = case["parameters"], case["activations"]
    running = impl.initialize_running_averages(params)
    for Xb in case["batches"]:
        _AL, caches = impl.bn_model_forward(Xb, params, activations=acts, epsilon=BN_EPS)
        running = impl.update_model_running_averages(running, caches, BN_MOMENTUM, unbiased=True)
    AL, caches = impl.bn_model_forward(case["X_test"], params, activations=acts, epsilon=BN_EPS, running=running)
    out = {f"running {k}": v for k, v in running.items()}
    out.update(_run_bn_model_forward(impl, {**case, "X": case["X_test"]}, (AL, caches)))
    return out


def _bn_model_infer_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    params, acts = case["parameters"], case["activations"]
    L = len(acts)
    with_bn = _with_bn(params, L)
    net = torch_bn_network(params, acts, device, dtype)
    with torch.no_grad():
        for Xb in case["batches"]:
            net(to_rows(Xb, device, dtype))
        net.eval()
        values, A, modules = {}, to_rows(case["X_test"], device, dtype), iter(net)
        for l in range(1, L + 1):
            values[f"Z{l}"] = Z = next(modules)(A)
            values[f"Zt{l}"] = Zt = next(modules)(Z) if with_bn[l - 1] else Z
            values[f"A{l}"] = A = next(modules)(Zt)
    ref = _infer_reference(case)
    norms = iter(mod for mod in net if isinstance(mod, nn.BatchNorm1d))
    refs = {}
    for l in range(1, L + 1):
        if with_bn[l - 1]:
            norm = next(norms)
            refs[f"running mean{l}"] = Reference(bias_from_torch(norm.running_mean), ref["B_running"][f"mean{l}"])
            refs[f"running var{l}"] = Reference(bias_from_torch(norm.running_var), ref["B_running"][f"var{l}"])
    for name in _bn_model_names(case, "forward"):
        refs[name] = Reference(from_rows(values[name]), ref["B_test"][name])
    return refs


register(
    Entry(
        id="BN-INFER",
        equation="BN layers: μ_run, σ²_run := (1-p)·run + p·batch; test: Z~[l] = γ (Z[l] - μ_run)/sqrt(σ²_run + ε) + β",
        variant="L-layer model: nn.Sequential(Linear(bias=False), BatchNorm1d, g), running statistics, then eval mode",
        draw=draw_bn_model_infer,
        run=_run_bn_model_infer,
        oracle=_bn_model_infer_oracle,
        shapes=BN_MODEL_INFER_SHAPES,
        needs=("bn_model_forward", "initialize_running_averages", "update_model_running_averages"),
    )
)
