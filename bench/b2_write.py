"""B2: sandbox write throughput, durable.

What: enroll requests per second (each a distinct free (course, user) pair, ``POST`` to the
vendor's single enroll call, authenticated) against a durable sandbox (``SandboxConfig(
data_dir=...)``: every write is in the journal and fsynced before its answer) holding the
``large`` scenario's 100,000 enrollments; concurrent load (32 connections; 30 for Kombo, which
refuses a 31st write in flight) from a separate process, raw asyncio client (B1 shows httpx is
the bottleneck under concurrency). The enroll call is each vendor's own (:mod:`bench.vendors`):
Docebo's ``POST /learn/v1/enrollments/{course}/{user}``, Kombo's ``POST
/lms/course-progressions``, iSpring's ``POST /enrollment`` (one course, one learner),
LMS365's ``POST Courses({id})/Enroll``. Each vendor's tenant holds the scenario's enrollments
as that vendor models them, so the counts in the figures differ a little between vendors.

Baselines, each measured in the same rounds:

* the same load against a durable sandbox holding 1,000 enrollments (the same scenario file
  with ``enrollments = 1000``, written to the scratch folder): writes must cost O(1), so the
  ratio large / small must be ≥ 0.9;
* a bare route in the large server's process that reads and parses the same JSON body and
  answers: the ratio large / bare must be ≥ 0.3 (what durability and the enroll rules cost).

Both sandboxes run at once, each under its own uvicorn thread, and the loads alternate between
them round by round, so the machine's drift hits both alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bench.context import Context
from bench.harness import Row, Target, median
from bench.loadgen import LoadResult, LoadSpec, busy_note, run_load
from bench.scenarios import derived_scenario
from bench.serving import BenchServer
from bench.vendors import PROFILES
from sandbox.app import SandboxConfig, create_app

SIZE_TARGET = Target(">=", 0.9)
BARE_TARGET = Target(">=", 0.3)
#: pairs handed to one load; more than any measured rate times a round's duration
PAIRS_PER_LOAD = 25_000
#: the bare route's path takes a random number up to this (its answer echoes it)
BARE_IDS = 1_000_000


def small_scenario(scenario: str, enrollments: int, folder: Path) -> Path:
    """``scenario``'s file with ``enrollments`` enrollments (same people, same courses)."""
    return derived_scenario(
        scenario,
        folder,
        f"{scenario} with {enrollments} enrollments (bench B2)",
        enrollments=enrollments,
    )


def run(ctx: Context) -> list[Row]:
    sizes = ctx.sizes
    small_path = small_scenario(sizes.scenario, sizes.small_enrollments, ctx.tmp)
    large = BenchServer(
        create_app(SandboxConfig(scenario=sizes.scenario, data_dir=ctx.tmp / "b2-large")),
        log_file=ctx.log_file,
    )
    small = BenchServer(
        create_app(SandboxConfig(scenario=str(small_path), data_dir=ctx.tmp / "b2-small")),
        log_file=ctx.log_file,
    )
    rows: list[Row] = []
    with large, small:
        for vendor, credentials in large.credentials().items():
            profile = PROFILES.get(vendor)
            if profile is None:
                rows.append(
                    Row.not_measured(
                        f"B2 write ({vendor})",
                        f"{SIZE_TARGET} / {BARE_TARGET}",
                        f"no bench profile for {vendor!r}",
                    )
                )
                continue
            rows.extend(measure(ctx, large, small, vendor, credentials))
    return rows


def measure(
    ctx: Context,
    large: BenchServer,
    small: BenchServer,
    vendor: str,
    credentials: Mapping[str, str],
) -> list[Row]:
    sizes = ctx.sizes
    profile = PROFILES[vendor]
    # every side at the vendor's own limit on writes in flight, where it has one
    concurrency = min(sizes.concurrency, profile.max_concurrent_writes or sizes.concurrency)
    small_credentials = small.credentials()[vendor]
    headers = {"large": profile.auth_headers(credentials)}
    headers["small"] = profile.auth_headers(small_credentials)
    pairs = {
        "large": profile.free_pairs(large.sandbox, PAIRS_PER_LOAD * sizes.rounds, seed=1),
        "small": profile.free_pairs(small.sandbox, PAIRS_PER_LOAD * sizes.rounds, seed=1),
    }
    counts = {
        "large": profile.enrollment_count(large.sandbox),
        "small": profile.enrollment_count(small.sandbox),
    }

    def spec(server: BenchServer, side: str, template: str, round_: int) -> LoadSpec:
        chunk = pairs[side][round_ * PAIRS_PER_LOAD : (round_ + 1) * PAIRS_PER_LOAD]
        bare = template.startswith("/_bench/")
        return LoadSpec(
            base_url=server.base_url,
            client="raw",
            method="POST",
            template=template,
            headers=headers[side],
            body=profile.enroll_body,
            # the bare route writes nothing, so it needs no distinct pairs: it never runs out
            pairs=[] if bare else chunk,
            pages=BARE_IDS if bare else 0,
            concurrency=concurrency,
            duration=sizes.duration,
            warmup=sizes.warmup,
        )

    enroll_large = profile.enroll_template(credentials)
    enroll_small = profile.enroll_template(small_credentials)
    bare = "/_bench/enroll/{page}/" + str(BARE_IDS)
    results: dict[str, list[LoadResult]] = {"large": [], "small": [], "bare": []}
    for round_ in range(sizes.rounds):
        results["bare"].append(run_load(spec(large, "large", bare, round_)))
        results["large"].append(run_load(spec(large, "large", enroll_large, round_)))
        results["small"].append(run_load(spec(small, "small", enroll_small, round_)))

    def rate(side: str) -> float:
        return median([r.rate for r in results[side]])

    def cpu(side: str) -> float:
        return median([r.server_per_request_us for r in results[side]])

    def note(side: str) -> str:
        errors = sum(r.errors for r in results[side])
        failing: dict[str, int] = {}
        for result in results[side]:
            for status, count in result.statuses.items():
                if not status.startswith("2"):
                    failing[status] = failing.get(status, 0) + count
        kinds = ", ".join(f"{status}: {count}" for status, count in sorted(failing.items()))
        short = any(r.exhausted for r in results[side])
        p50 = median([r.p50_ms for r in results[side]])
        cores = median([r.server_cores for r in results[side]])
        return (
            f"p50 {p50:.1f} ms, server {cpu(side):.0f} µs/req, {cores:.2f} cores"
            + (f", {errors} errors ({kinds})" if errors else "")
            + (", ran out of pairs" if short else "")
        )

    figures = (
        f"enroll at {counts['large']:,} enrollments {rate('large'):,.0f}/s ({note('large')}) vs "
        f"at {counts['small']:,} {rate('small'):,.0f}/s ({note('small')}); durable, "
        f"c={concurrency}, raw client"
    )
    return [
        Row.measured(
            f"B2 write vs {sizes.small_enrollments:,} ({vendor})",
            rate("large") / rate("small"),
            SIZE_TARGET,
            figures,
        ),
        Row.measured(
            f"B2 write vs bare ({vendor})",
            rate("large") / rate("bare"),
            BARE_TARGET,
            f"enroll {rate('large'):,.0f}/s ({note('large')}) vs bare route "
            f"{rate('bare'):,.0f}/s ({note('bare')}); server CPU/req ratio "
            f"{cpu('bare') / cpu('large'):.2f}" + busy_note(results["bare"]),
        ),
    ]
