"""The activation cache stores A instead of Z, so backward evaluates g' at A."""

from course_clean import *  # noqa: F403

EXPECT = ("ACT-FWD", "cache Z holds the value of A")


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)  # noqa: F405
    A = sigmoid(Z)[0] if activation == "sigmoid" else relu(Z)[0]  # noqa: F405
    return A, (linear_cache, A)
