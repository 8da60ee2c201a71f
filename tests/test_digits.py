"""CLAIM-MNIST, the assignment (seeds/004): a one-hidden-layer network, 25 sigmoid units and 10 softmax
outputs, on handwritten digits; one-hot labels, seeded split and weights, zero biases, batch
gradient descent, accuracy on the training and the test set, cost against iteration for several
learning rates; and the same training in PyTorch gives the same cost at every iteration.

sklearn's 8x8 digits stand in for the notes' 20x20 MNIST subset (not available offline), so the
network is 64-25-10. The default run trains 300 iterations (test accuracy >= 0.93 is reached by
then) and compares NumPy with PyTorch over the first 60; ``-m slow`` runs the documented
1500-iteration sweep and the full-length comparison.
"""

from __future__ import annotations

import numpy as np
import pytest

from scratch_nn import initialize_parameters
from torch_reference.experiments import digits, digits_main, main
from torch_reference.experiments.figures import learning_rate_figure, save
from torch_reference.tolerance import twin_contraction

TARGET = 0.93
QUICK_ITERATIONS, QUICK_RATE = 300, 3.0
COMPARED_ITERATIONS = 60


@pytest.fixture(scope="module")
def data():
    return digits.load_digits_split(np.random.default_rng(digits.SPLIT_SEED))


@pytest.fixture(scope="module")
def quick_run(data):
    return digits.train_digits(data, digits.initial_parameters(), QUICK_RATE, QUICK_ITERATIONS)


def test_data_split_and_initialization(data):
    """64 pixels in [0, 1] per column; the 1797 images split 1258 / 539 (30 % rounded), a partition (every
    image, with its label, in exactly one part); one-hot Y; W = 0.01·randn from ``default_rng(1)``, b = 0."""
    from sklearn.datasets import load_digits

    assert data.X_train.shape == (64, 1258) and data.X_test.shape == (64, 539)
    assert data.y_train.shape == (1258,) and data.y_test.shape == (539,)
    assert data.X_train.dtype == np.float64 and 0 <= data.X_train.min() and data.X_train.max() <= 1
    assert set(np.unique(data.y_train)) == set(range(10)) == set(np.unique(data.y_test))
    Y = data.Y_train
    assert Y.shape == (10, 1258) and np.array_equal(Y.sum(axis=0), np.ones(1258))
    assert np.array_equal(Y.argmax(axis=0), data.y_train)
    everything = load_digits()
    examples = lambda X, y: sorted(col.tobytes() + bytes([label]) for col, label in zip(X.T, y, strict=True))  # noqa: E731
    parts = examples(np.hstack([data.X_train, data.X_test]), np.concatenate([data.y_train, data.y_test]))
    assert parts == examples(everything.data.T / 16.0, everything.target)
    params = digits.initial_parameters()
    expected = initialize_parameters([64, 25, 10], "small", np.random.default_rng(1))
    assert all(np.array_equal(params[k], expected[k]) for k in expected)
    assert params["W1"].shape == (25, 64) and params["W2"].shape == (10, 25)
    assert not params["b1"].any() and not params["b2"].any()


def test_assignment_reaches_the_target_accuracy(quick_run):
    """CLAIM-MNIST, PRED-METRICS: 300 iterations at α = 3 give at least 0.93 on the held-out split
    (0.957 measured; 0.965 after the documented 1500 iterations, see the slow test)."""
    assert quick_run.test_accuracy >= TARGET, f"test accuracy {quick_run.test_accuracy:.4f} < {TARGET}"
    assert quick_run.train_accuracy >= quick_run.test_accuracy
    assert quick_run.costs[-1] < 0.1 < 2.3 < quick_run.costs[0]  # from log(10) ≈ 2.303 at W ≈ 0


def test_numpy_and_pytorch_cost_curves_agree(data, quick_run, device):
    """CLAIM-MNIST, GD-LOOP: from the same initial parameters, NumPy's and PyTorch's costs agree at every
    one of the first 60 iterations within the trajectory bound (``digits.cost_curve_tolerance``:
    per-step rounding from the layer bounds, carried by a measured stretch factor >= 1); and the bound
    is tight enough to matter (below 1e-9: a PyTorch learning rate off by one part in a million moves
    the cost by ~4e-7 within these iterations, and fails this test at iteration 10)."""
    comparison = digits.compare_cost_curves(
        digits.initial_parameters(),
        data.X_train,
        data.Y_train,
        QUICK_RATE,
        COMPARED_ITERATIONS,
        device=device,
        numpy_costs=quick_run.costs[:COMPARED_ITERATIONS],
    )
    k = int(np.argmax(comparison.differences / comparison.tolerances))
    assert comparison.worst_fraction <= 1, (
        f"iteration {k}: |J_numpy - J_torch| = {comparison.differences[k]:.3g} > {comparison.tolerances[k]:.3g}"
    )
    assert comparison.tolerances.max() < 1e-9
    # the dynamics do stretch errors (the twin's perturbation grows), so the stretch factor matters
    assert np.prod(comparison.trajectory.contraction) > 2


def test_twin_contraction_never_credits_shrinking():
    """``tolerance.twin_contraction``: per-step growth ``d_{k+1}/d_k`` of the twin's deviation, never below 1."""
    assert twin_contraction(np.array([1.0, 2.0, 1.0, 4.0])).tolist() == [2.0, 1.0, 4.0]


def test_learning_rate_figure(data, tmp_path):
    """The sweep's figure: one line per learning rate (four), labelled axes, a legend and a title,
    written as a PNG."""
    runs = digits.learning_rate_sweep(data, digits.initial_parameters(), digits.LEARNING_RATES, 5)
    fig = learning_rate_figure(runs, "cost vs iteration")
    (ax,) = fig.axes
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "cost vs iteration"
    assert len(ax.get_lines()) == 4 and len(ax.get_legend().get_texts()) == 4
    path = save(fig, tmp_path / "sweep.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_command_writes_the_figure_and_reports(tmp_path, capsys):
    """``python -m torch_reference.experiments digits --output FILE`` (here one rate, 300 iterations,
    no PyTorch run): exit status 0 (the target accuracy reached), the PNG, the best rate's accuracy."""
    path = tmp_path / "lr_sweep.png"
    status = main(["digits", "--output", str(path), "--iterations", "300", "--learning-rates", "3", "--no-torch"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "best learning rate" in out and "test accuracy 0.95" in out
    with pytest.raises(SystemExit) as exit_info:  # the entry point for ``nn-verify digits ...``
        digits_main(["--help"])
    assert exit_info.value.code == 0 and "--learning-rates" in capsys.readouterr().out


@pytest.mark.slow
def test_full_assignment_sweep_and_curves(data, tmp_path):
    """The documented run: four learning rates, 1500 iterations each; the best (lowest training cost:
    α = 3) reaches test accuracy >= 0.93 (0.9647 measured); NumPy and PyTorch agree at all 1500
    iterations of that run; the ReLU variant (α = 1) too reaches the target."""
    runs = digits.learning_rate_sweep(data, digits.initial_parameters())
    best = digits.best_run(runs)
    assert best.learning_rate == 3.0 and best.test_accuracy >= TARGET
    comparison = digits.compare_cost_curves(
        digits.initial_parameters(), data.X_train, data.Y_train, best.learning_rate, 1500, numpy_costs=best.costs
    )
    assert comparison.worst_fraction <= 1
    relu = digits.train_digits(data, digits.initial_parameters(), 1.0, 1500, hidden="relu")
    assert relu.test_accuracy >= TARGET
