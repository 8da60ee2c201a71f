"""The notes' claims as ``nn-verify`` rows: a quick version of each experiment, with its pass criterion.

Catalogue IDs: CLAIM-SYMMETRY, CLAIM-LINEAR, CLAIM-SATURATION, CLAIM-DEPTH, CLAIM-LR-CONVEX,
CLAIM-MNIST, CLAIM-OPTIMIZERS.

Each claim is a :class:`torch_reference.registry.Check` run in float32 and float64 (the data and the
initial parameters rounded once to the dtype), at the documented setting of its experiment (seed 0 of
the report only: an experiment's setting is fixed). The row's equation states the criterion; each
criterion is one comparison, and the row's worst/tol is that of the criteria measured against a
derived bound (a trajectory bound, a rounding bound, a number of standard errors). The full runs,
with their figures, stay in ``nn-verify claims`` and ``nn-verify digits``; the tests
(``tests/test_claim_*.py``, ``tests/test_digits.py``) check more. The data of CLAIM-MNIST and
CLAIM-OPTIMIZERS come from scikit-learn: without it those rows are "n/a: scikit-learn not installed".
"""

from __future__ import annotations

import functools
import importlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from scratch_nn import initialize_parameters, model_backward, model_forward, relu_backward
from scratch_nn.parity import (
    deep_parity_network,
    hidden_units,
    parity_activations,
    parity_inputs,
    parity_labels,
    shallow_parity_network,
)

from .. import cases
from ..compare import Comparison, compare
from ..device import DTYPES
from ..registry import Check, OracleUnavailable, register_check
from ..tolerance import (
    collapsed_linear_bounds,
    minimizer_distance_bound,
    sampling_bound,
    tolerance,
    trajectory_deviation_bounds,
)
from . import claims, digits, optimizer_claim
from .threads import one_thread

#: each claim in our words (docs/catalogue.md); the check below states how its quick version tests it
CLAIMS = {
    "CLAIM-SYMMETRY": "initializing every weight to the same value keeps the hidden units identical: "
    "they get the same gradient at every step, so the layer never learns more than one feature",
    "CLAIM-LINEAR": "without a non-linear activation, any number of layers computes a linear function "
    "of X (the product of the W[l]), no better than one layer",
    "CLAIM-SATURATION": "sigmoid and tanh saturate: for large |z| their derivative is close to 0 and the "
    "gradient vanishes; ReLU's does not for z > 0",
    "CLAIM-DEPTH": "a deep network reaches, with fewer units, what a shallow one needs many units for",
    "CLAIM-LR-CONVEX": "on the convex cost of logistic regression, gradient descent with a small enough "
    "learning rate decreases J at every step; too large a rate overshoots",
    "CLAIM-MNIST": "the assignment: a 64-25-10 network on the digits, with its learning-rate sweep",
    "CLAIM-OPTIMIZERS": "on make_moons, from the same initial parameters, Adam reaches a lower cost than "
    "mini-batch gradient descent and momentum in the same number of epochs",
}

NAN = float("nan")


def criterion(name: str, passed: bool, detail: str, fraction: float = NAN, value: float = NAN) -> Comparison:
    """One pass criterion of a claim as a comparison: ``detail`` says what was measured (kept only when it
    fails); ``fraction`` is the measurement over its bound where there is one (<= 1 passes)."""
    detail = "" if passed else f"{name}: {detail}"
    return Comparison(name, bool(passed), max_abs=value, fraction=fraction, detail=detail)


def _cast(arrays: dict[str, np.ndarray], dtype: type) -> dict[str, np.ndarray]:
    return {k: np.asarray(v).astype(dtype) for k, v in arrays.items()}


def _require_sklearn() -> None:
    try:
        importlib.import_module("sklearn")
    except ImportError as exc:
        raise OracleUnavailable("scikit-learn not installed") from exc


# ============================================================================ CLAIM-SYMMETRY
SYMMETRY_ACTS, SYMMETRY_RATE, SYMMETRY_STEPS = ["sigmoid", "sigmoid"], 2.0, 30


@functools.cache
def _symmetry_bounds() -> np.ndarray:
    """ε_k (units of u, k = 0..K): the trajectory bound of the zero start, along its float64 trajectory."""
    from ..training import TrainOptions
    from ..trajectories import reference_trajectory

    X, Y = claims.xor_cloud(np.random.default_rng(0))
    zero = initialize_parameters([2, 4, 1], "zeros")
    traj = reference_trajectory(zero, X, Y, TrainOptions(SYMMETRY_RATE, SYMMETRY_STEPS, SYMMETRY_ACTS))
    return trajectory_deviation_bounds(traj.step_bounds, traj.contraction)


def symmetry(dtype: str, seed: int) -> list[Comparison]:
    np_dtype = DTYPES[dtype][0]
    X, Y = claims.xor_cloud(np.random.default_rng(0), dtype=np_dtype)
    eps = _symmetry_bounds()
    zero = _cast(initialize_parameters([2, 4, 1], "zeros"), np_dtype)
    thetas, costs = claims.gd_path(X, Y, zero, SYMMETRY_RATE, SYMMETRY_STEPS, SYMMETRY_ACTS)
    worst = max(claims.spread_fraction(theta, eps[k], np_dtype) for k, theta in enumerate(thetas))
    rand = _cast(initialize_parameters([2, 4, 1], "small", np.random.default_rng(3), scale=0.5), np_dtype)
    rand_path, _ = claims.gd_path(X, Y, rand, SYMMETRY_RATE, SYMMETRY_STEPS, SYMMETRY_ACTS)
    spread = float(claims.unit_spread(rand_path[-1])["W1"].min())
    allowed = float(claims.unit_allowance(rand_path[-1], eps[-1], np_dtype)["W1"].max())
    return [
        criterion(
            "zero start: the 4 units' spread within the trajectory bound at every step",
            worst <= 1,
            f"{worst:.3g} of the bound",
            fraction=worst,
        ),
        criterion(
            "zero start: J falls (the units learn, as one)",
            costs[-1] < costs[0],
            f"J {costs[0]:.4f} -> {costs[-1]:.4f}",
        ),
        criterion(
            "0.5·randn start: the units' W[1] spread beyond 10x the bound",
            spread > 10 * allowed,
            f"spread {spread:.3g}, bound {allowed:.3g}",
        ),
    ]


# ============================================================================ CLAIM-LINEAR
LINEAR_DIMS, LINEAR_M = (5, 7, 3, 6, 2), 9


def linear(dtype: str, seed: int) -> list[Comparison]:
    np_dtype = DTYPES[dtype][0]
    rng = np.random.default_rng(seed)
    params = cases.layer_parameters(rng, list(LINEAR_DIMS), np_dtype)
    X = cases.normal(rng, (LINEAR_DIMS[0], LINEAR_M), np_dtype)
    L = len(LINEAR_DIMS) - 1
    W_prime, b_prime = claims.collapse_linear(params)
    collapsed = (W_prime.astype(np.float64) @ X + b_prime).astype(np.float64)
    B_net, B_collapsed = collapsed_linear_bounds(params, X)
    bound = (B_net + B_collapsed) / 2  # two routes, two bounds: their mean, doubled by tolerance
    AL, _ = model_forward(X, params, activations=["linear"] * L)
    out = [compare("identity activations: A[L] = W'X + b', W' = W[L]...W[1]", AL, collapsed, bound, np_dtype)]
    tanh_AL, _ = model_forward(X, params, activations=["tanh"] * (L - 1) + ["linear"])
    gap = float(np.max(np.abs(tanh_AL.astype(np.float64) - collapsed) / tolerance(np_dtype, bound, collapsed)))
    out.append(
        criterion(
            "tanh hidden layers: A[L] differs from W'X + b' by over 1e3x its tolerance", gap > 1e3, f"only {gap:.3g}x"
        )
    )
    mse, _ = claims.best_affine_fit(*claims.xor_table())
    tol = float(tolerance(np.float64, 6 * 0.25, 0.25))
    out.append(
        criterion(
            "XOR: the best affine fit's mean squared error is 1/4",
            abs(mse - 0.25) <= tol,
            f"{mse!r}",
            fraction=abs(mse - 0.25) / tol,
            value=abs(mse - 0.25),
        )
    )
    return out


# ============================================================================ CLAIM-SATURATION
SMALL, LARGE = 0.01, 10.0


def saturation(dtype: str, seed: int) -> list[Comparison]:
    np_dtype = DTYPES[dtype][0]
    case = claims.saturation_case(np.random.default_rng(0))
    X, Y = case.X.astype(np_dtype), case.Y.astype(np_dtype)
    out = []
    for name in ("sigmoid", "tanh"):
        slopes, grads = {}, {}
        for s in (SMALL, LARGE):
            params = _cast(case.parameters(s, SMALL), np_dtype)
            AL, caches = model_forward(X, params, activations=[name, "sigmoid"])
            slopes[s] = claims.activation_slope(name, caches[0][1]).astype(np.float64)
            grads[s] = float(np.linalg.norm(model_backward(AL, Y, caches, activations=[name, "sigmoid"])["dW1"]))
        predicted = np.mean([claims.expected_slope(name, LARGE * r) for r in np.linalg.norm(case.R1, axis=1)])
        per_example = slopes[LARGE].mean(axis=0)
        std_error = per_example.std(ddof=1) / np.sqrt(per_example.size)
        tol = float(tolerance(np.float64, sampling_bound(np.float64, std_error), predicted))
        diff = abs(float(slopes[LARGE].mean()) - predicted)
        measured = f"{slopes[LARGE].mean():.4g} vs {predicted:.4g}"
        name_slope = f"{name}, W[1] = 10·R1: mean g'(Z[1]) = E g'(N(0, σ²)) within 6 standard errors"
        out.append(criterion(name_slope, diff <= tol, measured, diff / tol, diff))
        ratio = grads[LARGE] / grads[SMALL]
        out.append(
            criterion(
                f"{name}: ‖dW[1]‖ with W[1] = 10·R1 below 0.1 of that with 0.01·R1", ratio < 0.1, f"ratio {ratio:.3g}"
            )
        )
    params = _cast(case.parameters(LARGE, SMALL), np_dtype)
    _AL, caches = model_forward(X, params, activations=["relu", "sigmoid"])
    Z = caches[0][1]
    slope = relu_backward(np.ones_like(Z), Z)[Z > 0]
    out.append(
        criterion(
            "relu, W[1] = 10·R1: g'(z) = 1 for every z > 0",
            bool(slope.size and (slope == 1).all()),
            "some slope of a positive z is not 1",
        )
    )
    return out


# ============================================================================ CLAIM-DEPTH
DEPTH_NS = range(2, 9)


def depth(dtype: str, seed: int) -> list[Comparison]:
    np_dtype = DTYPES[dtype][0]
    wrong, counts = [], []
    for n in DEPTH_NS:
        X = parity_inputs(n, np_dtype)
        deep, shallow = deep_parity_network(n, np_dtype), shallow_parity_network(n, np_dtype)
        for label, net in (("deep", deep), ("shallow", shallow)):
            AL, _ = model_forward(X, net, activations=parity_activations(net))
            if not np.array_equal(AL, parity_labels(X)):
                wrong.append(f"{label} n = {n}")
        counts.append((n, hidden_units(deep), hidden_units(shallow)))
    few = all(d <= 2 * (n - 1) + math.ceil(math.log2(n)) and s == 2 ** (n - 1) for n, d, s in counts)
    return [
        criterion(
            "n-bit parity, n = 2..8: the XOR tree and the one-layer enumeration are exact on all 2^n inputs",
            not wrong,
            f"wrong: {', '.join(wrong)}",
        ),
        criterion(
            "units: the tree <= 2(n - 1) + ceil(log2 n) (17 at n = 8), one layer 2^(n-1) (128)",
            few,
            f"(n, deep, shallow) = {counts}",
        ),
    ]


# ============================================================================ CLAIM-LR-CONVEX
LR_STEPS, OVERSHOOT = 200, 8.0


@functools.cache
def _convex_setting() -> tuple[np.ndarray, np.ndarray, float, np.ndarray, float, float]:
    """Data, 1/L, scipy's minimizer θ*, its gradient bound, and μ (half the Hessian's smallest eigenvalue)."""
    X, Y = claims.overlapping_classes(np.random.default_rng(0))
    theta_star = claims.scipy_logistic(X, Y, np.zeros((X.shape[0] + 1, 1)))
    mu = float(np.linalg.eigvalsh(claims.lr_hessian(theta_star, X))[0]) / 2
    grad_star = claims.gradient_and_cost_bounds(theta_star, X, Y)[0]
    return X, Y, 1 / claims.lr_smoothness(X), theta_star, grad_star, mu


def lr_convex(dtype: str, seed: int) -> list[Comparison]:
    np_dtype = DTYPES[dtype][0]
    X, Y, alpha, theta_star, grad_star, mu = _convex_setting()
    lipschitz = claims.lr_hessian_lipschitz(X)
    out = []
    starts = {"θ = 0": np.zeros((X.shape[0] + 1, 1)), "θ ~ N(0, 1)": np.random.default_rng(1).standard_normal((4, 1))}
    for label, theta0 in starts.items():
        theta, costs = claims.logistic_gd(
            X.astype(np_dtype), Y.astype(np_dtype), theta0.astype(np_dtype), alpha, LR_STEPS
        )
        grad, _J, tol_J = claims.gradient_and_cost_bounds(theta, X, Y, np_dtype)
        rise = float(np.max(np.diff(costs)))
        out.append(
            criterion(
                f"α = 1/L from {label}: J never rises (beyond twice its rounding tolerance)",
                rise <= 2 * tol_J,
                f"J rose by {rise:.3g}",
                max(rise, 0) / (2 * tol_J),
            )
        )
        bound = minimizer_distance_bound(grad, grad_star, mu)
        distance = float(np.linalg.norm(theta.astype(np.float64) - theta_star))
        valid = lipschitz * 2 * bound <= mu  # strong convexity (μ) holds between the points compared
        measured = f"distance {distance:.3g}, bound {bound:.3g}" + (
            "" if valid else " (the Hessian may lose its curvature between them)"
        )
        name_reach = f"{LR_STEPS} steps from {label}: ‖θ - θ*_scipy‖ within the strong-convexity bound"
        out.append(criterion(name_reach, valid and distance <= bound, measured, distance / bound, distance))
    stepped, costs = claims.logistic_gd(
        X.astype(np_dtype), Y.astype(np_dtype), np.zeros((4, 1), np_dtype), OVERSHOOT * alpha, 1
    )
    final = claims.gradient_and_cost_bounds(stepped, X, Y)[1]
    out.append(
        criterion(
            "α = 8/L from θ = 0: the first step overshoots (J rises)",
            final > costs[0],
            f"J {costs[0]:.4f} -> {final:.4f}",
        )
    )
    return out


# ============================================================================ CLAIM-MNIST
MNIST_RATE, MNIST_STEPS, MNIST_TARGET, MNIST_COMPARED = 3.0, 200, 0.93, 10


@functools.cache
def _digits_data() -> Any:
    _require_sklearn()
    return digits.load_digits_split(np.random.default_rng(digits.SPLIT_SEED))


def mnist_accuracy(dtype: str, seed: int) -> list[Comparison]:
    np_dtype = DTYPES[dtype][0]
    data = _digits_data()
    cast = digits.DigitsData(data.X_train.astype(np_dtype), data.y_train, data.X_test.astype(np_dtype), data.y_test)
    run = digits.train_digits(cast, _cast(digits.initial_parameters(), np_dtype), MNIST_RATE, MNIST_STEPS)
    return [
        criterion(
            f"test accuracy >= {MNIST_TARGET} after {MNIST_STEPS} iterations",
            run.test_accuracy >= MNIST_TARGET,
            f"{run.test_accuracy:.4f}",
        ),
        criterion(
            "J falls from log 10 (W ≈ 0) to below 0.2",
            run.costs[-1] < 0.2 < 2.3 < run.costs[0],
            f"J {run.costs[0]:.4f} -> {run.costs[-1]:.4f}",
        ),
    ]


def mnist_curves(dtype: str, seed: int) -> list[Comparison]:
    data = _digits_data()
    c = digits.compare_cost_curves(digits.initial_parameters(), data.X_train, data.Y_train, MNIST_RATE, MNIST_COMPARED)
    k = int(np.argmax(c.differences / c.tolerances))
    return [
        criterion(
            f"NumPy and PyTorch costs agree at each of the first {MNIST_COMPARED} iterations",
            c.worst_fraction <= 1,
            f"iteration {k}: |ΔJ| {c.differences[k]:.3g} > {c.tolerances[k]:.3g}",
            c.worst_fraction,
            float(c.differences.max()),
        ),
    ]


# ============================================================================ CLAIM-OPTIMIZERS
OPTIMIZER_EPOCHS, OPTIMIZER_MARGIN = 30, 0.03


def optimizers(dtype: str, seed: int) -> list[Comparison]:
    _require_sklearn()
    np_dtype = DTYPES[dtype][0]
    X, Y = optimizer_claim.moons()
    start = _cast(optimizer_claim.initial_parameters(), np_dtype)
    runs = optimizer_claim.compare_optimizers(X.astype(np_dtype), Y.astype(np_dtype), start, OPTIMIZER_EPOCHS)
    gd, momentum, adam = (runs.final(n) for n in ("gd", "momentum", "adam"))
    return [
        criterion(
            f"after {OPTIMIZER_EPOCHS} epochs: J_adam < J_gd - {OPTIMIZER_MARGIN} and < J_momentum - "
            f"{OPTIMIZER_MARGIN}",
            adam < gd - OPTIMIZER_MARGIN and adam < momentum - OPTIMIZER_MARGIN,
            f"gd {gd:.4f}, momentum {momentum:.4f}, adam {adam:.4f}",
        ),
    ]


def _in_one_thread(run: Callable[[str, int], list[Comparison]]) -> Callable[[str, int], list[Comparison]]:
    @functools.wraps(run)
    def wrapped(dtype: str, seed: int) -> list[Comparison]:
        with one_thread():
            return run(dtype, seed)

    return wrapped


#: (ID, variant, criterion as the row states it, run, oracle, dtypes)
QUICK = [
    ("CLAIM-SYMMETRY", "", f"zero init, [2, 4, 1] sigmoid, {SYMMETRY_STEPS} GD steps on XOR-like data: the hidden "
     "units stay identical (trajectory bound) while J falls; a random start breaks the symmetry", symmetry,
     "PyTorch", None),
    ("CLAIM-LINEAR", "", f"identity activations, {list(LINEAR_DIMS)}: A[L] = (W[L]...W[1]) X + b' within rounding; "
     "tanh hidden layers are not; XOR's best affine fit: MSE 1/4", linear, "PyTorch", None),
    ("CLAIM-SATURATION", "", f"W[1] = {LARGE:g}·R1 vs {SMALL:g}·R1: mean g'(Z[1]) of sigmoid, tanh as predicted "
     "(6 standard errors), ‖dW[1]‖ below 0.1x; relu' = 1 for z > 0", saturation, "sample statistics", None),
    ("CLAIM-DEPTH", "", f"n-bit parity, n = {DEPTH_NS.start}..{DEPTH_NS.stop - 1}: the XOR tree is exact with "
     "O(n) units, the one-layer enumeration with 2^(n-1)", depth, "experiment", None),
    ("CLAIM-LR-CONVEX", "", f"logistic regression, α = 1/L: J never rises and {LR_STEPS} steps reach scipy's "
     f"minimizer (strong-convexity bound) from 2 starts; α = {OVERSHOOT:g}/L overshoots", lr_convex, "scipy", None),
    ("CLAIM-MNIST", "short run", f"digits, 64-25-10 sigmoid/softmax, α = {MNIST_RATE:g}, {MNIST_STEPS} iterations "
     f"(the full run: 1500): test accuracy >= {MNIST_TARGET}", mnist_accuracy, "experiment", None),
    ("CLAIM-MNIST", "NumPy vs PyTorch", f"digits, α = {MNIST_RATE:g}: NumPy's and PyTorch's costs agree at each of "
     f"the first {MNIST_COMPARED} iterations within the trajectory bound", mnist_curves, "PyTorch", ("float64",)),
    ("CLAIM-OPTIMIZERS", "", f"make_moons, [2, 5, 2, 1], same start and batches, "
     f"α = {optimizer_claim.LEARNING_RATE:g}, {OPTIMIZER_EPOCHS} "
     f"epochs: Adam's J at least {OPTIMIZER_MARGIN} below GD's and momentum's", optimizers, "experiment", None),
]  # fmt: skip

for _id, _variant, _equation, _run, _oracle, _dtypes in QUICK:
    register_check(Check(_id, _equation, _in_one_thread(_run), _variant, _oracle, _dtypes, seeds=1))
