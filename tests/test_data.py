"""DATA-ONEHOT at its edge, no labels at all (the registry entry, torch_reference/data.py, compares
non-empty labels with ``torch.nn.functional.one_hot``; bad input: tests/bad_inputs.py)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

import scratch_nn as nn_


def test_no_labels_is_no_column():
    """An empty list or integer array of labels gives ``(num_classes, 0)``, as F.one_hot (transposed) does;
    ``num_classes`` defaults to ``max(labels) + 1``, so to 0 (the course's ``[]`` is a list of no labels,
    not of floats; an empty float array is still not labels: tests/bad_inputs.py)."""
    for labels in ([], np.array([], np.int64)):
        Y = nn_.one_hot(labels)
        assert Y.shape == (0, 0) and Y.dtype == np.float64
        assert nn_.one_hot(labels, 0).shape == (0, 0)
        np.testing.assert_array_equal(nn_.one_hot(labels, 3), F.one_hot(torch.tensor([], dtype=torch.long), 3).T)
