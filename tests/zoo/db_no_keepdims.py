"""db = (1/m) np.sum(dZ, axis=1): shape (n,), not (n, 1)."""

from course_clean import *  # noqa: F403

EXPECT = ("BWD-DB", "without keepdims")


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)  # noqa: F405
    db = 1 / m * np.sum(dZ, axis=1)  # noqa: F405
    dA_prev = np.dot(W.T, dZ)  # noqa: F405
    return dA_prev, dW, db
