"""The one place that decides how close NumPy and PyTorch must agree.

Every comparison in the suite goes through :func:`tolerance`. Nothing is guessed:
a tolerance is ``u`` (the dtype's unit roundoff, 2^-24 for float32, 2^-53 for
float64) times a *rounding-error bound* computed element by element from the
operands, by a first-order running error analysis (Wilkinson; Higham,
"Accuracy and Stability of Numerical Algorithms", ch. 3):

* a correctly rounded ``+ - * /`` adds at most ``u·|result|``;
* an elementary function (exp, expm1, log, tanh) adds at most ``ELEMENTARY·u·|result|``;
* a dot product of length k adds at most ``k·u·(|W| @ |A|)`` (``γ_k``, any
  summation order, with or without FMA);
* an error already in an operand is carried forward by the derivative of the
  operation: ``|W| @ B_A`` through a matrix product, ``|g'(Z)|·B_Z`` through an
  activation, ``|dA|·|g''(Z)|·B_Z`` through a derivative evaluated at a rounded Z.

The ``*_bound`` functions below return such bounds, **in units of u**, for one
evaluation of each equation; the registry entries chain them layer by layer
exactly as the forward and backward passes chain the equations. Two independent
evaluations (NumPy and PyTorch) may each be off by the bound, hence the factor 2
in :func:`tolerance`; ``ROUTE_SLACK`` covers the few extra roundings of the
oracle's route (the factor m that converts autograd's ``dJ/dZ`` to the notes'
``dZ``, one multiplication by ``1/m`` and one by ``m``, and a final copy).

Bounds are worst cases: typical errors are far smaller (random rounding errors
grow like sqrt(k), not k), so the reported "fraction of tolerance" of a correct
implementation is usually well below 1, and any real mistake (a missing 1/m, a
transpose, a wrong derivative) is off by orders of magnitude more than the bound.

The bound needs values, not just shapes: they are computed in float64 from the
oracle's own results, never from the implementation under test.
"""

from __future__ import annotations

import numpy as np
import torch

#: max error of exp, expm1, log, tanh, in units of u (= half an ulp): 4 ulps.
#: NumPy's SIMD float32/float64 exp/log/tanh are documented within 4 ulp, glibc's
#: within 1-2, PyTorch's SLEEF kernels (u10) within 1 ulp, CUDA's expf/logf/tanhf
#: within 2 ulp (CUDA C Programming Guide, "Mathematical Functions").
ELEMENTARY = 8.0

#: extra roundings of the oracle's route relative to the value (the m scaling: 2;
#: a final multiplication or cast: 1; one spare).
ROUTE_SLACK = 4.0


def unit_roundoff(dtype: torch.dtype | np.dtype | type) -> float:
    """u = eps / 2: 2^-24 ≈ 6.0e-8 for float32, 2^-53 ≈ 1.1e-16 for float64."""
    if isinstance(dtype, torch.dtype):
        return torch.finfo(dtype).eps / 2
    return float(np.finfo(dtype).eps) / 2


def tolerance(dtype: torch.dtype | np.dtype | type, bound: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Per-element absolute tolerance for ``|numpy - torch|``.

    ``tol = u · (2·bound + ROUTE_SLACK·|value|) + tiny``, where ``bound`` is one
    evaluation's rounding-error bound in units of u (from the ``*_bound``
    functions), ``value`` the oracle's result, and ``tiny`` the smallest normal
    number (the absolute error floor of gradual underflow).
    """
    u = unit_roundoff(dtype)
    tiny = torch.finfo(dtype).tiny if isinstance(dtype, torch.dtype) else float(np.finfo(dtype).tiny)
    value = np.abs(np.asarray(value, dtype=np.float64))
    return u * (2 * np.asarray(bound, dtype=np.float64) + ROUTE_SLACK * value) + tiny


# ----------------------------------------------------------------------- forward
def _abs(x: np.ndarray) -> np.ndarray:
    return np.abs(np.asarray(x, dtype=np.float64))


def linear_bound(W: np.ndarray, A_prev: np.ndarray, b: np.ndarray, B_A_prev: np.ndarray | float = 0.0) -> np.ndarray:
    """Bound of ``Z = W A_prev + b``: ``|W| @ B_A + (k + 1)(|W| @ |A_prev| + |b|)``, k = n[l-1]."""
    k = W.shape[1]
    absW = _abs(W)
    carried = absW @ np.broadcast_to(B_A_prev, A_prev.shape) if np.any(B_A_prev) else 0.0
    return carried + (k + 1) * (absW @ _abs(A_prev) + _abs(b))


def _sigmoid64(Z: np.ndarray) -> np.ndarray:
    Z = np.asarray(Z, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        return np.where(Z >= 0, 1 / (1 + np.exp(-Z)), np.exp(Z) / (1 + np.exp(Z)))


def derivatives(name: str, Z: np.ndarray, slope: float = 0.01, alpha: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``|g'(Z)|`` and ``|g''(Z)|`` in float64 (away from kinks; softmax handled apart)."""
    Z = np.asarray(Z, dtype=np.float64)
    one, zero = np.ones_like(Z), np.zeros_like(Z)
    if name == "sigmoid":
        s = _sigmoid64(Z)
        return s * (1 - s), np.abs(s * (1 - s) * (1 - 2 * s))
    if name == "tanh":
        t = np.tanh(Z)
        return 1 - t**2, np.abs(2 * t * (1 - t**2))
    if name == "relu":
        return np.where(Z > 0, one, zero), zero
    if name == "leaky_relu":
        return np.where(Z > 0, one, slope * one), zero
    if name == "elu":
        with np.errstate(under="ignore"):
            e = alpha * np.exp(np.minimum(Z, 0))
        return np.where(Z > 0, one, e), np.where(Z > 0, zero, e)
    if name == "linear":
        return one, zero
    raise ValueError(f"no derivative table for activation {name!r}")


#: rounding of g itself, relative to |A|, in units of u
_FORWARD_ROUNDING = {
    "sigmoid": ELEMENTARY + 2,  # exp, 1 + e, division
    "tanh": ELEMENTARY,
    "relu": 0.0,  # exact
    "leaky_relu": 1.0,  # slope * z
    "elu": ELEMENTARY + 1,  # expm1, alpha * (...)
    "linear": 0.0,
}


def softmax_bound(Z: np.ndarray, B_Z: np.ndarray | float = 0.0) -> np.ndarray:
    """Bound of ``A = softmax(Z)`` per column, covering both the exp/sum route and the
    log-softmax route of PyTorch's cross-entropy:
    ``a·(2·max_col B_Z + 2|z - max| + ELEMENTARY·(2 + log n) + n + 2)``."""
    Z = np.asarray(Z, dtype=np.float64)
    n = Z.shape[0]
    shifted = Z - Z.max(axis=0, keepdims=True)
    with np.errstate(under="ignore"):
        e = np.exp(shifted)
    A = e / e.sum(axis=0, keepdims=True)
    carried = 2 * np.max(np.broadcast_to(B_Z, Z.shape), axis=0, keepdims=True)
    return A * (carried + 2 * np.abs(shifted) + ELEMENTARY * (2 + np.log(n)) + n + 2)


def activation_bound(
    name: str, Z: np.ndarray, A: np.ndarray, B_Z: np.ndarray | float = 0.0, slope: float = 0.01, alpha: float = 1.0
) -> np.ndarray:
    """Bound of ``A = g(Z)``: ``|g'(Z)|·B_Z + c_g·|A|`` (c_g: rounding of g itself)."""
    if name == "softmax":
        return softmax_bound(Z, B_Z)
    g1, _g2 = derivatives(name, Z, slope, alpha)
    return g1 * B_Z + _FORWARD_ROUNDING[name] * _abs(A)


# ----------------------------------------------------------------------- backward
def activation_backward_bound(
    name: str,
    Z: np.ndarray,
    dA: np.ndarray,
    B_dA: np.ndarray | float = 0.0,
    B_Z: np.ndarray | float = 0.0,
    slope: float = 0.01,
    alpha: float = 1.0,
) -> np.ndarray:
    """Bound of ``dZ = dA * g'(Z)``:
    ``|g'|·B_dA + |dA|·|g''|·B_Z + |dA|·B_g' + |dZ|``, where ``B_g'`` is the rounding
    of evaluating g' itself (through the rounded forward value for sigmoid and tanh)."""
    dA64 = np.asarray(dA, dtype=np.float64)
    if name == "softmax":
        return _softmax_backward_bound(Z, dA64, B_dA, B_Z)
    g1, g2 = derivatives(name, Z, slope, alpha)
    if name == "sigmoid":
        s = _sigmoid64(Z)
        B_g1 = _FORWARD_ROUNDING["sigmoid"] * s * np.abs(1 - 2 * s) + 3 * g1
    elif name == "tanh":
        t = np.tanh(np.asarray(Z, dtype=np.float64))
        B_g1 = 2 * ELEMENTARY * t**2 + 3
    elif name == "elu":
        B_g1 = np.where(np.asarray(Z) > 0, 0.0, (ELEMENTARY + 1) * g1)
    else:  # relu, leaky_relu, linear: g' is exact
        B_g1 = np.zeros_like(g1)
    dZ = dA64 * g1
    return g1 * B_dA + np.abs(dA64) * (g2 * B_Z + B_g1) + np.abs(dZ)


def _softmax_backward_bound(
    Z: np.ndarray, dA: np.ndarray, B_dA: np.ndarray | float, B_Z: np.ndarray | float
) -> np.ndarray:
    """Bound of ``dZ = a * (dA - sum_k a_k dA_k)`` per column."""
    Z = np.asarray(Z, dtype=np.float64)
    n = Z.shape[0]
    with np.errstate(under="ignore"):
        e = np.exp(Z - Z.max(axis=0, keepdims=True))
    a = e / e.sum(axis=0, keepdims=True)
    B_a = softmax_bound(Z, B_Z)
    B_dA = np.broadcast_to(B_dA, Z.shape)
    s = (a * dA).sum(axis=0, keepdims=True)
    B_s = (np.abs(dA) * B_a + a * B_dA + (n + 1) * np.abs(a * dA)).sum(axis=0, keepdims=True)
    diff = dA - s
    B_diff = B_dA + B_s + np.abs(diff)
    return B_a * np.abs(diff) + a * B_diff + np.abs(a * diff)


def linear_backward_bounds(
    dZ: np.ndarray,
    A_prev: np.ndarray,
    W: np.ndarray,
    B_dZ: np.ndarray | float = 0.0,
    B_A_prev: np.ndarray | float = 0.0,
) -> dict[str, np.ndarray]:
    """Bounds of ``dW = (1/m) dZ A_prev^T``, ``db = (1/m) sum dZ``, ``dA_prev = W^T dZ``.

    ``dW``: ``(1/m)(B_dZ |A_prev|^T + |dZ| B_A^T + (m + 1)|dZ||A_prev|^T)``;
    ``db``: ``(1/m)(sum B_dZ + (m + 1) sum |dZ|)``;
    ``dA_prev``: ``|W|^T B_dZ + n[l]·|W|^T |dZ|`` (W is exact: a parameter).
    """
    m = dZ.shape[1]
    absdZ, absA, absW = _abs(dZ), _abs(A_prev), _abs(W)
    B_dZ = np.broadcast_to(np.asarray(B_dZ, dtype=np.float64), dZ.shape)
    B_A = np.broadcast_to(np.asarray(B_A_prev, dtype=np.float64), A_prev.shape)
    return {
        "dW": (B_dZ @ absA.T + absdZ @ B_A.T + (m + 1) * absdZ @ absA.T) / m,
        "db": (B_dZ.sum(axis=1, keepdims=True) + (m + 1) * absdZ.sum(axis=1, keepdims=True)) / m,
        "dA_prev": absW.T @ B_dZ + W.shape[0] * absW.T @ absdZ,
    }


def output_dZ_bound(AL: np.ndarray, Y: np.ndarray, B_AL: np.ndarray | float = 0.0) -> np.ndarray:
    """Bound of ``dZ[L] = A[L] - Y``: ``B_AL + 8|A - Y|`` (8 covers PyTorch's route
    through BCELoss's ``(a - y) / (a(1 - a))`` times sigmoid's ``a(1 - a)``)."""
    return B_AL + 8 * np.abs(np.asarray(AL, np.float64) - np.asarray(Y, np.float64))


def mean_bound(losses: np.ndarray, B_losses: np.ndarray) -> float:
    """Bound of ``J = (1/m) sum_i L_i`` (a sum of m terms, then a scaling)."""
    m = losses.size
    return float((B_losses.sum() + (m + 1) * np.abs(losses).sum()) / m)


def update_bound(P: np.ndarray, dP: np.ndarray, alpha: float) -> np.ndarray:
    """Bound of ``P - α dP``: ``2|α dP| + |P - α dP|`` (product, then difference)."""
    step = alpha * _abs(dP)
    return 2 * step + np.abs(np.asarray(P, np.float64) - alpha * np.asarray(dP, np.float64))
