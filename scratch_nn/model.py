"""The deep L-layer network: forward over all layers, backward over all layers, update.

Catalogue IDs: FWD-L (forward), BWD-L (backward), GD-UPDATE (gradient-descent step).

Shapes: ``X = A[0]`` is ``(n[0], m)``; ``W[l]`` ``(n[l], n[l-1])``, ``b[l]``
``(n[l], 1)``; ``Y`` and ``AL = A[L]`` ``(n[L], m)``. Parameters and gradients are
dicts in the course's form: ``W1, b1, ..., WL, bL`` and ``dW1, db1, ...``.

Activations: layers 1..L-1 use ``hidden_activation``, layer L
``output_activation``; or give ``activations`` (one name per layer) to choose each
layer's g[l] freely. Backward starts from ``dZ[L] = A[L] - Y`` (BWD-DZL), which
holds for the loss paired with the output activation (see :mod:`scratch_nn.losses`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._checks import check_array, check_parameters, check_same_dtype, check_shape
from .activations import Convention, activation_backward, check_activation
from .layers import ActivationCache, linear_activation_forward, linear_backward
from .losses import output_backward


def layer_activations(
    L: int,
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
) -> list[str]:
    """The list ``[g[1], ..., g[L]]`` of activation names for an L-layer network."""
    if activations is None:
        activations = [hidden_activation] * (L - 1) + [output_activation]
    activations = list(activations)
    if len(activations) != L:
        raise ValueError(f"activations has {len(activations)} names for L = {L} layers")
    for name in activations:
        check_activation(name)
    return activations


def model_forward(
    X: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[ActivationCache]]:
    """FWD-L: ``A[0] = X``; for l = 1..L: ``A[l] = g[l](W[l] A[l-1] + b[l])``; ``ŷ = A[L]``.

    Args: ``X`` (n[0], m); ``parameters`` ``W1, b1, ..., WL, bL``.
    Returns: ``AL`` (n[L], m) and ``caches``, a list of L entries
    ``((A[l-1], W[l], b[l]), Z[l])``, caches[l-1] belonging to layer l.
    """
    L = check_parameters(parameters)
    check_array("X", X, finite=True)
    check_shape("X", X, (parameters["W1"].shape[1], X.shape[1]), "X = A[0] is (n[0], m)")
    check_same_dtype(X=X, W1=parameters["W1"])
    g = layer_activations(L, hidden_activation, output_activation, activations)

    caches = []
    A = X
    for l in range(1, L + 1):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], g[l - 1])
        caches.append(cache)
    return A, caches


def model_backward(
    AL: np.ndarray,
    Y: np.ndarray,
    caches: Sequence[ActivationCache],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
    convention: Convention = "notes",
) -> dict[str, np.ndarray]:
    """BWD-L: every layer's gradients, from l = L down to 1.

    ``dZ[L] = A[L] - Y`` (BWD-DZL); then for l = L..1:
    ``dW[l] = (1/m) dZ[l] A[l-1]^T``, ``db[l] = (1/m) sum_columns dZ[l]``,
    ``dA[l-1] = W[l]^T dZ[l]``, and, below the output layer,
    ``dZ[l] = dA[l] * g'[l](Z[l])``.

    Args: ``AL`` and ``Y`` (n[L], m); ``caches`` from :func:`model_forward` with the
    same activations; ``convention`` for the subgradient at 0 (``"notes"``/``"pytorch"``).
    Returns: dict with ``dA0 .. dA{L-1}`` (n[l], m), ``dW1 .. dWL`` (n[l], n[l-1]),
    ``db1 .. dbL`` (n[l], 1), and ``dZ1 .. dZL`` (n[l], m).
    """
    L = len(caches)
    if L == 0:
        raise ValueError("caches is empty: pass the caches returned by model_forward")
    g = layer_activations(L, hidden_activation, output_activation, activations)
    check_array("AL", AL, finite=True)
    check_shape("AL", AL, caches[-1][1].shape, "AL = A[L] has Z[L]'s shape (n[L], m)")

    grads: dict[str, np.ndarray] = {}
    dZ = output_backward(AL, Y, g[L - 1])
    for l in range(L, 0, -1):
        linear_cache, Z = caches[l - 1]
        if l < L:
            dZ = activation_backward(grads[f"dA{l}"], Z, g[l - 1], convention)
        grads[f"dZ{l}"] = dZ
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, linear_cache)
    return grads


def update_parameters(
    parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], learning_rate: float
) -> dict[str, np.ndarray]:
    """GD-UPDATE: ``W[l] := W[l] - α dW[l]``, ``b[l] := b[l] - α db[l]`` for every layer.

    Args: ``parameters`` ``W1, b1, ...``; ``grads`` with ``dW1, db1, ...`` of the same
    shapes; ``learning_rate`` α > 0. Returns a new dict; the inputs are unchanged.
    """
    L = check_parameters(parameters)
    if not (isinstance(learning_rate, (int, float, np.floating)) and np.isfinite(learning_rate)):
        raise TypeError(f"learning_rate must be a finite number, got {learning_rate!r}")
    if learning_rate <= 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    for key in (f"d{p}{l}" for l in range(1, L + 1) for p in "Wb"):
        if key not in grads:
            raise ValueError(f"grads is missing {key!r} (need dW1, db1, ..., dW{L}, db{L})")
        check_array(key, grads[key], finite=True)
        check_shape(key, grads[key], parameters[key[1:]].shape, f"{key} has {key[1:]}'s shape")
        check_same_dtype(**{key: grads[key], key[1:]: parameters[key[1:]]})

    alpha = learning_rate
    new = {}
    for l in range(1, L + 1):
        new[f"W{l}"] = parameters[f"W{l}"] - alpha * grads[f"dW{l}"]
        new[f"b{l}"] = parameters[f"b{l}"] - alpha * grads[f"db{l}"]
    return new
