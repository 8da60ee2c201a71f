"""CLAIM-MNIST, the assignment: a one-hidden-layer network on handwritten digits.

The assignment (seeds/004): a 400-25-10 network on a 20x20 MNIST subset, sigmoid hidden layer,
softmax output, weights from ``np.random.seed(1)``, zero biases, batch gradient descent, accuracy on
the training and the test set, and the cost against the iteration for several learning rates.

The 20x20 subset is not shipped with any package and cannot be downloaded here, so the digits that
ship inside scikit-learn stand in for it: ``sklearn.datasets.load_digits``, 1797 images of 8x8
pixels with values 0..16 (no download). Hence ``n[0] = 64`` and the network is **64-25-10**.

Choices, all fixed so that a run is reproducible:

* pixels scaled to [0, 1] (divided by 16); ``X`` (64, m), one image per column; labels one-hot
  (DATA-ONEHOT) ``Y`` (10, m);
* split: a permutation from ``default_rng(split_seed)`` (default 0), 30 % test: 1258 train, 539 test;
* initialization: ``W[l] = 0.01·randn(n[l], n[l-1])`` from ``default_rng(1)`` (the notes' INIT-SMALL;
  the assignment's "seed 1" with NumPy's Generator, not the legacy global state), ``b[l] = 0``;
* batch gradient descent (GD-LOOP, :func:`scratch_nn.training.train`), float64, vectorized;
* predictions: argmax of the softmax column (PRED-METRICS), accuracy on both sets;
* the learning rate reported as "best" is chosen on the training cost, never on the test set.

The same training in PyTorch (:func:`torch_reference.training.torch_train`) from the same initial
parameters gives the same cost at every iteration, within the trajectory bound of
:func:`cost_curve_tolerance` (see its docstring for the derivation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from scratch_nn import initialize_parameters, model_forward, one_hot
from scratch_nn.metrics import accuracy, predict_multiclass
from scratch_nn.training import train

from ..tolerance import tolerance
from ..training import TrainOptions, torch_train
from ..trajectories import Trajectory, reference_trajectory
from .threads import one_thread

#: the assignment's network with sklearn's 8x8 digits: n[0] = 64 pixels, 25 hidden units, 10 classes
LAYER_DIMS = (64, 25, 10)
#: documented hyperparameters (README, "The notes' claims, run")
HIDDEN = "sigmoid"
INIT_SEED = 1
SPLIT_SEED = 0
TEST_FRACTION = 0.3
LEARNING_RATES = (0.1, 0.3, 1.0, 3.0)
NUM_ITERATIONS = 1500


@dataclass(frozen=True)
class DigitsData:
    """``X_train`` (64, m_train) and ``X_test`` (64, m_test) in [0, 1]; ``y_train``, ``y_test`` integer
    labels (m,); ``Y_train`` (10, m_train) one-hot, in X_train's dtype."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    @property
    def Y_train(self) -> np.ndarray:
        return one_hot(self.y_train, 10, dtype=self.X_train.dtype.type)


def load_digits_split(rng: np.random.Generator, test_fraction: float = TEST_FRACTION) -> DigitsData:
    """sklearn's 8x8 digits, pixels / 16, one image per column, split by a permutation from ``rng``."""
    from sklearn.datasets import load_digits  # heavy: imported only when the data are needed

    digits = load_digits()
    X = (digits.data / 16.0).T.astype(np.float64)  # (64, 1797)
    y = digits.target.astype(np.int64)
    order = rng.permutation(y.size)
    n_test = round(test_fraction * y.size)
    test, training = order[:n_test], order[n_test:]
    return DigitsData(np.ascontiguousarray(X[:, training]), y[training], np.ascontiguousarray(X[:, test]), y[test])


def initial_parameters(seed: int = INIT_SEED) -> dict[str, np.ndarray]:
    """``W[l] = 0.01·randn`` from ``default_rng(seed)``, ``b[l] = 0``: shapes (25, 64), (25, 1), (10, 25), (10, 1)."""
    return initialize_parameters(list(LAYER_DIMS), "small", np.random.default_rng(seed))


@dataclass(frozen=True)
class DigitsRun:
    """One training run: its learning rate, cost history (before each update), learned parameters,
    and the accuracy of the argmax prediction on the training and the test set."""

    learning_rate: float
    costs: list[float]
    parameters: dict[str, np.ndarray]
    train_accuracy: float
    test_accuracy: float


def evaluate(parameters: Mapping[str, np.ndarray], X: np.ndarray, y: np.ndarray, hidden: str = HIDDEN) -> float:
    """Accuracy of ``argmax softmax`` (PRED-METRICS) on ``X`` (64, m) against labels ``y`` (m,)."""
    AL, _ = model_forward(X, parameters, activations=[hidden, "softmax"])
    return accuracy(y, predict_multiclass(AL))


def train_digits(
    data: DigitsData,
    parameters: Mapping[str, np.ndarray],
    learning_rate: float,
    num_iterations: int,
    hidden: str = HIDDEN,
) -> DigitsRun:
    """Batch gradient descent on the training set (:func:`scratch_nn.training.train`), then accuracy
    (in :func:`one_thread`)."""
    with one_thread():
        learned, costs = train(
            data.X_train, data.Y_train, parameters, learning_rate, num_iterations, activations=[hidden, "softmax"]
        )
        return DigitsRun(
            learning_rate,
            costs,
            learned,
            evaluate(learned, data.X_train, data.y_train, hidden),
            evaluate(learned, data.X_test, data.y_test, hidden),
        )


def learning_rate_sweep(
    data: DigitsData,
    parameters: Mapping[str, np.ndarray],
    learning_rates: Sequence[float] = LEARNING_RATES,
    num_iterations: int = NUM_ITERATIONS,
    hidden: str = HIDDEN,
) -> list[DigitsRun]:
    """One :func:`train_digits` run per learning rate, all from the same initial parameters."""
    return [train_digits(data, parameters, lr, num_iterations, hidden) for lr in learning_rates]


def best_run(runs: Sequence[DigitsRun]) -> DigitsRun:
    """The run with the lowest final *training* cost (a diverged run's cost is inf or nan and loses)."""
    finite = [r for r in runs if np.isfinite(r.costs[-1])]
    return min(finite or runs, key=lambda r: r.costs[-1])


# ----------------------------------------------------------------------- NumPy against PyTorch, whole curves
@dataclass(frozen=True)
class CurveComparison:
    """NumPy's and PyTorch's cost at every iteration, and the tolerance of each (absolute)."""

    numpy_costs: np.ndarray
    torch_costs: np.ndarray
    tolerances: np.ndarray
    trajectory: Trajectory

    @property
    def differences(self) -> np.ndarray:
        return np.abs(self.numpy_costs - self.torch_costs)

    @property
    def worst_fraction(self) -> float:
        """max over iterations of ``|J_numpy - J_torch| / tolerance`` (<= 1 passes)."""
        return float(np.max(self.differences / self.tolerances))


def cost_curve_tolerance(trajectory: Trajectory, costs: np.ndarray) -> np.ndarray:
    """The tolerance of ``|J_numpy(k) - J_torch(k)|`` at every iteration k (absolute, float64).

    Derivation (first-order running error analysis of the loop; ``tolerance.trajectory_bound``):
    both runs start from the same θ_0. Each evaluation of step k (forward, cost, backward, update)
    is off the exact step by at most ``u·s_k`` (2-norm; ``s_k`` from the layer-by-layer bounds of
    ``model.reference_bounds`` carried through the update), and an error already in θ_k is carried
    into θ_{k+1} stretched by at most ``ρ_k`` (the step map's Lipschitz factor). So one run stays within
    ``u·ε_k`` of the exact trajectory, ``ε_{k+1} = ρ_k ε_k + s_k``, and its cost within
    ``u·(B_J,k + ‖∇J(θ_k)‖₂ ε_k)``; two runs (NumPy, PyTorch) within twice that, which is what
    :func:`torch_reference.tolerance.tolerance` allows. ρ_k is measured by a twin trajectory
    (:func:`torch_reference.trajectories.reference_trajectory` with ``twin``: the exact Hessian of
    the 64-25-10 network costs ~20 s per iteration), never below 1.
    """
    cost_bounds, _final = trajectory.bounds()
    return tolerance(np.float64, cost_bounds, costs)


def compare_cost_curves(
    parameters: Mapping[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    learning_rate: float,
    num_iterations: int,
    hidden: str = HIDDEN,
    device: str = "cpu",
    numpy_costs: Sequence[float] | None = None,
    rng: np.random.Generator | None = None,
) -> CurveComparison:
    """Train the same network from the same parameters in NumPy (:func:`scratch_nn.training.train`,
    unless its ``numpy_costs`` are given) and in PyTorch (:func:`torch_train`, float64 on ``device``),
    and compute the trajectory tolerance of every iteration (``rng`` draws the twin's direction;
    default ``default_rng(0)``), all in :func:`one_thread`."""
    acts = [hidden, "softmax"]
    options = TrainOptions(learning_rate, num_iterations, acts)
    rng = np.random.default_rng(0) if rng is None else rng
    with one_thread():
        if numpy_costs is None:
            _learned, numpy_costs = train(X, Y, parameters, learning_rate, num_iterations, activations=acts)
        _params, torch_costs = torch_train(X, Y, parameters, options, device, torch.float64)
        trajectory = reference_trajectory(parameters, X, Y, options, twin=rng)
    costs = np.asarray(numpy_costs, np.float64)
    return CurveComparison(costs, np.asarray(torch_costs), cost_curve_tolerance(trajectory, costs), trajectory)
