"""CLAIM-SATURATION: large initial weights saturate sigmoid and tanh units (g' -> 0) and slow the
learning of the layer below; small ones (the notes' ``0.01·randn``) do not.

The experiment (``experiments.claims.saturation_case``): 500 examples x ~ N(0, I_10) labelled by a
linear rule, a 10-20-1 network, ``W[1] = s·R1`` with the same random directions R1 for s = 0.01 and
s = 10, ``W[2] = 0.01·R2`` in both, zero biases. Only the scale of W[1] differs.

What to expect, and why. A unit's pre-activation is ``z = s R1_j·x ~ N(0, s²‖R1_j‖²)``. Its mean slope
``E[g'(z)]`` is g'(0) (1/4 for sigmoid, 1 for tanh) when s is small, and ``(integral of g') /
(s‖R1_j‖ sqrt(2 pi))`` when s is large (g' integrates to 1 for sigmoid, to 2 for tanh): with
``‖R1_j‖ ≈ sqrt(10)`` that is a drop to about ``4 / (10·3.16·2.51) ≈ 0.05`` of the small-weight slope
for sigmoid and ``2 / (10·3.16·2.51) ≈ 0.025`` for tanh. ``dW[1] = (1/m)(W[2]^T dZ[2] * g'(Z[1])) X^T``
and everything in it but g'(Z[1]) is shared by the two runs (W[2] is the same, and
``dZ[2] = A[2] - Y`` with ``A[2] ≈ 1/2`` in both), so the gradient of layer 1 shrinks by about the
same factor: the test expects ``‖dW[1]‖`` large/small within a factor 2 of the slope ratio, and
below 0.1 (at least ten times smaller).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from scratch_nn import compute_cost, model_backward, model_forward
from scratch_nn.training import train
from torch_reference.experiments.claims import activation_slope, expected_slope, saturation_case
from torch_reference.model import reference_pass
from torch_reference.tolerance import sampling_bound, tolerance

SMALL, LARGE = 0.01, 10.0
STEPS, LEARNING_RATE = 300, 0.5


@pytest.fixture(scope="module")
def case():
    return saturation_case(np.random.default_rng(0))


@functools.cache
def _costs(name: str, s1: float, s2: float) -> tuple[float, ...]:
    """The cost history of 300 steps from ``W[1] = s1·R1``, ``W[2] = s2·R2`` (computed once per setting)."""
    case = saturation_case(np.random.default_rng(0))
    params = case.parameters(s1, s2)
    _learned, costs = train(case.X, case.Y, params, LEARNING_RATE, STEPS, activations=[name, "sigmoid"])
    return tuple(costs)


def _slopes_and_gradient(case, name: str, s1: float, s2: float = SMALL) -> tuple[np.ndarray, float]:
    acts = [name, "sigmoid"]
    params = case.parameters(s1, s2)
    AL, caches = model_forward(case.X, params, activations=acts)
    grads = model_backward(AL, case.Y, caches, activations=acts)
    return activation_slope(name, caches[0][1]), float(np.linalg.norm(grads["dW1"]))


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
@pytest.mark.parametrize("scale", [SMALL, LARGE])
def test_mean_slope_matches_the_gaussian_prediction(case, name, scale):
    """CLAIM-SATURATION, the mechanism: the measured mean of g'(Z[1]) over units and examples is the
    predicted ``mean_j E[g'(N(0, s²‖R1_j‖²))]`` within 6 standard errors of the sample mean
    (``tolerance.sampling_bound``; the examples are independent given R1)."""
    slopes, _ = _slopes_and_gradient(case, name, scale)
    predicted = np.mean([expected_slope(name, scale * r) for r in np.linalg.norm(case.R1, axis=1)])
    per_example = slopes.mean(axis=0)
    std_error = per_example.std(ddof=1) / np.sqrt(per_example.size)
    tol = tolerance(np.float64, sampling_bound(np.float64, std_error), predicted)
    assert abs(slopes.mean() - predicted) <= tol, (slopes.mean(), predicted, std_error)


@pytest.mark.parametrize(("name", "slope_at_zero", "integral"), [("sigmoid", 0.25, 1.0), ("tanh", 1.0, 2.0)])
def test_large_weights_shrink_the_layer_one_gradient(case, name, slope_at_zero, integral):
    """CLAIM-SATURATION: ‖dW[1]‖ with W[1] = 10·R1 is below 0.1 of ‖dW[1]‖ with W[1] = 0.01·R1, and within a
    factor 2 of the measured slope ratio, itself near the large-s formula ``integral/(s‖R1_j‖ sqrt(2 pi))``
    over g'(0). (The factor 2: which examples keep a non-zero g', those near each unit's hyperplane,
    is not captured by the mean.)"""
    small_slopes, small_grad = _slopes_and_gradient(case, name, SMALL)
    large_slopes, large_grad = _slopes_and_gradient(case, name, LARGE)
    slope_ratio = large_slopes.mean() / small_slopes.mean()
    formula = np.mean(integral / (LARGE * np.linalg.norm(case.R1, axis=1) * np.sqrt(2 * np.pi))) / slope_at_zero
    grad_ratio = large_grad / small_grad
    assert small_slopes.mean() == pytest.approx(slope_at_zero, rel=1e-2)
    assert 0.5 * formula <= slope_ratio <= 2 * formula, (slope_ratio, formula)
    assert grad_ratio < 0.1, f"‖dW1‖ large/small = {grad_ratio:.3g}: large weights did not shrink the gradient"
    assert 0.5 * slope_ratio <= grad_ratio <= 2 * slope_ratio, (grad_ratio, slope_ratio)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_large_weights_learn_more_slowly(case, name):
    """CLAIM-SATURATION, the consequence: after the same 300 steps from the same data the cost of the
    small-weight network is below that of the large-weight one (for sigmoid about 0.10 against 0.35).
    (The large-weight network is not stuck: its output layer learns on the saturated, ±1-like hidden
    units, which is why its cost falls faster in the first few dozen steps; see the figure of
    ``python -m torch_reference.experiments claims``.)"""
    small_costs, large_costs = _costs(name, SMALL, SMALL), _costs(name, LARGE, SMALL)
    assert small_costs[-1] < 0.5 * large_costs[-1], (small_costs[-1], large_costs[-1])


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_large_weights_everywhere_saturate_the_output(case, name):
    """CLAIM-SATURATION with every layer x10: the output unit saturates too. In float64, σ(z) rounds to
    exactly 1 for z > 37 (and tanh hidden units feed |z| of several hundred), so the notes' cost
    ``-(y log a + (1 - y) log(1 - a))`` is inf for a confidently wrong example, while PyTorch's
    ``BCEWithLogitsLoss`` works from the logit and stays finite (|z| per such example). (With tanh
    hidden units a quarter of the outputs round to 0 or 1 here, and the NumPy cost stays inf for all
    300 steps; with sigmoid ones |z[2]| stays below 37.) After 300 steps the cost is still far above
    the small-weight network's."""
    acts = [name, "sigmoid"]
    params = case.parameters(LARGE, LARGE)
    AL, _ = model_forward(case.X, params, activations=acts)
    rounded = (AL == 0) | (AL == 1)
    ref = reference_pass(params, case.X, case.Y, acts, "cpu", torch.float64)
    numpy_cost = compute_cost(AL, case.Y)
    wrong_and_rounded = rounded & (AL != case.Y)
    if wrong_and_rounded.any():
        assert numpy_cost == np.inf and np.isfinite(ref["J"])
    else:
        assert np.isfinite(numpy_cost)
    small_costs, large_costs = _costs(name, SMALL, SMALL), _costs(name, LARGE, LARGE)
    assert large_costs[-1] > 5 * small_costs[-1], (large_costs[-1], small_costs[-1])
