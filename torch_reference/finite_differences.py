"""The float64 finite differences of the backward entries (the third way), without registering any.

What each backward entry differences (its ``Entry.fd``, declared where the entry is registered) is
here; ``gradient_check.py`` registers the twins. See that module for the table and the tolerance.
The float64 g and losses are the operations' descriptions' (``ops``), nowhere else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from . import ops
from .registry import Case, Entry, Reference
from .tolerance import (
    activation_bound,
    finite_difference_bound,
    linear_bound,
    logit_loss_bound,
    mean_bound,
    probability_loss_bound,
)

#: the step of the centered differences, a power of two (θ ± H is then exact unless it crosses a
#: power of two; that rounding is in the bound, ``finite_difference_bound``)
H = 2.0**-16

FD = dict[str, tuple[np.ndarray, np.ndarray]]  # name -> (centered difference, its error bound in units of u)


@dataclass(frozen=True)
class Differenced:
    """An ``Entry.fd`` of one operation's entry: what to difference, and the operation (an
    ``ops.Activation`` or ``ops.Loss``) it differences, so that the course's gradient check of the same
    entry is derived from it too (``tests/test_gradient_check.py``)."""

    function: Callable[[Case], FD]
    of: ops.Activation | ops.Loss

    def __call__(self, case: Case) -> FD:
        return self.function(case)


# ----------------------------------------------------------------------- float64 functions (batched)
# Every function below takes arrays whose last two axes are the notes' (n, m) and any leading batch
# axes (one per perturbed copy), so that all perturbations of one array are evaluated in one call.
def g64(name: str, Z: np.ndarray, **params: float) -> np.ndarray:
    """``A = g(Z)`` in float64: the activation description's formula (``ops``; softmax over the class
    axis -2)."""
    act = ops.activation(name)
    with np.errstate(under="ignore", over="ignore"):
        return act.g64(Z, act.with_params(**params))


def losses_from_logits(output: str, ZL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Per-example losses ``(..., 1, m)`` from the logits Z[L], in the loss description's stable form
    (``ops``: BCE ``max(z, 0) - z y + log1p(e^-|z|)``, CE ``logsumexp(z) - sum_k y_k z_k``, or
    ``(1/2) sum (z - y)^2``)."""
    return ops.loss(output).losses64(ZL, Y)


def summed_loss_from(
    parameters: Mapping[str, np.ndarray],
    activations: Sequence[str],
    Y: np.ndarray,
    start: int,
    value: np.ndarray,
    kind: str,
) -> np.ndarray:
    """``sum_i L(i)`` of the network evaluated from ``A[start]`` (``kind="A"``, layers start+1..L) or
    from ``Z[start]`` (``kind="Z"``, g[start] first). ``value`` may carry leading batch axes."""
    L = len(activations)
    if kind == "Z":
        if start == L:
            return losses_from_logits(activations[-1], value, Y).sum(axis=(-2, -1))
        A = g64(activations[start - 1], value)
    else:
        A = value
    for l in range(start + 1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        if l == L:
            return losses_from_logits(activations[-1], Z, Y).sum(axis=(-2, -1))
        A = g64(activations[l - 1], Z)
    raise ValueError(f"start {start} is past the last layer")


def forward64(
    parameters: Mapping[str, np.ndarray],
    activations: Sequence[str],
    start: int,
    A_start: np.ndarray,
    B_start: np.ndarray | float = 0.0,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Forward values and rounding bounds (units of u) from ``A[start]`` (off by ``B_start``) up to ``Z[L]``."""
    L = len(activations)
    values: dict[str, np.ndarray] = {f"A{start}": np.asarray(A_start, np.float64)}
    bounds: dict[str, Any] = {f"A{start}": B_start}
    for l in range(start + 1, L + 1):
        W, b = parameters[f"W{l}"].astype(np.float64), parameters[f"b{l}"].astype(np.float64)
        values[f"Z{l}"] = W @ values[f"A{l - 1}"] + b
        bounds[f"Z{l}"] = linear_bound(W, values[f"A{l - 1}"], b, bounds[f"A{l - 1}"])
        if l < L:
            values[f"A{l}"] = g64(activations[l - 1], values[f"Z{l}"])
            bounds[f"A{l}"] = activation_bound(activations[l - 1], values[f"Z{l}"], values[f"A{l}"], bounds[f"Z{l}"])
    return values, bounds


def summed_bound(terms: np.ndarray, B_terms: np.ndarray) -> float:
    """Bound of ``sum(terms)`` given each term's bound: ``N·mean_bound`` = ``sum B + (N + 1) sum |t|``."""
    terms = np.asarray(terms, np.float64)
    return terms.size * mean_bound(terms.ravel(), np.broadcast_to(B_terms, terms.shape).ravel())


def summed_loss_bound(
    parameters: Mapping[str, np.ndarray],
    activations: Sequence[str],
    Y: np.ndarray,
    start: int,
    value: np.ndarray,
    kind: str,
) -> float:
    """Rounding bound (units of u) of :func:`summed_loss_from` at an unperturbed ``value``."""
    L = len(activations)
    if kind == "Z" and start == L:
        ZL, B_ZL = np.asarray(value, np.float64), 0.0
    else:
        A, B_A = value, 0.0
        if kind == "Z":
            A = g64(activations[start - 1], value)
            B_A = activation_bound(activations[start - 1], value, A)
        values, bounds = forward64(parameters, activations, start, A, B_A)
        ZL, B_ZL = values[f"Z{L}"], bounds[f"Z{L}"]
    losses = losses_from_logits(activations[-1], ZL, Y)
    return summed_bound(losses, logit_loss_bound(activations[-1], ZL, Y, B_ZL))


# ----------------------------------------------------------------------- the centered difference
def centered_differences(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, B_f: float, h: float = H
) -> tuple[np.ndarray, np.ndarray]:
    """``D(h) = (f(x + h e_i) - f(x - h e_i)) / 2h`` for every entry i of ``x``, and its error bound.

    ``f`` maps a batch of perturbed copies ``(K, *x.shape)`` to ``(K,)`` float64 values; ``B_f`` is
    the rounding bound (units of u, absolute) of one evaluation of f near x. All 4·x.size evaluations
    (steps ±h for D(h), ±2h for the truncation estimate) are one call of f.
    Returns ``D`` of x's shape and its bound in units of u (``tolerance.finite_difference_bound``).
    """
    x = np.asarray(x, np.float64)
    N = x.size
    steps = np.array([h, -h, 2 * h, -2 * h])
    copies = np.repeat(x.reshape(1, 1, N), 4, axis=0).repeat(N, axis=1)  # (4, N, N): copy i perturbs entry i
    copies[:, np.arange(N), np.arange(N)] += steps[:, None]
    F = np.asarray(f(copies.reshape(4 * N, *x.shape)), np.float64).reshape(4, N)
    D_h = (F[0] - F[1]) / (2 * h)
    D_2h = (F[2] - F[3]) / (4 * h)
    bound = finite_difference_bound(D_h, D_2h, h, B_f, x.ravel())
    return D_h.reshape(x.shape), bound.reshape(x.shape)


# ----------------------------------------------------------------------- per ID: what to difference
def _as64(case: Case, *names: str) -> list[np.ndarray]:
    return [np.asarray(case[n], np.float64) for n in names]


def fd_model(case: Case) -> FD:
    """BWD-L: dW[l], db[l] from J(parameters); dZ[l], dA[l] from the summed loss above them."""
    params = {k: v.astype(np.float64) for k, v in case["parameters"].items()}
    X, Y = _as64(case, "X", "Y")
    acts = case["activations"]
    L, m = len(acts), X.shape[1]
    values, _bounds = forward64(params, acts, 0, X)
    S0 = float(summed_loss_from(params, acts, Y, 0, X, "A"))
    B_J = summed_loss_bound(params, acts, Y, 0, X, "A") / m + abs(S0 / m)  # J = S / m: one more rounding
    out: FD = {}
    for key, P in params.items():
        J = lambda Pb, key=key: summed_loss_from({**params, key: Pb}, acts, Y, 0, X, "A") / m  # noqa: E731
        out[f"d{key}"] = centered_differences(J, P, B_J)
    for l in range(1, L + 1):
        Z = values[f"Z{l}"]
        S = lambda Zb, l=l: summed_loss_from(params, acts, Y, l, Zb, "Z")  # noqa: E731
        out[f"dZ{l}"] = centered_differences(S, Z, summed_loss_bound(params, acts, Y, l, Z, "Z"))
    for l in range(L):
        A = values[f"A{l}"]
        S = lambda Ab, l=l: summed_loss_from(params, acts, Y, l, Ab, "A")  # noqa: E731
        out[f"dA{l}"] = centered_differences(S, A, summed_loss_bound(params, acts, Y, l, A, "A"))
    return out


def _surrogate_bound(dA: np.ndarray, A: np.ndarray, B_A: np.ndarray, scale: float) -> float:
    """Bound of ``scale · sum dA ⊙ A`` (scale = 1/m or 1): the products, the sum, the scaling."""
    terms = dA * A
    return scale * summed_bound(terms, np.abs(dA) * B_A + np.abs(terms)) + abs(scale * terms.sum())


def fd_linear(case: Case) -> FD:
    """BWD-DW, BWD-DB, BWD-DA: the surrogate ``(1/m) sum dZ ⊙ (W A_prev + b)`` (summed for dA_prev)."""
    A_prev, W, b, dZ = _as64(case, "A_prev", "W", "b", "dZ")
    m = A_prev.shape[1]
    Z, B_Z = W @ A_prev + b, linear_bound(W, A_prev, b)
    B_J, B_S = _surrogate_bound(dZ, Z, B_Z, 1 / m), _surrogate_bound(dZ, Z, B_Z, 1.0)

    def J(W_=W, b_=b, A_=A_prev, scale=1 / m):
        return (dZ * (W_ @ A_ + b_)).sum(axis=(-2, -1)) * scale

    return {
        "dW": centered_differences(lambda Wb: J(W_=Wb), W, B_J),
        "db": centered_differences(lambda bb: J(b_=bb), b, B_J),
        "dA_prev": centered_differences(lambda Ab: J(A_=Ab, scale=1.0), A_prev, B_S),
    }


def fd_activation(name: str) -> Differenced:
    """BWD-ACT: ``sum dA ⊙ g(Z)`` -> dZ; the layer held at the case's Z for dW, db, dA_prev."""

    def fd(case: Case) -> FD:
        A_prev, W, b, Z, dA = _as64(case, "A_prev", "W", "b", "Z", "dA")
        m = A_prev.shape[1]
        A = g64(name, Z)
        B_dZ = _surrogate_bound(dA, A, activation_bound(name, Z, A), 1.0)
        out = {"dZ": centered_differences(lambda Zb: (dA * g64(name, Zb)).sum(axis=(-2, -1)), Z, B_dZ)}
        Z0 = W @ A_prev + b  # the same expression below gives exactly Z0 at the case's values

        def J(W_=W, b_=b, A_=A_prev, scale=1 / m):
            return (dA * g64(name, Z + (W_ @ A_ + b_) - Z0)).sum(axis=(-2, -1)) * scale

        B_arg = 2 * linear_bound(W, A_prev, b) + np.abs(Z + Z0) + np.abs(Z)  # Z0 twice, two additions
        B_A = activation_bound(name, Z, A, B_arg)
        B_J, B_S = _surrogate_bound(dA, A, B_A, 1 / m), _surrogate_bound(dA, A, B_A, 1.0)
        out["dW"] = centered_differences(lambda Wb: J(W_=Wb), W, B_J)
        out["db"] = centered_differences(lambda bb: J(b_=bb), b, B_J)
        out["dA_prev"] = centered_differences(lambda Ab: J(A_=Ab, scale=1.0), A_prev, B_S)
        return out

    return Differenced(fd, ops.activation(name))


def fd_dal(case: Case) -> FD:
    """BWD-DAL: the summed BCE ``-sum (y log a + (1 - y) log(1 - a))`` of the probabilities A[L]."""
    AL, Y = _as64(case, "AL", "Y")

    def S(Ab: np.ndarray) -> np.ndarray:
        return -(Y * np.log(Ab) + (1 - Y) * np.log(1 - Ab)).sum(axis=(-2, -1))

    losses = -(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    return {"dAL": centered_differences(S, AL, summed_bound(losses, probability_loss_bound("sigmoid", AL, Y)))}


def fd_dzl(output: str) -> Differenced:
    """BWD-DZL: the summed loss of the logits Z[L] (BCE, CE, or half squared error)."""

    def fd(case: Case) -> FD:
        Z, Y = _as64(case, "Z", "Y")
        losses = losses_from_logits(output, Z, Y)
        B = summed_bound(losses, logit_loss_bound(output, Z, Y))
        return {"dZL": centered_differences(lambda Zb: losses_from_logits(output, Zb, Y).sum(axis=(-2, -1)), Z, B)}

    return Differenced(fd, ops.loss(output))


def fd_logistic(case: Case) -> FD:
    """LR-BWD: ``J(w, b) = (1/m) sum BCE(w^T X + b, y)`` from the logits."""
    X, w, Y = _as64(case, "X", "w", "Y")
    b = np.array([[case["b"]]], np.float64)
    m = X.shape[1]

    def J(w_=w, b_=b):
        return losses_from_logits("sigmoid", np.swapaxes(w_, -1, -2) @ X + b_, Y).sum(axis=(-2, -1)) / m

    Z = w.T @ X + b
    losses = losses_from_logits("sigmoid", Z, Y)
    B_J = summed_bound(losses, logit_loss_bound("sigmoid", Z, Y, linear_bound(w.T, X, b))) / m + abs(losses.mean())
    db, B_db = centered_differences(lambda bb: J(b_=bb), b, B_J)
    return {"dw": centered_differences(lambda wb: J(w_=wb), w, B_J), "db": (db[0, 0], B_db[0, 0])}


def finite_difference_entry(base: Entry, fd: Callable[[Case], FD] | None = None) -> Entry:
    """A float64-only twin of ``base`` whose oracle is the centered difference ``fd(case)`` (by default
    ``base.fd``, what the entry declares); the twin is ``based_on`` base.

    Each quantity's bound is the analytic side's rounding bound (from ``base``'s oracle, in float64)
    plus the centered difference's own error bound.
    """

    fd = fd if fd is not None else base.fd
    if fd is None:
        raise ValueError(f"{base.key} declares no finite difference (Entry.fd)")

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        refs = base.oracle(case, "cpu", torch.float64)  # for the analytic side's rounding bounds
        differences = fd(case)
        missing = set(refs) - set(differences)
        if missing:
            raise KeyError(f"{base.key}: no finite difference for {sorted(missing)}")
        return {
            name: dataclasses.replace(
                ref, value=np.asarray(differences[name][0]), bound=ref.bound + differences[name][1]
            )
            for name, ref in refs.items()
        }

    variant = f"{base.variant}, finite differences" if base.variant else "finite differences"
    return dataclasses.replace(base, variant=variant, oracle=oracle, dtypes=("float64",),
                               oracle_kind="finite differences", fd=None, mutants=(), based_on=base)  # fmt: skip
