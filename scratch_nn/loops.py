"""The forward pass one example at a time, as the notes first write it, before vectorizing.

Catalogue ID: FWD-LOOP. The notes::

    for i = 1 to m:
        z[1](i) = W[1] x(i) + b[1]
        a[1](i) = g[1](z[1](i))
        ...
        z[L](i) = W[L] a[L-1](i) + b[L]
        a[L](i) = g[L](z[L](i))

Stacking the columns ``z[l](i)`` side by side gives ``Z[l] = W[l] A[l-1] + b[l]`` (FWD-L): the loop
and :func:`scratch_nn.model_forward` compute the same Z[l] and A[l] (up to the order of the sums
inside each dot product, i.e. within rounding). Softmax is per column, so it too works one example
at a time.

Shapes: ``X`` (n[0], m), ``x(i) = X[:, [i]]`` (n[0], 1); ``W[l]`` (n[l], n[l-1]), ``b[l]`` (n[l], 1);
``z[l](i)``, ``a[l](i)`` (n[l], 1); the returned ``Z[l]``, ``A[l]`` (n[l], m).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._checks import check_parameters
from ._linalg import matmul
from .activations import activation_forward
from .layers import ActivationCache
from .model import check_x, layer_activations


def model_forward_loop(
    X: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[ActivationCache]]:
    """FWD-LOOP: for i = 1..m, for l = 1..L: ``z[l](i) = W[l] a[l-1](i) + b[l]``, ``a[l](i) = g[l](z[l](i))``.

    Args: ``X`` (n[0], m); ``parameters`` ``W1, b1, ..., WL, bL``; activations as in
    :func:`scratch_nn.model_forward`.
    Returns: ``AL`` (n[L], m) and ``caches`` in :func:`scratch_nn.model_forward`'s form, a list of L
    entries ``((A[l-1], W[l], b[l]), Z[l])`` whose columns were computed one example at a time.
    """
    L = check_parameters(parameters)
    m = check_x(X, parameters)
    g = layer_activations(L, hidden_activation, output_activation, activations)

    Z = {l: np.empty((parameters[f"W{l}"].shape[0], m), dtype=X.dtype) for l in range(1, L + 1)}
    A = {0: X, **{l: np.empty_like(Z[l]) for l in range(1, L + 1)}}
    for i in range(m):
        a = X[:, [i]]  # x(i) = a[0](i), (n[0], 1)
        for l in range(1, L + 1):
            z = matmul(parameters[f"W{l}"], a) + parameters[f"b{l}"]  # z[l](i) = W[l] a[l-1](i) + b[l]
            a = activation_forward(z, g[l - 1])  # a[l](i) = g[l](z[l](i))
            Z[l][:, [i]], A[l][:, [i]] = z, a
    caches = [((A[l - 1], parameters[f"W{l}"], parameters[f"b{l}"]), Z[l]) for l in range(1, L + 1)]
    return A[L], caches
