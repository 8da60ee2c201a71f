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
