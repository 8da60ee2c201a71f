"""The errata of the notes: each line as written fails, its correction passes (against PyTorch).

Catalogue IDs: ERR-DWL, ERR-DZ-CHAIN, ERR-DB-INDEX, ERR-ONE-OVER-N, ERR-RAND-UNIFORM, ERR-OUTPUT-INIT,
ERR-SUM-A, ERR-ROW-LAYOUT. The lines and their demonstrations are in ``torch_reference/errata.py``.
"""

from __future__ import annotations

import pytest

import scratch_nn as nn_
from torch_reference.cli import main
from torch_reference.errata import ERRATA, demonstrate

IDS = [
    "ERR-DWL",
    "ERR-DZ-CHAIN",
    "ERR-DB-INDEX",
    "ERR-ONE-OVER-N",
    "ERR-RAND-UNIFORM",
    "ERR-OUTPUT-INIT",
    "ERR-SUM-A",
    "ERR-ROW-LAYOUT",
]


def test_every_erratum_of_the_catalogue_is_there():
    assert [e.id for e in ERRATA] == IDS


@pytest.mark.parametrize("cid", IDS)
def test_as_written_fails_and_corrected_passes(cid, dtype):
    demo = demonstrate(cid, dtype, seed=1)  # nn-verify --errata shows seed 0
    assert demo.as_written and demo.corrected
    for outcome in demo.as_written:
        assert not outcome.agrees, f"{cid}: '{outcome.line}' as written should fail, got: {outcome.detail}"
    for outcome in demo.corrected:
        assert outcome.agrees, f"{cid}: corrected '{outcome.line}' should pass, got: {outcome.detail}"


def test_how_each_as_written_line_fails():
    """The failure is the one the table announces: a shape or type error, or a disagreement in value."""
    kinds = {cid: [o.detail.split(":")[0].split(" ")[0] for o in demonstrate(cid).as_written] for cid in IDS}
    assert kinds["ERR-DWL"] == ["result", "off"]  # (1, 1) instead of (1, 3); then the square case's values
    assert kinds["ERR-DB-INDEX"] == ["off", "ValueError"]  # n[2] = 1 broadcasts silently; n[2] = 2 cannot
    assert kinds["ERR-RAND-UNIFORM"][0] == "TypeError"
    assert kinds["ERR-OUTPUT-INIT"] == ["result"]  # A[2] is (2, m), the network has one output
    assert kinds["ERR-ROW-LAYOUT"] == ["ValueError", "off"]
    assert all(k == "off" for cid in ("ERR-DZ-CHAIN", "ERR-ONE-OVER-N", "ERR-SUM-A") for k in kinds[cid])


def test_scratch_nn_is_the_corrected_version(rng):
    """scratch_nn implements the corrected lines: e.g. its dW[L] has W[L]'s shape and uses A[L-1]."""
    params = nn_.initialize_parameters([4, 5, 3, 1], "he", rng)
    X, Y = rng.standard_normal((4, 6)), (rng.random((1, 6)) < 0.5).astype(float)
    AL, caches = nn_.model_forward(X, params, activations=["tanh", "tanh", "sigmoid"])
    grads = nn_.model_backward(AL, Y, caches, activations=["tanh", "tanh", "sigmoid"])
    assert all(grads[f"d{k}"].shape == v.shape for k, v in params.items())


def test_nn_verify_errata_prints_the_table(capsys):
    assert main(["--errata"]) == 0
    out = capsys.readouterr().out
    assert all(cid in out for cid in IDS)
    assert out.splitlines()[0].split() == ["ID", "as", "written", "correct", "what", "goes", "wrong", "shown"]
    assert main(["--errata", "--format", "markdown"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| ID | as written | correct | what goes wrong | shown |"
    assert len(lines) == 2 + len(IDS) and all(line.endswith("| yes |") for line in lines[2:])


def test_an_erratum_row_fails_when_the_line_as_written_agrees():
    """nn-verify's ERR-* rows (errata.comparisons): an as-written line passes by disagreeing, so a line that
    agrees with PyTorch (the erratum not shown) fails the row, as does a corrected line that disagrees."""
    from torch_reference.errata import Demonstration, Outcome, comparisons

    shown = comparisons(demonstrate("ERR-DWL"))
    assert all(c.passed for c in shown)
    assert [c.name.split(":")[0] for c in shown] == ["as written"] * 2 + ["corrected"] * 2
    agrees, disagrees = Outcome("x", True, "agrees"), Outcome("y", False, "off by 2")
    not_shown = comparisons(Demonstration([agrees], [agrees]))
    assert [c.passed for c in not_shown] == [False, True] and "should disagree" in not_shown[0].detail
    assert [c.passed for c in comparisons(Demonstration([disagrees], [disagrees]))] == [True, False]
