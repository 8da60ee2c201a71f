"""The course's assignments as real students' files are shaped (tests/fixtures/course/).

Each fixture is one assignment written in the course's style (its templates of 2017 to 2021,
its helper imports, its module-level training and plotting) and declares ``EXPECT``:

* ``("pass", N)``: correct code; no row FAILs or errors and at least N rows are checked;
* ``("FAIL", ID, text)``: one mistake seen in students' code; a row of catalogue ID ``ID``
  fails and its worst case says ``text``, and no other failing row names a different cause.

The files are loaded the way ``nn-verify --impl FILE`` loads them (definitions only, the
course's helpers replaced by the checker's stand-ins) and checked on one seed, float64.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib.util
import io
from pathlib import Path

import nbformat
import pytest

from torch_reference import cli
from torch_reference.device import single_threaded
from torch_reference.impl import load_impl
from torch_reference.loader import _is_magic
from torch_reference.registry import verify

pytestmark = pytest.mark.usefixtures("references_once")  # one draw and reference per case (conftest.py)

FIXTURES = Path(__file__).parent / "fixtures" / "course"
FILES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".py", ".ipynb") and p.name != "make_notebooks.py")
NOTEBOOKS = [p for p in FILES if p.suffix == ".ipynb"]

#: rows that must have been checked (catalogue ID, start of the function the row names)
MUST_RUN: dict[str, list[tuple[str, str]]] = {
    "logistic_regression.py": [("LR-BWD", "propagate("), ("GD-LOOP", "optimize("), ("GD-LOOP", "model(")],
    "planar_v1.ipynb": [
        ("GD-LOOP", "nn_model("),
        ("BWD-L", "backward_propagation(parameters"),
        ("COST-BCE", "compute_cost(A2, Y, parameters)"),
    ],
    "application.py": [("GD-LOOP", "two_layer_model("), ("GD-LOOP", "L_layer_model(")],
    "step_by_step_v2.py": [("BWD-L", ""), ("INIT-SMALL", "initialize_parameters_deep(")],
    "initialization.py": [("INIT-ZERO", "initialize_parameters_zeros("), ("INIT-HE", "initialize_parameters_he(")],
    "regularization.py": [("DROP-FWD", "forward_propagation_with_dropout("), ("REG-L2-GRAD", "backward_")],
    "gradient_checking.py": [("BWD-L", "gradient_check_n("), ("BWD-L", "gradient_check(x")],
    "cmpe258.py": [
        ("FWD-L", "forward_propagation(X"),
        ("BWD-L", "backward_propagation(parameters"),
        ("DATA-ONEHOT", ""),
        ("ACT-SOFTMAX", ""),
        ("COST-CE", ""),  # compute_cost(A2, Y) without a (1 - Y) term: the categorical cost
    ],
    "optimization.py": [
        ("OPT-MINIBATCH", "random_mini_batches("),
        ("OPT-MOMENTUM", "update_parameters_with_momentum("),
        ("OPT-ADAM", "update_parameters_with_adam("),
        ("OPT-LR-DECAY", "schedule_lr_decay("),
        ("GD-UPDATE", "update_parameters_with_gd("),
    ],
    "batchnorm.py": [("BN-FWD", "batchnorm_forward("), ("BN-BWD", "batchnorm_backward(")],
}

#: what the report must note for a fixture (the convention or seed it was read with)
MUST_NOTE: dict[str, str] = {
    "step_by_step_v2.py": "v2 template",
    "planar_v1.ipynb": "0.01·randn (seed 2)",
    "initialization.py": "(He) (seed 3)",
}


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with single_threaded():  # tiny arrays: PyTorch's threads only spin on a shared machine
        yield


@functools.cache
def checked(path: Path):
    """(impl, rows, notes) of one fixture, as ``nn-verify --impl path --dtype float64 --seeds 1``."""
    with contextlib.redirect_stdout(io.StringIO()):  # the course's functions print their costs
        impl = load_impl(str(path))
        rows = verify(impl, ["cpu"], ["float64"], seeds=range(1))
    notes = set(impl.notes) | {n for r in rows for n in r.notes}
    return impl, rows, notes


def _causes(row) -> list[str]:
    return [line.split("likely cause:", 1)[1].strip() for line in row.worst.splitlines() if "likely cause:" in line]


def test_every_assignment_has_a_fixture():
    names = {p.name for p in FILES}
    assert len(FILES) >= 16
    assert {"planar_v1.ipynb", "step_by_step_v2.py", "gradient_checking.py", "cmpe258.py"} <= names


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture_gets_its_verdict(path: Path):
    impl, rows, notes = checked(path)
    expect = impl._module.EXPECT
    failed = [r for r in rows if r.failed]
    table = "\n".join(f"{r.status} {r.id} {r.function}: {r.worst}" for r in failed)
    if expect[0] == "pass":
        assert not failed, f"{path.name} is correct course code, yet:\n{table}"
        ran = [r for r in rows if r.ran]
        assert len(ran) >= expect[1], f"{path.name}: {len(ran)} rows checked, expected {expect[1]}"
    else:
        status, cid, says = expect
        assert status == "FAIL"
        hits = [r for r in failed if r.id == cid and says in r.worst]
        assert hits, f"{path.name}: no failing {cid} row says {says!r}:\n{table}"
        # a row failing downstream of the mistake may say nothing, but not name another cause
        for r in failed:
            if r in hits:
                continue
            wrong = [c for c in _causes(r) if says not in c]
            assert not wrong, f"{path.name}: {r.id} {r.function} blames {wrong}"
    for cid, function in MUST_RUN.get(path.name, []):
        assert any(r.ran and r.id == cid and r.function.startswith(function) for r in rows), (
            f"{path.name}: no {cid} row of {function or 'the contract'} was checked"
        )
    if path.name in MUST_NOTE:
        assert any(MUST_NOTE[path.name] in n for n in notes), f"{path.name}: notes {sorted(notes)}"


def _expected_skips(path: Path) -> int:
    """Top-level statements of the notebook's code cells that are not imports, defs or literals."""
    count = 0
    for cell in nbformat.read(str(path), as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join("" if _is_magic(line) else line for line in cell.source.splitlines())
        for node in ast.parse(source).body:
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef)):
                continue
            if isinstance(node, ast.Assign):
                with contextlib.suppress(ValueError):
                    ast.literal_eval(node.value)
                    continue
            count += 1
    return count


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_loads_its_definitions_only(path: Path):
    impl, _rows, _notes = checked(path)
    report = impl.load_report
    assert report.notebook and not report.run_all and not report.failed
    assert len(report.skipped) == _expected_skips(path) > 0
    assert set(report.stand_ins) == {"testCases", "planar_utils"}
    assert {"sigmoid", "load_planar_dataset"} <= set(report.helper_names)
    assert "nn_model" in report.defined and "sigmoid" not in report.defined
    module = vars(impl._module)
    assert "parameters" not in module and "X" not in module  # the training cells were not run
    summary = report.summary()
    assert f"{len(report.skipped)} top-level statements not run" in summary and "planar_utils" in summary


def test_notebook_fixture_is_what_the_generator_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    spec = importlib.util.spec_from_file_location("make_notebooks", FIXTURES / "make_notebooks.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    monkeypatch.setattr(generator, "HERE", tmp_path)
    generator.main()

    for path in NOTEBOOKS:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), (
            f"run make_notebooks.py to regenerate {path.name}"
        )


@pytest.mark.parametrize(("name", "status"), [("planar_v1.ipynb", 0), ("init_he_fan_out.py", 1)])
def test_cli_exit_status(name: str, status: int, capsys: pytest.CaptureFixture[str]):
    assert cli.main(["--impl", str(FIXTURES / name), "--dtype", "float64", "--seeds", "1"]) == status
    out = capsys.readouterr().out
    assert ("INIT-HE" in out and "FAIL" in out) if status else ("FAIL" not in out and "nn_model" in out)


def test_missing_return_is_named():
    _impl, rows, _notes = checked(FIXTURES / "step_by_step_missing_return.py")
    worst = [r.worst for r in rows if r.failed and r.id == "BWD-DW"]
    assert worst and all("return" in w and "linear_backward" in w for w in worst)
