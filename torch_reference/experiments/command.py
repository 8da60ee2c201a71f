"""``python -m torch_reference.experiments digits|claims``: run the assignment and the claims, print
the numbers, draw the figures.

Catalogue IDs: CLAIM-MNIST (``digits``), CLAIM-SYMMETRY, CLAIM-LINEAR, CLAIM-SATURATION, CLAIM-DEPTH,
CLAIM-LR-CONVEX, CLAIM-OPTIMIZERS (``claims``).

``main(argv)`` returns the exit status (0: done and, for ``digits``, the best run reached the
assignment's test accuracy of at least 0.93 and the PyTorch curve agreed within its bound).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import claims, digits, figures, optimizer_claim

#: the digits assignment's accuracy target on the held-out split
TARGET_TEST_ACCURACY = 0.93


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m torch_reference.experiments",
        description="The notes' claims and the digits assignment, run.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser(
        "digits",
        help="CLAIM-MNIST: 64-25-10 network on sklearn's 8x8 digits, learning-rate sweep, PNG of cost vs iteration",
    )
    d.add_argument("--output", default="lr_sweep.png", metavar="PNG", help="figure path (default lr_sweep.png)")
    d.add_argument(
        "--learning-rates",
        type=float,
        nargs="+",
        default=list(digits.LEARNING_RATES),
        metavar="ALPHA",
        help=f"learning rates to sweep (default {' '.join(f'{a:g}' for a in digits.LEARNING_RATES)})",
    )
    d.add_argument("--iterations", type=int, default=digits.NUM_ITERATIONS, help="GD iterations per rate")
    d.add_argument("--hidden", choices=["sigmoid", "relu", "tanh"], default=digits.HIDDEN, help="hidden activation")
    d.add_argument("--seed", type=int, default=digits.INIT_SEED, help="seed of the weight initialization")
    d.add_argument("--split-seed", type=int, default=digits.SPLIT_SEED, help="seed of the train/test split")
    d.add_argument(
        "--no-torch", action="store_true", help="skip the PyTorch run (NumPy vs PyTorch cost curve of the best rate)"
    )
    d.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="device of the PyTorch run")
    c = sub.add_parser("claims", help="the claims' experiments: numbers on stdout, one PNG per claim")
    c.add_argument("--output-dir", default="claims_figures", metavar="DIR", help="folder for the PNGs")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: ``main(["digits", "--output", "lr_sweep.png"])`` or ``main(["claims", ...])``
    (``sys.argv[1:]`` when None). Returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "digits":
        return run_digits(args)
    return run_claims(Path(args.output_dir))


def digits_main(argv: Sequence[str] | None = None) -> int:
    """``main`` with the ``digits`` subcommand implied: ``digits_main(["--output", "lr_sweep.png"])``, for a
    caller that has already consumed the word ``digits`` (e.g. ``nn-verify digits ...``)."""
    return main(["digits", *(sys.argv[1:] if argv is None else argv)])


# ----------------------------------------------------------------------- digits
def run_digits(args: argparse.Namespace) -> int:
    if args.iterations < 1 or any(not (a > 0) for a in args.learning_rates):
        print("experiments digits: --iterations must be >= 1 and every learning rate > 0", file=sys.stderr)
        return 2
    start = time.perf_counter()
    data = digits.load_digits_split(np.random.default_rng(args.split_seed))
    parameters = digits.initial_parameters(args.seed)
    print(
        f"digits: sklearn's 8x8 digits (the assignment's 20x20 MNIST subset is not available offline); "
        f"train {data.y_train.size} / test {data.y_test.size} (split seed {args.split_seed})"
    )
    print(
        f"network 64-25-10, {args.hidden} hidden layer, softmax output; W = 0.01·randn (default_rng({args.seed})), "
        f"b = 0; batch gradient descent, {args.iterations} iterations, float64"
    )
    runs = digits.learning_rate_sweep(data, parameters, args.learning_rates, args.iterations, args.hidden)
    print(f"\n{'learning rate':>13}  {'final cost':>10}  {'train acc':>9}  {'test acc':>8}")
    for run in runs:
        cost, train_acc, test_acc = run.costs[-1], run.train_accuracy, run.test_accuracy
        print(f"{run.learning_rate:>13g}  {cost:>10.4f}  {train_acc:>9.4f}  {test_acc:>8.4f}")
    best = digits.best_run(runs)
    print(
        f"\nbest learning rate (lowest final training cost): {best.learning_rate:g}; "
        f"test accuracy {best.test_accuracy:.4f} (train {best.train_accuracy:.4f})"
    )
    status = 0 if best.test_accuracy >= TARGET_TEST_ACCURACY else 1
    if status:
        print(f"below the target test accuracy {TARGET_TEST_ACCURACY}", file=sys.stderr)

    title = (
        f"Digits, 64-25-10 network ({args.hidden}/softmax), batch gradient descent\n"
        f"sklearn 8x8 digits: {data.y_train.size} train / {data.y_test.size} test images"
    )
    path = figures.save(figures.learning_rate_figure(runs, title), args.output)
    print(f"figure: {path}")

    if not args.no_torch:
        comparison = digits.compare_cost_curves(
            parameters,
            data.X_train,
            data.Y_train,
            best.learning_rate,
            args.iterations,
            args.hidden,
            args.device,
            numpy_costs=best.costs,
        )
        worst = int(np.argmax(comparison.differences / comparison.tolerances))
        print(
            f"PyTorch ({args.device}, float64) from the same initial parameters, α = {best.learning_rate:g}: "
            f"max |J_numpy - J_torch| = {comparison.differences.max():.2e} over {args.iterations} iterations; "
            f"worst iteration {worst}: {comparison.differences[worst]:.2e} against a bound of "
            f"{comparison.tolerances[worst]:.2e} ({comparison.worst_fraction:.2e} of it)"
        )
        if comparison.worst_fraction > 1:
            print("NumPy and PyTorch cost curves disagree beyond the trajectory bound", file=sys.stderr)
            status = 1
    print(f"({time.perf_counter() - start:.1f} s)")
    return status


# ----------------------------------------------------------------------- claims
def run_claims(output_dir: Path) -> int:
    """Run each claim's experiment at the tests' settings, print the numbers, write one PNG per claim."""
    from scratch_nn import initialize_parameters, model_forward
    from scratch_nn.parity import counting_parity_network, deep_parity_network, hidden_units, shallow_parity_network
    from scratch_nn.training import train

    written = []

    # CLAIM-SYMMETRY
    X, Y = claims.xor_cloud(np.random.default_rng(0))
    acts = ["sigmoid", "sigmoid"]
    zero = initialize_parameters([2, 4, 1], "zeros")
    rand = initialize_parameters([2, 4, 1], "small", np.random.default_rng(3), scale=0.5)
    zero_path, zero_costs = claims.gd_path(X, Y, zero, 2.0, 300, acts)
    rand_path, rand_costs = claims.gd_path(X, Y, rand, 2.0, 300, acts)
    spread = max(float(claims.unit_spread(t)["W1"].max()) for t in zero_path)
    print(
        f"CLAIM-SYMMETRY: zero init, 4 sigmoid hidden units, 300 steps: largest spread of W[1] across units "
        f"{spread:.1e} (cost {zero_costs[0]:.4f} -> {zero_costs[-1]:.4f}); random init: spread "
        f"{float(claims.unit_spread(rand_path[-1])['W1'].max()):.2f} (cost -> {rand_costs[-1]:.4f})"
    )
    written.append(
        figures.save(
            figures.symmetry_figure([t["W1"] for t in zero_path], [t["W1"] for t in rand_path]),
            output_dir / "claim_symmetry.png",
        )
    )

    # CLAIM-LINEAR
    Xx, Yx = claims.xor_table()
    mse, affine = claims.best_affine_fit(Xx, Yx)
    lin_params = initialize_parameters([2, 4, 1], "xavier", np.random.default_rng(0))
    lin, _lin_costs = train(Xx, Yx, lin_params, 0.1, 2000, activations=["linear", "linear"])
    tanh_params = initialize_parameters([2, 4, 1], "xavier", np.random.default_rng(0))
    nonlin, _ = train(Xx, Yx, tanh_params, 1.0, 2000, activations=["tanh", "sigmoid"])
    lin_out, _ = model_forward(Xx, lin, activations=["linear", "linear"])
    nonlin_out, _ = model_forward(Xx, nonlin, activations=["tanh", "sigmoid"])
    print(
        f"CLAIM-LINEAR: XOR, best affine fit mean squared error {mse:.4f}; trained identity-activation network "
        f"{float(np.mean((lin_out - Yx) ** 2)):.4f}; trained tanh network {float(np.mean((nonlin_out - Yx) ** 2)):.2e}"
    )
    fig = figures.linear_figure(affine, lin_out, nonlin_out, Yx)
    written.append(figures.save(fig, output_dir / "claim_linear.png"))

    # CLAIM-SATURATION
    case = claims.saturation_case(np.random.default_rng(0))
    slopes, curves = {}, {}
    for name in ("sigmoid", "tanh"):
        for s in (0.01, 10.0):
            p = case.parameters(s, 0.01)
            _AL, caches = model_forward(case.X, p, activations=[name, "sigmoid"])
            slopes[f"{name}, W[1] ~ {s:g}·N(0,1)"] = claims.activation_slope(name, caches[0][1])
            _learned, costs = train(case.X, case.Y, p, 0.5, 300, activations=[name, "sigmoid"])
            curves[f"{name}, W[1] x {s:g}"] = costs
    for label, values in slopes.items():
        print(f"CLAIM-SATURATION: {label}: mean g'(Z[1]) = {float(np.mean(values)):.4f}")
    written.append(figures.save(figures.saturation_figure(slopes, curves), output_dir / "claim_saturation.png"))

    # CLAIM-DEPTH
    ns = list(range(2, 11))
    counts = {
        "deep: XOR tree, ceil(log2 n) hidden layers": [hidden_units(deep_parity_network(n)) for n in ns],
        "one hidden layer, AND units (notes' enumeration): 2^(n-1)": [
            hidden_units(shallow_parity_network(n)) for n in ns
        ],
        "one hidden layer, ReLU on the bit count: n": [hidden_units(counting_parity_network(n)) for n in ns],
    }
    for label, values in counts.items():
        print(f"CLAIM-DEPTH: {label}: {values} (n = 2..10)")
    written.append(figures.save(figures.depth_figure(ns, counts), output_dir / "claim_depth.png"))

    # CLAIM-LR-CONVEX
    Xc, Yc = claims.overlapping_classes(np.random.default_rng(0))
    alpha = 1 / claims.lr_smoothness(Xc)
    theta_star = claims.scipy_logistic(Xc, Yc, np.zeros((Xc.shape[0] + 1, 1)))
    J_star = claims.lr_cost_gradient(theta_star, Xc, Yc)[0]
    starts = {
        "zeros": np.zeros((4, 1)),
        "N(0, 1)": np.random.default_rng(1).standard_normal((4, 1)),
        "N(0, 5²)": 5 * np.random.default_rng(2).standard_normal((4, 1)),
    }
    lr_curves = {}
    for label, theta0 in starts.items():
        theta, costs = claims.logistic_gd(Xc, Yc, theta0, alpha, 1500)
        lr_curves[label] = costs
        print(
            f"CLAIM-LR-CONVEX: start {label}: ‖θ_GD - θ_scipy‖ = {float(np.linalg.norm(theta - theta_star)):.1e}, "
            f"J - J* = {costs[-1] - J_star:.1e}"
        )
    written.append(figures.save(figures.convexity_figure(lr_curves, J_star), output_dir / "claim_lr_convex.png"))

    # CLAIM-OPTIMIZERS
    written.append(optimizer_claim.run_claim(output_dir)[1])

    for path in written:
        print(f"figure: {path}")
    return 0
