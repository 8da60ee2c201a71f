"""Presenting a user's module through the contract (scratch_nn's names and signatures).

Students write the course's spellings and signatures, not ours. The adapter
accepts, for any module:

* the course's names as aliases (``L_model_forward`` for ``model_forward``,
  ``initialize_parameters_deep`` for ``initialize_parameters``, ...);
* helpers that return ``(A, cache)`` (the course's ``sigmoid(Z)``, ``relu(Z)``) or
  take the cache (``relu_backward(dA, cache)``, where the cache is Z);
* whole-model functions with the course's fixed signatures
  (``L_model_forward(X, parameters)``: ReLU hidden layers, sigmoid output;
  ``L_model_backward(AL, Y, caches)``): cases they cannot express (a tanh layer, a
  softmax output) are skipped as "n/a", not failed;
* either subgradient convention at exactly 0, when the function takes no
  ``convention`` argument (a value at 0 other than both conventions' still fails);
* ``initialize_parameters_deep(layer_dims)`` that seeds NumPy's global generator
  itself: its draws cannot be replayed against PyTorch, so the exact INIT rows are
  "n/a" for it.

Keyword arguments the user's function does not take are dropped; positional
arguments are passed as they are.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from . import ops
from .loader import is_students, source_of
from .ops import ACTIVATIONS
from .registry import NotApplicable

#: contract name -> the course's other spellings
ALIASES: dict[str, tuple[str, ...]] = {
    # not forward_propagation/backward_propagation: those names are the course's fixed 2- and 3-layer
    # networks and gradient checking's J(θ) (torch_reference.course), or a student's own design
    "model_forward": ("L_model_forward",),
    "model_backward": ("L_model_backward",),
    "initialize_parameters": ("initialize_parameters_deep",),
    "compute_cost": ("compute_cost",),
    # a compute_cost(A, Y) with no (1 - Y) term is the categorical cross-entropy (a softmax output)
    "compute_cost_cross_entropy": ("compute_cost",),
    "compute_cost_with_regularization": ("compute_cost_with_regularization",),
    "dropout_forward": ("forward_propagation_with_dropout_layer",),
    "one_hot": ("one_hot_encoding", "onehot", "one_hot_encode"),
}
# the activations' spellings, from their descriptions (ops.py): the course's ``identity`` for ``linear``
ALIASES.update({act.name: act.aliases for act in ACTIVATIONS if act.aliases})
ALIASES.update({act.backward: act.backward_aliases for act in ACTIVATIONS if act.backward_aliases})

#: contract names of every activation g, and of each backward -> its activation
ACTIVATION_FORWARD = tuple(act.name for act in ACTIVATIONS)
ACTIVATION_BACKWARD = {act.backward: act.name for act in ACTIVATIONS}
COURSE_ACTIVATIONS = ("relu", "sigmoid")


def _at_zero(name: str, kw: dict[str, Any]) -> tuple[float, float] | None:
    """g'(0) as a multiple of dA, (the notes', PyTorch's), for an activation with a kink (None without
    one), at the call's hyperparameters (the description's defaults for those not given)."""
    act = ops.activation(name)
    if not act.kinks:
        return None
    params = act.with_params(**{k: v for k, v in kw.items() if k in act.defaults})
    return act.kinks[0].notes, act.kinks[0].pytorch(params)


def activation_backward_name(name: str) -> str:
    """The contract's backward of activation ``name`` (``relu_backward``, ``linear_backward_activation``);
    ``<name>_backward`` for a name no description has."""
    try:
        return ops.activation(name).backward
    except ValueError:
        return f"{name}_backward"


class MissingFunction(NotApplicable, AttributeError):  # noqa: N818 - a case status, like NotApplicable
    """The module has no function for this contract name: an AttributeError (``getattr(impl, name,
    None)`` is None), and, when a test asks for it, a skip as for a case it cannot express."""


def _accepts(func: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins without a signature: assume yes
        return True
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _required(func: Callable[..., Any]) -> int:
    """How many positional parameters ``func`` requires."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return 0
    return sum(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


#: keyword arguments that may be dropped for a function that does not take them, at these
#: values (they then change nothing); any other unaccepted argument makes the case n/a (the
#: activations' hyperparameters at their defaults, from the descriptions)
NEUTRAL: dict[str, Any] = {"dtype": None, "keep_prob": 1.0, "lambd": 0.0, "rng": None, "convention": None}
NEUTRAL.update({k: v for act in ACTIVATIONS for k, v in act.defaults.items()})


def _call(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` with the keyword arguments it accepts; raise NotApplicable if one it
    does not accept would have changed the result (e.g. ``keep_prob=0.8``)."""
    passed = {}
    for key, value in kwargs.items():
        if _accepts(func, key):
            passed[key] = value
        elif key not in NEUTRAL or (NEUTRAL[key] is not None and value != NEUTRAL[key]):
            name = getattr(func, "__name__", "the function")
            raise NotApplicable(f"{name} takes no {key} argument (case needs {key}={value!r})")
    return func(*args, **passed)


def _first_of_pair(out: Any) -> Any:
    """The course's helpers return ``(A, cache)``: keep A."""
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], np.ndarray):
        return out[0]
    return out


def _binary_cost(func: Callable[..., Any]) -> bool:
    """True if a cost function's source has the (1 - Y) term of the binary cross-entropy (or no source)."""
    import re

    try:
        source = source_of(func)
    except (OSError, TypeError):
        return True
    code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())
    return re.search(r"1\.?0*\s*-\s*[A-Za-z_(]", code) is not None or "BCE" in code or "binary" in code.lower()


class Adapter:
    """The contract view of ``module``: ``Adapter(m).model_forward`` is ``m.model_forward``
    or ``m.L_model_forward``, wrapped so that it answers in the contract's terms."""

    def __init__(self, module: ModuleType, path: str | None = None) -> None:
        from .assignments import recognize

        self._module = module
        self._path = path
        self.__name__ = getattr(module, "__name__", "impl")
        #: course role key -> the student's function that fits it (torch_reference.course)
        self.course_roles = recognize(module, lambda f: is_students(f, path))
        self.notes: set[str] = set()  # conventions met while checking (the v2 template's grads keys)

    def _find(self, name: str) -> tuple[str, Callable[..., Any]] | None:
        taken = {id(f) for f in self.course_roles.values()}
        for candidate in (name, *ALIASES.get(name, ())):
            func = getattr(self._module, candidate, None)
            if not callable(func) or id(func) in taken:
                continue  # a course function of another signature (the planar update_parameters, ...)
            if candidate == "compute_cost" and _binary_cost(func) != (name == "compute_cost"):
                continue  # the binary cost is COST-BCE's, the categorical one COST-CE's
            return candidate, func
        return None

    def is_students_name(self, name: str) -> bool:
        """True if the function behind contract name (or ``role:KEY``) is the student's own."""
        if name.startswith("role:"):
            return True
        found = self._find(name)
        return found is not None and is_students(found[1], self._path)

    def has(self, name: str) -> bool:
        return self._find(name) is not None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        found = self._find(name)
        if found is None:
            aliases = ", ".join(ALIASES.get(name, ())) or "alias"
            raise MissingFunction(f"{self.__name__} has no {name} (nor {aliases}) of the contract's signature")
        spelled, func = found
        wrap = getattr(self, f"_wrap_{name}", None)
        if wrap is None and name in ACTIVATION_FORWARD:
            wrap = self._wrap_activation
        if wrap is None and name in ACTIVATION_BACKWARD:
            wrap = functools.partial(self._wrap_activation_backward, ACTIVATION_BACKWARD[name])
        wrapped = wrap(func, spelled) if wrap else func
        return functools.wraps(func)(wrapped) if wrapped is not func else func

    # ------------------------------------------------------------------ activations
    def _wrap_activation(self, func: Callable[..., Any], spelled: str) -> Callable[..., Any]:
        return lambda Z, **kw: _first_of_pair(_call(func, Z, **kw))

    def _wrap_activation_backward(self, activation: str, func: Callable[..., Any], spelled: str) -> Callable[..., Any]:
        def backward(dA: np.ndarray, Z: np.ndarray, **kw: Any) -> Any:
            convention = kw.get("convention")
            dZ = _call(func, dA, Z, **kw)
            at_zero = None if convention is None or _accepts(func, "convention") else _at_zero(activation, kw)
            if at_zero is None:
                return dZ
            # no convention argument: accept either value at exactly 0 (the notes' 1 or PyTorch's)
            notes_value, torch_value = at_zero
            wanted, other = (torch_value, notes_value) if convention == "pytorch" else (notes_value, torch_value)
            at_zero_other = (Z == 0) & np.isclose(dZ, dA * other, rtol=0, atol=0)
            return np.where(at_zero_other, dA * wanted, dZ).astype(dZ.dtype, copy=False)

        return backward

    def _supports_activation(self, activation: str) -> bool:
        return self.has(activation)

    def _wrap_linear_activation_forward(self, func: Callable[..., Any], spelled: str) -> Callable[..., Any]:
        def forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str) -> Any:
            if not self._supports_activation(activation):
                raise NotApplicable(f"{self.__name__} has no {activation}()")
            return func(A_prev, W, b, activation)

        return forward

    def _wrap_linear_activation_backward(self, func: Callable[..., Any], spelled: str) -> Callable[..., Any]:
        def backward(dA: np.ndarray, cache: Any, activation: str, **kw: Any) -> Any:
            # the backward of a layer needs g' (relu_backward), not g itself
            name = activation_backward_name(activation)
            if not self.has(name):
                raise NotApplicable(f"{self.__name__} has no {name}()")
            return _call(func, dA, cache, activation, **kw)

        return backward

    # ------------------------------------------------------------------ whole model
    def _model_call(self, func: Callable[..., Any], spelled: str, args: tuple, L: int, kw: dict[str, Any]) -> Any:
        """Call a whole-model function with the activations the case asks for, in the form
        it accepts: ``activations=[...]``, ``hidden_activation=/output_activation=``, or
        none at all (the course's fixed ReLU hidden layers and sigmoid output)."""
        hidden, output = kw.pop("hidden_activation", None), kw.pop("output_activation", None)
        activations = kw.pop("activations", None)
        if activations is None:
            activations = [hidden or "relu"] * (L - 1) + [output or "sigmoid"]
        activations = list(activations)
        uniform = len(set(activations[:-1])) <= 1
        if _accepts(func, "hidden_activation") and uniform and not _accepts(func, "activations"):
            hidden_output = {"hidden_activation": activations[0] if L > 1 else "relu",
                             "output_activation": activations[-1]}  # fmt: skip
            return _call(func, *args, **hidden_output, **kw)
        if _accepts(func, "activations"):
            if hidden is not None and _accepts(func, "hidden_activation"):
                return _call(func, *args, hidden_activation=hidden, output_activation=output, **kw)
            return _call(func, *args, activations=activations, **kw)
        if activations != ["relu"] * (L - 1) + ["sigmoid"]:
            raise NotApplicable(
                f"{spelled} has ReLU hidden layers and a sigmoid output fixed; the case has {activations}"
            )
        return _call(func, *args, **kw)

    def _wrap_model_forward(self, func: Callable[..., Any], spelled: str) -> Callable[..., Any]:
        def forward(X: np.ndarray, parameters: dict[str, np.ndarray], **kw: Any) -> Any:
            return self._model_call(func, spelled, (X, parameters), len(parameters) // 2, kw)

        return forward

    def _wrap_model_backward(self, func: Callable[..., Any], spelled: str) -> Callable[..., Any]:
        def backward(AL: np.ndarray, Y: np.ndarray, caches: Any, **kw: Any) -> Any:
            grads = self._model_call(func, spelled, (AL, Y, caches), len(caches), kw)
            L = len(caches)
            if isinstance(grads, dict) and f"dA{L}" in grads and "dA0" not in grads:
                # the v2 template: grads["dA" + str(l + 1)] holds dA[l] (the gradient of A[l])
                self.notes.add(f"{spelled} stores dA[l] under 'dA{{l+1}}' (the course's v2 template); read as such")
                grads = {(f"dA{int(k[2:]) - 1}" if k.startswith("dA") and k[2:].isdigit() else k): v
                         for k, v in grads.items()}  # fmt: skip
            return grads

        return backward

    # ------------------------------------------------------------------ costs, one-hot
    def _wrap_one_hot(self, func: Callable[..., Any], spelled: str) -> Callable[..., Any]:
        def one_hot(labels: Any, num_classes: int | None = None, dtype: Any = None, **kw: Any) -> Any:
            args = (labels,) if num_classes is None else (labels, num_classes)
            if num_classes is None and _required(func) > 1:
                raise NotApplicable(f"{spelled} needs the number of classes; the case leaves it to be inferred")
            if dtype is None or _accepts(func, "dtype"):
                return _call(func, *args, dtype=dtype, **kw)
            out = _call(func, *args, **kw)  # the course's one_hot(labels, C): no dtype
            return out.astype(dtype) if isinstance(out, np.ndarray) and out.dtype.kind in "biuf" else out

        return one_hot

    # ------------------------------------------------------------------ initialization
    @property
    def init_is_replayable(self) -> bool:
        """False for the course's ``initialize_parameters_deep(layer_dims)``, which draws from
        NumPy's global generator (seeded inside): its draws cannot be replayed exactly."""
        found = self._find("initialize_parameters")
        return found is None or _accepts(found[1], "rng") or _accepts(found[1], "method")

    def _wrap_initialize_parameters(self, func: Callable[..., Any], spelled: str) -> Callable[..., Any]:
        def initialize(layer_dims: Any, method: str = "small", rng: Any = None, **kw: Any) -> Any:
            if not (_accepts(func, "rng") or _accepts(func, "method")):
                # the course's initialize_parameters_deep(layer_dims): randn * 0.01 from the global
                # generator it seeds itself. Only the sampled INIT-SMALL rows can check it.
                if method != "small":
                    raise NotApplicable(f"{spelled}(layer_dims) has one method, randn * 0.01")
                return func(list(layer_dims))
            return _call(func, layer_dims, method, rng, **kw)

        return initialize


def adapt(module: ModuleType) -> Adapter:
    """The contract view of a user's module (see the module docstring)."""
    return Adapter(module)
