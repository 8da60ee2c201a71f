"""Subgradients at exactly 0 through a whole network (BWD-L, BWD-ACT with ACT-RELU, ACT-LEAKY, ACT-ELU).

The layer-level checks are in ``test_subgradients.py`` and the registry's "at-0 pytorch convention"
entries. Here the network has pre-activations that are *exactly* 0 in every hidden layer, in NumPy
and in PyTorch alike (a "dead" unit per layer: a zero weight row and a zero bias, so its Z is an exact
0 for every example; and an all-zero input column meeting zero biases in layer 1). Then:

* ``model_backward(..., convention="pytorch")`` agrees with autograd everywhere, within the derived
  bounds of BWD-L (the zeros are exact in both, so both take the same branch);
* the notes' convention (g'(0) = 1) gives bit-identical gradients above the topmost zero, differs in
  each layer's dZ exactly at the zeros (where dA != 0) and nowhere else, and disagrees with autograd.

ELU with the model's default α = 1 is the exception that proves the rule: both one-sided derivatives
at 0 are 1, so PyTorch's α and the notes' 1 coincide and the two conventions give identical gradients
(the registry's at-0 entries use α = 1.7, where they differ).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import scratch_nn as nn_
from torch_reference import cases
from torch_reference.compare import compare
from torch_reference.device import DTYPES, strict_float32
from torch_reference.model import reference_bounds, reference_pass
from torch_reference.ops import ACTIVATIONS

HIDDEN = [
    ("relu", "relu", "relu"),
    ("leaky_relu", "leaky_relu", "leaky_relu"),
    ("elu", "elu", "elu"),
    ("relu", "leaky_relu", "elu"),
    ("elu", "relu", "leaky_relu"),
]
#: every hidden combination, the outputs alternating
CASES = [(hidden, ("sigmoid", "softmax")[i % 2]) for i, hidden in enumerate(HIDDEN)]
IDS = ["-".join((*h, o)) for h, o in CASES]
DIMS = (5, 6, 4, 3)  # n[0..3]; the output layer is added per case
#: g'(0) in the notes and in PyTorch, with the model's default slope 0.01 and alpha 1.0 (the descriptions')
AT_ZERO = {a.name: (a.kinks[0].notes, a.kinks[0].pytorch(a.defaults)) for a in ACTIVATIONS if a.kinks}


def network_with_exact_zeros(rng: np.random.Generator, hidden: tuple[str, ...], output: str, dtype: type) -> dict:
    """X, parameters (non-zero biases except the dead units'), Y; every hidden layer has a unit whose Z
    is exactly 0 for every example, and layer 1 has further zeros in the all-zero input column 0. All
    other pre-activations of kinked layers are at least ``cases.KINK_MARGIN`` away from 0."""
    n_out = 3 if output == "softmax" else 1
    dims = [*DIMS, n_out]
    m = 7
    while True:
        params = cases.layer_parameters(rng, dims, dtype)
        for l in range(1, len(hidden) + 1):
            dead = int(rng.integers(dims[l]))
            params[f"W{l}"][dead, :] = 0
            params[f"b{l}"][dead, 0] = 0
        X = cases.normal(rng, (dims[0], m), dtype)
        X[:, 0] = 0
        params["b1"][int(rng.integers(dims[1])), 0] = 0  # Z1 is exactly 0 there in column 0 (b1 = 0 and x(0) = 0)
        if output == "softmax":
            Y = np.zeros((n_out, m), dtype=dtype)
            Y[rng.integers(0, n_out, m), np.arange(m)] = 1
        else:
            Y = cases.binary_labels(rng, (1, m), dtype)
        acts = [*hidden, output]
        ref = reference_pass(params, X, Y, acts, "cpu", torch.float64)
        structural = [ref[f"Z{l}"] == 0 for l in range(1, len(hidden) + 1)]
        near = [(np.abs(ref[f"Z{l}"]) < cases.KINK_MARGIN) & ~structural[l - 1] for l in range(1, len(hidden) + 1)]
        if not any(n.any() for n in near):
            return {"X": X, "Y": Y, "parameters": params, "activations": acts}


def _grads(case: dict, convention: str) -> tuple[dict, list]:
    AL, caches = nn_.model_forward(case["X"], case["parameters"], activations=case["activations"])
    acts = case["activations"]
    grads = nn_.model_backward(AL, case["Y"], caches, activations=acts, convention=convention, return_dZ=True)
    return grads, caches


def _against_autograd(case: dict, grads: dict, device: str, dtype: str) -> list:
    params, Y, acts = case["parameters"], case["Y"], case["activations"]
    with strict_float32():
        ref = reference_pass(params, case["X"], Y, acts, device, DTYPES[dtype][1])
    B = reference_bounds(params, Y, acts, ref)
    L = len(acts)
    names = [f"{q}{l}" for l in range(1, L + 1) for q in ("dZ", "dW", "db")] + [f"dA{l}" for l in range(L)]
    return [compare(n, grads[n], ref[n], B[n], DTYPES[dtype][0]) for n in names]


@pytest.mark.parametrize(("hidden", "output"), CASES, ids=IDS)
def test_pytorch_convention_matches_autograd_at_exact_zeros(hidden, output, rng, device, dtype):
    case = network_with_exact_zeros(rng, hidden, output, DTYPES[dtype][0])
    grads, caches = _grads(case, "pytorch")
    assert all((caches[l][1] == 0).any() for l in range(len(hidden)))  # the check is not vacuous
    failed = [c.detail for c in _against_autograd(case, grads, device, dtype) if not c.passed]
    assert not failed, failed


@pytest.mark.parametrize(("hidden", "output"), CASES, ids=IDS)
def test_notes_convention_differs_only_at_the_zeros(hidden, output, rng, device, dtype):
    case = network_with_exact_zeros(rng, hidden, output, DTYPES[dtype][0])
    notes, caches = _grads(case, "notes")
    pytorch, _ = _grads(case, "pytorch")
    L = len(case["activations"])

    # above the topmost hidden layer nothing has met a kink yet: bit-identical
    for name in (f"dZ{L}", f"dW{L}", f"db{L}", f"dA{L - 1}"):
        np.testing.assert_array_equal(notes[name], pytorch[name], err_msg=name)
    # in every hidden layer, from the same upstream dA[l], dZ[l] differs exactly where Z[l] == 0 (and
    # dA != 0), unless both conventions take the same value there (ELU with alpha = 1)
    for l in range(L - 1, 0, -1):
        Z, dA, g = caches[l - 1][1], pytorch[f"dA{l}"], case["activations"][l - 1]
        dZ_notes = nn_.activation_backward(dA, Z, g, "notes")
        differs = (Z == 0) & (dA != 0) & (AT_ZERO[g][0] != AT_ZERO[g][1])
        np.testing.assert_array_equal(dZ_notes != pytorch[f"dZ{l}"], differs, err_msg=f"dZ{l}")
    # and so, unless every layer is ELU, the notes' gradients of the network are not PyTorch's
    comparisons = {c.name: c for c in _against_autograd(case, notes, device, dtype)}
    assert comparisons[f"dW{L}"].passed and comparisons[f"db{L}"].passed
    kinks_differ = [l for l in range(1, L) if AT_ZERO[case["activations"][l - 1]][1] != 1.0]
    if not kinks_differ:
        assert all(np.array_equal(notes[k], pytorch[k]) for k in notes)
        assert all(c.passed for c in comparisons.values())
        return
    top = max(kinks_differ)
    assert (notes[f"dZ{top}"] != pytorch[f"dZ{top}"])[caches[top - 1][1] == 0].any()
    assert not comparisons[f"dZ{top}"].passed, "the notes' g'(0) = 1 should disagree with autograd at the zeros"
