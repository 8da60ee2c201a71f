"""The benchmark (torch_reference/bench.py).

Default run: the pieces that must be right for the timings to mean anything (the
FLOP count, the cache size, the equivalence of the timed PyTorch step, the table),
on the small digits case. ``-m benchmark``: pytest-benchmark timings of one
training step, scratch_nn and PyTorch, for every case and dtype.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torch_reference import bench


def test_flops_and_cache_size():
    assert bench.step_flops([4, 3, 2], 5) == 3 * 2 * (3 * 4 * 5 + 2 * 3 * 5)
    X, Y, _labels, params = bench._problem([6, 5, 3], 7, np.float64)
    peak, cache = bench.peak_memory(X, Y, params)
    assert cache == (6 * 7 + 5 * 7 + 5 * 7 + 3 * 7) * 8  # A[0], Z[1], A[1], Z[2]
    assert peak > cache  # the caches plus the gradients and the new parameters


def test_the_timed_pytorch_step_is_the_scratch_step():
    """Same start, same data: one step of each gives the same cost and parameters."""
    X, Y, labels, params = bench._problem([8, 6, 4], 11, np.float64)
    new, cost, _ = bench.scratch_step(X, Y, params, alpha=0.01)
    step = bench.torch_step_factory(X, labels, params, torch.float64)
    assert step() == pytest.approx(cost, rel=1e-12)
    # the torch step updated its own copies; a second scratch step from `new` matches its next cost
    cost2 = bench.scratch_step(X, Y, new, alpha=0.01)[1]
    assert step() == pytest.approx(cost2, rel=1e-12)


def test_the_timed_train_iterations_are_the_scratch_step():
    """train's loop runs the same equations as the four public calls: the same parameters after k steps."""
    X, Y, _labels, params = bench._problem([8, 6, 4], 11, np.float64)
    trained, costs = bench.train_factory(X, Y, params)()
    assert len(costs) == bench.TRAIN_ITERATIONS
    stepped = params
    for k in range(bench.TRAIN_ITERATIONS):
        new, cost, _ = bench.scratch_step(X, Y, stepped, alpha=0.01)
        assert cost == costs[k]
        stepped = new
    for key in params:
        np.testing.assert_array_equal(trained[key], stepped[key])


def test_the_timed_bare_step_is_the_scratch_step():
    """The bare step is the public one without its checks: bit-identical parameters, cost and caches."""
    X, Y, _labels, params = bench._problem([8, 6, 5, 4], 11, np.float32)
    new, cost, caches = bench.scratch_step(X, Y, params)
    bare_new, bare_cost, bare_caches = bench.bare_step(X, Y, params)
    assert bare_cost == cost and len(bare_caches) == len(caches) == 3
    for key in params:
        np.testing.assert_array_equal(bare_new[key], new[key])
        assert bare_new[key].dtype == np.float32


def test_the_timed_torch_products_are_the_numpy_products():
    """torch's GEMM-only does the step's products in the rows layout: 3 per layer, the step's FLOPs."""
    dims, m = [8, 6, 5, 4], 11
    X, _Y, _labels, params = bench._problem(dims, m, np.float64)
    flops = []
    real_matmul = torch.Tensor.__matmul__

    def spy(a, b):
        flops.append(2 * a.shape[0] * a.shape[1] * b.shape[1])
        return real_matmul(a, b)

    products = bench.torch_gemm_only_factory(X, params, torch.float64)
    torch.Tensor.__matmul__ = spy
    try:
        products()
    finally:
        torch.Tensor.__matmul__ = real_matmul
    assert len(flops) == 3 * (len(dims) - 1) and sum(flops) == bench.step_flops(dims, m)


def test_table_of_one_case(monkeypatch):
    monkeypatch.setattr(bench, "REST", 0.0)  # the rests between blocks matter for timing, not for the table
    row = bench.bench_case("digits", "float64", repeats=1, min_time=0.0, peak=1e10)  # no peak matmul here
    assert row.scratch_ms > 0 and row.torch_ms > 0 and row.gemm_ms > 0 and row.train_ms > 0 and row.bare_ms > 0
    assert row.torch_gemm_ms > 0 and row.gemm_ratio == pytest.approx(row.gemm_ms / row.torch_gemm_ms)
    assert row.checks_percent == pytest.approx(100 * (row.scratch_ms - row.bare_ms) / row.scratch_ms)
    assert row.faults_per_step >= 0
    text = bench.format_rows([row])
    assert "digits 64-25-10 m=1797" in text and "step/GEMM" in text and "bare/GEMM" in text and "train/GEMM" in text
    assert text.splitlines()[0].split()[-1] == "faults/step"


def test_page_faults_are_counted_per_step(monkeypatch):
    """The faults counted between the readings before and after 5 steps, divided by 5: 40 faults read as 8."""
    import resource
    from types import SimpleNamespace

    counter = iter([100, 140])
    monkeypatch.setattr(resource, "getrusage", lambda _who: SimpleNamespace(ru_minflt=next(counter)))
    X, Y, _labels, params = bench._problem([6, 5, 3], 7, np.float64)
    assert bench.minor_faults_per_step(X, Y, params, steps=5) == 8


@pytest.mark.benchmark
@pytest.mark.parametrize("case", sorted(bench.CASES))
@pytest.mark.parametrize("side", ["scratch", "torch"])
def test_training_step(benchmark, case, dtype, side):  # dtype: the --dtype fixture of conftest.py
    dims, m = bench.CASES[case]
    np_dtype, torch_dtype = bench.DTYPES[dtype]
    X, Y, labels, params = bench._problem(dims, m, np_dtype)
    if side == "scratch":
        benchmark(bench.scratch_step, X, Y, params)
    else:
        benchmark(bench.torch_step_factory(X, labels, params, torch_dtype))
