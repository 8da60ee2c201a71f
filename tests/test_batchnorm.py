"""Batch normalization (issue 13): BatchNorm1d's running variance against the notes' (the exact
difference m/(m - 1)) and the planted mistakes; bad input is in tests/bad_inputs.py."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import scratch_nn as nn_
from torch_reference.batchnorm import BN_EPS, BN_MOMENTUM, bn_reference_pass, torch_batchnorm, torch_bn_network
from torch_reference.layout import bias_from_torch, from_rows, to_rows
from torch_reference.tolerance import batchnorm_statistics_bounds, moving_average_bound, tolerance

from .checks import planted_bugs_test


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


# ----------------------------------------------------------------------- defaults and boundaries
def _eval_batchnorm(Z, gamma, beta, running_mean, running_var, eps=BN_EPS):
    """torch's BatchNorm1d in eval mode with these running statistics, in the notes' layout."""
    bn = torch_batchnorm(gamma, beta, "cpu", torch.float64).eval()
    bn.eps = eps
    with torch.no_grad():
        bn.running_mean.copy_(torch.tensor(running_mean[:, 0]))
        bn.running_var.copy_(torch.tensor(running_var[:, 0]))
        return from_rows(bn(to_rows(Z, "cpu", torch.float64)))


def test_inference_with_default_epsilon_and_a_zero_running_variance_is_batchnorm1d_in_eval_mode():
    """ε defaults to torch's 1e-5, and a running variance of exactly 0 (a unit constant in every batch so far) is
    a variance like any other: z̃ = γ (z - μ_run) / sqrt(ε) + β, as torch computes it."""
    rng = np.random.default_rng(21)
    Z, gamma, beta = _case(rng, n=3, m=5)
    running_mean, running_var = rng.standard_normal((3, 1)), np.array([[0.0], [0.3], [2.0]])
    out = nn_.batchnorm_inference(Z, gamma, beta, running_mean, running_var)
    assert torch.nn.BatchNorm1d(3).eps == BN_EPS  # torch's default, which _eval_batchnorm uses
    expected = _eval_batchnorm(Z, gamma, beta, running_mean, running_var)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


def test_momentum_one_replaces_the_running_statistics_by_the_batchs():
    """momentum = 1, the top of (0, 1], keeps nothing of the old averages: the batch's μ and biased σ²."""
    rng = np.random.default_rng(22)
    Z, gamma, beta = _case(rng, n=3, m=6)
    _Zt, cache = nn_.batchnorm_forward(Z, gamma, beta)
    rm, rv = nn_.update_running_averages(rng.standard_normal((3, 1)), rng.uniform(0.5, 2, (3, 1)), cache, 1.0)
    np.testing.assert_allclose(rm, Z.mean(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(rv, Z.var(axis=1, keepdims=True), rtol=1e-13)


def test_bn_model_defaults_are_torchs_epsilon_and_the_notes_biased_running_variance():
    """Training forward with the default ε is torch's BN network; update_model_running_averages by default enters
    the batch's biased σ²[l] with momentum 0.1 (torch's running_var would use m/(m - 1) σ²)."""
    case = _bn_case(seed=1)
    X, params, acts = case["X"], case["parameters"], case["activations"]
    AL, caches = nn_.bn_model_forward(X, params, activations=acts)
    ref = bn_reference_pass(case, "cpu", torch.float64)
    np.testing.assert_allclose(AL, ref[f"A{len(acts)}"], rtol=1e-12, atol=1e-15)
    running = nn_.update_model_running_averages(nn_.initialize_running_averages(params), caches)
    for l, c in enumerate(caches, start=1):
        if c.bn is not None:
            np.testing.assert_allclose(running[f"var{l}"], 0.9 + 0.1 * ref[f"Z{l}"].var(axis=1, keepdims=True),
                                       rtol=1e-14)  # fmt: skip


def test_bn_model_at_test_time_uses_the_given_epsilon():
    """running=... with ε = 0.1 (not the default) is torch's network in eval mode with eps = 0.1 in every BN layer."""
    case = _bn_case(seed=2)
    X, params, acts = case["X"], case["parameters"], case["activations"]
    rng = np.random.default_rng(23)
    running = {k: rng.uniform(0.2, 2.0, v.shape) if k.startswith("var") else rng.standard_normal(v.shape)
               for k, v in nn_.initialize_running_averages(params).items()}  # fmt: skip
    AL, _caches = nn_.bn_model_forward(X, params, activations=acts, epsilon=0.1, running=running)
    net = torch_bn_network(params, acts, "cpu", torch.float64).eval()
    layers = [l for l, bn in enumerate(nn_.batchnorm_layers(params), start=1) if bn]
    for l, bn in zip(layers, (m for m in net if isinstance(m, torch.nn.BatchNorm1d)), strict=True):
        bn.eps = 0.1
        with torch.no_grad():
            bn.running_mean.copy_(torch.tensor(running[f"mean{l}"][:, 0]))
            bn.running_var.copy_(torch.tensor(running[f"var{l}"][:, 0]))
    with torch.no_grad():
        expected = from_rows(net(to_rows(X, "cpu", torch.float64)))
    np.testing.assert_allclose(AL, expected, rtol=1e-12, atol=1e-15)


def test_bn_model_backward_passes_its_convention_to_the_hidden_layers():
    """ReLU'(0) is 1 in the notes and 0 in torch (convention="pytorch"). An exact 0 in a hidden Z (an example whose
    inputs are all 0, a zero bias) makes the two differ, and "pytorch" is autograd's gradient. Without return_dZ,
    only the gradients come back."""
    rng = np.random.default_rng(24)
    X = rng.standard_normal((3, 6))
    X[:, 0] = 0.0
    params = {"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal((4, 1)), "W2": rng.standard_normal((2, 4)),
              "gamma2": rng.uniform(0.5, 2, (2, 1)), "beta2": rng.standard_normal((2, 1)),
              "W3": rng.standard_normal((1, 2)), "b3": rng.standard_normal((1, 1))}  # fmt: skip
    params["b1"][0] = 0.0  # Z[1] of unit 0, example 0, is exactly 0
    Y = np.array([[0.0, 1, 1, 0, 1, 0]])
    case = {"X": X, "parameters": params, "Y": Y, "activations": ["relu", "relu", "sigmoid"]}
    AL, caches = nn_.bn_model_forward(X, params, activations=case["activations"])
    grads = {c: nn_.bn_model_backward(AL, case["Y"], caches, activations=case["activations"], convention=c)
             for c in ("notes", "pytorch")}  # fmt: skip
    ref = bn_reference_pass(case, "cpu", torch.float64)
    assert sorted(grads["pytorch"]) == ["dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db3", "dbeta2", "dgamma2"]
    for k, g in grads["pytorch"].items():
        np.testing.assert_allclose(g, ref[k], rtol=1e-11, atol=1e-14, err_msg=k)
    assert abs(grads["notes"]["db1"][0, 0] - ref["db1"][0, 0]) > 1e-3  # the notes' ReLU'(0) = 1 shows


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


#: which registry cases must FAIL (assert_caught's keywords): the finite-difference entries, the L-layer model's
FD = {"oracle": "finite differences", "fail_only": True}
MODEL = {"variant": "L-layer", "fail_only": True}
MUTANTS = [
    ("BN-FWD", "normalized over the wrong axis (per example)", {"batchnorm_forward": _forward_wrong_axis}),
    ("BN-FWD", "the unbiased variance in training", {"batchnorm_forward": _forward_unbiased}),
    ("BN-BWD", "backward ignores μ's and σ²'s dependence on z", {"batchnorm_backward": _backward_ignores_statistics}),
    (
        "BN-INFER",
        "momentum as the old statistic's weight",
        {"update_running_averages": _running_average_weights_swapped},
    ),
    ("BN-BWD", "the shortcut, by finite differences alone", {"batchnorm_backward": _backward_ignores_statistics}, FD),
]


# ----------------------------------------------------------------------- batch norm in the L-layer model
def _bn_case(seed=0, dtype=np.float64):
    from torch_reference.batchnorm import BN_MODEL_SHAPES, draw_bn_model
    from torch_reference.registry import case_rng, entries

    entry = next(e for e in entries() if e.id == "BN-FWD" and "L-layer" in e.variant)
    return draw_bn_model(case_rng(entry, seed, BN_MODEL_SHAPES[0]), BN_MODEL_SHAPES[0], dtype)


def test_a_bias_before_batch_norm_changes_nothing_and_gets_no_gradient():
    """Why the BN model drops b[l]: Z + b and Z give the same Z̃ (z - μ removes b, within rounding), and the
    gradient b would get, (1/m) Σ dZ, is 0 within the rounding of BN-BWD's dZ and of the sum."""
    from torch_reference.batchnorm import bn_layer_bounds
    from torch_reference.tolerance import batchnorm_backward_bounds

    rng = np.random.default_rng(11)
    Z, gamma, beta = _case(rng, n=4, m=9)
    b = 3 * rng.standard_normal((4, 1))
    Zt, cache = nn_.batchnorm_forward(Z, gamma, beta, BN_EPS)
    Zt_b, _ = nn_.batchnorm_forward(Z + b, gamma, beta, BN_EPS)
    B = bn_layer_bounds(Z, 0.0, gamma, beta)["z_tilde"] + bn_layer_bounds(Z + b, np.abs(Z + b), gamma, beta)["z_tilde"]
    assert (np.abs(Zt_b - Zt) <= tolerance(np.float64, B / 2, Zt)).all()  # B: both evaluations' bounds summed
    dZ_tilde = rng.standard_normal(Z.shape)
    dZ, _dgamma, _dbeta = nn_.batchnorm_backward(dZ_tilde, cache)
    parts = bn_layer_bounds(Z, 0.0, gamma, beta)
    B_dZ = batchnorm_backward_bounds(dZ_tilde, parts["z_norm_value"], parts["z_norm"], gamma, parts["s_value"],
                                     parts["s"])["dZ"]  # fmt: skip
    db = dZ.sum(axis=1, keepdims=True) / Z.shape[1]
    B_db = (B_dZ.sum(axis=1, keepdims=True) + (Z.shape[1] + 1) * np.abs(dZ).sum(axis=1, keepdims=True)) / Z.shape[1]
    assert (np.abs(db) <= tolerance(np.float64, B_db, 0.0)).all()
    assert (np.abs(dZ).max(axis=1) > 1e6 * tolerance(np.float64, B_db, 0.0)[:, 0]).all()  # dZ itself is not 0


def test_bn_model_layers_and_parameters():
    rng = np.random.default_rng(0)
    p = nn_.initialize_bn_parameters([4, 5, 3, 2], "he", rng)
    assert sorted(p) == ["W1", "W2", "W3", "b3", "beta1", "beta2", "gamma1", "gamma2"]
    assert nn_.batchnorm_layers(p) == [True, True, False]
    assert (p["gamma1"] == 1).all() and (p["beta2"] == 0).all()
    assert nn_.batchnorm_layers(nn_.initialize_bn_parameters([4, 5, 3, 2], "he", rng, batchnorm=[3])) == [False,
                                                                                                          False, True]


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
def test_bn_model_dtype_preserved_and_inputs_untouched(np_dtype):
    case = _bn_case(dtype=np_dtype)
    before = copy.deepcopy(case)
    acts = case["activations"]
    AL, caches = nn_.bn_model_forward(case["X"], case["parameters"], activations=acts)
    grads = nn_.bn_model_backward(AL, case["Y"], caches, activations=acts, return_dZ=True)
    running = nn_.update_model_running_averages(nn_.initialize_running_averages(case["parameters"]), caches)
    AL_test, _ = nn_.bn_model_forward(case["X"][:, :1], case["parameters"], activations=acts, running=running)
    assert AL.dtype == AL_test.dtype == np_dtype
    assert all(g.dtype == np_dtype for g in grads.values()) and all(r.dtype == np_dtype for r in running.values())
    assert {"dgamma1", "dbeta1", "dZ_tilde1", "db3"} <= set(grads) and "db1" not in grads
    np.testing.assert_equal(case, before)


def _in_bn_model(**patches):
    """scratch_nn's BN model with one of its BN steps replaced (the unit mutants above, in every layer)."""
    from unittest import mock

    import scratch_nn.bn_model as bn_model

    def wrap(func):
        def patched(*args, **kwargs):
            with mock.patch.multiple(bn_model, **patches):
                return func(*args, **kwargs)

        return patched

    names = ("bn_model_forward", "bn_model_backward", "update_model_running_averages")
    return {name: wrap(getattr(nn_, name)) for name in names}


def _bn_model_activation_on_Z(X, parameters, hidden_activation="relu", output_activation="sigmoid", activations=None,
                              epsilon=1e-5, running=None):  # fmt: skip
    """g[l] applied to Z[l] instead of Z̃[l]: batch norm computed but not used by the next layer."""
    _AL, caches = nn_.bn_model_forward(X, parameters, hidden_activation, output_activation, activations, epsilon,
                                       running)  # fmt: skip
    A, fixed = X, []
    for l, c in enumerate(caches, start=1):
        Z = parameters[f"W{l}"] @ A + (c.b if c.b is not None else 0)
        fixed.append(c._replace(A_prev=A, Z=Z))
        A = nn_.activation_forward(Z, activations[l - 1])
    return A, fixed


def _bn_model_dW_from_dZ_tilde(AL, Y, caches, activations=None, **kw):
    """dW[l] = (1/m) dZ̃[l] A[l-1]^T: the gradient taken before BN-BWD (BN treated as the identity for W)."""
    grads = nn_.bn_model_backward(AL, Y, caches, activations=activations, return_dZ=True)
    m = AL.shape[1]
    for l, c in enumerate(caches, start=1):
        if c.bn is not None:
            grads[f"dW{l}"] = grads[f"dZ_tilde{l}"] @ c.A_prev.T / m
    return grads


_shortcut_in_the_model = _in_bn_model(batchnorm_backward=_backward_ignores_statistics)
#: caught by the L-layer model's entries (the unit mutants above, in every layer, and the model's own)
MODEL_MUTANTS = [
    ("BN-FWD", "the model's BN over the wrong axis", _in_bn_model(batchnorm_forward=_forward_wrong_axis), MODEL),
    ("BN-FWD", "the model's BN with the unbiased variance", _in_bn_model(batchnorm_forward=_forward_unbiased), MODEL),
    ("BN-FWD", "g[l] applied to Z[l], not Z̃[l]", {"bn_model_forward": _bn_model_activation_on_Z}, MODEL),
    ("BN-BWD", "the model's BN backward ignores μ, σ²", _shortcut_in_the_model, MODEL),
    ("BN-BWD", "the model's shortcut backward, by finite differences at every shape", _shortcut_in_the_model,
     {**MODEL, **FD, "every": True}),
    ("BN-BWD", "dW[l] from dZ̃[l] (BN-BWD skipped)", {"bn_model_backward": _bn_model_dW_from_dZ_tilde}, MODEL),
    (
        "BN-INFER",
        "the model's running averages with the weights swapped",
        _in_bn_model(update_running_averages=_running_average_weights_swapped),
        MODEL,
    ),
]


test_planted_bug_is_caught = planted_bugs_test(MUTANTS + MODEL_MUTANTS)
