"""Loading the implementation under test: ``scratch_nn`` or a user's module.

``--impl`` takes an import name (``mypackage.nn``, found from the current directory too, as
with ``python -m``), a path to a ``.py`` file, or a Jupyter notebook (``.ipynb``). A missing
function makes the rows that need it "not implemented", not a crash.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .adapter import Adapter
from .loader import LoadError
from .ops import ACTIVATIONS
from .sandbox import InProcess, Limits, Sandbox, remote_module

DEFAULT_IMPL = "scratch_nn"

#: the contract's functions (scratch_nn's public names, README: *Using scratch_nn*)
CONTRACT = [
    *(act.name for act in ACTIVATIONS), *(act.backward for act in ACTIVATIONS),  # from their descriptions
    "linear_forward", "linear_activation_forward", "linear_backward", "linear_activation_backward",
    "initialize_parameters", "model_forward", "compute_cost", "compute_cost_cross_entropy", "model_backward",
    "update_parameters", "bce_backward", "output_backward", "lr_forward", "lr_forward_theta", "lr_backward",
    "propagate", "one_hot", "dropout_forward", "dropout_backward",
]  # fmt: skip


class ImplLoadError(Exception):
    """The implementation could not be loaded; the message is one line for the user."""


def load_impl(
    spec: str | None = None, run_all: bool = False, isolate: bool = True, limits: Limits | None = None
) -> ModuleType | Adapter:
    """Load ``spec``: an importable module name, a ``.py`` file or a ``.ipynb`` notebook; default
    :mod:`scratch_nn`.

    A user's module is untrusted code: with ``isolate`` (the default) it is loaded and run in a
    child process (:class:`torch_reference.sandbox.Sandbox`, within ``limits``), and this process
    sees it through :func:`torch_reference.sandbox.remote_module`; ``isolate=False`` runs it here
    (``--no-isolate``: no limits, the same checks). A file is loaded by
    :func:`torch_reference.loader.load_source`: its definitions only, unless ``run_all``. The module
    is returned wrapped in :class:`torch_reference.adapter.Adapter`, which accepts the course's
    spellings and recognizes the course's assignment functions (``load_report`` says what was
    loaded; ``sandbox`` is the child, ``close()`` ends it). scratch_nn is returned as is.

    Raises :class:`ImplLoadError` (one line) for an empty ``spec``, a module that cannot be loaded
    for any reason, or one that defines none of the functions the checker knows.
    """
    if spec is not None and not str(spec).strip():
        raise ImplLoadError("--impl: empty; give a module name, a .py file or a .ipynb notebook")
    spec = spec or DEFAULT_IMPL
    if spec == DEFAULT_IMPL:
        return importlib.import_module(DEFAULT_IMPL)
    try:
        sandbox = (Sandbox if isolate else InProcess)(spec, run_all=run_all, limits=limits)
    except LoadError as exc:
        raise ImplLoadError(f"--impl {exc}") from None
    module = remote_module(sandbox)
    adapter = Adapter(module, sandbox.file)
    adapter.__name__ = spec
    adapter.load_report = sandbox.report
    adapter.sandbox = sandbox
    found = [n for n in CONTRACT if adapter.is_students_name(n)] + list(adapter.course_roles)
    if not found:
        sandbox.close()
        report = sandbox.report
        defined = report.defined if report else sorted(
            n for n, f in sandbox.manifest["functions"].items() if f["students"]
        )[:12]
        raise ImplLoadError(
            f"--impl {spec}: none of its functions is one the checker knows (it defines: "
            f"{', '.join(defined) or 'nothing of its own'}); see the README's list of recognized assignments"
        )
    return adapter
