"""Element-wise comparison of an implementation's output with the oracle's.

:func:`compare` checks, in this order, that the output is a NumPy array (or a
Python float where the contract says so), that its shape and dtype are the
expected ones (a ``(n,)`` db or a float64 result from float32 inputs is a
failure, not something to broadcast or cast away), and that every element is
within its derived tolerance (:func:`torch_reference.tolerance.tolerance`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tolerance import tolerance


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing one quantity (e.g. ``dW2``) of one case."""

    name: str
    passed: bool
    max_abs: float = float("nan")
    max_rel: float = float("nan")
    fraction: float = float("nan")  # worst |error| / tolerance; <= 1 passes
    detail: str = ""  # why it failed, naming the worst element
    diagnosis: str = ""  # the likely mistake, when a known signature matches (diagnose.py)


def _fmt_index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def compare(
    name: str,
    actual: object,
    expected: np.ndarray,
    bound: np.ndarray | float,
    dtype: np.dtype | type,
    scalar: bool = False,
    strict_dtype: bool = True,
) -> Comparison:
    """Compare ``actual`` (from the implementation) with ``expected`` (the oracle, float64).

    Args: ``name`` as the notes write it (``"dW2"``); ``bound`` the rounding-error
    bound of one evaluation in units of u (same shape as ``expected``, or scalar);
    ``dtype`` the dtype the case ran in; ``scalar`` True where the contract returns a
    Python float (a cost), so that a ``(1, 1)`` array is reported as the mistake it is;
    ``strict_dtype`` False accepts any floating dtype (the course promises none).
    """
    dtype = np.dtype(dtype)
    expected = np.asarray(expected, dtype=np.float64)
    if scalar:
        if isinstance(actual, np.ndarray) and actual.shape == () and actual.dtype.kind == "f":
            actual = actual[()]  # a 0-d array (the course's np.squeeze(cost)) is a scalar
        if isinstance(actual, np.ndarray) or not isinstance(actual, (float, np.floating)):
            shape = getattr(actual, "shape", None)
            what = f"an array of shape {shape}" if shape is not None else type(actual).__name__
            return Comparison(name, False, detail=f"{name} should be a Python float, got {what}")
        actual_arr = np.asarray(float(actual), dtype=np.float64)
    else:
        if not isinstance(actual, np.ndarray):
            return Comparison(name, False, detail=f"{name} should be a numpy array, got {type(actual).__name__}")
        if actual.shape != expected.shape:
            return Comparison(name, False, detail=f"{name} has shape {actual.shape}, expected {expected.shape}")
        if strict_dtype and actual.dtype != dtype:
            return Comparison(
                name, False, detail=f"{name} has dtype {actual.dtype}, expected {dtype} (the inputs' dtype)"
            )
        if actual.dtype.kind not in "biuf":
            return Comparison(name, False, detail=f"{name} has dtype {actual.dtype}, expected a numeric array")
        actual_arr = actual.astype(np.float64)

    tol = np.broadcast_to(tolerance(dtype, bound, expected), expected.shape)
    err = np.abs(actual_arr - expected)
    err = np.where(np.isnan(err), np.inf, err)  # a NaN is never within tolerance
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # err/tiny may overflow to inf: a FAIL
        rel = np.where(expected != 0, err / np.abs(expected), np.where(err == 0, 0.0, np.inf))
        frac = np.where(err == 0, 0.0, err / tol)
    worst = np.unravel_index(int(np.argmax(frac)), frac.shape) if frac.size else ()
    fraction = float(frac[worst]) if frac.size else 0.0
    passed = fraction <= 1.0
    detail = ""
    if not passed:
        detail = (
            f"{name}{_fmt_index(worst)}: got {float(actual_arr[worst])!r}, expected {float(expected[worst])!r} "
            f"(|err| {err[worst]:.3g} > tol {tol[worst]:.3g}, {fraction:.3g}x)"
        )
    return Comparison(
        name,
        passed,
        max_abs=float(err.max()) if err.size else 0.0,
        max_rel=float(rel.max()) if rel.size else 0.0,
        fraction=fraction,
        detail=detail,
    )
