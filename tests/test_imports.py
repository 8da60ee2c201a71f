"""The package's import graph has no cycle, counting imports inside functions too, and scratch_nn
imports nothing of torch_reference (the checker depends on the reference, never the reverse)."""

from __future__ import annotations

import ast
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: str) -> dict[str, set[str]]:
    """``{module: the package's modules it imports}``, every ``import`` statement of the file counted,
    at module level or inside a function (a lazy import closes a cycle just the same)."""
    files = {_module_name(p): p for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package `level - 1` folders up
                    base = ".".join([*here[: len(here) - node.level + 1], base]).strip(".")
                subs = {f"{base}.{a.name}" for a in node.names} & files.keys()
                imported |= subs or ({base} & files.keys())
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names} & files.keys()
        graph[name] = imported - {name}
    return graph


def test_torch_reference_has_no_import_cycle() -> None:
    try:
        order = list(TopologicalSorter(import_graph("torch_reference")).static_order())
    except CycleError as error:
        raise AssertionError(f"import cycle: {' -> '.join(error.args[1])}") from None
    assert "torch_reference.registry" in order and "torch_reference.ops" in order


def test_the_cycle_check_can_fail(tmp_path, monkeypatch) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import f\n")
    (package / "b.py").write_text("def f():\n    from .a import g\n")  # lazy, still a cycle
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    graph = import_graph("pkg")
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.a"}


def test_scratch_nn_imports_nothing_of_torch_reference() -> None:
    for path in (ROOT / "scratch_nn").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            assert not any(n.split(".")[0] in ("torch_reference", "torch") for n in names), f"{path.name}: {names}"
