"""``make stress``: the reliability promises at a larger size than ``make test`` runs them, then
one table of figures.

    python -m tests.reliability.stress            # the full run (a few minutes)
    python -m tests.reliability.stress --quick    # the sizes of ``make test``, as a smoke run

Each part runs the same code as its test in ``tests/reliability/`` with the larger budget of
``harness.LARGE``: fuzzing every route (the app's, and the published OpenAPI documents'),
concurrent enrolls on every vendor, SIGKILL trials under write load, and sync and bulk runs
under injected faults. The exit status is 1 when any part failed or any acknowledged write was
lost or duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.app import sandbox_of
from tests.reliability import concurrency, crash, faults, openapi_fuzz, route_fuzz
from tests.reliability.harness import FIGURES, LARGE, SMALL, SMALL_SCENARIO, Budget, Probe


def fuzz(budget: Budget) -> str:
    probe = Probe.open()
    try:
        for words in route_fuzz.VOCABULARIES:
            routes = route_fuzz.vendor_routes(probe, words.prefix)
            route_fuzz.fuzz_vendor(probe, words, budget.route_examples * len(routes))
        skipped = []
        for spec in (openapi_fuzz.KOMBO, openapi_fuzz.ISPRING):
            schema = openapi_fuzz.load(spec)
            if schema is None:
                skipped.append(spec.vendor)
                continue
            served = openapi_fuzz.sandbox_routes(probe, spec.prefix)
            for operation, is_served in openapi_fuzz.operations(schema, served):
                examples = budget.examples if is_served else 1
                openapi_fuzz.fuzz_operation(probe, spec, operation, examples=examples)
    finally:
        probe.close()
    return f"{probe.sent:,} requests" + (
        f"; no published document for {', '.join(skipped)}" if skipped else ""
    )


async def concurrent(budget: Budget, scenario: str) -> str:
    notes = []
    with (
        tempfile.TemporaryDirectory() as data,
        concurrency.live_sandbox(Path(data), scenario) as live,
    ):
        for vendor in concurrency.VENDORS:
            one = await concurrency.identical_enrolls(live, vendor, budget.identical)
            many = await concurrency.distinct_enrolls(live, vendor, budget.distinct, skip=1)
            assert one["records"] == 1, (vendor, one)
            assert many == {"enrolled": budget.distinct, "duplicates": 0, "others": 0}, many
            if vendor != "kombo":
                for trial in range(budget.races):
                    skip = budget.distinct + 10 + trial
                    await concurrency.enroll_unenroll_race(live, vendor, each=10, skip=skip)
            notes.append(vendor)
    return (
        f"{budget.identical} identical and {budget.distinct:,} distinct enrolls, "
        f"{budget.races} races each: {', '.join(notes)}"
    )


async def crashes(budget: Budget, scenario: str) -> str:
    with tempfile.TemporaryDirectory() as data:
        result = await crash.crash_trials(
            Path(data) / "state", scenario, budget.crash_trials, budget.crash_writes
        )
    assert (result["lost"], result["duplicates"]) == (0, 0), result
    return f"{result['trials']} trials, {result['acknowledged']:,} writes acknowledged"


async def faulted(budget: Budget, scenario: str) -> str:
    from sandbox.app import SandboxConfig, create_app

    baseline = create_app(SandboxConfig(scenario=scenario, memory=True))
    fired = []
    try:
        with (
            tempfile.TemporaryDirectory() as data,
            concurrency.live_sandbox(Path(data), scenario) as live,
        ):
            for vendor in concurrency.VENDORS:
                result = await faults.sync_and_bulk_under_faults(
                    live, baseline, vendor, budget.fault_pairs
                )
                assert result.faults > 0 and result.synced, (vendor, result)
                assert result.bulk_ok and result.bulk_same, (vendor, result.problems)
                assert result.duplicates == 0, (vendor, result)
                fired.append(f"{vendor} {result.faults}")
    finally:
        sandbox_of(baseline).close()
    return "faults fired: " + ", ".join(fired)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.stress")
    parser.add_argument("--quick", action="store_true", help="the sizes of make test")
    args = parser.parse_args(argv)
    budget = SMALL if args.quick else LARGE
    # the connectors log each vendor warning (Kombo's "already enrolled" on every repeat)
    logging.getLogger("core").setLevel(logging.ERROR)
    # the larger runs need more free pairs than the small tenant has
    scenario = SMALL_SCENARIO if args.quick else "default"
    parts: list[tuple[str, Callable[[], Any]]] = [
        ("bad input (fuzzing)", lambda: fuzz(budget)),
        ("concurrency", lambda: asyncio.run(concurrent(budget, scenario))),
        ("crashes (SIGKILL)", lambda: asyncio.run(crashes(budget, scenario))),
        ("faults (~30%)", lambda: asyncio.run(faulted(budget, scenario))),
    ]
    failed = False
    rows = []
    for name, part in parts:
        print(f"stress: {name} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            note = part()
            outcome = "pass"
        except Exception as err:
            failed = True
            outcome = "FAIL"
            note = " ".join(str(err).split())[:300] or type(err).__name__
            traceback.print_exc()
        rows.append((name, outcome, f"{time.monotonic() - started:.0f} s", note))
    lost, duplicates = FIGURES["acknowledged writes lost"], FIGURES["duplicates"]
    failed = failed or lost > 0 or duplicates > 0
    print()
    print(f"{'part':<22} {'result':<6} {'time':>6}  notes")
    for name, outcome, took, note in rows:
        print(f"{name:<22} {outcome:<6} {took:>6}  {note}")
    print()
    figures = [
        ("requests tried (fuzzing)", FIGURES["requests tried"]),
        ("  of them refused (4xx)", FIGURES["requests refused"]),
        ("concurrent enroll requests", FIGURES["concurrent enroll requests"]),
        ("enroll/unenroll races", FIGURES["enroll/unenroll races"]),
        ("faults injected", FIGURES["faults injected"]),
        ("crashes survived (SIGKILL)", FIGURES["crashes survived"]),
        ("writes in flight at a kill", FIGURES["writes in flight at a kill"]),
        ("acknowledged writes", FIGURES["acknowledged writes"]),
        ("acknowledged writes lost", lost),
        ("duplicates", duplicates),
    ]
    print(f"{'figure':<28} {'value':>10}")
    for label, value in figures:
        print(f"{label:<28} {value:>10,}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
