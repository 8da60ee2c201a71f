"""torch_reference: the notes' equations in PyTorch (the oracle), the comparison
machinery, the catalogue registry and the ``nn-verify`` command.

Modules by concept: ``activations``, ``layers``, ``losses``, ``model``,
``initializers``, ``data`` (PyTorch equivalents and their registry entries);
``layout`` (the one place for transposes and the factor m); ``tolerance`` (the one
place for tolerances); ``compare``, ``registry``, ``cases``, ``device``, ``impl``,
``cli``. ``loader``, ``course_helpers`` and ``sandbox_child`` import NumPy only: the
sandbox's child process (``sandbox``) loads a student's code with them, never torch.

The registry's names are imported on first use (PEP 562), so that importing the package
does not import torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REGISTRY", "Entry", "Reference", "entries", "run_case", "verify"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'torch_reference' has no attribute {name!r}")
