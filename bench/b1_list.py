"""B1: sandbox list throughput.

What: requests per second for 100-record pages of the enrollment list of each vendor (random
pages over the whole ``large`` scenario, 100,000 enrollments, authenticated as a connector would
be), served by the sandbox under uvicorn, with concurrent load (32 keep-alive connections) from a
separate process (:mod:`bench.loadgen`). Every page's path is collected first by walking the list
once the way the vendor pages (page numbers for Docebo, cursors for Kombo and iSpring, OData
``$skiptoken`` for LMS365: :mod:`bench.vendors`), so a cursor page costs what a connector's
next page costs.

Baseline: a bare Starlette route in the same server returning a pre-built page of the same
size (the vendor's own page 1, fetched once), encoded per request with the sandbox's own orjson
``JSONResponse``. The ratio is list rate / baseline rate: the share of the server's capacity the
sandbox's own work (auth, parameter checks, selection, paging, envelope) leaves. Target ≥ 0.5.

Both clients are measured, alternating baseline and list loads in each round: httpx and a raw
asyncio HTTP/1.1 client. The row reports the client that reached the higher baseline rate (the
one that is not the bottleneck) and gives the other's figures and each client's CPU per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from bench.context import Context
from bench.harness import Row, Target, median
from bench.loadgen import Client, LoadResult, LoadSpec, busy_note, run_load
from bench.serving import BenchServer
from bench.vendors import PROFILES, VendorProfile

TARGET = Target(">=", 0.5)
CLIENTS: tuple[Client, ...] = ("raw", "httpx")


def run(ctx: Context) -> list[Row]:
    server = ctx.memory_server()
    rows = []
    for vendor, credentials in server.credentials().items():
        name = f"B1 list throughput ({vendor})"
        profile = PROFILES.get(vendor)
        if profile is None:
            rows.append(Row.not_measured(name, str(TARGET), f"no bench profile for {vendor!r}"))
            continue
        rows.append(measure(ctx, server, profile, credentials, name))
    return rows


def measure(
    ctx: Context,
    server: BenchServer,
    profile: VendorProfile,
    credentials: Mapping[str, str],
    name: str,
) -> Row:
    sizes = ctx.sizes
    headers = profile.auth_headers(credentials)
    with httpx.Client(base_url=server.base_url, timeout=60.0) as http:

        def fetch(target: str, headers: Mapping[str, str]) -> Any:
            response = http.get(target, headers=headers)
            response.raise_for_status()
            return orjson.loads(response.content)

        targets, page = profile.list_targets(fetch, credentials, headers, sizes.list_page_size)
    pages = len(targets)
    page_bytes = len(orjson.dumps(page))
    server.baselines.set_page(profile.name, page)

    def spec(client: Client, target: str, pages: int) -> LoadSpec:
        return LoadSpec(
            base_url=server.base_url,
            client=client,
            method="GET",
            template=target,
            headers=headers,
            pages=pages,
            targets=[] if target.startswith("/_bench/") else targets,
            concurrency=sizes.concurrency,
            duration=sizes.duration,
            warmup=sizes.warmup,
        )

    results: dict[tuple[Client, str], list[LoadResult]] = {}
    for _ in range(sizes.rounds):
        for client in CLIENTS:
            base = run_load(spec(client, f"/_bench/page/{profile.name}?p={{page}}", pages))
            subject = run_load(spec(client, "", pages))
            results.setdefault((client, "base"), []).append(base)
            results.setdefault((client, "list"), []).append(subject)

    def rate(client: Client, side: str) -> float:
        return median([r.rate for r in results[client, side]])

    def cpu(client: Client) -> float:
        return median([r.cpu_per_request_us for r in results[client, "base"]])

    def server_us(client: Client, side: str) -> float:
        return median([r.server_per_request_us for r in results[client, side]])

    def cores(client: Client, side: str) -> float:
        return median([r.server_cores for r in results[client, side]])

    used = max(CLIENTS, key=lambda c: rate(c, "base"))
    other = next(c for c in CLIENTS if c != used)
    ratio = rate(used, "list") / rate(used, "base")
    p50 = median([r.p50_ms for r in results[used, "list"]])
    errors = sum(r.errors for side in ("base", "list") for r in results[used, side])
    figures = (
        f"{used} client: list {rate(used, 'list'):,.0f} req/s (p50 {p50:.1f} ms, server "
        f"{cores(used, 'list'):.2f} cores) vs bare {rate(used, 'base'):,.0f} req/s (server "
        f"{cores(used, 'base'):.2f} cores); server CPU/req list {server_us(used, 'list'):.0f} µs"
        f" vs bare {server_us(used, 'base'):.0f} µs (ratio "
        f"{server_us(used, 'base') / server_us(used, 'list'):.2f}); "
        f"{other}: list {rate(other, 'list'):,.0f} vs bare "
        f"{rate(other, 'base'):,.0f} req/s (ratio {rate(other, 'list') / rate(other, 'base'):.2f});"
        f" client CPU/req raw {cpu('raw'):.0f} µs, httpx {cpu('httpx'):.0f} µs; page "
        f"{page_bytes / 1024:.0f} KiB, {pages:,} pages, c={sizes.concurrency}"
        + (f"; {errors} errors" if errors else "")
        + busy_note(results[used, "base"])
    )
    return Row.measured(name, ratio, TARGET, figures)
