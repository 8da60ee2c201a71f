"""CLAIM-SYMMETRY: hidden units that start identical stay identical through every gradient step;
random initialization breaks the symmetry; the biases need no symmetry breaking.

The notes' argument (seeds/000): with ``W[1] = 0`` both hidden units compute the same function
(``a1[1] = a2[1]``), so ``dZ1[1] = dZ2[1]``, the rows of ``dW[1]`` are equal, and after any number
of updates the units still compute the same thing. The argument needs only that the units start
identical (equal rows of W[1], equal b[1] entries, equal columns of W[2]), so besides the zero start
the tests use a non-zero symmetric start with ReLU units, where learning visibly happens.

Floating point: in exact arithmetic the units stay *exactly* equal. A computed run may differ from
the exact run by rounding (a BLAS kernel may sum two equal rows in different orders), and a
gradient step can stretch such a difference. The tests therefore allow each unit the trajectory
bound of ``tolerance.trajectory_bound`` (per-step rounding, stretched by ``‖I - αH_k‖₂`` computed
from the exact Hessian along the way: ``trajectories.reference_trajectory``): after 100 steps it
is ~1e-11 in float64 and ~5e-3 in float32, against differences of order 1 after a random start. With all-zero
weights and tanh or ReLU units the gradient of every weight is exactly 0 (IEEE: ``0·x = 0``); those
runs must stay exactly at zero.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from scratch_nn import initialize_parameters, model_backward, model_forward
from torch_reference.device import DTYPES
from torch_reference.experiments.claims import (
    gd_path,
    spread_fraction,
    symmetric_parameters,
    symmetrize,
    unit_allowance,
    unit_spread,
    xor_cloud,
)
from torch_reference.model import reference_bounds, reference_pass
from torch_reference.tolerance import trajectory_bound, trajectory_deviation_bounds
from torch_reference.training import TrainOptions, torch_train
from torch_reference.trajectories import TRAJECTORY_KINK_MARGIN, reference_trajectory

ITERATIONS = 100
#: the gradient rows are compared at every GRADIENT_EVERY-th iterate (a reference pass each)
GRADIENT_EVERY = 10

#: name -> (activations, symmetric initial parameters (float64), learning rate)
CONFIGS = {
    # the notes' zero initialization; sigmoid units output 1/2 at z = 0, so W[2] and then W[1] learn
    "sigmoid-zero": (["sigmoid", "sigmoid"], initialize_parameters([2, 4, 1], "zeros"), 2.0),
    # a non-zero symmetric start: every hidden ReLU unit the same row (drawn once), b[1] = 0.5, W[2] = 0.5
    "relu-symmetric": (
        ["relu", "sigmoid"],
        symmetric_parameters(np.random.default_rng(6).standard_normal((1, 2)), 4, 0.5, 0.5),
        0.5,
    ),
}


def _data(dtype: type) -> tuple[np.ndarray, np.ndarray]:
    X, Y = xor_cloud(np.random.default_rng(0))
    return X.astype(dtype), Y.astype(dtype)


def _cast(parameters: dict[str, np.ndarray], dtype: type) -> dict[str, np.ndarray]:
    return {k: v.astype(dtype) for k, v in parameters.items()}


@functools.cache
def _bounds(name: str) -> tuple[np.ndarray, list[dict[str, np.ndarray]], float]:
    """Per config, computed once: ``ε_k`` (units of u, k = 0..K) from the exact-Hessian trajectory bound;
    the one-evaluation bounds of dW[1], db[1], dW[2] at every GRADIENT_EVERY-th symmetrized float64
    iterate; and the
    trajectory's smallest distance of a ReLU pre-activation from its kink."""
    acts, params, lr = CONFIGS[name]
    X, Y = _data(np.float64)
    traj = reference_trajectory(params, X, Y, TrainOptions(lr, ITERATIONS, acts))
    eps = trajectory_deviation_bounds(traj.step_bounds, traj.contraction)
    thetas, _costs = gd_path(X, Y, params, lr, ITERATIONS, acts)
    grad_bounds = []
    for theta in thetas[::GRADIENT_EVERY]:
        sym = symmetrize(theta)
        B = reference_bounds(sym, Y, acts, reference_pass(sym, X, Y, acts, "cpu", torch.float64))
        grad_bounds.append({k: B[k] for k in ("dW1", "db1", "dW2")})
    return eps, grad_bounds, traj.min_kink_distance


def _torch_path(X, Y, params, lr, acts, device, dtype) -> tuple[list[dict], list[float]]:
    """torch_train one step at a time (the same SGD arithmetic as one long call), every iterate kept."""
    thetas, costs = [params], []
    for _ in range(ITERATIONS):
        theta, cost = torch_train(X, Y, thetas[-1], TrainOptions(lr, 1, acts), device, dtype)
        thetas.append(theta)
        costs += cost
    return thetas, costs


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_identical_units_stay_identical(name, device, dtype):
    """CLAIM-SYMMETRY: from a symmetric start every hidden unit's row of W[1] (and b[1] entry, W[2]
    column) stays the same at every iteration, in NumPy and in PyTorch, while the network learns; and
    at every iterate the rows of dW[1] (db[1], columns of dW[2]) are the same."""
    np_dtype, torch_dtype = DTYPES[dtype]
    acts, params64, lr = CONFIGS[name]
    eps, grad_bounds, kink = _bounds(name)
    assert kink >= TRAJECTORY_KINK_MARGIN, "a ReLU pre-activation comes near its kink: the bound does not apply"
    X, Y = _data(np_dtype)
    params = _cast(params64, np_dtype)

    paths = {
        "numpy": gd_path(X, Y, params, lr, ITERATIONS, acts),
        "torch": _torch_path(X, Y, params, lr, acts, device, torch_dtype),
    }
    worst = 0.0
    for impl, (thetas, costs) in paths.items():
        for k, theta in enumerate(thetas):
            fraction = spread_fraction(theta, eps[k], np_dtype)
            assert fraction <= 1, f"{impl}: hidden units differ after {k} steps ({fraction:.3g} of the bound)"
            worst = max(worst, fraction)
        moved = float(np.abs(thetas[-1]["W1"] - params64["W1"]).max())
        assert moved > 0.5, f"{impl}: W[1] moved only {moved:.3g}: the units did not learn"
        assert costs[-1] < costs[0] - 0.1, f"{impl}: the cost fell only from {costs[0]:.4f} to {costs[-1]:.4f}"

    # the gradients: at each iterate made exactly symmetric, one evaluation's rounding apart
    for k, theta in enumerate(paths["numpy"][0][::GRADIENT_EVERY]):
        sym = symmetrize(theta)
        AL, caches = model_forward(X, sym, activations=acts)
        grads = model_backward(AL, Y, caches, activations=acts)
        ref = reference_pass(sym, X, Y, acts, device, torch_dtype)
        for impl, g in (("numpy", grads), ("torch", ref)):
            fraction = spread_fraction(g, grad_bounds[k], np_dtype)
            assert fraction <= 1, f"{impl}: rows of dW[1] differ at iterate {k * GRADIENT_EVERY} ({fraction:.3g})"


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_random_initialization_breaks_symmetry(name):
    """CLAIM-SYMMETRY: with random weights (biases still zero) the units differ from the start and go
    on differing, far beyond the symmetric run's bound; the biases, started equal at zero, come apart
    too (b needs no symmetry breaking); and the four different units fit the XOR-like data better
    than four copies of one unit."""
    acts, params_sym, lr = CONFIGS[name]
    eps, _grad_bounds, _kink = _bounds(name)
    X, Y = _data(np.float64)
    params = initialize_parameters([2, 4, 1], "small", np.random.default_rng(3), scale=0.5)
    assert not params["b1"].any() and not params["b2"].any()
    thetas, costs = gd_path(X, Y, params, lr, ITERATIONS, acts)
    _sym_thetas, sym_costs = gd_path(X, Y, params_sym, lr, ITERATIONS, acts)

    # the symmetric run's float32 allowance: the largest of the two dtypes' bounds
    allowed = unit_allowance(thetas[-1], eps[-1], np.float32)["W1"]
    spread = unit_spread(thetas[-1])
    assert np.all(spread["W1"] > 10 * allowed), (spread["W1"], allowed)
    assert spread["b1"].item() > 1e-2, f"the biases stayed together: spread {spread['b1'].item():.3g}"
    assert costs[-1] < sym_costs[-1], (costs[-1], sym_costs[-1])


@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_all_zero_weights_with_tanh_or_relu_never_learn(hidden, device):
    """CLAIM-SYMMETRY, the degenerate case: with W = 0, b = 0 and g(0) = 0 (tanh, ReLU), A[1] = 0, so
    dW[2] = dZ[2] A[1]^T / m = 0 and dA[1] = W[2]^T dZ[2] = 0: no weight ever moves (exactly: IEEE gives
    0·x = 0), only b[2] learns the label frequency. Checked in NumPy and PyTorch."""
    acts = [hidden, "sigmoid"]
    X, Y = _data(np.float64)
    zero = initialize_parameters([2, 4, 1], "zeros")
    thetas, _costs = gd_path(X, Y, zero, 1.0, 50, acts)
    torch_params, _torch_costs = torch_train(X, Y, zero, TrainOptions(1.0, 50, acts), device, torch.float64)
    for theta in (*thetas, torch_params):
        for key in ("W1", "b1", "W2"):
            assert not theta[key].any(), f"{key} moved: {theta[key]}"
    assert thetas[-1]["b2"].item() != 0 and torch_params["b2"].item() != 0
    AL, caches = model_forward(X, thetas[-1], activations=acts)
    grads = model_backward(AL, Y, caches, activations=acts)
    assert not grads["dW1"].any() and not grads["dW2"].any()


def test_deviation_bounds_follow_the_trajectory_bound():
    """``tolerance.trajectory_deviation_bounds`` is ``trajectory_bound``'s ε_k at every k: ε_0 = 0,
    ε_{k+1} = ρ_k ε_k + s_k (here with s = 1, 2, 3 and ρ = 2, 1, 0.5: 0, 1, 1·1 + 2 = 3, 0.5·3 + 3 = 4.5)."""
    steps, rho = np.array([1.0, 2.0, 3.0]), np.array([2.0, 1.0, 0.5])
    eps = trajectory_deviation_bounds(steps, rho)
    assert eps.tolist() == [0.0, 1.0, 3.0, 4.5]
    assert eps[-1] == trajectory_bound(steps, rho, np.zeros(3), np.zeros(3))[1]
