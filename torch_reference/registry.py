"""One registry of catalogue entries drives the tests and the ``nn-verify`` report.

An :class:`Entry` says, for one catalogue ID (and optionally one variant of it):

* ``draw(rng, shape, dtype)`` -> a case: the NumPy inputs, in the notes' layout;
* ``run(impl, case)`` -> what the implementation under test computes, by name
  (``{"A": ..., "dZ": ...}``), through the contract functions of DESIGN.md;
* ``oracle(case, device, dtype)`` -> what PyTorch computes for the same names,
  each a :class:`Reference` with its rounding-error bound (see ``tolerance.py``);
* ``shapes``: the shapes every case is drawn at; ``needs``: the contract
  functions it calls (a missing one makes the row "not implemented").

Adding an equation is adding an entry (in the ``torch_reference`` module of its
concept); ``tests/test_registry.py`` and ``nn-verify`` pick it up.
"""

from __future__ import annotations

import traceback
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from .compare import Comparison, compare
from .device import DTYPES, strict_float32

Case = dict[str, Any]


@dataclass(frozen=True)
class Reference:
    """The oracle's value of one quantity (float64, notes' layout) and its bound (units of u)."""

    value: np.ndarray
    bound: np.ndarray | float
    scalar: bool = False  # the contract returns a Python float here (a cost)


@dataclass(frozen=True)
class Entry:
    id: str
    equation: str
    draw: Callable[[np.random.Generator, Any, type], Case]
    run: Callable[[Any, Case], dict[str, Any]]
    oracle: Callable[[Case, str, Any], dict[str, Reference]]
    shapes: Sequence[Any]
    needs: tuple[str, ...] = ()
    variant: str = ""

    @property
    def key(self) -> str:
        """``ID`` or ``ID[variant]``: unique in the registry, used as the test id."""
        return f"{self.id}[{self.variant}]" if self.variant else self.id


REGISTRY: list[Entry] = []

#: the torch_reference modules whose import registers entries, in catalogue order
CONCEPT_MODULES = ["activations", "layers", "losses", "model", "initializers", "data"]


def register(entry: Entry) -> Entry:
    if any(e.key == entry.key for e in REGISTRY):
        raise ValueError(f"duplicate registry entry {entry.key}")
    REGISTRY.append(entry)
    return entry


def entries() -> list[Entry]:
    """Every registered entry (importing the concept modules registers them)."""
    import importlib

    for module in CONCEPT_MODULES:
        importlib.import_module(f"{__package__}.{module}")

    return list(REGISTRY)


#: default seeds of every case (tests and nn-verify)
SEEDS = (0, 1, 2)


def case_rng(entry: Entry, seed: int, shape: Any) -> np.random.Generator:
    """A generator determined by (entry, seed, shape) alone: cases never depend on order."""
    return np.random.default_rng([seed, zlib.crc32(f"{entry.key}|{shape}".encode())])


@dataclass
class CaseResult:
    entry: Entry
    device: str
    dtype: str
    seed: int
    shape: Any
    comparisons: list[Comparison] = field(default_factory=list)
    status: str = "pass"  # pass | FAIL | error | not implemented
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    @property
    def label(self) -> str:
        return f"{self.entry.key} [{self.device}, {self.dtype}, seed {self.seed}, shape {self.shape}]"

    def report(self) -> str:
        """A failure message naming the case, the quantity and its worst element."""
        if self.passed:
            return f"{self.label}: pass"
        lines = [f"{self.label}: {self.status}"]
        if self.message:
            lines.append("  " + self.message)
        lines += ["  " + c.detail for c in self.comparisons if not c.passed]
        return "\n".join(lines)


def _last_frame(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def run_case(entry: Entry, impl: ModuleType | Any, device: str, dtype: str, seed: int, shape: Any) -> CaseResult:
    """Draw one case, run the implementation and the oracle, compare every quantity."""
    result = CaseResult(entry, device, dtype, seed, shape)
    missing = [name for name in entry.needs if not callable(getattr(impl, name, None))]
    if missing:
        result.status, result.message = "not implemented", f"missing {', '.join(missing)}"
        return result
    np_dtype, torch_dtype = DTYPES[dtype]
    case = entry.draw(case_rng(entry, seed, shape), shape, np_dtype)
    with strict_float32():
        expected = entry.oracle(case, device, torch_dtype)
    try:
        actual = entry.run(impl, case)
    except Exception as exc:  # the implementation under test failed: report, don't crash
        result.status, result.message = "error", _last_frame(exc)
        return result
    for name, ref in expected.items():
        if name not in actual:
            result.comparisons.append(Comparison(name, False, detail=f"{name} was not returned"))
            continue
        result.comparisons.append(compare(name, actual[name], ref.value, ref.bound, np_dtype, ref.scalar))
    if not all(c.passed for c in result.comparisons):
        result.status = "FAIL"
    return result


@dataclass
class Row:
    """One line of the ``nn-verify`` table: a catalogue ID on one device and dtype."""

    id: str
    equation: str
    device: str
    dtype: str
    cases: int = 0
    max_abs: float = 0.0
    max_rel: float = 0.0
    worst_fraction: float = 0.0
    status: str = "pass"
    worst: str = ""  # the worst case's label and detail

    def add(self, result: CaseResult) -> None:
        self.cases += 1
        order = {"pass": 0, "not implemented": 1, "FAIL": 2, "error": 3}
        if order[result.status] > order[self.status]:
            self.status = result.status
            self.worst = result.report()
        for c in result.comparisons:
            if np.isfinite(c.max_abs):
                self.max_abs = max(self.max_abs, c.max_abs)
            if np.isfinite(c.max_rel):
                self.max_rel = max(self.max_rel, c.max_rel)
            if not np.isnan(c.fraction) and c.fraction > self.worst_fraction:
                self.worst_fraction = c.fraction
                if self.status == "pass":
                    self.worst = f"{result.label}: {c.name}"


def verify(
    impl: ModuleType | Any,
    devices: Iterable[str],
    dtypes: Iterable[str],
    seeds: Iterable[int] = SEEDS,
    ids: Iterable[str] | None = None,
) -> list[Row]:
    """Run every entry (or those of ``ids``) for every device, dtype, seed and shape."""
    wanted = set(ids) if ids is not None else None
    rows: dict[tuple[str, str, str], Row] = {}
    for entry in entries():
        if wanted is not None and entry.id not in wanted:
            continue
        for device in devices:
            for dtype in dtypes:
                row = rows.setdefault((entry.id, device, dtype), Row(entry.id, entry.equation, device, dtype))
                for seed in seeds:
                    for shape in entry.shapes:
                        row.add(run_case(entry, impl, device, dtype, seed, shape))
    return list(rows.values())
