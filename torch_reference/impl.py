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

from .adapter import Adapter

DEFAULT_IMPL = "scratch_nn"

#: the contract functions of DESIGN.md (and the project's documented extras)
CONTRACT = [
    "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax", "linear",
    "sigmoid_backward", "tanh_backward", "relu_backward", "leaky_relu_backward", "elu_backward",
    "softmax_backward", "linear_backward_activation",
    "linear_forward", "linear_activation_forward", "linear_backward", "linear_activation_backward",
    "initialize_parameters", "model_forward", "compute_cost", "compute_cost_cross_entropy", "model_backward",
    "update_parameters", "bce_backward", "output_backward", "lr_forward", "lr_forward_theta", "lr_backward",
    "propagate", "one_hot", "dropout_forward", "dropout_backward",
]  # fmt: skip


class ImplLoadError(Exception):
    """The implementation could not be loaded; the message is one line for the user."""


def load_impl(spec: str | None = None) -> ModuleType | Adapter:
    """Import ``spec`` (module name or .py path); default :mod:`scratch_nn`.

    A user's module is returned wrapped in :class:`torch_reference.adapter.Adapter`,
    which accepts the course's spellings and signatures; scratch_nn is returned as is.
    """
    spec = spec or DEFAULT_IMPL
    module = _import(spec)
    if module.__name__ == DEFAULT_IMPL:
        return module
    exported = [n for n in CONTRACT if Adapter(module).has(n)]
    if not exported:
        raise ImplLoadError(
            f"--impl {spec}: the module defines none of the contract functions "
            f"({', '.join(CONTRACT[:4])}, ...; see DESIGN.md)"
        )
    adapter = Adapter(module)
    adapter.__name__ = spec
    return adapter


def _import(spec: str) -> ModuleType:
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
        sys.path.insert(0, str(path.resolve().parent))  # sibling imports work, as for a script
        try:
            module_spec.loader.exec_module(module)
        except SyntaxError as exc:
            raise ImplLoadError(f"--impl {spec}: syntax error at line {exc.lineno}: {exc.msg}") from exc
        except Exception as exc:
            raise ImplLoadError(f"--impl {spec}: importing it raised {type(exc).__name__}: {exc}") from exc
        finally:
            sys.path.remove(str(path.resolve().parent))
        return module
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        raise ImplLoadError(f"--impl {spec}: no module named {exc.name!r}") from exc
    except Exception as exc:
        raise ImplLoadError(f"--impl {spec}: importing it raised {type(exc).__name__}: {exc}") from exc
