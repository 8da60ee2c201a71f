"""The cost summed over the examples, not averaged."""

from course_clean import *  # noqa: F403

EXPECT = ("COST-BCE", "the 1/m is missing")


def compute_cost(AL, Y):
    cost = -np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL)))  # noqa: F405
    return np.squeeze(cost)  # noqa: F405
