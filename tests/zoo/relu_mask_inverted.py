"""relu_backward with the mask inverted: it zeroes the gradient where Z >= 0 and keeps it where Z < 0: the mask inverted."""

from course_clean import *  # noqa: F403

EXPECT = ("ACT-RELU", "mask inverted")


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)  # noqa: F405
    dZ[Z > 0] = 0
    return dZ
