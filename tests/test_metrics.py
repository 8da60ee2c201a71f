"""PRED-METRICS: predictions (ŷ >= 0.5; argmax of softmax) and accuracy, precision, recall, F1,
binary and macro-averaged, against ``sklearn.metrics`` on random labels, zero-division cases included.

Convention (``scratch_nn.metrics``): a ratio with a zero denominator is ``zero_division`` (0.0 by
default), exactly sklearn's parameter of that name; with ``zero_division=nan`` such classes are left
out of a macro average. The comparison's tolerance is the rounding of the averages: each per-class
ratio is one correctly rounded division of integers, the macro mean of k of them adds at most
k + 1 roundings (``tolerance`` with a bound of ``(k + 1)·|value|``); counts and accuracies of the two
are then equal or within that.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scratch_nn import softmax
from scratch_nn.metrics import (
    accuracy,
    confusion_counts,
    f1_score,
    precision,
    precision_recall_f1,
    predict,
    predict_binary,
    predict_multiclass,
    recall,
)
from torch_reference.tolerance import tolerance

from .checks import planted_bugs_test

sk = pytest.importorskip("sklearn.metrics")


def _close(ours: float, theirs: float, k: int) -> bool:
    if np.isnan(theirs):
        return bool(np.isnan(ours))
    return abs(ours - theirs) <= tolerance(np.float64, (k + 1) * abs(theirs), theirs)


def _sklearn(y_true, y_pred, average, zero_division, labels=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns on zero division even when told what to return
        p, r, f, _ = sk.precision_recall_fscore_support(
            y_true, y_pred, average=average, zero_division=zero_division, labels=labels
        )
    return p, r, f


# ----------------------------------------------------------------------- predictions
def test_predict_binary_threshold_is_inclusive(np_dtype):
    """ŷ = 1 exactly when a >= 0.5: 0.5 itself is class 1, the float just below it is class 0."""
    below = np.nextafter(np_dtype(0.5), np_dtype(0))
    AL = np.array([[0.0, below, 0.5, 0.75, 1.0]], dtype=np_dtype)
    before = AL.copy()
    Y_hat = predict_binary(AL)
    assert Y_hat.dtype == np.int64 and Y_hat.shape == (1, 5)
    assert np.array_equal(Y_hat, [[0, 0, 1, 1, 1]])
    assert np.array_equal(AL, before)
    assert np.array_equal(predict(AL), Y_hat)


def test_predict_multiclass_is_argmax_of_softmax(rng, np_dtype):
    """ŷ_i = argmax_k of column i of softmax(Z), the same as argmax of Z (softmax is monotone); shape (m,);
    a tie goes to the first class."""
    Z = rng.standard_normal((5, 40)).astype(np_dtype)
    AL = softmax(Z)
    y_hat = predict_multiclass(AL)
    assert y_hat.shape == (40,) and y_hat.dtype == np.int64
    assert np.array_equal(y_hat, np.argmax(Z, axis=0))
    assert np.array_equal(predict(AL), y_hat)
    tie = np.array([[0.4], [0.4], [0.2]], dtype=np_dtype)
    assert predict_multiclass(tie).tolist() == [0]


def test_a_two_class_softmax_is_a_multiclass_output(np_dtype):
    """Only a (1, m) output is binary: a softmax over 2 classes, (2, m), is argmax'ed (a tie: class 0)."""
    AL = np.array([[0.9, 0.2, 0.5, 0.3], [0.1, 0.8, 0.5, 0.7]], dtype=np_dtype)
    assert predict_multiclass(AL).tolist() == [0, 1, 0, 1]
    assert np.array_equal(predict(AL), predict_multiclass(AL))


# ----------------------------------------------------------------------- metrics against sklearn
def test_hand_counted_example():
    """y = 1 1 0 0 1 0, ŷ = 1 0 0 1 1 1: TP = 2, FP = 2, FN = 1, so P = 1/2, R = 2/3, F1 = 4/7."""
    y = np.array([1, 1, 0, 0, 1, 0])
    y_hat = np.array([[1, 0, 0, 1, 1, 1]])
    assert confusion_counts(y, y_hat) == (2, 2, 1)
    assert accuracy(y, y_hat) == 0.5
    assert precision(y, y_hat) == 0.5 and recall(y, y_hat) == 2 / 3 and f1_score(y, y_hat) == 4 / 7


@pytest.mark.parametrize("zero_division", [0.0, 1.0, np.nan])
def test_zero_division_cases_match_sklearn(zero_division):
    """Every zero-denominator case: no predicted positives (precision 0/0), no actual positives (recall
    0/0), neither (F1 0/0 too), and a class absent from both in a macro average over given labels."""
    cases = [
        (np.array([1, 1, 0]), np.array([0, 0, 0])),  # nothing predicted positive
        (np.array([0, 0, 0]), np.array([1, 0, 0])),  # nothing actually positive
        (np.array([0, 0, 0]), np.array([0, 0, 0])),  # neither
    ]
    for y, y_hat in cases:
        ours = precision_recall_f1(y, y_hat, "binary", zero_division=zero_division)
        for a, b in zip(ours, _sklearn(y, y_hat, "binary", zero_division), strict=True):
            assert _close(a, b, 1), (y, y_hat, ours)
    y, y_hat, labels = np.array([0, 1, 2, 2]), np.array([0, 0, 1, 3]), [0, 1, 2, 3, 4]
    ours = precision_recall_f1(y, y_hat, "macro", labels=labels, zero_division=zero_division)
    for a, b in zip(ours, _sklearn(y, y_hat, "macro", zero_division, labels), strict=True):
        assert _close(a, b, len(labels)), ours


@pytest.mark.parametrize("index, metric", [(0, precision), (1, recall), (2, f1_score)])
def test_each_metric_is_its_entry_of_precision_recall_f1_with_every_argument(index, metric):
    """precision, recall and f1_score pass ``average``, ``labels`` and ``zero_division`` on, and
    ``zero_division`` defaults to 0.0, as in sklearn. Without positives (binary) every ratio is 0/0; in
    the macro average over labels 0..3 of y = 0 1 2 2, ŷ = 0 0 1 2, class 3 is absent from both."""
    y, y_hat = np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.int64)
    assert metric(y, y_hat) == precision_recall_f1(y, y_hat)[index] == _sklearn(y, y_hat, "binary", 0.0)[index] == 0.0
    assert metric(y, y_hat, zero_division=1.0) == _sklearn(y, y_hat, "binary", 1.0)[index] == 1.0
    y, y_hat, labels = np.array([0, 1, 2, 2]), np.array([0, 0, 1, 2]), [0, 1, 2, 3]
    for zero_division in (0.0, 1.0):
        ours = metric(y, y_hat, "macro", labels=labels, zero_division=zero_division)
        theirs = _sklearn(y, y_hat, "macro", zero_division, labels)[index]
        assert _close(ours, theirs, len(labels)), (zero_division, ours, theirs)
        assert ours != metric(y, y_hat, "macro", zero_division=zero_division), "class 3 must count"


labels_strategy = st.integers(min_value=1, max_value=40).flatmap(
    lambda m: st.tuples(
        st.integers(min_value=2, max_value=5),
        st.lists(st.integers(0, 4), min_size=m, max_size=m),
        st.lists(st.integers(0, 4), min_size=m, max_size=m),
    )
)


@given(labels_strategy, st.sampled_from([0.0, 1.0, np.nan]))
def test_random_labels_match_sklearn(case, zero_division):
    """Accuracy, and precision, recall, F1 binary (labels mod 2) and macro (labels mod k), as sklearn."""
    k, true_list, pred_list = case
    for average, classes in (("binary", 2), ("macro", k)):
        y = np.array(true_list) % classes
        y_hat = np.array(pred_list) % classes
        assert accuracy(y, y_hat) == sk.accuracy_score(y, y_hat)
        ours = (
            precision(y, y_hat, average, zero_division=zero_division),
            recall(y, y_hat, average, zero_division=zero_division),
            f1_score(y, y_hat, average, zero_division=zero_division),
        )
        theirs = _sklearn(y, y_hat, average, zero_division)
        for name, a, b in zip(("precision", "recall", "F1"), ours, theirs, strict=True):
            assert _close(a, b, classes), f"{average} {name}: ours {a!r}, sklearn {b!r} (y={y}, ŷ={y_hat})"


def test_metrics_leave_their_inputs_alone():
    """(Bad input to the metrics: tests/bad_inputs.py.)"""
    y = np.array([0, 1, 1])
    before = y.copy()
    f1_score(y, y[::-1].copy(), "macro")
    assert np.array_equal(y, before)


# ----------------------------------------------------------------------- the nn-verify rows (issue 14)
def _swapped_precision_recall(y_true, y_pred, average="binary", labels=None, zero_division=0.0):
    return recall(y_true, y_pred, average, labels, zero_division)


def _argmax_over_examples(AL):
    return np.argmax(AL, axis=1).astype(np.int64)[: AL.shape[1]]


#: each fails a PRED-METRICS row (torch_reference/metrics.py, sklearn.metrics as the oracle), which scratch_nn passes
REFERENCE_PASSES = {"control": {}}
MUTANTS = [
    ("PRED-METRICS", "precision is recall", {"precision": _swapped_precision_recall}, REFERENCE_PASSES),
    ("PRED-METRICS", "ŷ = 1 only above 0.6", {"predict_binary": lambda AL: (AL >= 0.6).astype(np.int64)},
     REFERENCE_PASSES),
    ("PRED-METRICS", "argmax over the wrong axis", {"predict_multiclass": _argmax_over_examples}, REFERENCE_PASSES),
    ("PRED-METRICS", "accuracy as a count",
     {"accuracy": lambda y, y_hat: float(np.sum(y.ravel() == y_hat.ravel()))}, REFERENCE_PASSES),
]

test_the_pred_metrics_rows_catch_a_planted_bug = planted_bugs_test(MUTANTS)


def test_the_pred_metrics_oracle_is_optional(monkeypatch):
    """Without scikit-learn a case is n/a, "scikit-learn not installed", marked as an unavailable oracle."""
    import sys

    import scratch_nn
    from torch_reference.registry import entries, run_case

    monkeypatch.setitem(sys.modules, "sklearn.metrics", None)
    entry = next(e for e in entries() if e.id == "PRED-METRICS")
    result = run_case(entry, scratch_nn, "cpu", "float32", 0, entry.shapes[0])
    assert (result.status, result.message, result.unavailable) == ("n/a", "scikit-learn not installed", True)
