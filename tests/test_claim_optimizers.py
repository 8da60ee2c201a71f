"""CLAIM-OPTIMIZERS: on make_moons (seeded), from the same initial parameters and the same
mini-batches, Adam reaches a lower cost than mini-batch gradient descent and momentum in the same
number of epochs; ``nn-verify claims`` draws the three cost curves.

A fixed seed and a short run (a second at most); the margins asserted are a fraction of what the run
shows (at 60 epochs Adam is about 0.07 below gradient descent, which has moved about 0.01).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scratch_nn.optimizers import random_mini_batches, train_with_optimizer
from torch_reference.experiments.optimizer_claim import (
    OPTIMIZER_NAMES,
    compare_optimizers,
    initial_parameters,
    moons,
    optimizers_figure,
)

EPOCHS = 60


@pytest.fixture(scope="module")
def setting():
    X, Y = moons()
    return X, Y, initial_parameters()


@pytest.fixture(scope="module")
def runs(setting):
    X, Y, p = setting
    return compare_optimizers(X, Y, p, EPOCHS)


def test_data_is_the_seeded_moons(setting):
    X, Y, _p = setting
    X2, Y2 = moons()
    assert X.shape == (2, 300) and Y.shape == (1, 300)
    assert np.array_equal(X, X2) and np.array_equal(Y, Y2)
    assert set(np.unique(Y)) == {0.0, 1.0}


def test_same_start_and_same_batches(setting, runs):
    """The runs differ by the update rule only: with one batch of all m examples, the cost before the
    first update is the same number for the three; and every epoch cuts the same batches."""
    from scratch_nn import model_cost, model_forward

    X, Y, p = setting
    start = model_cost(model_forward(X, p)[0], Y)
    for name in OPTIMIZER_NAMES:
        _params, first = train_with_optimizer(X, Y, p, name, X.shape[1], 1, 0.0007, seed=10)
        assert first == [start]
        assert len(runs.costs[name]) == EPOCHS
    batches = random_mini_batches(X, Y, 64, 10)
    assert [b[0].shape[1] for b in batches] == [64, 64, 64, 64, 44]


def test_adam_reaches_a_lower_cost(runs):
    gd, momentum, adam = (runs.final(n) for n in ("gd", "momentum", "adam"))
    assert adam < gd - 0.03 and adam < momentum - 0.03
    assert all(np.isfinite(runs.costs[n]).all() for n in OPTIMIZER_NAMES)


def test_negative_control_adam_without_steps_does_not_win(setting, runs):
    """Adam whose steps are 10⁴ times smaller (α = 7e-8) stays at the start: it does not beat GD."""
    X, Y, p = setting
    _params, control = train_with_optimizer(X, Y, p, "adam", 64, EPOCHS, 7e-8, seed=10)
    assert control[-1] > runs.final("gd")
    assert control[-1] == pytest.approx(control[0], abs=1e-3)


def test_figure_is_written(runs, tmp_path: Path):
    from torch_reference.experiments.figures import save

    fig = optimizers_figure(runs)
    path = save(fig, tmp_path / "claim_optimizers.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    axes = fig.axes
    assert len(axes) == 1 and len(axes[0].get_lines()) == 3


def test_train_with_optimizer_is_the_course_loop(setting):
    """Two epochs of Adam are, bit for bit, the course's loop written out: t counted over all updates."""
    from scratch_nn import model_backward, model_forward
    from scratch_nn.optimizers import initialize_adam, update_parameters_with_adam

    X, Y, p = setting
    params, costs = train_with_optimizer(X, Y, p, "adam", 64, 2, 0.01, seed=4)
    q, (v, s), t = dict(p), initialize_adam(p), 0
    for epoch in range(2):
        for bx, by in random_mini_batches(X, Y, 64, 4 + epoch):
            AL, caches = model_forward(bx, q)
            t += 1
            q, v, s, _, _ = update_parameters_with_adam(q, model_backward(AL, by, caches), v, s, t, 0.01)
    assert t == 10 and len(costs) == 2
    assert all(np.array_equal(params[k], q[k]) for k in p)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        train_with_optimizer(X, Y, p, "sgd")  # "rmsprop" is one (OPT-RMSPROP); "sgd" is torch's name, not ours
