"""CLAIM-LR-CONVEX: the logistic-regression cost is convex, so gradient descent reaches the same
minimum from any start, the one scipy's optimizer finds; and LR-FWD's θ form (``x0 = 1``,
``θ = [b; w]``) is the ``w, b`` form.

Data (``experiments.claims.overlapping_classes``): two overlapping Gaussian classes, 200 examples,
3 features, checked *not* linearly separable by a linear program (on separable data the cost has no
minimizer: it keeps falling as ‖θ‖ grows).

The tolerance is optimization theory, not a guess (``tolerance.minimizer_distance_bound``): where the
cost is μ-strongly convex, ``‖θ_i - θ_j‖ <= (‖∇J(θ_i)‖ + ‖∇J(θ_j)‖) / μ``. μ is the smallest eigenvalue of
the Hessian ``(1/m) X1 diag(a(1 - a)) X1^T`` at the minimum, halved; the test checks that the Hessian
cannot lose that half between the points compared (its Lipschitz constant times their distance), and
the gradient norms include the rounding of their evaluation (the oracle's layer bounds).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scratch_nn import lr_forward, lr_forward_theta, model_forward
from torch_reference import cases
from torch_reference.experiments.claims import (
    gradient_and_cost_bounds,
    linearly_separable,
    logistic_gd,
    lr_hessian,
    lr_hessian_lipschitz,
    lr_smoothness,
    overlapping_classes,
    scipy_logistic,
)
from torch_reference.tolerance import (
    activation_bound,
    linear_bound,
    minimizer_distance_bound,
    suboptimality_bound,
    tolerance,
)

ITERATIONS = 400


def _starts(n: int) -> dict[str, np.ndarray]:
    """Starting points θ_0 (n + 1, 1): zero (the notes' initialization for logistic regression),
    standard normal, wide normal, and a saturating corner where σ(θ^T x) is 0 or 1 for most x."""
    return {
        "zeros": np.zeros((n + 1, 1)),
        "N(0,1)": np.random.default_rng(1).standard_normal((n + 1, 1)),
        "N(0,5^2)": 5 * np.random.default_rng(2).standard_normal((n + 1, 1)),
        "corner": np.array([[-8.0], [6.0], [-6.0], [8.0]])[: n + 1],
    }


@pytest.fixture(scope="module")
def runs():
    X, Y = overlapping_classes(np.random.default_rng(0))
    alpha = 1 / lr_smoothness(X)  # α = 1/L: J decreases at every step (convex, L-smooth)
    out = {}
    for name, theta0 in _starts(X.shape[0]).items():
        theta, costs = logistic_gd(X, Y, theta0, alpha, ITERATIONS)
        out[name] = (theta, costs)
    out["scipy (BFGS)"] = (scipy_logistic(X, Y, np.zeros((X.shape[0] + 1, 1))), None)
    return X, Y, out


def test_data_is_not_linearly_separable(runs):
    X, Y, _ = runs
    assert not linearly_separable(X, Y)
    assert linearly_separable(X + 10 * (2 * Y - 1), Y), "the LP must detect a separable case"


def test_gradient_descent_reaches_the_same_minimum_from_every_start(runs):
    """CLAIM-LR-CONVEX: every start, and scipy, end within the strong-convexity bound of each other, in
    parameters and in cost, and the bound is small (each run converged: ‖∇J‖ <= 1e-9)."""
    X, Y, out = runs
    info = {name: gradient_and_cost_bounds(theta, X, Y) for name, (theta, _) in out.items()}
    H = lr_hessian(out["zeros"][0], X)
    mu = float(np.linalg.eigvalsh(H)[0]) / 2
    c = lr_hessian_lipschitz(X)
    for name, (grad, _J, _tol) in info.items():
        assert grad <= 1e-9, f"{name}: ‖∇J‖ = {grad:.3g}, not converged"
    for (a, (theta_a, _)), (b, (theta_b, _)) in itertools.combinations(out.items(), 2):
        bound = minimizer_distance_bound(info[a][0], info[b][0], mu)
        # strong convexity with μ/2 holds on a ball of radius 2·bound: the Hessian moves by at most c·2·bound
        assert c * 2 * bound <= mu, f"{a} vs {b}: the Hessian may lose its curvature between the points"
        distance = float(np.linalg.norm(theta_a - theta_b))
        assert distance <= bound, f"{a} vs {b}: ‖θ_a - θ_b‖ = {distance:.3g} > {bound:.3g}"
        J_gap = abs(info[a][1] - info[b][1])
        allowed = max(suboptimality_bound(info[a][0], mu), suboptimality_bound(info[b][0], mu))
        assert J_gap <= allowed + info[a][2] + info[b][2], f"{a} vs {b}: costs differ by {J_gap:.3g}"


@pytest.mark.parametrize("shape", [(4, 9), (1, 5), (7, 3)], ids=str)
def test_theta_form_equals_w_b_form(shape, np_dtype):
    """LR-FWD: ``σ(θ^T [1; x])`` with ``θ = [b; w]`` equals ``σ(w^T x + b)`` and the one-layer network
    ``model_forward`` with ``W1 = w^T``, ``b1 = [[b]]``. The routes round differently (a dot product of
    length n_x + 1 against one of n_x plus an addition): the tolerance carries each route's bound of Z
    through the sigmoid, and passes their mean to ``tolerance`` (which doubles it)."""
    n_x, m = shape
    rng = np.random.default_rng(11)
    X = cases.normal(rng, (n_x, m), np_dtype)
    w = cases.normal(rng, (n_x, 1), np_dtype)
    b = float(cases.normal(rng, (1, 1), np_dtype)[0, 0])
    theta = np.vstack([np.array([[b]], dtype=np_dtype), w])
    A_theta = lr_forward_theta(theta, X)
    A_wb = lr_forward(w, b, X)
    A_net, _ = model_forward(X, {"W1": w.T.copy(), "b1": np.array([[b]], dtype=np_dtype)}, activations=["sigmoid"])
    assert A_theta.dtype == A_wb.dtype == A_net.dtype == np_dtype and A_theta.shape == (1, m)

    X1 = np.vstack([np.ones((1, m)), X.astype(np.float64)])
    Z = w.T.astype(np.float64) @ X + b
    A = 1 / (1 + np.exp(-Z))
    B_theta = activation_bound("sigmoid", Z, A, linear_bound(theta.T, X1, np.zeros((1, 1))))
    B_wb = activation_bound("sigmoid", Z, A, linear_bound(w.T, X, np.array([[b]])))
    tol = tolerance(np_dtype, (B_theta + B_wb) / 2, A)
    assert np.all(np.abs(A_theta.astype(np.float64) - A_wb) <= tol)
    assert np.all(np.abs(A_theta.astype(np.float64) - A_net) <= tol)
