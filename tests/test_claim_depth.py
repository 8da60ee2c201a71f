"""CLAIM-DEPTH: n-bit parity ``y = x1 XOR x2 XOR ... XOR xn`` is computed by a deep network with O(n)
units (the notes: "DeepNN - XOR binary tree"), while one hidden layer that "enumerates all
configurations" needs 2^(n-1) units.

What is shown, precisely (see ``scratch_nn/parity.py``):

* a hand-built tree of XOR blocks (ReLU units, weights set by hand, evaluated by ``model_forward``)
  is exact on all 2^n inputs for n = 1..10, with ceil(log2 n) hidden layers and 2(n - 1) XOR units
  plus at most one carrying unit per layer;
* the notes' one-hidden-layer enumeration (one AND-like unit per odd pattern) is exact with 2^(n-1)
  units, and for AND/OR circuits that count cannot be lowered: every AND term of a formula for
  parity fixes all n bits (checked exhaustively for n <= 6), so it covers one pattern;
* but that lower bound is about AND/OR units: a single hidden layer of n ReLU units that see the bit
  count computes parity exactly too. The notes' "exponentially more hidden units" is a statement
  about circuits (and about what gradient descent tends to find, below), not a theorem about every
  one-hidden-layer ReLU network;
* trained by gradient descent from fixed seeds, a one-hidden-layer network with as many units as the
  deep tree does not fit 6-bit parity within 1000 steps, while one with 2^(n-1) = 32 units does
  (an observation at these seeds and this budget, not a bound; a tree-shaped deep network trained
  from random weights does not find the hand-built solution either).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from scratch_nn import model_forward, parity
from scratch_nn.parity import (
    MAX_BITS,
    counting_parity_network,
    deep_parity_network,
    hidden_units,
    parity_activations,
    parity_inputs,
    parity_labels,
    shallow_parity_network,
)
from torch_reference.experiments.claims import train_parity

NS = list(range(1, 11))


def _outputs(parameters, n, dtype):
    X = parity_inputs(n, dtype)
    AL, caches = model_forward(X, parameters, activations=parity_activations(parameters))
    return X, AL, caches


@pytest.mark.parametrize("n", NS)
def test_deep_xor_tree_computes_parity_exactly(n, np_dtype):
    """CLAIM-DEPTH: the tree is exact (integer weights: every sum is exact) on all 2^n inputs, with
    ceil(log2 n) hidden layers and between 2(n - 1) and 2(n - 1) + ceil(log2 n) hidden units."""
    params = deep_parity_network(n, np_dtype)
    X, AL, _ = _outputs(params, n, np_dtype)
    assert AL.dtype == np_dtype
    assert np.array_equal(AL, parity_labels(X)), f"n = {n}: wrong on {int((AL != parity_labels(X)).sum())} inputs"
    depth = math.ceil(math.log2(n)) if n > 1 else 0
    assert len(params) // 2 - 1 == depth
    assert 2 * (n - 1) <= hidden_units(params) <= 2 * (n - 1) + depth


@pytest.mark.parametrize("n", NS)
def test_shallow_enumeration_needs_one_unit_per_odd_pattern(n, np_dtype):
    """CLAIM-DEPTH: the notes' shallow network: one hidden layer of 2^(n-1) units, unit p firing (value 1)
    on input pattern p only, exact on all 2^n inputs."""
    params = shallow_parity_network(n, np_dtype)
    X, AL, caches = _outputs(params, n, np_dtype)
    assert np.array_equal(AL, parity_labels(X))
    assert len(params) == 4 and hidden_units(params) == 2 ** (n - 1)
    A1 = caches[1][0][0]  # the hidden layer's output, cached as the output layer's A_prev
    assert np.array_equal(A1.sum(axis=1), np.ones(2 ** (n - 1))), "each unit must fire on exactly one pattern"
    assert np.array_equal(A1.sum(axis=0), parity_labels(X).ravel()), "each odd pattern fires exactly one unit"


@pytest.mark.parametrize("n", range(1, 7))
def test_every_and_term_of_parity_fixes_all_bits(n):
    """Why AND/OR circuits of depth 2 need 2^(n-1) terms: a term (a partial assignment of k bits) can
    only appear in a formula for parity if parity is 1 on every input that satisfies it, and that
    happens only when the term fixes all n bits. Checked for every one of the 3^n terms."""
    X = parity_inputs(n).astype(np.int64)
    y = parity_labels(X.astype(np.float64)).ravel()
    implicants = 0
    for term in itertools.product((None, 0, 1), repeat=n):
        fixed = [j for j, v in enumerate(term) if v is not None]
        covered = np.all([X[j] == term[j] for j in fixed], axis=0) if fixed else np.ones(X.shape[1], bool)
        if np.all(y[covered] == 1):
            implicants += 1
            assert len(fixed) == n, f"term {term} fixes {len(fixed)} < {n} bits and still implies parity"
    assert implicants == 2 ** (n - 1)


@pytest.mark.parametrize("n", NS)
def test_one_hidden_relu_layer_with_n_units_also_computes_parity(n, np_dtype):
    """The honest counterpoint: ``relu(s - k)``, k = 0..n-1, of the bit count s, combined with weights
    1, -2, 2, -2, ...: one hidden layer, n units, exact. The exponential count is not forced on a
    one-hidden-layer ReLU network."""
    params = counting_parity_network(n, np_dtype)
    X, AL, _ = _outputs(params, n, np_dtype)
    assert np.array_equal(AL, parity_labels(X))
    assert len(params) == 4 and hidden_units(params) == n


def test_the_2_to_the_n_constructions_take_at_most_max_bits(monkeypatch):
    """n = MAX_BITS is the largest n of the 2^n inputs and of the enumeration's 2^(n-1) units (shown with
    MAX_BITS = 3, so that the boundary is cheap to build)."""
    monkeypatch.setattr(parity, "MAX_BITS", 3)
    assert parity_inputs(3).shape == (3, 8) and hidden_units(shallow_parity_network(3)) == 4
    for construction in (parity_inputs, shallow_parity_network):
        with pytest.raises(ValueError, match="at most n = 3"):
            construction(4)


@pytest.mark.parametrize("network", [deep_parity_network, counting_parity_network])
def test_the_networks_of_o_n_units_are_built_beyond_max_bits(network, rng):
    """Only the 2^n inputs and the enumeration's 2^(n-1) units are capped at MAX_BITS: the O(n) networks
    are built for more bits, and are exact on random patterns of them."""
    n = MAX_BITS + 5
    params = network(n)
    X = (rng.random((n, 64)) < 0.5).astype(np.float64)
    AL, _ = model_forward(X, params, activations=parity_activations(params))
    assert np.array_equal(AL, parity_labels(X))
    assert hidden_units(params) < 3 * n


def test_trained_small_shallow_net_fails_where_the_deep_one_succeeds():
    """CLAIM-DEPTH, by training (n = 6, all 64 patterns, batch GD, 1000 steps, α = 0.5, He weights from
    ``default_rng(seed)``): with as many hidden units as the hand-built deep tree (11) one hidden layer
    stays below 100 % training accuracy for each seed; the deep tree with those 11 units is exact; one
    hidden layer with 2^(n-1) = 32 units reaches 100 % in the same budget."""
    n = 6
    deep = deep_parity_network(n)
    X, AL, _ = _outputs(deep, n, np.float64)
    assert np.array_equal(AL, parity_labels(X))
    units = hidden_units(deep)
    assert units == 11
    for seed in (0, 1, 2):
        acc, _costs = train_parity(n, units, seed, 1000)
        assert acc < 1.0, f"seed {seed}: a {units}-unit shallow network fitted {n}-bit parity (acc {acc})"
    acc, _costs = train_parity(n, 2 ** (n - 1), 0, 1000)
    assert acc == 1.0, f"the {2 ** (n - 1)}-unit shallow network reached only {acc}"


@pytest.mark.slow
def test_trained_shallow_nets_on_8_bit_parity():
    """The same at n = 8, 2000 steps: 14 units (the deep tree's count) fail for seeds 0, 1, 2; 128 units
    (2^(n-1)) fit, for the same seeds."""
    n = 8
    units = hidden_units(deep_parity_network(n))
    for seed in (0, 1, 2):
        assert train_parity(n, units, seed, 2000)[0] < 1.0
        assert train_parity(n, 2 ** (n - 1), seed, 2000)[0] == 1.0
