"""Batch normalization (issue 13): BatchNorm1d's running variance against the notes' (the exact
difference m/(m - 1)), bad input, and the planted mistakes."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import scratch_nn as nn_
from torch_reference.batchnorm import BN_EPS, BN_MOMENTUM, torch_batchnorm
from torch_reference.layout import bias_from_torch, to_rows
from torch_reference.tolerance import batchnorm_statistics_bounds, moving_average_bound, tolerance

from .mutants import caught, mutant


def _case(rng, n=3, m=6, dtype=np.float64):
    Z = (rng.standard_normal((n, m)) + rng.standard_normal((n, 1))).astype(dtype)
    return Z, rng.uniform(0.5, 2, (n, 1)).astype(dtype), rng.standard_normal((n, 1)).astype(dtype)


@pytest.mark.parametrize("m", [2, 5, 16])
def test_running_variance_of_batchnorm1d_is_the_unbiased_one(m):
    """One training step from running_var = 1: torch's running_var exceeds the notes' (biased σ²) by exactly
    momentum·σ²·(m/(m - 1) - 1) = momentum·σ²/(m - 1); with unbiased=True they agree within rounding."""
    rng = np.random.default_rng(m)
    Z, gamma, beta = _case(rng, m=m)
    bn = torch_batchnorm(gamma, beta, "cpu", torch.float64).train()
    with torch.no_grad():
        bn(to_rows(Z, "cpu", torch.float64))
    torch_rv, torch_rm = bias_from_torch(bn.running_var), bias_from_torch(bn.running_mean)
    _, cache = nn_.batchnorm_forward(Z, gamma, beta, BN_EPS)
    ones, zeros = np.ones_like(gamma), np.zeros_like(gamma)
    notes_rm, notes_rv = nn_.update_running_averages(zeros, ones, cache, BN_MOMENTUM)
    _, torch_style_rv = nn_.update_running_averages(zeros, ones, cache, BN_MOMENTUM, unbiased=True)
    stats = batchnorm_statistics_bounds(Z)
    var = stats["var_value"]
    expected = BN_MOMENTUM * var / (m - 1)  # the cause: var_sum / (n - 1) in ATen's update
    B = moving_average_bound(ones, 0.0, var * m / (m - 1), 1 - BN_MOMENTUM, torch_rv, stats["var"] * m / (m - 1))
    tol = tolerance(np.float64, B, torch_rv)  # both sides' rounding of the running variance
    assert (np.abs((torch_rv - notes_rv) - expected) <= tol).all()
    assert (expected > 1e6 * tol).all()  # a real difference, never within a tolerance
    assert (np.abs(torch_style_rv - torch_rv) <= tol).all()
    assert (np.abs(notes_rm - torch_rm) <= tolerance(np.float64, (m + 4) * np.abs(Z).mean(), torch_rm)).all()
    # momentum is the new statistic's weight: 0.1 of the batch, 0.9 of the old value
    assert np.allclose(torch_rv, 0.9 + 0.1 * var * m / (m - 1), rtol=1e-14, atol=0)


def test_training_mode_normalizes_with_the_biased_variance():
    rng = np.random.default_rng(2)
    Z, gamma, beta = _case(rng, m=4)
    _Zt, cache = nn_.batchnorm_forward(Z, gamma, beta)
    np.testing.assert_allclose(cache[3], Z.var(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(cache[1].mean(axis=1), 0, atol=1e-14)
    np.testing.assert_allclose((cache[1] ** 2).mean(axis=1), 1 - BN_EPS / (cache[3][:, 0] + BN_EPS), rtol=1e-12)


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
def test_dtype_preserved_and_inputs_untouched(np_dtype):
    dtype = np_dtype
    rng = np.random.default_rng(1)
    Z, gamma, beta = _case(rng, dtype=dtype)
    dZt = rng.standard_normal(Z.shape).astype(dtype)
    before = copy.deepcopy((Z, gamma, beta, dZt))
    Zt, cache = nn_.batchnorm_forward(Z, gamma, beta)
    outs = [Zt, *nn_.batchnorm_backward(dZt, cache)]
    rm, rv = nn_.update_running_averages(np.zeros_like(gamma), np.ones_like(gamma), cache, unbiased=True)
    outs += [rm, rv, nn_.batchnorm_inference(Z, gamma, beta, rm, rv)]
    assert all(o.dtype == dtype for o in outs)
    np.testing.assert_equal((Z, gamma, beta, dZt), before)


def test_bad_input_is_rejected():
    rng = np.random.default_rng(0)
    Z, gamma, beta = _case(rng)
    with pytest.raises(ValueError, match="gamma has shape"):
        nn_.batchnorm_forward(Z, gamma.T, beta)
    with pytest.raises(TypeError, match="mixed dtypes"):
        nn_.batchnorm_forward(Z, gamma.astype(np.float32), beta)
    with pytest.raises(ValueError, match="epsilon"):
        nn_.batchnorm_forward(Z, gamma, beta, 0.0)
    _, cache = nn_.batchnorm_forward(Z[:, :1], gamma, beta)
    with pytest.raises(ValueError, match="m >= 2"):
        nn_.update_running_averages(np.zeros_like(gamma), np.ones_like(gamma), cache, unbiased=True)
    with pytest.raises(ValueError, match="momentum"):
        nn_.update_running_averages(np.zeros_like(gamma), np.ones_like(gamma), cache, 0.0)
    with pytest.raises(ValueError, match="running_var must be >= 0"):
        nn_.batchnorm_inference(Z, gamma, beta, np.zeros_like(gamma), -np.ones_like(gamma))


# ----------------------------------------------------------------------- planted mistakes
def _forward_wrong_axis(Z, gamma, beta, epsilon=1e-5):
    """Statistics per example (over the units, axis 0) instead of per unit over the m columns."""
    mu = Z.mean(axis=0, keepdims=True)
    var = Z.var(axis=0, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + epsilon)
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, epsilon)


def _forward_unbiased(Z, gamma, beta, epsilon=1e-5):
    """The unbiased variance (ddof=1) in training."""
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, ddof=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + epsilon)
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, epsilon)


def _backward_ignores_statistics(dZ_tilde, cache):
    """dZ = γ dZ̃ / sqrt(σ² + ε): μ and σ² treated as constants (the shortcut)."""
    Z, Z_norm, _mu, var, gamma, eps = cache
    m = Z.shape[1]
    return (
        gamma * dZ_tilde / np.sqrt(var + eps),
        (dZ_tilde * Z_norm).sum(1, keepdims=True) / m,
        dZ_tilde.mean(1, keepdims=True),
    )


def _running_average_weights_swapped(running_mean, running_var, cache, momentum=0.1, unbiased=False):
    """momentum as the *old* value's weight (the notes' β where torch's momentum belongs)."""
    Z, _, mu, var, _, _ = cache
    m = Z.shape[1]
    var = var * m / (m - 1) if unbiased else var
    return momentum * running_mean + (1 - momentum) * mu, momentum * running_var + (1 - momentum) * var


MUTANTS = [
    ("BN-FWD", "normalized over the wrong axis (per example)", {"batchnorm_forward": _forward_wrong_axis}),
    ("BN-FWD", "the unbiased variance in training", {"batchnorm_forward": _forward_unbiased}),
    ("BN-BWD", "backward ignores μ's and σ²'s dependence on z", {"batchnorm_backward": _backward_ignores_statistics}),
    (
        "BN-INFER",
        "momentum as the old statistic's weight",
        {"update_running_averages": _running_average_weights_swapped},
    ),
]


@pytest.mark.parametrize(("cid", "what", "overrides"), MUTANTS, ids=[f"{m[0]}: {m[1]}" for m in MUTANTS])
def test_planted_bug_is_caught(cid, what, overrides):
    assert caught(cid, mutant(**overrides)), f"{cid}: '{what}' was not caught"


def test_shortcut_backward_is_caught_by_finite_differences_too():
    from torch_reference.registry import entries, run_case

    impl = mutant(batchnorm_backward=_backward_ignores_statistics)
    fd = [e for e in entries() if e.id == "BN-BWD" and e.oracle_kind == "finite differences"]
    assert fd and any(run_case(e, impl, "cpu", "float64", 0, s).status == "FAIL" for e in fd for s in e.shapes)
