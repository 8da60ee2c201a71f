"""Every registry entry x shape x seed x device x dtype: NumPy against PyTorch.

One test per case (``torch_reference/impl_checks.py``, imported). A failure names the
catalogue ID, the case, the quantity (``dW2``, ``cache Z``, ...), its worst element and
its error against the derived tolerance; see ``torch_reference/registry.py`` for the entries.
"""

from __future__ import annotations

import pytest
import torch

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


@pytest.mark.parametrize("weight_decay", [0.0, 0.03])
@pytest.mark.parametrize("float_type", [torch.float32, torch.float64])
def test_sgd_step_is_torch_optim_sgd_bit_for_bit(float_type, weight_decay):
    """The SGD oracles call SGD's kernel directly (model.sgd_step); it is torch.optim.SGD's step. So is
    layout.backward_from's (out * G).sum().backward() out.backward(G)'s."""
    from torch_reference.model import sgd_step

    gen = torch.Generator().manual_seed(3)
    ours = [torch.randn(4, 3, generator=gen, dtype=float_type), torch.randn(4, 1, generator=gen, dtype=float_type)]
    theirs = [t.clone() for t in ours]
    for a, b in zip(ours, theirs, strict=True):
        a.grad = torch.randn(a.shape, generator=gen, dtype=float_type)
        b.grad = a.grad.clone()
    sgd_step(ours, 0.37, weight_decay)
    torch.optim.SGD(theirs, lr=0.37, weight_decay=weight_decay).step()
    for a, b in zip(ours, theirs, strict=True):
        assert torch.equal(a, b)
    assert not torch.equal(ours[0], theirs[0] + 1e-3)  # the comparison can fail


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid"])
def test_backward_from_is_backward_with_the_gradient_bit_for_bit(name):
    from torch_reference.layout import backward_from

    gen = torch.Generator().manual_seed(4)
    Z = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    G = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    grads = []
    for feed in (lambda out: out.backward(G), lambda out: backward_from(out, G)):
        Zt = Z.clone().requires_grad_(True)
        feed(getattr(torch, name)(Zt))
        grads.append(Zt.grad)
    assert torch.equal(grads[0], grads[1])
