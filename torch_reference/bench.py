"""``nn-verify bench``: one training step of scratch_nn against PyTorch eager, and
against the limit set by the matrix products the step must do.

For each case (layer sizes, m) and dtype, in one process, interleaved A B C D A B C D ...:

* **scratch**: ``model_forward`` (with caches) -> ``model_cost`` -> ``model_backward``
  -> ``update_parameters``, ReLU hidden layers and a softmax output (cross-entropy);
* **torch**: the equivalent eager model (``nn.Linear`` + ``nn.ReLU``,
  ``CrossEntropyLoss`` from the logits, ``optimizer.step()`` of ``torch.optim.SGD``),
  same dtype and thread count, on the CPU. X requires grad so that PyTorch, like the
  notes' backward, also computes ``dA[0] = W[1]^T dZ[1]``: the two do the same work;
* **GEMM-only**: just the step's matrix products, with NumPy's BLAS: per layer
  ``W A_prev`` (forward), ``dZ A_prev^T`` and ``W^T dZ`` (backward);
* **torch GEMM-only**: the same products with ``torch.mm`` on tensors of the same shapes (rows layout,
  so each product is the transpose of NumPy's, as in the torch step): ``scratch/torch`` is read beside
  ``GEMM numpy/torch``, the ratio of the two libraries' GEMM-only times, which is the part of the ratio
  that their BLAS decide;
* **bare**: the same step on the bare equations that the four public calls run after their checks
  (``_model_forward``, ``_model_cost``, ``_model_backward``, ``_update_parameters``): the difference
  scratch - bare is what validation costs;
* **train**: one iteration of ``train`` (GD-LOOP), the same step inside the library's loop, which
  checks X, Y and the parameters once per call and runs its iterations on the bare equations
  (timed as ``train(..., TRAIN_ITERATIONS)`` divided by ``TRAIN_ITERATIONS``). The scratch step
  above is four public calls, each of which checks its own arguments (issue 12, item 6).

Timing is in interleaved blocks with rests (see :func:`_interleaved`): the two libraries'
thread pools otherwise slow each other down.

Reported: median times, scratch/torch, step/GEMM-only, bare/GEMM-only, the checks' share of the step
(``checks %`` = (scratch - bare) / scratch), train's iteration over GEMM-only
("train/GEMM"), the step's FLOP rate as a percentage of a large square matmul's rate on this
machine ("% of peak"), the peak memory allocated during one scratch step (``tracemalloc``,
which sees NumPy's buffers) over the size of the caches the notes require (every A[l-1] and Z[l]),
and the minor page faults of one scratch step ("faults/step", see :func:`minor_faults_per_step`).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

CASES: dict[str, tuple[list[int], int]] = {
    "digits": ([64, 25, 10], 1797),
    "medium": ([784, 256, 128, 10], 4096),
    "wide": ([1024, 1024, 1024, 10], 1024),
}
DTYPES = {"float32": (np.float32, torch.float32), "float64": (np.float64, torch.float64)}


@dataclass
class BenchRow:
    case: str
    dtype: str
    scratch_ms: float
    torch_ms: float
    ratio: float  # scratch / torch
    gemm_ms: float
    torch_gemm_ms: float
    gemm_ratio: float  # NumPy's GEMM-only / torch's GEMM-only
    step_over_gemm: float
    bare_ms: float  # the same step without the checks (the bare equations)
    bare_over_gemm: float
    checks_percent: float  # 100 (scratch - bare) / scratch
    train_ms: float  # one iteration of train(), its checks once per call spread over TRAIN_ITERATIONS
    train_over_gemm: float
    percent_of_peak: float
    peak_mb: float
    cache_mb: float
    memory_ratio: float  # peak / cache
    faults_per_step: float  # minor page faults per scratch step (getrusage), NaN where unavailable


def _problem(dims: list[int], m: int, dtype: type, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    import scratch_nn

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((dims[0], m)).astype(dtype)
    labels = rng.integers(0, dims[-1], m)
    Y = scratch_nn.one_hot(labels, dims[-1], dtype=dtype)
    params = scratch_nn.initialize_parameters(dims, "he", rng, dtype=dtype)
    return X, Y, labels, params


def scratch_step(X: np.ndarray, Y: np.ndarray, params: dict, alpha: float = 0.01) -> tuple[dict, float, list]:
    """One GD-LOOP iteration of scratch_nn; returns the new parameters, the cost, the caches."""
    import scratch_nn

    AL, caches = scratch_nn.model_forward(X, params, hidden_activation="relu", output_activation="softmax")
    cost = scratch_nn.model_cost(AL, Y, "softmax")
    grads = scratch_nn.model_backward(AL, Y, caches, hidden_activation="relu", output_activation="softmax")
    return scratch_nn.update_parameters(params, grads, alpha), cost, caches


def bare_step(X: np.ndarray, Y: np.ndarray, params: dict, alpha: float = 0.01) -> tuple[dict, float, list]:
    """:func:`scratch_step` on the bare equations: what the four public calls run once their checks passed."""
    from scratch_nn.losses import _model_cost
    from scratch_nn.model import _model_backward, _model_forward, _update_parameters

    g = ["relu"] * (len(params) // 2 - 1) + ["softmax"]
    AL, caches = _model_forward(X, params, g)
    cost = _model_cost(AL, Y, "softmax")
    grads = _model_backward(AL, Y, caches, g)
    return _update_parameters(params, grads, alpha), cost, caches


#: iterations per timed train() call (its once-per-call checks are spread over them)
TRAIN_ITERATIONS = 4


def train_factory(X: np.ndarray, Y: np.ndarray, params: dict, alpha: float = 0.01) -> Callable[[], object]:
    """``TRAIN_ITERATIONS`` iterations of ``train``: the scratch step's equations in the library's own loop."""
    import scratch_nn

    def run() -> object:
        return scratch_nn.train(X, Y, params, alpha, TRAIN_ITERATIONS, "relu", "softmax")

    return run


def torch_step_factory(X: np.ndarray, labels: np.ndarray, params: dict, dtype: torch.dtype) -> Callable[[], float]:
    """The equivalent eager PyTorch step (rows layout), as a closure."""
    from .layers import torch_linear
    from .layout import to_rows

    L = len(params) // 2
    layers: list[nn.Module] = []
    for l in range(1, L + 1):
        layers.append(torch_linear(params[f"W{l}"], params[f"b{l}"], "cpu", dtype))
        if l < L:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    Xt = to_rows(X, "cpu", dtype, requires_grad=True)  # computes dA[0] too, like the notes
    target = torch.as_tensor(labels)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    def step() -> float:
        optimizer.zero_grad(set_to_none=True)
        Xt.grad = None
        loss = loss_fn(model(Xt), target)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def gemm_only_factory(X: np.ndarray, params: dict) -> Callable[[], None]:
    """Just the matrix products of one step, on arrays of the step's shapes."""
    L = len(params) // 2
    Ws = [params[f"W{l}"] for l in range(1, L + 1)]
    As = [X]
    for W in Ws[:-1]:
        As.append(np.maximum(W @ As[-1], 0))
    dZs = [np.ones((W.shape[0], X.shape[1]), dtype=X.dtype) for W in Ws]

    def products() -> None:
        for W, A_prev, dZ in zip(Ws, As, dZs, strict=True):
            W @ A_prev
            dZ @ A_prev.T
            W.T @ dZ

    return products


def torch_gemm_only_factory(X: np.ndarray, params: dict, dtype: torch.dtype) -> Callable[[], None]:
    """The step's matrix products in PyTorch (rows layout: ``A_prev W^T``, ``dZ^T A_prev``, ``dZ W``)."""
    from .layout import to_rows

    L = len(params) // 2
    Ws = [torch.as_tensor(params[f"W{l}"]).to(dtype) for l in range(1, L + 1)]
    As = [to_rows(X, "cpu", dtype)]
    for W in Ws[:-1]:
        As.append(torch.relu(As[-1] @ W.T))
    dZs = [torch.ones((X.shape[1], W.shape[0]), dtype=dtype) for W in Ws]

    def products() -> None:
        with torch.no_grad():
            for W, A_prev, dZ in zip(Ws, As, dZs, strict=True):
                A_prev @ W.T
                dZ.T @ A_prev
                dZ @ W

    return products


def step_flops(dims: list[int], m: int) -> float:
    """3 products of 2·n[l]·n[l-1]·m flops per layer."""
    return float(sum(3 * 2 * dims[l] * dims[l - 1] * m for l in range(1, len(dims))))


def matmul_peak(dtype: type, n: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of a large square matmul with NumPy's BLAS (the machine's practical peak)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
    a @ b
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    return 2 * n**3 / min(times)


#: runs per block; the first of each block is discarded (see _interleaved)
BLOCK = 4
#: seconds of rest between blocks, longer than the thread pools' spin-wait
REST = 0.25


def _interleaved(funcs: Sequence[Callable[[], object]], repeats: int, min_time: float) -> list[float]:
    """Median seconds of each function, timed in interleaved blocks A A A A, B B B B, C C C C, A ...

    Not A B C A B C one call at a time: after a call, OpenBLAS's and PyTorch's (libgomp)
    idle threads busy-wait for up to ~0.1 s, and the *other* library's next call, competing
    with them for the 2 cores, is slowed (measured: up to 2.5x). So each function runs in a
    block of BLOCK calls after a rest of REST seconds, the first call of a block is discarded,
    and the blocks of the functions alternate until each has ``repeats`` samples and
    ``min_time`` has passed: drift in the machine's speed still hits all of them alike.
    """
    samples: list[list[float]] = [[] for _ in funcs]
    start = time.perf_counter()
    while min(len(s) for s in samples) < repeats or time.perf_counter() - start < min_time:
        for i, f in enumerate(funcs):
            time.sleep(REST)
            f()  # discarded: the transition from the other library
            for _ in range(BLOCK - 1):
                t = time.perf_counter()
                f()
                samples[i].append(time.perf_counter() - t)
        if len(samples[0]) >= 60:
            break
    return [statistics.median(s) for s in samples]


def peak_memory(X: np.ndarray, Y: np.ndarray, params: dict) -> tuple[float, float]:
    """(peak bytes allocated during one scratch step, bytes of the required caches)."""
    scratch_step(X, Y, params)
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    _new, _cost, caches = scratch_step(X, Y, params)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    cache_bytes = sum(A_prev.nbytes + Z.nbytes for (A_prev, _W, _b), Z in caches)
    return float(peak), float(cache_bytes)


def minor_faults_per_step(X: np.ndarray, Y: np.ndarray, params: dict, steps: int = 5) -> float:
    """Minor page faults per scratch step (``getrusage``; NaN where the ``resource`` module is missing).

    A step allocates its caches, gradients and new parameters afresh; when glibc has returned the
    previous step's buffers to the system (its heap trimming), each 4 KiB page of them is faulted
    back in and zeroed, which is element-wise time that no equation spends. GEMM-only frees each
    product at once, so malloc hands the same memory back to the next one.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Linux or macOS
        return float("nan")
    scratch_step(X, Y, params)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps):
        scratch_step(X, Y, params)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps


def bench_case(
    name: str, dtype_name: str, repeats: int = 7, min_time: float = 1.0, peak: float | None = None
) -> BenchRow:
    dims, m = CASES[name]
    np_dtype, torch_dtype = DTYPES[dtype_name]
    X, Y, labels, params = _problem(dims, m, np_dtype)
    torch_step = torch_step_factory(X, labels, params, torch_dtype)
    gemm = gemm_only_factory(X, params)
    funcs = [lambda: scratch_step(X, Y, params), torch_step, gemm, lambda: bare_step(X, Y, params),
             train_factory(X, Y, params), torch_gemm_only_factory(X, params, torch_dtype)]  # fmt: skip
    t_scratch, t_torch, t_gemm, t_bare, t_train, t_torch_gemm = _interleaved(funcs, repeats, min_time)
    t_train /= TRAIN_ITERATIONS
    peak = peak or matmul_peak(np_dtype)
    peak_bytes, cache_bytes = peak_memory(X, Y, params)
    return BenchRow(
        case=f"{name} {'-'.join(map(str, dims))} m={m}",
        dtype=dtype_name,
        scratch_ms=1e3 * t_scratch,
        torch_ms=1e3 * t_torch,
        ratio=t_scratch / t_torch,
        gemm_ms=1e3 * t_gemm,
        torch_gemm_ms=1e3 * t_torch_gemm,
        gemm_ratio=t_gemm / t_torch_gemm,
        step_over_gemm=t_scratch / t_gemm,
        bare_ms=1e3 * t_bare,
        bare_over_gemm=t_bare / t_gemm,
        checks_percent=100 * (t_scratch - t_bare) / t_scratch,
        train_ms=1e3 * t_train,
        train_over_gemm=t_train / t_gemm,
        percent_of_peak=100 * step_flops(dims, m) / t_scratch / peak,
        peak_mb=peak_bytes / 2**20,
        cache_mb=cache_bytes / 2**20,
        memory_ratio=peak_bytes / cache_bytes,
        faults_per_step=minor_faults_per_step(X, Y, params),
    )


@dataclass
class ExtrasRow:
    """What dropout and L2 add to one scratch step, against their element-wise work alone."""

    case: str
    dtype: str
    plain_ms: float
    dropout_added_ms: float
    dropout_elementwise_ms: float  # mask draw + A*D/keep_prob + dA*D/keep_prob, alone
    l2_added_ms: float
    l2_elementwise_ms: float  # (λ/m) W + the sum of W², alone


def bench_extras(name: str, dtype_name: str, repeats: int = 7, min_time: float = 1.0) -> ExtrasRow:
    """Time a scratch step plain, with dropout (keep_prob 0.8), with L2 (λ = 0.7), and the
    element-wise operations that dropout and L2 must add, on their own."""
    import scratch_nn

    dims, m = CASES[name]
    np_dtype = DTYPES[dtype_name][0]
    X, Y, _labels, params = _problem(dims, m, np_dtype)
    kw = {"hidden_activation": "relu", "output_activation": "softmax"}
    rng = np.random.default_rng(0)
    hidden = [np.ones((n, m), dtype=np_dtype) for n in dims[1:-1]]
    Ws = [params[f"W{l}"] for l in range(1, len(dims))]

    def plain() -> None:
        scratch_step(X, Y, params)

    def dropout() -> None:
        AL, caches = scratch_nn.model_forward(X, params, keep_prob=0.8, rng=rng, **kw)
        scratch_nn.model_cost(AL, Y, "softmax")
        grads = scratch_nn.model_backward(AL, Y, caches, keep_prob=0.8, **kw)
        scratch_nn.update_parameters(params, grads, 0.01)

    def l2() -> None:
        AL, caches = scratch_nn.model_forward(X, params, **kw)
        scratch_nn.model_cost(AL, Y, "softmax") + scratch_nn.l2_regularization_cost(params, 0.7, m)
        grads = scratch_nn.model_backward(AL, Y, caches, lambd=0.7, **kw)
        scratch_nn.update_parameters(params, grads, 0.01)

    def dropout_only() -> None:
        for A in hidden:
            D = (rng.random(A.shape) < 0.8).astype(np_dtype)
            A * D / 0.8
            A * D / 0.8

    def l2_only() -> None:
        for W in Ws:
            (0.7 / m) * W
            np.sum(W**2)

    t = _interleaved([plain, dropout, l2, dropout_only, l2_only], repeats, min_time)
    return ExtrasRow(f"{name}", dtype_name, 1e3 * t[0], 1e3 * (t[1] - t[0]), 1e3 * t[3], 1e3 * (t[2] - t[0]),
                     1e3 * t[4])  # fmt: skip


def format_rows(rows: Sequence[BenchRow]) -> str:
    head = ["case", "dtype", "scratch ms", "torch ms", "ratio", "GEMM-only ms", "GEMM numpy/torch", "step/GEMM",
            "bare/GEMM", "checks %", "train/GEMM", "% of peak", "peak MB", "cache MB", "peak/cache",
            "faults/step"]  # fmt: skip
    cells = [[r.case, r.dtype, f"{r.scratch_ms:.2f}", f"{r.torch_ms:.2f}", f"{r.ratio:.2f}", f"{r.gemm_ms:.2f}",
              f"{r.gemm_ratio:.2f}", f"{r.step_over_gemm:.2f}", f"{r.bare_over_gemm:.2f}",
              f"{r.checks_percent:.0f}", f"{r.train_over_gemm:.2f}", f"{r.percent_of_peak:.0f}", f"{r.peak_mb:.1f}",
              f"{r.cache_mb:.1f}", f"{r.memory_ratio:.2f}", f"{r.faults_per_step:.0f}"] for r in rows]  # fmt: skip
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(head)]

    def line(row):
        return "  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(c) for c in cells])


def environment() -> dict[str, object]:
    return {
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "torch_threads": torch.get_num_threads(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "blas": _blas_name(),
    }


def _cpu_name() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas_name() -> str:
    """NumPy's BLAS: its name and version, and the kernel it chose at run time (threadpoolctl, if installed:
    OpenBLAS's DYNAMIC_ARCH picks e.g. SkylakeX on this CPU, which decides the GEMM-only times)."""
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name = f"{config['name']} {config.get('version', '')}".strip()
    except Exception:
        name = "unknown"
    try:
        from threadpoolctl import threadpool_info

        kernels = {i.get("architecture") for i in threadpool_info() if i.get("user_api") == "blas"} - {None}
        if kernels:
            name += f" ({', '.join(sorted(kernels))} kernel)"
    except ImportError:
        pass
    return name


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="nn-verify bench", description="Time one training step: scratch_nn vs PyTorch.")
    p.add_argument("--case", action="append", choices=sorted(CASES), help="case(s) (default all)")
    p.add_argument("--dtype", action="append", choices=sorted(DTYPES), help="dtype(s) (default both)")
    p.add_argument("--repeats", type=int, default=7, help="minimum timed repetitions per function (default 7)")
    p.add_argument("--min-time", type=float, default=1.0, help="minimum seconds per case (default 1)")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--output", metavar="FILE")
    p.add_argument("--extras", action="store_true", help="also time what dropout and L2 add to a step")
    args = p.parse_args(argv)
    rows = []
    for dtype_name in args.dtype or list(DTYPES):
        peak = matmul_peak(DTYPES[dtype_name][0])
        for name in args.case or list(CASES):
            rows.append(bench_case(name, dtype_name, args.repeats, args.min_time, peak))
    extras = []
    if args.extras:
        for dtype_name in args.dtype or list(DTYPES):
            for name in args.case or list(CASES):
                extras.append(bench_extras(name, dtype_name, args.repeats, args.min_time))
    env = environment()
    if args.format == "json":
        text = json.dumps({"environment": env, "rows": [asdict(r) for r in rows],
                           "extras": [asdict(r) for r in extras]}, indent=2)  # fmt: skip
    else:
        text = format_rows(rows) + "\n\n" + ", ".join(f"{k} {v}" for k, v in env.items())
        if extras:
            text += "\n\nadded to one step (ms)   dropout (keep_prob 0.8): added / its element-wise work alone;"
            text += "   L2 (λ = 0.7): added / alone\n"
            text += "\n".join(
                f"{r.case:8s} {r.dtype}  plain {r.plain_ms:8.2f}   dropout {r.dropout_added_ms:7.2f} / "
                f"{r.dropout_elementwise_ms:6.2f}   L2 {r.l2_added_ms:6.2f} / {r.l2_elementwise_ms:5.2f}"
                for r in extras
            )
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
