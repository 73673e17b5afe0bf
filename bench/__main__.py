"""``python -m bench [--quick] [--only B1,B3]``: run the benchmarks and print one table.

Exit status 0 when every benchmark ran, whether or not it met its target (the table says
which did); 1 when a benchmark could not run at all (its row says ERROR); 2 for a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.context import Context
from bench.harness import Row, Status, format_table


@dataclass(frozen=True, slots=True)
class Benchmark:
    id: str
    module: str
    label: str
    target: str

    def load(self) -> Callable[[Context], list[Row]]:
        run: Callable[[Context], list[Row]] = importlib.import_module(self.module).run
        return run


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("B1", "bench.b1_list", "B1 list throughput", "≥ 0.5"),
    Benchmark("B2", "bench.b2_write", "B2 write throughput", "≥ 0.9 / ≥ 0.3"),
    Benchmark("B3", "bench.b3_sync", "B3 full sync", "≤ 1.3"),
    Benchmark(
        "B4", "bench.b4_rate_limit", "B4 rate-limit fidelity", "≥ 0.95 and ≤ 1% 429, same records"
    ),
    Benchmark("B5", "bench.b5_bulk_enroll", "B5 bulk enroll", "≥ 0.7"),
    Benchmark("B6", "bench.b6_first_paint", "B6 TUI first paint", "≤ 3"),
    Benchmark("B7", "bench.b7_filter", "B7 TUI filter keystroke", "≤ 10 and < 150 ms"),
    Benchmark("B8", "bench.b8_memory", "B8 TUI memory", "≤ 3"),
    Benchmark("B9", "bench.b9_startup", "B9 start-up", "≤ 3"),
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run the performance benchmarks; every figure is a ratio against a baseline "
        "measured in the same run.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes (the default scenario, 2-second loads) for a smoke run",
    )
    parser.add_argument(
        "--only",
        metavar="IDS",
        help="comma-separated benchmark ids to run, e.g. B1,B3 (default: all)",
    )
    args = parser.parse_args(argv)
    known = {b.id for b in BENCHMARKS}
    if args.only:
        wanted = {part.strip().upper() for part in args.only.split(",") if part.strip()}
        unknown = sorted(wanted - known)
        if unknown:
            parser.error(f"unknown benchmark ids: {', '.join(unknown)} (known: B1 to B9)")
        args.only = wanted
    else:
        args.only = known
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    selected = [b for b in BENCHMARKS if b.id in args.only]
    mode = "quick (default scenario, short loads)" if args.quick else "full"
    print(f"lmsbridge benchmarks, {mode}: {', '.join(b.id for b in selected)}", flush=True)
    context = Context(quick=args.quick)
    rows: list[Row] = []
    began = time.perf_counter()
    try:
        for benchmark in selected:
            start = time.perf_counter()
            print(f"  {benchmark.id} ...", end="", flush=True)
            try:
                found = benchmark.load()(context)
            except Exception as err:
                traceback.print_exc(file=sys.stderr)
                found = [Row.error(benchmark.label, benchmark.target, err)]
            rows.extend(found)
            print(f" {time.perf_counter() - start:.0f} s", flush=True)
    finally:
        context.close()
    print(f"\n{format_table(rows)}")
    print(
        f"\n{time.perf_counter() - began:.0f} s in all. Each ratio is against a baseline measured "
        "in this run on this machine;\nthe absolute figures are for context only."
    )
    return 1 if any(row.status is Status.ERROR for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
