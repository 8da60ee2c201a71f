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

Randomness comes only from the ``rng`` passed in (never the global state), so a
seed reproduces the parameters. ``rng`` is a ``numpy.random.Generator`` or a legacy
``numpy.random.RandomState``; both are drawn layer by layer, l = 1, ..., L, one
``(n[l], n[l-1])`` block of N(0, 1) per layer, times the std of the table:

* a ``RandomState`` draws ``rng.randn(n[l], n[l-1]) * std``: exactly the course's
  ``np.random.seed(s)`` then ``np.random.randn(layer_dims[l], layer_dims[l-1]) * 0.01``
  (``small``), ``* np.sqrt(2 / layer_dims[l-1])`` (``he``, the same float64 product) or
  ``* 10`` (``small`` with ``scale=10``: the course's "random" initialization), so
  ``initialize_parameters([5, 4, 3], "small", rng=np.random.RandomState(3))`` is the
  course's ``initialize_parameters_deep([5, 4, 3])`` to the last bit;
* a ``Generator`` draws ``rng.standard_normal((n[l], n[l-1])) * std``: the same
  formula and order, from NumPy's newer stream (different numbers for the same seed).

The biases are zeros and draw nothing, in both cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._checks import RNG, check_float_dtype, check_real, check_rng, standard_normal

INIT_METHODS = ("zeros", "small", "xavier", "he")


def _check_method(method: object) -> str:
    if not isinstance(method, str) or method not in INIT_METHODS:
        raise ValueError(f"unknown initialization method {method!r}; expected one of {INIT_METHODS}")
    return method


def _check_dim(name: str, n: object) -> int:
    """A layer width: a positive int (a NumPy integer too; not a bool, not a float)."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer (a layer width), got {type(n).__name__} {n!r}")
    if n <= 0:
        raise ValueError(f"{name} must be a positive integer (a layer width), got {n}")
    return int(n)



def _check_scale(scale: object) -> float:
    return check_real("scale", scale, positive=True, what="the std of the 'small' initialization")


def init_std(method: str, n_in: int, n_out: int, scale: float = 0.01) -> float:
    """The standard deviation of ``W[l]`` entries for ``method`` (0 for ``zeros``).

    ``n_in = n[l-1]`` and ``n_out = n[l]`` must be positive integers and ``scale`` a finite
    number > 0 (they are checked whatever the method, so a bad call is never silently right).
    """
    _check_method(method)
    n_in, n_out = _check_dim("n_in", n_in), _check_dim("n_out", n_out)
    scale = _check_scale(scale)
    if method == "zeros":
        return 0.0
    if method == "small":
        return scale
    if method == "xavier":
        return float(np.sqrt(2 / (n_in + n_out)))
    if method == "he":
        return float(np.sqrt(2 / n_in))
    raise AssertionError(method)  # unreachable: _check_method


def initialize_parameters(
    layer_dims: Sequence[int],
    method: str = "small",
    rng: RNG | None = None,
    dtype: type | np.dtype = np.float64,
    scale: float = 0.01,
) -> dict[str, np.ndarray]:
    """INIT-*: ``W[l] = std * randn(n[l], n[l-1])`` and ``b[l] = zeros(n[l], 1)``.

    Args: ``layer_dims = [n[0], n[1], ..., n[L]]`` (at least two positive ints);
    ``method`` one of ``zeros``, ``small``, ``xavier``, ``he``; ``rng`` a
    ``numpy.random.Generator`` or ``numpy.random.RandomState`` (required unless
    ``method="zeros"``; see the module docstring for what each draws); ``dtype``
    float32 or float64 (the draws are float64, then cast); ``scale`` the factor of
    ``small`` (0.01 in the notes). Returns: dict ``W1, b1, ..., WL, bL``.
    """
    if isinstance(layer_dims, (str, bytes, Mapping)) or not isinstance(layer_dims, (Sequence, np.ndarray)):
        raise TypeError(
            f"layer_dims must be a list [n[0], n[1], ..., n[L]] of layer widths, got {type(layer_dims).__name__} "
            f"{layer_dims!r}"
        )
    dims = list(layer_dims)
    rule = "layer_dims must be at least two positive integers [n[0], ..., n[L]]"
    for i, n in enumerate(dims):
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{rule} (not bools or floats): layer_dims[{i}] is {type(n).__name__} {n!r}")
        if n <= 0:
            raise ValueError(f"{rule}: layer_dims[{i}] is {n}")
    if len(dims) < 2:
        raise ValueError(f"{rule}, got {layer_dims!r}")
    dims = [int(n) for n in dims]
    _check_method(method)
    scale = _check_scale(scale)
    dtype = check_float_dtype("dtype", dtype)
    if method != "zeros":
        check_rng(rng, f"method {method!r}")

    parameters = {}
    for l in range(1, len(dims)):
        n_in, n_out = dims[l - 1], dims[l]
        std = init_std(method, n_in, n_out, scale)
        if method == "zeros":
            W = np.zeros((n_out, n_in))
        else:
            W = standard_normal(rng, (n_out, n_in)) * std
        parameters[f"W{l}"] = W.astype(dtype)
        parameters[f"b{l}"] = np.zeros((n_out, 1), dtype=dtype)
    return parameters
