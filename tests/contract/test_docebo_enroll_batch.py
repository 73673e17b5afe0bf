"""Docebo's bulk enroll (``enroll_batch``): one batch call and one listing for a course's
learners, against the real sandbox in process."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette

from core.capabilities import EnrollOption
from core.connectors.docebo import DoceboConnector
from core.errors import BadRequestError
from core.models import EnrollmentStatus
from tests.contract.test_docebo_connector import Rerouting, connector_over
from tests.contract.test_docebo_connector_surface import outsiders

BATCH = "/docebo/learn/v1/enrollments"
LISTING = "/docebo/course/v1/courses/enrollments"
SEATED = ("subscribed", "in_progress", "completed")


async def elearning_course(connector: DoceboConnector) -> str:
    course = await anext(
        c
        async for c in connector.list_courses()
        if c.type == "elearning" and not c.remote_data.get("max_enrollments")
    )
    return course.id


async def test_enroll_batch_sends_one_call_and_one_listing(sandbox_app: Starlette) -> None:
    transport = Rerouting(sandbox_app)
    async with connector_over(sandbox_app, transport) as docebo:
        course_id = await elearning_course(docebo)
        users = await outsiders(docebo, course_id, 7)
        transport.sent.clear()
        enrollments = await docebo.enroll_batch(user_ids=users, course_id=course_id)
    assert transport.sent == [("POST", BATCH), ("GET", LISTING)]
    assert [e.user.id for e in enrollments] == users
    assert {e.course.id for e in enrollments} == {course_id}
    assert {e.status for e in enrollments} == {EnrollmentStatus.ENROLLED}


async def test_enroll_batch_applies_the_options(docebo: DoceboConnector) -> None:
    course_id = await elearning_course(docebo)
    users = await outsiders(docebo, course_id, 3)
    until = datetime(2031, 6, 30, 12, 0, tzinfo=UTC)
    fields = {"1": "North"}
    options = {
        EnrollOption.LEVEL: "tutor",
        EnrollOption.VALID_UNTIL: until,
        EnrollOption.ENROLLMENT_FIELDS: fields,
    }
    enrollments = await docebo.enroll_batch(user_ids=users, course_id=course_id, options=options)
    assert len(enrollments) == 3
    for enrollment in enrollments:
        assert enrollment.remote_data["enrollment_level"] == "tutor"
        assert enrollment.due_at == until
        assert enrollment.remote_data["enrollment_fields"] == fields
    listed = [e async for e in docebo.list_enrollments(user_ids=users, course_ids=[course_id])]
    assert sorted(listed, key=lambda e: e.id) == sorted(enrollments, key=lambda e: e.id)


async def test_enroll_batch_leaves_out_a_refused_learner(docebo: DoceboConnector) -> None:
    course_id = await elearning_course(docebo)
    users = await outsiders(docebo, course_id, 3)
    await docebo.enroll(user_id=users[1], course_id=course_id)
    enrollments = await docebo.enroll_batch(user_ids=[*users, "999999999"], course_id=course_id)
    assert [e.user.id for e in enrollments] == [users[0], users[2]]


async def test_enroll_batch_every_learner_refused_returns_nothing(
    sandbox_app: Starlette,
) -> None:
    transport = Rerouting(sandbox_app)
    async with connector_over(sandbox_app, transport) as docebo:
        course_id = await elearning_course(docebo)
        transport.sent.clear()
        assert await docebo.enroll_batch(user_ids=["999999999"], course_id=course_id) == []
    assert transport.sent == [("POST", BATCH)]  # nothing to read back


async def test_enroll_batch_unknown_level_refused_before_request(
    docebo: DoceboConnector,
) -> None:
    with pytest.raises(BadRequestError):
        await docebo.enroll_batch(
            user_ids=["1"], course_id="1", options={EnrollOption.LEVEL: "captain"}
        )


async def test_enroll_batch_full_course_puts_the_last_on_the_waiting_list(
    docebo: DoceboConnector,
) -> None:
    capped = [c async for c in docebo.list_courses() if c.remote_data.get("max_enrollments")]
    course = min(capped, key=lambda c: int(c.remote_data["max_enrollments"]))
    seated = [
        e
        async for e in docebo.list_enrollments(course_ids=[course.id])
        if e.remote_data["enrollment_status"] in SEATED
    ]
    free = int(course.remote_data["max_enrollments"]) - len(seated)
    users = await outsiders(docebo, course.id, free + 2)
    enrollments = await docebo.enroll_batch(user_ids=users, course_id=course.id)
    statuses = {e.user.id: e.status for e in enrollments}
    assert [statuses[u] for u in users] == (
        [EnrollmentStatus.ENROLLED] * free + [EnrollmentStatus.ASSIGNED] * 2
    )


async def waiting_batch_answer(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """The batch call's answer with every row ``waiting`` (the listing still says subscribed)."""
    if request.method != "POST" or request.url.path != BATCH:
        return response
    await response.aread()
    body = response.json()
    body["data"]["enrolled"] = [{**row, "waiting": 1} for row in body["data"]["enrolled"]]
    return httpx.Response(response.status_code, json=body, request=request)


async def test_enroll_batch_waiting_answer_returns_assigned(sandbox_app: Starlette) -> None:
    transport = Rerouting(sandbox_app, answer=waiting_batch_answer)
    async with connector_over(sandbox_app, transport) as docebo:
        course_id = await elearning_course(docebo)
        users = await outsiders(docebo, course_id, 2)
        enrollments = await docebo.enroll_batch(user_ids=users, course_id=course_id)
    assert [e.remote_data["enrollment_status"] for e in enrollments] == ["subscribed"] * 2
    assert [e.status for e in enrollments] == [EnrollmentStatus.ASSIGNED] * 2
