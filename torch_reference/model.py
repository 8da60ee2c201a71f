"""The L-layer network in PyTorch, layer by layer, and the registry entries of the
whole forward pass, the whole backward pass, the update, and logistic regression.

Catalogue IDs: FWD-L, BWD-L, GD-UPDATE, LR-FWD, LR-BWD.

:class:`ReferenceNetwork` is a stack of ``nn.Linear`` (holding the same W[l], b[l])
and activation modules. Its forward keeps every Z[l] and A[l] with
``retain_grad()``, so that after ``J.backward()`` every layer's ``dZ[l]``,
``dA[l]``, ``dW[l]``, ``db[l]`` can be compared with the notes' one by one.
The loss is computed from the logits Z[L] (``BCEWithLogitsLoss``,
``CrossEntropyLoss``, or half squared error for a linear output).
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from . import cases
from .activations import KINKED, torch_activation
from .finite_differences import fd_logistic, fd_model
from .layers import torch_linear
from .layout import bias_from_torch, from_rows, per_example_grad, to_rows, weight_from_torch
from .losses import torch_output_loss
from .registry import Case, Entry, Reference, register
from .tolerance import (
    activation_backward_bound,
    activation_bound,
    dropout_bound,
    linear_backward_bounds,
    linear_bound,
    output_dZ_bound,
    update_bound,
)


class ReferenceNetwork(nn.Module):
    """``nn.Linear`` + activation per layer, from the course's parameter dict."""

    def __init__(
        self, parameters: Mapping[str, np.ndarray], activations: Sequence[str], device: str, dtype: torch.dtype
    ) -> None:
        super().__init__()
        L = len(activations)
        self.linears = nn.ModuleList(
            torch_linear(parameters[f"W{l}"], parameters[f"b{l}"], device, dtype) for l in range(1, L + 1)
        )
        self.activations = nn.ModuleList(torch_activation(name) for name in activations)

    def forward(
        self, X: torch.Tensor, masks: Sequence[torch.Tensor | None] | None = None, keep_prob: float = 1.0
    ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Row-layout X ``(m, n[0])`` -> lists ``[Z1..ZL]``, ``[A0..AL]``, all retaining grads.

        ``masks`` (optional, DROP-FWD): per layer a 0/1 tensor ``(m, n[l])`` or None; a masked
        layer's ``A[l]`` is ``g(Z[l]) * D[l] / keep_prob``, the dropped activation the next layer sees.
        """
        Zs, As = [], [X]
        for l, (linear, g) in enumerate(zip(self.linears, self.activations, strict=True)):
            Z = linear(As[-1])
            A = g(Z)
            if masks is not None and masks[l] is not None:
                A = A * masks[l] / keep_prob
            Z.retain_grad()
            A.retain_grad()
            Zs.append(Z)
            As.append(A)
        return Zs, As


def reference_pass(
    parameters: Mapping[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    device: str,
    dtype: torch.dtype,
    masks: Sequence[np.ndarray | None] | None = None,
    keep_prob: float = 1.0,
    penalty: Callable[[list[torch.Tensor], int], torch.Tensor] | None = None,
) -> dict[str, np.ndarray]:
    """Forward and backward of the reference network, in the notes' layout and scale.

    Returns float64 arrays ``Z1..ZL``, ``A0..AL``, ``dZ1..dZL``, ``dA1..dA{L-1}``,
    ``dA0`` (the input gradient), ``dW1..dWL``, ``db1..dbL``, and ``J`` (0-d).
    Options: ``masks`` (notes' layout ``(n[l], m)`` 0/1 arrays, or None, per layer) with
    ``keep_prob``: dropout with these masks (``A[l]`` is then the dropped activation and
    ``dA[l]`` the gradient with respect to it); ``penalty(weights, m)``: a term added to J
    (L2, elastic net), so that ``dW[l]`` includes its gradient.
    """
    L, m = len(activations), X.shape[1]
    net = ReferenceNetwork(parameters, activations, device, dtype)
    Xt = to_rows(X, device, dtype, requires_grad=True)
    rows = None if masks is None else [None if D is None else to_rows(D, device, dtype) for D in masks]
    Zs, As = net(Xt, rows, keep_prob)
    J = torch_output_loss(activations[-1])(Zs[-1], to_rows(Y, device, dtype))
    if penalty is not None:
        J = J + penalty([linear.weight for linear in net.linears], m)
    J.backward()
    out: dict[str, np.ndarray] = {"J": np.asarray(J.item())}
    for l in range(1, L + 1):
        out[f"Z{l}"], out[f"A{l}"] = from_rows(Zs[l - 1]), from_rows(As[l])
        out[f"dZ{l}"] = per_example_grad(Zs[l - 1], m)
        out[f"dW{l}"] = weight_from_torch(net.linears[l - 1].weight.grad)
        out[f"db{l}"] = bias_from_torch(net.linears[l - 1].bias.grad)
        if l < L:
            out[f"dA{l}"] = per_example_grad(As[l], m)
    out["A0"], out["dA0"] = X.astype(np.float64), per_example_grad(Xt, m)
    return out


def reference_bounds(
    parameters: Mapping[str, np.ndarray],
    Y: np.ndarray,
    activations: Sequence[str],
    ref: Mapping[str, np.ndarray],
    masks: Sequence[np.ndarray | None] | None = None,
    keep_prob: float = 1.0,
) -> dict[str, np.ndarray]:
    """Rounding-error bounds (units of u) of every quantity of :func:`reference_pass`,
    chained layer by layer through the forward and then the backward pass (through
    the dropout masks too, if ``masks`` and ``keep_prob`` were given to it). The bounds
    of ``dW[l]`` are those of the data term; a penalty's term is added by its caller."""
    L = len(activations)
    D = {l: masks[l - 1] for l in range(1, L + 1) if masks is not None and masks[l - 1] is not None}
    B: dict[str, Any] = {"A0": 0.0}
    for l in range(1, L + 1):
        W, b, name = parameters[f"W{l}"], parameters[f"b{l}"], activations[l - 1]
        B[f"Z{l}"] = linear_bound(W, ref[f"A{l - 1}"], b, B[f"A{l - 1}"])
        if l in D:  # A[l] = g(Z[l]) * D / keep_prob; g(Z[l]) = A[l] * keep_prob where D = 1
            B_g = activation_bound(name, ref[f"Z{l}"], ref[f"A{l}"] * keep_prob, B[f"Z{l}"])
            B[f"A{l}"] = dropout_bound(ref[f"A{l}"], D[l], keep_prob, B_g)
        else:
            B[f"A{l}"] = activation_bound(name, ref[f"Z{l}"], ref[f"A{l}"], B[f"Z{l}"])
    B[f"dZ{L}"] = output_dZ_bound(ref[f"A{L}"], Y, B[f"A{L}"])
    for l in range(L, 0, -1):
        back = linear_backward_bounds(ref[f"dZ{l}"], ref[f"A{l - 1}"], parameters[f"W{l}"], B[f"dZ{l}"], B[f"A{l - 1}"])
        B[f"dW{l}"], B[f"db{l}"], B[f"dA{l - 1}"] = back["dW"], back["db"], back["dA_prev"]
        if l > 1:
            name, dA, B_dA = activations[l - 2], ref[f"dA{l - 1}"], B[f"dA{l - 1}"]
            if l - 1 in D:  # DROP-BWD: dA[l-1] * D / keep_prob before g'
                dA = dA * D[l - 1] / keep_prob
                B_dA = dropout_bound(dA, D[l - 1], keep_prob, B_dA)
            B[f"dZ{l - 1}"] = activation_backward_bound(name, ref[f"Z{l - 1}"], dA, B_dA, B[f"Z{l - 1}"])
    return B


#: (layer_dims, activations of layers 1..L, m): L >= 3, non-square, every activation,
#: every output; width 1, m = 1 and the one-layer (logistic regression) network too
MODEL_SHAPES = [
    ((5, 4, 3, 1), ("relu", "relu", "sigmoid"), 7),
    ((4, 6, 5, 3, 3), ("tanh", "leaky_relu", "elu", "softmax"), 9),
    ((6, 5, 4, 2), ("elu", "tanh", "linear"), 8),
    ((3, 1, 2, 1), ("relu", "tanh", "sigmoid"), 5),
    ((2, 3, 2, 1), ("sigmoid", "relu", "sigmoid"), 1),
    ((7, 2, 4, 3, 2), ("leaky_relu", "relu", "sigmoid", "softmax"), 6),
    ((4, 1), ("sigmoid",), 6),
    ((6, 3, 4, 2, 1), ("relu", "relu", "relu", "sigmoid"), 11),  # the course's own architecture, L = 4
]


def _labels(rng: np.random.Generator, output: str, shape: tuple[int, int], dtype: type) -> np.ndarray:
    if output == "sigmoid":
        return cases.binary_labels(rng, shape, dtype)
    if output == "softmax":
        Y = np.zeros(shape, dtype=dtype)
        Y[cases.class_labels(rng, shape[0], shape[1]), np.arange(shape[1])] = 1
        return Y
    return cases.normal(rng, shape, dtype)


def draw_model(rng: np.random.Generator, shape: tuple, dtype: type) -> Case:
    """X, non-zero-bias parameters and Y; redrawn until no piecewise layer has a
    pre-activation within ``cases.KINK_MARGIN`` of 0, and no ReLU layer is dead (a dead
    layer, or with m >= 4 a dead unit, has all-zero gradients: a bug there would hide).
    The dead-layer rule gives way after ``LIVE_TRIES`` draws: some random architectures
    (narrow, deep ReLU stacks) are almost always dead somewhere."""
    dims, acts, m = shape
    layers = range(1, len(acts) + 1)
    attempts = itertools.count()

    def draw() -> Case:
        return {
            "X": cases.normal(rng, (dims[0], m), dtype),
            "parameters": cases.layer_parameters(rng, list(dims), dtype),
            "Y": _labels(rng, acts[-1], (dims[-1], m), dtype),
            "activations": list(acts),
        }

    def accept(case: Case) -> bool:
        attempt = next(attempts)
        ref = reference_pass(case["parameters"], case["X"], case["Y"], acts, "cpu", torch.float64)
        if any(cases.near_kink(ref[f"Z{l}"]) for l in layers if acts[l - 1] in KINKED):
            return False
        return attempt >= LIVE_TRIES or not any(cases.dead_relu(ref[f"Z{l}"]) for l in layers if acts[l - 1] == "relu")

    return cases.redraw(draw, accept, "a network with no pre-activation within KINK_MARGIN of a kink")


#: draws after which draw_model accepts a case with a dead ReLU layer
LIVE_TRIES = 20


def _model_oracle(keys: str):
    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        params, X, Y, acts = case["parameters"], case["X"], case["Y"], case["activations"]
        ref = reference_pass(params, X, Y, acts, device, dtype)
        bounds = reference_bounds(params, Y, acts, ref)
        L = len(acts)
        if keys == "forward":
            names = [f"{q}{l}" for l in range(1, L + 1) for q in ("Z", "A")]
        else:
            names = [f"{q}{l}" for l in range(L, 0, -1) for q in ("dZ", "dW", "db")] + [f"dA{l}" for l in range(L)]
        # dZ[l] is an extra of scratch_nn's model_backward (the course's returns dA, dW, db only)
        return {name: Reference(ref[name], bounds[name], optional=name.startswith("dZ")) for name in names}

    return oracle


def activation_kwargs(activations: list[str]) -> dict[str, Any]:
    """How a case names its activations to ``model_forward``/``model_backward``: the
    course's ``hidden_activation``/``output_activation`` when every hidden layer has
    the same g (so that both ways of calling are exercised), else ``activations=``."""
    hidden = set(activations[:-1])
    if len(hidden) <= 1 and len(activations) > 1:
        return {"hidden_activation": activations[0], "output_activation": activations[-1]}
    return {"activations": activations}


def _run_forward(impl: Any, case: Case) -> dict[str, Any]:
    AL, caches = impl.model_forward(case["X"], case["parameters"], **activation_kwargs(case["activations"]))
    out = {f"Z{l}": cache[1] for l, cache in enumerate(caches, start=1)}
    out.update({f"A{l}": cache[0][0] for l, cache in enumerate(caches) if l > 0})
    out[f"A{len(caches)}"] = AL
    return out


def dZ_request(model_backward: Callable[..., Any]) -> dict[str, Any]:
    """``{"return_dZ": True}`` for a ``model_backward`` that offers the optional dZ[l] keys by
    name (scratch_nn's), else ``{}`` (the course's ``L_model_backward`` returns dA, dW, db)."""
    try:
        return {"return_dZ": True} if "return_dZ" in inspect.signature(model_backward).parameters else {}
    except (TypeError, ValueError):
        return {}


def _run_backward(impl: Any, case: Case) -> dict[str, Any]:
    kwargs = activation_kwargs(case["activations"])
    AL, caches = impl.model_forward(case["X"], case["parameters"], **kwargs)
    return impl.model_backward(AL, case["Y"], caches, **kwargs, **dZ_request(impl.model_backward))


register(
    Entry(
        id="FWD-L",
        equation="A[0] = X; A[l] = g[l](W[l] A[l-1] + b[l]), l = 1..L; y^ = A[L]",
        draw=draw_model,
        run=_run_forward,
        oracle=_model_oracle("forward"),
        shapes=MODEL_SHAPES,
        needs=("model_forward",),
    )
)

register(
    Entry(
        id="BWD-L",
        equation="dZ[L] = A[L] - Y; dW[l], db[l], dA[l-1], dZ[l-1] for l = L..1",
        draw=draw_model,
        run=_run_backward,
        oracle=_model_oracle("backward"),
        shapes=MODEL_SHAPES,
        needs=("model_forward", "model_backward"),
        fd=fd_model,
    )
)


# ----------------------------------------------------------------------- GD-UPDATE
def draw_update(rng: np.random.Generator, dims: tuple[int, ...], dtype: type) -> Case:
    params = cases.layer_parameters(rng, list(dims), dtype)
    grads = {f"d{k}": cases.normal(rng, v.shape, dtype) for k, v in params.items()}
    return {"parameters": params, "grads": grads, "learning_rate": 0.37}


def sgd_step(tensors: Sequence[torch.Tensor], lr: float, weight_decay: float = 0.0) -> None:
    """``torch.optim.SGD(tensors, lr=lr, weight_decay=weight_decay).step()``, by the kernel that step
    runs for these tensors (``torch/optim/sgd.py::_single_tensor_sgd``: ``grad = grad + wd·param``,
    then ``param.add_(grad, alpha=-lr)``), called directly. Constructing an Optimizer imports
    ``torch._dynamo``, which takes 2 s, more than the rest of a student's check;
    ``tests/test_registry.py`` checks that the two agree bit for bit. A torch whose kernel has
    another signature gets the Optimizer itself."""
    tensors = list(tensors)
    try:
        from torch.optim.sgd import _single_tensor_sgd

        with torch.no_grad():
            _single_tensor_sgd(
                tensors, [t.grad for t in tensors], [None] * len(tensors), None, None, weight_decay=weight_decay,
                momentum=0.0, lr=lr, dampening=0.0, nesterov=False, maximize=False, has_sparse_grad=False,
            )  # fmt: skip
    except (ImportError, TypeError):
        torch.optim.SGD(tensors, lr=lr, weight_decay=weight_decay).step()


def _update_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    params, grads, alpha = case["parameters"], case["grads"], case["learning_rate"]
    tensors = {k: torch.tensor(v, dtype=dtype, device=device, requires_grad=True) for k, v in params.items()}
    for k, t in tensors.items():
        t.grad = torch.tensor(grads[f"d{k}"], dtype=dtype, device=device)
    sgd_step(list(tensors.values()), alpha)
    return {
        k: Reference(t.detach().cpu().double().numpy(), update_bound(params[k], grads[f"d{k}"], alpha))
        for k, t in tensors.items()
    }


register(
    Entry(
        id="GD-UPDATE",
        equation="W[l] := W[l] - a dW[l]; b[l] := b[l] - a db[l]",
        variant="torch.optim.SGD",
        draw=draw_update,
        run=lambda impl, c: impl.update_parameters(c["parameters"], c["grads"], c["learning_rate"]),
        oracle=_update_oracle,
        shapes=[(5, 4, 3, 1), (3, 1, 2), (2, 7)],
        needs=("update_parameters",),
    )
)


# ----------------------------------------------------------------------- LR-FWD, LR-BWD
LR_SHAPES = [(4, 9), (1, 5), (6, 1)]  # (n_x, m)


def draw_lr(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> Case:
    n_x, m = shape
    params = cases.layer_parameters(rng, [n_x, 1], dtype)
    w, b = params["W1"].T.copy(), float(params["b1"][0, 0])
    return {
        "X": cases.normal(rng, (n_x, m), dtype),
        "w": w,
        "b": b,
        "theta": np.vstack([np.array([[b]], dtype=dtype), w]),
        "Y": cases.binary_labels(rng, (1, m), dtype),
    }


def _lr_reference(case: Case, device: str, dtype: torch.dtype) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Logistic regression as the one-layer reference network (W1 = w^T, b1 = [[b]])."""
    w, X = case["w"], case["X"]
    params = {"W1": w.T.copy(), "b1": np.array([[case["b"]]], dtype=w.dtype)}
    ref = reference_pass(params, X, case["Y"], ["sigmoid"], device, dtype)
    return ref, reference_bounds(params, case["Y"], ["sigmoid"], ref)


def _lr_fwd_oracle(theta: bool):
    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        ref, B = _lr_reference(case, device, dtype)
        if theta:  # x0 = 1 joins the dot product: one more term, bias exact
            X1 = np.vstack([np.ones((1, case["X"].shape[1])), case["X"]])
            B_Z = linear_bound(case["theta"].T, X1, np.zeros((1, 1)))
            return {"A": Reference(ref["A1"], activation_bound("sigmoid", ref["Z1"], ref["A1"], B_Z))}
        return {"A": Reference(ref["A1"], B["A1"])}

    return oracle


register(
    Entry(
        id="LR-FWD",
        equation="Z = w^T X + b; y^ = A = sigmoid(Z)",
        variant="w, b",
        draw=draw_lr,
        run=lambda impl, c: {"A": impl.lr_forward(c["w"], c["b"], c["X"])},
        oracle=_lr_fwd_oracle(theta=False),
        shapes=LR_SHAPES,
        needs=("lr_forward",),
    )
)

register(
    Entry(
        id="LR-FWD",
        equation="Z = w^T X + b; y^ = A = sigmoid(Z)",
        variant="theta = [b; w], x0 = 1",
        draw=draw_lr,
        run=lambda impl, c: {"A": impl.lr_forward_theta(c["theta"], c["X"])},
        oracle=_lr_fwd_oracle(theta=True),
        shapes=LR_SHAPES,
        needs=("lr_forward_theta",),
    )
)


def _lr_bwd_oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
    ref, B = _lr_reference(case, device, dtype)
    return {
        "dw": Reference(ref["dW1"].T, B["dW1"].T),
        "db": Reference(ref["db1"][0, 0], B["db1"][0, 0], scalar=True),
    }


def _run_lr_backward(impl: Any, case: Case) -> dict[str, Any]:
    A = impl.lr_forward(case["w"], case["b"], case["X"])
    dw, db = impl.lr_backward(case["X"], A, case["Y"])
    return {"dw": dw, "db": db}


register(
    Entry(
        id="LR-BWD",
        equation="dZ = A - Y; dw = (1/m) X dZ^T; db = (1/m) sum dZ",
        draw=draw_lr,
        run=_run_lr_backward,
        oracle=_lr_bwd_oracle,
        shapes=LR_SHAPES,
        needs=("lr_forward", "lr_backward"),
        fd=fd_logistic,
    )
)
