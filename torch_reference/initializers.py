"""PyTorch's initializers and the registry entries of parameter generation.

Catalogue IDs: INIT-ZERO, INIT-SMALL, INIT-XAVIER, INIT-HE (generation: shapes,
dtype, zero biases, and the standard deviation each W[l] is drawn with; the
distribution tests are a later issue's).

A sample cannot be shared between NumPy's and PyTorch's generators, but the
*scale* can be read off exactly: both draw ``W = std · N`` with N standard normal,
so replaying the same generator gives N, and ``W / N`` is the std that was used,
element by element. PyTorch's std comes from ``nn.init.xavier_normal_`` /
``kaiming_normal_`` on an ``(out, in)`` tensor, replayed the same way; a swapped
fan-in/fan-out shows up on any non-square layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .registry import Case, Entry, NotApplicable, Oracle, Reference, Run, register
from .tolerance import implied_std_bound, sampling_bound

INIT_SHAPES = [(5, 3, 2), (2, 7), (6, 1, 4, 3)]

#: method -> PyTorch's initializer on a weight tensor of shape (out, in)
TORCH_INIT = {
    "zeros": nn.init.zeros_,
    "small": lambda t: nn.init.normal_(t, 0.0, 0.01),
    "xavier": nn.init.xavier_normal_,
    "he": lambda t: nn.init.kaiming_normal_(t, mode="fan_in", nonlinearity="relu"),
}


def torch_implied_std(method: str, shape: tuple[int, int], seed: int, device: str, dtype: torch.dtype) -> np.ndarray:
    """``W / N`` for PyTorch's initializer of a weight of ``shape`` (out, in)."""
    W = torch.empty(shape, device=device, dtype=dtype)
    torch.manual_seed(seed)
    TORCH_INIT[method](W)
    if method == "zeros":
        return W.cpu().double().numpy()
    torch.manual_seed(seed)
    N = torch.empty(shape, device=device, dtype=dtype).normal_(0.0, 1.0)
    return (W / N).cpu().double().numpy()


def draw_init(rng: np.random.Generator, dims: tuple[int, ...], dtype: type) -> Case:
    return {"layer_dims": list(dims), "seed": int(rng.integers(2**31)), "dtype": dtype}


def _entry(cid: str, equation: str, variant: str, run: Run, oracle: Oracle, shapes: list, **extra: Any) -> Entry:
    """An INIT-* entry: ``initialize_parameters`` on the layer sizes and seed of :func:`draw_init`."""
    return Entry(
        id=cid,
        equation=equation,
        draw=draw_init,
        run=run,
        oracle=oracle,
        shapes=shapes,
        needs=("initialize_parameters",),
        variant=variant,
        **extra,
    )


def _init_entry(cid: str, method: str, equation: str) -> Entry:
    def run(impl: Any, case: Case) -> dict[str, Any]:
        if not getattr(impl, "init_is_replayable", True):
            raise NotApplicable("its generator cannot be replayed: see the 'sample mean/std' rows")
        seed, dims = case["seed"], case["layer_dims"]
        params = impl.initialize_parameters(dims, method, np.random.default_rng(seed), dtype=case["dtype"])
        replay = np.random.default_rng(seed)  # the same standard normals, layer by layer
        out: dict[str, Any] = {}
        for l in range(1, len(dims)):
            W = params[f"W{l}"]
            if method == "zeros":
                out[f"W{l}"] = W
            else:
                N = replay.standard_normal((dims[l], dims[l - 1]))
                ok = isinstance(W, np.ndarray) and W.shape == N.shape
                out[f"std of W{l}"] = (W / N).astype(W.dtype) if ok else W
            out[f"b{l}"] = params[f"b{l}"]
        return out

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        dims, refs = case["layer_dims"], {}
        for l in range(1, len(dims)):
            shape = (dims[l], dims[l - 1])
            std = torch_implied_std(method, shape, case["seed"] + l, device, dtype)
            refs[f"W{l}" if method == "zeros" else f"std of W{l}"] = Reference(std, implied_std_bound(std))
            refs[f"b{l}"] = Reference(np.zeros((dims[l], 1)), 0.0)
        return refs

    return _entry(cid, equation, method, run, oracle, INIT_SHAPES)


register(_init_entry("INIT-ZERO", "zeros", "W = 0, b = 0"))
register(_init_entry("INIT-SMALL", "small", "W = randn(n[l], n[l-1]) * 0.01, b = 0"))
register(_init_entry("INIT-XAVIER", "xavier", "W ~ N(0, 2/(n_in + n_out)), b = 0"))
register(_init_entry("INIT-HE", "he", "W ~ N(0, 2/n_in), b = 0"))


# ----------------------------------------------------------------------- sampled: any generator
#: large layers, so that the sample mean and std of each W[l] pin its distribution down
SAMPLE_SHAPES = [(300, 200, 100)]


def _sampled_entry(cid: str, method: str, equation: str) -> Entry:
    """The sample mean and standard deviation of every W[l] against the formula, within
    6 standard errors (``tolerance.sampling_bound``), for an implementation whose draws
    cannot be replayed: the course's ``initialize_parameters_deep``, which seeds NumPy's
    global generator itself (``Adapter.init_is_replayable``). n/a for every other
    implementation, whose draws the exact rows replay. (SE of the mean: σ/√N; of the
    std, for normal samples: σ/√(2N).)"""

    def run(impl: Any, case: Case) -> dict[str, Any]:
        if getattr(impl, "init_is_replayable", True):
            raise NotApplicable("its draws are replayed exactly by the other INIT rows")
        if case["dtype"] != np.float64:
            raise NotApplicable("initialize_parameters_deep(layer_dims) has no dtype argument: float64 only")
        dims = case["layer_dims"]
        params = impl.initialize_parameters(dims, method, np.random.default_rng(case["seed"]), dtype=case["dtype"])
        out: dict[str, Any] = {}
        for l in range(1, len(dims)):
            W = np.asarray(params[f"W{l}"], dtype=np.float64)
            out[f"mean of W{l}"], out[f"sample std of W{l}"] = W.mean(), W.std()
            out[f"b{l}"] = params[f"b{l}"]
        return out

    def oracle(case: Case, device: str, dtype: torch.dtype) -> dict[str, Reference]:
        from scratch_nn.initializers import init_std  # the formula, shared by the table in the docs

        dims, refs = case["layer_dims"], {}
        for l in range(1, len(dims)):
            std, N = init_std(method, dims[l - 1], dims[l]), dims[l] * dims[l - 1]
            refs[f"mean of W{l}"] = Reference(np.asarray(0.0), sampling_bound(dtype, std / np.sqrt(N)), scalar=True)
            refs[f"sample std of W{l}"] = Reference(
                np.asarray(std), sampling_bound(dtype, std / np.sqrt(2 * N)), scalar=True
            )
            refs[f"b{l}"] = Reference(np.zeros((dims[l], 1)), 0.0)
        return refs

    variant = f"{method}, sample mean/std, any generator"
    return _entry(cid, equation, variant, run, oracle, SAMPLE_SHAPES, oracle_kind="sample statistics")


register(_sampled_entry("INIT-SMALL", "small", "W = randn(n[l], n[l-1]) * 0.01, b = 0"))
register(_sampled_entry("INIT-XAVIER", "xavier", "W ~ N(0, 2/(n_in + n_out)), b = 0"))
register(_sampled_entry("INIT-HE", "he", "W ~ N(0, 2/n_in), b = 0"))
