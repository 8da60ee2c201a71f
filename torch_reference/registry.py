"""One registry of catalogue entries drives the tests and the ``nn-verify`` report.

An :class:`Entry` says, for one catalogue ID (and optionally one variant of it):

* ``draw(rng, shape, dtype)`` -> a case: the NumPy inputs, in the notes' layout;
* ``run(impl, case)`` -> what the implementation under test computes, by name
  (``{"A": ..., "dZ": ...}``), through the contract's functions (scratch_nn's names);
* ``oracle(case, device, dtype)`` -> what PyTorch computes for the same names,
  each a :class:`Reference` with its rounding-error bound (see ``tolerance.py``);
* ``shapes``: the shapes every case is drawn at; ``needs``: the contract
  functions it calls (a missing one makes the row "not implemented").

Adding an equation is adding an entry (in the ``torch_reference`` module of its
concept); ``tests/test_registry.py`` and ``nn-verify`` pick it up. The modules are
discovered, not listed: any module of the package that imports ``register`` (or
``register_check``) from here is imported by :func:`entries` (:func:`concept_modules`).

A :class:`Check` is a catalogue ID shown without the implementation under test (the
errata of the notes, the claims' quick experiments): ``nn-verify`` has its rows when
the implementation is scratch_nn. A draw that rejects cases does so through
``cases.redraw``, whose cap turns a rule that cannot be met into an error row that
names the entry.
"""

from __future__ import annotations

import copy
import functools
import importlib
import re
import sys
import time
import traceback
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from . import cases, refcache
from .compare import Comparison, compare
from .device import DTYPES, strict_float32
from .diagnose import diagnose, source_diagnosis, write_diagnosis
from .loader import source_of
from .sandbox import StudentCodeError

Case = dict[str, Any]


@dataclass(frozen=True)
class Reference:
    """The oracle's value of one quantity (float64, notes' layout) and its bound (units of u)."""

    value: np.ndarray
    bound: np.ndarray | float
    scalar: bool = False  # the contract returns a Python float here (a cost)
    optional: bool = False  # an extra the contract does not require (e.g. dZ[l] in model_backward's dict)


#: an entry's call of the implementation under test: ``run(impl, case) -> {name: value}``
Run = Callable[[Any, Case], dict[str, Any]]
#: an entry's oracle: ``oracle(case, device, torch dtype) -> {name: Reference}``
Oracle = Callable[[Case, str, Any], dict[str, Reference]]


class NotApplicable(Exception):  # noqa: N818 - reads as a case status, like 'n/a'
    """Raised by an implementation adapter when a case asks for something the
    implementation cannot express (e.g. a tanh layer of a course-style module whose
    ``L_model_forward`` has ReLU hidden layers fixed). The case is skipped, not failed."""


class OracleUnavailable(NotApplicable):
    """Raised by an oracle that cannot run here (an optional package is not installed): the case is
    "n/a" with this message, and its row is listed, so that what was not checked is said."""


class OtherVariant(NotApplicable):
    """The case is drawn for another reading of the function (another architecture a 2-layer course
    function may have): it is not counted at all, neither run nor "not run"."""


@dataclass(frozen=True)
class Entry:
    id: str
    equation: str
    draw: Callable[[np.random.Generator, Any, type], Case]
    run: Run
    oracle: Oracle
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
    #: a course assignment's function this entry checks, as the report names it ("" for the contract)
    function: str = ""
    #: the output's dtype must be the inputs' (the contract's promise; the course makes none)
    strict_dtype: bool = True
    #: the oracle returns {label: {name: Reference}}, each a documented way of doing it (the
    #: course's initializers: 0.01·randn or randn/√n); the case passes if one agrees
    alternatives: bool = False
    #: ``prepare(impl, case) -> case``: what the oracle must know of the implementation before
    #: it runs (the seed an initializer sets itself, read from its source)
    prepare: Callable[[Any, Case], Case] | None = None
    #: ``explain(case, actual) -> str``: the likely cause of a failed case, from what the entry
    #: knows of its own equation (an initializer's draws: rand instead of randn, a scale never
    #: applied); it takes precedence over the generic signatures of diagnose.py
    explain: Callable[[Case, dict[str, Any]], str] | None = None
    #: ``fd(case) -> {name: (centered difference, its bound)}``: what to difference for this entry's
    #: finite-difference twin (``gradient_check.py`` registers it, ``based_on`` this entry); None: no twin
    fd: Callable[[Case], dict[str, tuple[np.ndarray, Any]]] | None = None
    #: the planted bugs this entry must catch: ``(what is wrong, {contract name: wrong function})``,
    #: run by ``tests/test_mutants.py`` (from the operation's description, ``ops.py``, where it has one)
    mutants: tuple[tuple[str, dict[str, Callable[..., Any]]], ...] = ()
    #: the entry this one is a variant of (a forward-only or at-0 variant, a finite-difference twin)
    based_on: Entry | None = None

    @property
    def key(self) -> str:
        """``ID`` or ``ID[variant]``: unique in the registry, used as the test id."""
        return f"{self.id}[{self.variant}]" if self.variant else self.id


@dataclass(frozen=True)
class Check:
    """A catalogue ID shown by running the notes themselves, not the implementation under test: an
    erratum's lines as written and corrected (``errata.py``), a claim's quick experiment
    (``experiments/quick.py``). ``run(dtype, seed)`` returns the comparisons of one run, each passed
    or not on its own criterion (an as-written line passes by *disagreeing* with PyTorch); the row
    passes when every comparison of every run does. Checks run only when the implementation under
    test is the reference, scratch_nn (they do not call the implementation)."""

    id: str
    #: what is shown, with the row's pass criterion
    equation: str
    run: Callable[[str, int], list[Comparison]]
    variant: str = ""
    oracle_kind: str = "PyTorch"
    dtypes: tuple[str, ...] | None = None
    #: how many of the report's seeds it runs (None: every one); an experiment's setting is fixed
    seeds: int | None = None

    @property
    def key(self) -> str:
        return f"{self.id}[{self.variant}]" if self.variant else self.id

    @property
    def function(self) -> str:
        return ""


REGISTRY: list[Entry] = []
CHECKS: list[Check] = []


def register(entry: Entry) -> Entry:
    if any(e.key == entry.key for e in REGISTRY):
        raise ValueError(f"duplicate registry entry {entry.key}")
    REGISTRY.append(entry)
    return entry


def register_check(check: Check) -> Check:
    if any(c.key == check.key for c in CHECKS):
        raise ValueError(f"duplicate catalogue check {check.key}")
    CHECKS.append(check)
    return check


#: a module-level ``from .registry import ...`` (or ``from ..registry``), its names (one line or parenthesized)
_REGISTRY_IMPORT = re.compile(r"^from \.+(?:[\w.]*\.)?registry import (\([^)]*\)|[^\n]*)", re.M)


def _registers(path: Path) -> bool:
    """The module at ``path`` imports ``register`` or ``register_check`` from this module."""
    imports = _REGISTRY_IMPORT.findall(path.read_text(encoding="utf-8"))
    return any(re.search(r"\bregister(?:_check)?\b", names) for names in imports)


@functools.cache
def concept_modules() -> tuple[str, ...]:
    """The modules of this package (subpackages included) whose import registers entries or checks:
    those that import ``register`` or ``register_check`` from here, found by reading their source
    (nothing is imported to find them), in the order of their paths."""
    root = Path(__file__).resolve().parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name != "registry.py" and _registers(path):
            parts = path.relative_to(root).with_suffix("").parts
            found.append(".".join((__package__, *parts[:-1], *([] if parts[-1] == "__init__" else parts[-1:]))))
    return tuple(found)


def _import_concept_modules() -> None:
    for module in concept_modules():
        importlib.import_module(module)


def entries() -> list[Entry]:
    """Every registered entry (importing the concept modules registers them)."""
    _import_concept_modules()
    return list(REGISTRY)


def checks() -> list[Check]:
    """Every catalogue check (the errata's and the claims'; importing their modules registers them)."""
    _import_concept_modules()
    return list(CHECKS)


#: ``source(impl) -> entries``: more entries for some implementations (torch_reference.course adds
#: the course's for a student's module with course roles). The sources register themselves, so the
#: registry imports none of them.
ENTRY_SOURCES: list[Callable[[Any], list[Entry]]] = []


def register_entry_source(source: Callable[[Any], list[Entry]]) -> None:
    ENTRY_SOURCES.append(source)


def entries_for(impl: ModuleType | Any) -> list[Entry]:
    """The contract's entries, and those the registered sources add for ``impl`` (for a student's
    module with course roles, the course's: the roles were recognized by torch_reference.course,
    which registered its source when imported)."""
    return entries() + [e for source in ENTRY_SOURCES for e in source(impl)]


#: default seeds of every case (tests and nn-verify)
SEEDS = (0, 1, 2)


def case_rng(entry: Entry, seed: int, shape: Any) -> np.random.Generator:
    """A generator determined by (entry, seed, shape) alone: cases never depend on order."""
    return np.random.default_rng([seed, zlib.crc32(f"{entry.key}|{shape}".encode())])


@dataclass
class CaseResult:
    entry: Entry | Check
    device: str
    dtype: str
    seed: int
    shape: Any
    comparisons: list[Comparison] = field(default_factory=list)
    status: str = "pass"  # pass | FAIL | error | not implemented | n/a
    message: str = ""
    note: str = ""  # which documented alternative the output matched (Entry.alternatives)
    other_variant: bool = False  # drawn for another reading of the function (OtherVariant): not counted
    unavailable: bool = False  # n/a because the oracle cannot run here (OracleUnavailable)

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    @property
    def label(self) -> str:
        shape = "" if self.shape is None else f", shape {self.shape}"
        return f"{self.entry.key} [{self.device}, {self.dtype}, seed {self.seed}{shape}]"

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


_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def _is_checker_frame(filename: str) -> bool:
    """A frame of the checker, NumPy, PyTorch or Python itself (not of the code under test)."""
    return (
        filename.startswith(_PACKAGE_DIR)
        or "site-packages" in filename
        or filename.startswith(sys.prefix)
        or (filename.startswith("<") and filename != "<string>")
    )


def _frames(exc: BaseException) -> list[traceback.FrameSummary]:
    """The frames of ``exc``: those of the sandbox's child for an exception raised there."""
    remote = getattr(exc, "remote_frames", None)
    if remote is not None:
        return [traceback.FrameSummary(f, n, name, lookup_line=False, line=line) for f, n, name, line in remote]
    return traceback.extract_tb(exc.__traceback__)


def _last_frame(exc: BaseException) -> str:
    """The exception and where it was raised: the last frame of the code under test, if any."""
    frames = _frames(exc)
    theirs = [f for f in frames if not _is_checker_frame(f.filename)]
    frame = theirs[-1] if theirs else frames[-1] if frames else None
    where = f" (at {frame.filename}:{frame.lineno} in {frame.name})" if frame else ""
    line = f": {frame.line.strip()}" if theirs and frame is not None and frame.line else ""
    return f"{type(exc).__name__}: {exc}{where}{line}"


def _functions(impl: Any, entry: Entry) -> list[Any]:
    """The functions of ``impl`` an entry calls (by contract name or course role)."""
    out = []
    for name in entry.needs:
        if name.startswith("role:"):
            func = getattr(impl, "course_roles", {}).get(name[5:])
        else:
            found = impl._find(name) if hasattr(type(impl), "_find") else None
            func = found[1] if found else None
        if func is not None:
            out.append(func)
    return out


def _with_source_cause(impl: Any, entry: Entry, status: str, message: str) -> tuple[str, str]:
    functions = _functions(impl, entry)
    if message.startswith("the function returned None") and functions:
        names = " or ".join(getattr(f, "__name__", "?") for f in functions)
        message = message.replace("the function returned None", f"{names} returned None", 1)
    cause = source_diagnosis(functions) if status == "error" else ""
    return status, message + (f"\n    likely cause: {cause}" if cause else "")


def _blame(exc: BaseException) -> tuple[str, str]:
    """(status, message) for an exception out of ``Entry.run``: the student's code raised it, or the
    checker called a function with arguments it does not take (a checker bug), or the checker could
    not read what the function returned (its output is not what the course's returns)."""
    if isinstance(exc, StudentCodeError):  # it exited, hung, crashed or ran out of memory
        return "error", str(exc)
    frames = _frames(exc)
    if any(not _is_checker_frame(f.filename) for f in frames):
        return "error", _last_frame(exc)
    if isinstance(exc, (TypeError, AttributeError)) and "NoneType" in str(exc):
        return "error", f"the function returned None: a missing return statement? ({_last_frame(exc)})"
    if isinstance(exc, TypeError) and "argument" in str(exc):
        return "error", f"checker bug, not your code (please report it): {_last_frame(exc)}"
    return "error", f"the function's output is not in the form the checker expects: {_last_frame(exc)}"


def provides(impl: ModuleType | Any, name: str) -> bool:
    """True if ``impl`` has the contract function ``name``, or the course role ``role:KEY``."""
    if name.startswith("role:"):
        return name[5:] in getattr(impl, "course_roles", {})
    return callable(getattr(impl, name, None))


def checked_by_student(impl: ModuleType | Any, entry: Entry) -> bool:
    """False if every function the entry needs comes from the course's helpers (not the student's)."""
    theirs = getattr(impl, "is_students_name", None)
    return theirs is None or any(theirs(name) for name in entry.needs)


class CheckerError(Exception):
    """A failure inside the checker itself (its draw, oracle or adapter), never the student's."""


def _references(entry: Entry, case: Case, device: str, dtype: str, seed: int, shape: Any) -> Any:
    """The oracle's references for the case: kept while :class:`torch_reference.refcache.reference_cache`
    is on (by the case for an entry without ``prepare``, else by a digest of the prepared case)."""

    def compute() -> Any:
        with strict_float32():
            return entry.oracle(case, device, DTYPES[dtype][1])

    key = (entry.key, device, dtype, seed, repr(shape)) if entry.prepare is None else refcache.case_key(case)
    if key is None:
        return compute()
    return refcache.cached("references", (entry.key, device, dtype, key), compute)


def _oracle_failed(result: CaseResult, exc: Exception, bug: str) -> CaseResult:
    """The row of an oracle (or a catalogue check) that raised: "n/a" when it cannot run here
    (NotApplicable; ``unavailable`` for OracleUnavailable: a package is missing), else an error
    reported as ``bug: <where it raised>``."""
    if isinstance(exc, NotApplicable):
        result.status, result.message = "n/a", str(exc)
        result.unavailable = isinstance(exc, OracleUnavailable)
    else:
        result.status, result.message = "error", f"{bug}: {_last_frame(exc)}"
    return result


def run_case(entry: Entry, impl: ModuleType | Any, device: str, dtype: str, seed: int, shape: Any) -> CaseResult:
    """Draw one case, run the implementation and the oracle, compare every quantity."""
    result = CaseResult(entry, device, dtype, seed, shape)
    missing = [name for name in entry.needs if not provides(impl, name)]
    if missing:
        result.status, result.message = "not implemented", f"missing {', '.join(missing)}"
        return result
    if not checked_by_student(impl, entry):
        result.status = "n/a"
        result.message = f"{', '.join(entry.needs)} come from the course's helper files, not the student's: not checked"
        return result
    np_dtype = DTYPES[dtype][0]
    take_writes = getattr(getattr(impl, "sandbox", None), "take_writes", lambda: [])
    take_writes()  # what an earlier case's calls wrote is that case's

    def draw() -> Case:
        with cases.drawing(entry.key):  # a draw that cannot meet its rule names the entry
            return entry.draw(case_rng(entry, seed, shape), shape, np_dtype)

    try:
        case = refcache.cached("draw", (entry.key, dtype, seed, repr(shape)), draw)
    except Exception as exc:  # the checker's own draw: a checker bug, reported as the row's error
        result.status, result.message = "error", f"checker bug (not your code): drawing the case: {_last_frame(exc)}"
        return result
    if entry.prepare is not None:  # may call the student's code (a training loop's own initializer)
        try:
            case = entry.prepare(impl, case)
        except NotApplicable as exc:
            result.status, result.message = "n/a", str(exc)
            return result
        except Exception as exc:
            result.status, result.message = _blame(exc)
            return result
    try:
        expected = _references(entry, case, device, dtype, seed, shape)
    except Exception as exc:
        return _oracle_failed(result, exc, "checker bug (not your code): the oracle")
    try:
        actual = entry.run(impl, copy.deepcopy(case))  # the student's code may write into what it is given
    except NotApplicable as exc:
        result.status, result.message = "n/a", str(exc)
        result.other_variant = isinstance(exc, OtherVariant)
        return result
    except CheckerError as exc:
        result.status, result.message = "error", f"checker bug (not your code): {exc}"
        return result
    except AssertionError as exc:
        if dtype != "float64":  # the course's own asserts (cost.dtype == float) expect float64
            result.status, result.message = "n/a", f"an assert of the code fails on {dtype} input: {_last_frame(exc)}"
        else:
            result.status, result.message = _with_source_cause(impl, entry, *_blame(exc))
        return result
    except NameError as exc:
        report = getattr(impl, "load_report", None)
        if report is not None and getattr(exc, "name", None) in report.unresolved:
            result.status = "n/a"
            result.message = f"it uses {exc.name}, which the file neither defines nor imports: {_last_frame(exc)}"
        else:
            result.status, result.message = _blame(exc)
        return result
    except Exception as exc:  # the implementation under test failed: report, don't crash
        result.status, result.message = _with_source_cause(impl, entry, *_blame(exc))
        return result
    if not isinstance(actual, dict):
        result.status, result.message = "error", f"expected a dict of results, got {type(actual).__name__}"
        return result
    writes = take_writes()
    if entry.alternatives:
        tries = {label: _compare_all(entry, refs, actual, case, np_dtype) for label, refs in expected.items()}
        label = next((k for k, cs in tries.items() if all(c.passed for c in cs)), None)
        if label is None:  # none agrees: report against the one that comes closest
            label = min(tries, key=lambda k: max((c.fraction for c in tries[k] if not np.isnan(c.fraction)),
                                                 default=np.inf))  # fmt: skip
            result.message = "the output matches none of: " + "; ".join(expected)
        result.note = f"matches {label}"
        result.comparisons = tries[label]
    else:
        strict = entry.strict_dtype and getattr(impl, "course_roles", None) is None
        result.comparisons = _compare_all(replace(entry, strict_dtype=strict), expected, actual, case, np_dtype)
        if not strict and entry.strict_dtype:
            upcast = sorted(k for k in expected if getattr(actual.get(k), "dtype", np_dtype) != np_dtype)
            if upcast and all(c.passed for c in result.comparisons):
                result.note = (
                    f"returns {actual[upcast[0]].dtype} arrays from {dtype} inputs (the course's "
                    "code may; the values agree within the inputs' dtype's tolerance)"
                )
    if writes:  # its own verdict, whatever the values: the caller's arrays were changed
        result.status = "FAIL"
        result.message = "\n  ".join([*writes[:3], *([f"... {len(writes) - 3} more"] if len(writes) > 3 else [])])
        cause = write_diagnosis(impl, writes[0])
        if cause:
            result.message += f"\n    likely cause: {cause}"
    if not all(c.passed for c in result.comparisons):
        result.status = "FAIL"
        cause = entry.explain(case, actual) if entry.explain is not None else ""
        if not cause and any("keepdims" in c.diagnosis for c in result.comparisons):
            cause = _squeezed(impl, entry)
        if cause:
            first = next(i for i, c in enumerate(result.comparisons) if not c.passed)
            result.comparisons = [
                replace(c, diagnosis=cause if i == first else "") if not c.passed else c
                for i, c in enumerate(result.comparisons)
            ]
    return result


def _squeezed(impl: Any, entry: Entry) -> str:
    """A (n,) db from np.squeeze(np.sum(..., keepdims=True)), not from a missing keepdims."""
    for func in _functions(impl, entry):
        try:
            source = source_of(func)
        except (OSError, TypeError):
            continue
        if "squeeze(" in source and "keepdims=True" in source.replace(" ", ""):
            return (f"np.squeeze in {func.__name__} drops the column's second axis: a (n, 1) result becomes (n,); "
                    "keep np.sum(dZ, axis=1, keepdims=True) as it is")  # fmt: skip
    return ""


def _skipped_layer(name: str, actual: dict[str, Any]) -> str:
    """A layer's gradient missing between layers that are there: a loop that skips it."""
    prefix, layer = name.rstrip("0123456789"), name[len(name.rstrip("0123456789")) :]
    if not (prefix.startswith("d") and layer):
        return ""
    others = [int(k[len(prefix) :]) for k in actual if k.startswith(prefix) and k[len(prefix) :].isdigit()]
    if (others and min(others) < int(layer) < max(others)) or (
        others and int(layer) in (min(others) - 1, max(others) + 1)
    ):
        return "a loop that skips this layer (check the range of the backward loop)"
    return ""


def _compare_all(entry: Entry, expected: dict[str, Reference], actual: dict[str, Any], case: Case,
                 np_dtype: type) -> list[Comparison]:  # fmt: skip
    out = []
    for name, ref in expected.items():
        if name not in actual:
            if not ref.optional:
                out.append(
                    Comparison(name, False, detail=f"{name} was not returned", diagnosis=_skipped_layer(name, actual))
                )
            continue
        comparison = compare(name, actual[name], ref.value, ref.bound, np_dtype, ref.scalar, entry.strict_dtype)
        if not comparison.passed:
            cause = diagnose(name, actual[name], ref.value, ref.bound, np_dtype, case, expected, ref.scalar)
            comparison = replace(comparison, diagnosis=cause or "")
        out.append(comparison)
    return out


def run_check(check: Check, dtype: str, seed: int) -> CaseResult:
    """Run one catalogue check (on the CPU): its comparisons, passed when every one passes. An oracle
    that cannot run here (OracleUnavailable) makes it "n/a"; any other exception is a checker bug."""
    result = CaseResult(check, "cpu", dtype, seed, None)
    try:
        with strict_float32():
            result.comparisons = check.run(dtype, seed)
    except Exception as exc:
        return _oracle_failed(result, exc, "checker bug")
    if not result.comparisons or not all(c.passed for c in result.comparisons):
        result.status = "FAIL"
        result.message = "" if result.comparisons else "the check compared nothing"
    return result


@dataclass
class Row:
    """One line of the ``nn-verify`` table: one registry entry (a catalogue ID and its variant) or
    one catalogue check, against one oracle, on one device and dtype."""

    id: str
    equation: str
    device: str
    dtype: str
    oracle: str = "PyTorch"
    function: str = ""  # the course function this row checks ("" for the contract's rows)
    variant: str = ""  # the entry's variant ("" for an ID's only reading)
    cases: int = 0
    max_abs: float = 0.0
    max_rel: float = 0.0
    worst_fraction: float = 0.0
    status: str = "n/a"  # until a case is added
    worst: str = ""  # the worst case's label and detail
    skipped: int = 0  # cases the implementation cannot express (n/a)
    passed_cases: int = 0
    notes: set[str] = field(default_factory=set)  # which documented alternatives the outputs matched
    unavailable: str = ""  # why the oracle could not run here (an optional package missing), if so

    @property
    def key(self) -> str:
        """``ID`` or ``ID[variant]``, as the registry and the tests name it."""
        return f"{self.id}[{self.variant}]" if self.variant else self.id

    @property
    def failed(self) -> bool:
        """FAIL or error: the implementation disagrees (missing or n/a is not a failure)."""
        return self.status in ("FAIL", "error")

    def add(self, result: CaseResult) -> None:
        """Count one case. Cases the implementation lacks or cannot express are counted apart
        (``skipped``); the status is the worst of the cases that ran, "not implemented" or "n/a"
        only when none ran."""
        if result.other_variant:
            return
        if result.status in ("n/a", "not implemented"):
            self.skipped += 1
            if result.unavailable:
                self.unavailable = result.message
            if self.cases == 0 and (result.status == "not implemented" or self.status != "not implemented"):
                self.status, self.worst = result.status, result.report()
            return
        if self.cases == 0:
            self.status, self.worst = "pass", ""
        self.cases += 1
        self.passed_cases += result.passed
        if result.note and result.passed:
            self.notes.add(result.note)
        order = {"pass": 0, "FAIL": 2, "error": 3}
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

    @property
    def ran(self) -> bool:
        """Some case of this row was checked (it is not all "not implemented" or "n/a")."""
        return self.cases > 0

    @property
    def listed(self) -> bool:
        """Shown without ``-v``: some case ran, or the oracle could not run here (said, not hidden). A row
        that cannot apply to the implementation under test (a function it lacks, a reading it does not
        have) is listed with ``-v`` only."""
        return self.ran or bool(self.unavailable)


def is_reference(impl: ModuleType | Any) -> bool:
    """``impl`` is scratch_nn itself, the implementation the notes' checks (errata, claims) are run with."""
    return isinstance(impl, ModuleType) and impl.__name__ == "scratch_nn"


def verify(
    impl: ModuleType | Any,
    devices: Iterable[str],
    dtypes: Iterable[str],
    seeds: Iterable[int] = SEEDS,
    ids: Iterable[str] | None = None,
    progress: Any = None,
    merge_variants: bool = False,
) -> list[Row]:
    """Run every entry (or those of ``ids``) for every device, dtype, seed and shape, one row per entry
    (each variant its own, with its own equation), device and dtype; and, for the reference (scratch_nn),
    every catalogue check (the errata, the claims: on the CPU, see :class:`Check`). Rows in the
    catalogue's order: the entries' by ID (an ID's in registration order), then the checks'.

    ``merge_variants``: one row per ID x function x oracle x device x dtype instead, the variants'
    cases counted together under the first one's equation (a gradebook's coarser rows).

    ``progress``, if given, is told ``start(n)``, then ``done(entry_or_check, seconds, rows)`` as each
    finishes (with the rows it added cases to), then ``close()``."""
    wanted = set(ids) if ids is not None else None
    devices, dtypes, seeds = list(devices), list(dtypes), list(seeds)
    chosen = [e for e in entries_for(impl) if wanted is None or e.id in wanted]
    notes = [c for c in checks() if wanted is None or c.id in wanted] if is_reference(impl) and "cpu" in devices else []
    rows: dict[tuple[str, str, str, str, str, str], Row] = {}
    if progress is not None:
        progress.start(len(chosen) + len(notes))
    try:
        for item in chosen + notes:
            start = time.perf_counter()
            touched = _verify_entry(item, impl, devices, dtypes, seeds, rows, merge_variants)
            if progress is not None:
                progress.done(item, time.perf_counter() - start, touched)
    finally:
        if progress is not None:
            progress.close()
    shown = {c.id for c in notes}  # the checks' rows stay in their own order, after the entries'
    return sorted(rows.values(), key=lambda r: (r.id in shown, "" if r.id in shown else r.id))


def _verify_entry(item: Entry | Check, impl: Any, devices: list[str], dtypes: list[str], seeds: list[int],
                  rows: dict[tuple[str, str, str, str, str, str], Row], merge: bool) -> list[Row]:  # fmt: skip
    touched = []
    variant = "" if merge else item.variant
    for device in devices if isinstance(item, Entry) else ["cpu"]:
        for dtype in dtypes:
            if item.dtypes is not None and dtype not in item.dtypes:
                continue
            key = (item.id, variant, item.function, item.oracle_kind, device, dtype)
            row = rows.setdefault(key, Row(item.id, item.equation, device, dtype, item.oracle_kind, item.function,
                                           variant))  # fmt: skip
            touched.append(row)
            if isinstance(item, Check):
                for seed in seeds[: item.seeds]:
                    row.add(run_check(item, dtype, seed))
                continue
            for seed in seeds:
                for shape in item.shapes:
                    row.add(run_case(item, impl, device, dtype, seed, shape))
    return touched
