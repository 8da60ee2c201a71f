"""The matrix product of scratch_nn, without a BLAS's spurious "invalid" flag on matrix-vector products.

Found (issue 12, the flaky ``RuntimeWarning: invalid value encountered in matmul`` of
``tests/test_properties.py``): OpenBLAS 0.3.31 (NumPy 2.4's scipy-openblas, SkylakeX kernels) computes
a float32 matrix-vector product with inner dimension 5 (``W (n, 5) @ a (5, 1)`` with n mod 4 in {2, 3},
and ``(1, 5) @ (5, p)``) partly on memory it has not written: a scratch buffer on the stack. The result
is right, but when that stale memory holds the bit pattern of a *signaling* NaN (left there by an
earlier product whose operands held one, or by any other code), arithmetic on the unused lanes raises
the FE_INVALID flag, which NumPy reports after the matmul as "invalid value encountered in matmul" (an
error under the suite's ``error::RuntimeWarning``). It depends on what ran before on the same thread,
hence the flakiness; ``tests/test_properties.py`` reproduces it deterministically by first running a
product with signaling-NaN operands. Matrix-matrix products (GEMM) and float64 were not affected.

So the one place where the flag is known to be spurious, the product of a matrix and a single row or
column (BLAS gemv), runs with ``invalid`` ignored, and the flag is trusted again whenever it could be
true: an invalid operation always leaves a NaN in its result (``inf - inf``, ``0 * inf``), so a result
with a NaN is recomputed under the caller's own error state, which then warns or raises as it would
have. Everything else is a plain ``A @ B``.
"""

from __future__ import annotations

import numpy as np


def matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``A @ B`` for 2-D ``A`` (n, k) and ``B`` (k, p); see the module docstring for the vector case."""
    if A.shape[0] != 1 and B.shape[1] != 1:  # matrix-matrix: GEMM, not affected
        return A @ B
    with np.errstate(invalid="ignore"):  # the result is a vector: the NaN check below is O(n + p)
        C = A @ B
    if np.isnan(C).any():  # a real invalid operation: let the caller's errstate see it
        return A @ B
    return C
