"""The ReLU mask taken from the upstream gradient dA instead of Z."""

from course_clean import *  # noqa: F403

EXPECT = ("ACT-RELU", "mask taken from dA")


def relu_backward(dA, cache):
    dZ = np.array(dA, copy=True)  # noqa: F405
    dZ[dA <= 0] = 0
    return dZ
