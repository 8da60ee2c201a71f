"""One layer l: the linear step and the activation, forward and backward, with caches.

Catalogue IDs: LIN-FWD, ACT-FWD (forward); BWD-ACT, BWD-DW, BWD-DB, BWD-DA (backward).

Shapes (notes' layout, one example per column)::

    A_prev = A[l-1] : (n[l-1], m)      W = W[l] : (n[l], n[l-1])      b = b[l] : (n[l], 1)
    Z = Z[l], A = A[l], dZ = dZ[l], dA = dA[l] : (n[l], m)

``dZ`` and ``dA`` are gradients of the per-example loss (so not divided by m);
``dW`` and ``db`` are gradients of the cost J = (1/m) sum of the losses, which is
where the single 1/m of backpropagation appears.

Caches hold references to the caller's arrays (as in the course); returned
values are always new arrays.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_array, check_examples, check_same_dtype
from ._linalg import matmul
from .activations import Convention, activation_backward, activation_forward, check_activation

LinearCache = tuple[np.ndarray, np.ndarray, np.ndarray]
ActivationCache = tuple[LinearCache, np.ndarray]


def _check_layer(A_prev: object, W: object, b: object) -> int:
    """A[l-1], W[l], b[l] of one layer: float arrays of one dtype, finite, that chain; returns m."""
    check_array("A_prev", A_prev, finite=True)
    check_array("W", W, finite=True)
    check_array("b", b, finite=True)
    m = check_examples("A_prev", A_prev)
    if W.size == 0:
        raise ValueError(f"W has shape {W.shape}: a layer has at least one unit and one input")
    if W.shape[1] != A_prev.shape[0]:
        raise ValueError(
            f"W {W.shape} and A_prev {A_prev.shape} do not chain: W[l] is (n[l], n[l-1]) "
            f"and A[l-1] is (n[l-1], m), so W.shape[1] must equal A_prev.shape[0]"
        )
    if b.shape != (W.shape[0], 1):
        raise ValueError(
            f"b has shape {b.shape} but W is {W.shape}: b[l] is a column (n[l], 1) = ({W.shape[0]}, 1), broadcast "
            "over the m columns"
        )
    check_same_dtype(A_prev=A_prev, W=W, b=b)
    return m


def linear_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, LinearCache]:
    """LIN-FWD: ``Z[l] = W[l] A[l-1] + b[l]`` (b broadcast over the m columns).

    Args: ``A_prev`` (n[l-1], m), ``W`` (n[l], n[l-1]), ``b`` (n[l], 1).
    Returns: ``Z`` (n[l], m) and ``cache = (A_prev, W, b)``.
    """
    _check_layer(A_prev, W, b)
    return _linear_forward(A_prev, W, b), (A_prev, W, b)


def _linear_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """LIN-FWD, bare: ``Z = W A_prev + b`` on arrays the caller has checked (model_forward checks the
    parameters and X once, so its layers do not re-scan them)."""
    Z = matmul(W, A_prev)
    Z += b  # Z = W A_prev + b: b added to the new product in place, not into a second (n[l], m) array
    return Z


def linear_activation_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str
) -> tuple[np.ndarray, ActivationCache]:
    """ACT-FWD: ``A[l] = g[l](W[l] A[l-1] + b[l])``.

    Args: ``A_prev`` (n[l-1], m), ``W`` (n[l], n[l-1]), ``b`` (n[l], 1), and the
    activation's name (see :data:`scratch_nn.activations.ACTIVATIONS`).
    Returns: ``A`` (n[l], m) and ``cache = (linear_cache, Z)`` with
    ``linear_cache = (A_prev, W, b)``.
    """
    check_activation(activation)
    _check_layer(A_prev, W, b)
    Z = _linear_forward(A_prev, W, b)
    A = activation_forward(Z, activation)
    return A, ((A_prev, W, b), Z)


def _check_cache(cache: object, kind: str) -> None:
    if not (isinstance(cache, tuple) and len(cache) in (2, 3)):
        raise TypeError(
            f"cache must be the tuple returned by {kind}: (A_prev, W, b) for linear_backward, "
            f"((A_prev, W, b), Z) for linear_activation_backward; got {type(cache).__name__}"
        )


def _check_dZ(dZ: object, W: np.ndarray, m: int, name: str = "dZ") -> None:
    check_array(name, dZ, finite=True)
    if dZ.shape != (W.shape[0], m):
        raise ValueError(
            f"{name} has shape {dZ.shape} but the cache's Z = W A_prev + b is {(W.shape[0], m)}: "
            f"{name}[l] has Z[l]'s shape (n[l], m)"
        )
    check_same_dtype(**{name: dZ, "W": W})


def _linear_backward(dZ: np.ndarray, A_prev: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BWD-DW, BWD-DB, BWD-DA, bare: the arrays are the caller's to have checked."""
    m = A_prev.shape[1]
    dW = matmul(dZ, A_prev.T)
    dW *= 1 / m  # dW = (1/m) dZ A_prev^T: the new product scaled in place, not copied into a second array
    db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = matmul(W.T, dZ)
    return dA_prev, dW, db


def linear_backward(dZ: np.ndarray, cache: LinearCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BWD-DW, BWD-DB, BWD-DA: the gradients of the linear step of layer l.

    ``dW[l] = (1/m) dZ[l] A[l-1]^T``, ``db[l] = (1/m) sum_columns dZ[l]`` (kept as a
    column), ``dA[l-1] = W[l]^T dZ[l]``.

    Args: ``dZ`` (n[l], m) and ``cache = (A_prev, W, b)`` from :func:`linear_forward`.
    Returns: ``dA_prev`` (n[l-1], m), ``dW`` (n[l], n[l-1]), ``db`` (n[l], 1).
    """
    _check_cache(cache, "linear_forward")
    if len(cache) != 3:
        raise TypeError("linear_backward takes the linear cache (A_prev, W, b)")
    A_prev, W, b = cache
    m = _check_layer(A_prev, W, b)
    _check_dZ(dZ, W, m)
    return _linear_backward(dZ, A_prev, W)


def linear_activation_backward(
    dA: np.ndarray, cache: ActivationCache, activation: str, convention: Convention = "notes"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BWD-ACT then BWD-DW/DB/DA: ``dZ[l] = dA[l] * g'[l](Z[l])``, then :func:`linear_backward`.

    Args: ``dA`` (n[l], m), ``cache = ((A_prev, W, b), Z)`` from
    :func:`linear_activation_forward`, the activation's name, and the subgradient
    convention at 0 (``"notes"`` or ``"pytorch"``).
    Returns: ``dA_prev`` (n[l-1], m), ``dW`` (n[l], n[l-1]), ``db`` (n[l], 1).
    """
    _check_cache(cache, "linear_activation_forward")
    if len(cache) != 2:
        raise TypeError("linear_activation_backward takes the cache ((A_prev, W, b), Z)")
    linear_cache, Z = cache
    check_activation(activation)
    _check_cache(linear_cache, "linear_forward")
    if len(linear_cache) != 3:
        raise TypeError("linear_activation_backward takes the cache ((A_prev, W, b), Z): its first entry has 3 arrays")
    A_prev, W, b = linear_cache
    m = _check_layer(A_prev, W, b)  # everything is checked before g'(Z) is computed
    _check_dZ(Z, W, m, "Z")
    _check_dZ(dA, W, m, "dA")
    dZ = activation_backward(dA, Z, activation, convention)
    return _linear_backward(dZ, A_prev, W)
