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
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

import numpy as np

from .compare import Comparison, compare
from .device import DTYPES, strict_float32
from .diagnose import diagnose

Case = dict[str, Any]


@dataclass(frozen=True)
class Reference:
    """The oracle's value of one quantity (float64, notes' layout) and its bound (units of u)."""

    value: np.ndarray
    bound: np.ndarray | float
    scalar: bool = False  # the contract returns a Python float here (a cost)
    optional: bool = False  # an extra the contract does not require (e.g. dZ[l] in model_backward's dict)


class NotApplicable(Exception):  # noqa: N818 - reads as a case status, like 'n/a'
    """Raised by an implementation adapter when a case asks for something the
    implementation cannot express (e.g. a tanh layer of a course-style module whose
    ``L_model_forward`` has ReLU hidden layers fixed). The case is skipped, not failed."""


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
    #: the dtypes the entry is meaningful in (None: every dtype). A finite-difference oracle, for
    #: one, is float64 only: in float32 its rounding error (u·|J|/h) is as large as the gradient.
    dtypes: tuple[str, ...] | None = None
    #: what the implementation is compared with: "PyTorch" (autograd and the nn modules),
    #: "finite differences" (an independent float64 cost), or "sample statistics"; one
    #: nn-verify row per ID x oracle x device x dtype
    oracle_kind: str = "PyTorch"

    @property
    def key(self) -> str:
        """``ID`` or ``ID[variant]``: unique in the registry, used as the test id."""
        return f"{self.id}[{self.variant}]" if self.variant else self.id


REGISTRY: list[Entry] = []

#: the torch_reference modules whose import registers entries, in catalogue order
CONCEPT_MODULES = ["activations", "layers", "losses", "model", "initializers", "data", "dropout", "regularization"]
CONCEPT_MODULES += ["loops", "trajectories", "gradient_check"]  # issue 4: derivations verified three ways


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
    status: str = "pass"  # pass | FAIL | error | not implemented | n/a
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
        for c in self.comparisons:
            if not c.passed:
                lines.append("  " + c.detail)
                if c.diagnosis:
                    lines.append("    likely cause: " + c.diagnosis)
        return "\n".join(lines)

    @property
    def diagnoses(self) -> list[str]:
        """The likely causes found for the failed comparisons of this case."""
        return [c.diagnosis for c in self.comparisons if c.diagnosis]


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
    except NotApplicable as exc:
        result.status, result.message = "n/a", str(exc)
        return result
    except Exception as exc:  # the implementation under test failed: report, don't crash
        result.status, result.message = "error", _last_frame(exc)
        return result
    if not isinstance(actual, dict):
        result.status, result.message = "error", f"expected a dict of results, got {type(actual).__name__}"
        return result
    for name, ref in expected.items():
        if name not in actual:
            if not ref.optional:
                skipped = name[-1].isdigit() and name.startswith("d")
                cause = "a loop that skips this layer (check the range of the backward loop)" if skipped else ""
                result.comparisons.append(Comparison(name, False, detail=f"{name} was not returned", diagnosis=cause))
            continue
        comparison = compare(name, actual[name], ref.value, ref.bound, np_dtype, ref.scalar)
        if not comparison.passed:
            cause = diagnose(name, actual[name], ref.value, ref.bound, np_dtype, case, expected, ref.scalar)
            comparison = replace(comparison, diagnosis=cause or "")
        result.comparisons.append(comparison)
    if not all(c.passed for c in result.comparisons):
        result.status = "FAIL"
    return result


@dataclass
class Row:
    """One line of the ``nn-verify`` table: a catalogue ID, checked against one oracle, on one
    device and dtype."""

    id: str
    equation: str
    device: str
    dtype: str
    oracle: str = "PyTorch"
    cases: int = 0
    max_abs: float = 0.0
    max_rel: float = 0.0
    worst_fraction: float = 0.0
    status: str = "pass"
    worst: str = ""  # the worst case's label and detail
    skipped: int = 0  # cases the implementation cannot express (n/a)

    @property
    def failed(self) -> bool:
        """FAIL or error: the implementation disagrees (missing or n/a is not a failure)."""
        return self.status in ("FAIL", "error")

    def add(self, result: CaseResult) -> None:
        if result.status == "n/a":
            self.skipped += 1
            if self.cases == 0:
                self.status, self.worst = "n/a", result.report()
            return
        if self.status == "n/a":
            self.status, self.worst = "pass", ""
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
    rows: dict[tuple[str, str, str, str], Row] = {}
    for entry in entries():
        if wanted is not None and entry.id not in wanted:
            continue
        for device in devices:
            for dtype in dtypes:
                if entry.dtypes is not None and dtype not in entry.dtypes:
                    continue
                key = (entry.id, entry.oracle_kind, device, dtype)
                row = rows.setdefault(key, Row(entry.id, entry.equation, device, dtype, entry.oracle_kind))
                for seed in seeds:
                    for shape in entry.shapes:
                        row.add(run_case(entry, impl, device, dtype, seed, shape))
    return list(rows.values())
