"""A full sync and a bulk enroll through a sandbox that fails about 30% of the requests.

Two sandboxes of the same scenario and seed hold the same records: a fault-free one (in this
process) and one under uvicorn whose vendor routes answer 429 and 503 (with ``Retry-After: 0``)
or hang past the client's timeout, each rule firing on 12% of the requests it sees (1 - 0.88³ ≈
32% in all; the draws are seeded, so a run is reproducible). The connectors and the operations
layer must end with exactly the records the fault-free run ends with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import httpx

from core.connections import Connection, sandbox_connections
from core.connector import Connector
from core.operations import Action, ItemReport, Outcome, Request, execute, plan
from core.view import LocalView
from sandbox.app import sandbox_credentials
from tests.reliability.concurrency import CLOSED, LiveSandbox, stored_pairs
from tests.reliability.harness import FIGURES

SHARE: Final = 0.12
#: the client gives up on an answer after this long; a timeout fault holds it longer
CLIENT_TIMEOUT: Final = 0.5


def fault_rules(vendor: str) -> list[dict[str, Any]]:
    return [
        {"vendor": vendor, "status": 429, "share": SHARE, "retry_after": 0},
        {"vendor": vendor, "status": 503, "share": SHARE, "retry_after": 0},
        {"vendor": vendor, "kind": "timeout", "seconds": 1.2, "share": SHARE},
    ]


def _connector(connection: Connection, http: httpx.AsyncClient | None = None) -> Connector:
    connector = connection.connector(http_client=http, max_retries=12, timeout=CLIENT_TIMEOUT)
    connector.backoff_base = 0.01
    connector.max_backoff = 0.05
    return connector


def records(view: LocalView) -> dict[str, Any]:
    """What a sync read, in a form two runs can be compared by."""
    return {
        "users": dict(sorted(view.users.items())),
        "courses": dict(sorted(view.courses.items())),
        "enrollments": dict(sorted(view.enrollments.items())),
    }


def pairs_of(view: LocalView) -> dict[tuple[str, str], str]:
    return {(e.user.id, e.course.id): str(e.status) for e in view.enrollments.values()}


@dataclass
class Compared:
    requests: int
    faults: int
    synced: bool
    bulk_same: bool
    bulk_ok: bool
    duplicates: int
    #: the items of either run that did not end created, with their messages
    problems: list[str]


async def _bulk(
    connector: Connector, requests: list[Request]
) -> tuple[LocalView, list[ItemReport]]:
    view = await LocalView.load(connector)
    made = plan("faults", connector, view, requests)
    reports = await execute(made, connector, view, concurrency=4)
    return await LocalView.load(connector), reports


async def sync_and_bulk_under_faults(
    live: LiveSandbox, baseline_app: Any, vendor: str, pairs: int
) -> Compared:
    """Sync and bulk-enroll ``pairs`` pairs on both sandboxes; compare what each ends with."""
    base_creds = sandbox_credentials(baseline_app, "http://baseline.test")
    (base_connection,) = [c for c in sandbox_connections(base_creds) if c.vendor == vendor]
    transport = httpx.ASGITransport(app=baseline_app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://baseline.test") as http,
        _connector(base_connection, http) as connector,
    ):
        baseline = await LocalView.load(connector)
        requests = _requests(baseline, pairs)
        base_after, base_outcomes = await _bulk(connector, requests)

    async with httpx.AsyncClient(base_url=live.server.base_url, timeout=30) as admin:
        for rule in fault_rules(vendor):
            (await admin.post("/_sandbox/faults", json=rule)).raise_for_status()
        try:
            async with _connector(live.connections[vendor]) as connector:
                faulted = await LocalView.load(connector)
                synced = records(faulted) == records(baseline)
                after, outcomes = await _bulk(connector, requests)
            fired = (await admin.get("/_sandbox/faults")).json()["faults"]
        finally:
            (await admin.delete("/_sandbox/faults")).raise_for_status()
    faults = sum(rule["fired"] for rule in fired)
    stored = stored_pairs(live.app, vendor)
    wanted = {(r.user, r.course) for r in requests}
    duplicates = sum(stored[pair] - 1 for pair in wanted if stored[pair] > 1)
    FIGURES["faults injected"] += faults
    FIGURES["duplicates"] += duplicates
    return Compared(
        requests=len(requests),
        faults=faults,
        synced=synced,
        bulk_same=pairs_of(after) == pairs_of(base_after),
        # an answer lost after the vendor acted (a timeout under load) is looked up and reported
        # already enrolled: the records are the same, so both outcomes are right
        bulk_ok=all(r.outcome in (Outcome.CREATED, Outcome.ALREADY_ENROLLED) for r in outcomes)
        and all(r.outcome is Outcome.CREATED for r in base_outcomes),
        duplicates=duplicates,
        problems=[
            f"{run} row {r.index + 1}: {r.outcome}: {r.message}"
            for run, reports in (("fault-free", base_outcomes), ("faulted", outcomes))
            for r in reports
            if r.outcome is not Outcome.CREATED
        ],
    )


def _requests(view: LocalView, count: int) -> list[Request]:
    users = sorted(u.id for u in view.users.values() if u.status in (None, "active"))
    courses = sorted(c.id for c in view.courses.values() if str(c.status).lower() not in CLOSED)
    taken = {(e.user.id, e.course.id) for e in view.enrollments.values()}
    free = [(u, c) for c in courses for u in users if (u, c) not in taken]
    step = max(1, len(free) // count)
    return [Request(Action.ENROLL, u, c) for u, c in free[::step][:count]]
