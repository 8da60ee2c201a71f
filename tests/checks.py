"""Assertions shared by several test files."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest


def assert_rejected_unchanged(
    func: Callable[..., Any], args: tuple, kwargs: dict[str, Any], exc: type[Exception], match: str
) -> None:
    """``func(*args, **kwargs)`` raises ``exc`` with a message matching ``match``, and every
    array among the arguments (inside tuples, lists and dicts too) is left as it was."""
    before = copy.deepcopy((args, kwargs))
    with pytest.raises(exc, match=match):
        func(*args, **kwargs)
    _assert_same(before, (args, kwargs))


def _assert_same(x: Any, y: Any) -> None:
    if isinstance(x, np.ndarray):
        np.testing.assert_array_equal(x, y)
        assert x.dtype == y.dtype and x.shape == y.shape
    elif isinstance(x, dict):
        assert x.keys() == y.keys()
        for k in x:
            _assert_same(x[k], y[k])
    elif isinstance(x, (tuple, list)):
        assert len(x) == len(y)
        for a, c in zip(x, y, strict=True):
            _assert_same(a, c)
