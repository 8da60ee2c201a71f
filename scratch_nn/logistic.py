"""Logistic regression as a one-neuron network, in its own ``w (n_x, 1)`` form.

Catalogue IDs: LR-FWD (forward, also the θ form), LR-BWD (backward).

Shapes: ``X`` (n_x, m), ``w`` (n_x, 1), ``b`` a scalar, ``Y`` and ``A`` (1, m).
It is the L = 1 case of :mod:`scratch_nn.model` with ``W1 = w^T`` and
``b1 = [[b]]``; the tests check that too.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    check_array,
    check_examples,
    check_finite,
    check_labels,
    check_probabilities,
    check_real,
    check_same_dtype,
    check_shape,
)
from ._linalg import matmul
from .activations import sigmoid
from .losses import _compute_cost


def _check_lr(w: np.ndarray, b: float, X: np.ndarray) -> int:
    check_array("X", X, finite=True)
    check_array("w", w, finite=True)
    m = check_examples("X", X)
    if w.shape != (X.shape[0], 1):
        raise ValueError(f"w has shape {w.shape} but X is {X.shape}: w is a column (n_x, 1) = ({X.shape[0]}, 1)")
    check_same_dtype(w=w, X=X)
    if isinstance(b, np.ndarray) and b.ndim != 0:
        raise ValueError(f"b must be a scalar, got shape {np.shape(b)}")
    check_real("b", b, what="the bias, a scalar")
    return m


def lr_forward(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """LR-FWD: ``Z = w^T X + b``, ``ŷ = A = sigmoid(Z)``.

    Args: ``w`` (n_x, 1), ``b`` scalar, ``X`` (n_x, m). Returns ``A`` (1, m).
    """
    _check_lr(w, b, X)
    return _lr_forward(w, b, X)


def _lr_forward(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """LR-FWD, bare: ``A = sigmoid(w^T X + b)`` on arguments :func:`lr_forward` checks."""
    Z = matmul(w.T, X) + X.dtype.type(float(b))
    return sigmoid(Z)


def lr_forward_theta(theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """LR-FWD, θ form: ``x0 = 1`` prepended to every example, ``θ = [b; w]``, ``ŷ = σ(θ^T x)``.

    Args: ``theta`` (n_x + 1, 1), ``X`` (n_x, m). Returns ``A`` (1, m).
    """
    check_array("X", X, finite=True)
    check_array("theta", theta, finite=True)
    check_examples("X", X)
    if theta.shape != (X.shape[0] + 1, 1):
        raise ValueError(
            f"theta has shape {theta.shape} but X is {X.shape}: θ = [b; w] is (n_x + 1, 1) = ({X.shape[0] + 1}, 1)"
        )
    check_same_dtype(theta=theta, X=X)
    X_tilde = np.vstack([np.ones((1, X.shape[1]), dtype=X.dtype), X])
    return sigmoid(matmul(theta.T, X_tilde))


def lr_backward(X: np.ndarray, A: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, float]:
    """LR-BWD: ``dZ = A - Y``, ``dw = (1/m) X dZ^T``, ``db = (1/m) sum dZ``.

    Args: ``X`` (n_x, m), ``A`` and ``Y`` (1, m). Returns ``dw`` (n_x, 1) and ``db``
    (a Python float, on NumPy 1 and 2 alike, as the costs are).
    """
    check_array("X", X, finite=True)
    check_array("A", A, finite=True)
    m = check_examples("X", X)
    check_shape("A", A, (1, m), "A = ŷ is (1, m), one column per example of X")
    check_same_dtype(X=X, A=A)
    check_probabilities("A", A)
    Y = check_labels("Y", Y, A, "binary", like_name="A")
    return _lr_backward(X, A, Y)


def _lr_backward(X: np.ndarray, A: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, float]:
    """LR-BWD, bare: on arguments :func:`lr_backward` checks (Y in A's dtype)."""
    m = X.shape[1]
    dZ = A - Y
    dw = (1 / m) * matmul(X, dZ.T)
    db = float((1 / m) * np.sum(dZ))
    return dw, db


def propagate(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray) -> tuple[dict[str, np.ndarray | float], float]:
    """The course's ``propagate``: forward, cost (COST-BCE) and backward in one call.

    Returns ``({"dw": dw, "db": db}, cost)`` with ``dw`` (n_x, 1), ``db`` scalar.
    """
    m = _check_lr(w, b, X)  # then Y against X's m, before anything is computed
    Y = check_labels("Y", Y, np.empty((1, m), dtype=X.dtype), "binary", like_name="the prediction A of X")
    A = _lr_forward(w, b, X)  # checked once, above: the three steps do not re-scan X
    check_finite("AL", A)  # (1, m): NaN only if w^T X overflowed; the error compute_cost would give
    cost = _compute_cost(A, Y)
    dw, db = _lr_backward(X, A, Y)
    return {"dw": dw, "db": db}, cost
