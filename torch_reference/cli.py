"""``nn-verify``: the agreement table of every catalogue ID, NumPy vs PyTorch (or another oracle).

One row per registry entry (a catalogue ID and its variant, with its own equation) x oracle x device
x dtype, and, when the implementation under test is scratch_nn, one per erratum and claim of the
notes x dtype (``registry.Check``: the errata's demonstrations, the claims' quick experiments). Each
row: the number of cases, the largest absolute and relative error, the worst error as a fraction of
its derived tolerance (<= 1 passes), and the status. Rows that cannot apply to the implementation
under test (a function it lacks, a reading it does not have) are listed with ``-v`` only; a row whose
oracle cannot run here (scikit-learn missing) is listed, "n/a" with the reason. Exit status 0 only
if every checked row passes.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from typing import Any

from .device import DTYPES, available_devices, device_description, device_unavailable_reason, single_threaded
from .impl import ImplLoadError, load_impl
from .registry import SEEDS, Row, verify
from .sandbox import Limits

COLUMNS = ["ID", "variant", "equation", "oracle", "device", "dtype", "cases", "max abs err", "max rel err", "worst/tol",
           "status"]  # fmt: skip
#: the widest variant and equation cells of the text table (the JSON has them whole)
VARIANT_WIDTH, EQUATION_WIDTH = 32, 48

#: exit statuses: every checked row passes; some row FAILs or errors; the implementation or the
#: options could not be used; nothing at all could be checked
EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_NOTHING_CHECKED = 0, 1, 2, 3


def fraction_text(x: float) -> str:
    """worst/tol in at most 9 characters: 0.123, 12.3, 1.2e+03, inf."""
    if not math.isfinite(x):
        return str(x)
    return f"{x:.3f}" if x < 100 else f"{x:.2g}" if x < 1e3 else f"{x:.1e}"


def status_text(row: Row) -> str:
    """The row's status, with the cases it could not run when some did (never hidden), or why its
    oracle could not run here."""
    if row.ran and row.skipped:
        return f"{row.status} ({row.skipped} cases not run)"
    if row.unavailable:
        return f"{row.status}: {row.unavailable}"
    return row.status


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _cells(row: Row) -> list[str]:
    def num(x: float) -> str:
        return f"{x:.2e}" if math.isfinite(x) else str(x)

    text = f"{row.function.split('(')[0]}: {row.equation}" if row.function else row.equation
    return [
        row.id,
        _clip(row.variant, VARIANT_WIDTH),
        _clip(text, EQUATION_WIDTH),
        row.oracle,
        row.device,
        row.dtype,
        str(row.cases),
        num(row.max_abs),
        num(row.max_rel),
        fraction_text(row.worst_fraction),
        status_text(row),
    ]


def format_table(rows: Sequence[Row], markdown: bool = False) -> str:
    """The rows as an aligned text table, or as a Markdown table."""
    cells = [_cells(r) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        return "\n".join(lines)
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(COLUMNS)]
    line = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(COLUMNS), line(["-" * w for w in widths])] + [line(c) for c in cells])


def format_json(rows: Sequence[Row], meta: dict) -> str:
    data = {
        "meta": meta,
        "rows": [
            {
                "id": r.id,
                "variant": r.variant,
                "function": r.function,
                "equation": r.equation,
                "oracle": r.oracle,
                "device": r.device,
                "dtype": r.dtype,
                "cases": r.cases,
                "max_abs_err": r.max_abs,
                "max_rel_err": r.max_rel,
                "worst_fraction_of_tolerance": r.worst_fraction,
                "status": r.status,
                "oracle_unavailable": r.unavailable,
                "cases_not_run": r.skipped,
                "notes": sorted(r.notes),
                "worst": r.worst,
            }
            for r in rows
        ],
    }
    return json.dumps(data, indent=2)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nn-verify",
        description="Check every equation of the notes, NumPy (scratch_nn or --impl) against PyTorch.",
        epilog="other commands: "
        + "; ".join(f"nn-verify {name} ...: {what}" for name, (_mod, what) in SUBCOMMANDS.items()),
    )
    p.add_argument(
        "--device",
        action="append",
        choices=["cpu", "cuda"],
        help="device(s) for PyTorch (repeatable; default: every available one)",
    )
    p.add_argument(
        "--dtype", action="append", choices=sorted(DTYPES), help="dtype(s) (repeatable; default: float32 and float64)"
    )
    p.add_argument("--format", choices=["table", "markdown", "json"], default="table")
    p.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument(
        "--impl",
        metavar="MODULE_OR_PATH",
        help="implementation to check: a module, a .py file or a .ipynb (default scratch_nn)",
    )
    p.add_argument(
        "--run-all",
        action="store_true",
        help="run the whole --impl file as it is (default: only its imports, functions, classes and constants)",
    )
    limits = Limits()
    p.add_argument(
        "--timeout", type=float, default=limits.call, metavar="S",
        help=f"seconds one call of the --impl code may take (default {limits.call:g}); a call past it is killed",
    )  # fmt: skip
    p.add_argument(
        "--load-timeout", type=float, default=limits.load, metavar="S",
        help=f"seconds to load the --impl module (default {limits.load:g})",
    )  # fmt: skip
    p.add_argument(
        "--memory-limit", type=int, default=limits.memory_mib, metavar="MiB",
        help=f"address space of the process running the --impl code (default {limits.memory_mib}; 0: none)",
    )  # fmt: skip
    p.add_argument(
        "--no-isolate", action="store_true",
        help="run the --impl code in this process (for a debugger): no time or memory limits",
    )  # fmt: skip
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--seeds", type=int, default=len(SEEDS), metavar="N", help="seeds per shape (default 3)")
    p.add_argument("--id", action="append", dest="ids", metavar="ID", help="only these catalogue IDs (repeatable)")
    p.add_argument(
        "-v", "--verbose", action="store_true",
        help="list the rows that cannot apply to the implementation too; print the worst case of every failing row",
    )  # fmt: skip
    p.add_argument(
        "--errata",
        action="store_true",
        help="print the errata of the notes (ID, as written, correct, what goes wrong), each shown by running it",
    )
    return p


#: ``nn-verify COMMAND ...``: the other tools behind the same entry point
SUBCOMMANDS = {
    "bench": ("torch_reference.bench", "time one training step: scratch_nn vs PyTorch vs the GEMM limit"),
    "digits": ("torch_reference.experiments.command", "the digits assignment and its learning-rate figure"),
    "claims": ("torch_reference.experiments.command", "the notes' claims run as experiments, with figures"),
    "mutation": ("torch_reference.mutation", "mutation score of the registry against scratch_nn"),
    "grade": ("torch_reference.grade", "grade a folder of submissions: grades.csv, Gradescope results, class report"),
    "gradescope": ("torch_reference.grade", "grade /autograder/submission into /autograder/results/results.json"),
}
#: subcommands whose module's main() expects the command word itself
_KEEP_WORD = {"digits", "claims", "grade", "gradescope"}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        import importlib

        rest = argv if argv[0] in _KEEP_WORD else argv[1:]
        return importlib.import_module(SUBCOMMANDS[argv[0]][0]).main(rest)
    args = build_parser().parse_args(argv)
    if args.errata:  # the lines of the notes that are wrong as written (torch_reference/errata.py)
        from .errata import errata_table

        text, all_shown = errata_table(markdown=args.format == "markdown")
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
        else:
            print(text)
        return 0 if all_shown else 1
    devices = args.device or available_devices()
    for device in devices:
        reason = device_unavailable_reason(device)
        if reason:
            print(f"nn-verify: {reason}", file=sys.stderr)
            return EXIT_USAGE
    for name in ("timeout", "load_timeout"):
        if not getattr(args, name) > 0:
            print(f"nn-verify: --{name.replace('_', '-')} must be a positive number of seconds", file=sys.stderr)
            return EXIT_USAGE
    limits = Limits(call=args.timeout, load=args.load_timeout, memory_mib=max(args.memory_limit, 0))
    try:
        impl = load_impl(args.impl, run_all=args.run_all, isolate=not args.no_isolate, limits=limits)
    except ImplLoadError as exc:
        print(f"nn-verify: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _check(args, impl, devices)
    finally:
        sandbox = getattr(impl, "sandbox", None)
        if sandbox is not None:
            sandbox.close()


def _check(args: argparse.Namespace, impl: Any, devices: list[str]) -> int:
    report = getattr(impl, "load_report", None)
    if report is not None and args.format != "json":
        print(report.summary(), file=sys.stderr)
    dtypes = args.dtype or list(DTYPES)
    start = time.perf_counter()
    with single_threaded():  # every case is tiny: one thread is fastest (device.single_threaded)
        rows = verify(impl, devices, dtypes, seeds=range(args.seeds), ids=args.ids,
                      progress=None if args.quiet else Progress(sys.stderr))  # fmt: skip
    if args.ids and not rows:
        print(f"nn-verify: no registry entry has ID(s) {', '.join(args.ids)}", file=sys.stderr)
        return EXIT_USAGE
    elapsed = time.perf_counter() - start
    failed = [r for r in rows if r.failed]
    meta = {
        "impl": getattr(impl, "__name__", str(impl)),
        "devices": [device_description(d) for d in devices],
        "dtypes": dtypes,
        "seeds": args.seeds,
        "seconds": round(elapsed, 2),
    }
    checked = [r for r in rows if r.ran]
    # rows that cannot apply to the implementation (functions the module lacks; the sample-statistics
    # INIT rows, which only apply to a non-replayable initializer) are listed with -v only
    shown = rows if args.verbose else [r for r in rows if r.listed]
    meta["rows_not_listed"] = len(rows) - len(shown)
    if args.format == "json":
        text = format_json(shown, meta)
    else:
        text = format_table(shown, markdown=args.format == "markdown")
        counts = {s: sum(r.status == s for r in checked) for s in ("pass", "FAIL", "error")}
        unavailable = sorted({r.unavailable for r in rows if r.unavailable and not r.ran})
        n_unavailable = sum(bool(r.unavailable) and not r.ran for r in rows)
        unchecked = len(rows) - len(checked) - n_unavailable
        summary = (
            f"{counts['pass']} of {len(checked)} checked rows pass"
            + "".join(f", {n} {s}" for s, n in counts.items() if n and s != "pass")
            + (f"; {n_unavailable} rows n/a ({'; '.join(unavailable)})" if unavailable else "")
            + (f"; {unchecked} rows not checked ({'listed' if args.verbose else 'see -v'})" if unchecked else "")
            + f" ({sum(r.cases for r in rows)} cases, {elapsed:.1f} s; impl {meta['impl']}; "
            f"devices {', '.join(meta['devices'])})"
        )
        text += "\n\n" + summary
        notes = sorted(getattr(impl, "notes", set()) | {f"{r.function or r.id}: {n}" for r in checked for n in r.notes})
        if notes:
            text += "\n\nNotes:\n" + "\n".join("  " + n for n in notes)
        if failed and (args.verbose or len(failed) <= 10):
            text += "\n\nWorst case of each failing row:\n" + "\n".join(r.worst for r in failed)
        elif failed:
            text += f"\n\n{len(failed)} rows fail; the first line of each (-v for the worst case of every row):\n"
            text += "\n".join(_first_problem(r) for r in failed)
    if not checked and args.format != "json":
        text += "\n\n" + nothing_checked(impl, rows)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    if not checked:
        return EXIT_NOTHING_CHECKED
    return EXIT_PASS if not failed else EXIT_FAIL


def _first_problem(row: Row) -> str:
    """One line for a failing row: its ID and function, and the first thing wrong."""
    lines = row.worst.splitlines()
    detail = next((line.strip() for line in lines[1:] if line.strip()), lines[0] if lines else "")
    cause = next((line.strip() for line in lines if "likely cause" in line), "")
    where = f"{row.key} {row.function.split('(')[0]}".strip()
    return f"  {where} [{row.dtype}]: {detail}" + (f" -- {cause}" if cause else "")


def nothing_checked(impl: object, rows: Sequence[Row]) -> str:
    """Why no row could be checked: what was found, and why each found function was not checked."""
    report = getattr(impl, "load_report", None)
    found = report.defined if report is not None else []
    # the rows that reached a found function and could not run it (n/a), not the functions it lacks
    reasons = sorted({r.worst.splitlines()[1].strip() for r in rows if r.status == "n/a" and r.worst.count("\n")})
    partners = sorted({r.worst.splitlines()[1].strip() for r in rows if r.status == "not implemented"
                       and any(f"{n}" in r.worst for n in found) and r.worst.count("\n")})  # fmt: skip
    if not reasons and partners:
        reasons = [f"a check of what was found also needs what is missing ({p})" for p in partners[:3]]
    if not reasons:
        reasons = ["no function has the name and signature of one the checker knows (see the README's list)"]
    reasons = reasons[:6]
    return (
        "nn-verify: nothing was checked (exit status 3). "
        + (f"Functions found: {', '.join(found)}. " if found else "")
        + ("Why: " + "; ".join(reasons) if reasons else "")
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


class Progress:
    """What ``verify`` is doing, as it does it: a bar on a terminal (tqdm), plain lines otherwise
    (one per catalogue entry, with its time), so that a user sees what is slow."""

    def __init__(self, stream: Any) -> None:
        self.stream, self.bar, self.total, self.count = stream, None, 0, 0

    def start(self, total: int) -> None:
        self.total, self.count = total, 0
        if getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=self.stream, unit="entry", leave=False, dynamic_ncols=True)

    def done(self, entry: Any, seconds: float, rows: list[Row]) -> None:
        self.count += 1
        ran = [r for r in rows if r.ran]
        status = "FAIL" if any(r.failed for r in ran) else "pass" if ran else "not run"
        name = f"{getattr(entry, 'key', entry.id)} {entry.function}".strip()  # ID[variant] of an entry or check
        if self.bar is not None:
            self.bar.set_postfix_str(f"{name} {seconds:.2f} s", refresh=False)
            self.bar.update(1)
        elif ran:
            print(f"[{self.count}/{self.total}] {name}: {status} ({seconds:.2f} s)", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
