"""Batch normalization as a layer option of the L-layer model.

Catalogue IDs: BN-FWD, BN-BWD and BN-INFER inside FWD-L and BWD-L.

A layer l *with* batch norm (its parameters are ``W{l}``, ``gamma{l}``, ``beta{l}``, no ``b{l}``):

* ``Z[l] = W[l] A[l-1]`` (no bias);
* ``Z̃[l] = γ[l] Z_norm[l] + β[l]``, ``Z_norm[l] = (Z[l] - μ[l]) / sqrt(σ²[l] + ε)``, μ and σ² per unit
  over the m columns of the mini-batch (BN-FWD, :func:`scratch_nn.batchnorm.batchnorm_forward`);
* ``A[l] = g[l](Z̃[l])``.

A layer *without* (``W{l}``, ``b{l}``) is the notes' ``A[l] = g[l](W[l] A[l-1] + b[l])``. The parameter
dict says which is which, layer by layer.

**Why b[l] is dropped where batch norm follows.** BN subtracts the batch mean: a bias b[l] adds the
same number to every column of unit j, moves μ[l]_j by exactly that number and cancels in
``Z[l] - μ[l]`` (σ²[l] does not change). Z̃[l], and so the cost, does not depend on b[l] at all: its
gradient ``db[l] = (1/m) Σ_i dZ[l]_i`` is identically 0 (the columns of BN-BWD's dZ sum to 0), so b[l]
would never learn, and β[l] takes its place as the unit's shift.

Backward from ``dZ̃[L] = A[L] - Y`` (or ``dZ[L]`` if layer L has no batch norm; BWD-DZL), for l = L..1:
``dZ̃[l] = dA[l] * g'[l](Z̃[l])`` below the output; ``dZ[l], dγ[l], dβ[l]`` by BN-BWD, through μ and σ²;
``dW[l] = (1/m) dZ[l] A[l-1]^T``; ``dA[l-1] = W[l]^T dZ[l]``.

At test time (BN-INFER) each BN layer uses running averages of μ[l] and σ²[l] instead of the batch's:
``running`` holds ``mean{l}`` and ``var{l}`` (n[l], 1), updated after each training forward by
:func:`update_model_running_averages`.

Shapes: ``X = A[0]`` (n[0], m); ``W{l}`` (n[l], n[l-1]); ``b{l}``, ``gamma{l}``, ``beta{l}`` (n[l], 1);
``Y`` and ``AL`` (n[L], m). Gradients: ``dW{l}``, ``db{l}`` or ``dgamma{l}``, ``dbeta{l}``, ``dA{l-1}``;
with ``return_dZ=True`` also ``dZ{l}`` and, for BN layers, ``dZ_tilde{l}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from ._checks import RNG, check_array, check_examples, check_same_dtype, check_shape
from .activations import Convention, activation_backward, activation_forward
from .batchnorm import (
    BatchNormCache,
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_inference,
    update_running_averages,
)
from .initializers import initialize_parameters
from .losses import output_backward


class BNLayerCache(NamedTuple):
    """One layer's forward values: ``b`` is None and ``bn`` the BN-FWD cache for a batch-norm layer;
    ``Z_tilde`` is Z (and ``bn`` None) for a plain layer."""

    A_prev: np.ndarray
    W: np.ndarray
    b: np.ndarray | None
    Z: np.ndarray
    Z_tilde: np.ndarray
    bn: BatchNormCache | None


def batchnorm_layers(parameters: Mapping[str, np.ndarray]) -> list[bool]:
    """Check a parameter dict of the BN model and return, for l = 1..L, whether layer l has batch norm.

    Each layer has ``W{l}`` and either ``b{l}`` or both ``gamma{l}`` and ``beta{l}``, never both kinds;
    shapes chain (``W{l}`` (n[l], n[l-1]), the others (n[l], 1)); one float dtype; all finite.
    """
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a dict W1, b1 or gamma1/beta1, ..., got {type(parameters).__name__}")
    if any(not isinstance(k, str) for k in parameters):
        raise TypeError("parameters keys must be strings (W1, b1, gamma1, beta1, ...)")
    L = sum(1 for k in parameters if k.startswith("W"))
    if L == 0:
        raise ValueError(f"parameters has no W1; got {sorted(parameters)}")
    with_bn, expected = [], set()
    for l in range(1, L + 1):
        has_b, has_bn = f"b{l}" in parameters, f"gamma{l}" in parameters or f"beta{l}" in parameters
        if has_b and has_bn:
            raise ValueError(
                f"layer {l} has b{l} and gamma{l}/beta{l}: a layer followed by batch norm has no b[l] "
                "(Z[l] - μ[l] removes any constant added to Z[l]; β[l] is its shift)"
            )
        keys = [f"W{l}", f"gamma{l}", f"beta{l}"] if has_bn else [f"W{l}", f"b{l}"]
        expected.update(keys)
        with_bn.append(has_bn)
    if set(parameters) != expected:
        extra, missing = sorted(set(parameters) - expected), sorted(expected - set(parameters))
        raise ValueError(f"parameters: missing {missing}, unexpected {extra} (layers 1..{L})")
    for l in range(1, L + 1):
        W = check_array(f"W{l}", parameters[f"W{l}"], finite=True)
        if l > 1 and W.shape[1] != parameters[f"W{l - 1}"].shape[0]:
            raise ValueError(f"W{l} has shape {W.shape} but W{l - 1} has {parameters[f'W{l - 1}'].shape[0]} rows")
        for key in (f"gamma{l}", f"beta{l}") if with_bn[l - 1] else (f"b{l}",):
            check_array(key, parameters[key], finite=True)
            check_shape(key, parameters[key], (W.shape[0], 1), f"{key} is a column (n[{l}], 1)")
    check_same_dtype(**parameters)
    return with_bn


def initialize_bn_parameters(
    layer_dims: Sequence[int],
    method: str = "he",
    rng: RNG | None = None,
    batchnorm: Sequence[int] | None = None,
) -> dict[str, np.ndarray]:
    """The BN model's parameters: ``initialize_parameters(layer_dims, method, rng)``, then for every
    layer l in ``batchnorm`` (default: the hidden layers 1..L-1) ``b{l}`` dropped and ``gamma{l} = 1``,
    ``beta{l} = 0`` (n[l], 1) added (``nn.BatchNorm1d``'s start: the identity affine map)."""
    L = len(initialize_parameters(layer_dims, "zeros")) // 2  # layer_dims checked; nothing drawn from rng yet
    if batchnorm is not None and not isinstance(batchnorm, (Sequence, np.ndarray)):
        raise TypeError(f"batchnorm must be a list of layer numbers in 1..{L}, got {type(batchnorm).__name__}")
    layers = list(range(1, L)) if batchnorm is None else list(batchnorm)
    for l in layers:
        if isinstance(l, (bool, np.bool_)) or not isinstance(l, (int, np.integer)) or not 1 <= l <= L:
            raise ValueError(f"batchnorm must list layer numbers in 1..{L}, got {l!r}")
    if len(set(layers)) != len(layers):
        raise ValueError(f"batchnorm must list each layer once, got {layers}")
    parameters = initialize_parameters(layer_dims, method, rng)
    for l in layers:
        b = parameters.pop(f"b{l}")
        parameters[f"gamma{l}"], parameters[f"beta{l}"] = np.ones_like(b), np.zeros_like(b)
    return parameters


def _layer_activations(L: int, hidden: str, output: str, activations: Sequence[str] | None) -> list[str]:
    from .model import layer_activations

    return layer_activations(L, hidden, output, activations)


def bn_model_forward(
    X: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
    epsilon: float = 1e-5,
    running: Mapping[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, list[BNLayerCache]]:
    """FWD-L with batch norm: for l = 1..L, ``Z[l] = W[l] A[l-1]`` (+ ``b[l]`` in a plain layer),
    ``Z̃[l] = BN(Z[l]; γ[l], β[l])`` in a BN layer, ``A[l] = g[l](Z̃[l])``; ``ŷ = A[L]``. A BN layer has no
    b[l]: Z[l] - μ[l] would cancel it, so it could neither change Z̃[l] nor receive a gradient (β[l] is the shift).

    Args: ``X`` (n[0], m); ``parameters`` as :func:`batchnorm_layers` checks them; activations as in
    ``model_forward``; ``epsilon`` ε > 0 of every BN layer; ``running`` (BN-INFER, test time): a dict
    ``mean{l}``, ``var{l}`` (n[l], 1) per BN layer, used instead of the batch statistics (then any
    m >= 1, and the caches' ``bn`` are None: there is no backward at test time).
    Returns ``AL`` (n[L], m) and one :class:`BNLayerCache` per layer.
    """
    with_bn = batchnorm_layers(parameters)
    L = len(with_bn)
    g = _layer_activations(L, hidden_activation, output_activation, activations)
    check_array("X", X, finite=True)
    check_examples("X", X)
    check_shape("X", X, (parameters["W1"].shape[1], X.shape[1]), "X = A[0] is (n[0], m)")
    check_same_dtype(X=X, W1=parameters["W1"])
    if running is not None:
        _check_running(running, parameters, with_bn)

    caches, A = [], X
    for l in range(1, L + 1):
        W = parameters[f"W{l}"]
        if with_bn[l - 1]:
            Z = W @ A
            gamma, beta = parameters[f"gamma{l}"], parameters[f"beta{l}"]
            if running is None:
                Z_tilde, bn = batchnorm_forward(Z, gamma, beta, epsilon)
            else:  # BN-INFER: the running statistics, no cache for a backward
                mean, var = running[f"mean{l}"], running[f"var{l}"]
                Z_tilde, bn = batchnorm_inference(Z, gamma, beta, mean, var, epsilon), None
            caches.append(BNLayerCache(A, W, None, Z, Z_tilde, bn))
        else:
            Z = W @ A + parameters[f"b{l}"]
            caches.append(BNLayerCache(A, W, parameters[f"b{l}"], Z, Z, None))
        A = activation_forward(caches[-1].Z_tilde, g[l - 1])
    return A, caches


def _check_running(running: object, parameters: Mapping[str, np.ndarray], with_bn: list[bool]) -> None:
    if not isinstance(running, Mapping):
        raise TypeError(f"running must be a dict mean1, var1, ..., got {type(running).__name__}")
    keys = {f"{q}{l}" for l, bn in enumerate(with_bn, start=1) if bn for q in ("mean", "var")}
    if set(running) != keys:
        raise ValueError(f"running must have keys {sorted(keys)} (the BN layers'), got {sorted(running)}")
    for key in sorted(keys):
        l = int(key.lstrip("meanvr"))
        check_array(f"running[{key!r}]", running[key], finite=True)
        check_shape(f"running[{key!r}]", running[key], (parameters[f"W{l}"].shape[0], 1), "one value per unit")
        check_same_dtype(**{f"running[{key!r}]": running[key], f"W{l}": parameters[f"W{l}"]})


def _check_caches(caches: object) -> list[BNLayerCache]:
    if not isinstance(caches, (list, tuple)) or not caches or not all(isinstance(c, BNLayerCache) for c in caches):
        raise TypeError("caches must be the list of BNLayerCache returned by bn_model_forward (training mode)")
    if any(c.b is None and c.bn is None for c in caches):
        raise ValueError("caches come from a test-time forward (running=...): there is no backward at test time")
    return list(caches)


def bn_model_backward(
    AL: np.ndarray,
    Y: np.ndarray,
    caches: Sequence[BNLayerCache],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
    convention: Convention = "notes",
    return_dZ: bool = False,
) -> dict[str, np.ndarray]:
    """BWD-L with batch norm: every layer's gradients, from l = L down to 1.

    The output layer's pre-activation (Z̃[L] or Z[L]) gets ``A[L] - Y`` (BWD-DZL); below it
    ``dZ̃[l] = dA[l] * g'[l](Z̃[l])``. A BN layer then gives ``dZ[l], dγ[l], dβ[l]`` by BN-BWD (through
    μ[l] and σ²[l]), a plain one ``dZ[l] = dZ̃[l]`` and ``db[l] = (1/m) Σ dZ[l]``; both
    ``dW[l] = (1/m) dZ[l] A[l-1]^T`` and ``dA[l-1] = W[l]^T dZ[l]``.

    Args: ``AL`` and ``Y`` (n[L], m); ``caches`` from :func:`bn_model_forward` in training mode, with
    the same activations; ``convention`` for the subgradient at 0; ``return_dZ`` adds ``dZ{l}`` (and
    ``dZ_tilde{l}`` of the BN layers). Returns the dict described in the module's docstring.
    """
    caches = _check_caches(caches)
    L = len(caches)
    g = _layer_activations(L, hidden_activation, output_activation, activations)
    check_array("AL", AL, finite=True)
    check_shape("AL", AL, caches[-1].Z.shape, "AL = A[L] has Z[L]'s shape (n[L], m)")
    if not isinstance(return_dZ, (bool, np.bool_)):
        raise TypeError(f"return_dZ must be True or False, got {type(return_dZ).__name__}")
    m = AL.shape[1]

    grads: dict[str, np.ndarray] = {}
    dZ_tilde = output_backward(AL, Y, g[L - 1])
    for l in range(L, 0, -1):
        cache = caches[l - 1]
        if l < L:
            dZ_tilde = activation_backward(grads[f"dA{l}"], cache.Z_tilde, g[l - 1], convention)
        if cache.bn is not None:
            dZ, grads[f"dgamma{l}"], grads[f"dbeta{l}"] = batchnorm_backward(dZ_tilde, cache.bn)
        else:
            dZ = dZ_tilde
            grads[f"db{l}"] = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
        grads[f"dW{l}"] = (1 / m) * (dZ @ cache.A_prev.T)
        grads[f"dA{l - 1}"] = cache.W.T @ dZ
        if return_dZ:
            grads[f"dZ{l}"] = dZ
            if cache.bn is not None:
                grads[f"dZ_tilde{l}"] = dZ_tilde
    return grads


def initialize_running_averages(parameters: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """BN-INFER's start, ``nn.BatchNorm1d``'s: ``mean{l} = 0``, ``var{l} = 1`` (n[l], 1) per BN layer."""
    with_bn = batchnorm_layers(parameters)
    out = {}
    for l, bn in enumerate(with_bn, start=1):
        if bn:
            out[f"mean{l}"] = np.zeros_like(parameters[f"gamma{l}"])
            out[f"var{l}"] = np.ones_like(parameters[f"gamma{l}"])
    return out


def update_model_running_averages(
    running: Mapping[str, np.ndarray],
    caches: Sequence[BNLayerCache],
    momentum: float = 0.1,
    unbiased: bool = False,
) -> dict[str, np.ndarray]:
    """BN-INFER's statistics after one training forward, every BN layer:
    ``mean{l} := (1 - momentum) mean{l} + momentum μ[l]``, the same for ``var{l}`` with the batch's σ²[l]
    (``unbiased=True``: ``m/(m - 1) σ²[l]``, torch's). See
    :func:`scratch_nn.batchnorm.update_running_averages`. Returns a new dict."""
    caches = _check_caches(caches)
    if not isinstance(running, Mapping):
        raise TypeError(f"running must be a dict mean1, var1, ..., got {type(running).__name__}")
    keys = {f"{q}{l}" for l, c in enumerate(caches, start=1) if c.bn is not None for q in ("mean", "var")}
    if set(running) != keys:
        raise ValueError(f"running must have keys {sorted(keys)} (the BN layers'), got {sorted(running)}")
    out = {}
    for l, cache in enumerate(caches, start=1):
        if cache.bn is not None:
            out[f"mean{l}"], out[f"var{l}"] = update_running_averages(
                running[f"mean{l}"], running[f"var{l}"], cache.bn, momentum, unbiased
            )
    return out
