"""B4: rate-limit fidelity.

What: a full enrollment sync through each vendor's connector (as B3's) from the benchmark
sandbox with that vendor's rate limit on: a ``rate_limit`` fault rule (``POST
/_sandbox/faults``), a token bucket of ``BURST`` requests refilled at the configured rate (Docebo's
documented 1,000 requests an hour, the same figure for the vendors that publish none, sped up
by ``scale``), answering 429 with ``Retry-After`` when it is empty. The connector is told the
same rate (``Connector.requests_per_second``, the tenant's limit as a connection would know it)
and spaces its requests under it.

The configured rate is half the rate of requests the connector reached without a limit (B3's
recorded sync) and at most the count of its requests over ``MIN_SECONDS``, so the limit, not the
client or the server, sets the pace, and a sync lasts long enough to measure it.

Baseline: the configured rate. Three conditions, all needed to pass: requests answered (not
429) per second, from the first request sent to the last, ≥ 0.95 of the rate; at most 1% of
the requests answered 429; the records equal to the unlimited sync's, in the same order.

The figures give how long the cyclic garbage collector held the client during the sync: a
sequential sync cannot take the turns that pass while it is stopped (a full collection walks
the sandbox's heap in this process too), and the pacer keeps only one missed turn.

Until the sandbox has rate limits (it refuses the rule), the row says so.
"""

from __future__ import annotations

import asyncio
import gc
import time

import httpx

from bench.context import Context, Synced
from bench.harness import Row, Target
from bench.serving import BenchServer

TARGET = Target(">=", 0.95)
MAX_429_SHARE = 0.01
EXTRA = "≤ 1% 429, same records"
#: requests the bucket holds when full
BURST = 5
#: the documented rate the rule is scaled from (Docebo's; the others publish none)
PER_HOUR = 1000.0
MIN_SECONDS = 3.0
NAME = "B4 rate-limit fidelity"


def run(ctx: Context) -> list[Row]:
    server = ctx.memory_server()
    known = ctx.connections()
    rows = []
    for vendor in server.credentials():
        name = f"{NAME} ({vendor})"
        if vendor not in known:
            rows.append(Row.not_measured(name, str(TARGET), f"core has no {vendor!r} connector"))
            continue
        rows.append(measure(ctx, server, vendor, name))
    return rows


def measure(ctx: Context, server: BenchServer, vendor: str, name: str) -> Row:
    synced = ctx.synced(vendor)
    requests = len(synced.exchanges)
    free_rate = requests / synced.seconds
    rate = min(free_rate / 2, requests / MIN_SECONDS)
    rule = {
        "vendor": vendor,
        "kind": "rate_limit",
        "per_hour": PER_HOUR,
        "burst": BURST,
        "scale": rate * 3600 / PER_HOUR,
    }
    answer = httpx.post(server.base_url + "/_sandbox/faults", json=rule, timeout=30.0)
    if answer.status_code >= 400:
        reason = " ".join(answer.text.split())[:120]
        return Row.not_measured(
            name,
            f"{TARGET} and {EXTRA}",
            f"the sandbox has no rate limiting yet (a rate_limit rule is refused: {reason})",
        )
    rule_id = answer.json()["id"]
    try:
        limited = asyncio.run(limited_sync(synced, rate))
    finally:
        httpx.delete(f"{server.base_url}/_sandbox/faults/{rule_id}", timeout=30.0)
    records, statuses, seconds, collecting = limited
    sent = sum(statuses.values())
    refused = statuses.get(429, 0)
    answered = sent - refused
    # requests answered after the first, over the time from the first request to the last
    achieved = (answered - 1) / seconds if seconds > 0 else 0.0
    same = records == synced.records
    share = refused / sent if sent else 0.0
    figures = (
        f"{answered:,} requests answered, {seconds:.2f} s from the first to the last: "
        f"{achieved:.1f}/s against the configured {rate:.1f}/s (bucket of {BURST}; "
        f"{PER_HOUR:g}/h sped up {rule['scale']:.0f} times); "
        f"{refused} answered 429 ({100 * share:.1f}%); the cyclic GC held the client "
        f"{collecting:.2f} s; "
        f"{len(records):,} records, {'the same as' if same else 'DIFFERENT from'} the "
        f"unlimited sync's ({requests:,} requests at {free_rate:.0f}/s)"
    )
    return Row.measured(
        name,
        achieved / rate,
        TARGET,
        figures,
        extra_ok=share <= MAX_429_SHARE and same,
        extra_target=EXTRA,
    )


async def limited_sync(
    synced: Synced, rate: float
) -> tuple[list[object], dict[int, int], float, float]:
    """The sync with the connector told the rate: (records, answers by status, seconds from
    the first request sent to the last, seconds the cyclic garbage collector ran meanwhile)."""
    statuses: dict[int, int] = {}
    sent: list[float] = []
    collecting = [0.0, 0.0]  # seconds in all, start of the running collection

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting[1] = time.perf_counter()
        else:
            collecting[0] += time.perf_counter() - collecting[1]

    async def note(request: httpx.Request) -> None:
        sent.append(time.perf_counter())

    async def count(response: httpx.Response) -> None:
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    gc.callbacks.append(timed)
    try:
        async with (
            httpx.AsyncClient(
                timeout=httpx.Timeout(60.0), event_hooks={"request": [note], "response": [count]}
            ) as client,
            synced.connection.connector(http_client=client) as connector,
        ):
            connector.requests_per_second = rate
            records: list[object] = [r async for r in connector.list_enrollments()]
    finally:
        gc.callbacks.remove(timed)
    return records, statuses, sent[-1] - sent[0], collecting[0]
