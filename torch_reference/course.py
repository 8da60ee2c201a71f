"""The course's assignments, recognized by signature and checked on their own architecture.

Each :class:`Role` is one function of one assignment, as the course writes it: its name,
how many positional arguments it takes, and the parameters it reads by fixed key
(``parameters["W2"]`` but no ``"W3"``: the planar 2-layer network). A student's function
takes a role only if its signature fits (``initialize_parameters(n_x, n_h, n_y)`` is the
2-layer initializer, never the deep one). The entries below call it exactly as the course
does and compare with PyTorch on the course's architecture:

==========================  ===================================================================
assignment                  functions (role keys)
==========================  ===================================================================
logistic regression         ``initialize_with_zeros``, ``propagate``, ``optimize``, ``predict``
planar data (1 hidden)      ``layer_sizes``, ``initialize_parameters(n_x, n_h, n_y)``,
                            ``forward_propagation`` (tanh/sigmoid, dict cache), ``compute_cost``
                            (with or without ``parameters``), ``backward_propagation``,
                            ``update_parameters``, ``predict``
step by step, application   ``initialize_parameters_deep`` (0.01·randn or randn/√n[l-1]) and
                            the contract rows (``L_model_forward``, ... through the adapter),
                            ``predict(X, y, parameters)``
initialization              ``initialize_parameters_zeros``, ``_random`` (10·randn), ``_he``
regularization              ``compute_cost_with_regularization``,
                            ``backward_propagation_with_regularization``,
                            ``forward_propagation_with_dropout``, ``backward_propagation_with_dropout``
                            and the 3-layer ``forward_propagation``/``backward_propagation``
gradient checking           ``forward_propagation(x, theta)``, ``backward_propagation(x, theta)``,
                            ``gradient_check``, ``forward_propagation_n``, ``backward_propagation_n``,
                            ``gradient_check_n``
==========================  ===================================================================

The course's randomness is replayed: an initializer or a dropout forward that calls
``np.random.seed(k)`` is run, and the legacy stream of seed ``k`` is drawn again with each
formula the course documents for that function; the row says which formula the draws match.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from . import cases, plants
from .loader import source_of
from .losses import _cost_bce_oracle
from .model import _lr_reference, _update_oracle, draw_lr, draw_model, draw_update, reference_bounds, reference_pass
from .registry import Case, Entry, NotApplicable, OtherVariant, Reference, register_entry_source
from .regularization import LAMBD, _penalty_gradient_parts, torch_l2_penalty
from .tolerance import gradient_check_bound, mean_bound, penalty_bound, penalty_gradient_bound, probability_loss_bound
from .trajectories import _train_oracle, draw_trajectory

COURSE_ENTRIES: list[Entry] = []

#: the seed the checker puts on NumPy's global generator before calling a function that draws
CHECKER_SEED = 20171


# ------------------------------------------------------------------ reading a function's source
@dataclass(frozen=True)
class Source:
    """What the checker reads off a function's source without running it."""

    layers: int  # the largest k of a fixed key "Wk" (0: none, the loop over l form)
    activations: tuple[str, ...]  # the activation calls in source order
    seed: int | None  # the k of np.random.seed(k) in the body, if a literal
    params: tuple[str, ...]  # positional parameter names
    required: int  # positional parameters without a default


_ACTIVATION_CALLS = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "softmax": "softmax", "maximum": "relu"}


def read_source(func: Callable[..., Any]) -> Source | None:
    """The :class:`Source` of ``func``, or None if it has no Python source or signature."""
    try:
        sig = inspect.signature(func)
        tree = ast.parse(textwrap.dedent(source_of(func)))
    except (TypeError, ValueError, OSError, SyntaxError):
        return None
    positional = [p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    layers, acts, seed = 0, [], None
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            s = node.value
            if len(s) >= 2 and s[0] == "W" and s[1:].isdigit():
                layers = max(layers, int(s[1:]))
    calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    for call in calls:
        f = call.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if name == "seed" and call.args and isinstance(call.args[0], ast.Constant):
            if isinstance(call.args[0].value, int):
                seed = call.args[0].value
        if name in _ACTIVATION_CALLS:
            acts.append(_ACTIVATION_CALLS[name])
    required = sum(p.default is p.empty for p in positional)
    return Source(layers, tuple(acts), seed, tuple(p.name for p in positional), required)


# ------------------------------------------------------------------ roles
@dataclass(frozen=True)
class Role:
    """One function of one course assignment, as the course calls it."""

    key: str  # "planar.forward_propagation"
    names: tuple[str, ...]
    nargs: int  # positional arguments the course passes
    signature: str  # how the report names it
    layers: int | None = None  # fixed keys W1..Wk it reads (None: any)
    first: tuple[str, ...] = ()  # accepted leading parameter names, "x,theta" (empty: any)
    exact: bool = False  # takes exactly nargs positional parameters (no method=, rng= of the contract's)

    def fits(self, func: Callable[..., Any]) -> bool:
        src = read_source(func)
        if src is None:
            return False
        if not (src.required <= self.nargs <= len(src.params)):
            return False
        if self.exact and len(src.params) != self.nargs:
            return False
        if self.layers is not None and src.layers != self.layers:
            return False
        if not self.first:
            return True
        # "x,theta": the first two parameter names, lower-cased (students rename the rest)
        return any(",".join(src.params[: p.count(",") + 1]).lower() == p for p in self.first)


ROLES: dict[str, Role] = {}


def _role(
    key: str, names: str, nargs: int, signature: str, layers: int | None = None, first: str = "", exact: bool = False
) -> Role:
    role = Role(key, tuple(names.split()), nargs, signature, layers, tuple(first.split()), exact)
    ROLES[key] = role
    return role


_role("logistic.initialize_with_zeros", "initialize_with_zeros", 1, "initialize_with_zeros(dim) -> w, b")
_role("logistic.propagate", "propagate", 4, "propagate(w, b, X, Y) -> grads, cost", first="w")
_role("logistic.optimize", "optimize", 6, "optimize(w, b, X, Y, num_iterations, learning_rate)", first="w")
_role("logistic.predict", "predict", 3, "predict(w, b, X) -> Y_prediction", first="w")
_role("planar.layer_sizes", "layer_sizes", 2, "layer_sizes(X, Y) -> n_x, n_h, n_y")
_role("planar.initialize_parameters", "initialize_parameters", 3, "initialize_parameters(n_x, n_h, n_y)")
_role("planar.forward_propagation", "forward_propagation", 2, "forward_propagation(X, parameters) -> A2, cache", 2)
_role("planar.compute_cost", "compute_cost", 3, "compute_cost(A2, Y, parameters)")
_role("planar.backward_propagation", "backward_propagation", 4, "backward_propagation(parameters, cache, X, Y)", 2)
_role("planar.update_parameters", "update_parameters", 3, "update_parameters(parameters, grads, learning_rate)", 2)
_role("planar.predict", "predict", 2, "predict(parameters, X) -> predictions", first="parameters params")
_role("deep.initialize_parameters_deep", "initialize_parameters_deep", 1, "initialize_parameters_deep(layer_dims)")
_role("helpers.initialize_parameters", "initialize_parameters", 1, "initialize_parameters(layer_dims)", exact=True)
_role("deep.predict", "predict", 3, "predict(X, y, parameters) -> p", first="x,y")
_role("init.zeros", "initialize_parameters_zeros", 1, "initialize_parameters_zeros(layers_dims)")
_role("init.random", "initialize_parameters_random", 1, "initialize_parameters_random(layers_dims)")
_role("init.he", "initialize_parameters_he", 1, "initialize_parameters_he(layers_dims)")
_role("three.forward_propagation", "forward_propagation", 2, "forward_propagation(X, parameters) -> A3, cache", 3)
_role(
    "three.backward_propagation",
    "backward_propagation",
    3,
    "backward_propagation(X, Y, cache) -> gradients",
    first="x,y",
)
_role(
    "reg.cost", "compute_cost_with_regularization", 4, "compute_cost_with_regularization(A3, Y, parameters, lambd)", 3
)
_role(
    "reg.backward",
    "backward_propagation_with_regularization",
    4,
    "backward_propagation_with_regularization(X, Y, cache, lambd)",
)
_role(
    "reg.dropout_forward",
    "forward_propagation_with_dropout",
    3,
    "forward_propagation_with_dropout(X, parameters, keep_prob)",
)
_role(
    "reg.dropout_backward",
    "backward_propagation_with_dropout",
    4,
    "backward_propagation_with_dropout(X, Y, cache, keep_prob)",
)
_role("gc.forward", "forward_propagation", 2, "forward_propagation(x, theta) -> J", 0, first="x,theta")
_role("gc.backward", "backward_propagation", 2, "backward_propagation(x, theta) -> dtheta", 0, first="x,theta")
_role("gc.check", "gradient_check", 2, "gradient_check(x, theta, epsilon) -> difference", first="x,theta")
_role("gc.forward_n", "forward_propagation_n", 3, "forward_propagation_n(X, Y, parameters) -> cost, cache")
_role("gc.backward_n", "backward_propagation_n", 3, "backward_propagation_n(X, Y, cache) -> gradients")
_role("planar.nn_model", "nn_model", 4, "nn_model(X, Y, n_h[, learning_rate], num_iterations)")
_role("deep.two_layer_model", "two_layer_model", 3, "two_layer_model(X, Y, layers_dims, learning_rate, num_iterations)")
_role("deep.L_layer_model", "L_layer_model", 3, "L_layer_model(X, Y, layers_dims, learning_rate, num_iterations)")
_role(
    "logistic.model",
    "model",
    4,
    "model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate)",
    first="x_train,y_train",
)
_role("gc.dictionary_to_vector", "dictionary_to_vector", 1, "dictionary_to_vector(parameters) -> theta, keys")
_role("gc.vector_to_dictionary", "vector_to_dictionary", 1, "vector_to_dictionary(theta) -> parameters")
_role("gc.gradients_to_vector", "gradients_to_vector", 1, "gradients_to_vector(gradients) -> theta")
_role("gc.check_n", "gradient_check_n", 4, "gradient_check_n(parameters, gradients, X, Y) -> difference")


def recognize(module: Any, is_students: Callable[[Any], bool] = lambda f: True) -> dict[str, Callable[..., Any]]:
    """role key -> the module's function that fits it (one function may fit several roles only
    if they are distinct readings of the same assignment; the first that fits wins per role)."""
    found = {}
    for key, role in ROLES.items():
        for name in role.names:
            func = getattr(module, name, None)
            if callable(func) and is_students(func) and role.fits(func):
                found[key] = func
                break
    return found


def role_function(impl: Any, key: str) -> Callable[..., Any]:
    func = getattr(impl, "course_roles", {}).get(key)
    if func is None:
        raise NotApplicable(f"no function fits {ROLES[key].signature}")
    return func


def module_source(impl: Any, key: str) -> Source | None:
    func = getattr(impl, "course_roles", {}).get(key)
    return None if func is None else read_source(func)


# ------------------------------------------------------------------ the course's legacy global stream
class legacy_seed:  # noqa: N801 - used as a context manager, like np.errstate
    """Seed NumPy's global generator for the call, and put its state back afterwards."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __enter__(self) -> None:
        self.state = np.random.get_state()
        np.random.seed(self.seed)

    def __exit__(self, *exc: Any) -> None:
        np.random.set_state(self.state)


def _seed_of(impl: Any, key: str) -> int:
    src = module_source(impl, key)
    return CHECKER_SEED if src is None or src.seed is None else src.seed


#: formula name -> std of W[l] given (n[l-1], n[l]); the draws are randn in the course's order
FORMULAS: dict[str, Callable[[int, int], float]] = {
    "0.01·randn": lambda n_prev, n: 0.01,
    "randn/√n[l-1]": lambda n_prev, n: 1 / np.sqrt(n_prev),
    "randn·√(2/n[l-1]) (He)": lambda n_prev, n: np.sqrt(2 / n_prev),
    "10·randn": lambda n_prev, n: 10.0,
    "zeros": lambda n_prev, n: 0.0,
}


def replay_init(dims: list[int], seed: int, formula: str) -> dict[str, np.ndarray]:
    """The course's ``np.random.seed(seed)`` then ``W[l] = randn(n[l], n[l-1]) * std`` for
    l = 1..L, b[l] = 0, with the arithmetic in PyTorch (float64) on the replayed draws."""
    stream = np.random.RandomState(seed)
    out = {}
    for l in range(1, len(dims)):
        std = FORMULAS[formula](dims[l - 1], dims[l])
        draws = np.zeros((dims[l], dims[l - 1])) if formula == "zeros" else stream.randn(dims[l], dims[l - 1])
        out[f"W{l}"] = (torch.tensor(draws, dtype=torch.float64) * std).numpy()
        out[f"b{l}"] = np.zeros((dims[l], 1))
    return out


# ------------------------------------------------------------------ building entries
def _entry(cid: str, key: str, equation: str, **kw: Any) -> Entry:
    role = ROLES[key]
    entry = Entry(
        id=cid,
        equation=equation,
        variant=role.signature,
        needs=(f"role:{key}",),
        function=role.signature,
        strict_dtype=False,  # the course's code may compute in float64 from float32 inputs
        **{"dtypes": ("float64",), **kw},  # the course works in float64 (its own asserts say so)
    )
    COURSE_ENTRIES.append(entry)
    return entry


def _floats(x: Any) -> Any:
    """A course-returned number (int, np.float64, 0-d array) as what compare expects."""
    if isinstance(x, np.ndarray) and x.shape == ():
        return x[()]
    if isinstance(x, (bool, np.bool_)):
        return x
    if isinstance(x, (int, np.integer)):
        return float(x)
    return x


def _predictions(x: Any) -> Any:
    """0/1 predictions (bool, int or float arrays) as a float64 array; anything else as is."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        return x.astype(np.float64)
    return x


def _refs(ref: dict[str, np.ndarray], B: dict[str, Any], names: list[str], **kw: Any) -> dict[str, Reference]:
    return {n: Reference(ref[n], B[n], **kw) for n in names}


# ---- logistic regression -----------------------------------------------------------------


def _cost_bound(ref: dict, B: dict, Y: np.ndarray, L: int) -> float:
    losses = -np.log(np.where(Y == 1, ref[f"A{L}"], 1 - ref[f"A{L}"]))
    return mean_bound(losses.ravel(), probability_loss_bound("sigmoid", ref[f"A{L}"], Y, B[f"A{L}"]).ravel())


def _propagate(impl: Any, case: Case) -> dict[str, Any]:
    grads, cost = role_function(impl, "logistic.propagate")(case["w"], case["b"], case["X"], case["Y"])
    return {"dw": grads["dw"], "db": _floats(grads["db"]), "cost": _floats(cost)}


def _propagate_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    ref, B = _lr_reference(case, device, dtype)
    return {
        "dw": Reference(ref["dW1"].T, B["dW1"].T),
        "db": Reference(ref["db1"][0, 0], B["db1"][0, 0], scalar=True),
        "cost": Reference(ref["J"], _cost_bound(ref, B, case["Y"], 1), scalar=True),
    }


LR_SHAPES = [(4, 9), (3, 5)]
_entry(
    "LR-BWD",
    "logistic.propagate",
    "A = sigmoid(w^T X + b); J; dw = (1/m) X (A - Y)^T; db = (1/m) sum(A - Y)",
    draw=draw_lr,
    run=_propagate,
    oracle=_propagate_oracle,
    shapes=LR_SHAPES,
)


def _init_zeros(impl: Any, case: Case) -> dict[str, Any]:
    w, b = role_function(impl, "logistic.initialize_with_zeros")(case["dim"])
    return {"w": w, "b": _floats(b)}


_entry(
    "INIT-ZERO",
    "logistic.initialize_with_zeros",
    "w = 0 (dim, 1), b = 0",
    draw=lambda rng, shape, dtype: {"dim": shape},
    run=_init_zeros,
    oracle=lambda c, d, t: {
        "w": Reference(np.zeros((c["dim"], 1)), 0.0),
        "b": Reference(np.asarray(0.0), 0.0, scalar=True),
    },
    shapes=[3, 7],
    dtypes=("float64",),
)


def _draw_optimize(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    n_x, m, iterations, lr = shape
    case = draw_trajectory(rng, ((n_x, 1), ("sigmoid",), m, iterations, lr), dtype)
    case["w"], case["b"] = case["parameters"]["W1"].T.copy(), float(case["parameters"]["b1"][0, 0])
    return case


def _optimize(impl: Any, case: Case) -> dict[str, Any]:
    func = role_function(impl, "logistic.optimize")
    out = func(case["w"].copy(), case["b"], case["X"], case["Y"], case["num_iterations"], case["learning_rate"])
    params, _grads, costs = out
    return {
        "W1": np.asarray(params["w"]).T,
        "b1": np.asarray(_floats(params["b"])).reshape(1, 1),
        "cost0": _floats(np.asarray(costs).ravel()[0]) if len(costs) else None,
    }


def _optimize_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    refs = _train_oracle({**case, "activations": ["sigmoid"]}, device, dtype)
    costs = refs.pop("costs")
    return {**refs, "cost0": Reference(costs.value[0], np.asarray(costs.bound).ravel()[0], scalar=True)}


_entry(
    "GD-LOOP",
    "logistic.optimize",
    "w, b := w, b - α (dw, db), num_iterations times; costs[0] = J at the start",
    draw=_draw_optimize,
    run=_optimize,
    oracle=_optimize_oracle,
    shapes=[(4, 9, 12, 0.5), (2, 6, 7, 1.3)],
)


def _draw_predict_lr(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    """Logistic-regression inputs with every probability at least 0.05 from the threshold 0.5."""

    def accept(case: Case) -> bool:
        A = 1 / (1 + np.exp(-(case["w"].T.astype(np.float64) @ case["X"] + case["b"])))
        return bool(np.abs(A - 0.5).min() > 0.05)

    what = f"logistic-regression inputs {shape} with every probability 0.05 or more from 0.5"
    return cases.redraw(lambda: draw_lr(rng, shape, dtype), accept, what)


def _prediction_oracle(A: np.ndarray) -> dict[str, Reference]:
    return {"predictions": Reference((A > 0.5).astype(np.float64), 0.0)}


_entry(
    "PRED-METRICS",
    "logistic.predict",
    "y^ = 1 if sigmoid(w^T x + b) > 0.5 else 0",
    draw=_draw_predict_lr,
    run=lambda impl, c: {"predictions": _predictions(role_function(impl, "logistic.predict")(c["w"], c["b"], c["X"]))},
    oracle=lambda c, d, t: _prediction_oracle(_lr_reference(c, d, t)[0]["A1"]),
    shapes=LR_SHAPES,
)


# ---- the planar 2-layer network, the 3-layer networks -----------------------------------------
def _architecture(impl: Any, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """The activations a fixed-architecture forward function calls, in order (its own reading),
    if they are as many as its layers; else the assignment's."""
    src = module_source(impl, key)
    if src is not None and len(src.activations) == len(default) and src.activations[-1] in ("sigmoid", "softmax"):
        return src.activations
    return default


PLANAR = ("tanh", "sigmoid")
THREE = ("relu", "relu", "sigmoid")


def _draw_net(dims: tuple[int, ...], acts: tuple[str, ...], m: int, rng: np.random.Generator, dtype: type) -> Case:
    return draw_model(rng, (dims, acts, m), dtype)


def _net_oracle(names: Callable[[int], list[str]]):
    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        p, X, Y, acts = case["parameters"], case["X"], case["Y"], case["activations"]
        ref = reference_pass(p, X, Y, acts, device, dtype)
        return _refs(ref, reference_bounds(p, Y, acts, ref), names(len(acts)))

    return oracle


def _draw_arch(key: str = "", default: tuple[str, ...] = ()):
    """Network cases, shape ``(dims, m, activations)``: one per architecture the function may read
    (the run keeps those of the architecture it does read, see ``_check_arch``)."""

    def draw(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
        dims, m, acts = shape
        return _draw_net(dims, acts, m, rng, dtype)

    return draw


def _check_arch(impl: Any, case: Case, key: str, default: tuple[str, ...]) -> None:
    acts = _architecture(impl, key, default)
    if tuple(case["activations"]) != acts:
        raise OtherVariant(f"the case is {case['activations']}; {ROLES[key].signature} reads as {list(acts)}")


def _arch_shapes(dims_m: list[tuple[tuple[int, ...], int]], archs: list[tuple[str, ...]]) -> list[tuple]:
    return [(dims, m, acts) for dims, m in dims_m for acts in archs]


#: the hidden/output pairs a 2-layer course function may read as (planar: tanh/sigmoid)
TWO_LAYER_ARCHS = [
    PLANAR,
    ("relu", "sigmoid"),
    ("sigmoid", "sigmoid"),
    ("sigmoid", "softmax"),
    ("relu", "softmax"),
    ("tanh", "softmax"),
]
PLANAR_DIMS = [((2, 4, 1), 7), ((3, 5, 1), 6)]
SOFTMAX_DIMS = [((4, 5, 3), 7)]


def _two_layer_shapes() -> list[tuple]:
    return [(d, m, a) for a in TWO_LAYER_ARCHS for d, m in (SOFTMAX_DIMS if a[-1] == "softmax" else PLANAR_DIMS)]


def _cache_dict(case: Case, ref: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    acts, dtype = case["activations"], case["X"].dtype
    if ref is None:
        ref = reference_pass(case["parameters"], case["X"], case["Y"], acts, "cpu", torch.float64)
    return {f"{q}{l}": ref[f"{q}{l}"].astype(dtype) for l in range(1, len(acts) + 1) for q in ("Z", "A")}


def _planar_forward(impl: Any, case: Case) -> dict[str, Any]:
    _check_arch(impl, case, "planar.forward_propagation", PLANAR)
    A2, cache = role_function(impl, "planar.forward_propagation")(case["X"], case["parameters"])
    out = {"A2": A2}
    if not isinstance(cache, dict):
        raise TypeError(f"forward_propagation returned a cache of type {type(cache).__name__}, not the course's dict")
    out.update({k: cache[k] for k in ("Z1", "A1", "Z2") if k in cache})
    return out


_entry(
    "FWD-L",
    "planar.forward_propagation",
    "Z1 = W1 X + b1; A1 = g1(Z1); Z2 = W2 A1 + b2; A2 = g2(Z2)",
    draw=_draw_arch("planar.forward_propagation", PLANAR),
    run=_planar_forward,
    oracle=_net_oracle(lambda L: ["Z1", "A1", "Z2", "A2"]),
    shapes=_two_layer_shapes(),
)


def _planar_backward(impl: Any, case: Case) -> dict[str, Any]:
    _check_arch(impl, case, "planar.forward_propagation", PLANAR)
    grads = role_function(impl, "planar.backward_propagation")(
        case["parameters"], _cache_dict(case), case["X"], case["Y"]
    )
    return {k: grads[k] for k in ("dW1", "db1", "dW2", "db2") if k in grads}


_entry(
    "BWD-L",
    "planar.backward_propagation",
    "dZ2 = A2 - Y; dW2, db2; dZ1 = W2^T dZ2 * g1'(Z1); dW1, db1",
    draw=_draw_arch("planar.forward_propagation", PLANAR),
    run=_planar_backward,
    oracle=_net_oracle(lambda L: ["dW1", "db1", "dW2", "db2"]),
    shapes=_two_layer_shapes(),
)


def _planar_cost(impl: Any, case: Case) -> dict[str, Any]:
    return {"J": _floats(role_function(impl, "planar.compute_cost")(case["A"], case["Y"], case["parameters"]))}


def _draw_planar_cost(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    n_x, n_h, m = shape
    return {
        "A": cases.probabilities(rng, (1, m), dtype),
        "Y": cases.binary_labels(rng, (1, m), dtype),
        "parameters": cases.layer_parameters(rng, [n_x, n_h, 1], dtype),
    }


def _bce_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    """COST-BCE's own oracle and bound (torch_reference.losses), on the course's A2."""
    return _cost_bce_oracle({"AL": case["A"], "Y": case["Y"]}, device, dtype)


_entry(
    "COST-BCE",
    "planar.compute_cost",
    "J = -(1/m) sum (y log a + (1-y) log(1-a))",
    draw=_draw_planar_cost,
    run=_planar_cost,
    oracle=_bce_oracle,
    shapes=[(2, 4, 7), (3, 5, 1)],
)


_entry(
    "GD-UPDATE",
    "planar.update_parameters",
    "W[l] := W[l] - α dW[l]; b[l] := b[l] - α db[l] (l = 1, 2)",
    draw=draw_update,
    run=lambda impl, c: dict(
        role_function(impl, "planar.update_parameters")(c["parameters"], c["grads"], c["learning_rate"])
    ),
    oracle=_update_oracle,
    shapes=[(2, 4, 1), (3, 5, 2)],
)


def _draw_predict_net(dims_acts: tuple, rng: np.random.Generator, dtype: type) -> Case:
    dims, m, acts = dims_acts

    def accept(case: Case) -> bool:
        ref = reference_pass(case["parameters"], case["X"], case["Y"], acts, "cpu", torch.float64)
        return bool(np.abs(ref[f"A{len(acts)}"] - 0.5).min() > 0.05)

    what = f"a network {dims} {acts} with every output probability 0.05 or more from 0.5"
    return cases.redraw(lambda: _draw_net(dims, acts, m, rng, dtype), accept, what)


def _net_predictions(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    acts = case["activations"]
    ref = reference_pass(case["parameters"], case["X"], case["Y"], acts, device, dtype)
    return _prediction_oracle(ref[f"A{len(acts)}"])


def _planar_predict(impl: Any, case: Case) -> dict[str, Any]:
    _check_arch(impl, case, "planar.forward_propagation", PLANAR)
    return {"predictions": _predictions(role_function(impl, "planar.predict")(case["parameters"], case["X"]))}


_entry(
    "PRED-METRICS",
    "planar.predict",
    "y^ = 1 if A2 > 0.5 else 0",
    draw=lambda rng, shape, dtype: _draw_predict_net(shape, rng, dtype),
    run=_planar_predict,
    oracle=_net_predictions,
    shapes=[(d, m, a) for a in TWO_LAYER_ARCHS if a[-1] == "sigmoid" for d, m in PLANAR_DIMS],
)


def _deep_predict(impl: Any, case: Case) -> dict[str, Any]:
    three = (
        "three.forward_propagation" in impl.course_roles
        or "forward_propagation" in getattr(role_function(impl, "deep.predict"), "__code__", predict_code).co_names
    )
    if three and len(case["activations"]) != 3:
        raise OtherVariant("this predict runs the fixed 3-layer forward_propagation")
    p = role_function(impl, "deep.predict")(case["X"], case["Y"], case["parameters"])
    return {"predictions": _predictions(p)}


predict_code = (lambda: None).__code__

_entry(
    "PRED-METRICS",
    "deep.predict",
    "p = 1 if A[L] > 0.5 else 0 (ReLU hidden layers, sigmoid output)",
    draw=lambda rng, shape, dtype: _draw_predict_net(shape, rng, dtype),
    run=_deep_predict,
    oracle=_net_predictions,
    shapes=[((5, 4, 3, 1), 7, THREE), ((3, 6, 1), 5, ("relu", "sigmoid"))],
)


def _layer_sizes(impl: Any, case: Case) -> dict[str, Any]:
    n_x, _n_h, n_y = role_function(impl, "planar.layer_sizes")(case["X"], case["Y"])
    return {"n_x": _floats(n_x), "n_y": _floats(n_y)}


_entry(
    "FWD-L",
    "planar.layer_sizes",
    "n_x = X.shape[0], n_y = Y.shape[0]",
    draw=lambda rng, shape, dtype: {
        "X": cases.normal(rng, (shape[0], shape[2]), dtype),
        "Y": cases.binary_labels(rng, (shape[1], shape[2]), dtype),
    },
    run=_layer_sizes,
    oracle=lambda c, d, t: {
        "n_x": Reference(np.asarray(float(c["X"].shape[0])), 0.0, scalar=True),
        "n_y": Reference(np.asarray(float(c["Y"].shape[0])), 0.0, scalar=True),
    },
    shapes=[(5, 2, 3), (3, 1, 7)],
    dtypes=("float64",),
)


# ---- initializers: the course's seeded legacy stream, replayed ------------------------------------
def _init_entry(
    cid: str, key: str, formulas: tuple[str, ...], call: Callable[[Callable, list[int]], dict], shapes: list[Any]
) -> Entry:
    def run(impl: Any, case: Case) -> dict[str, Any]:
        func = role_function(impl, key)
        with legacy_seed(CHECKER_SEED):
            return dict(call(func, case["dims"]))

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, dict[str, Reference]]:
        seed = case["seed"]
        return {
            f"{formula} (seed {seed})": {
                k: Reference(v, np.abs(v)) for k, v in replay_init(case["dims"], seed, formula).items()
            }
            for formula in formulas
        }

    return _entry(
        cid,
        key,
        "np.random.seed(k); W[l] = " + " or ".join(formulas) + "; b[l] = 0",
        draw=lambda rng, shape, dtype: {"dims": list(shape)},
        run=run,
        oracle=oracle,
        shapes=shapes,
        dtypes=("float64",),
        alternatives=True,
        prepare=_seed_case(key),
        explain=_explain_init(formulas),
    )


def _init_candidates(dims: list[int], seed: int) -> dict[str, dict[str, np.ndarray]]:
    """What the usual mistakes draw from the same seed: cause -> W[l]."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for scale_name, scale in (
        ("0.01", lambda a, b: 0.01),
        ("1/√n[l-1]", lambda a, b: 1 / np.sqrt(a)),
        ("√(2/n[l-1])", lambda a, b: np.sqrt(2 / a)),
        ("1", lambda a, b: 1.0),
    ):
        stream = np.random.RandomState(seed)
        out[f"uniform rand() * {scale_name} instead of randn (ERR-RAND-UNIFORM: all weights positive)"] = {
            f"W{l}": stream.rand(dims[l], dims[l - 1]) * scale(dims[l - 1], dims[l]) for l in range(1, len(dims))
        }
    for cause, std in (
        ("randn with no scale: the factor (0.01, 1/√n[l-1], √(2/n[l-1])) is never applied", lambda a, b: 1.0),
        ("√(2/n[l]): the scale uses the layer's own size n[l], not n[l-1] (fan-in)", lambda a, b: np.sqrt(2 / b)),
        ("1/√n[l]: the scale uses the layer's own size n[l], not n[l-1] (fan-in)", lambda a, b: 1 / np.sqrt(b)),
    ):
        stream = np.random.RandomState(seed)
        out[cause] = {
            f"W{l}": stream.randn(dims[l], dims[l - 1]) * std(dims[l - 1], dims[l]) for l in range(1, len(dims))
        }
    for formula in FORMULAS:
        out[f"the draws are {formula}"] = replay_init(dims, seed, formula)
    return out


def _explain_init(allowed: tuple[str, ...]) -> Callable[[Case, dict[str, Any]], str]:
    def explain(case: Case, actual: dict[str, Any]) -> str:
        for cause, W in _init_candidates(case["dims"], case["seed"]).items():
            if any(f in cause for f in allowed):
                continue
            if all(
                isinstance(actual.get(k), np.ndarray)
                and actual[k].shape == v.shape
                and np.allclose(actual[k], v, rtol=1e-12, atol=0)
                for k, v in W.items()
                if k.startswith("W")
            ):
                return cause + (
                    ""
                    if cause.startswith(("uniform", "randn", "√", "1/"))
                    else f"; this function's formula is {' or '.join(allowed)}"
                )
        bad_b = [k for k, v in actual.items() if k.startswith("b") and isinstance(v, np.ndarray) and np.any(v != 0)]
        if bad_b:
            return f"{bad_b[0]} is not zero: biases start at 0 (and drawing them shifts the stream of W)"
        return ""

    return explain


def _seed_case(key: str) -> Callable[[Any, Case], Case]:
    """Before the oracle: the seed the function sets itself (read from its source), else the checker's."""
    return lambda impl, case: {**case, "seed": _seed_of(impl, key)}


_init_entry(
    "INIT-SMALL", "planar.initialize_parameters", ("0.01·randn",), lambda f, dims: f(*dims), [(2, 4, 1), (3, 5, 2)]
)
_init_entry(
    "INIT-SMALL",
    "deep.initialize_parameters_deep",
    ("0.01·randn", "randn/√n[l-1]"),
    lambda f, dims: f(list(dims)),
    [(5, 4, 3, 1), (3, 6, 2)],
)
_init_entry(
    "INIT-SMALL",
    "helpers.initialize_parameters",
    ("0.01·randn", "randn/√n[l-1]", "randn·√(2/n[l-1]) (He)"),
    lambda f, dims: f(list(dims)),
    [(5, 4, 3, 1), (3, 6, 2)],
)
_init_entry("INIT-ZERO", "init.zeros", ("zeros",), lambda f, dims: f(list(dims)), [(5, 4, 3, 1), (3, 6, 2)])
_init_entry("INIT-SMALL", "init.random", ("10·randn",), lambda f, dims: f(list(dims)), [(5, 4, 3, 1), (3, 6, 2)])
_init_entry("INIT-HE", "init.he", ("randn·√(2/n[l-1]) (He)",), lambda f, dims: f(list(dims)), [(5, 4, 3, 1), (3, 6, 2)])


# ---- the 3-layer networks of the initialization, regularization and gradient-checking assignments ----
THREE_DIMS = [((3, 5, 4, 1), 7), ((4, 5, 3, 1), 6)]  # the second is gradient checking's fixed (4, 5, 3, 1)


def _three_shapes(dims: list | None = None) -> list[tuple]:
    return [(d, m, THREE) for d, m in (dims or THREE_DIMS)]


def _cache_tuple(case: Case, masks: tuple | None = None, keep_prob: float = 1.0) -> tuple:
    """The course's 3-layer cache: (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3), with
    (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) for dropout."""
    p, dtype = case["parameters"], case["X"].dtype
    ref = reference_pass(
        p,
        case["X"],
        case["Y"],
        THREE,
        "cpu",
        torch.float64,
        masks=None if masks is None else [*masks, None],
        keep_prob=keep_prob,
    )
    out: list[Any] = []
    for l in (1, 2, 3):
        out.append(ref[f"Z{l}"].astype(dtype))
        if masks is not None and l < 3:
            out.append(masks[l - 1])
        out += [ref[f"A{l}"].astype(dtype), p[f"W{l}"], p[f"b{l}"]]
    return tuple(out)


def _three_forward(impl: Any, case: Case) -> dict[str, Any]:
    A3, cache = role_function(impl, "three.forward_propagation")(case["X"], case["parameters"])
    out = {"A3": A3}
    if isinstance(cache, tuple) and len(cache) == 12:
        out.update({"Z1": cache[0], "A1": cache[1], "Z2": cache[4], "A2": cache[5], "Z3": cache[8]})
    return out


_entry(
    "FWD-L",
    "three.forward_propagation",
    "LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID",
    draw=_draw_arch("", THREE),
    run=_three_forward,
    oracle=_net_oracle(lambda L: ["Z1", "A1", "Z2", "A2", "Z3", "A3"]),
    shapes=_three_shapes(),
)

_GRADS3 = ["dW1", "db1", "dW2", "db2", "dW3", "db3"]


def _three_backward_entry(key: str, dims: list | None = None) -> Entry:
    """backward_propagation(X, Y, cache) of a 3-layer course network (the helpers', gradient
    checking's backward_propagation_n): dW[l], db[l] from the course's 12-element cache."""

    def run(impl: Any, case: Case) -> dict[str, Any]:
        grads = role_function(impl, key)(case["X"], case["Y"], _cache_tuple(case))
        return {k: grads[k] for k in _GRADS3 if k in grads}

    return _entry(
        "BWD-L",
        key,
        "dW[l], db[l] of the 3-layer network (l = 3, 2, 1)",
        draw=_draw_arch("", THREE),
        run=run,
        oracle=_net_oracle(lambda L: _GRADS3),
        shapes=_three_shapes(dims),
    )


_three_backward_entry("three.backward_propagation")


def _reg_cost(impl: Any, case: Case) -> dict[str, Any]:
    func = role_function(impl, "reg.cost")
    return {"J": _floats(func(case["AL"], case["Y"], case["parameters"], case["lambd"]))}


def _reg_cost_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    J = _bce_oracle({**case, "A": case["AL"]}, device, dtype)["J"]
    weights = [case["parameters"][f"W{l}"] for l in (1, 2, 3)]
    m = case["AL"].shape[1]
    Wt = [torch.tensor(W, dtype=dtype, device=device) for W in weights]
    penalty = torch_l2_penalty(Wt, m, case["lambd"]).item()
    total = J.value + penalty
    bound = float(J.bound) + penalty_bound(penalty, sum(W.size for W in weights)) + abs(float(total))
    return {"J": Reference(np.asarray(total), bound, scalar=True)}


def _draw_reg_cost(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    dims, m = shape
    return {
        "AL": cases.probabilities(rng, (1, m), dtype),
        "Y": cases.binary_labels(rng, (1, m), dtype),
        "parameters": cases.layer_parameters(rng, list(dims), dtype),
        "lambd": LAMBD,
    }


_entry(
    "COST-L2",
    "reg.cost",
    "J_reg = J + λ/(2m) (||W1||² + ||W2||² + ||W3||²)",
    draw=_draw_reg_cost,
    run=_reg_cost,
    oracle=_reg_cost_oracle,
    shapes=THREE_DIMS,
)


def _reg_backward(impl: Any, case: Case) -> dict[str, Any]:
    func = role_function(impl, "reg.backward")
    grads = func(case["X"], case["Y"], _cache_tuple(case), case["lambd"])
    return {k: grads[k] for k in _GRADS3 if k in grads}


def _reg_backward_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    p, X, Y, m, lambd = case["parameters"], case["X"], case["Y"], case["X"].shape[1], case["lambd"]
    ref = reference_pass(p, X, Y, THREE, device, dtype, penalty=lambda W, m: torch_l2_penalty(W, m, lambd))
    B = reference_bounds(p, Y, THREE, ref)
    refs = {}
    for l in (1, 2, 3):
        parts = _penalty_gradient_parts("l2", p[f"W{l}"], m) * (lambd / LAMBD)
        refs[f"dW{l}"] = Reference(ref[f"dW{l}"], penalty_gradient_bound(parts, ref[f"dW{l}"], B[f"dW{l}"]))
        refs[f"db{l}"] = Reference(ref[f"db{l}"], B[f"db{l}"])
    return refs


_entry(
    "REG-L2-GRAD",
    "reg.backward",
    "dW[l] = (1/m) dZ[l] A[l-1]^T + (λ/m) W[l]; db[l] unchanged",
    draw=lambda rng, shape, dtype: {**_draw_net(shape[0], THREE, shape[1], rng, dtype), "lambd": LAMBD},
    run=_reg_backward,
    oracle=_reg_backward_oracle,
    shapes=_three_shapes(),
)

KEEP_PROB = 0.86  # not 0.5: a mask test at 0.5 cannot tell rand < p from rand > 1 - p


def _dropout_masks(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """The course's masks: np.random.seed(k), then D[l] = rand(n[l], m) < keep_prob for l = 1, 2."""
    stream = np.random.RandomState(case["seed"])
    dims, m = [case["parameters"][f"W{l}"].shape[0] for l in (1, 2)], case["X"].shape[1]
    return tuple((stream.rand(n, m) < case["keep_prob"]).astype(case["X"].dtype) for n in dims)


def _draw_dropout(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    return {**_draw_net(shape[0], THREE, shape[1], rng, dtype), "keep_prob": KEEP_PROB}


def _dropout_forward(impl: Any, case: Case) -> dict[str, Any]:
    func = role_function(impl, "reg.dropout_forward")
    with legacy_seed(CHECKER_SEED):
        A3, cache = func(case["X"], case["parameters"], case["keep_prob"])
    out = {"A3": A3}
    if isinstance(cache, tuple) and len(cache) == 14:
        out.update({"D1": _predictions(cache[1]), "A1": cache[2], "D2": _predictions(cache[6]), "A2": cache[7]})
    return out


def _dropout_forward_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    masks = _dropout_masks(case)
    p, X, Y, kp = case["parameters"], case["X"], case["Y"], case["keep_prob"]
    ref = reference_pass(p, X, Y, THREE, device, dtype, masks=[*masks, None], keep_prob=kp)
    B = reference_bounds(p, Y, THREE, ref, masks=[*masks, None], keep_prob=kp)
    refs = _refs(ref, B, ["A1", "A2", "A3"])
    refs.update({"D1": Reference(masks[0].astype(np.float64), 0.0), "D2": Reference(masks[1].astype(np.float64), 0.0)})
    return refs


_entry(
    "DROP-FWD",
    "reg.dropout_forward",
    "np.random.seed(k); D[l] = rand(n[l], m) < keep_prob; A[l] = g(Z[l]) * D[l] / keep_prob (l = 1, 2)",
    draw=_draw_dropout,
    run=_dropout_forward,
    oracle=_dropout_forward_oracle,
    shapes=THREE_DIMS,
    prepare=_seed_case("reg.dropout_forward"),
    explain=lambda case, actual: _explain_masks(case, actual),
)


def _explain_masks(case: Case, actual: dict[str, Any]) -> str:
    """Which other draw the student's D1 is, from the same seed: randn for rand, the comparison reversed."""
    D1 = actual.get("D1")
    if not isinstance(D1, np.ndarray):
        return ""
    n, m, kp = D1.shape[0], D1.shape[1], case["keep_prob"]

    # (draw, comparison, threshold) -> what the student wrote
    candidates = [
        ("randn", np.less, kp, "D1 = np.random.randn(...) < keep_prob: the mask needs uniform draws, np.random.rand"),
        (
            "randn",
            np.greater,
            kp,
            "D1 = np.random.randn(...) > keep_prob: the mask needs np.random.rand(...) < keep_prob",
        ),
        (
            "rand",
            np.greater,
            kp,
            "D1 = rand(...) > keep_prob keeps 1 - keep_prob of the units: use rand(...) < keep_prob",
        ),
        (
            "rand",
            np.greater,
            1 - kp,
            "D1 = rand(...) > 1 - keep_prob: the right rate, not the course's rand(...) < keep_prob",
        ),
    ]
    for kind, compare_to, threshold, cause in candidates:
        r = np.random.RandomState(case["seed"])
        u = r.randn(n, m) if kind == "randn" else r.rand(n, m)
        if np.array_equal(D1.astype(bool), compare_to(u, threshold)):
            return cause
    if not np.isin(D1, (0, 1)).all():
        return "D1 is not a 0/1 mask of A1's shape"
    return ""


def _dropout_backward(impl: Any, case: Case) -> dict[str, Any]:
    masks = _dropout_masks(case)
    cache = _cache_tuple(case, masks, case["keep_prob"])
    grads = role_function(impl, "reg.dropout_backward")(case["X"], case["Y"], cache, case["keep_prob"])
    return {k: grads[k] for k in _GRADS3 if k in grads}


def _dropout_backward_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    masks = _dropout_masks(case)
    p, X, Y, kp = case["parameters"], case["X"], case["Y"], case["keep_prob"]
    ref = reference_pass(p, X, Y, THREE, device, dtype, masks=[*masks, None], keep_prob=kp)
    return _refs(ref, reference_bounds(p, Y, THREE, ref, masks=[*masks, None], keep_prob=kp), _GRADS3)


_entry(
    "DROP-BWD",
    "reg.dropout_backward",
    "dA[l] = dA[l] * D[l] / keep_prob before dZ[l] (l = 2, 1)",
    draw=lambda rng, shape, dtype: {**_draw_dropout(rng, shape, dtype), "seed": 1},
    run=_dropout_backward,
    oracle=_dropout_backward_oracle,
    shapes=THREE_DIMS,
)


# ---- gradient checking ------------------------------------------------------------------------
GC_DIMS = [((4, 5, 3, 1), 3), ((4, 5, 3, 1), 5)]  # gc_utils' vector_to_dictionary has these shapes fixed


def _draw_scalar(rng: np.random.Generator, shape: Any, dtype: type) -> Case:
    return {"x": float(cases.signed(rng, (1,), np.float64)[0]), "theta": float(cases.signed(rng, (1,), np.float64)[0])}


def _gc_scalar_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    theta = torch.tensor(case["theta"], dtype=torch.float64, requires_grad=True)
    J = theta * case["x"]
    J.backward()
    return {
        "J": Reference(np.asarray(J.item()), abs(J.item()), scalar=True),
        "dtheta": Reference(np.asarray(theta.grad.item()), 0.0, scalar=True),
    }


def _gc_scalar(key: str, name: str):
    return lambda impl, c: {name: _floats(role_function(impl, key)(c["x"], c["theta"]))}


_entry(
    "LIN-FWD",
    "gc.forward",
    "J(θ) = θ x",
    draw=_draw_scalar,
    run=_gc_scalar("gc.forward", "J"),
    oracle=lambda c, d, t: {"J": _gc_scalar_oracle(c, d, t)["J"]},
    shapes=[0, 1],
    dtypes=("float64",),
)
_entry(
    "BWD-DW",
    "gc.backward",
    "dJ/dθ = x",
    draw=_draw_scalar,
    run=_gc_scalar("gc.backward", "dtheta"),
    oracle=lambda c, d, t: {"dtheta": _gc_scalar_oracle(c, d, t)["dtheta"]},
    shapes=[0, 1],
    dtypes=("float64",),
)


def _with_globals(func: Callable[..., Any], replacements: dict[str, Any], *args: Any) -> Any:
    """Call ``func`` with some of its module's globals replaced for the call (then put back).
    The replacements are functions of :mod:`torch_reference.plants` (NumPy only), so that a
    function in the sandbox's child can be given them."""
    if hasattr(func, "call_with_globals"):  # a function in the sandbox's child
        return func.call_with_globals(replacements, *args)
    g = func.__globals__
    saved = {k: g[k] for k in replacements if k in g}
    g.update(replacements)
    try:
        return func(*args)
    finally:
        for k in replacements:
            if k in saved:
                g[k] = saved[k]
            else:
                g.pop(k, None)


#: gradient_check's epsilon: the course's 1e-7
EPSILON = 1e-7


def _difference(grad: np.ndarray, approx: np.ndarray) -> float:
    return float(np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx)))


def _gc_check(impl: Any, case: Case) -> dict[str, Any]:
    func = role_function(impl, "gc.check")
    out = {}
    planted = [("difference (dθ = x + 1 planted)", plants.dtheta_planted)]
    if "backward_propagation" not in func.__code__.co_names:  # grad = x written inline: nothing to plant
        planted = []
    for label, backward in [("difference", plants.dtheta), *planted]:
        replaced = {"backward_propagation": backward, "forward_propagation": plants.J_of_theta}
        d = _with_globals(func, replaced, case["x"], case["theta"], EPSILON)
        out[label] = _floats(d)
    return out


def _gc_check_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    x, theta = case["x"], case["theta"]
    approx = np.array([((theta + EPSILON) * x - (theta - EPSILON) * x) / (2 * EPSILON)])
    refs = {}
    for label, grad in (("difference", np.array([x])), ("difference (dθ = x + 1 planted)", np.array([x + 1]))):
        d = _difference(grad, approx)
        B_J = np.array([2 * abs(theta * x) + abs(x) * abs(theta)])  # θ ± ε rounds, then the product
        refs[label] = Reference(
            np.asarray(d), gradient_check_bound(grad, approx, B_J, d, EPSILON), scalar=True, optional="planted" in label
        )
    return refs


def _explain_difference(case: Case, actual: dict[str, Any]) -> str:
    """A difference of 1/3 is gradapprox at half (or twice) the gradient: |g - g/2| / (|g| + |g/2|)."""
    d = actual.get("difference")
    if isinstance(d, (float, np.floating)) and abs(float(d) - 1 / 3) < 1e-3:
        return (
            "difference = 1/3: gradapprox is half (or twice) the gradient: θ⁻ built from θ⁺ (θ⁺ - ε = θ), "
            "or the division by 2ε written ε"
        )
    return ""


_entry(
    "BWD-L",
    "gc.check",
    "difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||), centered, ε = 1e-7",
    draw=_draw_scalar,
    run=_gc_check,
    oracle=_gc_check_oracle,
    explain=_explain_difference,
    shapes=[0, 1],
    dtypes=("float64",),
)


def _forward_n(impl: Any, case: Case) -> dict[str, Any]:
    cost, cache = role_function(impl, "gc.forward_n")(case["X"], case["Y"], case["parameters"])
    out = {"J": _floats(cost)}
    if isinstance(cache, tuple) and len(cache) == 12:
        out.update({"A1": cache[1], "A2": cache[5], "A3": cache[9]})
    return out


def _forward_n_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    p, X, Y = case["parameters"], case["X"], case["Y"]
    ref = reference_pass(p, X, Y, THREE, device, dtype)
    B = reference_bounds(p, Y, THREE, ref)
    return {**_refs(ref, B, ["A1", "A2", "A3"]), "J": Reference(ref["J"], _cost_bound(ref, B, Y, 3), scalar=True)}


_entry(
    "FWD-L",
    "gc.forward_n",
    "the 3-layer forward and J = -(1/m) sum (y log a3 + (1-y) log(1-a3))",
    draw=_draw_arch("", THREE),
    run=_forward_n,
    oracle=_forward_n_oracle,
    shapes=_three_shapes(GC_DIMS),
)


_three_backward_entry("gc.backward_n", GC_DIMS)


def _gc_check_n(impl: Any, case: Case) -> dict[str, Any]:
    func = role_function(impl, "gc.check_n")
    ref = reference_pass(case["parameters"], case["X"], case["Y"], THREE, "cpu", torch.float64)
    grads = {k: ref[k] for k in _GRADS3}
    planted = {**grads, "dW2": 2 * grads["dW2"]}
    out = {}
    for label, g in (("difference", grads), ("difference (dW2 doubled planted)", planted)):
        d = _with_globals(
            func, {"forward_propagation_n": plants.forward_propagation_n}, case["parameters"], g, case["X"], case["Y"],
            EPSILON,
        )
        out[label] = _floats(d)
    return out


def _gc_check_n_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    from .course_helpers import dictionary_to_vector, gradients_to_vector, vector_to_dictionary

    p, X, Y = case["parameters"], case["X"], case["Y"]
    ref = reference_pass(p, X, Y, THREE, "cpu", torch.float64)
    grads = {k: ref[k] for k in _GRADS3}
    theta, _ = dictionary_to_vector(p)
    approx = np.zeros_like(theta)
    for i in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[i] += EPSILON
        minus[i] -= EPSILON
        Jp = float(reference_pass(vector_to_dictionary(plus), X, Y, THREE, "cpu", torch.float64)["J"])
        Jm = float(reference_pass(vector_to_dictionary(minus), X, Y, THREE, "cpu", torch.float64)["J"])
        approx[i] = (Jp - Jm) / (2 * EPSILON)
    refs = {}
    B_J = _cost_bound(ref, reference_bounds(p, Y, THREE, ref), Y, 3) + np.abs(gradients_to_vector(grads) * theta)
    for label, g in (("difference", grads), ("difference (dW2 doubled planted)", {**grads, "dW2": 2 * grads["dW2"]})):
        gv = gradients_to_vector(g)
        d = _difference(gv, approx)
        refs[label] = Reference(np.asarray(d), gradient_check_bound(gv, approx, B_J, d, EPSILON), scalar=True)
    return refs


_entry(
    "BWD-L",
    "gc.check_n",
    "difference over every parameter, centered differences of forward_propagation_n",
    draw=_draw_arch("", THREE),
    run=_gc_check_n,
    oracle=_gc_check_n_oracle,
    explain=_explain_difference,
    shapes=_three_shapes(GC_DIMS[:1]),
    dtypes=("float64",),
)


# ---- the training loops: nn_model, two_layer_model, L_layer_model, model -------------------------------
@dataclass(frozen=True)
class Loop:
    """How the course's training function starts (its own initializer, called as it calls it) and
    how it is called; the reference is gradient descent in PyTorch from the same start."""

    key: str
    init: str  # the module global it initializes with
    acts: Callable[[tuple[int, ...]], tuple[str, ...]]
    learning_rate: float | None  # None: the function takes none; its update_parameters' default
    call: Callable[[Callable[..., Any], Case], Any]


LOOP_ITERATIONS = 3


def _module_global(impl: Any, name: str) -> Callable[..., Any]:
    func = getattr(impl._module, name, None)
    if not callable(func):
        raise NotApplicable(f"the module has no {name}() to start from")
    return func


def _loop_start(loop: Loop, impl: Any, dims: tuple[int, ...]) -> dict[str, np.ndarray]:
    """The parameters the training function starts from: its initializer, under the seed the
    training function sets (read from its source), as it would call it."""
    init = _module_global(impl, loop.init)
    with legacy_seed(_seed_of(impl, loop.key)):
        if loop.init == "initialize_with_zeros":
            w, b = init(dims[0])
            return {"W1": np.asarray(w, np.float64).T.copy(), "b1": np.full((1, 1), float(np.squeeze(b)))}
        params = init(*dims) if loop.init == "initialize_parameters" else init(list(dims))
    return {k: np.asarray(v, np.float64) for k, v in params.items()}


def _keywords(func: Callable[..., Any], **kw: Any) -> dict[str, Any]:
    """The keyword arguments ``func`` takes, of ``kw``."""
    params = inspect.signature(func).parameters
    return {k: v for k, v in kw.items() if k in params}


def _loop_rate(loop: Loop, impl: Any) -> float:
    if loop.learning_rate is not None:
        return loop.learning_rate
    if "learning_rate" in inspect.signature(role_function(impl, loop.key)).parameters:
        return 1.2  # the planar assignment's rate
    update = getattr(impl._module, "update_parameters", None)
    try:
        default = inspect.signature(update).parameters["learning_rate"].default
    except (TypeError, ValueError, KeyError):
        default = inspect.Parameter.empty
    if default is inspect.Parameter.empty:
        raise NotApplicable("nn_model takes no learning rate and update_parameters has no default one")
    return float(default)


def _loop_prepare(loop: Loop) -> Callable[[Any, Case], Case]:
    def prepare(impl: Any, case: Case) -> Case:
        from .training import TrainOptions
        from .trajectories import TRAJECTORY_KINK_MARGIN, reference_trajectory

        if loop.key not in getattr(impl, "course_roles", {}):
            return case
        dims, acts = case["dims"], loop.acts(case["dims"])
        if loop.key.startswith("planar"):
            acts = _architecture(impl, "planar.forward_propagation", acts)
        start = _loop_start(loop, impl, dims)
        lr = _loop_rate(loop, impl)
        rng = np.random.default_rng(case["draw_seed"])
        for _ in range(20):  # inputs whose trajectory stays away from ReLU's kink
            X = cases.normal(rng, (dims[0], case["m"]), np.float64)
            Y = draw_model(rng, (dims, acts, case["m"]), np.float64)["Y"]
            traj = reference_trajectory(start, X, Y, TrainOptions(lr, LOOP_ITERATIONS, acts))
            if traj.min_kink_distance >= TRAJECTORY_KINK_MARGIN:
                break
        return {
            **case,
            "X": X,
            "Y": Y,
            "parameters": start,
            "activations": list(acts),
            "learning_rate": lr,
            "num_iterations": LOOP_ITERATIONS,
            "trajectory": traj,
        }

    return prepare


def _loop_params(out: Any) -> dict[str, np.ndarray]:
    """parameters, (parameters, costs), or logistic regression's d = {"w", "b", ...}."""
    if isinstance(out, tuple):
        out = next((o for o in out if isinstance(o, dict)), out)
    if isinstance(out, dict) and "w" in out:
        return {"W1": np.asarray(out["w"]).T, "b1": np.asarray(_floats(out["b"]), dtype=np.float64).reshape(1, 1)}
    if not isinstance(out, dict):
        raise TypeError(f"returned {type(out).__name__}, not the parameters dict")
    return {k: v for k, v in out.items() if k[:1] in "Wb" and k[1:].isdigit()}


def _loop_entry(cid: str, loop: Loop, shapes: list[tuple]) -> Entry:
    def run(impl: Any, case: Case) -> dict[str, Any]:
        func = role_function(impl, loop.key)
        with legacy_seed(_seed_of(impl, loop.key)):
            return _loop_params(loop.call(func, case))

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        refs = _train_oracle(case, device, dtype)
        refs.pop("costs")
        return refs

    return _entry(
        cid,
        loop.key,
        f"its own initializer, then {LOOP_ITERATIONS} steps of gradient descent",
        draw=lambda rng, shape, dtype: {"dims": shape[0], "m": shape[1], "draw_seed": int(rng.integers(2**31))},
        run=run,
        oracle=oracle,
        shapes=shapes,
        prepare=_loop_prepare(loop),
    )


_loop_entry(
    "GD-LOOP",
    Loop(
        "planar.nn_model",
        "initialize_parameters",
        lambda d: PLANAR,
        None,
        lambda f, c: f(
            c["X"],
            c["Y"],
            c["dims"][1],
            **_keywords(f, learning_rate=c["learning_rate"], num_iterations=c["num_iterations"], print_cost=False),
        ),
    ),
    [((2, 4, 1), 7), ((3, 5, 1), 6)],
)
_loop_entry(
    "GD-LOOP",
    Loop(
        "deep.two_layer_model",
        "initialize_parameters",
        lambda d: ("relu", "sigmoid"),
        0.4,
        lambda f, c: f(
            c["X"],
            c["Y"],
            tuple(c["dims"]),
            learning_rate=c["learning_rate"],
            num_iterations=c["num_iterations"],
            print_cost=False,
        ),
    ),
    [((5, 4, 1), 7)],
)
_loop_entry(
    "GD-LOOP",
    Loop(
        "deep.L_layer_model",
        "initialize_parameters_deep",
        lambda d: ("relu",) * (len(d) - 2) + ("sigmoid",),
        0.4,
        lambda f, c: f(
            c["X"],
            c["Y"],
            list(c["dims"]),
            learning_rate=c["learning_rate"],
            num_iterations=c["num_iterations"],
            print_cost=False,
        ),
    ),
    [((5, 4, 3, 1), 7)],
)
_loop_entry(
    "GD-LOOP",
    Loop(
        "logistic.model",
        "initialize_with_zeros",
        lambda d: ("sigmoid",),
        0.5,
        lambda f, c: f(
            c["X"],
            c["Y"],
            c["X"],
            c["Y"],
            num_iterations=c["num_iterations"],
            learning_rate=c["learning_rate"],
            print_cost=False,
        ),
    ),
    [((4, 1), 9)],
)


# ---- gc_utils' reshaping helpers, when the student writes them ----------------------------------------
def _gc_vectors(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    from .course_helpers import dictionary_to_vector

    theta, _ = dictionary_to_vector(case["parameters"])
    return {"theta": Reference(theta.astype(np.float64), 0.0)}


def _draw_gc_params(rng: np.random.Generator, shape: Any, dtype: type) -> Case:
    params = cases.layer_parameters(rng, [4, 5, 3, 1], dtype)
    return {"parameters": params, "grads": {f"d{k}": v for k, v in params.items()}}


_entry(
    "GD-UPDATE",
    "gc.dictionary_to_vector",
    "theta = [W1; b1; W2; b2; W3; b3] as one column",
    draw=_draw_gc_params,
    run=lambda impl, c: {"theta": role_function(impl, "gc.dictionary_to_vector")(c["parameters"])[0]},
    oracle=_gc_vectors,
    shapes=[0],
)
_entry(
    "GD-UPDATE",
    "gc.gradients_to_vector",
    "[dW1; db1; dW2; db2; dW3; db3] as one column",
    draw=_draw_gc_params,
    run=lambda impl, c: {"theta": role_function(impl, "gc.gradients_to_vector")(c["grads"])},
    oracle=_gc_vectors,
    shapes=[0],
)
_entry(
    "GD-UPDATE",
    "gc.vector_to_dictionary",
    "theta back to W1 (5, 4), b1 (5, 1), ..., b3 (1, 1)",
    draw=_draw_gc_params,
    run=lambda impl, c: dict(
        role_function(impl, "gc.vector_to_dictionary")(
            __import__("torch_reference.course_helpers", fromlist=["x"]).dictionary_to_vector(c["parameters"])[0]
        )
    ),
    oracle=lambda c, d, t: {k: Reference(v.astype(np.float64), 0.0) for k, v in c["parameters"].items()},
    shapes=[0],
)


# ---- L_model_backward alone, from the checker's own caches in the course's form ------------------------
def _course_caches(case: Case) -> tuple[np.ndarray, list[tuple]]:
    """A[L] and the course's caches ``[((A[l-1], W[l], b[l]), Z[l]) for l = 1..L]`` from the reference."""
    p, acts, dtype = case["parameters"], case["activations"], case["X"].dtype
    ref = reference_pass(p, case["X"], case["Y"], acts, "cpu", torch.float64)
    L = len(acts)
    caches = [((ref[f"A{l - 1}"].astype(dtype), p[f"W{l}"], p[f"b{l}"]), ref[f"Z{l}"].astype(dtype))
              for l in range(1, L + 1)]  # fmt: skip
    return ref[f"A{L}"].astype(dtype), caches


def _backward_alone(impl: Any, case: Case) -> dict[str, Any]:
    from .model import activation_kwargs

    AL, caches = _course_caches(case)
    return impl.model_backward(AL, case["Y"], caches, **activation_kwargs(case["activations"]))


def _backward_alone_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    from .model import _model_oracle

    refs = _model_oracle("backward")(case, device, dtype)
    return {k: v for k, v in refs.items() if not k.startswith("dZ")}


COURSE_ENTRIES.append(
    Entry(
        id="BWD-L",
        equation="dZ[L] = A[L] - Y; dW[l], db[l], dA[l-1] for l = L..1, from the checker's caches",
        variant="L_model_backward(AL, Y, caches) alone",
        draw=draw_model,
        run=_backward_alone,
        oracle=_backward_alone_oracle,
        shapes=[s for s in __import__("torch_reference.model", fromlist=["x"]).MODEL_SHAPES],
        needs=("model_backward",),
        function="L_model_backward(AL, Y, caches)",
    )
)


def course_entries() -> list[Entry]:
    """Every course entry (see the module docstring)."""
    return list(COURSE_ENTRIES)


def describe(roles: dict[str, Callable[..., Any]]) -> list[str]:
    """``signature  (assignment)`` for each recognized role, for the report."""
    return [f"{ROLES[k].signature}" for k in roles]


__all__ = ["COURSE_ENTRIES", "FORMULAS", "ROLES", "Role", "course_entries", "read_source", "recognize", "replace"]

# a student's module with course roles is checked against the course's entries too (see
# registry.entries_for); torch_reference.assignments also imports the optimization assignment
register_entry_source(lambda impl: course_entries() if getattr(impl, "course_roles", None) is not None else [])
