"""The pytest plugin (``torch_reference/pytest_plugin.py``, entry point ``nn_verify``): ``--impl``
from any directory, the packaged checks, the skips of scratch_nn's own tests, NotApplicable as a skip.

The default run's checks are in-process ``pytester`` runs in pytester's directory (outside the
project); the slow ones are fresh interpreters in a temporary directory, as a student would type
``cd ~/course && python -m pytest --impl my_nn.py``, and the project's own suite under ``--impl``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from torch_reference import impl_checks
from torch_reference.impl import load_impl
from torch_reference.pytest_plugin import CHECKS_MODULE, SCRATCH_ONLY_REASON
from torch_reference.registry import entries, run_case

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
ZOO = ROOT / "tests" / "zoo"
CLEAN, BUGGY = ZOO / "course_clean.py", ZOO / "db_no_keepdims.py"
#: a few packaged checks: enough to pass or fail, few enough for the default run
FEW = "BWD-DB and float64 and seed0"
#: the in-process runs of the packaged checks find this project's pyproject.toml (the checks module lives in
#: it), whose ``addopts`` start two xdist workers, each importing torch: in one process they take a second
ONE_PROCESS = ("-n", "0")

# what the in-process runs' implementation loads lazily is imported here first: pytester drops the
# modules an inline run imports, and a concept module imported twice would register its entries twice
load_impl(str(CLEAN))


def _pytest(cwd: Path, *args: str, timeout: float = 600) -> tuple[int, str]:
    """``python -m pytest ARGS`` in ``cwd``, in a fresh interpreter: its exit status and output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfEs", *args]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def warm() -> None:
    """The packaged checks that the in-process runs select, run here first on the same file (see above)."""
    impl = load_impl(str(CLEAN))
    for entry in entries():
        if entry.id == "BWD-DB":
            for shape in entry.shapes:
                run_case(entry, impl, "cpu", "float64", 0, shape)


def test_impl_with_no_test_path_fails_a_zoo_bug_with_its_diagnosis(pytester, warm):
    """``--impl PATH`` (the value apart) from outside the project: the zoo member's BWD-DB cases fail,
    each naming the likely cause."""
    result = pytester.runpytest("--impl", str(BUGGY), "-k", FEW, "-rf", *ONE_PROCESS)
    assert result.ret == 1
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 5 and "passed" not in outcomes, outcomes
    result.stdout.fnmatch_lines(["FAILED *impl_checks.py::test_entry_agrees_with_pytorch*BWD-DB*"])
    result.stdout.fnmatch_lines(["*likely cause: db has shape*without keepdims=True*"])


def test_impl_with_no_test_path_runs_the_packaged_checks_and_the_clean_file_passes(pytester, warm):
    """``--impl=PATH`` from a directory outside the project (pytester's): only the packaged checks."""
    assert ROOT not in pytester.path.parents
    pytester.makepyfile(test_unrelated="def test_not_collected(): raise AssertionError")
    result = pytester.runpytest(f"--impl={CLEAN}", "-k", FEW, "-v", *ONE_PROCESS)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 5 and "failed" not in outcomes and "error" not in outcomes, outcomes
    result.stdout.fnmatch_lines(["*::test_entry_agrees_with_pytorch*BWD-DB* PASSED*"])
    result.stdout.no_fnmatch_line("*test_not_collected*")


def test_impl_in_a_project_adds_the_packaged_checks_to_its_testpaths_once(pytester, warm):
    """With ``testpaths`` the project's tests run and the packaged checks too, once even where a test
    module imports them (as tests/test_registry.py does)."""
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    pytester.mkdir("tests")
    pytester.path.joinpath("tests", "test_mine.py").write_text("def test_mine(impl):\n    assert impl.relu\n")
    reuse = "from torch_reference.impl_checks import test_entry_agrees_with_pytorch\n"
    alone = pytester.runpytest(f"--impl={CLEAN}", "-k", FEW, *ONE_PROCESS).parseoutcomes()["passed"]
    pytester.path.joinpath("tests", "test_reuse.py").write_text(reuse)
    result = pytester.runpytest(f"--impl={CLEAN}", "-k", f"({FEW}) or test_mine", "-v", *ONE_PROCESS)
    assert result.parseoutcomes()["passed"] == alone + 1
    result.stdout.fnmatch_lines(["*tests/test_reuse.py::test_entry_agrees_with_pytorch*PASSED*"])
    result.stdout.no_fnmatch_line("*impl_checks.py::*")


# ----------------------------------------------------------------------- the hooks, in-process
LOCAL_TESTS = """
import pytest

def test_uses_impl(impl):
    assert callable(impl.sigmoid)

def test_does_not_use_impl():
    pass

@pytest.mark.scratch_only
def test_marked_scratch_only(impl):
    pass
"""


def test_tests_that_do_not_use_impl_are_skipped_with_the_reason(pytester: pytest.Pytester):
    pytester.makepyfile(test_local=LOCAL_TESTS)
    result = pytester.runpytest(f"--impl={CLEAN}", "-rs", "test_local.py")
    result.assert_outcomes(passed=1, skipped=2)  # a test path named: only it, no packaged checks
    result.stdout.fnmatch_lines([f"*test_local.py*{SCRATCH_ONLY_REASON}*"])
    assert SCRATCH_ONLY_REASON == "tests scratch_nn itself, not the --impl module"

    pytester.runpytest("test_local.py").assert_outcomes(passed=3)  # without --impl they run on scratch_nn
    pytester.runpytest("--impl", "scratch_nn", "test_local.py").assert_outcomes(passed=3)


def test_not_applicable_is_a_skip_with_its_message(pytester: pytest.Pytester):
    pytester.makepyfile(
        test_na="""
        import pytest
        from torch_reference.registry import NotApplicable

        @pytest.fixture
        def course_only():
            raise NotApplicable("the fixture needs a softmax output")

        def test_raises():
            raise NotApplicable("the case has a tanh layer")

        def test_in_setup(course_only):
            pass

        def test_a_group_of_them():
            raise ExceptionGroup("two", [NotApplicable("no dropout"), NotApplicable("no lambd")])

        def test_a_real_failure_stays_one():
            raise ExceptionGroup("two", [NotApplicable("no dropout"), ValueError("a bug")])
        """
    )
    result = pytester.runpytest("-rs", "-p", "no:randomly")  # the summary's order is asserted: no shuffling
    result.assert_outcomes(skipped=3, failed=1)
    result.stdout.fnmatch_lines(
        ["*n/a: the case has a tanh layer*", "*n/a: the fixture needs a softmax output*", "*n/a: no dropout*"]
    )


def test_an_impl_that_does_not_load_stops_the_run(pytester: pytest.Pytester):
    pytester.makepyfile(test_local=LOCAL_TESTS)
    result = pytester.runpytest(f"--impl={pytester.path / 'missing.py'}", "test_local.py")
    assert result.ret == 4
    result.stdout.fnmatch_lines(["*--impl *missing.py: no such file*"])


def test_the_packaged_checks_are_the_registry_tests():
    """tests/test_registry.py imports the packaged test: one parametrization, run once in the project."""
    from . import test_registry

    assert test_registry.test_entry_agrees_with_pytorch is impl_checks.test_entry_agrees_with_pytorch
    assert Path(impl_checks.__file__).resolve() == CHECKS_MODULE


# ----------------------------------------------------------------------- whole runs (slow)
@pytest.mark.slow
@pytest.mark.parametrize(
    ("option", "path", "rc"), [("--impl=", CLEAN, 0), ("--impl", BUGGY, 1)], ids=["course_clean", "db_no_keepdims"]
)
def test_every_packaged_check_from_outside(tmp_path, option, path, rc):
    """``cd elsewhere && python -m pytest --impl=PATH`` (and ``--impl PATH``) in a fresh interpreter:
    the clean course file passes every packaged check it implements, the zoo member fails."""
    assert ROOT not in tmp_path.parents
    args = [f"{option}{path}"] if option.endswith("=") else [option, str(path)]
    code, out = _pytest(tmp_path, *args)
    assert code == rc, out[-3000:]
    if rc == 0:  # what the course file cannot express or lacks is a skip with the reason
        assert "n/a: " in out and "not implemented: " in out, out[-3000:]
    else:
        assert "impl_checks.py::test_entry_agrees_with_pytorch" in out and "likely cause" in out, out[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize(("path", "rc"), [(CLEAN, 0), (BUGGY, 1)], ids=["course_clean", "db_no_keepdims"])
def test_the_project_suite_under_impl(path, rc):
    """``python -m pytest --impl=tests/zoo/...`` in the project: the clean file passes every test that
    runs on it, the zoo member fails; the tests of scratch_nn itself are skipped with the reason."""
    code, out = _pytest(ROOT, f"--impl={path.relative_to(ROOT)}")
    assert code == rc, out[-3000:]
    assert SCRATCH_ONLY_REASON in out
