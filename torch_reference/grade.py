"""Grading a class: ``nn-verify grade`` (a folder of submissions) and ``nn-verify gradescope`` (one).

``nn-verify grade SUBMISSIONS_DIR --output OUT_DIR [--rubric RUBRIC] [-j N] [--timeout S]``

* Each entry of SUBMISSIONS_DIR is one submission: a ``.py``, a ``.ipynb``, or a folder (its main
  file is the ``.py``/``.ipynb`` that defines the most functions the checker knows; its other files
  are helpers the main file may import).
* Each submission is checked as ``nn-verify --impl`` checks a file (:func:`check_submission`): on
  the CPU, in float64 and float32, with the default seeds. ``-j N`` (default: the number of cores)
  worker processes, started once (``spawn``), each importing torch once and checking many
  submissions; the PyTorch references (each case's draw and oracle) are computed once per worker
  and reused for every student (:class:`torch_reference.refcache.reference_cache`, on in each worker).
* A bad submission never stops the run: everything it raises is caught; a worker that dies is
  recorded as "crashed" and the pool is started again; a submission past ``--timeout`` seconds
  (default 300, a backstop behind the sandbox's own per-call limits) is "timeout".
* A rerun skips the submissions already graded (``OUT_DIR/submissions/NAME/record.json``, whose
  fingerprint is the submission's content, the seeds and the checker's version); ``--regrade``
  checks them all again. The gradebook, the results and the report are rebuilt from the records at
  the end of every run, with the rubric of that run.

Outputs in OUT_DIR: ``grades.csv`` (a row per submission: status, total, max, each rubric item,
seconds), ``submissions/NAME/results.json`` (Gradescope's autograder format), ``report.md`` and
``report.png`` (the most common mistakes by diagnosis, and the rows failed by the most students).

The rubric (``--rubric FILE.toml`` or the name of a shipped one, see ``torch_reference/rubrics``)
gives points per item; an item names catalogue IDs and/or course functions; its points are shared
equally by the functions it names (or by its IDs when it names no function), and within one, by
its rows (credit = "rows": 3 of 4 rows passing is 3/4). A function the submission lacks scores 0.
Without a rubric, every row checked on the submission is worth one point.

``nn-verify gradescope [--submission DIR] [--results FILE] [--rubric RUBRIC]`` grades one
submission on Gradescope's machines (``/autograder/submission`` in,
``/autograder/results/results.json`` out); see ``docs/grading.md``.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import csv
import hashlib
import io
import json
import math
import multiprocessing
import os
import re
import signal
import statistics
import sys
import time
import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import refcache

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10: the same parser, from PyPI
    import tomli as tomllib  # type: ignore[no-redef]

STATUSES = ("ok", "timeout", "crashed", "did not load")
#: a row some case of which was checked (the others are "not implemented" or "n/a")
RAN = ("pass", "FAIL", "error")
CREDITS = ("rows", "cases", "all")
REQUIRES = ("each", "any")
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
DTYPES = ("float64", "float32")
DEFAULT_TIMEOUT = 300.0
#: the sandbox's events that make a submission "crashed" (a "timeout" event makes it "timeout")
CRASHES = ("crashed", "memory", "exit")
#: version of the record format: a record of another version is graded again
RECORD_VERSION = 1
RUBRIC_DIR = Path(__file__).resolve().parent / "rubrics"
#: the student's printed output kept per submission (the rest is counted, not kept)
OUTPUT_LIMIT = 4000
SKIP_NAMES = {"__pycache__", ".ipynb_checkpoints", "__MACOSX"}


# ---------------------------------------------------------------------------------------- rubrics
@dataclass(frozen=True)
class Item:
    """One rubric item: ``points``, shared by the functions (or IDs) it names."""

    name: str
    points: float
    ids: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    dtypes: tuple[str, ...] = ()
    credit: str = "rows"  # rows: passed rows / checked rows; cases: passed cases / cases; all: all or nothing
    require: str = "each"  # each: a named function (or ID) with no checked row scores 0; any: one is enough
    manual: bool = False  # graded by hand: a blank column in grades.csv, not in the autograder's score
    description: str = ""
    #: exact row keys (the default rubric's items, one per row); not settable from TOML
    keys: tuple[str, ...] = ()

    def matches(self, row: Mapping[str, Any]) -> bool:
        if self.keys:
            return row_key(row) in self.keys
        return (
            (not self.ids or row["id"] in self.ids)
            and (not self.functions or any(f in row["names"] for f in self.functions))
            and (not self.dtypes or row["dtype"] in self.dtypes)
        )


@dataclass(frozen=True)
class Rubric:
    name: str
    items: tuple[Item, ...]
    title: str = ""
    visibility: str = "visible"
    source: str = ""

    @property
    def auto_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if not i.manual)


_TOP_KEYS = {"name", "title", "credit", "visibility", "description", "item"}
_ITEM_KEYS = {"name", "points", "ids", "functions", "dtypes", "credit", "require", "manual", "description"}


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{what} must be a list of non-empty strings, got {value!r}")
    return tuple(v.strip() for v in value)


def parse_rubric(
    text: str,
    source: str = "<rubric>",
    known_ids: set[str] | None = None,
    known_functions: set[str] | None = None,
) -> Rubric:
    """A rubric from TOML text. Every mistake is a ValueError that names the file and the item.

    ``known_ids`` / ``known_functions``: when given, an ID or function name outside them is an
    error (a typo would otherwise give every student 0 on the item)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ValueError(f"{source}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_TOP_KEYS))})")
    default_credit = data.get("credit", "rows")
    if default_credit not in CREDITS:
        raise ValueError(f"{source}: credit must be one of {', '.join(CREDITS)}, got {default_credit!r}")
    visibility = data.get("visibility", "visible")
    if visibility not in VISIBILITIES:
        raise ValueError(f"{source}: visibility must be one of {', '.join(VISIBILITIES)}, got {visibility!r}")
    raw_items = data.get("item")
    if not isinstance(raw_items, list) or not raw_items:
        raise ValueError(f"{source}: no items: add [[item]] tables with name, points and ids or functions")
    items: list[Item] = []
    for n, raw in enumerate(raw_items, start=1):
        label = f"{source}: item {n}" + (f" ({raw['name']!r})" if isinstance(raw.get("name"), str) else "")
        unknown = sorted(set(raw) - _ITEM_KEYS)
        if unknown:
            raise ValueError(f"{label}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_ITEM_KEYS))})")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{label}: needs a name (a non-empty string)")
        points = raw.get("points")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or not math.isfinite(points) or points <= 0:
            raise ValueError(f"{label}: points must be a positive number, got {points!r}")
        try:
            ids = _strings(raw.get("ids", []), "ids") if "ids" in raw else ()
            functions = _strings(raw.get("functions", []), "functions") if "functions" in raw else ()
            dtypes = _strings(raw.get("dtypes", []), "dtypes") if "dtypes" in raw else ()
        except ValueError as exc:
            raise ValueError(f"{label}: {exc}") from None
        manual = raw.get("manual", False)
        if not isinstance(manual, bool):
            raise ValueError(f"{label}: manual must be true or false, got {manual!r}")
        if not manual and not ids and not functions:
            raise ValueError(f"{label}: names no catalogue ID and no function (give ids, functions, or manual = true)")
        credit = raw.get("credit", default_credit)
        if credit not in CREDITS:
            raise ValueError(f"{label}: credit must be one of {', '.join(CREDITS)}, got {credit!r}")
        require = raw.get("require", "each")
        if require not in REQUIRES:
            raise ValueError(f"{label}: require must be one of {', '.join(REQUIRES)}, got {require!r}")
        bad = [d for d in dtypes if d not in DTYPES]
        if bad:
            raise ValueError(f"{label}: unknown dtype(s) {', '.join(bad)} (the grader checks {', '.join(DTYPES)})")
        if known_ids is not None:
            bad = [i for i in ids if i not in known_ids]
            if bad:
                raise ValueError(f"{label}: unknown catalogue ID(s) {', '.join(bad)}")
        if known_functions is not None:
            bad = [f for f in functions if f not in known_functions]
            if bad:
                raise ValueError(f"{label}: no function the checker knows is called {', '.join(bad)}")
        description = raw.get("description", "")
        if not isinstance(description, str):
            raise ValueError(f"{label}: description must be a string")
        items.append(Item(name.strip(), float(points), ids, functions, dtypes, credit, require, manual, description))
    names = Counter(i.name for i in items)
    dup = sorted(n for n, k in names.items() if k > 1)
    if dup:
        raise ValueError(f"{source}: item name(s) used twice: {', '.join(dup)}")
    rubric_name = data.get("name", Path(source).stem)
    title = data.get("title", "")
    if not isinstance(rubric_name, str) or not isinstance(title, str):
        raise ValueError(f"{source}: name and title must be strings")
    return Rubric(rubric_name, tuple(items), title, visibility, source)


def shipped_rubrics() -> dict[str, Path]:
    """name -> path of every rubric shipped with the package (``torch_reference/rubrics/*.toml``)."""
    return {p.stem: p for p in sorted(RUBRIC_DIR.glob("*.toml"))}


def load_rubric(spec: str | os.PathLike[str] | None, check_names: bool = True) -> Rubric | None:
    """A rubric from a TOML file or the name of a shipped one; None for no rubric (a point a row)."""
    if spec is None:
        return None
    path = Path(spec)
    shipped = shipped_rubrics()
    if not path.is_file():
        if str(spec) in shipped:
            path = shipped[str(spec)]
        else:
            raise ValueError(
                f"--rubric {spec}: no such file, and no shipped rubric of that name (shipped: {', '.join(shipped)})"
            )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"--rubric {spec}: cannot be read ({exc})") from None
    ids, functions = catalogue_names() if check_names else (None, None)
    return parse_rubric(text, str(path), ids, functions)


def catalogue_names() -> tuple[set[str], set[str]]:
    """Every catalogue ID, and every function name a rubric may name (contract, aliases, course roles)."""
    from .adapter import ALIASES
    from .assignments import ROLES
    from .impl import CONTRACT

    ids = {key[0] for key in _contract_names()} | {e.id for e in _all_entries()}
    functions = set(CONTRACT) | {n for names in ALIASES.values() for n in names} | set(ALIASES)
    functions |= {n for role in ROLES.values() for n in role.names}
    functions |= {n for e in _all_entries() for n in e.needs if not n.startswith("role:")}
    functions |= {short_name(e.function) for e in _all_entries() if e.function}
    return ids, functions


def _all_entries() -> list[Any]:
    from .assignments import course_entries
    from .registry import entries

    return entries() + course_entries()


_NAMES: dict[tuple[str, str], tuple[str, ...]] | None = None


def _contract_names() -> dict[tuple[str, str], tuple[str, ...]]:
    """(ID, oracle) of a contract row -> the function names it checks: the first function each of
    its entries needs (``linear_backward`` for BWD-DW), with the course's spellings of it."""
    global _NAMES
    if _NAMES is None:
        from .adapter import ALIASES
        from .registry import entries

        names: dict[tuple[str, str], set[str]] = {}
        for e in entries():
            if e.needs and not e.function:
                first = e.needs[0]
                names.setdefault((e.id, e.oracle_kind), set()).update((first, *ALIASES.get(first, ())))
        _NAMES = {k: tuple(sorted(v)) for k, v in names.items()}
    return _NAMES


def short_name(function: str) -> str:
    """``initialize_parameters_deep(layer_dims)`` -> ``initialize_parameters_deep``."""
    return function.split("(")[0].strip()


# ---------------------------------------------------------------------------------------- records
def row_key(row: Mapping[str, Any]) -> str:
    return f"{row['id']}|{row.get('variant', '')}|{row['function']}|{row['oracle']}|{row['dtype']}"


def row_label(row: Mapping[str, Any]) -> str:
    """``BWD-DB float32``, ``INIT-SMALL initialize_parameters_deep float64``, ``BWD-DW float64 (finite
    differences)``: the row as the gradebook names it."""
    variant = row.get("variant", "")
    parts = [row["id"], f"[{variant}]" if variant else "", short_name(row["function"]), row["dtype"]]
    text = " ".join(p for p in parts if p)
    return text + (f" ({row['oracle']})" if row["oracle"] != "PyTorch" else "")


_CAUSE = re.compile(r"likely cause:\s*(.+)")
_ERROR = re.compile(r"^(?:[\w.]*\.)?(\w+): .*\(at [^()]* in (\w+)\)")


def row_record(row: Any) -> dict[str, Any]:
    """A :class:`torch_reference.registry.Row` as plain data (what a record keeps of it)."""
    function = row.function or ""
    names = (short_name(function),) if function else _contract_names().get((row.id, row.oracle), ())
    worst = row.worst or ""
    lines = [line.strip() for line in worst.splitlines()]
    problem = next((line for line in lines[1:] if line and not line.startswith("likely cause")), "")
    diagnosis = next((m.group(1).strip() for line in lines if (m := _CAUSE.match(line))), "")
    if not diagnosis and row.status == "error":
        m = _ERROR.match(problem)
        diagnosis = f"{m.group(1)} raised in {m.group(2)}" if m else ""
    failed = row.status in ("FAIL", "error")
    return {
        "id": row.id,
        "variant": getattr(row, "variant", ""),
        "function": function,
        "names": list(names),
        "oracle": row.oracle,
        "device": row.device,
        "dtype": row.dtype,
        "status": row.status,
        "cases": row.cases,
        "passed_cases": row.passed_cases,
        "skipped": row.skipped,
        "worst_fraction": row.worst_fraction if math.isfinite(row.worst_fraction) else None,
        "problem": problem[:500] if failed or row.status in ("n/a", "not implemented") else "",
        "diagnosis": diagnosis[:300],
        "worst": worst[:3000] if failed else "",
    }


# ---------------------------------------------------------------------------------------- scoring
@dataclass
class ItemScore:
    name: str
    points: float
    score: float | None  # None: graded by hand (manual)
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.points - 1e-9


def default_rubric(rows: Sequence[Mapping[str, Any]]) -> Rubric:
    """Without a rubric: every row checked on the submission is worth one point."""
    items = tuple(
        Item(row_label(r), 1.0, (r["id"],), keys=(row_key(r),), description=r["function"])
        for r in rows
        if r["status"] in RAN
    )
    return Rubric("rows", items, "one point per checked row")


def _fraction(rows: Sequence[Mapping[str, Any]], credit: str) -> float:
    if credit == "cases":
        cases = sum(r["cases"] for r in rows)
        return sum(r["passed_cases"] for r in rows) / cases if cases else 0.0
    passed = sum(r["status"] == "pass" for r in rows)
    if credit == "all":
        return float(passed == len(rows))
    return passed / len(rows)


def _missing(rows: Sequence[Mapping[str, Any]]) -> str:
    na = [r for r in rows if r["status"] == "n/a"]
    if na:
        return "could not be checked" + (f" ({na[0]['problem']})" if na[0]["problem"] else "")
    return "missing: the submission has no such function"


def score_item(item: Item, rows: Sequence[Mapping[str, Any]]) -> ItemScore:
    """Points of one item: the mean, over the functions it names (else its IDs, or its exact rows),
    of the credit of their checked rows; one with no checked row is 0 (``require = "each"``) or left
    out (``require = "any"``, as long as one of them was checked)."""
    if item.manual:
        return ItemScore(item.name, item.points, None, "graded by hand")
    matched = [r for r in rows if item.matches(r)]
    if item.keys:
        groups = {k: [r for r in matched if row_key(r) == k] for k in item.keys}
    elif item.functions:
        groups = {f: [r for r in matched if f in r["names"]] for f in item.functions}
    else:
        groups = {i: [r for r in matched if r["id"] == i] for i in item.ids}
    fractions: list[float] = []
    lines: list[str] = []
    for label, group in groups.items():
        ran = [r for r in group if r["status"] in RAN]
        if not ran:
            lines.append(f"{label}: {_missing(group)}" + (" (not required)" if item.require == "any" else ""))
            if item.require == "each":
                fractions.append(0.0)
            continue
        fractions.append(_fraction(ran, item.credit))
        passed = sum(r["status"] == "pass" for r in ran)
        if len(groups) > 1 or not item.keys:
            lines.append(f"{label}: {passed} of {len(ran)} rows pass")
        for r in ran:
            if r["status"] != "pass":
                cause = f" -- likely cause: {r['diagnosis']}" if r["diagnosis"] else ""
                lines.append(f"  {row_label(r)}: {r['status']}: {r['problem']}{cause}")
    fraction = sum(fractions) / len(fractions) if fractions else 0.0
    return ItemScore(item.name, item.points, round(item.points * fraction, 2), "\n".join(lines)[:4000])


def score_record(rubric: Rubric | None, record: Mapping[str, Any]) -> list[ItemScore]:
    rows = record.get("rows", [])
    items = (rubric or default_rubric(rows)).items
    scores = [score_item(item, rows) for item in items]
    if record.get("status") != "ok" and record.get("message"):
        for s in scores:
            if s.score is not None:
                s.output = f"{record['status']}: {record['message']}" + (f"\n{s.output}" if s.output else "")
    return scores


def totals(scores: Sequence[ItemScore]) -> tuple[float, float]:
    auto = [s for s in scores if s.score is not None]
    return round(sum(s.score or 0.0 for s in auto), 2), round(sum(s.points for s in auto), 2)


# ------------------------------------------------------------------------------------ submissions
@dataclass(frozen=True)
class Submission:
    name: str  # as in the submissions folder: "alice.py", "bob" (a folder)
    path: Path  # the file, or the folder


def find_submissions(folder: str | os.PathLike[str], exclude: Iterable[Path] = ()) -> list[Submission]:
    """Each ``.py``, ``.ipynb`` and folder of ``folder`` (hidden ones, caches and ``exclude`` aside)."""
    folder = Path(folder)
    skip = {Path(p).resolve() for p in exclude}
    out = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or p.name in SKIP_NAMES or p.resolve() in skip:
            continue
        if (p.is_file() and p.suffix in (".py", ".ipynb")) or p.is_dir():
            out.append(Submission(p.name, p))
    return out


def _defined_names(path: Path) -> set[str]:
    """Top-level function names a .py or .ipynb defines (read, never run)."""
    import ast

    try:
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8", errors="replace")).get("cells", [])
            sources = ["".join(c.get("source", "")) if isinstance(c.get("source"), list) else c.get("source", "")
                       for c in cells if c.get("cell_type") == "code"]  # fmt: skip
        else:
            sources = [path.read_text(encoding="utf-8", errors="replace")]
    except (OSError, ValueError, AttributeError):
        return set()
    names: set[str] = set()
    for source in sources:
        # notebook magics and shell lines are not Python
        text = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in str(source).splitlines())
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            names |= set(re.findall(r"^def\s+(\w+)", text, flags=re.M))
            continue
        names |= {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return names


def main_file(path: Path, known: set[str] | None = None) -> Path | None:
    """The file of a submission the checker loads: the file itself, or, for a folder, its ``.py`` or
    ``.ipynb`` defining the most functions the checker knows (the top level first, then one level
    down); None if no file defines one."""
    if path.is_file():
        return path
    from .loader import COURSE_HELPERS

    if known is None:
        known = catalogue_names()[1]

    def candidates(folder: Path) -> list[Path]:
        return [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix in (".py", ".ipynb")
                and p.stem not in COURSE_HELPERS and not p.name.startswith((".", "test_"))
                and p.name not in ("setup.py", "conftest.py")]  # fmt: skip

    levels = [candidates(path)]
    levels.append([c for sub in sorted(path.iterdir()) if sub.is_dir() and sub.name not in SKIP_NAMES
                   and not sub.name.startswith(".") for c in candidates(sub)])  # fmt: skip
    for files in levels:
        ranked = sorted(((len(_defined_names(f) & known), f) for f in files), key=lambda t: (-t[0], str(t[1])))
        if ranked and ranked[0][0] > 0:
            return ranked[0][1]
    return None


def fingerprint(path: Path, seeds: int, ids: Sequence[str] | None = None) -> str:
    """What a record was made from: the submission's files, the settings and the checker's version."""
    from importlib import metadata

    try:
        version = metadata.version("nn-verify")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        version = "dev"
    h = hashlib.sha256(f"v{RECORD_VERSION}|{version}|{seeds}|{sorted(ids or [])}".encode())
    files = [path] if path.is_file() else sorted(
        p for p in path.rglob("*") if p.is_file() and not any(part in SKIP_NAMES for part in p.parts)
    )
    for p in files:
        h.update(str(p.relative_to(path) if p != path else p.name).encode() + b"\0")
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
    return h.hexdigest()


# ------------------------------------------------------------------------- checking a submission
#: the implementation being checked in this process (a worker's SIGTERM handler closes its sandbox)
_CURRENT: Any = None


class _Backstop(BaseException):
    """The grader's own time limit per submission ran out (raised by SIGALRM). Not an Exception: the
    registry's handlers, which turn the student's exceptions into error rows, must not catch it."""


class _Bounded(io.TextIOBase):
    """A text sink that keeps the first ``limit`` characters written and counts the rest."""

    def __init__(self, limit: int = OUTPUT_LIMIT) -> None:
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0
        self.limit = limit

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        s = str(s)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(s[:room])
            self.kept += min(room, len(s))
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def text(self) -> str:
        return "".join(self.parts) + (f"\n... ({self.dropped} more characters)" if self.dropped else "")


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`_Backstop` in the main thread after ``seconds`` (POSIX; elsewhere nothing)."""
    usable = seconds and hasattr(signal, "setitimer") and _main_thread()
    if not usable:
        yield
        return
    fired = []

    def handler(signum: int, frame: Any) -> None:
        if not fired:
            fired.append(True)
            raise _Backstop

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _restored_state(folder: Path) -> Iterator[None]:
    """What a student's code may change in this process, put back afterwards: sys.path, the working
    directory, NumPy's global generator and error settings, warning filters, stdout and stderr, and
    the modules its load added from ``folder`` (the submission's own)."""
    import numpy as np

    path, cwd, modules = list(sys.path), os.getcwd(), set(sys.modules)
    rng, err = np.random.get_state(), np.geterr()
    stdout, stderr = sys.stdout, sys.stderr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        sys.path[:] = path
        with contextlib.suppress(OSError):
            os.chdir(cwd)
        np.random.set_state(rng)
        np.seterr(**err)
        for name in set(sys.modules) - modules:
            if name.startswith("_nn_verify_impl_") or _inside(getattr(sys.modules.get(name), "__file__", None), folder):
                sys.modules.pop(name, None)


def _inside(file: str | None, folder: Path) -> bool:
    try:
        return bool(file) and Path(str(file)).resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False


def _sandbox(impl: Any) -> Any:
    return vars(impl).get("sandbox") if impl is not None and hasattr(impl, "__dict__") else None


def _events(impl: Any) -> list[dict[str, Any]]:
    """The sandbox's events (timeouts, exits, crashes, memory kills during calls), as plain data:
    ``impl.sandbox_events``, else ``impl.sandbox.events``; none without a sandbox."""
    events = vars(impl).get("sandbox_events") if impl is not None and hasattr(impl, "__dict__") else None
    if events is None:
        events = getattr(_sandbox(impl), "events", None)
    out = []
    for e in list(events or []):
        out.append({k: _plain(getattr(e, k, None)) for k in ("kind", "function", "seconds", "message")})
    return out


def _close(impl: Any) -> None:
    """End the sandbox's child: ``impl.close()`` if the object has such a method (not a student's
    function of that name), else ``impl.sandbox.close()``."""
    close = getattr(type(impl), "close", None)
    if callable(close):
        close(impl)
    elif callable(getattr(_sandbox(impl), "close", None)):
        _sandbox(impl).close()


def _child_output(impl: Any) -> str:
    output = getattr(_sandbox(impl), "output", None)
    if not callable(output):
        return ""
    try:
        out, err = output()
    except Exception:
        return ""
    return "\n".join(t for t in (out, err) if t)


def _plain(x: Any) -> Any:
    return x if x is None or isinstance(x, (bool, int, float, str)) else str(x)


def check_submission(
    path: str | os.PathLike[str],
    seeds: int = 3,
    ids: Sequence[str] | None = None,
    time_limit: float | None = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """Load and check one submission in this process: its record (status, message, rows, ...).

    Never raises for anything the student's code does: a load failure is "did not load", the time
    limit is "timeout", an exit or any other escape is "crashed"; the sandbox's events (when
    ``load_impl`` runs the code in a sandbox) make the status "timeout" or "crashed" too, and the
    rows that did run still count."""
    global _CURRENT
    from .device import single_threaded
    from .impl import ImplLoadError, load_impl
    from .registry import verify

    path = Path(path)
    start = time.perf_counter()
    record: dict[str, Any] = {"status": "ok", "message": "", "rows": [], "events": [], "load_report": "",
                              "defined": [], "output": ""}  # fmt: skip
    sink = _Bounded()
    impl = None
    try:
        with _restored_state(path.parent), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            with _time_limit(time_limit):
                try:
                    impl = _CURRENT = load_impl(str(path))
                    report = getattr(impl, "load_report", None)
                    if report is not None:
                        record["load_report"] = report.summary()
                        record["defined"] = list(report.defined)
                    with single_threaded():
                        rows = verify(impl, ["cpu"], list(DTYPES), seeds=range(seeds), ids=ids)
                    record["rows"] = [row_record(r) for r in rows]
                finally:
                    record["events"] = _events(impl)
                    record["output"] = _child_output(impl)
                    with contextlib.suppress(Exception):
                        _close(impl)
                    _CURRENT = None
    except ImplLoadError as exc:
        message = str(exc).removeprefix("--impl ").strip()
        record["status"] = "timeout" if re.search(r"timed out|time limit", message) else "did not load"
        record["message"] = message.splitlines()[0] if message else "the file could not be loaded"
    except _Backstop:
        record["status"] = "timeout"
        record["message"] = f"stopped after {time_limit:g} s, the grader's limit per submission (--timeout)"
    except SystemExit as exc:
        record["status"] = "crashed"
        record["message"] = f"the student's code called sys.exit({exc.code!r}) during the checks"
    except BaseException as exc:  # nothing the student's code raises may stop the run
        record["status"] = "crashed"
        text = str(exc).splitlines()[0] if str(exc) else ""
        record["message"] = f"checking stopped on {type(exc).__name__}" + (f": {text}" if text else "")
    kinds = {e["kind"] for e in record["events"]}
    if record["status"] == "ok" and kinds & {"timeout", *CRASHES}:
        record["status"] = "timeout" if "timeout" in kinds else "crashed"
        first = next(e for e in record["events"] if e["kind"] in ("timeout", *CRASHES))
        record["message"] = str(first.get("message") or first.get("function") or first["kind"])
    if record["status"] == "ok" and not any(r["status"] in RAN for r in record["rows"]):
        record["message"] = "nothing could be checked: no function has a name and signature the checker knows"
    record["output"] = (sink.text() + "\n" + record["output"]).strip()[-OUTPUT_LIMIT:]
    record["seconds"] = round(time.perf_counter() - start, 3)
    return record


# ------------------------------------------------------------------------------- the worker pool
def _on_term(signum: int, frame: Any) -> None:
    """A worker being stopped (its submission ran past the limit) ends its sandbox's child first."""
    with contextlib.suppress(Exception):
        _close(_CURRENT)
    os._exit(1)


def _worker_init() -> None:
    """Once per worker process: torch and the registry imported, one thread, the reference cache."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _on_term)
    os.environ.setdefault("MPLBACKEND", "Agg")
    from .device import single_threaded

    global _THREADS
    global _CACHE
    _CACHE = refcache.reference_cache()
    _CACHE.__enter__()  # for the worker's whole life: each case's draw and references once per worker
    _contract_names()  # computed once, before the first student
    _THREADS = single_threaded()
    _THREADS.__enter__()  # for the worker's whole life (kept referenced: never closed)


_THREADS: contextlib.AbstractContextManager[None] | None = None
_CACHE: refcache.reference_cache | None = None


def _worker_check(path: str, seeds: int, ids: list[str] | None, time_limit: float | None) -> dict[str, Any]:
    return check_submission(path, seeds, ids, time_limit)


#: a worker's queue to the parent: (path, time.monotonic()) when it starts a job, so that the
#: parent's clock for that job starts then, not when it was handed to a worker still importing torch
_STARTS: Any = None


def _worker_boot(initializer: Callable[[], None] | None, starts: Any) -> None:
    global _STARTS
    _STARTS = starts
    if initializer is not None:
        initializer()


def _worker_job(worker: Callable[..., dict[str, Any]], path: str, *args: Any) -> dict[str, Any]:
    if _STARTS is not None:
        with contextlib.suppress(Exception):
            _STARTS.put((path, time.monotonic()))
    return worker(path, *args)


@dataclass
class Job:
    submission: Submission
    main: Path | None
    fingerprint: str
    suspect: bool = False  # in flight when a worker died: run alone to find out which one it was
    started: float = 0.0
    deadline: float = 0.0  # when the parent kills its worker (time.monotonic())


@dataclass
class GradeRun:
    """One ``nn-verify grade``: the settings and where it writes."""

    submissions_dir: Path
    out_dir: Path
    rubric: Rubric | None = None
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    timeout: float = DEFAULT_TIMEOUT
    seeds: int = 3
    ids: list[str] | None = None
    regrade: bool = False
    log: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr, flush=True))
    #: what a worker runs per submission, and once when it starts (module-level functions: they are
    #: sent to ``spawn`` workers by name)
    worker: Callable[[str, int, list[str] | None, float | None], dict[str, Any]] = _worker_check
    initializer: Callable[[], None] | None = _worker_init
    #: seconds past ``timeout`` before the parent kills a worker (None: 15 s + min(timeout, 60 s));
    #: the worker's own limit fires at ``timeout``
    grace: float | None = None
    #: seconds a job may wait for a fresh worker to start (import torch) before its own clock starts
    startup: float = 60.0
    #: a progress bar (tqdm) when stderr is a terminal; plain lines otherwise
    progress: bool = True

    def record_dir(self, sub: Submission) -> Path:
        return self.out_dir / "submissions" / safe_name(sub.name)

    def load_record(self, sub: Submission) -> dict[str, Any] | None:
        try:
            with open(self.record_dir(sub) / "record.json", encoding="utf-8") as fh:
                record = json.load(fh)
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) and record.get("version") == RECORD_VERSION else None

    def save_record(self, job: Job, record: dict[str, Any]) -> dict[str, Any]:
        sub = job.submission
        record.update(
            version=RECORD_VERSION,
            submission=sub.name,
            file=str(job.main.relative_to(sub.path.parent)) if job.main else "",
            fingerprint=job.fingerprint,
            seeds=self.seeds,
        )
        _write_json(self.record_dir(sub) / "record.json", record)
        return record


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "submission"


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, allow_nan=False, default=str)
        fh.write("\n")
    os.replace(tmp, path)


def _failure(status: str, message: str, seconds: float = 0.0) -> dict[str, Any]:
    return {"status": status, "message": message, "rows": [], "events": [], "load_report": "", "defined": [],
            "output": "", "seconds": round(seconds, 3)}  # fmt: skip


def _new_pool(run: GradeRun, jobs: int) -> tuple[cf.ProcessPoolExecutor, Any]:
    """A pool of ``jobs`` spawned workers, and the queue on which they say when each job starts."""
    context = multiprocessing.get_context("spawn")
    starts = context.Queue()
    pool = cf.ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_worker_boot, initargs=(run.initializer, starts)
    )
    return pool, starts


def _kill_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool now, its workers too (one may be stuck in a student's loop)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for p in processes:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in processes:
        with contextlib.suppress(Exception):
            p.join(2)
            if p.is_alive():
                p.kill()
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)


def grade(run: GradeRun) -> list[dict[str, Any]]:
    """Grade every submission of ``run.submissions_dir`` not yet graded, then write the gradebook,
    the Gradescope results and the class report. Returns the records, in submission order."""
    run.out_dir.mkdir(parents=True, exist_ok=True)
    subs = find_submissions(run.submissions_dir, exclude=[run.out_dir])
    known = catalogue_names()[1]
    jobs: list[Job] = []
    skipped = 0
    for sub in subs:
        fp = fingerprint(sub.path, run.seeds, run.ids)
        old = run.load_record(sub)
        if not run.regrade and old is not None and old.get("fingerprint") == fp:
            skipped += 1
            continue
        jobs.append(Job(sub, main_file(sub.path, known), fp))
    if skipped:
        run.log(f"nn-verify grade: {skipped} of {len(subs)} submissions already graded (--regrade checks them again)")
    done = _run_jobs(run, jobs, len(subs) - len(jobs))
    records = []
    for sub in subs:
        record = done.get(sub.name) or run.load_record(sub)
        if record is None:  # pragma: no cover - every job leaves a record
            record = _failure("crashed", "no record was written")
        records.append(record)
    write_outputs(run, subs, records)
    return records


def _run_jobs(run: GradeRun, jobs: list[Job], already: int) -> dict[str, dict[str, Any]]:
    """Run the jobs on ``run.jobs`` workers, at most one job per worker in flight, so that each
    job's clock is its own: past ``run.timeout`` (+ a grace for the worker's own limit) the pool is
    killed and started again, the job recorded as "timeout" and the others in flight resubmitted. A
    worker that dies breaks the pool: the jobs in flight are run again one at a time, and the one
    that breaks it alone is "crashed"."""
    results: dict[str, dict[str, Any]] = {}
    total = already + len(jobs)
    count = already
    bar = _progress_bar(total, already) if run.progress and jobs else None

    def finish(job: Job, record: dict[str, Any]) -> None:
        nonlocal count
        count += 1
        results[job.submission.name] = run.save_record(job, record)
        scores = score_record(run.rubric, record)
        score, top = totals(scores)
        line = (f"[{count}/{total}] {job.submission.name}: {record['status']}, {score:g}/{top:g} "
                f"({record['seconds']:.1f} s)" + (f": {record['message']}" if record["message"] else ""))  # fmt: skip
        if bar is not None:
            bar.write(line, file=sys.stderr)
            bar.update(1)
        else:
            run.log(line)

    try:
        _dispatch(run, jobs, finish)
    finally:
        if bar is not None:
            bar.close()
    return results


def _progress_bar(total: int, done: int) -> Any:
    if not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, initial=done, unit="submission", file=sys.stderr, dynamic_ncols=True)


def _dispatch(run: GradeRun, jobs: list[Job], finish: Callable[[Job, dict[str, Any]], None]) -> None:
    pending: deque[Job] = deque()
    for job in jobs:
        if job.main is None:
            finish(job, _failure("did not load", "no .py or .ipynb file in it defines a function the checker knows"))
        else:
            pending.append(job)
    if not pending:
        return
    suspects: deque[Job] = deque()
    workers = max(1, min(run.jobs, len(pending)))
    pool, starts = _new_pool(run, workers)
    inflight: dict[cf.Future, Job] = {}
    grace = 15.0 + min(run.timeout, 60.0) if run.grace is None else run.grace  # the worker's own limit fires first

    def submit(job: Job) -> bool:
        """Hand the job to the pool; False if the pool broke first (a worker died since the last wait)."""
        # until its worker says it started it: the time a fresh worker needs to start, on top
        job.started = time.monotonic()
        job.deadline = job.started + run.timeout + grace + run.startup
        assert job.main is not None
        try:
            future = pool.submit(_worker_job, run.worker, str(job.main), run.seeds, run.ids, run.timeout)
        except BrokenProcessPool:
            return False
        inflight[future] = job
        return True

    def started() -> None:
        while True:
            try:
                path, when = starts.get_nowait()
            except Exception:  # queue.Empty, or a queue a killed worker left broken
                return
            for job in inflight.values():
                if str(job.main) == path:
                    job.deadline = when + run.timeout + grace

    try:
        while pending or suspects or inflight:
            refused = False
            if suspects:
                if not inflight:
                    job = suspects.popleft()
                    job.suspect = True
                    if not submit(job):
                        suspects.appendleft(job)
                        refused = True
            else:
                while pending and len(inflight) < workers:
                    job = pending.popleft()
                    if not submit(job):
                        pending.appendleft(job)
                        refused = True
                        break
            if refused and not inflight:  # the pool broke with nothing in flight to tell us: a new one
                _kill_pool(pool)
                pool, starts = _new_pool(run, workers)
                continue
            started()
            wait = min(0.5, max(0.05, min(j.deadline for j in inflight.values()) - time.monotonic()))
            done, _ = cf.wait(list(inflight), timeout=wait, return_when=cf.FIRST_COMPLETED)
            started()
            broken: list[Job] = []
            for future in done:
                job = inflight.pop(future)
                try:
                    record = future.result()
                except BrokenProcessPool:
                    broken.append(job)
                except Exception as exc:  # e.g. a result that cannot be pickled
                    finish(job, _failure("crashed", f"the worker failed: {type(exc).__name__}: {exc}",
                                         time.monotonic() - job.started))  # fmt: skip
                else:
                    finish(job, record)
            if broken:
                broken += list(inflight.values())  # the pool is gone: so are the others in flight
                inflight.clear()
                _kill_pool(pool)
                pool, starts = _new_pool(run, workers)
                if len(broken) == 1:
                    job = broken[0]
                    finish(job, _failure("crashed", "the process checking it ended (the student's code exited or "
                                         "was killed)", time.monotonic() - job.started))  # fmt: skip
                else:
                    suspects.extend(broken)
                continue
            now = time.monotonic()
            late = [(f, j) for f, j in inflight.items() if now >= j.deadline]
            if late:
                for f, job in late:
                    inflight.pop(f)
                    finish(job, _failure("timeout", f"stopped after {now - job.started:.0f} s, the grader's limit "
                                         "per submission (--timeout); the worker was killed",
                                         now - job.started))  # fmt: skip
                for job in inflight.values():  # not their fault: run them again
                    (suspects if job.suspect else pending).appendleft(job)
                inflight.clear()
                _kill_pool(pool)
                pool, starts = _new_pool(run, workers)
    except KeyboardInterrupt:
        _kill_pool(pool)
        run.log("nn-verify grade: interrupted; a rerun skips what is already graded")
        raise
    pool.shutdown(wait=True)


# ---------------------------------------------------------------------------------------- outputs
def gradescope_results(record: Mapping[str, Any], scores: Sequence[ItemScore], rubric: Rubric | None) -> dict[str, Any]:
    """Gradescope's autograder results: one test per rubric item graded automatically."""
    visibility = rubric.visibility if rubric else "visible"
    score, top = totals(scores)
    head = f"{record.get('submission', '')}: {record['status']}, {score:g} of {top:g} points"
    lines = [head.lstrip(": ")]
    if record.get("message"):
        lines.append(record["message"])
    if record.get("load_report"):
        lines.append(record["load_report"])
    tests = [
        {
            "name": s.name,
            "score": s.score,
            "max_score": s.points,
            "status": "passed" if s.passed else "failed",
            "output": s.output,
            "visibility": visibility,
        }
        for s in scores
        if s.score is not None
    ]
    return {
        "score": score,
        "execution_time": round(float(record.get("seconds", 0.0)), 3),
        "output": "\n".join(lines),
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": tests,
    }


#: the fields of Gradescope's results.json this grader writes, with their types
_RESULT_FIELDS = {"score": (int, float), "execution_time": (int, float), "output": str, "visibility": str,
                  "stdout_visibility": str, "tests": list}  # fmt: skip
_TEST_FIELDS = {"name": str, "score": (int, float), "max_score": (int, float), "output": str, "status": str,
                "visibility": str}  # fmt: skip


def validate_results(data: Any) -> list[str]:
    """What is wrong with a results.json for Gradescope's autograder (empty: nothing)."""
    problems = []
    if not isinstance(data, dict):
        return ["results.json is not an object"]
    if "score" not in data and "tests" not in data:
        problems.append("neither score nor tests")
    for key, types in _RESULT_FIELDS.items():
        if key in data and (not isinstance(data[key], types) or isinstance(data[key], bool)):
            problems.append(f"{key} is {type(data[key]).__name__}")
    for key in ("visibility", "stdout_visibility"):
        if key in data and data[key] not in VISIBILITIES:
            problems.append(f"{key} {data[key]!r} is not one of {', '.join(VISIBILITIES)}")
    for n, test in enumerate(data.get("tests", []) if isinstance(data.get("tests"), list) else []):
        if not isinstance(test, dict):
            problems.append(f"tests[{n}] is not an object")
            continue
        for key, types in _TEST_FIELDS.items():
            if key in test and (not isinstance(test[key], types) or isinstance(test[key], bool)):
                problems.append(f"tests[{n}].{key} is {type(test[key]).__name__}")
        if "score" not in test and "status" not in test:
            problems.append(f"tests[{n}] has neither score nor status")
        if test.get("status", "passed") not in ("passed", "failed"):
            problems.append(f"tests[{n}].status {test['status']!r} is not passed or failed")
        if test.get("visibility", "visible") not in VISIBILITIES:
            problems.append(f"tests[{n}].visibility {test['visibility']!r} is not one of {', '.join(VISIBILITIES)}")
        score, top = test.get("score"), test.get("max_score")
        if isinstance(score, (int, float)) and isinstance(top, (int, float)) and not 0 <= score <= top + 1e-9:
            problems.append(f"tests[{n}].score {score} is outside [0, max_score {top}]")
    if isinstance(data.get("score"), (int, float)) and not math.isfinite(data["score"]):
        problems.append("score is not finite")
    return problems


def write_outputs(run: GradeRun, subs: Sequence[Submission], records: Sequence[dict[str, Any]]) -> None:
    """grades.csv, a results.json per submission, report.md and report.png, from the records."""
    all_scores = [score_record(run.rubric, r) for r in records]
    for sub, record, scores in zip(subs, records, all_scores, strict=True):
        _write_json(run.record_dir(sub) / "results.json", gradescope_results(record, scores, run.rubric))
    columns: list[str] = [i.name for i in run.rubric.items] if run.rubric else []
    if run.rubric is None:
        seen = dict.fromkeys(s.name for scores in all_scores for s in scores)
        columns = list(seen)
    tmp = run.out_dir / "grades.csv.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", "status", "total", "max", *columns, "seconds", "message"])
        for sub, record, scores in zip(subs, records, all_scores, strict=True):
            by_name = {s.name: s for s in scores}
            score, top = totals(scores)
            cells = ["" if (s := by_name.get(c)) is None or s.score is None else f"{s.score:g}" for c in columns]
            writer.writerow([sub.name, record["status"], f"{score:g}", f"{top:g}", *cells,
                             f"{float(record.get('seconds', 0.0)):.2f}", record.get("message", "")])  # fmt: skip
    os.replace(tmp, run.out_dir / "grades.csv")
    write_report(run, subs, records, all_scores)


def mistakes(records: Sequence[Mapping[str, Any]]) -> tuple[Counter[str], Counter[str], int]:
    """(diagnosis -> students whose checks gave it, row -> students failing it, students with a failing
    row that no diagnosis explains): each student counted once per diagnosis and per row."""
    causes: Counter[str] = Counter()
    failed_rows: Counter[str] = Counter()
    unexplained = 0
    for record in records:
        rows = [r for r in record.get("rows", []) if r["status"] in ("FAIL", "error")]
        causes.update({r["diagnosis"] for r in rows if r["diagnosis"]})
        unexplained += any(not r["diagnosis"] for r in rows)
        failed_rows.update({" ".join(p for p in (r["id"], short_name(r["function"])) if p) for r in rows})
    return causes, failed_rows, unexplained


def write_report(
    run: GradeRun,
    subs: Sequence[Submission],
    records: Sequence[Mapping[str, Any]],
    all_scores: Sequence[Sequence[ItemScore]],
) -> None:
    """report.md (the class at a glance) and report.png (two bar charts)."""
    n = len(records)
    statuses = Counter(r["status"] for r in records)
    pairs = [totals(s) for s in all_scores]
    tops = {top for _, top in pairs}
    title = (run.rubric.title or run.rubric.name) if run.rubric else "one point per checked row"
    lines = [f"# Class report: {title}", ""]
    lines.append(f"{n} submissions: " + ", ".join(f"{statuses[s]} {s}" for s in STATUSES if statuses[s]) + ".")
    if pairs:
        values = [s for s, _ in pairs]
        out_of = f" of {tops.pop():g}" if len(tops) == 1 else " (the maximum varies: one point per checked row)"
        full = sum(s >= t - 1e-9 and t > 0 for s, t in pairs)
        lines.append(f"Total{out_of}: mean {statistics.fmean(values):.2f}, median {statistics.median(values):g}; "
                     f"{full} with full marks.")  # fmt: skip
    if run.rubric is not None:
        lines += ["", "## Rubric items", "", "| item | points | mean | full marks | zero |", "|---|---|---|---|---|"]
        for item in run.rubric.items:
            got = [s.score for scores in all_scores for s in scores if s.name == item.name and s.score is not None]
            if item.manual:
                lines.append(f"| {item.name} | {item.points:g} | graded by hand | | |")
                continue
            mean = statistics.fmean(got) if got else 0.0
            full = sum(g >= item.points - 1e-9 for g in got)
            zero = sum(g == 0 for g in got)
            lines.append(f"| {_md(item.name)} | {item.points:g} | {mean:.2f} | {full} | {zero} |")
    causes, failed_rows, unexplained = mistakes(records)
    lines += ["", "## Most common mistakes, by diagnosis", ""]
    if causes:
        lines += ["| likely cause | students |", "|---|---|"]
        lines += [f"| {_md(c)} | {k} |" for c, k in causes.most_common(15)]
    else:
        lines.append("No failing row has a diagnosis." if failed_rows else "No row failed.")
    if unexplained:
        lines += ["", f"{unexplained} students have failing rows that no known mistake explains (see their "
                  "results.json: each row's worst case)."]  # fmt: skip
    lines += ["", "## Rows failed by the most students", ""]
    if failed_rows:
        lines += ["| row | students |", "|---|---|"]
        lines += [f"| {_md(c)} | {k} |" for c, k in failed_rows.most_common(15)]
    else:
        lines.append("No row failed.")
    bad = [(s, r) for s, r in zip(subs, records, strict=True) if r["status"] != "ok"]
    if bad:
        lines += ["", "## Submissions that did not run to the end", ""]
        lines += ["| submission | status | why |", "|---|---|---|"]
        lines += [f"| {_md(s.name)} | {r['status']} | {_md(r.get('message', ''))} |" for s, r in bad]
    chart = _chart(run.out_dir / "report.png", causes, failed_rows)
    lines += ["", f"![most common mistakes and rows failed by the most students]({chart})" if chart
              else "(no chart: matplotlib is not installed)"]  # fmt: skip
    (run.out_dir / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _chart(path: Path, causes: Counter[str], failed_rows: Counter[str], top: int = 10) -> str:
    """One PNG, two horizontal bar charts; returns its file name ("" without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is an optional dependency
        return ""
    fig, axes = plt.subplots(2, 1, figsize=(11, 9), layout="constrained")
    for ax, counter, what in ((axes[0], causes, "Most common mistakes (likely cause)"),
                              (axes[1], failed_rows, "Rows failed by the most students")):  # fmt: skip
        data = counter.most_common(top)[::-1]
        if data:
            labels = [c if len(c) <= 70 else c[:69] + "…" for c, _ in data]
            ax.barh(range(len(data)), [k for _, k in data], color="#4c72b0")
            ax.set_yticks(range(len(data)), labels, fontsize=8)
            ax.xaxis.get_major_locator().set_params(integer=True)
        else:
            ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
        ax.set_title(what)
        ax.set_xlabel("students")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path.name


# -------------------------------------------------------------------------------------- commands
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nn-verify grade",
        description="Grade a folder of submissions (.py, .ipynb or folders): grades.csv, a Gradescope "
        "results.json per submission, and a class report.",
    )
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR", help="one .py, .ipynb or folder per student")
    p.add_argument("--output", "-o", metavar="OUT_DIR", required=True, help="where the gradebook and reports go")
    _common(p)
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="worker processes (default: the number of cores)")  # fmt: skip
    p.add_argument("--regrade", action="store_true", help="check every submission again, even one already graded")
    return p


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rubric",
        metavar="RUBRIC",
        help="a rubric TOML file, or the name of a shipped one ("
        + ", ".join(shipped_rubrics())
        + "); default: one point per checked row",
    )
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"seconds per submission before it is stopped (default {DEFAULT_TIMEOUT:g})")  # fmt: skip
    p.add_argument("--seeds", type=int, default=3, metavar="N", help="seeds per shape (default 3)")
    p.add_argument("--id", action="append", dest="ids", metavar="ID", help="only these catalogue IDs (repeatable)")


def _command(argv: list[str]) -> tuple[str, list[str]]:
    """("grade" or "gradescope", the rest): ``nn-verify``'s dispatcher passes the word on; without
    it (``python -m torch_reference.grade ...``) the command is grade."""
    if argv[:1] in (["grade"], ["gradescope"]):
        return argv[0], argv[1:]
    return "grade", argv


def main(argv: Sequence[str] | None = None) -> int:
    """``nn-verify grade ...`` and ``nn-verify gradescope ...`` (see :func:`_command`)."""
    command, argv = _command(list(sys.argv[1:] if argv is None else argv))
    if command == "gradescope":
        return gradescope_main(argv)
    args = build_parser().parse_args(argv)
    if args.jobs < 1 or args.timeout <= 0 or args.seeds < 1:
        print("nn-verify grade: -j, --timeout and --seeds must be positive", file=sys.stderr)
        return 2
    folder = Path(args.submissions)
    if not folder.is_dir():
        print(f"nn-verify grade: {folder}: not a folder", file=sys.stderr)
        return 2
    try:
        rubric = load_rubric(args.rubric)
    except ValueError as exc:
        print(f"nn-verify grade: {exc}", file=sys.stderr)
        return 2
    run = GradeRun(folder, Path(args.output), rubric, args.jobs, args.timeout, args.seeds, args.ids, args.regrade)
    start = time.perf_counter()
    try:
        records = grade(run)
    except KeyboardInterrupt:
        return 130
    elapsed = time.perf_counter() - start
    statuses = Counter(r["status"] for r in records)
    print(
        f"graded {len(records)} submissions in {elapsed:.1f} s ("
        + ", ".join(f"{statuses[s]} {s}" for s in STATUSES if statuses[s])
        + f"): {run.out_dir / 'grades.csv'}, {run.out_dir / 'report.md'}"
    )
    return 0


def gradescope_main(argv: Sequence[str] | None = None) -> int:
    """``nn-verify gradescope``: grade ``/autograder/submission`` into ``/autograder/results/results.json``."""
    p = argparse.ArgumentParser(
        prog="nn-verify gradescope",
        description="Grade one submission the way Gradescope's autograder expects (see docs/grading.md).",
    )
    p.add_argument("--submission", default="/autograder/submission", metavar="DIR_OR_FILE",
                   help="the student's files (default /autograder/submission)")  # fmt: skip
    p.add_argument("--results", default="/autograder/results/results.json", metavar="FILE",
                   help="where results.json goes (default /autograder/results/results.json)")  # fmt: skip
    _common(p)
    args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        rubric = load_rubric(args.rubric)
    except ValueError as exc:
        print(f"nn-verify gradescope: {exc}", file=sys.stderr)
        return 2
    path = Path(args.submission)
    start = time.perf_counter()
    main = main_file(path) if path.exists() else None
    if main is None:
        what = "does not exist" if not path.exists() else "has no .py or .ipynb defining a function the checker knows"
        record = _failure("did not load", f"the submission {what}")
    else:
        record = check_submission(main, args.seeds, args.ids, args.timeout)
    record["submission"] = path.name
    record["seconds"] = round(time.perf_counter() - start, 3)
    scores = score_record(rubric, record)
    results = gradescope_results(record, scores, rubric)
    out = Path(args.results)
    try:
        _write_json(out, results)
    except OSError as exc:
        print(f"nn-verify gradescope: cannot write {out}: {exc}", file=sys.stderr)
        return 2
    score, top = totals(scores)
    print(f"{path}: {record['status']}, {score:g} of {top:g} points -> {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
