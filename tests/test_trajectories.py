"""Whole training trajectories (GD-LOOP): ``scratch_nn.train`` against ``torch_train`` at every iteration.

The registry entry ``GD-LOOP[torch.optim.SGD trajectory]`` compares the cost history and the final
parameters within the trajectory bound of ``torch_reference/trajectories.py``; here: the bound's
ingredients are right (the Hessian), the check can fail (planted bugs in the loop), the bound tells
float32 from float64, and a long run (slow).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import scratch_nn as nn_
from torch_reference.compare import compare
from torch_reference.model import reference_pass
from torch_reference.registry import case_rng, entries, run_case
from torch_reference.trajectories import GD_SHAPES, hessian

from .checks import planted_bugs_test

ENTRY = next(e for e in entries() if e.id == "GD-LOOP")


def _case(shape, dtype=np.float64, seed=0) -> dict:
    return ENTRY.draw(case_rng(ENTRY, seed, shape), shape, dtype)


def test_hessian_matches_differences_of_the_gradient():
    """ρ_k rests on the Hessian: it matches centered differences of autograd's gradient (float64)."""
    case = _case(GD_SHAPES[0])
    params, X, Y, acts = case["parameters"], case["X"], case["Y"], case["activations"]
    H = hessian(params, X, Y, acts)
    keys = [f"{p}{l}" for l in range(1, len(acts) + 1) for p in "Wb"]

    def gradient(theta: dict) -> np.ndarray:
        ref = reference_pass(theta, X, Y, acts, "cpu", torch.float64)
        return np.concatenate([ref[f"d{k}"].ravel() for k in keys])

    flat = np.concatenate([params[k].ravel() for k in keys])
    h = 2.0**-20
    for i in (0, 7, len(flat) // 2, len(flat) - 1):  # a few columns
        cols = []
        for step in (h, -h):
            shifted = flat.copy()
            shifted[i] += step
            start, theta = 0, {}
            for k in keys:
                theta[k] = shifted[start : start + params[k].size].reshape(params[k].shape)
                start += params[k].size
            cols.append(gradient(theta))
        np.testing.assert_allclose(H[:, i], (cols[0] - cols[1]) / (2 * h), atol=1e-7 * max(1.0, np.abs(H).max()))
    np.testing.assert_allclose(H, H.T, atol=1e-12)


@pytest.mark.parametrize("shape", GD_SHAPES, ids=[s[1][-1] for s in GD_SHAPES])
def test_bound_grows_but_stays_useful(shape):
    """The per-step contraction factors stay near 1 for these α (the loss is locally nearly convex), so
    the trajectory bound stays far below the size of the parameters: at most 1e-9 relative in float64."""
    traj = _case(shape)["trajectory"]
    cost_bounds, final = traj.bounds()
    assert traj.contraction.max() < 1.5
    u64 = np.finfo(np.float64).eps / 2
    assert final * u64 < 1e-9 * max(np.abs(v).max() for v in traj.final.values())
    assert cost_bounds[-1] * u64 < 1e-9 * max(traj.costs)


def _train_records_cost_after_update(X, Y, parameters, learning_rate, num_iterations, activations=None, **kw):
    """Off by one: the history records J after each update instead of before it."""
    params, _costs = nn_.train(X, Y, parameters, learning_rate, num_iterations, activations=activations)
    _params, later = nn_.train(X, Y, parameters, learning_rate, num_iterations + 1, activations=activations)
    return params, later[1:]


def _train_forgets_biases(X, Y, parameters, learning_rate, num_iterations, activations=None, **kw):
    """The loop updates W[l] but never b[l]."""
    params = dict(parameters)
    costs = []
    for _ in range(num_iterations):
        AL, caches = nn_.model_forward(X, params, activations=activations)
        costs.append(nn_.model_cost(AL, Y, activations[-1]))
        grads = nn_.model_backward(AL, Y, caches, activations=activations)
        grads = {k: (np.zeros_like(v) if k.startswith("db") else v) for k, v in grads.items()}
        params = nn_.update_parameters(params, grads, learning_rate)
    return params, costs


def _train_with_slightly_wrong_rate(X, Y, parameters, learning_rate, num_iterations, activations=None, **kw):
    """α off by one part in a million (e.g. a rounded constant): only a whole-trajectory check sees it."""
    return nn_.train(X, Y, parameters, learning_rate * (1 + 1e-6), num_iterations, activations=activations)


#: the GD-LOOP row of the second network must FAIL
LOOP = {"shapes": [GD_SHAPES[1]], "fail_only": True}
MUTANTS = [
    ("GD-LOOP", "history off by one", {"train": _train_records_cost_after_update}, LOOP),
    ("GD-LOOP", "biases never updated", {"train": _train_forgets_biases}, LOOP),
    ("GD-LOOP", "alpha off by 1e-6", {"train": _train_with_slightly_wrong_rate}, LOOP),
]

test_planted_loop_bug_is_caught = planted_bugs_test(MUTANTS)


def test_float32_trajectory_is_outside_the_float64_bound():
    """The bound is tight enough to tell the precisions apart: scratch_nn's float32 run, compared with
    PyTorch's float64 run, passes the float32 tolerance and fails the float64 one."""
    shape = GD_SHAPES[0]
    case = _case(shape, np.float32)
    ref = ENTRY.oracle(case, "cpu", torch.float64)
    ours = ENTRY.run(nn_, case)  # the GD-LOOP entry's own call of train(), in float32
    as32 = [compare(k, ours[k], r.value, r.bound, np.float32) for k, r in ref.items()]
    as64 = [compare(k, ours[k].astype(np.float64), r.value, r.bound, np.float64) for k, r in ref.items()]
    assert all(c.passed for c in as32), [c.detail for c in as32 if not c.passed]
    assert not all(c.passed for c in as64)


@pytest.mark.slow
@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
def test_long_trajectory(dtype_name):
    """200 iterations of the first network: the bound (ρ_k^200) still holds and is still informative."""
    dims, acts, m, _iterations, lr = GD_SHAPES[0]
    shape = (dims, acts, m, 200, lr)
    result = run_case(ENTRY, nn_, "cpu", dtype_name, 0, shape)  # the draw keeps all 200 steps off the kinks
    assert result.passed, result.report()
