"""The pytest plugin of nn-verify: options, fixtures and hooks (the ``nn_verify`` entry point of
``pytest11`` in pyproject.toml, so it is active in every pytest run where nn-verify is installed).

Options:
  --device cpu|cuda   (repeatable; default every available device). Asking for
                      cuda without a GPU skips those cases with the reason.
  --dtype float32|float64 (repeatable; default both)
  --impl MODULE_OR_PATH   the implementation under test (default scratch_nn), run in a child
                      process with limits (torch_reference.sandbox)
  --impl-timeout S    seconds one call of its code may take (default 10)

Fixtures: ``device`` and ``dtype`` are parametrized from those options; ``impl`` is the loaded
implementation; ``np_dtype`` is the NumPy dtype of ``dtype``; ``rng`` is a seeded
``numpy.random.Generator`` (a fresh one per test); the whole session runs PyTorch and NumPy's BLAS
on one thread (``device.single_threaded``).

Under ``--impl``:

* with no test path on the command line, the packaged checks (``torch_reference/impl_checks.py``:
  every registry entry x shape x seed x device x dtype) are collected: alone when pytest would
  otherwise search the invocation directory (``cd anywhere && pytest --impl my_nn.py``), added to
  the project's ``testpaths`` otherwise (and run once if a test module there imports them);
* a test that does not use the ``impl`` fixture, or is marked ``scratch_only``, tests scratch_nn
  itself and is skipped with that reason.

Always: :class:`torch_reference.registry.NotApplicable` escaping a test (a case the implementation
cannot express, e.g. a tanh layer of the course's ``L_model_forward``) makes it a skip with the
message, not a failure.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .device import DTYPES, available_devices, device_unavailable_reason, single_threaded
from .impl import DEFAULT_IMPL, ImplLoadError, load_impl
from .registry import NotApplicable
from .sandbox import Limits

#: the skip reason of a test that does not run on the --impl module
SCRATCH_ONLY_REASON = "tests scratch_nn itself, not the --impl module"
#: the packaged checks that ``pytest --impl MODULE`` runs when no test path is named
CHECKS_MODULE = Path(__file__).resolve().with_name("impl_checks.py")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nn-verify")
    group.addoption("--device", action="append", choices=["cpu", "cuda"], help="torch device(s); default all available")
    group.addoption("--dtype", action="append", choices=sorted(DTYPES), help="dtype(s); default float32 and float64")
    group.addoption(
        "--impl",
        default=None,
        metavar="MODULE_OR_PATH",
        help="implementation under test (module name or .py path; default scratch_nn). With no test path "
        "named, runs the packaged checks; tests that do not use the impl fixture are skipped.",
    )
    group.addoption(
        "--impl-timeout", type=float, default=Limits().call, metavar="S",
        help=f"seconds one call of the --impl code may take (default {Limits().call:g}); it is then killed",
    )  # fmt: skip


def impl_given(config: pytest.Config) -> bool:
    """True if ``--impl`` names a module other than scratch_nn (tests of scratch_nn itself are skipped)."""
    spec = config.getoption("impl", None)
    return spec is not None and spec != DEFAULT_IMPL


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cuda: needs a CUDA GPU (skipped with a reason when none is available)")
    config.addinivalue_line(
        "markers", "scratch_only: a test of scratch_nn itself although it uses impl; under --impl it is skipped"
    )
    if config.getoption("impl", None) is None:
        return
    source = getattr(config, "args_source", None)
    if source is None or source == pytest.Config.ArgsSource.ARGS:
        return  # test paths named: run those
    checks = str(CHECKS_MODULE)
    if source == pytest.Config.ArgsSource.INVOCATION_DIR:
        config.args = [checks]  # outside a project: the invocation directory has nothing to check the module
    elif checks not in config.args:
        config.args = [*config.args, checks]


def _packaged(item: pytest.Item) -> bool:
    return Path(str(item.path)).resolve() == CHECKS_MODULE


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # the packaged checks once: a project test module that imports them (tests/test_registry.py) runs them
    if any(_packaged(item) for item in items):
        elsewhere = {getattr(item, "function", None) for item in items if not _packaged(item)}
        twice = [item for item in items if _packaged(item) and getattr(item, "function", None) in elsewhere]
        if twice:
            config.hook.pytest_deselected(items=twice)
            dropped = {id(item) for item in twice}
            items[:] = [item for item in items if id(item) not in dropped]
    if not impl_given(config):
        return
    skip = pytest.mark.skip(reason=SCRATCH_ONLY_REASON)
    for item in items:
        if "impl" not in getattr(item, "fixturenames", ()) or item.get_closest_marker("scratch_only"):
            item.add_marker(skip)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    config = metafunc.config
    if "device" in metafunc.fixturenames:
        params = []
        for device in config.getoption("device") or available_devices():
            marks = [pytest.mark.cuda] if device == "cuda" else []
            reason = device_unavailable_reason(device)
            if reason:
                marks.append(pytest.mark.skip(reason=reason))
            params.append(pytest.param(device, marks=marks, id=device))
        metafunc.parametrize("device", params)
    if "dtype" in metafunc.fixturenames:
        metafunc.parametrize("dtype", config.getoption("dtype") or list(DTYPES))


def not_applicable_reason(exc: BaseException | None) -> str | None:
    """The message of a NotApplicable (or of a group of them only, as hypothesis may raise), else None."""
    if isinstance(exc, NotApplicable):
        return str(exc)
    inner = getattr(exc, "exceptions", None)  # BaseExceptionGroup (Python >= 3.11, or the backport)
    if isinstance(inner, (list, tuple)) and inner:
        reasons = [not_applicable_reason(e) for e in inner]
        if all(r is not None for r in reasons):
            return str(reasons[0])
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """NotApplicable raised in a test (or its setup) is a skip with its message."""
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is None or not report.failed or call.when == "teardown":
        return
    reason = not_applicable_reason(call.excinfo.value)
    if reason is None:
        return
    _path, lineno, _domain = item.location
    report.outcome = "skipped"
    report.longrepr = (str(item.path), (lineno or 0) + 1, f"Skipped: n/a: {reason}")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the tests that checked something (passed or failed), for pytest_sessionfinish."""
    if report.when == "call" and (report.passed or report.failed):
        _CHECKED.append(report.nodeid)


_CHECKED: list[str] = []


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under ``--impl``, a run in which every test skipped checked nothing: it does not exit 0
    (as ``nn-verify`` exits 3), but with pytest's "no tests ran" status, 5, and says why."""
    if impl_given(session.config) and exitstatus == pytest.ExitCode.OK and not _CHECKED and session.testscollected:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                "nn-verify: nothing of the --impl module could be checked (every test skipped: see -rs)", red=True
            )
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED


@pytest.fixture(scope="session", autouse=True)
def _single_threaded() -> Iterator[None]:
    """The whole session on one PyTorch and one BLAS thread: every array here is tiny, and
    threads only spin against each other on a small shared machine (see device.single_threaded).
    The benchmarks set their own thread count."""
    with single_threaded():
        yield


@pytest.fixture(scope="session")
def impl(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The implementation under test (scratch_nn unless --impl is given): a user's module runs in
    the sandbox's child process (torch_reference.sandbox), ended when the session ends."""
    limits = Limits(call=request.config.getoption("impl_timeout"))
    try:
        loaded = load_impl(request.config.getoption("impl"), limits=limits)
    except ImplLoadError as exc:
        pytest.exit(str(exc), returncode=4)
    yield loaded
    sandbox = getattr(loaded, "sandbox", None)
    if sandbox is not None:
        sandbox.close()


@pytest.fixture
def np_dtype(dtype: str) -> type:
    """The NumPy dtype of the ``dtype`` parameter."""
    return DTYPES[dtype][0]


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """A Generator seeded from the test's id: reproducible, different per test."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))
