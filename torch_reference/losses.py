"""PyTorch's losses (``BCELoss``, ``BCEWithLogitsLoss``, ``CrossEntropyLoss``) and the
registry entries of the costs and of the gradients that start backpropagation.

Catalogue IDs: COST-BCE, COST-CE, BWD-DAL, BWD-DZL.

All PyTorch losses here use ``reduction="mean"``, i.e. the cost J; gradients with
respect to A[L] or Z[L] are converted to the notes' per-example scale by
``layout.per_example_grad`` (times m).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from . import cases
from .activations import torch_activation
from .layout import from_rows, per_example_grad, to_rows
from .registry import Case, Entry, Reference, register
from .tolerance import ELEMENTARY, activation_bound, logit_loss_bound, mean_bound, output_dZ_bound, softmax_bound

#: (n[L], m) shapes of binary outputs and of softmax outputs
BINARY_SHAPES = [(1, 8), (1, 33), (1, 1)]
SOFTMAX_SHAPES = [(4, 9), (10, 5), (3, 1)]
REGRESSION_SHAPES = [(2, 7), (1, 4)]


def torch_output_loss(output_activation: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The cost J as PyTorch computes it *from the logits* Z[L] (rows layout) and Y.

    sigmoid: ``BCEWithLogitsLoss``; softmax: ``CrossEntropyLoss`` with class-index
    targets; linear: half the mean-over-examples squared error.
    """
    if output_activation == "sigmoid":
        return nn.BCEWithLogitsLoss()
    if output_activation == "softmax":
        ce = nn.CrossEntropyLoss()
        return lambda Z, Y: ce(Z, Y.argmax(dim=1))
    if output_activation == "linear":
        return lambda Z, Y: 0.5 * ((Z - Y) ** 2).sum() / Z.shape[0]
    raise ValueError(f"no loss is paired with output activation {output_activation!r}")


def draw_binary(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> Case:
    """Unsaturated probabilities AL, their logits Z, and labels Y in {0, 1}."""
    return {
        "AL": cases.probabilities(rng, shape, dtype),
        "Z": cases.signed(rng, shape, dtype),
        "Y": cases.binary_labels(rng, shape, dtype),
    }


def draw_softmax(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> Case:
    """Logits Z and one-hot Y (classes, m)."""
    n, m = shape
    Y = np.zeros(shape, dtype=dtype)
    Y[cases.class_labels(rng, n, m), np.arange(m)] = 1
    return {"Z": cases.normal(rng, shape, dtype, 2.0), "Y": Y}


def draw_regression(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> Case:
    return {"Z": cases.normal(rng, shape, dtype), "Y": cases.normal(rng, shape, dtype)}


# ----------------------------------------------------------------------- COST-BCE
def _bce_losses(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return -np.log(np.where(Y == 1, AL.astype(np.float64), 1 - AL.astype(np.float64)))


def _cost_bce_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    AL, Y = case["AL"], case["Y"]
    J = nn.BCELoss()(to_rows(AL, device, dtype), to_rows(Y, device, dtype)).item()
    losses = _bce_losses(AL, Y)
    # each loss: log (ELEMENTARY) of 1 - a (1 rounding, relative error |a/(1-a)| <= 19 here)
    B_losses = ELEMENTARY * np.abs(losses) + 20
    return {"J": Reference(np.asarray(J), mean_bound(losses, B_losses), scalar=True)}


register(
    Entry(
        id="COST-BCE",
        equation="J = -(1/m) sum (y log a + (1-y) log(1-a))",
        variant="BCELoss",
        draw=draw_binary,
        run=lambda impl, c: {"J": impl.compute_cost(c["AL"], c["Y"])},
        oracle=_cost_bce_oracle,
        shapes=BINARY_SHAPES,
        needs=("compute_cost",),
    )
)


def _cost_bce_logits_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    Z, Y = case["Z"], case["Y"]
    J = torch_output_loss("sigmoid")(to_rows(Z, device, dtype), to_rows(Y, device, dtype)).item()
    A = 1 / (1 + np.exp(-Z.astype(np.float64)))
    losses = _bce_losses(A, Y)
    B_A = activation_bound("sigmoid", Z, A)
    # d(-log a)/da = 1/a, d(-log(1-a))/da = 1/(1-a): the sigmoid's error carried into the log
    carried = np.where(Y == 1, B_A / A, B_A / (1 - A)) + 1
    return {"J": Reference(np.asarray(J), mean_bound(losses, carried + ELEMENTARY * np.abs(losses)), scalar=True)}


register(
    Entry(
        id="COST-BCE",
        equation="J = -(1/m) sum (y log a + (1-y) log(1-a))",
        variant="a = sigmoid(Z) vs BCEWithLogitsLoss",
        draw=draw_binary,
        run=lambda impl, c: {"J": impl.compute_cost(impl.sigmoid(c["Z"]), c["Y"])},
        oracle=_cost_bce_logits_oracle,
        shapes=BINARY_SHAPES,
        needs=("compute_cost", "sigmoid"),
    )
)


# ----------------------------------------------------------------------- COST-CE
def _cost_ce_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    Z, Y = case["Z"], case["Y"]
    J = torch_output_loss("softmax")(to_rows(Z, device, dtype), to_rows(Y, device, dtype)).item()
    Z64 = Z.astype(np.float64)
    logA = Z64 - Z64.max(axis=0) - np.log(np.exp(Z64 - Z64.max(axis=0)).sum(axis=0))
    A = np.exp(logA)
    losses = -(Y * logA).sum(axis=0)
    # error of log a_k: relative error of a_k (softmax bound / a), plus the log's own rounding
    B_losses = (Y * (softmax_bound(Z) / A + ELEMENTARY * np.abs(logA))).sum(axis=0) + Z.shape[0] * np.abs(losses)
    return {"J": Reference(np.asarray(J), mean_bound(losses, B_losses), scalar=True)}


register(
    Entry(
        id="COST-CE",
        equation="J = -(1/m) sum_i sum_k y_k log a_k, a = softmax(z)",
        draw=draw_softmax,
        run=lambda impl, c: {"J": impl.compute_cost_cross_entropy(impl.softmax(c["Z"]), c["Y"])},
        oracle=_cost_ce_oracle,
        shapes=SOFTMAX_SHAPES,
        needs=("compute_cost_cross_entropy", "softmax"),
    )
)


# ----------------------------------------------------------------------- BWD-DAL
def _dal_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    AL, Y = case["AL"], case["Y"]
    ALt = to_rows(AL, device, dtype, requires_grad=True)
    nn.BCELoss()(ALt, to_rows(Y, device, dtype)).backward()
    dAL = per_example_grad(ALt, AL.shape[1])
    # ours: two divisions, a subtraction, 1 - a; PyTorch's: (a - y) / (a(1 - a)): 6 covers both
    return {"dAL": Reference(dAL, 6 * np.abs(dAL))}


register(
    Entry(
        id="BWD-DAL",
        equation="dA[L] = -(Y/A[L] - (1-Y)/(1-A[L]))",
        draw=draw_binary,
        run=lambda impl, c: {"dAL": impl.bce_backward(c["AL"], c["Y"])},
        oracle=_dal_oracle,
        shapes=BINARY_SHAPES,
        needs=("bce_backward",),
    )
)


# ----------------------------------------------------------------------- BWD-DZL
def _dzl_entry(output: str, loss_name: str, draw: Callable[..., Case], shapes: list[tuple[int, int]]) -> Entry:
    def run(impl: Any, case: Case) -> dict[str, Any]:
        AL = getattr(impl, output)(case["Z"])
        return {"dZL": impl.output_backward(AL, case["Y"], output)}

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        Z, Y = case["Z"], case["Y"]
        Zt = to_rows(Z, device, dtype, requires_grad=True)
        torch_output_loss(output)(Zt, to_rows(Y, device, dtype)).backward()
        dZL = per_example_grad(Zt, Z.shape[1])
        with torch.no_grad():
            A = from_rows(torch_activation(output)(to_rows(Z, device, torch.float64)))
        return {"dZL": Reference(dZL, output_dZ_bound(A, Y, activation_bound(output, Z, A)))}

    return Entry(
        id="BWD-DZL",
        variant=f"{output} + {loss_name}",
        equation="dZ[L] = A[L] - Y",
        draw=draw,
        run=run,
        oracle=oracle,
        shapes=shapes,
        needs=("output_backward", output),
    )


register(_dzl_entry("sigmoid", "BCEWithLogitsLoss", draw_binary, BINARY_SHAPES))
register(_dzl_entry("softmax", "CrossEntropyLoss", draw_softmax, SOFTMAX_SHAPES))
register(_dzl_entry("linear", "squared error", draw_regression, REGRESSION_SHAPES))


# ----------------------------------------------------------------------- COST-BCE, COST-CE from the logits
def _cost_from_logits_entry(cid: str, output: str, draw: Callable[..., Case], shapes: list[tuple[int, int]],
                            function: str) -> Entry:  # fmt: skip
    """The stable form of the cost, from Z[L] (scratch_nn.logit_costs), against PyTorch's
    ``BCEWithLogitsLoss`` / ``CrossEntropyLoss``, which compute the same identities."""

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        Z, Y = case["Z"], case["Y"]
        J = torch_output_loss(output)(to_rows(Z, device, dtype), to_rows(Y, device, dtype)).item()
        B = logit_loss_bound(output, Z, Y)
        losses = np.full(Z.shape[1], J)  # the sum's magnitude: every loss is >= 0, their mean is J
        return {"J": Reference(np.asarray(J), mean_bound(losses, B), scalar=True)}

    return Entry(
        id=cid,
        variant=f"from the logits vs {'BCEWithLogitsLoss' if output == 'sigmoid' else 'CrossEntropyLoss'}",
        equation="J = -(1/m) sum (y log a + (1-y) log(1-a))"
        if output == "sigmoid"
        else "J = -(1/m) sum_i sum_k y_k log a_k, a = softmax(z)",
        draw=draw,
        run=lambda impl, c: {"J": getattr(impl, function)(c["Z"], c["Y"])},
        oracle=oracle,
        shapes=shapes,
        needs=(function,),
    )


register(_cost_from_logits_entry("COST-BCE", "sigmoid", draw_binary, BINARY_SHAPES, "compute_cost_from_logits"))
register(_cost_from_logits_entry("COST-CE", "softmax", draw_softmax, SOFTMAX_SHAPES,
                                 "compute_cost_cross_entropy_from_logits"))  # fmt: skip
