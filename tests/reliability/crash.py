"""The sandbox killed with SIGKILL in the middle of a write load, then started again.

One trial: ``lmsbridge sandbox --data DIR`` is started on the directory the previous trial left
(so each start is a restart after a crash), writers send enrolls to all four vendors (and Docebo
unenrolls) with several requests in flight, and once some of them are acknowledged the process
is killed outright while the others are still on the wire. A write counts as acknowledged when
its success answer was read in full. After the last trial the state is opened once more, in this
process, and must hold every acknowledged write of every trial, no pair twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx

from core.connections import sandbox_connections
from core.view import LocalView
from sandbox.app import SandboxConfig, create_app, sandbox_credentials, sandbox_of
from sandbox.server import find_free_port
from tests.e2e.processes import start, wait_healthy
from tests.reliability.concurrency import CLOSED, VENDORS, stored_pairs
from tests.reliability.harness import FIGURES, basic

WORKERS: Final = 8

Pair = tuple[str, str]


@dataclass
class Plan:
    """The writes still to send: free pairs per vendor, Docebo pairs to unenroll."""

    free: dict[str, list[Pair]]
    removable: list[Pair]
    acknowledged: dict[str, set[Pair]] = field(default_factory=dict)
    removed: set[Pair] = field(default_factory=set)


async def _plan(data: Path, scenario: str) -> Plan:
    """Seed the directory and pick the pairs, in this process (then release the directory)."""
    app = create_app(SandboxConfig(scenario=scenario, data_dir=data))
    try:
        creds = sandbox_credentials(app, "http://sandbox.test")
        transport = httpx.ASGITransport(app=app)
        free: dict[str, list[Pair]] = {}
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as http:
            for connection in sandbox_connections(creds):
                async with connection.connector(http_client=http) as connector:
                    view = await LocalView.load(connector)
                users = sorted(u.id for u in view.users.values() if u.status in (None, "active"))
                courses = sorted(
                    c.id for c in view.courses.values() if str(c.status).lower() not in CLOSED
                )
                taken = {(e.user.id, e.course.id) for e in view.enrollments.values()}
                pairs = [(u, c) for c in courses for u in users if (u, c) not in taken]
                random.Random(connection.vendor).shuffle(pairs)
                free[connection.vendor] = pairs
        removable = sorted(p for p, n in stored_pairs(app, "docebo").items() if n == 1)
    finally:
        sandbox_of(app).close()
    return Plan(free, removable, {vendor: set() for vendor in VENDORS})


class Writer:
    """Sends one vendor's writes over HTTP with that vendor's credentials."""

    def __init__(self, client: httpx.AsyncClient, creds: dict[str, dict[str, str]]) -> None:
        self.client = client
        self.creds = creds
        self.headers: dict[str, dict[str, str]] = {}

    async def login(self) -> None:
        docebo, ispring = self.creds["docebo"], self.creds["ispring"]
        token = await self.client.post(
            "/docebo/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": docebo["client_id"],
                "client_secret": docebo["client_secret"],
            },
        )
        ispring_token = await self.client.post(
            "/ispring/api/v3/token",
            data={
                "grant_type": "client_credentials",
                "client_id": ispring["client_id"],
                "client_secret": ispring["client_secret"],
            },
            headers={"Accept": "application/json"},
        )
        kombo = self.creds["kombo"]
        self.headers = {
            "docebo": {"Authorization": f"Bearer {token.json()['access_token']}"},
            "ispring": {"Authorization": f"Bearer {ispring_token.json()['access_token']}"},
            "kombo": {
                "Authorization": f"Bearer {kombo['api_key']}",
                "X-Integration-Id": kombo["integration_id"],
            },
            "lms365": {"Authorization": basic("api", self.creds["lms365"]["api_key"])},
        }

    async def enroll(self, vendor: str, user: str, course: str) -> bool:
        """Whether the vendor acknowledged the enrollment."""
        headers = self.headers[vendor]
        body: dict[str, Any]
        if vendor == "docebo":
            url, body, ok = f"/docebo/learn/v1/enrollments/{course}/{user}", {}, 200
        elif vendor == "kombo":
            url = "/kombo/v1/lms/course-progressions"
            body, ok = {"user_id": user, "course_revision_id": course}, 200
        elif vendor == "ispring":
            url = "/ispring/enrollment"
            body = {"courseIds": [course], "learnerIds": [user], "dueDateType": "unlimited"}
            ok = 201
        else:
            url, body, ok = (
                "/lms365/odata/v2/Enrollments",
                {"CourseId": course, "UserId": user},
                201,
            )
        answer = await self.client.post(url, json=body, headers=headers)
        await answer.aread()
        return answer.status_code == ok

    async def unenroll(self, user: str, course: str) -> bool:
        path = f"/docebo/learn/v1/enrollments/{course}/{user}"
        answer = await self.client.delete(path, headers=self.headers["docebo"])
        await answer.aread()
        return answer.status_code == 200


async def _load(plan: Plan, writer: Writer, kill_after: int, process: Any, budget: int) -> int:
    """Send up to ``budget`` writes with ``WORKERS`` in flight; SIGKILL the sandbox once
    ``kill_after`` are acknowledged. Returns how many were acknowledged."""
    jobs: list[tuple[str, Pair]] = []
    for index in range(budget):
        if index % 10 == 9 and plan.removable:
            jobs.append(("unenroll", plan.removable.pop()))
        else:
            vendor = VENDORS[index % len(VENDORS)]
            jobs.append((vendor, plan.free[vendor].pop()))
    queue = iter(jobs)
    acknowledged = in_flight = 0
    killed = asyncio.Event()

    async def work() -> None:
        nonlocal acknowledged, in_flight
        for kind, (user, course) in queue:
            if killed.is_set():
                return
            in_flight += 1
            try:
                if kind == "unenroll":
                    done = await writer.unenroll(user, course)
                else:
                    done = await writer.enroll(kind, user, course)
            except httpx.HTTPError:
                return  # the sandbox is gone; this write was never acknowledged
            finally:
                in_flight -= 1
            if not done:
                continue
            if kind == "unenroll":
                plan.removed.add((user, course))
            else:
                plan.acknowledged[kind].add((user, course))
            acknowledged += 1
            if acknowledged >= kill_after and not killed.is_set():
                killed.set()
                process.send_signal(signal.SIGKILL)  # others are still in flight
                FIGURES["writes in flight at a kill"] += in_flight

    await asyncio.gather(*(work() for _ in range(WORKERS)))
    if not killed.is_set():
        process.send_signal(signal.SIGKILL)
    return acknowledged


@contextlib.contextmanager
def _sandbox(data: Path, scenario: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = find_free_port()
    process = start("--port", str(port), "--scenario", scenario, data=data)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        yield process, url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)


async def crash_trials(data: Path, scenario: str, trials: int, writes: int) -> dict[str, int]:
    """Run ``trials`` kill-and-restart trials; returns the figures, lost writes included."""
    plan = await _plan(data, scenario)
    rng = random.Random(f"crash:{trials}:{writes}")
    acknowledged = 0
    for _trial in range(trials):
        with _sandbox(data, scenario) as (process, url):
            limits = httpx.Limits(max_connections=WORKERS)
            async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
                creds = (await client.get("/_sandbox/credentials")).json()
                writer = Writer(client, creds)
                await writer.login()
                kill_after = rng.randint(max(1, writes // 10), max(2, writes // 2))
                acknowledged += await _load(plan, writer, kill_after, process, writes)
            assert process.wait(timeout=60) == -signal.SIGKILL
        FIGURES["crashes survived"] += 1
    # restart once more, in this process, and read the state from the store itself
    app = create_app(SandboxConfig(scenario=scenario, data_dir=data))
    try:
        lost = duplicates = 0
        for vendor in VENDORS:
            stored = stored_pairs(app, vendor)
            lost += sum(1 for pair in plan.acknowledged[vendor] if stored[pair] == 0)
            duplicates += sum(
                stored[pair] - 1 for pair in plan.acknowledged[vendor] if stored[pair] > 1
            )
        docebo = stored_pairs(app, "docebo")
        lost += sum(1 for pair in plan.removed if docebo[pair] != 0)
    finally:
        sandbox_of(app).close()
    FIGURES["acknowledged writes"] += acknowledged
    FIGURES["acknowledged writes lost"] += lost
    FIGURES["duplicates"] += duplicates
    return {"trials": trials, "acknowledged": acknowledged, "lost": lost, "duplicates": duplicates}
