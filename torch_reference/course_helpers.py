"""The checker's own versions of the helper modules the course ships beside its assignments.

A student's notebook says ``from dnn_utils_v2 import sigmoid, relu_backward`` or ``from
reg_utils import compute_cost``; when that file is not beside the notebook, the loader
(:mod:`torch_reference.loader`) binds these instead, so that the student's functions that
call them can run. They are written here from the course's documented behaviour (the
course's files are not copied), and they are never what is checked: a function from a
helper is the course's, not the student's.

* ``dnn_utils``/``dnn_utils_v2``: ``sigmoid(Z) -> (A, Z)``, ``relu``, and the backward
  helpers ``sigmoid_backward(dA, Z)``, ``relu_backward(dA, Z)``;
* ``dnn_app_utils_v2``/``_v3``: those, plus the step-by-step functions the application
  imports (its deep initializer draws ``randn / sqrt(n[l-1])`` from ``np.random.seed(1)``);
* ``reg_utils``, ``init_utils``: the 3-layer LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID
  network with its cache tuple ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``;
* ``gc_utils``: ``dictionary_to_vector``, ``vector_to_dictionary``, ``gradients_to_vector``;
* ``planar_utils``, ``lr_utils``: plain ``sigmoid``; data loaders and plots are unavailable;
* ``testCases*``, ``public_tests``, ``test_utils``: nothing (their tests are not run).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numpy as np


def _unavailable(name: str) -> Callable[..., Any]:
    def missing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{name} is the course's data or plotting helper; the checker does not provide it")

    missing.__name__ = name
    return missing


# ------------------------------------------------------------------ dnn_utils
def sigmoid_pair(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return 1 / (1 + np.exp(-Z)), Z


def relu_pair(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.maximum(0, Z), Z


def relu_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    dZ = np.array(dA, copy=True)
    dZ[cache <= 0] = 0
    return dZ


def sigmoid_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    s = 1 / (1 + np.exp(-cache))
    return dA * s * (1 - s)


# ------------------------------------------------------------------ the step-by-step functions
def initialize_parameters_2(n_x: int, n_h: int, n_y: int) -> dict[str, np.ndarray]:
    np.random.seed(1)
    return {
        "W1": np.random.randn(n_h, n_x) * 0.01,
        "b1": np.zeros((n_h, 1)),
        "W2": np.random.randn(n_y, n_h) * 0.01,
        "b2": np.zeros((n_y, 1)),
    }


def _seeded_deep_initializer(layer_dims: list[int], seed: int) -> dict[str, np.ndarray]:
    """The course's deep initializers: ``np.random.seed(seed)``, then per layer
    ``W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1])`` and ``b[l] = 0``."""
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters


def initialize_parameters_deep(layer_dims: list[int]) -> dict[str, np.ndarray]:
    return _seeded_deep_initializer(layer_dims, 1)


def linear_forward(A: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    return W @ A + b, (A, W, b)


def linear_activation_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str) -> tuple:
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = (sigmoid_pair if activation == "sigmoid" else relu_pair)(Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X: np.ndarray, parameters: dict[str, np.ndarray]) -> tuple[np.ndarray, list]:
    caches, A, L = [], X, len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    m = Y.shape[1]
    return float(np.squeeze(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m))


def linear_backward(dZ: np.ndarray, cache: tuple) -> tuple:
    A_prev, W, _b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m


def linear_activation_backward(dA: np.ndarray, cache: tuple, activation: str) -> tuple:
    linear_cache, activation_cache = cache
    dZ = (sigmoid_backward if activation == "sigmoid" else relu_backward)(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL: np.ndarray, Y: np.ndarray, caches: list) -> dict[str, np.ndarray]:
    grads, L = {}, len(caches)
    Y = Y.reshape(AL.shape)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    for l in range(L, 0, -1):
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            dA, caches[l - 1], "sigmoid" if l == L else "relu"
        )
        grads[f"dA{l - 1}"] = dA
    return grads


def update_parameters(parameters: dict, grads: dict, learning_rate: float) -> dict:
    parameters = dict(parameters)
    for l in range(1, len(parameters) // 2 + 1):
        parameters[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        parameters[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return parameters


def predict_deep(X: np.ndarray, y: np.ndarray, parameters: dict) -> np.ndarray:
    probas, _ = L_model_forward(X, parameters)
    return (probas > 0.5).astype(float)


# ------------------------------------------------------------------ reg_utils, init_utils, gc_utils
def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(0, x)


def initialize_parameters_3(layer_dims: list[int]) -> dict[str, np.ndarray]:
    return _seeded_deep_initializer(layer_dims, 3)


def forward_propagation_3(X: np.ndarray, parameters: dict) -> tuple[np.ndarray, tuple]:
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    z1 = W1 @ X + b1
    a1 = relu(z1)
    z2 = W2 @ a1 + b2
    a2 = relu(z2)
    z3 = W3 @ a2 + b3
    a3 = sigmoid(z3)
    return a3, (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)


def backward_propagation_3(X: np.ndarray, Y: np.ndarray, cache: tuple) -> dict[str, np.ndarray]:
    m = X.shape[1]
    _z1, a1, _W1, _b1, _z2, a2, W2, _b2, _z3, a3, W3, _b3 = cache
    dz3 = (a3 - Y) / m  # the helpers fold 1/m into dz
    da2 = W3.T @ dz3
    dz2 = da2 * (a2 > 0)
    da1 = W2.T @ dz2
    dz1 = da1 * (a1 > 0)
    return {
        "dz3": dz3,
        "dW3": dz3 @ a2.T,
        "db3": dz3.sum(axis=1, keepdims=True),
        "da2": da2,
        "dz2": dz2,
        "dW2": dz2 @ a1.T,
        "db2": dz2.sum(axis=1, keepdims=True),
        "da1": da1,
        "dz1": dz1,
        "dW1": dz1 @ X.T,
        "db1": dz1.sum(axis=1, keepdims=True),
    }


def compute_cost_3(a3: np.ndarray, Y: np.ndarray) -> float:
    m = Y.shape[1]
    logprobs = -np.log(a3) * Y - np.log(1 - a3) * (1 - Y)
    return float(np.nansum(logprobs) / m)


def predict_3(X: np.ndarray, y: np.ndarray, parameters: dict) -> np.ndarray:
    a3, _ = forward_propagation_3(X, parameters)
    return (a3 > 0.5).astype(int)


GC_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")
GC_SHAPES = ((5, 4), (5, 1), (3, 5), (3, 1), (1, 3), (1, 1))


def dictionary_to_vector(parameters: dict) -> tuple[np.ndarray, list[str]]:
    theta = np.concatenate([np.reshape(parameters[k], (-1, 1)) for k in GC_KEYS], axis=0)
    keys = [k for k in GC_KEYS for _ in range(parameters[k].size)]
    return theta, keys


def vector_to_dictionary(theta: np.ndarray) -> dict[str, np.ndarray]:
    parameters, start = {}, 0
    for key, shape in zip(GC_KEYS, GC_SHAPES, strict=True):
        size = shape[0] * shape[1]
        parameters[key] = theta[start : start + size].reshape(shape)
        start += size
    return parameters


def gradients_to_vector(gradients: dict) -> np.ndarray:
    return np.concatenate([np.reshape(gradients["d" + k], (-1, 1)) for k in GC_KEYS], axis=0)


# ------------------------------------------------------------------ logistic regression's graded functions
def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    return np.zeros((dim, 1)), 0.0


def propagate(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray) -> tuple[dict, float]:
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    cost = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    return {"dw": X @ (A - Y).T / m, "db": float(np.sum(A - Y) / m)}, cost


def optimize(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray, num_iterations: int = 100,
             learning_rate: float = 0.009, print_cost: bool = False) -> tuple[dict, dict, list]:  # fmt: skip
    costs, grads = [], {}
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w, b = w - learning_rate * grads["dw"], b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


#: graded functions whose name means one thing across the course: a one-function file cut from a
#: notebook that calls one of them without defining it gets the checker's (see loader.py)
GRADED = {
    "linear_forward": linear_forward,
    "linear_activation_forward": linear_activation_forward,
    "linear_backward": linear_backward,
    "linear_activation_backward": linear_activation_backward,
    "L_model_forward": L_model_forward,
    "L_model_backward": L_model_backward,
    "initialize_parameters_deep": initialize_parameters_deep,
    "initialize_with_zeros": initialize_with_zeros,
    "propagate": propagate,
    "optimize": optimize,
}


# ------------------------------------------------------------------ the modules
_DNN_UTILS = {
    "sigmoid": sigmoid_pair,
    "relu": relu_pair,
    "sigmoid_backward": sigmoid_backward,
    "relu_backward": relu_backward,
}
_APP_UTILS = {
    **_DNN_UTILS,
    "initialize_parameters": initialize_parameters_2,
    "initialize_parameters_deep": initialize_parameters_deep,
    "linear_forward": linear_forward,
    "linear_activation_forward": linear_activation_forward,
    "L_model_forward": L_model_forward,
    "compute_cost": compute_cost,
    "linear_backward": linear_backward,
    "linear_activation_backward": linear_activation_backward,
    "L_model_backward": L_model_backward,
    "update_parameters": update_parameters,
    "predict": predict_deep,
    "load_data": _unavailable("load_data"),
    "print_mislabeled_images": _unavailable("print_mislabeled_images"),
}
_THREE_LAYER = {
    "sigmoid": sigmoid,
    "relu": relu,
    "initialize_parameters": initialize_parameters_3,
    "forward_propagation": forward_propagation_3,
    "backward_propagation": backward_propagation_3,
    "update_parameters": update_parameters,
    "predict": predict_3,
    "predict_dec": lambda parameters, X: forward_propagation_3(X, parameters)[0] > 0.5,
    "plot_decision_boundary": _unavailable("plot_decision_boundary"),
}
_MODULES: dict[str, dict[str, Any]] = {
    "dnn_utils": _DNN_UTILS,
    "dnn_utils_v2": _DNN_UTILS,
    "dnn_app_utils": _APP_UTILS,
    "dnn_app_utils_v2": _APP_UTILS,
    "dnn_app_utils_v3": _APP_UTILS,
    "reg_utils": {
        **_THREE_LAYER,
        "compute_cost": compute_cost_3,
        "load_2D_dataset": _unavailable("load_2D_dataset"),
        "load_planar_dataset": _unavailable("load_planar_dataset"),
    },
    "init_utils": {**_THREE_LAYER, "compute_loss": compute_cost_3, "load_dataset": _unavailable("load_dataset")},
    "gc_utils": {
        "sigmoid": sigmoid,
        "relu": relu,
        "dictionary_to_vector": dictionary_to_vector,
        "vector_to_dictionary": vector_to_dictionary,
        "gradients_to_vector": gradients_to_vector,
    },
    "planar_utils": {
        "sigmoid": sigmoid,
        "plot_decision_boundary": _unavailable("plot_decision_boundary"),
        "load_planar_dataset": _unavailable("load_planar_dataset"),
        "load_extra_datasets": _unavailable("load_extra_datasets"),
    },
    "lr_utils": {"load_dataset": _unavailable("load_dataset")},
}


def module(name: str) -> types.ModuleType:
    """The stand-in for course helper ``name`` (an empty module for the course's test files)."""
    mod = types.ModuleType(f"torch_reference.course_helpers.{name}")
    for key, value in _MODULES.get(name, {}).items():
        setattr(mod, key, value)
    return mod
