"""Z = W A: the bias forgotten."""

from course_clean import *  # noqa: F403

EXPECT = ("LIN-FWD", "bias b[l] is not added")


def linear_forward(A, W, b):
    return np.dot(W, A), (A, W, b)  # noqa: F405
