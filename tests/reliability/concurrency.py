"""Concurrent writes to a durable sandbox under uvicorn, through the real connectors.

The sandbox runs in a thread (``SandboxServer``) with its state on disk, so every write awaits
its fsync and concurrent requests really interleave between their checks and their commits. The
connectors send the requests over TCP, retrying what the vendor refuses before acting (Kombo's
concurrency limit answers 429 past 30 writes in flight). What happened is then read from the
store itself, where a duplicate cannot hide behind an API that folds two records into one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
from starlette.applications import Starlette

from core.connections import Connection, sandbox_connections
from core.connector import Connector
from core.errors import ApiError
from core.view import LocalView
from sandbox.app import SandboxConfig, create_app, sandbox_credentials, sandbox_of
from sandbox.server import SandboxServer
from tests.reliability.harness import FIGURES

VENDORS: Final = ("docebo", "kombo", "ispring", "lms365")
#: statuses of courses that take no new enrollments
CLOSED: Final = frozenset({"inactive", "archived", "deleted", "draft", "unpublished", "retired"})


def _docebo(doc: dict[str, Any]) -> tuple[str, str] | None:
    if doc.get("course_id") is None:
        return None
    return str(doc["user_id"]), str(doc["course_id"])


def _kombo(doc: dict[str, Any]) -> tuple[str, str] | None:
    item = doc["item"]
    return str(item["user_id"]), str(item["course_revision_id"])


def _ispring(doc: dict[str, Any]) -> tuple[str, str] | None:
    return str(doc["learnerId"]), str(doc["courseId"])


def _lms365(doc: dict[str, Any]) -> tuple[str, str] | None:
    return str(doc["UserId"]), str(doc["CourseId"])


#: the table of each vendor's enrollments, and the (user id, course id) of one of its documents
#: in the ids the connector uses
PAIR_OF: Final[dict[str, tuple[str, Callable[[dict[str, Any]], tuple[str, str] | None]]]] = {
    "docebo": ("docebo.enrollments", _docebo),
    "kombo": ("kombo.course_progressions", _kombo),
    "ispring": ("ispring.enrollments", _ispring),
    "lms365": ("lms365.enrollments", _lms365),
}


def stored_pairs(app: Starlette, vendor: str) -> Counter[tuple[str, str]]:
    """How many records of each (user, course) pair the vendor's tenant holds."""
    table, pair_of = PAIR_OF[vendor]
    found: Counter[tuple[str, str]] = Counter()
    for doc in list(sandbox_of(app).store.table(table).values()):
        pair = pair_of(doc)
        if pair is not None:
            found[pair] += 1
    return found


@dataclass
class LiveSandbox:
    """A durable sandbox served by uvicorn in a thread, and its connections."""

    app: Starlette
    server: SandboxServer
    connections: dict[str, Connection]

    def connector(self, vendor: str) -> Connector:
        connector = self.connections[vendor].connector(max_retries=30)
        connector.max_backoff = 0.5
        return connector


@contextlib.contextmanager
def live_sandbox(data: Path, scenario: str = "default", **options: Any) -> Iterator[LiveSandbox]:
    app = create_app(SandboxConfig(scenario=scenario, data_dir=data, **options))
    server = SandboxServer(app, host="127.0.0.1", port=0)
    server.start()
    try:
        credentials = sandbox_credentials(app, server.base_url)
        connections = {c.vendor: c for c in sandbox_connections(credentials)}
        yield LiveSandbox(app, server, connections)
    finally:
        server.stop()


async def free_pairs(connector: Connector, count: int, skip: int = 0) -> list[tuple[str, str]]:
    """``count`` (user, course) pairs of open users and courses that are not enrolled, after
    the first ``skip`` such pairs (so that tests sharing a tenant take different ones)."""
    view = await LocalView.load(connector)
    users = sorted(u.id for u in view.users.values() if (u.status or "active") == "active")
    courses = sorted(
        c.id for c in view.courses.values() if str(c.status or "").lower() not in CLOSED
    )
    taken = {(e.user.id, e.course.id) for e in view.enrollments.values()}
    pairs = [(u, c) for c in courses for u in users if (u, c) not in taken]
    chosen = pairs[skip : skip + count]
    assert len(chosen) == count, f"only {len(pairs) - skip} free pairs for {connector.vendor}"
    return chosen


async def _gather(calls: list[Awaitable[Any]]) -> list[Any]:
    return await asyncio.gather(*calls, return_exceptions=True)


def _refusal(result: Any) -> bool:
    """A vendor's own refusal (already enrolled, not enrolled), as opposed to a failure."""
    return isinstance(result, ApiError) and result.status in (400, 404, 409)


async def identical_enrolls(live: LiveSandbox, vendor: str, count: int) -> dict[str, int]:
    """``count`` concurrent enrolls of one pair; the records of the pair afterwards."""
    async with live.connector(vendor) as connector:
        ((user, course),) = await free_pairs(connector, 1)
        results = await _gather(
            [connector.enroll(user_id=user, course_id=course) for _ in range(count)]
        )
    failures = [r for r in results if isinstance(r, BaseException) and not _refusal(r)]
    assert not failures, f"{vendor}: {failures[:3]}"
    records = stored_pairs(live.app, vendor)[(user, course)]
    FIGURES["concurrent enroll requests"] += count
    FIGURES["duplicates"] += max(0, records - 1)
    return {"requests": count, "records": records}


async def distinct_enrolls(
    live: LiveSandbox, vendor: str, count: int, skip: int = 1
) -> dict[str, int]:
    """``count`` concurrent enrolls of as many different pairs; how many of them hold a
    record afterwards, and how many pairs hold more than one."""
    async with live.connector(vendor) as connector:
        pairs = await free_pairs(connector, count, skip=skip)
        before = stored_pairs(live.app, vendor)
        results = await _gather(
            [connector.enroll(user_id=user, course_id=course) for user, course in pairs]
        )
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, f"{vendor}: {len(failures)} failed, e.g. {failures[:3]}"
    after = stored_pairs(live.app, vendor)
    enrolled = sum(1 for pair in pairs if after[pair] >= 1)
    duplicates = sum(after[pair] - 1 for pair in pairs if after[pair] > 1)
    others_changed = sum((after - before).values()) - sum(after[pair] for pair in pairs)
    FIGURES["concurrent enroll requests"] += count
    FIGURES["duplicates"] += duplicates
    return {"enrolled": enrolled, "duplicates": duplicates, "others": others_changed}


async def enroll_unenroll_race(
    live: LiveSandbox, vendor: str, each: int, skip: int
) -> dict[str, int]:
    """``each`` enrolls and ``each`` unenrolls of one pair at once, interleaved. Every serial
    order of them leaves the pair with zero or one record; one that tells a creation from a
    repeat (Docebo's 200 and 400, 200 and 404) has made as many creations as removals plus
    the final record. Afterwards the API agrees with the store and the pair enrolls again."""
    async with live.connector(vendor) as connector:
        ((user, course),) = await free_pairs(connector, 1, skip=skip)
        if vendor == "docebo":
            created, removed = await _docebo_race(live, user, course, each)
        else:
            calls: list[Awaitable[Any]] = []
            for _ in range(each):
                calls.append(connector.enroll(user_id=user, course_id=course))
                calls.append(connector.unenroll(user_id=user, course_id=course))
            results = await _gather(calls)
            failures = [r for r in results if isinstance(r, BaseException) and not _refusal(r)]
            assert not failures, f"{vendor}: {failures[:3]}"
        final = _live_records(live.app, vendor, user, course)
        assert final in (0, 1), f"{vendor}: {final} records of one pair after the race"
        if vendor == "docebo":
            assert created - removed == final, (created, removed, final)
        api = [
            e
            async for e in connector.list_enrollments(user_ids=[user], course_ids=[course])
            if e.status.value != "withdrawn"
        ]
        assert len(api) == final, (vendor, api, final)
        if final:
            await connector.unenroll(user_id=user, course_id=course)
        await connector.enroll(user_id=user, course_id=course)
        assert _live_records(live.app, vendor, user, course) == 1
    FIGURES["enroll/unenroll races"] += 1
    return {"final": final}


async def _docebo_race(live: LiveSandbox, user: str, course: str, each: int) -> tuple[int, int]:
    """The race in raw requests, whose statuses tell a creation (200) from a repeat (400), a
    removal (200) from nothing to remove (404)."""
    secrets = live.connections["docebo"].secrets
    base = live.connections["docebo"].base_url
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        token = await client.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": secrets["client_id"],
                "client_secret": secrets["client_secret"],
            },
        )
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        path = f"/learn/v1/enrollments/{course}/{user}"
        calls = []
        for _ in range(each):
            calls += [client.post(path, json={}), client.delete(path)]
        answers = await asyncio.gather(*calls)
    statuses = [(a.request.method, a.status_code) for a in answers]
    assert set(statuses) <= {("POST", 200), ("POST", 400), ("DELETE", 200), ("DELETE", 404)}
    return statuses.count(("POST", 200)), statuses.count(("DELETE", 200))


def _live_records(app: Starlette, vendor: str, user: str, course: str) -> int:
    """Records of the pair that count as enrolled (Kombo keeps a DROPPED progression)."""
    table, pair_of = PAIR_OF[vendor]
    count = 0
    for doc in sandbox_of(app).store.table(table).values():
        if pair_of(doc) != (user, course):
            continue
        if vendor == "kombo" and doc["item"]["status"] == "DROPPED":
            continue
        count += 1
    return count
