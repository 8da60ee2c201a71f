"""Initializers: the distribution of every W[l] against its formula and against PyTorch.

Catalogue IDs: INIT-ZERO, INIT-SMALL, INIT-XAVIER, INIT-HE. The registry entries
(torch_reference/initializers.py) replay the generator and check the standard deviation
each weight was drawn with, exactly; here the *samples* are tested:

* against the formula N(0, std²), std from W[l]'s shape ``(n[l], n[l-1])`` (fan_in =
  n[l-1] = ``W.shape[1]``, fan_out = n[l] = ``W.shape[0]``): the sample mean (z-test),
  the sample variance (χ² test, the mean being known to be 0) and the whole
  distribution (Kolmogorov-Smirnov against the normal with that std);
* against PyTorch: ``nn.init.xavier_normal_`` / ``kaiming_normal_`` (mode fan_in, relu)
  / ``normal_(0, 0.01)`` on an ``(out, in)`` tensor of the same shape, two-sample
  (Kolmogorov-Smirnov, and an F-test of the two variances).

Every test uses a fixed seed and rejects at ``ALPHA = 1e-3``. The layers are non-square
(300 -> 120 -> 40): on a square layer a swapped fan-in/fan-out would go unseen, and the
negative controls show that here it does not (nor Xavier's other formula, nor the
notes' erratum ``rand`` for ``randn``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from scipy import stats

from torch_reference.initializers import TORCH_INIT

from .mutants import _init_fan_out, _init_uniform, _init_xavier_fan_in_only

ALPHA = 1e-3
#: n[0] = 300 -> n[1] = 120 -> n[2] = 40: W1 (120, 300), 36 000 samples; W2 (40, 120), 4 800
LAYER_DIMS = [300, 120, 40]
METHODS = ("small", "xavier", "he")
SEED = 7

Initializer = Callable[..., dict[str, np.ndarray]]


def _initializer(impl) -> Initializer:
    if not callable(getattr(impl, "initialize_parameters", None)):
        pytest.skip("the implementation has no initialize_parameters")
    if not getattr(impl, "init_is_replayable", True):
        pytest.skip("the implementation seeds its own generator")
    return impl.initialize_parameters


def formula_std(method: str, W: np.ndarray) -> float:
    """The std of the catalogue, from W[l]'s own shape (n[l], n[l-1])."""
    n_out, n_in = W.shape
    return {"small": 0.01, "xavier": np.sqrt(2 / (n_in + n_out)), "he": np.sqrt(2 / n_in)}[method]


def formula_pvalues(W: np.ndarray, std: float) -> dict[str, float]:
    """Mean (z), variance (χ²(N) of Σw²/std², mean known) and KS against N(0, std²)."""
    w, N = np.asarray(W, np.float64).ravel(), W.size
    z = w.mean() / (std / np.sqrt(N))
    chi2 = np.sum(w**2) / std**2
    return {
        "mean": float(2 * stats.norm.sf(abs(z))),
        "variance": float(2 * min(stats.chi2.cdf(chi2, N), stats.chi2.sf(chi2, N))),
        "KS": float(stats.kstest(w, "norm", args=(0.0, std)).pvalue),
    }


def torch_sample(method: str, shape: tuple[int, int], seed: int) -> np.ndarray:
    """PyTorch's initializer on an ``nn.Linear.weight``-shaped (out, in) tensor."""
    torch.manual_seed(seed)
    W = torch.empty(shape, dtype=torch.float64)
    TORCH_INIT[method](W)
    return W.numpy()


def two_sample_pvalues(ours: np.ndarray, theirs: np.ndarray) -> dict[str, float]:
    """KS two-sample, and the F-test of Σa²/N_a against Σb²/N_b (both means 0)."""
    a, b = np.asarray(ours, np.float64).ravel(), np.asarray(theirs, np.float64).ravel()
    F = (np.sum(a**2) / a.size) / (np.sum(b**2) / b.size)
    p_F = 2 * min(stats.f.cdf(F, a.size, b.size), stats.f.sf(F, a.size, b.size))
    return {"KS two-sample": float(stats.ks_2samp(a, b).pvalue), "F (variances)": float(p_F)}


def all_pvalues(init: Initializer, method: str, seed: int, dtype: type = np.float64) -> dict[str, float]:
    """Every p-value of every weight matrix of LAYER_DIMS, named."""
    params = init(LAYER_DIMS, method, np.random.default_rng(seed), dtype=dtype)
    out = {}
    for l in range(1, len(LAYER_DIMS)):
        W = params[f"W{l}"]
        for name, p in formula_pvalues(W, formula_std(method, W)).items():
            out[f"W{l} {name}"] = p
        for name, p in two_sample_pvalues(W, torch_sample(method, W.shape, seed + l)).items():
            out[f"W{l} vs torch {name}"] = p
    return out


@pytest.mark.parametrize("method", METHODS)
def test_weights_follow_the_formula_and_pytorch(method, np_dtype, impl):
    """INIT-SMALL, INIT-XAVIER, INIT-HE: every test passes at ALPHA, in float32 and float64."""
    pvalues = all_pvalues(_initializer(impl), method, SEED, np_dtype)
    failed = {k: f"{p:.2g}" for k, p in pvalues.items() if p <= ALPHA}
    assert not failed, f"{method}: rejected {failed}"


#: (method, what is wrong, wrong initializer): each must be rejected by some test
NEGATIVE_CONTROLS = [
    ("he", "fan_out instead of fan_in: sqrt(2 / n[l])", _init_fan_out),
    ("xavier", "sqrt(1 / n_in), the other 'Xavier'", _init_xavier_fan_in_only),
    ("small", "rand * 0.01 (uniform, ERR-RAND-UNIFORM)", _init_uniform),
]


@pytest.mark.parametrize(("method", "what", "init"), NEGATIVE_CONTROLS, ids=[c[1] for c in NEGATIVE_CONTROLS])
def test_negative_control_is_rejected(method, what, init):
    """The same tests, same seed, reject a wrong initializer, against the formula *and* against PyTorch."""
    pvalues = all_pvalues(init, method, SEED)
    assert min(p for k, p in pvalues.items() if "torch" not in k) <= ALPHA, f"the formula tests missed '{what}'"
    assert min(p for k, p in pvalues.items() if "torch" in k) <= ALPHA, f"the PyTorch tests missed '{what}'"


def test_a_swapped_fan_hides_on_square_layers():
    """Why the layers are non-square: on a 120 x 120 layer He's fan_out *is* its fan_in."""
    params = _init_fan_out([120, 120], "he", np.random.default_rng(SEED))
    assert min(formula_pvalues(params["W1"], np.sqrt(2 / 120)).values()) > ALPHA


def test_biases_start_at_zero_and_a_seed_reproduces(impl, np_dtype):
    """b[l] = 0 for every method; the same seed gives the same W, another seed another W."""
    init = _initializer(impl)
    for method in ("zeros", *METHODS):
        a = init([6, 5, 3], method, np.random.default_rng(1), dtype=np_dtype)
        b = init([6, 5, 3], method, np.random.default_rng(1), dtype=np_dtype)
        c = init([6, 5, 3], method, np.random.default_rng(2), dtype=np_dtype)
        for key in a:
            assert a[key].dtype == np_dtype
            np.testing.assert_array_equal(a[key], b[key])
        assert not a["b1"].any() and not a["b2"].any()
        if method == "zeros":
            assert not a["W1"].any() and not a["W2"].any()
        else:
            assert not np.array_equal(a["W1"], c["W1"])


@pytest.mark.slow
def test_false_positive_rate_over_seeds(impl):
    """Over 100 other seeds, the correct initializers' rejections stay rare: 3 methods x 10
    p-values x 100 seeds = 3000 tests at ALPHA (1e-3), about 3 expected; more than 10 has
    probability ~3e-4 (if they were independent)."""
    init = _initializer(impl)
    rejected = [
        (method, seed, key)
        for method in METHODS
        for seed in range(100, 200)
        for key, p in all_pvalues(init, method, seed).items()
        if p <= ALPHA
    ]
    assert len(rejected) <= 10, rejected
