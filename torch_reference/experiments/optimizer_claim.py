"""CLAIM-OPTIMIZERS: on a non-convex 2-D data set, Adam reaches a lower cost than mini-batch gradient
descent and momentum in the same number of epochs.

The setting is the course's optimization assignment's: ``sklearn.datasets.make_moons`` (seeded, 300
points, noise 0.2), a [2, 5, 2, 1] network (ReLU, ReLU, sigmoid), mini-batches of 64, the same
learning rate α for the three optimizers, β = 0.9 for momentum and β1 = 0.9, β2 = 0.999, ε = 1e-8 for
Adam. The three runs start from the *same* initial parameters (He, ``default_rng(INIT_SEED)``) and
see the *same* mini-batches (``random_mini_batches(X, Y, 64, seed + epoch)``): they differ only by
the update rule. Training is :func:`scratch_nn.optimizers.train_with_optimizer`.

Why Adam wins here: at a small α (the course's 0.0007) gradient descent and momentum move each
weight by about α·|dW|, and |dW| is small in the flat regions of this cost; Adam's step is about
α·v̂/sqrt(ŝ) ≈ α per weight whatever the gradient's scale, so it covers more of the landscape in the
same number of epochs. Momentum's v averages the gradients but, with the course's (1 - β), does not
enlarge the step; it tracks gradient descent closely at this α.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scratch_nn import initialize_parameters
from scratch_nn.optimizers import train_with_optimizer

#: the course's settings, with fewer epochs (the claim holds well before its 5000)
DATA_SEED, INIT_SEED, BATCH_SEED = 3, 0, 10
M, NOISE = 300, 0.2
LAYERS = (2, 5, 2, 1)
LEARNING_RATE = 0.0007
MINI_BATCH_SIZE = 64
NUM_EPOCHS = 300
OPTIMIZER_NAMES = ("gd", "momentum", "adam")


def moons(seed: int = DATA_SEED, m: int = M, noise: float = NOISE) -> tuple[np.ndarray, np.ndarray]:
    """``make_moons(m, noise, random_state=seed)`` in the notes' layout: X (2, m), Y (1, m) in {0, 1}."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=m, noise=noise, random_state=seed)
    return X.T.astype(np.float64), y.reshape(1, -1).astype(np.float64)


def initial_parameters(seed: int = INIT_SEED, layers: Sequence[int] = LAYERS) -> dict[str, np.ndarray]:
    """He initialization from ``default_rng(seed)``, b = 0: the start shared by the three runs."""
    return initialize_parameters(list(layers), "he", np.random.default_rng(seed))


@dataclass(frozen=True)
class OptimizerRuns:
    """The cost per epoch of each optimizer, from the same start on the same mini-batches."""

    costs: dict[str, list[float]]
    learning_rates: dict[str, float]

    def final(self, name: str) -> float:
        return float(self.costs[name][-1])


def compare_optimizers(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    num_epochs: int = NUM_EPOCHS,
    learning_rate: float = LEARNING_RATE,
    learning_rates: Mapping[str, float] | None = None,
    mini_batch_size: int = MINI_BATCH_SIZE,
    seed: int = BATCH_SEED,
) -> OptimizerRuns:
    """Train with "gd", "momentum" and "adam" from ``parameters`` for ``num_epochs`` epochs each.

    ``learning_rates`` overrides α per optimizer (a negative control: Adam with a rate that does
    nothing must not win). Returns the epoch costs of :func:`train_with_optimizer`.
    """
    rates = {name: learning_rate for name in OPTIMIZER_NAMES}
    rates.update(learning_rates or {})
    costs = {}
    for name in OPTIMIZER_NAMES:
        _params, costs[name] = train_with_optimizer(
            X, Y, parameters, name, mini_batch_size, num_epochs, rates[name], seed=seed
        )
    return OptimizerRuns(costs, rates)


def optimizers_figure(runs: OptimizerRuns, title: str = ""):  # -> matplotlib.figure.Figure
    """The three cost curves against the epoch (same start, same mini-batches)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.2, 4.6), layout="constrained")
    ax = fig.add_subplot()
    labels = {"gd": "mini-batch gradient descent", "momentum": "momentum (β = 0.9)", "adam": "Adam"}
    for name, costs in runs.costs.items():
        ax.plot(np.arange(1, len(costs) + 1), costs, label=f"{labels[name]}, α = {runs.learning_rates[name]:g}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training cost J (mean over the epoch's mini-batches)")
    ax.set_title(title or "CLAIM-OPTIMIZERS: make_moons, [2, 5, 2, 1] network, mini-batches of 64")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


def run_claim(output_dir: Path, num_epochs: int = NUM_EPOCHS) -> tuple[OptimizerRuns, Path]:
    """Run the claim at its settings, print the numbers, write ``claim_optimizers.png``."""
    from .figures import save

    X, Y = moons()
    runs = compare_optimizers(X, Y, initial_parameters(), num_epochs)
    finals = ", ".join(f"{name} {runs.final(name):.4f}" for name in OPTIMIZER_NAMES)
    print(
        f"CLAIM-OPTIMIZERS: make_moons (m = {M}, noise {NOISE}, seed {DATA_SEED}), {num_epochs} epochs, "
        f"α = {LEARNING_RATE:g}, mini-batches of {MINI_BATCH_SIZE}: final cost {finals}"
    )
    return runs, save(optimizers_figure(runs), Path(output_dir) / "claim_optimizers.png")
