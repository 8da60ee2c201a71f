"""``nn-verify``: formats, exit status, --impl, and unavailable devices."""

from __future__ import annotations

import json
import sys

import pytest
import torch

from torch_reference.cli import main

pytestmark = pytest.mark.usefixtures("references_once")  # one draw and reference per case (conftest.py)


def test_json_report_of_selected_ids(tmp_path):
    out = tmp_path / "report.json"
    assert (
        main(["--id", "LIN-FWD", "--id", "BWD-DW", "--dtype", "float64", "--format", "json", "--output", str(out)]) == 0
    )
    report = json.loads(out.read_text())
    rows = report["rows"]
    assert {r["id"] for r in rows} == {"LIN-FWD", "BWD-DW"}
    assert all(r["status"] == "pass" and 0 <= r["worst_fraction_of_tolerance"] <= 1 for r in rows)
    assert all(r["cases"] > 0 and r["dtype"] == "float64" for r in rows)
    assert report["meta"]["impl"] == "scratch_nn"


def test_markdown_table(capsys):
    assert main(["--id", "ACT-RELU", "--device", "cpu", "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("| ID | variant | equation |") and "| ACT-RELU | at-0 notes convention |" in text


def test_a_broken_impl_fails_with_its_row_named(tmp_path, capsys):
    broken = tmp_path / "student.py"
    broken.write_text(
        "from scratch_nn import *\n"
        "def linear_backward(dZ, cache):\n"
        "    A_prev, W, b = cache\n"
        "    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)  # no 1/m\n"
    )
    assert main(["--impl", str(broken), "--id", "BWD-DW", "--id", "BWD-DA", "--dtype", "float64"]) == 1
    text = capsys.readouterr().out
    assert "BWD-DW" in text and "FAIL" in text
    assert "dW[" in text  # the worst element is named


def test_missing_functions_are_not_implemented_rows(tmp_path, capsys):
    partial = tmp_path / "partial.py"
    partial.write_text("from scratch_nn import sigmoid, sigmoid_backward\n")
    # what is missing is reported, and is not a failure: what is there agrees
    assert main(["--impl", str(partial), "--id", "ACT-SIGMOID", "--id", "LIN-FWD", "--dtype", "float64"]) == 0
    text = capsys.readouterr().out
    # ACT-SIGMOID's two variants (the contract; forward only) are two rows
    assert "2 of 2 checked rows pass;" in text and "rows not checked (see -v)" in text


@pytest.mark.parametrize(
    ("spec", "message"),
    [("no_such_module_xyz", "no module named 'no_such_module_xyz'"), ("missing.py", "no such file")],
)
def test_unloadable_impl_is_a_one_line_error(spec, message, capsys):
    assert main(["--impl", spec]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_module_without_contract_functions(tmp_path, capsys):
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert main(["--impl", str(empty)]) == 2
    err = capsys.readouterr().err.strip()
    assert "none of its functions is one the checker knows" in err and "\n" not in err


def test_clean_course_style_file_exits_0_and_a_zoo_member_exits_1_with_its_diagnosis(capsys):
    assert main(["--impl", "tests/zoo/course_clean.py"]) == 0
    capsys.readouterr()
    assert main(["--impl", "tests/zoo/db_no_keepdims.py", "--id", "BWD-DB"]) == 1
    assert "likely cause: db has shape" in capsys.readouterr().out


def test_syntax_error_in_impl(tmp_path, capsys):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(:\n")
    assert main(["--impl", str(bad)]) == 2
    assert "syntax error at line 1" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: cuda is available")
def test_cuda_without_gpu_is_refused_with_reason(capsys):
    assert main(["--device", "cuda"]) == 2
    assert "torch.cuda.is_available() is False" in capsys.readouterr().err


def test_unknown_id(capsys):
    assert main(["--id", "NOPE-1"]) == 2


def test_rows_that_cannot_apply_are_listed_with_v_only(tmp_path):
    """The INIT sample-statistics rows only apply to an initializer whose draws cannot be replayed: for
    scratch_nn they are n/a, left out of the table and the JSON unless -v (the JSON's meta counts them)."""
    out = tmp_path / "report.json"
    args = ["--id", "INIT-HE", "--dtype", "float64", "--seeds", "1", "--format", "json", "--output", str(out), "-q"]
    assert main(args) == 0
    report = json.loads(out.read_text())
    assert {r["oracle"] for r in report["rows"]} == {"PyTorch"} and report["meta"]["rows_not_listed"] == 1
    assert main([*args, "-v"]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [r["status"] for r in rows if r["oracle"] == "sample statistics"] == ["n/a"]


def test_errata_and_claims_are_rows_of_the_reference_only(tmp_path, capsys):
    assert main(["--id", "ERR-DB-INDEX", "--id", "CLAIM-DEPTH", "-q"]) == 0
    text = capsys.readouterr().out
    assert text.count("ERR-DB-INDEX ") == 2 and text.count("CLAIM-DEPTH ") == 2 and "4 of 4 checked rows pass" in text
    student = tmp_path / "student.py"
    student.write_text("from scratch_nn import linear_forward\n")
    assert main(["--impl", str(student), "--id", "ERR-DB-INDEX", "--id", "LIN-FWD", "--seeds", "1", "-q"]) == 0
    assert "ERR-DB-INDEX" not in capsys.readouterr().out  # about the notes, not the implementation under test


def test_without_scikit_learn_the_metrics_rows_say_so(monkeypatch, capsys):
    """PRED-METRICS's oracle is optional: without scikit-learn its rows are listed as n/a, with the reason, and
    the run's status comes from the other rows."""
    monkeypatch.setitem(sys.modules, "sklearn.metrics", None)  # import sklearn.metrics raises ImportError
    assert main(["--id", "PRED-METRICS", "--id", "LIN-FWD", "--dtype", "float64", "--seeds", "1", "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    metrics = [line for line in lines if line.startswith("PRED-METRICS")]
    assert len(metrics) == 3 and all(line.endswith("n/a: scikit-learn not installed") for line in metrics)
    assert any("3 rows n/a (scikit-learn not installed)" in line for line in lines)
    assert main(["--id", "PRED-METRICS", "--dtype", "float64", "--seeds", "1", "--format", "json", "-q"]) == 3
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["oracle_unavailable"] for r in rows] == ["scikit-learn not installed"] * 3
