"""Activation functions g and their derivatives g', in the notes' notation.

Catalogue IDs: ACT-SIGMOID, ACT-TANH, ACT-RELU, ACT-LEAKY, ACT-ELU, ACT-SOFTMAX,
ACT-LINEAR (forward ``A = g(Z)``) and BWD-ACT (backward ``dZ = dA * g'(Z)``).

Shapes: ``Z``, ``A``, ``dA`` and ``dZ`` are all ``(n[l], m)``, one example per
column. Every function returns a new array of ``Z``'s dtype (float32 stays
float32) and never modifies its inputs.

Operands (:func:`as_operand`), looser here than in the rest of the package so that
the course's ``sigmoid(np.array([0, 2]))`` and ``sigmoid(1)`` work: float32 and
float64 arrays are used as they are; integer arrays, Python ints and floats, NumPy
integer scalars and lists of numbers are converted to float64 (never truncated,
never float32); bool, float16, complex, object and string values are a TypeError.
The element-wise functions take any shape, 0-d included (a scalar in gives a 0-d
array out); softmax and its backward need ``(n, m)``, since their axis matters.
The result is always a ``numpy.ndarray``.

Subgradients at exactly 0 (the only points where ReLU, leaky ReLU and ELU are not
differentiable): the notes take g'(0) = 1 for all three; PyTorch takes 0 for ReLU,
``slope`` for leaky ReLU and ``alpha`` for ELU. ``convention="notes"`` (default)
follows the notes, ``convention="pytorch"`` follows PyTorch; the two differ at
``Z == 0`` and nowhere else.

Non-finite values follow IEEE arithmetic, as PyTorch does: NaN propagates,
``sigmoid(-inf) = 0``, ``relu(inf) = inf``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from ._checks import FLOAT_DTYPES, check_plain_array, check_real, check_same_dtype

Convention = Literal["notes", "pytorch"]
CONVENTIONS = ("notes", "pytorch")


def _check_convention(convention: str) -> None:
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; expected one of {CONVENTIONS}")


def as_operand(name: str, x: object, ndim: int | None = None) -> np.ndarray:
    """Return ``x`` as a float array for an activation: float32/float64 arrays unchanged
    (no copy), integer arrays, Python/NumPy real scalars and lists of numbers as float64.

    Raises TypeError for bool, float16, complex, object or string values (a bool array is
    a mask, not an operand; float16 would lose the rounding analysis) and ValueError if
    ``ndim`` is given and differs. Nothing is modified.
    """
    if isinstance(x, np.ndarray):
        check_plain_array(name, x)
        arr = x
    elif isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating, list, tuple)):
        raise TypeError(
            f"{name} must be a numpy.ndarray of float32 or float64, an integer array, "
            f"a real number or a list of numbers; got {type(x).__name__}"
        )
    else:
        try:
            arr = np.asarray(x)
        except ValueError as error:  # a ragged list
            raise TypeError(f"{name} is a list that is not a rectangular array of numbers: {error}") from None
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    elif arr.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{name} has dtype {arr.dtype}; expected float32 or float64 (integers are converted to float64; "
            f"convert anything else explicitly, e.g. {name}.astype(np.float64))"
        )
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    return arr


def _check_backward(dA: object, Z: object, ndim: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``dA`` and ``Z`` as operands (see :func:`as_operand`), of one shape and one dtype."""
    Z = as_operand("Z", Z, ndim)
    dA = as_operand("dA", dA, ndim)
    if dA.shape != Z.shape:
        raise ValueError(f"dA has shape {dA.shape} but Z has {Z.shape}: dA[l] and Z[l] are both (n[l], m)")
    check_same_dtype(dA=dA, Z=Z)
    return dA, Z


# ---------------------------------------------------------------- ACT-SIGMOID
def sigmoid(Z: np.ndarray) -> np.ndarray:
    """ACT-SIGMOID: ``A = 1 / (1 + e^-Z)``, element-wise; ``(n, m) -> (n, m)``.

    Computed as ``1/(1+e^-|z|)`` for z >= 0 and ``e^-|z|/(1+e^-|z|)`` for z < 0,
    so ``e^x`` is only ever taken of x <= 0: no overflow at z = -1000, and full
    relative accuracy of the tiny values in the left tail.
    """
    Z = as_operand("Z", Z)
    one = Z.dtype.type(1)  # typed constants: a 0-d float32 Z stays float32 under NumPy 1's scalar rules too
    with np.errstate(under="ignore"):  # e^-|z| underflowing to 0 is the right limit
        e = np.exp(-np.abs(Z))
    return np.asarray(np.where(Z >= 0, one / (one + e), e / (one + e)))


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """ACT-SIGMOID / BWD-ACT: ``dZ = dA * a (1 - a)`` with ``a = sigmoid(Z)``.

    ``dA``, ``Z``: ``(n, m)``; returns ``dZ`` ``(n, m)``. g'(0) = 1/4.
    """
    dA, Z = _check_backward(dA, Z)
    a = sigmoid(Z)
    return np.asarray(dA * a * (Z.dtype.type(1) - a))


# ---------------------------------------------------------------- ACT-TANH
def tanh(Z: np.ndarray) -> np.ndarray:
    """ACT-TANH: ``A = (e^Z - e^-Z) / (e^Z + e^-Z)`` = ``2 sigmoid(2Z) - 1``; ``(n, m)``."""
    Z = as_operand("Z", Z)
    return np.asarray(np.tanh(Z))


def tanh_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """ACT-TANH / BWD-ACT: ``dZ = dA * (1 - a^2)`` with ``a = tanh(Z)``; ``(n, m)``."""
    dA, Z = _check_backward(dA, Z)
    a = np.tanh(Z)
    return np.asarray(dA * (Z.dtype.type(1) - a * a))


# ---------------------------------------------------------------- ACT-RELU
def relu(Z: np.ndarray) -> np.ndarray:
    """ACT-RELU: ``A = max(0, Z)``, element-wise; ``(n, m)``."""
    Z = as_operand("Z", Z)
    return np.asarray(np.maximum(Z, Z.dtype.type(0)))


def relu_backward(dA: np.ndarray, Z: np.ndarray, convention: Convention = "notes") -> np.ndarray:
    """ACT-RELU / BWD-ACT: ``dZ = dA * g'(Z)``, g'(z) = 0 if z < 0, 1 if z > 0.

    At z = 0: 1 under ``convention="notes"``, 0 under ``"pytorch"``.
    ``dA``, ``Z``: ``(n, m)``; returns ``dZ`` ``(n, m)``.
    """
    dA, Z = _check_backward(dA, Z)
    _check_convention(convention)
    g_prime = Z >= 0 if convention == "notes" else Z > 0  # 1 or 0, as a bool mask
    return np.asarray(dA * g_prime)  # (a float * bool product is also ~9x faster than np.where here)


# ---------------------------------------------------------------- ACT-LEAKY
def _hyper(name: str, value: float, like: np.ndarray) -> np.floating:
    """A checked hyperparameter as a scalar of the operand's dtype, so that float32 stays float32 on
    NumPy 1 and 2 alike (under NEP 50 ``float32 * np.float64(0.1)`` is float64). ValueError, naming it,
    if the value does not fit that dtype (``alpha = 1e300`` for float32 Z would become inf)."""
    largest = float(np.finfo(like.dtype).max)
    if abs(value) > largest:
        raise ValueError(f"{name} = {value} does not fit {like.dtype}, Z's dtype (at most {largest:.4g})")
    return like.dtype.type(value)


def _check_slope(slope: object) -> float:
    return check_real("slope", slope, positive=True, what="the leaky ReLU slope")


def leaky_relu(Z: np.ndarray, slope: float = 0.01) -> np.ndarray:
    """ACT-LEAKY: ``A = max(slope * Z, Z)`` (for 0 < slope < 1); ``(n, m)``."""
    Z = as_operand("Z", Z)
    slope = _hyper("slope", _check_slope(slope), Z)
    # slope * z only where z < 0: at z >= 0 (slope > 1 is allowed) the product could overflow unused
    return np.multiply(Z, slope, out=Z.copy(), where=~(Z >= 0))


def leaky_relu_backward(
    dA: np.ndarray, Z: np.ndarray, slope: float = 0.01, convention: Convention = "notes"
) -> np.ndarray:
    """ACT-LEAKY / BWD-ACT: g'(z) = slope if z < 0, 1 if z > 0.

    At z = 0: 1 under ``"notes"``, ``slope`` under ``"pytorch"``. Shapes ``(n, m)``.
    """
    dA, Z = _check_backward(dA, Z)
    slope = _hyper("slope", _check_slope(slope), Z)
    _check_convention(convention)
    positive = Z >= 0 if convention == "notes" else Z > 0
    return np.multiply(dA, slope, out=dA.copy(), where=~positive)  # slope * dA only where it is g'(z) dA


# ---------------------------------------------------------------- ACT-ELU
def _check_alpha(alpha: object) -> float:
    return check_real("alpha", alpha, positive=True, what="the ELU alpha")


def elu(Z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """ACT-ELU: ``A = alpha (e^Z - 1)`` if z < 0, ``Z`` if z >= 0; ``(n, m)``.

    ``e^z - 1`` is computed by ``expm1`` (accurate for small abs(z)), and only of
    ``min(z, 0)`` so that large positive z cannot overflow.
    """
    Z = as_operand("Z", Z)
    alpha = _hyper("alpha", _check_alpha(alpha), Z)
    return np.asarray(np.where(Z >= 0, Z, alpha * np.expm1(np.minimum(Z, Z.dtype.type(0)))))


def elu_backward(dA: np.ndarray, Z: np.ndarray, alpha: float = 1.0, convention: Convention = "notes") -> np.ndarray:
    """ACT-ELU / BWD-ACT: g'(z) = alpha e^z if z < 0, 1 if z > 0.

    At z = 0: 1 under ``"notes"``, ``alpha`` under ``"pytorch"``. Shapes ``(n, m)``.
    """
    dA, Z = _check_backward(dA, Z)
    alpha = _hyper("alpha", _check_alpha(alpha), Z)
    _check_convention(convention)
    positive = Z >= 0 if convention == "notes" else Z > 0
    with np.errstate(under="ignore"):  # dA alpha e^z only where it is g'(z) dA: elsewhere it could overflow unused
        dZ = np.multiply(dA, alpha, out=dA.copy(), where=~positive)
        return np.multiply(dZ, np.exp(np.minimum(Z, Z.dtype.type(0))), out=dZ, where=~positive)


# ---------------------------------------------------------------- ACT-SOFTMAX
def softmax(Z: np.ndarray) -> np.ndarray:
    """ACT-SOFTMAX: ``A[i, j] = e^{Z[i, j]} / sum_k e^{Z[k, j]}``, per column (example).

    ``Z``: ``(n, m)`` logits, ``n`` classes; returns ``A`` ``(n, m)`` whose columns
    sum to 1. The column maximum is subtracted first (softmax is invariant to it),
    so no exponent is positive and nothing overflows.
    """
    Z = as_operand("Z", Z, ndim=2)
    if Z.shape[0] == 0:
        raise ValueError(f"Z has shape {Z.shape}: softmax needs at least one class (row)")
    with np.errstate(under="ignore"):
        e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """ACT-SOFTMAX / BWD-ACT: the Jacobian-vector product of softmax, per column.

    ``dZ[i] = a[i] (dA[i] - sum_k a[k] dA[k])``, i.e. ``dZ = J^T dA`` with
    ``J = diag(a) - a a^T``. Shapes ``(n, m)``. Followed by cross-entropy this
    collapses to ``dZ = A - Y`` (BWD-DZL), which is what the model uses.
    """
    dA, Z = _check_backward(dA, Z, ndim=2)
    if Z.shape[0] == 0:
        raise ValueError(f"Z has shape {Z.shape}: softmax needs at least one class (row)")
    a = softmax(Z)
    return a * (dA - (a * dA).sum(axis=0, keepdims=True))


# ---------------------------------------------------------------- ACT-LINEAR
def linear(Z: np.ndarray) -> np.ndarray:
    """ACT-LINEAR: the identity ``g(z) = z`` (regression output). Returns a copy."""
    return as_operand("Z", Z).copy()


def linear_backward_activation(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """ACT-LINEAR / BWD-ACT: g'(z) = 1, so ``dZ = dA`` (a copy). Shapes ``(n, m)``."""
    dA, _Z = _check_backward(dA, Z)
    return dA.copy()


# ---------------------------------------------------------------- dispatch by name
#: name -> (forward g, backward dA, Z -> dZ, takes a subgradient convention)
ACTIVATIONS: dict[str, tuple[Callable[..., np.ndarray], Callable[..., np.ndarray], bool]] = {
    "sigmoid": (sigmoid, sigmoid_backward, False),
    "tanh": (tanh, tanh_backward, False),
    "relu": (relu, relu_backward, True),
    "leaky_relu": (leaky_relu, leaky_relu_backward, True),
    "elu": (elu, elu_backward, True),
    "softmax": (softmax, softmax_backward, False),
    "linear": (linear, linear_backward_activation, False),
}


def check_activation(name: object, argument: str = "activation") -> str:
    """Return ``name`` if it is a known activation, else raise ValueError naming the ``argument``
    that held it and listing the known ones."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r} ({argument}); expected one of {sorted(ACTIVATIONS)}")
    return name


def activation_forward(Z: np.ndarray, activation: str) -> np.ndarray:
    """ACT-FWD: ``A = g(Z)`` for the activation named ``activation``; ``(n, m)``."""
    return ACTIVATIONS[check_activation(activation)][0](Z)


def activation_backward(dA: np.ndarray, Z: np.ndarray, activation: str, convention: Convention = "notes") -> np.ndarray:
    """BWD-ACT: ``dZ[l] = dA[l] * g'[l](Z[l])`` for the named activation; ``(n, m)``."""
    _forward, backward, has_kink = ACTIVATIONS[check_activation(activation)]
    if has_kink:
        return backward(dA, Z, convention=convention)
    _check_convention(convention)
    return backward(dA, Z)


#: the public names; scratch_nn/__init__.py re-exports exactly these (an activation added below
#: appends its own)
__all__ = [
    "ACTIVATIONS",
    "activation_backward",
    "activation_forward",
    "elu",
    "elu_backward",
    "leaky_relu",
    "leaky_relu_backward",
    "linear",
    "linear_backward_activation",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_backward",
]

# ---------------------------------------------------------------- ACT-SOFTPLUS
def softplus(Z: np.ndarray) -> np.ndarray:
    """ACT-SOFTPLUS: ``A = log(1 + e^Z)``, element-wise; ``(n, m) -> (n, m)``.

    Computed as ``max(z, 0) + log1p(e^-|z|)`` (the same value: ``log(1 + e^z) = z + log(1 + e^-z)``),
    so ``e^x`` is only ever taken of x <= 0: no overflow at z = 1000, and ``log1p`` keeps the tiny
    values of the left tail accurate. A smooth ReLU: ``softplus(z) - max(z, 0) <= log 2``.
    """
    Z = as_operand("Z", Z)
    with np.errstate(under="ignore"):  # e^-|z| underflowing to 0 is the right limit
        e = np.exp(-np.abs(Z))
    return np.asarray(np.maximum(Z, Z.dtype.type(0)) + np.log1p(e))


def softplus_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """ACT-SOFTPLUS / BWD-ACT: ``dZ = dA * sigmoid(Z)`` (g' = σ; g'(0) = 1/2). Shapes ``(n, m)``."""
    dA, Z = _check_backward(dA, Z)
    return np.asarray(dA * sigmoid(Z))


ACTIVATIONS["softplus"] = (softplus, softplus_backward, False)
__all__ += ["softplus", "softplus_backward"]
