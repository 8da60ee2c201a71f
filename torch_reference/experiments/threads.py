"""Thread settings for the experiments' small problems: :func:`one_thread` is
:func:`torch_reference.device.single_threaded` (one PyTorch and one BLAS thread inside a block)."""

from __future__ import annotations

from ..device import single_threaded as one_thread

__all__ = ["one_thread"]
