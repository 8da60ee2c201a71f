"""Batch normalization of a layer's pre-activations, per unit over the m examples of a mini-batch.

Catalogue IDs:

* BN-FWD: ``μ = (1/m) Σ_i z_i``, ``σ² = (1/m) Σ_i (z_i - μ)²`` (the *biased* batch variance),
  ``z_norm = (z - μ) / sqrt(σ² + ε)``, ``z̃ = γ z_norm + β``, for each unit (row) of Z over its m
  columns.
* BN-BWD: ``dβ = (1/m) Σ_i dz̃_i``, ``dγ = (1/m) Σ_i dz̃_i z_norm_i``, and, through μ and σ² (both
  functions of every z_i):
  ``dz_i = (γ / (m sqrt(σ² + ε))) (m dz̃_i - Σ_j dz̃_j - z_norm_i Σ_j dz̃_j z_norm_j)``.
* BN-INFER: at test time ``z̃ = γ (z - μ_run) / sqrt(σ²_run + ε) + β`` with running averages updated
  after each training mini-batch: ``μ_run := (1 - momentum) μ_run + momentum · μ``,
  ``σ²_run := (1 - momentum) σ²_run + momentum · σ²`` (the notes' exponentially weighted average with
  β = 1 - momentum). ``unbiased=True`` uses ``m/(m - 1) · σ²`` there instead, as
  ``torch.nn.BatchNorm1d`` does (its ``momentum = 0.1`` is the new statistic's weight).

Shapes: ``Z`` and ``Z_tilde`` (n[l], m); ``gamma``, ``beta``, ``mu``, ``var``, the running averages
and their gradients (n[l], 1). The derivation of BN-BWD: with ``s = sqrt(σ² + ε)``,
``∂z_norm_j/∂z_i = (δ_ij - 1/m)/s - z_norm_j z_norm_i/(m s)`` (from ``∂μ/∂z_i = 1/m`` and
``∂σ²/∂z_i = 2(z_i - μ)/m``); summing ``γ dz̃_j`` against it gives dz. Gradients follow the notes'
scale: ``dZ_tilde`` and ``dZ`` are m times the gradients of the cost J (``dZ[L] = A[L] - Y``), and
``dgamma``, ``dbeta`` are gradients of J (like ``db = (1/m) Σ dZ``). A layer followed by batch norm
needs no b[l]: z - μ removes any constant added to z, and β takes its place.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_real, check_array, check_examples, check_same_dtype, check_shape

#: the cache of one BN-FWD: ``(Z, Z_norm, mu, var, gamma, epsilon)``
BatchNormCache = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]


def _check_epsilon(epsilon: object) -> float:
    """A Python float (a NumPy scalar or 0-d array would make a float32 result float64, NEP 50)."""
    epsilon = as_real("epsilon", epsilon)
    if not (np.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be a finite number > 0, got {epsilon}")
    return epsilon


def _check_column(name: str, x: object, n: int) -> np.ndarray:
    check_array(name, x, finite=True)
    check_shape(name, x, (n, 1), f"{name} is a column (n[l], 1), one value per unit")
    return x


def batchnorm_forward(
    Z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, epsilon: float = 1e-5
) -> tuple[np.ndarray, BatchNormCache]:
    """BN-FWD: ``Z_tilde = gamma * (Z - mu) / sqrt(var + epsilon) + beta``, statistics per row over the columns.

    Args: ``Z`` (n[l], m), m >= 1; ``gamma``, ``beta`` (n[l], 1); ``epsilon`` ε > 0 (torch's default 1e-5).
    Returns: ``Z_tilde`` (n[l], m) and the cache ``(Z, Z_norm, mu, var, gamma, epsilon)``, ``mu`` and
    ``var`` (n[l], 1), ``var`` the biased ``(1/m) Σ (z - μ)²``.
    """
    check_array("Z", Z, finite=True)
    n = Z.shape[0]
    m = check_examples("Z", Z)
    _check_column("gamma", gamma, n)
    _check_column("beta", beta, n)
    check_same_dtype(Z=Z, gamma=gamma, beta=beta)
    eps = _check_epsilon(epsilon)
    mu = Z.sum(axis=1, keepdims=True) / m
    centered = Z - mu
    var = np.square(centered).sum(axis=1, keepdims=True) / m
    Z_norm = centered / np.sqrt(var + eps)
    return gamma * Z_norm + beta, (Z, Z_norm, mu, var, gamma, eps)


def batchnorm_backward(dZ_tilde: np.ndarray, cache: BatchNormCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BN-BWD: the gradients through z̃ = γ z_norm + β, μ and σ² included.

    ``dbeta = (1/m) Σ dZ_tilde``; ``dgamma = (1/m) Σ dZ_tilde * Z_norm`` (sums over the columns);
    ``dZ = gamma / (m sqrt(var + ε)) * (m dZ_tilde - Σ dZ_tilde - Z_norm Σ dZ_tilde * Z_norm)``.

    Args: ``dZ_tilde`` (n[l], m), in the notes' scale (m times ∂J/∂Z̃); ``cache`` from
    :func:`batchnorm_forward`. Returns ``(dZ, dgamma, dbeta)``: (n[l], m), (n[l], 1), (n[l], 1).
    """
    if not (isinstance(cache, tuple) and len(cache) == 6):
        raise TypeError("cache must be the 6-tuple (Z, Z_norm, mu, var, gamma, epsilon) of batchnorm_forward")
    Z, Z_norm, _mu, var, gamma, eps = cache
    check_array("dZ_tilde", dZ_tilde, finite=True)
    check_shape("dZ_tilde", dZ_tilde, Z.shape, "dZ_tilde has Z's shape (n[l], m)")
    check_same_dtype(dZ_tilde=dZ_tilde, Z=Z)
    m = Z.shape[1]
    dbeta = dZ_tilde.sum(axis=1, keepdims=True) / m
    dgamma = (dZ_tilde * Z_norm).sum(axis=1, keepdims=True) / m
    dZ = gamma / (m * np.sqrt(var + eps)) * (m * dZ_tilde - m * dbeta - Z_norm * (m * dgamma))
    return dZ, dgamma, dbeta


def update_running_averages(
    running_mean: np.ndarray,
    running_var: np.ndarray,
    cache: BatchNormCache,
    momentum: float = 0.1,
    unbiased: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """BN-INFER's statistics: ``μ_run := (1 - momentum) μ_run + momentum μ``, the same for σ².

    ``momentum`` in (0, 1] is the weight of the new mini-batch's statistic (torch's meaning; the
    notes' exponentially weighted average has β = 1 - momentum). The variance entered is the batch's
    σ² (the notes'), or with ``unbiased=True`` ``m/(m - 1) σ²`` (torch's, needs m >= 2).
    Args: ``running_mean``, ``running_var`` (n[l], 1) (torch starts them at 0 and 1); ``cache`` from
    :func:`batchnorm_forward`. Returns the new ``(running_mean, running_var)``.
    """
    if not (isinstance(cache, tuple) and len(cache) == 6):
        raise TypeError("cache must be the 6-tuple (Z, Z_norm, mu, var, gamma, epsilon) of batchnorm_forward")
    Z, _Z_norm, mu, var, _gamma, _eps = cache
    n, m = Z.shape
    _check_column("running_mean", running_mean, n)
    _check_column("running_var", running_var, n)
    check_same_dtype(running_mean=running_mean, running_var=running_var, Z=Z)
    momentum = as_real("momentum", momentum)
    if not 0 < momentum <= 1:
        raise ValueError(f"momentum must lie in (0, 1] (the new statistic's weight), got {momentum}")
    if not isinstance(unbiased, (bool, np.bool_)):
        raise TypeError(f"unbiased must be True or False, got {type(unbiased).__name__}")
    if unbiased and m < 2:
        raise ValueError("unbiased=True needs m >= 2 examples (m/(m - 1))")
    batch_var = var * (m / (m - 1)) if unbiased else var
    p = float(momentum)
    return (1 - p) * running_mean + p * mu, (1 - p) * running_var + p * batch_var


def batchnorm_inference(
    Z: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    epsilon: float = 1e-5,
) -> np.ndarray:
    """BN-INFER: ``Z_tilde = gamma * (Z - running_mean) / sqrt(running_var + epsilon) + beta``.

    Args: ``Z`` (n[l], m) (any m >= 1: one test example is enough); ``gamma``, ``beta``,
    ``running_mean``, ``running_var`` (n[l], 1), ``running_var`` >= 0. Returns ``Z_tilde`` (n[l], m).
    """
    check_array("Z", Z, finite=True)
    n = Z.shape[0]
    check_examples("Z", Z)
    for name, x in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean), ("running_var", running_var)):
        _check_column(name, x, n)
    check_same_dtype(Z=Z, gamma=gamma, beta=beta, running_mean=running_mean, running_var=running_var)
    if (running_var < 0).any():
        raise ValueError("running_var must be >= 0 (a variance)")
    eps = _check_epsilon(epsilon)
    return gamma * (Z - running_mean) / np.sqrt(running_var + eps) + beta
