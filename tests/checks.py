"""The two assertions that several test files share: bad input is rejected (``assert_rejected``, the
table of ``tests/bad_inputs.py`` and the wrong inputs that hypothesis draws), and a planted bug is
caught by the registry (``assert_caught``, ``planted_bugs_test``)."""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from torch_reference.registry import CaseResult, entries, run_case

from .mutants import mutant


# ----------------------------------------------------------------------- bad input
def names_argument(message: str, name: str) -> bool:
    """``name`` appears in ``message`` as a word of its own (``W1`` in "W1 has", not in "dW1 has")."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", message) is not None


def same(before: Any, after: Any, where: str = "arguments") -> None:
    """``after`` is what ``before`` (a deep copy taken before the call) was."""
    assert type(before) is type(after), f"{where}: {type(before).__name__} became {type(after).__name__}"
    if isinstance(before, np.ndarray):
        assert before.shape == after.shape and before.dtype == after.dtype, f"{where}: shape or dtype changed"
        if before.dtype.kind in "fc":
            assert np.array_equal(before, after, equal_nan=True), f"{where}: values changed"
        else:
            assert np.array_equal(before, after), f"{where}: values changed"
        if isinstance(before, np.ma.MaskedArray):
            assert np.array_equal(np.ma.getmaskarray(before), np.ma.getmaskarray(after)), f"{where}: mask changed"
    elif isinstance(before, np.random.Generator):
        assert before.bit_generator.state == after.bit_generator.state, f"{where}: the Generator was drawn from"
    elif isinstance(before, np.random.RandomState):
        b, a = before.get_state(), after.get_state()
        assert np.array_equal(b[1], a[1]) and b[2:] == a[2:], f"{where}: the RandomState was drawn from"
    elif isinstance(before, dict):
        assert list(before) == list(after), f"{where}: keys changed"
        for k in before:
            same(before[k], after[k], f"{where}[{k!r}]")
    elif isinstance(before, (list, tuple)):
        assert len(before) == len(after), f"{where}: length changed"
        for i, (x, y) in enumerate(zip(before, after, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(before, float) and before != before:
        assert after != after, f"{where}: NaN changed"
    elif isinstance(before, (int, float, str, bytes, bool, type(None), np.generic)):
        assert before == after, f"{where}: {before!r} became {after!r}"


def _legacy_state() -> tuple:
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    return name, keys.copy(), pos, has_gauss, gauss


def assert_rejected(func: Callable[..., Any], args: tuple, kwargs: dict, exc: type[Exception] | tuple,
                    names: tuple[str, ...], match: str = "") -> None:
    """The call raises ``exc`` (exactly that type, or one of a tuple), its message names one of ``names``
    (and matches the regex ``match``, if given), it warns of nothing, and nothing changed: the arguments,
    the generators among them, NumPy's global random state."""
    before = copy.deepcopy((args, kwargs), {id(np.random): np.random})  # (a module is passed as itself)
    legacy = _legacy_state()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a rejected call warns of nothing (no arithmetic was done)
        with pytest.raises(Exception) as info:  # the exact type is asserted below
            func(*args, **kwargs)
    allowed = exc if isinstance(exc, tuple) else (exc,)
    message = str(info.value)
    assert info.type in allowed, f"{info.type.__name__} ({message}), expected {[e.__name__ for e in allowed]}"
    assert any(names_argument(message, n) for n in names), f"the message does not name {names}: {message}"
    if match:
        assert re.search(match, message), f"the message does not match {match!r}: {message}"
    same(before, (args, kwargs))
    after = _legacy_state()
    assert legacy[0] == after[0] and np.array_equal(legacy[1], after[1]) and legacy[2:] == after[2:], (
        "NumPy's global random state changed"
    )


# ----------------------------------------------------------------------- planted bugs
def registry_rows(cid: str, impl: Any, *, variant: str = "", oracle: str = "",
                  shapes: Sequence | None = None) -> list[CaseResult]:
    """The registry's cases of catalogue ID ``cid`` run on ``impl`` (CPU, float64, seed 0): the entries
    whose variant contains ``variant`` and, if ``oracle`` is given, whose oracle kind it is; at ``shapes``,
    or at each entry's own shapes."""
    mine = [e for e in entries() if e.id == cid and variant in e.variant and oracle in ("", e.oracle_kind)]
    assert mine, f"no registry entry for {cid} (variant containing {variant!r}, oracle {oracle!r})"
    return [run_case(e, impl, "cpu", "float64", 0, s) for e in mine for s in (e.shapes if shapes is None else shapes)]


def caught_by(row: CaseResult, fail_only: bool = False) -> bool:
    """The row shows a bug: a FAIL or, unless ``fail_only``, an error of the code under test (not a
    checker bug)."""
    return row.status == "FAIL" or (
        not fail_only and row.status == "error" and not row.message.startswith("checker bug")
    )


def assert_caught(cid: str, bug: Mapping[str, Callable[..., Any]], what: str = "", *, variant: str = "",
                  oracle: str = "", shapes: Sequence | None = None, every: bool = False, fail_only: bool = False,
                  control: Mapping[str, Callable[..., Any]] | None = None) -> None:
    """scratch_nn with the functions of ``bug`` replaced (``mutant(**bug)`` of ``tests/mutants.py``) is
    caught (``caught_by``) by some registry case of ``cid``, or by every one with ``every``; the cases
    are chosen as in ``registry_rows``. With ``control``, scratch_nn with those functions replaced
    instead passes every one of the same cases (the bug is the only difference)."""
    if control is not None:
        rows = registry_rows(cid, mutant(**control), variant=variant, oracle=oracle, shapes=shapes)
        assert all(r.passed for r in rows), [r.report() for r in rows if not r.passed]
    rows = registry_rows(cid, mutant(**bug), variant=variant, oracle=oracle, shapes=shapes)
    hits = [caught_by(r, fail_only) for r in rows]
    assert all(hits) if every else any(hits), (
        f"{cid}: {what!r} was not caught: " + "; ".join(f"{r.label}: {r.status}" for r in rows)
    )


def planted_bugs_test(bugs: Sequence[tuple]) -> Callable[..., None]:
    """The test that the registry catches each of ``bugs`` (``assert_caught``), one parametrized case
    per bug, its id "cid: what". A bug is (catalogue ID, what is wrong, {function name: replacement})
    and, optionally, a fourth element: ``assert_caught``'s keyword arguments (which cases, ``every``,
    ``control``). A test module says ``test_planted_bug_is_caught = planted_bugs_test(MUTANTS)``, and a
    new planted bug is one row of its MUTANTS."""
    rows = [(b[0], b[1], b[2], b[3] if len(b) > 3 else {}) for b in bugs]

    @pytest.mark.parametrize(("cid", "what", "bug", "where"), rows, ids=[f"{r[0]}: {r[1]}" for r in rows])
    def test_planted_bug_is_caught(cid: str, what: str, bug: Mapping, where: dict) -> None:
        assert_caught(cid, bug, what, **where)

    return test_planted_bug_is_caught
