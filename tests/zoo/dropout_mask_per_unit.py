"""A dropout mask of shape (n, 1): one draw per unit, shared by every example of the batch."""
from course_clean import *  # noqa: F403

EXPECT = ("DROP-MASK", "shape (n, 1)")


def dropout_forward(A, keep_prob, rng):
    D = (rng.random((A.shape[0], 1)) < keep_prob).astype(A.dtype)
    return A * D / keep_prob, D
