"""ERR-OUTPUT-INIT style: randn without the 0.01 (unit-variance weights saturate sigmoid)."""

from course_clean import *  # noqa: F403

EXPECT = ("INIT-SMALL", "never applied")


def initialize_parameters_deep(layer_dims):
    np.random.seed(3)  # noqa: F405
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1])  # noqa: F405
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))  # noqa: F405
    return parameters
