"""The contract (scratch_nn's names and signatures), for every public function of scratch_nn:

* float32 in -> float32 out, float64 in -> float64 out (no silent upcast);
* inputs are never modified in place;
* returned arrays never alias the inputs (caches hold references by design);
* costs are Python floats, gradients have their parameters' shapes;
* logistic regression is the one-layer case of the deep model (LR-FWD, LR-BWD).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import scratch_nn as nn_
from torch_reference.ops import ACTIVATIONS


def _calls(dtype, rng):
    f = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    A_prev, W, b, Z, dA = f(3, 5), f(4, 3), f(4, 1), f(4, 5), f(4, 5)
    AL = rng.uniform(0.1, 0.9, (1, 5)).astype(dtype)
    Y = np.array([[0, 1, 1, 0, 1]], dtype=dtype)
    Yk = nn_.one_hot(np.array([0, 2, 1, 2, 0]), 3, dtype=dtype)
    params = nn_.initialize_parameters([3, 4, 2, 1], "he", rng, dtype=dtype)
    params = {k: v + dtype(0.1) for k, v in params.items()}  # non-zero biases
    X = A_prev
    AL_model, caches = nn_.model_forward(X, params)
    grads = nn_.model_backward(AL_model, Y, caches)
    w = f(3, 1)
    calls = [(act.name, getattr(nn_, act.name), (Z,)) for act in ACTIVATIONS]  # every described activation
    calls += [(act.backward, getattr(nn_, act.backward), (dA, Z)) for act in ACTIVATIONS]
    calls += [
        ("linear_forward", nn_.linear_forward, (A_prev, W, b)),
        ("linear_activation_forward", nn_.linear_activation_forward, (A_prev, W, b, "tanh")),
        ("linear_backward", nn_.linear_backward, (dA, (A_prev, W, b))),
        ("linear_activation_backward", nn_.linear_activation_backward, (dA, ((A_prev, W, b), Z), "relu")),
        ("compute_cost", nn_.compute_cost, (AL, Y)),
        ("compute_cost_cross_entropy", nn_.compute_cost_cross_entropy, (nn_.softmax(f(3, 5)), Yk)),
        ("compute_cost_squared_error", nn_.compute_cost_squared_error, (Z, dA)),
        ("bce_backward", nn_.bce_backward, (AL, Y)),
        ("output_backward", nn_.output_backward, (AL, Y, "sigmoid")),
        ("model_forward", nn_.model_forward, (X, params)),
        ("model_backward", nn_.model_backward, (AL_model, Y, caches)),
        ("update_parameters", nn_.update_parameters, (params, grads, 0.1)),
        ("lr_forward", nn_.lr_forward, (w, 0.3, X)),
        ("lr_forward_theta", nn_.lr_forward_theta, (f(4, 1), X)),
        ("lr_backward", nn_.lr_backward, (X, AL, Y)),
        ("propagate", nn_.propagate, (w, 0.3, X, Y)),
    ]
    return calls


def _arrays(obj, *, skip_caches=False):
    """Every ndarray inside obj (tuples, lists, dicts), skipping cache tuples if asked."""
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _arrays(v, skip_caches=skip_caches)
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            yield from _arrays(v, skip_caches=skip_caches)


def _returned(name, out):
    """The returned values that are not caches (caches reference inputs by design)."""
    if name in ("linear_forward", "linear_activation_forward", "model_forward"):
        return out[0]
    return out


def _ids():
    return [c[0] for c in _calls(np.float64, np.random.default_rng(0))]


@pytest.mark.parametrize("index", range(len(_ids())), ids=_ids())
def test_dtype_preserved_inputs_untouched_outputs_fresh(index, np_dtype, rng):
    name, func, args = _calls(np_dtype, rng)[index]
    before = copy.deepcopy(args)
    out = func(*args)
    for a, a0 in zip(_arrays(args), _arrays(before), strict=True):
        np.testing.assert_array_equal(a, a0, err_msg=f"{name} modified an input in place")
    returned = list(_arrays(_returned(name, out)))
    for r in returned:
        assert r.dtype == np_dtype, f"{name} returned {r.dtype} for {np.dtype(np_dtype)} inputs"
        for a in _arrays(args):
            assert not np.shares_memory(r, a), f"{name} returned an array aliasing an input"
    for i, r in enumerate(returned):
        for s in returned[i + 1 :]:
            assert not np.shares_memory(r, s), f"{name} returned two arrays sharing memory"


def test_costs_are_python_floats(rng):
    AL = rng.uniform(0.1, 0.9, (1, 4)).astype(np.float32)
    cost = nn_.compute_cost(AL, np.array([[0, 1, 0, 1]], dtype=np.float32))
    assert type(cost) is float


def test_gradients_have_their_parameters_shapes(rng):
    params = nn_.initialize_parameters([6, 5, 3, 2], "xavier", rng)
    X = rng.standard_normal((6, 7))
    Y = nn_.one_hot(np.array([0, 1, 1, 0, 1, 0, 0]), 2)
    AL, caches = nn_.model_forward(X, params, output_activation="softmax")
    grads = nn_.model_backward(AL, Y, caches, output_activation="softmax")
    for key, value in params.items():
        assert grads[f"d{key}"].shape == value.shape
    assert grads["dA0"].shape == X.shape


def test_logistic_regression_is_the_one_layer_network(rng):
    """LR-FWD / LR-BWD: lr_forward(w, b, X) = model_forward with W1 = w^T, b1 = [[b]], sigmoid."""
    X, w, b = rng.standard_normal((4, 9)), rng.standard_normal((4, 1)), 0.7
    Y = (rng.random((1, 9)) < 0.5).astype(float)
    A = nn_.lr_forward(w, b, X)
    AL, caches = nn_.model_forward(X, {"W1": w.T.copy(), "b1": np.array([[b]])}, output_activation="sigmoid")
    np.testing.assert_array_equal(A, AL)
    dw, db = nn_.lr_backward(X, A, Y)
    grads = nn_.model_backward(AL, Y, caches)
    np.testing.assert_allclose(dw, grads["dW1"].T, rtol=1e-14)  # same sums, possibly different BLAS order
    np.testing.assert_allclose(db, grads["db1"][0, 0], rtol=1e-14)
    theta = np.vstack([[[b]], w])
    np.testing.assert_allclose(nn_.lr_forward_theta(theta, X), A, rtol=1e-14)
    grads_c, cost = nn_.propagate(w, b, X, Y)
    assert cost == nn_.compute_cost(A, Y) and np.array_equal(grads_c["dw"], dw)


def test_initialization_is_reproducible_and_biases_start_at_zero():
    a = nn_.initialize_parameters([5, 3, 2], "he", np.random.default_rng(3), dtype=np.float32)
    b = nn_.initialize_parameters([5, 3, 2], "he", np.random.default_rng(3), dtype=np.float32)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        assert a[k].dtype == np.float32
    assert not a["b1"].any() and not a["b2"].any()
    assert a["W1"].shape == (3, 5) and a["W2"].shape == (2, 3)


def test_numerically_sound_at_extremes():
    """No overflow, underflow or invalid warning at |z| = 1000 (errstate raises)."""
    Z = np.array([[-1000.0, 1000.0, -745.5, 709.0], [0.0, -1e4, 1e4, 1.0]])
    with np.errstate(all="raise"):
        s = nn_.sigmoid(Z)
        assert s[0, 0] == 0.0 and s[0, 1] == 1.0
        assert np.isfinite(nn_.softmax(Z)).all()
        assert np.isfinite(nn_.elu(Z)).all() and nn_.elu(Z)[0, 0] == -1.0
        assert np.isfinite(nn_.sigmoid_backward(np.ones_like(Z), Z)).all()
        assert np.isfinite(nn_.tanh(Z)).all()
    # the left tail keeps full relative accuracy: sigmoid(-30) = e^-30 / (1 + e^-30)
    np.testing.assert_allclose(nn_.sigmoid(np.array([[-30.0]])), np.exp(-30) / (1 + np.exp(-30)), rtol=1e-15)


# hyperparameters as a user may pass them: under NumPy 2 (NEP 50) a np.float64 scalar is "strong" and
# float32_array * np.float64(0.1) is float64; under NumPy 1 a 0-d float32 operand times a Python float is
# float64. scratch_nn converts every hyperparameter to the operand's dtype, so float32 stays float32.
HYPERPARAMETER_FORMS = {
    "python-float": lambda v: v,
    "np.float64": np.float64,
    "np.float32": np.float32,
    "0-d-float64-array": lambda v: np.array(v),
    "python-int": lambda v: 1,
}


def _hyper_calls(dtype, value):
    rng = np.random.default_rng(5)
    Z = rng.standard_normal((3, 4)).astype(dtype)
    dA = rng.standard_normal((3, 4)).astype(dtype)
    params = nn_.initialize_parameters([3, 2, 1], "he", rng, dtype=dtype)
    grads = {f"d{k}": v + dtype(0.5) for k, v in params.items()}
    return {
        "update_parameters": lambda: nn_.update_parameters(params, grads, value),
        "leaky_relu": lambda: nn_.leaky_relu(Z, slope=value),
        "leaky_relu_backward": lambda: nn_.leaky_relu_backward(dA, Z, slope=value),
        "elu": lambda: nn_.elu(Z, alpha=value),
        "elu_backward": lambda: nn_.elu_backward(dA, Z, alpha=value),
        "leaky_relu-0d": lambda: nn_.leaky_relu(Z[0, 0][()].reshape(()), slope=value),
        "elu-0d": lambda: nn_.elu(np.array(Z[0, 0]), alpha=value),
    }


@pytest.mark.parametrize("form", list(HYPERPARAMETER_FORMS))
@pytest.mark.parametrize("name", list(_hyper_calls(np.float32, 0.1)))
def test_hyperparameters_never_change_the_dtype(np_dtype, name, form):
    """float32 in -> float32 out whatever the type of α, slope or alpha (NumPy 1 and 2 alike)."""
    out = _hyper_calls(np_dtype, HYPERPARAMETER_FORMS[form](0.1))[name]()
    for r in _arrays(out):
        assert r.dtype == np_dtype, f"{name} with a {form} hyperparameter returned {r.dtype} for {np.dtype(np_dtype)}"


def test_lr_backward_db_is_a_python_float(np_dtype, rng):
    X = rng.standard_normal((3, 5)).astype(np_dtype)
    A = rng.uniform(0.1, 0.9, (1, 5)).astype(np_dtype)
    _dw, db = nn_.lr_backward(X, A, np.array([[0, 1, 1, 0, 1]], dtype=np_dtype))
    assert type(db) is float
    grads, _cost = nn_.propagate(rng.standard_normal((3, 1)).astype(np_dtype), 0.3, X, np.array([[0, 1, 1, 0, 1]]))
    assert type(grads["db"]) is float


@pytest.mark.parametrize("loop", ["train", "train_with_early_stopping"])
def test_zero_iterations_return_fresh_arrays(loop, np_dtype, rng):
    """train(..., 0) and early stopping with max_iterations = 0 never return the caller's arrays."""
    X = rng.standard_normal((3, 5)).astype(np_dtype)
    Y = np.array([[0, 1, 1, 0, 1]], dtype=np_dtype)
    params = nn_.initialize_parameters([3, 2, 1], "he", rng, dtype=np_dtype)
    if loop == "train":
        out, costs = nn_.train(X, Y, params, 0.1, 0)
        assert costs == []
    else:
        out = nn_.train_with_early_stopping(X, Y, X, Y, params, 0.1, 0, 1).parameters
    assert out is not params and out.keys() == params.keys()
    for k, v in out.items():
        np.testing.assert_array_equal(v, params[k])
        assert v.dtype == np_dtype and not np.shares_memory(v, params[k]), f"{loop} returned the caller's {k}"


ELEMENTWISE = [act.name for act in ACTIVATIONS if not act.column_wise]
BACKWARD = {act.name: act.backward for act in ACTIVATIONS}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_zero_d_operands_keep_their_dtype(name, np_dtype):
    """A 0-d float32 Z gives a 0-d float32 A and dZ: NumPy 1 treats 0-d arrays as scalars, and a Python
    constant such as the 1 of 1 / (1 + e^-z) would promote them to float64 there."""
    Z, dA = np.array(-0.5, dtype=np_dtype), np.array(2.0, dtype=np_dtype)
    A = getattr(nn_, name)(Z)
    dZ = getattr(nn_, BACKWARD[name])(dA, Z)
    assert A.dtype == np_dtype and A.shape == () and dZ.dtype == np_dtype and dZ.shape == ()


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.name)
def test_an_empty_batch_is_an_empty_batch(act, np_dtype):
    """m = 0: every activation (softmax's columns too) and its backward map a (3, 0) batch to a (3, 0)
    batch of its dtype; the layers, costs and the model reject m = 0, and softmax without classes, (0, m),
    is an error (tests/bad_inputs.py)."""
    Z = np.zeros((3, 0), np_dtype)
    for out in (getattr(nn_, act.name)(Z), getattr(nn_, act.backward)(Z.copy(), Z)):
        assert out.shape == (3, 0) and out.dtype == np_dtype
