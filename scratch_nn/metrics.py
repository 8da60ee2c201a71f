"""Predictions and classification metrics.

Catalogue ID: PRED-METRICS.

* binary output (sigmoid, ``A[L]`` of shape ``(1, m)``): ``ŷ = 1 if a >= 0.5 else 0``;
* multi-class output (softmax, ``A[L]`` of shape ``(classes, m)``): ``ŷ = argmax_k a_k``
  per column (the index of the largest probability; the first one on a tie, as
  ``np.argmax``);
* accuracy = (number of ``ŷ = y``) / m;
* for one class c taken as "positive": TP, FP, FN counts, and
  ``precision = TP / (TP + FP)``, ``recall = TP / (TP + FN)``,
  ``F1 = 2 TP / (2 TP + FP + FN)`` (the harmonic mean of precision and recall,
  written with the counts so that it is defined even when one of them is 0/0);
* ``average="binary"``: the metric of class 1; ``average="macro"``: the unweighted
  mean over the classes (per-class F1 values averaged, not the F1 of the averaged
  precision and recall).

Zero division: a ratio whose denominator is 0 (no predicted positives for precision,
no actual positives for recall, neither for F1) is ``zero_division`` (default 0.0), the
convention of ``sklearn.metrics`` with its parameter of the same name. With
``zero_division=nan`` such classes are left out of a macro average (also as sklearn).

Labels: integer arrays of shape ``(m,)`` or ``(1, m)`` (``y_true`` and ``y_pred`` may
use either; both must hold m values). The classes of a macro average are ``labels`` if
given, else every class that occurs in ``y_true`` or ``y_pred`` (sklearn's default).
NumPy only; the inputs are never modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from ._checks import as_real, check_array, check_examples, check_plain_array, check_real

Average = Literal["binary", "macro"]


# ----------------------------------------------------------------------- predictions
def predict_binary(AL: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """PRED-METRICS, binary: ``ŷ = 1 where A[L] >= threshold`` (0.5 in the notes), else 0.

    Args: ``AL`` (1, m) sigmoid outputs (finite: a NaN would silently predict 0). Returns: ``Y_hat``
    (1, m) int64 in {0, 1}.
    """
    check_array("AL", AL, finite=True)
    check_examples("AL", AL)
    if AL.shape[0] != 1:
        raise ValueError(f"AL has shape {AL.shape}; a binary output is (1, m) (use predict_multiclass for softmax)")
    threshold = check_real("threshold", threshold, what="the cut-off on A[L], e.g. 0.5")
    return (AL >= threshold).astype(np.int64)


def predict_multiclass(AL: np.ndarray) -> np.ndarray:
    """PRED-METRICS, multi-class: ``ŷ_i = argmax_k A[L][k, i]`` (softmax outputs, one column per example).

    Args: ``AL`` (classes, m). Returns: class indices (m,) int64 in ``0 .. classes - 1``,
    the shape of the labels that :func:`scratch_nn.one_hot` encodes. ``AL`` must be finite (argmax
    would silently pick a NaN).
    """
    check_array("AL", AL, finite=True)
    check_examples("AL", AL)
    if AL.shape[0] < 2:
        raise ValueError(f"AL has shape {AL.shape}; a multi-class output has at least 2 rows (classes, m)")
    return np.argmax(AL, axis=0).astype(np.int64)


def predict(AL: np.ndarray) -> np.ndarray:
    """PRED-METRICS: :func:`predict_binary` for a ``(1, m)`` output, else :func:`predict_multiclass`."""
    check_array("AL", AL)  # (the one it calls checks the rest)
    return predict_binary(AL) if AL.shape[0] == 1 else predict_multiclass(AL)


# ----------------------------------------------------------------------- metrics
def _labels(name: str, y: object) -> np.ndarray:
    """Integer labels ``(m,)`` or ``(1, m)`` -> a flat int64 copy ``(m,)``."""
    if not isinstance(y, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of integer labels, got {type(y).__name__}")
    check_plain_array(name, y)  # a masked array's mask would be dropped, an np.matrix stays 2-D when flattened
    if y.dtype.kind not in "biu":
        if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            raise TypeError(f"{name} has dtype {y.dtype}; convert labels explicitly, e.g. {name}.astype(np.int64)")
        raise TypeError(f"{name} has dtype {y.dtype}; expected integer (or bool) labels")
    if not (y.ndim == 1 or (y.ndim == 2 and y.shape[0] == 1)):
        raise ValueError(f"{name} must have shape (m,) or (1, m), got {y.shape}")
    if y.size == 0:
        raise ValueError(f"{name} has m = 0 labels")
    return y.reshape(-1).astype(np.int64)


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t, p = _labels("y_true", y_true), _labels("y_pred", y_pred)
    if t.size != p.size:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}")
    return t, p


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """PRED-METRICS: ``(1/m) sum_i [ŷ_i = y_i]``, a Python float in [0, 1].

    Args: ``y_true``, ``y_pred`` integer labels, (m,) or (1, m) each.
    """
    t, p = _pair(y_true, y_pred)
    return float(np.mean(t == p))


def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray, positive: int = 1) -> tuple[int, int, int]:
    """``(TP, FP, FN)`` with class ``positive`` as the positive class.

    TP: ``y = ŷ = positive``; FP: ``ŷ = positive``, ``y != positive``; FN: ``y = positive``, ``ŷ != positive``.
    """
    t, p = _pair(y_true, y_pred)
    positive = _check_class("positive", positive)
    tp = int(np.sum((t == positive) & (p == positive)))
    fp = int(np.sum((t != positive) & (p == positive)))
    fn = int(np.sum((t == positive) & (p != positive)))
    return tp, fp, fn


def _check_class(name: str, c: object) -> int:
    """A class label: an integer (not a bool, not 1.0)."""
    if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer)):
        raise TypeError(f"{name} must be an integer class label, got {type(c).__name__} {c!r}")
    return int(c)


def _ratio(numerator: int, denominator: int, zero_division: float) -> float:
    return float(zero_division) if denominator == 0 else numerator / denominator


def _check_zero_division(zero_division: float) -> float:
    value = as_real("zero_division", zero_division, "0.0, 1.0 or nan")
    if not (np.isnan(value) or value in (0, 1)):
        raise ValueError(f"zero_division must be 0.0, 1.0 or nan (as in sklearn), got {zero_division!r}")
    return value


def precision_recall_f1(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    average: Average = "binary",
    labels: Sequence[int] | None = None,
    zero_division: float = 0.0,
) -> tuple[float, float, float]:
    """PRED-METRICS: ``(precision, recall, F1)`` as Python floats.

    Per class c: ``P = TP/(TP + FP)``, ``R = TP/(TP + FN)``, ``F1 = 2TP/(2TP + FP + FN)``, each
    ``zero_division`` where its denominator is 0. ``average="binary"``: class 1 (labels must be
    0 or 1); ``average="macro"``: the mean over ``labels`` (default: the classes present in
    ``y_true`` or ``y_pred``), ``nan`` values left out.

    Args: ``y_true``, ``y_pred`` integer labels (m,) or (1, m); ``labels`` the classes to average.
    """
    t, p = _pair(y_true, y_pred)
    zero_division = _check_zero_division(zero_division)
    if average == "binary":
        present = np.union1d(t, p)
        if not np.isin(present, (0, 1)).all():
            raise ValueError(f"average='binary' needs labels in {{0, 1}}; found {present.tolist()} (use 'macro')")
        classes = [1]
    elif average == "macro":
        if labels is None:
            classes = sorted(int(c) for c in np.union1d(t, p))
        elif isinstance(labels, (str, bytes, dict)) or not isinstance(labels, (Sequence, np.ndarray)):
            raise TypeError(f"labels must be None or a list of integer classes, got {type(labels).__name__}")
        else:
            classes = sorted(_check_class(f"labels[{i}]", c) for i, c in enumerate(labels))
        if not classes:
            raise ValueError("labels is empty: there is no class to average over")
    else:
        raise ValueError(f"average must be 'binary' or 'macro', got {average!r}")

    rows = []
    for c in classes:
        tp, fp, fn = confusion_counts(t, p, positive=c)
        rows.append(
            (
                _ratio(tp, tp + fp, zero_division),
                _ratio(tp, tp + fn, zero_division),
                _ratio(2 * tp, 2 * tp + fp + fn, zero_division),
            )
        )
    values = np.array(rows, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        means = [float(np.nanmean(col)) if not np.isnan(col).all() else float("nan") for col in values.T]
    return means[0], means[1], means[2]


def precision(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    average: Average = "binary",
    labels: Sequence[int] | None = None,
    zero_division: float = 0.0,
) -> float:
    """PRED-METRICS: ``TP / (TP + FP)`` (see :func:`precision_recall_f1`)."""
    return precision_recall_f1(y_true, y_pred, average, labels, zero_division)[0]


def recall(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    average: Average = "binary",
    labels: Sequence[int] | None = None,
    zero_division: float = 0.0,
) -> float:
    """PRED-METRICS: ``TP / (TP + FN)`` (see :func:`precision_recall_f1`)."""
    return precision_recall_f1(y_true, y_pred, average, labels, zero_division)[1]


def f1_score(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    average: Average = "binary",
    labels: Sequence[int] | None = None,
    zero_division: float = 0.0,
) -> float:
    """PRED-METRICS: ``2 TP / (2 TP + FP + FN)`` = ``2 P R / (P + R)`` (see :func:`precision_recall_f1`)."""
    return precision_recall_f1(y_true, y_pred, average, labels, zero_division)[2]
