"""The errata of the notes: each line as written, evaluated, beside its correction, against PyTorch.

Catalogue IDs: ERR-DWL, ERR-DZ-CHAIN, ERR-DB-INDEX, ERR-ONE-OVER-N, ERR-RAND-UNIFORM, ERR-OUTPUT-INIT,
ERR-SUM-A, ERR-ROW-LAYOUT.

``scratch_nn`` stays the correct implementation; the lines as the notes wrote them live only here,
as NumPy expressions in the notes' names. :func:`demonstrate` evaluates both on a drawn case and
compares each with what PyTorch computes for the quantity the line means to compute, through the
same comparison and derived tolerances as the registry (``compare`` / ``tolerance``). An erratum is
*shown* when every as-written variant fails (a shape error, a TypeError, or a disagreement beyond
tolerance) and every corrected line passes. ``nn-verify --errata`` prints :data:`ERRATA` as a table
with the outcome of each demonstration; ``nn-verify`` has one row per erratum and dtype (a
:class:`torch_reference.registry.Check`: each seed one demonstration; its max errors and worst/tol are
the corrected lines' against PyTorch, and it passes when the erratum is shown on every seed).

The inputs of each line (dZ[L], A[L-1], W[L], ...) are taken from PyTorch's float64 forward and
backward of a registry-style network (``model.draw_model``: non-square layers, non-zero biases, away
from kinks), rounded once to the case dtype; PyTorch's value is computed from the same rounded inputs.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch

from .activations import torch_activation, torch_activation_backward
from .compare import Comparison, compare
from .device import DTYPES
from .layers import torch_linear, torch_linear_backward, torch_linear_forward
from .layout import from_rows, to_rows
from .model import draw_model, reference_pass
from .registry import Check, register_check
from .tolerance import activation_backward_bound, activation_bound, linear_backward_bounds, linear_bound, update_bound


@dataclass(frozen=True)
class Outcome:
    """One line evaluated and compared with PyTorch."""

    line: str
    agrees: bool
    detail: str
    #: the comparison with PyTorch's value (None when the line raised)
    comparison: Comparison | None = None


@dataclass(frozen=True)
class Demonstration:
    as_written: list[Outcome]  # every one must disagree with PyTorch
    corrected: list[Outcome]  # every one must agree

    @property
    def shown(self) -> bool:
        return not any(o.agrees for o in self.as_written) and all(o.agrees for o in self.corrected)

    def summary(self) -> str:
        bad = "; ".join(f"{o.detail}" for o in self.as_written)
        good = "passes" if all(o.agrees for o in self.corrected) else "FAILS"
        return f"as written: {bad} | corrected: {good}"


@dataclass(frozen=True)
class Erratum:
    id: str
    source: str  # the seed notes and line
    as_written: str
    correct: str
    what_goes_wrong: str
    demonstrate: Callable[[np.random.Generator, str], Demonstration]
    #: what the lines are compared with (the row's oracle in nn-verify)
    oracle: str = "PyTorch"


def evaluate(line: str, fn: Callable[[], object], expected: np.ndarray, bound, dtype: str) -> Outcome:
    """Evaluate ``fn()`` (a line of the notes) and compare it with PyTorch's ``expected`` (float64)."""
    try:
        with np.errstate(all="raise"):
            actual = fn()
    except (ValueError, TypeError, FloatingPointError) as exc:
        return Outcome(line, False, f"{type(exc).__name__}: {exc}")
    result = compare(line, actual, expected, bound, DTYPES[dtype][0])
    if result.passed:
        return Outcome(line, True, f"agrees (worst {result.fraction:.2g} of tolerance)", result)
    if result.detail.startswith(line + " has shape") or "should be" in result.detail:
        return Outcome(line, False, result.detail.replace(line, "result"), result)
    detail = f"off by up to {result.max_rel:.2g} relative ({result.fraction:.3g}x tolerance)"
    return Outcome(line, False, detail, result)


def _network(rng: np.random.Generator, dims: tuple, acts: tuple, m: int, dtype: str) -> dict[str, np.ndarray]:
    """Every Z, A, dZ, dA, dW, db of a drawn network from PyTorch in float64, rounded to ``dtype``,
    with the parameters, X and Y."""
    np_dtype = DTYPES[dtype][0]
    case = draw_model(rng, (dims, acts, m), np.float64)
    ref = reference_pass(case["parameters"], case["X"], case["Y"], list(acts), "cpu", torch.float64)
    out = {k: np.asarray(v).astype(np_dtype) for k, v in ref.items()}
    out.update({k: v.astype(np_dtype) for k, v in case["parameters"].items()})
    out["Y"] = case["Y"].astype(np_dtype)
    return out


def _sigmoid(Z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-Z))


def _sigmoid_prime(Z: np.ndarray) -> np.ndarray:
    s = _sigmoid(Z)
    return s * (1 - s)


def _tanh_prime(Z: np.ndarray) -> np.ndarray:
    return 1 - np.tanh(Z) ** 2


# ----------------------------------------------------------------------- the demonstrations
def _dwl(rng: np.random.Generator, dtype: str) -> Demonstration:
    torch_dtype = DTYPES[dtype][1]
    as_written, corrected = [], []
    # n[L] = 1 below n[L-1] = 3 (a shape error); then n[L] = n[L-1] = 2 (the shape fits, the values do not)
    for dims, acts in (((4, 5, 3, 1), ("tanh", "relu", "sigmoid")), ((4, 3, 2, 2), ("elu", "tanh", "softmax"))):
        L, m = len(acts), 6
        net = _network(rng, dims, acts, m, dtype)
        dZ, A_prev, AL, W, b = net[f"dZ{L}"], net[f"A{L - 1}"], net[f"A{L}"], net[f"W{L}"], net[f"b{L}"]
        expected = torch_linear_backward(A_prev, W, b, dZ, "cpu", torch_dtype)["dW"]
        bound = linear_backward_bounds(dZ, A_prev, W)["dW"]
        shapes = f"  (n[L] = {dims[-1]}, n[L-1] = {dims[-2]})"
        written = lambda dZ=dZ, AL=AL, m=m: (1 / m) * (dZ @ AL.T)  # noqa: E731
        correct = lambda dZ=dZ, A=A_prev, m=m: (1 / m) * (dZ @ A.T)  # noqa: E731
        as_written.append(evaluate("(1/m) dZ[L] A[L]^T" + shapes, written, expected, bound, dtype))
        corrected.append(evaluate("(1/m) dZ[L] A[L-1]^T" + shapes, correct, expected, bound, dtype))
    return Demonstration(as_written, corrected)


def _dz_chain(rng: np.random.Generator, dtype: str) -> Demonstration:
    torch_dtype = DTYPES[dtype][1]
    net = _network(rng, (4, 5, 3, 1), ("relu", "tanh", "sigmoid"), 7, dtype)  # L = 3, g[2] = tanh, g[3] = sigmoid
    dZ, W, b, A_prev, Z_prev = net["dZ3"], net["W3"], net["b3"], net["A2"], net["Z2"]
    grads = torch_linear_backward(A_prev, W, b, dZ, "cpu", torch_dtype)
    dW = grads["dW"].astype(dZ.dtype)
    dA_prev = grads["dA_prev"].astype(dZ.dtype)
    _A, expected = torch_activation_backward("tanh", Z_prev, dA_prev, "cpu", torch_dtype)
    B_dA = linear_backward_bounds(dZ, A_prev, W)["dA_prev"]
    bound = activation_backward_bound("tanh", Z_prev, dA_prev, B_dA)
    lines = {
        "dW[L]^T dZ[L] * g'[L](Z[L-1])": lambda: dW.T @ dZ * _sigmoid_prime(Z_prev),
        "W[L]^T dZ[L] * g'[L](Z[L-1])  (only dW fixed)": lambda: W.T @ dZ * _sigmoid_prime(Z_prev),
        "dW[L]^T dZ[L] * g'[L-1](Z[L-1])  (only g' fixed)": lambda: dW.T @ dZ * _tanh_prime(Z_prev),
    }
    as_written = [evaluate(line, fn, expected, bound, dtype) for line, fn in lines.items()]
    corrected = [
        evaluate("W[L]^T dZ[L] * g'[L-1](Z[L-1])", lambda: W.T @ dZ * _tanh_prime(Z_prev), expected, bound, dtype)
    ]
    return Demonstration(as_written, corrected)


def _sgd_step(P: np.ndarray, dP: np.ndarray, alpha: float, dtype: str) -> np.ndarray:
    t = torch.tensor(P, dtype=DTYPES[dtype][1], requires_grad=True)
    t.grad = torch.tensor(dP, dtype=DTYPES[dtype][1])
    torch.optim.SGD([t], lr=alpha).step()
    return t.detach().double().numpy()


def _db_index(rng: np.random.Generator, dtype: str) -> Demonstration:
    alpha, as_written, corrected = 0.5, [], []
    # the notes' network has n[2] = 1: b[1] (n[1], 1) - α db[2] (1, 1) broadcasts and runs silently;
    # with n[2] = 2 it is a shape error
    for dims, acts in (((3, 4, 1), ("tanh", "sigmoid")), ((3, 4, 2), ("tanh", "softmax"))):
        net = _network(rng, dims, acts, 6, dtype)
        b1, db1, db2 = net["b1"], net["db1"], net["db2"]
        expected, bound = _sgd_step(b1, db1, alpha, dtype), update_bound(b1, db1, alpha)
        label = f"b[1] - α db[2]  (n[2] = {dims[-1]})"
        as_written.append(evaluate(label, lambda b1=b1, db2=db2: b1 - alpha * db2, expected, bound, dtype))
        corrected.append(evaluate("b[1] - α db[1]", lambda b1=b1, db1=db1: b1 - alpha * db1, expected, bound, dtype))
    return Demonstration(as_written, corrected)


def _one_over_n(rng: np.random.Generator, dtype: str) -> Demonstration:
    torch_dtype = DTYPES[dtype][1]
    net = _network(rng, (5, 4, 3, 1), ("tanh", "relu", "sigmoid"), 9, dtype)  # n = n[0] = 5 features, m = 9
    dZ, X, W, b = net["dZ1"], net["A0"], net["W1"], net["b1"]
    n, m = X.shape
    expected = torch_linear_backward(X, W, b, dZ, "cpu", torch_dtype)
    bounds = linear_backward_bounds(dZ, X, W)
    return Demonstration(
        [
            evaluate("(1/n) dZ[1] X^T", lambda: (1 / n) * (dZ @ X.T), expected["dW"], bounds["dW"], dtype),
            evaluate(
                "(1/n) sum(dZ[1])",
                lambda: (1 / n) * np.sum(dZ, axis=1, keepdims=True),
                expected["db"],
                bounds["db"],
                dtype,
            ),
        ],
        [
            evaluate("(1/m) dZ[1] X^T", lambda: (1 / m) * (dZ @ X.T), expected["dW"], bounds["dW"], dtype),
            evaluate(
                "(1/m) sum(dZ[1])",
                lambda: (1 / m) * np.sum(dZ, axis=1, keepdims=True),
                expected["db"],
                bounds["db"],
                dtype,
            ),
        ],
    )


#: a sample mean further than this many standard errors from PyTorch's mean 0 is a different
#: distribution (a false alarm has probability 6e-7 for a normal sample)
STANDARD_ERRORS = 5.0


def _distribution_outcome(line: str, W: np.ndarray, std: float) -> Outcome:
    """Is ``W`` a sample of PyTorch's ``nn.init.normal_(0, std)``? Its mean within 5 standard errors of
    0 and its standard deviation within 5 standard errors of ``std``."""
    N = W.size
    z_mean = abs(float(W.mean())) / (std / np.sqrt(N))
    z_std = abs(float(W.std()) - std) / (std / np.sqrt(2 * N))
    detail = f"mean {W.mean():.2e} ({z_mean:.0f} standard errors from 0), {int((W < 0).sum())} of {N} negative"
    agrees = z_mean <= STANDARD_ERRORS and z_std <= STANDARD_ERRORS
    fraction = max(z_mean, z_std) / STANDARD_ERRORS  # <= 1: within the test's standard errors
    return Outcome(line, agrees, detail, Comparison(line, agrees, abs(float(W.mean())), fraction=fraction))


def _rand_uniform(rng: np.random.Generator, dtype: str) -> Demonstration:
    np_dtype = DTYPES[dtype][0]
    shape = (100, 100)
    try:  # the literal line; it raises before drawing anything, so no global state is used
        np.random.rand((2, 2)) * 0.01
        literal = Outcome("np.random.rand((2, 2)) * 0.01", True, "ran")
    except TypeError as exc:
        literal = Outcome("np.random.rand((2, 2)) * 0.01", False, f"TypeError: {exc}")
    uniform = rng.random(shape).astype(np_dtype) * np_dtype(0.01)  # rand(100, 100) * 0.01, from the Generator
    normal = rng.standard_normal(shape).astype(np_dtype) * np_dtype(0.01)
    reference = torch.empty(shape, dtype=DTYPES[dtype][1])
    torch.nn.init.normal_(reference, 0.0, 0.01, generator=torch.Generator().manual_seed(int(rng.integers(2**31))))
    return Demonstration(
        [literal, _distribution_outcome("rand(n, m) * 0.01  (the tuple unpacked)", uniform, 0.01)],
        [
            _distribution_outcome("randn(n, m) * 0.01", normal, 0.01),
            _distribution_outcome("PyTorch's normal_(0, 0.01), same test", reference.double().numpy(), 0.01),
        ],
    )


def _output_init(rng: np.random.Generator, dtype: str) -> Demonstration:
    np_dtype, torch_dtype = DTYPES[dtype]
    m = 5
    X = rng.standard_normal((2, m)).astype(np_dtype)
    W1 = (rng.standard_normal((2, 2)) * 0.01).astype(np_dtype)
    b1 = np.zeros((2, 1), dtype=np_dtype)
    W2_notes = rng.standard_normal((2, 2)).astype(np_dtype)  # as written: randn(2, 2), unscaled
    W2 = (rng.standard_normal((1, 2)) * 0.01).astype(np_dtype)  # corrected: (n[2], n[1]) = (1, 2), * 0.01
    b2 = np.zeros((1, 1), dtype=np_dtype)
    with torch.no_grad():  # PyTorch's network with one output unit: nn.Linear(2, 2), tanh, nn.Linear(2, 1), sigmoid
        A1t = torch_activation("tanh")(torch_linear(W1, b1, "cpu", torch_dtype)(to_rows(X, "cpu", torch_dtype)))
        A2t = torch_activation("sigmoid")(torch_linear(W2, b2, "cpu", torch_dtype)(A1t))
    A1, A2 = from_rows(A1t), from_rows(A2t)
    B_A1 = activation_bound("tanh", W1 @ X + b1, A1, linear_bound(W1, X, b1))
    B_A2 = activation_bound("sigmoid", W2 @ A1 + b2, A2, linear_bound(W2, A1, b2, B_A1))

    def forward(W2_: np.ndarray, b2_) -> np.ndarray:
        return _sigmoid(W2_ @ np.tanh(W1 @ X + b1) + b2_)

    return Demonstration(
        [evaluate("A[2] with W[2] = randn(2, 2), b[2] = 0", lambda: forward(W2_notes, np_dtype(0)), A2, B_A2, dtype)],
        [evaluate("A[2] with W[2] = randn(1, 2) * 0.01", lambda: forward(W2, b2), A2, B_A2, dtype)],
    )


def _sum_a(rng: np.random.Generator, dtype: str) -> Demonstration:
    torch_dtype = DTYPES[dtype][1]
    net = _network(rng, (3, 4, 1), ("sigmoid", "sigmoid"), 6, dtype)  # the notes' x (3), 4 hidden units, 1 output
    A1, W2, b2 = net["A1"], net["W2"], net["b2"]
    with torch.no_grad():
        A2 = from_rows(
            torch_activation("sigmoid")(torch_linear(W2, b2, "cpu", torch_dtype)(to_rows(A1, "cpu", torch_dtype)))
        )
    bound = activation_bound("sigmoid", W2 @ A1 + b2, A2, linear_bound(W2, A1, b2))
    return Demonstration(
        [evaluate("a1[2] = sum_i a_i[1]", lambda: np.sum(A1, axis=0, keepdims=True), A2, bound, dtype)],
        [evaluate("a1[2] = σ(W[2] a[1] + b[2])", lambda: _sigmoid(W2 @ A1 + b2), A2, bound, dtype)],
    )


def _row_layout(rng: np.random.Generator, dtype: str) -> Demonstration:
    np_dtype, torch_dtype = DTYPES[dtype]
    n_x, n_h = 4, 3
    W1 = rng.standard_normal((n_h, n_x)).astype(np_dtype)  # W1 [n_h, n_x]
    b1_row = rng.standard_normal((1, n_h)).astype(np_dtype)  # b1 [1, n_h]
    as_written, corrected = [], []
    for m in (5, n_h):  # m != n_h: a broadcasting error; m == n_h: runs, adds b1[j] to column j
        X = rng.standard_normal((n_x, m)).astype(np_dtype)  # examples in columns
        expected = torch_linear_forward(X, W1, b1_row.T, "cpu", torch_dtype)
        bound = linear_bound(W1, X, b1_row.T)
        label = f"W1 X + b1[1, n_h]  (m = {m})"
        as_written.append(evaluate(label, lambda X=X: W1 @ X + b1_row, expected, bound, dtype))
        corrected.append(evaluate("W1 X + b1[n_h, 1]", lambda X=X: W1 @ X + b1_row.T, expected, bound, dtype))
        corrected.append(
            evaluate("(X^T W1^T + b1[1, n_h])^T", lambda X=X: (X.T @ W1.T + b1_row).T, expected, bound, dtype)
        )
    return Demonstration(as_written, corrected)


ERRATA: list[Erratum] = [
    Erratum(
        "ERR-DWL",
        "seeds/004, line 140 (backprop summary)",
        "dW[L] = (1/m) dZ[L] A[L]^T",
        "dW[L] = (1/m) dZ[L] A[L-1]^T",
        "(n[L], n[L]) instead of W[L]'s (n[L], n[L-1]): a shape error, or wrong values when n[L] = n[L-1]",
        _dwl,
    ),
    Erratum(
        "ERR-DZ-CHAIN",
        "seeds/004, line 140 (backprop summary)",
        "dZ[L-1] = dW[L]^T dZ[L] g'[L](Z[L-1])",
        "dZ[L-1] = W[L]^T dZ[L] * g'[L-1](Z[L-1])",
        "the weights' gradient instead of the weights, and the output layer's g' on the layer below",
        _dz_chain,
    ),
    Erratum(
        "ERR-DB-INDEX",
        "seeds/000, line 131 (gradient descent)",
        "b[1] := b[1] - α db[2]",
        "b[1] := b[1] - α db[1]",
        "with n[2] = 1 NumPy broadcasts db[2] over b[1] and trains silently wrong; else a shape error",
        _db_index,
    ),
    Erratum(
        "ERR-ONE-OVER-N",
        "seeds/002, lines 228-237 (vectorized backprop)",
        "dW = (1/n) dZ A^T, db = (1/n) sum dZ, n the feature count",
        "1/m, m the number of examples",
        "every gradient scaled by m/n: a different learning rate per data set, and wrong against autograd",
        _one_over_n,
    ),
    Erratum(
        "ERR-RAND-UNIFORM",
        "seeds/002, lines 257-261 (also seeds/001, line 507)",
        "W = np.random.rand((2, 2)) * 0.01",
        "W = np.random.randn(2, 2) * 0.01 (zero-mean normal)",
        "rand with a tuple is a TypeError; rand(2, 2) is uniform on [0, 0.01): all positive, mean 0.005",
        _rand_uniform,
        oracle="sample statistics",
    ),
    Erratum(
        "ERR-OUTPUT-INIT",
        "seeds/000, line 224 (random initialization)",
        "W[2] = np.random.randn(2, 2) for a 1-unit output",
        "W[2] = np.random.randn(1, 2) * 0.01",
        "two outputs where there is one (A[2] is (2, m), Y is (1, m)), and weights 100x too large",
        _output_init,
    ),
    Erratum(
        "ERR-SUM-A",
        "seeds/003, line 165 (representation)",
        "a1[2] = sum_i a_i[1]",
        "a1[2] = σ(W[2] a[1] + b[2])",
        "no weights, no bias, no activation: not the network's output (and not a probability, it exceeds 1)",
        _sum_a,
    ),
    Erratum(
        "ERR-ROW-LAYOUT",
        "seeds/004, lines 199 and 225 (weight matrix; line 169: [n, 1] or [1, n])",
        "W1 [n_h, n_x] with b1 [1, n_h]",
        "b1 [n_h, 1] with W1 [n_h, n_x]; or X^T W1^T + b1 [1, n_h] (rows); one is the other's transpose",
        "the column layout's W with the row layout's b: a broadcast error, or b1[j] added to example j if m = n_h",
        _row_layout,
    ),
]


def demonstrate(erratum: Erratum | str, dtype: str = "float64", seed: int = 0) -> Demonstration:
    """Evaluate the erratum's lines (as written and corrected) on a case drawn from ``seed``."""
    if isinstance(erratum, str):
        erratum = next(e for e in ERRATA if e.id == erratum)
    return erratum.demonstrate(np.random.default_rng(seed), dtype)


def comparisons(demo: Demonstration) -> list[Comparison]:
    """The demonstration as a row's comparisons: each as-written line passes by *disagreeing* (its errors,
    large by design, are left out of the row's numbers), each corrected line by agreeing with PyTorch."""
    out = []
    for o in demo.as_written:
        detail = f"as written, {o.line}: {o.detail}, but it should disagree (the erratum is not shown)"
        out.append(Comparison(f"as written: {o.line}", not o.agrees, detail="" if not o.agrees else detail))
    for o in demo.corrected:
        name = f"corrected: {o.line}"
        base = o.comparison or Comparison(name, o.agrees)
        out.append(replace(base, name=name, passed=o.agrees, detail="" if o.agrees else f"{name}: {o.detail}"))
    return out


def erratum_check(erratum: Erratum) -> Check:
    """The erratum as a catalogue check: one demonstration per seed (:func:`demonstrate`)."""
    return Check(
        erratum.id,
        f"as written {erratum.as_written}: fails; corrected {erratum.correct}: passes",
        lambda dtype, seed: comparisons(demonstrate(erratum, dtype, seed)),
        oracle_kind=erratum.oracle,
    )


def errata_table(markdown: bool = False, dtype: str = "float64", seed: int = 0) -> tuple[str, bool]:
    """The errata as a table (ID, as written, correct, what goes wrong, shown), and whether every
    erratum was shown (as written fails, corrected passes) on this run."""
    columns = ["ID", "as written", "correct", "what goes wrong", "shown"]
    rows, all_shown = [], True
    for e in ERRATA:
        demo = demonstrate(e, dtype, seed)
        all_shown &= demo.shown
        verdict = "yes" if demo.shown else "NO: " + demo.summary()
        rows.append([e.id, e.as_written, e.correct, e.what_goes_wrong, verdict])
    if markdown:
        lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        return "\n".join(lines), all_shown
    widths = [16, 30, 34, 44, 6]  # a plain-text table, each cell wrapped to its column
    cells = [[textwrap.wrap(c, w) or [""] for c, w in zip(row, widths, strict=True)] for row in [columns, *rows]]
    lines = []
    for i, row in enumerate(cells):
        for k in range(max(len(c) for c in row)):
            parts = [(c[k] if k < len(c) else "").ljust(w) for c, w in zip(row, widths, strict=True)]
            lines.append("  ".join(parts).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines), all_shown


for _erratum in ERRATA:
    register_check(erratum_check(_erratum))
