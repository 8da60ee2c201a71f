"""pytest options, fixtures and markers.

Options:
  --device cpu|cuda   (repeatable; default every available device). Asking for
                      cuda without a GPU skips those cases with the reason.
  --dtype float32|float64 (repeatable; default both)
  --impl MODULE_OR_PATH   the implementation under test (default scratch_nn)

Fixtures ``device``, ``dtype`` are parametrized from those options; ``impl`` is the
loaded module; ``rng`` is a seeded ``numpy.random.Generator`` (a fresh one per test).
"""

from __future__ import annotations

import numpy as np
import pytest

from torch_reference.device import DTYPES, available_devices, device_unavailable_reason, single_threaded
from torch_reference.impl import ImplLoadError, load_impl

try:  # hypothesis profiles: "ci" (default, fast) and "thorough" (run with -m slow)
    from hypothesis import HealthCheck, settings

    settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("thorough", max_examples=500, deadline=None)
    settings.load_profile("ci")
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nn-verify")
    group.addoption("--device", action="append", choices=["cpu", "cuda"], help="torch device(s); default all available")
    group.addoption("--dtype", action="append", choices=sorted(DTYPES), help="dtype(s); default float32 and float64")
    group.addoption("--impl", default=None, help="implementation under test (module name or .py path)")


def _devices(config: pytest.Config) -> list[str]:
    return config.getoption("--device") or available_devices()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    config = metafunc.config
    if "device" in metafunc.fixturenames:
        params = []
        for device in _devices(config):
            marks = [pytest.mark.cuda] if device == "cuda" else []
            reason = device_unavailable_reason(device)
            if reason:
                marks.append(pytest.mark.skip(reason=reason))
            params.append(pytest.param(device, marks=marks, id=device))
        metafunc.parametrize("device", params)
    if "dtype" in metafunc.fixturenames:
        metafunc.parametrize("dtype", config.getoption("--dtype") or list(DTYPES))


@pytest.fixture(scope="session", autouse=True)
def _single_threaded():
    """The whole session on one PyTorch and one BLAS thread: every array here is tiny, and
    threads only spin against each other on a small shared machine (see device.single_threaded).
    The benchmarks set their own thread count."""
    with single_threaded():
        yield


@pytest.fixture(scope="session")
def impl(request: pytest.FixtureRequest):
    """The implementation under test (scratch_nn unless --impl is given)."""
    try:
        return load_impl(request.config.getoption("--impl"))
    except ImplLoadError as exc:
        pytest.exit(str(exc), returncode=4)


@pytest.fixture
def np_dtype(dtype: str) -> type:
    """The NumPy dtype of the ``dtype`` parameter."""
    return DTYPES[dtype][0]


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """A Generator seeded from the test's id: reproducible, different per test."""
    import zlib

    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))
