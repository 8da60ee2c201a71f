"""The course's gradient-check helpers, checked against hand computations: the parameter dict as one
column θ and back, the gradients in θ's order, centered differences of any shape, the relative
difference of numbers and of zero gradients, and that ``gradient_check`` uses its own ε and threshold.

The step ε is made visible with a cubic: the centered difference of ``x³`` is exactly
``((x + ε)³ - (x - ε)³) / (2ε) = 3x² + ε²``, so ε = 0.1 gives ``3x² + 0.01``, not ``3x²``.
(Bad input to these functions: tests/bad_inputs.py.)
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from scratch_nn import model_backward, model_cost, model_forward
from scratch_nn.gradient_check import (
    GradientCheck,
    centered_difference,
    dictionary_to_vector,
    gradient_check,
    gradients_to_vector,
    numerical_gradients,
    relative_difference,
    vector_to_dictionary,
)

#: the course's order of θ: W1, b1, W2, b2, W3, b3 (a dict's own order is not it)
ORDER = ("W1", "b1", "W2", "b2", "W3", "b3")
#: non-square layers: n = (3, 4, 2, 1)
SHAPES = {"W1": (4, 3), "b1": (4, 1), "W2": (2, 4), "b2": (2, 1), "W3": (1, 2), "b3": (1, 1)}


def _parameters(rng) -> dict[str, np.ndarray]:
    """A 3-layer network's parameters, inserted in reverse order."""
    return {k: rng.standard_normal(SHAPES[k]) for k in reversed(ORDER)}


def _cubic(parameters) -> float:
    return float(sum(np.sum(v**3) for v in parameters.values()))


def test_dictionary_to_vector_stacks_every_parameter_in_the_course_order(rng):
    parameters = _parameters(rng)
    theta, layout = dictionary_to_vector(parameters)
    expected = np.array([x for k in ORDER for x in parameters[k].ravel()]).reshape(-1, 1)
    assert theta.shape == (sum(np.prod(s) for s in SHAPES.values()), 1)
    assert np.array_equal(theta, expected)
    assert layout == [(k, SHAPES[k]) for k in ORDER]


def test_vector_to_dictionary_undoes_it_with_copies(rng):
    parameters = _parameters(rng)
    theta, layout = dictionary_to_vector(parameters)
    back = vector_to_dictionary(theta, layout)
    assert list(back) == list(ORDER)
    for k in ORDER:
        assert back[k].shape == SHAPES[k] and np.array_equal(back[k], parameters[k]), k
    theta[:] = 0.0
    assert np.array_equal(back["W1"], parameters["W1"]), "the pieces must not be views of theta"


def test_vector_to_dictionary_takes_any_shape_of_the_layout_empty_ones_included():
    theta = np.arange(7.0).reshape(7, 1)
    out = vector_to_dictionary(theta, [("a", (2, 3)), ("empty", (0, 4)), ("c", (1,))])
    assert np.array_equal(out["a"], [[0, 1, 2], [3, 4, 5]])
    assert out["empty"].shape == (0, 4)
    assert out["c"].shape == (1,) and out["c"][0] == 6


def test_gradients_to_vector_follows_the_layout_for_any_ndim():
    """The layout's order, not the dict's, and gradients of any number of dimensions (a 0-d one too)."""
    grads = {"db": np.array(7.0), "dw": np.array([1.0, 2.0, 3.0])}
    column = gradients_to_vector(grads, [("w", (3,)), ("b", ())])
    assert column.shape == (4, 1)
    assert np.array_equal(column, [[1.0], [2.0], [3.0], [7.0]])


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 1, 3)])
def test_centered_difference_of_a_cubic_is_3x2_plus_eps2_for_any_shape(rng, shape):
    theta = rng.standard_normal(shape)
    approx = centered_difference(lambda t: float(np.sum(t**3)), theta, epsilon=0.1)
    assert approx.shape == shape
    np.testing.assert_allclose(approx, 3 * theta**2 + 0.01, rtol=1e-12, atol=1e-13)


def test_numerical_gradients_use_their_epsilon(rng):
    parameters = _parameters(rng)
    approx = numerical_gradients(_cubic, parameters, epsilon=0.1)
    assert set(approx) == {f"d{k}" for k in ORDER}
    for k in ORDER:
        np.testing.assert_allclose(approx[f"d{k}"], 3 * parameters[k] ** 2 + 0.01, rtol=1e-12, atol=1e-13)


def test_relative_difference_of_numbers_vectors_and_zeros():
    """``|g - a| / (|g| + |a|)``: 0.2 / 0.8 for 0.3 and 0.5, 2 / 4 for the integers 1 and 3; 0 (not 0/0)
    when both gradients are zero."""
    assert relative_difference(0.3, 0.5) == pytest.approx(0.25, rel=1e-15)
    assert relative_difference(1, 3) == 0.5
    assert relative_difference(np.array([3.0, 0.0]), np.array([0.0, 4.0])) == pytest.approx(5 / 7, rel=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert relative_difference(np.zeros((2, 3)), np.zeros((2, 3))) == 0.0
        assert relative_difference(0.0, 0.0) == 0.0


def test_gradient_check_uses_its_epsilon_and_threshold(rng):
    """With ε = 1e-2 the truncation error of a smooth network is about 1e-5: above the default threshold
    1e-7, below the given 1e-3. The approximations returned are the centered differences at that ε."""
    X, Y = rng.standard_normal((3, 6)), (rng.random((1, 6)) < 0.5).astype(np.float64)
    shapes = {"W1": (4, 3), "b1": (4, 1), "W2": (1, 4), "b2": (1, 1)}
    parameters = {k: rng.standard_normal(shape) for k, shape in shapes.items()}
    acts = ["tanh", "sigmoid"]
    AL, caches = model_forward(X, parameters, activations=acts)
    grads = model_backward(AL, Y, caches, activations=acts)

    result = gradient_check(X, Y, parameters, activations=acts, epsilon=1e-2, threshold=1e-3)

    assert result.threshold == 1e-3 and result.passed
    assert 1e-7 < max(result.differences.values()) < 1e-3
    for k, value in parameters.items():
        expected = centered_difference(
            lambda P, k=k: model_cost(model_forward(X, {**parameters, k: P}, activations=acts)[0], Y, "sigmoid"),
            value,
            epsilon=1e-2,
        )
        np.testing.assert_allclose(result.gradapprox[f"d{k}"], expected, rtol=1e-10, atol=1e-14)
        assert result.differences[f"d{k}"] == pytest.approx(relative_difference(grads[f"d{k}"], expected))


def test_the_report_marks_every_difference_not_below_the_threshold():
    """One line per parameter; a difference equal to the threshold is not below it, so it is marked and
    the check does not pass."""
    result = GradientCheck({"dW1": 3e-9, "db1": 1e-7, "overall": 2e-3}, {}, threshold=1e-7)
    assert result.report() == (
        "     dW1: 3.000e-09\n"
        "     db1: 1.000e-07  <-- above threshold\n"
        " overall: 2.000e-03  <-- above threshold"
    )
    assert not result.passed and result.worst == ("overall", 2e-3)
