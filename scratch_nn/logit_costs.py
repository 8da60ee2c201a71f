"""The costs computed from the logits Z[L] instead of the probabilities A[L]: the stable forms.

Catalogue IDs: COST-BCE, COST-CE (the same J as :func:`scratch_nn.compute_cost` and
:func:`scratch_nn.compute_cost_cross_entropy`, rewritten so that no exponential overflows and no
probability rounds to exactly 0 or 1 before its log is taken).

Why: in float64, ``sigmoid(40)`` rounds to exactly 1 (in float32 already ``sigmoid(17)``), so the
notes' ``-(1 - y) log(1 - a)`` for y = 0 is ``log 0 = -inf`` although the loss is 40. From the logit:

* BCE: ``L(z, y) = -(y log σ(z) + (1 - y) log(1 - σ(z))) = max(z, 0) - z·y + log(1 + e^-|z|)``
  (``log σ(z) = -log(1 + e^-z)``; the max makes the exponent non-positive). PyTorch's
  ``BCEWithLogitsLoss`` uses the same identity.
* CE: ``L(z, y) = -sum_k y_k log softmax(z)_k = log sum_k e^{z_k} - sum_k y_k z_k``, with the
  log-sum-exp taken after subtracting ``max_k z_k`` (PyTorch's ``CrossEntropyLoss`` via log_softmax).

Shapes: ``ZL`` and ``Y`` are ``(n[L], m)`` (``(1, m)`` for BCE; one-hot ``(classes, m)`` for CE);
the costs are Python floats, ``J = (1/m) sum_i L(i)``. Inputs are not modified.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_array, check_examples, check_labels


def compute_cost_from_logits(ZL: np.ndarray, Y: np.ndarray) -> float:
    """COST-BCE from the logits: ``J = (1/m) sum_i [max(z_i, 0) - z_i y_i + log(1 + e^-|z_i|)]``.

    Args: ``ZL`` (1, m) logits ``Z[L]`` (``A[L] = sigmoid(ZL)``); ``Y`` (1, m) labels in {0, 1}.
    Returns: J as a Python float, finite for every finite ``ZL`` (``z = -1e4``, y = 1 gives 1e4/m).
    """
    check_array("ZL", ZL, finite=True)
    m = check_examples("ZL", ZL)
    Y = check_labels("Y", Y, ZL, "binary", like_name="ZL")
    with np.errstate(under="ignore"):  # e^-|z| underflowing to 0 is the right limit
        losses = np.maximum(ZL, 0) - ZL * Y + np.log1p(np.exp(-np.abs(ZL)))
    return float((1 / m) * np.sum(losses))


def compute_cost_cross_entropy_from_logits(ZL: np.ndarray, Y: np.ndarray) -> float:
    """COST-CE from the logits: ``J = (1/m) sum_i [log sum_k e^{Z[k, i]} - sum_k Y[k, i] Z[k, i]]``.

    Args: ``ZL`` (classes, m) logits; ``Y`` (classes, m) one-hot (or probability) columns.
    Returns: J as a Python float. The column maximum is subtracted before exponentiating.
    """
    check_array("ZL", ZL, finite=True)
    m = check_examples("ZL", ZL)
    if ZL.shape[0] == 0:
        raise ValueError(f"ZL has shape {ZL.shape}: the output layer has at least one unit (class)")
    Y = check_labels("Y", Y, ZL, "unit", like_name="ZL")
    z_max = ZL.max(axis=0, keepdims=True)
    with np.errstate(under="ignore"):
        log_sum_exp = z_max + np.log(np.sum(np.exp(ZL - z_max), axis=0, keepdims=True))
    return float((1 / m) * np.sum(log_sum_exp - np.sum(Y * ZL, axis=0, keepdims=True)))
