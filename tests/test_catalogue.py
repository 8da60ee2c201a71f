"""The user's catalogue (docs/catalogue.md) is the code's: generated from the registry, the errata and
the claims, never out of date, and every ID in it is named by the code that checks it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import catalogue  # noqa: E402  (tools/catalogue.py)


def test_the_catalogue_is_up_to_date():
    """Regenerate with ``python tools/catalogue.py`` when this fails."""
    assert (ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8") == catalogue.render()


def test_every_id_of_the_catalogue_is_named_by_the_code_that_checks_it():
    text = (ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8")
    ids = set(re.findall(r"^\| ([A-Z]+(?:-[A-Z0-9]+)+) \|", text, flags=re.M))
    assert len(ids) >= 60
    code = "".join(p.read_text(encoding="utf-8") for d in ("torch_reference", "scratch_nn")
                   for p in (ROOT / d).rglob("*.py"))  # fmt: skip
    unnamed = sorted(i for i in ids - set(catalogue.NOT_YET) if i not in code)
    assert not unnamed
    folder = ROOT / "torch_reference" / "experiments"
    experiments = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py"))
    assert all(claim in experiments for claim in catalogue.CLAIMS)


def test_the_readme_points_to_files_the_user_has():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/catalogue.md" in readme
    shipped = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    shipped += [*(ROOT / "scratch_nn").rglob("*.py"), *(ROOT / "torch_reference").rglob("*.py")]
    for file in shipped:  # the package's docs, docstrings and messages
        text = file.read_text(encoding="utf-8")
        for name in ("EQUATIONS.md", "DESIGN.md"):
            assert name not in text, f"{file.relative_to(ROOT)} points to {name}, which users do not have"
    pattern = r"`((?:docs|tests|tools|torch_reference|scratch_nn)/[\w./-]+\.(?:md|py|ipynb|toml))`"
    for path in re.findall(pattern, readme):
        assert (ROOT / path).exists(), path


def _catalogue_ids() -> set[str]:
    """The IDs of docs/catalogue.md that something checks (all but its "Not checked yet" table's)."""
    text = (ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8").split("## Not checked yet")[0]
    return set(re.findall(r"^\| ([A-Z]+(?:-[A-Z0-9]+)+) \|", text, flags=re.M))


def test_nn_verify_has_a_row_for_every_catalogue_id_and_no_other(tmp_path, monkeypatch):
    """``nn-verify --format json`` (scratch_nn, cpu, float32 and float64): every ID of docs/catalogue.md has a
    listed row in each dtype, and every row's ID is in the catalogue. The cases themselves are stubbed here
    (each passes at once): their numerics are the registry's tests' and test_registry's checks' job."""
    import json

    from torch_reference import registry
    from torch_reference.cli import main

    def case(entry, impl, device, dtype, seed, shape):
        return registry.CaseResult(entry, device, dtype, seed, shape)  # status "pass", no comparison

    def check(check, dtype, seed):
        return registry.CaseResult(check, "cpu", dtype, seed, None)

    monkeypatch.setattr(registry, "run_case", case)
    monkeypatch.setattr(registry, "run_check", check)
    out = tmp_path / "report.json"
    assert main(["--device", "cpu", "--format", "json", "--output", str(out), "-q"]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert all(r["status"] == "pass" and r["device"] == "cpu" for r in rows)
    ids = _catalogue_ids()
    for dtype in ("float32", "float64"):
        assert sorted(ids - {r["id"] for r in rows if r["dtype"] == dtype}) == [], dtype
    assert sorted({r["id"] for r in rows} - ids) == []
