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


# ----------------------------------------------------------------------- discovery, rows, redraws (issue 14)
def test_concept_modules_are_discovered_not_listed():
    """The modules that register entries or checks are found by their ``from .registry import register``,
    in the order of their paths: the same tuple every time, every registered entry's module among them."""
    from torch_reference import registry

    found = registry.concept_modules()
    assert not hasattr(registry, "CONCEPT_MODULES")
    assert list(found) == sorted(found) and len(set(found)) == len(found)
    assert {"torch_reference.activations", "torch_reference.metrics", "torch_reference.errata",
            "torch_reference.experiments.quick"} <= set(found)  # fmt: skip
    assert "torch_reference.course" not in found  # its entries are course_entries(), not registered


def test_each_variant_is_its_own_row_with_its_own_equation():
    import scratch_nn
    from torch_reference.registry import verify

    rows = verify(scratch_nn, ["cpu"], ["float64"], seeds=[0], ids=["BWD-DZL"])
    mine = [e for e in entries() if e.id == "BWD-DZL"]
    assert [r.key for r in rows] == [e.key for e in mine]
    assert [r.equation for r in rows] == [e.equation for e in mine] and all(r.passed_cases for r in rows)
    merged = verify(scratch_nn, ["cpu"], ["float64"], seeds=[0], ids=["BWD-DZL"], merge_variants=True)
    assert [(r.oracle, r.cases) for r in merged] == [
        (kind, sum(r.cases for r in rows if r.oracle == kind)) for kind in ("PyTorch", "finite differences")
    ]


def test_a_redraw_that_never_succeeds_stops_with_an_error_naming_the_entry():
    """``cases.redraw`` gives up after its cap, naming the entry (set by the registry) and what could not be
    drawn; in a run, the case is an error row, a checker bug, not a hang or a traceback."""
    import dataclasses

    import numpy as np

    import scratch_nn
    from torch_reference import cases
    from torch_reference.registry import run_case

    calls = []
    with pytest.raises(cases.RedrawError, match=r"^no case drawn in 3 tries: a unicorn$"):
        cases.redraw(lambda: calls.append(1), lambda case: False, "a unicorn", tries=3)
    assert len(calls) == 3
    assert cases.redraw(iter(range(10)).__next__, lambda k: k == 4, "a four") == 4

    base = next(e for e in entries() if e.key == "LIN-FWD")

    def draw(rng, shape, dtype):
        return cases.redraw(lambda: rng.standard_normal(2), lambda x: bool(np.isnan(x).any()), "a NaN from N(0, 1)")

    result = run_case(dataclasses.replace(base, variant="never drawn", draw=draw), scratch_nn, "cpu", "float64", 0,
                      base.shapes[0])  # fmt: skip
    assert result.status == "error" and "checker bug (not your code)" in result.message
    assert f"LIN-FWD[never drawn]: no case drawn in {cases.REDRAW_TRIES} tries: a NaN from N(0, 1)" in result.message


def test_an_oracle_that_raises_is_an_error_row_not_a_traceback():
    import dataclasses

    import scratch_nn
    from torch_reference.registry import run_case

    base = next(e for e in entries() if e.key == "LIN-FWD")

    def broken(case, device, dtype):
        raise KeyError("no such quantity")

    result = run_case(dataclasses.replace(base, oracle=broken), scratch_nn, "cpu", "float64", 0, base.shapes[0])
    assert result.status == "error" and "checker bug (not your code): the oracle: KeyError" in result.message


def test_every_claim_check_passes():
    """The claims' quick experiments (experiments/quick.py), in float64; their float32 rows (the same code on
    rounded data) are nn-verify's. The errata's checks are tests/test_errata.py's demonstrations."""
    from torch_reference.registry import checks, run_check

    claims = [c for c in checks() if c.id.startswith("CLAIM-")]
    assert len({c.id for c in claims}) == 7
    failed = [r.report() for r in (run_check(c, "float64", 0) for c in claims) if not r.passed]
    assert failed == []
