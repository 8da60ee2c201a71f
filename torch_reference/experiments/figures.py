"""Figures a student can look at, one per claim, drawn with matplotlib's object-oriented API
(``matplotlib.figure.Figure``: no pyplot, no global backend; PNG output through Agg).

Catalogue IDs: CLAIM-MNIST (:func:`learning_rate_figure`), CLAIM-SYMMETRY, CLAIM-LINEAR,
CLAIM-SATURATION, CLAIM-DEPTH, CLAIM-LR-CONVEX (:func:`claims_figures`).

matplotlib is imported inside the functions: importing :mod:`torch_reference.experiments` costs nothing
for a session that never draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .digits import DigitsRun


def _figure(ncols: int = 1, width: float = 6.4, height: float = 4.4) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width * ncols, height), layout="constrained")


def save(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as PNG (Agg) to ``path``, creating the folder; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=120)
    return path


def learning_rate_figure(runs: Sequence[DigitsRun], title: str) -> Figure:
    """CLAIM-MNIST: the training cost J against the iteration, one line per learning rate, with
    each run's final test accuracy in the legend; log-scaled cost axis."""
    fig = _figure(width=9.6)
    ax = fig.add_subplot()
    for run in runs:
        costs = np.asarray(run.costs, np.float64)
        label = f"α = {run.learning_rate:g}  (test accuracy {run.test_accuracy:.3f})"
        ax.plot(np.arange(costs.size), costs, label=label, linewidth=1.6)
    ax.set_yscale("log")
    ax.set_xlabel("iteration (batch gradient-descent step)")
    ax.set_ylabel("training cost J (softmax cross-entropy)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(title="learning rate α", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return fig


def symmetry_figure(zero_path: Sequence[np.ndarray], random_path: Sequence[np.ndarray], title: str = "") -> Figure:
    """CLAIM-SYMMETRY: ``W[1][i, 0]`` of every hidden unit i against the iteration, for a zero start (one
    line: the units coincide) and a random start (one line per unit)."""
    fig = _figure(2, 5.2)
    panels = zip(fig.subplots(1, 2, sharey=True), (zero_path, random_path), ("zero", "random"), strict=True)
    for ax, path, name in panels:
        W = np.array([theta[:, 0] for theta in path])  # (K + 1, n1)
        for i in range(W.shape[1]):
            ax.plot(W[:, i], label=f"unit {i + 1}", linewidth=2.5 if name == "zero" else 1.5, alpha=0.8)
        ax.set_xlabel("iteration")
        ax.set_ylabel("W[1][i, 1] (weight from x1 into hidden unit i)")
        ax.set_title(f"{name} initialization")
        ax.legend(loc="best", fontsize="small")
        ax.grid(True, alpha=0.3)
    fig.suptitle(title or "CLAIM-SYMMETRY: zero-initialized hidden units stay identical")
    return fig


def linear_figure(affine: np.ndarray, linear_net: np.ndarray, nonlinear_net: np.ndarray, Y: np.ndarray) -> Figure:
    """CLAIM-LINEAR: the four XOR outputs of the best affine map, of a trained identity-activation
    network, and of a trained tanh network, beside the targets."""
    fig = _figure()
    ax = fig.add_subplot()
    x = np.arange(Y.size)
    width = 0.2
    for k, (values, label) in enumerate(
        [
            (Y, "target XOR"),
            (affine, "best affine fit (least squares)"),
            (linear_net, "trained network, identity activations"),
            (nonlinear_net, "trained network, tanh hidden layer"),
        ]
    ):
        ax.bar(x + (k - 1.5) * width, np.ravel(values), width, label=label)
    ax.set_xticks(x, ["x = (0,0)", "(1,0)", "(0,1)", "(1,1)"])
    ax.set_xlabel("input pattern")
    ax.set_ylabel("network output ŷ")
    ax.set_title("CLAIM-LINEAR: without a non-linearity XOR is out of reach")
    ax.set_ylim(0, 1.4)
    ax.legend(loc="upper center", fontsize="small", ncol=2)
    ax.grid(True, axis="y", alpha=0.3)
    return fig


def saturation_figure(slopes: dict[str, np.ndarray], curves: dict[str, Sequence[float]]) -> Figure:
    """CLAIM-SATURATION: histograms of g'(Z[1]) for small and large initial weights, and the cost
    curves of the same networks."""
    fig = _figure(2, 5.2)
    ax1, ax2 = fig.subplots(1, 2)
    for label, values in slopes.items():
        ax1.hist(np.ravel(values), bins=np.linspace(0, 1, 51), histtype="step", linewidth=2, label=label)
    ax1.set_yscale("log")
    ax1.set_xlabel("g'(z) of hidden units at initialization")
    ax1.set_ylabel("count (unit x example)")
    ax1.set_title("slopes: large weights push g' to 0")
    ax1.legend(fontsize="small")
    for label, costs in curves.items():
        ax2.plot(costs, label=label)
    ax2.set_xlabel("iteration")
    ax2.set_ylabel("cost J (binary cross-entropy)")
    ax2.set_title("learning: same steps, same data")
    ax2.legend(fontsize="small")
    ax2.grid(True, alpha=0.3)
    fig.suptitle("CLAIM-SATURATION: sigmoid/tanh with W ~ 0.01·N(0,1) vs 10·N(0,1)")
    return fig


def depth_figure(ns: Sequence[int], counts: dict[str, Sequence[int]]) -> Figure:
    """CLAIM-DEPTH: hidden units against n for each parity construction (log scale)."""
    fig = _figure()
    ax = fig.add_subplot()
    for label, values in counts.items():
        ax.plot(ns, values, marker="o", label=label)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("n (number of input bits)")
    ax.set_ylabel("hidden units (all hidden layers)")
    ax.set_title("CLAIM-DEPTH: n-bit parity, every network exact on all 2^n inputs")
    ax.legend(fontsize="small")
    ax.grid(True, which="both", alpha=0.3)
    return fig


def convexity_figure(curves: dict[str, Sequence[float]], J_star: float) -> Figure:
    """CLAIM-LR-CONVEX: ``J - J*`` against the iteration from several starts (log scale), J* from scipy."""
    fig = _figure()
    ax = fig.add_subplot()
    for label, costs in curves.items():
        gap = np.maximum(np.asarray(costs, np.float64) - J_star, 1e-17)
        ax.plot(gap, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("J(θ) - J* (J* from scipy.optimize.minimize)")
    ax.set_title("CLAIM-LR-CONVEX: every start reaches the same minimum")
    ax.legend(title="start θ_0", fontsize="small")
    ax.grid(True, which="both", alpha=0.3)
    return fig
