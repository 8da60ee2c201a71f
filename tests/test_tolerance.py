"""The tolerance function: its constants, and a negative control showing that the
derived tolerances are tight enough to catch errors far below any bug's size.

For every registry entry, an implementation whose every returned number is off by
a relative 1e-10 (float64; ~10^6 u) or 1e-4 (float32; ~10^3 u) must fail: a
tolerance loose enough to let that through would not be "a few units of the bound".
"""

from __future__ import annotations

import types

import numpy as np

import scratch_nn
from torch_reference.registry import entries, run_case
from torch_reference.tolerance import linear_bound, tolerance, unit_roundoff

PERTURBATION = {"float64": 1e-10, "float32": 1e-4}


def test_unit_roundoff():
    assert unit_roundoff(np.float32) == 2.0**-24
    assert unit_roundoff(np.float64) == 2.0**-53


def test_dot_product_bound_is_tighter_than_assert_close_defaults():
    rng = np.random.default_rng(0)
    W, A, b = rng.standard_normal((4, 64)), rng.standard_normal((64, 8)), rng.standard_normal((4, 1))
    Z = W @ A + b
    tol = tolerance(np.float64, linear_bound(W, A, b), Z)
    assert (tol < 1e-7 + 1e-7 * np.abs(Z)).all()  # torch.testing.assert_close float64 defaults
    assert (tol > 64 * unit_roundoff(np.float64) * np.abs(Z)).all()  # but not below k·u·|Z|


def _perturb(obj, factor):
    if isinstance(obj, np.ndarray) and obj.dtype.kind == "f":
        return obj * obj.dtype.type(factor)
    if isinstance(obj, (float, np.floating)):
        return type(obj)(obj * factor)
    if isinstance(obj, tuple):
        return tuple(_perturb(o, factor) for o in obj)
    if isinstance(obj, list):
        return [_perturb(o, factor) for o in obj]
    if isinstance(obj, dict):
        return {k: _perturb(v, factor) for k, v in obj.items()}
    return obj


def _perturbed_impl(factor):
    def wrap(f):
        return lambda *a, **k: _perturb(f(*a, **k), factor)

    return types.SimpleNamespace(
        **{name: wrap(getattr(scratch_nn, name)) for name in scratch_nn.__all__ if callable(getattr(scratch_nn, name))}
    )


def test_tiny_relative_errors_are_caught_by_every_entry(dtype):
    impl = _perturbed_impl(1 + PERTURBATION[dtype])
    missed = []
    for entry in entries():
        if entry.id in ("INIT-ZERO",):  # every value is exactly 0: a relative error leaves it 0
            continue
        if "finite differences" in entry.variant:  # tolerance = the derived truncation error of the
            continue  # difference quotient (~1e-7 relative), not rounding: see test_gradient_check.py
        results = [run_case(entry, impl, "cpu", dtype, 0, shape) for shape in entry.shapes[:2]]
        if all(r.passed for r in results) and any(r.status == "pass" for r in results):
            missed.append(entry.key)
    assert missed == []
