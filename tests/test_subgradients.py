"""Subgradients at exactly 0 (ACT-RELU, ACT-LEAKY, ACT-ELU) and the notes' values at 0.

The notes take g'(0) = 1 for ReLU, leaky ReLU and ELU; PyTorch takes 0, ``slope``
and ``alpha``. ``convention="notes"`` (default) and ``convention="pytorch"`` must
differ exactly where Z == 0 and nowhere else; the PyTorch convention must agree
with autograd at 0 exactly (the registry's "at-0" entries check every element).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import scratch_nn as nn_
from torch_reference.ops import ACTIVATIONS, torch_activation

#: every activation with a kink, at its last (least default) hyperparameters:
#: (name, params, (the notes' g'(0), PyTorch's g'(0))), from the descriptions (torch_reference/ops.py)
KINKED = [
    (a.name, dict(a.variants[-1]), (a.kinks[0].notes, a.kinks[0].pytorch(a.with_params(**a.variants[-1]))))
    for a in ACTIVATIONS
    if a.kinks
]


def _Z_with_zeros(rng, dtype):
    Z = rng.uniform(-2, 2, (6, 9)).astype(dtype)
    Z[rng.random(Z.shape) < 0.3] = 0
    Z[0, 0] = 0
    return Z


@pytest.mark.parametrize(("name", "params", "at_zero"), KINKED, ids=[k[0] for k in KINKED])
def test_conventions_differ_exactly_at_zero(name, params, at_zero, rng, np_dtype):
    Z = _Z_with_zeros(rng, np_dtype)
    dA = rng.standard_normal(Z.shape).astype(np_dtype)
    backward = getattr(nn_, f"{name}_backward")
    notes = backward(dA, Z, **params)
    pytorch = backward(dA, Z, **params, convention="pytorch")
    zero = Z == 0
    np.testing.assert_array_equal(notes[~zero], pytorch[~zero])  # identical away from 0 ...
    np.testing.assert_array_equal(notes[zero], dA[zero] * np_dtype(at_zero[0]))  # ... the notes: g'(0) = 1
    np.testing.assert_array_equal(pytorch[zero], dA[zero] * np_dtype(at_zero[1]))  # ... PyTorch's value
    assert (notes[zero] != pytorch[zero]).all()  # so they differ at every zero (dA != 0 there)


@pytest.mark.parametrize(("name", "params", "at_zero"), KINKED, ids=[k[0] for k in KINKED])
def test_pytorch_autograd_takes_its_documented_value_at_zero(name, params, at_zero):
    z = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    torch_activation(name, **params)(z).backward(torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64))
    assert z.grad.tolist() == [at_zero[1] * g for g in (1.0, -2.0, 0.5)]


def test_values_at_zero_stated_in_the_notes():
    """ACT-SIGMOID: g(0) = 1/2, g'(0) = 1/4; ACT-TANH: g'(0) = 1; kinks: g(0) = 0."""
    Z, dA = np.zeros((1, 1)), np.ones((1, 1))  # a value check at one point, not a gradient test
    assert nn_.sigmoid(Z)[0, 0] == 0.5 and nn_.sigmoid_backward(dA, Z)[0, 0] == 0.25
    assert nn_.tanh(Z)[0, 0] == 0.0 and nn_.tanh_backward(dA, Z)[0, 0] == 1.0
    for name, _params, _at_zero in KINKED:
        assert getattr(nn_, name)(Z)[0, 0] == 0.0
    # sigmoid'(±10) ≈ 0 (the notes' "g'(z) = 1(1 - 1) = 0"), but never exactly 0 in float64
    big = nn_.sigmoid_backward(np.ones((1, 2)), np.array([[10.0, -10.0]]))
    assert (0 < big).all() and (big < 5e-5).all()


def test_model_backward_passes_the_convention_through(rng):
    """With a pre-activation exactly 0 in a ReLU layer, the two conventions give
    different dW[l] below it; away from 0 they coincide (BWD-L)."""
    X = rng.standard_normal((3, 4))
    params = nn_.initialize_parameters([3, 5, 1], "he", rng)
    Y = np.array([[1.0, 0.0, 1.0, 0.0]])
    AL, caches = nn_.model_forward(X, params)
    Z1 = caches[0][1]
    Z1[:, 0] = 0.0  # example 0 sits exactly on the kink of every hidden unit
    notes = nn_.model_backward(AL, Y, caches, return_dZ=True)
    pytorch = nn_.model_backward(AL, Y, caches, convention="pytorch", return_dZ=True)
    assert not np.array_equal(notes["dW1"], pytorch["dW1"])
    np.testing.assert_array_equal(notes["dZ1"][:, 1:], pytorch["dZ1"][:, 1:])
    np.testing.assert_array_equal(pytorch["dZ1"][:, 0], 0.0)
