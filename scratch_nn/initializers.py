"""Parameter initialization: ``W[l]`` of shape ``(n[l], n[l-1])``, ``b[l]`` zeros ``(n[l], 1)``.

Catalogue IDs: INIT-ZERO, INIT-SMALL, INIT-XAVIER, INIT-HE.

=========  ==========================================  ==============================
method      W[l]                                        PyTorch equivalent
=========  ==========================================  ==============================
zeros       0                                           ``nn.init.zeros_``
small       randn(n[l], n[l-1]) * 0.01                  ``normal_(0, 0.01)``
xavier      N(0, std = sqrt(2 / (n[l-1] + n[l])))       ``nn.init.xavier_normal_``
he          N(0, std = sqrt(2 / n[l-1]))                ``nn.init.kaiming_normal_``
=========  ==========================================  ==============================

fan_in = n[l-1] is ``W[l].shape[1]`` and fan_out = n[l] is ``W[l].shape[0]``, exactly
as PyTorch computes them for an ``nn.Linear.weight`` of shape ``(out, in)``.

Randomness comes only from the ``numpy.random.Generator`` passed in (never the
global state), so a seed reproduces the parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

INIT_METHODS = ("zeros", "small", "xavier", "he")


def init_std(method: str, n_in: int, n_out: int, scale: float = 0.01) -> float:
    """The standard deviation of ``W[l]`` entries for ``method`` (0 for ``zeros``)."""
    if method == "zeros":
        return 0.0
    if method == "small":
        return scale
    if method == "xavier":
        return float(np.sqrt(2 / (n_in + n_out)))
    if method == "he":
        return float(np.sqrt(2 / n_in))
    raise ValueError(f"unknown initialization method {method!r}; expected one of {INIT_METHODS}")


def initialize_parameters(
    layer_dims: Sequence[int],
    method: str = "small",
    rng: np.random.Generator | None = None,
    dtype: type | np.dtype = np.float64,
    scale: float = 0.01,
) -> dict[str, np.ndarray]:
    """INIT-*: ``W[l] = std * randn(n[l], n[l-1])`` and ``b[l] = zeros(n[l], 1)``.

    Args: ``layer_dims = [n[0], n[1], ..., n[L]]`` (at least two positive ints);
    ``method`` one of ``zeros``, ``small``, ``xavier``, ``he``; ``rng`` a
    ``numpy.random.Generator`` (required unless ``method="zeros"``); ``dtype``
    float32 or float64; ``scale`` the factor of ``small`` (0.01 in the notes).
    Returns: dict ``W1, b1, ..., WL, bL``.
    """
    dims = list(layer_dims)
    if len(dims) < 2 or not all(isinstance(n, (int, np.integer)) and n > 0 for n in dims):
        raise ValueError(f"layer_dims must be at least two positive integers, got {layer_dims!r}")
    if method not in INIT_METHODS:
        raise ValueError(f"unknown initialization method {method!r}; expected one of {INIT_METHODS}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    if method != "zeros" and not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"method {method!r} needs rng, a numpy.random.Generator "
            f"(e.g. np.random.default_rng(1)); got {type(rng).__name__}"
        )

    parameters = {}
    for l in range(1, len(dims)):
        n_in, n_out = dims[l - 1], dims[l]
        std = init_std(method, n_in, n_out, scale)
        if method == "zeros":
            W = np.zeros((n_out, n_in))
        else:
            W = rng.standard_normal((n_out, n_in)) * std
        parameters[f"W{l}"] = W.astype(dtype)
        parameters[f"b{l}"] = np.zeros((n_out, 1), dtype=dtype)
    return parameters
