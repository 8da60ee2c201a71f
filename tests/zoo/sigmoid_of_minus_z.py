"""sigmoid with e^{+z}: 1 / (1 + e^z), i.e. sigmoid(-z)."""

from course_clean import *  # noqa: F403

EXPECT = ("ACT-SIGMOID", "sigmoid(-z)")


def sigmoid(Z):
    return 1 / (1 + np.exp(Z)), Z  # noqa: F405
