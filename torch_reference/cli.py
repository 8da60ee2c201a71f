"""``nn-verify``: the agreement table of every catalogue equation, NumPy vs PyTorch.

One row per catalogue ID x device x dtype: the number of cases, the largest
absolute and relative error, the worst error as a fraction of its derived
tolerance (<= 1 passes), and the status. Exit status 0 only if every row passes.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence

from .device import DTYPES, available_devices, device_description, device_unavailable_reason, single_threaded
from .impl import ImplLoadError, load_impl
from .registry import SEEDS, Row, verify

COLUMNS = ["ID", "equation", "oracle", "device", "dtype", "cases", "max abs err", "max rel err", "worst/tol", "status"]


def _cells(row: Row) -> list[str]:
    def num(x: float) -> str:
        return f"{x:.2e}" if math.isfinite(x) else str(x)

    eq = row.equation if len(row.equation) <= 48 else row.equation[:47] + "…"
    return [
        row.id,
        eq,
        row.oracle,
        row.device,
        row.dtype,
        str(row.cases),
        num(row.max_abs),
        num(row.max_rel),
        f"{row.worst_fraction:.3f}",
        row.status,
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
                "equation": r.equation,
                "oracle": r.oracle,
                "device": r.device,
                "dtype": r.dtype,
                "cases": r.cases,
                "max_abs_err": r.max_abs,
                "max_rel_err": r.max_rel,
                "worst_fraction_of_tolerance": r.worst_fraction,
                "status": r.status,
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
    p.add_argument("--impl", metavar="MODULE_OR_PATH", help="implementation to check (default scratch_nn)")
    p.add_argument("--seeds", type=int, default=len(SEEDS), metavar="N", help="seeds per shape (default 3)")
    p.add_argument("--id", action="append", dest="ids", metavar="ID", help="only these catalogue IDs (repeatable)")
    p.add_argument("-v", "--verbose", action="store_true", help="print the worst case of every failing row")
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
}
#: subcommands whose module's main() expects the command word itself
_KEEP_WORD = {"digits", "claims"}


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
            return 2
    try:
        impl = load_impl(args.impl)
    except ImplLoadError as exc:
        print(f"nn-verify: {exc}", file=sys.stderr)
        return 2
    dtypes = args.dtype or list(DTYPES)
    start = time.perf_counter()
    with single_threaded():  # every case is tiny: one thread is fastest (device.single_threaded)
        rows = verify(impl, devices, dtypes, seeds=range(args.seeds), ids=args.ids)
    if args.ids and not rows:
        print(f"nn-verify: no registry entry has ID(s) {', '.join(args.ids)}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    failed = [r for r in rows if r.failed]
    meta = {
        "impl": getattr(impl, "__name__", str(impl)),
        "devices": [device_description(d) for d in devices],
        "dtypes": dtypes,
        "seeds": args.seeds,
        "seconds": round(elapsed, 2),
    }
    if args.format == "json":
        text = format_json(rows, meta)
    else:
        # rows with no applicable case (e.g. the sample-statistics INIT rows, which only apply
        # to an implementation whose draws cannot be replayed) are listed with -v only
        shown = rows if args.verbose else [r for r in rows if r.status != "n/a"]
        text = format_table(shown, markdown=args.format == "markdown")
        counts = {s: sum(r.status == s for r in rows) for s in ("pass", "FAIL", "error", "not implemented", "n/a")}
        summary = (
            f"{counts['pass']} of {len(rows)} rows pass"
            + "".join(f", {n} {s}" for s, n in counts.items() if n and s != "pass")
            + (" (n/a rows: see -v)" if counts["n/a"] and not args.verbose else "")
            + f" ({sum(r.cases for r in rows)} cases, {elapsed:.1f} s; impl {meta['impl']}; "
            f"devices {', '.join(meta['devices'])})"
        )
        text += "\n\n" + summary
        if failed and (args.verbose or len(failed) <= 10):
            text += "\n\nWorst case of each failing row:\n" + "\n".join(r.worst for r in failed)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    return 0 if not failed else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
