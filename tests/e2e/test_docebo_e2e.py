"""The Docebo connector driving the sandbox over real TCP."""

from __future__ import annotations

import httpx
import pytest

from core.connectors.docebo import DoceboConnector
from core.errors import AuthenticationError, LmsConnectionError, NotFoundError
from core.models import EnrollmentStatus
from sandbox.server import SandboxServer, find_free_port


async def test_enroll_list_unenroll_over_tcp(live_docebo: DoceboConnector) -> None:
    assert live_docebo.base_url.startswith("http://127.0.0.1:")
    enrolled = {(e.user.id, e.course.id) async for e in live_docebo.list_enrollments()}
    assert enrolled
    users = [u.id async for u in live_docebo.list_users()]
    courses = [c.id async for c in live_docebo.list_courses()]
    user_id, course_id = next((u, c) for u in users for c in courses if (u, c) not in enrolled)

    created = await live_docebo.enroll(user_id=user_id, course_id=course_id)
    assert created.status is EnrollmentStatus.ENROLLED
    listed = {e.id async for e in live_docebo.list_enrollments(course_ids=[course_id])}
    assert created.id in listed

    await live_docebo.unenroll(user_id=user_id, course_id=course_id)
    after = {e.id async for e in live_docebo.list_enrollments(course_ids=[course_id])}
    assert created.id not in after


async def test_bad_token_is_refused_over_tcp(live_sandbox: SandboxServer) -> None:
    async with httpx.AsyncClient(base_url=f"{live_sandbox.base_url}/docebo") as client:
        missing = await client.get("/manage/v1/user")
        wrong = await client.get("/manage/v1/user", headers={"Authorization": "Bearer nope"})
    for response in (missing, wrong):
        assert response.status_code == 401
        body = response.json()
        assert body["status"] == 401
        assert body["message"]


async def test_wrong_secret_over_tcp(live_sandbox: SandboxServer) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{live_sandbox.base_url}/_sandbox/credentials")
    creds = answer.json()["docebo"]
    async with DoceboConnector(
        base_url=creds["base_url"], client_id=creds["client_id"], client_secret="wrong"
    ) as connector:
        with pytest.raises(AuthenticationError):
            await anext(aiter(connector.list_users()))


async def test_unknown_ids_over_tcp(live_docebo: DoceboConnector) -> None:
    with pytest.raises(NotFoundError):
        await live_docebo.enroll(user_id="987654321", course_id="987654321")
    with pytest.raises(NotFoundError):
        await live_docebo.unenroll(user_id="987654321", course_id="987654321")


async def test_unreachable_sandbox_raises_connection_error() -> None:
    port = find_free_port()
    async with DoceboConnector(
        base_url=f"http://127.0.0.1:{port}/docebo",
        client_id="x",
        client_secret="y",
        max_retries=1,
    ) as connector:
        with pytest.raises(LmsConnectionError) as info:
            await anext(aiter(connector.list_users()))
    assert f"127.0.0.1:{port}" in str(info.value)
