"""B3: full sync through a connector.

What: wall time of ``connector.list_enrollments()`` collecting every enrollment of the ``large``
scenario (100,000) as normalized records, per vendor core has a connector for, against the live
sandbox under uvicorn in a thread of this process. A fresh connector
each time, so it signs in and reads what it reads first (Docebo: the course list, for soft
deadlines) every time, on one shared ``httpx.AsyncClient``.

Baseline: the very requests that connector made (recorded once: same URLs, cursors, headers,
page size 200, one at a time as the connector sends them) replayed with the same
``httpx.AsyncClient``, reading the bytes and nothing more. The ratio sync / replay is what
decoding and mapping cost on top of fetching; target ≤ 1.3.

For context the row also gives the same replay over the raw asyncio client of
:mod:`bench.rawhttp` (the gap between the two replays is httpx's own cost per page), and one
sync with Python's cyclic garbage collector disabled (the gap is what its collections of the
growing heap of records cost).

The sandbox serving the pages lives in this process and shares its interpreter lock, so the
client's decoding and mapping cannot overlap the server's work: the harder case (``lmsbridge``
serves its embedded sandbox from a child process, and a real tenant is another machine). Its
``large`` tenants, some 2.5 million objects, are frozen out of the collector's scans once the
server is up (``bench.serving.BenchServer``, as ``sandbox.heap`` does for ``lmsbridge``'s
servers); the listing defers its own full collections (``core.gcpause``).
"""

from __future__ import annotations

import asyncio
import gc
import time
from urllib.parse import urlsplit

import httpx

from bench.context import Context, Synced
from bench.harness import Row, Target, median
from bench.rawhttp import RawConnection
from bench.recording import Exchange
from core.connections import Connection

TARGET = Target("<=", 1.3)


def run(ctx: Context) -> list[Row]:
    server = ctx.memory_server()
    known = ctx.connections()
    rows = []
    for vendor in server.credentials():
        name = f"B3 full sync ({vendor})"
        if vendor not in known:
            rows.append(Row.not_measured(name, str(TARGET), f"core has no {vendor!r} connector"))
            continue
        synced = ctx.synced(vendor)
        rows.append(asyncio.run(measure(ctx, synced, server.base_url, name)))
    return rows


async def sync(connection: Connection, client: httpx.AsyncClient) -> int:
    records = []
    async with connection.connector(http_client=client) as connector:
        async for record in connector.list_enrollments():
            records.append(record)
    return len(records)


async def replay(exchanges: list[Exchange], client: httpx.AsyncClient) -> int:
    total = 0
    for exchange in exchanges:
        response = await client.request(
            exchange.method, exchange.url, headers=exchange.headers, content=exchange.content
        )
        total += len(response.content)
    return total


async def raw_replay(exchanges: list[Exchange], base_url: str) -> int:
    connection = RawConnection(base_url)
    requests = []
    for exchange in exchanges:
        url = urlsplit(exchange.url)
        target = url.path + (f"?{url.query}" if url.query else "")
        requests.append(
            connection.encode(exchange.method, target, exchange.headers, exchange.content)
        )
    total = 0
    try:
        for request in requests:
            _, body = await connection.send(request)
            total += len(body)
    finally:
        await connection.close()
    return total


async def measure(ctx: Context, synced: Synced, base_url: str, name: str) -> Row:
    exchanges = synced.exchanges
    times: dict[str, list[float]] = {"sync": [], "replay": [], "raw": []}
    count = fetched = 0
    async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as client:
        for _ in range(ctx.sizes.repeat):
            gc.collect()
            start = time.perf_counter()
            count = await sync(synced.connection, client)
            times["sync"].append(time.perf_counter() - start)
            gc.collect()
            start = time.perf_counter()
            fetched = await replay(exchanges, client)
            times["replay"].append(time.perf_counter() - start)
            gc.collect()
            start = time.perf_counter()
            await raw_replay(exchanges, base_url)
            times["raw"].append(time.perf_counter() - start)
        gc.collect()
        gc.disable()  # once more without the cyclic collector, to show its share
        try:
            start = time.perf_counter()
            await sync(synced.connection, client)
            no_gc = time.perf_counter() - start
        finally:
            gc.enable()
    if count != len(synced.records):
        raise RuntimeError(f"the sync read {count} records, the recorded one {len(synced.records)}")
    took = {side: median(values) for side, values in times.items()}
    per_page = 1000 * (took["replay"] - took["raw"]) / len(exchanges)
    figures = (
        f"sync {took['sync']:.2f} s ({count / took['sync']:,.0f} records/s) vs replay "
        f"{took['replay']:.2f} s ({len(exchanges)} requests, {fetched / 2**20:.0f} MiB); "
        f"raw-socket replay {took['raw']:.2f} s (httpx adds {per_page:.2f} ms/request); "
        f"sync with the cyclic GC off {no_gc:.2f} s; {count:,} records"
    )
    return Row.measured(name, took["sync"] / took["replay"], TARGET, figures)
