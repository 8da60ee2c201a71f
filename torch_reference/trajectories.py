"""Whole training trajectories: the implementation's gradient-descent loop against PyTorch's.

Catalogue ID: GD-LOOP. From the same initial parameters, ``impl.train`` (forward -> cost -> backward
-> update, ``num_iterations`` times) and :func:`torch_reference.training.torch_train`
(``ReferenceNetwork`` + the loss from the logits + ``torch.optim.SGD``) must give the same cost at
every iteration and the same final parameters, within a derived *trajectory* bound.

The bound (``tolerance.trajectory_bound``). Rounding errors do not stay put in a loop: an error in
θ_k is carried into every later step, stretched or shrunk by the step map ``θ -> θ - α ∇J(θ)``, whose
derivative is ``I - α H(θ)`` (H the Hessian of J). To first order, one evaluation of the loop is within
``u·ε_k`` (2-norm) of the exact trajectory, with ``ε_0 = 0`` and

    ε_{k+1} = ρ_k ε_k + s_k,     ρ_k = ‖I - α H(θ_k)‖₂ = max_i |1 - α μ_i(H(θ_k))|,

``s_k`` the 2-norm of step k's own rounding bound (``update_bound`` plus ``α`` times the gradient's
bound from ``model.reference_bounds``). The cost at iteration k is off by at most its own rounding
bound plus ``‖∇J(θ_k)‖₂·ε_k``. Everything is evaluated along a float64 reference trajectory (PyTorch on
the CPU, the exact Hessian by autograd), and is in units of u, so the same bound serves float32 and
float64. Where the loss is not convex (μ_i < 0) or α is large for the local curvature, ρ_k > 1 and
the bound grows geometrically: the cases keep α and the number of iterations moderate (their
ρ_k stay near 1; see ``tests/test_trajectories.py``).

First-order analysis needs a smooth loss along the way: the draw rejects cases whose float64
trajectory brings a ReLU-like pre-activation within ``TRAJECTORY_KINK_MARGIN`` of 0 at any
iteration (there the two runs could take different branches).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from . import cases
from .activations import KINKED, torch_activation
from .device import single_threaded
from .gradient_check import losses_from_logits
from .layout import to_rows
from .losses import torch_output_loss
from .model import draw_model, reference_bounds, reference_pass
from .registry import Case, Entry, Reference, register
from .tolerance import (
    logit_loss_bound,
    mean_bound,
    probability_loss_bound,
    trajectory_bound,
    twin_contraction,
    update_bound,
)
from .training import TrainOptions, torch_train

#: no ReLU-like pre-activation of the float64 trajectory comes closer than this to 0: the float32
#: runs' Z are within ~1e-5 of it (bounds below), so both take the same branch at every iteration
TRAJECTORY_KINK_MARGIN = 1e-4

#: (layer_dims, activations, m, iterations, learning rate): L >= 3, non-square, every output; 12
#: iterations keep the default run short (``tests/test_trajectories.py`` runs 200, marked slow)
GD_SHAPES = [
    ((5, 4, 3, 1), ("tanh", "relu", "sigmoid"), 8, 12, 0.5),
    ((4, 6, 3, 3), ("elu", "leaky_relu", "softmax"), 9, 12, 0.3),
    ((3, 5, 2, 2), ("sigmoid", "tanh", "linear"), 7, 12, 0.1),
]


@dataclass
class Trajectory:
    """The float64 reference trajectory and, per iteration k, what the bound needs."""

    costs: np.ndarray  # J(θ_k), (K,)
    cost_bounds: np.ndarray  # rounding bound of one evaluation of J(θ_k), units of u, (K,)
    step_bounds: np.ndarray  # s_k, units of u, (K,)
    contraction: np.ndarray  # ρ_k = ‖I - α H(θ_k)‖₂, or measured by a twin (K,)
    grad_norms: np.ndarray  # ‖∇J(θ_k)‖₂, (K,)
    min_kink_distance: float  # min |Z| over ReLU-like layers and iterations (inf if none)
    final: dict[str, np.ndarray]  # θ_K
    deviations: np.ndarray | None = None  # the twin's ‖θ'_k - θ_k‖₂, k = 0..K, where ρ_k was measured

    def bounds(self) -> tuple[np.ndarray, float]:
        """``tolerance.trajectory_bound``: the cost bounds per iteration and the final parameters' bound."""
        return trajectory_bound(self.step_bounds, self.contraction, self.grad_norms, self.cost_bounds)


def _keys(L: int) -> list[str]:
    return [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]


def hessian(
    parameters: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray, activations: Sequence[str]
) -> np.ndarray:
    """The Hessian of J with respect to all parameters (W1, b1, ... flattened in that order), float64."""
    keys = _keys(len(activations))
    shapes = [parameters[k].shape for k in keys]
    Xr, Yr = to_rows(X, "cpu", torch.float64), to_rows(Y, "cpu", torch.float64)
    modules = [torch_activation(name) for name in activations]
    loss = torch_output_loss(activations[-1])

    def J(theta: torch.Tensor) -> torch.Tensor:
        A, start = Xr, 0
        for l, shape in enumerate(shapes[::2], start=1):
            size = int(np.prod(shape))
            W = theta[start : start + size].reshape(shape)
            b = theta[start + size : start + size + shape[0]]
            start += size + shape[0]
            Z = A @ W.T + b
            A = modules[l - 1](Z)
        return loss(Z, Yr)

    theta = torch.tensor(np.concatenate([parameters[k].ravel() for k in keys]), dtype=torch.float64)
    return torch.autograd.functional.hessian(J, theta, vectorize=True).numpy()


def cost_bound(output: str, ref: Mapping[str, np.ndarray], B: Mapping[str, Any], Y: np.ndarray, L: int) -> float:
    """Rounding bound (units of u) of one evaluation of J: the larger of the notes' route (from the
    probabilities A[L]) and PyTorch's (from the logits Z[L]), per example, then the mean."""
    probability_route = probability_loss_bound(output, ref[f"A{L}"], Y, B[f"A{L}"])
    logit_route = logit_loss_bound(output, ref[f"Z{L}"], Y, B[f"Z{L}"])
    losses = losses_from_logits(output, ref[f"Z{L}"], Y)
    return mean_bound(losses.ravel(), np.maximum(probability_route, logit_route).ravel())


#: the twin trajectory's start ``θ_0 + η‖θ_0‖ r/‖r‖``: far above rounding, far below any nonlinearity
TWIN_ETA = 2.0**-26


def reference_trajectory(
    parameters: Mapping[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    options: TrainOptions,
    twin: np.random.Generator | None = None,
    eta: float = TWIN_ETA,
) -> Trajectory:
    """Gradient descent in float64 (PyTorch autograd on the CPU), with the ingredients of the bound: per
    iteration the cost, its rounding bound, the step's rounding bound ``s_k``, ``‖∇J‖₂`` and ``ρ_k``.

    ``ρ_k = ‖I - α H(θ_k)‖₂`` from the exact Hessian; or, given ``twin`` (a generator), measured:
    the exact Hessian of a large network (the digits' 64-25-10, 1885 parameters) costs ~20 s per
    iteration, so a twin trajectory is run beside this one from ``θ_0 + η‖θ_0‖ r/‖r‖`` (r standard
    normal from ``twin``) and :func:`torch_reference.tolerance.twin_contraction` reads ρ_k off its
    deviations ``d_k`` (kept in ``Trajectory.deviations``). ``options.lambd`` and ``max_norm`` are not
    part of this loop (REG-EARLY's L2 trajectories: ``regularization.gd_trajectory_bounds``)."""
    acts, alpha = options.activations, options.learning_rate
    L, keys = len(acts), _keys(len(acts))
    theta = {k: np.asarray(parameters[k], np.float64) for k in keys}
    X64, Y64 = np.asarray(X, np.float64), np.asarray(Y, np.float64)
    other = None if twin is None else _twin_start(theta, keys, twin, eta)
    deviations = None if other is None else [_distance(other, theta, keys)]
    rows: dict[str, list[float]] = {k: [] for k in ("costs", "cost_bounds", "step_bounds", "contraction", "grads")}
    kink = np.inf
    with single_threaded():
        for _ in range(options.num_iterations):
            ref = reference_pass(theta, X64, Y64, acts, "cpu", torch.float64)
            B = reference_bounds(theta, Y64, acts, ref)
            for l in range(1, L + 1):
                if acts[l - 1] in KINKED:
                    kink = min(kink, float(np.abs(ref[f"Z{l}"]).min()))
            step = np.concatenate(
                [(update_bound(theta[k], ref[f"d{k}"], alpha) + alpha * B[f"d{k}"]).ravel() for k in keys]
            )
            if other is None:
                mu = np.linalg.eigvalsh(hessian(theta, X64, Y64, acts))
                rows["contraction"].append(float(np.max(np.abs(1 - alpha * mu))))
            rows["costs"].append(float(ref["J"]))
            rows["cost_bounds"].append(cost_bound(acts[-1], ref, B, Y64, L))
            rows["step_bounds"].append(float(np.linalg.norm(step)))
            rows["grads"].append(float(np.linalg.norm(np.concatenate([ref[f"d{k}"].ravel() for k in keys]))))
            theta = {k: theta[k] - alpha * ref[f"d{k}"] for k in keys}
            if other is not None:
                other_ref = reference_pass(other, X64, Y64, acts, "cpu", torch.float64)
                other = {k: other[k] - alpha * other_ref[f"d{k}"] for k in keys}
                deviations.append(_distance(other, theta, keys))
    return Trajectory(
        costs=np.asarray(rows["costs"]),
        cost_bounds=np.asarray(rows["cost_bounds"]),
        step_bounds=np.asarray(rows["step_bounds"]),
        contraction=np.asarray(rows["contraction"]) if deviations is None else twin_contraction(deviations),
        grad_norms=np.asarray(rows["grads"]),
        min_kink_distance=kink,
        final=theta,
        deviations=None if deviations is None else np.asarray(deviations),
    )


def _twin_start(
    theta: Mapping[str, np.ndarray], keys: list[str], rng: np.random.Generator, eta: float
) -> dict[str, np.ndarray]:
    """``θ_0 + η‖θ_0‖ r/‖r‖``, r standard normal (one draw per parameter, in ``keys`` order)."""
    r = {k: rng.standard_normal(theta[k].shape) for k in keys}
    scale = eta * np.sqrt(sum((theta[k] ** 2).sum() for k in keys)) / np.sqrt(sum((v**2).sum() for v in r.values()))
    return {k: theta[k] + scale * r[k] for k in keys}


def _distance(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray], keys: list[str]) -> float:
    return float(np.sqrt(sum(((a[k] - b[k]) ** 2).sum() for k in keys)))


# ----------------------------------------------------------------------- GD-LOOP
def train_options(case: Case) -> TrainOptions:
    """The case's ``learning_rate``, ``num_iterations`` and ``activations``."""
    return TrainOptions(case["learning_rate"], case["num_iterations"], case["activations"])


def draw_trajectory(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    """A network case (``model.draw_model``) whose float64 trajectory stays away from the kinks;
    the trajectory is kept in the case for the oracle's bound."""
    dims, acts, m, iterations, learning_rate = shape

    def draw() -> Case:
        case = draw_model(rng, (dims, acts, m), dtype)
        case.update(learning_rate=learning_rate, num_iterations=iterations)
        case["trajectory"] = reference_trajectory(case["parameters"], case["X"], case["Y"], train_options(case))
        return case

    return cases.redraw(
        draw,
        lambda case: case["trajectory"].min_kink_distance >= TRAJECTORY_KINK_MARGIN,
        f"a network {dims} {acts} whose {iterations}-step trajectory keeps TRAJECTORY_KINK_MARGIN from the kinks",
    )


def _run_train(impl: Any, case: Case) -> dict[str, Any]:
    params, costs = impl.train(
        case["X"],
        case["Y"],
        case["parameters"],
        case["learning_rate"],
        case["num_iterations"],
        activations=case["activations"],
    )
    return {"costs": np.asarray(costs, dtype=case["X"].dtype), **params}


def _train_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    with single_threaded():
        params, costs = torch_train(case["X"], case["Y"], case["parameters"], train_options(case), device, dtype)
    cost_bounds, final_bound = case["trajectory"].bounds()
    refs = {"costs": Reference(np.asarray(costs), cost_bounds)}
    refs.update({k: Reference(v, final_bound) for k, v in params.items()})
    return refs


register(
    Entry(
        id="GD-LOOP",
        equation="(forward -> cost -> backward -> update) x iterations: cost history, final parameters",
        variant="torch.optim.SGD trajectory",
        draw=draw_trajectory,
        run=_run_train,
        oracle=_train_oracle,
        shapes=GD_SHAPES,
        needs=("train",),
    )
)
