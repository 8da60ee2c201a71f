"""dW = (1/m) A_prev dZ^T: the product in the wrong order (hidden by square layers)."""

from course_clean import *  # noqa: F403

EXPECT = ("BWD-DW", "transposed")


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(A_prev, dZ.T)  # noqa: F405
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)  # noqa: F405
    dA_prev = np.dot(W.T, dZ)  # noqa: F405
    return dA_prev, dW, db
