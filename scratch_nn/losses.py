"""Costs J and the gradient that starts backpropagation.

Catalogue IDs: COST-BCE, COST-CE (costs), BWD-DAL (``dA[L]`` of binary
cross-entropy), BWD-DZL (``dZ[L] = A[L] - Y``).

Shapes: ``AL = A[L]`` and ``Y`` are ``(n[L], m)``: ``(1, m)`` for a binary output,
``(classes, m)`` one-hot for softmax. Costs are returned as Python floats (never a
``(1, 1)`` array); ``dAL`` and ``dZL`` are ``(n[L], m)`` per-example gradients.

Each output activation has its matching loss, and with it the same simple
``dZ[L] = A[L] - Y``:

============  =============================================  ==========
output g[L]    loss L(a, y)                                   dZ[L]
============  =============================================  ==========
sigmoid        -(y log a + (1 - y) log(1 - a))   (COST-BCE)   A - Y
softmax        -sum_k y_k log a_k                (COST-CE)    A - Y
linear         (1/2)(a - y)^2     (regression; not a catalogue ID)  A - Y
============  =============================================  ==========
"""

from __future__ import annotations

import numpy as np

from ._checks import check_array, check_examples, check_labels, check_probabilities

#: output activation -> name of the loss paired with it
OUTPUT_LOSSES = {
    "sigmoid": "binary cross-entropy",
    "softmax": "cross-entropy",
    "linear": "squared error",
}


def _check_output(AL: np.ndarray, Y: np.ndarray, kind: str) -> tuple[np.ndarray, int]:
    """``AL`` (n[L], m) a finite float array, and ``Y`` labels of its shape for the loss ``kind``;
    returns Y (as AL's dtype) and m."""
    check_array("AL", AL, finite=True)
    return _check_output_labels(AL, Y, kind)


def _check_output_labels(AL: np.ndarray, Y: np.ndarray, kind: str) -> tuple[np.ndarray, int]:
    """The rest of :func:`_check_output`, for a caller that has already checked ``AL`` as an array
    (:func:`scratch_nn.model_backward`): m >= 1, n[L] >= 1, probabilities for the cross-entropies, Y."""
    m = check_examples("AL", AL)
    if AL.shape[0] == 0:
        raise ValueError(f"AL has shape {AL.shape}: the output layer has at least one unit")
    if kind in ("binary cross-entropy", "cross-entropy"):
        check_probabilities("AL", AL)
    values = {"binary cross-entropy": "binary", "cross-entropy": "unit"}.get(kind, "real")
    Y = check_labels("Y", Y, AL, values)
    return Y, m


def check_output_activation(output_activation: str) -> str:
    """Return the loss name paired with ``output_activation``, or raise ValueError."""
    if not isinstance(output_activation, str) or output_activation not in OUTPUT_LOSSES:
        raise ValueError(
            f"no loss is paired with output activation {output_activation!r} (output_activation); expected one of "
            f"{sorted(OUTPUT_LOSSES)}"
        )
    return OUTPUT_LOSSES[output_activation]


def compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """COST-BCE: ``J = (1/m) sum_i L(a_i, y_i)``, ``L = -(y log a + (1 - y) log(1 - a))``.

    Args: ``AL`` (1, m) probabilities in [0, 1]; ``Y`` (1, m) labels in {0, 1}.
    Returns: J as a Python float.

    With y in {0, 1} exactly one of the two terms is non-zero; only that one is
    evaluated, so ``a = y`` gives 0 (not ``0 * log 0 = nan``) and a confidently
    wrong ``a = 1 - y`` gives ``inf`` (the formula's true value; PyTorch's
    ``BCELoss`` instead clamps each log at -100).
    """
    Y, _m = _check_output(AL, Y, "binary cross-entropy")
    return _compute_cost(AL, Y)


def _compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """COST-BCE, bare: ``AL`` and ``Y`` (1, m) as :func:`compute_cost` checks them (Y in AL's dtype)."""
    m = AL.shape[1]
    with np.errstate(divide="ignore"):  # log(0) = -inf is the formula's value
        losses = -np.log(np.where(Y == 1, AL, 1 - AL))
    return float((1 / m) * np.sum(losses))


def compute_cost_cross_entropy(AL: np.ndarray, Y: np.ndarray) -> float:
    """COST-CE: ``J = -(1/m) sum_i sum_k Y[k, i] log AL[k, i]``.

    Args: ``AL`` (classes, m), softmax outputs; ``Y`` (classes, m), one-hot (or
    probability) columns. Returns: J as a Python float. Terms with ``Y[k, i] = 0``
    contribute 0 even where ``AL[k, i] = 0``.
    """
    Y, _m = _check_output(AL, Y, "cross-entropy")
    return _compute_cost_cross_entropy(AL, Y)


def _compute_cost_cross_entropy(AL: np.ndarray, Y: np.ndarray) -> float:
    """COST-CE, bare: ``AL`` and ``Y`` (classes, m) as :func:`compute_cost_cross_entropy` checks them."""
    m = AL.shape[1]
    with np.errstate(divide="ignore"):
        log_AL = np.log(np.where(Y > 0, AL, 1))  # the log is only needed where y_k > 0
    return float(-(1 / m) * np.sum(Y * log_AL)) + 0.0  # + 0.0: a perfect prediction costs 0.0, not -0.0


def compute_cost_squared_error(AL: np.ndarray, Y: np.ndarray) -> float:
    """Squared error for a linear (regression) output: ``J = (1/(2m)) sum (AL - Y)^2``.

    Not a catalogue ID; it is the loss whose ``dZ[L]`` is ``A[L] - Y`` for the
    identity output g(z) = z (ACT-LINEAR). Shapes ``(n[L], m)``.
    """
    Y, _m = _check_output(AL, Y, "squared error")
    return _compute_cost_squared_error(AL, Y)


def _compute_cost_squared_error(AL: np.ndarray, Y: np.ndarray) -> float:
    """Squared error, bare: ``AL`` and ``Y`` (n[L], m) as :func:`compute_cost_squared_error` checks them."""
    m = AL.shape[1]
    return float((1 / (2 * m)) * np.sum((AL - Y) ** 2))


COSTS = {
    "sigmoid": compute_cost,
    "softmax": compute_cost_cross_entropy,
    "linear": compute_cost_squared_error,
}

#: the same costs, bare (no checks): what the model-level functions call on arrays they have checked
_BARE_COSTS = {
    "sigmoid": _compute_cost,
    "softmax": _compute_cost_cross_entropy,
    "linear": _compute_cost_squared_error,
}


def model_cost(AL: np.ndarray, Y: np.ndarray, output_activation: str = "sigmoid") -> float:
    """The cost paired with ``output_activation`` (see the module table)."""
    check_output_activation(output_activation)
    return COSTS[output_activation](AL, Y)


def _model_cost(AL: np.ndarray, Y: np.ndarray, output_activation: str) -> float:
    """:func:`model_cost`, bare: ``AL``, ``Y`` and the name checked by the caller (``Y`` in AL's dtype)."""
    return _BARE_COSTS[output_activation](AL, Y)


def bce_backward(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """BWD-DAL: ``dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L]))``.

    Args: ``AL`` (1, m) in the open interval (0, 1); ``Y`` (1, m) in {0, 1}.
    Returns: ``dAL`` (1, m), the gradient of the per-example loss (not divided by m).
    Raises ValueError at ``AL`` exactly 0 or 1, where the formula divides by zero.
    """
    Y, _m = _check_output(AL, Y, "binary cross-entropy")
    if ((AL == 0) | (AL == 1)).any():
        raise ValueError("AL must lie strictly inside (0, 1) for dA[L]: Y/AL or (1-Y)/(1-AL) is 1/0")
    return _bce_backward(AL, Y)


def _bce_backward(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """BWD-DAL, bare: ``dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L]))`` on arrays :func:`bce_backward` checks."""
    return -(Y / AL - (1 - Y) / (1 - AL))


def output_backward(AL: np.ndarray, Y: np.ndarray, output_activation: str = "sigmoid") -> np.ndarray:
    """BWD-DZL: ``dZ[L] = A[L] - Y`` for sigmoid + BCE, softmax + CE, linear + squared error.

    Shapes ``(n[L], m)``; per-example scale (not divided by m).
    """
    Y, _m = _check_output(AL, Y, check_output_activation(output_activation))
    return _output_backward(AL, Y)


def _output_backward(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """BWD-DZL, bare: ``dZ[L] = A[L] - Y`` on arrays the caller has checked (Y in AL's dtype)."""
    return AL - Y
