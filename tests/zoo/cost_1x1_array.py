"""The cost computed with np.dot and returned as a (1, 1) array (no squeeze)."""

from course_clean import *  # noqa: F403

EXPECT = ("COST-BCE", "(1, 1) array")


def compute_cost(AL, Y):
    m = Y.shape[1]
    return -(np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)) / m  # noqa: F405
