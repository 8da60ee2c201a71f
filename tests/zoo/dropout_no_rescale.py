"""Inverted dropout without the 1/keep_prob: A * D, so E[A] shrinks by keep_prob."""
from course_clean import *  # noqa: F403

EXPECT = ("DROP-FWD", "keep_prob")


def dropout_forward(A, keep_prob, rng):
    D = (rng.random(A.shape) < keep_prob).astype(A.dtype)
    return A * D, D


def dropout_backward(dA, D, keep_prob):
    return dA * D / keep_prob
