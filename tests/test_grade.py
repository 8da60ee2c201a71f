"""``nn-verify grade`` and ``nn-verify gradescope`` (torch_reference/grade.py).

The default run tests the pieces without checking a real submission (rubrics, credit, the
gradebook's files, resuming, the worker pool with stand-in workers); ``-m slow`` grades a real
class made by tools/make_class.py (the issue's "done when")."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import pytest

from torch_reference import grade as g

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "course"

def _make_class_module():
    spec = importlib.util.spec_from_file_location("make_class", ROOT / "tools" / "make_class.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules.setdefault("make_class", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def row(id="BWD-DW", status="pass", function="", dtype="float64", oracle="PyTorch", names=("linear_backward",),
        cases=3, passed=None, diagnosis="", problem=""):  # fmt: skip
    """A row record as check_submission keeps it."""
    ran = status in g.RAN
    return {"id": id, "function": function, "names": list(names), "oracle": oracle, "device": "cpu", "dtype": dtype,
            "status": status, "cases": cases if ran else 0,
            "passed_cases": (cases if status == "pass" else 0) if passed is None else passed,
            "skipped": 0 if ran else 3, "worst_fraction": 0.1, "problem": problem, "diagnosis": diagnosis,
            "worst": ""}  # fmt: skip


RUBRIC = """
name = "demo"
title = "A demo"

[[item]]
name = "linear_backward"
points = 12
functions = ["linear_backward"]
ids = ["BWD-DW", "BWD-DB"]

[[item]]
name = "cost"
points = 10
ids = ["COST-BCE"]

[[item]]
name = "by hand"
points = 5
manual = true
"""


# ------------------------------------------------------------------------------------ rubrics
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = ", "not valid TOML"),
        ("color = 'red'\n[[item]]\nname='a'\npoints=1\nids=['LIN-FWD']", "unknown key(s) color"),
        ("name = 'x'", "no items"),
        ("[[item]]\nname = 'db'\nids = ['BWD-DB']", "item 1 ('db'): points must be a positive number, got None"),
        ("[[item]]\nname = 'db'\npoints = -2\nids = ['BWD-DB']", "item 1 ('db'): points must be a positive number"),
        ("[[item]]\nname = 'db'\npoints = true\nids = ['BWD-DB']", "item 1 ('db'): points must be a positive number"),
        ("[[item]]\nname = 'db'\npoints = 5", "item 1 ('db'): names no catalogue ID and no function"),
        ("[[item]]\npoints = 5\nids = ['BWD-DB']", "item 1: needs a name"),
        ("[[item]]\nname = 'db'\npoints = 5\nids = 'BWD-DB'\nweight = 2", "item 1 ('db'): unknown key(s) weight"),
        ("[[item]]\nname = 'db'\npoints = 5\nids = [3]", "item 1 ('db'): ids must be a list of non-empty strings"),
        ("[[item]]\nname = 'db'\npoints = 5\nids = ['BWD-DX']", "item 1 ('db'): unknown catalogue ID(s) BWD-DX"),
        ("[[item]]\nname = 'lb'\npoints = 5\nfunctions = ['linear_backwrd']",
         "item 1 ('lb'): no function the checker knows is called linear_backwrd"),
        ("[[item]]\nname = 'db'\npoints = 5\nids = ['BWD-DB']\ncredit = 'half'", "item 1 ('db'): credit must be"),
        ("[[item]]\nname = 'db'\npoints = 5\nids = ['BWD-DB']\nrequire = 'all'", "item 1 ('db'): require must be one"),
        ("[[item]]\nname = 'db'\npoints = 5\nids = ['BWD-DB']\ndtypes = ['float16']", "unknown dtype(s) float16"),
        ("[[item]]\nname = 'a'\npoints = 1\nids = ['BWD-DB']\n[[item]]\nname = 'a'\npoints = 1\nids = ['BWD-DW']",
         "item name(s) used twice: a"),
        ("[[item]]\nname = 'a'\npoints = 1\nids = ['BWD-DB']\n[[item]]\nname = 'b'\npoints = 0\nids = ['BWD-DW']",
         "item 2 ('b'): points must be a positive number, got 0"),
    ],
)
def test_rubric_errors_name_the_item(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        g.parse_rubric(text, "demo.toml", known_ids={"BWD-DB", "BWD-DW", "LIN-FWD"},
                       known_functions={"linear_backward"})  # fmt: skip
    assert message in str(info.value)
    assert str(info.value).startswith("demo.toml")


def test_rubric_parses() -> None:
    rubric = g.parse_rubric(RUBRIC, "demo.toml")
    assert [i.name for i in rubric.items] == ["linear_backward", "cost", "by hand"]
    assert rubric.items[0].points == 12.0 and rubric.items[0].ids == ("BWD-DW", "BWD-DB")
    assert rubric.items[2].manual and [i.name for i in rubric.auto_items] == ["linear_backward", "cost"]
    assert rubric.title == "A demo" and rubric.name == "demo"


def test_shipped_rubrics_load_with_known_names() -> None:
    shipped = g.shipped_rubrics()
    expected = {"step_by_step", "application", "logistic_regression", "planar", "initialization", "regularization",
                "gradient_checking", "optimization", "cmpe258", "cmpe258_assignment3"}  # fmt: skip
    assert expected <= set(shipped)
    for name in shipped:
        rubric = g.load_rubric(name)  # every ID and function name checked against the catalogue
        assert rubric is not None and rubric.items
    a3 = g.load_rubric("cmpe258_assignment3")
    assert [(i.name, i.points) for i in a3.items] == [
        ("1. functions", 40), ("2. split data", 5), ("3. initialize parameters", 5), ("4. model", 20),
        ("5. predictions", 10), ("6. optimization", 20)]  # fmt: skip
    assert sum(i.points for i in g.load_rubric("step_by_step").items) == 100


def test_unknown_rubric_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ValueError, match=r"shipped: .*step_by_step"):
        g.load_rubric("no_such_rubric")


# ------------------------------------------------------------------------------------ credit
def test_partial_credit_per_row() -> None:
    item = g.Item("lb", 12, ids=("BWD-DW", "BWD-DB"), functions=("linear_backward",))
    rows = [row("BWD-DW"), row("BWD-DW", dtype="float32"), row("BWD-DB"),
            row("BWD-DB", "FAIL", dtype="float32", diagnosis="np.sum without keepdims", problem="db has shape (3,)")]
    score = g.score_item(item, rows)
    assert score.score == 9.0  # 3 of 4 rows: 3/4 of 12
    assert "3 of 4 rows pass" in score.output and "likely cause: np.sum without keepdims" in score.output
    assert not score.passed


def test_credit_rounds_to_hundredths() -> None:
    rows = [row(), row("BWD-DW", "FAIL", dtype="float32"), row("BWD-DW", "error", oracle="finite differences")]
    assert g.score_item(g.Item("dw", 10, ids=("BWD-DW",)), rows).score == 3.33


def test_credit_by_cases_and_all_or_nothing() -> None:
    rows = [row(cases=10), row(status="FAIL", dtype="float32", cases=10, passed=6)]
    assert g.score_item(g.Item("a", 10, ids=("BWD-DW",), credit="cases"), rows).score == 8.0
    assert g.score_item(g.Item("a", 10, ids=("BWD-DW",), credit="all"), rows).score == 0.0
    assert g.score_item(g.Item("a", 10, ids=("BWD-DW",), credit="all"), rows[:1]).score == 10.0


def test_a_missing_function_scores_zero_on_its_share() -> None:
    item = g.Item("init", 10, ids=("INIT-SMALL",), functions=("initialize_parameters", "initialize_parameters_deep"))
    rows = [row("INIT-SMALL", function="initialize_parameters(n_x, n_h, n_y)", names=("initialize_parameters",)),
            row("INIT-SMALL", "not implemented", function="initialize_parameters_deep(layer_dims)",
                names=("initialize_parameters_deep",))]  # fmt: skip
    score = g.score_item(item, rows)
    assert score.score == 5.0
    assert "initialize_parameters_deep: missing" in score.output
    # not even a row: the same (a function the registry has no row for in this submission)
    assert g.score_item(item, rows[:1]).score == 5.0
    assert g.score_item(item, []).score == 0.0


def test_rows_that_were_not_run_do_not_count_when_another_row_of_the_function_ran() -> None:
    rows = [row("INIT-SMALL", function="initialize_parameters(n_x, n_h, n_y)", names=("initialize_parameters",)),
            row("INIT-SMALL", "not implemented", function="initialize_parameters(layer_dims)",
                names=("initialize_parameters",)),
            row("INIT-SMALL", "n/a", names=("initialize_parameters", "initialize_parameters_deep"))]  # fmt: skip
    assert g.score_item(g.Item("i", 4, ids=("INIT-SMALL",), functions=("initialize_parameters",)), rows).score == 4.0


def test_require_any() -> None:
    rows = [row("COST-CE", names=("compute_cost",))]
    item = g.Item("model", 20, ids=("COST-CE", "GD-LOOP"), require="any")
    assert g.score_item(item, rows).score == 20.0
    assert g.score_item(g.Item("model", 20, ids=("COST-CE", "GD-LOOP")), rows).score == 10.0
    assert g.score_item(item, []).score == 0.0


def test_manual_items_are_not_scored() -> None:
    rubric = g.parse_rubric(RUBRIC, "demo.toml")
    scores = g.score_record(rubric, {"status": "ok", "rows": [row(), row("BWD-DB"), row("COST-BCE", names=())]})
    assert [s.score for s in scores] == [12.0, 10.0, None]
    assert g.totals(scores) == (22.0, 22.0)


def test_default_rubric_is_a_point_per_checked_row() -> None:
    rows = [row(), row(dtype="float32", status="FAIL"), row("BWD-DW", oracle="finite differences"),
            row("LIN-FWD", "not implemented", names=("linear_forward",)),
            row("INIT-SMALL", function="initialize_parameters_deep(layer_dims)")]  # fmt: skip
    scores = g.score_record(None, {"status": "ok", "rows": rows})
    assert [s.name for s in scores] == ["BWD-DW float64", "BWD-DW float32", "BWD-DW float64 (finite differences)",
                                        "INIT-SMALL initialize_parameters_deep float64"]  # fmt: skip
    assert g.totals(scores) == (3.0, 4.0)


def test_row_record_reads_the_diagnosis() -> None:
    from torch_reference.registry import Row

    r = Row("BWD-DB", "db = ...", "cpu", "float32", status="FAIL", cases=3, passed_cases=1, worst_fraction=float("inf"))
    r.worst = ("BWD-DB [cpu, float32, seed 0, shape (5, 3, 7)]: FAIL\n  db has shape (3,), expected (3, 1)\n"
               "    likely cause: db has shape (3,), not a column (3, 1): np.sum(..., axis=1) without keepdims=True")
    rec = g.row_record(r)
    assert rec["problem"] == "db has shape (3,), expected (3, 1)"
    assert rec["diagnosis"].startswith("db has shape (3,), not a column")
    assert rec["names"] == ["linear_backward"] and rec["worst_fraction"] is None
    e = Row("BWD-DA", "", "cpu", "float64", status="error", cases=1)
    e.worst = ("BWD-DA [...]: error\n  ValueError: shapes (3,4) and (5,7) not aligned (at /s/a.py:12 in "
               "linear_backward): x")
    assert g.row_record(e)["diagnosis"] == "ValueError raised in linear_backward"
    json.dumps(rec, allow_nan=False)


# ------------------------------------------------------------------------------ outputs
def _schema() -> dict:
    """Gradescope's autograder results, as far as this grader writes them."""
    vis = {"enum": list(g.VISIBILITIES)}
    test = {"type": "object", "required": ["name", "score", "max_score", "status", "output"],
            "properties": {"name": {"type": "string"}, "score": {"type": "number", "minimum": 0},
                           "max_score": {"type": "number", "minimum": 0}, "status": {"enum": ["passed", "failed"]},
                           "output": {"type": "string"}, "visibility": vis}}  # fmt: skip
    return {"type": "object", "required": ["score", "tests", "output", "execution_time"],
            "properties": {"score": {"type": "number"}, "execution_time": {"type": "number"},
                           "output": {"type": "string"}, "visibility": vis, "stdout_visibility": vis,
                           "tests": {"type": "array", "items": test}}}  # fmt: skip


def assert_gradescope(data: dict) -> None:
    assert g.validate_results(data) == []
    try:
        import jsonschema
    except ImportError:
        return
    jsonschema.validate(data, _schema())


def test_validate_results_finds_what_gradescope_rejects() -> None:
    assert g.validate_results({"score": 1, "tests": [{"name": "a", "score": 2, "max_score": 1}]}) == [
        "tests[0].score 2 is outside [0, max_score 1]"]  # fmt: skip
    assert "visibility 'public'" in g.validate_results({"score": 1, "visibility": "public"})[0]
    assert g.validate_results({"output": "x"}) == ["neither score nor tests"]
    assert g.validate_results([]) == ["results.json is not an object"]


def _records() -> list[dict]:
    ok = {"status": "ok", "message": "", "rows": [row(), row("BWD-DB"), row("COST-BCE", names=())], "seconds": 1.5,
          "load_report": "loaded alice.py (file): 3 definitions"}  # fmt: skip
    partial = {"status": "ok", "message": "", "seconds": 2.0, "rows": [
        row(), row("BWD-DB", "FAIL", diagnosis="np.sum without keepdims", problem="db has shape (3,)"),
        row("COST-BCE", "FAIL", names=(), diagnosis="off by a factor m: the 1/m is missing")]}  # fmt: skip
    broken = {"status": "did not load", "message": "bob.py: syntax error at line 3: expected ':'", "rows": [],
              "seconds": 0.2}  # fmt: skip
    return [ok, partial, broken]


def test_outputs_gradebook_results_and_report(tmp_path: Path) -> None:
    subs = [g.Submission(n, tmp_path / n) for n in ("alice.py", "carol.ipynb", "bob.py")]
    run = g.GradeRun(tmp_path, tmp_path / "out", g.parse_rubric(RUBRIC, "demo.toml"))
    run.out_dir.mkdir()
    g.write_outputs(run, subs, _records())
    with open(run.out_dir / "grades.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert list(table[0]) == ["submission", "status", "total", "max", "linear_backward", "cost", "by hand", "seconds",
                              "message"]  # fmt: skip
    assert [(r["submission"], r["status"], r["total"], r["max"]) for r in table] == [
        ("alice.py", "ok", "22", "22"), ("carol.ipynb", "ok", "6", "22"), ("bob.py", "did not load", "0", "22")]
    assert table[1]["linear_backward"] == "6" and table[1]["cost"] == "0" and table[1]["by hand"] == ""
    assert table[2]["message"].startswith("bob.py: syntax error")
    for sub in subs:
        data = json.loads((run.record_dir(sub) / "results.json").read_text())
        assert_gradescope(data)
        assert {t["name"] for t in data["tests"]} == {"linear_backward", "cost"}
    bob = json.loads((run.out_dir / "submissions" / "bob.py" / "results.json").read_text())
    assert bob["score"] == 0 and "syntax error" in bob["output"] and "did not load" in bob["tests"][0]["output"]
    report = (run.out_dir / "report.md").read_text()
    assert "| off by a factor m: the 1/m is missing | 1 |" in report and "| BWD-DB | 1 |" in report
    assert "did not load" in report and "report.png" in report
    assert (run.out_dir / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_default_rubric_columns_are_the_union_of_rows(tmp_path: Path) -> None:
    subs = [g.Submission(n, tmp_path / n) for n in ("a.py", "b.py", "c.py")]
    run = g.GradeRun(tmp_path, tmp_path / "out")
    run.out_dir.mkdir()
    g.write_outputs(run, subs, _records())
    with open(run.out_dir / "grades.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert "BWD-DB float64" in table[0] and "COST-BCE float64" in table[0]
    assert [(r["total"], r["max"]) for r in table] == [("3", "3"), ("1", "3"), ("0", "0")]


# ------------------------------------------------------------------------------ submissions
def test_submissions_and_the_main_file_of_a_folder(tmp_path: Path) -> None:
    (tmp_path / "alice.py").write_text("def linear_forward(A, W, b):\n    return W @ A + b, (A, W, b)\n")
    (tmp_path / "notes.txt").write_text("not a submission")
    (tmp_path / ".hidden.py").write_text("")
    bob = tmp_path / "bob"
    bob.mkdir()
    (bob / "helpers.py").write_text("def load():\n    pass\n")
    (bob / "dnn_utils.py").write_text("def sigmoid(Z):\n    pass\ndef relu(Z):\n    pass\n")  # the course's helper
    (bob / "assignment.ipynb").write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": ["%matplotlib inline\n", "def linear_forward(A, W, b):\n", "    pass\n"]},
        {"cell_type": "code", "source": "def linear_backward(dZ, cache):\n    pass\n"}]}))  # fmt: skip
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / "readme.md").write_text("nothing")
    subs = g.find_submissions(tmp_path)
    assert [s.name for s in subs] == ["alice.py", "bob", "carol"]
    known = g.catalogue_names()[1]
    assert g.main_file(bob, known) == bob / "assignment.ipynb"
    assert g.main_file(tmp_path / "carol", known) is None
    nested = tmp_path / "dave" / "submission"
    nested.mkdir(parents=True)
    (nested / "hw.py").write_text("def propagate(w, b, X, Y):\n    pass\n")
    assert g.main_file(tmp_path / "dave", known) == nested / "hw.py"
    assert g.fingerprint(bob, 3) == g.fingerprint(bob, 3) != g.fingerprint(bob, 2)


def test_check_submission_that_does_not_load(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy as np\n\ndef linear_forward(A, W, b)\n    return np.dot(W, A) + b\n")
    record = g.check_submission(bad)
    assert record["status"] == "did not load"
    assert "syntax error" in record["message"] and "line 3" in record["message"] and "\n" not in record["message"]
    assert record["rows"] == []
    assert g.totals(g.score_record(g.load_rubric("step_by_step"), record)) == (0.0, 100.0)


# ------------------------------------------------------------------------------ the pool
def stand_in_worker(path: str, seeds: int, ids: list[str] | None, time_limit: float | None) -> dict:
    """A worker that does what its submission's name says (sent to spawn workers by name)."""
    name = Path(path).stem
    if name.startswith("crash"):
        os._exit(3)
    if name.startswith("hang"):
        time.sleep(120)
    if name.startswith("raise"):
        raise RuntimeError("the worker itself failed")
    return {"status": "ok", "message": "", "rows": [row()], "seconds": 0.01, "events": [], "output": ""}


def _stand_in_run(folder: Path, out: Path, **kw) -> tuple[g.GradeRun, list[str]]:
    lines: list[str] = []
    run = g.GradeRun(folder, out, None, jobs=2, timeout=1.0, grace=1.0, log=lines.append, worker=stand_in_worker,
                     initializer=None, progress=False, **kw)  # fmt: skip
    return run, lines


def _write_class(folder: Path, names: list[str]) -> None:
    folder.mkdir(exist_ok=True)
    for n in names:
        (folder / n).write_text("def sigmoid(z):\n    return z\n")


def test_a_worker_that_dies_or_hangs_does_not_stop_the_run(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    _write_class(folder, ["a.py", "crash.py", "hang.py", "raise.py", "z.py"])
    (folder / "empty").mkdir()
    run, lines = _stand_in_run(folder, tmp_path / "out")
    start = time.monotonic()
    records = g.grade(run)
    assert time.monotonic() - start < 30
    assert {r["submission"]: r["status"] for r in records} == {
        "a.py": "ok", "crash.py": "crashed", "empty": "did not load", "hang.py": "timeout", "raise.py": "crashed",
        "z.py": "ok"}  # fmt: skip
    by_name = {r["submission"]: r for r in records}
    assert "ended" in by_name["crash.py"]["message"] and "limit" in by_name["hang.py"]["message"]
    assert "RuntimeError" in by_name["raise.py"]["message"]
    assert len([line for line in lines if line.startswith("[")]) == 6
    with open(run.out_dir / "grades.csv", newline="") as fh:
        assert [r["status"] for r in csv.DictReader(fh)] == ["ok", "crashed", "did not load", "timeout", "crashed",
                                                             "ok"]  # fmt: skip


def test_a_rerun_skips_what_is_graded_and_regrades_what_changed(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    _write_class(folder, ["a.py", "b.py"])
    run, lines = _stand_in_run(folder, tmp_path / "out")
    for sub in g.find_submissions(folder):  # graded before an interruption: the records are there
        job = g.Job(sub, sub.path, g.fingerprint(sub.path, run.seeds))
        run.save_record(job, {"status": "ok", "message": "", "rows": [row(), row("BWD-DB")], "seconds": 3.0})

    def no_pool(*args, **kwargs):
        raise AssertionError("nothing to grade: no worker may start")

    original = g._new_pool
    g._new_pool = no_pool
    try:
        records = g.grade(run)
    finally:
        g._new_pool = original
    assert [r["seconds"] for r in records] == [3.0, 3.0]
    assert "2 of 2 submissions already graded" in lines[0]
    assert (run.out_dir / "grades.csv").read_text().count("\n") == 3  # rebuilt from the records
    (folder / "b.py").write_text("def sigmoid(z):\n    return 2 * z\n")  # b resubmitted: graded again
    lines.clear()
    records = g.grade(run)
    assert [r["seconds"] for r in records] == [3.0, 0.01]
    assert "1 of 2 submissions already graded" in lines[0]


def test_cli_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from torch_reference.cli import main

    assert main(["grade", str(tmp_path / "none"), "--output", str(tmp_path / "out")]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["grade", str(tmp_path), "--output", str(tmp_path / "out"), "--rubric", "nope"]) == 2
    assert "shipped: " in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[[item]]\nname = 'x'\npoints = 'ten'\nids = ['LIN-FWD']\n")
    assert main(["grade", str(tmp_path), "--output", str(tmp_path / "out"), "--rubric", str(bad)]) == 2
    assert "item 1 ('x'): points must be a positive number" in capsys.readouterr().err


def test_gradescope_without_a_submission_still_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "results" / "results.json"
    assert g.main(["gradescope", "--submission", str(tmp_path / "missing"), "--results", str(out),
                   "--rubric", "step_by_step"]) == 0  # fmt: skip
    data = json.loads(out.read_text())
    assert_gradescope(data)
    assert data["score"] == 0 and len(data["tests"]) == 10 and "does not exist" in data["output"]


def test_make_class_substitutions_all_change_the_source(tmp_path: Path) -> None:
    mc = _make_class_module()
    manifest = mc.make_class(tmp_path / "c", hang=True)
    assert len(manifest) >= 50
    clean = {m["assignment"]: name for name, m in manifest.items() if not m["mistake"]}
    for name, m in manifest.items():
        if m["mistake"]:
            assert (tmp_path / "c" / name).read_text() != (tmp_path / "c" / clean[m["assignment"]]).read_text()
    for m in manifest.values():  # every planted mistake names an item of its assignment's shipped rubric
        if m["item"] != "did not load" and m["mistake"]:
            assert m["item"] in {i.name for i in g.load_rubric(m["rubric"], check_names=False).items}
    with pytest.raises(ValueError, match="not found"):
        mc.substitute("abc", "xyz", "q", what="demo")


# ------------------------------------------------------------------------------ slow: a real class
@pytest.mark.slow
def test_grading_a_class_done_when(tmp_path: Path) -> None:
    """The issue's "done when": the clean course-style file, >= 20 files with one mistake each, one
    that does not load and one that hangs: grades.csv, a valid results.json each, the class report;
    full marks for the clean file; each mistake loses points on its rubric item; the run finishes."""
    mc = _make_class_module()
    folder = tmp_path / "class"
    manifest = mc.make_class(folder, ["step_by_step"], hang=True)
    assert sum(1 for m in manifest.values() if m["mistake"] and m["item"] != "did not load") >= 20
    rubric = g.load_rubric("step_by_step")
    points = {i.name: i.points for i in rubric.items}
    run = g.GradeRun(folder, tmp_path / "out", rubric, jobs=2, timeout=120, log=lambda line: None, progress=False)
    records = g.grade(run)
    with open(run.out_dir / "grades.csv", newline="") as fh:
        table = {r["submission"]: r for r in csv.DictReader(fh)}
    assert set(table) == set(manifest)
    for name, m in manifest.items():
        data = json.loads((run.out_dir / "submissions" / name / "results.json").read_text())
        assert_gradescope(data)
        r = table[name]
        if not m["mistake"]:
            assert (r["status"], float(r["total"]), float(r["max"])) == ("ok", 100.0, 100.0), r
        elif m["item"] == "did not load":
            assert r["status"] == "did not load" and float(r["total"]) == 0
        else:
            assert float(r[m["item"]]) < points[m["item"]], (name, r)
    statuses = {r["submission"]: r["status"] for r in records}
    assert statuses["step_by_step__hangs.py"] == "timeout"
    assert statuses["step_by_step__sys_exit.py"] == "crashed"
    assert (run.out_dir / "report.md").exists() and (run.out_dir / "report.png").exists()


@pytest.mark.slow
def test_every_assignment_every_planted_mistake_loses_points_on_its_item(tmp_path: Path) -> None:
    """The whole zoo (every assignment the checker knows, >= 50 submissions) graded once; each
    record rescored with its assignment's shipped rubric (no check is run again for that)."""
    mc = _make_class_module()
    manifest = mc.make_class(tmp_path / "class")
    run = g.GradeRun(tmp_path / "class", tmp_path / "out", None, jobs=2, log=lambda line: None, progress=False)
    records = {r["submission"]: r for r in g.grade(run)}
    missed = []
    for name, m in manifest.items():
        scores = {s.name: s for s in g.score_record(g.load_rubric(m["rubric"]), records[name])}
        score, top = g.totals(list(scores.values()))
        if not m["mistake"]:
            assert score == top == 100, (name, records[name]["status"])
        elif m["item"] == "did not load":
            assert records[name]["status"] == "did not load"
        elif not scores[m["item"]].score < scores[m["item"]].points:
            missed.append(name)
    assert missed == []


@pytest.mark.slow
def test_gradescope_command_on_a_clean_file(tmp_path: Path) -> None:
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "Building_your_Deep_Neural_Network.py").write_text((FIXTURES / "step_by_step.py").read_text())
    out = tmp_path / "results.json"
    assert g.gradescope_main(["--submission", str(submission), "--results", str(out), "--rubric", "step_by_step"]) == 0
    data = json.loads(out.read_text())
    assert_gradescope(data)
    assert data["score"] == 100 and all(t["status"] == "passed" for t in data["tests"])


@pytest.mark.slow
def test_reference_cache_changes_no_row() -> None:
    """The memoized draws and oracles give the rows the registry gives without them."""
    import subprocess

    code = (
        "import json, sys\n"
        "from torch_reference import grade as g\n"
        "from torch_reference import refcache\n"
        "if sys.argv[1] == 'cache': refcache.reference_cache().__enter__()\n"
        "rs = [g.check_submission(f'tests/fixtures/course/{n}')['rows'] for n in sys.argv[2:] for _ in range(2)]\n"
        "print(json.dumps([[(r['id'], r['function'], r['dtype'], r['status'], r['cases'], r['passed_cases'],"
        " r['diagnosis']) for r in x] for x in rs]))\n"
    )
    files = ["step_by_step.py", "planar_db2_all_axes.py", "optimization_adam_t_from_zero.py"]
    outs = [subprocess.run([sys.executable, "-c", code, mode, *files], capture_output=True, text=True, cwd=ROOT,
                           check=True).stdout for mode in ("plain", "cache")]  # fmt: skip
    assert json.loads(outs[0]) == json.loads(outs[1])


def test_each_variant_is_its_own_gradebook_item() -> None:
    """nn-verify reports each variant of an ID as its own row; the gradebook must not merge them (four
    ACT-RELU rows once all read "ACT-RELU float64")."""
    rows = [{"id": "ACT-RELU", "variant": v, "function": "", "oracle": "PyTorch", "dtype": "float64"}
            for v in ("", "forward only", "at-0 pytorch convention", "at-0 notes convention")]
    assert len({g.row_key(r) for r in rows}) == len({g.row_label(r) for r in rows}) == 4
    assert g.row_label(rows[1]) == "ACT-RELU [forward only] float64"
