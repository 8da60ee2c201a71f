"""db summed over the units (axis=0) instead of the examples (axis=1)."""

from course_clean import *  # noqa: F403

EXPECT = ("BWD-DB", "wrong axis")


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)  # noqa: F405
    db = 1 / m * np.sum(dZ, axis=0, keepdims=True)  # noqa: F405
    dA_prev = np.dot(W.T, dZ)  # noqa: F405
    return dA_prev, dW, db
