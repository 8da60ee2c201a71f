"""dA_prev = (1/m) W^T dZ: the 1/m belongs to dW and db only."""

from course_clean import *  # noqa: F403

EXPECT = ("BWD-DA", "an extra 1/m")


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)  # noqa: F405
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)  # noqa: F405
    dA_prev = 1 / m * np.dot(W.T, dZ)  # noqa: F405
    return dA_prev, dW, db
