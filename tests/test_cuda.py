"""CUDA-only checks. They skip with a reason where no GPU is present.

The registry cases run on CUDA through the ``device`` parameter (``pytest --device
cuda``); this file shows once why TF32 must be off for the comparisons.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torch_reference.device import strict_float32
from torch_reference.tolerance import linear_bound, tolerance

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU: torch.cuda.is_available() is False"),
]


def _matmul_fraction(allow_tf32: bool) -> float:
    rng = np.random.default_rng(0)
    W = rng.standard_normal((64, 512)).astype(np.float32)
    A = rng.standard_normal((512, 96)).astype(np.float32)
    b = np.zeros((64, 1), dtype=np.float32)
    exact = W.astype(np.float64) @ A.astype(np.float64)
    with strict_float32():
        torch.backends.cuda.matmul.allow_tf32 = allow_tf32
        got = (torch.tensor(W, device="cuda") @ torch.tensor(A, device="cuda")).cpu().double().numpy()
    tol = tolerance(np.float32, linear_bound(W, A, b), exact)
    return float((np.abs(got - exact) / tol).max())


def test_tf32_off_is_within_the_float32_bound_and_tf32_on_is_not():
    assert _matmul_fraction(allow_tf32=False) <= 1
    major, _ = torch.cuda.get_device_capability()
    if major < 8:
        pytest.skip("GPU before Ampere: no TF32 to show")
    frac = _matmul_fraction(allow_tf32=True)
    print(f"TF32 on: worst error = {frac:.1f} x the float32 bound")
    assert frac > 1
