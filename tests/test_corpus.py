"""The corpora of real students' code (tests/data/corpus*.csv): their tables, and the checker's verdict on them.

The files are public code from public repositories of the course's assignments. They are not in
this repository (third-party code): the table names each one's repository, path and commit, and
where a developer keeps a local copy (``local_file``). The verdict test runs only where those
copies exist (``-m slow``); the table test always runs.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
#: corpus.csv: the corpus the checker was built against; corpus_validation.csv: a second one from
#: other repositories, gathered later and run once before any fix, to see what the first one missed
TABLES = {name: list(csv.DictReader((DATA / name).open(newline="", encoding="utf-8")))
          for name in ("corpus.csv", "corpus_validation.csv")}  # fmt: skip
ROWS = [row for rows in TABLES.values() for row in rows]
KINDS = {"py", "ipynb", "helper", "tests"}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_table_is_big_and_well_formed(name):
    rows = TABLES[name]
    assert len(rows) >= 30
    assert len({r["repo"] for r in rows}) >= 10
    assert sum(r["kind"] == "ipynb" for r in rows) >= 6
    assert any(r["expected"].startswith("bug:") for r in rows)
    for r in rows:
        assert r["kind"] in KINDS, r
        assert re.fullmatch(r"[0-9a-f]{40}", r["commit"]), r
        assert r["expected"] == "correct" or r["expected"].startswith("bug:") or r["expected"] == "tests", r


LOCAL = [r for r in ROWS if r["kind"] != "tests" and Path(r["local_file"]).is_file()]


@pytest.mark.slow
@pytest.mark.skipif(not LOCAL, reason="no local copy of the corpus (see tests/data/corpus.csv, local_file)")
@pytest.mark.parametrize("row", LOCAL, ids=[f"{r['repo']}:{Path(r['path']).name}" for r in LOCAL])
def test_verdict_on_real_code(row):
    """Correct code: no row FAILs or errors. A real bug: some row does. Nothing loads silently."""
    from torch_reference.device import single_threaded
    from torch_reference.impl import load_impl
    from torch_reference.registry import verify

    impl = load_impl(row["local_file"])
    with single_threaded():
        rows = verify(impl, ["cpu"], ["float32", "float64"], seeds=range(2))
    failed = [r.worst for r in rows if r.failed]
    if row["expected"] == "correct":
        assert not failed, "\n".join(failed[:3])
    else:
        assert failed, f"{row['expected']}: nothing failed"
