"""The zoo: course-style implementations with one classic mistake each (tests/zoo/).

Each member declares ``EXPECT = (catalogue ID, what the checker must say)``. The
checker, run through ``--impl`` (so through the course-style adapter), must fail
that ID and name the mistake; "FAIL"/"error" members are ones whose symptom is
a failure or an exception inside the student's code (reported with its frame).
The clean course-style file passes everything it implements.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from torch_reference.impl import load_impl
from torch_reference.registry import entries_for, run_case

pytestmark = pytest.mark.usefixtures("references_once")  # one draw and reference per case (conftest.py)

ZOO = Path(__file__).parent / "zoo"
MEMBERS = sorted(p for p in ZOO.glob("*.py") if p.name != "course_clean.py")


def _results(impl, cid, dtypes=("float64",)):
    return [
        run_case(e, impl, "cpu", dtype, seed, shape)
        for e in entries_for(impl)
        if e.id == cid
        for dtype in dtypes
        for seed in (0, 1)
        for shape in e.shapes
    ]


def test_the_zoo_is_big_enough():
    assert len(MEMBERS) >= 20


@pytest.mark.parametrize("path", MEMBERS, ids=[p.stem for p in MEMBERS])
def test_member_is_caught_and_diagnosed(path):
    impl = load_impl(str(path))
    cid, says = impl._module.EXPECT
    results = _results(impl, cid)
    failed = [r for r in results if r.status in ("FAIL", "error")]
    assert failed, f"{path.name}: {cid} passed"
    if says == "error":
        assert all(r.status == "error" for r in failed)
        assert any(path.name in r.message for r in failed), failed[0].message  # the student's frame is named
    elif says not in ("FAIL", "error-or-fail"):
        found = sorted({d for r in failed for d in r.diagnoses})
        assert any(says in d for d in found), f"{path.name}: expected '{says}', diagnosed {found}"
        wrong = [d for d in found if says not in d]
        assert not wrong, f"{path.name}: misleading diagnoses {wrong}"


def test_clean_course_style_file_passes_everything_it_implements():
    impl = load_impl(str(ZOO / "course_clean.py"))
    bad = [
        r.report()
        for e in entries_for(impl)
        for dtype in ("float32", "float64")
        for shape in e.shapes
        for r in [run_case(e, impl, "cpu", dtype, 0, shape)]
        if r.status in ("FAIL", "error")
    ]
    assert not bad, "\n".join(bad[:5])
