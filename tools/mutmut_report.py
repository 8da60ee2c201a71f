"""Read mutmut's results for scratch_nn and say what they mean.

``mutmut run`` (configuration: ``[tool.mutmut]`` in pyproject.toml) leaves, per mutated file,
``mutants/scratch_nn/<file>.py`` (the original function and every mutant of it, side by side)
and ``<file>.py.meta`` (each mutant's exit code). This script:

* counts killed, survived, timed-out and untested mutants, per module and in all;
* classifies each survivor by comparing its syntax tree with the original function's:
  **message-only** when every difference is a string literal that only an exception's message
  is built from (``raise ValueError(f"XX{name} must be finiteXX")``), which the bad-input table
  (tests/bad_inputs.py) cannot tell apart, because it asserts what each message *names* (the
  argument), not its wording; **argued** when ``tools/mutmut_equivalent.toml`` gives the
  survivor's change a one-line reason why no test can see it (an equivalent mutant); and
  **unexplained** otherwise;
* prints the score with message-only mutants excluded, and, with ``--markdown``, the README's
  table of argued survivors.

Usage: ``python tools/mutmut_report.py [--mutants DIR] [--markdown] [--list]``. Exit status 1
when any survivor is unexplained, or any argued entry matches no survivor (the code moved, or a test
now kills that mutant), so the table cannot silently go stale.

Why a script and not ``mutmut results``: mutmut lists survivors by name, and the names
(``x_relu__mutmut_7``) change whenever the code moves; the argued reasons are keyed by what a
mutant changes (function and the changed line), which survives renumbering.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = ROOT / "tools" / "mutmut_equivalent.toml"

#: mutmut's exit codes (mutmut.stats.status_by_exit_code, 3.8.1)
STATUS = {1: "killed", 3: "killed", -11: "killed", -9: "killed", 0: "survived", 5: "no tests",
          2: "check was interrupted by user", None: "not checked", 33: "no tests", 34: "skipped",
          35: "suspicious", 36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout",
          255: "timeout", 37: "caught by type check"}


@dataclass(frozen=True)
class Mutant:
    key: str  # scratch_nn.layers.x_linear_forward__mutmut_7
    module: str  # scratch_nn.layers
    function: str  # linear_forward (Class.method for methods)
    status: str
    change: str  # the changed line(s), "old -> new"
    kind: str = ""  # message-only | argued | unexplained (survivors only)
    reason: str = ""


def _function_name(mangled: str) -> str:
    """``x_relu`` -> ``relu``; ``xǁEarlyStoppingǁ__init__`` -> ``EarlyStopping.__init__``."""
    if mangled.startswith("xǁ"):
        return ".".join(mangled[2:].split("ǁ"))
    return mangled[2:]


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    found: dict[str, ast.FunctionDef] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name:
            found[node.name] = node  # type: ignore[assignment]
    return found


def _differences(a: ast.AST, b: ast.AST, parents: tuple[ast.AST, ...] = ()) -> list[tuple[ast.AST, ast.AST, tuple]]:
    """The pairs of nodes where ``a`` and ``b`` first differ, each with its ancestors in ``a``."""
    if type(a) is not type(b):
        return [(a, b, parents)]
    if isinstance(a, ast.Constant):
        return [] if (type(a.value), a.value) == (type(b.value), b.value) else [(a, b, parents)]
    out: list[tuple[ast.AST, ast.AST, tuple]] = []
    for field in a._fields:
        x, y = getattr(a, field, None), getattr(b, field, None)
        if field == "name" and isinstance(a, ast.FunctionDef):
            continue
        if isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):
                return [(a, b, parents)]
            for p, q in zip(x, y, strict=True):
                if isinstance(p, ast.AST) and isinstance(q, ast.AST):
                    out += _differences(p, q, (*parents, a))
                elif p != q:
                    return [(a, b, parents)]
        elif isinstance(x, ast.AST) and isinstance(y, ast.AST):
            out += _differences(x, y, (*parents, a))
        elif x != y:
            return [(a, b, parents)]
    return out


#: the parameters of scratch_nn._checks' helpers that only word their error message (a
#: description of what was expected), by name and position; the first parameter, the argument's
#: name, is not one of them: the bad-input table asserts that every message names it
MESSAGE_PARAMETERS = {
    "as_real": ("what", 2),
    "check_real": ("what", None),
    "check_count": ("what", 3),
    "check_shape": ("why", 3),
    "check_labels": ("like_name", 4),
    "check_rng": ("needed_by", 1),
}
#: functions whose result only words a message (model._describe names a wrong value's type)
MESSAGE_FUNCTIONS = {"model._describe"}


def _callee(node: ast.AST) -> str:
    func = getattr(node, "func", None)
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _message_argument(call: ast.Call, node: ast.AST) -> bool:
    """``node`` is (in) the wording argument of a call to one of the helpers above."""
    name, position = MESSAGE_PARAMETERS.get(_callee(call), (None, None))
    if name is None:
        return False
    if position is not None and position < len(call.args) and _contains(call.args[position], node):
        return True
    return any(k.arg == name and _contains(k.value, node) for k in call.keywords)


def _contains(tree: ast.AST, node: ast.AST) -> bool:
    return any(n is node for n in ast.walk(tree))


def _message_call_without(a: ast.Call, b: ast.Call) -> bool:
    """``b`` is the call ``a`` with its wording argument left out (and nothing else changed)."""
    name, position = MESSAGE_PARAMETERS.get(_callee(a), (None, None))
    if name is None or _callee(b) != _callee(a):
        return False
    kept_a = [k for k in a.keywords if k.arg != name]
    args_a = [x for i, x in enumerate(a.args) if i != position]
    return _same(args_a, b.args) and _same(kept_a, b.keywords)


def _same(xs: list[ast.AST], ys: list[ast.AST]) -> bool:
    return [ast.dump(x) for x in xs] == [ast.dump(y) for y in ys]


def _wording(a: ast.AST, b: ast.AST, parents: tuple[ast.AST, ...]) -> bool:
    """This one difference changes only the wording of an error message: a string literal in what a
    ``raise`` builds changed into another string (mutmut's ``"XX...XX"`` and case changes); or anything
    in the wording argument of a check helper changed (a literal, which of two wordings an ``if`` picks),
    that argument replaced by None or left out. A raised message
    replaced by None is not wording: it no longer names the argument, which the table asserts."""
    if isinstance(a, ast.Constant) and isinstance(a.value, str):
        if any(isinstance(p, ast.Raise) for p in parents) and isinstance(b, ast.Constant) and isinstance(b.value, str):
            return True
    if any(isinstance(p, ast.Call) and _message_argument(p, a) for p in parents):
        return True  # anything inside a helper's wording argument (which of two wordings, or None) only words
    return isinstance(a, ast.Call) and isinstance(b, ast.Call) and _message_call_without(a, b)


def _message_only(function: str, diffs: list[tuple[ast.AST, ast.AST, tuple]]) -> bool:
    """Every difference only words an error message (see :func:`_wording`)."""
    if function in MESSAGE_FUNCTIONS:
        return True
    return bool(diffs) and all(_wording(a, b, parents) for a, b, parents in diffs)


def _source(function: ast.FunctionDef) -> list[str]:
    """The function's lines as ``ast.unparse`` writes them, its name made neutral (the original
    and each mutant have their own) and its docstring left out."""
    head, *body = ast.unparse(function).splitlines()
    return [head.replace(function.name, "f", 1), *body]


def _change(orig: ast.FunctionDef, mutant: ast.FunctionDef) -> str:
    old, new = _source(orig), _source(mutant)
    removed, added = [], []
    for line in difflib.ndiff(old, new):
        if line.startswith("- "):
            removed.append(line[2:].strip())
        elif line.startswith("+ "):
            added.append(line[2:].strip())
    if len(removed) == len(added) == 1:
        return _compact(removed[0], added[0])
    return f"{' / '.join(removed)} -> {' / '.join(added)}"


def _compact(old: str, new: str, context: int = 24) -> str:
    """One changed line as ``...context [old -> new] context...``: a signature's default changed is
    readable without the whole ``def`` line."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    before = old[max(0, start - context):start]
    after = old[len(old) - end:len(old) - end + context]
    return (f"{'...' if start > context else ''}{before}[{old[start:len(old) - end]} -> "
            f"{new[start:len(new) - end]}]{after}{'...' if end > context else ''}")


def load_equivalents(path: Path = EQUIVALENT) -> dict[tuple[str, str], str]:
    """``{(module.function, change): reason}`` from the TOML file's ``[[equivalent]]`` tables."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {(e["function"], e["change"]): e["reason"] for e in data.get("equivalent", [])}


def read_mutants(mutants: Path, equivalents: dict[tuple[str, str], str]) -> list[Mutant]:
    result: list[Mutant] = []
    for meta_path in sorted((mutants / "scratch_nn").glob("*.py.meta")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        codes = meta["exit_code_by_key"]
        if not codes:
            continue
        tree = ast.parse((meta_path.with_suffix("")).read_text(encoding="utf-8"))
        functions = _functions(tree)
        for key, code in codes.items():
            module, _, mangled_n = key.rpartition(".")
            mangled, _, _n = mangled_n.rpartition("__mutmut_")
            function = _function_name(mangled)
            status = STATUS.get(code, f"exit {code}")
            orig, mutant = functions.get(f"{mangled}__mutmut_orig"), functions.get(mangled_n)
            change = _change(orig, mutant) if orig is not None and mutant is not None else "?"
            kind = reason = ""
            if status == "survived":
                qualified = f"{module.removeprefix('scratch_nn.')}.{function}"
                diffs = _differences(orig, mutant) if orig is not None and mutant is not None else []
                if _message_only(qualified, diffs):
                    kind = "message-only"
                elif (qualified, change) in equivalents:
                    kind, reason = "argued", equivalents[(qualified, change)]
                else:
                    kind = "unexplained"
            result.append(Mutant(key, module, function, status, change, kind, reason))
    return result


def summary(mutants: list[Mutant]) -> str:
    by_module: dict[str, Counter] = defaultdict(Counter)
    for m in mutants:
        by_module[m.module][m.kind or m.status] += 1
    lines = ["| module | mutants | killed | message-only | argued | unexplained | other | score |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    total: Counter = Counter()
    for module, c in sorted(by_module.items()):
        total.update(c)
        lines.append(_row(module.removeprefix("scratch_nn."), c))
    lines.append(_row("**all**", total))
    return "\n".join(lines)


def _row(name: str, c: Counter) -> str:
    n = sum(c.values())
    other = n - c["killed"] - c["message-only"] - c["argued"] - c["unexplained"]
    scored = n - c["message-only"] - other
    score = 100 * c["killed"] / scored if scored else 100.0
    return (f"| {name} | {n} | {c['killed']} | {c['message-only']} | {c['argued']} | {c['unexplained']} "
            f"| {other} | {score:.1f} % |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=Path, default=ROOT / "mutants", help="mutmut's mutants/ folder")
    parser.add_argument("--markdown", action="store_true", help="also print the table of argued survivors")
    parser.add_argument("--list", action="store_true", help="list every unexplained survivor's change")
    args = parser.parse_args(argv)
    mutants = read_mutants(args.mutants, load_equivalents())
    print(summary(mutants))
    others = Counter(m.status for m in mutants if m.status not in ("killed", "survived"))
    if others:
        print("\nnot scored: " + ", ".join(f"{n} {s}" for s, n in others.most_common()))
    if args.markdown:
        print("\n| function | change | why no test can see it |\n|---|---|---|")
        for m in mutants:
            if m.kind == "argued":
                print(f"| `{m.function}` | `{m.change}` | {m.reason} |")
    unexplained = [m for m in mutants if m.kind == "unexplained"]
    if args.list:
        for m in unexplained:
            print(f"{m.module}.{m.function}: {m.change}")
    stale = stale_equivalents(mutants, load_equivalents())
    for function, change in stale:
        print(f"stale entry in {EQUIVALENT.name} (no surviving mutant makes this change): {function}: {change}")
    return 1 if unexplained or stale else 0


def stale_equivalents(mutants: list[Mutant], equivalents: dict[tuple[str, str], str]) -> list[tuple[str, str]]:
    """The argued changes that no survivor makes any more: the code moved, or a test now kills the mutant.
    A reason that argues nothing is a stale claim in the README's table, so it is an error too."""
    argued = {(f"{m.module.removeprefix('scratch_nn.')}.{m.function}", m.change) for m in mutants if m.kind == "argued"}
    return sorted(key for key in equivalents if key not in argued)


if __name__ == "__main__":
    sys.exit(main())
