"""Functions the checker gives a student's gradient check in place of theirs (NumPy only).

The course's ``gradient_check(x, theta)`` and ``gradient_check_n(parameters, gradients, X, Y)``
call ``forward_propagation`` / ``backward_propagation`` by name. The checker calls them with
these module-level functions put in their place (``torch_reference.course._with_globals``): the
right derivative, and a planted wrong one that the check must notice. They live here, apart from
the torch oracles, because the sandbox's child (which has no torch) is given them by reference.
"""

from __future__ import annotations

import numpy as np

from .course_helpers import forward_propagation_3


def J_of_theta(x: float, theta: float) -> float:
    """J(θ) = θ x: the course's 1-D example."""
    return theta * x


def dtheta(x: float, theta: float) -> float:
    """dJ/dθ = x: the right derivative."""
    return x


def dtheta_planted(x: float, theta: float) -> float:
    """dJ/dθ = x + 1: a planted wrong derivative (the check must report a large difference)."""
    return x + 1


def forward_propagation_n(X: np.ndarray, Y: np.ndarray, parameters: dict) -> tuple[float, tuple]:
    """The course's 3-layer forward (ReLU, ReLU, sigmoid) and J = -(1/m) Σ (y log a3 + (1-y) log(1-a3)),
    in float64: X (n_x, m), Y (1, m); returns (J, the 12-tuple cache)."""
    a3, cache = forward_propagation_3(np.asarray(X, dtype=np.float64), parameters)
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return float(np.sum(logprobs) / m), cache
