"""ERR-DB-INDEX as the notes wrote it: b[l] := b[l] - α db[l+1] (the next layer's db)."""

from course_clean import *  # noqa: F403

EXPECT = ("GD-UPDATE", "off by one")


def update_parameters(params, grads, learning_rate):
    parameters = params.copy()
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(min(l + 1, L))]
    return parameters
