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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from . import cases
from .activations import KINKED
from .layout import from_rows, to_rows
from .registry import Case, Entry, Reference, Run, register
from .tolerance import (
    adaptive_step_bound,
    bias_correction_rounding,
    derivatives,
    lr_decay_bound,
    momentum_step_bound,
    moving_average_bound,
    parameter_step_bound,
    unit_roundoff,
    update_bound,
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


# ----------------------------------------------------------------------- OPT-MOMENTUM, OPT-RMSPROP
def _one_state_run(initialize: str, update: str, label: str, *hyperparameters: float) -> Run:
    """The run of an optimizer with one state (momentum's v, RMSprop's s): ``initialize(parameters)``,
    then per step ``parameters, state = update(parameters, grads, state, *hyperparameters)``;
    the parameters and the state after every step."""

    def run(impl: Any, case: Case) -> dict[str, Any]:
        params, state = case["parameters"], getattr(impl, initialize)(case["parameters"])
        out = {}
        for step, grads in enumerate(case["grads"], start=1):
            params, state = getattr(impl, update)(params, grads, state, *hyperparameters)
            out.update({_name("", k, step): params[k] for k in _param_keys(case["parameters"])})
            out.update({_name(label, f"d{k}", step): state[f"d{k}"] for k in _param_keys(case["parameters"])})
        return out

    return run


#: one step's state and bounds: (g, the state before and its bound, torch's state after) ->
#: (the state after, its bound, the step subtracted from W, the step's bound)
_StateStep = Callable[[np.ndarray, np.ndarray, Any, np.ndarray], tuple[np.ndarray, Any, np.ndarray, Any]]


def _one_state_references(
    case: Case, rows: list[dict[str, np.ndarray]], label: str, bounds: _StateStep
) -> dict[str, Reference]:
    """The references of an optimizer with one state from torch's ``rows`` (:func:`_run_torch`): after
    every step the parameters and the state, each bound chained from the step before (``bounds``, then
    ``parameter_step_bound``), from P = the initial parameters and a zero state, both exact."""
    keys = _param_keys(case["parameters"])
    P = {k: np.asarray(case["parameters"][k], np.float64) for k in keys}
    state = {k: np.zeros_like(P[k]) for k in keys}
    B_P: dict[str, Any] = {k: 0.0 for k in keys}
    B_state: dict[str, Any] = {k: 0.0 for k in keys}
    refs = {}
    for step, (row, grads) in enumerate(zip(rows, case["grads"], strict=True), start=1):
        for k in keys:
            g = np.asarray(grads[f"d{k}"], np.float64)
            new, B_state[k], step_value, B_step = bounds(g, state[k], B_state[k], row[f"d{k}"])
            B_P[k] = parameter_step_bound(P[k], B_P[k], step_value, B_step)
            state[k], P[k] = new, row[k]
            refs[_name("", k, step)] = Reference(row[k], B_P[k])
            refs[_name(label, f"d{k}", step)] = Reference(new, B_state[k])
    return refs


_run_momentum = _one_state_run(
    "initialize_velocity", "update_parameters_with_momentum", "v ", MOMENTUM_BETA, MOMENTUM_LR
)


def _momentum_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    beta, alpha = MOMENTUM_BETA, MOMENTUM_LR
    # the course's momentum is SGD(momentum=β, dampening=0) with lr = α(1 - β) and v = (1 - β) buf
    rows = _run_torch(torch.optim.SGD, {"lr": alpha * (1 - beta), "momentum": beta, "dampening": 0.0}, case,
                      device, dtype, "momentum_buffer")  # fmt: skip

    def bounds(g: np.ndarray, v: np.ndarray, B_v: Any, buffer: np.ndarray) -> tuple[np.ndarray, Any, np.ndarray, Any]:
        v_new = (1 - beta) * buffer
        B_v_new = moving_average_bound(v, B_v, g, beta, v_new)
        return v_new, B_v_new, alpha * v_new, momentum_step_bound(v_new, B_v_new, alpha)

    return _one_state_references(case, rows, "v ", bounds)


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


_run_rmsprop = _one_state_run(
    "initialize_rmsprop", "update_parameters_with_rmsprop", "s ", RMSPROP_BETA2, RMSPROP_LR, EPSILON
)


def _rmsprop_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    beta2, alpha = RMSPROP_BETA2, RMSPROP_LR
    kwargs = {"lr": alpha, "alpha": beta2, "eps": EPSILON}
    rows = _run_torch(torch.optim.RMSprop, kwargs, case, device, dtype, "square_avg")

    def bounds(g: np.ndarray, s: np.ndarray, B_s: Any, s_new: np.ndarray) -> tuple[np.ndarray, Any, np.ndarray, Any]:
        B_s_new = moving_average_bound(s, B_s, g**2, beta2, s_new, B_term=g**2)
        step_value = alpha * g / (np.sqrt(s_new) + EPSILON)
        return s_new, B_s_new, step_value, adaptive_step_bound(g, 0.0, s_new, B_s_new, alpha, EPSILON)

    return _one_state_references(case, rows, "s ", bounds)


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


# ----------------------------------------------------------------------- whole trajectories
# ``train_with_optimizer`` (mini-batches of OPT-MINIBATCH, one update per batch, the optimizer's state carried
# across the epochs) against the same loop in PyTorch: ``ReferenceNetwork``, the loss from the logits, a
# ``DataLoader`` over the replayed permutation of each epoch (``RandomState(seed + epoch)``, the course's
# ``np.random.seed``), and ``torch.optim.SGD`` / ``SGD(momentum=β, dampening=0, lr=α(1 - β))`` / ``RMSprop`` /
# ``Adam``, from the same initial parameters. Compared: the cost of every epoch and the final parameters, each
# within a trajectory bound (see :func:`optimizer_trajectory`).

#: (layer dims, activations, m, mini_batch_size, epochs); the same network class as GD-LOOP's: L = 3,
#: non-square, a smaller last batch (20 = 8 + 8 + 4), 6 updates; the adaptive optimizers' cases have no ReLU
#: (a unit dead on a batch has dW = 0 exactly, and the map s -> sqrt(s) is not differentiable at s = 0)
TRAJECTORY_SHAPES: dict[str, list[tuple]] = {
    "gd": [((4, 5, 3, 1), ("tanh", "relu", "sigmoid"), 20, 8, 2)],
    "momentum": [((3, 5, 4, 3), ("relu", "tanh", "softmax"), 20, 8, 2)],
    "rmsprop": [((4, 3, 5, 2), ("elu", "tanh", "linear"), 20, 8, 2)],
    "adam": [((4, 5, 3, 1), ("leaky_relu", "tanh", "sigmoid"), 20, 8, 2)],
}
#: the learning rates of the trajectories: steps large enough that a wrong update shows in the costs
TRAJECTORY_LR = {"gd": 0.5, "momentum": 0.5, "rmsprop": 0.01, "adam": 0.01}
#: a kinked pre-activation must be further from 0 than this many times its bounded deviation
KINK_SLACK = 2.0


@dataclass
class OptimizerTrajectory:
    """The float64 reference run and its bounds (units of u): per epoch the cost's, at the end each
    parameter's (element by element)."""

    costs: np.ndarray  # (epochs,)
    cost_bounds: np.ndarray  # (epochs,)
    final: dict[str, np.ndarray]
    final_bounds: dict[str, np.ndarray]
    min_kink_distance: float  # min |Z| over the kinked layers and every batch's forward
    min_gradient: float  # min |dW|, |db| over the updates (0: a dead unit)
    kink_slack: float  # min over the kinked layers' Z of |Z| / (u·B_Z), B_Z with the parameters' E carried


def epoch_batches(X: np.ndarray, Y: np.ndarray, size: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """OPT-MINIBATCH of one epoch, replayed: ``RandomState(seed).permutation(m)``, complete batches, the rest."""
    perm = np.random.RandomState(seed).permutation(X.shape[1])
    return [(X[:, perm[i : i + size]], Y[:, perm[i : i + size]]) for i in range(0, X.shape[1], size)]


def update_step(name: str, g: np.ndarray, v: np.ndarray, s: np.ndarray, t: int, alpha: float) -> dict[str, Any]:
    """One exact update of flattened parameters by optimizer ``name`` (the notes' formulas, float64): the new
    state ``v``, ``s``, the step ``r`` (θ' = θ - r) and what the Jacobian needs (``D``, ``q``, ``c1``, ``c2``)."""
    if name == "gd":
        return {"step": alpha * g, "v": v, "s": s}
    if name == "momentum":
        v_new = MOMENTUM_BETA * v + (1 - MOMENTUM_BETA) * g
        return {"step": alpha * v_new, "v": v_new, "s": s}
    adam = name == "adam"
    beta2 = ADAM_BETA2 if adam else RMSPROP_BETA2
    c1, c2 = (1 - ADAM_BETA1**t, 1 - beta2**t) if adam else (1.0, 1.0)
    v_new = ADAM_BETA1 * v + (1 - ADAM_BETA1) * g if adam else v
    s_new = beta2 * s + (1 - beta2) * g**2
    q = np.sqrt(s_new / c2)
    D = q + EPSILON
    numerator = v_new / c1 if adam else g
    return {"step": alpha * numerator / D, "v": v_new, "s": s_new, "c1": c1, "c2": c2, "q": q, "D": D,
            "numerator": numerator}  # fmt: skip


def update_jacobian(name: str, H: np.ndarray, g: np.ndarray, new: dict[str, Any], alpha: float) -> np.ndarray:
    """The Jacobian of one exact update x -> x' with respect to the state x: ``(θ)`` for gd, ``(θ, v)`` for
    momentum, ``(θ, s)`` for RMSprop, ``(θ, v, s)`` for Adam (flattened, in that order); H is the Hessian of the
    batch's cost at θ, g its gradient, ``new`` the :func:`update_step` at θ. With ``ρ_s = -∂r/∂s'``:

    * gd: ``I - α H``;
    * momentum (v' = β v + (1 - β) g, r = α v'): ``[[I - α(1 - β) H, -α β I], [(1 - β) H, β I]]``;
    * RMSprop (s' = β2 s + (1 - β2) g², r = α g / D, D = sqrt(s') + ε):
      ``[[I - diag(κ) H, β2 diag(ρ_s)], [2(1 - β2) diag(g) H, β2 I]]``, ``κ = α/D - 2(1 - β2) g ρ_s``,
      ``ρ_s = α g / (2 D² sqrt(s'))``;
    * Adam (v', s', r = α (v'/c1) / D, D = sqrt(s'/c2) + ε): rows θ', v', s' of columns θ, v, s:
      ``[I - diag(κ) H, -β1 diag(α/(c1 D)), β2 diag(ρ_s)]``, ``[(1 - β1) H, β1 I, 0]``,
      ``[2(1 - β2) diag(g) H, 0, β2 I]``, ``κ = (1 - β1) α/(c1 D) - 2(1 - β2) g ρ_s``,
      ``ρ_s = α (v'/c1) / (2 c2 D² sqrt(s'/c2))``.

    κ sums the two routes from θ to the step *before* any absolute value is taken: at t = 1 Adam's step is
    ``α g / (|g| + ε)``, whose derivative nearly cancels (κ = α ε / D²)."""
    N = g.size
    I, Z = np.eye(N), np.zeros((N, N))
    if name == "gd":
        return I - alpha * H
    if name == "momentum":
        beta = MOMENTUM_BETA
        return np.block([[I - alpha * (1 - beta) * H, -alpha * beta * I], [(1 - beta) * H, beta * I]])
    adam = name == "adam"
    beta1, beta2 = ADAM_BETA1, ADAM_BETA2 if adam else RMSPROP_BETA2
    c1, c2, q, D = new["c1"], new["c2"], new["q"], new["D"]
    rho_s = alpha * new["numerator"] / (2 * c2 * D**2 * q)
    kappa = ((1 - beta1) if adam else 1.0) * alpha / (c1 * D) - 2 * (1 - beta2) * g * rho_s
    theta_row = [I - kappa[:, None] * H]
    s_row = [2 * (1 - beta2) * g[:, None] * H]
    if not adam:
        return np.block([[*theta_row, beta2 * np.diag(rho_s)], [*s_row, beta2 * I]])
    return np.block([
        [*theta_row, -beta1 * np.diag(alpha / (c1 * D)), beta2 * np.diag(rho_s)],
        [(1 - beta1) * H, beta1 * I, Z],
        [*s_row, Z, beta2 * I],
    ])  # fmt: skip


def update_rounding(name: str, theta: np.ndarray, g: np.ndarray, B_g: np.ndarray, v: np.ndarray, s: np.ndarray,
                    new: dict[str, Any], t: int, alpha: float) -> np.ndarray:  # fmt: skip
    """δ_k: the rounding (units of u) of one update at exact inputs θ, v, s, with the gradient off by ``B_g``
    (its bound from ``model.reference_bounds``), for the state of :func:`update_jacobian`: the moving averages
    by ``moving_average_bound`` (the square g² rounds once and carries ``2|g| B_g``), the step by
    ``momentum_step_bound`` or ``adaptive_step_bound`` (which carries the new v', s' errors into θ'), the
    subtraction by ``parameter_step_bound``; gd by ``update_bound`` and ``α B_g``."""
    if name == "gd":
        return update_bound(theta, g, alpha) + alpha * B_g
    if name == "momentum":
        d_v = moving_average_bound(v, 0.0, g, MOMENTUM_BETA, new["v"], B_term=B_g)
        d_t = parameter_step_bound(theta, 0.0, new["step"], momentum_step_bound(new["v"], d_v, alpha))
        return np.concatenate([d_t, d_v])
    adam = name == "adam"
    beta2 = ADAM_BETA2 if adam else RMSPROP_BETA2
    d_v = moving_average_bound(v, 0.0, g, ADAM_BETA1, new["v"], B_term=B_g) if adam else B_g
    d_s = moving_average_bound(s, 0.0, g**2, beta2, new["s"], B_term=2 * np.abs(g) * B_g + g**2)
    r1, r2 = (bias_correction_rounding(ADAM_BETA1, t), bias_correction_rounding(beta2, t)) if adam else (0.0, 0.0)
    numerator = new["v"] if adam else g
    B_step = adaptive_step_bound(numerator, d_v, new["s"], d_s, alpha, EPSILON, new["c1"], new["c2"], r1, r2)
    d_t = parameter_step_bound(theta, 0.0, new["step"], B_step)
    return np.concatenate([d_t, d_v, d_s] if adam else [d_t, d_s])


def optimizer_trajectory(case: Case) -> OptimizerTrajectory:
    """The trajectory of ``case["optimizer"]`` in float64 (PyTorch autograd on the CPU for each batch's
    gradient and the Hessian H of its cost), and its bounds.

    The state x (θ and the optimizer's v, s) of one evaluation of the loop stays within ``u·E_k`` of the exact
    one, element by element, to first order: ``E_0 = 0`` (the same start, v = s = 0) and
    ``E_{k+1} = |J_k| E_k + δ_k``, J_k the Jacobian of update k's exact map (:func:`update_jacobian`) and δ_k
    the rounding of update k itself (:func:`update_rounding`). (``|J| E`` bounds ``J e`` for every
    ``|e| <= E``: the triangle inequality, element by element; no norm mixes θ's units with s's.) The final
    parameters are off by E_θ; the cost of epoch e, ``Σ_b size_b J_b(θ_b) / m``, by
    ``Σ_b (size_b/m)(B_Jb + |g_b|·E_θ,b)`` (``trajectories.cost_bound`` and the first-order change of J_b)
    plus the weighted sum's roundings ``(n_batches + 2) Σ_b (size_b/m)|J_b|``.
    """
    from .model import reference_bounds, reference_pass
    from .trajectories import cost_bound, hessian

    name, acts, alpha = case["optimizer"], case["activations"], case["learning_rate"]
    L, keys = len(acts), _param_keys(case["parameters"])
    theta = {k: np.asarray(case["parameters"][k], np.float64) for k in keys}
    X, Y = np.asarray(case["X"], np.float64), np.asarray(case["Y"], np.float64)
    m = X.shape[1]
    N = sum(theta[k].size for k in keys)
    parts = {"gd": 1, "momentum": 2, "rmsprop": 2, "adam": 3}[name]
    v, s, E = np.zeros(N), np.zeros(N), np.zeros(parts * N)
    costs, cost_bounds, kink, min_g, slack, t = [], [], np.inf, np.inf, np.inf, 0
    u = unit_roundoff(np.asarray(case["X"]).dtype)
    for epoch in range(case["num_epochs"]):
        batches = epoch_batches(X, Y, case["mini_batch_size"], case["seed"] + epoch)
        cost, B_cost, abs_cost = 0.0, 0.0, 0.0
        for Xb, Yb in batches:
            ref = reference_pass(theta, Xb, Yb, acts, "cpu", torch.float64)
            B = reference_bounds(theta, Yb, acts, ref)
            kink = min([kink] + [float(np.abs(ref[f"Z{l}"]).min()) for l in range(1, L + 1) if acts[l - 1] in KINKED])
            slack = min(slack, _kink_slack(theta, _unflatten(E[:N], theta, keys), ref, B, acts, u))
            th = np.concatenate([theta[k].ravel() for k in keys])
            g = np.concatenate([ref[f"d{k}"].ravel() for k in keys])
            B_g = np.concatenate([np.broadcast_to(B[f"d{k}"], theta[k].shape).ravel() for k in keys])
            min_g = min(min_g, float(np.abs(g).min()))
            w, J_b = Xb.shape[1] / m, float(ref["J"])
            cost, abs_cost = cost + w * J_b, abs_cost + w * abs(J_b)
            B_cost += w * (cost_bound(acts[-1], ref, B, Yb, L) + float(np.abs(g) @ E[:N]))
            t += 1
            new = update_step(name, g, v, s, t, alpha)
            J = update_jacobian(name, hessian(theta, Xb, Yb, acts), g, new, alpha)
            E = np.abs(J) @ E + update_rounding(name, th, g, B_g, v, s, new, t, alpha)
            v, s = new["v"], new["s"]
            theta = _unflatten(th - new["step"], theta, keys)
        costs.append(cost)
        cost_bounds.append(B_cost + (len(batches) + 2) * abs_cost)  # the products, the sum, the division by m
    return OptimizerTrajectory(np.asarray(costs), np.asarray(cost_bounds), theta, _unflatten(E[:N], theta, keys),
                               kink, min_g, slack)  # fmt: skip


def _kink_slack(theta: Mapping[str, np.ndarray], E: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray],
                B: Mapping[str, Any], acts: list[str], u: float) -> float:  # fmt: skip
    """How far the kinked layers' Z stay from 0 in units of their possible deviation: ``min |Z| / (u·D_Z)``,
    ``D_Z[l] = B_Z[l]`` (this evaluation's rounding, ``reference_bounds``) plus what the parameters' errors
    ``u·E`` move Z by, to first order: ``P_Z[l] = |W[l]| P_A[l-1] + E_W[l] |A[l-1]| + E_b[l]``,
    ``P_A[l] = |g'(Z[l])| P_Z[l]``, ``P_A[0] = 0``. Above 1, both runs take the same branch of every kink."""
    slack, P_A = np.inf, 0.0
    for l in range(1, len(acts) + 1):
        P_Z = np.abs(theta[f"W{l}"]) @ np.broadcast_to(P_A, ref[f"A{l - 1}"].shape) + E[f"W{l}"] @ np.abs(
            ref[f"A{l - 1}"]) + E[f"b{l}"]  # fmt: skip
        if acts[l - 1] in KINKED:
            slack = min(slack, float((np.abs(ref[f"Z{l}"]) / (u * (B[f"Z{l}"] + P_Z))).min()))
        if l < len(acts):
            P_A = derivatives(acts[l - 1], ref[f"Z{l}"])[0] * P_Z
    return slack


def _unflatten(x: np.ndarray, like: Mapping[str, np.ndarray], keys: list[str]) -> dict[str, np.ndarray]:
    out, start = {}, 0
    for k in keys:
        out[k] = x[start : start + like[k].size].reshape(like[k].shape)
        start += like[k].size
    return out


def torch_optimizer_train(case: Case, device: str, dtype: torch.dtype) -> tuple[dict[str, np.ndarray], list[float]]:
    """The same loop in PyTorch: ``ReferenceNetwork``, the loss from the logits, per epoch a ``DataLoader``
    over ``RandomState(seed + epoch).permutation(m)`` (``drop_last=False``), ``zero_grad``, ``backward``,
    ``step`` per batch; the epoch's cost ``Σ size·J / m``. Returns the final parameters (float64) and costs."""
    from .losses import torch_output_loss
    from .model import ReferenceNetwork

    acts, alpha, m = case["activations"], case["learning_rate"], case["X"].shape[1]
    net = ReferenceNetwork(case["parameters"], acts, device, dtype)
    params = [p for linear in net.linears for p in (linear.weight, linear.bias)]
    momentum = {"momentum": MOMENTUM_BETA, "dampening": 0.0}
    optimizer = {
        "gd": lambda: torch.optim.SGD(params, lr=alpha),
        "momentum": lambda: torch.optim.SGD(params, lr=alpha * (1 - MOMENTUM_BETA), **momentum),
        "rmsprop": lambda: torch.optim.RMSprop(params, lr=alpha, alpha=RMSPROP_BETA2, eps=EPSILON),
        "adam": lambda: torch.optim.Adam(params, lr=alpha, betas=(ADAM_BETA1, ADAM_BETA2), eps=EPSILON),
    }[case["optimizer"]]()
    loss = torch_output_loss(acts[-1])
    data = TensorDataset(to_rows(case["X"], device, dtype), to_rows(case["Y"], device, dtype))
    costs = []
    for epoch in range(case["num_epochs"]):
        order = np.random.RandomState(case["seed"] + epoch).permutation(m).tolist()
        total = 0.0
        for xb, yb in DataLoader(data, batch_size=case["mini_batch_size"], sampler=order, drop_last=False):
            optimizer.zero_grad()
            Zs, _As = net(xb)
            J = loss(Zs[-1], yb)
            J.backward()
            optimizer.step()
            total += xb.shape[0] * J.item()
        costs.append(total / m)
    final = {}
    for l, linear in enumerate(net.linears, start=1):
        final[f"W{l}"], final[f"b{l}"] = _to64(linear.weight), _to64(linear.bias).reshape(-1, 1)
    return final, costs


def _draw_trajectory(optimizer: str):
    def draw(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
        """A network case (``model.draw_model``) and a batch seed, redrawn until the float64 trajectory keeps
        every kinked pre-activation ``TRAJECTORY_KINK_MARGIN`` from 0 and more than ``KINK_SLACK`` times its
        possible deviation in the case's dtype (``OptimizerTrajectory.kink_slack``), and (adaptive optimizers)
        no gradient entry is exactly 0; the trajectory is kept in the case for the oracle's bounds."""
        from .model import draw_model
        from .trajectories import TRAJECTORY_KINK_MARGIN

        dims, acts, m, size, epochs = shape

        def draw() -> Case:
            case = draw_model(rng, (dims, acts, m), dtype)
            case.update(optimizer=optimizer, learning_rate=TRAJECTORY_LR[optimizer], mini_batch_size=size,
                        num_epochs=epochs, seed=int(rng.integers(0, 2**16)))  # fmt: skip
            case["trajectory"] = optimizer_trajectory(case)
            return case

        def accept(case: Case) -> bool:
            traj = case["trajectory"]
            smooth = optimizer in ("gd", "momentum") or traj.min_gradient > 0
            return traj.min_kink_distance >= TRAJECTORY_KINK_MARGIN and traj.kink_slack > KINK_SLACK and smooth

        what = f"a {optimizer} trajectory of {dims} {acts} clear of the kinks" + (
            "" if optimizer in ("gd", "momentum") else " with no gradient entry exactly 0"
        )
        return cases.redraw(draw, accept, what)

    return draw


def _run_trajectory(impl: Any, case: Case) -> dict[str, Any]:
    params, costs = impl.train_with_optimizer(
        case["X"],
        case["Y"],
        case["parameters"],
        case["optimizer"],
        case["mini_batch_size"],
        case["num_epochs"],
        case["learning_rate"],
        beta=MOMENTUM_BETA,
        beta1=ADAM_BETA1,
        beta2=ADAM_BETA2 if case["optimizer"] == "adam" else RMSPROP_BETA2,
        epsilon=EPSILON,
        seed=case["seed"],
        activations=case["activations"],
    )
    return {"costs": np.asarray(costs, dtype=case["X"].dtype), **params}


def _trajectory_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    from .device import single_threaded

    with single_threaded():
        params, costs = torch_optimizer_train(case, device, dtype)
    traj: OptimizerTrajectory = case["trajectory"]
    refs = {"costs": Reference(np.asarray(costs), traj.cost_bounds)}
    refs.update({k: Reference(v, traj.final_bounds[k]) for k, v in params.items()})
    return refs


_TRAJECTORY_IDS = {
    "gd": ("OPT-MINIBATCH", "torch.optim.SGD"),
    "momentum": ("OPT-MOMENTUM", "torch.optim.SGD(momentum=β, dampening=0, lr=α(1 - β))"),
    "rmsprop": ("OPT-RMSPROP", "torch.optim.RMSprop(alpha=β2)"),
    "adam": ("OPT-ADAM", "torch.optim.Adam"),
}

for _optimizer, (_cid, _torch) in _TRAJECTORY_IDS.items():
    register(
        Entry(
            id=_cid,
            equation=f"epochs x mini-batches x (forward -> cost -> backward -> {_optimizer} update): costs, final W, b",
            variant=f"train_with_optimizer({_optimizer!r}, mini_batch_size): {_torch} + DataLoader, whole trajectory",
            draw=_draw_trajectory(_optimizer),
            run=_run_trajectory,
            oracle=_trajectory_oracle,
            shapes=TRAJECTORY_SHAPES[_optimizer],
            needs=("train_with_optimizer",),
        )
    )
