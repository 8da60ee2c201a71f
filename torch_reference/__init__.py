"""torch_reference: the notes' equations in PyTorch (the oracle), the comparison
machinery, the catalogue registry and the ``nn-verify`` command.

Modules by concept: ``activations``, ``layers``, ``losses``, ``model``,
``initializers``, ``data`` (PyTorch equivalents and their registry entries);
``layout`` (the one place for transposes and the factor m); ``tolerance`` (the one
place for tolerances); ``compare``, ``registry``, ``cases``, ``device``, ``impl``,
``cli``.
"""

from .registry import REGISTRY, Entry, Reference, entries, run_case, verify

__all__ = ["REGISTRY", "Entry", "Reference", "entries", "run_case", "verify"]
