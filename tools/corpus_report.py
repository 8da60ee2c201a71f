"""Run the checker over the corpus of real students' files (tests/data/corpus.csv).

The corpus itself is third-party code and is not in the repository: each row names its
public repository, path and commit, and ``local_file`` where a developer keeps a copy. Rows
whose copy is absent are skipped. For each file it prints: whether it loaded, the rows
checked, the FAIL and error rows, and the exit status nn-verify would give; then the totals
against each row's expected verdict (``correct`` or ``bug:...``).

    python tools/corpus_report.py [--csv tests/data/corpus.csv] [--seeds 2] [-v]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import sys
from pathlib import Path

from torch_reference.cli import EXIT_FAIL, EXIT_NOTHING_CHECKED, EXIT_PASS, EXIT_USAGE
from torch_reference.device import single_threaded
from torch_reference.impl import ImplLoadError, load_impl
from torch_reference.registry import verify


def check(path: str, seeds: int) -> tuple[int, list, str]:
    """(exit status, failing rows, load summary) of nn-verify --impl path, run in-process."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            impl = load_impl(path)
        except ImplLoadError as exc:
            return EXIT_USAGE, [], str(exc)
        try:
            with single_threaded():
                rows = verify(impl, ["cpu"], ["float32", "float64"], seeds=range(seeds))
        finally:
            if getattr(impl, "sandbox", None) is not None:
                impl.sandbox.close()
    checked = [r for r in rows if r.ran]
    failed = [r for r in checked if r.failed]
    summary = impl.load_report.summary() if getattr(impl, "load_report", None) else ""
    status = EXIT_NOTHING_CHECKED if not checked else EXIT_FAIL if failed else EXIT_PASS
    return status, failed, summary + f"; {len(checked)} rows checked"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--csv", default=str(Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus.csv"))
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--kind", action="append", help="only these kinds (py, ipynb, helper, tests)")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    totals = {"files": 0, "loaded": 0, "false alarms": 0, "bugs caught": 0, "bugs missed": 0, "nothing checked": 0}
    with open(args.csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if (args.kind and row["kind"] not in args.kind) or row["kind"] == "tests":
            continue
        local = row["local_file"]
        if not Path(local).is_file():
            continue
        totals["files"] += 1
        status, failed, summary = check(local, args.seeds)
        totals["loaded"] += status != EXIT_USAGE
        bug = row["expected"].startswith("bug")
        verdict = {EXIT_PASS: "pass", EXIT_FAIL: "FAIL", EXIT_USAGE: "did not load", EXIT_NOTHING_CHECKED: "nothing"}
        mark = ""
        if status == EXIT_NOTHING_CHECKED:
            totals["nothing checked"] += 1
        if not bug and status == EXIT_FAIL:
            totals["false alarms"] += 1
            mark = "  <-- FALSE ALARM"
        if bug:
            caught = status == EXIT_FAIL
            totals["bugs caught" if caught else "bugs missed"] += 1
            mark = "  (bug caught)" if caught else "  <-- bug missed"
        print(f"{verdict[status]:13} {row['repo']}: {row['path']}{mark}")
        if args.verbose or mark.endswith(("ALARM", "missed")):
            print(f"    {summary}")
            for r in failed[:8]:
                print(f"    {r.id} {r.function} [{r.dtype}] {r.worst.splitlines()[0][:160]}")
                for line in r.worst.splitlines()[1:3]:
                    print(f"        {line.strip()[:200]}")
    print("; ".join(f"{k}: {v}" for k, v in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
