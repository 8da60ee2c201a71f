"""CLAIM-LINEAR: with identity activations an L-layer network is one linear layer,
``W' = W[L] ... W[1]``, ``b' = W[L](... (W[2] b[1] + b[2]) ...) + b[L]`` (the notes derive L = 2:
``W' = W[2] W[1]``, ``b' = W[2] b[1] + b[2]``); with a non-linear hidden activation it is not, and
the difference matters: XOR, which no affine map fits (best mean squared error exactly 1/4), is
fitted by a small tanh network and exactly by a two-unit ReLU network.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch

from scratch_nn import initialize_parameters, model_forward
from scratch_nn.parity import deep_parity_network, parity_activations
from scratch_nn.training import train
from torch_reference import cases
from torch_reference.experiments.claims import best_affine_fit, collapse_linear, xor_table
from torch_reference.model import reference_bounds, reference_pass
from torch_reference.ops import ACTIVATIONS, LINEAR
from torch_reference.tolerance import collapsed_linear_bounds, tolerance
from torch_reference.trajectories import cost_bound

#: layer_dims: the notes' L = 2, and deeper, non-square networks
SHAPES = [(3, 4, 2), (5, 7, 3, 6, 2), (4, 2, 6, 1)]
M = 9


def _network_and_collapse(dims, dtype, activation="linear", seed=0):
    rng = np.random.default_rng(seed)
    params = cases.layer_parameters(rng, list(dims), dtype)  # non-zero biases: a bias bug cannot hide
    X = cases.normal(rng, (dims[0], M), dtype)
    L = len(dims) - 1
    AL, _ = model_forward(X, params, activations=[activation] * (L - 1) + ["linear"])
    W_prime, b_prime = collapse_linear(params)
    return params, X, AL, W_prime @ X + b_prime, (W_prime, b_prime)


@pytest.mark.parametrize("dims", SHAPES, ids=str)
def test_identity_activations_collapse_to_one_layer(dims, np_dtype):
    """CLAIM-LINEAR: ``model_forward`` with g(z) = z everywhere equals ``W' X + b'`` to rounding.

    Tolerance (``tolerance.collapsed_linear_bounds``): each route's rounding bound, layer by layer
    for the network, product by product for W' and b'; the two routes' bounds differ, so the mean is
    passed to ``tolerance`` (which doubles it: two evaluations)."""
    params, X, AL, collapsed, (W_prime, b_prime) = _network_and_collapse(dims, np_dtype)
    assert W_prime.shape == (dims[-1], dims[0]) and b_prime.shape == (dims[-1], 1)
    assert collapsed.dtype == AL.dtype == np_dtype
    B_net, B_collapsed = collapsed_linear_bounds(params, X)
    tol = tolerance(np_dtype, (B_net + B_collapsed) / 2, AL)
    error = np.abs(AL.astype(np.float64) - collapsed)
    assert np.all(error <= tol), f"worst |network - W'X - b'| = {error.max():.3g}, {np.max(error / tol):.3g} of tol"


def test_two_layer_formula_of_the_notes():
    """CLAIM-LINEAR, L = 2 as written in the notes: ``W' = W[2] W[1]``, ``b' = W[2] b[1] + b[2]``."""
    params = cases.layer_parameters(np.random.default_rng(1), [3, 5, 2], np.float64)
    W_prime, b_prime = collapse_linear(params)
    assert np.array_equal(W_prime, params["W2"] @ params["W1"])
    assert np.array_equal(b_prime, params["W2"] @ params["b1"] + params["b2"])


@pytest.mark.parametrize("activation", [a.name for a in ACTIVATIONS if a is not LINEAR and not a.column_wise])
def test_nonlinear_hidden_layer_does_not_collapse(activation):
    """CLAIM-LINEAR, the converse: with a non-linear g[l] in the hidden layers the same weights no longer
    give ``W' X + b'``: the difference is orders of magnitude beyond the collapse's tolerance."""
    dims = SHAPES[1]
    params, X, AL, collapsed, _ = _network_and_collapse(dims, np.float64, activation)
    B_net, B_collapsed = collapsed_linear_bounds(params, X)
    tol = tolerance(np.float64, (B_net + B_collapsed) / 2, collapsed)
    assert np.max(np.abs(AL - collapsed) / tol) > 1e6


def test_no_affine_map_fits_xor():
    """The best affine fit of XOR, solved exactly: the normal equations ``X1 X1^T θ = X1 y`` in rational
    arithmetic give ``w = 0, b = 1/2``, mean squared error exactly 1/4; NumPy's least squares agrees to
    rounding (the float64 value of 1/4 is exact; the tolerance is that of 4 squares and a sum)."""
    X, Y = xor_table()
    X1 = [[Fraction(int(v)) for v in row] for row in np.vstack([X, np.ones((1, 4))])]
    y = [Fraction(int(v)) for v in Y.ravel()]
    A = [[sum(X1[i][k] * X1[j][k] for k in range(4)) for j in range(3)] for i in range(3)]
    rhs = [sum(X1[i][k] * y[k] for k in range(4)) for i in range(3)]
    theta = _solve_exact(A, rhs)
    assert theta == [0, 0, Fraction(1, 2)]
    best = sum((sum(theta[i] * X1[i][k] for i in range(3)) - y[k]) ** 2 for k in range(4)) / 4
    assert best == Fraction(1, 4)

    mse, _Y_hat = best_affine_fit(X, Y)
    assert abs(mse - 0.25) <= tolerance(np.float64, 6 * 0.25, 0.25)


def _solve_exact(A: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction]:
    """Gauss-Jordan elimination in exact rational arithmetic (A square, non-singular)."""
    n = len(A)
    M_ = [[*row, rhs[i]] for i, row in enumerate(A)]
    for c in range(n):
        p = next(r for r in range(c, n) if M_[r][c] != 0)
        M_[c], M_[p] = M_[p], M_[c]
        M_[c] = [v / M_[c][c] for v in M_[c]]
        for r in range(n):
            if r != c:
                M_[r] = [a - M_[r][c] * b for a, b in zip(M_[r], M_[c], strict=True)]
    return [M_[i][n] for i in range(n)]


def test_trained_identity_network_cannot_fit_xor_but_tanh_and_relu_can():
    """CLAIM-LINEAR on XOR: gradient descent on a 2-4-1 identity-activation network (squared error
    J = (1/2m) sum (a - y)²) never gets below the best affine map's J = 1/8, at any iteration, and does
    reach it; the same architecture with tanh hidden units fits XOR (every output on the right side of
    1/2, mean squared error < 0.01); the two-unit ReLU network ``relu(x1 + x2) - 2 relu(x1 + x2 - 1)`` is
    exact."""
    X, Y = xor_table()
    linear_acts = ["linear", "linear"]
    start = initialize_parameters([2, 4, 1], "xavier", np.random.default_rng(0))
    learned, costs = train(X, Y, start, 0.5, 300, activations=linear_acts)
    ref = reference_pass(learned, X, Y, linear_acts, "cpu", torch.float64)
    B_J = cost_bound("linear", ref, reference_bounds(learned, Y, linear_acts, ref), Y, 2)
    floor = 0.125 - tolerance(np.float64, B_J, 0.125)
    assert min(costs) >= floor, f"an identity-activation network went below the affine optimum: {min(costs)!r}"
    assert costs[-1] - 0.125 < 1e-6, f"GD should reach the affine optimum 1/8, stopped at {costs[-1]}"

    tanh_acts = ["tanh", "sigmoid"]
    learned, _ = train(X, Y, start, 2.0, 300, activations=tanh_acts)
    AL, _ = model_forward(X, learned, activations=tanh_acts)
    assert np.array_equal(AL >= 0.5, Y == 1), AL
    assert float(np.mean((AL - Y) ** 2)) < 0.01

    relu_net = deep_parity_network(2)
    AL, _ = model_forward(X, relu_net, activations=parity_activations(relu_net))
    assert np.array_equal(AL, Y)
