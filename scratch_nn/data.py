"""Data helpers. Catalogue ID: DATA-ONEHOT."""

from __future__ import annotations

import numpy as np

from ._checks import check_float_dtype, check_plain_array


def one_hot(labels: np.ndarray, num_classes: int | None = None, dtype: type = np.float64) -> np.ndarray:
    """DATA-ONEHOT: ``Y[k, i] = 1 if labels[i] == k else 0``.

    Args: ``labels`` integer array of shape (m,) (or (1, m)) with values in
    ``0 .. num_classes - 1``; ``num_classes`` defaults to ``max(labels) + 1``.
    Returns: ``Y`` of shape ``(num_classes, m)``: one example per column.
    """
    if num_classes is not None and (
        isinstance(num_classes, (bool, np.bool_)) or not isinstance(num_classes, (int, np.integer))
    ):
        raise TypeError(f"num_classes must be None or an integer, got {type(num_classes).__name__} {num_classes!r}")
    if num_classes is not None and num_classes < 0:
        raise ValueError(f"num_classes must be >= 0, got {num_classes}")
    dtype = check_float_dtype("dtype", dtype)
    if isinstance(labels, np.ndarray):
        check_plain_array("labels", labels)
    from_list = not isinstance(labels, np.ndarray)
    labels = np.asarray(labels)
    if from_list and labels.size == 0:  # np.asarray([]) is float64: an empty list has no labels, not floats
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
    if labels.ndim == 2 and labels.shape[0] == 1:
        labels = labels[0]
    if labels.ndim != 1:
        raise ValueError(f"labels must have shape (m,) or (1, m), got {labels.shape}")
    if labels.size and labels.min() < 0:
        raise ValueError(f"labels must be >= 0, found {labels.min()}")
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and labels.max() >= num_classes:
        raise ValueError(f"label {labels.max()} is out of range for num_classes = {num_classes}")
    Y = np.zeros((num_classes, labels.size), dtype=dtype)
    Y[labels, np.arange(labels.size)] = 1
    return Y
