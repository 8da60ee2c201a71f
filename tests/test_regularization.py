"""L2, elastic net and max-norm: whole trajectories, identities, planted bugs (bad input: tests/bad_inputs.py).

Catalogue IDs: COST-L2, REG-L2-GRAD, COST-ENET, REG-ENET-GRAD, REG-MAXNORM. The
element-by-element checks against autograd, ``torch.optim.SGD`` (one step) and
``torch.renorm`` are registry entries (torch_reference/regularization.py); here:

* 20 steps of the notes' L2-regularized gradient descent against ``torch.optim.SGD``
  with ``weight_decay = λ/m`` on the weights' parameter group (biases in a group without
  decay), compared at **every** step within the derived trajectory bound, and the same
  comparison rejecting the classic mistakes (``λ/(2m)``, ``λ``, decay on the biases);
* elastic net with ``λ1 = 0, λ2 = λ/2`` is L2; sign(0) = 0 on both sides;
* renorm's ``1e-7``: the measured difference from the notes' formula is the predicted one;
* the planted bugs the registry must catch.
"""

from __future__ import annotations

import copy
import functools
import warnings

import numpy as np
import pytest
import torch

import scratch_nn as nn_
from torch_reference import cases
from torch_reference.compare import compare
from torch_reference.device import DTYPES, strict_float32
from torch_reference.layout import to_rows
from torch_reference.losses import torch_output_loss
from torch_reference.model import ReferenceNetwork
from torch_reference.regularization import MAX_NORM, draw_rows, gd_trajectory_bounds, renorm_difference
from torch_reference.tolerance import (
    max_norm_bound,
    max_norm_row_norm_bound,
    penalty_bound,
    penalty_gradient_bound,
    tolerance,
)
from torch_reference.training import TrainOptions, network_parameters, torch_gd_trajectory

from .checks import planted_bugs_test

# ----------------------------------------------------------------------- L2 over 20 steps vs SGD weight decay
#: L >= 3, non-square, smooth hidden activations (the trajectory bound linearizes each step)
DIMS, ACTS, M, STEPS = (5, 4, 3, 1), ["tanh", "elu", "sigmoid"], 12, 20
LAMBD, LEARNING_RATE = 0.7, 0.3
L2_OPTIONS = TrainOptions(LEARNING_RATE, STEPS, ACTS, lambd=LAMBD)


@functools.lru_cache(maxsize=1)
def l2_case() -> tuple[dict, np.ndarray]:
    """The data (float64) and the trajectory bound ε_0..ε_20 (units of u), computed once.

    The bound (``regularization.gd_trajectory_bounds``, ``tolerance.trajectory_bound``):
    each evaluation of the 20 steps stays within ``u·ε_k`` (2-norm over all parameters) of
    the exact trajectory, ``ε_{k+1} = ρ_k ε_k + s_k`` with ``s_k`` step k's own rounding
    (α times the gradient's bound, the L2 term's, the update's) and
    ``ρ_k = max_i |1 - α μ_i|``, μ_i the eigenvalues of the Hessian of J + λ/(2m)Σ‖W‖² at
    θ_k: how much a step can stretch an error already made. NumPy and PyTorch are two such
    evaluations, so ``tolerance(dtype, ε_k, value)`` (which doubles the bound) bounds their
    difference, element by element, at every step k.
    """
    rng = np.random.default_rng(31)
    data = {
        "X": cases.normal(rng, (DIMS[0], M), np.float64),
        "Y": cases.binary_labels(rng, (1, M), np.float64),
        "parameters": cases.layer_parameters(rng, list(DIMS), np.float64),
    }
    trajectory = torch_gd_trajectory(data["X"], data["Y"], data["parameters"], L2_OPTIONS)
    return data, gd_trajectory_bounds(trajectory, data["X"], data["Y"], L2_OPTIONS)


def _cast(data: dict, dtype: type) -> dict:
    return {
        k: ({n: a.astype(dtype) for n, a in v.items()} if isinstance(v, dict) else v.astype(dtype))
        for k, v in data.items()
    }


def numpy_l2_trajectory(impl, data: dict) -> list[dict]:
    """The notes' loop through the contract: forward, backward with lambd, update."""
    params, trajectory = data["parameters"], [data["parameters"]]
    for _ in range(STEPS):
        AL, caches = impl.model_forward(data["X"], params, activations=ACTS)
        grads = impl.model_backward(AL, data["Y"], caches, activations=ACTS, lambd=LAMBD)
        params = impl.update_parameters(params, grads, LEARNING_RATE)
        trajectory.append(params)
    return trajectory


def torch_sgd_trajectory(data: dict, dtype: torch.dtype, weight_decay: float, decay_biases: bool) -> list[dict]:
    """``torch.optim.SGD`` on the *unregularized* cost, with a chosen weight decay and
    grouping: the negative controls' optimizers."""
    net = ReferenceNetwork(data["parameters"], ACTS, "cpu", dtype)
    weights, biases = [lin.weight for lin in net.linears], [lin.bias for lin in net.linears]
    groups = [{"params": weights, "weight_decay": weight_decay}]
    groups.append({"params": biases, "weight_decay": weight_decay if decay_biases else 0.0})
    optimizer = torch.optim.SGD(groups, lr=LEARNING_RATE)
    Xt, Yt = to_rows(data["X"], "cpu", dtype), to_rows(data["Y"], "cpu", dtype)
    trajectory = [network_parameters(net)]
    with strict_float32():
        for _ in range(STEPS):
            optimizer.zero_grad()
            torch_output_loss(ACTS[-1])(net(Xt)[0][-1], Yt).backward()
            optimizer.step()
            trajectory.append(network_parameters(net))
    return trajectory


def worst_fraction(ours: list[dict], theirs: list[dict], eps: np.ndarray, dtype: type) -> tuple[float, int]:
    """The largest error / tolerance over every parameter of every step, and its step."""
    worst, at = 0.0, 0
    for k in range(1, STEPS + 1):
        for key, value in theirs[k].items():
            c = compare(key, ours[k][key], value, eps[k], dtype)
            fraction = c.fraction if c.passed or np.isfinite(c.fraction) else np.inf
            if fraction > worst:
                worst, at = fraction, k
    return worst, at


def test_l2_trajectory_agrees_with_sgd_weight_decay_at_every_step(dtype, impl):
    """REG-L2-GRAD (and COST-L2's factor 2): 20 steps of ``dW += (λ/m) W`` in NumPy against
    ``torch.optim.SGD(weight_decay = λ/m)`` on the weights only, at every step."""
    np_dtype, torch_dtype = DTYPES[dtype]
    data, eps = l2_case()
    data = _cast(data, np_dtype)
    ours = numpy_l2_trajectory(impl, data)
    theirs = torch_gd_trajectory(data["X"], data["Y"], data["parameters"], L2_OPTIONS, "cpu", torch_dtype)
    fraction, k = worst_fraction(ours, theirs, eps, np_dtype)
    print(f"{dtype}: worst error = {fraction:.3g} x tolerance (step {k}); bound after 20 steps {eps[-1]:.3g} u")
    assert fraction <= 1, f"step {k}: {fraction:.3g} x the trajectory tolerance"
    if callable(getattr(impl, "train", None)):  # the training loop with lambd is this loop
        final, _costs = impl.train(
            data["X"], data["Y"], data["parameters"], LEARNING_RATE, STEPS, activations=ACTS, lambd=LAMBD
        )
        for key, value in final.items():
            np.testing.assert_array_equal(value, ours[-1][key])


#: (what is wrong, weight_decay as a function of (λ, m), decay on the biases too)
WRONG_DECAYS = [
    ("weight_decay = λ/(2m): the factor 2 of the penalty's derivative forgotten", lambda lam, m: lam / (2 * m), False),
    ("weight_decay = λ: the per-example scaling forgotten", lambda lam, m: lam, False),
    ("weight_decay on the biases too", lambda lam, m: lam / m, True),
]


@pytest.mark.parametrize(("what", "decay", "biases"), WRONG_DECAYS, ids=[w[0].split(":")[0] for w in WRONG_DECAYS])
def test_trajectory_comparison_rejects_the_wrong_decay(what, decay, biases, dtype):
    """Negative controls: the same comparison, same tolerance, against a wrongly configured SGD, fails."""
    np_dtype, torch_dtype = DTYPES[dtype]
    data, eps = l2_case()
    data = _cast(data, np_dtype)
    ours = numpy_l2_trajectory(nn_, data)
    theirs = torch_sgd_trajectory(data, torch_dtype, decay(LAMBD, M), biases)
    fraction, _k = worst_fraction(ours, theirs, eps, np_dtype)
    assert fraction > 1, f"'{what}' was not rejected ({fraction:.3g} x tolerance)"


def test_the_right_decay_passes_through_the_control_loop(dtype):
    """The negative controls' own loop, with weight_decay = λ/m on the weights only, passes:
    what they reject is the decay, not the loop."""
    np_dtype, torch_dtype = DTYPES[dtype]
    data, eps = l2_case()
    data = _cast(data, np_dtype)
    fraction, _k = worst_fraction(
        numpy_l2_trajectory(nn_, data), torch_sgd_trajectory(data, torch_dtype, LAMBD / M, False), eps, np_dtype
    )
    assert fraction <= 1


# ----------------------------------------------------------------------- identities
def test_elastic_net_without_l1_is_l2(np_dtype):
    """COST-ENET / REG-ENET-GRAD with λ1 = 0, λ2 = λ/2 equal COST-L2 / REG-L2-GRAD (the same 1/m scaling)."""
    rng = np.random.default_rng(3)
    params = cases.layer_parameters(rng, [5, 4, 3, 1], np_dtype)
    m, lam = 9, 0.7
    l2, enet = nn_.l2_regularization_cost(params, lam, m), nn_.elastic_net_cost(params, 0.0, lam / 2, m)
    count = sum(params[f"W{l}"].size for l in (1, 2, 3))
    assert abs(l2 - enet) <= tolerance(np_dtype, penalty_bound(l2, count), l2)
    for l in (1, 2, 3):
        W = params[f"W{l}"]
        a, b = nn_.l2_regularization_gradient(W, lam, m), nn_.elastic_net_gradient(W, 0.0, lam / 2, m)
        value = lam / m * W.astype(np.float64)
        assert (np.abs(a - b) <= tolerance(np_dtype, penalty_gradient_bound(np.abs(value), value), value)).all()


def test_sign_of_zero_is_zero_on_both_sides():
    """REG-ENET-GRAD at W = 0: the notes' sign(0) = 0, and PyTorch's abs() backward gives 0 too."""
    W = np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 0.25]])
    ours = nn_.elastic_net_gradient(W, 0.3, 0.0, 1)
    Wt = torch.tensor(W, requires_grad=True)
    (0.3 * Wt.abs().sum()).backward()
    np.testing.assert_array_equal(ours[W == 0], 0.0)
    np.testing.assert_array_equal(Wt.grad.numpy()[W == 0], 0.0)
    np.testing.assert_array_equal(ours, Wt.grad.numpy())  # 0.3 * ±1: exact on both sides


def test_renorm_epsilon_is_the_whole_difference():
    """REG-MAXNORM in float64: ``torch.renorm``'s factor ``c/(‖w‖ + 1e-7)`` against the notes'
    ``c/‖w‖`` differs by exactly the predicted ``|w_i| c 1e-7 / (‖w‖(‖w‖ + 1e-7))``, within
    rounding; with ``eps=1e-7`` the two agree within rounding; rows inside the ball are copied."""
    W = draw_rows(np.random.default_rng(5), (8, 6), np.float64)
    theirs = torch.renorm(torch.tensor(W), 2, 0, MAX_NORM).numpy()
    notes, same_formula = nn_.apply_max_norm(W, MAX_NORM), nn_.apply_max_norm(W, MAX_NORM, 1e-7)
    rounding = tolerance(np.float64, max_norm_bound(W, MAX_NORM), theirs)
    predicted = renorm_difference(W)
    scaled = (predicted > 0).any(axis=1)
    assert scaled.any() and (~scaled).any()
    assert (np.abs((notes - theirs) - predicted * np.sign(W)) <= rounding).all()
    assert (np.abs(predicted[scaled]) > 1e6 * rounding[scaled]).all()  # in float64 the 1e-7 is no rounding error
    assert (np.abs(same_formula - theirs) <= rounding).all()
    np.testing.assert_array_equal(notes[~scaled], W[~scaled])
    norms = np.sqrt((notes**2).sum(axis=1))
    bound = max_norm_row_norm_bound(W.shape[1], MAX_NORM)
    assert (np.abs(norms[scaled] - MAX_NORM) <= tolerance(np.float64, bound, MAX_NORM)).all()


def test_train_with_max_norm_keeps_every_row_in_the_ball():
    """REG-MAXNORM in the training loop: after every update each row has ‖w‖₂ <= c (up to rounding)."""
    rng = np.random.default_rng(6)
    params = {k: 3 * v for k, v in cases.layer_parameters(rng, [4, 6, 3, 1], np.float64).items()}
    X, Y = cases.normal(rng, (4, 10), np.float64), cases.binary_labels(rng, (1, 10), np.float64)
    c = 0.8
    for steps in (1, 5):
        final, _ = nn_.train(X, Y, params, 0.5, steps, activations=["tanh", "tanh", "sigmoid"], max_norm=c)
        for l in (1, 2, 3):
            W = final[f"W{l}"]
            norms = np.sqrt((W**2).sum(axis=1))
            assert (norms <= c + tolerance(np.float64, max_norm_row_norm_bound(W.shape[1], c), c)).all()
        np.testing.assert_array_equal(final["b1"].shape, params["b1"].shape)


def test_max_norm_edges_and_eps_on_every_layer():
    """REG-MAXNORM at its edges: a row of norm exactly c is inside the ball (``w`` is rescaled only if
    ``‖w‖₂ > c``), so it is copied bit for bit even with eps > 0; a zero row stays zero, with no
    division warning at eps = 0. ``max_norm_parameters`` with ``eps=1e-7`` is ``torch.renorm`` on every
    W[l] of an L = 3 network (in float64 its 1e-7 is far above rounding: test_renorm_epsilon_...)."""
    W = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [6.0, -8.0, 0.0], [0.3, 0.4, 1.2]])  # norms 5, 0, 10, 1.3
    for eps in (0.0, 1e-7):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = nn_.apply_max_norm(W, 5.0, eps)
        np.testing.assert_array_equal(out[[0, 1, 3]], W[[0, 1, 3]])
        np.testing.assert_allclose(out[2], W[2] * 5.0 / (10.0 + eps), rtol=1e-15)
    rng = np.random.default_rng(8)
    params = {"W1": draw_rows(rng, (6, 4), np.float64), "b1": cases.normal(rng, (6, 1), np.float64),
              "W2": draw_rows(rng, (5, 6), np.float64), "b2": cases.normal(rng, (5, 1), np.float64),
              "W3": draw_rows(rng, (3, 5), np.float64), "b3": cases.normal(rng, (3, 1), np.float64)}
    ours = nn_.max_norm_parameters(params, MAX_NORM, eps=1e-7)
    for l in (1, 2, 3):
        W = params[f"W{l}"]
        theirs = torch.renorm(torch.tensor(W), 2, 0, MAX_NORM).numpy()
        assert (np.abs(ours[f"W{l}"] - theirs) <= tolerance(np.float64, max_norm_bound(W, MAX_NORM), theirs)).all()
        np.testing.assert_array_equal(ours[f"b{l}"], params[f"b{l}"])


def test_no_penalty_gradient_at_lambda_zero(monkeypatch):
    """λ = 0, the default, adds nothing to dW[l] or to J: model_backward and the training loop do not
    compute the (λ/m) W[l] term or the penalty at all (backprop's own dW and the plain cost, at no
    cost); λ > 0 adds the term to every layer, once."""
    from scratch_nn import model as model_module
    from scratch_nn import training as training_module

    shapes, original = [], model_module._l2_regularization_gradient
    monkeypatch.setattr(model_module, "_l2_regularization_gradient",
                        lambda W, lambd, m: shapes.append(W.shape) or original(W, lambd, m))
    monkeypatch.setattr(training_module, "_l2_regularization_cost", lambda *a: shapes.append("penalty") or 0.0)
    rng = np.random.default_rng(13)
    params = cases.layer_parameters(rng, [4, 3, 2, 1], np.float64)
    X, Y = cases.normal(rng, (4, 6), np.float64), cases.binary_labels(rng, (1, 6), np.float64)
    AL, caches = nn_.model_forward(X, params)
    nn_.model_backward(AL, Y, caches)
    nn_.model_backward(AL, Y, caches, lambd=0.0)
    nn_.train(X, Y, params, 0.1, 2)
    assert shapes == []
    nn_.model_backward(AL, Y, caches, lambd=0.3)
    assert shapes == [(1, 2), (2, 3), (3, 4)]


def test_regularization_contract(np_dtype):
    """float32 in, float32 out; inputs untouched; new arrays; costs are Python floats."""
    rng = np.random.default_rng(12)
    params = cases.layer_parameters(rng, [4, 3, 1], np_dtype)
    AL, Y = cases.probabilities(rng, (1, 6), np_dtype), cases.binary_labels(rng, (1, 6), np_dtype)
    before = copy.deepcopy(params)
    W = params["W1"]
    outs = [
        nn_.l2_regularization_gradient(W, np.float64(0.7), 6),
        nn_.elastic_net_gradient(W, 0.3, np.float64(0.45), 6),
        nn_.apply_max_norm(W, 0.5),
        *nn_.max_norm_parameters(params, 0.5).values(),
    ]
    for out in outs:
        assert out.dtype == np_dtype and not any(np.shares_memory(out, p) for p in params.values())
    for cost in (
        nn_.compute_cost_with_regularization(AL, Y, params, 0.7),
        nn_.compute_cost_with_elastic_net(AL, Y, params, 0.3, 0.45),
    ):
        assert type(cost) is float
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])
    assert nn_.compute_cost_with_regularization(AL, Y, params, 0.0) == nn_.compute_cost(AL, Y)


# ----------------------------------------------------------------------- planted bugs: the registry catches them
def _weights(parameters):
    return [parameters[f"W{l}"] for l in range(1, len(parameters) // 2 + 1)]


def _cost_l2_over_m(AL, Y, parameters, lambd, output_activation="sigmoid"):
    """λ/m instead of λ/(2m) (the 1/2 dropped)."""
    m = AL.shape[1]
    return nn_.compute_cost(AL, Y) + lambd / m * sum(float(np.sum(W**2)) for W in _weights(parameters))


def _cost_l2_with_biases(AL, Y, parameters, lambd, output_activation="sigmoid"):
    m = AL.shape[1]
    return nn_.compute_cost(AL, Y) + lambd / (2 * m) * sum(float(np.sum(v**2)) for v in parameters.values())


def _cost_l2_no_m(AL, Y, parameters, lambd, output_activation="sigmoid"):
    return nn_.compute_cost(AL, Y) + lambd / 2 * sum(float(np.sum(W**2)) for W in _weights(parameters))


def _backward_l2_half(AL, Y, caches, activations=None, lambd=0.0, **kw):
    """dW += (λ/(2m)) W: the cost's 1/2 kept in the gradient (the factor 2 of W² forgotten)."""
    grads = nn_.model_backward(AL, Y, caches, activations=activations)
    m = AL.shape[1]
    for l, cache in enumerate(caches, start=1):
        grads[f"dW{l}"] = grads[f"dW{l}"] + lambd / (2 * m) * cache[0][1]
    return grads


def _backward_l2_on_biases(AL, Y, caches, activations=None, lambd=0.0, **kw):
    grads = nn_.model_backward(AL, Y, caches, activations=activations, lambd=lambd)
    m = AL.shape[1]
    for l, cache in enumerate(caches, start=1):
        grads[f"db{l}"] = grads[f"db{l}"] + lambd / m * cache[0][2]
    return grads


def _cost_enet_l1_without_abs(AL, Y, parameters, lambd1, lambd2, output_activation="sigmoid"):
    m, Ws = AL.shape[1], _weights(parameters)
    return (
        nn_.compute_cost(AL, Y)
        + (lambd1 * sum(float(W.sum()) for W in Ws) + lambd2 * sum(float((W**2).sum()) for W in Ws)) / m
    )


def _cost_enet_unscaled(AL, Y, parameters, lambd1, lambd2, output_activation="sigmoid"):
    Ws = _weights(parameters)
    return (
        nn_.compute_cost(AL, Y)
        + lambd1 * sum(float(np.abs(W).sum()) for W in Ws)
        + lambd2 * sum(float((W**2).sum()) for W in Ws)
    )


def _enet_sign_zero_one(W, lambd1, lambd2, m):
    return (lambd1 * np.where(W >= 0, 1.0, -1.0) + 2 * lambd2 * W) / m


def _enet_factor_two(W, lambd1, lambd2, m):
    return (lambd1 * np.sign(W) + lambd2 * W) / m


def _max_norm_columns(W, c, eps=0.0):
    """Each column (a unit's *outgoing* weights) rescaled instead of each row."""
    return nn_.apply_max_norm(W.T.copy(), c, eps).T.copy()


def _max_norm_always(W, c, eps=0.0):
    """Every row set to norm c, the ones inside the ball too."""
    return W * (c / (np.sqrt(np.sum(W**2, axis=1, keepdims=True)) + eps))


def _max_norm_frobenius(W, c, eps=0.0):
    norm = float(np.sqrt(np.sum(W**2)))
    return W * (c / (norm + eps)) if norm > c else W.copy()


def _max_norm_parameters_biases(parameters, c, eps=0.0):
    """apply_max_norm on every array of the dict, each b[l] (n, 1) too: |b_i| clipped to c."""
    return {k: nn_.apply_max_norm(v, c, eps) for k, v in parameters.items()}


MUTANTS = [
    ("COST-L2", "λ/m instead of λ/(2m)", {"compute_cost_with_regularization": _cost_l2_over_m}),
    ("COST-L2", "biases penalized too", {"compute_cost_with_regularization": _cost_l2_with_biases}),
    ("COST-L2", "penalty not divided by m", {"compute_cost_with_regularization": _cost_l2_no_m}),
    ("REG-L2-GRAD", "dW += λ/(2m) W (the factor 2)", {"model_backward": _backward_l2_half}),
    ("REG-L2-GRAD", "db decayed too", {"model_backward": _backward_l2_on_biases}),
    ("COST-ENET", "λ1 Σ W instead of λ1 Σ|W|", {"compute_cost_with_elastic_net": _cost_enet_l1_without_abs}),
    ("COST-ENET", "penalty not divided by m", {"compute_cost_with_elastic_net": _cost_enet_unscaled}),
    ("REG-ENET-GRAD", "sign(0) = 1", {"elastic_net_gradient": _enet_sign_zero_one}),
    ("REG-ENET-GRAD", "λ2 W instead of 2 λ2 W", {"elastic_net_gradient": _enet_factor_two}),
    ("REG-MAXNORM", "columns instead of rows", {"apply_max_norm": _max_norm_columns}),
    ("REG-MAXNORM", "rows inside the ball rescaled too", {"apply_max_norm": _max_norm_always}),
    ("REG-MAXNORM", "Frobenius norm of the whole W", {"apply_max_norm": _max_norm_frobenius}),
    ("REG-MAXNORM", "biases constrained too", {"max_norm_parameters": _max_norm_parameters_biases}),
]  # fmt: skip


test_planted_bug_is_caught = planted_bugs_test(MUTANTS)
