"""The packaged checks: every registry entry x shape x seed x device x dtype, the implementation
under test against its oracle (PyTorch, finite differences or sample statistics).

One test per case; a failure names the catalogue ID, the case, the quantity (``dW2``,
``cache Z``, ...), its worst element, its error against the derived tolerance and the likely
cause. ``pytest --impl MODULE`` with no test path collects this module (see ``pytest_plugin``);
``tests/test_registry.py`` imports its test, so the project's run has the same cases.
"""

from __future__ import annotations

from typing import Any

import pytest

from .registry import SEEDS, Entry, entries, run_case


def cases(seeds: tuple[int, ...] = SEEDS, of: list[Entry] | None = None) -> list[Any]:
    """``pytest.param(entry, shape, seed)`` for every registered entry (or those of ``of``), shape and seed."""
    return [
        pytest.param(entry, shape, seed, id=f"{entry.key}-{shape}-seed{seed}".replace(" ", ""))
        for entry in (entries() if of is None else of)
        for shape in entry.shapes
        for seed in seeds
    ]


CASES = cases()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The course assignments' entries (torch_reference.course) are cases only under ``--impl``:
    scratch_nn has the contract's functions, not the course's."""
    if metafunc.function.__name__ == "test_course_function_agrees_with_pytorch":
        from .assignments import course_entries
        from .pytest_plugin import impl_given

        course = cases(of=course_entries()) if impl_given(metafunc.config) else []
        metafunc.parametrize(("entry", "shape", "seed"), course)


@pytest.mark.parametrize(("entry", "shape", "seed"), CASES)
def test_entry_agrees_with_pytorch(entry: Entry, shape: Any, seed: int, impl: Any, device: str, dtype: str) -> None:
    _check(entry, shape, seed, impl, device, dtype)


def test_course_function_agrees_with_pytorch(
    entry: Entry, shape: Any, seed: int, impl: Any, device: str, dtype: str
) -> None:
    """A course assignment's function (recognized by signature) on its own architecture."""
    _check(entry, shape, seed, impl, device, dtype)


def _check(entry: Entry, shape: Any, seed: int, impl: Any, device: str, dtype: str) -> None:
    if entry.dtypes is not None and dtype not in entry.dtypes:
        pytest.skip("entry is restricted to other dtypes (Entry.dtypes)")
    result = run_case(entry, impl, device, dtype, seed, shape)
    if result.status in ("not implemented", "n/a"):  # what a user's module lacks or cannot express
        pytest.skip(f"{result.status}: {result.message}")
    assert result.passed, result.report()
