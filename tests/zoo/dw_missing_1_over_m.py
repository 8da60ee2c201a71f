"""dW without its 1/m: dW = dZ A_prev^T."""

from course_clean import *  # noqa: F403

EXPECT = ("BWD-DW", "the 1/m is missing")


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T)  # noqa: F405
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)  # noqa: F405
    dA_prev = np.dot(W.T, dZ)  # noqa: F405
    return dA_prev, dW, db
