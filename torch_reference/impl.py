"""Loading the implementation under test: ``scratch_nn`` or a user's module.

``--impl`` takes an import name (``mypackage.nn``, found from the current directory too, as
with ``python -m``), a path to a ``.py`` file, or a Jupyter notebook (``.ipynb``). A missing
function makes the rows that need it "not implemented", not a crash.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from types import ModuleType

from .adapter import Adapter
from .loader import LoadError, import_module, load_source

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


def load_impl(spec: str | None = None, run_all: bool = False) -> ModuleType | Adapter:
    """Load ``spec``: an importable module name, a ``.py`` file or a ``.ipynb`` notebook; default
    :mod:`scratch_nn`.

    A file is loaded by :func:`torch_reference.loader.load_source`: its definitions only, unless
    ``run_all``. A user's module is returned wrapped in :class:`torch_reference.adapter.Adapter`,
    which accepts the course's spellings and recognizes the course's assignment functions
    (``load_report`` says what was loaded); scratch_nn is returned as is.
    """
    if spec is not None and not str(spec).strip():
        raise ImplLoadError("--impl: empty; give a module name, a .py file or a .ipynb notebook")
    spec = spec or DEFAULT_IMPL
    report = None
    path = Path(spec)
    if spec.endswith((".py", ".ipynb")) or path.is_file():
        try:
            module, report = load_source(path, run_all=run_all)
        except LoadError as exc:
            raise ImplLoadError(f"--impl {exc}") from None
        file = str(path)
    else:
        module = _import(spec)
        file = getattr(module, "__file__", None)
        if module.__name__ == DEFAULT_IMPL:
            return module
    adapter = Adapter(module, file)
    adapter.__name__ = spec
    adapter.load_report = report
    found = [n for n in CONTRACT if adapter.has(n)] + list(adapter.course_roles)
    if not found:
        defined = report.defined if report else sorted(n for n, v in vars(module).items() if callable(v))[:12]
        raise ImplLoadError(
            f"--impl {spec}: none of its functions is one the checker knows (it defines: "
            f"{', '.join(defined) or 'nothing'}); see the README's list of recognized assignments"
        )
    return adapter


def _import(spec: str) -> ModuleType:
    try:
        return import_module(spec)
    except ModuleNotFoundError as exc:
        raise ImplLoadError(f"--impl {spec}: no module named {exc.name!r}") from exc
    except SyntaxError as exc:
        raise ImplLoadError(f"--impl {spec}: syntax error at {exc.filename}, line {exc.lineno}: {exc.msg}") from exc
    except Exception as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "importlib" not in f.filename]
        where = f" at {frames[-1].filename}, line {frames[-1].lineno}" if frames else ""
        raise ImplLoadError(f"--impl {spec}: importing it raised {type(exc).__name__}{where}: {exc}") from exc
