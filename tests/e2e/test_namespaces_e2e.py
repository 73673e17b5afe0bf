"""Namespaces over real TCP: parallel tests, each on its own copy, never see each other's writes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from core.connections import sandbox_connections
from core.connectors.docebo import DoceboConnector
from sandbox.server import SandboxServer


@pytest.fixture
async def namespaces(live_sandbox: SandboxServer) -> AsyncIterator[list[dict[str, Any]]]:
    """Two namespaces of Docebo's tenant, dropped afterwards."""
    async with httpx.AsyncClient(base_url=live_sandbox.base_url, timeout=30) as admin:
        made = []
        for _ in range(2):
            answer = await admin.post("/_sandbox/namespaces", json={"vendor": "docebo"})
            assert answer.status_code == 201, answer.text
            made.append(answer.json())
        try:
            yield made
        finally:
            for namespace in made:
                await admin.delete(f"/_sandbox/namespaces/{namespace['id']}")


def connector(namespace: dict[str, Any]) -> DoceboConnector:
    (connection,) = sandbox_connections(namespace["credentials"])
    made = connection.connector()
    assert isinstance(made, DoceboConnector)
    return made


async def enrolled_pairs(docebo: DoceboConnector) -> set[tuple[str, str]]:
    return {(e.user.id, e.course.id) async for e in docebo.list_enrollments()}


async def test_parallel_writes_in_namespaces_stay_apart(
    live_sandbox: SandboxServer, namespaces: list[dict[str, Any]]
) -> None:
    first, second = namespaces
    assert first["base_url"].startswith(f"{live_sandbox.base_url}/_ns/")
    async with connector(first) as a, connector(second) as b:
        before = await enrolled_pairs(a)
        assert before == await enrolled_pairs(b)  # the same seed, the same data
        users = [u.id async for u in a.list_users()]
        courses = [c.id async for c in a.list_courses()]
        free = [(u, c) for u in users for c in courses if (u, c) not in before]
        mine, theirs = free[:5], free[5:10]

        async def enroll_all(docebo: DoceboConnector, pairs: list[tuple[str, str]]) -> None:
            await asyncio.gather(*(docebo.enroll(user_id=u, course_id=c) for u, c in pairs))

        await asyncio.gather(enroll_all(a, mine), enroll_all(b, theirs))

        assert await enrolled_pairs(a) == before | set(mine)
        assert await enrolled_pairs(b) == before | set(theirs)
    async with httpx.AsyncClient(base_url=live_sandbox.base_url, timeout=30) as admin:
        root = (await admin.get("/_sandbox/credentials")).json()
    async with connector({"credentials": {"docebo": root["docebo"]}}) as own:
        assert not (await enrolled_pairs(own)) & set(mine + theirs)


async def test_dropped_namespace_is_gone_over_tcp(live_sandbox: SandboxServer) -> None:
    async with httpx.AsyncClient(base_url=live_sandbox.base_url, timeout=30) as admin:
        made = (await admin.post("/_sandbox/namespaces", json={"vendor": "kombo"})).json()
        await admin.delete(f"/_sandbox/namespaces/{made['id']}")
        answer = await admin.get(f"/_ns/{made['id']}/kombo/v1/lms/users")
    assert answer.status_code == 404
    assert answer.json() == {"error": f"no namespace {made['id']!r}", "status": 404}
