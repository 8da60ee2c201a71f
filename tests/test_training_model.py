"""``scratch_nn.training.model``, the course's ``L_layer_model`` (GD-LOOP): initialize, then train.

Its definition, checked here bit for bit: ``initialize_parameters(layer_dims, init, rng, dtype=X.dtype)``
then :func:`scratch_nn.train` with the same ``rng`` (the dropout masks are drawn after the
initialization's draws) and every option passed on; with the course's defaults, α = 0.0075, 3000
iterations, ``init="small"``, ReLU hidden layers and a sigmoid output.
"""

from __future__ import annotations

import numpy as np

import scratch_nn as nn_
from scratch_nn.training import model
from torch_reference import cases


def test_the_course_defaults():
    """No option given: 3000 iterations of α = 0.0075 from the ``small`` initialization (0.01 randn), ReLU
    hidden layers, a sigmoid output and its cross-entropy."""
    rng = np.random.default_rng(1)
    X, Y = cases.normal(rng, (2, 3), np.float64), np.array([[0.0, 1.0, 1.0]])
    params, costs = model(X, Y, [2, 2, 1], rng=np.random.default_rng(2))
    assert len(costs) == 3000
    initial = nn_.initialize_parameters([2, 2, 1], "small", np.random.default_rng(2))
    _, first = nn_.train(X, Y, initial, 0.0075, 3, "relu", "sigmoid")
    assert costs[:3] == first
    assert params.keys() == initial.keys() and all(v.dtype == np.float64 for v in params.values())


def test_every_argument_reaches_the_loop():
    """float32 data, L = 3, He initialization, tanh hidden layers, a softmax output, L2 and dropout: the
    parameters and costs are exactly those of initialize_parameters then train with one generator."""
    rng = np.random.default_rng(3)
    X = cases.normal(rng, (4, 7), np.float32)
    Y = nn_.one_hot(rng.integers(0, 3, 7), 3, dtype=np.float32)
    dims, options = [4, 5, 6, 3], {"lambd": 0.3, "keep_prob": 0.75}
    params, costs = model(X, Y, dims, 0.2, 4, "he", np.random.default_rng(4), "tanh", "softmax", **options)
    g = np.random.default_rng(4)
    initial = nn_.initialize_parameters(dims, "he", g, dtype=np.float32)
    expected, expected_costs = nn_.train(X, Y, initial, 0.2, 4, "tanh", "softmax", rng=g, **options)
    assert costs == expected_costs and len(set(costs)) == 4
    for key, value in expected.items():
        assert params[key].dtype == np.float32
        np.testing.assert_array_equal(params[key], value)
