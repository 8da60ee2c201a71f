"""Dropout's backward divides by keep_prob twice (the scale applied on top of an already scaled dA)."""
from course_clean import *  # noqa: F403

EXPECT = ("DROP-BWD", "1/keep_prob too many")


def dropout_forward(A, keep_prob, rng):
    D = (rng.random(A.shape) < keep_prob).astype(A.dtype)
    return A * D / keep_prob, D


def dropout_backward(dA, D, keep_prob):
    return dA * D / keep_prob / keep_prob
