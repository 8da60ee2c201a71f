"""The minus sign of the cross-entropy dropped."""

from course_clean import *  # noqa: F403

EXPECT = ("COST-BCE", "wrong sign")


def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = (1 / m) * np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL)))  # noqa: F405
    return np.squeeze(cost)  # noqa: F405
