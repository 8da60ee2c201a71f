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
    for name in ("EQUATIONS.md", "DESIGN.md"):
        assert name not in readme
    pattern = r"`((?:docs|tests|tools|torch_reference|scratch_nn)/[\w./-]+\.(?:md|py|ipynb|toml))`"
    for path in re.findall(pattern, readme):
        assert (ROOT / path).exists(), path
