"""Registry entry of one-hot encoding. Catalogue ID: DATA-ONEHOT.

PyTorch's ``F.one_hot`` returns ``(m, classes)`` integers; transposed (in
``layout``) it is the notes' ``Y`` of shape ``(classes, m)``. Exact: bound 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from . import cases
from .layout import from_rows
from .registry import Case, Entry, Reference, register


def draw_labels(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> Case:
    classes, m = shape
    return {"labels": cases.class_labels(rng, classes, m), "classes": classes, "dtype": dtype}


def _onehot_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    t = F.one_hot(torch.as_tensor(case["labels"], device=device), case["classes"]).to(dtype)
    return {"Y": Reference(from_rows(t), 0.0)}


register(
    Entry(
        id="DATA-ONEHOT",
        equation="Y[k, i] = 1 if label_i = k else 0; Y is (classes, m)",
        draw=draw_labels,
        run=lambda impl, c: {"Y": impl.one_hot(c["labels"], c["classes"], dtype=c["dtype"])},
        oracle=_onehot_oracle,
        shapes=[(10, 17), (3, 1), (2, 9)],
        needs=("one_hot",),
    )
)


def _run_onehot(form: str):
    """``form``: labels of shape (1, m); or num_classes left out (inferred as max + 1)."""

    def run(impl: Any, case: Case) -> dict[str, Any]:
        labels, k = case["labels"], case["classes"]
        if form == "row":
            return {"Y": impl.one_hot(labels.reshape(1, -1), k, dtype=case["dtype"])}
        return {"Y": impl.one_hot(_with_largest(labels, k), dtype=case["dtype"])}

    return run


def _with_largest(labels: np.ndarray, classes: int) -> np.ndarray:
    """The labels with the largest class present, so that max + 1 = classes."""
    labels = labels.copy()
    labels[0] = classes - 1
    return labels


def _onehot_oracle_inferred(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    return _onehot_oracle({**case, "labels": _with_largest(case["labels"], case["classes"])}, device, dtype)


for _form, _variant, _oracle in (
    ("row", "labels of shape (1, m)", _onehot_oracle),
    ("inferred", "num_classes = max + 1", _onehot_oracle_inferred),
):
    register(
        Entry(
            id="DATA-ONEHOT",
            variant=_variant,
            equation="Y[k, i] = 1 if label_i = k else 0; Y is (classes, m)",
            draw=draw_labels,
            run=_run_onehot(_form),
            oracle=_oracle,
            shapes=[(10, 17), (2, 9)],
            needs=("one_hot",),
        )
    )
