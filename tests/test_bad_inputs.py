"""Bad input, over the whole public API of scratch_nn: the table of ``tests/bad_inputs.py`` and wrong
inputs that hypothesis draws from the right ones.

Each case must raise exactly its exception type, with a message that names the argument (and says
what its ``match`` asks), warn of nothing, and leave everything as it was (``assert_rejected`` of
``tests/checks.py``): every argument (compared with a deep copy taken before the call: arrays to
the bit, with their dtype, shape and class; dicts with their keys in order; lists and tuples), the
state of every ``numpy.random.Generator`` and ``RandomState`` among them, and NumPy's legacy global
random state. Cases of another engineer's files that fail today are ``xfail(strict=True)``: they
turn red the day they pass, so that the mark is removed.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scratch_nn

from .bad_inputs import (
    ALL,
    CASES,
    CONSTANTS,
    KINDS,
    RECORDS,
    RIGHT,
    Case,
    applies,
    perturb,
    right_calls,
)
from .checks import assert_rejected


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_is_rejected_naming_the_argument_and_nothing_changes(case: Case) -> None:
    assert_rejected(case.func, case.args, case.kwargs, case.exc, (case.names,), case.match)


# ----------------------------------------------------------------------- the table itself
def _public_functions() -> set[str]:
    return {n for n in scratch_nn.__all__ if n not in CONSTANTS and callable(getattr(scratch_nn, n))}


def test_the_table_covers_every_public_function() -> None:
    """Every callable in ``scratch_nn.__all__`` has a right call and at least one bad case (the result
    records, which only scratch_nn builds, a right call only)."""
    functions = _public_functions()
    assert functions - set(RIGHT) == set(), "public functions without a right call in tests/bad_inputs.py"
    covered = {c.id.split(":")[0] for c in CASES}
    assert functions - RECORDS - covered == set(), "public functions without a bad case"
    assert len(CASES) >= 150


def test_the_table_covers_every_class_of_issue_12() -> None:
    """Every class has cases, and the named members of the classes are there."""
    by_kind = {k: [c for c in CASES if c.kind == k] for k in KINDS}
    assert all(len(v) >= 5 for v in by_kind.values()), {k: len(v) for k, v in by_kind.items()}
    ids = " ".join(c.id for c in CASES)
    for member in ("matrix", "masked", "int-keys", "caches-None", "caches-dict", "caches-reversed",
                   "caches-missing", "linear-only", "0-d", "m=0", "width-0", "-nan", "-inf", "list", "True",
                   "broadcasts", "transposed", "float32", "float16", "complex", "zero-iterations",
                   "unused-rng", "with-dropout"):
        assert member in ids, f"no case with {member!r}"


def test_every_case_has_an_id_of_its_own() -> None:
    """One case per wrong call: a case added twice (or two meant to differ) shows here."""
    ids = [c.id for c in CASES]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_right_calls_work(name: str) -> None:
    """Each right call succeeds: a bad case differs from it by the one thing it names."""
    right = RIGHT[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        right.func(*right.args, **right.kwargs)


# ----------------------------------------------------------------------- wrong inputs drawn from right ones
PERTURBABLE = sorted(name for name, right in RIGHT.items() if right.arrays)


@st.composite
def wrong_calls(draw: st.DrawFn) -> tuple:
    """A right call with one array perturbed (transposed, broadcastable, 1-D or 0-d; a NaN or inf
    planted; an integer, bool, float16, complex or other-precision dtype; a subclass or a list),
    among the perturbations that its function must reject; and the names its message may give."""
    name = draw(st.sampled_from(PERTURBABLE))
    right = RIGHT[name]
    path = draw(st.sampled_from(sorted(right.arrays)))
    x = right.value(path)
    kinds = sorted(k for k in right.arrays[path] if applies(x, k))
    kind = draw(st.sampled_from(kinds))
    index = draw(st.integers(0, x.size - 1))
    sign = draw(st.sampled_from([1.0, -1.0]))
    args, kwargs = right.with_value(path, perturb(x, kind, index, sign))
    leaf = path.split("/")[-1]
    return name, path, kind, right.func, args, kwargs, (leaf, *right.partners)


@settings(max_examples=150, deadline=None)
@given(call=wrong_calls())
def test_wrong_inputs_drawn_from_right_ones_get_a_clear_error(call: tuple) -> None:
    name, path, _kind, func, args, kwargs, names = call
    assert ALL >= RIGHT[name].arrays[path]
    assert_rejected(func, args, kwargs, (TypeError, ValueError), names)


def test_the_strategy_draws_every_perturbation() -> None:
    """Every kind of perturbation is drawable for some array of some function (the strategy is not
    silently narrower than ALL)."""
    drawable = {k for right in RIGHT.values() for path, kinds in right.arrays.items() for k in kinds
                if applies(right.value(path), k)}
    assert drawable == ALL


# ----------------------------------------------------------------------- the dtype promise (NEP 50)
def _floats(obj: Any) -> list[np.ndarray | np.generic]:
    """Every float array or NumPy float scalar inside ``obj`` (dicts, lists, tuples, named tuples)."""
    if isinstance(obj, (np.ndarray, np.generic)):
        return [obj] if np.asarray(obj).dtype.kind == "f" else []
    if isinstance(obj, dict):
        return [a for v in obj.values() for a in _floats(v)]
    if isinstance(obj, (list, tuple)):
        return [a for v in obj for a in _floats(v)]
    if hasattr(obj, "__dataclass_fields__"):
        return [a for k in obj.__dataclass_fields__ for a in _floats(getattr(obj, k))]
    return []


RIGHT32 = right_calls(np.float32)
#: how a hyperparameter may be given: a Python float, NumPy scalars of either precision, 0-d arrays
FORMS = {
    "python-float": float,
    "np.float64": np.float64,
    "np.float32": np.float32,
    "0-d-float64-array": lambda v: np.array(v, dtype=np.float64),
    "0-d-float32-array": lambda v: np.array(v, dtype=np.float32),
}
def _takes_float32(right: Any) -> bool:
    """The right call has a float32 array among its arguments, or asks for float32 (a dtype argument)."""
    def walk(x: Any) -> bool:
        if isinstance(x, np.ndarray):
            return x.dtype == np.float32
        if isinstance(x, dict):
            return any(walk(v) for v in x.values())
        if isinstance(x, (list, tuple)):
            return any(walk(v) for v in x)
        return x is np.float32
    return walk((right.args, right.kwargs))


DTYPE_CASES = [
    pytest.param(name, form, id=f"{name}:{form}",
                 marks=[pytest.mark.xfail(strict=True, reason=RIGHT32[name].xfail)]
                 if RIGHT32[name].xfail and form.startswith("0-d") else [])
    for name in sorted(RIGHT32)
    if _takes_float32(RIGHT32[name])
    for form in (FORMS if RIGHT32[name].hyper else ["python-float"])
]


@pytest.mark.parametrize(("name", "form"), DTYPE_CASES)
def test_float32_in_float32_out(name: str, form: str) -> None:
    """NEP 50: float32 arrays in give float32 arrays out, whatever form the hyperparameters take;
    NumPy float scalars out are float32 too (costs are Python floats)."""
    right = RIGHT32[name]
    changes = {h: FORMS[form](right.value(h)) for h in right.hyper}
    args, kwargs = right.bound(**changes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = right.func(*args, **kwargs)
    wrong = [f"{np.asarray(a).dtype} {np.shape(a)}" for a in _floats(out) if np.asarray(a).dtype != np.float32]
    assert not wrong, f"{name} returned {wrong} for float32 input"


def test_bool_is_not_a_number_for_any_hyperparameter() -> None:
    """Every real hyperparameter of every right call refuses True (a TypeError naming it)."""
    for right in RIGHT.values():
        for h in right.hyper:
            args, kwargs = right.bound(**{h: True})
            assert_rejected(right.func, args, kwargs, TypeError, (h,))


def test_the_readme_counts_the_table_as_it_is() -> None:
    """The README's figures for the table are this table's (a stale count is a bug)."""
    import re
    from pathlib import Path

    from .bad_inputs import CASES, RIGHT

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    found = re.search(r"`scratch_nn` \((\d+) of them\) and (\d+) wrong ones", text)
    assert found, "the README no longer states the table's size"
    assert (int(found[1]), int(found[2])) == (len(RIGHT), len(CASES))
