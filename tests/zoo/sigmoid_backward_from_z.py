"""sigmoid'(z) computed as Z(1 - Z) instead of a(1 - a) with a = sigmoid(Z)."""

from course_clean import *  # noqa: F403

EXPECT = ("ACT-SIGMOID", "computed from Z")


def sigmoid_backward(dA, cache):
    Z = cache
    return dA * Z * (1 - Z)
