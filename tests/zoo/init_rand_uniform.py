"""ERR-RAND-UNIFORM as the notes wrote it: np.random.rand (uniform, all positive) * 0.01."""

from course_clean import *  # noqa: F403

EXPECT = ("INIT-SMALL", "uniform rand()")


def initialize_parameters_deep(layer_dims):
    np.random.seed(3)  # noqa: F405
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.rand(layer_dims[l], layer_dims[l - 1]) * 0.01  # noqa: F405
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))  # noqa: F405
    return parameters
