"""Mini-batches, momentum, RMSprop, Adam and learning-rate decay (issue 13): the exact differences
between the course's conventions and torch.optim's, and the planted mistakes (bad input: tests/bad_inputs.py)."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import torch

import scratch_nn as nn_
from torch_reference.tolerance import moving_average_bound, tolerance

from .checks import planted_bugs_test


def _params(rng, dtype=np.float64):
    return {
        "W1": rng.standard_normal((3, 4)).astype(dtype),
        "b1": rng.standard_normal((3, 1)).astype(dtype),
        "W2": rng.standard_normal((1, 3)).astype(dtype),
        "b2": rng.standard_normal((1, 1)).astype(dtype),
    }


def _grads(rng, params, dtype=np.float64):
    return {f"d{k}": rng.standard_normal(v.shape).astype(dtype) for k, v in params.items()}


# ----------------------------------------------------------------------- momentum: SGD's buf, dampening
def test_momentum_dampening_beta_differs_from_the_course_by_beta_to_the_k_times_g1():
    """SGD(momentum=β, dampening=β) sets buf = g at step 1 (not (1 - β) g): buf_k - v_k = β^k g_1 exactly."""
    rng = np.random.default_rng(13)
    beta, alpha, K = 0.9, 0.1, 6
    g = [rng.standard_normal((4, 3)) for _ in range(K)]
    W = torch.zeros((4, 3), dtype=torch.float64, requires_grad=True)
    sgd = torch.optim.SGD([W], lr=alpha, momentum=beta, dampening=beta)
    params = {"W1": np.zeros((4, 3)), "b1": np.zeros((4, 1))}
    v = nn_.initialize_velocity(params)
    B_v, B_buf, buf_prev = 0.0, 0.0, np.zeros((4, 3))
    for k in range(1, K + 1):
        W.grad = torch.tensor(g[k - 1])
        sgd.step()
        buf = sgd.state[W]["momentum_buffer"].numpy().copy()
        v_prev = v["dW1"]
        params, v = nn_.update_parameters_with_momentum(
            params, {"dW1": g[k - 1], "db1": np.zeros((4, 1))}, v, beta, 1.0
        )
        if k == 1:  # the cause: torch's first buffer is the gradient itself, undamped
            assert np.array_equal(buf, g[0])
            assert np.array_equal(v["dW1"], (1 - beta) * g[0])
        B_v = moving_average_bound(v_prev, B_v, g[k - 1], beta, v["dW1"])
        B_buf = moving_average_bound(buf_prev, B_buf, g[k - 1], beta, buf) if k > 1 else 0.0
        buf_prev = buf
        expected = beta**k * g[0]
        # two evaluations' bounds (tolerance doubles one), and β^k's own rounding (k roundings)
        tol = tolerance(np.float64, (B_v + B_buf) / 2 + k * np.abs(expected), expected)
        assert (np.abs((buf - v["dW1"]) - expected) <= tol).all(), k
        assert (np.abs(expected) > 1e6 * tol).any()  # a real difference, not rounding


def test_momentum_matches_undamped_sgd_with_lr_alpha_one_minus_beta_from_step_one():
    """dampening=0: buf_1 = g_1 and v_1 = (1 - β) g_1, so v = (1 - β) buf at every step, lr = α(1 - β)."""
    rng = np.random.default_rng(5)
    beta, alpha = 0.8, 0.3
    params = _params(rng)
    grads = _grads(rng, params)
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    sgd = torch.optim.SGD(list(tensors.values()), lr=alpha * (1 - beta), momentum=beta, dampening=0)
    for k, t in tensors.items():
        t.grad = torch.tensor(grads[f"d{k}"])
    sgd.step()
    new, v = nn_.update_parameters_with_momentum(params, grads, nn_.initialize_velocity(params), beta, alpha)
    for k, t in tensors.items():
        assert np.array_equal(sgd.state[t]["momentum_buffer"].numpy(), grads[f"d{k}"])
        np.testing.assert_array_equal(v[f"d{k}"], (1 - beta) * grads[f"d{k}"])
        # one rounding apart at most: α(1 - β)·g vs α·((1 - β)·g)
        assert (np.abs(t.detach().numpy() - new[k]) <= 4 * 2**-53 * (np.abs(new[k]) + np.abs(params[k]))).all()


def test_adam_denominator_is_the_courses_sqrt_of_s_hat_plus_epsilon():
    """torch's denom = sqrt(s)/sqrt(1 - β2^t) + ε is sqrt(ŝ) + ε: one step agrees within rounding in float64,
    while ε inside the root (the classic mistake) is off by far more."""
    rng = np.random.default_rng(7)
    params = _params(rng)
    grads = _grads(rng, params)
    v, s = nn_.initialize_adam(params)
    new, *_ = nn_.update_parameters_with_adam(params, grads, v, s, 1, 0.01, 0.9, 0.999, 1e-4)
    tensors = {k: torch.tensor(p, requires_grad=True) for k, p in params.items()}
    adam = torch.optim.Adam(list(tensors.values()), lr=0.01, betas=(0.9, 0.999), eps=1e-4)
    for k, t in tensors.items():
        t.grad = torch.tensor(grads[f"d{k}"])
    adam.step()
    for k, t in tensors.items():
        diff = np.abs(t.detach().numpy() - new[k])
        assert (diff <= 1e-14 * (np.abs(new[k]) + 0.01)).all()
        g = grads[f"d{k}"]
        inside = params[k] - 0.01 * g / np.sqrt(g**2 + 1e-4)  # ε inside the root
        assert (np.abs(inside - new[k]) > 1e6 * 1e-14 * (np.abs(new[k]) + 0.01)).any()


# ----------------------------------------------------------------------- the course's conventions
def test_random_mini_batches_replays_the_courses_seeded_permutation():
    X = np.arange(2 * 148, dtype=np.float64).reshape(2, 148)
    Y = (np.arange(148) % 2).reshape(1, 148).astype(np.float64)
    batches = nn_.random_mini_batches(X, Y, 64, seed=0)
    perm = np.random.RandomState(0).permutation(148)  # the course: np.random.seed(0); np.random.permutation(m)
    assert [b[0].shape[1] for b in batches] == [64, 64, 20]
    assert [b[0].shape[1] for b in nn_.random_mini_batches(X, Y, seed=0)] == [64, 64, 20]  # the course's default
    assert [b[0].shape[1] for b in nn_.random_mini_batches(X, Y, 1, seed=0)] == [1] * 148  # the smallest size
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches], axis=1), X[:, perm])
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches], axis=1), Y[:, perm])


def test_lr_decay_values():
    assert nn_.update_lr(0.5, 2, 1.0) == 0.5 / 3
    assert nn_.schedule_lr_decay(0.5, 999, 0.3) == 0.5
    assert nn_.schedule_lr_decay(0.5, 2000, 0.3, 1000) == 0.5 / 1.6
    assert nn_.schedule_lr_decay(0.5, 1000, 0.3) == 0.5 / 1.3  # the default interval, 1000: the first drop
    assert nn_.update_lr(0.5, 7, 0.0) == nn_.schedule_lr_decay(0.5, 7, 0.0, 2) == 0.5  # decay_rate 0: no decay


@pytest.mark.parametrize(("low_open", "high_open", "interval"),
                         [(True, True, "(0.0, 1.0)"), (True, False, "(0.0, 1.0]"), (False, True, "[0.0, 1.0)"),
                          (False, False, "[0.0, 1.0]")])  # fmt: skip
def test_the_interval_check_at_its_bounds(low_open, high_open, interval):
    """The one range check of every rate, β and ε: a closed end accepts its bound, an open end refuses it, and the
    message writes the interval as it was checked."""
    from scratch_nn.optimizers import _check_number

    for x, refused in ((-0.5, True), (0.0, low_open), (1.0, high_open), (1.5, True)):
        if refused:
            with pytest.raises(ValueError, match=rf"^p must lie in {re.escape(interval)}, got {x}$"):
                _check_number("p", x, 0.0, 1.0, low_open, high_open)
        else:
            assert _check_number("p", x, 0.0, 1.0, low_open, high_open) == x


def test_momentum_with_beta_zero_is_gradient_descent():
    """β = 0, the bottom of [0, 1): v = dW, and W := W - α dW."""
    rng = np.random.default_rng(19)
    params = _params(rng)
    grads = _grads(rng, params)
    new, v = nn_.update_parameters_with_momentum(params, grads, nn_.initialize_velocity(params), 0.0, 0.3)
    for k in params:
        np.testing.assert_array_equal(v[f"d{k}"], grads[f"d{k}"])
        np.testing.assert_array_equal(new[k], params[k] - 0.3 * grads[f"d{k}"])


def _torch_step(optimizer, params, grads, **hyper):
    """One step of ``torch.optim.<optimizer>`` from its zero state, float64."""
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    step = getattr(torch.optim, optimizer)(list(tensors.values()), **hyper)
    for k, t in tensors.items():
        t.grad = torch.tensor(grads[f"d{k}"])
    step.step()
    return {k: t.detach().numpy() for k, t in tensors.items()}


def test_rmsprop_and_adam_defaults_are_the_courses():
    """Called with the defaults, one step from s = 0 (and v = 0) is torch's with the course's values: RMSprop
    α = 0.01, β2 = 0.999, ε = 1e-8; Adam α = 0.01, β1 = 0.9, β2 = 0.999, ε = 1e-8."""
    rng = np.random.default_rng(17)
    params = _params(rng)
    grads = _grads(rng, params)
    rmsprop, _s = nn_.update_parameters_with_rmsprop(params, grads, nn_.initialize_rmsprop(params))
    adam, *_ = nn_.update_parameters_with_adam(params, grads, *nn_.initialize_adam(params), 1)
    expected = {"RMSprop": _torch_step("RMSprop", params, grads, lr=0.01, alpha=0.999, eps=1e-8),
                "Adam": _torch_step("Adam", params, grads, lr=0.01, betas=(0.9, 0.999), eps=1e-8)}  # fmt: skip
    for new, name in ((rmsprop, "RMSprop"), (adam, "Adam")):
        for k in params:
            np.testing.assert_allclose(new[k], expected[name][k], rtol=1e-13, atol=1e-15, err_msg=f"{name} {k}")


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
def test_dtype_preserved_and_inputs_untouched(np_dtype):
    dtype = np_dtype
    rng = np.random.default_rng(3)
    params, grads = _params(rng, dtype), _grads(rng, _params(rng, dtype), dtype)
    before = copy.deepcopy((params, grads))
    v = nn_.initialize_velocity(params)
    p1, v1 = nn_.update_parameters_with_momentum(params, grads, v, 0.9, 0.1)
    v0, s0 = nn_.initialize_adam(params)
    p2, *rest = nn_.update_parameters_with_adam(params, grads, v0, s0, 3)
    p3, s3 = nn_.update_parameters_with_rmsprop(params, grads, nn_.initialize_rmsprop(params))
    for d in (p1, v1, p2, *rest, p3, s3):
        assert all(a.dtype == dtype for a in d.values())
    X = rng.standard_normal((3, 9)).astype(dtype)
    assert all(bx.dtype == dtype for bx, _ in nn_.random_mini_batches(X, np.ones((1, 9), dtype), 4, seed=1))
    np.testing.assert_equal((params, grads), before)
    assert all(np.all(a == 0) for a in v.values())


# ----------------------------------------------------------------------- planted mistakes
def _momentum_without_one_minus_beta(parameters, grads, v, beta, learning_rate):
    new_v = {k: beta * v[k] + grads[k] for k in v}
    return {k: parameters[k] - learning_rate * new_v[f"d{k}"] for k in parameters}, new_v


def _adam_t_from_zero(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """The first call made with t = 0: 1 - β^0 = 0 (the loop increments t after the update)."""
    return _adam(parameters, grads, v, s, t - 1, learning_rate, beta1, beta2, epsilon)


def _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, inside=False, square=True):
    new_v = {k: beta1 * v[k] + (1 - beta1) * grads[k] for k in v}
    new_s = {k: beta2 * s[k] + (1 - beta2) * (grads[k] ** 2 if square else grads[k]) for k in s}
    v_hat = {k: new_v[k] / (1 - beta1**t) for k in v}
    s_hat = {k: new_s[k] / (1 - beta2**t) for k in s}
    denom = {k: np.sqrt(s_hat[k] + epsilon) if inside else np.sqrt(s_hat[k]) + epsilon for k in s}
    new = {k: parameters[k] - learning_rate * v_hat[f"d{k}"] / denom[f"d{k}"] for k in parameters}
    return new, new_v, new_s, v_hat, s_hat


def _adam_eps_inside(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, inside=True)


def _adam_s_with_dw(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, square=False)


def _rmsprop_s_with_dw(parameters, grads, s, beta2=0.999, learning_rate=0.01, epsilon=1e-8):
    new_s = {k: beta2 * s[k] + (1 - beta2) * grads[k] for k in s}
    return {k: parameters[k] - learning_rate * grads[f"d{k}"] / (np.sqrt(new_s[f"d{k}"]) + epsilon)
            for k in parameters}, new_s  # fmt: skip


def _batches(X, Y, size, perm, drop_last=False, duplicate_last=False, shuffle_y=True):
    sx, sy = X[:, perm], (Y[:, perm] if shuffle_y else Y)
    m, out = X.shape[1], []
    for start in range(0, m, size):
        if drop_last and start + size > m:
            break
        out.append((sx[:, start : start + size], sy[:, start : start + size]))
    if duplicate_last and m % size:
        out.append(out[-1])
    return out


def _minibatch_mutant(**how):
    def random_mini_batches(X, Y, mini_batch_size=64, seed=None, *, rng=None):
        source = np.random.RandomState(seed) if seed is not None else rng
        return _batches(X, Y, mini_batch_size, source.permutation(X.shape[1]), **how)

    return random_mini_batches


#: (catalogue ID, what is wrong, overrides): each must fail its entry
MUTANTS = [
    (
        "OPT-MOMENTUM",
        "v = β v + dW (the (1 - β) forgotten)",
        {"update_parameters_with_momentum": _momentum_without_one_minus_beta},
    ),
    ("OPT-ADAM", "bias correction with t starting at 0", {"update_parameters_with_adam": _adam_t_from_zero}),
    ("OPT-ADAM", "ε inside the square root", {"update_parameters_with_adam": _adam_eps_inside}),
    ("OPT-ADAM", "s updated with dW instead of dW²", {"update_parameters_with_adam": _adam_s_with_dw}),
    ("OPT-RMSPROP", "s updated with dW instead of dW²", {"update_parameters_with_rmsprop": _rmsprop_s_with_dw}),
    (
        "OPT-MINIBATCH",
        "the smaller last mini-batch dropped",
        {"random_mini_batches": _minibatch_mutant(drop_last=True)},
    ),
    (
        "OPT-MINIBATCH",
        "the last mini-batch duplicated",
        {"random_mini_batches": _minibatch_mutant(duplicate_last=True)},
    ),
    (
        "OPT-MINIBATCH",
        "the permutation applied to X but not Y",
        {"random_mini_batches": _minibatch_mutant(shuffle_y=False)},
    ),
    (
        "OPT-LR-DECAY",
        "the scheduled form without floor",
        {"schedule_lr_decay": lambda a0, e, d, T=1000: a0 / (1 + d * e / T)},
    ),
    ("OPT-LR-DECAY", "decay by epoch + 1", {"update_lr": lambda a0, e, d: a0 / (1 + d * (e + 1))}),
]


# ----------------------------------------------------------------------- train_with_optimizer and its trajectories
def _trajectory_entry(name):
    from torch_reference.registry import entries

    return next(e for e in entries() if f"train_with_optimizer({name!r}" in e.variant)


def _trajectory_case(name, dtype=np.float64, seed=0):
    from torch_reference.registry import case_rng

    entry = _trajectory_entry(name)
    return entry.draw(case_rng(entry, seed, entry.shapes[0]), entry.shapes[0], dtype)


def _batch_cost(theta_flat, like, Xb, Yb, acts):
    """J of one batch as a function of the flattened parameters (float64 torch, for autograd)."""
    from torch_reference.activations import torch_activation
    from torch_reference.layout import to_rows
    from torch_reference.losses import torch_output_loss

    A, start = to_rows(Xb, "cpu", torch.float64), 0
    for l in range(1, len(acts) + 1):
        W_shape, n = like[f"W{l}"].shape, like[f"W{l}"].shape[0]
        W = theta_flat[start : start + W_shape[0] * W_shape[1]].reshape(W_shape)
        b = theta_flat[start + W.numel() : start + W.numel() + n]
        start += W.numel() + n
        Z = A @ W.T + b
        A = torch_activation(acts[l - 1])(Z)
    return torch_output_loss(acts[-1])(Z, to_rows(Yb, "cpu", torch.float64))


@pytest.mark.parametrize("name", ["gd", "momentum", "rmsprop", "adam"])
def test_update_jacobian_is_the_derivative_of_one_update(name):
    """The trajectory bound rests on J_k: the analytic blocks (κ summed before |·|) equal autograd's Jacobian of
    one whole update x -> x' (the batch gradient recomputed from θ), at step t = 3 from a non-zero state."""
    from torch_reference.optimizers import _param_keys, epoch_batches, update_jacobian, update_step
    from torch_reference.trajectories import hessian

    case = _trajectory_case(name)
    keys, acts, alpha = _param_keys(case["parameters"]), case["activations"], case["learning_rate"]
    Xb, Yb = epoch_batches(case["X"], case["Y"], case["mini_batch_size"], case["seed"])[0]
    theta = np.concatenate([case["parameters"][k].ravel() for k in keys])
    N, rng = theta.size, np.random.default_rng(3)
    v, s = 0.05 * rng.standard_normal(N), 0.01 * rng.uniform(0.5, 2.0, N)
    parts = {"gd": ("θ",), "momentum": ("θ", "v"), "rmsprop": ("θ", "s"), "adam": ("θ", "v", "s")}[name]

    def grad(th):
        return torch.autograd.grad(_batch_cost(th, case["parameters"], Xb, Yb, acts), th, create_graph=True)[0]

    def update(x):
        state = dict(zip(parts, x.split(N), strict=True))
        th, g = state["θ"], grad(state["θ"])
        v_, s_ = state.get("v", torch.tensor(v)), state.get("s", torch.tensor(s))
        out = {"θ": None, "v": v_, "s": s_}
        if name == "gd":
            out["θ"] = th - alpha * g
        elif name == "momentum":
            out["v"] = 0.9 * v_ + 0.1 * g
            out["θ"] = th - alpha * out["v"]
        else:
            b2 = 0.999 if name == "adam" else 0.9
            c1, c2 = (1 - 0.9**3, 1 - b2**3) if name == "adam" else (1.0, 1.0)
            out["v"] = 0.9 * v_ + 0.1 * g if name == "adam" else g
            out["s"] = b2 * s_ + (1 - b2) * g**2
            out["θ"] = th - alpha * (out["v"] / c1) / (torch.sqrt(out["s"] / c2) + 1e-4)
        return torch.cat([out[p] for p in parts])

    x0 = torch.tensor(np.concatenate([{"θ": theta, "v": v, "s": s}[p] for p in parts]))
    J_auto = torch.autograd.functional.jacobian(update, x0).numpy()
    g = grad(torch.tensor(theta, requires_grad=True)).detach().numpy()
    params = dict(zip(keys, np.split(theta, np.cumsum([case["parameters"][k].size for k in keys])[:-1]),
                      strict=True))  # fmt: skip
    params = {k: params[k].reshape(case["parameters"][k].shape) for k in keys}
    J = update_jacobian(name, hessian(params, Xb, Yb, acts), g, update_step(name, g, v, s, 3, alpha), alpha)
    # two float64 routes to the same derivatives: a few hundred roundings of terms of size <= max|J|
    np.testing.assert_allclose(J, J_auto, rtol=0, atol=1e-12 * np.abs(J_auto).max())
    assert np.abs(J_auto - np.eye(len(x0))).max() > 1e-3  # not the identity: the check can see H


@pytest.mark.parametrize("name", ["gd", "momentum", "rmsprop", "adam"])
def test_trajectory_bound_is_useful_in_both_dtypes(name):
    """u·E stays far below the parameters, every kinked Z stays further from 0 than its bounded deviation (so
    both runs take the same branches: first order holds), and a float32 run is NOT within float64's bound: the
    rows can tell the two precisions apart."""
    from torch_reference.compare import compare
    from torch_reference.optimizers import KINK_SLACK
    from torch_reference.tolerance import unit_roundoff

    for dtype, limit in ((np.float32, 1e-3), (np.float64, 1e-11)):
        case = _trajectory_case(name, dtype)
        traj = case["trajectory"]
        assert traj.kink_slack > KINK_SLACK
        for k, E in traj.final_bounds.items():
            assert (unit_roundoff(dtype) * E <= limit * (np.abs(traj.final[k]) + 1)).all(), (dtype, k)
    case32 = _trajectory_case(name, np.float32)
    params, _costs = nn_.train_with_optimizer(case32["X"], case32["Y"], case32["parameters"], name, 8, 2,
                                              case32["learning_rate"], beta2=0.999 if name == "adam" else 0.9,
                                              epsilon=1e-4, seed=case32["seed"],
                                              activations=case32["activations"])  # fmt: skip
    traj = case32["trajectory"]
    as64 = [compare(k, params[k].astype(np.float64), traj.final[k], traj.final_bounds[k], np.float64) for k in params]
    assert not all(c.passed for c in as64)


def _course_loop(X, Y, parameters, optimizer="gd", mini_batch_size=64, num_epochs=1, learning_rate=0.0007, *,
                 beta=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8, seed=0, activations=None, reset_t=False,
                 reset_state=False, same_seed=False, drop_last=False, mean_of_batches=False,
                 momentum=None, **kw):  # fmt: skip
    """The course's model(..., optimizer) loop written out with scratch_nn's steps, and the planted loop
    mistakes as flags (none set: it must pass like train_with_optimizer)."""
    params, t, costs, m = dict(parameters), 0, [], X.shape[1]
    momentum = momentum or nn_.update_parameters_with_momentum
    for epoch in range(num_epochs):
        if epoch == 0 or reset_state:
            v, s = nn_.initialize_velocity(params), nn_.initialize_rmsprop(params)
            va, sa = nn_.initialize_adam(params)
        t = 0 if reset_t else t
        batches = nn_.random_mini_batches(X, Y, mini_batch_size, seed + (0 if same_seed else epoch))
        if drop_last and m % mini_batch_size:
            batches = batches[:-1]
        total, batch_costs = 0.0, []
        for bx, by in batches:
            AL, caches = nn_.model_forward(bx, params, activations=activations)
            batch_costs.append(nn_.model_cost(AL, by, activations[-1]))
            total += bx.shape[1] * batch_costs[-1]
            grads = nn_.model_backward(AL, by, caches, activations=activations)
            if optimizer == "gd":
                params = nn_.update_parameters(params, grads, learning_rate)
            elif optimizer == "momentum":
                params, v = momentum(params, grads, v, beta, learning_rate)
            elif optimizer == "rmsprop":
                params, s = nn_.update_parameters_with_rmsprop(params, grads, s, beta2, learning_rate, epsilon)
            else:
                t += 1
                params, va, sa, _, _ = nn_.update_parameters_with_adam(params, grads, va, sa, t, learning_rate, beta1,
                                                                       beta2, epsilon)  # fmt: skip
        costs.append(float(np.mean(batch_costs)) if mean_of_batches else total / m)
    return params, costs


def _loop(**how):
    return {"train_with_optimizer": lambda *a, **k: _course_loop(*a, **k, **how)}


#: the trajectory row of train_with_optimizer must FAIL, and pass the course loop without the mistake
LOOP = {"variant": "whole trajectory", "fail_only": True, "control": _loop()}
LOOP_MUTANTS = [
    ("OPT-ADAM", "the loop resets t to 0 at every epoch", _loop(reset_t=True), LOOP),
    ("OPT-MOMENTUM", "the loop resets v to 0 at every epoch", _loop(reset_state=True), LOOP),
    ("OPT-RMSPROP", "the loop resets s to 0 at every epoch", _loop(reset_state=True), LOOP),
    ("OPT-ADAM", "the loop resets v, s to 0 at every epoch", _loop(reset_state=True), LOOP),
    ("OPT-MINIBATCH", "the same mini-batches every epoch (seed not advanced)", _loop(same_seed=True), LOOP),
    ("OPT-MINIBATCH", "the smaller last mini-batch dropped in the loop", _loop(drop_last=True), LOOP),
    ("OPT-MINIBATCH", "the epoch cost as the plain mean of the batch costs", _loop(mean_of_batches=True), LOOP),
    ("OPT-MOMENTUM", "momentum without (1 - β) in the loop", _loop(momentum=_momentum_without_one_minus_beta), LOOP),
]

test_planted_bug_is_caught = planted_bugs_test(MUTANTS + LOOP_MUTANTS)


def test_train_with_rmsprop_is_the_course_loop_bit_for_bit():
    case = _trajectory_case("rmsprop")
    args = (case["X"], case["Y"], case["parameters"], "rmsprop", 8, 2, 0.01)
    kw = {"beta2": 0.9, "epsilon": 1e-4, "seed": case["seed"], "activations": case["activations"]}
    params, costs = nn_.train_with_optimizer(*args, **kw)
    expected, expected_costs = _course_loop(*args, **kw)
    assert costs == expected_costs and all(np.array_equal(params[k], expected[k]) for k in params)


def test_train_with_optimizer_for_zero_epochs_returns_copies():
    """No epoch: no cost, and the parameters come back as copies (bad input is rejected all the same)."""
    rng = np.random.default_rng(0)
    params = _params(rng)
    X, Y = rng.standard_normal((4, 6)), np.ones((1, 6))
    same, costs = nn_.train_with_optimizer(X, Y, params, "adam", 4, num_epochs=0)
    assert costs == [] and all(np.array_equal(same[k], params[k]) and same[k] is not params[k] for k in params)


def _training_data(m):
    rng = np.random.default_rng(m)
    return rng.standard_normal((4, m)), (rng.random((1, m)) < 0.5).astype(np.float64), _params(rng)


def test_train_with_optimizer_defaults_are_the_courses():
    """No arguments but the data: the course's gd, mini-batches of 64 (m = 70: a smaller last one), one epoch,
    α = 0.0007, seed 0, ReLU then sigmoid, as the course's loop written out with each value given."""
    X, Y, params = _training_data(70)
    new, costs = nn_.train_with_optimizer(X, Y, params)
    expected, expected_costs = _course_loop(X, Y, params, "gd", 64, 1, 0.0007, seed=0, activations=["relu", "sigmoid"])
    assert costs == expected_costs and all(np.array_equal(new[k], expected[k]) for k in params)


def test_train_with_optimizer_on_mini_batches_of_one_example():
    """mini_batch_size = 1, the smallest allowed: m updates per epoch (stochastic gradient descent)."""
    X, Y, params = _training_data(5)
    args = (X, Y, params, "momentum", 1, 2, 0.05)
    new, costs = nn_.train_with_optimizer(*args, seed=3)
    expected, expected_costs = _course_loop(*args, seed=3, activations=["relu", "sigmoid"])
    assert costs == expected_costs and all(np.array_equal(new[k], expected[k]) for k in params)
