"""Planted bugs: scratch_nn with one classic mistake each, one or more per catalogue ID.

``mutant(**overrides)`` is scratch_nn with some contract functions replaced. The
registry must catch every one (tests/test_mutants.py): that is how we know each
check can fail. Each mistake is one a student really makes.
"""

from __future__ import annotations

import types

import numpy as np

import scratch_nn as nn_
from torch_reference.registry import entries

#: the catalogue IDs of the spine (registry entries of the first issue); each has a mutant below
SPINE_IDS = {
    "ACT-SIGMOID", "ACT-TANH", "ACT-RELU", "ACT-LEAKY", "ACT-ELU", "ACT-SOFTMAX", "ACT-LINEAR", "LIN-FWD", "ACT-FWD",
    "FWD-L", "LR-FWD", "COST-BCE", "COST-CE", "BWD-DAL", "BWD-DZL", "BWD-ACT", "BWD-DW", "BWD-DB", "BWD-DA", "BWD-L",
    "LR-BWD", "GD-UPDATE", "DATA-ONEHOT", "INIT-ZERO", "INIT-SMALL", "INIT-XAVIER", "INIT-HE",
}  # fmt: skip


def caught(cid: str, impl: object) -> bool:
    """True if some registry case of catalogue ID ``cid`` FAILs or errors on ``impl`` (CPU,
    float64, seed 0, every shape): the one loop every planted-bug test uses."""
    from torch_reference.registry import run_case

    mine = [e for e in entries() if e.id == cid]
    assert mine, f"no registry entry for {cid}"
    return any(
        run_case(e, impl, "cpu", "float64", 0, shape).status in ("FAIL", "error") for e in mine for shape in e.shapes
    )


def mutant(**overrides) -> types.SimpleNamespace:
    base = {name: getattr(nn_, name) for name in nn_.__all__}
    base.update(overrides)
    return types.SimpleNamespace(**base)


def _sig(Z):
    return 1 / (1 + np.exp(-Z))


def _model_backward_wrong_layer_derivative(AL, Y, caches, activations=None, **kw):
    """ERR-DZ-CHAIN style: dZ[l] = dA[l] * g'[l+1](Z[l]) (the next layer's g')."""
    L = len(caches)
    g = nn_.layer_activations(L, activations=activations) if activations else ["relu"] * (L - 1) + ["sigmoid"]
    grads = {}
    dZ = AL - Y
    for l in range(L, 0, -1):
        lin, Z = caches[l - 1]
        if l < L:
            dZ = nn_.activation_backward(grads[f"dA{l}"], Z, g[l])  # should be g[l - 1]
        grads[f"dZ{l}"] = dZ
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = nn_.linear_backward(dZ, lin)
    return grads


def _model_forward_hidden_output(X, parameters, activations=None, **kw):
    """The output layer uses the hidden activation (loop runs g[l] = hidden for all l)."""
    acts = list(activations)
    return nn_.model_forward(X, parameters, activations=[*acts[:-1], acts[0]])


def _model_backward_skips_layer(AL, Y, caches, activations=None, **kw):
    """The loop stops one layer early: range(L, 1, -1); layer 1 keeps the last values."""
    grads = nn_.model_backward(AL, Y, caches, activations=activations)
    if len(caches) > 1:
        grads["dW1"] = np.zeros_like(grads["dW1"])
        grads["db1"] = np.zeros_like(grads["db1"])
    return grads


def _update_wrong_bias_grad(parameters, grads, learning_rate):
    """ERR-DB-INDEX: b[l] := b[l] - α db[l+1]-ish (here: the bias steps with dW's mean)."""
    new = nn_.update_parameters(parameters, grads, learning_rate)
    L = len(parameters) // 2
    for l in range(1, L + 1):
        new[f"b{l}"] = parameters[f"b{l}"] + learning_rate * grads[f"db{l}"]  # wrong sign
    return new


def _init_fan_out(layer_dims, method="he", rng=None, dtype=np.float64, scale=0.01):
    """He with fan_out instead of fan_in: sqrt(2 / n[l])."""
    params = {}
    for l in range(1, len(layer_dims)):
        std = np.sqrt(2 / layer_dims[l]) if method == "he" else nn_.init_std(method, layer_dims[l - 1], layer_dims[l])
        params[f"W{l}"] = (rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * std).astype(dtype)
        params[f"b{l}"] = np.zeros((layer_dims[l], 1), dtype=dtype)
    return params


def _init_uniform(layer_dims, method="small", rng=None, dtype=np.float64, scale=0.01):
    """ERR-RAND-UNIFORM: rand(...) * 0.01 (uniform, all positive) instead of randn."""
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = (rng.random((layer_dims[l], layer_dims[l - 1])) * 0.01).astype(dtype)
        params[f"b{l}"] = np.zeros((layer_dims[l], 1), dtype=dtype)
    return params


def _init_xavier_fan_in_only(layer_dims, method="xavier", rng=None, dtype=np.float64, scale=0.01):
    """'Xavier' as sqrt(1 / n[l-1]) (the other common formula; not the catalogue's)."""
    params = {}
    for l in range(1, len(layer_dims)):
        W = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * np.sqrt(1 / layer_dims[l - 1])
        params[f"W{l}"] = W.astype(dtype)
        params[f"b{l}"] = np.zeros((layer_dims[l], 1), dtype=dtype)
    return params


def _init_zero_bias_ones(layer_dims, method="zeros", rng=None, dtype=np.float64, scale=0.01):
    params = nn_.initialize_parameters(layer_dims, "zeros", rng, dtype)
    return {k: (np.ones_like(v) if k.startswith("b") else v) for k, v in params.items()}


#: the planted bugs the registry entries declare (``Entry.mutants``: the activations' and losses'
#: mistakes, from their descriptions in torch_reference/ops.py), then the others, written here
DECLARED = [(e.id, what, overrides) for e in entries() for what, overrides in e.mutants]

#: (catalogue ID, what is wrong, overrides)
MUTANTS = [
    *DECLARED,
    ("LIN-FWD", "bias forgotten", {"linear_forward": lambda A_prev, W, b: (W @ A_prev, (A_prev, W, b))}),
    (
        "LIN-FWD",
        "bias summed into a scalar",
        {"linear_forward": lambda A_prev, W, b: (W @ A_prev + b.sum(), (A_prev, W, b))},
    ),
    (
        "ACT-FWD",
        "cache keeps A instead of Z",
        {
            "linear_activation_forward": lambda A_prev, W, b, act: (lambda A, c: (A, (c[0], A)))(
                *nn_.linear_activation_forward(A_prev, W, b, act)
            )
        },
    ),
    (
        "BWD-ACT",
        "g' evaluated at A = g(Z) instead of Z",
        {
            "linear_activation_backward": lambda dA, cache, act, **k: nn_.linear_backward(
                nn_.activation_backward(dA, nn_.activation_forward(cache[1], act), act), cache[0]
            )
        },
    ),
    (
        "BWD-DW",
        "missing 1/m in dW",
        {"linear_backward": lambda dZ, c: (c[1].T @ dZ, dZ @ c[0].T, dZ.mean(axis=1, keepdims=True))},
    ),
    (
        "BWD-DW",
        "dW transposed: (1/m) A_prev dZ^T",
        {"linear_backward": lambda dZ, c: (c[1].T @ dZ, c[0] @ dZ.T / dZ.shape[1], dZ.mean(axis=1, keepdims=True))},
    ),
    (
        "BWD-DB",
        "db without keepdims: shape (n,)",
        {"linear_backward": lambda dZ, c: (c[1].T @ dZ, dZ @ c[0].T / dZ.shape[1], dZ.mean(axis=1))},
    ),
    (
        "BWD-DB",
        "db summed over the wrong axis",
        {
            "linear_backward": lambda dZ, c: (
                c[1].T @ dZ,
                dZ @ c[0].T / dZ.shape[1],
                dZ.mean(axis=0, keepdims=True)[:, : dZ.shape[0]].T,
            )
        },
    ),
    (
        "BWD-DA",
        "dA_prev divided by m",
        {
            "linear_backward": lambda dZ, c: (
                c[1].T @ dZ / dZ.shape[1],
                dZ @ c[0].T / dZ.shape[1],
                dZ.mean(axis=1, keepdims=True),
            )
        },
    ),
    ("FWD-L", "output layer uses the hidden activation", {"model_forward": _model_forward_hidden_output}),
    (
        "BWD-L",
        "dZ[l] uses the next layer's g' (shows only with mixed activations, L >= 3)",
        {"model_backward": _model_backward_wrong_layer_derivative},
    ),
    ("BWD-L", "the loop stops before layer 1", {"model_backward": _model_backward_skips_layer}),
    ("GD-UPDATE", "bias moves up the gradient", {"update_parameters": _update_wrong_bias_grad}),
    ("LR-FWD", "b forgotten", {"lr_forward": lambda w, b, X: _sig(w.T @ X)}),
    (
        "LR-FWD",
        "θ form without x0 = 1 (θ[0] multiplies x1)",
        {"lr_forward_theta": lambda theta, X: _sig(theta[1:].T @ X + theta[-1])},
    ),
    ("LR-BWD", "missing 1/m in dw", {"lr_backward": lambda X, A, Y: (X @ (A - Y).T, np.mean(A - Y))}),
    ("INIT-ZERO", "biases start at one", {"initialize_parameters": _init_zero_bias_ones}),
    ("INIT-SMALL", "uniform rand instead of randn (ERR-RAND-UNIFORM)", {"initialize_parameters": _init_uniform}),
    (
        "INIT-XAVIER",
        "sqrt(1/n_in) instead of sqrt(2/(n_in + n_out))",
        {"initialize_parameters": _init_xavier_fan_in_only},
    ),
    ("INIT-HE", "fan_out instead of fan_in", {"initialize_parameters": _init_fan_out}),
    (
        "DATA-ONEHOT",
        "labels shifted by one",
        {"one_hot": lambda labels, k, dtype=np.float64: np.roll(nn_.one_hot(labels, k, dtype), 1, axis=0)},
    ),
    (
        "DATA-ONEHOT",
        "(m, classes) instead of (classes, m)",
        {"one_hot": lambda labels, k, dtype=np.float64: nn_.one_hot(labels, k, dtype).T.copy()},
    ),
]
