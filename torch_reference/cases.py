"""How inputs are drawn, so that every check can fail.

The rules (DEVELOPERS.md, "No vacuous checks"), applied by every entry:

* upstream gradients ``dA`` are random normal, never all ones (the gradient of
  ``softmax(z).sum()`` is zero whatever the code does);
* piecewise activations see both branches, and no value within ``KINK_MARGIN``
  of a kink (there the two conventions legitimately differ, see the
  ``test_subgradients`` tests), and smooth ones are not saturated (``|z| <= 3``);
* layers are non-square, biases non-zero, m > 1 in most shapes (m = 1 and
  width 1 are covered too, as edge cases);
* inputs are drawn in float64 and rounded once to the case dtype, so NumPy and
  PyTorch start from bit-identical inputs.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import TypeVar

import numpy as np

T = TypeVar("T")

#: no pre-activation of a piecewise layer is drawn closer than this to 0
KINK_MARGIN = 1e-3


def signed(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: type, lo: float = 0.05, hi: float = 3.0
) -> np.ndarray:
    """Magnitudes uniform in [lo, hi]; half the entries negative (both branches)."""
    size = int(np.prod(shape))
    signs = np.where(np.arange(size) < size // 2, -1.0, 1.0)
    if size == 1:
        signs = np.array([rng.choice([-1.0, 1.0])])
    rng.shuffle(signs)
    return (signs * rng.uniform(lo, hi, size)).reshape(shape).astype(dtype)


def normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: type, scale: float = 1.0) -> np.ndarray:
    """N(0, scale^2) entries: upstream gradients, data."""
    return (scale * rng.standard_normal(shape)).astype(dtype)


def binary_labels(rng: np.random.Generator, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """Labels in {0, 1}, both present when there are at least two."""
    size = int(np.prod(shape))
    Y = (np.arange(size) % 2).astype(np.float64)
    rng.shuffle(Y)
    return Y.reshape(shape).astype(dtype)


def class_labels(rng: np.random.Generator, classes: int, m: int) -> np.ndarray:
    """Integer labels in 0..classes-1 (shape (m,))."""
    return rng.integers(0, classes, size=m)


def probabilities(rng: np.random.Generator, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """Predictions away from 0 and 1 (a BCE input that is not saturated)."""
    return rng.uniform(0.05, 0.95, shape).astype(dtype)


def layer_parameters(rng: np.random.Generator, dims: list[int], dtype: type) -> dict[str, np.ndarray]:
    """``W[l]`` ~ N(0, 1/n[l-1]) (activations neither explode nor vanish) and
    non-zero ``b[l]`` ~ N(0, 0.5^2): a bias bug cannot hide behind b = 0."""
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = normal(rng, (dims[l], dims[l - 1]), dtype, 1 / np.sqrt(dims[l - 1]))
        params[f"b{l}"] = normal(rng, (dims[l], 1), dtype, 0.5)
    return params


def near_kink(Z: np.ndarray) -> bool:
    """True if some entry of Z is within KINK_MARGIN of 0."""
    return bool((np.abs(Z) < KINK_MARGIN).any())


def dead_relu(Z: np.ndarray) -> bool:
    """True if a ReLU layer with pre-activations Z is dead: no positive entry at all, or,
    with at least 4 examples, a unit (row) that is negative for every example."""
    if not (Z > 0).any():
        return True
    return Z.shape[1] >= 4 and not (Z > 0).any(axis=1).all()


#: draws a case may take before :func:`redraw` gives up. Over every entry, shape, seed and dtype the
#: most any case needs is 9 draws (a network whose outputs must all be 0.05 from the threshold 0.5;
#: about 4 on average, i.e. ~1 in 4 accepted): 100 rejections in a row (0.77^100 < 1e-11) means
#: the rule cannot be met (an impossible shape, a broken draw), not bad luck
REDRAW_TRIES = 100

#: the registry key of the entry whose case is being drawn (set by :func:`drawing`), for the error
_DRAWING: contextvars.ContextVar[str] = contextvars.ContextVar("drawing", default="")


class RedrawError(RuntimeError):
    """No acceptable case within the cap of :func:`redraw`: a checker bug, never the code under test's."""


@contextlib.contextmanager
def drawing(key: str) -> Iterator[None]:
    """Within the block, a :func:`redraw` that gives up names entry ``key`` (the registry sets it)."""
    token = _DRAWING.set(key)
    try:
        yield
    finally:
        _DRAWING.reset(token)


def redraw(draw: Callable[[], T], accept: Callable[[T], bool], what: str, tries: int = REDRAW_TRIES) -> T:
    """``draw()`` until ``accept(case)``; the first accepted case.

    Raises :class:`RedrawError` after ``tries`` rejected draws, naming the entry being drawn (see
    :func:`drawing`) and ``what`` could not be drawn (e.g. "a layer with no Z within KINK_MARGIN of 0").
    """
    for _ in range(tries):
        case = draw()
        if accept(case):
            return case
    entry = _DRAWING.get()
    raise RedrawError(f"{entry + ': ' if entry else ''}no case drawn in {tries} tries: {what}")
