"""Early stopping and the training loop's regularization options.

Catalogue ID: REG-EARLY (the NumPy procedure against PyTorch's on the same data and
initialization is a registry entry, torch_reference/regularization.py); here the same
comparison with L2 on, the procedure's own rules (the best parameters are those of the
best iteration, patience, the histories' lengths), the loop's defaults (no option: the
loop as it was), dropout in the loop, and planted bugs (bad input: tests/bad_inputs.py).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import scratch_nn as nn_
from torch_reference import cases
from torch_reference.compare import compare
from torch_reference.device import DTYPES
from torch_reference.regularization import (
    EARLY_LEARNING_RATE,
    EARLY_MAX_ITERATIONS,
    EARLY_PATIENCE,
    EARLY_SHAPES,
    cast_arrays,
    early_arrays,
    early_data,
    early_options,
    early_stopping_bounds,
    single_threaded,
)
from torch_reference.training import torch_train_with_early_stopping

from .checks import planted_bugs_test

LAMBD = 0.3


@functools.lru_cache(maxsize=1)
def l2_early_case() -> tuple[dict, dict]:
    """Data (float64) whose early stopping *with L2* is non-vacuous and whose decisions are
    clear in float32, and its bounds (``regularization.early_stopping_bounds``)."""
    rng = np.random.default_rng(1)
    with single_threaded():
        while True:
            data = early_data(rng, EARLY_SHAPES[0])
            bounds = early_stopping_bounds(data, lambd=LAMBD)
            if bounds is not None:
                return data, bounds


def _early(impl, data, **kw):
    return impl.train_with_early_stopping(
        data["X"],
        data["Y"],
        data["X_val"],
        data["Y_val"],
        data["parameters"],
        EARLY_LEARNING_RATE,
        EARLY_MAX_ITERATIONS,
        EARLY_PATIENCE,
        activations=data["activations"],
        **kw,
    )


def test_early_stopping_with_l2_agrees_with_pytorch(dtype, impl):
    """REG-EARLY with L2 (NumPy's dW += (λ/m) W against SGD's weight_decay = λ/m): the same
    best and stop iterations, validation costs and best parameters, within the trajectory bound."""
    if not callable(getattr(impl, "train_with_early_stopping", None)):
        pytest.skip("the implementation has no train_with_early_stopping")
    np_dtype, torch_dtype = DTYPES[dtype]
    data64, bounds = l2_early_case()
    data = cast_arrays(data64, np_dtype)
    params, best, stopped, _costs, val_costs = _early(impl, data, lambd=LAMBD)
    theirs = torch_train_with_early_stopping(
        *early_arrays(data), early_options(data, lambd=LAMBD), EARLY_PATIENCE, "cpu", torch_dtype
    )
    assert (best, stopped) == (theirs.best_iteration, theirs.stopped_iteration)
    assert best >= 3 and stopped < EARLY_MAX_ITERATIONS  # not vacuous
    c = compare(
        "val_costs", np.asarray(val_costs, np_dtype), np.asarray(theirs.val_costs), bounds["val_costs"], np_dtype
    )
    assert c.passed, c.detail
    for key, value in theirs.parameters.items():
        c = compare(key, params[key], value, bounds["parameters"], np_dtype)
        assert c.passed, c.detail


def test_the_best_parameters_are_those_of_the_best_iteration():
    """REG-EARLY's rules: the returned parameters are exactly those after ``best_iteration``
    plain steps; ``v[best]`` is the strict minimum so far; the loop stopped ``patience``
    iterations after it; one training cost per update, one validation cost per state."""
    data, _bounds = l2_early_case()
    result = _early(nn_, data)
    assert isinstance(result, nn_.EarlyStopping)
    replay, _ = nn_.train(
        data["X"],
        data["Y"],
        data["parameters"],
        EARLY_LEARNING_RATE,
        result.best_iteration,
        activations=data["activations"],
    )
    for key, value in replay.items():
        np.testing.assert_array_equal(result.parameters[key], value)
    v = result.val_costs
    assert all(v[result.best_iteration] < x for x in v[: result.best_iteration])
    assert all(x >= v[result.best_iteration] for x in v[result.best_iteration + 1 :])
    assert result.stopped_iteration == result.best_iteration + EARLY_PATIENCE
    assert len(result.costs) == result.stopped_iteration and len(v) == result.stopped_iteration + 1


def test_max_iterations_and_patience_one():
    """Without enough iterations the loop runs them all and returns the best so far; with
    patience 1 it stops at the first iteration that does not improve."""
    data, _bounds = l2_early_case()
    args = (data["X"], data["Y"], data["X_val"], data["Y_val"], data["parameters"], EARLY_LEARNING_RATE)
    short = nn_.train_with_early_stopping(*args, 2, EARLY_PATIENCE, activations=data["activations"])
    assert short.stopped_iteration == 2 and short.best_iteration == int(np.argmin(short.val_costs))
    quick = nn_.train_with_early_stopping(*args, EARLY_MAX_ITERATIONS, 1, activations=data["activations"])
    v = quick.val_costs
    assert quick.stopped_iteration == quick.best_iteration + 1 and v[-1] >= v[-2]
    zero = nn_.train_with_early_stopping(*args, 0, 1, activations=data["activations"])
    assert (zero.best_iteration, zero.stopped_iteration, zero.costs) == (0, 0, [])
    for key, value in zero.parameters.items():
        np.testing.assert_array_equal(value, data["parameters"][key])
        assert not np.shares_memory(value, data["parameters"][key])


def test_training_defaults_are_the_loop_as_it_was(np_dtype):
    """No option given: ``train`` is forward -> cost -> backward -> update, bit for bit, and
    ``lambd=0, keep_prob=1`` given explicitly change nothing."""
    rng = np.random.default_rng(2)
    params = {
        k: v.astype(np_dtype) + np_dtype(0.1) for k, v in nn_.initialize_parameters([4, 5, 3, 1], "he", rng).items()
    }
    X, Y = rng.standard_normal((4, 9)).astype(np_dtype), (rng.random((1, 9)) < 0.5).astype(np_dtype)
    manual, costs = dict(params), []
    for _ in range(3):
        AL, caches = nn_.model_forward(X, manual)
        costs.append(nn_.compute_cost(AL, Y))
        manual = nn_.update_parameters(manual, nn_.model_backward(AL, Y, caches), 0.1)
    for options in ({}, {"lambd": 0.0, "keep_prob": 1.0, "rng": None, "max_norm": None}):
        trained, trained_costs = nn_.train(X, Y, params, 0.1, 3, **options)
        assert trained_costs == costs
        for key in manual:
            np.testing.assert_array_equal(trained[key], manual[key])
            assert trained[key].dtype == np_dtype


def test_training_with_dropout_and_l2():
    """With keep_prob < 1 every iteration draws fresh masks from rng (reproducible from its
    seed); one iteration is model_forward(keep_prob, rng) -> J_reg -> model_backward(keep_prob, lambd)."""
    rng = np.random.default_rng(3)
    params = nn_.initialize_parameters([4, 6, 5, 1], "he", rng)
    X, Y = rng.standard_normal((4, 12)), (rng.random((1, 12)) < 0.5).astype(float)
    options = {"lambd": 0.4, "keep_prob": 0.65}
    a, costs_a = nn_.train(X, Y, params, 0.2, 4, rng=np.random.default_rng(9), **options)
    _b, costs_b = nn_.train(X, Y, params, 0.2, 4, rng=np.random.default_rng(9), **options)
    c, _ = nn_.train(X, Y, params, 0.2, 4, rng=np.random.default_rng(10), **options)
    assert costs_a == costs_b and not np.array_equal(a["W1"], c["W1"])
    g = np.random.default_rng(9)
    AL, caches = nn_.model_forward(X, params, keep_prob=0.65, rng=g)
    grads = nn_.model_backward(AL, Y, caches, keep_prob=0.65, lambd=0.4)
    one, costs_one = nn_.train(X, Y, params, 0.2, 1, rng=np.random.default_rng(9), **options)
    assert costs_one == [nn_.compute_cost_with_regularization(AL, Y, params, 0.4)]
    for key, value in nn_.update_parameters(params, grads, 0.2).items():
        np.testing.assert_array_equal(one[key], value)


def _softmax_case() -> tuple:
    """L = 3, non-square, a softmax output: X (4, 12), its one-hot labels Y, a validation set of the
    first 6 examples perturbed, the parameters and the activations."""
    rng = np.random.default_rng(6)
    acts, params = ["tanh", "relu", "softmax"], cases.layer_parameters(rng, [4, 5, 3, 3], np.float64)
    X, labels = cases.normal(rng, (4, 12), np.float64), rng.integers(0, 3, 12)
    X_val = X[:, :6] + 0.3 * cases.normal(rng, (4, 6), np.float64)
    return X, nn_.one_hot(labels, 3), X_val, nn_.one_hot(labels[:6], 3), params, acts


def test_early_stopping_steps_are_trains_with_every_option():
    """REG-EARLY with every option on (L2, dropout masks from ``rng``, max-norm) and a softmax output,
    L = 3: the training costs are those of ``train`` with the same options and a generator of the same
    seed; v[t] is the cross-entropy on (X_val, Y_val) of train's parameters after t steps; the best
    parameters are train's after best_iteration steps."""
    X, Y, X_val, Y_val, params, acts = _softmax_case()
    options = {"lambd": 0.2, "keep_prob": 0.7, "max_norm": 1.0}
    result = nn_.train_with_early_stopping(X, Y, X_val, Y_val, params, 0.5, 12, 2, activations=acts,
                                           rng=np.random.default_rng(5), **options)
    assert (result.best_iteration, result.stopped_iteration) == (8, 10)  # not vacuous: it stopped, after improving

    def trained(t: int, **changed) -> tuple[dict, list[float]]:
        return nn_.train(X, Y, params, 0.5, t, activations=acts, rng=np.random.default_rng(5), **{**options, **changed})

    assert result.costs == trained(10)[1] != trained(10, max_norm=None)[1]
    for t, v in enumerate(result.val_costs):
        assert v == nn_.compute_cost_cross_entropy(nn_.model_forward(X_val, trained(t)[0], activations=acts)[0], Y_val)
    for key, value in trained(8)[0].items():
        np.testing.assert_array_equal(result.parameters[key], value)


def test_a_tie_is_no_improvement():
    """REG-EARLY improves only on ``v[t] < min(v[0..t-1])``, strictly: with a step too small to change
    any parameter (α = 1e-30, all parameters non-zero) every v[t] ties v[0], so the best is the initial
    state and the loop stops after ``patience`` iterations."""
    X, Y, X_val, Y_val, params, acts = _softmax_case()
    result = nn_.train_with_early_stopping(X, Y, X_val, Y_val, params, 1e-30, 10, 3, activations=acts)
    assert len(set(result.val_costs)) == 1
    assert (result.best_iteration, result.stopped_iteration) == (0, 3)
    for key, value in params.items():
        np.testing.assert_array_equal(result.parameters[key], value)


def test_a_diverging_loop_stops_naming_what_overflowed():
    """With the overflow warnings silenced (np.errstate), a loop that diverges stops with the error naming
    the array: the parameter an update made non-finite (α = 1e308 on ReLU layers and data of 100 times
    the size), or A[L] of a forward pass that overflowed (weights of 1e300 into a linear output; a
    validation set of 1e10 times the data)."""
    X, Y, X_val, Y_val, params, acts = _softmax_case()
    huge = {k: 1e300 * v for k, v in params.items()}
    with np.errstate(all="ignore"), pytest.raises(ValueError, match=r"^W1 contains"):
        nn_.train(100 * X, Y, params, 1e308, 1, activations=["relu", "relu", "softmax"])
    with np.errstate(all="ignore"), pytest.raises(ValueError, match=r"^AL contains"):
        nn_.train(X, X[:3], huge, 0.1, 1, activations=["tanh", "relu", "linear"])
    with np.errstate(all="ignore"), pytest.raises(ValueError, match=r"^AL contains"):
        nn_.train_with_early_stopping(X, Y, 1e10 * X_val, Y_val, params, 1e308, 2, 1, activations=acts)


# ----------------------------------------------------------------------- planted bugs: the registry catches them
def _last_parameters(X, Y, X_val, Y_val, parameters, learning_rate, max_iterations, patience, *a, **kw):
    """Returns the parameters of the last iteration, not the best."""
    result = nn_.train_with_early_stopping(
        X, Y, X_val, Y_val, parameters, learning_rate, max_iterations, patience, *a, **kw
    )
    last, _ = nn_.train(X, Y, parameters, learning_rate, result.stopped_iteration, *a, **kw)
    return result._replace(parameters=last)


def _patience_off_by_one(X, Y, X_val, Y_val, parameters, learning_rate, max_iterations, patience, *a, **kw):
    return nn_.train_with_early_stopping(
        X, Y, X_val, Y_val, parameters, learning_rate, max_iterations, patience + 1, *a, **kw
    )


def _watches_the_training_cost(X, Y, X_val, Y_val, parameters, learning_rate, max_iterations, patience, *a, **kw):
    """Early stopping on the training data instead of the validation data."""
    return nn_.train_with_early_stopping(X, Y, X, Y, parameters, learning_rate, max_iterations, patience, *a, **kw)


MUTANTS = [
    ("REG-EARLY", "returns the last parameters, not the best", {"train_with_early_stopping": _last_parameters}),
    ("REG-EARLY", "patience off by one", {"train_with_early_stopping": _patience_off_by_one}),
    ("REG-EARLY", "watches the training cost", {"train_with_early_stopping": _watches_the_training_cost}),
]


test_planted_bug_is_caught = planted_bugs_test(MUTANTS)
