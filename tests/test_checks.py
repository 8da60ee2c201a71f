"""The shared assertions of ``tests/checks.py`` can fail: each is run on what it must refuse."""

from __future__ import annotations

import numpy as np
import pytest

import scratch_nn as nn_

from .checks import assert_caught, assert_rejected


def _draws_then_rejects(Z: np.ndarray, rng: np.random.Generator) -> None:
    rng.random()
    raise ValueError("Z is wrong")


def _changes_then_rejects(Z: np.ndarray) -> None:
    Z[0, 0] += 1.0  # a change each time it runs (the parametrized array is shared between runs)
    raise ValueError("Z is wrong")


@pytest.mark.parametrize(
    ("func", "args", "exc", "names", "why"),
    [
        (nn_.relu, (np.ones((2, 3)),), ValueError, ("Z",), "DID NOT RAISE"),
        (nn_.relu, (np.ones((2, 3)) > 0,), ValueError, ("Z",), "TypeError"),  # the exact type
        (nn_.relu, (np.ones((2, 3)) > 0,), TypeError, ("dA",), "does not name"),
        (_draws_then_rejects, (np.ones((2, 3)), np.random.default_rng(0)), ValueError, ("Z",), "drawn from"),
        (_changes_then_rejects, (np.ones((2, 3)),), ValueError, ("Z",), "values changed"),
    ],
    ids=["accepted", "another-type", "names-another-argument", "draws", "changes-its-argument"],
)
def test_assert_rejected_refuses(func, args, exc, names, why):
    with pytest.raises(BaseException, match=why):
        assert_rejected(func, args, {}, exc, names)


def test_assert_rejected_refuses_a_message_that_does_not_match():
    with pytest.raises(AssertionError, match="does not match"):
        assert_rejected(nn_.relu, (np.ones((2, 3)) > 0,), {}, TypeError, ("Z",), match="float16")


def test_assert_caught_refuses_the_reference_and_a_failing_control():
    with pytest.raises(AssertionError, match="was not caught"):
        assert_caught("ACT-RELU", {"relu": nn_.relu}, "no bug at all")
    wrong = {"relu": lambda Z: np.maximum(Z, 0) + 1}
    with pytest.raises(AssertionError):
        assert_caught("ACT-RELU", wrong, "ReLU shifted by 1", control=wrong)
    assert_caught("ACT-RELU", wrong, "ReLU shifted by 1", control={"relu": nn_.relu})


def test_a_shape_message_has_a_hint_only_when_given():
    """check_shape's message: the name, the shape, the expected shape, and the reason in parentheses only if
    there is one (no empty "()" and no stray words otherwise)."""
    from scratch_nn._checks import check_shape

    with pytest.raises(ValueError) as plain:
        check_shape("b", np.zeros((3,)), (3, 1))
    assert str(plain.value) == "b has shape (3,), expected (3, 1)"
    with pytest.raises(ValueError) as hinted:
        check_shape("b", np.zeros((3,)), (3, 1), "b[l] is a column")
    assert str(hinted.value) == "b has shape (3,), expected (3, 1) (b[l] is a column)"
    check_shape("b", np.zeros((3, 1)), (3, 1))  # the right shape passes, with or without a reason


def test_real_and_count_messages_word_a_reason_only_when_given():
    """check_real and check_count: the exact messages, with the reason in parentheses only if one is given
    (mutmut: their defaults and the hint's branch were untested), and a wrong count's own type named."""
    from scratch_nn._checks import check_count, check_real

    cases = [
        (lambda: check_real("alpha", float("nan")), ValueError, "alpha must be a finite number, got nan"),
        (lambda: check_real("alpha", float("inf"), what="the ELU alpha"), ValueError,
         "alpha must be a finite number (the ELU alpha), got inf"),
        (lambda: check_real("alpha", -1.0, positive=True), ValueError, "alpha must be > 0, got -1.0"),
        (lambda: check_count("n", 0, 1), ValueError, "n must be an integer >= 1, got 0"),
        (lambda: check_count("n", 0, 1, "the number of bits"), ValueError,
         "n must be an integer >= 1 (the number of bits), got 0"),
        (lambda: check_count("n", 2.5, 1), TypeError, "n must be an integer >= 1, got float 2.5"),
    ]  # fmt: skip
    for call, exc, message in cases:
        with pytest.raises(exc) as caught:
            call()
        assert str(caught.value) == message
    assert check_real("alpha", 0.0) == 0.0 and check_real("alpha", -2) == -2.0  # no range unless asked
    assert check_count("n", 1, 1) == 1 and check_count("n", 0, 0) == 0


def test_activation_names_are_checked_where_they_are_used():
    """An unknown name says which argument held it; an L = 1 network has no hidden layer, so its
    hidden_activation is not read (nor checked); activations as a bare string names its type."""
    from scratch_nn.activations import check_activation

    with pytest.raises(ValueError) as caught:
        check_activation("gelu")
    assert str(caught.value).startswith("unknown activation 'gelu' (activation); expected one of [")
    assert nn_.layer_activations(1, hidden_activation="unused", output_activation="softmax") == ["softmax"]
    with pytest.raises(ValueError, match=r"\(hidden_activation\)"):
        nn_.layer_activations(2, hidden_activation="unused", output_activation="softmax")
    with pytest.raises(TypeError, match=r"got str 'relu'$"):
        nn_.layer_activations(3, activations="relu")


def test_a_real_number_is_a_plain_number_or_a_plain_0d_array():
    """as_real: a 0-d plain ndarray of integer or float dtype is unwrapped; a 0-d masked array (a subclass)
    or a 0-d bool array is not a number; the exact message, with the reason only when given."""
    from scratch_nn._checks import as_real, check_array

    assert as_real("alpha", np.array(0.25)) == 0.25 and as_real("alpha", np.array(3)) == 3.0
    for x in (np.ma.masked_array(0.1), np.array(True), np.array([0.1])):
        with pytest.raises(TypeError, match=r"^alpha must be a real number, got "):
            as_real("alpha", x)
    with pytest.raises(TypeError) as caught:
        as_real("alpha", "0.1")
    assert str(caught.value) == "alpha must be a real number, got str '0.1'"
    with pytest.raises(TypeError) as caught:
        as_real("alpha", None, "the ELU alpha")
    assert str(caught.value) == "alpha must be a real number (the ELU alpha), got NoneType None"
    with pytest.raises(TypeError) as caught:
        check_array("W", [[1.0]])
    assert str(caught.value) == "W must be a numpy.ndarray of float32 or float64, got list"


@pytest.mark.parametrize("name", ["elu", "leaky_relu"])
def test_a_hyperparameter_at_the_dtypes_largest_value_fits(name):
    """float32's largest finite value is a valid alpha or slope for float32 Z (the check is > max, not >=)."""
    largest = float(np.finfo(np.float32).max)
    Z = np.array([[-1e-3, 0.5]], np.float32)
    A = getattr(nn_, name)(Z, **{"alpha" if name == "elu" else "slope": largest})
    assert A.dtype == np.float32 and np.isfinite(A).all() and A[0, 1] == np.float32(0.5)
