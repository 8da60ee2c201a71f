"""Every registry entry x shape x seed x device x dtype: NumPy against PyTorch.

One test per case. A failure names the catalogue ID, the case, the quantity
(``dW2``, ``cache Z``, ...), its worst element and its error against the derived
tolerance; see ``torch_reference/registry.py`` for the entries.
"""

from __future__ import annotations

import pytest

from torch_reference.registry import SEEDS, entries, run_case

from .mutants import SPINE_IDS

CASES = [
    pytest.param(entry, shape, seed, id=f"{entry.key}-{shape}-seed{seed}".replace(" ", ""))
    for entry in entries()
    for shape in entry.shapes
    for seed in SEEDS
]


@pytest.mark.parametrize(("entry", "shape", "seed"), CASES)
def test_entry_agrees_with_pytorch(entry, shape, seed, impl, device, dtype):
    if entry.dtypes is not None and dtype not in entry.dtypes:
        pytest.skip("entry is restricted to other dtypes (Entry.dtypes)")
    result = run_case(entry, impl, device, dtype, seed, shape)
    if result.status in ("not implemented", "n/a"):  # only with --impl: what a user's module lacks
        pytest.skip(f"{result.status}: {result.message}")
    assert result.passed, result.report()


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
