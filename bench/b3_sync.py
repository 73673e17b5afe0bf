"""B3: full sync through a connector.

What: wall time of ``connector.list_enrollments()`` collecting every enrollment of the ``large``
scenario (~100,000) as normalized records, per vendor core has a connector for, against the
sandbox served as users run it (``lmsbridge sandbox --memory``) in a process of its own
(``bench.serving.ChildServer``), as a real tenant is another machine and ``lmsbridge``'s
embedded sandbox another process. A fresh connector each time, so it signs in and reads what
it reads first (Docebo: the course list, for soft deadlines) every time, on one shared
``httpx.AsyncClient``.

Baseline: the very requests that connector made (recorded once against the same server: same
URLs, cursors, headers, page size 200, one at a time as the connector sends them) replayed with
the same ``httpx.AsyncClient``, reading the bytes and nothing more. The ratio sync / replay is
what decoding and mapping cost on top of fetching; target ≤ 1.3. The connector sends each next
page's request before it maps the page in hand (``Connector.pages_ahead``), still one request
in flight, so the server's work on page *n + 1* overlaps the mapping of page *n*; the replay
waits for each answer before it sends the next request, as any client that reads only bytes
must.

For context the row also gives the same replay over the raw asyncio client of
:mod:`bench.rawhttp` (the gap between the two replays is httpx's own cost per page), the
client's CPU time for the sync and for the replay, and one sync with Python's cyclic garbage
collector disabled (the gap is what its collections cost).

Until this round the server ran in a thread of this process. Sharing the interpreter lock, the
server's work could not overlap the client's, so the sync paid for both one after the other.
"""

from __future__ import annotations

import asyncio
import gc
import time
from urllib.parse import urlsplit

import httpx

from bench.context import Context, Synced, record_sync
from bench.harness import Row, Target, median
from bench.rawhttp import RawConnection
from bench.recording import Exchange
from bench.serving import ChildServer
from core.connections import Connection, sandbox_connections

TARGET = Target("<=", 1.3)


def run(ctx: Context) -> list[Row]:
    rows = []
    with ChildServer(ctx.sizes.scenario, log_file=ctx.log_file) as server:
        credentials = server.credentials()
        known = {c.vendor: c for c in sandbox_connections(credentials)}
        for vendor in credentials:
            name = f"B3 full sync ({vendor})"
            if vendor not in known:
                rows.append(
                    Row.not_measured(name, str(TARGET), f"core has no {vendor!r} connector")
                )
                continue
            synced = asyncio.run(record_sync(known[vendor]))
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
    cpu: dict[str, list[float]] = {"sync": [], "replay": []}
    count = fetched = 0
    async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as client:
        for _ in range(ctx.sizes.repeat):
            gc.collect()
            start, started = time.perf_counter(), time.process_time()
            count = await sync(synced.connection, client)
            times["sync"].append(time.perf_counter() - start)
            cpu["sync"].append(time.process_time() - started)
            gc.collect()
            start, started = time.perf_counter(), time.process_time()
            fetched = await replay(exchanges, client)
            times["replay"].append(time.perf_counter() - start)
            cpu["replay"].append(time.process_time() - started)
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
    used = {side: median(values) for side, values in cpu.items()}
    per_page = 1000 * (took["replay"] - took["raw"]) / len(exchanges)
    figures = (
        f"sync {took['sync']:.2f} s ({count / took['sync']:,.0f} records/s; client CPU "
        f"{used['sync']:.2f} s) vs replay {took['replay']:.2f} s ({len(exchanges)} requests, "
        f"{fetched / 2**20:.0f} MiB; client CPU {used['replay']:.2f} s); "
        f"raw-socket replay {took['raw']:.2f} s (httpx adds {per_page:.2f} ms/request); "
        f"sync with the cyclic GC off {no_gc:.2f} s; {count:,} records"
    )
    return Row.measured(name, took["sync"] / took["replay"], TARGET, figures)
