"""Batch gradient descent, the notes' training loop.

Catalogue ID: GD-LOOP: initialize -> (forward -> cost -> backward -> update) x
iterations -> the learned parameters, with the cost history.

Shapes: ``X`` (n[0], m), ``Y`` (n[L], m); ``layer_dims = [n[0], ..., n[L]]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .initializers import initialize_parameters
from .losses import model_cost
from .model import layer_activations, model_backward, model_forward, update_parameters


def train(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    learning_rate: float,
    num_iterations: int,
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """GD-LOOP from given initial parameters.

    Each iteration: ``AL, caches = model_forward(X)``; ``J = cost(AL, Y)``;
    ``grads = model_backward(AL, Y, caches)``; ``parameters = update(parameters, grads, α)``.

    Returns the parameters after ``num_iterations`` updates and ``costs``, the
    ``num_iterations`` costs J computed *before* each update (``costs[0]`` is the
    cost of the initial parameters).
    """
    if not isinstance(num_iterations, (int, np.integer)) or num_iterations < 0:
        raise ValueError(f"num_iterations must be a non-negative integer, got {num_iterations!r}")
    g = layer_activations(len(parameters) // 2, hidden_activation, output_activation, activations)
    params = dict(parameters)
    costs = []
    for _ in range(num_iterations):
        AL, caches = model_forward(X, params, activations=g)
        costs.append(model_cost(AL, Y, g[-1]))
        grads = model_backward(AL, Y, caches, activations=g)
        params = update_parameters(params, grads, learning_rate)
    return params, costs


def model(
    X: np.ndarray,
    Y: np.ndarray,
    layer_dims: Sequence[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    init: str = "small",
    rng: np.random.Generator | None = None,
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
) -> tuple[dict[str, np.ndarray], list[float]]:
    """GD-LOOP, the course's ``L_layer_model``: initialize with ``init`` (see
    :func:`scratch_nn.initialize_parameters`) in X's dtype, then :func:`train`."""
    parameters = initialize_parameters(layer_dims, init, rng, dtype=X.dtype)
    return train(X, Y, parameters, learning_rate, num_iterations, hidden_activation, output_activation)
