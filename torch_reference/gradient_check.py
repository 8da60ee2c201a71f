"""The third way: finite differences, as registry entries beside the autograd ones.

Catalogue IDs: BWD-DAL, BWD-DZL, BWD-ACT, BWD-DW, BWD-DB, BWD-DA, BWD-L, LR-BWD (variant
"finite differences" of each backward entry).

Every backward entry of the registry compares the NumPy analytic gradient with PyTorch's autograd.
For each of them this module registers a twin with the same draw and the same run, whose oracle is a
**float64 centered difference** of the scalar function the gradient belongs to, written here in plain
float64 NumPy (independent of the implementation under test and of autograd):

==========  ===========================================================================
ID           function differenced (per-example gradients differentiate the *summed* loss)
==========  ===========================================================================
BWD-DAL      ``sum_i L(a_i, y_i)`` of the probabilities A[L]                -> dA[L]
BWD-DZL      ``sum_i L`` of the logits Z[L] (BCE, CE, or half squared error)  -> dZ[L]
BWD-ACT      ``sum dA ⊙ g(Z)``                                            -> dZ = dA * g'(Z)
             ``(1/m) sum dA ⊙ g(Z + W A_prev + b - Z0)`` (Z0 = W A_prev + b at the case's values,
             so the layer sits at the case's Z)                          -> dW, db; summed: dA_prev
BWD-DW/DB/DA ``(1/m) sum dZ ⊙ (W A_prev + b)``                              -> dW, db; summed: dA_prev
BWD-L        the cost J of the network (parameters)                      -> dW[l], db[l];
             ``sum_i L`` from Z[l] or from A[l] (layers above only)        -> dZ[l], dA[l]
LR-BWD       J(w, b)                                                     -> dw, db
==========  ===========================================================================

The notes' dZ[l], dA[l] are per-example gradients: the gradient of the summed loss ``m·J`` (column i
of Z[l] only reaches example i's loss), so those are differenced from the sum, dW and db from J.

The tolerance (``tolerance.finite_difference_bound``) is derived, not chosen: the step is
``H = 2^-16`` (about 1.5e-5, near the optimum ``(3u|J|/|J'''|)^(1/3)``), truncation is estimated by a
second difference with step 2H (Richardson), and rounding from each function's own float64 bound
(the layer bounds of ``tolerance`` chained through the forward pass). The analytic side's rounding
bound (from the autograd entry's oracle) is added. Entries are float64 only (``Entry.dtypes``): in
float32 the rounding term ``u·|J|/H`` is about 1e-3, the size of the gradients themselves.

Each backward entry declares what to difference (``Entry.fd``, from ``finite_differences.py``, where the
float64 functions are); this module registers the twin of every entry that declares one
(``finite_difference_entry``: same draw and run, ``based_on`` the entry), so no list of keys is kept.

Inputs are drawn away from kinks by the base entries' draws (no piecewise pre-activation within
``cases.KINK_MARGIN`` = 1e-3 of 0); the perturbations move any Z by at most ``2H·max|A|``, about 1e-4.
"""

from __future__ import annotations

from . import activations, layers, losses, model  # noqa: F401 - their entries (with Entry.fd) come first
from .finite_differences import (
    FD,
    Differenced,
    H,
    centered_differences,
    fd_activation,
    fd_dal,
    fd_dzl,
    fd_linear,
    fd_logistic,
    fd_model,
    finite_difference_entry,
    forward64,
    g64,
    losses_from_logits,
    summed_bound,
    summed_loss_bound,
    summed_loss_from,
)
from .registry import REGISTRY, Entry, register

__all__ = [
    "FD",
    "Differenced",
    "H",
    "centered_differences",
    "fd_activation",
    "fd_dal",
    "fd_dzl",
    "fd_linear",
    "fd_logistic",
    "fd_model",
    "finite_difference_entry",
    "forward64",
    "g64",
    "losses_from_logits",
    "summed_bound",
    "summed_loss_bound",
    "summed_loss_from",
    "twinned",
]


def twinned() -> list[Entry]:
    """The entries registered so far that declare a finite difference (``Entry.fd``), in registry order."""
    return [entry for entry in REGISTRY if entry.fd is not None]


for _base in twinned():
    register(finite_difference_entry(_base))
