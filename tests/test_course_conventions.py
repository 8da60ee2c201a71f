"""scratch_nn against tests shaped like the course's own public tests (issue 10, items 3 and 7).

The course's graded notebooks check each function with seeded legacy draws
(``np.random.seed(s); np.random.randn(n, m)``), small hand-written arrays, integer labels,
and three kinds of assertion: the type of each returned object, its shape, and its values
(``np.testing.assert_array_almost_equal``); a dict is checked key by key over the keys the
function returned, so an extra key fails. This file does the same against scratch_nn, with its
own seeds, sizes and arrays, and with every expected value computed here, by the course's
formulas written out in NumPy (never by scratch_nn).

Catalogue IDs: INIT-ZERO, INIT-SMALL, INIT-HE, ACT-SIGMOID, ACT-RELU, ACT-TANH, LIN-FWD, ACT-FWD, FWD-L,
COST-BCE, BWD-DW, BWD-DB, BWD-DA, BWD-ACT, BWD-L, GD-UPDATE, DROP-MASK, DROP-FWD, DROP-BWD, COST-L2,
REG-L2-GRAD, LR-FWD, LR-BWD, GD-LOOP.

Where the conventions differ (README, "scratch_nn and the course's own tests"), the test checks the
documented difference itself, so that it cannot silently change.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import scratch_nn as nn_


# ----------------------------------------------------------------------- the course's formulas, written out
def _sig(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _course_init(layer_dims: list[int], seed: int, factor) -> dict[str, np.ndarray]:
    """``np.random.seed(seed)``; for l = 1..L: ``W = randn(n[l], n[l-1]) * factor(n[l-1])``, ``b = 0``."""
    rs = np.random.RandomState(seed)
    out = {}
    for l in range(1, len(layer_dims)):
        out[f"W{l}"] = rs.randn(layer_dims[l], layer_dims[l - 1]) * factor(layer_dims[l - 1])
        out[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return out


def _course_relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def _course_linear_backward(dZ, A_prev, W):
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), 1.0 / m * np.dot(dZ, A_prev.T), 1.0 / m * np.sum(dZ, axis=1, keepdims=True)


def _assert_dict_like_course(got: dict, expected: dict, exact: bool = False) -> None:
    """The course's dict check: the same keys (an extra one fails), ndarray values of the expected shapes."""
    assert isinstance(got, dict)
    assert len(got) == len(expected), f"{len(got)} keys {sorted(got)}, the course expects {sorted(expected)}"
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert isinstance(got[key], np.ndarray), f"{key} is a {type(got[key]).__name__}"
        assert got[key].shape == value.shape, f"{key} has shape {got[key].shape}, expected {value.shape}"
        if exact:
            np.testing.assert_array_equal(got[key], value, err_msg=key)
        else:
            np.testing.assert_allclose(got[key], value, rtol=1e-10, atol=1e-13, err_msg=key)


# ----------------------------------------------------------------------- initialization (C1W3, C1W4, C2W1)
INIT_CASES = [
    # (method, scale, layer_dims, seed, the course's factor of randn)
    ("small", 0.01, [4, 3, 2], 5, lambda n_prev: 0.01),  # initialize_parameters_deep
    ("small", 0.01, [3, 6, 1], 7, lambda n_prev: 0.01),  # the two-layer initialize_parameters
    ("small", 10.0, [2, 3, 1], 4, lambda n_prev: 10),  # initialize_parameters_random
    ("he", 0.01, [3, 5, 2], 9, lambda n_prev: np.sqrt(2.0 / n_prev)),  # initialize_parameters_he
]


@pytest.mark.parametrize(("method", "scale", "dims", "seed", "factor"), INIT_CASES)
def test_initialization_with_a_random_state_is_the_courses_to_the_bit(method, scale, dims, seed, factor):
    """INIT-SMALL, INIT-HE: a RandomState(seed) replays the course's np.random.seed(seed) draws exactly."""
    expected = _course_init(dims, seed, factor)
    got = nn_.initialize_parameters(dims, method, rng=np.random.RandomState(seed), scale=scale)
    _assert_dict_like_course(got, expected, exact=True)
    assert all(v.dtype == np.float64 for v in got.values())


def test_the_random_state_is_the_global_seed_stream():
    """What the course writes, np.random.seed(s) then np.random.randn, is RandomState(s).randn."""
    saved = np.random.get_state()
    try:
        np.random.seed(3)
        W1 = np.random.randn(4, 5) * 0.01
        W2 = np.random.randn(3, 4) * 0.01
    finally:
        np.random.set_state(saved)
    got = nn_.initialize_parameters([5, 4, 3], "small", rng=np.random.RandomState(3))
    np.testing.assert_array_equal(got["W1"], W1)
    np.testing.assert_array_equal(got["W2"], W2)
    np.testing.assert_array_equal(got["b1"], np.zeros((4, 1)))


def test_a_generator_draws_the_same_formula_from_its_own_stream():
    """A Generator: standard_normal((n[l], n[l-1])) * std, layer by layer; float32 is the float64 draw cast."""
    g = np.random.default_rng(21)
    W1, W2 = g.standard_normal((3, 4)) * np.sqrt(2 / 4), g.standard_normal((2, 3)) * np.sqrt(2 / 3)
    got = nn_.initialize_parameters([4, 3, 2], "he", rng=np.random.default_rng(21))
    np.testing.assert_array_equal(got["W1"], W1)
    np.testing.assert_array_equal(got["W2"], W2)
    got32 = nn_.initialize_parameters([4, 3, 2], "he", rng=np.random.RandomState(21), dtype=np.float32)
    ref = _course_init([4, 3, 2], 21, lambda n: np.sqrt(2.0 / n))
    assert all(v.dtype == np.float32 for v in got32.values())
    np.testing.assert_array_equal(got32["W2"], ref["W2"].astype(np.float32))


def test_zeros_initialization_like_the_course():
    got = nn_.initialize_parameters([4, 2, 1], "zeros")
    _assert_dict_like_course(got, _course_init([4, 2, 1], 0, lambda n: 0.0), exact=True)


# ----------------------------------------------------------------------- activations (C1W2 sigmoid_test)
def test_sigmoid_of_integers_and_python_numbers():
    """The course's sigmoid_test: an integer array and a Python int, as float64."""
    z = np.array([0, 3, -1])
    out = nn_.sigmoid(z)
    assert type(out) is np.ndarray and out.dtype == np.float64 and out.shape == (3,)
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-z.astype(float))), rtol=1e-15)
    np.testing.assert_array_equal(z, [0, 3, -1])  # the input is unchanged
    scalar = nn_.sigmoid(2)
    assert isinstance(scalar, np.ndarray) and scalar.shape == () and scalar.dtype == np.float64
    np.testing.assert_allclose(scalar, 1 / (1 + np.exp(-2.0)), rtol=1e-15)


@pytest.mark.parametrize(
    ("name", "formula"),
    [("relu", lambda z: np.maximum(0.0, z)), ("tanh", np.tanh), ("sigmoid", _sig), ("linear", lambda z: 1.0 * z)],
)
def test_activations_take_lists_and_integer_arrays_as_float64(name, formula):
    Zi = np.array([[-2, 0, 3], [1, -1, 4]])
    for Z in (Zi, Zi.tolist(), Zi.astype(np.int32)):
        out = nn_.activation_forward(Z, name)
        assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (2, 3)
        np.testing.assert_allclose(out, formula(Zi.astype(np.float64)), rtol=1e-15)
        if isinstance(Z, np.ndarray):
            assert not np.shares_memory(out, Z)


def test_float32_in_float32_out_still():
    Z = np.array([[0.5, -2.0]], dtype=np.float32)
    assert nn_.sigmoid(Z).dtype == np.float32
    assert nn_.relu(np.float32(-1.5)).dtype == np.float32
    assert nn_.relu_backward(np.ones((1, 2), np.float32), Z).dtype == np.float32


def test_backward_activations_take_integer_operands():
    dA, Z = np.array([[2, -3, 5]]), np.array([[1, -2, 0]])
    np.testing.assert_array_equal(nn_.relu_backward(dA, Z), [[2.0, 0.0, 5.0]])  # the notes' g'(0) = 1
    s = _sig(Z.astype(float))
    np.testing.assert_allclose(nn_.sigmoid_backward(dA, Z), dA * s * (1 - s), rtol=1e-15)


# ----------------------------------------------------------------------- one layer (C1W4 step by step)
def test_linear_forward_like_the_course():
    rs = np.random.RandomState(12)
    A_prev, W, b = rs.randn(4, 3), rs.randn(2, 4), rs.randn(2, 1)
    Z, cache = nn_.linear_forward(A_prev, W, b)
    assert isinstance(Z, np.ndarray) and isinstance(cache, tuple) and len(cache) == 3
    assert Z.shape == (2, 3)
    np.testing.assert_allclose(Z, np.dot(W, A_prev) + b, rtol=1e-13)
    assert all(c is x for c, x in zip(cache, (A_prev, W, b), strict=True))


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_linear_activation_forward_like_the_course(activation):
    rs = np.random.RandomState(13)
    A_prev, W, b = rs.randn(4, 3), rs.randn(2, 4), rs.randn(2, 1)
    A, ((A0, W0, b0), Z) = nn_.linear_activation_forward(A_prev, W, b, activation)
    Z_ref = np.dot(W, A_prev) + b
    A_ref = _sig(Z_ref) if activation == "sigmoid" else np.maximum(0, Z_ref)
    assert A.shape == Z.shape == (2, 3)
    np.testing.assert_allclose(Z, Z_ref, rtol=1e-13)
    np.testing.assert_allclose(A, A_ref, rtol=1e-13)
    assert A0 is A_prev and W0 is W and b0 is b  # the cache holds the caller's arrays, as in the course


def test_linear_backward_like_the_course():
    rs = np.random.RandomState(14)
    dZ, A, W, b = rs.randn(2, 6), rs.randn(3, 6), rs.randn(2, 3), rs.randn(2, 1)
    got = nn_.linear_backward(dZ, (A, W, b))
    assert isinstance(got, tuple) and len(got) == 3
    for g, e in zip(got, _course_linear_backward(dZ, A, W), strict=True):
        assert isinstance(g, np.ndarray) and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_linear_activation_backward_like_the_course(activation):
    rs = np.random.RandomState(15)
    dA, A, W, b, Z = rs.randn(1, 3), rs.randn(4, 3), rs.randn(1, 4), rs.randn(1, 1), rs.randn(1, 3)
    if activation == "sigmoid":
        dZ = dA * _sig(Z) * (1 - _sig(Z))
    else:
        dZ = _course_relu_backward(dA, Z)
    got = nn_.linear_activation_backward(dA, ((A, W, b), Z), activation)
    for g, e in zip(got, _course_linear_backward(dZ, A, W), strict=True):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------- the deep network (C1W4)
def _seeded_network(seed: int, dims: list[int], m: int):
    rs = np.random.RandomState(seed)
    X = rs.randn(dims[0], m)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"], params[f"b{l}"] = rs.randn(dims[l], dims[l - 1]), rs.randn(dims[l], 1)
    return X, params


def test_L_model_forward_like_the_course():
    """FWD-L: ReLU hidden layers, sigmoid output; caches a list of ((A_prev, W, b), Z), one per layer."""
    X, params = _seeded_network(16, [4, 5, 3, 1], 6)
    AL, caches = nn_.model_forward(X, params)
    A = X
    assert isinstance(caches, list) and len(caches) == 3
    for l in range(1, 4):
        Z = np.dot(params[f"W{l}"], A) + params[f"b{l}"]
        (A_prev, _W, _b), Z_got = caches[l - 1]
        np.testing.assert_allclose(A_prev, A, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(Z_got, Z, rtol=1e-12, atol=1e-14)
        A = _sig(Z) if l == 3 else np.maximum(0, Z)
    assert isinstance(AL, np.ndarray) and AL.shape == (1, 6)
    np.testing.assert_allclose(AL, A, rtol=1e-12)


def test_compute_cost_with_integer_labels_like_the_course():
    Y = np.asarray([[0, 1, 1, 0]])
    AL = np.array([[0.3, 0.6, 0.95, 0.1]])
    expected = -1 / 4 * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    cost = nn_.compute_cost(AL, Y)
    assert isinstance(cost, float)
    assert np.allclose(cost, expected, rtol=1e-14)


def _course_L_model_backward(AL, Y, caches):
    """The course's L_model_backward: dA[L] of BCE, sigmoid' at Z[L], then ReLU layers (g'(0) = 0)."""
    grads, L = {}, len(caches)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    (A_prev, W, _b), Z = caches[-1]
    dZ = dAL * _sig(Z) * (1 - _sig(Z))
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = _course_linear_backward(dZ, A_prev, W)
    for l in reversed(range(L - 1)):
        (A_prev, W, _b), Z = caches[l]
        dZ = _course_relu_backward(grads[f"dA{l + 1}"], Z)
        grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = _course_linear_backward(dZ, A_prev, W)
    return grads


def test_L_model_backward_keys_and_values_like_the_course():
    """BWD-L: the course counts the keys: dA0..dA[L-1], dW1..dWL, db1..dbL, nothing else (3L keys).
    The caches come from a real forward pass (AL = sigmoid(Z[L])): on such inputs the course's route
    through dA[L] and scratch_nn's dZ[L] = AL - Y agree to rounding."""
    X, params = _seeded_network(17, [3, 4, 2, 1], 5)
    AL, caches = nn_.model_forward(X, params)
    Y = np.array([[1, 0, 0, 1, 1]])
    grads = nn_.model_backward(AL, Y, caches)
    assert len(grads) == 3 * 3
    _assert_dict_like_course(grads, _course_L_model_backward(AL, Y, caches))
    with_dZ = nn_.model_backward(AL, Y, caches, return_dZ=True)
    assert sorted(with_dZ) == sorted([*grads, "dZ1", "dZ2", "dZ3"])
    np.testing.assert_allclose(with_dZ["dZ3"], AL - Y, rtol=1e-15)


def test_L_model_backward_refuses_an_AL_that_is_not_a_probability():
    """The course's L_model_backward_test feeds AL = randn(1, 2): not a sigmoid output (values above 1
    and below 0) and not sigmoid(Z[L]) of its own cache. scratch_nn refuses it, naming AL."""
    rs = np.random.RandomState(18)
    AL = np.array([[1.4, -0.3]])
    caches = [((rs.randn(4, 2), rs.randn(3, 4), rs.randn(3, 1)), rs.randn(3, 2))]
    caches.append(((rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1)), rs.randn(1, 2)))
    with pytest.raises(ValueError, match=r"AL must be probabilities in \[0, 1\]"):
        nn_.model_backward(AL, np.array([[1, 0]]), caches)


def test_update_parameters_like_the_course():
    rs = np.random.RandomState(19)
    params = {"W1": rs.randn(3, 2), "b1": rs.randn(3, 1), "W2": rs.randn(1, 3), "b2": rs.randn(1, 1)}
    grads = {f"d{k}": rs.randn(*v.shape) for k, v in params.items()}
    before = copy.deepcopy(params)
    expected = {k: before[k] - 0.05 * grads[f"d{k}"] for k in before}
    got = nn_.update_parameters(params, grads, 0.05)
    _assert_dict_like_course(got, expected)
    _assert_dict_like_course(params, before, exact=True)  # the input dict and its arrays are unchanged


# ----------------------------------------------------------------------- regularization (C2W1)
def _three_layer(seed: int):
    rs = np.random.RandomState(seed)
    X = rs.randn(3, 6)
    params = {"W1": rs.randn(4, 3), "b1": rs.randn(4, 1), "W2": rs.randn(2, 4), "b2": rs.randn(2, 1)}
    params.update({"W3": rs.randn(1, 2), "b3": rs.randn(1, 1)})
    return X, params


def test_dropout_forward_replays_the_courses_masks():
    """DROP-FWD: forward_propagation_with_dropout seeds np.random.seed(s) inside and draws
    D1 = rand(n1, m) < keep_prob after A1, then D2 after A2: RandomState(s) does the same."""
    X, params = _three_layer(20)
    keep_prob, rs = 0.6, np.random.RandomState(2)
    A1 = np.maximum(0, np.dot(params["W1"], X) + params["b1"])
    D1 = rs.rand(A1.shape[0], A1.shape[1]) < keep_prob
    A1 = A1 * D1 / keep_prob
    A2 = np.maximum(0, np.dot(params["W2"], A1) + params["b2"])
    D2 = rs.rand(A2.shape[0], A2.shape[1]) < keep_prob
    A2 = A2 * D2 / keep_prob
    A3 = _sig(np.dot(params["W3"], A2) + params["b3"])

    AL, caches = nn_.model_forward(X, params, keep_prob=keep_prob, rng=np.random.RandomState(2))
    assert [len(c) for c in caches] == [3, 3, 2]
    np.testing.assert_array_equal(caches[0][2], D1.astype(np.float64))
    np.testing.assert_array_equal(caches[1][2], D2.astype(np.float64))
    np.testing.assert_allclose(caches[1][0][0], A1, rtol=1e-13)  # the cached A1 is the dropped one
    np.testing.assert_allclose(caches[2][0][0], A2, rtol=1e-13)
    np.testing.assert_allclose(AL, A3, rtol=1e-12)


def test_dropout_backward_like_the_course_but_dA_before_the_mask():
    """DROP-BWD: dZ, dW, db are the course's backward_propagation_with_dropout; its dA[l] is stored
    after the mask (dA * D / keep_prob), scratch_nn's before it (the gradient of the dropped A[l])."""
    X, params = _three_layer(22)
    keep_prob = 0.7
    AL, caches = nn_.model_forward(X, params, keep_prob=keep_prob, rng=np.random.RandomState(4))
    Y = np.array([[1, 0, 1, 1, 0, 0]])
    (_, _, _), _, D1 = caches[0]
    (A1, W2, _), _Z2, D2 = caches[1]
    (A2, W3, _), _Z3 = caches[2]
    Z1 = caches[0][1]
    m = 6
    course = {"dZ3": AL - Y}
    course["dW3"], course["db3"] = 1 / m * np.dot(course["dZ3"], A2.T), 1 / m * np.sum(course["dZ3"], 1, keepdims=True)
    course["dA2"] = np.dot(W3.T, course["dZ3"]) * D2 / keep_prob
    course["dZ2"] = course["dA2"] * (A2 > 0)
    course["dW2"], course["db2"] = 1 / m * np.dot(course["dZ2"], A1.T), 1 / m * np.sum(course["dZ2"], 1, keepdims=True)
    course["dA1"] = np.dot(W2.T, course["dZ2"]) * D1 / keep_prob
    course["dZ1"] = course["dA1"] * (Z1 > 0)
    course["dW1"], course["db1"] = 1 / m * np.dot(course["dZ1"], X.T), 1 / m * np.sum(course["dZ1"], 1, keepdims=True)

    grads = nn_.model_backward(AL, Y, caches, keep_prob=keep_prob, return_dZ=True)
    assert len(grads) == len(course) + 1  # + dA0, which the course does not compute
    same = {k: v for k, v in course.items() if not k.startswith("dA")}
    _assert_dict_like_course({k: grads[k] for k in same}, same)
    for l, D in ((1, D1), (2, D2)):  # the documented difference, exactly
        np.testing.assert_allclose(grads[f"dA{l}"] * D / keep_prob, course[f"dA{l}"], rtol=1e-12, atol=1e-15)


def test_l2_cost_and_gradients_like_the_course():
    """COST-L2, REG-L2-GRAD: compute_cost_with_regularization and backward_propagation_with_regularization."""
    X, params = _three_layer(23)
    lambd, m = 0.4, 6
    Y = np.array([[0, 1, 1, 0, 1, 0]])
    AL, caches = nn_.model_forward(X, params)
    cross_entropy = -1 / m * np.nansum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    l2 = lambd / (2 * m) * sum(np.sum(np.square(params[f"W{l}"])) for l in (1, 2, 3))
    cost = nn_.compute_cost_with_regularization(AL, Y, params, lambd)
    assert isinstance(cost, float)
    assert np.allclose(cost, cross_entropy + l2, rtol=1e-13)

    plain = _course_L_model_backward(AL, Y, caches)
    grads = nn_.model_backward(AL, Y, caches, lambd=lambd)
    expected = {k: v + (lambd / m * params[k[1:]] if k.startswith("dW") else 0) for k, v in plain.items()}
    _assert_dict_like_course(grads, expected)


# ----------------------------------------------------------------------- logistic regression (C1W2)
def test_propagate_with_integer_labels_like_the_course():
    w, b = np.array([[0.5], [-1.0], [2.0]]), -0.25
    X = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.5, -1.0, 2.0], [2.0, 0.5, 0.25, -1.0]])
    Y = np.array([[1, 0, 1, 0]])
    A = _sig(np.dot(w.T, X) + b)
    m = 4
    grads, cost = nn_.propagate(w, b, X, Y)
    assert isinstance(grads["dw"], np.ndarray) and grads["dw"].shape == w.shape
    np.testing.assert_allclose(grads["dw"], 1 / m * np.dot(X, (A - Y).T), rtol=1e-13)
    assert np.allclose(grads["db"], 1 / m * np.sum(A - Y), rtol=1e-13)
    assert np.allclose(cost, -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)), rtol=1e-13)


# ----------------------------------------------------------------------- a training loop (C1W3 nn_model)
def test_two_layer_training_from_a_random_state_is_the_courses_loop():
    """GD-LOOP: the course's nn_model (tanh hidden layer, sigmoid output, init randn * 0.01 from a seed
    set inside) for a few iterations, against scratch_nn's model(...) with RandomState(seed)."""
    rs = np.random.RandomState(24)
    X, Y = rs.randn(2, 7), rs.randn(1, 7) > 0
    p = _course_init([2, 3, 1], 6, lambda n: 0.01)
    lr, m = 0.9, 7
    for _ in range(5):
        A1 = np.tanh(np.dot(p["W1"], X) + p["b1"])
        A2 = _sig(np.dot(p["W2"], A1) + p["b2"])
        dZ2 = A2 - Y
        dW2, db2 = 1 / m * np.dot(dZ2, A1.T), 1 / m * np.sum(dZ2, axis=1, keepdims=True)
        dZ1 = np.dot(p["W2"].T, dZ2) * (1 - np.power(A1, 2))
        dW1, db1 = 1 / m * np.dot(dZ1, X.T), 1 / m * np.sum(dZ1, axis=1, keepdims=True)
        p = {"W1": p["W1"] - lr * dW1, "b1": p["b1"] - lr * db1, "W2": p["W2"] - lr * dW2, "b2": p["b2"] - lr * db2}
    from scratch_nn.training import model

    got, costs = model(X, Y, [2, 3, 1], lr, 5, "small", np.random.RandomState(6), hidden_activation="tanh")
    assert len(costs) == 5  # one cost per iteration (the course keeps every 100th)
    _assert_dict_like_course(got, p)
