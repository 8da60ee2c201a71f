"""Bad input gets a clear error that names what is wrong, and changes nothing.

Each row: a call with one thing wrong, the exception type, and a regex the message
must match. After the call, every array argument must be unchanged. NaN/inf policy
(README "Bad input"): layer, cost and model functions reject non-finite inputs;
element-wise activations follow IEEE arithmetic like PyTorch.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
import torch

import scratch_nn as nn_
import scratch_nn.gradient_check

from .checks import assert_rejected_unchanged

gc = sys.modules["scratch_nn.gradient_check"]  # the module (its name is shadowed by the function)

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
    ("b-row", nn_.linear_forward, (A_prev, W, b.T), {}, ValueError, r"b has shape \(1, 4\) but W is \(4, 3\)"),
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
    ("Y-shape", nn_.compute_cost, (AL, Y.T), {}, ValueError, r"Y has shape \(5, 1\) but AL has \(1, 5\)"),
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
    ("X-features", nn_.model_forward, (X[:2], params), {}, ValueError, r"X has shape \(2, 5\) but W1 is \(4, 3\)"),
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

# ----------------------------------------------------------------- issue 12: the classes it lists
with warnings.catch_warnings():  # np.matrix warns that it is not recommended, which is the point here
    warnings.simplefilter("ignore", PendingDeprecationWarning)
    Zm = np.matrix(Z)
    dZm = np.matrix(dZ)
    Wm = np.matrix(W)
ALm = np.ma.masked_array(AL, mask=[[True, False, False, False, False]])
Ym = np.ma.masked_array(Y, mask=[[True, False, False, False, False]])
caches = nn_.model_forward(X, params)[1]
AL_model = nn_.model_forward(X, params)[0]
grads = nn_.model_backward(AL_model, Y, caches)
layout = gc.dictionary_to_vector(params)[1]
SUB = "ndarray subclass"
ISSUE_12 = [
    # array subclasses: `*` of np.matrix is a matrix product, a masked array's sums skip entries
    ("matrix-relu_backward", nn_.relu_backward, (dZm, Zm), {}, TypeError, f"Z is a numpy.matrix, an {SUB}"),
    ("matrix-tanh_backward", nn_.tanh_backward, (dZm, Z), {}, TypeError, f"dA is a numpy.matrix, an {SUB}"),
    ("matrix-sigmoid", nn_.sigmoid, (Zm,), {}, TypeError, f"Z is a numpy.matrix, an {SUB}"),
    ("matrix-dropout", nn_.dropout_forward, (Zm, 0.5, np.random.default_rng(0)), {}, TypeError, f"A is a .*{SUB}"),
    ("matrix-W", nn_.linear_forward, (A_prev, Wm, b), {}, TypeError, f"W is a numpy.matrix, an {SUB}"),
    ("masked-AL", nn_.compute_cost, (ALm, Y), {}, TypeError, f"AL is a numpy.ma.*MaskedArray, an {SUB}"),
    ("masked-Y", nn_.compute_cost, (AL, Ym), {}, TypeError, f"Y is a numpy.ma.*MaskedArray, an {SUB}"),
    ("masked-labels", nn_.one_hot, (np.ma.masked_array([0, 1], mask=[1, 0]), 2), {}, TypeError, f"labels is .*{SUB}"),
    # zero-work paths validate
    ("train-0-lr<0", nn_.train, (X, Y, params, -0.1, 0), {}, ValueError, "learning_rate must be > 0"),
    ("train-0-Y", nn_.train, (X, Y * 2, params, 0.1, 0), {}, ValueError, "Y must contain only 0 and 1"),
    ("train-0-X", nn_.train, (X[:2], Y, params, 0.1, 0), {}, ValueError, r"X has shape \(2, 5\)"),
    ("train-bool-iterations", nn_.train, (X, Y, params, 0.1, True), {}, TypeError, "num_iterations must be"),
    ("es-0-lr-nan", nn_.train_with_early_stopping, (X, Y, X, Y, params, np.nan, 0, 1), {}, ValueError, "learning_rate"),
    # NaN and degenerate hyperparameters
    ("init-scale-nan", nn_.initialize_parameters, ([3, 2], "small", rng), {"scale": np.nan}, ValueError, "scale must"),
    (
        "init-scale-0",
        nn_.initialize_parameters,
        ([3, 2], "small", rng),
        {"scale": 0.0},
        ValueError,
        "scale must be > 0",
    ),
    ("init_std-xavier-negative", nn_.init_std, ("xavier", -2, 1), {}, ValueError, "n_in must be a positive integer"),
    ("init_std-float-width", nn_.init_std, ("he", 2.5, 1), {}, TypeError, "n_in must be a positive integer"),
    ("init_std-scale-nan", nn_.init_std, ("small", 2, 1), {"scale": np.nan}, ValueError, "scale must be a finite"),
    ("dropout-keep-1e-50", nn_.dropout_forward, (Z.astype(np.float32), 1e-50, rng), {}, ValueError, "machine epsilon"),
    ("dropout-keep-1e-300", nn_.dropout_forward, (Z, 1e-300, rng), {}, ValueError, "keep_prob = 1e-300 is below"),
    (
        "dropout-bwd-keep-1e-50",
        nn_.dropout_backward,
        (dZ.astype(np.float32), np.ones((4, 5), np.float32), 1e-50),
        {},
        ValueError,
        "machine epsilon",
    ),
    ("model-keep-1e-50", nn_.model_forward, (X, params), {"keep_prob": 1e-50, "rng": rng}, ValueError, "keep_prob"),
    ("lr-bool", nn_.update_parameters, (params, grads, True), {}, TypeError, "learning_rate must be a real number"),
    ("lr-nan", nn_.update_parameters, (params, grads, np.nan), {}, ValueError, "learning_rate must be a finite"),
    ("lr-str", nn_.update_parameters, (params, grads, "0.1"), {}, TypeError, "learning_rate must be a real number"),
    ("predict-threshold-nan", nn_.predict_binary, (AL, np.nan), {}, ValueError, "threshold must be a finite"),
    ("predict-threshold-str", nn_.predict_binary, (AL, "0.5"), {}, TypeError, "threshold must be a real number"),
    ("leaky-slope-bool", nn_.leaky_relu, (Z,), {"slope": True}, TypeError, "slope must be a real number"),
    ("elu-alpha-str", nn_.elu_backward, (dZ, Z), {"alpha": "1"}, TypeError, "alpha must be a real number"),
    # raw Python/NumPy errors replaced by messages that name the argument
    ("params-int-keys", nn_.model_forward, (X, {1: W, 2: b}), {}, TypeError, "parameters keys must be the strings"),
    ("params-list-train", nn_.train, (X, Y, [W, b], 0.1, 2), {}, TypeError, "parameters must be a dict"),
    ("caches-None", nn_.model_backward, (AL_model, Y, None), {}, TypeError, "caches must be the list"),
    ("caches-dict", nn_.model_backward, (AL_model, Y, {"a": 1}), {}, TypeError, "caches must be the list"),
    ("caches-reversed", nn_.model_backward, (AL_model, Y, caches[::-1]), {}, ValueError, "caches do not chain"),
    (
        "caches-linear-only",
        nn_.model_backward,
        (AL_model, Y, [c[0] for c in caches]),
        {},
        TypeError,
        r"caches\[0\] must be layer 1's cache",
    ),
    (
        "activations-str",
        nn_.model_forward,
        (X, params),
        {"activations": "relu"},
        TypeError,
        "activations must be a list",
    ),
    ("slope-None", nn_.leaky_relu_backward, (dZ, Z), {"slope": None}, TypeError, "slope must be a real number"),
    ("b-str", nn_.lr_forward, (A_prev[:, :1], "0.1", A_prev), {}, TypeError, "b must be a real number"),
    ("b-nan", nn_.lr_forward, (A_prev[:, :1], np.nan, A_prev), {}, ValueError, "b must be a finite number"),
    ("init_std-he-0", nn_.init_std, ("he", 0, 3), {}, ValueError, "n_in must be a positive integer"),
    ("init_std-method", nn_.init_std, ("glorot", 2, 3), {}, ValueError, "unknown initialization method"),
    ("gc-epsilon-0", nn_.gradient_check, (X, Y, params), {"epsilon": 0}, ValueError, "epsilon must be > 0"),
    (
        "gc-grads-missing-dW2",
        nn_.gradient_check,
        (X, Y, params),
        {"grads": {k: v for k, v in grads.items() if k != "dW2"}},
        ValueError,
        r"grads is missing \['dW2'\]",
    ),
    ("init-dims-bool", nn_.initialize_parameters, ([5, True, 1], "zeros"), {}, TypeError, "not bools"),
    ("init-dims-int", nn_.initialize_parameters, (5, "zeros"), {}, TypeError, "layer_dims must be a list"),
    ("onehot-classes-float", nn_.one_hot, (np.array([0, 1]), 2.5), {}, TypeError, "num_classes must be None or an"),
    ("onehot-classes-negative", nn_.one_hot, ([], -1), {}, ValueError, "num_classes must be >= 0"),
    ("theta-short", gc.vector_to_dictionary, (np.zeros((3, 1)), layout), {}, ValueError, "theta has 3 entries"),
    ("es-X-list", nn_.train_with_early_stopping, (X.tolist(), Y, X, Y, params, 0.1, 3, 1), {}, TypeError, "X must be"),
    ("es-Y-list", nn_.train_with_early_stopping, (X, Y.tolist(), X, Y, params, 0.1, 3, 1), {}, TypeError, "Y must be"),
    ("es-Y_val-list", nn_.train_with_early_stopping, (X, Y, X, Y.tolist(), params, 0.1, 3, 1), {}, TypeError, "Y_val"),
    ("es-Y_val-2", nn_.train_with_early_stopping, (X, Y, X, Y * 2, params, 0.1, 3, 1), {}, ValueError, "Y_val must"),
]
BAD += ISSUE_12


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


def _rejected_train_calls(rng_: np.random.Generator) -> list:
    """Calls of the training loops, with dropout drawing from ``rng_``, that are wrong only in a
    check which a GD step would reach after its first draw."""
    kw = {"keep_prob": 0.5, "rng": rng_}
    return [
        (nn_.train, (X, Y, params, -0.1, 3), kw),
        (nn_.train, (X, Y * 2, params, 0.1, 3), kw),
        (nn_.train, (X, Y, params, 0.1, 3, "relu", "relu"), kw),
        (nn_.train_with_early_stopping, (X, Y, X, Y, params, -0.1, 3, 1), kw),
        (nn_.train_with_early_stopping, (X, Y, X, Y * 2, params, 0.1, 3, 1), kw),
        (nn_.model_forward, (X, params), {"keep_prob": 1e-50, "rng": rng_}),
    ]


@pytest.mark.parametrize("index", range(6))
def test_rejected_training_call_leaves_the_generator_alone(index):
    """Everything is validated before the first draw: a rejected call does not advance the Generator."""
    rng_ = np.random.default_rng(12)
    state = rng_.bit_generator.state
    func, args, kwargs = _rejected_train_calls(rng_)[index]
    with pytest.raises((ValueError, TypeError)):
        func(*args, **kwargs)
    assert rng_.bit_generator.state == state, f"{func.__name__} drew from rng before rejecting the call"
