"""The registry entries of the costs and of the gradients that start backpropagation, derived from
the loss descriptions in ``ops.py`` (``BCEWithLogitsLoss``, ``CrossEntropyLoss``, half squared error).

Catalogue IDs: COST-BCE, COST-CE, BWD-DAL, BWD-DZL.

All PyTorch losses here use ``reduction="mean"``, i.e. the cost J; gradients with
respect to A[L] or Z[L] are converted to the notes' per-example scale by
``layout.per_example_grad`` (times m). BWD-DZL and the costs from the logits are one entry per
``ops.LOSSES``; each declares its finite difference (``Entry.fd``) and its planted bugs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from .activations import torch_activation
from .finite_differences import fd_dal, fd_dzl
from .layout import from_rows, per_example_grad, to_rows
from .ops import BCE, CE, LOSSES, Loss, loss, planted_bugs, sigmoid64
from .registry import Case, Entry, Reference, register
from .tolerance import (
    ELEMENTARY,
    activation_bound,
    bce_derivative_bound,
    bce_probability_losses_bound,
    logit_loss_bound,
    mean_bound,
    output_dZ_bound,
    softmax_bound,
)


def torch_output_loss(output_activation: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The cost J as PyTorch computes it *from the logits* Z[L] (rows layout) and Y: the loss
    description's (sigmoid: ``BCEWithLogitsLoss``; softmax: ``CrossEntropyLoss`` with class-index
    targets; linear: half the mean-over-examples squared error)."""
    return loss(output_activation).torch_loss()


# ----------------------------------------------------------------------- COST-BCE
def _bce_losses(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return -np.log(np.where(Y == 1, AL.astype(np.float64), 1 - AL.astype(np.float64)))


def _cost_bce_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    AL, Y = case["AL"], case["Y"]
    J = nn.BCELoss()(to_rows(AL, device, dtype), to_rows(Y, device, dtype)).item()
    losses = _bce_losses(AL, Y)
    return {"J": Reference(np.asarray(J), mean_bound(losses, bce_probability_losses_bound(losses)), scalar=True)}


COST_BCE = register(
    Entry(
        id=BCE.id,
        equation=BCE.equation,
        variant="BCELoss",
        draw=BCE.draw,
        run=lambda impl, c: {"J": impl.compute_cost(c["AL"], c["Y"])},
        oracle=_cost_bce_oracle,
        shapes=list(BCE.shapes),
        needs=(BCE.cost,),
        mutants=planted_bugs(BCE, BCE.id),
    )
)


def _cost_bce_logits_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    Z, Y = case["Z"], case["Y"]
    J = torch_output_loss("sigmoid")(to_rows(Z, device, dtype), to_rows(Y, device, dtype)).item()
    A = sigmoid64(Z.astype(np.float64))
    losses = _bce_losses(A, Y)
    B_A = activation_bound("sigmoid", Z, A)
    # d(-log a)/da = 1/a, d(-log(1-a))/da = 1/(1-a): the sigmoid's error carried into the log
    carried = np.where(Y == 1, B_A / A, B_A / (1 - A)) + 1
    return {"J": Reference(np.asarray(J), mean_bound(losses, carried + ELEMENTARY * np.abs(losses)), scalar=True)}


register(
    Entry(
        id=BCE.id,
        equation=BCE.equation,
        variant=f"a = sigmoid(Z) vs {BCE.name}",
        draw=BCE.draw,
        run=lambda impl, c: {"J": impl.compute_cost(impl.sigmoid(c["Z"]), c["Y"])},
        oracle=_cost_bce_logits_oracle,
        shapes=list(BCE.shapes),
        needs=(BCE.cost, BCE.output),
        based_on=COST_BCE,
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
        id=CE.id,
        equation=CE.equation,
        draw=CE.draw,
        run=lambda impl, c: {"J": impl.compute_cost_cross_entropy(impl.softmax(c["Z"]), c["Y"])},
        oracle=_cost_ce_oracle,
        shapes=list(CE.shapes),
        needs=(CE.cost, CE.output),
        mutants=planted_bugs(CE, CE.id),
    )
)


# ----------------------------------------------------------------------- BWD-DAL
def _dal_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    AL, Y = case["AL"], case["Y"]
    ALt = to_rows(AL, device, dtype, requires_grad=True)
    nn.BCELoss()(ALt, to_rows(Y, device, dtype)).backward()
    dAL = per_example_grad(ALt, AL.shape[1])
    return {"dAL": Reference(dAL, bce_derivative_bound(dAL))}


register(
    Entry(
        id="BWD-DAL",
        equation="dA[L] = -(Y/A[L] - (1-Y)/(1-A[L]))",
        draw=BCE.draw,
        run=lambda impl, c: {"dAL": impl.bce_backward(c["AL"], c["Y"])},
        oracle=_dal_oracle,
        shapes=list(BCE.shapes),
        needs=("bce_backward",),
        fd=fd_dal,
        mutants=planted_bugs(BCE, "BWD-DAL"),
    )
)


# ----------------------------------------------------------------------- BWD-DZL
def _dzl_entry(paired: Loss) -> Entry:
    output = paired.output

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
        variant=f"{output} + {paired.name}",
        equation="dZ[L] = A[L] - Y",
        draw=paired.draw,
        run=run,
        oracle=oracle,
        shapes=list(paired.shapes),
        needs=("output_backward", output),
        fd=fd_dzl(output),
        mutants=planted_bugs(paired, "BWD-DZL"),
    )


for _loss in LOSSES:
    register(_dzl_entry(_loss))


# ----------------------------------------------------------------------- COST-BCE, COST-CE from the logits
def _cost_from_logits_entry(paired: Loss) -> Entry:
    """The stable form of the cost, from Z[L] (scratch_nn.logit_costs), against PyTorch's
    ``BCEWithLogitsLoss`` / ``CrossEntropyLoss``, which compute the same identities."""
    output = paired.output

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        Z, Y = case["Z"], case["Y"]
        J = torch_output_loss(output)(to_rows(Z, device, dtype), to_rows(Y, device, dtype)).item()
        B = logit_loss_bound(output, Z, Y)
        losses = np.full(Z.shape[1], J)  # the sum's magnitude: every loss is >= 0, their mean is J
        return {"J": Reference(np.asarray(J), mean_bound(losses, B), scalar=True)}

    return Entry(
        id=paired.id,
        variant=f"from the logits vs {paired.name}",
        equation=paired.equation,
        draw=paired.draw,
        run=lambda impl, c: {"J": getattr(impl, paired.cost_from_logits)(c["Z"], c["Y"])},
        oracle=oracle,
        shapes=list(paired.shapes),
        needs=(paired.cost_from_logits,),
    )


for _loss in LOSSES:
    if _loss.id and _loss.cost_from_logits:
        register(_cost_from_logits_entry(_loss))
