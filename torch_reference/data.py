"""Registry entry of one-hot encoding. Catalogue ID: DATA-ONEHOT.

PyTorch's ``F.one_hot`` returns ``(m, classes)`` integers; transposed (in
``layout``) it is the notes' ``Y`` of shape ``(classes, m)``. Exact: bound 0.
"""

from __future__ import annotations

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
