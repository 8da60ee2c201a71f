"""Every registry entry x shape x seed x device x dtype: NumPy against PyTorch.

One test per case (``torch_reference/impl_checks.py``, imported). A failure names the
catalogue ID, the case, the quantity (``dW2``, ``cache Z``, ...), its worst element and
its error against the derived tolerance; see ``torch_reference/registry.py`` for the entries.
"""

from __future__ import annotations

from torch_reference.impl_checks import (
    pytest_generate_tests,
    test_course_function_agrees_with_pytorch,
    test_entry_agrees_with_pytorch,
)
from torch_reference.registry import entries

from .mutants import SPINE_IDS

# the registry's cases are the packaged checks' (torch_reference/impl_checks.py: one parametrization,
# which ``pytest --impl MODULE`` runs from any directory); imported, the test is collected here too
__all__ = ["pytest_generate_tests", "test_course_function_agrees_with_pytorch", "test_entry_agrees_with_pytorch"]


def test_every_spine_id_has_an_entry():
    """The spine's catalogue IDs each have at least one registry entry."""
    assert sorted(SPINE_IDS - {e.id for e in entries()}) == []


def test_model_shapes_are_not_degenerate():
    """The model cases include L >= 3, non-square layers, m = 1, width 1, every output."""
    from torch_reference.model import MODEL_SHAPES

    assert any(len(dims) - 1 >= 3 for dims, _, _ in MODEL_SHAPES)
    assert any(m == 1 for _, _, m in MODEL_SHAPES)
    assert any(1 in dims[1:-1] for dims, _, _ in MODEL_SHAPES)
    assert {acts[-1] for _, acts, _ in MODEL_SHAPES} == {"sigmoid", "softmax", "linear"}
    hidden = {a for _, acts, _ in MODEL_SHAPES for a in acts[:-1]}
    assert {"relu", "tanh", "sigmoid", "leaky_relu", "elu"} <= hidden
    assert all(len(set(dims)) > 1 for dims, _, _ in MODEL_SHAPES)
