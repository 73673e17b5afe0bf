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


async def test_enroll_into_session_over_tcp(live_docebo: DoceboConnector) -> None:
    courses = [c async for c in live_docebo.list_courses() if c.type in ("classroom", "webinar")]
    sessions = [s async for s in live_docebo.list_sessions(course_id=courses[0].id)]
    session = next(s for s in sessions if (s.enrolled_count or 0) < (s.max_enrollments or 0))
    enrolled = {e.user.id async for e in live_docebo.list_enrollments(course_ids=[courses[0].id])}
    users = [u async for u in live_docebo.list_users() if u.id not in enrolled]
    user = users[0]

    enrollment = await live_docebo.enroll_session(
        user_id=user.id, course_id=courses[0].id, session_id=session.id
    )
    assert (enrollment.user.id, enrollment.course.id) == (user.id, courses[0].id)
    assert enrollment.status is EnrollmentStatus.ENROLLED
    roster = await live_docebo.request("GET", f"/course/v1/sessions/{session.id}/enrollments")
    assert int(user.id) in {item["user_id"] for item in roster.json()["data"]["items"]}


async def test_unenroll_from_learning_plan_with_cascade_over_tcp(
    live_docebo: DoceboConnector,
) -> None:
    plans = {p.id: p async for p in live_docebo.list_learning_plans()}
    others = [e async for e in live_docebo.list_learning_plan_enrollments()]
    chosen = next(
        e
        for e in others
        if sum(1 for o in others if o.user.id == e.user.id) == 1  # in no other plan
    )
    plan = plans[chosen.learning_plan.id]

    await live_docebo.unenroll_learning_plan(
        user_id=chosen.user.id, learning_plan_id=plan.id, unenroll_courses=True
    )
    left = [e async for e in live_docebo.list_learning_plan_enrollments(user_ids=[chosen.user.id])]
    assert plan.id not in {e.learning_plan.id for e in left}
    courses = {e.course.id async for e in live_docebo.list_enrollments(user_ids=[chosen.user.id])}
    assert not courses & set(plan.course_ids)
