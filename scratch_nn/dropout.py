"""Inverted dropout, in the notes' notation.

Catalogue IDs: DROP-MASK, DROP-FWD, DROP-BWD, DROP-EXPECT.

Shapes: ``A``, ``dA`` and the mask ``D`` are all ``(n[l], m)``: one keep/drop
decision per unit *and per example*. (A ``(n[l], 1)`` mask would drop the same
units for every example of the batch: a different, wrong, method.)

==============  ===================================================================
DROP-MASK       ``U ~ Uniform[0, 1)`` of A's shape, ``D = (U < keep_prob)``
DROP-FWD        ``A = A * D / keep_prob``
DROP-BWD        ``dA = dA * D / keep_prob``  (the *same* D as the forward pass)
DROP-EXPECT     ``E[A * D / keep_prob] = A`` because ``E[D] = keep_prob``; the number
                of kept units is Binomial(size, keep_prob); ``keep_prob = 1`` is the
                identity
==============  ===================================================================

Conventions:

* ``keep_prob`` is the probability of **keeping** a unit, in ``(0, 1]``. PyTorch's
  ``F.dropout(A, p)`` takes the probability of **dropping** it: ``p = 1 - keep_prob``.
* "Inverted" dropout divides by ``keep_prob`` at training time, so the expected
  activation is unchanged and nothing is rescaled at test time (where dropout is
  simply off). Forgetting the ``/ keep_prob`` shrinks every activation by
  ``keep_prob`` on average.
* ``U`` is drawn (float64) from the ``rng`` passed in and compared with ``keep_prob``
  in float64: replaying the same generator replays the same mask. A
  ``numpy.random.Generator`` draws ``rng.random(A.shape)``; a legacy
  ``numpy.random.RandomState`` draws ``rng.rand(n, m)``, exactly the course's
  ``np.random.seed(1); D1 = np.random.rand(A1.shape[0], A1.shape[1]) < keep_prob``
  (in :func:`scratch_nn.model_forward`, layer by layer, D1 first). PyTorch's generator cannot
  reproduce NumPy's draws, so the comparisons with PyTorch share the mask itself.
* ``D`` has A's dtype and holds exactly 0 and 1 (the course's
  ``np.where(U < keep_prob, 1, 0)`` is an int64 array, and ``float32 * int64`` would
  silently upcast to float64).
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    RNG,
    as_real,
    check_array,
    check_count,
    check_examples,
    check_float_dtype,
    check_plain_array,
    check_rng,
    check_same_dtype,
    uniform,
)


def check_keep_prob(keep_prob: object, dtype: type | np.dtype | None = None) -> float:
    """Return ``keep_prob`` as a Python float, or raise: TypeError if it is not a real
    number, ValueError unless ``0 < keep_prob <= 1``.

    (A Python float, because NumPy 2 treats a ``np.float64`` scalar as float64 and
    ``float32_array / np.float64(0.8)`` would silently upcast.)

    With ``dtype`` (the activations' float dtype), a ``keep_prob`` below that dtype's machine
    epsilon is a ValueError too: it keeps (almost surely) no unit, and in float32 ``1e-50``
    rounds to 0, so ``A * D / keep_prob`` would be ``0 / 0 = NaN``.
    """
    keep_prob = as_real("keep_prob", keep_prob, "in (0, 1], the probability of keeping a unit")
    if dtype is not None:
        dtype = check_float_dtype("dtype", dtype)
    if not (0.0 < keep_prob <= 1.0):  # also rejects NaN
        raise ValueError(
            f"keep_prob must lie in (0, 1] (the probability of KEEPING a unit), got {keep_prob}; "
            "keep_prob = 0 would drop everything and divide by 0"
        )
    if dtype is not None and keep_prob < np.finfo(dtype).eps:
        raise ValueError(
            f"keep_prob = {keep_prob} is below {np.dtype(dtype)}'s machine epsilon {np.finfo(dtype).eps}: it keeps "
            f"(almost surely) no unit and A * D / keep_prob would be 0/0 or overflow; use keep_prob >= 0.01 or so"
        )
    return keep_prob


def _check_rng(rng: object) -> RNG:
    return check_rng(rng, "dropout")


def dropout_mask(shape: tuple[int, int], keep_prob: float, rng: RNG, dtype: type | np.dtype = np.float64) -> np.ndarray:
    """DROP-MASK: ``D = (U < keep_prob)`` with ``U`` ~ Uniform[0, 1) of ``shape``.

    Args: ``shape`` the activation's shape ``(n[l], m)``; ``keep_prob`` in (0, 1];
    ``rng`` a ``numpy.random.Generator`` (``U = rng.random(shape)``) or a legacy
    ``numpy.random.RandomState`` (``U = rng.rand(*shape)``, the course's draw);
    ``dtype`` float32 or float64.
    Returns: ``D`` of ``shape`` and ``dtype``, entries exactly 0.0 or 1.0.
    """
    rng = _check_rng(rng)
    dtype = check_float_dtype("dtype", dtype)
    keep_prob = check_keep_prob(keep_prob, dtype)
    shape = _check_mask_shape(shape)
    return _dropout_mask(shape, keep_prob, rng, dtype)


def _dropout_mask(shape: tuple[int, int], keep_prob: float, rng: RNG, dtype: np.dtype) -> np.ndarray:
    """DROP-MASK, bare: ``D = (U < keep_prob)``, U ~ Uniform[0, 1) of ``shape``, on checked arguments."""
    U = uniform(rng, shape)
    return (U < keep_prob).astype(dtype)


def _check_mask_shape(shape: object) -> tuple[int, int]:
    """The mask's shape ``(n[l], m)``: a tuple or list of two positive integers."""
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"shape must be the activation's shape (n[l], m), a pair of integers, got {shape!r}")
    return (check_count("shape[0]", shape[0], 1, "n[l]"), check_count("shape[1]", shape[1], 1, "m"))


def dropout_forward(A: np.ndarray, keep_prob: float, rng: RNG) -> tuple[np.ndarray, np.ndarray]:
    """DROP-MASK + DROP-FWD: ``D = (U < keep_prob)``, ``A = A * D / keep_prob``.

    Args: ``A`` (n[l], m), the activations of a hidden layer; ``keep_prob`` in (0, 1];
    ``rng`` a ``numpy.random.Generator`` or ``numpy.random.RandomState`` (one draw of
    A's shape per call, see :func:`dropout_mask`).
    Returns: the dropped activations ``(n[l], m)`` (a new array, A's dtype) and the
    mask ``D`` ``(n[l], m)`` (A's dtype, 0/1), which the backward pass needs.
    ``keep_prob = 1`` returns a copy of A and a mask of ones (DROP-EXPECT).
    """
    check_array("A", A, finite=True)
    check_examples("A", A)
    keep_prob = check_keep_prob(keep_prob, A.dtype)
    rng = _check_rng(rng)
    return _dropout_forward(A, keep_prob, rng)


def _dropout_forward(A: np.ndarray, keep_prob: float, rng: RNG) -> tuple[np.ndarray, np.ndarray]:
    """DROP-MASK + DROP-FWD, bare: ``D = (U < keep_prob)``, ``A = A * D / keep_prob``, on arguments the
    caller has checked (``keep_prob`` a Python float in (0, 1], not below A's dtype's epsilon)."""
    D = _dropout_mask(A.shape, keep_prob, rng, A.dtype)
    A = A * D / keep_prob
    return A, D


def _check_mask(D: object, dA: np.ndarray) -> np.ndarray:
    if not isinstance(D, np.ndarray):
        raise TypeError(f"D must be the numpy mask returned by dropout_forward, got {type(D).__name__}")
    check_plain_array("D", D)
    if D.dtype != dA.dtype:
        raise TypeError(
            f"D has dtype {D.dtype} but dA is {dA.dtype}: the mask must have the activations' dtype "
            f"(an integer or bool mask would be silently converted; use D.astype(dA.dtype))"
        )
    if D.shape != dA.shape:
        raise ValueError(
            f"D has shape {D.shape} but dA has {dA.shape}: the mask has A[l]'s full shape (n[l], m), one entry per "
            "unit and example"
        )
    if not np.isin(D, (0.0, 1.0)).all():
        bad = D[~np.isin(D, (0.0, 1.0))].flat[0]
        raise ValueError(
            f"D must contain only 0 and 1 (the mask returned by dropout_forward); found {bad}. "
            "Pass D itself, not D / keep_prob"
        )
    return D


def dropout_backward(dA: np.ndarray, D: np.ndarray, keep_prob: float) -> np.ndarray:
    """DROP-BWD: ``dA = dA * D / keep_prob``, with the mask ``D`` of the forward pass.

    Args: ``dA`` (n[l], m), the gradient with respect to the dropped activations;
    ``D`` (n[l], m), the 0/1 mask returned by :func:`dropout_forward` (same dtype as
    ``dA``); ``keep_prob`` the same value as in the forward pass.
    Returns: the gradient with respect to the activations before dropout,
    ``(n[l], m)``, a new array of dA's dtype.
    """
    check_array("dA", dA, finite=True)
    keep_prob = check_keep_prob(keep_prob, dA.dtype)
    _check_mask(D, dA)
    check_same_dtype(dA=dA, D=D)
    return _dropout_backward(dA, D, keep_prob)


def _dropout_backward(dA: np.ndarray, D: np.ndarray, keep_prob: float) -> np.ndarray:
    """DROP-BWD, bare: ``dA = dA * D / keep_prob`` on arguments :func:`dropout_backward` checks."""
    return dA * D / keep_prob
