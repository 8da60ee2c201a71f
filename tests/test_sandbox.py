"""The sandbox: a student's code runs in a child process; whatever it does, the checker ends with
a verdict of its own, in one line, within the limits (torch_reference/sandbox.py).

The hostile modules are in tests/fixtures/hostile/, one per way to fool or hang a checker.
``nn-verify`` is run in process (``cli.main``), with short limits, so that the default run stays
fast; ``pytest --impl`` is run on two of them through pytester.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from torch_reference import cli
from torch_reference.diagnose import write_diagnosis
from torch_reference.impl import ImplLoadError, load_impl
from torch_reference.sandbox import Limits, Sandbox, StudentCodeError, remote_module

pytestmark = pytest.mark.usefixtures("references_once")  # one draw and reference per case (conftest.py)

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
FAST = ["-q", "--dtype", "float64", "--seeds", "1"]

pytest_plugins = ["pytester"]


def nn_verify(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str, float]:
    start = time.perf_counter()
    rc = cli.main([*args, *FAST])
    out, err = capsys.readouterr()
    return rc, out, err, time.perf_counter() - start


# ------------------------------------------------------------------ a call that does not answer
@pytest.mark.parametrize(
    "name, expected",
    [
        ("exit_in_call", "linear_forward called sys.exit(0)"),
        ("os_exit_in_call", "the student's code ended the process (exit status 0"),
        ("signal_in_call", "crashed with SIGSEGV during linear_forward()"),
        ("memory_hog", "linear_forward ran out of memory (MemoryError; the limit is 2048 MiB)"),
        ("loop_in_call", "timed out: linear_backward() ran past the limit of 1 s"),
        ("pickle_bomb", "linear_forward returned something that cannot be sent back: it holds an object of "
         "builtins.print"),
    ],
)
def test_a_call_that_exits_crashes_or_hangs_is_an_error_row(capsys, name, expected):
    rc, out, err, seconds = nn_verify(capsys, "--impl", str(HOSTILE / f"{name}.py"), "--timeout", "1")
    assert rc == cli.EXIT_FAIL, (out, err)
    assert expected in out, out
    error_lines = [line for line in out.splitlines() if expected in line]
    assert all(len(line) < 300 for line in error_lines)
    assert seconds < 30  # one time limit, not one per case: the function is not called again
    if name == "loop_in_call":
        assert "(not called again)" in out
    if name == "pickle_bomb":  # its __reduce__ never ran here: it would have printed a forged verdict
        assert "103 of 103" not in out


# ------------------------------------------------------------------ loading
@pytest.mark.parametrize(
    "spec, expected",
    [
        ("loop_at_import", "loop_at_import: timed out: loading loop_at_import ran past the limit of 2 s"),
        ("exit_at_import", "exit_at_import: importing it called sys.exit(0) at "),
        ("nothing_known", "none of its functions is one the checker knows (it defines: hello)"),
        ("numpy", "--impl numpy: none of its functions is one the checker knows"),
        ("no_such_module_here", "no module named 'no_such_module_here'"),
        ("", "--impl: empty"),
    ],
)
def test_every_load_failure_is_one_line_with_exit_status_2(capsys, monkeypatch, spec, expected):
    monkeypatch.chdir(HOSTILE)  # the current directory is on the path, as with python -m
    rc, out, err, _ = nn_verify(capsys, "--impl", spec, "--load-timeout", "2")
    assert rc == cli.EXIT_USAGE
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], err
    assert out == ""


@pytest.mark.parametrize("spec", ["thread_at_import", "getattr_raises", "path_cleared", "stdout_replaced.py"])
def test_what_a_module_does_to_its_own_process_does_not_reach_the_checker(capsys, monkeypatch, spec):
    """A thread that never ends, a module __getattr__ that raises, sys.path emptied, sys.stdout replaced:
    the report is printed, the run ends, and the wrong linear_forward of each (b forgotten, or 2 b)
    fails as it would anywhere else."""
    monkeypatch.chdir(HOSTILE)
    rc, out, _err, seconds = nn_verify(capsys, "--impl", spec)
    assert "checked rows pass, 1 FAIL" in out and seconds < 30
    assert rc == cli.EXIT_FAIL and "LIN-FWD [cpu, float64, seed 0, shape (5, 3, 7)]: FAIL" in out


# ------------------------------------------------------------------ writes into the caller's arrays
@pytest.mark.parametrize(
    "name, write, cause",
    [
        ("update_in_place", "update_parameters: writes into the caller's parameters['W1']",
         "changes the caller's parameters in place; write parameters[\"W\" + str(l + 1)] = "
         "parameters[\"W\" + str(l + 1)] -"),
        ("dz_divided_in_place", "linear_backward: writes into the caller's dZ", "`dZ /= m` changes the caller's "
         "dZ in place; write dZ = dZ / m"),
        ("relu_backward_alias", "relu_backward: writes into the caller's dA",
         "`dZ = dA` makes dZ another name for the caller's array, so `dZ[Z <= 0] = 0` modifies dA; use "
         "dZ = np.array(dA, copy=True)"),
        ("relu_backward_alias", "relu_backward: the result is the caller's dA (returned without a copy)", ""),
        ("update_named_in_place", "update_parameters: writes into the caller's parameters['W1']",
         "`W1 = parameters.get(\"W1\")` makes W1 another name for the caller's array, so `W1 -= learning_rate * "
         "grads[\"dW1\"]` modifies parameters; write W1 = W1 - learning_rate * grads[\"dW1\"]"),
        ("relu_backward_alias", "linear_activation_backward: writes into the caller's dA", "(in relu_backward)"),
    ],
)  # fmt: skip
def test_a_write_into_the_callers_array_is_its_own_failure_with_its_cause(capsys, name, write, cause):
    rc, out, _err, _ = nn_verify(capsys, "--impl", str(HOSTILE / f"{name}.py"), "-v")
    assert rc == cli.EXIT_FAIL
    assert write in out, out
    assert cause in out


def test_rebinding_the_entries_of_the_dict_it_was_given_is_the_courses_convention(tmp_path, capsys):
    """update_parameters may do parameters["W1"] = parameters["W1"] - ... (the course's code does):
    the caller's arrays are unchanged. The same update with -= fails (above)."""
    source = (HOSTILE / "update_in_place.py").read_text()
    fixed = source.replace('] -= learning_rate', '] = parameters["W" + str(l + 1)] - learning_rate', 1)
    fixed = fixed.replace('parameters["b" + str(l + 1)] -= learning_rate',
                          'parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate')  # fmt: skip
    assert fixed.count(" -= ") == 0
    path = tmp_path / "update_rebinds.py"
    path.write_text(fixed)
    rc, out, _err, _ = nn_verify(capsys, "--impl", str(path))
    assert rc == cli.EXIT_PASS, out


def test_write_diagnosis_reads_the_alias_and_the_in_place_operator():
    """write_diagnosis alone, on sources it has not seen, and nothing where the source shows nothing."""
    sandbox = Sandbox(str(HOSTILE / "relu_backward_alias.py"))
    try:
        impl = load_impl.__globals__["Adapter"](remote_module(sandbox), sandbox.file)
        line = "relu_backward: writes into the caller's dA: dA[0, 0] was 1.0, is 0.0 after the call"
        assert "`dZ = dA` makes dZ another name" in write_diagnosis(impl, line)
        assert write_diagnosis(impl, "linear_forward: writes into the caller's W: W[0, 0] was 1, is 2") == ""
        assert write_diagnosis(impl, "no_such_function: writes into the caller's W: ...") == ""
    finally:
        sandbox.close()


# ------------------------------------------------------------------ the child itself
@pytest.fixture(scope="module")
def probe():
    sandbox = Sandbox(str(HOSTILE / "probe.py"), limits=Limits(call=5))
    yield sandbox, remote_module(sandbox)
    sandbox.close()


def test_the_child_never_imports_torch(probe):
    _sandbox, module = probe
    assert module.torch_loaded() is False
    with pytest.raises(ImportError, match="not available to the code under test"):
        module.import_torch()
    assert module.pid() != os.getpid()


def test_the_callers_generators_advance_as_if_the_call_were_here(probe):
    """A Generator passed to the child is advanced here as it was there; the legacy global stream too."""
    _, module = probe
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(module.draw(rng), twin.standard_normal(3))
    assert rng.bit_generator.state == twin.bit_generator.state
    np.random.seed(7)
    there, after = module.legacy_draw(), np.random.rand(2)
    np.random.seed(7)
    np.testing.assert_array_equal(there, np.random.rand(2))
    np.testing.assert_array_equal(after, np.random.rand(2))


def test_the_childs_output_is_captured_and_bounded(probe):
    sandbox, module = probe
    assert module.shout(200) == 200  # 200 kB printed: not on our stdout
    time.sleep(0.2)
    out, _ = sandbox.output()
    assert 0 < len(out) <= 16 * 1024 and out.rstrip().endswith("x")


def test_the_signature_and_source_are_those_of_the_students_function(probe):
    import inspect

    from torch_reference.loader import is_students, source_of

    _, module = probe
    assert list(inspect.signature(module.linear_forward).parameters) == ["A", "W", "b"]
    assert "np.dot(W, A) + b" in source_of(module.linear_forward)
    assert is_students(module.linear_forward, str(HOSTILE / "probe.py"))


def test_a_poisoned_function_is_not_called_again_and_the_child_is_started_again():
    sandbox = Sandbox(str(HOSTILE / "loop_in_call.py"), limits=Limits(call=0.5))
    try:
        module = remote_module(sandbox)
        with pytest.raises(StudentCodeError, match="timed out"):
            module.linear_backward(np.ones((2, 3)), (np.ones((4, 3)), np.ones((2, 4)), np.ones((2, 1))))
        start = time.perf_counter()
        with pytest.raises(StudentCodeError, match="not called again"):
            module.linear_backward(np.ones((2, 3)), None)
        assert time.perf_counter() - start < 0.1
        Z, _ = module.linear_forward(np.ones((4, 3)), np.ones((2, 4)), np.ones((2, 1)))  # a fresh child
        np.testing.assert_array_equal(Z, np.full((2, 3), 5.0))
        assert [e.kind for e in sandbox.events] == ["timeout"]
    finally:
        sandbox.close()


def test_no_isolate_runs_in_this_process_with_the_same_checks(capsys):
    rc, out, _err, _ = nn_verify(capsys, "--impl", str(HOSTILE / "dz_divided_in_place.py"), "--no-isolate")
    assert rc == cli.EXIT_FAIL and "linear_backward: writes into the caller's dZ" in out
    with pytest.raises(ImplLoadError):
        load_impl(str(HOSTILE / "nothing_known.py"), isolate=False)


def test_bad_limits_are_usage_errors(capsys):
    rc, _out, err, _ = nn_verify(capsys, "--impl", str(HOSTILE / "probe.py"), "--timeout", "0")
    assert rc == cli.EXIT_USAGE and "--timeout must be a positive number" in err


# ------------------------------------------------------------------ pytest --impl
PYTEST_CASES = [  # -m slow: each is a pytest run of its own (test_pytest_plugin runs --impl by default)
    pytest.param("exit_in_call", "called sys.exit(0)", marks=pytest.mark.slow),
    pytest.param("os_exit_in_call", "ended the process (exit status 0", marks=pytest.mark.slow),
    pytest.param("signal_in_call", "crashed with SIGSEGV", marks=pytest.mark.slow),
    pytest.param("memory_hog", "ran out of memory", marks=pytest.mark.slow),
    pytest.param("loop_in_call", "timed out: linear_backward()", marks=pytest.mark.slow),
    pytest.param("update_in_place", "writes into the caller's parameters['W1']", marks=pytest.mark.slow),
    pytest.param("dz_divided_in_place", "writes into the caller's dZ", marks=pytest.mark.slow),
    pytest.param("relu_backward_alias", "writes into the caller's dA", marks=pytest.mark.slow),
    pytest.param("thread_at_import", "LIN-FWD", marks=pytest.mark.slow),  # imported by name: its thread starts
    pytest.param("stdout_replaced", "LIN-FWD", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("name, expected", PYTEST_CASES)
def test_pytest_impl_fails_with_the_line_instead_of_exiting_or_hanging(pytester, name, expected):
    """The same modules under ``pytest --impl`` (with -m slow)."""
    (pytester.path / f"{name}.py").write_text((HOSTILE / f"{name}.py").read_text())
    spec = name if name == "thread_at_import" else str(HOSTILE / f"{name}.py")
    result = pytester.runpytest_subprocess(
        f"--impl={spec}", "--impl-timeout", "1", "-k", "float64 and seed0", "-rfE", "-p", "no:xdist",
        "-p", "no:randomly", timeout=120,
    )  # fmt: skip
    assert result.ret == 1
    assert expected in result.stdout.str()


# ------------------------------------------------------------------ rows as they finish
def test_rows_are_reported_as_they_finish_on_stderr(capsys):
    rc = cli.main(["--impl", str(HOSTILE / "probe.py"), "--dtype", "float64", "--seeds", "1"])
    _, err = capsys.readouterr()
    assert rc == cli.EXIT_PASS
    lines = [line for line in err.splitlines() if line.startswith("[")]
    assert lines and all(" LIN-FWD" in line and ": pass (" in line and line.endswith(" s)") for line in lines), err


def test_a_terminal_gets_a_progress_bar():
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = cli.Progress(stream)
    progress.start(2)
    progress.done(type("E", (), {"id": "LIN-FWD", "function": ""})(), 0.5, [])
    progress.close()
    assert "/2 [" in stream.getvalue() and "entry/s" in stream.getvalue()  # tqdm's bar
    assert "[1/2] LIN-FWD" not in stream.getvalue()  # not the plain lines


def test_the_child_ends_when_the_checker_is_killed(tmp_path):
    """A checker killed (SIGKILL: no cleanup) while the student's code loops leaves no child behind."""
    import signal
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from torch_reference.sandbox import Sandbox, Limits, remote_module\n"
        f"s = Sandbox({str(HOSTILE / 'loop_in_call.py')!r}, limits=Limits(call=60))\n"
        "print(s._proc.pid, flush=True)\n"
        "remote_module(s).linear_backward(None, None)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    time.sleep(0.5)  # the call is under way
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{child}/stat") as fh:  # a zombie is gone too (its parent is init now)
            if fh.read().split(") ")[1].startswith("Z"):
                break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        raise AssertionError("the sandbox's child outlived the checker")
