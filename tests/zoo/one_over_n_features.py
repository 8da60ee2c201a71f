"""ERR-ONE-OVER-N as the notes wrote it: dW = (1/n) dZ A^T with n the number of features."""

from course_clean import *  # noqa: F403

EXPECT = ("BWD-DW", "ERR-ONE-OVER-N")


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    n, m = A_prev.shape
    dW = 1 / n * np.dot(dZ, A_prev.T)  # noqa: F405
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)  # noqa: F405
    dA_prev = np.dot(W.T, dZ)  # noqa: F405
    return dA_prev, dW, db
