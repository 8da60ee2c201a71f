"""The units every rounding-error bound is written in (the bottom of the bounds' imports).

``unit_roundoff`` is u, ``ELEMENTARY`` the error of one elementary function in units of u. Both
:mod:`torch_reference.ops` (each operation's own rounding rule) and :mod:`torch_reference.tolerance`
(which chains those rules and decides the tolerance) are written in them; ``tolerance`` re-exports
both names.
"""

from __future__ import annotations

import numpy as np
import torch

#: max error of exp, expm1, log, log1p, tanh, in units of u (= half an ulp): 4 ulps.
#: NumPy's SIMD float32/float64 exp/log/tanh are documented within 4 ulp, glibc's
#: within 1-2, PyTorch's SLEEF kernels (u10) within 1 ulp, CUDA's expf/logf/tanhf
#: within 2 ulp (CUDA C Programming Guide, "Mathematical Functions").
ELEMENTARY = 8.0


def unit_roundoff(dtype: torch.dtype | np.dtype | type) -> float:
    """u = eps / 2: 2^-24 ≈ 6.0e-8 for float32, 2^-53 ≈ 1.1e-16 for float64."""
    if isinstance(dtype, torch.dtype):
        return torch.finfo(dtype).eps / 2
    return float(np.finfo(dtype).eps) / 2
