"""The notes' claims as experiments: the data, the networks and the measurements that the
tests in ``tests/test_claim_*.py`` check and that ``python -m torch_reference.experiments
claims`` draws.

Catalogue IDs: CLAIM-SYMMETRY, CLAIM-LINEAR, CLAIM-SATURATION, CLAIM-DEPTH, CLAIM-LR-CONVEX
(and LR-FWD's θ form, used by the convexity experiment).

Everything trains with the project's own loops, :func:`scratch_nn.training.train` (NumPy) and
:func:`torch_reference.training.torch_train` (PyTorch), from parameters built here. Shapes are
the notes': ``X`` (n[0], m), ``Y`` (n[L], m), ``W[l]`` (n[l], n[l-1]), ``b[l]`` (n[l], 1).
Randomness comes only from the ``numpy.random.Generator`` passed in, or from a fixed seed
named in the function's signature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from scratch_nn import (
    compute_cost,
    initialize_parameters,
    lr_backward,
    lr_forward_theta,
    model_forward,
    sigmoid,
    tanh_backward,
)
from scratch_nn.metrics import accuracy, predict_binary
from scratch_nn.parity import parity_inputs, parity_labels
from scratch_nn.training import train

from ..model import reference_bounds, reference_pass
from ..tolerance import tolerance
from ..trajectories import cost_bound

Parameters = dict[str, np.ndarray]


# ============================================================================ CLAIM-SYMMETRY
def xor_cloud(rng: np.random.Generator, m: int = 40, dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Two-feature data whose label is the sign pattern of ``x1·x2`` (an XOR of signs): no single
    hidden unit can fit it, so hidden units that stay identical visibly cost accuracy.
    Returns ``X`` (2, m) ~ N(0, 1) and ``Y`` (1, m) in {0, 1}."""
    X = rng.standard_normal((2, m))
    Y = (X[0] * X[1] > 0).astype(np.float64)[None, :]
    return X.astype(dtype), Y.astype(dtype)


def symmetric_parameters(
    row: np.ndarray, n1: int, bias: float, out_weight: float, dtype: type = np.float64
) -> Parameters:
    """A network ``[n0, n1, 1]`` whose n1 hidden units are all the same unit: every row of W[1] is
    ``row`` (1, n0), every b[1] entry ``bias``, every entry of W[2] (1, n1) ``out_weight``, b[2] = 0.
    (With ``row = 0``, ``bias = out_weight = 0`` this is the notes' zero initialization.)"""
    n0 = row.shape[-1]
    return {
        "W1": np.repeat(np.asarray(row, np.float64).reshape(1, n0), n1, axis=0).astype(dtype),
        "b1": np.full((n1, 1), bias, dtype=dtype),
        "W2": np.full((1, n1), out_weight, dtype=dtype),
        "b2": np.zeros((1, 1), dtype=dtype),
    }


def symmetrize(parameters: Mapping[str, np.ndarray]) -> Parameters:
    """A copy in which every hidden unit of layer 1 is replaced by unit 0 (row 0 of W[1], entry 0 of
    b[1], column 0 of W[2]): an exactly symmetric point near a nearly symmetric one."""
    n1 = parameters["W1"].shape[0]
    out = {k: np.array(v, copy=True) for k, v in parameters.items()}
    out["W1"] = np.repeat(parameters["W1"][:1], n1, axis=0)
    out["b1"] = np.repeat(parameters["b1"][:1], n1, axis=0)
    out["W2"] = np.repeat(parameters["W2"][:, :1], n1, axis=1)
    return out


def unit_spread(parameters: Mapping[str, np.ndarray], prefix: str = "") -> dict[str, np.ndarray]:
    """How far apart the hidden units of layer 1 are, per coordinate: ``max_i - min_i`` over the units i
    of each column of W[1] (or dW[1]) ``(n0,)``, of b[1] ``(1,)`` and of each row of W[2] ``(n2,)``.
    All zero exactly when the units are identical. ``prefix="d"`` reads ``dW1, db1, dW2``."""
    W1, b1, W2 = (np.asarray(parameters[f"{prefix}{k}"], np.float64) for k in ("W1", "b1", "W2"))
    return {
        f"{prefix}W1": W1.max(axis=0) - W1.min(axis=0),
        f"{prefix}b1": b1.max(axis=0) - b1.min(axis=0),
        f"{prefix}W2": W2.max(axis=1) - W2.min(axis=1),
    }


def unit_allowance(
    values: Mapping[str, np.ndarray], bound: float | Mapping[str, np.ndarray], dtype: type
) -> dict[str, np.ndarray]:
    """Per coordinate, the largest difference two hidden units may show in ``dtype`` when they are identical
    in exact arithmetic: the per-element :func:`~torch_reference.tolerance.tolerance` of ``bound`` (units of
    u: a trajectory's ``ε_k``, or one evaluation's bounds by name) maximized over the units, for the
    parameters ``W1, b1, W2`` or, where ``values`` has them, the gradients ``dW1, db1, dW2``
    (the shapes of :func:`unit_spread`)."""
    allowed = {}
    for key in ("W1", "b1", "W2"):
        name = f"d{key}" if f"d{key}" in values else key
        b = bound[name] if isinstance(bound, Mapping) else bound
        tol = tolerance(dtype, b, values[name])
        allowed[name] = tol.max(axis=0) if key in ("W1", "b1") else tol.max(axis=1)
    return allowed


def spread_fraction(values: Mapping[str, np.ndarray], bound: float | Mapping[str, np.ndarray], dtype: type) -> float:
    """The largest :func:`unit_spread` as a fraction of its :func:`unit_allowance` (<= 1: the units are the
    same within rounding)."""
    prefix = "d" if "dW1" in values else ""
    spread, allowed = unit_spread(values, prefix), unit_allowance(values, bound, dtype)
    return max(float(np.max(spread[k] / allowed[k])) for k in spread)


def gd_path(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    learning_rate: float,
    num_iterations: int,
    activations: Sequence[str],
) -> tuple[list[Parameters], list[float]]:
    """GD-LOOP with every iterate kept: ``thetas[k]`` are the parameters after k updates (k = 0..K) and
    ``costs[k]`` the cost before update k, from :func:`scratch_nn.training.train` one step at a time
    (the same arithmetic as one call with ``num_iterations``)."""
    thetas, costs = [dict(parameters)], []
    for _ in range(num_iterations):
        theta, cost = train(X, Y, thetas[-1], learning_rate, 1, activations=activations)
        thetas.append(theta)
        costs += cost
    return thetas, costs


# ============================================================================ CLAIM-LINEAR
def collapse_linear(parameters: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """CLAIM-LINEAR: the one layer equal to an L-layer network with identity activations.

    The notes, for L = 2: ``a[2] = W[2](W[1] x + b[1]) + b[2] = (W[2] W[1]) x + (W[2] b[1] + b[2])``.
    By induction, with ``W'_1 = W[1]``, ``b'_1 = b[1]``:
    ``W'_l = W[l] W'_{l-1}`` and ``b'_l = W[l] b'_{l-1} + b[l]``, so
    ``W' = W[L] ... W[2] W[1]`` and ``b' = sum_l W[L] ... W[l+1] b[l]``.

    Args: ``parameters`` ``W1, b1, ..., WL, bL``. Returns ``W'`` (n[L], n[0]) and ``b'`` (n[L], 1),
    in the parameters' dtype.
    """
    L = sum(1 for k in parameters if k.startswith("W"))
    W_prime, b_prime = parameters["W1"], parameters["b1"]
    for l in range(2, L + 1):
        W_prime = parameters[f"W{l}"] @ W_prime
        b_prime = parameters[f"W{l}"] @ b_prime + parameters[f"b{l}"]
    return W_prime, b_prime


def xor_table(dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table: ``X`` (2, 4) the patterns 00, 10, 01, 11 as columns, ``Y`` (1, 4) = 0, 1, 1, 0."""
    X = parity_inputs(2, dtype)
    return X, parity_labels(X)


def best_affine_fit(X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """The least-squares affine map ``ŷ = w^T x + b`` of ``(X, Y)``, and its mean squared error.

    For XOR the answer is known in closed form: by symmetry ``ŷ = 1/2`` everywhere, mean squared error
    exactly 1/4; no affine map (hence, by CLAIM-LINEAR, no identity-activation network) does better.
    Returns ``(mse, Y_hat)`` with ``Y_hat`` (1, m).
    """
    X1 = np.vstack([np.asarray(X, np.float64), np.ones((1, X.shape[1]))])
    coef, *_ = np.linalg.lstsq(X1.T, np.asarray(Y, np.float64).ravel(), rcond=None)
    Y_hat = (coef @ X1).reshape(1, -1)
    return float(np.mean((Y_hat - Y) ** 2)), Y_hat


# ============================================================================ CLAIM-SATURATION
@dataclass(frozen=True)
class SaturationCase:
    """Data and fixed random directions: ``X`` (n0, m) ~ N(0, I), ``Y`` (1, m) a linear rule's labels,
    ``R1`` (n1, n0) and ``R2`` (1, n1) standard normal; a network's weights are ``W[1] = s1·R1``,
    ``W[2] = s2·R2``, biases 0, so that only the scale differs between the runs compared."""

    X: np.ndarray
    Y: np.ndarray
    R1: np.ndarray
    R2: np.ndarray

    def parameters(self, s1: float, s2: float) -> Parameters:
        return {
            "W1": s1 * self.R1,
            "b1": np.zeros((self.R1.shape[0], 1)),
            "W2": s2 * self.R2,
            "b2": np.zeros((1, 1)),
        }


def saturation_case(rng: np.random.Generator, n0: int = 10, n1: int = 20, m: int = 500) -> SaturationCase:
    """Draw the :class:`SaturationCase` (float64)."""
    X = rng.standard_normal((n0, m))
    w_star = rng.standard_normal((n0, 1))
    Y = (w_star.T @ X > 0).astype(np.float64)
    return SaturationCase(X, Y, rng.standard_normal((n1, n0)), rng.standard_normal((1, n1)))


def activation_slope(name: str, Z: np.ndarray) -> np.ndarray:
    """``g'(Z)`` of sigmoid or tanh (ACT-SIGMOID, ACT-TANH), through the notes' backward functions
    with ``dA = 1``: ``a(1 - a)`` and ``1 - a²``. Shape of Z."""
    ones = np.ones_like(Z)
    if name == "sigmoid":
        a = sigmoid(Z)
        return a * (1 - a)
    if name == "tanh":
        return tanh_backward(ones, Z)
    raise ValueError(f"saturation is about sigmoid and tanh, got {name!r}")


def expected_slope(name: str, sigma: float) -> float:
    """``E[g'(z)]`` for ``z ~ N(0, sigma²)``: ``integral g'(z) φ(z/σ)/σ dz`` by the trapezoid rule on
    8001 points over ``|z| <= min(12σ, 40)`` (beyond, either the Gaussian or g' ~ e^-|z| is below 1e-17;
    the rule's error is far below the sampling error it is compared with).

    For large sigma the answer is ``(integral of g') / (sigma sqrt(2 pi))``: ``1/(sigma sqrt(2 pi))`` for
    sigmoid (g' integrates to 1) and ``2/(sigma sqrt(2 pi))`` for tanh (to 2); for small sigma it is
    g'(0): 1/4 and 1. That ratio, about ``4/(sigma sqrt(2 pi))`` and ``2/(sigma sqrt(2 pi))``, is how much
    a unit's slope, and with it every gradient that flows through it, shrinks when its weights grow.
    """
    half_width = min(12 * sigma, 40.0)
    z = np.linspace(-half_width, half_width, 8001)
    density = np.exp(-0.5 * (z / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    return float(
        (getattr(np, "trapezoid", None) or np.trapz)(activation_slope(name, z.reshape(1, -1)).ravel() * density, z)
    )


# ============================================================================ CLAIM-DEPTH
def train_parity(
    n: int, hidden: int, seed: int, num_iterations: int, learning_rate: float = 0.5
) -> tuple[float, list[float]]:
    """Train a one-hidden-layer network ``[n, hidden, 1]`` (ReLU, sigmoid output, He initialization
    from ``default_rng(seed)``, zero biases) on all 2^n patterns of n-bit parity by batch gradient
    descent. Returns the training accuracy (ŷ >= 0.5) and the cost history."""
    X = parity_inputs(n)
    Y = parity_labels(X)
    parameters = initialize_parameters([n, hidden, 1], "he", np.random.default_rng(seed))
    acts = ["relu", "sigmoid"]
    learned, costs = train(X, Y, parameters, learning_rate, num_iterations, activations=acts)
    AL, _ = model_forward(X, learned, activations=acts)
    return accuracy(Y.astype(np.int64), predict_binary(AL)), costs


# ============================================================================ CLAIM-LR-CONVEX, LR-FWD θ
def overlapping_classes(
    rng: np.random.Generator, m: int = 200, n: int = 3, separation: float = 0.8
) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian classes that overlap: ``x ~ N(±separation·(1, 1/2, 0, ...), I)``. Returns ``X`` (n, m),
    ``Y`` (1, m) with both labels. Not linearly separable (checked by :func:`linearly_separable`), so the
    logistic-regression cost has a finite minimizer."""
    y = rng.permutation(np.arange(m) % 2)
    direction = np.zeros((n, 1))
    direction[0, 0], direction[1 % n, 0] = 1.0, 0.5 if n > 1 else 1.0
    X = rng.standard_normal((n, m)) + separation * (2 * y - 1)[None, :] * direction
    return X, y[None, :].astype(np.float64)


def linearly_separable(X: np.ndarray, Y: np.ndarray) -> bool:
    """Is there ``θ = [b; w]`` with ``(2y_i - 1)(w^T x_i + b) >= 1`` for every example? A linear
    program's feasibility (scipy's HiGHS); if there is, the logistic cost has no minimizer (it keeps
    falling as θ grows along that direction)."""
    from scipy.optimize import linprog

    X1 = np.vstack([np.ones((1, X.shape[1])), X])
    signs = 2 * np.asarray(Y, np.float64).ravel() - 1
    A_ub = -(signs[:, None] * X1.T)
    result = linprog(np.zeros(X1.shape[0]), A_ub=A_ub, b_ub=-np.ones(X.shape[1]), bounds=(None, None))
    return bool(result.status == 0)


def theta_to_parameters(theta: np.ndarray) -> Parameters:
    """LR-FWD: ``θ = [b; w]`` (n_x + 1, 1) -> the one-layer network ``W1 = w^T`` (1, n_x), ``b1 = [[b]]``."""
    theta = np.asarray(theta).reshape(-1, 1)
    return {"W1": theta[1:].T.copy(), "b1": theta[:1].copy()}


def parameters_to_theta(parameters: Mapping[str, np.ndarray]) -> np.ndarray:
    """The inverse of :func:`theta_to_parameters`: ``θ = [b; w]`` (n_x + 1, 1)."""
    return np.vstack([parameters["b1"], parameters["W1"].T])


def lr_cost_gradient(theta: np.ndarray, X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """COST-BCE of logistic regression in the θ form and its gradient ``[db; dw]``, for scipy:
    ``ŷ = σ(θ^T [1; x])`` (:func:`scratch_nn.lr_forward_theta`), J (:func:`scratch_nn.compute_cost`),
    ``dw, db`` (:func:`scratch_nn.lr_backward`). ``theta`` flat (n_x + 1,); returns ``(J, grad (n_x + 1,))``."""
    A = lr_forward_theta(np.asarray(theta, np.float64).reshape(-1, 1), X)
    dw, db = lr_backward(X, A, Y)
    return compute_cost(A, Y), np.concatenate([[db], dw.ravel()])


def gradient_and_cost_bounds(
    theta: np.ndarray, X: np.ndarray, Y: np.ndarray, dtype: type = np.float64
) -> tuple[float, float, float]:
    """``(upper bound of ‖∇J(θ)‖₂, J(θ), J's tolerance in dtype)`` of logistic regression at ``θ = [b; w]``,
    from the oracle (PyTorch, float64) and its layer bounds: each gradient element's magnitude plus its
    tolerance bounds the exact one (for :func:`~torch_reference.tolerance.minimizer_distance_bound`)."""
    params, acts = theta_to_parameters(np.asarray(theta, np.float64)), ["sigmoid"]
    ref = reference_pass(params, X, Y, acts, "cpu", torch.float64)
    B = reference_bounds(params, Y, acts, ref)
    g = np.concatenate([ref["db1"].ravel(), ref["dW1"].ravel()])
    B_g = np.concatenate([B["db1"].ravel(), B["dW1"].ravel()])
    upper = np.abs(g) + tolerance(np.float64, B_g, g)
    J = float(ref["J"])
    return float(np.linalg.norm(upper)), J, float(tolerance(dtype, cost_bound("sigmoid", ref, B, Y, 1), J))


def lr_hessian(theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The Hessian of the logistic cost, ``(1/m) X1 diag(a(1 - a)) X1^T`` with ``X1 = [1; X]``; positive
    definite when X1 has full row rank: J is convex, strictly. Shape (n_x + 1, n_x + 1)."""
    X1 = np.vstack([np.ones((1, X.shape[1])), X])
    a = lr_forward_theta(np.asarray(theta, np.float64).reshape(-1, 1), X).ravel()
    return (X1 * (a * (1 - a))) @ X1.T / X.shape[1]


def lr_hessian_lipschitz(X: np.ndarray) -> float:
    """A Lipschitz constant of the Hessian: ``‖H(θ) - H(θ')‖₂ <= c ‖θ - θ'‖₂`` with
    ``c = max|σ'''|·(1/m) sum_i ‖x1_i‖³``, ``max_z |d/dz σ(z)(1 - σ(z))| = 1/(6 sqrt 3)``."""
    X1 = np.vstack([np.ones((1, X.shape[1])), X])
    return float(np.mean(np.linalg.norm(X1, axis=0) ** 3) / (6 * np.sqrt(3)))


def lr_smoothness(X: np.ndarray) -> float:
    """The Lipschitz constant of the logistic cost's gradient, ``λ_max((1/m) X1 X1^T) / 4`` (a(1 - a) <= 1/4):
    gradient descent with ``α = 1/L`` decreases J at every step."""
    X1 = np.vstack([np.ones((1, X.shape[1])), X])
    return float(np.linalg.eigvalsh(X1 @ X1.T / X.shape[1])[-1] / 4)


def logistic_gd(
    X: np.ndarray, Y: np.ndarray, theta0: np.ndarray, learning_rate: float, num_iterations: int
) -> tuple[np.ndarray, list[float]]:
    """Logistic regression by batch gradient descent: the one-layer sigmoid network trained by
    :func:`scratch_nn.training.train`. Returns ``θ`` (n_x + 1, 1) and the cost history."""
    learned, costs = train(X, Y, theta_to_parameters(theta0), learning_rate, num_iterations, activations=["sigmoid"])
    return parameters_to_theta(learned), costs


def scipy_logistic(X: np.ndarray, Y: np.ndarray, theta0: np.ndarray) -> np.ndarray:
    """The minimizer found by ``scipy.optimize.minimize`` (BFGS, the exact gradient) on the same cost
    (:func:`lr_cost_gradient`). Returns ``θ`` (n_x + 1, 1)."""
    from scipy.optimize import minimize

    result = minimize(
        lr_cost_gradient, np.asarray(theta0, np.float64).ravel(), args=(X, Y), jac=True, method="BFGS", tol=1e-14
    )
    return result.x.reshape(-1, 1)
