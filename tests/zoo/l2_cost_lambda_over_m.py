"""The L2 cost term written λ/m Σ‖W‖² (the 1/2 dropped)."""
from course_clean import *  # noqa: F403

EXPECT = ("COST-L2", "λ/(2m) belongs in the cost")


def compute_cost_with_regularization(AL, Y, parameters, lambd):
    m = Y.shape[1]
    L = len(parameters) // 2
    cross_entropy_cost = compute_cost(AL, Y)  # noqa: F405
    L2 = sum(np.sum(np.square(parameters["W" + str(l)])) for l in range(1, L + 1))  # noqa: F405
    return cross_entropy_cost + lambd / m * L2
