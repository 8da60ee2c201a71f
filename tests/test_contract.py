"""The contract of DESIGN.md, for every public function of scratch_nn:

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
    calls = [
        (name, getattr(nn_, name), (Z,))
        for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax", "linear")
    ]
    calls += [
        (name, getattr(nn_, name), (dA, Z))
        for name in (
            "sigmoid_backward",
            "tanh_backward",
            "relu_backward",
            "leaky_relu_backward",
            "elu_backward",
            "softmax_backward",
            "linear_backward_activation",
        )
    ]
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
