"""n-bit parity computed by networks whose weights are set by hand, deep and shallow.

Catalogue ID: CLAIM-DEPTH ("circuit theory and deep learning": there are functions a
small deep network computes that a shallow one needs exponentially many hidden units
for; the notes' example is ``y = x1 XOR x2 XOR ... XOR xn``).

Every network here is an ordinary parameter dict ``W1, b1, ..., WL, bL`` with ReLU
hidden layers and a linear output layer, evaluated by :func:`scratch_nn.model_forward`
(FWD-L) with ``activations = ["relu"] * (L - 1) + ["linear"]``. Inputs are the 2^n
bit patterns, ``X`` of shape ``(n, 2^n)`` (one pattern per column), and the output
``A[L]`` of shape ``(1, 2^n)`` is exactly 0 or 1: every weight is a small integer, so
every sum is exact in float32 and float64 alike.

Three constructions:

* :func:`deep_parity_network`: a binary tree of XOR blocks. For two values
  ``u, v`` in {0, 1}, ``XOR(u, v) = relu(u + v) - 2 relu(u + v - 1)``: two ReLU
  units, and the ``- 2`` folds into the next layer's weights. Level by level the
  pairs are XOR-ed (an odd one out is carried by one unit, ``relu(u) = u``), so
  ``ceil(log2 n)`` hidden layers and ``2(n - 1)`` XOR units plus at most one
  carrying unit per layer: O(n) units, O(log n) layers.
* :func:`shallow_parity_network`: the notes' one hidden layer that "enumerates all
  configurations": one unit per odd-weight pattern p, ``relu(sum_j (2p_j - 1) x_j -
  (|p| - 1))``, which is 1 exactly at ``x = p`` and 0 at every other pattern; the
  output adds them. ``2^(n-1)`` hidden units. This is a DNF (an OR of ANDs), and for
  AND/OR units the count cannot be lowered: every AND term of a formula for parity
  must fix all n bits (if a bit is free, flipping it flips the parity but not the
  term), so it covers one pattern, and there are 2^(n-1) odd patterns. That, not a
  statement about ReLU networks, is what the circuit-theory claim rests on.
* :func:`counting_parity_network`: one hidden layer of n ReLU units that all see
  ``s = sum_j x_j``: ``relu(s - k)`` for k = 0..n-1, output
  ``h_0 + sum_{k>=1} 2 (-1)^k h_k``, the piecewise-linear zigzag through
  ``(s, s mod 2)``. So a one-hidden-layer *ReLU* network needs only n units for
  parity: the exponential gap holds for AND/OR circuits (and for what the
  enumeration construction builds), not for every kind of shallow network.
"""

from __future__ import annotations

import itertools

import numpy as np

from ._checks import check_array, check_count, check_examples, check_float_dtype, check_parameters

#: the largest n the constructions take: 2^n input patterns (and 2^(n-1) hidden units for the shallow one)
MAX_BITS = 20


def _check_bits(n: object) -> int:
    return check_count("n", n, 1, f"the number of bits, at most {MAX_BITS}: 2^n patterns")


def _check_n(n: object, dtype: object, limit: bool = True) -> tuple[int, np.dtype]:
    n = _check_bits(n)
    if limit and n > MAX_BITS:
        raise ValueError(f"n = {n} bits would need 2^{n} patterns; at most n = {MAX_BITS} here")
    return n, check_float_dtype("dtype", dtype)


def parity_inputs(n: int, dtype: type = np.float64) -> np.ndarray:
    """All 2^n bit patterns as columns: ``X[j, i] = bit j of i``; shape ``(n, 2^n)``."""
    n, dtype = _check_n(n, dtype)
    i = np.arange(2**n)
    return ((i[None, :] >> np.arange(n)[:, None]) & 1).astype(dtype)


def parity_labels(X: np.ndarray) -> np.ndarray:
    """``y = x1 XOR x2 XOR ... XOR xn`` for each column of ``X`` (n, m) in {0, 1}; shape ``(1, m)``."""
    check_array("X", X, finite=True)
    check_examples("X", X)
    if not ((X == 0) | (X == 1)).all():
        raise ValueError("X must hold bits: every entry 0 or 1 (parity of non-bits is not defined)")
    return (X.sum(axis=0, keepdims=True) % 2).astype(X.dtype)


def parity_activations(parameters: dict[str, np.ndarray]) -> list[str]:
    """``["relu"] * (L - 1) + ["linear"]``, the activations of every network of this module."""
    L = check_parameters(parameters)
    return ["relu"] * (L - 1) + ["linear"]


def hidden_units(parameters: dict[str, np.ndarray]) -> int:
    """The number of hidden units, ``n[1] + ... + n[L-1]``."""
    L = check_parameters(parameters)
    return int(sum(parameters[f"W{l}"].shape[0] for l in range(1, L)))


def deep_parity_network(n: int, dtype: type = np.float64) -> dict[str, np.ndarray]:
    """CLAIM-DEPTH: a tree of XOR blocks computing n-bit parity exactly.

    Each value of the tree is kept as a coefficient row over the current layer's units
    (an input bit ``x_j`` is the unit row e_j of A[0]; ``XOR(u, v)`` is ``h1 - 2 h2`` over
    its two units). A hidden layer takes the values in pairs: unit ``relu(u + v)`` (row
    ``c_u + c_v``, bias 0) and unit ``relu(u + v - 1)`` (bias -1); an odd value left over
    is carried by ``relu(u)``. The linear output layer reads the last value.

    Returns ``W1, b1, ..., WL, bL`` with ``L - 1 = ceil(log2 n)`` hidden layers;
    ``W[l]`` is ``(n[l], n[l-1])``, ``b[l]`` ``(n[l], 1)``.
    """
    n, dtype = _check_n(n, dtype, limit=False)
    values = [row for row in np.eye(n)]  # coefficient rows over A[0] = X
    parameters: dict[str, np.ndarray] = {}
    l = 0
    while len(values) > 1:
        l += 1
        W_rows, b_rows, next_values = [], [], []
        for k in range(0, len(values) - 1, 2):
            c = values[k] + values[k + 1]
            W_rows += [c, c]
            b_rows += [0.0, -1.0]
            next_values.append(("xor", len(W_rows) - 2))
        if len(values) % 2 == 1:  # carry the odd one out: relu(u) = u for u in {0, 1}
            W_rows.append(values[-1])
            b_rows.append(0.0)
            next_values.append(("carry", len(W_rows) - 1))
        width = len(W_rows)
        parameters[f"W{l}"] = np.array(W_rows, dtype=dtype)
        parameters[f"b{l}"] = np.array(b_rows, dtype=dtype).reshape(width, 1)
        values = []
        for kind, j in next_values:
            row = np.zeros(width)
            if kind == "xor":
                row[j], row[j + 1] = 1.0, -2.0  # XOR(u, v) = h1 - 2 h2
            else:
                row[j] = 1.0
            values.append(row)
    parameters[f"W{l + 1}"] = values[0].reshape(1, -1).astype(dtype)
    parameters[f"b{l + 1}"] = np.zeros((1, 1), dtype=dtype)
    return parameters


def shallow_parity_network(n: int, dtype: type = np.float64) -> dict[str, np.ndarray]:
    """CLAIM-DEPTH: one hidden layer, one ReLU unit per odd-weight pattern p (2^(n-1) units).

    Unit p: ``z_p = sum_j (2 p_j - 1) x_j - (|p| - 1)``; for x in {0, 1}^n,
    ``sum_j (2 p_j - 1) x_j = |p AND x| - |x AND NOT p| <= |p|`` with equality only at
    ``x = p``, so ``relu(z_p)`` is 1 at x = p and 0 elsewhere. Output: ``sum_p relu(z_p)``.

    Returns ``W1`` (2^(n-1), n), ``b1`` (2^(n-1), 1), ``W2`` (1, 2^(n-1)), ``b2`` (1, 1).
    """
    n, dtype = _check_n(n, dtype)
    patterns = np.array([p for p in itertools.product((0, 1), repeat=n) if sum(p) % 2 == 1], dtype=np.float64)
    units = patterns.shape[0]
    return {
        "W1": (2 * patterns - 1).astype(dtype),
        "b1": (1 - patterns.sum(axis=1, keepdims=True)).astype(dtype),
        "W2": np.ones((1, units), dtype=dtype),
        "b2": np.zeros((1, 1), dtype=dtype),
    }


def counting_parity_network(n: int, dtype: type = np.float64) -> dict[str, np.ndarray]:
    """CLAIM-DEPTH: one hidden layer of n ReLU units on ``s = sum_j x_j``.

    ``h_k = relu(s - k)``, k = 0..n-1; ``ŷ = h_0 + sum_{k=1}^{n-1} 2 (-1)^k h_k``: the linear
    interpolation of ``s mod 2`` at s = 0, 1, ..., n (slope +1, then -1, +1, ... after each
    integer), exact at every integer s.

    Returns ``W1`` (n, n), ``b1`` (n, 1), ``W2`` (1, n), ``b2`` (1, 1).
    """
    n, dtype = _check_n(n, dtype, limit=False)
    k = np.arange(n)
    W2 = np.where(k == 0, 1.0, 2.0 * (-1.0) ** k).reshape(1, n)
    return {
        "W1": np.ones((n, n), dtype=dtype),
        "b1": (-k.astype(np.float64)).reshape(n, 1).astype(dtype),
        "W2": W2.astype(dtype),
        "b2": np.zeros((1, 1), dtype=dtype),
    }
