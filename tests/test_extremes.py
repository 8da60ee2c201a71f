"""Extreme inputs: logits of ±1e3 and ±1e4, and probabilities of exactly 0 and 1.

Catalogue IDs: every ACT-* (forward and backward, one per description in torch_reference/ops.py),
COST-BCE, COST-CE (from the logits), BWD-DAL, BWD-DZL.

* Under ``np.errstate(all="raise")`` (any overflow, underflow, division by zero or invalid operation
  is an exception), z = ±1e3 and ±1e4 through every activation and its backward, softmax, and both
  cross-entropies computed from the logits give finite values that agree with PyTorch's stable forms
  within the derived tolerances.
* At ŷ exactly 0 or 1 the notes' BCE formula is ``-log 0 = inf`` for a confidently wrong prediction and
  0 for a right one; PyTorch's ``BCELoss`` clamps each log at -100 (loss 100) and its backward's
  denominator ``ŷ(1 - ŷ)`` at 1e-12 (gradient ±1e12), both confirmed in ATen's ``Loss.cpp``
  (``std::max(std::log(x), -100)`` and ``std::max((1 - x) * x, EPSILON)`` with ``constexpr float
  EPSILON = 1e-12``: a float32 constant, so even in float64 the gradient is 1/9.99999996e-13);
  the cost computed from the logit (ours, and ``BCEWithLogitsLoss``) is the true value, e.g. 1000 at
  z = -1000, y = 1. The numbers are asserted below (and quoted in the README).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

import scratch_nn as nn_
from torch_reference.activations import torch_activation, torch_activation_backward
from torch_reference.compare import compare
from torch_reference.device import DTYPES
from torch_reference.layout import from_rows, per_example_grad, to_rows
from torch_reference.losses import torch_output_loss
from torch_reference.ops import ACTIVATIONS
from torch_reference.tolerance import activation_backward_bound, activation_bound, logit_loss_bound, mean_bound

EXTREMES = [1e3, -1e3, 1e4, -1e4]
ELEMENTWISE = [a.name for a in ACTIVATIONS if not a.column_wise]
#: the activations whose descriptions state their values at the extremes (saturation), and those values
LIMITS = {a.name: a.limits for a in ACTIVATIONS if a.limits}


def _extreme_Z(rng: np.random.Generator, dtype: type, n: int = 4, m: int = 6) -> np.ndarray:
    """Moderate logits, with one extreme value in every column (and both signs of both sizes)."""
    Z = rng.uniform(-2, 2, (n, m))
    Z[rng.integers(0, n, m), np.arange(m)] = [EXTREMES[i % 4] for i in range(m)]
    return Z.astype(dtype)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_activations_at_extremes(name, rng, dtype):
    np_dtype, torch_dtype = DTYPES[dtype]
    Z = _extreme_Z(rng, np_dtype)
    dA = rng.standard_normal(Z.shape).astype(np_dtype)
    with np.errstate(all="raise"):
        A = nn_.activation_forward(Z, name)
        dZ = nn_.activation_backward(dA, Z, name)
    assert np.isfinite(A).all() and np.isfinite(dZ).all()
    A_ref, dZ_ref = torch_activation_backward(name, Z, dA, "cpu", torch_dtype)
    # tolerance's float64 sigmoid evaluates both np.where branches: e^1e4/(1 + e^1e4) = inf/inf in the
    # unused one warns "invalid value" (the selected values are right); silence only that warning
    with np.errstate(invalid="ignore"):
        bounds = [activation_bound(name, Z, A_ref), activation_backward_bound(name, Z, dA)]
    for label, actual, expected, bound in [("A", A, A_ref, bounds[0]), ("dZ", dZ, dZ_ref, bounds[1])]:
        result = compare(label, actual, expected, bound, np_dtype)
        assert result.passed, result.detail


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_saturated_values_are_the_limits(name, dtype):
    """At the extremes each g and g' take their limits exactly (the description's ``limits``): sigmoid(±1e4)
    = 1 and 0, tanh = ±1, their derivatives exactly 0, ELU's -1: finite, not NaN."""
    np_dtype = DTYPES[dtype][0]
    z, limits = zip(*LIMITS[name].items(), strict=True)
    Z = np.array([z], dtype=np_dtype)
    with np.errstate(all="raise"):
        A = nn_.activation_forward(Z, name)
        dZ = nn_.activation_backward(np.ones_like(Z), Z, name)
    assert A.tolist() == [[g for g, _ in limits]]
    assert dZ.tolist() == [[dg for _, dg in limits]]


def test_softmax_at_extremes(rng, dtype):
    np_dtype, torch_dtype = DTYPES[dtype]
    Z = _extreme_Z(rng, np_dtype, n=5, m=8)
    Z[:, 0] = [1e4, -1e4, 1e4, 0, -1e3]  # a tie at the maximum, and the spread 2e4 in one column
    dA = rng.standard_normal(Z.shape).astype(np_dtype)
    with np.errstate(all="raise"):
        A = nn_.softmax(Z)
        dZ = nn_.softmax_backward(dA, Z)
    assert np.isfinite(A).all() and np.isfinite(dZ).all()
    assert A[:, 0].tolist() == [0.5, 0.0, 0.5, 0.0, 0.0]
    A_ref, dZ_ref = torch_activation_backward("softmax", Z, dA, "cpu", torch_dtype)
    assert compare("A", A, A_ref, activation_bound("softmax", Z, A_ref), np_dtype).passed
    assert compare("dZ", dZ, dZ_ref, activation_backward_bound("softmax", Z, dA), np_dtype).passed


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_cross_entropies_from_logits_at_extremes(output, rng, dtype):
    """Our costs from the logits against BCEWithLogitsLoss / CrossEntropyLoss: finite, and equal within
    the derived bound, with confidently right *and* confidently wrong extreme logits."""
    np_dtype, torch_dtype = DTYPES[dtype]
    if output == "sigmoid":
        Z = np.array([[1e3, -1e3, 1e4, -1e4, 1e3, -1e3, 1e4, -1e4, 0.5]], dtype=np_dtype)
        Y = np.array([[1, 0, 1, 0, 0, 1, 0, 1, 1]], dtype=np_dtype)
        cost = nn_.compute_cost_from_logits
    else:
        Z = _extreme_Z(rng, np_dtype, n=3, m=8)
        Y = np.zeros_like(Z)
        Y[rng.integers(0, 3, 8), np.arange(8)] = 1
        cost = nn_.compute_cost_cross_entropy_from_logits
    with np.errstate(all="raise"):
        J = cost(Z, Y)
    assert math.isfinite(J)
    J_ref = torch_output_loss(output)(to_rows(Z, "cpu", torch_dtype), to_rows(Y, "cpu", torch_dtype)).item()
    Z64 = Z.astype(np.float64)
    losses = np.abs(Z64) + 1  # magnitudes of the per-example losses (each at most |z| + log 2 here)
    bound = mean_bound(losses.max(axis=0), logit_loss_bound(output, Z64, Y).ravel())
    result = compare("J", J, np.asarray(J_ref), bound, np_dtype, scalar=True)
    assert result.passed, result.detail
    if output == "sigmoid":  # the confidently wrong ones cost |z| each: (1e3 + 1e3 + 1e4 + 1e4) / 9 + ...
        assert J == pytest.approx((2e3 + 2e4 + math.log1p(math.exp(-0.5))) / 9, rel=1e-6)


# ----------------------------------------------------------------------- BCE at ŷ in {0, 1}
def test_bce_at_exact_zero_and_one():
    """The notes' formula, BCELoss, a cost from the logits, and BCEWithLogitsLoss, at ŷ in {0, 1}.

    ŷ = [1, 0, 1, 0], y = [1, 0, 0, 1]: two right (loss 0), two confidently wrong (loss inf)."""
    AL = np.array([[1.0, 0.0, 1.0, 0.0]])
    Y = np.array([[1.0, 0.0, 0.0, 1.0]])
    with np.errstate(all="raise"):
        assert nn_.compute_cost(AL, Y) == math.inf  # the formula's true value: -log 0
        assert nn_.compute_cost(AL[:, :2], Y[:, :2]) == 0.0  # right and certain: 0, not 0·log 0 = nan
        with pytest.raises(ValueError, match="strictly inside"):
            nn_.bce_backward(AL, Y)  # dA[L] = -(y/a - (1-y)/(1-a)) divides by 0
    ALt = to_rows(AL, "cpu", torch.float64, requires_grad=True)
    J = nn.BCELoss()(ALt, to_rows(Y, "cpu", torch.float64))
    J.backward()
    assert J.item() == 50.0  # each log clamped at -100: (0 + 0 + 100 + 100) / 4
    dAL = per_example_grad(ALt, 4)  # per example: (a - y) / max(a(1 - a), EPSILON)
    # ATen's EPSILON is a `constexpr float`: 1e-12 rounded to float32, 9.99999996e-13, even in float64
    clamp = 1 / float(np.float32(1e-12))
    assert dAL.tolist() == [[0.0, 0.0, clamp, -clamp]]
    assert clamp == pytest.approx(1e12, rel=1e-8)


def test_cross_entropy_of_a_softmax_column_that_underflowed(dtype):
    """COST-CE where softmax underflowed to an exact 0 (Z = ±1e3, ±1e4): a class with y = 0 contributes 0
    even at a = 0 (not 0 · log 0 = nan), so a right and certain column costs 0, as CrossEntropyLoss from
    the logits does; a = 0 under y = 1 is the formula's true value, -log 0 = inf."""
    np_dtype, torch_dtype = DTYPES[dtype]
    Z = np.array([[1e3, -1e4], [-1e3, 1e4], [0.0, 0.0]], np_dtype)
    AL, Y = nn_.softmax(Z), np.array([[1, 0], [0, 1], [0, 0]], np_dtype)
    assert (AL == 0).sum() == 4
    theirs = nn.CrossEntropyLoss()(torch.tensor(Z.T, dtype=torch_dtype), torch.tensor([0, 1])).item()
    with np.errstate(all="raise"):
        assert nn_.compute_cost_cross_entropy(AL, Y) == theirs == 0.0
        assert math.copysign(1.0, nn_.compute_cost_cross_entropy(AL, Y)) == 1.0  # 0.0, not -(1/m) * 0 = -0.0
        assert nn_.compute_cost_cross_entropy(AL, Y[::-1].copy()) == math.inf


@pytest.mark.parametrize(
    ("precision", "z", "y", "notes", "bce_loss", "from_logits"),
    [
        # z where sigmoid(z) rounds to exactly 1 or 0, y the wrong label: the true loss is about |z|
        ("float64", 1e3, 0.0, math.inf, 100.0, 1e3),
        ("float64", -1e3, 1.0, math.inf, 100.0, 1e3),
        ("float64", 1e4, 1.0, 0.0, 0.0, 0.0),
        ("float64", 40.0, 0.0, math.inf, 100.0, 40.0),  # sigmoid(40) == 1.0 in float64
        ("float64", -40.0, 1.0, 40.0, 40.0, 40.0),  # sigmoid(-40) = 4.2e-18 is still representable
        ("float64", -800.0, 1.0, math.inf, 100.0, 800.0),  # e^-800 underflows: sigmoid(-800) == 0.0
        ("float32", 17.0, 0.0, math.inf, 100.0, 17.0),  # sigmoid(17) == 1.0 in float32 already
        ("float32", -104.0, 1.0, math.inf, 100.0, 104.0),  # sigmoid(-104) == 0.0 in float32 (e^-104 < 0.7e-45)
    ],
)
def test_bce_of_a_saturated_sigmoid(precision, z, y, notes, bce_loss, from_logits):
    """One example, ŷ = sigmoid(z): the notes' formula on ŷ, BCELoss on ŷ, our cost from the logit and
    BCEWithLogitsLoss (which agree), and the notes' dZ[L] = ŷ - y (BWD-DZL, finite throughout)."""
    np_dtype, torch_dtype = DTYPES[precision]
    Z, Y = np.array([[z]], dtype=np_dtype), np.array([[y]], dtype=np_dtype)
    with np.errstate(all="raise"):
        AL = nn_.sigmoid(Z)
        assert nn_.compute_cost(AL, Y) == pytest.approx(notes, rel=1e-6)
        assert nn_.compute_cost_from_logits(Z, Y) == pytest.approx(from_logits, rel=1e-6)
        dZL = nn_.output_backward(AL, Y, "sigmoid")
    Zt, Yt = to_rows(Z, "cpu", torch_dtype, requires_grad=True), to_rows(Y, "cpu", torch_dtype)
    assert nn.BCELoss()(torch.sigmoid(Zt), Yt).item() == pytest.approx(bce_loss, rel=1e-6)
    J = nn.BCEWithLogitsLoss()(Zt, Yt)
    J.backward()
    assert J.item() == pytest.approx(from_logits, rel=1e-6)
    assert dZL.tolist() == from_rows(Zt.grad).tolist()  # sigmoid(z) - y, e.g. 1.0 or -1.0, exactly


def test_bceloss_clamp_constants_in_float32():
    """The clamps are the same in float32: -100 for the log, 1e-12 (rounded to float32) in the backward."""
    a = torch.tensor([[0.0], [1.0]], dtype=torch.float32, requires_grad=True)
    y = torch.tensor([[1.0], [0.0]], dtype=torch.float32)
    J = nn.BCELoss(reduction="sum")(a, y)
    J.backward()
    assert J.item() == 200.0
    assert a.grad[:, 0].tolist() == pytest.approx([-1e12, 1e12], rel=1e-6)


def test_sigmoid_module_matches_ours_in_the_far_tail(dtype):
    """Both keep full relative accuracy in the left tail (no 1 - e^{...} cancellation): sigmoid(-30)."""
    np_dtype, torch_dtype = DTYPES[dtype]
    Z = np.array([[-30.0, -80.0]], dtype=np_dtype)
    ours = nn_.sigmoid(Z)
    theirs = torch_activation("sigmoid")(torch.tensor(Z, dtype=torch_dtype)).numpy()
    exact = np.exp(Z.astype(np.float64)) / (1 + np.exp(Z.astype(np.float64)))
    assert compare("A", ours, exact, activation_bound("sigmoid", Z, exact), np_dtype).passed
    assert compare("A", theirs.astype(np_dtype), exact, activation_bound("sigmoid", Z, exact), np_dtype).passed


def test_the_piece_not_taken_never_overflows():
    """A piecewise activation computes each piece only where it applies. At z >= 0 a leaky ReLU of slope 2
    passes z = 1e308 through (slope · z would overflow, unused), and its backward and ELU's (alpha 2, or
    the default 1, where e^z would be e at z = 1 if min(z, 0) were not taken) pass dA = 1e308 through, as
    ELU of alpha = 1.5e308 passes z (alpha (e^z - 1) is taken of min(z, 0) = 0 there); at z = -1 they are
    slope · z, dA · alpha · e^z and alpha (e^z - 1)."""
    Z, dA = np.array([[1e308, 1.0, -1.0]]), np.array([[1e308, 1e308, 0.5]])
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(nn_.leaky_relu(Z, slope=2.0), [[1e308, 1.0, -2.0]])
        np.testing.assert_array_equal(nn_.leaky_relu_backward(dA, Z, slope=2.0), [[1e308, 1e308, 1.0]])
        np.testing.assert_array_equal(nn_.elu_backward(dA, Z, alpha=2.0), [[1e308, 1e308, np.exp(-1.0)]])
        np.testing.assert_array_equal(nn_.elu_backward(dA, Z), [[1e308, 1e308, 0.5 * np.exp(-1.0)]])
        np.testing.assert_array_equal(nn_.elu(Z, alpha=1.5e308), [[1e308, 1.0, 1.5e308 * np.expm1(-1.0)]])


def test_softmax_of_one_class_is_one_and_passes_no_gradient(dtype):
    """n = 1 class: every column's softmax is exactly 1, whatever Z, so dZ = a (dA - a dA) is exactly 0."""
    np_dtype = DTYPES[dtype][0]
    Z = np.array([[-3.0, 0.0, 2.5, 40.0]], np_dtype)
    dA = np.array([[0.3, -0.2, 0.1, 0.5]], np_dtype)
    assert nn_.softmax(Z).tolist() == [[1.0] * 4]
    dZ = nn_.softmax_backward(dA, Z)
    assert dZ.dtype == np_dtype and dZ.tolist() == [[0.0] * 4]
