"""How much can the checker catch? Mutation testing of scratch_nn against the registry.

Each mutant is scratch_nn with one small change to one line of an equation (``+``
for ``-``, ``*`` for ``/``, ``>=`` for ``>``, ``.T`` dropped, ``axis=0`` for
``axis=1``, ``keepdims`` off, a constant changed, ``np.sum`` for ``np.mean``, ...).
A mutant is *killed* when some registry case FAILs or errors on it (CPU, float64,
seed 0, every shape). The score is killed / total; the survivors are listed with
their line so that each can be accounted for (an equivalent mutant, or a gap).

Input validation (``_checks.py``, ``raise`` statements, ``check_*`` calls) is not
mutated: it is tested by ``tests/test_validation.py``, not by the registry.

    python -m torch_reference.mutation [--module activations ...] [--json FILE]
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import json
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .registry import entries, run_case

DEFAULT_MODULES = (
    "activations", "layers", "losses", "model", "logistic", "initializers", "data", "dropout", "regularization",
    "loops", "logit_costs", "training",
)  # fmt: skip

_BINOP_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
_CMP_SWAPS = {ast.GtE: ast.Gt, ast.Gt: ast.GtE, ast.LtE: ast.Lt, ast.Lt: ast.LtE, ast.Eq: ast.NotEq}
_CALL_SWAPS = {"sum": "mean", "mean": "sum", "maximum": "minimum", "minimum": "maximum", "exp": "expm1",
               "expm1": "exp", "log": "log1p", "max": "min"}  # fmt: skip


@dataclass
class Mutant:
    module: str
    line: int
    description: str
    killed: bool = False
    killer: str = ""


def _skipped(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """True inside validation code: a raise, a check_* call, an ``if ...: raise``, a docstring."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name.startswith(("check_", "_check")):
                return True
        if isinstance(node, ast.If) and all(isinstance(s, ast.Raise) for s in node.body):
            return True
        if isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant):
            return True
    return False


def _mutations(tree: ast.Module) -> Iterator[tuple[ast.AST, str, callable]]:
    """(node, description, apply) for every mutation point of the tree."""
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    for node in ast.walk(tree):
        if _skipped(node, parents) or not hasattr(node, "lineno"):
            continue
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
            new = _BINOP_SWAPS[type(node.op)]
            yield node, f"{type(node.op).__name__} -> {new.__name__}", lambda n, new=new: setattr(n, "op", new())
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP_SWAPS:
            new = _CMP_SWAPS[type(node.ops[0])]
            yield node, f"{type(node.ops[0]).__name__} -> {new.__name__}", lambda n, new=new: setattr(n, "ops", [new()])
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            yield node, "unary minus dropped", lambda n: setattr(n, "op", ast.UAdd())
        elif isinstance(node, ast.Attribute) and node.attr == "T":
            yield node, ".T dropped", lambda n: setattr(n, "attr", "copy().T.T")
        elif isinstance(node, ast.Attribute) and node.attr in _CALL_SWAPS and isinstance(node.value, ast.Name):
            new = _CALL_SWAPS[node.attr]
            yield node, f"np.{node.attr} -> np.{new}", lambda n, new=new: setattr(n, "attr", new)
        elif isinstance(node, ast.keyword) and node.arg == "keepdims":
            yield node, "keepdims dropped", lambda n: setattr(n, "value", ast.Constant(False))
        elif isinstance(node, ast.keyword) and node.arg == "axis" and isinstance(node.value, ast.Constant):
            new = 1 - node.value.value if node.value.value in (0, 1) else 0
            yield (
                node,
                f"axis={node.value.value} -> axis={new}",
                lambda n, new=new: setattr(n, "value", ast.Constant(new)),
            )
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float) and not isinstance(node.value, bool):
            new = {0: 1, 1: 2, 2: 1}.get(node.value, node.value * 2) if node.value != 0.5 else 0.25
            yield node, f"constant {node.value!r} -> {new!r}", lambda n, new=new: setattr(n, "value", new)


def mutants_of(source: str) -> Iterator[tuple[int, str, str]]:
    """(line, description, mutated source) for every mutation of ``source``."""
    tree = ast.parse(source)
    points = list(_mutations(tree))
    for index, (node, description, _apply) in enumerate(points):
        mutated = copy.deepcopy(tree)
        target, _, apply = list(_mutations(mutated))[index]
        apply(target)
        try:
            yield node.lineno, description, ast.unparse(ast.fix_missing_locations(mutated))
        except Exception:
            continue


def _failing(impl: object, skip: frozenset[str] = frozenset(), first: bool = True) -> list[str]:
    """The registry cases (``key shape``) that FAIL or error for ``impl``; the first only if ``first``."""
    failing = []
    for entry in entries():
        for shape in entry.shapes:
            case = f"{entry.key} {shape}"
            if case in skip:
                continue
            if run_case(entry, impl, "cpu", "float64", 0, shape).status in ("FAIL", "error"):
                failing.append(case)
                if first:
                    return failing
    return failing


def run(modules: Sequence[str] = DEFAULT_MODULES, limit: int | None = None) -> list[Mutant]:
    """Build and judge every mutant of the given scratch_nn modules (on one thread: the cases are tiny)."""
    from .device import single_threaded

    with single_threaded(), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # mutants overflow and divide by zero; that is their business
        return _run(modules, limit)


def _run(modules: Sequence[str], limit: int | None) -> list[Mutant]:
    import scratch_nn

    package = Path(scratch_nn.__file__).parent
    baseline = frozenset(_failing(scratch_nn, first=False))  # must be empty; excluded if not
    if baseline:
        print(f"warning: scratch_nn itself fails {len(baseline)} cases; they are left out", file=sys.stderr)
    results: list[Mutant] = []
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, tmp)
        try:
            for module in modules:
                source = (package / f"{module}.py").read_text()
                for line, description, mutated in mutants_of(source):
                    if limit is not None and len(results) >= limit:
                        return results
                    name = f"scratch_nn_mutant_{len(results)}"
                    shutil.copytree(package, Path(tmp) / name, ignore=shutil.ignore_patterns("__pycache__"))
                    (Path(tmp) / name / f"{module}.py").write_text(mutated)
                    mutant = Mutant(module, line, description)
                    try:
                        impl = importlib.import_module(name)
                        mutant.killer = "".join(_failing(impl, baseline))
                    except Exception as exc:
                        mutant.killer = f"import: {type(exc).__name__}"
                    mutant.killed = bool(mutant.killer)
                    results.append(mutant)
                    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
                        del sys.modules[key]
        finally:
            sys.path.remove(tmp)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m torch_reference.mutation", description=__doc__.split("\n")[0])
    parser.add_argument("--module", action="append", help=f"scratch_nn modules (default {', '.join(DEFAULT_MODULES)})")
    parser.add_argument("--limit", type=int, help="stop after N mutants")
    parser.add_argument("--json", metavar="FILE", help="write every mutant and its fate to FILE")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = run(args.module or DEFAULT_MODULES, args.limit)
    killed = sum(m.killed for m in results)
    print(
        f"mutation score: {killed}/{len(results)} = {killed / max(len(results), 1):.1%} "
        f"({time.perf_counter() - start:.0f} s)"
    )
    for m in results:
        if not m.killed:
            print(f"  survived: scratch_nn/{m.module}.py:{m.line}: {m.description}")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(m) for m in results], indent=1))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
