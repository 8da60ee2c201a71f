"""b := b + α db: the bias climbs the gradient."""

from course_clean import *  # noqa: F403

EXPECT = ("GD-UPDATE", "moved up the gradient")


def update_parameters(params, grads, learning_rate):
    parameters = params.copy()
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] + learning_rate * grads["db" + str(l)]
    return parameters
