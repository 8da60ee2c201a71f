"""The one module that converts between the notes' conventions and PyTorch's.

Two facts, and nothing else in the project deals with them:

1. **Layout.** The notes put one example per *column*: ``X``, ``Z[l]``, ``A[l]``,
   ``dZ[l]``, ``dA[l]`` are ``(n[l], m)``. PyTorch puts one example per *row*:
   ``(m, n[l])``. ``nn.Linear.weight`` is ``(out, in) = (n[l], n[l-1])`` exactly
   like ``W[l]``, so weights copy over unchanged; ``b[l]`` ``(n[l], 1)`` becomes
   ``bias`` ``(n[l],)``; every data array is transposed.
2. **Gradient scale.** The notes' ``dZ[l]`` and ``dA[l]`` are gradients of the
   per-example loss L; autograd differentiates the mean cost J = (1/m) sum L, so
   ``Z.grad = dZ / m``. :func:`per_example_grad` multiplies by m here, once.
   ``dW[l]`` and ``db[l]`` are gradients of J in both conventions: no factor.
"""

from __future__ import annotations

import numpy as np
import torch


def to_rows(A: np.ndarray, device: torch.device | str, dtype: torch.dtype, requires_grad: bool = False) -> torch.Tensor:
    """Notes ``(n, m)`` (examples in columns) -> PyTorch ``(m, n)`` (examples in rows)."""
    t = torch.tensor(np.ascontiguousarray(A.T), dtype=dtype, device=device)
    return t.requires_grad_(requires_grad)


def from_rows(t: torch.Tensor) -> np.ndarray:
    """PyTorch ``(m, n)`` -> notes ``(n, m)``, as a float64 NumPy array (exact)."""
    return t.detach().to("cpu", torch.float64).numpy().T.copy()


def weight_to_torch(W: np.ndarray, device: torch.device | str, dtype: torch.dtype) -> torch.Tensor:
    """``W[l]`` ``(n[l], n[l-1])`` -> ``nn.Linear.weight`` ``(out, in)``: no transpose."""
    return torch.tensor(W, dtype=dtype, device=device)


def bias_to_torch(b: np.ndarray, device: torch.device | str, dtype: torch.dtype) -> torch.Tensor:
    """``b[l]`` ``(n[l], 1)`` -> ``nn.Linear.bias`` ``(n[l],)``."""
    return torch.tensor(b[:, 0], dtype=dtype, device=device)


def weight_from_torch(t: torch.Tensor) -> np.ndarray:
    """``nn.Linear.weight`` (or its ``.grad``) -> ``W[l]`` (or ``dW[l]``), float64."""
    return t.detach().to("cpu", torch.float64).numpy().copy()


def bias_from_torch(t: torch.Tensor) -> np.ndarray:
    """``nn.Linear.bias`` (or its ``.grad``) ``(n,)`` -> ``b[l]`` (or ``db[l]``) ``(n, 1)``."""
    return t.detach().to("cpu", torch.float64).numpy().reshape(-1, 1).copy()


def per_example_grad(t: torch.Tensor, m: int) -> np.ndarray:
    """Autograd's ``dJ/dZ`` ``(m, n)`` -> the notes' ``dZ = m · dJ/dZ`` ``(n, m)``.

    The one place that owns the factor m between the two conventions.
    """
    if t.grad is None:
        raise RuntimeError("no gradient was retained for this tensor (call retain_grad())")
    return m * from_rows(t.grad)


def backward_from(out: torch.Tensor, grad: torch.Tensor) -> None:
    """Backpropagate the upstream gradient ``grad`` (dA) into ``out``'s graph: ``out.backward(grad)``,
    written ``(out * grad).sum().backward()``. The two give the same gradients bit for bit (the
    sum's gradient is 1, and 1 · grad is grad), but the first call of ``backward(grad)`` imports
    sympy through torch's shape checks: 0.4 s of every student's check."""
    (out * grad).sum().backward()
