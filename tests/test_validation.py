"""Bad input gets a clear error that names what is wrong, and changes nothing.

Each row: a call with one thing wrong, the exception type, and a regex the message
must match. After the call, every array argument must be unchanged. NaN/inf policy
(README "Bad input"): layer, cost and model functions reject non-finite inputs;
element-wise activations follow IEEE arithmetic like PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import scratch_nn as nn_

from .checks import assert_rejected_unchanged

rng = np.random.default_rng(7)
A_prev = rng.standard_normal((3, 5))
W = rng.standard_normal((4, 3))
b = rng.standard_normal((4, 1))
Z = rng.standard_normal((4, 5))
dZ = rng.standard_normal((4, 5))
AL = rng.uniform(0.1, 0.9, (1, 5))
Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0]])
params = {"W1": W, "b1": b, "W2": rng.standard_normal((1, 4)), "b2": rng.standard_normal((1, 1))}
X = A_prev


def _with(d: dict, **kw) -> dict:
    out = dict(d)
    out.update(kw)
    return out


def _nan(a: np.ndarray, where=(0, 0), value=np.nan) -> np.ndarray:
    a = a.copy()
    a[where] = value
    return a


BAD = [
    # (id, function, args, kwargs, exception, message regex)
    ("W-A-do-not-chain", nn_.linear_forward, (A_prev, rng.standard_normal((4, 2)), b), {}, ValueError, "do not chain"),
    ("b-flat", nn_.linear_forward, (A_prev, W, b[:, 0]), {}, ValueError, r"b must be 2-D"),
    ("b-row", nn_.linear_forward, (A_prev, W, b.T), {}, ValueError, r"b has shape \(1, 4\), expected \(4, 1\)"),
    ("b-wrong-n", nn_.linear_forward, (A_prev, W, b[:3]), {}, ValueError, r"b has shape \(3, 1\)"),
    ("int-A_prev", nn_.linear_forward, (A_prev.astype(int), W, b), {}, TypeError, "A_prev has dtype int64"),
    # activations take integers, Python numbers and lists (as float64: tests/test_course_conventions.py), not these
    ("bool-Z", nn_.relu, (Z > 0,), {}, TypeError, "Z has dtype bool"),
    ("bool-scalar-Z", nn_.sigmoid, (True,), {}, TypeError, "Z must be a numpy.ndarray .* got bool"),
    ("complex-Z", nn_.sigmoid, (Z.astype(complex),), {}, TypeError, "Z has dtype complex128"),
    ("str-Z", nn_.tanh, ("0.5",), {}, TypeError, "Z must be a numpy.ndarray .* got str"),
    ("ragged-list-Z", nn_.relu, ([[1.0], [1.0, 2.0]],), {}, TypeError, "not a rectangular array"),
    ("list-of-bools-Z", nn_.tanh, ([[True, False]],), {}, TypeError, "Z has dtype bool"),
    ("int-Z-vs-float32-dA", nn_.relu_backward, (dZ.astype(np.float32), Z.astype(int)), {}, TypeError, "mixed dtypes"),
    ("int-A_prev-layer", nn_.linear_activation_forward, (A_prev.astype(int), W, b, "relu"), {}, TypeError, "int64"),
    ("float16-Z", nn_.sigmoid, (Z.astype(np.float16),), {}, TypeError, "float16"),
    ("1-D-Z", nn_.softmax, (Z[0],), {}, ValueError, "Z must be 2-D"),
    ("mixed-dtype", nn_.linear_forward, (A_prev.astype(np.float32), W, b), {}, TypeError, "mixed dtypes"),
    ("m=0", nn_.linear_forward, (A_prev[:, :0], W, b), {}, ValueError, "m = 0"),
    ("m=0-cost", nn_.compute_cost, (AL[:, :0], Y[:, :0]), {}, ValueError, "m = 0"),
    ("nan-A_prev", nn_.linear_forward, (_nan(A_prev), W, b), {}, ValueError, r"A_prev contains 1 non-finite"),
    ("inf-W", nn_.linear_forward, (A_prev, _nan(W, value=np.inf), b), {}, ValueError, "W contains 1 non-finite"),
    ("Y-shape", nn_.compute_cost, (AL, Y.T), {}, ValueError, r"Y has shape \(5, 1\), expected \(1, 5\)"),
    ("Y-flat", nn_.compute_cost, (AL, Y[0]), {}, ValueError, r"Y has shape \(5,\)"),
    ("Y-not-binary", nn_.compute_cost, (AL, Y * 2), {}, ValueError, "only 0 and 1"),
    ("Y-soft", nn_.compute_cost, (AL, Y * 0.5), {}, ValueError, "only 0 and 1"),
    ("AL>1", nn_.compute_cost, (AL + 1, Y), {}, ValueError, r"probabilities in \[0, 1\]"),
    ("AL<0", nn_.compute_cost, (AL - 1, Y), {}, ValueError, r"probabilities in \[0, 1\]"),
    ("AL-nan", nn_.compute_cost, (_nan(AL), Y), {}, ValueError, "AL contains 1 non-finite"),
    ("Y-float32-vs-64", nn_.compute_cost, (AL, Y.astype(np.float32)), {}, TypeError, "Y is float32"),
    ("CE-Y-out-of-range", nn_.compute_cost_cross_entropy, (AL, Y * 3), {}, ValueError, r"\[0, 1\]"),
    ("dAL-at-1", nn_.bce_backward, (np.ones((1, 5)), Y), {}, ValueError, "strictly inside"),
    (
        "unknown-activation",
        nn_.linear_activation_forward,
        (A_prev, W, b, "gelu"),
        {},
        ValueError,
        "unknown activation 'gelu'",
    ),
    (
        "unknown-activation-model",
        nn_.model_forward,
        (X, params),
        {"hidden_activation": "swish"},
        ValueError,
        "unknown activation 'swish'",
    ),
    ("unknown-convention", nn_.relu_backward, (dZ, Z), {"convention": "tf"}, ValueError, "unknown convention"),
    ("leaky-slope<=0", nn_.leaky_relu, (Z,), {"slope": 0.0}, ValueError, "slope must be"),
    ("elu-alpha-nan", nn_.elu, (Z,), {"alpha": float("nan")}, ValueError, "alpha must be"),
    ("dA-shape", nn_.sigmoid_backward, (dZ[:, :3], Z), {}, ValueError, r"dA has shape \(4, 3\)"),
    ("dZ-shape", nn_.linear_backward, (dZ[:3], (A_prev, W, b)), {}, ValueError, r"dZ has shape \(3, 5\)"),
    ("cache-kind", nn_.linear_backward, (dZ, ((A_prev, W, b), Z)), {}, TypeError, "linear cache"),
    ("params-keys", nn_.model_forward, (X, {"W1": W, "b2": b}), {}, ValueError, "keys W1, b1"),
    (
        "params-chain",
        nn_.model_forward,
        (X, _with(params, W2=rng.standard_normal((1, 3)))),
        {},
        ValueError,
        "W2 has shape",
    ),
    ("X-features", nn_.model_forward, (X[:2], params), {}, ValueError, r"X has shape \(2, 5\), expected \(3, 5\)"),
    ("activations-count", nn_.model_forward, (X, params), {"activations": ["relu"]}, ValueError, "1 names for L = 2"),
    ("output-no-loss", nn_.output_backward, (AL, Y, "relu"), {}, ValueError, "no loss is paired"),
    (
        "lr<=0",
        nn_.update_parameters,
        (params, {f"d{k}": v for k, v in params.items()}, -0.1),
        {},
        ValueError,
        "learning_rate must be > 0",
    ),
    ("grads-missing", nn_.update_parameters, (params, {"dW1": W}, 0.1), {}, ValueError, "missing 'db1'"),
    (
        "grad-shape",
        nn_.update_parameters,
        (params, {f"d{k}": v.T for k, v in params.items()}, 0.1),
        {},
        ValueError,
        "dW1 has shape",
    ),
    (
        "init-method",
        nn_.initialize_parameters,
        ([3, 2], "glorot", np.random.default_rng(0)),
        {},
        ValueError,
        "unknown initialization method 'glorot'",
    ),
    ("init-no-rng", nn_.initialize_parameters, ([3, 2], "he"), {}, TypeError, "needs rng"),
    ("init-seed-not-rng", nn_.initialize_parameters, ([3, 2], "he", 0), {}, TypeError, "needs rng"),
    ("init-global-randn", nn_.initialize_parameters, ([3, 2], "he", np.random.randn), {}, TypeError, "RandomState"),
    (
        "backward-return_dZ-not-bool",
        nn_.model_backward,
        (AL, Y, nn_.model_forward(X, params)[1]),
        {"return_dZ": "yes"},
        TypeError,
        "return_dZ must be True or False",
    ),
    ("init-dims", nn_.initialize_parameters, ([3], "zeros"), {}, ValueError, "at least two positive"),
    ("init-dims-zero", nn_.initialize_parameters, ([3, 0, 1], "zeros"), {}, ValueError, "at least two positive"),
    ("onehot-float", nn_.one_hot, (np.array([0.0, 1.0]), 2), {}, TypeError, "integers"),
    ("onehot-range", nn_.one_hot, (np.array([0, 3]), 3), {}, ValueError, "out of range"),
    ("onehot-negative", nn_.one_hot, (np.array([0, -1]), 3), {}, ValueError, ">= 0"),
    ("lr-w-shape", nn_.lr_forward, (W[:, :1].T, 0.5, A_prev), {}, ValueError, r"w has shape \(1, 4\)"),
    ("lr-b-array", nn_.lr_forward, (A_prev[:, :1], np.zeros((1, 1)), A_prev), {}, ValueError, "b must be a scalar"),
]


@pytest.mark.parametrize(("func", "args", "kwargs", "exc", "match"), [pytest.param(*row[1:], id=row[0]) for row in BAD])
def test_bad_input_is_rejected_and_nothing_changes(func, args, kwargs, exc, match):
    assert_rejected_unchanged(func, args, kwargs, exc, match)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear"])
def test_activations_follow_ieee_like_pytorch(name):
    """NaN in, NaN out; ±inf map to the function's limits, exactly as in PyTorch."""
    from torch_reference.activations import torch_activation

    Zs = np.array([[np.nan, np.inf, -np.inf]])  # finite values: the registry checks them
    with np.errstate(invalid="ignore"):
        ours = nn_.activation_forward(Zs, name)
    theirs = torch_activation(name)(torch.tensor(Zs)).numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_softmax_of_inf_column_is_nan_like_pytorch():
    Zs = np.array([[np.inf, 1.0], [1.0, 2.0]])
    with np.errstate(invalid="ignore"):
        ours = nn_.softmax(Zs)
    theirs = torch.softmax(torch.tensor(Zs), dim=0).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
