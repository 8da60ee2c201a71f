"""Dropout: the statistics of the masks, PyTorch's own dropout, and planted bugs (bad input: tests/bad_inputs.py).

Catalogue IDs: DROP-MASK, DROP-FWD, DROP-BWD, DROP-EXPECT. The exact parts (the same
mask on both sides, per call, per layer, through the L-layer model; keep_prob = 1 as
the identity) are registry entries (torch_reference/dropout.py); this file holds what
does not fit an entry.

Statistical tests. Each computes a p-value from a **fixed seed** (so it never flakes)
and rejects at ``ALPHA = 1e-3``: a correct sampler fails a given test for a fraction
1e-3 of seeds. Each has a **negative control**: the same test applied to a wrong
sampler (a (n, 1) mask, a keep rate off by 0.05, no 1/keep_prob, U > keep_prob, the
same mask on every call, PyTorch's p taken as keep_prob) must reject it. The slow test
``test_false_positive_rate_over_seeds`` runs every test over many other seeds and
checks that the rejections of the correct sampler are as rare as ALPHA says.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import stats

import scratch_nn as nn_
from torch_reference.device import DTYPES
from torch_reference.tolerance import dropout_bound, tolerance

from .checks import planted_bugs_test

#: false-positive rate of every statistical test below
ALPHA = 1e-3
#: never 0.5, where keeping and dropping have the same rate (a swapped U > keep_prob would pass)
KEEP_PROBS = (0.8, 0.65)
#: the activations' shape of the mask statistics: (n[l], m), 60 000 entries
SHAPE = (200, 300)

Sampler = Callable[[np.ndarray, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]


def _impl_dropout(impl) -> Sampler:
    if not callable(getattr(impl, "dropout_forward", None)):
        pytest.skip("the implementation has no dropout_forward")
    return impl.dropout_forward


# ----------------------------------------------------------------------- wrong samplers (negative controls)
def _column_mask(A, keep_prob, rng):
    """One mask per unit, shared by all m examples: D of shape (n, 1), broadcast."""
    D = np.broadcast_to(rng.random((A.shape[0], 1)) < keep_prob, A.shape).astype(A.dtype)
    return A * D / keep_prob, D


def _row_mask(A, keep_prob, rng):
    """One mask per example, shared by all units: D of shape (1, m), broadcast."""
    D = np.broadcast_to(rng.random((1, A.shape[1])) < keep_prob, A.shape).astype(A.dtype)
    return A * D / keep_prob, D


def _rate_plus_005(A, keep_prob, rng):
    D = (rng.random(A.shape) < keep_prob + 0.05).astype(A.dtype)
    return A * D / keep_prob, D


def _u_greater(A, keep_prob, rng):
    """D = (U > keep_prob): keeps with probability 1 - keep_prob."""
    D = (rng.random(A.shape) > keep_prob).astype(A.dtype)
    return A * D / keep_prob, D


def _no_scale(A, keep_prob, rng):
    D = (rng.random(A.shape) < keep_prob).astype(A.dtype)
    return A * D, D


def _scale_by_drop_rate(A, keep_prob, rng):
    """Divides by p = 1 - keep_prob (PyTorch's p mistaken for the keep probability)."""
    D = (rng.random(A.shape) < keep_prob).astype(A.dtype)
    return A * D / (1 - keep_prob), D


def _same_mask_every_call(A, keep_prob, rng):
    """Re-seeds a generator inside: every call draws the same mask."""
    D = (np.random.default_rng(0).random(A.shape) < keep_prob).astype(A.dtype)
    return A * D / keep_prob, D


# ----------------------------------------------------------------------- the tests, as p-values
def keep_rate_pvalue(sampler: Sampler, keep_prob: float, seed: int) -> float:
    """DROP-EXPECT: the number of kept units is Binomial(size, keep_prob); two-sided exact test."""
    A = np.random.default_rng(seed + 10_000).standard_normal(SHAPE)
    _, D = sampler(A, keep_prob, np.random.default_rng(seed))
    return stats.binomtest(int(D.sum()), D.size, keep_prob).pvalue


def mean_pvalue(sampler: Sampler, keep_prob: float, seed: int, R: int = 4000) -> float:
    """DROP-EXPECT: ``E[A * D / keep_prob] = A``. A fixed (4, 5) A is dropped R times (tiled
    into one (4, 5R) call); each element's mean over the R draws has variance
    ``A²(1 - keep_prob)/(keep_prob R)``; the sum of the 20 squared z-scores is χ²(20)."""
    A = np.random.default_rng(seed + 20_000).uniform(0.5, 2.0, (4, 5)) * np.array([1, -1, 1, -1, 1])
    out, _ = sampler(np.tile(A, (1, R)), keep_prob, np.random.default_rng(seed))
    means = out.reshape(4, R, 5).mean(axis=1)
    z = (means - A) / (np.abs(A) * np.sqrt((1 - keep_prob) / (keep_prob * R)))
    return float(stats.chi2.sf(np.sum(z**2), df=A.size))


def agreement_pvalue(D: np.ndarray, E: np.ndarray, keep_prob: float) -> float:
    """Independent masks agree on an entry with probability ``kp² + (1 - kp)²``."""
    agree = int((D == E).sum())
    return stats.binomtest(agree, D.size, keep_prob**2 + (1 - keep_prob) ** 2).pvalue


def full_shape_pvalue(sampler: Sampler, keep_prob: float, seed: int) -> float:
    """DROP-MASK: one draw per unit *and* example. Columns 0, 2, 4, ... against columns 1, 3,
    5, ... (and rows likewise) agree as independent masks do; a (n, 1) mask makes every
    column equal, a (1, m) mask every row. The smaller of the two p-values, doubled (Bonferroni)."""
    A = np.random.default_rng(seed + 30_000).standard_normal(SHAPE)
    _, D = sampler(A, keep_prob, np.random.default_rng(seed))
    columns = agreement_pvalue(D[:, 0::2], D[:, 1::2], keep_prob)
    rows = agreement_pvalue(D[0::2], D[1::2], keep_prob)
    return min(1.0, 2 * min(columns, rows))


def fresh_mask_pvalue(sampler: Sampler, keep_prob: float, seed: int) -> float:
    """DROP-MASK: two calls with the same generator give independent masks."""
    A = np.random.default_rng(seed + 40_000).standard_normal(SHAPE)
    rng = np.random.default_rng(seed)
    _, D1 = sampler(A, keep_prob, rng)
    _, D2 = sampler(A, keep_prob, rng)
    return agreement_pvalue(D1, D2, keep_prob)


TESTS = {
    "keep rate ~ Binomial": keep_rate_pvalue,
    "mean of dropped A = A": mean_pvalue,
    "mask of A's full shape": full_shape_pvalue,
    "fresh mask on every call": fresh_mask_pvalue,
}

#: (test, wrong sampler): each must be rejected
NEGATIVE_CONTROLS = [
    ("keep rate ~ Binomial", "keep rate keep_prob + 0.05", _rate_plus_005),
    ("keep rate ~ Binomial", "U > keep_prob (keep and drop swapped)", _u_greater),
    ("mean of dropped A = A", "missing 1/keep_prob", _no_scale),
    ("mean of dropped A = A", "divided by 1 - keep_prob", _scale_by_drop_rate),
    ("mean of dropped A = A", "keep rate keep_prob + 0.05", _rate_plus_005),
    ("mask of A's full shape", "mask of shape (n, 1)", _column_mask),
    ("mask of A's full shape", "mask of shape (1, m)", _row_mask),
    ("fresh mask on every call", "the same mask on every call", _same_mask_every_call),
]

#: the fixed seed of each statistical test of the default run
SEED = 2024


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
@pytest.mark.parametrize("name", list(TESTS))
def test_dropout_statistics(name, keep_prob, impl):
    """DROP-MASK, DROP-EXPECT: the correct sampler passes every test at ALPHA (fixed seed)."""
    p = TESTS[name](_impl_dropout(impl), keep_prob, SEED)
    assert p > ALPHA, f"{name}: p = {p:.3g} <= {ALPHA} (keep_prob {keep_prob})"


@pytest.mark.parametrize("keep_prob", KEEP_PROBS)
@pytest.mark.parametrize(("name", "what", "sampler"), NEGATIVE_CONTROLS, ids=[c[1] for c in NEGATIVE_CONTROLS])
def test_negative_control_is_rejected(name, what, sampler, keep_prob):
    """Every statistical test can fail: it rejects a wrong sampler at the same seed and ALPHA."""
    p = TESTS[name](sampler, keep_prob, SEED)
    assert p <= ALPHA, f"{name} did not reject '{what}': p = {p:.3g}"


@pytest.mark.slow
def test_false_positive_rate_over_seeds(impl):
    """Each test, over 200 other seeds and both keep_probs: rejections of the correct sampler
    are Binomial(400, 1e-3) per test (mean 0.4); more than 4 has probability ~7e-4."""
    sampler = _impl_dropout(impl)
    for name, test in TESTS.items():
        rejected = [(kp, s) for kp in KEEP_PROBS for s in range(200) if test(sampler, kp, s) <= ALPHA]
        assert len(rejected) <= 4, f"{name}: rejected at {rejected}"


# ----------------------------------------------------------------------- PyTorch's own F.dropout
def test_pytorch_dropout_keeps_and_scales_like_ours(device, dtype, impl):
    """DROP-EXPECT against ``F.dropout(A, p = 1 - keep_prob)`` (any device; on CUDA only
    statistically, its generator being another one): its keep rate is Binomial(size,
    keep_prob), the same as ours (two-sample chi-square on the 2x2 table of kept/dropped),
    and every kept value is ``A / keep_prob`` within rounding (PyTorch multiplies by
    ``fl(1 / (1 - p))``, we divide by keep_prob)."""
    sampler = _impl_dropout(impl)
    np_dtype, torch_dtype = DTYPES[dtype]
    keep_prob = 0.65
    A = np.random.default_rng(5).uniform(0.5, 2.0, SHAPE).astype(np_dtype)  # no zeros: dropped = 0 exactly
    torch.manual_seed(SEED)
    out = F.dropout(torch.tensor(A, device=device), p=1 - keep_prob, training=True).cpu().double().numpy()
    kept = out != 0
    ours, D = sampler(A, keep_prob, np.random.default_rng(SEED))
    assert stats.binomtest(int(kept.sum()), kept.size, keep_prob).pvalue > ALPHA
    table = [[int(kept.sum()), int((~kept).sum())], [int(D.sum()), int(D.size - D.sum())]]
    assert stats.chi2_contingency(table).pvalue > ALPHA
    expected = A.astype(np.float64) / keep_prob
    assert (np.abs(out[kept] - expected[kept]) <= tolerance(torch_dtype, dropout_bound(expected), expected)[kept]).all()
    assert (ours[D == 1] != 0).all() and (ours[D == 0] == 0).all()


def test_pytorch_p_is_the_drop_probability(impl):
    """Negative control of the two-sample test: ``F.dropout(A, p=keep_prob)`` (keep_prob
    passed where PyTorch wants the *drop* probability) keeps 1 - keep_prob: rejected."""
    sampler, keep_prob = _impl_dropout(impl), 0.8
    A = np.ones(SHAPE)
    torch.manual_seed(SEED)
    kept = F.dropout(torch.tensor(A), p=keep_prob, training=True).numpy() != 0
    _, D = sampler(A, keep_prob, np.random.default_rng(SEED))
    table = [[int(kept.sum()), int((~kept).sum())], [int(D.sum()), int(D.size - D.sum())]]
    assert stats.chi2_contingency(table).pvalue <= ALPHA


# ----------------------------------------------------------------------- exact facts
def test_keep_prob_one_is_the_identity(np_dtype):
    """DROP-EXPECT: keep_prob = 1 keeps everything, unscaled, in a new array."""
    A = np.random.default_rng(0).standard_normal((5, 7)).astype(np_dtype)
    out, D = nn_.dropout_forward(A, 1.0, np.random.default_rng(1))
    np.testing.assert_array_equal(out, A)
    np.testing.assert_array_equal(D, np.ones_like(A))
    assert out.dtype == D.dtype == np_dtype and not np.shares_memory(out, A)
    np.testing.assert_array_equal(nn_.dropout_backward(A, D, 1.0), A)


def test_mask_is_replayable_from_the_generator():
    """DROP-MASK: the same seed gives the same mask; the mask is what rng.random draws."""
    A = np.ones((6, 9), dtype=np.float32)
    _, D1 = nn_.dropout_forward(A, 0.8, np.random.default_rng(3))
    _, D2 = nn_.dropout_forward(A, 0.8, np.random.default_rng(3))
    np.testing.assert_array_equal(D1, D2)
    np.testing.assert_array_equal(D1, np.random.default_rng(3).random((6, 9)) < 0.8)


def test_a_draw_equal_to_keep_prob_is_dropped():
    """DROP-MASK is ``U < keep_prob``, strictly (the course's ``np.random.rand(...) < keep_prob``): with
    keep_prob set to one of the very draws U, that unit is dropped and the draws below it are kept."""
    U = np.random.default_rng(7).random((4, 6))
    keep_prob = float(U[1, 2])
    D = nn_.dropout_mask((4, 6), keep_prob, np.random.default_rng(7))
    assert D[1, 2] == 0.0
    np.testing.assert_array_equal(D, (U < keep_prob).astype(np.float64))


def test_model_dropout_cache_format_and_defaults():
    """Masks on hidden layers only, as a third element of their caches; keep_prob = 1 (the
    default) leaves model_forward/model_backward exactly as without dropout."""
    rng = np.random.default_rng(4)
    params = nn_.initialize_parameters([5, 4, 3, 1], "he", rng)
    params = {k: v + 0.1 for k, v in params.items()}
    X, Y = rng.standard_normal((5, 8)), (rng.random((1, 8)) < 0.5).astype(float)
    AL0, caches0 = nn_.model_forward(X, params)
    AL1, caches1 = nn_.model_forward(X, params, keep_prob=1.0, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(AL0, AL1)
    assert [len(c) for c in caches1] == [2, 2, 2]
    g0, g1 = nn_.model_backward(AL0, Y, caches0), nn_.model_backward(AL1, Y, caches1, keep_prob=1.0, lambd=0.0)
    for key in g0:
        np.testing.assert_array_equal(g0[key], g1[key])
    _AL, caches = nn_.model_forward(X, params, keep_prob=0.8, rng=np.random.default_rng(0))
    assert [len(c) for c in caches] == [3, 3, 2]  # the output layer is never dropped
    assert all(c[2].shape == c[1].shape for c in caches[:2])
    # the next layer saw the dropped activation: A[1] = relu(Z[1]) * D[1] / keep_prob
    np.testing.assert_array_equal(caches[1][0][0], nn_.relu(caches[0][1]) * caches[0][2] / 0.8)


def test_dropout_contract(np_dtype):
    """float32 in, float32 out; inputs untouched; outputs never alias the inputs."""
    rng = np.random.default_rng(8)
    A, dA = rng.standard_normal((4, 6)).astype(np_dtype), rng.standard_normal((4, 6)).astype(np_dtype)
    before = copy.deepcopy((A, dA))
    out, D = nn_.dropout_forward(A, np.float64(0.65), rng)  # a NumPy scalar must not upcast float32
    back = nn_.dropout_backward(dA, D, 0.65)
    for x in (out, D, back):
        assert x.dtype == np_dtype
        assert not any(np.shares_memory(x, y) for y in (A, dA))
    np.testing.assert_array_equal(A, before[0])
    np.testing.assert_array_equal(dA, before[1])


# ----------------------------------------------------------------------- planted bugs: the registry catches them
def _model_forward_ignores_keep_prob(X, parameters, activations=None, keep_prob=1.0, rng=None, **kw):
    return nn_.model_forward(X, parameters, activations=activations)


def _model_forward_drops_output(X, parameters, activations=None, keep_prob=1.0, rng=None, **kw):
    """Dropout on every layer, the output layer included."""
    AL, caches = nn_.model_forward(X, parameters, activations=activations, keep_prob=keep_prob, rng=rng)
    if keep_prob < 1:
        AL, D = nn_.dropout_forward(AL, keep_prob, rng)
        caches[-1] = (*caches[-1], D)
    return AL, caches


def _model_forward_always_masks(X, parameters, activations=None, keep_prob=1.0, rng=None, **kw):
    """Draws and caches masks even for keep_prob = 1 (harmless values, wrong cache)."""
    AL, caches = nn_.model_forward(X, parameters, activations=activations)
    return AL, [(*c, np.ones_like(c[1])) for c in caches[:-1]] + [caches[-1]]


def _model_backward_ignores_masks(AL, Y, caches, activations=None, keep_prob=1.0, **kw):
    return nn_.model_backward(AL, Y, [c[:2] for c in caches], activations=activations)


def _keep_prob_capped(A, keep_prob, rng):
    """keep_prob = 1 silently taken as 0.99 ("never keep everything")."""
    D = (rng.random(A.shape) < min(keep_prob, 0.99)).astype(A.dtype)
    return A * D / keep_prob, D


def _mask_float32_draw(A, keep_prob, rng):
    """U drawn in float32 (rng.random(shape, dtype=np.float32)): another stream, another mask."""
    D = (rng.random(A.shape, dtype=np.float32) < keep_prob).astype(A.dtype)
    return A * D / keep_prob, D


MUTANTS = [
    ("DROP-MASK", "U > keep_prob", {"dropout_forward": _u_greater}),
    ("DROP-MASK", "mask of shape (n, 1)", {"dropout_forward": _column_mask}),
    ("DROP-MASK", "U drawn in float32", {"dropout_forward": _mask_float32_draw}),
    ("DROP-FWD", "missing / keep_prob", {"dropout_forward": _no_scale}),
    ("DROP-FWD", "divided by 1 - keep_prob", {"dropout_forward": _scale_by_drop_rate}),
    ("DROP-FWD", "model ignores keep_prob", {"model_forward": _model_forward_ignores_keep_prob}),
    ("DROP-FWD", "model drops the output layer too", {"model_forward": _model_forward_drops_output}),
    ("DROP-BWD", "mask forgotten: dA / keep_prob", {"dropout_backward": lambda dA, D, kp: dA / kp}),
    ("DROP-BWD", "scale forgotten: dA * D", {"dropout_backward": lambda dA, D, kp: dA * D}),
    ("DROP-BWD", "model backward ignores the masks", {"model_backward": _model_backward_ignores_masks}),
    ("DROP-EXPECT", "keep_prob = 1 still drops 1%", {"dropout_forward": _keep_prob_capped}),
    ("DROP-EXPECT", "masks cached with keep_prob = 1", {"model_forward": _model_forward_always_masks}),
]  # fmt: skip


test_planted_bug_is_caught = planted_bugs_test(MUTANTS)


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
def test_keep_prob_down_to_the_dtypes_epsilon_is_allowed(np_dtype):
    """The smallest keep_prob allowed is the dtype's machine epsilon itself; just below it is an error."""
    eps = float(np.finfo(np_dtype).eps)
    assert nn_.check_keep_prob(eps, np_dtype) == eps
    with pytest.raises(ValueError, match=f"is below {np.dtype(np_dtype)}'s machine epsilon"):
        nn_.check_keep_prob(eps * (1 - 2**-10), np_dtype)
