"""Validation at no cost (issue 12, item 6): every array is scanned for NaN and inf once, where it enters.

The public, course-named functions check their arguments and then call the bare equations; the functions
that call others (the model, the losses inside it, the training loops, ``propagate``, ``gradient_check``)
call the bare ones on what they have checked. These tests count the calls of the one finiteness scan,
``scratch_nn._checks.check_finite``, per array: a layer, a cost or a loop iteration that re-scanned an
array its caller had just scanned would show up as a second scan of the same array.
"""

from __future__ import annotations

import collections
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest

import scratch_nn as nn_
from scratch_nn import _checks


@contextmanager
def scans() -> Iterator[collections.Counter]:
    """Count ``check_finite`` calls by the id of the array scanned, in every module of scratch_nn (the
    ones that imported the function by name too)."""
    counts: collections.Counter = collections.Counter()
    original = _checks.check_finite

    def counting(name: str, x: np.ndarray) -> None:
        counts[id(x)] += 1
        original(name, x)

    modules = [m for name, m in sys.modules.items() if name.startswith("scratch_nn") and m is not None]
    patched = [m for m in modules if getattr(m, "check_finite", None) is original]
    for m in patched:
        m.check_finite = counting
    try:
        yield counts
    finally:
        for m in patched:
            m.check_finite = original


def _problem(dims=(5, 4, 3, 2), m=7, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((dims[0], m)).astype(dtype)
    Y = nn_.one_hot(rng.integers(0, dims[-1], m), dims[-1], dtype=dtype)
    return X, Y, nn_.initialize_parameters(list(dims), "he", rng, dtype=dtype)


KW = {"hidden_activation": "relu", "output_activation": "softmax"}


def _scanned(counts: collections.Counter, *arrays: np.ndarray) -> list[int]:
    return [counts[id(a)] for a in arrays]


def test_model_forward_scans_X_and_each_parameter_once():
    X, _Y, P = _problem()
    with scans() as counts:
        nn_.model_forward(X, P, **KW)
    assert _scanned(counts, X, *P.values()) == [1] * (1 + len(P))
    assert sum(counts.values()) == 1 + len(P)  # and nothing else: the layers' Z[l], A[l] are not scanned


def test_model_forward_with_dropout_does_not_scan_the_hidden_activations():
    X, _Y, P = _problem()
    with scans() as counts:
        nn_.model_forward(X, P, keep_prob=0.8, rng=np.random.default_rng(1), **KW)
    assert sum(counts.values()) == 1 + len(P)


def test_model_backward_scans_each_array_once():
    X, Y, P = _problem()
    AL, caches = nn_.model_forward(X, P, **KW)
    with scans() as counts:
        nn_.model_backward(AL, Y, caches, **KW)
    assert counts[id(AL)] == 1  # not again by the BWD-DZL inside (output_backward's own check)
    assert counts[id(Y)] == 1
    assert max(counts.values()) == 1


def test_model_backward_with_dropout_and_l2_scans_each_array_once():
    X, Y, P = _problem()
    AL, caches = nn_.model_forward(X, P, keep_prob=0.8, rng=np.random.default_rng(1), **KW)
    with scans() as counts:
        nn_.model_backward(AL, Y, caches, keep_prob=0.8, lambd=0.5, **KW)
    assert max(counts.values()) == 1  # dA[l] (computed) is not scanned by DROP-BWD, nor W[l] by REG-L2-GRAD


@pytest.mark.parametrize("num_iterations", [1, 4])
@pytest.mark.parametrize(
    "loop",
    [
        lambda X, Y, P, n: nn_.train(X, Y, P, 0.1, n, **KW),
        lambda X, Y, P, n: nn_.train(
            X, Y, P, 0.1, n, lambd=0.3, keep_prob=0.9, rng=np.random.default_rng(2), max_norm=3.0, **KW
        ),
        lambda X, Y, P, n: nn_.train_with_early_stopping(X, Y, X[:, :3], Y[:, :3], P, 0.1, n, 10, **KW),
        lambda X, Y, P, n: nn_.train_with_optimizer(X, Y, P, "adam", 3, n, 0.01, **KW),
    ],
    ids=["train", "train-regularized", "early-stopping", "train_with_optimizer"],
)
def test_training_loops_scan_X_and_the_parameters_once(loop: Callable, num_iterations: int):
    """Before: every iteration called model_forward and model_backward, each scanning X again."""
    X, Y, P = _problem()
    with scans() as counts:
        loop(X, Y, P, num_iterations)
    assert counts[id(X)] == 1
    assert _scanned(counts, *P.values()) == [1] * len(P)


@pytest.mark.parametrize(
    "cost",
    [
        lambda AL, Y, P: nn_.compute_cost_with_regularization(AL, Y, P, 0.5, "softmax"),
        lambda AL, Y, P: nn_.compute_cost_with_elastic_net(AL, Y, P, 0.1, 0.2, "softmax"),
    ],
    ids=["l2", "elastic-net"],
)
def test_regularized_costs_scan_AL_and_the_parameters_once(cost: Callable):
    X, Y, P = _problem()
    AL, _caches = nn_.model_forward(X, P, **KW)
    with scans() as counts:
        cost(AL, Y, P)
    assert max(counts.values()) == 1 and counts[id(AL)] == 1 and _scanned(counts, *P.values()) == [1] * len(P)


def test_propagate_scans_X_once():
    rng = np.random.default_rng(3)
    X, w = rng.standard_normal((4, 6)), rng.standard_normal((4, 1))
    Y = (rng.random((1, 6)) > 0.5).astype(float)
    with scans() as counts:
        nn_.propagate(w, 0.1, X, Y)
    assert counts[id(X)] == 1 and counts[id(w)] == 1


def test_gradient_check_does_not_scan_X_per_perturbation():
    X, Y, P = _problem(dims=(3, 2, 1), m=4)
    Y = (np.random.default_rng(4).random((1, 4)) > 0.5).astype(float)
    with scans() as counts:
        nn_.gradient_check(X, Y, P)
    # X once by the checks, once by the model_backward of the default grads; 2 x 11 perturbed costs before
    assert counts[id(X)] <= 2


def test_the_finiteness_check_is_one_reduction_and_still_exact():
    """The finite case costs one sum; a sum that overflows from finite entries is not an error."""
    big = np.full((3, 4), 3e38, dtype=np.float32)  # the float32 sum overflows; every entry is finite
    _checks.check_finite("big", big)
    bad = big.copy()
    bad[1, 2] = np.inf
    with pytest.raises(ValueError, match=r"bad contains 1 non-finite value\(s\).*index \(1, 2\)"):
        _checks.check_finite("bad", bad)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_the_blas_sum_of_a_large_array_finds_every_non_finite_entry(dtype, order, value):
    """A large 2-D array is summed as x @ ones (the BLAS, all threads): a NaN or inf anywhere, a corner, the
    last row or column, still makes the sum non-finite; and a float32 sum that overflows from finite entries
    is still no error."""
    shape = (_checks.BLAS_SUM_MIN_SIZE // 64 + 3, 67)  # above both thresholds, rows and columns not multiples of 4
    assert shape[0] * shape[1] >= _checks.BLAS_SUM_MIN_SIZE and shape[1] >= _checks.BLAS_SUM_MIN_COLUMNS
    x = np.asarray(np.random.default_rng(5).standard_normal(shape), dtype=dtype, order=order)
    _checks.check_finite("x", x)
    for index in [(0, 0), (shape[0] - 1, shape[1] - 1), (0, shape[1] - 1), (shape[0] - 1, 0), (shape[0] // 2, 33)]:
        bad = x.copy(order=order)
        bad[index] = value
        where = rf"index \({index[0]}, {index[1]}\)"
        with pytest.raises(ValueError, match=rf"bad contains 1 non-finite value\(s\).*{where}"):
            _checks.check_finite("bad", bad)
    _checks.check_finite("big", np.full(shape, np.finfo(dtype).max / 2, dtype=dtype, order=order))



@pytest.mark.parametrize("shape", [(20000,), (20, 30, 40), (130, 130)])
def test_the_finiteness_check_takes_any_shape(shape):
    """1-D and 3-D arrays (summed by np.add.reduce) and large 2-D ones (by the BLAS) alike: finite passes,
    one NaN is found and named by its index."""
    x = np.random.default_rng(6).standard_normal(shape)
    _checks.check_finite("x", x)
    index = tuple(n - 2 for n in shape)
    x[index] = np.nan
    where = rf"first at index \({', '.join(map(str, index))},?\)"
    with pytest.raises(ValueError, match=rf"x contains 1 non-finite value\(s\) \(NaN or inf\), {where}"):
        _checks.check_finite("x", x)
