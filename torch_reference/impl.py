"""Loading the implementation under test: ``scratch_nn`` or a user's module.

``--impl`` takes an import name (``mypackage.nn``) or a path to a ``.py`` file.
The module must provide the contract functions of DESIGN.md under their names; a
missing function makes the rows that need it "not implemented", not a crash.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

DEFAULT_IMPL = "scratch_nn"


class ImplLoadError(Exception):
    """The implementation could not be loaded; the message is one line for the user."""


def load_impl(spec: str | None = None) -> ModuleType:
    """Import ``spec`` (module name or .py path); default :mod:`scratch_nn`."""
    spec = spec or DEFAULT_IMPL
    path = Path(spec)
    if spec.endswith(".py") or path.is_file():
        if not path.is_file():
            raise ImplLoadError(f"--impl {spec}: no such file")
        name = f"_nn_verify_impl_{path.stem}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise ImplLoadError(f"--impl {spec}: cannot load this file as a Python module")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except SyntaxError as exc:
            raise ImplLoadError(f"--impl {spec}: syntax error at line {exc.lineno}: {exc.msg}") from exc
        except Exception as exc:
            raise ImplLoadError(f"--impl {spec}: importing it raised {type(exc).__name__}: {exc}") from exc
        return module
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        raise ImplLoadError(f"--impl {spec}: no module named {exc.name!r}") from exc
    except Exception as exc:
        raise ImplLoadError(f"--impl {spec}: importing it raised {type(exc).__name__}: {exc}") from exc
