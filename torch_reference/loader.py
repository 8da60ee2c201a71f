"""Loading a student's file as it is: a ``.py`` module or a Jupyter notebook.

Students' files do more than define functions: they train at module level, plot,
read ``.h5`` data, call ``get_ipython()``, edit ``sys.path`` and ``from testCases
import *``. By default :func:`load_source` runs only the *definitions* of the file:

* ``import`` statements (one at a time; an import that fails is reported, and the
  names it would bind raise a clear error if a checked function uses them);
* ``def`` and ``class`` statements;
* module constants: an assignment whose value is a literal (``layers_dims = [5, 4, 1]``).

Plotting libraries (``matplotlib``, ``pylab``, ``seaborn``, ``plotly``) are not imported then: a
stand-in that does nothing takes their names, so that a function that plots its costs runs without
drawing (and a check does not spend a second importing pyplot).

Everything else (calls, loops, ``if __name__ == "__main__"``, plotting) is skipped,
and :class:`LoadReport` says so in one line. ``run_all=True`` runs the whole file in
order, as ``python file.py`` would (with IPython magics removed from notebooks).

The course's helper modules (``dnn_utils_v2``, ``dnn_app_utils_v3``, ``reg_utils``,
``init_utils``, ``gc_utils``, ``testCases``, ...) are imported from the student's folder
when they are there, and replaced by the checker's own versions
(:mod:`torch_reference.course_helpers`) when they are not. Either way a function that
comes from a helper is the course's, not the student's: it is not checked.

A notebook is read with nbformat; its code cells are taken in order, and a traceback
names the cell (``my.ipynb [cell 7]``) and the line within it.
"""

from __future__ import annotations

import ast
import builtins
import dis
import importlib
import importlib.util
import inspect
import linecache
import sys
import traceback as _tb
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

#: modules the course ships beside its assignments (their functions are not the student's)
COURSE_HELPERS = (
    "dnn_utils", "dnn_utils_v2", "dnn_app_utils", "dnn_app_utils_v2", "dnn_app_utils_v3",
    "reg_utils", "init_utils", "gc_utils", "planar_utils", "lr_utils",
    "testCases", "testCases_v2", "testCases_v3", "testCases_v4", "testCases_v4a", "public_tests", "test_utils",
)  # fmt: skip


class LoadError(Exception):
    """The file cannot be loaded at all; the message is one line and names the line."""


@dataclass
class LoadReport:
    """What :func:`load_source` did with the file."""

    path: str
    notebook: bool = False
    run_all: bool = False
    defined: list[str] = field(default_factory=list)  # functions and classes the file defines
    skipped: list[int] = field(default_factory=list)  # line numbers of top-level statements not run
    missing_imports: list[str] = field(default_factory=list)
    stand_ins: list[str] = field(default_factory=list)  # course helpers replaced by the checker's own
    helper_names: list[str] = field(default_factory=list)  # names bound from course helpers
    failed: list[str] = field(default_factory=list)  # definitions that raised (one line each)
    unresolved: list[str] = field(default_factory=list)  # names its functions use, defined nowhere
    plotting: list[str] = field(default_factory=list)  # plotting libraries replaced by a no-op stand-in

    def summary(self) -> str:
        """One line: what was run, skipped, replaced and missing."""
        what = "notebook" if self.notebook else "file"
        parts = [f"loaded {self.path} ({what}): {len(self.defined)} definitions"]
        if self.run_all:
            parts.append("run as a whole (--run-all)")
        elif self.skipped:
            parts.append(
                f"{len(self.skipped)} top-level statements not run (training, plots, tests; --run-all runs them)"
            )
        if self.stand_ins:
            parts.append("course helpers supplied by the checker: " + ", ".join(self.stand_ins))
        if self.helper_names:
            parts.append(f"{len(self.helper_names)} names from course helpers are not checked")
        if self.plotting:
            parts.append(f"{', '.join(self.plotting)} not imported (plots are not drawn)")
        if self.missing_imports:
            parts.append("missing imports: " + ", ".join(self.missing_imports))
        if self.failed:
            parts.append("definitions that failed: " + "; ".join(self.failed))
        if self.unresolved:
            parts.append("used but defined nowhere: " + ", ".join(self.unresolved))
        return "; ".join(parts)


@dataclass
class _Chunk:
    """A piece of source with the file name its tracebacks should show."""

    source: str
    filename: str
    first_line: int = 1


class _Missing:
    """Stands for a name whose import failed: using it says why."""

    def __init__(self, name: str, reason: str) -> None:
        self._name, self._reason = name, reason

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise ImportError(f"{self._name} is not available: {self._reason}")

    __call__ = _fail

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._fail()

    def __repr__(self) -> str:
        return f"<missing {self._name}>"


class _IPython:
    """``get_ipython()`` for a notebook exported as a script: every call does nothing."""

    def __getattr__(self, attr: str) -> Any:
        return lambda *args, **kwargs: None


def _is_magic(line: str) -> bool:
    s = line.lstrip()
    return s.startswith(("%", "!")) or (s.endswith("?") and not s.startswith("#") and " " not in s.strip())


def _notebook_chunks(path: Path) -> list[_Chunk]:
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a damaged file
        raise LoadError(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})") from exc
    chunks = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        lines = ["" if _is_magic(line) else line for line in cell.get("source", "").splitlines()]
        chunks.append(_Chunk("\n".join(lines) + "\n", f"{path} [cell {number}]"))
    return chunks


def _is_constant(node: ast.AST) -> bool:
    """A literal, or arithmetic and containers of literals (no names, no calls)."""
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left) and _is_constant(node.right)
    if isinstance(node, ast.UnaryOp):
        return _is_constant(node.operand)
    return False


def _is_definition(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, ast.Assign):
        return all(isinstance(t, ast.Name) for t in node.targets) and _is_constant(node.value)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.value is not None and _is_constant(node.value)
    if isinstance(node, ast.Try):  # try: import x / except ImportError: ...
        return all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in node.body)
    return False


def _stand_in(name: str) -> types.ModuleType | None:
    """The checker's version of a course helper module, if it has one."""
    base = name.split(".")[-1]
    if base not in COURSE_HELPERS:
        return None
    from . import course_helpers

    return course_helpers.module(base)


#: sibling files being loaded (a guard against two files that import each other)
_LOADING: set[str] = set()


def _bind_sibling(node: ast.Import | ast.ImportFrom, namespace: dict[str, Any], report: LoadReport) -> bool:
    """``from my_other_cells import *`` where ``my_other_cells.py`` is a student's file beside this one
    (not a course helper): it is loaded as this one is, definitions only, so that its top-level training
    or get_ipython() does not make the import fail. True if it handled the statement."""
    if isinstance(node, ast.ImportFrom):
        if node.level != 0 or not node.module or "." in node.module:
            return False
        names = [node.module]
    else:
        names = [a.name for a in node.names]
        if len(names) != 1 or "." in names[0]:
            return False
    folder = Path(str(namespace["__file__"]).split(" [cell ")[0]).resolve().parent
    path = folder / f"{names[0]}.py"
    if names[0] in COURSE_HELPERS or not path.is_file() or str(path) in _LOADING:
        return False
    _LOADING.add(str(path))
    try:
        module, sub = load_source(path, module_name=names[0])
    except LoadError:
        return False
    finally:
        _LOADING.discard(str(path))
    report.missing_imports.extend(m for m in sub.missing_imports if m not in report.missing_imports)
    if isinstance(node, ast.Import):
        namespace[node.names[0].asname or names[0]] = module
        return True
    public = [n for n in vars(module) if not n.startswith("_") and n != "EXPECT"]
    for alias in node.names:
        for name in public if alias.name == "*" else [alias.name]:
            if hasattr(module, name):
                namespace[alias.asname or name] = getattr(module, name)
    return True


#: plotting libraries: replaced, when only the definitions are run, by :class:`_NoPlot` (importing
#: matplotlib.pyplot takes a second, and a checked function has nothing to draw)
PLOTTING = ("matplotlib", "pylab", "seaborn", "plotly")


class _NoPlot:
    """Stands for a plotting module: every attribute, call and item is itself, and does nothing."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self

    def __getitem__(self, key: Any) -> Any:
        return self

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __repr__(self) -> str:
        return f"<{self._name}: plotting is not run by the checker>"


def _bind_plotting(node: ast.Import | ast.ImportFrom, namespace: dict[str, Any], report: LoadReport) -> bool:
    """``import matplotlib.pyplot as plt`` and the like: bind :class:`_NoPlot` stand-ins (not with
    ``--run-all``, which runs the file as it is)."""
    if report.run_all:
        return False
    if isinstance(node, ast.ImportFrom):
        if node.level or (node.module or "").split(".")[0] not in PLOTTING:
            return False
        for alias in node.names:
            if alias.name != "*":
                namespace[alias.asname or alias.name] = _NoPlot(f"{node.module}.{alias.name}")
        root = (node.module or "").split(".")[0]
    else:
        if any(a.name.split(".")[0] not in PLOTTING for a in node.names):
            return False
        for alias in node.names:
            namespace[alias.asname or alias.name.split(".")[0]] = _NoPlot(alias.name if alias.asname else
                                                                          alias.name.split(".")[0])  # fmt: skip
        root = node.names[0].name.split(".")[0]
    if root not in report.plotting:
        report.plotting.append(root)
    return True


#: libraries the course's files import for their data (sklearn.datasets, scipy.io, h5py, PIL) and
#: that take up to a second each to import: when only the definitions are run, they are imported the
#: first time a function uses them (a missing one is still reported at once)
LAZY = ("sklearn", "scipy", "h5py", "PIL", "pandas", "imageio", "skimage", "cv2", "tensorflow", "keras")


class _Lazy(types.ModuleType):
    """A module imported on first use (of an attribute, or a call for a name taken from it)."""

    def __init__(self, name: str, attr: str | None = None) -> None:
        super().__init__(name if attr is None else f"{name}.{attr}")
        self.__dict__["_nn_lazy"] = (name, attr)

    def _real(self) -> Any:
        name, attr = self.__dict__["_nn_lazy"]
        module = importlib.import_module(name)
        if attr is None:
            return module
        if hasattr(module, attr):
            return getattr(module, attr)
        return importlib.import_module(f"{name}.{attr}")

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr != "__version__":
            raise AttributeError(attr)
        return getattr(self._real(), attr)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._real()(*args, **kwargs)


def _bind_lazy(node: ast.Import | ast.ImportFrom, namespace: dict[str, Any], report: LoadReport) -> bool:
    """``import sklearn.datasets``, ``from scipy import ndimage``: bind :class:`_Lazy` proxies, if the
    library is installed (not with ``--run-all``)."""
    if report.run_all:
        return False
    if isinstance(node, ast.ImportFrom):
        if node.level or (node.module or "").split(".")[0] not in LAZY or any(a.name == "*" for a in node.names):
            return False
        if importlib.util.find_spec((node.module or "").split(".")[0]) is None:
            return False  # not installed: the import fails and is reported as before
        for alias in node.names:
            namespace[alias.asname or alias.name] = _Lazy(node.module or "", alias.name)
        return True
    roots = {a.name.split(".")[0] for a in node.names}
    if not roots <= set(LAZY) or any(importlib.util.find_spec(r) is None for r in roots):
        return False
    for alias in node.names:
        if alias.asname:
            namespace[alias.asname] = _Lazy(alias.name)
        else:
            root = alias.name.split(".")[0]
            lazy = namespace.get(root)
            if not isinstance(lazy, _Lazy):
                namespace[root] = lazy = _Lazy(root)
            if "." in alias.name:  # import sklearn.datasets: sklearn.datasets works when used
                lazy.__dict__[alias.name.split(".")[1]] = _Lazy(root, alias.name.split(".", 1)[1])
    return True


def _bind_import(node: ast.Import | ast.ImportFrom, namespace: dict[str, Any], report: LoadReport) -> None:
    """Run one import statement; on failure use a course stand-in or bind placeholders."""
    code = compile(ast.Module(body=[node], type_ignores=[]), namespace["__file__"], "exec")
    modname = node.module if isinstance(node, ast.ImportFrom) else None
    if _bind_plotting(node, namespace, report) or _bind_sibling(node, namespace, report):
        return
    if _bind_lazy(node, namespace, report):
        return
    helper = isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] in COURSE_HELPERS
    before = set(namespace)
    try:
        exec(code, namespace)
        if helper:  # (exec adds __builtins__ the first time: not a name of the helper's)
            report.helper_names.extend(sorted(n for n in set(namespace) - before if not n.startswith("__")))
        return
    except Exception as exc:  # ImportError, or anything a helper raises while importing
        reason = f"{type(exc).__name__}: {exc}"
    if isinstance(node, ast.ImportFrom) and node.level == 0 and (module := _stand_in(modname or "")) is not None:
        names = [a.name for a in node.names]
        if names == ["*"]:
            names = [n for n in vars(module) if not n.startswith("_")]
        for alias in node.names if node.names[0].name != "*" else [ast.alias(n) for n in names]:
            namespace[alias.asname or alias.name] = getattr(module, alias.name)
            report.helper_names.append(alias.asname or alias.name)
        if modname not in report.stand_ins:
            report.stand_ins.append(modname or "")
        return
    if isinstance(node, ast.Import):
        for alias in node.names:
            module = _stand_in(alias.name)
            if module is not None:
                namespace[alias.asname or alias.name.split(".")[0]] = module
                report.stand_ins.append(alias.name)
                continue
            namespace[alias.asname or alias.name.split(".")[0]] = _Missing(alias.name, reason)
            report.missing_imports.append(f"{alias.name} ({_line(namespace, node)})")
        return
    for alias in node.names:
        if alias.name != "*":
            namespace[alias.asname or alias.name] = _Missing(alias.name, reason)
    report.missing_imports.append(f"{modname or '.'} ({_line(namespace, node)})")


def _line(namespace: dict[str, Any], node: ast.stmt) -> str:
    """``line 3`` or ``cell 2, line 3`` of the statement being run."""
    where = str(namespace.get("__file__", ""))
    cell = where.rsplit(" [cell ", 1)[1].rstrip("]") if " [cell " in where else ""
    return f"cell {cell}, line {node.lineno}" if cell else f"line {node.lineno}"


def _where(exc: BaseException, filename: str) -> str:
    """``line N`` of the student's file where ``exc`` was raised (the last such frame)."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(filename.split(" [")[0])]
    if not frames:
        return ""
    f = frames[-1]
    return f"{f.filename}, line {f.lineno}"


def load_source(
    path: str | Path, run_all: bool = False, module_name: str | None = None
) -> tuple[types.ModuleType, LoadReport]:
    """Load a ``.py`` file or a ``.ipynb`` notebook as a module (see the module docstring).

    Raises :class:`LoadError` (one line naming the file and line) for a file that cannot
    be read or parsed, or, with ``run_all``, whose code raises.
    """
    path = Path(path)
    if not path.is_file():
        raise LoadError(f"{path}: no such file")
    notebook = path.suffix == ".ipynb"
    report = LoadReport(str(path), notebook=notebook, run_all=run_all)
    if notebook:
        chunks = _notebook_chunks(path)
    else:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise LoadError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:  # an old Windows editor's file: latin-1 decodes every byte
            text = raw.decode("latin-1")
            report.failed.append(f"{path}: not UTF-8; read as latin-1")
        chunks = [_Chunk(text, str(path))]

    name = module_name or f"_nn_verify_impl_{path.stem.replace('-', '_').replace(' ', '_')}"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    namespace = module.__dict__
    namespace["get_ipython"] = lambda: _IPython()
    sys.modules[name] = module
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)  # the student's own helpers beside the file, as for a script
    # a sibling module (the student's own dnn_utils_v2.py) is imported fresh from this folder, not
    # taken from an earlier student's folder that a previous load left in sys.modules
    siblings = {p.stem for p in Path(folder).glob("*.py")}
    shadowed = {n: sys.modules.pop(n) for n in list(sys.modules) if n.split(".")[0] in siblings and n != name}
    try:
        for chunk in chunks:
            try:
                tree = ast.parse(chunk.source, filename=chunk.filename)
            except SyntaxError as exc:
                if notebook and not run_all:  # one broken cell does not hide the others
                    report.failed.append(f"{chunk.filename}, line {exc.lineno}: syntax error ({exc.msg})")
                    continue
                raise LoadError(f"{chunk.filename}: syntax error at line {exc.lineno}: {exc.msg}") from exc
            namespace["__file__"] = chunk.filename
            if chunk.filename != str(path):  # a notebook cell: make its source visible to inspect
                linecache.cache[chunk.filename] = (len(chunk.source), None, chunk.source.splitlines(True),
                                                   chunk.filename)  # fmt: skip
            if run_all:
                _run_all(tree, chunk, namespace, report)
                continue
            for node in tree.body:
                if not _is_definition(node):
                    report.skipped.append(node.lineno)
                    continue
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    _bind_import(node, namespace, report)
                    continue
                try:
                    exec(compile(ast.Module(body=[node], type_ignores=[]), chunk.filename, "exec"), namespace)
                except Exception as exc:
                    report.failed.append(f"{chunk.filename}, line {node.lineno}: {type(exc).__name__}: {exc}")
    finally:
        sys.path.remove(folder)
        namespace["__file__"] = str(path)
        for n in [n for n in sys.modules if n.split(".")[0] in siblings and n != name]:
            del sys.modules[n]  # the functions keep their modules; the next student gets their own
        sys.modules.update(shadowed)
    _numpy_compat(namespace)
    _supply_free_names(namespace, report)
    report.defined = sorted(
        n for n, v in namespace.items() if isinstance(v, (types.FunctionType, type)) and _defined_here(v, path)
    )
    return module, report


class _NumPy1(types.ModuleType):
    """NumPy as the course's files knew it: the aliases ``np.int``, ``np.float``, ``np.bool``,
    ``np.object`` (removed in NumPy 1.24, builtins all along) are there again. Everything else
    is NumPy itself."""

    _ALIASES: ClassVar[dict[str, Any]] = {
        "int": int, "float": float, "bool": bool, "object": object, "complex": complex, "str": str,
    }  # fmt: skip

    def __getattr__(self, name: str) -> Any:
        import numpy

        if name in self._ALIASES and not hasattr(numpy, name):
            return self._ALIASES[name]
        return getattr(numpy, name)


def _numpy_compat(namespace: dict[str, Any]) -> None:
    import numpy

    for key, value in list(namespace.items()):
        if value is numpy:
            proxy = _NumPy1("numpy")
            proxy.__dict__.update({k: v for k, v in vars(numpy).items() if not k.startswith("__")})
            namespace[key] = proxy


def _free_names(namespace: dict[str, Any]) -> set[str]:
    """Globals the file's functions use that it neither defines nor imports."""
    names: set[str] = set()

    def walk(code: types.CodeType) -> None:
        names.update(i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME"))
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                walk(const)

    for value in namespace.values():
        if isinstance(value, types.FunctionType) and value.__globals__ is namespace:
            walk(value.__code__)
    return {n for n in names if n not in namespace and not hasattr(builtins, n)}


def _supply_free_names(namespace: dict[str, Any], report: LoadReport) -> None:
    """A one-function snippet cut from a notebook uses ``np`` and the notebook's ``sigmoid``
    without defining them: give it NumPy and the course's helpers, and say so."""
    import numpy

    from . import course_helpers

    free = _free_names(namespace)
    supplied = []
    for name in sorted(free):
        if name in ("np", "numpy"):
            namespace[name] = _NumPy1("numpy")
            namespace[name].__dict__.update({k: v for k, v in vars(numpy).items() if not k.startswith("__")})
        elif name in ("copy", "math"):
            namespace[name] = importlib.import_module(name)
        elif name in ("sigmoid", "relu"):  # the logistic-regression form, or the (A, cache) form it unpacks
            pair = _unpacks_pair(namespace, name)
            namespace[name] = getattr(course_helpers, f"{name}_pair" if pair else name)
        elif name in course_helpers.GRADED:  # another graded function of the notebook the file was cut from
            namespace[name] = course_helpers.GRADED[name]
        elif name in ("sigmoid_backward", "relu_backward", "dictionary_to_vector", "vector_to_dictionary",
                      "gradients_to_vector"):  # fmt: skip
            namespace[name] = getattr(course_helpers, name)
        else:
            report.unresolved.append(name)
            continue
        supplied.append(name)
        report.helper_names.append(name)
    if supplied:
        report.stand_ins.append("names the file uses but does not define: " + ", ".join(supplied))


def _unpacks_pair(namespace: dict[str, Any], name: str) -> bool:
    """True if some function of the file writes ``A, cache = name(...)``."""
    import inspect

    for value in namespace.values():
        if not (isinstance(value, types.FunctionType) and value.__globals__ is namespace):
            continue
        try:
            tree = ast.parse(inspect.getsource(value).strip())
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Tuple)
                and isinstance(node.value, ast.Call)
            ):
                f = node.value.func
                if isinstance(f, ast.Name) and f.id == name:
                    return True
    return False


def _run_all(tree: ast.Module, chunk: _Chunk, namespace: dict[str, Any], report: LoadReport) -> None:
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            _bind_import(node, namespace, report)
            continue
        try:
            exec(compile(ast.Module(body=[node], type_ignores=[]), chunk.filename, "exec"), namespace)
        except SystemExit as exc:
            raise LoadError(f"{chunk.filename}, line {node.lineno}: the file called sys.exit({exc.code})") from None
        except Exception as exc:
            where = _where(exc, chunk.filename) or f"{chunk.filename}, line {node.lineno}"
            raise LoadError(f"{where}: running the file raised {type(exc).__name__}: {exc}") from None


def code_of(func: Any) -> Any:
    """The code object of ``func``, or of the function a ``functools.wraps`` decorator wraps (a
    student's own timing decorator, mutmut's trampoline); None for builtins, ufuncs and
    non-functions. A ``__wrapped__`` chain that loops is not followed."""
    try:
        func = inspect.unwrap(func)
    except (ValueError, TypeError):
        pass
    return getattr(func, "__code__", None)


def _defined_here(obj: Any, path: Path) -> bool:
    code = code_of(obj)
    if code is not None:
        return code.co_filename.split(" [cell ")[0] == str(path)
    return getattr(obj, "__module__", None) == f"_nn_verify_impl_{path.stem}"


def is_students(func: Any, path: str | None) -> bool:
    """True if ``func`` is the student's: defined in their file, or in a module of their own
    (not one of the course's helpers, nor the checker's stand-ins for them)."""
    known = getattr(func, "__nn_verify_students__", None)
    if known is not None:  # a function in the sandbox's child: the child answered this question
        return bool(known)
    module = getattr(func, "__module__", "") or ""
    code = code_of(func)
    if code is None:  # a builtin or a ufunc (``--impl numpy``'s np.tanh): not written by the student
        return False
    file = code.co_filename.split(" [cell ")[0]
    if path is not None and file == str(path):
        return True  # the file under check is the student's, whatever its name
    if module.split(".")[-1] in COURSE_HELPERS or module.startswith("torch_reference"):
        return False
    if "site-packages" in file or "dist-packages" in file or file.startswith(sys.base_prefix):
        return False  # an installed library's (numpy's, scipy's) or the standard library's
    return not (file and Path(file).stem in COURSE_HELPERS)


def source_of(func: Any) -> str:
    """The source text of ``func``: :func:`inspect.getsource`, or the text the sandbox's child read
    for a function that lives in the child process (``__nn_verify_source__``). Raises OSError or
    TypeError as :func:`inspect.getsource` does when there is none."""
    text = getattr(func, "__nn_verify_source__", None)
    if text is not None:
        return text
    inner = getattr(func, "__wrapped__", None)
    if inner is not None and getattr(inner, "__nn_verify_source__", None) is not None:
        return inner.__nn_verify_source__
    if getattr(func, "__nn_verify_remote__", False):
        raise OSError("no source text was read for this function")
    import inspect

    return inspect.getsource(func)


def load_spec(spec: str, run_all: bool = False) -> tuple[types.ModuleType, LoadReport | None, str | None]:
    """Load what ``--impl`` names: a ``.py`` file or ``.ipynb`` notebook (:func:`load_source`), or an
    importable module name (:func:`import_module`). Returns (module, load report or None, file).

    Every failure is a :class:`LoadError` whose message is one line, whatever the module did: a
    syntax error, an import that fails, an exception or ``sys.exit`` at import, a module
    ``__getattr__`` that raises."""
    path = Path(spec)
    if spec.endswith((".py", ".ipynb")) or path.is_file():
        module, report = load_source(path, run_all=run_all)
        return module, report, str(path)
    try:
        module = import_module(spec)
    except ModuleNotFoundError as exc:
        raise LoadError(f"{spec}: no module named {exc.name!r} (looked in the current directory too)") from None
    except SyntaxError as exc:
        raise LoadError(f"{spec}: syntax error at {exc.filename}, line {exc.lineno}: {exc.msg}") from None
    except BaseException as exc:  # sys.exit at import is a load failure like any other
        if isinstance(exc, KeyboardInterrupt):
            raise
        frames = [f for f in _tb.extract_tb(exc.__traceback__) if "importlib" not in f.filename]
        where = f" at {frames[-1].filename}, line {frames[-1].lineno}" if frames else ""
        if isinstance(exc, SystemExit):
            raise LoadError(f"{spec}: importing it called sys.exit({exc.code!r}){where}") from None
        raise LoadError(f"{spec}: importing it raised {type(exc).__name__}{where}: {_one_line(exc)}") from None
    try:
        file = getattr(module, "__file__", None)
        file = file if isinstance(file, str) else None
    except Exception as exc:  # a module __getattr__ that raises
        raise LoadError(f"{spec}: reading its attributes raised {type(exc).__name__}: {_one_line(exc)}") from None
    return module, None, file


def _one_line(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # an exception whose __str__ raises
        text = f"<{type(exc).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


def import_module(spec: str) -> types.ModuleType:
    """Import a module by name, with the current directory on the path (as ``python -m``)."""
    added = "" not in sys.path and "." not in sys.path
    if added:
        sys.path.insert(0, "")
    try:
        return importlib.import_module(spec)
    finally:
        if added and "" in sys.path:
            sys.path.remove("")
