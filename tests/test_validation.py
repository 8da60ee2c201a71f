"""NaN and inf where the README ("Bad input") lets them through: element-wise activations follow IEEE
arithmetic like PyTorch. Every rejected input (layer, cost and model functions reject non-finite
arrays, and every other bad input) is a case of the one table, tests/bad_inputs.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import scratch_nn as nn_
from torch_reference.ops import ACTIVATIONS


@pytest.mark.parametrize("name", [a.name for a in ACTIVATIONS if not a.column_wise])
def test_activations_follow_ieee_like_pytorch(name):
    """NaN in, NaN out; ±inf map to the function's limits, exactly as in PyTorch."""
    from torch_reference.ops import torch_activation

    Zs = np.array([[np.nan, np.inf, -np.inf]])  # finite values: the registry checks them
    with np.errstate(invalid="ignore"):
        ours = nn_.activation_forward(Zs, name)
    theirs = torch_activation(name)(torch.tensor(Zs)).numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_softmax_of_inf_column_is_nan_like_pytorch():
    Zs = np.array([[np.inf, 1.0], [1.0, 2.0]])
    with np.errstate(invalid="ignore"):
        ours = nn_.softmax(Zs)
    theirs = torch.softmax(torch.tensor(Zs), dim=0).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
