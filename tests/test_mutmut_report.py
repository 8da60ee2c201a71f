"""tools/mutmut_report.py: how mutmut's survivors are classified (message-only, argued, unexplained) and
scored, on a mutants/ folder laid out as mutmut 3.8 leaves it."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("mutmut_report", ROOT / "tools" / "mutmut_report.py")
report = importlib.util.module_from_spec(spec)
sys.modules["mutmut_report"] = report  # dataclasses look their module up
spec.loader.exec_module(report)

SOURCE = '''
def x_f__mutmut_orig(x, lr):
    if x < 0:
        raise ValueError(f"x must be >= 0, got {x}")
    return x * lr

def x_f__mutmut_1(x, lr):
    if x < 0:
        raise ValueError(f"XXx must be >= 0, got XX{x}")
    return x * lr

def x_f__mutmut_2(x, lr):
    if x <= 0:
        raise ValueError(f"x must be >= 0, got {x}")
    return x * lr

def x_f__mutmut_3(x, lr):
    if x < 0:
        raise ValueError(f"x must be >= 0, got {x}")
    return x / lr

def x_f__mutmut_4(x, lr):
    if x < 1:
        raise ValueError(f"x must be >= 0, got {x}")
    return x * lr

def x_f__mutmut_5(x, lr):
    if x < 0:
        raise ValueError(None)
    return x * lr
'''


def _write_mutants(root: Path, source: str, codes: dict[int, int], function: str) -> Path:
    """A mutants/ folder as mutmut 3.8 leaves it: scratch_nn/mod.py (the original and its mutants) and
    mod.py.meta (each mutant's exit code)."""
    folder = root / "mutants" / "scratch_nn"
    folder.mkdir(parents=True)
    (folder / "mod.py").write_text(textwrap.dedent(source), encoding="utf-8")
    keys = {f"scratch_nn.mod.x_{function}__mutmut_{n}": code for n, code in codes.items()}
    (folder / "mod.py.meta").write_text(json.dumps({"exit_code_by_key": keys}), encoding="utf-8")
    return root / "mutants"


@pytest.fixture
def mutants(tmp_path: Path) -> Path:
    return _write_mutants(tmp_path, SOURCE, {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}, "f")


def test_survivors_are_classified_by_their_syntax_tree(mutants: Path) -> None:
    argued = {("mod.f", "if x <[ -> =] 0:"): "x = 0 is never passed here"}
    found = {m.key.rpartition("_")[2]: m for m in report.read_mutants(mutants, argued)}
    assert found["1"].kind == "message-only"  # only the wording of a raised message
    assert (found["2"].kind, found["2"].reason) == ("argued", "x = 0 is never passed here")
    assert found["3"].kind == "unexplained" and found["3"].change == "return x [* -> /] lr"
    assert found["4"].status == "killed" and found["4"].kind == ""
    assert found["5"].kind == "unexplained"  # a message replaced by None no longer names the argument


def test_the_score_excludes_message_only_and_counts_argued_as_survivors(mutants: Path) -> None:
    rows = report.summary(report.read_mutants(mutants, {("mod.f", "if x <[ -> =] 0:"): "reason"}))
    # 5 mutants: 1 killed, 1 message-only (not scored), 1 argued and 2 unexplained survivors: 1 of 4 scored killed
    assert "| mod | 5 | 1 | 1 | 1 | 2 | 0 | 25.0 % |" in rows


def test_an_argued_entry_that_no_survivor_makes_is_stale(mutants: Path) -> None:
    argued = {("mod.f", "if x <[ -> =] 0:"): "reason", ("mod.f", "return x [* -> +] lr"): "moved away"}
    stale = report.stale_equivalents(report.read_mutants(mutants, argued), argued)
    assert stale == [("mod.f", "return x [* -> +] lr")]


def test_every_argued_entry_of_the_project_has_its_fields() -> None:
    entries = report.load_equivalents()
    assert entries and all(f.count(".") >= 1 and change and reason for (f, change), reason in entries.items())


def test_anything_inside_a_helpers_wording_argument_is_message_only(tmp_path: Path) -> None:
    """check_rng's second argument only words its message: a mutant choosing the other wording, or None, is
    message-only; the first argument (what is checked) is not."""
    source = (
        """
        def x_g__mutmut_orig(rng, dropout):
            check_rng(rng, 'keep_prob < 1' if dropout else 'model_forward')

        def x_g__mutmut_1(rng, dropout):
            check_rng(rng, 'keep_prob < 1' if dropout and False else 'model_forward')

        def x_g__mutmut_2(rng, dropout):
            check_rng(rng, None)

        def x_g__mutmut_3(rng, dropout):
            check_rng(None, 'keep_prob < 1' if dropout else 'model_forward')
        """
    )
    folder = _write_mutants(tmp_path, source, {1: 0, 2: 0, 3: 0}, "g")
    kinds = [m.kind for m in report.read_mutants(folder, {})]
    assert kinds == ["message-only", "message-only", "unexplained"]
