"""Inverted dropout in PyTorch, and the registry entries of its exact parts.

Catalogue IDs: DROP-MASK, DROP-FWD, DROP-BWD, DROP-EXPECT.

A dropout mask cannot be reproduced across libraries (or devices): PyTorch's
generator does not replay NumPy's stream. So the exact checks **share the mask**:

* DROP-MASK: ``dropout_forward(A, keep_prob, rng)`` must return ``D = (U < keep_prob)``
  with ``U = rng.random(A.shape)``, the draw of the generator it was given; the
  oracle replays ``np.random.default_rng(seed)`` and makes the comparison in PyTorch
  (float64, where ``U`` was drawn).
* DROP-FWD, DROP-BWD: PyTorch computes ``A * D / keep_prob`` with that same ``D`` and
  differentiates through it (autograd with a random upstream ``dA``), per call, per
  layer, and through the whole L-layer network (masks on the hidden layers only).
* DROP-EXPECT's exact part: ``keep_prob = 1`` is the identity (PyTorch:
  ``F.dropout(A, p=0.0)``), and the deep model with ``keep_prob = 1`` is the model
  without dropout (no masks in its caches).

The statistical claims (keep rate ~ Binomial, ``E[A_dropped] = A``, PyTorch's own
``F.dropout`` keep rate and ``1/(1 - p)`` scale, masks of A's full shape, fresh masks
on every call) are ordinary tests: ``tests/test_dropout.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from . import cases
from .activations import KINKED, torch_activation
from .layers import LAYER_SHAPES, draw_forward_layer, torch_linear, torch_linear_backward
from .layout import backward_from, from_rows, to_rows
from .model import draw_model, dZ_request, reference_bounds, reference_pass
from .registry import Case, Entry, Oracle, Reference, Run, register
from .tolerance import activation_backward_bound, activation_bound, dropout_bound, linear_backward_bounds, linear_bound

#: (n[l], m): non-square both ways, m > 1, and m = 1
DROP_SHAPES = [(5, 7), (3, 12), (4, 1)]
#: keep probabilities of the entries: never 0.5, where keep and drop rates coincide
KEEP_PROBS = (0.8, 0.65)


def replay_masks(seed: int, shapes: Sequence[tuple[int, int]], keep_prob: float) -> list[np.ndarray]:
    """DROP-MASK replayed: the masks that ``np.random.default_rng(seed)`` gives, one
    ``U = rng.random(shape)`` per shape in order, ``D = (U < keep_prob)`` compared by
    PyTorch in float64; float64 0/1 arrays in the notes' layout."""
    rng = np.random.default_rng(seed)
    return [(torch.from_numpy(rng.random(shape)) < keep_prob).double().numpy() for shape in shapes]


def torch_dropout_with_mask(
    A: np.ndarray, D: np.ndarray, keep_prob: float, dA: np.ndarray, device: str, dtype: torch.dtype
) -> tuple[np.ndarray, np.ndarray]:
    """``A * D / keep_prob`` in PyTorch and, by autograd with upstream ``dA``, its gradient
    ``dA * D / keep_prob``; both ``(n, m)`` float64 (notes' layout)."""
    At = to_rows(A, device, dtype, requires_grad=True)
    out = At * to_rows(D, device, dtype) / keep_prob
    backward_from(out, to_rows(dA, device, dtype))
    return from_rows(out), from_rows(At.grad)


def _draw(keep_prob: float):
    def draw(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> Case:
        """Activations and a random upstream gradient (both signs), a generator seed for
        the forward mask, and a shared mask D for the backward checks."""
        return {
            "A": cases.normal(rng, shape, dtype),
            "dA": cases.normal(rng, shape, dtype),
            "seed": int(rng.integers(2**31)),
            "D": (rng.random(shape) < keep_prob).astype(dtype),
            "keep_prob": keep_prob,  # recorded for diagnose.py
        }

    return draw


# ----------------------------------------------------------------------- DROP-MASK, DROP-FWD, DROP-BWD
def _entry(
    cid: str, equation: str, keep_prob: float, run: Run, oracle: Oracle, needs: tuple[str, ...], layer: str = ""
) -> Entry:
    """A DROP-* entry of one call on the activations of :func:`_draw` or, with ``layer`` (an
    activation's name), of one layer (g, then dropout) on the cases of :func:`_draw_layer`."""
    return Entry(
        id=cid,
        variant=f"layer {layer}, keep_prob={keep_prob}" if layer else f"keep_prob={keep_prob}",
        equation=equation,
        draw=_draw_layer(keep_prob) if layer else _draw(keep_prob),
        run=run,
        oracle=oracle,
        shapes=DROP_LAYER_SHAPES if layer else DROP_SHAPES,
        needs=needs,
    )


def _forward_output(key: str, keep_prob: float) -> Run:
    """The run of ``dropout_forward(A, keep_prob, default_rng(seed))``: its output ``key`` ("A" or "D")."""

    def run(impl: Any, case: Case) -> dict[str, Any]:
        A, D = impl.dropout_forward(case["A"], keep_prob, np.random.default_rng(case["seed"]))
        return {key: A if key == "A" else D}

    return run


def _mask_entry(keep_prob: float) -> Entry:
    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        return {"D": Reference(replay_masks(case["seed"], [case["A"].shape], keep_prob)[0], 0.0)}

    equation = "D = (U < keep_prob), U = rng.random(A.shape) ~ Uniform[0, 1)"
    return _entry("DROP-MASK", equation, keep_prob, _forward_output("D", keep_prob), oracle, ("dropout_forward",))


def _forward_entry(keep_prob: float) -> Entry:
    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        A = case["A"]
        D = replay_masks(case["seed"], [A.shape], keep_prob)[0]
        out, _ = torch_dropout_with_mask(A, D, keep_prob, np.zeros_like(A), device, dtype)
        return {"A": Reference(out, dropout_bound(out))}

    run = _forward_output("A", keep_prob)
    return _entry("DROP-FWD", "A = A * D / keep_prob", keep_prob, run, oracle, ("dropout_forward",))


def _backward_entry(keep_prob: float) -> Entry:
    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        _, dA = torch_dropout_with_mask(case["A"], case["D"], keep_prob, case["dA"], device, dtype)
        return {"dA": Reference(dA, dropout_bound(dA))}

    def run(impl: Any, case: Case) -> dict[str, Any]:
        return {"dA": impl.dropout_backward(case["dA"], case["D"], keep_prob)}

    equation = "dA = dA * D / keep_prob (the forward's D)"
    return _entry("DROP-BWD", equation, keep_prob, run, oracle, ("dropout_backward",))


for _kp in KEEP_PROBS:
    register(_mask_entry(_kp))
    register(_forward_entry(_kp))
    register(_backward_entry(_kp))


# ----------------------------------------------------------------------- one layer: g, then dropout
#: (activation, keep_prob) of the per-layer entries
LAYER_VARIANTS = [("relu", 0.8), ("tanh", 0.65)]
DROP_LAYER_SHAPES = LAYER_SHAPES[:3]


def _draw_layer(keep_prob: float):
    def draw(rng: np.random.Generator, shape: tuple[int, int, int], dtype: type) -> Case:
        """A layer (A_prev, W, b non-zero, Z = W A_prev + b away from kinks), a Z and dA for
        backward (both branches), a forward seed and a shared backward mask."""
        case = draw_forward_layer(rng, shape, dtype)
        case["seed"] = int(rng.integers(2**31))
        case["D"] = (rng.random(case["Z"].shape) < keep_prob).astype(dtype)
        case["keep_prob"] = keep_prob  # recorded for diagnose.py
        return case

    return draw


def _layer_forward_entry(name: str, keep_prob: float) -> Entry:
    def run(impl: Any, case: Case) -> dict[str, Any]:
        A, _cache = impl.linear_activation_forward(case["A_prev"], case["W"], case["b"], name)
        A, _D = impl.dropout_forward(A, keep_prob, np.random.default_rng(case["seed"]))
        return {"A": A}

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        A_prev, W, b = case["A_prev"], case["W"], case["b"]
        with torch.no_grad():
            Zt = torch_linear(W, b, device, dtype)(to_rows(A_prev, device, dtype))
            At = torch_activation(name)(Zt)
        Z, A_kept = from_rows(Zt), from_rows(At)
        D = replay_masks(case["seed"], [A_kept.shape], keep_prob)[0]
        out, _ = torch_dropout_with_mask(A_kept.astype(A_prev.dtype), D, keep_prob, np.zeros_like(Z), device, dtype)
        B_A = activation_bound(name, Z, A_kept, linear_bound(W, A_prev, b))
        return {"A": Reference(out, dropout_bound(out, D, keep_prob, B_A))}

    equation = "A[l] = g[l](W[l] A[l-1] + b[l]) * D[l] / keep_prob"
    needs = ("linear_activation_forward", "dropout_forward")
    return _entry("DROP-FWD", equation, keep_prob, run, oracle, needs, layer=name)


def _layer_backward_entry(name: str, keep_prob: float) -> Entry:
    def run(impl: Any, case: Case) -> dict[str, Any]:
        dA = impl.dropout_backward(case["dA"], case["D"], keep_prob)
        cache = ((case["A_prev"], case["W"], case["b"]), case["Z"])
        dA_prev, dW, db = impl.linear_activation_backward(dA, cache, name)
        return {"dA before dropout": dA, "dA_prev": dA_prev, "dW": dW, "db": db}

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        A_prev, W, b, Z, D = case["A_prev"], case["W"], case["b"], case["Z"], case["D"]
        Zt = to_rows(Z, device, dtype, requires_grad=True)
        At = torch_activation(name)(Zt)
        At.retain_grad()
        backward_from(At * to_rows(D, device, dtype) / keep_prob, to_rows(case["dA"], device, dtype))
        dA, dZ = from_rows(At.grad), from_rows(Zt.grad)
        grads = torch_linear_backward(A_prev, W, b, dZ.astype(Z.dtype), device, dtype)
        B_dA = dropout_bound(dA)
        B_dZ = activation_backward_bound(name, Z, dA, B_dA)
        bounds = linear_backward_bounds(dZ, A_prev, W, B_dZ)
        refs = {"dA before dropout": Reference(dA, B_dA)}
        refs.update({k: Reference(v, bounds[k]) for k, v in grads.items()})
        return refs

    equation = "dA[l] * D[l] / keep_prob, then dZ[l] = dA[l] * g'(Z[l]), dW, db, dA[l-1]"
    needs = ("dropout_backward", "linear_activation_backward")
    return _entry("DROP-BWD", equation, keep_prob, run, oracle, needs, layer=name)


for _name, _kp in LAYER_VARIANTS:
    register(_layer_forward_entry(_name, _kp))
    register(_layer_backward_entry(_name, _kp))


# ----------------------------------------------------------------------- the L-layer network
#: (layer_dims, activations, m, keep_prob): L >= 3, non-square, every hidden activation
DROP_MODEL_SHAPES = [
    ((5, 4, 3, 1), ("relu", "relu", "sigmoid"), 7, 0.8),
    ((4, 6, 5, 3, 3), ("tanh", "leaky_relu", "elu", "softmax"), 9, 0.65),
    ((6, 5, 4, 2), ("elu", "tanh", "linear"), 8, 0.8),
]


def model_masks(case: Case) -> list[np.ndarray | None]:
    """The masks ``model_forward(..., keep_prob, rng=default_rng(seed))`` draws: one per
    hidden layer l = 1..L-1 of shape (n[l], m), in order; None for the output layer."""
    dims, m = [case["parameters"]["W1"].shape[1]], case["X"].shape[1]
    dims += [case["parameters"][f"W{l}"].shape[0] for l in range(1, len(case["activations"]) + 1)]
    shapes = [(dims[l], m) for l in range(1, len(dims) - 1)]
    return [*replay_masks(case["seed"], shapes, case["keep_prob"]), None]


def draw_dropout_model(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    """X, parameters, Y (``model.draw_model``), keep_prob and a seed for the masks; redrawn
    until no piecewise layer's Z is within ``cases.KINK_MARGIN`` of 0 *with* the masks."""
    dims, acts, m, keep_prob = shape

    def draw() -> Case:
        case = draw_model(rng, (dims, acts, m), dtype)
        case["keep_prob"], case["seed"] = keep_prob, int(rng.integers(2**31))
        return case

    def accept(case: Case) -> bool:
        masks = model_masks(case)
        ref = reference_pass(case["parameters"], case["X"], case["Y"], acts, "cpu", torch.float64, masks, keep_prob)
        return not any(cases.near_kink(ref[f"Z{l}"]) for l in range(1, len(acts) + 1) if acts[l - 1] in KINKED)

    what = f"a network {dims} {acts} with dropout masks and no kinked Z within KINK_MARGIN of 0"
    return cases.redraw(draw, accept, what)


def _model_forward_run(impl: Any, case: Case) -> tuple[np.ndarray, list]:
    rng = np.random.default_rng(case["seed"])
    return impl.model_forward(
        case["X"], case["parameters"], activations=case["activations"], keep_prob=case["keep_prob"], rng=rng
    )


def _run_dropout_forward(impl: Any, case: Case) -> dict[str, Any]:
    AL, caches = _model_forward_run(impl, case)
    L = len(caches)
    out: dict[str, Any] = {f"Z{l}": cache[1] for l, cache in enumerate(caches, start=1)}
    out.update({f"A{l}": caches[l][0][0] for l in range(1, L)})  # the dropped A[l] layer l+1 saw
    out.update({f"D{l}": caches[l - 1][2] for l in range(1, L) if len(caches[l - 1]) > 2})
    out[f"A{L}"] = AL
    return out


def _run_dropout_backward(impl: Any, case: Case) -> dict[str, Any]:
    AL, caches = _model_forward_run(impl, case)
    kwargs = {"activations": case["activations"], "keep_prob": case["keep_prob"], **dZ_request(impl.model_backward)}
    return impl.model_backward(AL, case["Y"], caches, **kwargs)


def _dropout_model_oracle(keys: str):
    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        params, X, Y, acts, kp = case["parameters"], case["X"], case["Y"], case["activations"], case["keep_prob"]
        masks = model_masks(case)
        ref = reference_pass(params, X, Y, acts, device, dtype, masks, kp)
        B = reference_bounds(params, Y, acts, ref, masks, kp)
        L = len(acts)
        if keys == "forward":
            refs = {f"{q}{l}": Reference(ref[f"{q}{l}"], B[f"{q}{l}"]) for l in range(1, L + 1) for q in ("Z", "A")}
            refs.update({f"D{l}": Reference(masks[l - 1], 0.0) for l in range(1, L)})
            return refs
        names = [f"{q}{l}" for l in range(L, 0, -1) for q in ("dW", "db")] + [f"dA{l}" for l in range(L)]
        refs = {name: Reference(ref[name], B[name]) for name in names}
        # dZ[l] is an extra of scratch_nn's model_backward (the course's returns dA, dW, db only)
        refs.update({f"dZ{l}": Reference(ref[f"dZ{l}"], B[f"dZ{l}"], optional=True) for l in range(1, L + 1)})
        return refs

    return oracle


register(
    Entry(
        id="DROP-FWD",
        variant="L-layer model, masks on hidden layers",
        equation="A[l] = g[l](Z[l]) * D[l] / keep_prob for l = 1..L-1; output layer never dropped",
        draw=draw_dropout_model,
        run=_run_dropout_forward,
        oracle=_dropout_model_oracle("forward"),
        shapes=DROP_MODEL_SHAPES,
        needs=("model_forward",),
    )
)

register(
    Entry(
        id="DROP-BWD",
        variant="L-layer model, masks on hidden layers",
        equation="dA[l] * D[l] / keep_prob before g'[l], l = L-1..1",
        draw=draw_dropout_model,
        run=_run_dropout_backward,
        oracle=_dropout_model_oracle("backward"),
        shapes=DROP_MODEL_SHAPES,
        needs=("model_forward", "model_backward"),
    )
)


# ----------------------------------------------------------------------- DROP-EXPECT: keep_prob = 1
def _run_identity(impl: Any, case: Case) -> dict[str, Any]:
    A, D = impl.dropout_forward(case["A"], 1.0, np.random.default_rng(case["seed"]))
    return {"A": A, "D": D, "dA": impl.dropout_backward(case["dA"], D, 1.0)}


def _identity_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    """PyTorch's own F.dropout with p = 1 - keep_prob = 0 (the identity), through autograd."""
    At = to_rows(case["A"], device, dtype, requires_grad=True)
    out = F.dropout(At, p=0.0, training=True)
    backward_from(out, to_rows(case["dA"], device, dtype))
    return {
        "A": Reference(from_rows(out), 0.0),
        "D": Reference(np.ones(case["A"].shape), 0.0),
        "dA": Reference(from_rows(At.grad), 0.0),
    }


register(
    Entry(
        id="DROP-EXPECT",
        variant="keep_prob = 1 is the identity",
        equation="keep_prob = 1: A * D / keep_prob = A, D = 1 (F.dropout with p = 0)",
        draw=_draw(1.0),
        run=_run_identity,
        oracle=_identity_oracle,
        shapes=DROP_SHAPES,
        needs=("dropout_forward", "dropout_backward"),
    )
)


def _run_model_keep_all(impl: Any, case: Case) -> dict[str, Any]:
    acts = case["activations"]
    rng = np.random.default_rng(case["seed"])
    AL, caches = impl.model_forward(case["X"], case["parameters"], activations=acts, keep_prob=1.0, rng=rng)
    grads = impl.model_backward(AL, case["Y"], caches, activations=acts, keep_prob=1.0)
    out = {"AL": AL, "caches with a mask": float(sum(len(cache) > 2 for cache in caches))}
    out.update({k: v for k, v in grads.items() if k[:2] in ("dW", "db")})
    return out


def _model_keep_all_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    params, X, Y, acts = case["parameters"], case["X"], case["Y"], case["activations"]
    ref = reference_pass(params, X, Y, acts, device, dtype)
    B = reference_bounds(params, Y, acts, ref)
    L = len(acts)
    refs = {"AL": Reference(ref[f"A{L}"], B[f"A{L}"]), "caches with a mask": Reference(np.asarray(0.0), 0.0, True)}
    refs.update({f"{q}{l}": Reference(ref[f"{q}{l}"], B[f"{q}{l}"]) for l in range(1, L + 1) for q in ("dW", "db")})
    return refs


register(
    Entry(
        id="DROP-EXPECT",
        variant="L-layer model, keep_prob = 1 is no dropout",
        equation="model with keep_prob = 1 = model without dropout; no masks cached",
        draw=draw_dropout_model,
        run=_run_model_keep_all,
        oracle=_model_keep_all_oracle,
        shapes=[(dims, acts, m, 1.0) for dims, acts, m, _ in DROP_MODEL_SHAPES[1:2]],
        needs=("model_forward", "model_backward"),
    )
)
