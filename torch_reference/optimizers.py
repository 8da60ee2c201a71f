"""Mini-batches, momentum, RMSprop, Adam and learning-rate decay against ``torch.optim``.

Catalogue IDs: OPT-MINIBATCH, OPT-MOMENTUM, OPT-RMSPROP, OPT-ADAM, OPT-LR-DECAY.

Every optimizer entry runs K updates from the same initial parameters with the same sequence of
gradients (drawn away from 0, both signs) and compares, after *every* step, the parameters and the
optimizer's state with PyTorch's, each within a bound chained step by step through the recurrence
(``tolerance.moving_average_bound``, ``momentum_step_bound``, ``adaptive_step_bound``,
``parameter_step_bound``): the errors of v and s are carried by β (they shrink), those of W add up.

PyTorch's semantics, read from its source (``torch/optim/sgd.py`` ``_single_tensor_sgd``,
``torch/optim/adam.py`` ``_single_tensor_adam``, ``torch/optim/rmsprop.py`` ``_single_tensor_rmsprop``
of torch 2.13, the version this project pins):

* **SGD with momentum** keeps ``buf``: at the first step ``buf = grad.detach().clone()``, after that
  ``buf.mul_(momentum).add_(grad, alpha=1 - dampening)``; then ``param.add_(buf, alpha=-lr)``. (Its
  docstring: "the initial value of the momentum buffer is set to the gradient value at the first
  step ... the first momentum value will not be scaled by dampening".) With ``dampening = 0``,
  ``buf_k = β buf_{k-1} + g_k`` from ``buf_1 = g_1``, and the course's ``v_k = β v_{k-1} + (1 - β) g_k``
  from ``v_0 = 0`` gives ``v_1 = (1 - β) g_1``: by induction ``v_k = (1 - β) buf_k`` at every step,
  so ``W - α v_k = W - α (1 - β) buf_k``: **``SGD(lr = α(1 - β), momentum = β, dampening = 0)`` is the
  course's momentum exactly** (up to rounding). ``dampening = β`` looks like the course's formula,
  ``buf_k = β buf_{k-1} + (1 - β) g_k``, but starts from ``buf_1 = g_1``, not ``(1 - β) g_1``: the
  difference ``buf_k - v_k = β^k g_1`` decays only as β^k (``tests/test_optimizers.py`` shows it).
* **Adam**: ``exp_avg.lerp_(grad, 1 - β1)`` (= ``β1 m + (1 - β1) g``),
  ``exp_avg_sq.mul_(β2).addcmul_(grad, grad, value=1 - β2)``, ``step`` counted from 1,
  ``bias_correction1 = 1 - β1**step``, ``bias_correction2 = 1 - β2**step``, ``step_size = lr /
  bias_correction1``, ``denom = (exp_avg_sq.sqrt() / sqrt(bias_correction2)).add_(eps)``,
  ``param.addcdiv_(exp_avg, denom, value=-step_size)``. Since ``sqrt(s)/sqrt(c2) = sqrt(s/c2) =
  sqrt(ŝ)``, torch's ``denom`` is the course's ``sqrt(ŝ) + ε`` and the step ``α v̂ / (sqrt(ŝ) + ε)``:
  the same formula, ε outside the root, equal up to rounding.
* **RMSprop**: ``square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)``,
  ``avg = square_avg.sqrt().add_(eps)``, ``param.addcdiv_(grad, avg, value=-lr)``: the notes' RMSprop
  with β2 = ``alpha`` (torch's default 0.99), ε outside the root, s = 0 at the start.
* **LambdaLR**: ``lr = base_lr · lr_lambda(last_epoch)`` after each ``scheduler.step()``;
  ``lr_lambda = lambda e: 1 / (1 + d·e)`` (or ``d·floor(e / T)``) is OPT-LR-DECAY.

OPT-MINIBATCH: the permutation cannot come from PyTorch (another generator), so both sides use the
same one, NumPy's (``RandomState(seed).permutation(m)``, the course's ``np.random.seed(seed)``; or a
``Generator``'s); PyTorch's ``DataLoader(TensorDataset(X, Y), batch_size, sampler=permutation)`` cuts
the batches (``drop_last=False``: the smaller last one kept).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from . import cases
from .layout import from_rows, to_rows
from .registry import Case, Entry, Reference, register
from .tolerance import (
    adaptive_step_bound,
    bias_correction_rounding,
    lr_decay_bound,
    momentum_step_bound,
    moving_average_bound,
    parameter_step_bound,
)

#: hyperparameters of the cases (none of them a default that could hide a swapped argument)
MOMENTUM_BETA, MOMENTUM_LR = 0.9, 0.05
RMSPROP_BETA2, RMSPROP_LR = 0.9, 0.01
ADAM_LR, ADAM_BETA1, ADAM_BETA2 = 0.01, 0.9, 0.999
#: ε of RMSprop and Adam: large enough that its place (inside or outside the root) shows in float32
EPSILON = 1e-4

#: (layer dims, number of updates): non-square layers, L = 1 and L = 3
OPT_SHAPES = [((4, 3, 2, 1), 4), ((3, 5), 3), ((2, 3, 1), 5)]


def _param_keys(params: Mapping[str, np.ndarray]) -> list[str]:
    L = len(params) // 2
    return [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]


def draw_sequence(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    """Initial parameters (non-zero biases) and K gradient dicts, every entry |g| in [0.05, 3]."""
    dims, steps = shape
    params = cases.layer_parameters(rng, list(dims), dtype)
    grads = [{f"d{k}": cases.signed(rng, v.shape, dtype) for k, v in params.items()} for _ in range(steps)]
    return {"parameters": params, "grads": grads}


def _tensors(params: Mapping[str, np.ndarray], device: str, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    return {k: torch.tensor(v, dtype=dtype, device=device, requires_grad=True) for k, v in params.items()}


def _to64(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu", torch.float64).numpy().copy()


def _run_torch(
    optimizer_class: type, kwargs: dict[str, Any], case: Case, device: str, dtype: torch.dtype, state: str | None
) -> list[dict[str, np.ndarray]]:
    """Per step: the parameters and (``state``) one optimizer buffer of each, float64."""
    tensors = _tensors(case["parameters"], device, dtype)
    optimizer = optimizer_class(list(tensors.values()), **kwargs)
    out = []
    for grads in case["grads"]:
        for k, t in tensors.items():
            t.grad = torch.tensor(grads[f"d{k}"], dtype=dtype, device=device)
        optimizer.step()
        row = {k: _to64(t) for k, t in tensors.items()}
        if state is not None:
            row.update({f"d{k}": _to64(optimizer.state[t][state]) for k, t in tensors.items()})
        out.append(row)
    return out


def _name(kind: str, key: str, step: int) -> str:
    return f"{kind}{key} (step {step})" if kind else f"{key} (step {step})"


# ----------------------------------------------------------------------- OPT-MOMENTUM
def _run_momentum(impl: Any, case: Case) -> dict[str, Any]:
    params, v = case["parameters"], impl.initialize_velocity(case["parameters"])
    out = {}
    for step, grads in enumerate(case["grads"], start=1):
        params, v = impl.update_parameters_with_momentum(params, grads, v, MOMENTUM_BETA, MOMENTUM_LR)
        out.update({_name("", k, step): params[k] for k in _param_keys(case["parameters"])})
        out.update({_name("v ", f"d{k}", step): v[f"d{k}"] for k in _param_keys(case["parameters"])})
    return out


def _momentum_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    beta, alpha = MOMENTUM_BETA, MOMENTUM_LR
    # the course's momentum is SGD(momentum=β, dampening=0) with lr = α(1 - β) and v = (1 - β) buf
    rows = _run_torch(torch.optim.SGD, {"lr": alpha * (1 - beta), "momentum": beta, "dampening": 0.0}, case,
                      device, dtype, "momentum_buffer")  # fmt: skip
    keys = _param_keys(case["parameters"])
    P = {k: np.asarray(case["parameters"][k], np.float64) for k in keys}
    v = {k: np.zeros_like(P[k]) for k in keys}
    B_P: dict[str, Any] = {k: 0.0 for k in keys}
    B_v: dict[str, Any] = {k: 0.0 for k in keys}
    refs = {}
    for step, (row, grads) in enumerate(zip(rows, case["grads"], strict=True), start=1):
        for k in keys:
            g = np.asarray(grads[f"d{k}"], np.float64)
            v_new = (1 - beta) * row[f"d{k}"]
            B_v[k] = moving_average_bound(v[k], B_v[k], g, beta, v_new)
            B_P[k] = parameter_step_bound(P[k], B_P[k], alpha * v_new, momentum_step_bound(v_new, B_v[k], alpha))
            v[k], P[k] = v_new, row[k]
            refs[_name("", k, step)] = Reference(row[k], B_P[k])
            refs[_name("v ", f"d{k}", step)] = Reference(v_new, B_v[k])
    return refs


register(
    Entry(
        id="OPT-MOMENTUM",
        equation="v_dW = β v_dW + (1 - β) dW; W -= α v_dW (same for b), v = 0 at start",
        variant="torch.optim.SGD(momentum=β, dampening=0, lr=α(1 - β)), every step",
        draw=draw_sequence,
        run=_run_momentum,
        oracle=_momentum_oracle,
        shapes=OPT_SHAPES,
        needs=("initialize_velocity", "update_parameters_with_momentum"),
    )
)


# ----------------------------------------------------------------------- OPT-RMSPROP
def _run_rmsprop(impl: Any, case: Case) -> dict[str, Any]:
    params, s = case["parameters"], impl.initialize_rmsprop(case["parameters"])
    out = {}
    for step, grads in enumerate(case["grads"], start=1):
        params, s = impl.update_parameters_with_rmsprop(params, grads, s, RMSPROP_BETA2, RMSPROP_LR, EPSILON)
        out.update({_name("", k, step): params[k] for k in _param_keys(case["parameters"])})
        out.update({_name("s ", f"d{k}", step): s[f"d{k}"] for k in _param_keys(case["parameters"])})
    return out


def _rmsprop_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    beta2, alpha = RMSPROP_BETA2, RMSPROP_LR
    kwargs = {"lr": alpha, "alpha": beta2, "eps": EPSILON}
    rows = _run_torch(torch.optim.RMSprop, kwargs, case, device, dtype, "square_avg")
    keys = _param_keys(case["parameters"])
    P = {k: np.asarray(case["parameters"][k], np.float64) for k in keys}
    s = {k: np.zeros_like(P[k]) for k in keys}
    B_P: dict[str, Any] = {k: 0.0 for k in keys}
    B_s: dict[str, Any] = {k: 0.0 for k in keys}
    refs = {}
    for step, (row, grads) in enumerate(zip(rows, case["grads"], strict=True), start=1):
        for k in keys:
            g = np.asarray(grads[f"d{k}"], np.float64)
            s_new = row[f"d{k}"]
            B_s[k] = moving_average_bound(s[k], B_s[k], g**2, beta2, s_new, B_term=g**2)
            step_value = alpha * g / (np.sqrt(s_new) + EPSILON)
            B_step = adaptive_step_bound(g, 0.0, s_new, B_s[k], alpha, EPSILON)
            B_P[k] = parameter_step_bound(P[k], B_P[k], step_value, B_step)
            s[k], P[k] = s_new, row[k]
            refs[_name("", k, step)] = Reference(row[k], B_P[k])
            refs[_name("s ", f"d{k}", step)] = Reference(s_new, B_s[k])
    return refs


register(
    Entry(
        id="OPT-RMSPROP",
        equation="s_dW = β2 s_dW + (1 - β2) dW²; W -= α dW / (sqrt(s_dW) + ε)",
        variant="torch.optim.RMSprop(alpha=β2), every step",
        draw=draw_sequence,
        run=_run_rmsprop,
        oracle=_rmsprop_oracle,
        shapes=OPT_SHAPES,
        needs=("initialize_rmsprop", "update_parameters_with_rmsprop"),
    )
)


# ----------------------------------------------------------------------- OPT-ADAM
def _run_adam(impl: Any, case: Case) -> dict[str, Any]:
    params = case["parameters"]
    v, s = impl.initialize_adam(params)
    out = {}
    for t, grads in enumerate(case["grads"], start=1):
        params, v, s, *_ = impl.update_parameters_with_adam(
            params, grads, v, s, t, ADAM_LR, ADAM_BETA1, ADAM_BETA2, EPSILON
        )
        for k in _param_keys(case["parameters"]):
            out[_name("", k, t)] = params[k]
            out[_name("v ", f"d{k}", t)] = v[f"d{k}"]
            out[_name("s ", f"d{k}", t)] = s[f"d{k}"]
    return out


def _adam_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    alpha, beta1, beta2 = ADAM_LR, ADAM_BETA1, ADAM_BETA2
    kwargs = {"lr": alpha, "betas": (beta1, beta2), "eps": EPSILON}
    tensors = _tensors(case["parameters"], device, dtype)
    optimizer = torch.optim.Adam(list(tensors.values()), **kwargs)
    keys = _param_keys(case["parameters"])
    P = {k: np.asarray(case["parameters"][k], np.float64) for k in keys}
    v = {k: np.zeros_like(P[k]) for k in keys}
    s = {k: np.zeros_like(P[k]) for k in keys}
    B_P: dict[str, Any] = {k: 0.0 for k in keys}
    B_v: dict[str, Any] = {k: 0.0 for k in keys}
    B_s: dict[str, Any] = {k: 0.0 for k in keys}
    refs = {}
    for t, grads in enumerate(case["grads"], start=1):
        for k, p in tensors.items():
            p.grad = torch.tensor(grads[f"d{k}"], dtype=dtype, device=device)
        optimizer.step()
        c1, c2 = 1 - beta1**t, 1 - beta2**t
        r1, r2 = bias_correction_rounding(beta1, t), bias_correction_rounding(beta2, t)
        for k, p in tensors.items():
            g = np.asarray(grads[f"d{k}"], np.float64)
            state = optimizer.state[p]
            v_new, s_new, P_new = _to64(state["exp_avg"]), _to64(state["exp_avg_sq"]), _to64(p)
            B_v[k] = moving_average_bound(v[k], B_v[k], g, beta1, v_new)
            B_s[k] = moving_average_bound(s[k], B_s[k], g**2, beta2, s_new, B_term=g**2)
            step_value = alpha * (v_new / c1) / (np.sqrt(s_new / c2) + EPSILON)
            B_step = adaptive_step_bound(v_new, B_v[k], s_new, B_s[k], alpha, EPSILON, c1, c2, r1, r2)
            B_P[k] = parameter_step_bound(P[k], B_P[k], step_value, B_step)
            v[k], s[k], P[k] = v_new, s_new, P_new
            refs[_name("", k, t)] = Reference(P_new, B_P[k])
            refs[_name("v ", f"d{k}", t)] = Reference(v_new, B_v[k])
            refs[_name("s ", f"d{k}", t)] = Reference(s_new, B_s[k])
    return refs


register(
    Entry(
        id="OPT-ADAM",
        equation="v, s as above; v^ = v/(1 - β1^t), s^ = s/(1 - β2^t); W -= α v^ / (sqrt(s^) + ε)",
        variant="torch.optim.Adam, every step",
        draw=draw_sequence,
        run=_run_adam,
        oracle=_adam_oracle,
        shapes=OPT_SHAPES,
        needs=("initialize_adam", "update_parameters_with_adam"),
    )
)


# ----------------------------------------------------------------------- OPT-LR-DECAY
#: (learning_rate0, decay_rate, time_interval, epochs)
LR_SHAPES = [(0.3, 0.7, 3, 10), (0.0075, 1.3, 1, 6), (1.1, 0.05, 4, 13)]


def draw_schedule(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    alpha0, decay, interval, epochs = shape
    return {"learning_rate0": alpha0, "decay_rate": decay, "time_interval": interval, "epochs": epochs}


def _torch_schedule(case: Case, scheduled: bool) -> list[float]:
    """The learning rate of epochs 0..E-1 from ``LambdaLR`` (one ``scheduler.step()`` per epoch)."""
    d, T = case["decay_rate"], case["time_interval"]
    factor = (lambda e: 1 / (1 + d * math.floor(e / T))) if scheduled else (lambda e: 1 / (1 + d * e))
    param = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([param], lr=case["learning_rate0"])
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=factor)
    rates = []
    for _ in range(case["epochs"]):
        rates.append(float(scheduler.get_last_lr()[0]))
        optimizer.step()
        scheduler.step()
    return rates


def _lr_entry(scheduled: bool) -> Entry:
    def run(impl: Any, case: Case) -> dict[str, Any]:
        a0, d, T = case["learning_rate0"], case["decay_rate"], case["time_interval"]
        if scheduled:
            return {f"lr (epoch {e})": impl.schedule_lr_decay(a0, e, d, T) for e in range(case["epochs"])}
        return {f"lr (epoch {e})": impl.update_lr(a0, e, d) for e in range(case["epochs"])}

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        rates = _torch_schedule(case, scheduled)
        return {
            f"lr (epoch {e})": Reference(np.asarray(r), lr_decay_bound(r), scalar=True) for e, r in enumerate(rates)
        }

    return Entry(
        id="OPT-LR-DECAY",
        equation="α = α0 / (1 + decay_rate · epoch); scheduled: floor(epoch / time_interval)",
        variant=("schedule_lr_decay" if scheduled else "update_lr") + ": torch.optim.lr_scheduler.LambdaLR",
        draw=draw_schedule,
        run=run,
        oracle=oracle,
        shapes=LR_SHAPES,
        needs=("schedule_lr_decay",) if scheduled else ("update_lr",),
        strict_dtype=False,  # a learning rate is a Python float whatever the arrays' dtype
    )


register(_lr_entry(scheduled=False))
register(_lr_entry(scheduled=True))


# ----------------------------------------------------------------------- OPT-MINIBATCH
#: (n[0], n[L], m, mini_batch_size): a smaller last batch, an exact multiple, m < size, the course's 64
MINIBATCH_SHAPES = [(3, 1, 10, 4), (2, 2, 12, 4), (4, 1, 7, 64), (2, 1, 148, 64)]


def draw_batches(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    n_x, n_y, m, size = shape
    return {
        "X": cases.normal(rng, (n_x, m), dtype),
        "Y": cases.normal(rng, (n_y, m), dtype) if n_y > 1 else cases.binary_labels(rng, (1, m), dtype),
        "mini_batch_size": size,
        "seed": int(rng.integers(0, 2**16)),
    }


def _batches_output(batches: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, (bx, by) in enumerate(batches, start=1):
        out[f"X batch {i}"], out[f"Y batch {i}"] = bx, by
    if batches:
        out["X, all batches"] = np.concatenate([bx for bx, _ in batches], axis=1)
        out["Y, all batches"] = np.concatenate([by for _, by in batches], axis=1)
    return out


def _minibatch_entry(kind: str) -> Entry:
    def permutation(case: Case) -> np.ndarray:
        m = case["X"].shape[1]
        if kind == "seed":
            return np.random.RandomState(case["seed"]).permutation(m)
        return np.random.default_rng(case["seed"]).permutation(m)

    def run(impl: Any, case: Case) -> dict[str, Any]:
        X, Y, size = case["X"], case["Y"], case["mini_batch_size"]
        if kind == "seed":
            return _batches_output(impl.random_mini_batches(X, Y, size, case["seed"]))
        return _batches_output(impl.random_mini_batches(X, Y, size, rng=np.random.default_rng(case["seed"])))

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        data = TensorDataset(to_rows(case["X"], device, dtype), to_rows(case["Y"], device, dtype))
        loader = DataLoader(data, batch_size=case["mini_batch_size"], sampler=permutation(case).tolist(),
                            drop_last=False)  # fmt: skip
        batches = [(from_rows(bx), from_rows(by)) for bx, by in loader]
        return {name: Reference(value, 0.0) for name, value in _batches_output(batches).items()}  # copies: exact

    how = "seed k: the course's np.random.seed(k)" if kind == "seed" else "rng: a numpy Generator"
    return Entry(
        id="OPT-MINIBATCH",
        equation="one permutation of the columns; batches of size 64, the last one smaller; each example once",
        variant=f"{how}; torch DataLoader over the same permutation",
        draw=draw_batches,
        run=run,
        oracle=oracle,
        shapes=MINIBATCH_SHAPES,
        needs=("random_mini_batches",),
    )


register(_minibatch_entry("seed"))
register(_minibatch_entry("rng"))
