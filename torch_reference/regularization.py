"""Regularization in PyTorch, and the registry entries of L2, elastic net, max-norm
and early stopping.

Catalogue IDs: COST-L2, REG-L2-GRAD, COST-ENET, REG-ENET-GRAD, REG-MAXNORM, REG-EARLY.

* COST-L2, COST-ENET: the cost (``BCELoss`` on the probabilities) plus the penalty,
  computed by PyTorch on the weight tensors; biases are drawn non-zero, so a
  penalty on them would show.
* REG-L2-GRAD, REG-ENET-GRAD: autograd of the regularized cost through the whole
  ``ReferenceNetwork`` (``reference_pass(..., penalty=...)``), and the penalty's
  gradient alone on weights holding exact zeros (where ``abs``'s subgradient is
  ``sign(0) = 0`` on both sides); L2 also as one step of ``torch.optim.SGD`` with
  ``weight_decay = λ/m`` on the weights' parameter group (``training.sgd``).
* REG-MAXNORM: ``torch.renorm(W, p=2, dim=0, maxnorm=c)``, whose factor is
  ``c / (‖w‖ + 1e-7)`` (ATen's ``renorm_scale_factor`` kernel, and
  ``torch._refs.renorm``: ``where(norm > maxnorm, maxnorm / (norm + 1e-7), 1)``,
  ``eps`` and ``maxnorm`` cast to the dtype). ``apply_max_norm(W, c, eps=1e-7)`` is
  that formula, compared within rounding; the notes' ``eps = 0`` is compared with the
  known difference ``|w_i| c 1e-7 / (‖w‖(‖w‖ + 1e-7))`` added to the bound
  (``tolerance.formula_difference_bound``): ~1 u in float32, ~10^9 u in float64.
* REG-EARLY: the whole early-stopping procedure in NumPy and in PyTorch from the same
  data and initialization: the same best and stop iterations, the same validation
  costs, and the same best parameters within the trajectory bound
  (:func:`gd_trajectory_bounds`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from . import cases
from .layout import bias_from_torch, to_rows, weight_from_torch
from .losses import torch_output_loss
from .model import ReferenceNetwork, draw_model, reference_bounds, reference_pass, sgd_step
from .registry import Case, Entry, Reference, register
from .tolerance import (
    formula_difference_bound,
    max_norm_bound,
    mean_bound,
    penalty_bound,
    penalty_gradient_bound,
    probability_loss_bound,
    tolerance,
    trajectory_bound,
    trajectory_deviation_bounds,
    update_bound,
)
from .training import TrainOptions, sgd, torch_train_with_early_stopping
from .trajectories import cost_bound, hessian

#: regularization strengths of the entries (none of them 0 or 1)
LAMBD, LAMBD1, LAMBD2 = 0.7, 0.3, 0.45
#: the max-norm c, and PyTorch's epsilon in renorm's factor c / (norm + eps)
MAX_NORM, RENORM_EPS = 1.5, 1e-7
LEARNING_RATE = 0.37


# ----------------------------------------------------------------------- the penalties in PyTorch
def torch_l2_penalty(weights: Sequence[torch.Tensor], m: int, lambd: float = LAMBD) -> torch.Tensor:
    """COST-L2's term: ``λ/(2m) Σ_l ‖W[l]‖_F²``."""
    return lambd / (2 * m) * sum((W**2).sum() for W in weights)


def torch_elastic_net_penalty(
    weights: Sequence[torch.Tensor], m: int, lambd1: float = LAMBD1, lambd2: float = LAMBD2
) -> torch.Tensor:
    """COST-ENET's term: ``(λ1 Σ|W| + λ2 Σ W²) / m``; autograd of ``abs`` at 0 gives 0 = sign(0)."""
    return (lambd1 * sum(W.abs().sum() for W in weights) + lambd2 * sum((W**2).sum() for W in weights)) / m


def _penalty_value(kind: str, weights: Sequence[np.ndarray], m: int) -> float:
    """The penalty in float64, for the bounds."""
    squares = sum(float((np.asarray(W, np.float64) ** 2).sum()) for W in weights)
    if kind == "l2":
        return LAMBD / (2 * m) * squares
    return (LAMBD1 * sum(float(np.abs(np.asarray(W, np.float64)).sum()) for W in weights) + LAMBD2 * squares) / m


def _penalty_gradient_parts(kind: str, W: np.ndarray, m: int) -> np.ndarray:
    """Magnitudes of the terms of the penalty's gradient, ``|λ W / m|`` or ``(λ1 |sign W| + 2 λ2 |W|)/m``."""
    W = np.abs(np.asarray(W, np.float64))
    if kind == "l2":
        return LAMBD / m * W
    return (LAMBD1 * np.sign(W) + 2 * LAMBD2 * W) / m


def _weights(parameters: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    return [parameters[f"W{l}"] for l in range(1, len(parameters) // 2 + 1)]


# ----------------------------------------------------------------------- COST-L2, COST-ENET
#: (layer_dims, m): L = 3, 2 and 1, non-square
PENALTY_SHAPES = [((5, 4, 3, 1), 7), ((3, 6, 1), 12), ((4, 1), 5)]


def draw_penalty(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    """Non-zero-bias parameters, unsaturated probabilities AL (1, m) and labels Y."""
    dims, m = shape
    return {
        "parameters": cases.layer_parameters(rng, list(dims), dtype),
        "AL": cases.probabilities(rng, (1, m), dtype),
        "Y": cases.binary_labels(rng, (1, m), dtype),
        "lambd": LAMBD,  # the λ of the COST-L2 rows (recorded for diagnose.py)
    }


def _cost_entry(cid: str, kind: str, equation: str, run: Any, needs: tuple[str, ...]) -> Entry:
    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        AL, Y, params = case["AL"], case["Y"], case["parameters"]
        m, weights = AL.shape[1], _weights(params)
        Wt = [torch.tensor(W, dtype=dtype, device=device) for W in weights]
        penalty_t = torch_l2_penalty(Wt, m) if kind == "l2" else torch_elastic_net_penalty(Wt, m)
        J = (nn.BCELoss()(to_rows(AL, device, dtype), to_rows(Y, device, dtype)) + penalty_t).item()
        losses = -np.log(np.where(Y == 1, AL.astype(np.float64), 1 - AL.astype(np.float64)))
        B_J = mean_bound(losses, probability_loss_bound("sigmoid", AL, Y))
        penalty = _penalty_value(kind, weights, m)
        count = sum(W.size for W in weights) * (1 if kind == "l2" else 2)  # ENET sums |W| and W²
        bound = B_J + penalty_bound(penalty, count) + abs(J)  # the final J + penalty
        return {"J": Reference(np.asarray(J), bound, scalar=True)}

    return Entry(
        id=cid,
        equation=equation,
        variant="BCE + penalty on W[l] only",
        draw=draw_penalty,
        run=run,
        oracle=oracle,
        shapes=PENALTY_SHAPES,
        needs=needs,
    )


register(
    _cost_entry(
        "COST-L2",
        "l2",
        "J_reg = J + lambd/(2m) sum_l ||W[l]||_F^2",
        lambda impl, c: {"J": impl.compute_cost_with_regularization(c["AL"], c["Y"], c["parameters"], LAMBD)},
        ("compute_cost_with_regularization",),
    )
)
register(
    _cost_entry(
        "COST-ENET",
        "enet",
        "J_enet = J + (1/m)(l1 sum|W| + l2 sum W^2)",
        lambda impl, c: {"J": impl.compute_cost_with_elastic_net(c["AL"], c["Y"], c["parameters"], LAMBD1, LAMBD2)},
        ("compute_cost_with_elastic_net",),
    )
)


# ----------------------------------------------------------------------- REG-L2-GRAD, REG-ENET-GRAD (model)
#: (layer_dims, activations, m): L = 3 and 4 non-square, and the one-layer network
PENALTY_MODEL_SHAPES = [
    ((5, 4, 3, 1), ("relu", "tanh", "sigmoid"), 7),
    ((4, 6, 5, 3, 3), ("tanh", "leaky_relu", "elu", "softmax"), 9),
    ((4, 1), ("sigmoid",), 6),
]


def _penalized_oracle(kind: str):
    """Autograd of J + penalty through the reference network: dW[l] (with the penalty's
    term) and db[l] (without: a penalty on b would show here)."""

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        params, X, Y, acts = case["parameters"], case["X"], case["Y"], case["activations"]
        m = X.shape[1]
        penalty = torch_l2_penalty if kind == "l2" else torch_elastic_net_penalty
        ref = reference_pass(params, X, Y, acts, device, dtype, penalty=penalty)
        B = reference_bounds(params, Y, acts, ref)
        refs = {}
        for l in range(1, len(acts) + 1):
            parts = _penalty_gradient_parts(kind, params[f"W{l}"], m)
            refs[f"dW{l}"] = Reference(ref[f"dW{l}"], penalty_gradient_bound(parts, ref[f"dW{l}"], B[f"dW{l}"]))
            refs[f"db{l}"] = Reference(ref[f"db{l}"], B[f"db{l}"])
        return refs

    return oracle


def _run_l2_backward(impl: Any, case: Case) -> dict[str, Any]:
    acts = case["activations"]
    AL, caches = impl.model_forward(case["X"], case["parameters"], activations=acts)
    grads = impl.model_backward(AL, case["Y"], caches, activations=acts, lambd=LAMBD)
    return {k: v for k, v in grads.items() if k[:2] in ("dW", "db")}


def _run_enet_backward(impl: Any, case: Case) -> dict[str, Any]:
    acts, params, m = case["activations"], case["parameters"], case["X"].shape[1]
    AL, caches = impl.model_forward(case["X"], params, activations=acts)
    grads = impl.model_backward(AL, case["Y"], caches, activations=acts)
    out = {}
    for l in range(1, len(acts) + 1):
        out[f"dW{l}"] = grads[f"dW{l}"] + impl.elastic_net_gradient(params[f"W{l}"], LAMBD1, LAMBD2, m)
        out[f"db{l}"] = grads[f"db{l}"]
    return out


register(
    Entry(
        id="REG-L2-GRAD",
        equation="dW[l] = dW_backprop + (lambd/m) W[l]; db[l] unchanged",
        variant="model_backward(lambd) vs autograd of J_reg",
        draw=lambda rng, shape, dtype: {**draw_model(rng, shape, dtype), "lambd": LAMBD},  # λ for diagnose.py
        run=_run_l2_backward,
        oracle=_penalized_oracle("l2"),
        shapes=PENALTY_MODEL_SHAPES,
        needs=("model_forward", "model_backward"),
    )
)
register(
    Entry(
        id="REG-ENET-GRAD",
        equation="dW[l] = dW_backprop + (1/m)(l1 sign(W) + 2 l2 W)",
        variant="model_backward + elastic_net_gradient vs autograd of J_enet",
        draw=draw_model,
        run=_run_enet_backward,
        oracle=_penalized_oracle("enet"),
        shapes=PENALTY_MODEL_SHAPES,
        needs=("model_forward", "model_backward", "elastic_net_gradient"),
    )
)


# ----------------------------------------------------------------------- REG-L2-GRAD as weight decay
def _run_decay_step(impl: Any, case: Case) -> dict[str, Any]:
    acts, params = case["activations"], case["parameters"]
    AL, caches = impl.model_forward(case["X"], params, activations=acts)
    grads = impl.model_backward(AL, case["Y"], caches, activations=acts, lambd=LAMBD)
    return impl.update_parameters(params, grads, LEARNING_RATE)


def _decay_step_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    """One ``torch.optim.SGD`` step, ``weight_decay = λ/m`` on the weights only, on the
    *unregularized* cost: the notes' ``W ← (1 - αλ/m) W - α dW_backprop``."""
    params, X, Y, acts = case["parameters"], case["X"], case["Y"], case["activations"]
    m, alpha = X.shape[1], LEARNING_RATE
    net = ReferenceNetwork(params, acts, device, dtype)
    optimizer = sgd(net, alpha, LAMBD, m)
    Zs, _As = net(to_rows(X, device, dtype))
    torch_output_loss(acts[-1])(Zs[-1], to_rows(Y, device, dtype)).backward()
    optimizer.step()
    ref = reference_pass(params, X, Y, acts, "cpu", torch.float64)  # float64 values for the bounds
    B = reference_bounds(params, Y, acts, ref)
    refs = {}
    for l, linear in enumerate(net.linears, start=1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        dW = ref[f"dW{l}"] + LAMBD / m * np.asarray(W, np.float64)
        B_dW = penalty_gradient_bound(_penalty_gradient_parts("l2", W, m), dW, B[f"dW{l}"])
        refs[f"W{l}"] = Reference(weight_from_torch(linear.weight), alpha * B_dW + update_bound(W, dW, alpha))
        refs[f"b{l}"] = Reference(
            bias_from_torch(linear.bias), alpha * B[f"db{l}"] + update_bound(b, ref[f"db{l}"], alpha)
        )
    return refs


register(
    Entry(
        id="REG-L2-GRAD",
        equation="W <- (1 - a lambd/m) W - a dW_backprop = SGD(weight_decay = lambd/m) on W only",
        variant="one step vs torch.optim.SGD weight_decay = lambd/m",
        draw=draw_model,
        run=_run_decay_step,
        oracle=_decay_step_oracle,
        shapes=PENALTY_MODEL_SHAPES[::2],
        needs=("model_forward", "model_backward", "update_parameters"),
    )
)


# ----------------------------------------------------------------------- REG-ENET-GRAD: the penalty alone, at 0
def draw_sparse(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    """Parameters whose weights hold exact zeros (about a quarter), where |w| has no
    derivative and both sides must use sign(0) = 0."""
    dims, m = shape
    params = cases.layer_parameters(rng, list(dims), dtype)
    for l in range(1, len(dims)):
        W = params[f"W{l}"]
        W[rng.random(W.shape) < 0.25] = 0
        W.flat[0] = 0  # at least one
    return {"parameters": params, "m": m}


def _run_enet_term(impl: Any, case: Case) -> dict[str, Any]:
    W = _weights(case["parameters"])
    return {f"dW{l} penalty": impl.elastic_net_gradient(Wl, LAMBD1, LAMBD2, case["m"]) for l, Wl in enumerate(W, 1)}


def _enet_term_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    weights, m = _weights(case["parameters"]), case["m"]
    Wt = [torch.tensor(W, dtype=dtype, device=device, requires_grad=True) for W in weights]
    torch_elastic_net_penalty(Wt, m).backward()
    refs = {}
    for l, (W, t) in enumerate(zip(weights, Wt, strict=True), start=1):
        value = weight_from_torch(t.grad)
        refs[f"dW{l} penalty"] = Reference(value, penalty_gradient_bound(_penalty_gradient_parts("enet", W, m), value))
    return refs


register(
    Entry(
        id="REG-ENET-GRAD",
        equation="(1/m)(l1 sign(W) + 2 l2 W), sign(0) = 0",
        variant="penalty gradient, W with exact zeros",
        draw=draw_sparse,
        run=_run_enet_term,
        oracle=_enet_term_oracle,
        shapes=PENALTY_SHAPES,
        needs=("elastic_net_gradient",),
    )
)


# ----------------------------------------------------------------------- REG-MAXNORM
#: (n[l], n[l-1]): non-square both ways, one neuron, one input
MAXNORM_SHAPES = [(5, 3), (3, 7), (1, 4), (6, 1)]
#: no row norm is drawn within this relative distance of c: there the two sides could
#: take different branches of ``norm > c`` (a rounding of ~k·u apart), as at a kink
MAXNORM_MARGIN = 0.05


def draw_rows(rng: np.random.Generator, shape: tuple[int, int], dtype: type, c: float = MAX_NORM) -> np.ndarray:
    """W whose rows alternate between norms in [0.3c, 0.8c] (kept as they are) and in
    [1.25c, 3c] (rescaled), in random directions."""
    n_out, _n_in = shape
    directions = rng.standard_normal(shape)
    directions /= np.sqrt((directions**2).sum(axis=1, keepdims=True))
    inside = (np.arange(n_out) + rng.integers(2)) % 2 == 0
    norms = np.where(inside, rng.uniform(0.3, 0.8, n_out), rng.uniform(1.25, 3.0, n_out)) * c
    return (directions * norms[:, None]).astype(dtype)


def renorm_difference(W: np.ndarray, c: float = MAX_NORM, eps: float = RENORM_EPS) -> np.ndarray:
    """The exact difference between the notes' ``w c/‖w‖`` and renorm's ``w c/(‖w‖ + eps)``
    on the rescaled rows (0 elsewhere), in float64."""
    W = np.asarray(W, np.float64)
    norms = np.sqrt((W**2).sum(axis=1, keepdims=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(norms > c, np.abs(W) * c * eps / (norms * (norms + eps)), 0.0)


def _maxnorm_entry(eps: float, variant: str) -> Entry:
    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        W = case["W"]
        value = weight_from_torch(torch.renorm(torch.tensor(W, dtype=dtype, device=device), 2, 0, MAX_NORM))
        bound = max_norm_bound(W, MAX_NORM)
        if eps != RENORM_EPS:  # the notes' formula: PyTorch's 1e-7 is a difference of formulas
            bound = bound + formula_difference_bound(renorm_difference(W, MAX_NORM, RENORM_EPS - eps), dtype)
        return {"W": Reference(value, bound)}

    return Entry(
        id="REG-MAXNORM",
        equation="each row w of W[l]: w <- w c / ||w||_2 if ||w||_2 > c",
        variant=variant,
        draw=lambda rng, shape, dtype: {"W": draw_rows(rng, shape, dtype)},
        run=lambda impl, c: {"W": impl.apply_max_norm(c["W"], MAX_NORM, eps)},
        oracle=oracle,
        shapes=MAXNORM_SHAPES,
        needs=("apply_max_norm",),
    )


register(_maxnorm_entry(RENORM_EPS, "eps = 1e-7: torch.renorm's formula"))
register(_maxnorm_entry(0.0, "eps = 0: the notes' formula, renorm's 1e-7 in the tolerance"))


def draw_update_rows(rng: np.random.Generator, dims: tuple[int, ...], dtype: type) -> Case:
    """Parameters, gradients and a step whose updated weights have rows on both sides of
    c, none within ``MAXNORM_MARGIN`` of it; biases ~ N(0, 2²), many beyond c, so that a
    constraint wrongly applied to them shows."""

    def draw() -> Case:
        params = {}
        for l in range(1, len(dims)):
            params[f"W{l}"] = draw_rows(rng, (dims[l], dims[l - 1]), dtype)
            params[f"b{l}"] = cases.normal(rng, (dims[l], 1), dtype, 2.0)
        grads = {f"d{k}": cases.normal(rng, v.shape, dtype, 0.3) for k, v in params.items()}
        return {"parameters": params, "grads": grads}

    def accept(case: Case) -> bool:
        params, grads = case["parameters"], case["grads"]
        norms = [
            np.sqrt(((params[k] - LEARNING_RATE * grads[f"d{k}"].astype(np.float64)) ** 2).sum(axis=1))
            for k in params
            if k.startswith("W")
        ]
        return all((np.abs(n / MAX_NORM - 1) > MAXNORM_MARGIN).all() for n in norms)

    return cases.redraw(draw, accept, f"a GD step of {dims} with no updated row norm within MAXNORM_MARGIN of c")


def _run_update_max_norm(impl: Any, case: Case) -> dict[str, Any]:
    new = impl.update_parameters(case["parameters"], case["grads"], LEARNING_RATE)
    return impl.max_norm_parameters(new, MAX_NORM)


def _update_max_norm_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    """``torch.optim.SGD`` step, then ``torch.renorm`` of each weight (as ``training.TorchGD.step``)."""
    params, grads, alpha = case["parameters"], case["grads"], LEARNING_RATE
    tensors = {k: torch.tensor(v, dtype=dtype, device=device, requires_grad=True) for k, v in params.items()}
    for k, t in tensors.items():
        t.grad = torch.tensor(grads[f"d{k}"], dtype=dtype, device=device)
    sgd_step(list(tensors.values()), alpha)
    refs = {}
    for k, t in tensors.items():
        B_step = update_bound(params[k], grads[f"d{k}"], alpha)
        if k.startswith("b"):
            refs[k] = Reference(t.detach().cpu().double().numpy(), B_step)
            continue
        value = weight_from_torch(torch.renorm(t.detach(), 2, 0, MAX_NORM))
        stepped = np.asarray(params[k], np.float64) - alpha * np.asarray(grads[f"d{k}"], np.float64)
        bound = max_norm_bound(stepped, MAX_NORM, B_step)
        bound = bound + formula_difference_bound(renorm_difference(stepped), dtype)  # notes' eps = 0
        refs[k] = Reference(value, bound)
    return refs


register(
    Entry(
        id="REG-MAXNORM",
        equation="after the update W[l] -= a dW[l]: every row rescaled to ||w||_2 <= c; b untouched",
        variant="after a GD step: update_parameters, then max_norm_parameters",
        draw=draw_update_rows,
        run=_run_update_max_norm,
        oracle=_update_max_norm_oracle,
        shapes=[(5, 4, 3, 1), (3, 6, 2)],
        needs=("update_parameters", "max_norm_parameters"),
    )
)


# ----------------------------------------------------------------------- trajectory bounds
@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run PyTorch's CPU ops on one thread, then restore the setting. The bounds below
    evaluate tiny float64 networks and Hessians step after step; on a busy 2-core machine
    intra-op threads make them 10-30x slower, never faster."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def gd_contraction(parameters: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray, options: TrainOptions) -> float:
    """``ρ = ‖I - α H‖₂ = max_i |1 - α μ_i|``: how much one GD step can stretch a
    perturbation of the parameters, μ_i the eigenvalues of the Hessian H of
    ``J + λ/(2m) Σ‖W‖²`` at ``parameters`` (float64). H is ``trajectories.hessian`` (the
    data term, by autograd) plus the penalty's, ``(λ/m) I`` on the weights' coordinates
    (``options``: α, the activations and λ)."""
    activations, lambd = options.activations, options.lambd
    H = hessian(parameters, X, Y, activations)
    L, m = len(activations), X.shape[1]
    on_weights = np.concatenate(
        [np.full(parameters[f"{p}{l}"].size, p == "W", dtype=bool) for l in range(1, L + 1) for p in "Wb"]
    )
    H = H + np.diag(np.where(on_weights, lambd / m, 0.0))
    mu = np.linalg.eigvalsh((H + H.T) / 2)
    return float(np.max(np.abs(1 - options.learning_rate * mu)))


def gd_step_bound(parameters: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray, options: TrainOptions) -> float:
    """``s = ‖α·B_dθ + update_bound‖₂`` (units of u): the rounding of one GD step taken
    at ``parameters`` (the gradient's own bound, carried by α, then the update's), with
    the L2 term ``(λ/m) W`` in dW when ``lambd > 0`` (in the gradient, or as SGD's decay)."""
    activations, alpha, lambd, m = options.activations, options.learning_rate, options.lambd, X.shape[1]
    penalty = functools.partial(torch_l2_penalty, lambd=lambd) if lambd > 0 else None
    ref = reference_pass(parameters, X, Y, activations, "cpu", torch.float64, penalty=penalty)
    B = reference_bounds(parameters, Y, activations, ref)
    squares = 0.0
    for l in range(1, len(activations) + 1):
        W, b, dW, db = parameters[f"W{l}"], parameters[f"b{l}"], ref[f"dW{l}"], ref[f"db{l}"]
        B_dW = penalty_gradient_bound(lambd / m * np.abs(np.asarray(W, np.float64)), dW, B[f"dW{l}"])
        squares += float(((alpha * B_dW + update_bound(W, dW, alpha)) ** 2).sum())
        squares += float(((alpha * B[f"db{l}"] + update_bound(b, db, alpha)) ** 2).sum())
    return float(np.sqrt(squares))


def gd_step_bounds(
    iterates: Sequence[Mapping[str, np.ndarray]], X: np.ndarray, Y: np.ndarray, options: TrainOptions
) -> tuple[list[float], list[float]]:
    """``s_k`` (:func:`gd_step_bound`) and ``ρ_k`` (:func:`gd_contraction`) of the step taken at
    each of ``iterates``: the ingredients of ``ε_{k+1} = ρ_k ε_k + s_k``."""
    steps = [gd_step_bound(theta, X, Y, options) for theta in iterates]
    rho = [gd_contraction(theta, X, Y, options) for theta in iterates]
    return steps, rho


def gd_trajectory_bounds(
    trajectory: Sequence[Mapping[str, np.ndarray]], X: np.ndarray, Y: np.ndarray, options: TrainOptions
) -> np.ndarray:
    """``ε_0, ε_1, ..., ε_K`` (units of u): how far one evaluation of the K steps can be
    from the exact trajectory, after each step (``tolerance.trajectory_bound``'s recurrence
    ``ε_{k+1} = ρ_k ε_k + s_k``, ε_0 = 0: both sides start from the same parameters;
    ``tolerance.trajectory_deviation_bounds``).

    ``trajectory``: the parameters after 0..K steps, a float64 run standing in for the
    exact one (first order: the difference changes the bounds by a relative O(ε u)).
    Every element of the parameters after k steps is within ``u·ε_k`` (the 2-norm bounds
    each element), so ``tolerance(dtype, ε_k, value)`` bounds the difference of two
    evaluations (NumPy and PyTorch), element by element.
    """
    with single_threaded():
        steps, rho = gd_step_bounds(trajectory[:-1], X, Y, options)
    return trajectory_deviation_bounds(steps, rho)


# ----------------------------------------------------------------------- REG-EARLY
#: (layer_dims, activations, m, m_val): smooth hidden activations (the trajectory bound
#: linearizes each step), L = 3, non-square
EARLY_SHAPES = [((3, 5, 3, 1), ("tanh", "elu", "sigmoid"), 10, 24)]
EARLY_LEARNING_RATE, EARLY_MAX_ITERATIONS, EARLY_PATIENCE = 1.0, 30, 4
#: cases whose validation minimum comes before this iteration are redrawn (vacuous)
EARLY_MIN_BEST = 3


def early_arrays(data: Mapping[str, Any]) -> tuple[np.ndarray, ...]:
    """``X, Y, X_val, Y_val, parameters`` of an early-stopping case, in the loops' order."""
    return data["X"], data["Y"], data["X_val"], data["Y_val"], data["parameters"]


def early_options(data: Mapping[str, Any], lambd: float = 0.0) -> TrainOptions:
    """REG-EARLY's loop: ``EARLY_LEARNING_RATE``, at most ``EARLY_MAX_ITERATIONS`` steps."""
    return TrainOptions(EARLY_LEARNING_RATE, EARLY_MAX_ITERATIONS, data["activations"], lambd=lambd)


def cost_evaluation(
    parameters: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray, activations: Sequence[str]
) -> tuple[float, float, float]:
    """The cost J at ``parameters`` (float64), the bound of one evaluation (units of u,
    ``trajectories.cost_bound``: the larger of PyTorch's route from the logits and the
    notes' from the probabilities), and ``‖∇J‖₂``, which carries a parameter error ``u·ε``
    into J."""
    L = len(activations)
    ref = reference_pass(parameters, X, Y, activations, "cpu", torch.float64)
    B = reference_bounds(parameters, Y, activations, ref)
    norm = np.sqrt(sum(float((ref[f"d{p}{l}"] ** 2).sum()) for l in range(1, L + 1) for p in "Wb"))
    return float(ref["J"]), cost_bound(activations[-1], ref, B, Y, L), norm


def early_data(rng: np.random.Generator, shape: tuple) -> dict[str, Any]:
    """Train and validation sets labeled by two different directions (45° apart): the
    validation cost first falls as the network learns the shared part, then rises."""
    dims, acts, m, m_val = shape
    n0 = dims[0]
    w = rng.standard_normal((1, n0))
    w /= np.linalg.norm(w)
    v = rng.standard_normal((1, n0))
    v -= (v @ w.T) * w
    v /= np.linalg.norm(v)
    w_val = np.cos(np.pi / 4) * w + np.sin(np.pi / 4) * v
    X, X_val = rng.standard_normal((n0, m)), rng.standard_normal((n0, m_val))
    return {
        "X": X,
        "Y": (w @ X > 0).astype(np.float64),
        "X_val": X_val,
        "Y_val": (w_val @ X_val > 0).astype(np.float64),
        "parameters": cases.layer_parameters(rng, list(dims), np.float64),
        "activations": list(acts),
    }


def cast_arrays(data: Any, dtype: type) -> Any:
    if isinstance(data, np.ndarray):
        return data.astype(dtype)
    if isinstance(data, dict):
        return {k: cast_arrays(v, dtype) for k, v in data.items()}
    return data


def _digest(data: dict[str, Any]) -> str:
    h = hashlib.sha256()
    for key in ("X", "Y", "X_val", "Y_val"):
        h.update(data[key].tobytes())
    for key in sorted(data["parameters"]):
        h.update(data["parameters"][key].tobytes())
    h.update(repr(data["activations"]).encode())
    return h.hexdigest()


#: bounds of a drawn case, by the digest of its float64 data: computed once (the Hessians
#: are the expensive part) and shared by its float32 and float64 cases (first order, the
#: bounds do not depend on the rounding of the inputs)
_EARLY_BOUNDS: dict[str, dict[str, Any]] = {}


def early_stopping_bounds(data: Mapping[str, Any], lambd: float = 0.0) -> dict[str, Any] | None:
    """The float64 early-stopping run of ``data`` and the bounds (units of u) of what is
    compared: ``val_costs`` (one per iteration) and ``parameters`` (the best ones).

    None for a case that cannot tell right from wrong: one whose best iteration is below
    ``EARLY_MIN_BEST`` or that never stops early, or one where a decision
    ``v[t] < min(v[:t])`` is closer than float32's tolerance of the two validation costs
    (there NumPy and PyTorch may legitimately decide differently)."""
    X, Y, X_val, Y_val, params = early_arrays(data)
    options = early_options(data, lambd)
    run = torch_train_with_early_stopping(X, Y, X_val, Y_val, params, options, EARLY_PATIENCE)
    if run.best_iteration < EARLY_MIN_BEST or run.stopped_iteration == EARLY_MAX_ITERATIONS:
        return None  # a vacuous case: the first parameters are the best, or the loop never stops
    K = run.stopped_iteration
    steps, rho = gd_step_bounds(run.trajectory[:K], X, Y, options)
    evaluations = [cost_evaluation(theta, X_val, Y_val, options.activations) for theta in run.trajectory]
    values = np.array([e[0] for e in evaluations])
    val_bounds, _ = trajectory_bound(
        [*steps, 0.0], [*rho, 1.0], np.array([e[2] for e in evaluations]), np.array([e[1] for e in evaluations])
    )
    eps_best = float(trajectory_deviation_bounds(steps, rho)[run.best_iteration])
    tol32 = tolerance(np.float32, val_bounds, values)
    best = 0
    for t in range(1, K + 1):
        if abs(values[t] - values[best]) <= tol32[t] + tol32[best]:
            return None
        if values[t] < values[best]:
            best = t
    return {"run": run, "val_costs": val_bounds, "parameters": eps_best}


def draw_early(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    """Data (float64, then rounded to ``dtype``), redrawn until every decision of the
    procedure is clear (see :func:`early_stopping_bounds`)."""

    def clear(key: str, data: dict[str, Any]) -> bool:
        if key not in _EARLY_BOUNDS:
            with single_threaded():
                _EARLY_BOUNDS[key] = early_stopping_bounds(data)
        return _EARLY_BOUNDS[key] is not None

    def draw() -> tuple[str, dict[str, Any]]:
        data = early_data(rng, shape)
        return _digest(data), data

    what = f"early-stopping data {shape} whose every decision is clear"
    key, data = cases.redraw(draw, lambda drawn: clear(*drawn), what)
    return {**cast_arrays(data, dtype), "key": key}


def _run_early(impl: Any, case: Case) -> dict[str, Any]:
    params, best, stopped, _costs, val_costs = impl.train_with_early_stopping(
        *early_arrays(case), EARLY_LEARNING_RATE, EARLY_MAX_ITERATIONS, EARLY_PATIENCE, activations=case["activations"]
    )
    # validation costs are Python floats of the case's dtype's arithmetic: exact in that dtype
    out = {"best_iteration": float(best), "stopped_iteration": float(stopped)}
    out["val_costs"] = np.asarray(val_costs, dtype=case["X"].dtype)
    out.update(params)
    return out


def _fit(bound: np.ndarray, n: int) -> np.ndarray:
    return np.concatenate([bound, np.zeros(max(0, n - len(bound)))])[:n]


#: PyTorch's runs by (case digest, device, dtype): the same case is checked by several tests
_EARLY_RUNS: dict[tuple[str, str, torch.dtype], Any] = {}


def _early_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    bounds = _EARLY_BOUNDS[case["key"]]
    if (case["key"], device, dtype) not in _EARLY_RUNS:
        _EARLY_RUNS[case["key"], device, dtype] = torch_train_with_early_stopping(
            *early_arrays(case), early_options(case), EARLY_PATIENCE, device, dtype
        )
    run = _EARLY_RUNS[case["key"], device, dtype]
    refs = {
        "best_iteration": Reference(np.asarray(float(run.best_iteration)), 0.0, scalar=True),
        "stopped_iteration": Reference(np.asarray(float(run.stopped_iteration)), 0.0, scalar=True),
        # (a run of another length than the float64 one fails on its iterations and shape; the
        # zero padding only keeps the bound's shape)
        "val_costs": Reference(np.asarray(run.val_costs), _fit(bounds["val_costs"], len(run.val_costs))),
    }
    refs.update({k: Reference(v, bounds["parameters"]) for k, v in run.parameters.items()})
    return refs


register(
    Entry(
        id="REG-EARLY",
        equation="keep the parameters of the lowest validation cost; stop after `patience` without improvement",
        variant=f"patience {EARLY_PATIENCE}, same data and initialization",
        draw=draw_early,
        run=_run_early,
        oracle=_early_oracle,
        shapes=EARLY_SHAPES,
        needs=("train_with_early_stopping",),
    )
)

__all__ = [
    "gd_contraction",
    "gd_step_bound",
    "gd_step_bounds",
    "gd_trajectory_bounds",
    "torch_elastic_net_penalty",
    "torch_l2_penalty",
]
