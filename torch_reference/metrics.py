"""PRED-METRICS against scikit-learn: the implementation's predictions and classification metrics.

Catalogue ID: PRED-METRICS (``scratch_nn/metrics.py``). A case is a network's output ``A[L]`` and the
true labels; the implementation predicts (``ŷ = 1 where a >= 0.5``, or the argmax of each softmax
column) and scores its predictions (accuracy; precision, recall and F1 of class 1, or macro-averaged
over the classes present). The oracle predicts with PyTorch on the case's device (``torch.ge``,
``torch.argmax``: exact) and scores those predictions with ``sklearn.metrics`` (``zero_division=0``,
the contract's default).

scikit-learn is an optional oracle: without it every case raises
:class:`~torch_reference.registry.OracleUnavailable` and the rows read "n/a: scikit-learn not
installed" (listed, not hidden). Bounds: a prediction is exact (bound 0); each per-class ratio is one
correctly rounded division of integers and a macro mean of k of them adds k roundings, so a metric's
bound is ``(k + 1)·|value|`` (as in ``tests/test_metrics.py``).
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import numpy as np
import torch

from . import cases
from .registry import Case, Entry, OracleUnavailable, Reference, register

#: the metrics a case computes, by the name the rows report, and sklearn's function of each
METRICS = {"accuracy": "accuracy_score", "precision": "precision_score", "recall": "recall_score", "F1": "f1_score"}
#: contract name of each metric (scratch_nn.metrics)
CONTRACT = {"accuracy": "accuracy", "precision": "precision", "recall": "recall", "F1": "f1_score"}


def sklearn_metrics() -> Any:
    """``sklearn.metrics``, or :class:`OracleUnavailable` when scikit-learn is not installed."""
    try:
        return importlib.import_module("sklearn.metrics")
    except ImportError as exc:
        raise OracleUnavailable("scikit-learn not installed") from exc


def draw_binary(rng: np.random.Generator, shape: tuple[int, int], dtype: type, below: bool = False) -> Case:
    """``AL`` (1, m) sigmoid outputs in [0.05, 0.95] (every one below 0.5 when ``below``: nothing is
    predicted positive) and labels ``y`` (1, m) int64, both classes present when m >= 2."""
    AL = cases.probabilities(rng, shape, dtype)
    if below:
        AL = AL / dtype(2)  # exact: halving a float
    y = cases.binary_labels(rng, shape, np.float64).astype(np.int64)
    return {"AL": AL, "y": y, "average": "binary"}


def draw_multiclass(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> Case:
    """``AL`` (classes, m): the softmax of N(0, 4) logits (columns sum to 1, no ties), and labels ``y`` (m,)."""
    classes, m = shape
    E = np.exp(2 * rng.standard_normal(shape))
    AL = (E / E.sum(axis=0)).astype(dtype)
    return {"AL": AL, "y": cases.class_labels(rng, classes, m), "average": "macro"}


def _run(predict: str):
    def run(impl: Any, case: Case) -> dict[str, Any]:
        y_hat = getattr(impl, predict)(case["AL"])
        out = {"y_hat": y_hat, "accuracy": impl.accuracy(case["y"], y_hat)}
        for name in ("precision", "recall", "F1"):
            out[name] = getattr(impl, CONTRACT[name])(case["y"], y_hat, average=case["average"])
        return out

    return run


def _oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    metrics = sklearn_metrics()
    AL = torch.tensor(case["AL"], dtype=dtype, device=device)
    binary = case["average"] == "binary"
    y_hat = (AL >= 0.5).long() if binary else torch.argmax(AL, dim=0)
    y_hat = y_hat.cpu().numpy()
    y_true, y_pred = case["y"].ravel(), y_hat.ravel()
    k = 1 if binary else len(np.union1d(y_true, y_pred))  # the classes a macro mean averages
    refs = {"y_hat": Reference(y_hat.astype(np.float64), 0.0)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns on zero division even when told what to return
        for name, function in METRICS.items():
            options = {} if name == "accuracy" else {"average": case["average"], "zero_division": 0}
            value = float(getattr(metrics, function)(y_true, y_pred, **options))
            refs[name] = Reference(np.float64(value), (1 if name == "accuracy" else k + 1) * abs(value), scalar=True)
    return refs


def _entry(variant: str, equation: str, draw: Any, predict: str, shapes: list[tuple[int, int]]) -> Entry:
    return Entry(
        "PRED-METRICS",
        equation,
        draw=draw,
        run=_run(predict),
        oracle=_oracle,
        shapes=shapes,
        needs=(predict, *CONTRACT.values()),
        variant=variant,
        oracle_kind="scikit-learn",
        strict_dtype=False,  # predictions are integer labels, whatever the dtype of A[L]
    )


_SCORES = "accuracy = (1/m) Σ [ŷ = y]; precision = TP/(TP + FP), recall = TP/(TP + FN), F1 = 2TP/(2TP + FP + FN)"


def _draw_no_positive(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> Case:
    return draw_binary(rng, shape, dtype, below=True)


register(
    _entry(
        "binary",
        f"ŷ = 1 if a >= 0.5 else 0; {_SCORES}, of class 1",
        draw_binary,
        "predict_binary",
        [(1, 40), (1, 9), (1, 2)],
    )
)
register(
    _entry(
        "multi-class, macro average",
        f"ŷ = argmax_k a_k per column; {_SCORES}, per class, then their mean",
        draw_multiclass,
        "predict_multiclass",
        [(4, 30), (3, 8), (10, 12)],
    )
)
register(
    _entry(
        "zero division",
        "no ŷ = 1 (every a < 0.5): precision = TP/(TP + FP) = 0/0 := 0, so F1 = 0 (zero_division = 0)",
        _draw_no_positive,
        "predict_binary",
        [(1, 6), (1, 1)],
    )
)
