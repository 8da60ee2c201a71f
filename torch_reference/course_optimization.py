"""The course's optimization assignment ("Optimization methods"), recognized and checked.

==========================  ===================================================================
role key                    the course's function
==========================  ===================================================================
``opt.gd``                  ``update_parameters_with_gd(parameters, grads, learning_rate)``
``opt.random_mini_batches`` ``random_mini_batches(X, Y, mini_batch_size=64, seed=0)``
``opt.initialize_velocity`` ``initialize_velocity(parameters)``
``opt.momentum``            ``update_parameters_with_momentum(parameters, grads, v, beta, learning_rate)``
``opt.initialize_adam``     ``initialize_adam(parameters)``
``opt.adam``                ``update_parameters_with_adam(parameters, grads, v, s, t, learning_rate,
                            beta1, beta2, epsilon)``, returning ``(parameters, v, s)`` (2017) or
                            ``(parameters, v, s, v_corrected, s_corrected)`` (2021)
``opt.update_lr``           ``update_lr(learning_rate0, epoch_num, decay_rate)``
``opt.schedule_lr_decay``   ``schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval)``
``bn.forward``              ``batchnorm_forward(Z, gamma, beta, epsilon) -> Z_tilde, cache``
``bn.backward``             ``batchnorm_backward(dZ_tilde, cache) -> dZ, dgamma, dbeta``
==========================  ===================================================================

Batch norm is taught in the course's lectures (the same notation: ``Z`` (n[l], m), statistics per unit
over the m columns, ``Z̃ = γ Z_norm + β``) but has no graded NumPy function there; the two ``bn.*`` roles
take the names and argument order of the lecture's equations (and of :mod:`scratch_nn.batchnorm`), with
the student's own cache: the forward row compares ``Z_tilde``, the backward row runs the student's
forward then backward (``dZ_tilde`` in the notes' scale, m times ∂J/∂Z̃; ``dgamma``, ``dbeta`` gradients
of J) and compares ``dZ``, ``dgamma``, ``dbeta``. Oracles: :mod:`torch_reference.batchnorm`'s
(``nn.BatchNorm1d`` in training mode).

The oracles and their derived bounds are those of :mod:`torch_reference.optimizers` (torch.optim,
every step; the DataLoader over the replayed permutation; LambdaLR); only the calls differ. The
update rows start from the checker's own zero state, so a wrong ``initialize_*`` shows in its own
row and not in every update row. ``random_mini_batches`` calls ``np.random.seed(seed)`` itself: the
oracle replays ``RandomState(seed).permutation(m)`` and NumPy's global state is put back after the
call. A failed row names the mistake when the student's numbers are, exactly, those of a known
mistaken formula recomputed from the case (``explain=``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from . import cases
from .batchnorm import BN_EPS, BN_SHAPES, _backward_oracle, _forward_oracle, draw_bn
from .course import CHECKER_SEED, _entry, _floats, _role, legacy_seed, role_function
from .model import _update_oracle, draw_update
from .optimizers import (
    ADAM_BETA1,
    ADAM_BETA2,
    ADAM_LR,
    EPSILON,
    LR_SHAPES,
    MOMENTUM_BETA,
    MOMENTUM_LR,
    OPT_SHAPES,
    _adam_oracle,
    _batches_output,
    _lr_entry,
    _minibatch_entry,
    _momentum_oracle,
    _name,
    _param_keys,
    draw_schedule,
    draw_sequence,
)
from .registry import Case, Reference

_role("opt.gd", "update_parameters_with_gd", 3, "update_parameters_with_gd(parameters, grads, learning_rate)")
_role(
    "opt.random_mini_batches",
    "random_mini_batches",
    4,
    "random_mini_batches(X, Y, mini_batch_size, seed) -> mini_batches",
)
_role("opt.initialize_velocity", "initialize_velocity", 1, "initialize_velocity(parameters) -> v")
_role(
    "opt.momentum",
    "update_parameters_with_momentum",
    5,
    "update_parameters_with_momentum(parameters, grads, v, beta, learning_rate)",
)
_role("opt.initialize_adam", "initialize_adam", 1, "initialize_adam(parameters) -> v, s")
_role(
    "opt.adam",
    "update_parameters_with_adam",
    9,
    "update_parameters_with_adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)",
)
_role("opt.update_lr", "update_lr", 3, "update_lr(learning_rate0, epoch_num, decay_rate)")
_role(
    "opt.schedule_lr_decay",
    "schedule_lr_decay",
    4,
    "schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval)",
)
_role("bn.forward", "batchnorm_forward", 4, "batchnorm_forward(Z, gamma, beta, epsilon) -> Z_tilde, cache")
_role("bn.backward", "batchnorm_backward", 2, "batchnorm_backward(dZ_tilde, cache) -> dZ, dgamma, dbeta")

#: the student's arithmetic may produce inf/NaN (a mistaken formula): compared, not raised
_QUIET = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}


def _same(actual: dict[str, Any], predicted: dict[str, np.ndarray]) -> bool:
    """Every predicted value is in ``actual``, of its shape, equal up to the order of roundings."""
    for name, value in predicted.items():
        a = actual.get(name)
        if not isinstance(a, np.ndarray) or a.shape != value.shape:
            return False
        if not np.allclose(a, value, rtol=1e-9, atol=1e-12, equal_nan=True):
            return False
    return bool(predicted)


def _zeros(case: Case) -> dict[str, np.ndarray]:
    return {f"d{k}": np.zeros_like(v) for k, v in case["parameters"].items()}


def _copies(d: dict[str, Any]) -> dict[str, Any]:
    return {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in d.items()}


# ---- update_parameters_with_gd ----------------------------------------------------------------
_entry(
    "GD-UPDATE",
    "opt.gd",
    "W[l] := W[l] - α dW[l]; b[l] := b[l] - α db[l] (l = 1..L)",
    draw=draw_update,
    run=lambda impl, c: dict(role_function(impl, "opt.gd")(c["parameters"], c["grads"], c["learning_rate"])),
    oracle=_update_oracle,
    shapes=[(2, 4, 1), (3, 5, 4, 2), (4, 3)],
)


# ---- the zero state ------------------------------------------------------------------------------
def _zero_state_oracle(prefixes: tuple[str, ...]) -> Callable[[Case, str, torch.dtype], dict[str, Reference]]:
    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        return {f"{p}{k}": Reference(np.zeros(v.shape), 0.0) for p in prefixes for k, v in _zeros(case).items()}

    return oracle


def _draw_parameters(rng: np.random.Generator, dims: tuple, dtype: type) -> Case:
    return {"parameters": cases.layer_parameters(rng, list(dims), dtype)}


def _initialize_velocity(impl: Any, case: Case) -> dict[str, Any]:
    v = role_function(impl, "opt.initialize_velocity")(case["parameters"])
    return {f"v {k}": v[k] for k in _zeros(case) if k in v}


def _initialize_adam(impl: Any, case: Case) -> dict[str, Any]:
    v, s = role_function(impl, "opt.initialize_adam")(case["parameters"])
    return {**{f"v {k}": v[k] for k in _zeros(case) if k in v}, **{f"s {k}": s[k] for k in _zeros(case) if k in s}}


_entry(
    "OPT-MOMENTUM",
    "opt.initialize_velocity",
    "v_dW[l] = 0, v_db[l] = 0 of W[l]'s and b[l]'s shapes",
    draw=_draw_parameters,
    run=_initialize_velocity,
    oracle=_zero_state_oracle(("v ",)),
    shapes=[(4, 3, 2, 1), (3, 5)],
)
_entry(
    "OPT-ADAM",
    "opt.initialize_adam",
    "v = 0, s = 0 (dW[l], db[l] of the parameters' shapes)",
    draw=_draw_parameters,
    run=_initialize_adam,
    oracle=_zero_state_oracle(("v ", "s ")),
    shapes=[(4, 3, 2, 1), (3, 5)],
)


# ---- update_parameters_with_momentum ---------------------------------------------------------------
def _momentum(impl: Any, case: Case) -> dict[str, Any]:
    func = role_function(impl, "opt.momentum")
    params, v = dict(case["parameters"]), _zeros(case)
    keys = _param_keys(case["parameters"])
    out: dict[str, Any] = {}
    for step, grads in enumerate(case["grads"], start=1):
        with np.errstate(**_QUIET):
            params, v = func(params, grads, v, MOMENTUM_BETA, MOMENTUM_LR)
        out.update({_name("", k, step): np.array(params[k]) for k in keys if k in params})
        out.update({_name("v ", f"d{k}", step): np.array(v[f"d{k}"]) for k in keys if f"d{k}" in v})
    return out


def momentum_variant(case: Case, damped: bool = True, swapped: bool = False) -> dict[str, np.ndarray]:
    """The course's momentum from v = 0 in float64, or a mistaken form of it: ``damped=False`` is
    ``v = β v + dW`` (no 1 - β), ``swapped`` is ``v = (1 - β) v + β dW``."""
    beta, alpha = MOMENTUM_BETA, MOMENTUM_LR
    keys = _param_keys(case["parameters"])
    P = {k: np.asarray(case["parameters"][k], np.float64) for k in keys}
    v = {k: np.zeros_like(P[k]) for k in keys}
    out = {}
    for step, grads in enumerate(case["grads"], start=1):
        for k in keys:
            g = np.asarray(grads[f"d{k}"], np.float64)
            if swapped:
                v[k] = (1 - beta) * v[k] + beta * g
            else:
                v[k] = beta * v[k] + ((1 - beta) * g if damped else g)
            P[k] = P[k] - alpha * v[k]
            out[_name("", k, step)], out[_name("v ", f"d{k}", step)] = P[k], v[k]
    return out


def _explain_momentum(case: Case, actual: dict[str, Any]) -> str:
    if _same(actual, momentum_variant(case, damped=False)):
        return "v = β v + dW: the (1 - β) factor on dW is missing (the course's v = β v + (1 - β) dW)"
    if _same(actual, momentum_variant(case, swapped=True)):
        return "v = (1 - β) v + β dW: β and 1 - β swapped (the course's v = β v + (1 - β) dW)"
    return ""


_entry(
    "OPT-MOMENTUM",
    "opt.momentum",
    "v_dW = β v_dW + (1 - β) dW; W -= α v_dW (same for b), from v = 0",
    draw=draw_sequence,
    run=_momentum,
    oracle=_momentum_oracle,
    shapes=OPT_SHAPES,
    explain=_explain_momentum,
)


# ---- update_parameters_with_adam ------------------------------------------------------------------
def _adam(impl: Any, case: Case) -> dict[str, Any]:
    func = role_function(impl, "opt.adam")
    params, v, s = dict(case["parameters"]), _zeros(case), _zeros(case)
    keys = _param_keys(case["parameters"])
    out: dict[str, Any] = {}
    for t, grads in enumerate(case["grads"], start=1):
        with np.errstate(**_QUIET):
            returned = func(params, grads, v, s, t, ADAM_LR, ADAM_BETA1, ADAM_BETA2, EPSILON)
        if not isinstance(returned, tuple) or len(returned) not in (3, 5):
            raise TypeError("update_parameters_with_adam returns (parameters, v, s) or (parameters, v, s, "
                            f"v_corrected, s_corrected), not {type(returned).__name__}")  # fmt: skip
        params, v, s = returned[:3]  # the 2021 form adds v_corrected, s_corrected
        for k in keys:
            for prefix, d, name in (("", params, k), ("v ", v, f"d{k}"), ("s ", s, f"d{k}")):
                if name in d:
                    out[_name(prefix, name, t)] = np.array(d[name])
    return out


def adam_variant(
    case: Case, t_shift: int = 0, eps_inside: bool = False, linear_s: bool = False
) -> dict[str, np.ndarray]:
    """Adam from v = s = 0 in float64, as the course writes it, or with one mistake: the bias
    correction's exponent ``t + t_shift``, ``sqrt(ŝ + ε)``, or ``s`` averaging dW instead of dW²."""
    alpha, beta1, beta2 = ADAM_LR, ADAM_BETA1, ADAM_BETA2
    keys = _param_keys(case["parameters"])
    P = {k: np.asarray(case["parameters"][k], np.float64) for k in keys}
    v = {k: np.zeros_like(P[k]) for k in keys}
    s = {k: np.zeros_like(P[k]) for k in keys}
    out = {}
    with np.errstate(**_QUIET):
        for t, grads in enumerate(case["grads"], start=1):
            for k in keys:
                g = np.asarray(grads[f"d{k}"], np.float64)
                v[k] = beta1 * v[k] + (1 - beta1) * g
                s[k] = beta2 * s[k] + (1 - beta2) * (g if linear_s else g**2)
                v_hat = v[k] / (1 - beta1 ** (t + t_shift))
                s_hat = s[k] / (1 - beta2 ** (t + t_shift))
                denom = np.sqrt(s_hat + EPSILON) if eps_inside else np.sqrt(s_hat) + EPSILON
                P[k] = P[k] - alpha * v_hat / denom
                out[_name("", k, t)], out[_name("v ", f"d{k}", t)], out[_name("s ", f"d{k}", t)] = P[k], v[k], s[k]
    return out


_ADAM_MISTAKES = [
    (
        {"t_shift": 1},
        "bias correction with t counted from 0: it divides by 1 - β^(t+1), but the course's t is 1 at the "
        "first update (v̂ = v / (1 - β1^t), ŝ = s / (1 - β2^t))",
    ),
    (
        {"t_shift": -1},
        "bias correction with t counted from 0: 1 - β^(t-1) is 1 - β^0 = 0 at the first update (the course's "
        "t is 1 there)",
    ),
    ({"eps_inside": True}, "ε inside the square root: sqrt(ŝ + ε); the course's step is α v̂ / (sqrt(ŝ) + ε)"),
    ({"linear_s": True}, "s is updated with dW instead of dW²: s = β2 s + (1 - β2) dW² (element-wise square)"),
]


def _explain_adam(case: Case, actual: dict[str, Any]) -> str:
    for kwargs, cause in _ADAM_MISTAKES:
        if _same(actual, adam_variant(case, **kwargs)):
            return cause
    return ""


_entry(
    "OPT-ADAM",
    "opt.adam",
    "v, s as above; v^ = v/(1 - β1^t), s^ = s/(1 - β2^t); W -= α v^ / (sqrt(s^) + ε), t = 1 first",
    draw=draw_sequence,
    run=_adam,
    oracle=_adam_oracle,
    shapes=OPT_SHAPES,
    explain=_explain_adam,
)


# ---- learning-rate decay ------------------------------------------------------------------------------
def _lr_run(scheduled: bool) -> Callable[[Any, Case], dict[str, Any]]:
    def run(impl: Any, case: Case) -> dict[str, Any]:
        a0, d, T = case["learning_rate0"], case["decay_rate"], case["time_interval"]
        if scheduled:
            func = role_function(impl, "opt.schedule_lr_decay")
            return {f"lr (epoch {e})": _floats(np.asarray(func(a0, e, d, T))) for e in range(case["epochs"])}
        func = role_function(impl, "opt.update_lr")
        return {f"lr (epoch {e})": _floats(np.asarray(func(a0, e, d))) for e in range(case["epochs"])}

    return run


def _explain_lr(scheduled: bool) -> Callable[[Case, dict[str, Any]], str]:
    def explain(case: Case, actual: dict[str, Any]) -> str:
        a0, d, T, E = case["learning_rate0"], case["decay_rate"], case["time_interval"], case["epochs"]
        candidates = {
            "α0 / (1 + decay_rate · epoch / time_interval) without the floor: the rate must stay constant for "
            "time_interval epochs": [a0 / (1 + d * e / T) for e in range(E)],
            "α0 · decay_rate^epoch (exponential decay), not α0 / (1 + decay_rate · epoch)": [
                a0 * d**e for e in range(E)
            ],
        }
        if scheduled:
            candidates["the floor(epoch / time_interval) is missing: α0 / (1 + decay_rate · epoch)"] = [
                a0 / (1 + d * e) for e in range(E)
            ]
        for cause, rates in candidates.items():
            predicted = {f"lr (epoch {e})": np.asarray(r) for e, r in enumerate(rates)}
            got = {k: np.asarray(v, np.float64) for k, v in actual.items() if isinstance(v, (float, np.floating))}
            if _same(got, predicted):
                return cause
        return ""

    return explain


for _scheduled, _key in ((False, "opt.update_lr"), (True, "opt.schedule_lr_decay")):
    _entry(
        "OPT-LR-DECAY",
        _key,
        "α = α0 / (1 + decay_rate · floor(epoch / time_interval))" if _scheduled
        else "α = α0 / (1 + decay_rate · epoch)",
        draw=draw_schedule,
        run=_lr_run(_scheduled),
        oracle=_lr_entry(_scheduled).oracle,
        shapes=LR_SHAPES,
        explain=_explain_lr(_scheduled),
    )  # fmt: skip


# ---- random_mini_batches ------------------------------------------------------------------------------
#: (n[0], n[L], m, mini_batch_size): the course's Y is one row; a smaller last batch, an exact multiple
COURSE_MINIBATCH_SHAPES = [(3, 1, 10, 4), (2, 1, 12, 4), (4, 1, 7, 64), (2, 1, 148, 64)]
_MINIBATCH = _minibatch_entry("seed")  # its draw and its oracle (DataLoader over the replayed permutation)


def _mini_batches(impl: Any, case: Case) -> dict[str, Any]:
    func = role_function(impl, "opt.random_mini_batches")
    with legacy_seed(CHECKER_SEED):  # it seeds NumPy's global stream itself: put the state back
        batches = func(case["X"], case["Y"], case["mini_batch_size"], case["seed"])
    return _batches_output([(np.asarray(bx), np.asarray(by)) for bx, by in batches])


def _cut(X: np.ndarray, Y: np.ndarray, size: int, last: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    m = X.shape[1]
    stop = m if last else (m // size) * size
    return [(X[:, i : min(i + size, stop)], Y[:, i : min(i + size, stop)]) for i in range(0, stop, size)]


def _explain_mini_batches(case: Case, actual: dict[str, Any]) -> str:
    X, Y, size = case["X"], case["Y"], case["mini_batch_size"]
    m = X.shape[1]
    perm = np.random.RandomState(case["seed"]).permutation(m)
    X_p, Y_p = X[:, perm], Y[:, perm]
    r = m % size
    if _same(actual, _batches_output(_cut(X_p, Y, size, last=True))):
        return "the permutation is applied to X but not to Y: the labels no longer belong to their examples"
    if r and _same(actual, _batches_output(_cut(X_p, Y_p, size, last=False))):
        return (f"the last mini-batch (the m mod mini_batch_size = {r} remaining examples) is dropped: "
                "every example must be used once per epoch")  # fmt: skip
    batches = _cut(X_p, Y_p, size, last=True)
    if r and _same(actual, _batches_output([*batches, batches[-1]])):
        return "the last mini-batch is added twice: its examples count double in the epoch"
    if not r and m > size and _same(actual, _batches_output([*batches, (X_p[:, m:], Y_p[:, m:])])):
        return "an empty last mini-batch is added when mini_batch_size divides m"
    if _same(actual, _batches_output(_cut(X, Y, size, last=True))):
        return "the columns are not shuffled: np.random.permutation(m) is drawn but not applied"
    return ""


_entry(
    "OPT-MINIBATCH",
    "opt.random_mini_batches",
    "np.random.seed(seed); one permutation of the columns of X and Y; batches of size 64, the last smaller",
    draw=_MINIBATCH.draw,
    run=_mini_batches,
    oracle=_MINIBATCH.oracle,
    shapes=COURSE_MINIBATCH_SHAPES,
    explain=_explain_mini_batches,
)


# ---- batch norm: batchnorm_forward, batchnorm_backward ------------------------------------------------------------
def _bn_forward(impl: Any, case: Case) -> dict[str, Any]:
    returned = role_function(impl, "bn.forward")(case["Z"], case["gamma"], case["beta"], BN_EPS)
    if not isinstance(returned, tuple) or len(returned) != 2:
        raise TypeError(f"batchnorm_forward returns (Z_tilde, cache), not {type(returned).__name__}")
    return {"Z_tilde": np.asarray(returned[0])}


def _bn_backward(impl: Any, case: Case) -> dict[str, Any]:
    _Z_tilde, cache = role_function(impl, "bn.forward")(case["Z"], case["gamma"], case["beta"], BN_EPS)
    returned = role_function(impl, "bn.backward")(case["dZ_tilde"], cache)
    if not isinstance(returned, tuple) or len(returned) != 3:
        raise TypeError(f"batchnorm_backward returns (dZ, dgamma, dbeta), not {type(returned).__name__}")
    return {name: np.asarray(x) for name, x in zip(("dZ", "dgamma", "dbeta"), returned, strict=True)}


def bn_forward_variant(case: Case, axis: int = 1, ddof: int = 0, eps_outside: bool = False) -> dict[str, np.ndarray]:
    """BN-FWD in float64 as the lecture writes it (statistics over the m columns, ``axis=1``, biased), or with
    one mistake: the statistics over the units (``axis=0``), the unbiased variance (``ddof=1``), or
    ``(Z - μ) / (sqrt(σ²) + ε)``."""
    Z, gamma, beta = (np.asarray(case[k], np.float64) for k in ("Z", "gamma", "beta"))
    mu = Z.mean(axis=axis, keepdims=True)
    var = Z.var(axis=axis, ddof=ddof, keepdims=True)
    with np.errstate(**_QUIET):
        Z_norm = (Z - mu) / (np.sqrt(var) + BN_EPS if eps_outside else np.sqrt(var + BN_EPS))
    return {"Z_tilde": gamma * Z_norm + beta}


def _explain_bn_forward(case: Case, actual: dict[str, Any]) -> str:
    if _same(actual, bn_forward_variant(case, axis=0)):
        return ("normalized over the wrong axis: μ and σ² are taken per example, over the units (axis=0); batch "
                "norm takes them per unit, over the m examples of the mini-batch (axis=1)")  # fmt: skip
    if _same(actual, bn_forward_variant(case, ddof=1)):
        return ("the unbiased variance in training: σ² = (1/(m - 1)) Σ (z - μ)²; the batch is normalized with "
                "the biased (1/m) Σ (z - μ)² (only BatchNorm1d's running average uses m/(m - 1))")  # fmt: skip
    if _same(actual, bn_forward_variant(case, eps_outside=True)):
        return "ε outside the square root: (z - μ) / (sqrt(σ²) + ε); batch norm divides by sqrt(σ² + ε)"
    return ""


def bn_backward_variant(case: Case, through: str = "mu, var", scale: float = 1.0) -> dict[str, np.ndarray]:
    """BN-BWD in float64: the full derivation (``through="mu, var"``), or ``dZ`` through μ only
    (``"mu"``: ``(γ/s)(dZ̃ - mean dZ̃)``) or through neither (``""``: the shortcut ``γ dZ̃ / s``, μ and σ² held
    constant); ``scale = m`` gives dγ, dβ summed over the columns instead of averaged."""
    Z, gamma, g = (np.asarray(case[k], np.float64) for k in ("Z", "gamma", "dZ_tilde"))
    mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    s = np.sqrt(var + BN_EPS)
    Z_norm = (Z - mu) / s
    dbeta, dgamma = g.mean(axis=1, keepdims=True), (g * Z_norm).mean(axis=1, keepdims=True)
    inner = g - (dbeta if "mu" in through else 0.0) - (Z_norm * dgamma if "var" in through else 0.0)
    return {"dZ": gamma / s * inner, "dgamma": scale * dgamma, "dbeta": scale * dbeta}


def _explain_bn_backward(case: Case, actual: dict[str, Any]) -> str:
    if _same(actual, {"dZ": bn_backward_variant(case, through="")["dZ"]}):
        return ("the backward ignores the batch statistics' dependence on z: dZ = γ dZ̃ / sqrt(σ² + ε) treats μ "
                "and σ² as constants, but both are functions of every z_i (dZ = (γ/(m s))(m dZ̃ - Σ dZ̃ - Z_norm "
                "Σ dZ̃ Z_norm))")  # fmt: skip
    if _same(actual, {"dZ": bn_backward_variant(case, through="mu")["dZ"]}):
        return ("the backward goes through μ but not σ²: the term - Z_norm · mean(dZ̃ Z_norm) is missing "
                "(∂σ²/∂z_i = 2(z_i - μ)/m)")  # fmt: skip
    summed = bn_backward_variant(case, scale=float(case["Z"].shape[1]))
    if _same(actual, {k: summed[k] for k in ("dgamma", "dbeta")}):
        return "dγ and dβ are summed over the m columns without the 1/m (the notes' dZ̃ is m times ∂J/∂Z̃)"
    return ""


_entry(
    "BN-FWD",
    "bn.forward",
    "μ = (1/m) Σ z, σ² = (1/m) Σ (z - μ)² per unit; Z~ = γ (Z - μ)/sqrt(σ² + ε) + β",
    draw=draw_bn,
    run=_bn_forward,
    oracle=lambda case, device, dtype: {"Z_tilde": _forward_oracle(case, device, dtype)["Z_tilde"]},
    shapes=BN_SHAPES,
    explain=_explain_bn_forward,
)
_entry(
    "BN-BWD",
    "bn.backward",
    "dβ = (1/m) Σ dz~; dγ = (1/m) Σ dz~ z_norm; dz through μ and σ² (the student's forward, then backward)",
    draw=draw_bn,
    run=_bn_backward,
    oracle=_backward_oracle,
    shapes=BN_SHAPES,
    explain=_explain_bn_backward,
)

__all__ = ["COURSE_MINIBATCH_SHAPES", "adam_variant", "bn_backward_variant", "bn_forward_variant", "momentum_variant"]
