"""The bad-input table of scratch_nn's whole public API, in the style of PyTorch's OpInfo ``error_inputs``.

Two parts:

* ``right_calls(dtype)``: one call per public function that works (the OpInfo ``sample_inputs``), its
  arrays all of ``dtype``; each names its real-number hyperparameters (``hyper``, for the dtype promise
  of NEP 50) and its arrays that a wrong shape, dtype, class or value must make it reject
  (``arrays``, for the hypothesis strategy of ``tests/test_bad_inputs.py``);
* ``CASES``: each case is a right call with one thing wrong, the exception it must raise (exactly
  that type), the argument its message must name, and what else it must say (``match``, a regex).
  ``kind`` is its class, one of ``KINDS`` (the classes of issue 12). This is the one table of bad
  input: a new case is one ``bad(...)`` line.

Shapes are chosen so that a transposed or broadcastable array is always detectable: X (3, 5),
W1 (4, 3), b1 (4, 1), W2 (1, 4), b2 (1, 1), m = 5; a softmax output (3, 5).
Cases of functions whose file another engineer owns (optimizers.py, batchnorm.py, bn_model.py) that
fail today carry ``xfail``: ``pytest.mark.xfail(strict=True)`` with that reason.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import scratch_nn as nn
from torch_reference.ops import ACTIVATIONS

#: the classes of bad input (issue 12), each of which the table covers
KINDS = {
    "shape": "a wrong shape, transposed or one that NumPy would broadcast",
    "dtype": "an integer, bool, float16, complex or object array",
    "mixed": "float32 and float64 arrays in one call",
    "subclass": "an ndarray subclass: np.matrix (* is a matrix product) or a masked array",
    "list": "a list (or other non-array) where an array belongs",
    "0-d/empty": "a 0-d array, or an empty one (m = 0, a layer of width 0)",
    "nan-array": "NaN or inf in an array",
    "nan-hyper": "NaN or inf as a hyperparameter",
    "bool": "a bool where a number belongs",
    "degenerate": "a hyperparameter out of its range (0, negative, keep_prob > 1, ...)",
    "type": "a hyperparameter of the wrong type (str, None, a 1-element array, a float count)",
    "container": "a wrong container or keys: int-keyed dicts, missing keys, caches None/dict/reversed/short",
    "name": "an unknown name (activation, initialization, convention, average)",
    "rng": "an rng that is neither a numpy.random.Generator nor a RandomState",
}


# ----------------------------------------------------------------------- perturbations
SHAPE = frozenset({"transpose", "row", "column"})
NDIM = frozenset({"flat", "0-d"})
FINITE = frozenset({"nan", "inf"})
DTYPE = frozenset({"int", "bool", "float16", "complex"})
MIXED = frozenset({"other-float"})
CLASS = frozenset({"matrix", "masked", "list"})
ALL = SHAPE | NDIM | FINITE | DTYPE | MIXED | CLASS
#: labels Y: integer and bool labels are data, not operands, and accepted
LABELS = ALL - {"int", "bool"}
#: an activation's operand: integers and lists are the course's operands, NaN is IEEE arithmetic
OPERAND = frozenset({"bool", "float16", "complex", "matrix", "masked"})


def _matrix(x: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():  # np.matrix warns that it is not recommended, which is the point
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix(x)


def _masked(x: np.ndarray) -> np.ndarray:
    mask = np.zeros(x.shape, bool)
    mask.flat[0] = True
    return np.ma.masked_array(x, mask=mask)


def perturb(x: np.ndarray, kind: str, index: int = 0, sign: float = 1.0) -> Any:
    """``x`` with one thing wrong, of ``kind`` (one of ALL); ``index`` (flat) is where a NaN or inf goes."""
    other = np.float32 if x.dtype == np.float64 else np.float64
    if kind == "transpose":
        return x.T.copy()
    if kind == "row":
        return x[:1].copy()
    if kind == "column":
        return x[:, :1].copy()
    if kind == "flat":
        return x.reshape(-1).copy()
    if kind == "0-d":
        return np.array(x.flat[0])
    if kind in ("nan", "inf"):
        y = x.copy()
        y.flat[index % y.size] = np.nan if kind == "nan" else sign * np.inf
        return y
    if kind == "int":
        return np.round(x * 3).astype(np.int64)
    if kind == "bool":
        return x > 0
    if kind == "float16":
        return x.astype(np.float16)
    if kind == "complex":
        return x.astype(np.complex128)
    if kind == "other-float":
        return x.astype(other)
    if kind == "matrix":
        return _matrix(x)
    if kind == "masked":
        return _masked(x)
    if kind == "list":
        return x.tolist()
    raise ValueError(kind)


def applies(x: np.ndarray, kind: str) -> bool:
    """Whether ``perturb(x, kind)`` changes something that matters."""
    if kind == "transpose":
        return x.ndim == 2 and x.shape != x.shape[::-1]
    if kind == "row":
        return x.ndim == 2 and x.shape[0] > 1
    if kind == "column":
        return x.ndim == 2 and x.shape[1] > 1
    if kind in ("flat", "matrix"):
        return x.ndim == 2
    if kind in ("nan", "inf", "other-float", "float16", "complex"):
        return x.dtype.kind == "f"
    return True


# ----------------------------------------------------------------------- right calls
@dataclass(frozen=True)
class Right:
    """A call that works. ``hyper``: its real-number hyperparameters (given as Python floats here);
    ``arrays``: path -> the perturbations (of ALL) it must reject, a path being an argument's name or
    ``"argument/key"`` for an entry of a dict argument; ``partners``: other argument names a message
    may name instead of the perturbed one (a relation between two arrays); ``xfail``: the dtype
    promise is broken here and the fix is another engineer's."""

    func: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    hyper: tuple[str, ...] = ()
    arrays: Mapping[str, frozenset] = field(default_factory=dict)
    partners: tuple[str, ...] = ()
    xfail: str = ""

    def bound(self, **changes: Any) -> tuple[tuple, dict]:
        """The call's (args, kwargs) with the named arguments replaced."""
        bound = inspect.signature(self.func).bind(*self.args, **self.kwargs)
        for name, value in changes.items():
            if name not in inspect.signature(self.func).parameters:
                raise TypeError(f"{self.func.__name__} has no argument {name!r}")
            bound.arguments[name] = value
        return bound.args, bound.kwargs

    def value(self, path: str) -> Any:
        """The value at ``path`` (see ``arrays``)."""
        name, _, key = path.partition("/")
        arguments = inspect.signature(self.func).bind(*self.args, **self.kwargs).arguments
        return arguments[name][key] if key else arguments[name]

    def with_value(self, path: str, value: Any) -> tuple[tuple, dict]:
        name, _, key = path.partition("/")
        if key:
            return self.bound(**{name: {**self.value(name), key: value}})
        return self.bound(**{name: value})


def _data(dtype: type) -> dict[str, Any]:
    """Every array the right calls use, of ``dtype``, from one fixed seed."""
    rng = np.random.default_rng(20261202)
    f = np.dtype(dtype).type

    def normal(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(dtype)

    X = normal(3, 5)
    P = {"W1": normal(4, 3), "b1": normal(4, 1), "W2": normal(1, 4), "b2": normal(1, 1)}
    Y = np.array([[0, 1, 1, 0, 1]], dtype=dtype)
    AL, caches = nn.model_forward(X, P)
    grads = nn.model_backward(AL, Y, caches)
    Zs = normal(3, 5)
    ALs = nn.softmax(Zs)
    Ys = nn.one_hot(np.array([0, 2, 1, 2, 0]), 3, dtype=dtype)
    Z, dA = normal(4, 5), normal(4, 5)
    D = (rng.random((4, 5)) < 0.5).astype(dtype)
    theta, layout = nn.dictionary_to_vector(P)
    w = normal(3, 1)
    bn_Z, gamma, beta = normal(4, 5), normal(4, 1), normal(4, 1)
    bn_out, bn_cache = nn.batchnorm_forward(bn_Z, gamma, beta)
    P_bn = {"W1": P["W1"], "gamma1": gamma, "beta1": beta, "W2": P["W2"], "b2": P["b2"]}
    AL_bn, bn_caches = nn.bn_model_forward(X, P_bn)
    return {
        "f": f,
        "X": X,
        "P": P,
        "Y": Y,
        "AL": AL,
        "caches": caches,
        "grads": grads,
        "G": {k: v for k, v in grads.items() if k[1] in "Wb"},
        "Zs": Zs,
        "ALs": ALs,
        "Ys": Ys,
        "Z": Z,
        "dA": dA,
        "D": D,
        "theta": theta,
        "layout": layout,
        "w": w,
        "Z5": normal(4, 5),
        "bn_Z": bn_Z,
        "gamma": gamma,
        "beta": beta,
        "bn_out": bn_out,
        "bn_cache": bn_cache,
        "rm": np.zeros((4, 1), dtype),
        "rv": np.ones((4, 1), dtype),
        "P_bn": P_bn,
        "AL_bn": AL_bn,
        "bn_caches": bn_caches,
        "bits": nn.parity_inputs(3, dtype),
        "labels": np.array([0, 1, 1, 0, 1]),
        "pred": np.array([0, 1, 0, 0, 1]),
    }


def _J(theta: np.ndarray) -> float:
    return float(np.sum(theta**2))


def right_calls(dtype: type = np.float64) -> dict[str, Right]:
    """One working call per public function, its arrays of ``dtype`` (float32 or float64)."""
    d = _data(dtype)
    X, P, Y, AL, caches, grads, G = d["X"], d["P"], d["Y"], d["AL"], d["caches"], d["grads"], d["G"]
    Z, dA, D, Zs, ALs, Ys = d["Z"], d["dA"], d["D"], d["Zs"], d["ALs"], d["Ys"]
    A_prev, W, b = X, P["W1"], P["b1"]
    G2 = {k: v * v for k, v in G.items()}  # a running mean of squared gradients is >= 0
    params = {f"parameters/{k}": ALL for k in P}
    #: without X (or grads) to pin n[0], a W1 of one column is a network of one input
    params_free = {**params, "parameters/W1": ALL - {"column"}}
    grad_arrays = {f"grads/{k}": ALL for k in G}
    rng = np.random.default_rng(5)
    backward = {"dA": SHAPE | MIXED | OPERAND, "Z": SHAPE | MIXED | OPERAND}
    calls = {
        # activations, every one described in torch_reference/ops.py (a column-wise g takes (n, m) only), at
        # its last variant's hyperparameters: the course's operands (integers, lists) are accepted; NaN is
        # IEEE arithmetic
        **{act.name: Right(getattr(nn, act.name), (Zs if act.column_wise else Z,), dict(act.variants[-1]),
                           hyper=tuple(act.defaults), arrays={"Z": OPERAND | (NDIM if act.column_wise else set())})
           for act in ACTIVATIONS},
        **{act.backward: Right(getattr(nn, act.backward), (Zs, Zs) if act.column_wise else (dA, Z),
                               dict(act.variants[-1]), hyper=tuple(act.defaults), arrays=backward)
           for act in ACTIVATIONS},
        "activation_forward": Right(nn.activation_forward, (Z, "tanh"), arrays={"Z": OPERAND}),
        "activation_backward": Right(nn.activation_backward, (dA, Z, "elu"), arrays=backward),
        # one layer
        "linear_forward": Right(nn.linear_forward, (A_prev, W, b), arrays={"A_prev": ALL - {"column"}, "W": ALL,
                                                                          "b": ALL}),
        "linear_activation_forward": Right(nn.linear_activation_forward, (A_prev, W, b, "relu"),
                                           arrays={"A_prev": ALL - {"column"}, "W": ALL, "b": ALL}),
        "linear_backward": Right(nn.linear_backward, (d["Z5"], (A_prev, W, b)), arrays={"dZ": ALL}),
        "linear_activation_backward": Right(nn.linear_activation_backward, (d["Z5"], caches[0], "relu"),
                                            arrays={"dA": ALL}),
        # logistic regression
        "lr_forward": Right(nn.lr_forward, (d["w"], 0.25, X), hyper=("b",), arrays={"w": ALL, "X": ALL - {"column"}}),
        "lr_forward_theta": Right(nn.lr_forward_theta, (d["theta"][:4], X), arrays={"theta": ALL,
                                                                                     "X": ALL - {"column"}}),
        "lr_backward": Right(nn.lr_backward, (X, AL, Y), arrays={"X": ALL - {"row"}, "A": ALL, "Y": LABELS}),
        "propagate": Right(nn.propagate, (d["w"], 0.25, X, Y), hyper=("b",), arrays={"w": ALL, "X": ALL,
                                                                                     "Y": LABELS}),
        # costs
        "compute_cost": Right(nn.compute_cost, (AL, Y), arrays={"AL": ALL, "Y": LABELS}, partners=("AL", "Y")),
        "compute_cost_cross_entropy": Right(nn.compute_cost_cross_entropy, (ALs, Ys),
                                            arrays={"AL": ALL, "Y": LABELS}, partners=("AL", "Y")),
        "compute_cost_squared_error": Right(nn.compute_cost_squared_error, (Zs, ALs),
                                            arrays={"AL": ALL, "Y": LABELS}, partners=("AL", "Y")),
        "model_cost": Right(nn.model_cost, (ALs, Ys, "softmax"), arrays={"AL": ALL, "Y": LABELS},
                            partners=("AL", "Y")),
        "bce_backward": Right(nn.bce_backward, (AL, Y), arrays={"AL": ALL, "Y": LABELS}, partners=("AL", "Y")),
        "output_backward": Right(nn.output_backward, (AL, Y), arrays={"AL": ALL, "Y": LABELS},
                                 partners=("AL", "Y")),
        "compute_cost_from_logits": Right(nn.compute_cost_from_logits, (Z[:1], Y), arrays={"ZL": ALL, "Y": LABELS},
                                          partners=("ZL", "Y")),
        "compute_cost_cross_entropy_from_logits": Right(nn.compute_cost_cross_entropy_from_logits, (Zs, Ys),
                                                        arrays={"ZL": ALL, "Y": LABELS}, partners=("ZL", "Y")),
        # the L-layer model
        "layer_activations": Right(nn.layer_activations, (2,)),
        "model_forward": Right(nn.model_forward, (X, P), arrays={"X": ALL - {"column"}, **params}),
        "model_forward_loop": Right(nn.model_forward_loop, (X, P), arrays={"X": ALL - {"column"}, **params}),
        "model_backward": Right(nn.model_backward, (AL, Y, caches), {"lambd": 0.5}, hyper=("lambd",),
                                arrays={"AL": ALL, "Y": LABELS}),
        "update_parameters": Right(nn.update_parameters, (P, G, 0.1), hyper=("learning_rate",),
                                   arrays={**params, **grad_arrays}),
        "init_std": Right(nn.init_std, ("xavier", 3, 4), {"scale": 0.5}, hyper=("scale",)),
        "initialize_parameters": Right(nn.initialize_parameters, ([3, 4, 1], "small", rng), {"dtype": dtype,
                                                                                             "scale": 0.1},
                                       hyper=("scale",)),
        "one_hot": Right(nn.one_hot, (d["labels"], 2), {"dtype": dtype}),
        # regularization
        "check_keep_prob": Right(nn.check_keep_prob, (0.5, dtype)),
        "dropout_mask": Right(nn.dropout_mask, ((4, 5), 0.5, rng, dtype), hyper=("keep_prob",)),
        "dropout_forward": Right(nn.dropout_forward, (Z, 0.8, rng), hyper=("keep_prob",),
                                 arrays={"A": ALL - SHAPE - MIXED}),
        "dropout_backward": Right(nn.dropout_backward, (dA, D, 0.5), hyper=("keep_prob",),
                                  arrays={"dA": ALL, "D": ALL - {"int"}}),
        "l2_regularization_cost": Right(nn.l2_regularization_cost, (P, 0.5, 5), hyper=("lambd",),
                                        arrays={k: ALL - SHAPE - {"row", "column"} for k in params if "W" in k}),
        "compute_cost_with_regularization": Right(nn.compute_cost_with_regularization, (AL, Y, P, 0.5),
                                                  hyper=("lambd",),
                                                  arrays={"AL": ALL, "Y": LABELS}, partners=("AL", "Y", "W2")),
        "l2_regularization_gradient": Right(nn.l2_regularization_gradient, (W, 0.5, 5), hyper=("lambd",),
                                            arrays={"W": ALL - SHAPE - MIXED}),
        "elastic_net_cost": Right(nn.elastic_net_cost, (P, 0.1, 0.2, 5), hyper=("lambd1", "lambd2")),
        "compute_cost_with_elastic_net": Right(nn.compute_cost_with_elastic_net, (AL, Y, P, 0.1, 0.2),
                                               hyper=("lambd1", "lambd2"), arrays={"AL": ALL, "Y": LABELS},
                                               partners=("AL", "Y", "W2")),
        "elastic_net_gradient": Right(nn.elastic_net_gradient, (W, 0.1, 0.2, 5), hyper=("lambd1", "lambd2"),
                                      arrays={"W": ALL - SHAPE - MIXED}),
        "apply_max_norm": Right(nn.apply_max_norm, (W, 0.5), {"eps": 1e-7}, hyper=("c", "eps"),
                                arrays={"W": ALL - SHAPE - MIXED}),
        "max_norm_parameters": Right(nn.max_norm_parameters, (P, 0.5), {"eps": 1e-7}, hyper=("c", "eps"),
                                     arrays=params_free),
        "train": Right(nn.train, (X, Y, P, 0.1, 2), {"lambd": 0.1, "keep_prob": 0.9, "rng": rng, "max_norm": 3.0},
                       hyper=("learning_rate", "lambd", "keep_prob", "max_norm"),
                       arrays={"X": ALL, "Y": LABELS, **params}, partners=("X", "Y")),
        "train_with_early_stopping": Right(nn.train_with_early_stopping, (X, Y, X[:, :4], Y[:, :4], P, 0.1, 3, 2),
                                           {"lambd": 0.1, "max_norm": 3.0},
                                           hyper=("learning_rate", "lambd", "max_norm"),
                                           arrays={"X_val": ALL, "Y_val": LABELS},
                                           partners=("X_val", "Y_val")),
        # gradient checking
        "dictionary_to_vector": Right(nn.dictionary_to_vector, (P,), arrays=params_free),
        "vector_to_dictionary": Right(nn.vector_to_dictionary, (d["theta"], d["layout"]),
                                      arrays={"theta": ALL - {"column"} - MIXED}),
        "gradients_to_vector": Right(nn.gradients_to_vector, (G, d["layout"]), arrays=grad_arrays),
        "centered_difference": Right(nn.centered_difference, (_J, d["w"]), {"epsilon": 1e-3}, hyper=("epsilon",),
                                     arrays={"theta": FINITE | DTYPE | CLASS - {"matrix"}}),
        "relative_difference": Right(nn.relative_difference, (W, W * d["f"](1.01)),
                                     arrays={"grad": ALL - {"0-d"}, "gradapprox": ALL - {"0-d"}}),
        "numerical_gradients": Right(nn.numerical_gradients, (lambda p: float(np.sum(p["W1"] ** 2)), P),
                                     {"epsilon": 1e-3}, hyper=("epsilon",), arrays=params_free),
        "gradient_check": Right(nn.gradient_check, (X, Y, P), {"grads": grads, "epsilon": 1e-3, "threshold": 1e-4},
                                hyper=("epsilon", "threshold"), arrays={"X": ALL, "Y": LABELS, **params},
                                partners=("X", "Y")),
        "GradientCheck": Right(nn.GradientCheck, ({"dW1": 1e-9}, {"dW1": W})),
        # predictions and metrics
        "predict_binary": Right(nn.predict_binary, (AL,), {"threshold": 0.4}, hyper=("threshold",),
                                arrays={"AL": ALL - SHAPE - {"0-d"} - MIXED}),
        "predict_multiclass": Right(nn.predict_multiclass, (ALs,), arrays={"AL": ALL - SHAPE - MIXED - {"0-d"}}),
        "predict": Right(nn.predict, (ALs,), arrays={"AL": ALL - SHAPE - MIXED - {"0-d"}}),
        "accuracy": Right(nn.accuracy, (d["labels"], d["pred"])),
        "confusion_counts": Right(nn.confusion_counts, (d["labels"], d["pred"], 1)),
        "precision_recall_f1": Right(nn.precision_recall_f1, (d["labels"], d["pred"]), {"zero_division": 1.0},
                                     hyper=("zero_division",)),
        "precision": Right(nn.precision, (d["labels"], d["pred"], "macro", [0, 1])),
        "recall": Right(nn.recall, (d["labels"], d["pred"])),
        "f1_score": Right(nn.f1_score, (d["labels"], d["pred"]), {"average": "macro"}),
        # parity networks
        "parity_inputs": Right(nn.parity_inputs, (3, dtype)),
        "parity_labels": Right(nn.parity_labels, (d["bits"],), arrays={"X": FINITE | DTYPE | CLASS | NDIM}),
        "parity_activations": Right(nn.parity_activations, (P,)),
        "hidden_units": Right(nn.hidden_units, (P,)),
        "deep_parity_network": Right(nn.deep_parity_network, (5, dtype)),
        "shallow_parity_network": Right(nn.shallow_parity_network, (3, dtype)),
        "counting_parity_network": Right(nn.counting_parity_network, (4, dtype)),
        "EarlyStopping": Right(nn.EarlyStopping, (P, 0, 0, [], [0.5])),
        # optimizers.py, batchnorm.py, bn_model.py (another engineer's files)
        "random_mini_batches": Right(nn.random_mini_batches, (X, Y, 2, 1)),
        "initialize_velocity": Right(nn.initialize_velocity, (P,)),
        "initialize_rmsprop": Right(nn.initialize_rmsprop, (P,)),
        "initialize_adam": Right(nn.initialize_adam, (P,)),
        "update_parameters_with_momentum": Right(nn.update_parameters_with_momentum, (P, G, G, 0.9, 0.1),
                                                 hyper=("beta", "learning_rate")),
        "update_parameters_with_rmsprop": Right(nn.update_parameters_with_rmsprop, (P, G, G2, 0.99, 0.1, 1e-8),
                                                hyper=("beta2", "learning_rate", "epsilon")),
        "update_parameters_with_adam": Right(nn.update_parameters_with_adam, (P, G, G, G2, 2, 0.1, 0.9, 0.99, 1e-8),
                                             hyper=("learning_rate", "beta1", "beta2", "epsilon")),
        "update_lr": Right(nn.update_lr, (0.1, 3, 0.5)),
        "schedule_lr_decay": Right(nn.schedule_lr_decay, (0.1, 3, 0.5, 2)),
        "train_with_optimizer": Right(nn.train_with_optimizer, (X, Y, P, "adam", 2, 1, 0.01),
                                      hyper=("learning_rate",)),
        "batchnorm_forward": Right(nn.batchnorm_forward, (d["bn_Z"], d["gamma"], d["beta"], 1e-3),
                                   hyper=("epsilon",)),
        "batchnorm_backward": Right(nn.batchnorm_backward, (d["Z5"], d["bn_cache"])),
        "update_running_averages": Right(nn.update_running_averages, (d["rm"], d["rv"], d["bn_cache"], 0.2),
                                         hyper=("momentum",)),
        "batchnorm_inference": Right(nn.batchnorm_inference, (d["bn_Z"], d["gamma"], d["beta"], d["rm"], d["rv"],
                                                              1e-3), hyper=("epsilon",)),
        "batchnorm_layers": Right(nn.batchnorm_layers, (d["P_bn"],)),
        "initialize_bn_parameters": Right(nn.initialize_bn_parameters, ([3, 4, 1], "he", rng)),
        "initialize_running_averages": Right(nn.initialize_running_averages, (d["P_bn"],)),
        "bn_model_forward": Right(nn.bn_model_forward, (X, d["P_bn"]), {"epsilon": 1e-3}, hyper=("epsilon",)),
        "bn_model_backward": Right(nn.bn_model_backward, (d["AL_bn"], Y, d["bn_caches"])),
        "update_model_running_averages": Right(nn.update_model_running_averages,
                                               (nn.initialize_running_averages(d["P_bn"]), d["bn_caches"]),
                                               {"momentum": 0.2}, hyper=("momentum",)),
        "BNLayerCache": Right(nn.BNLayerCache, tuple(d["bn_caches"][0])),
    }
    return calls


#: public names that are data, not functions
CONSTANTS = {"ACTIVATIONS", "INIT_METHODS"}
#: result records: constructed by scratch_nn itself and returned, never given user input to check
RECORDS = {"EarlyStopping", "GradientCheck", "BNLayerCache"}

RIGHT = right_calls(np.float64)

# ----------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Case:
    """One bad call: ``func(*args, **kwargs)`` must raise exactly ``exc`` with a message that names
    ``names`` (as a word: ``W1`` is named in "W1 has shape", not in "dW1 has shape") and, if ``match``
    is given, in which the regex ``match`` is found (what the message must say)."""

    id: str
    kind: str
    func: Callable[..., Any]
    args: tuple
    kwargs: dict
    exc: type[Exception]
    names: str
    match: str = ""
    xfail: str = ""


CASES: list[Case] = []


def bad(fname: str, kind: str, what: str, exc: type[Exception], names: str, *, match: str = "", xfail: str = "",
        **changes: Any) -> None:
    """Add the right call of ``fname`` with ``changes`` (argument -> wrong value) to the table."""
    assert kind in KINDS, kind
    args, kwargs = RIGHT[fname].bound(**changes)
    CASES.append(Case(f"{fname}:{kind}:{what}", kind, RIGHT[fname].func, args, kwargs, exc, names, match, xfail))


def bad_at(fname: str, kind: str, what: str, exc: type[Exception], names: str, path: str, value: Any, *,
           match: str = "", xfail: str = "") -> None:
    """Add the right call of ``fname`` with the value at ``path`` ("arg" or "arg/key") replaced."""
    assert kind in KINDS, kind
    args, kwargs = RIGHT[fname].with_value(path, value)
    CASES.append(Case(f"{fname}:{kind}:{what}", kind, RIGHT[fname].func, args, kwargs, exc, names, match, xfail))


def _entry(d: Mapping, **changes: Any) -> dict:
    return {**d, **changes}


def _without(d: Mapping, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


def _build() -> None:
    d = _data(np.float64)
    X, P, Y, AL, caches, G = d["X"], d["P"], d["Y"], d["AL"], d["caches"], d["G"]
    Z, dA, D, Zs, ALs, Ys = d["Z"], d["dA"], d["D"], d["Zs"], d["ALs"], d["Ys"]
    W, b = P["W1"], P["b1"]
    f32 = np.float32
    T, V = TypeError, ValueError
    SUB = "ndarray subclass"

    # ---------------------------------------------------------------- activations
    for fname in (*(act.name for act in ACTIVATIONS if not act.column_wise and not act.defaults), "activation_forward"):
        bad(fname, "dtype", "bool-array", T, "Z", Z=Z > 0, match="Z has dtype bool")
        bad(fname, "subclass", "matrix", T, "Z", Z=_matrix(Z), match=f"Z is a numpy.matrix, an {SUB}")
    for act in ACTIVATIONS:
        bad(act.name, "subclass", "masked", T, "Z", Z=_masked(Zs if act.column_wise else Z))
    bad("sigmoid", "dtype", "float16", T, "Z", Z=Z.astype(np.float16), match="float16")
    bad("tanh", "dtype", "complex", T, "Z", Z=Z.astype(complex))
    bad("sigmoid", "dtype", "complex", T, "Z", Z=Z.astype(complex), match="Z has dtype complex128")
    bad("relu", "dtype", "object", T, "Z", Z=Z.astype(object))
    bad("sigmoid", "bool", "scalar-True", T, "Z", Z=True, match="Z must be a numpy.ndarray .* got bool")
    bad("tanh", "type", "str", T, "Z", Z="0.5", match="Z must be a numpy.ndarray .* got str")
    bad("relu", "type", "None", T, "Z", Z=None)
    for fname in ("linear", "relu"):
        bad(fname, "list", "ragged", T, "Z", Z=[[1.0], [1.0, 2.0]], match="not a rectangular array")
    for fname in ("relu", "tanh"):
        bad(fname, "list", "of-bools", T, "Z", Z=[[True, False]], match="Z has dtype bool")
    bad("softmax", "0-d/empty", "0-d", V, "Z", Z=np.array(1.0))
    bad("softmax", "0-d/empty", "1-d", V, "Z", Z=Zs[0], match="Z must be 2-D")
    bad("softmax", "0-d/empty", "no-class", V, "Z", Z=np.zeros((0, 5)))
    bad("activation_forward", "name", "gelu", V, "activation", activation="gelu")
    bad("activation_forward", "name", "None", V, "activation", activation=None)
    for fname, hyper in [(f, h) for act in ACTIVATIONS for f in (act.name, act.backward) for h in act.defaults]:
        real = f"{hyper} must be a real number"
        bad(fname, "bool", "True", T, hyper, match=real, **{hyper: True})
        bad(fname, "bool", "0-d-bool-array", T, hyper, match=real, **{hyper: np.array(True)})
        bad(fname, "nan-hyper", "nan", V, hyper, match=f"{hyper} must be", **{hyper: np.nan})
        bad(fname, "nan-hyper", "inf", V, hyper, match=f"{hyper} must be", **{hyper: np.inf})
        bad(fname, "degenerate", "0", V, hyper, match=f"{hyper} must be", **{hyper: 0.0})
        bad(fname, "degenerate", "negative", V, hyper, match=f"{hyper} must be", **{hyper: -0.1})
        bad(fname, "type", "str", T, hyper, match=real, **{hyper: "0.1"})
        bad(fname, "type", "None", T, hyper, match=real, **{hyper: None})
        bad(fname, "type", "1-element-array", T, hyper, match=real, **{hyper: np.array([0.1])})
    for act in ACTIVATIONS:  # a hyperparameter beyond float32's range would be cast to inf
        Z32, dA32 = Z.astype(f32), dA.astype(f32)
        for fname, arrays in ((act.name, {"Z": Z32}), (act.backward, {"dA": dA32, "Z": Z32})):
            for hyper in act.defaults:
                bad(fname, "degenerate", "beyond-float32", V, hyper, match=f"{hyper} = 1e\\+300 does not fit float32",
                    **arrays, **{hyper: 1e300})
    for fname in (*(act.backward for act in ACTIVATIONS if not act.column_wise), "activation_backward"):
        bad(fname, "shape", "dA-row-broadcasts", V, "dA", dA=dA[:1])
        bad(fname, "shape", "dA-transposed", V, "dA", dA=dA.T)
        bad(fname, "mixed", "dA-float32", T, "dA", dA=dA.astype(f32))
        bad(fname, "subclass", "dA-matrix", T, "dA", dA=_matrix(dA), match=f"dA is a numpy.matrix, an {SUB}")
    bad("relu_backward", "shape", "Z-column-broadcasts", V, "Z", Z=Z[:, :1])
    bad("relu_backward", "subclass", "dA-and-Z-matrix", T, "Z", dA=_matrix(dA), Z=_matrix(Z),
        match=f"Z is a numpy.matrix, an {SUB}")
    bad("relu_backward", "mixed", "Z-int-dA-float32", T, "Z", dA=dA.astype(f32), Z=Z.astype(int), match="mixed dtypes")
    bad("sigmoid_backward", "shape", "dA-short", V, "dA", dA=dA[:, :3], match=r"dA has shape \(4, 3\)")
    bad("sigmoid_backward", "subclass", "Z-masked", T, "Z", Z=_masked(Z))
    bad("tanh_backward", "dtype", "Z-bool", T, "Z", Z=Z > 0)
    bad("softmax_backward", "0-d/empty", "1-d", V, "Z", dA=Zs[0], Z=Zs[0])
    bad("softmax_backward", "shape", "dA-column", V, "dA", dA=Zs[:, :1])
    for fname in (*(act.backward for act in ACTIVATIONS if act.kinks), "activation_backward"):
        bad(fname, "name", "convention-tf", V, "convention", convention="tf", match="unknown convention")
    bad("activation_backward", "name", "activation-list", V, "activation", activation=["relu"])

    # ---------------------------------------------------------------- one layer
    for fname in ("linear_forward", "linear_activation_forward"):
        bad(fname, "shape", "W-transposed", V, "W", W=W.T)
        bad(fname, "shape", "b-scalar-broadcasts", V, "b", b=b[:1])
        bad(fname, "shape", "b-row", V, "b", b=b.T, match=r"b has shape \(1, 4\) but W is \(4, 3\)")
        bad(fname, "shape", "b-full-Z-shape-broadcasts", V, "b", b=np.zeros((4, 5)))
        bad(fname, "0-d/empty", "b-flat", V, "b", b=b[:, 0], match="b must be 2-D")
        bad(fname, "dtype", "A_prev-int", T, "A_prev", A_prev=X.astype(int), match="A_prev has dtype int64")
        bad(fname, "mixed", "A_prev-float32", T, "A_prev", A_prev=X.astype(f32), match="mixed dtypes")
        bad(fname, "subclass", "W-matrix", T, "W", W=_matrix(W), match=f"W is a numpy.matrix, an {SUB}")
        bad(fname, "nan-array", "A_prev-nan", V, "A_prev", A_prev=perturb(X, "nan", 4),
            match="A_prev contains 1 non-finite")
        bad(fname, "nan-array", "b-inf", V, "b", b=perturb(b, "inf", 2))
    bad("linear_forward", "shape", "W-does-not-chain", V, "W", W=W[:, :2], match="do not chain")
    bad("linear_forward", "shape", "b-short", V, "b", b=b[:3], match=r"b has shape \(3, 1\)")
    bad("linear_forward", "list", "A_prev-list", T, "A_prev", A_prev=X.tolist())
    bad("linear_forward", "0-d/empty", "A_prev-0-d", V, "A_prev", A_prev=np.array(1.0))
    bad("linear_forward", "0-d/empty", "m=0", V, "A_prev", A_prev=X[:, :0], match="m = 0")
    bad("linear_forward", "0-d/empty", "width-0-layer", V, "W", A_prev=X[:0], W=W[:, :0])
    bad("linear_forward", "0-d/empty", "no-unit", V, "W", W=W[:0], b=b[:0])
    bad("linear_forward", "subclass", "b-masked", T, "b", b=_masked(b))
    bad("linear_forward", "nan-array", "W-minus-inf", V, "W", W=perturb(W, "inf", 5, -1.0),
        match="W contains 1 non-finite")
    bad("linear_activation_forward", "name", "gelu", V, "activation", activation="gelu",
        match="unknown activation 'gelu'")
    bad("linear_activation_forward", "name", "None", V, "activation", activation=None)
    bad("linear_backward", "container", "cache-None", T, "cache", cache=None)
    bad("linear_backward", "container", "cache-dict", T, "cache", cache={"A_prev": X, "W": W, "b": b})
    bad("linear_backward", "container", "cache-list", T, "cache", cache=[X, W, b])
    bad("linear_backward", "container", "activation-cache", T, "cache", cache=caches[0], match="linear cache")
    bad("linear_backward", "container", "cache-reversed", V, "A_prev", cache=(b, W, X))
    bad("linear_backward", "shape", "dZ-transposed", V, "dZ", dZ=d["Z5"].T)
    bad("linear_backward", "shape", "dZ-row-broadcasts", V, "dZ", dZ=d["Z5"][:1])
    bad("linear_backward", "shape", "dZ-short", V, "dZ", dZ=d["Z5"][:3], match=r"dZ has shape \(3, 5\)")
    bad("linear_backward", "mixed", "dZ-float32", T, "dZ", dZ=d["Z5"].astype(f32))
    bad("linear_backward", "nan-array", "dZ-nan", V, "dZ", dZ=perturb(d["Z5"], "nan", 7))
    bad("linear_backward", "subclass", "dZ-matrix", T, "dZ", dZ=_matrix(d["Z5"]))
    bad("linear_backward", "nan-array", "cache-W-nan", V, "W", cache=(X, perturb(W, "nan"), b))
    bad("linear_activation_backward", "container", "linear-only-cache", T, "cache", cache=(X, W, b))
    bad("linear_activation_backward", "container", "cache-None", T, "cache", cache=None)
    bad("linear_activation_backward", "shape", "cache-Z-transposed", V, "Z", cache=((X, W, b), caches[0][1].T))
    bad("linear_activation_backward", "shape", "dA-row", V, "dA", dA=d["Z5"][:1])
    bad("linear_activation_backward", "nan-array", "dA-inf", V, "dA", dA=perturb(d["Z5"], "inf", 3))
    bad("linear_activation_backward", "nan-array", "cache-Z-nan", V, "Z",
        cache=((X, W, b), perturb(caches[0][1], "nan")))
    bad("linear_activation_backward", "mixed", "dA-float32", T, "dA", dA=d["Z5"].astype(f32))
    bad("linear_activation_backward", "name", "swish", V, "activation", activation="swish")
    bad("linear_activation_backward", "name", "convention", V, "convention", convention="torch")

    # ---------------------------------------------------------------- logistic regression
    w = d["w"]
    for fname in ("lr_forward", "propagate"):
        bad(fname, "shape", "w-transposed", V, "w", w=w.T, match=r"w has shape \(1, 3\)")
        bad(fname, "0-d/empty", "w-flat", V, "w", w=w[:, 0])
        bad(fname, "shape", "b-array", V, "b", b=np.zeros((1, 1)), match="b must be a scalar")
        bad(fname, "type", "b-str", T, "b", b="0.1", match="b must be a real number")
        bad(fname, "type", "b-None", T, "b", b=None)
        bad(fname, "bool", "b-True", T, "b", b=True)
        bad(fname, "nan-hyper", "b-nan", V, "b", b=np.nan, match="b must be a finite number")
        bad(fname, "nan-hyper", "b-inf", V, "b", b=-np.inf)
        bad(fname, "mixed", "X-float32", T, "X", X=X.astype(f32))
        bad(fname, "nan-array", "w-nan", V, "w", w=perturb(w, "nan"))
    bad("lr_forward", "dtype", "X-int", T, "X", X=X.astype(int))
    bad("lr_forward", "subclass", "X-matrix", T, "X", X=_matrix(X))
    bad("lr_forward", "list", "X-list", T, "X", X=X.tolist())
    bad("lr_forward", "0-d/empty", "m=0", V, "X", X=X[:, :0])
    bad("lr_forward_theta", "shape", "theta-short", V, "theta", theta=d["theta"][:3])
    bad("lr_forward_theta", "shape", "theta-row", V, "theta", theta=d["theta"][:4].T)
    bad("lr_forward_theta", "nan-array", "theta-inf", V, "theta", theta=perturb(d["theta"][:4], "inf"))
    bad("lr_forward_theta", "mixed", "theta-float32", T, "theta", theta=d["theta"][:4].astype(f32))
    bad("lr_backward", "shape", "A-short", V, "A", A=AL[:, :4])
    bad("lr_backward", "shape", "A-transposed", V, "A", A=AL.T)
    bad("lr_backward", "nan-array", "A-nan", V, "A", A=perturb(AL, "nan"))
    bad("lr_backward", "degenerate", "A-not-a-probability", V, "A", A=AL + 1)
    bad("lr_backward", "degenerate", "Y-2", V, "Y", Y=Y * 2)
    bad("lr_backward", "mixed", "Y-float32", T, "Y", Y=Y.astype(f32))
    bad("lr_backward", "shape", "Y-column", V, "Y", Y=Y.T)
    bad("lr_backward", "mixed", "X-float32", T, "X", X=X.astype(f32))
    bad("propagate", "degenerate", "Y-not-binary", V, "Y", Y=Y * 0.5)
    bad("propagate", "shape", "Y-short", V, "Y", Y=Y[:, :4])

    # ---------------------------------------------------------------- costs
    for fname, al, y in (("compute_cost", AL, Y), ("compute_cost_cross_entropy", ALs, Ys),
                         ("compute_cost_squared_error", Zs, ALs), ("model_cost", ALs, Ys),
                         ("bce_backward", AL, Y), ("output_backward", AL, Y)):
        bad(fname, "shape", "Y-transposed", V, "Y", Y=y.T,
            match=rf"Y has shape \({y.shape[1]}, {y.shape[0]}\) but AL has \({al.shape[0]}, {al.shape[1]}\)")
        bad(fname, "shape", "Y-column-broadcasts", V, "Y", Y=y[:, :1])
        bad(fname, "mixed", "Y-float32", T, "Y", Y=y.astype(f32), match="Y is float32")
        bad(fname, "nan-array", "AL-nan", V, "AL", AL=perturb(al, "nan", 3), match="AL contains 1 non-finite")
        bad(fname, "subclass", "AL-masked", T, "AL", AL=_masked(al), match=f"AL is a numpy.ma.*MaskedArray, an {SUB}")
        bad(fname, "list", "Y-list", T, "Y", Y=y.tolist())
        bad(fname, "0-d/empty", "m=0", V, "AL", AL=al[:, :0], Y=y[:, :0], match="m = 0")
    bad("compute_cost", "shape", "Y-scalar-broadcasts", V, "Y", Y=Y[:, :1])
    bad("compute_cost", "0-d/empty", "Y-flat", V, "Y", Y=Y[0], match=r"Y has shape \(5,\)")
    bad("compute_cost", "0-d/empty", "AL-0-d", V, "AL", AL=np.array(0.5), Y=np.array(1.0))
    bad("compute_cost", "degenerate", "Y-2", V, "Y", Y=Y * 2, match="only 0 and 1")
    bad("compute_cost", "degenerate", "Y-soft", V, "Y", Y=Y * 0.5, match="only 0 and 1")
    bad("compute_cost", "degenerate", "AL>1", V, "AL", AL=AL + 1, match=r"probabilities in \[0, 1\]")
    bad("compute_cost", "degenerate", "AL<0", V, "AL", AL=AL - 1, match=r"probabilities in \[0, 1\]")
    bad("compute_cost", "nan-array", "Y-nan", V, "Y", Y=perturb(Y, "nan"))
    bad("compute_cost", "nan-array", "AL-inf", V, "AL", AL=perturb(AL, "inf"))
    bad("compute_cost", "dtype", "AL-int", T, "AL", AL=(AL > 0.5).astype(int))
    bad("compute_cost", "subclass", "AL-matrix", T, "AL", AL=_matrix(AL))
    bad("compute_cost", "subclass", "Y-masked", T, "Y", Y=_masked(Y), match=f"Y is a numpy.ma.*MaskedArray, an {SUB}")
    bad("compute_cost", "list", "AL-list", T, "AL", AL=AL.tolist())
    bad("compute_cost", "type", "Y-None", T, "Y", Y=None)
    bad("compute_cost", "dtype", "Y-str", T, "Y", Y=Y.astype(str))
    bad("compute_cost_cross_entropy", "degenerate", "Y-3", V, "Y", Y=Ys * 3, match=r"\[0, 1\]")
    bad("compute_cost_cross_entropy", "degenerate", "AL>1", V, "AL", AL=ALs * 2)
    bad("compute_cost_cross_entropy", "shape", "Y-row-broadcasts", V, "Y", Y=Ys[:1])
    bad("compute_cost_cross_entropy", "0-d/empty", "no-class", V, "AL", AL=ALs[:0], Y=Ys[:0])
    bad("compute_cost_squared_error", "dtype", "Y-complex", T, "Y", Y=ALs.astype(complex))
    bad("model_cost", "name", "relu-output", V, "output_activation", output_activation="relu")
    bad("model_cost", "name", "None", V, "output_activation", output_activation=None)
    bad("output_backward", "name", "tanh-output", V, "output_activation", output_activation="tanh",
        match="no loss is paired")
    bad("output_backward", "degenerate", "softmax-Y-out-of-range", V, "Y", AL=ALs, Y=-Ys,
        output_activation="softmax")
    bad("bce_backward", "degenerate", "AL=0", V, "AL", AL=np.where(Y == 1, 0.0, 0.5))
    bad("bce_backward", "degenerate", "AL=1", V, "AL", AL=np.ones((1, 5)), match="strictly inside")
    bad("bce_backward", "degenerate", "AL=1.5", V, "AL", AL=AL + 0.9)
    bad("bce_backward", "degenerate", "Y=2", V, "Y", Y=Y * 2)
    for fname, zl, y in (("compute_cost_from_logits", Z[:1], Y),
                         ("compute_cost_cross_entropy_from_logits", Zs, Ys)):
        bad(fname, "shape", "Y-transposed", V, "Y", Y=y.T)
        bad(fname, "shape", "Y-column-broadcasts", V, "Y", Y=y[:, :1])
        bad(fname, "nan-array", "ZL-inf", V, "ZL", ZL=perturb(zl, "inf"))
        bad(fname, "dtype", "ZL-int", T, "ZL", ZL=zl.astype(int))
        bad(fname, "mixed", "Y-float32", T, "Y", Y=y.astype(f32))
        bad(fname, "list", "ZL-list", T, "ZL", ZL=zl.tolist())
        bad(fname, "0-d/empty", "m=0", V, "ZL", ZL=zl[:, :0], Y=y[:, :0])
    bad("compute_cost_from_logits", "degenerate", "Y-2", V, "Y", Y=Y * 2)
    bad("compute_cost_cross_entropy_from_logits", "degenerate", "Y-negative", V, "Y", Y=-Ys)
    bad("compute_cost_cross_entropy_from_logits", "0-d/empty", "no-class", V, "ZL", ZL=Zs[:0], Y=Ys[:0])

    # ---------------------------------------------------------------- the L-layer model
    bad("layer_activations", "bool", "L-True", T, "L", L=True)
    bad("layer_activations", "type", "L-float", T, "L", L=2.0)
    bad("layer_activations", "degenerate", "L-0", V, "L", L=0)
    bad("layer_activations", "type", "activations-str", T, "activations", activations="relu")
    bad("layer_activations", "container", "activations-short", V, "activations", activations=["relu"])
    bad("layer_activations", "name", "activations-int", V, "activations", activations=["relu", 1])
    bad("layer_activations", "name", "hidden-swish", V, "hidden_activation", hidden_activation="swish")
    bad("layer_activations", "name", "output-None", V, "output_activation", output_activation=None)
    for fname in ("model_forward", "model_forward_loop"):
        bad(fname, "shape", "X-transposed", V, "X", X=X.T)
        bad(fname, "shape", "X-row", V, "X", X=X[:1], match=r"X has shape \(1, 5\) but W1 is \(4, 3\)")
        bad(fname, "mixed", "X-float32", T, "X", X=X.astype(f32))
        bad(fname, "dtype", "X-int", T, "X", X=X.astype(int))
        bad(fname, "nan-array", "X-nan", V, "X", X=perturb(X, "nan", 6))
        bad(fname, "subclass", "X-matrix", T, "X", X=_matrix(X))
        bad(fname, "list", "X-list", T, "X", X=X.tolist())
        bad(fname, "0-d/empty", "X-flat", V, "X", X=X[0])
        bad(fname, "0-d/empty", "m=0", V, "X", X=X[:, :0])
        bad(fname, "container", "int-keys", T, "parameters", parameters={1: W, 2: b},
            match="parameters keys must be the strings")
        bad(fname, "container", "list", T, "parameters", parameters=[W, b])
        bad(fname, "container", "missing-b2", V, "parameters", parameters=_without(P, "b2"))
        bad(fname, "container", "W1-and-b2-only", V, "parameters", parameters={"W1": W, "b2": b}, match="keys W1, b1")
        bad_at(fname, "shape", "W2-does-not-chain", V, "W2", "parameters/W2", np.ones((1, 3)), match="W2 has shape")
        bad(fname, "container", "activations-short", V, "activations", activations=["relu"],
            match="1 names for L = 2")
        bad(fname, "container", "extra-W3", V, "parameters", parameters=_entry(P, W3=np.ones((1, 1))))
        bad_at(fname, "shape", "W2-transposed", V, "W2", "parameters/W2", P["W2"].T)
        bad_at(fname, "shape", "b1-scalar-broadcasts", V, "b1", "parameters/b1", b[:1])
        bad_at(fname, "0-d/empty", "b1-flat", V, "b1", "parameters/b1", b[:, 0])
        bad_at(fname, "nan-array", "W1-nan", V, "W1", "parameters/W1", perturb(W, "nan", 4))
        bad_at(fname, "nan-array", "b2-inf", V, "b2", "parameters/b2", perturb(P["b2"], "inf"))
        bad_at(fname, "mixed", "b1-float32", T, "b1", "parameters/b1", b.astype(f32))
        bad_at(fname, "subclass", "W1-masked", T, "W1", "parameters/W1", _masked(W))
        bad(fname, "type", "activations-str", T, "activations", activations="relu",
            match="activations must be a list")
        bad(fname, "name", "hidden-swish", V, "hidden_activation", hidden_activation="swish",
            match="unknown activation 'swish'")
    bad("model_forward", "degenerate", "keep_prob-0", V, "keep_prob", keep_prob=0.0, rng=np.random.default_rng(1))
    bad("model_forward", "degenerate", "keep_prob-1.5", V, "keep_prob", keep_prob=1.5, match="keep_prob")
    bad("model_forward", "degenerate", "keep_prob-1e-50", V, "keep_prob", keep_prob=1e-50,
        rng=np.random.default_rng(1), match="keep_prob")
    bad("model_forward", "bool", "keep_prob-True", T, "keep_prob", keep_prob=True)
    bad("model_forward", "nan-hyper", "keep_prob-nan", V, "keep_prob", keep_prob=np.nan)
    bad("model_forward", "type", "keep_prob-str", T, "keep_prob", keep_prob="0.5")
    bad("model_forward", "rng", "dropout-no-rng", T, "rng", keep_prob=0.5, match="needs rng")
    bad("model_forward", "rng", "seed-as-rng", T, "rng", keep_prob=0.5, rng=1)
    bad("model_forward", "rng", "global-module", T, "rng", keep_prob=0.5, rng=np.random)
    bad("model_forward", "rng", "unused-rng-is-checked", T, "rng", rng="seed")
    # the course's legacy stream (np.random.RandomState): a rejected call must not advance it either
    bad("model_forward", "shape", "X-row-dropout-RandomState", V, "X", X=X[:1], keep_prob=0.5,
        rng=np.random.RandomState(8), match="X has shape")
    bad("model_forward", "mixed", "X-float32-dropout-RandomState", T, "X", X=X.astype(f32), keep_prob=0.5,
        rng=np.random.RandomState(8), match="mixed dtypes")
    bad("model_backward", "container", "caches-None", T, "caches", caches=None, match="caches must be the list")
    bad("model_backward", "container", "caches-dict", T, "caches", caches={"1": caches[0]},
        match="caches must be the list")
    bad("model_backward", "container", "caches-empty", V, "caches", caches=[])
    bad("model_backward", "container", "caches-reversed", V, "caches", caches=caches[::-1],
        match="caches do not chain")
    bad("model_backward", "container", "caches-linear-only", T, "caches", caches=[c[0] for c in caches],
        match=r"caches\[0\] must be layer 1's cache")
    bad("model_backward", "container", "caches-missing-last-layer", V, "AL", caches=caches[:1])
    bad("model_backward", "container", "caches-missing-first-layer", V, "activations", caches=caches[1:],
        activations=["relu", "sigmoid"])
    bad("model_backward", "nan-array", "cache-Z-nan", V, "caches",
        caches=[caches[0], (caches[1][0], perturb(caches[1][1], "nan"))])
    bad("model_backward", "mixed", "cache-A_prev-float32", T, "caches",
        caches=[((X.astype(f32), W, b), caches[0][1]), caches[1]])
    bad("model_backward", "shape", "cache-b-broadcasts", V, "caches",
        caches=[((X, W, b[:1]), caches[0][1]), caches[1]])
    bad("model_backward", "shape", "AL-transposed", V, "AL", AL=AL.T, match=r"AL has shape \(5, 1\)")
    bad("model_backward", "mixed", "AL-float32", T, "AL", AL=AL.astype(f32),
        match=r"AL is float32, caches\[0\]'s W is float64")
    (A1, W2, b2), Z2 = caches[1]  # layer 2 consistently float32 within itself, layer 1 float64
    layer2_f32 = ((A1.astype(f32), W2.astype(f32), b2.astype(f32)), Z2.astype(f32))
    bad("model_backward", "mixed", "caches[1]-all-float32", T, "caches", caches=[caches[0], layer2_f32],
        match=r"caches\[1\]'s W is float32, caches\[0\]'s W is float64")
    bad("model_backward", "nan-array", "AL-nan", V, "AL", AL=perturb(AL, "nan"))
    bad("model_backward", "degenerate", "Y-2", V, "Y", Y=Y * 2)
    bad("model_backward", "shape", "Y-broadcasts", V, "Y", Y=Y[:, :1])
    bad("model_backward", "degenerate", "keep_prob-without-masks", V, "keep_prob", keep_prob=0.5,
        match="keep_prob = 0.5 but the caches hold dropout masks for layers")
    AL_dropout, caches_dropout = nn.model_forward(X, P, keep_prob=0.8, rng=np.random.default_rng(12))
    bad("model_backward", "degenerate", "masks-without-keep_prob", V, "keep_prob", AL=AL_dropout,
        caches=caches_dropout, match="the caches hold dropout masks")
    (lin1, Z1, D1), cache2 = caches_dropout
    for what, D_bad, exc, says in (("broadcasts", D1[:, :1], V, r"D has shape \(4, 1\) but dA has \(4, 5\)"),
                                   ("float32", D1.astype(f32), T, "D has dtype float32 but dA is float64"),
                                   ("not-0-or-1", 2 * D1, V, "D")):
        bad("model_backward", "shape" if exc is V else "mixed", f"dropout-mask-{what}", exc, "D", AL=AL_dropout,
            caches=[(lin1, Z1, D_bad), cache2], keep_prob=0.8, match=says)
    deep = {"W1": W, "b1": b, **{f"{p}{l}": v for l in (2, 3) for p, v in (("W", np.eye(4) * 0.5), ("b", b))},
            "W4": P["W2"], "b4": P["b2"]}  # L = 4: every hidden layer's mask is checked, D[2] too
    AL_deep, caches_deep = nn.model_forward(X, deep, keep_prob=0.8, rng=np.random.default_rng(13))
    (lin2, Z2_deep, D2) = caches_deep[1]
    bad("model_backward", "shape", "dropout-mask-of-layer-2-of-4", V, "D", AL=AL_deep, keep_prob=0.8,
        caches=[caches_deep[0], (lin2, Z2_deep, D2[:, :1]), *caches_deep[2:]], match=r"D has shape \(4, 1\)")
    X32, P32 = X.astype(f32), {k: v.astype(f32) for k, v in P.items()}
    AL32_dropout, caches32_dropout = nn.model_forward(X32, P32, keep_prob=0.8, rng=np.random.default_rng(12))
    bad("model_backward", "degenerate", "keep_prob-below-float32-eps", V, "keep_prob", AL=AL32_dropout,
        Y=Y.astype(f32), caches=caches32_dropout, keep_prob=1e-10, match="below float32's machine epsilon")
    bad("model_backward", "degenerate", "lambd-negative", V, "lambd", lambd=-1.0, match="lambd must be")
    bad("model_backward", "nan-hyper", "lambd-nan", V, "lambd", lambd=np.nan)
    bad("model_backward", "bool", "lambd-True", T, "lambd", lambd=True)
    bad("model_backward", "type", "lambd-str", T, "lambd", lambd="0.1")
    bad("model_backward", "type", "return_dZ-str", T, "return_dZ", return_dZ="yes",
        match="return_dZ must be True or False, got str")
    bad("model_backward", "name", "convention", V, "convention", convention="tf")
    bad("model_backward", "name", "convention-one-layer", V, "convention", AL=caches[0][1][:1],
        caches=[((X, W[:1], b[:1]), caches[0][1][:1])], convention="tf")
    bad("model_backward", "name", "relu-output", V, "output_activation", output_activation="relu")
    real, finite, positive = ("learning_rate must be a real number", "learning_rate must be a finite",
                              "learning_rate must be > 0")
    for lr, kind, what, exc, match in ((True, "bool", "True", T, real),
                                       (np.array(True), "bool", "0-d-bool-array", T, real),
                                       (np.nan, "nan-hyper", "nan", V, finite),
                                       (np.inf, "nan-hyper", "inf", V, finite),
                                       (0.0, "degenerate", "0", V, positive),
                                       (-0.1, "degenerate", "negative", V, positive),
                                       ("0.1", "type", "str", T, real), (None, "type", "None", T, real),
                                       (np.array([0.1]), "type", "1-element-array", T, real)):
        bad("update_parameters", kind, f"learning_rate-{what}", exc, "learning_rate", learning_rate=lr, match=match)
    bad("update_parameters", "container", "grads-None", T, "grads", grads=None)
    bad("update_parameters", "container", "grads-list", T, "grads", grads=list(G.values()))
    bad("update_parameters", "container", "grads-int-keys", V, "grads", grads=dict(enumerate(G.values())))
    bad("update_parameters", "container", "grads-missing-db2", V, "grads", grads=_without(G, "db2"),
        match="missing 'db2'")
    bad("update_parameters", "container", "params-int-keys", T, "parameters", parameters={0: W})
    bad_at("update_parameters", "shape", "dW1-transposed", V, "dW1", "grads/dW1", G["dW1"].T, match="dW1 has shape")
    bad_at("update_parameters", "shape", "db1-scalar-broadcasts", V, "db1", "grads/db1", G["db1"][:1])
    bad_at("update_parameters", "0-d/empty", "db1-flat", V, "db1", "grads/db1", G["db1"][:, 0])
    bad_at("update_parameters", "nan-array", "dW2-nan", V, "dW2", "grads/dW2", perturb(G["dW2"], "nan"))
    bad_at("update_parameters", "mixed", "dW1-float32", T, "dW1", "grads/dW1", G["dW1"].astype(f32))
    bad_at("update_parameters", "subclass", "dW1-matrix", T, "dW1", "grads/dW1", _matrix(G["dW1"]))
    bad_at("update_parameters", "list", "db2-list", T, "db2", "grads/db2", G["db2"].tolist())
    bad_at("update_parameters", "nan-array", "W1-inf", V, "W1", "parameters/W1", perturb(W, "inf"))

    # ---------------------------------------------------------------- initialization, one-hot
    bad("init_std", "name", "glorot", V, "method", method="glorot", match="unknown initialization method")
    bad("init_std", "name", "method-None", V, "method", method=None)
    bad("init_std", "bool", "n_in-True", T, "n_in", n_in=True)
    bad("init_std", "degenerate", "n_in-0", V, "n_in", n_in=0, match="n_in must be a positive integer")
    bad("init_std", "degenerate", "n_in-negative", V, "n_in", n_in=-2, match="n_in must be a positive integer")
    bad("init_std", "degenerate", "n_out-negative", V, "n_out", n_out=-2)
    bad("init_std", "type", "n_in-float", T, "n_in", n_in=2.5, match="n_in must be a positive integer")
    bad("init_std", "type", "n_out-None", T, "n_out", n_out=None)
    for scale, kind, what, exc, match in ((np.nan, "nan-hyper", "nan", V, "scale must be a finite"),
                                          (np.inf, "nan-hyper", "inf", V, "scale must be a finite"),
                                          (0.0, "degenerate", "0", V, "scale must be > 0"),
                                          (-1.0, "degenerate", "negative", V, "scale must be > 0"),
                                          (True, "bool", "True", T, "scale must"),
                                          ("0.01", "type", "str", T, "scale must")):
        bad("init_std", kind, f"scale-{what}", exc, "scale", scale=scale, match=match)
        bad("initialize_parameters", kind, f"scale-{what}", exc, "scale", scale=scale, match=match)
    bad("initialize_parameters", "type", "layer_dims-int", T, "layer_dims", layer_dims=5,
        match="layer_dims must be a list")
    bad("initialize_parameters", "type", "layer_dims-str", T, "layer_dims", layer_dims="341")
    bad("initialize_parameters", "container", "layer_dims-dict", T, "layer_dims", layer_dims={3: 4})
    bad("initialize_parameters", "degenerate", "layer_dims-one", V, "layer_dims", layer_dims=[3],
        match="at least two positive")
    bad("initialize_parameters", "degenerate", "layer_dims-zero-width", V, "layer_dims", layer_dims=[3, 0, 1],
        match="at least two positive")
    bad("initialize_parameters", "degenerate", "layer_dims-negative", V, "layer_dims", layer_dims=[3, -4, 1])
    bad("initialize_parameters", "bool", "layer_dims-True", T, "layer_dims", layer_dims=[3, True, 1],
        match="not bools")
    bad("initialize_parameters", "type", "layer_dims-float", T, "layer_dims", layer_dims=[3, 4.0, 1])
    bad("initialize_parameters", "type", "layer_dims-float-array", T, "layer_dims", layer_dims=np.array([3.0, 1.0]))
    bad("initialize_parameters", "name", "glorot", V, "method", method="glorot",
        match="unknown initialization method 'glorot'")
    bad("initialize_parameters", "rng", "None", T, "rng", rng=None, match="needs rng")
    bad("initialize_parameters", "rng", "seed", T, "rng", rng=0, match="needs rng")
    bad("initialize_parameters", "rng", "global-randn", T, "rng", rng=np.random.randn, match="RandomState")
    bad("initialize_parameters", "dtype", "int64", T, "dtype", dtype=np.int64)
    bad("initialize_parameters", "dtype", "float16", T, "dtype", dtype=np.float16)
    bad("initialize_parameters", "dtype", "unknown-name", T, "dtype", dtype="floaty")
    bad("initialize_parameters", "dtype", "None", T, "dtype", dtype=None)
    bad("initialize_parameters", "degenerate", "layer_dims-zero-width-RandomState", V, "layer_dims",
        layer_dims=[3, 0, 1], method="he", rng=np.random.RandomState(8), match="at least two positive")
    labels = d["labels"]
    bad("one_hot", "dtype", "float-labels", T, "labels", labels=labels.astype(float), match="integers")
    bad("one_hot", "dtype", "bool-labels", T, "labels", labels=labels > 0)
    bad("one_hot", "dtype", "str-labels", T, "labels", labels="01")
    bad("one_hot", "type", "None-labels", T, "labels", labels=None)
    bad("one_hot", "shape", "2-D-labels", V, "labels", labels=np.array([[0, 1], [1, 0]]))
    bad("one_hot", "0-d/empty", "0-d-labels", V, "labels", labels=np.array(1))
    bad("one_hot", "subclass", "masked-labels", T, "labels", labels=_masked(labels), match=f"labels is .*{SUB}")
    bad("one_hot", "subclass", "matrix-labels", T, "labels", labels=_matrix(labels[None, :]))
    bad("one_hot", "degenerate", "negative-label", V, "labels", labels=labels - 1, match=">= 0")
    bad("one_hot", "degenerate", "label-out-of-range", V, "label", labels=labels * 2, match="out of range")
    bad("one_hot", "type", "num_classes-float", T, "num_classes", num_classes=2.5,
        match="num_classes must be None or an")
    bad("one_hot", "bool", "num_classes-True", T, "num_classes", num_classes=True)
    bad("one_hot", "degenerate", "num_classes-negative", V, "num_classes", labels=[], num_classes=-1,
        match="num_classes must be >= 0")
    bad("one_hot", "dtype", "dtype-int", T, "dtype", dtype=np.int64)

    # ---------------------------------------------------------------- dropout
    in_range, real = r"keep_prob must lie in \(0, 1\]", "keep_prob must be a real number"
    for kp, kind, what, exc, match in ((0.0, "degenerate", "0", V, in_range), (1.5, "degenerate", "1.5", V, in_range),
                                       (-0.2, "degenerate", "negative", V, in_range),
                                       (np.nan, "nan-hyper", "nan", V, in_range),
                                       (np.inf, "nan-hyper", "inf", V, in_range), (True, "bool", "True", T, real),
                                       ("0.5", "type", "str", T, real), (None, "type", "None", T, real)):
        for fname in ("check_keep_prob", "dropout_mask", "dropout_forward", "dropout_backward"):
            bad(fname, kind, f"keep_prob-{what}", exc, "keep_prob", keep_prob=kp, match=match)
    bad("check_keep_prob", "degenerate", "below-float32-eps", V, "keep_prob", keep_prob=1e-50, dtype=np.float32)
    bad("check_keep_prob", "dtype", "dtype-int", T, "dtype", dtype=np.int64)
    bad("dropout_forward", "degenerate", "keep_prob-1e-300", V, "keep_prob", keep_prob=1e-300,
        match="keep_prob = 1e-300 is below")
    bad("dropout_forward", "degenerate", "keep_prob-1e-50-float32", V, "keep_prob", A=Z.astype(f32), keep_prob=1e-50,
        match="machine epsilon")
    bad("dropout_backward", "degenerate", "keep_prob-1e-50-float32", V, "keep_prob", dA=dA.astype(f32),
        D=D.astype(f32), keep_prob=1e-50, match="machine epsilon")
    bad("dropout_mask", "type", "shape-int", T, "shape", shape=5)
    bad("dropout_mask", "degenerate", "shape-negative", V, "shape", shape=(4, -1))
    bad("dropout_mask", "type", "shape-float", T, "shape", shape=(4, 2.5))
    bad("dropout_mask", "bool", "shape-True", T, "shape", shape=(True, 3))
    bad("dropout_mask", "dtype", "dtype-bool", T, "dtype", dtype=bool)
    for fname in ("dropout_mask", "dropout_forward"):
        for what, rng in (("None", None), ("seed", 3), ("global-module", np.random)):
            bad(fname, "rng", what, T, "rng", rng=rng, match="numpy.random.Generator")
    bad("dropout_forward", "nan-array", "A-nan", V, "A", A=perturb(Z, "nan"), match="A contains 1 non-finite")
    bad("dropout_forward", "dtype", "A-int", T, "A", A=Z.astype(int), match="A has dtype int64")
    bad("dropout_forward", "subclass", "A-matrix", T, "A", A=_matrix(Z), match=f"A is a .*{SUB}")
    bad("dropout_forward", "list", "A-list", T, "A", A=Z.tolist())
    bad("dropout_forward", "0-d/empty", "A-flat", V, "A", A=Z[0])
    bad("dropout_forward", "0-d/empty", "m=0", V, "A", A=Z[:, :0])
    bad("dropout_backward", "mixed", "D-float32", T, "D", D=D.astype(f32), match="D has dtype float32")
    bad("dropout_backward", "dtype", "D-bool", T, "D", D=D > 0, match="D has dtype bool")
    bad("dropout_backward", "dtype", "D-int", T, "D", D=D.astype(int), match="D has dtype int64")
    bad("dropout_backward", "shape", "D-column-broadcasts", V, "D", D=D[:, :1], match=r"D has shape \(4, 1\)")
    bad("dropout_backward", "degenerate", "D-over-keep_prob", V, "D", D=D / 0.5, match="not D / keep_prob")
    bad("dropout_backward", "subclass", "D-masked", T, "D", D=_masked(D))
    bad("dropout_backward", "list", "D-list", T, "D", D=D.tolist(), match="D must be the numpy mask")
    bad("dropout_backward", "nan-array", "D-nan", V, "D", D=perturb(D, "nan"))
    bad("dropout_backward", "nan-array", "dA-inf", V, "dA", dA=perturb(dA, "inf"))

    # ---------------------------------------------------------------- L2, elastic net, max-norm
    for fname, names in (("l2_regularization_cost", ("lambd",)), ("l2_regularization_gradient", ("lambd",)),
                         ("compute_cost_with_regularization", ("lambd",)), ("elastic_net_cost", ("lambd1", "lambd2")),
                         ("elastic_net_gradient", ("lambd1", "lambd2")),
                         ("compute_cost_with_elastic_net", ("lambd1", "lambd2"))):
        for name in names:
            finite, real = f"{name} must be a finite number >= 0", f"{name} must be a real number"
            for value, kind, what, exc, match in ((-0.5, "degenerate", "negative", V, finite),
                                                  (np.nan, "nan-hyper", "nan", V, finite),
                                                  (True, "bool", "True", T, real), ("0.5", "type", "str", T, real),
                                                  (np.array([0.7]), "type", "1-element-array", T, real)):
                bad(fname, kind, f"{name}-{what}", exc, name, match=match, **{name: value})
    for fname in ("l2_regularization_cost", "l2_regularization_gradient", "elastic_net_cost", "elastic_net_gradient"):
        bad(fname, "degenerate", "m-0", V, "m", m=0, match="m must be the number of examples")
        bad(fname, "bool", "m-True", T, "m", m=True)
        bad(fname, "type", "m-float", T, "m", m=5.0)
    for fname in ("l2_regularization_gradient", "elastic_net_gradient", "apply_max_norm"):
        bad(fname, "nan-array", "W-nan", V, "W", W=perturb(W, "nan"))
        bad(fname, "dtype", "W-int", T, "W", W=W.astype(int), match="W has dtype int64")
        bad(fname, "subclass", "W-masked", T, "W", W=_masked(W))
        bad(fname, "0-d/empty", "W-flat", V, "W", W=W[0], match="W must be 2-D")
        bad(fname, "list", "W-list", T, "W", W=W.tolist())
    for fname in ("l2_regularization_cost", "elastic_net_cost", "max_norm_parameters"):
        bad(fname, "container", "int-keys", T, "parameters", parameters={1: W})
        bad(fname, "container", "missing-b1", V, "parameters", parameters={"W1": W}, match="keys W1, b1")
        bad_at(fname, "nan-array", "W2-inf", V, "W2", "parameters/W2", perturb(P["W2"], "inf"))
    for fname in ("compute_cost_with_regularization", "compute_cost_with_elastic_net"):
        bad(fname, "mixed", "AL-float32-parameters-float64", T, "AL", AL=AL.astype(f32), Y=Y.astype(f32))
        bad(fname, "shape", "AL-of-another-network", V, "AL", AL=ALs, Y=Ys, output_activation="softmax")
        bad(fname, "degenerate", "Y-2", V, "Y", Y=Y * 2)
        bad(fname, "name", "output-relu", V, "output_activation", output_activation="relu")
        bad(fname, "container", "parameters-list", T, "parameters", parameters=[W])
    finite, real = r"c \(the max-norm\) must be a finite number > 0", r"c \(the max-norm\) must be a real number"
    for c, kind, what, exc, match in ((0.0, "degenerate", "0", V, finite), (-1.0, "degenerate", "negative", V, finite),
                                      (np.nan, "nan-hyper", "nan", V, finite), (np.inf, "nan-hyper", "inf", V, finite),
                                      (True, "bool", "True", T, real), ("1", "type", "str", T, real),
                                      (None, "type", "None", T, real)):
        bad("apply_max_norm", kind, f"c-{what}", exc, "c", c=c, match=match)
        bad("max_norm_parameters", kind, f"c-{what}", exc, "c", c=c, match=match)
    for eps, kind, what, exc in ((-1e-7, "degenerate", "negative", V), (np.nan, "nan-hyper", "nan", V),
                                 (True, "bool", "True", T)):
        bad("apply_max_norm", kind, f"eps-{what}", exc, "eps", eps=eps, match="eps must be")

    # ---------------------------------------------------------------- training loops
    for n, kind, what, exc in ((-1, "degenerate", "negative", V), (True, "bool", "True", T),
                               (2.0, "type", "float", T), ("3", "type", "str", T)):
        bad("train", kind, f"num_iterations-{what}", exc, "num_iterations", num_iterations=n,
            match="num_iterations must be")
        bad("train_with_early_stopping", kind, f"max_iterations-{what}", exc, "max_iterations", max_iterations=n,
            match="max_iterations must be")
    for fname in ("train", "train_with_early_stopping"):
        no_iterations = {"num_iterations" if fname == "train" else "max_iterations": 0}
        for lr, kind, what, exc, match in ((-0.1, "degenerate", "negative", V, "learning_rate must be > 0"),
                                           (np.nan, "nan-hyper", "nan", V, "learning_rate"),
                                           (True, "bool", "True", T, "learning_rate")):
            bad(fname, kind, f"learning_rate-{what}", exc, "learning_rate", learning_rate=lr)
            bad(fname, kind, f"zero-iterations-learning_rate-{what}", exc, "learning_rate", learning_rate=lr,
                match=match, **no_iterations)
        bad(fname, "degenerate", "zero-iterations-Y-2", V, "Y", Y=Y * 2, match="Y must contain only 0 and 1",
            **no_iterations)
        bad(fname, "shape", "zero-iterations-X-features", V, "X", X=X[:2], match=r"X has shape \(2, 5\)",
            **no_iterations)
        bad(fname, "shape", "X-transposed", V, "X", X=X.T)
        bad(fname, "degenerate", "Y-2", V, "Y", Y=Y * 2)
        bad(fname, "shape", "Y-broadcasts", V, "Y", Y=Y[:, :1])
        bad(fname, "list", "X-list", T, "X", X=X.tolist(), match="X must be")
        bad(fname, "list", "Y-list", T, "Y", Y=Y.tolist(), match="Y must be")
        bad(fname, "container", "parameters-list", T, "parameters", parameters=[W, b],
            match="parameters must be a dict")
        bad(fname, "container", "parameters-int-keys", T, "parameters", parameters={1: W})
        bad(fname, "type", "activations-str", T, "activations", activations="relu")
        bad(fname, "name", "output-relu", V, "output_activation", output_activation="relu")
        bad(fname, "degenerate", "lambd-negative", V, "lambd", lambd=-1.0, match="lambd must be")
        bad(fname, "degenerate", "keep_prob-0", V, "keep_prob", keep_prob=0.0, rng=np.random.default_rng(2))
        bad(fname, "degenerate", "keep_prob-1.2", V, "keep_prob", keep_prob=1.2, match="keep_prob must lie")
        bad(fname, "rng", "dropout-without-rng", T, "rng", keep_prob=0.5, rng=None, match="needs rng")
        bad(fname, "rng", "unused-seed-as-rng", T, "rng", keep_prob=1.0, rng=7)
        bad(fname, "degenerate", "max_norm-0", V, "max_norm", max_norm=0.0,
            match="max_norm must be None or a number c > 0")
        bad(fname, "nan-hyper", "max_norm-nan", V, "max_norm", max_norm=np.nan)
        bad(fname, "bool", "max_norm-True", T, "max_norm", max_norm=True)
        bad(fname, "type", "max_norm-str", T, "max_norm", max_norm="3")
        bad_at(fname, "nan-array", "W1-nan", V, "W1", "parameters/W1", perturb(W, "nan"))
        bad(fname, "mixed", "X-float32", T, "X", X=X.astype(f32))
    # a rejected call after its rng was passed: the generator must not have advanced (checked for every case),
    # though a GD step would reach these checks only after its first draw
    def dropout() -> dict:
        return {"keep_prob": 0.5, "rng": np.random.default_rng(4)}

    for fname in ("train", "train_with_early_stopping"):
        bad(fname, "degenerate", "learning_rate-negative-with-dropout", V, "learning_rate", learning_rate=-0.1,
            **dropout())
    bad("train", "degenerate", "Y-2-with-dropout", V, "Y", Y=Y * 2, **dropout())
    bad("train", "name", "output-relu-with-dropout", V, "output_activation", output_activation="relu", **dropout())
    es = "train_with_early_stopping"
    bad(es, "shape", "X_val-transposed", V, "X_val", X_val=X[:, :4].T)
    bad(es, "mixed", "X_val-float32", T, "X_val", X_val=X[:, :4].astype(f32), match="mixed dtypes")
    bad(es, "shape", "X_val-features", V, "X_val", X_val=X[:2, :4], match=r"X_val has shape \(2, 4\)")
    bad(es, "list", "X_val-list", T, "X_val", X_val=X[:, :4].tolist())
    bad(es, "degenerate", "Y_val-2", V, "Y_val", Y_val=Y[:, :4] * 2, match="Y_val must")
    bad(es, "shape", "Y_val-of-X", V, "Y_val", Y_val=Y)
    bad(es, "list", "Y_val-list", T, "Y_val", Y_val=Y[:, :4].tolist(), match="Y_val")
    bad(es, "degenerate", "patience-0", V, "patience", patience=0, match="patience must be a positive integer")
    bad(es, "type", "patience-float", V, "patience", patience=1.5, match="patience must be")
    bad(es, "bool", "patience-True", V, "patience", patience=True)
    bad(es, "degenerate", "Y_val-2-with-dropout", V, "Y_val", Y_val=Y[:, :4] * 2, **dropout())

    # ---------------------------------------------------------------- gradient checking
    theta = d["theta"]
    bad("dictionary_to_vector", "container", "int-keys", T, "parameters", parameters={1: W, 2: b})
    bad("dictionary_to_vector", "container", "list", T, "parameters", parameters=[W, b])
    bad_at("dictionary_to_vector", "nan-array", "b1-nan", V, "b1", "parameters/b1", perturb(b, "nan"))
    bad("vector_to_dictionary", "shape", "theta-short", V, "theta", theta=theta[:3], match="theta has 3 entries")
    bad("vector_to_dictionary", "shape", "theta-row", V, "theta", theta=theta.T)
    bad("vector_to_dictionary", "nan-array", "theta-nan", V, "theta", theta=perturb(theta, "nan"))
    bad("vector_to_dictionary", "dtype", "theta-int", T, "theta", theta=theta.astype(int))
    bad("vector_to_dictionary", "list", "theta-list", T, "theta", theta=theta.tolist())
    bad("vector_to_dictionary", "container", "layout-None", T, "layout", layout=None)
    bad("vector_to_dictionary", "container", "layout-int-key", T, "layout", layout=[(1, (4, 3))])
    bad("vector_to_dictionary", "container", "layout-str-shape", T, "layout", layout=[("W1", (4, "3"))])
    bad("gradients_to_vector", "container", "layout-None", T, "layout", layout=None)
    bad("gradients_to_vector", "container", "grads-None", T, "grads", grads=None)
    bad("gradients_to_vector", "container", "grads-missing-dW2", V, "grads", grads=_without(G, "dW2"))
    bad_at("gradients_to_vector", "shape", "dW1-transposed", V, "dW1", "grads/dW1", G["dW1"].T)
    bad_at("gradients_to_vector", "nan-array", "db1-nan", V, "db1", "grads/db1", perturb(G["db1"], "nan"))
    bad_at("gradients_to_vector", "subclass", "dW2-masked", T, "dW2", "grads/dW2", _masked(G["dW2"]))
    for eps, kind, what, exc, match in ((0, "degenerate", "0", V, "epsilon must be > 0"),
                                        (-1e-5, "degenerate", "negative", V, "epsilon must be > 0"),
                                        (np.nan, "nan-hyper", "nan", V, "epsilon"),
                                        (True, "bool", "True", T, "epsilon"),
                                        ("1e-5", "type", "str", T, "epsilon")):
        for fname in ("centered_difference", "numerical_gradients", "gradient_check"):
            bad(fname, kind, f"epsilon-{what}", exc, "epsilon", epsilon=eps, match=match)
    bad("centered_difference", "type", "J-not-callable", T, "J", J=3.0)
    bad("numerical_gradients", "type", "J-not-callable", T, "J", J=None)
    bad("centered_difference", "list", "theta-list", T, "theta", theta=[1.0, 2.0])
    bad("centered_difference", "dtype", "theta-int", T, "theta", theta=np.array([1, 2]))
    bad("centered_difference", "nan-array", "theta-inf", V, "theta", theta=perturb(w, "inf"))
    bad("relative_difference", "shape", "db-flat-vs-column", V, "grad", grad=b[:, 0], gradapprox=b)
    bad("relative_difference", "shape", "transposed", V, "grad", gradapprox=W.T)
    bad("relative_difference", "list", "grad-list", T, "grad", grad=W.tolist())
    bad("relative_difference", "nan-array", "gradapprox-nan", V, "gradapprox", gradapprox=perturb(W, "nan"))
    bad("relative_difference", "dtype", "grad-int", T, "grad", grad=W.astype(int))
    bad("relative_difference", "subclass", "grad-masked", T, "grad", grad=_masked(W))
    bad("relative_difference", "bool", "grad-True", T, "grad", grad=True, gradapprox=1.0)
    bad("gradient_check", "container", "grads-missing-dW2", V, "grads", grads=_without(G, "dW2"),
        match=r"grads is missing \['dW2'\]")
    bad("gradient_check", "container", "grads-None-entries", T, "dW1", grads=_entry(G, dW1=None))
    bad("gradient_check", "shape", "grads-dW1-transposed", V, "dW1", grads=_entry(G, dW1=G["dW1"].T))
    bad("gradient_check", "nan-array", "grads-db2-nan", V, "db2", grads=_entry(G, db2=perturb(G["db2"], "nan")))
    bad("gradient_check", "mixed", "grads-float32", T, "dW1", grads=_entry(G, dW1=G["dW1"].astype(f32)))
    bad("gradient_check", "shape", "X-transposed", V, "X", X=X.T)
    bad("gradient_check", "degenerate", "Y-2", V, "Y", Y=Y * 2)
    bad("gradient_check", "degenerate", "threshold-0", V, "threshold", threshold=0.0)
    bad("gradient_check", "nan-hyper", "threshold-nan", V, "threshold", threshold=np.nan)
    bad("gradient_check", "bool", "threshold-True", T, "threshold", threshold=True)
    bad("gradient_check", "type", "activations-str", T, "activations", activations="relu")
    bad("gradient_check", "container", "parameters-int-keys", T, "parameters", parameters={1: W})

    # ---------------------------------------------------------------- predictions, metrics
    for fname, al in (("predict_binary", AL), ("predict_multiclass", ALs), ("predict", ALs)):
        bad(fname, "nan-array", "AL-nan", V, "AL", AL=perturb(al, "nan"))
        bad(fname, "dtype", "AL-int", T, "AL", AL=(al > 0.5).astype(int))
        bad(fname, "subclass", "AL-matrix", T, "AL", AL=_matrix(al))
        bad(fname, "list", "AL-list", T, "AL", AL=al.tolist())
        bad(fname, "0-d/empty", "AL-flat", V, "AL", AL=al[0])
        bad(fname, "0-d/empty", "m=0", V, "AL", AL=al[:, :0])
    bad("predict_binary", "shape", "softmax-output", V, "AL", AL=ALs, match="binary output is")
    bad("predict_multiclass", "shape", "binary-output", V, "AL", AL=AL, match="at least 2 rows")
    finite, real = "threshold must be a finite", "threshold must be a real number"
    for t, kind, what, exc, match in ((np.nan, "nan-hyper", "nan", V, finite), (np.inf, "nan-hyper", "inf", V, finite),
                                      ("0.5", "type", "str", T, real), (True, "bool", "True", T, real),
                                      (None, "type", "None", T, real)):
        bad("predict_binary", kind, f"threshold-{what}", exc, "threshold", threshold=t, match=match)
    pred = d["pred"]
    for fname in ("accuracy", "confusion_counts", "precision_recall_f1", "precision", "recall", "f1_score"):
        bad(fname, "dtype", "y_pred-float", T, "y_pred", y_pred=pred.astype(float))
        bad(fname, "shape", "y_true-short", V, "y_true", y_true=labels[:4], match="4 labels but y_pred has 5")
        bad(fname, "list", "y_true-list", T, "y_true", y_true=labels.tolist())
        bad(fname, "subclass", "y_true-masked", T, "y_true", y_true=_masked(labels))
    bad("accuracy", "subclass", "y_pred-matrix", T, "y_pred", y_pred=_matrix(pred[None, :]))
    bad("accuracy", "shape", "y_true-2-D", V, "y_true", y_true=np.stack([labels, labels]))
    bad("accuracy", "0-d/empty", "empty", V, "y_true", y_true=labels[:0], y_pred=pred[:0])
    bad("accuracy", "type", "y_true-None", T, "y_true", y_true=None)
    bad("confusion_counts", "type", "positive-float", T, "positive", positive=1.5)
    bad("confusion_counts", "bool", "positive-True", T, "positive", positive=True)
    bad("confusion_counts", "type", "positive-str", T, "positive", positive="1")
    bad("precision_recall_f1", "name", "average-micro", V, "average", average="micro")
    bad("precision_recall_f1", "degenerate", "binary-with-class-2", V, "average", y_true=labels * 2)
    bad("precision_recall_f1", "degenerate", "zero_division-2", V, "zero_division", zero_division=2.0)
    bad("precision_recall_f1", "bool", "zero_division-True", T, "zero_division", zero_division=True)
    bad("precision_recall_f1", "type", "zero_division-str", T, "zero_division", zero_division="0")
    bad("precision", "container", "labels-empty", V, "labels", labels=[])
    bad("precision", "type", "labels-float", T, "labels", labels=[0, 1.5])
    bad("precision", "type", "labels-str", T, "labels", labels="01")
    bad("precision", "bool", "labels-bool", T, "labels", labels=[True, False])
    bad("recall", "name", "average-None", V, "average", average=None)
    bad("f1_score", "type", "labels-int", T, "labels", labels=3)
    bad("accuracy", "dtype", "y_true-float", T, "y_true", y_true=labels.astype(float), match="astype")
    bad("recall", "degenerate", "binary-with-class-2", V, "average", y_true=labels * 2, match="average='binary'")
    bad("recall", "degenerate", "zero_division-0.5", V, "zero_division", zero_division=0.5, match="zero_division")
    bad("f1_score", "name", "average-micro", V, "average", average="micro", match="'binary' or 'macro'")

    # ---------------------------------------------------------------- parity networks
    for fname in ("parity_inputs", "deep_parity_network", "shallow_parity_network", "counting_parity_network"):
        bad(fname, "bool", "n-True", T, "n", n=True)
        bad(fname, "degenerate", "n-0", V, "n", n=0)
        bad(fname, "type", "n-float", T, "n", n=3.0)
        bad(fname, "dtype", "dtype-int", T, "dtype", dtype=np.int64)
    bad("parity_inputs", "degenerate", "n-too-large", V, "n", n=64)
    bad("shallow_parity_network", "degenerate", "n-too-large", V, "n", n=40)
    bits = d["bits"]
    bad("parity_labels", "degenerate", "X-not-bits", V, "X", X=bits * 2)
    bad("parity_labels", "nan-array", "X-nan", V, "X", X=perturb(bits, "nan"))
    bad("parity_labels", "list", "X-list", T, "X", X=bits.tolist())
    bad("parity_labels", "dtype", "X-bool", T, "X", X=bits > 0)
    bad("parity_labels", "subclass", "X-masked", T, "X", X=_masked(bits))
    bad("parity_labels", "0-d/empty", "m=0", V, "X", X=bits[:, :0])
    for fname in ("parity_activations", "hidden_units"):
        bad(fname, "container", "int-keys", T, "parameters", parameters={1: W, 2: b})
        bad(fname, "container", "missing-b2", V, "parameters", parameters=_without(P, "b2"))
        bad(fname, "container", "list", T, "parameters", parameters=[W, b])

    # ---------------------------------------------------------------- optimizers.py (another engineer's)
    def legacy() -> dict:
        """No seed, the caller's RandomState instead: a rejected call must not draw from it."""
        return {"seed": None, "rng": np.random.RandomState(4)}

    bad("random_mini_batches", "degenerate", "size-0", V, "mini_batch_size", mini_batch_size=0,
        match="mini_batch_size", **legacy())
    bad("random_mini_batches", "bool", "size-True", T, "mini_batch_size", mini_batch_size=True, **legacy())
    bad("random_mini_batches", "type", "size-float", T, "mini_batch_size", mini_batch_size=2.0,
        match="mini_batch_size", **legacy())
    bad("random_mini_batches", "degenerate", "seed-negative", T, "seed", seed=-1)
    bad("random_mini_batches", "rng", "seed-and-rng", T, "rng", rng=np.random.default_rng(1),
        match="exactly one of seed")
    bad("random_mini_batches", "rng", "rng-not-a-generator", T, "rng", seed=None, rng=3)
    bad("random_mini_batches", "shape", "Y-short", V, "Y", Y=Y[:, :4], match="Y has shape", **legacy())
    bad("random_mini_batches", "nan-array", "X-nan", V, "X", X=perturb(X, "nan"), **legacy())
    bad("random_mini_batches", "list", "X-list", T, "X", X=[[1.0]], match="X must be", **legacy())
    bad("random_mini_batches", "list", "Y-list", T, "Y", Y=Y.tolist(), **legacy())
    bad("random_mini_batches", "subclass", "Y-masked", T, "Y", Y=_masked(Y), **legacy())
    for fname in ("initialize_velocity", "initialize_rmsprop", "initialize_adam"):
        bad(fname, "container", "int-keys", T, "parameters", parameters={1: W})
        bad(fname, "container", "list", T, "parameters", parameters=[W])
    opt = {"update_parameters_with_momentum": ("v",), "update_parameters_with_rmsprop": ("s",),
           "update_parameters_with_adam": ("v", "s")}
    for fname, states in opt.items():
        bad(fname, "container", "grads-None", T, "grads", grads=None)
        bad(fname, "container", "grads-missing-db1", V, "grads", grads=_without(G, "db1"))
        bad_at(fname, "shape", "dW1-transposed", V, "grads", "grads/dW1", G["dW1"].T)
        bad_at(fname, "nan-array", "db2-nan", V, "grads", "grads/db2", perturb(G["db2"], "nan"))
        bad_at(fname, "mixed", "dW2-float32", T, "grads", "grads/dW2", G["dW2"].astype(f32), match="mixed dtypes")
        for state in states:
            bad(fname, "container", f"{state}-extra-key", V, state, **{state: _entry(G, dA0=X)})
        bad(fname, "degenerate", "learning_rate-0", V, "learning_rate", learning_rate=0.0)
        bad(fname, "bool", "learning_rate-True", T, "learning_rate", learning_rate=True)
        bad(fname, "nan-hyper", "learning_rate-nan", V, "learning_rate", learning_rate=np.nan)
    bad("update_parameters_with_momentum", "degenerate", "beta-1", V, "beta", beta=1.0, match="beta")
    bad_at("update_parameters_with_momentum", "shape", "v-dW1-transposed", V, "v", "v/dW1", G["dW1"].T,
           match="dW1")
    bad("update_parameters_with_momentum", "bool", "beta-True", T, "beta", beta=True)
    bad("update_parameters_with_rmsprop", "degenerate", "epsilon-0", V, "epsilon", epsilon=0.0)
    bad("update_parameters_with_adam", "degenerate", "t-0", V, "t", t=0, match="t must be >= 1")
    bad("update_parameters_with_adam", "degenerate", "epsilon-0", V, "epsilon", epsilon=0.0, match="epsilon")
    bad("update_parameters_with_adam", "bool", "t-True", T, "t", t=True)
    bad("update_parameters_with_adam", "type", "t-float", T, "t", t=2.0)
    bad("update_parameters_with_adam", "nan-hyper", "beta2-inf", V, "beta2", beta2=np.inf)
    for fname in ("update_lr", "schedule_lr_decay"):
        bad(fname, "degenerate", "learning_rate0-0", V, "learning_rate0", learning_rate0=0.0)
        bad(fname, "bool", "epoch-True", T, "epoch_num", epoch_num=True)
        bad(fname, "degenerate", "epoch-negative", T, "epoch_num", epoch_num=-1, match="epoch_num")
        bad(fname, "degenerate", "decay-negative", V, "decay_rate", decay_rate=-1.0)
        bad(fname, "nan-hyper", "decay-nan", V, "decay_rate", decay_rate=np.nan)
    bad("schedule_lr_decay", "degenerate", "time_interval-0", V, "time_interval", time_interval=0,
        match="time_interval")
    optim = "train_with_optimizer"
    bad(optim, "name", "optimizer-sgd", V, "optimizer", optimizer="sgd", match="optimizer must be one of")
    bad(optim, "degenerate", "learning_rate-negative", V, "learning_rate", learning_rate=-0.1)
    bad(optim, "degenerate", "Y-2", V, "Y", Y=Y * 2, match="binary labels")
    bad(optim, "shape", "Y-short", V, "Y", Y=Y[:, :4], match="Y has shape")
    bad(optim, "degenerate", "num_epochs-negative", V, "num_epochs", num_epochs=-1, match="num_epochs")
    # zero epochs: nothing to train, and the call is checked all the same
    bad(optim, "degenerate", "zero-epochs-mini_batch_size-0", V, "mini_batch_size", mini_batch_size=0, num_epochs=0,
        match="mini_batch_size must be >= 1")
    bad(optim, "degenerate", "zero-epochs-beta-1", V, "beta", optimizer="momentum", beta=1.0, num_epochs=0,
        match="beta")
    bad(optim, "container", "parameters-int-keys", T, "parameters", parameters={1: W})

    # ---------------------------------------------------------------- batchnorm.py, bn_model.py (another engineer's)
    bnZ, gamma, beta = d["bn_Z"], d["gamma"], d["beta"]
    bad("batchnorm_forward", "shape", "gamma-scalar-broadcasts", V, "gamma", gamma=gamma[:1])
    bad("batchnorm_forward", "shape", "gamma-transposed", V, "gamma", gamma=gamma.T, match="gamma has shape")
    bad("batchnorm_forward", "0-d/empty", "gamma-flat", V, "gamma", gamma=gamma[:, 0])
    bad("batchnorm_forward", "nan-array", "Z-nan", V, "Z", Z=perturb(bnZ, "nan"))
    bad("batchnorm_forward", "mixed", "beta-float32", T, "beta", beta=beta.astype(f32))
    bad("batchnorm_forward", "mixed", "gamma-float32", T, "gamma", gamma=gamma.astype(f32), match="mixed dtypes")
    bad("batchnorm_forward", "subclass", "Z-matrix", T, "Z", Z=_matrix(bnZ))
    bad("batchnorm_forward", "0-d/empty", "m=0", V, "Z", Z=bnZ[:, :0])
    bad("batchnorm_forward", "degenerate", "epsilon-0", V, "epsilon", epsilon=0.0, match="epsilon")
    bad("batchnorm_forward", "bool", "epsilon-True", T, "epsilon", epsilon=True)
    bad("batchnorm_backward", "container", "cache-None", T, "cache", cache=None)
    bad("batchnorm_backward", "container", "cache-list", T, "cache", cache=list(d["bn_cache"]))
    bad("batchnorm_backward", "shape", "dZ_tilde-row-broadcasts", V, "dZ_tilde", dZ_tilde=d["Z5"][:1])
    bad("batchnorm_backward", "nan-array", "dZ_tilde-inf", V, "dZ_tilde", dZ_tilde=perturb(d["Z5"], "inf"))
    bad("update_running_averages", "degenerate", "momentum-0", V, "momentum", momentum=0.0, match="momentum")
    bad("update_running_averages", "nan-hyper", "momentum-nan", V, "momentum", momentum=np.nan)
    bad("update_running_averages", "bool", "momentum-True", T, "momentum", momentum=True)
    bad("update_running_averages", "type", "unbiased-str", T, "unbiased", unbiased="yes")
    bad("update_running_averages", "shape", "running_mean-broadcasts", V, "running_mean", running_mean=d["rm"][:1])
    one_example = nn.batchnorm_forward(bnZ[:, :1], gamma, beta)[1]
    bad("update_running_averages", "0-d/empty", "unbiased-m=1", V, "unbiased", cache=one_example, unbiased=True,
        match="m >= 2")
    bad("batchnorm_inference", "degenerate", "running_var-negative", V, "running_var", running_var=-d["rv"],
        match="running_var must be >= 0")
    bad("batchnorm_inference", "shape", "running_mean-row", V, "running_mean", running_mean=d["rm"].T)
    bad("batchnorm_inference", "nan-array", "Z-nan", V, "Z", Z=perturb(bnZ, "nan"))
    bad("batchnorm_layers", "container", "int-keys", T, "parameters", parameters={1: W})
    bad("initialize_bn_parameters", "rng", "None", T, "rng", rng=None)
    bad("initialize_bn_parameters", "degenerate", "layer_dims-zero", V, "layer_dims", layer_dims=[3, 0, 1])
    bad("initialize_bn_parameters", "degenerate", "batchnorm-layer-0", V, "batchnorm", batchnorm=[0],
        match="batchnorm must list layer numbers")
    bad("initialize_running_averages", "container", "list", T, "parameters", parameters=[W])
    bad("bn_model_forward", "shape", "X-transposed", V, "X", X=X.T)
    bad("bn_model_forward", "nan-array", "X-nan", V, "X", X=perturb(X, "nan"))
    bad("bn_model_forward", "degenerate", "epsilon-0", V, "epsilon", epsilon=0.0)
    P_bn = d["P_bn"]
    bad("bn_model_forward", "container", "b1-and-gamma1", V, "b1", parameters=_entry(P_bn, b1=b),
        match="has b1 and gamma1")
    bad("bn_model_forward", "container", "missing-beta1", V, "parameters", parameters=_without(P_bn, "beta1"),
        match="missing")
    bad_at("bn_model_forward", "shape", "gamma1-transposed", V, "gamma1", "parameters/gamma1", gamma.T,
           match="gamma1 has shape")
    bad_at("bn_model_forward", "mixed", "beta1-float32", T, "beta1", "parameters/beta1", beta.astype(f32),
           match="mixed dtypes")
    bad("bn_model_forward", "container", "running-missing-var1", V, "running", running={"mean1": d["rm"]},
        match="running must have keys")
    bad("bn_model_backward", "container", "caches-None", T, "caches", caches=None)
    bad("bn_model_backward", "degenerate", "Y-2", V, "Y", Y=Y * 2)
    bad("bn_model_backward", "container", "caches-of-test-time", V, "caches",
        caches=nn.bn_model_forward(X, P_bn, running=nn.initialize_running_averages(P_bn))[1],
        match="no backward at test time")
    bad("bn_model_backward", "container", "caches-not-BNLayerCache", T, "caches", caches=[((X, W, None), X)],
        match="BNLayerCache")
    bad("update_model_running_averages", "degenerate", "momentum-0", V, "momentum", momentum=0.0)
    bad("update_model_running_averages", "container", "caches-None", T, "caches", caches=None)


def _build_batchnorm_optimizers() -> None:
    """Cases found by mutmut's survivors in batchnorm.py, bn_model.py and optimizers.py: each check
    reached at least once with the argument's own name first in the message (the hint after it may
    name the argument too), every array of a dtype check in the float32 minority once, the boundaries
    of each range."""
    d = _data(np.float64)
    X, Y, W, b, G = d["X"], d["Y"], d["P"]["W1"], d["P"]["b1"], d["G"]
    bnZ, gamma, beta, rm, rv, P_bn = d["bn_Z"], d["gamma"], d["beta"], d["rm"], d["rv"], d["P_bn"]
    f32 = np.float32
    T, V = TypeError, ValueError
    column = r"is a column \(n\[l\], 1\), one value per unit"

    # ---------------------------------------------------------------- batchnorm.py
    bad("batchnorm_forward", "nan-array", "gamma-nan", V, "gamma", gamma=perturb(gamma, "nan"))
    bad("batchnorm_forward", "shape", "beta-transposed", V, "beta", beta=beta.T,
        match=f"^beta has shape.*beta {column}")
    bad("batchnorm_forward", "mixed", "Z-float32", T, "Z", Z=bnZ.astype(f32), match="mixed dtypes")
    bad("batchnorm_backward", "shape", "dZ_tilde-transposed", V, "dZ_tilde", dZ_tilde=d["Z5"].T,
        match="^dZ_tilde has shape")
    bad("batchnorm_backward", "mixed", "dZ_tilde-float32", T, "dZ_tilde", dZ_tilde=d["Z5"].astype(f32))
    bad("update_running_averages", "container", "cache-list", T, "cache", cache=list(d["bn_cache"]))
    bad("update_running_averages", "container", "cache-short", T, "cache", cache=d["bn_cache"][:5])
    bad("update_running_averages", "nan-array", "running_var-nan", V, "running_var", running_var=perturb(rv, "nan"))
    bad("update_running_averages", "mixed", "running_mean-float32", T, "running_mean", running_mean=rm.astype(f32))
    bad("update_running_averages", "mixed", "running_var-float32", T, "running_var", running_var=rv.astype(f32))
    cache32 = nn.batchnorm_forward(bnZ.astype(f32), gamma.astype(f32), beta.astype(f32))[1]
    bad("update_running_averages", "mixed", "cache-float32", T, "Z", cache=cache32, match="Z is float32")
    bad("update_running_averages", "degenerate", "momentum-above-1", V, "momentum", momentum=1.5)
    bad("update_running_averages", "type", "unbiased-int", T, "unbiased", unbiased=1, match="got int")
    inference = "batchnorm_inference"
    bad(inference, "0-d/empty", "m=0", V, "Z", Z=bnZ[:, :0], match="m = 0")
    bad(inference, "nan-array", "gamma-nan", V, "gamma", gamma=perturb(gamma, "nan"))
    bad(inference, "shape", "beta-transposed", V, "beta", beta=beta.T)
    bad(inference, "nan-array", "running_var-inf", V, "running_var", running_var=perturb(rv, "inf"))
    for name in ("Z", "gamma", "beta", "running_mean", "running_var"):
        x = RIGHT[inference].value(name)
        bad(inference, "mixed", f"{name}-float32", T, name, match=f"{name} is float32", **{name: x.astype(f32)})

    # ---------------------------------------------------------------- bn_model.py
    layers = "batchnorm_layers"
    bad(layers, "container", "list", T, "parameters", parameters=[W], match="got list")
    bad(layers, "container", "no-W", V, "parameters", parameters={"b1": b}, match=r"has no W1; got \['b1'\]")
    bad(layers, "container", "gamma1-without-beta1", V, "parameters", parameters=_without(P_bn, "beta1"),
        match=r"missing \['beta1'\], unexpected \[\]")
    bad_at(layers, "nan-array", "W2-nan", V, "W2", "parameters/W2", perturb(P_bn["W2"], "nan"))
    bad_at(layers, "shape", "W2-does-not-chain", V, "W2", "parameters/W2", P_bn["W2"][:, :3],
           match=r"W2 has shape \(1, 3\) but W1 has 4 rows")
    bad_at(layers, "nan-array", "gamma1-inf", V, "gamma1", "parameters/gamma1", perturb(gamma, "inf"))
    bad_at(layers, "shape", "beta1-transposed", V, "beta1", "parameters/beta1", beta.T,
           match=r"beta1 is a column \(n\[1\], 1\)")
    bad("initialize_bn_parameters", "bool", "batchnorm-True", V, "batchnorm", batchnorm=[True])
    bad("initialize_bn_parameters", "degenerate", "batchnorm-twice", V, "batchnorm", batchnorm=[1, 1],
        match="each layer once")
    bad("initialize_bn_parameters", "type", "batchnorm-int", T, "batchnorm", batchnorm=1)
    forward = "bn_model_forward"
    bad(forward, "0-d/empty", "m=0", V, "X", X=X[:, :0], match="^X has m = 0")
    bad(forward, "shape", "X-rows", V, "X", X=X[:2], match="^X has shape")
    bad(forward, "mixed", "X-float32", T, "X", X=X.astype(f32), match="mixed dtypes")
    running = nn.initialize_running_averages(P_bn)
    bad(forward, "container", "running-list", T, "running", running=list(running.values()), match="got list")
    bad_at(forward, "nan-array", "running-var1-nan", V, "running", "running", _entry(running, var1=perturb(rv, "nan")),
           match=r"running\['var1'\] contains")
    bad_at(forward, "shape", "running-mean1-transposed", V, "running", "running", _entry(running, mean1=rm.T),
           match=r"running\['mean1'\] has shape")
    backward = "bn_model_backward"
    bad(backward, "container", "caches-empty", T, "caches", caches=[])
    bad(backward, "nan-array", "AL-nan", V, "AL", AL=perturb(d["AL_bn"], "nan"))
    # the arrays are checked before the flags: the NaN is what the message names
    bad(backward, "nan-array", "AL-nan-and-return_dZ-str", V, "AL", AL=perturb(d["AL_bn"], "nan"), return_dZ="yes")
    bad(backward, "shape", "AL-short", V, "AL", AL=d["AL_bn"][:, :4], match="^AL has shape")
    bad(backward, "type", "return_dZ-str", T, "return_dZ", return_dZ="yes", match="got str")
    averages = "update_model_running_averages"
    bad(averages, "container", "running-list", T, "running", running=list(running.values()), match="got list")
    bad(averages, "container", "running-missing-var1", V, "running", running=_without(running, "var1"),
        match=r"keys \['mean1', 'var1'\] \(the BN layers'\), got \['mean1'\]")

    # ---------------------------------------------------------------- optimizers.py
    legacy = {"seed": None, "rng": np.random.RandomState(4)}  # a rejected call draws nothing from it
    batches = "random_mini_batches"
    bad(batches, "list", "Y-list-named", T, "Y", Y=Y.tolist(), match="got list", **legacy)
    bad(batches, "0-d/empty", "Y-1-D", V, "Y", Y=Y[0], match="Y must be 2-D", **legacy)
    bad(batches, "dtype", "Y-complex", T, "Y", Y=Y.astype(complex), match="Y has dtype complex128", **legacy)
    bad(batches, "0-d/empty", "m=0", V, "X", X=X[:, :0], Y=Y[:, :0], match="^X has m = 0", **legacy)
    bad(batches, "bool", "seed-True", T, "seed", seed=True)
    bad(batches, "type", "seed-float", T, "seed", seed=2.0)
    momentum = "update_parameters_with_momentum"
    bad(momentum, "container", "grads-list", T, "grads", grads=list(G.values()), match="got list")
    bad_at(momentum, "shape", "dW1-transposed-why", V, "grads", "grads/dW1", G["dW1"].T, match="dW1 has W1's shape")
    bad_at(momentum, "mixed", "dW2-float32-and-W2", T, "grads", "grads/dW2", G["dW2"].astype(f32),
           match=r"grads\['dW2'\] is float32, W2 is float64")
    interval = r"must lie in \(0\.0, inf\)"  # the bounds as the message writes them: open at both ends
    bad(momentum, "degenerate", "learning_rate-negative", V, "learning_rate", learning_rate=-0.1,
        match=f"^learning_rate {interval}")
    for fname in ("update_parameters_with_rmsprop", "update_parameters_with_adam"):
        bad(fname, "degenerate", "epsilon-negative", V, "epsilon", epsilon=-1e-8, match=f"^epsilon {interval}")
    for fname in ("update_lr", "schedule_lr_decay"):
        bad(fname, "degenerate", "learning_rate0-negative", V, "learning_rate0", learning_rate0=-0.1,
            match=f"^learning_rate0 {interval}")
        bad(fname, "degenerate", "decay-negative-bounds", V, "decay_rate", decay_rate=-0.5,
            match=r"^decay_rate must lie in \[0\.0, inf\)")
    bad("schedule_lr_decay", "bool", "time_interval-True", T, "time_interval", time_interval=True)
    bad("schedule_lr_decay", "type", "time_interval-float", T, "time_interval", time_interval=2.0)
    optim = "train_with_optimizer"
    bad(optim, "degenerate", "seed-negative", T, "seed", seed=-1)
    bad(optim, "type", "seed-float", T, "seed", seed=2.0)
    bad(optim, "bool", "seed-True", T, "seed", seed=True)
    bad(optim, "bool", "mini_batch_size-True", T, "mini_batch_size", mini_batch_size=True)
    bad(optim, "type", "mini_batch_size-float", T, "mini_batch_size", mini_batch_size=2.0)
    # zero epochs: no update step would see these, the call's own checks must
    for name in ("beta1", "beta2"):
        bad(optim, "degenerate", f"zero-epochs-{name}-1", V, name, num_epochs=0, match=f"^{name} must lie",
            **{name: 1.0})
    bad(optim, "degenerate", "zero-epochs-epsilon-0", V, "epsilon", num_epochs=0, epsilon=0.0,
        match=f"^epsilon {interval}")


def _build_gradient_check_logistic_metrics() -> None:
    """Cases found by mutmut's survivors in gradient_check.py, logistic.py, logit_costs.py,
    metrics.py and parity.py."""
    d = _data(np.float64)
    X, AL, G, W, w, theta, layout = d["X"], d["AL"], d["G"], d["P"]["W1"], d["w"], d["theta"], d["layout"]
    T, V = TypeError, ValueError

    # ---------------------------------------------------------------- gradient checking
    # a message reports the wrong argument's own type (a None case cannot tell it from type(None))
    bad("vector_to_dictionary", "container", "layout-dict", T, "layout", layout=dict(layout), match="got dict")
    bad("gradients_to_vector", "container", "grads-list", T, "grads", grads=list(G.values()), match="got list")
    bad("centered_difference", "list", "theta-tuple", T, "theta", theta=(1.0, 2.0), match="got tuple")
    bad("centered_difference", "type", "J-str", T, "J", J="cost", match="got str")
    bad("relative_difference", "list", "gradapprox-tuple", T, "gradapprox", gradapprox=(1.0, 2.0), match="got tuple")
    bad("relative_difference", "mixed", "gradapprox-float32", T, "gradapprox", gradapprox=W.astype(np.float32),
        match="mixed dtypes")
    # the entry count of a layout is exact: an int64 product of (2**32, 2**32) wraps to 0
    bad("vector_to_dictionary", "shape", "layout-overflows-int64", V, "theta",
        layout=[("W1", (2**32, 2**32)), ("b1", (theta.shape[0], 1))], match=f"the layout {2**64 + theta.shape[0]}")

    # ---------------------------------------------------------------- logistic regression
    for fname in ("lr_forward", "propagate", "lr_forward_theta", "lr_backward"):
        bad(fname, "nan-array", "X-nan", V, "X", X=perturb(X, "nan", 4))
    for fname in ("lr_forward_theta", "lr_backward"):
        bad(fname, "0-d/empty", "m=0", V, "X", X=X[:, :0], match="X has m = 0")
    bad("lr_forward", "shape", "w-short", V, "w", w=w[:2], match=r"\(n_x, 1\) = \(3, 1\)")
    bad("lr_forward", "shape", "b-vector", V, "b", b=np.zeros(2), match=r"got shape \(2,\)")
    bad("lr_forward_theta", "shape", "theta-long", V, "theta", theta=theta[:5], match=r"\(n_x \+ 1, 1\) = \(4, 1\)")
    bad("lr_backward", "shape", "A-long", V, "A", A=np.hstack([AL, AL[:, :1]]), match=r"^A has shape \(1, 6\)")

    # ---------------------------------------------------------------- metrics
    bad("confusion_counts", "type", "positive-float64", T, "positive", positive=np.float64(1.0), match=r"got float64\b")
    bad("precision_recall_f1", "type", "labels-set", T, "labels", average="macro", labels={0, 1}, match="got set")
    labels, integers = d["labels"], r"expected integer \(or bool\) labels"
    bad("accuracy", "list", "y_pred-list", T, "y_pred", y_pred=d["pred"].tolist(), match="got list")
    # only whole finite floats are told to convert explicitly; other dtypes are not labels at all
    bad("accuracy", "dtype", "y_true-halves", T, "y_true", y_true=labels + 0.5, match=integers)
    bad("accuracy", "dtype", "y_true-inf", T, "y_true", y_true=np.where(labels == 1, np.inf, 0.0), match=integers)
    bad("accuracy", "dtype", "y_true-complex", T, "y_true", y_true=labels.astype(np.complex128), match=integers)
    bad("accuracy", "shape", "y_true-3-D", V, "y_true", y_true=labels[None, None, :], match=r"\(m,\) or \(1, m\)")

    # ---------------------------------------------------------------- parity networks
    bad("parity_inputs", "degenerate", "n-negative", V, "n", n=-1, match=r"^n must be an integer >= 1 \(the number of")
    bad("parity_labels", "nan-array", "X-inf", V, "X", X=perturb(d["bits"], "inf", 5), match="non-finite")



def _softmax_network(P: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """P with a 3-unit output layer (W2 (3, 4), b2 (3, 1)): a softmax network for the 3-class labels Ys."""
    return {**P, "W2": np.vstack([P["W2"], -P["W2"], 0.5 * P["W2"]]), "b2": np.vstack([P["b2"]] * 3)}


def _build_core_modules() -> None:
    """Cases found by mutmut's survivors in activations.py, layers.py, dropout.py, regularization.py and
    training.py: checks that no other case reached, and what a message reports (the wrong value's own
    type, the expected shape, both dtypes of a mixed pair, which function's cache was expected)."""
    d = _data(np.float64)
    X, P, AL, caches, D, Z5 = d["X"], d["P"], d["AL"], d["caches"], d["D"], d["Z5"]
    W, Z1 = P["W1"], caches[0][1]
    T, V = TypeError, ValueError

    # ---------------------------------------------------------------- activations
    bad("softmax_backward", "0-d/empty", "0-d", V, "Z", dA=np.array(1.0), Z=np.array(1.0), match="Z must be 2-D")
    bad("softmax_backward", "0-d/empty", "no-class", V, "Z", dA=np.zeros((0, 5)), Z=np.zeros((0, 5)),
        match="at least one class")

    # ---------------------------------------------------------------- one layer
    bad("linear_backward", "container", "cache-array", T, "cache", cache=X,
        match="returned by linear_forward: .* got ndarray$")
    bad("linear_backward", "shape", "dZ-short-expected-shape", V, "dZ", dZ=Z5[:3],
        match=r"Z = W A_prev \+ b is \(4, 5\)")
    bad("linear_backward", "mixed", "dZ-float32-names-W", T, "dZ", dZ=Z5.astype(np.float32),
        match=r"dZ is float32, W is float64")
    for name in ("W", "b"):  # the third array's dtype: A_prev and the other one agree
        bad("linear_forward", "mixed", f"{name}-float32", T, name, match=f"{name} is float32",
            **{name: P[f"{name}1"].astype(np.float32)})
    bad("linear_forward", "shape", "b-short-expected-column", V, "b", b=P["b1"][:3], match=r"\(n\[l\], 1\) = \(4, 1\)")
    bad("linear_activation_backward", "container", "cache-array", T, "cache", cache=X,
        match="returned by linear_activation_forward: .* got ndarray$")
    bad("linear_activation_backward", "container", "linear-cache-None", T, "cache", cache=(None, Z1),
        match="returned by linear_forward: .* got NoneType$")
    bad("linear_activation_backward", "container", "linear-cache-short", T, "cache", cache=((X, W), Z1),
        match="its first entry has 3 arrays")

    # ---------------------------------------------------------------- dropout
    bad("dropout_mask", "degenerate", "keep_prob-1e-50-float32", V, "keep_prob", keep_prob=1e-50, dtype=np.float32,
        match="machine epsilon")
    bad("dropout_backward", "list", "D-tuple", T, "D", D=tuple(D[0]), match="got tuple$")
    not_a_mask = D.copy()
    not_a_mask[0, 0], not_a_mask[2, 3] = 0.0, 2.0  # the first entry that is neither 0 nor 1 is reported
    bad("dropout_backward", "degenerate", "D-entry-2", V, "D", D=not_a_mask, match="found 2.0")

    # ---------------------------------------------------------------- regularization
    bad("l2_regularization_cost", "type", "m-float64", T, "m", m=np.float64(5.0), match=r"got float64\b")
    for fname in ("compute_cost_with_regularization", "compute_cost_with_elastic_net"):
        bad(fname, "nan-array", "AL-nan", V, "AL", AL=perturb(AL, "nan", 2), match="AL contains 1 non-finite")

    # ---------------------------------------------------------------- training loops
    for fname in ("train", "train_with_early_stopping"):
        bad(fname, "degenerate", "keep_prob-below-float64-eps", V, "keep_prob", keep_prob=1e-20,
            rng=np.random.default_rng(4), match="machine epsilon")

    # ---------------------------------------------------------------- the L-layer model
    (A0, W1, b1), Z1 = caches[0]
    (A1, W2, b2), Z2 = caches[1]
    # which cache, which array: every message names caches[l-1] and the array
    for name, cache0 in (("A_prev", ((perturb(A0, "nan"), W1, b1), Z1)), ("W", ((A0, perturb(W1, "nan"), b1), Z1)),
                         ("b", ((A0, W1, perturb(b1, "inf")), Z1))):
        bad("model_backward", "nan-array", f"caches[0]-{name}-nan-named", V, "caches", caches=[cache0, caches[1]],
            match=rf"^caches\[0\]'s {name} contains")
    bad("model_backward", "nan-array", "caches[1]-Z-nan-named", V, "caches",
        caches=[caches[0], ((A1, W2, b2), perturb(Z2, "nan"))], match=r"^caches\[1\]'s Z contains")
    bad("model_backward", "mixed", "caches[1]-b-float32-named", T, "caches",
        caches=[caches[0], ((A1, W2, b2.astype(np.float32)), Z2)],
        match=r"caches\[1\]'s A_prev is float64, caches\[1\]'s W is float64, caches\[1\]'s b is float32, "
              r"caches\[1\]'s Z is float64\)")
    bad("model_backward", "shape", "caches[1]-Z-transposed-only", V, "caches", caches=[caches[0], ((A1, W2, b2), Z2.T)],
        match=r"^caches\[1\]: .* are not one layer's Z = W A_prev \+ b")
    bad("model_backward", "container", "caches-reversed-shapes", V, "caches", caches=caches[::-1],
        match=r"caches\[1\]'s A_prev has shape \(3, 5\) but caches\[0\]'s Z has \(1, 5\)")
    bad("model_backward", "container", "caches-str", T, "caches", caches="caches", match="got str$")
    bad("model_backward", "container", "cache-list-not-tuple", T, "caches", caches=[list(caches[0]), caches[1]],
        match="must be layer 1's cache .* got list$")
    bad("model_backward", "container", "cache-b-None", T, "caches", caches=[((A0, W1, None), Z1), caches[1]],
        match=r"must be layer 1's cache .* got a tuple of \(tuple, ndarray\)$")
    bad("model_backward", "container", "cache-Z-None", T, "caches", caches=[((A0, W1, b1), None), caches[1]],
        match=r"must be layer 1's cache .* got a tuple of \(tuple, NoneType\)$")
    AL_dropout, caches_dropout = nn.model_forward(X, P, keep_prob=0.8, rng=np.random.default_rng(12))
    bad("model_backward", "degenerate", "masks-at-keep_prob-1-named", V, "keep_prob", AL=AL_dropout,
        caches=caches_dropout, match=r"but keep_prob = 1: pass model_backward the keep_prob")
    G = d["G"]
    bad("update_parameters", "container", "grads-tuple", T, "grads", grads=tuple(G.values()), match="got tuple$")
    bad_at("update_parameters", "shape", "dW1-transposed-named", V, "dW1", "grads/dW1", G["dW1"].T,
           match=r"\(dW1 has W1's shape\)$")
    bad_at("update_parameters", "mixed", "dW1-float32-named", T, "dW1", "grads/dW1", G["dW1"].astype(np.float32),
           match=r"dW1 is float32, W1 is float64")
    bad("train", "degenerate", "softmax-Y-out-of-range", V, "Y", X=X, Y=2 * d["Ys"], parameters=_softmax_network(P),
        output_activation="softmax", match=r"Y must lie in \[0, 1\]")
    bad("train", "rng", "dropout-without-rng-named", T, "rng", keep_prob=0.5, rng=None,
        match=r"^keep_prob = 0.5 < 1 needs rng")
    bad("train", "rng", "unused-seed-named", T, "rng", keep_prob=1.0, rng=7, match=r"^the training loop needs rng")
    bad("dropout_mask", "rng", "str-named", T, "rng", rng="seed", match=r"got str\. scratch_nn never")

    # ---------------------------------------------------------------- initialization
    bad("init_std", "type", "n_out-str", T, "n_out", n_out="4", match="got str '4'")
    bad("initialize_parameters", "type", "layer_dims-set", T, "layer_dims", layer_dims={3, 4, 1}, match="got set")
    bad("initialize_parameters", "type", "layer_dims-str-entry", T, "layer_dims", layer_dims=[3, "4", 1],
        match=r"two positive integers \[n\[0\], \.\.\., n\[L\]\] .*: layer_dims\[1\] is str '4'")
    bad("initialize_parameters", "rng", "None-names-the-method", T, "rng", method="xavier", rng=None,
        match="^method 'xavier' needs rng")

    # ---------------------------------------------------------------- one-hot
    bad("one_hot", "type", "num_classes-str", T, "num_classes", num_classes="2", match="got str '2'")
    bad("one_hot", "0-d/empty", "empty-float-labels", T, "labels", labels=np.array([]), match="integers")
    bad("one_hot", "degenerate", "num_classes-0", V, "num_classes", num_classes=0, match="out of range")

def _build_checks_messages() -> None:
    """Cases found by mutmut's survivors in _checks.py and model.check_x: what a label, parameter or X
    message must report (the wrong value's type, the one bad label, the empty layer, the expected b shape,
    both dtypes of a mixed pair)."""
    d = _data(np.float64)
    X, P, Y = d["X"], d["P"], d["Y"]
    T, V = TypeError, ValueError
    one_bad = Y.copy()
    one_bad[0, 3] = 2.0  # one label outside {0, 1}, after valid ones: the message quotes it
    bad("compute_cost", "degenerate", "Y-one-label-2", V, "Y", Y=one_bad, match=r"found 2\.0$")
    bad("compute_cost", "list", "Y-list-named", T, "Y", Y=Y.tolist(), match="Y must be a numpy.ndarray, got list$")
    bad("model_forward", "container", "parameters-list-named", T, "parameters", parameters=list(P.values()),
        match=r"parameters must be a dict W1, b1, \.\.\., got list$")
    bad("model_forward", "container", "parameters-int-key-named", T, "parameters",
        parameters={1: P["W1"], "b1": P["b1"], "W2": P["W2"], "b2": P["b2"]}, match="got int key 1$")
    empty = {"W1": np.zeros((0, 3)), "b1": np.zeros((0, 1)), "W2": np.zeros((1, 0)), "b2": np.zeros((1, 1))}
    bad("model_forward", "0-d/empty", "parameters-empty-layer", V, "W1", parameters=empty,
        match=r"^W1 has shape \(0, 3\): every layer has at least one unit and one input$")
    bad("model_forward", "shape", "b1-row-named", V, "b1", parameters={**P, "b1": P["b1"].T},
        match=r"b1 is a column \(n\[1\], 1\) = \(4, 1\)$")
    bad("model_forward", "shape", "W2-does-not-chain-named", V, "W2", parameters={**P, "W2": np.ones((1, 3))},
        match=r"^W2 has shape \(1, 3\) but W1 has 4 rows: W2 must be \(n\[2\], n\[1\]\) = \(1, 4\)$")
    bad("model_forward", "mixed", "X-float32-named", T, "X", X=X.astype(np.float32),
        match="X is float32, W1 is float64")


_build()
_build_batchnorm_optimizers()
_build_gradient_check_logistic_metrics()
_build_core_modules()
_build_checks_messages()
