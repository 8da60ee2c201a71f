"""Every check can fail: each planted bug of tests/mutants.py is caught by the
registry entries of its catalogue ID (at least one case FAILs or errors), on CPU
in float64, and the correct implementation passes the same cases."""

from __future__ import annotations

import pytest

import scratch_nn
from torch_reference.ops import ACTIVATIONS, planted_bugs
from torch_reference.registry import entries, run_case

from .mutants import MUTANTS, SPINE_IDS, caught, mutant


@pytest.mark.parametrize(("cid", "what", "overrides"), MUTANTS, ids=[f"{m[0]}: {m[1]}" for m in MUTANTS])
def test_planted_bug_is_caught(cid, what, overrides):
    assert caught(cid, mutant(**overrides)), f"{cid}: '{what}' was not caught"


def test_every_spine_id_has_a_planted_bug():
    assert sorted(SPINE_IDS - {m[0] for m in MUTANTS}) == []


def test_every_activation_declares_a_planted_bug_of_g_and_of_its_backward():
    """Each description (torch_reference/ops.py) plants a wrong g and a wrong g' (through Entry.mutants)."""
    for act in ACTIVATIONS:
        replaced = {name for _what, overrides in planted_bugs(act, act.id) for name in overrides}
        assert {act.name, act.backward} <= replaced, f"{act.id}: planted bugs only of {sorted(replaced)}"


def test_the_reference_passes_the_same_cases():
    results = [run_case(e, scratch_nn, "cpu", "float64", 0, s) for e in entries() for s in e.shapes]
    assert [r.report() for r in results if r.status not in ("pass", "n/a")] == []
