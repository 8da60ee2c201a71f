"""Devices and dtypes the comparisons run on, and the numerics settings they need."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch

#: dtype name -> (NumPy dtype, torch dtype)
DTYPES: dict[str, tuple[type, torch.dtype]] = {
    "float32": (np.float32, torch.float32),
    "float64": (np.float64, torch.float64),
}


def available_devices() -> list[str]:
    """``["cpu"]``, plus ``"cuda"`` when a CUDA GPU is usable."""
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def device_unavailable_reason(device: str) -> str | None:
    """None if ``device`` can run here, else why not (used for clean skips)."""
    if device == "cpu":
        return None
    if device == "cuda":
        return None if torch.cuda.is_available() else "CUDA requested but torch.cuda.is_available() is False"
    return f"unknown device {device!r}; expected 'cpu' or 'cuda'"


def device_description(device: str) -> str:
    """``cpu`` or ``cuda (GPU name)``."""
    if device == "cuda" and torch.cuda.is_available():
        return f"cuda ({torch.cuda.get_device_name(0)})"
    return device


@contextlib.contextmanager
def strict_float32() -> Iterator[None]:
    """Switch TF32 off for the comparisons and restore the previous settings after.

    On Ampere and newer GPUs PyTorch may run float32 matmuls in TF32 (a 10-bit
    mantissa, relative error ~1e-3), far outside float32's derived bound; the
    comparisons are of float32 against float32, so TF32 must be off.
    """
    old = (
        torch.backends.cuda.matmul.allow_tf32,
        torch.backends.cudnn.allow_tf32,
        torch.get_float32_matmul_precision(),
    )
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old[:2]
        torch.set_float32_matmul_precision(old[2])


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run PyTorch's CPU kernels and NumPy's BLAS on one thread inside the block, then restore both.

    The registry's and the tests' arrays are tiny: threads have nothing to split and only add
    synchronization. On a 2-core machine shared with other processes, two BLAS or OpenMP
    threads per process spin against them: measured, the digits comparison took 18-33 s with
    the default threads and 1.1 s with one, and the GD-LOOP cases 3-4x longer. Results do
    not depend on it beyond rounding, which the bounds cover (any summation order). BLAS is
    limited through ``threadpoolctl`` where it is installed (it comes with scikit-learn).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - then only PyTorch's threads are limited
        threadpool_limits = None
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1) if threadpool_limits is not None else contextlib.nullcontext():
            yield
    finally:
        torch.set_num_threads(threads)
