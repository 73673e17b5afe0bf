"""The real LMS365 connector against the real sandbox, in process (no network).

Counts are checked against the raw OData API (``$count=true``); writes are checked by reading
the enrollment back through the connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from core.capabilities import EnrollOption
from core.connections import Connection
from core.connectors.lms365 import LMS365Connector, mapping
from core.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    UnsupportedOperationError,
)
from core.models import Course, EnrollmentStatus, Session, User
from sandbox.app import sandbox_credentials
from tests.conftest import IN_PROCESS_URL, in_process_client

V2 = "/lms365/odata/v2"


@pytest.fixture
def credentials(sandbox_app: Starlette) -> dict[str, str]:
    return sandbox_credentials(sandbox_app, IN_PROCESS_URL)["lms365"]


@pytest.fixture
async def raw(
    sandbox_app: Starlette, credentials: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        client.auth = httpx.BasicAuth("api", credentials["api_key"])
        yield client


@pytest.fixture
async def lms365(
    sandbox_app: Starlette, connections: list[Connection]
) -> AsyncIterator[LMS365Connector]:
    """The LMS365 connector as the sandbox's connection builds it."""
    (connection,) = [c for c in connections if c.vendor == "lms365"]
    async with in_process_client(sandbox_app) as client:
        connector = connection.connector(http_client=client)
        assert isinstance(connector, LMS365Connector)
        async with connector:
            yield connector


async def count(raw: httpx.AsyncClient, entity_set: str, query: str | None = None) -> int:
    params = {"$count": "true", "$top": "1"}
    if query:
        params["$filter"] = query
    response = await raw.get(f"{V2}/{entity_set}", params=params)
    assert response.status_code == 200, response.text
    value: int = response.json()["@odata.count"]
    return value


async def course_of_type(raw: httpx.AsyncClient, enrollment_type: str) -> dict[str, Any]:
    query = f"EnrollmentType eq '{enrollment_type}'"
    response = await raw.get(f"{V2}/Courses", params={"$filter": query, "$top": "1"})
    course: dict[str, Any] = response.json()["value"][0]
    return course


async def sessions_of(raw: httpx.AsyncClient, course_id: str) -> list[str]:
    response = await raw.get(
        f"{V2}/CourseSessions", params={"$filter": f"CourseId eq {course_id}", "$select": "Id"}
    )
    return [s["Id"] for s in response.json()["value"]]


async def notifications(raw: httpx.AsyncClient) -> list[str]:
    """The e-mails LMS365 sent (the sandbox's event log), oldest first."""
    response = await raw.get("/_sandbox/events", params={"vendor": "lms365"})
    assert response.status_code == 200, response.text
    return [event["event"] for event in response.json()["events"]]


async def group_with_members(raw: httpx.AsyncClient) -> tuple[dict[str, Any], set[str]]:
    """The smallest group of two members or more, and its members' ids (the department's
    active users)."""
    response = await raw.get(
        f"{V2}/Groups",
        params={"$filter": "MemberCount ge 2", "$orderby": "MemberCount", "$top": "1"},
    )
    (group,) = response.json()["value"]
    title = str(group["Title"]).replace("'", "''")
    users = await raw.get(
        f"{V2}/Users", params={"$filter": f"Department eq '{title}' and IsActive eq true"}
    )
    members = {u["Id"] for u in users.json()["value"]}
    assert len(members) == group["MemberCount"]
    return group, members


async def free_user(raw: httpx.AsyncClient, course_id: str) -> User:
    """An active user with no enrollment in the course."""
    response = await raw.get(
        f"{V2}/Enrollments", params={"$filter": f"CourseId eq {course_id}", "$select": "UserId"}
    )
    taken = {e["UserId"] for e in response.json()["value"]}
    users = await raw.get(f"{V2}/Users", params={"$filter": "IsActive eq true"})
    for item in users.json()["value"]:
        if item["Id"] not in taken:
            return mapping.map_user(item)
    raise AssertionError("every active user of the first page is enrolled")


# -- listing -----------------------------------------------------------------------------------


async def test_list_users_returns_every_user_once(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    users = [u async for u in lms365.list_users()]
    assert len(users) == await count(raw, "Users") > 100
    assert len({u.id for u in users}) == len(users)
    assert all(u.vendor == "lms365" and u.primary_email and u.username for u in users)


async def test_list_courses_returns_every_course_once(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    courses = [c async for c in lms365.list_courses()]
    assert len(courses) == await count(raw, "Courses")
    assert len({c.id for c in courses}) == len(courses)
    assert {c.type for c in courses} == {"elearning", "instructor_led"}


async def test_list_sessions_returns_every_session_once(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    courses: list[Course] = [c async for c in lms365.list_courses()]
    sessions: list[Session] = []
    for course in courses:
        found = [s async for s in lms365.list_sessions(course_id=course.id)]
        assert all(s.course_id == course.id for s in found)
        assert [s.starts_at for s in found] == sorted(s.starts_at for s in found if s.starts_at)
        if course.type == "elearning":
            assert found == []
        sessions += found
    assert len(sessions) == await count(raw, "CourseSessions")
    assert len({s.id for s in sessions}) == len(sessions)


async def test_list_sessions_of_unknown_id_returns_nothing(lms365: LMS365Connector) -> None:
    assert [s async for s in lms365.list_sessions(course_id="not-a-guid")] == []


async def test_list_enrollments_returns_every_enrollment_once(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    enrollments = [e async for e in lms365.list_enrollments()]
    assert len(enrollments) == await count(raw, "Enrollments") > 1000
    assert len({e.id for e in enrollments}) == len(enrollments)
    assert EnrollmentStatus.UNKNOWN not in {e.status for e in enrollments}


async def test_list_enrollments_filters_by_user_and_course(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    sample = [e async for e in lms365.list_enrollments()][:45]
    users = sorted({e.user.id for e in sample})
    courses = sorted({e.course.id for e in sample})
    found = [e async for e in lms365.list_enrollments(user_ids=users, course_ids=courses)]
    assert {e.id for e in sample} <= {e.id for e in found}
    assert all(e.user.id in users and e.course.id in courses for e in found)
    ids = ", ".join(users)
    assert len([e async for e in lms365.list_enrollments(user_ids=users)]) > len(users) - 1
    assert len(users) > 20  # the user list went in more than one chunk
    assert await count(raw, "Enrollments", f"UserId in ({ids})") == len(
        [e async for e in lms365.list_enrollments(user_ids=users)]
    )


async def test_list_enrollments_filters_by_status(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    every = [e async for e in lms365.list_enrollments()]
    for status in (
        EnrollmentStatus.COMPLETED,
        EnrollmentStatus.ENROLLED,
        EnrollmentStatus.IN_PROGRESS,
        EnrollmentStatus.OVERDUE,
    ):
        found = [e async for e in lms365.list_enrollments(statuses=[status])]
        assert found, status
        assert {e.status for e in found} == {status}
        assert len(found) == len([e for e in every if e.status == status])
    assert await count(raw, "Enrollments", "CoursePassingStatus eq 0") == len(
        [e async for e in lms365.list_enrollments(statuses=[EnrollmentStatus.COMPLETED])]
    )


async def test_list_enrollments_with_unmatchable_filters_returns_nothing(
    lms365: LMS365Connector,
) -> None:
    assert [e async for e in lms365.list_enrollments(statuses=[EnrollmentStatus.PASSED])] == []
    assert [e async for e in lms365.list_enrollments(user_ids=["o'brien"])] == []


# -- writes ------------------------------------------------------------------------------------


async def test_enroll_creates_enrollment(lms365: LMS365Connector, raw: httpx.AsyncClient) -> None:
    response = await raw.get(f"{V2}/Courses", params={"$filter": "CourseType eq 'ELearning'"})
    elearning = response.json()["value"][0]
    user = await free_user(raw, elearning["Id"])
    enrollment = await lms365.enroll(user_id=user.id, course_id=elearning["Id"])
    assert (enrollment.user.id, enrollment.course.id) == (user.id, elearning["Id"])
    assert enrollment.status == EnrollmentStatus.ENROLLED
    assert enrollment.enrolled_at is not None
    listed = [e async for e in lms365.list_enrollments(user_ids=[user.id])]
    assert enrollment.id in {e.id for e in listed}


async def test_enroll_with_session_registers_for_it(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    course = await course_of_type(raw, "MultipleSessions")
    sessions = await sessions_of(raw, course["Id"])
    user = await free_user(raw, course["Id"])
    enrollment = await lms365.enroll(
        user_id=user.id, course_id=course["Id"], options={EnrollOption.SESSION: sessions[:2]}
    )
    assert sorted(enrollment.custom_fields["course_session_ids"]) == sorted(sessions[:2])


async def test_enroll_session_registers_for_one_session(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    course = await course_of_type(raw, "SingleSession")
    (session, *_) = await sessions_of(raw, course["Id"])
    user = await free_user(raw, course["Id"])
    enrollment = await lms365.enroll_session(
        user_id=user.id, course_id=course["Id"], session_id=session
    )
    assert enrollment.custom_fields["course_session_ids"] == [session]
    assert enrollment.course.id == course["Id"]


async def test_enroll_session_with_level_is_refused(lms365: LMS365Connector) -> None:
    with pytest.raises(UnsupportedOperationError):
        await lms365.enroll_session(user_id="u", course_id="c", session_id="s", level="x")


async def test_enroll_unknown_user_raises_not_found(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    course = await course_of_type(raw, "SingleSession")
    with pytest.raises(NotFoundError):
        await lms365.enroll(user_id="00000000-0000-4000-8000-000000000000", course_id=course["Id"])


async def test_enroll_with_read_only_key_raises_permission_denied(
    sandbox_app: Starlette, credentials: dict[str, str], raw: httpx.AsyncClient
) -> None:
    course = await course_of_type(raw, "SingleSession")
    user = await free_user(raw, course["Id"])
    async with in_process_client(sandbox_app) as client:
        connector = LMS365Connector(
            base_url=credentials["base_url"],
            api_key=credentials["read_only_api_key"],
            http_client=client,
        )
        assert [u async for u in connector.list_users()]
        with pytest.raises(PermissionDeniedError) as caught:
            await connector.enroll(user_id=user.id, course_id=course["Id"])
    assert caught.value.status == 403 and caught.value.code == "Forbidden"
    assert (
        await count(raw, "Enrollments", f"UserId eq {user.id} and CourseId eq {course['Id']}") == 0
    )


async def test_list_users_with_wrong_key_raises_authentication_error(
    sandbox_app: Starlette, credentials: dict[str, str]
) -> None:
    async with in_process_client(sandbox_app) as client:
        connector = LMS365Connector(
            base_url=credentials["base_url"], api_key="wrong", http_client=client
        )
        with pytest.raises(AuthenticationError) as caught:
            [u async for u in connector.list_users()]
    assert caught.value.status == 401 and caught.value.code == "Unauthorized"


async def test_update_enrollment_changes_progress(lms365: LMS365Connector) -> None:
    (open_one, *_) = [
        e async for e in lms365.list_enrollments(statuses=[EnrollmentStatus.IN_PROGRESS])
    ]
    done = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
    updated = await lms365.update_enrollment(
        open_one.id,
        passing_status=EnrollmentStatus.COMPLETED,
        completion_date=done,
        ceus=1.5,
    )
    assert updated.id == open_one.id
    assert updated.status == EnrollmentStatus.COMPLETED
    assert updated.completed_at == done.replace(microsecond=0)
    assert updated.progress_percent == 100
    assert updated.custom_fields["ceu"] == 1.5
    (listed,) = [
        e async for e in lms365.list_enrollments(user_ids=[open_one.user.id]) if e.id == open_one.id
    ]
    assert listed.status == EnrollmentStatus.COMPLETED


async def test_update_enrollment_sets_due_date_overdue(lms365: LMS365Connector) -> None:
    (open_one, *_) = [
        e async for e in lms365.list_enrollments(statuses=[EnrollmentStatus.ENROLLED])
    ]
    updated = await lms365.update_enrollment(open_one.id, due_date=datetime(2000, 1, 1, tzinfo=UTC))
    assert updated.status == EnrollmentStatus.OVERDUE
    overdue = [e.id async for e in lms365.list_enrollments(statuses=[EnrollmentStatus.OVERDUE])]
    assert open_one.id in overdue


async def test_update_enrollment_without_fields_is_refused(lms365: LMS365Connector) -> None:
    with pytest.raises(BadRequestError):
        await lms365.update_enrollment("00000000-0000-4000-8000-000000000000")


async def test_update_enrollment_unknown_id_raises_not_found(lms365: LMS365Connector) -> None:
    with pytest.raises(NotFoundError):
        await lms365.update_enrollment("00000000-0000-4000-8000-000000000000", progress=10)


async def test_unenroll_deletes_enrollment(lms365: LMS365Connector) -> None:
    enrollment = await anext(aiter(lms365.list_enrollments()))
    await lms365.unenroll(user_id=enrollment.user.id, course_id=enrollment.course.id)
    left = [
        e
        async for e in lms365.list_enrollments(
            user_ids=[enrollment.user.id], course_ids=[enrollment.course.id]
        )
    ]
    assert left == []
    with pytest.raises(NotFoundError):
        await lms365.unenroll(user_id=enrollment.user.id, course_id=enrollment.course.id)


# -- instructor-led enrollment types (seed 004) ------------------------------------------------


@pytest.mark.parametrize("enrollment_type", ["SingleSession", "MultipleSessions"])
async def test_enroll_without_session_asks_to_pick_one(
    lms365: LMS365Connector, raw: httpx.AsyncClient, enrollment_type: str
) -> None:
    course = await course_of_type(raw, enrollment_type)
    user = await free_user(raw, course["Id"])
    enrollment = await lms365.enroll(user_id=user.id, course_id=course["Id"])
    assert (enrollment.user.id, enrollment.course.id) == (user.id, course["Id"])
    assert enrollment.status == EnrollmentStatus.ENROLLED
    assert enrollment.custom_fields["course_session_ids"] == []
    assert await notifications(raw) == ["session_selection_required"]
    mine = [e async for e in lms365.list_enrollments(user_ids=[user.id])]
    (listed,) = [e for e in mine if e.course.id == course["Id"]]
    assert listed.id == enrollment.id and listed.custom_fields["course_session_ids"] == []


async def test_enroll_all_sessions_without_session_registers_for_all(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    course = await course_of_type(raw, "AllSessions")
    sessions = [s.id async for s in lms365.list_sessions(course_id=course["Id"])]
    assert len(sessions) >= 2
    user = await free_user(raw, course["Id"])
    enrollment = await lms365.enroll(user_id=user.id, course_id=course["Id"])
    assert enrollment.custom_fields["course_session_ids"] == sessions
    assert await notifications(raw) == ["enrollment"]


async def test_enroll_all_sessions_with_one_session_registers_only_it(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    course = await course_of_type(raw, "AllSessions")
    sessions = [s.id async for s in lms365.list_sessions(course_id=course["Id"])]
    user = await free_user(raw, course["Id"])
    enrollment = await lms365.enroll(
        user_id=user.id, course_id=course["Id"], options={EnrollOption.SESSION: sessions[1]}
    )
    assert enrollment.custom_fields["course_session_ids"] == [sessions[1]]
    assert await notifications(raw) == ["enrollment"]


# -- groups and POST Enrollments ---------------------------------------------------------------


async def test_enroll_group_by_id_enrolls_each_member(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    group, members = await group_with_members(raw)
    course = await course_of_type(raw, "AllSessions")
    sessions = [s.id async for s in lms365.list_sessions(course_id=course["Id"])]
    of_course = f"CourseId eq {course['Id']}"
    before = await count(raw, "Enrollments", of_course)
    enrolled = await count(raw, "Enrollments", f"{of_course} and UserId in ({', '.join(members)})")
    enrollments = await lms365.enroll_group(course_id=course["Id"], group_id=group["Id"])
    assert {e.user.id for e in enrollments} == members
    assert {e.course.id for e in enrollments} == {course["Id"]}
    assert all(e.custom_fields["course_session_ids"] == sessions for e in enrollments)
    created = await count(raw, "Enrollments", of_course) - before
    assert created == len(members) - enrolled > 0
    assert await notifications(raw) == ["enrollment"] * created
    listed = {e.id async for e in lms365.list_enrollments(course_ids=[course["Id"]])}
    assert {e.id for e in enrollments} <= listed


async def test_enroll_group_by_login_name_with_session_keeps_existing_enrollment(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    group, members = await group_with_members(raw)
    course = await course_of_type(raw, "MultipleSessions")
    first, second, *_ = [s.id async for s in lms365.list_sessions(course_id=course["Id"])]
    member = sorted(members)[0]
    earlier = await lms365.enroll(
        user_id=member, course_id=course["Id"], options={EnrollOption.SESSION: first}
    )
    enrollments = await lms365.enroll_group(
        course_id=course["Id"], login_name=group["LoginName"], sessions=second
    )
    assert {e.user.id for e in enrollments} == members
    assert all(second in e.custom_fields["course_session_ids"] for e in enrollments)
    (again,) = [e for e in enrollments if e.user.id == member]
    assert again.id == earlier.id
    assert sorted(again.custom_fields["course_session_ids"]) == sorted([first, second])


async def test_enroll_group_unknown_group_raises_not_found(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    course = await course_of_type(raw, "AllSessions")
    with pytest.raises(NotFoundError) as caught:
        await lms365.enroll_group(
            course_id=course["Id"], group_id="00000000-0000-4000-8000-000000000000"
        )
    assert caught.value.status == 404 and caught.value.code == "NotFound"
    assert await notifications(raw) == []


async def test_enroll_group_unknown_login_name_raises_bad_request(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    course = await course_of_type(raw, "AllSessions")
    with pytest.raises(BadRequestError) as caught:
        await lms365.enroll_group(
            course_id=course["Id"], login_name="c:0o.c|federateddirectoryclaimprovider|nobody"
        )
    assert caught.value.status == 400 and "No user or group" in caught.value.message


async def test_create_enrollment_sets_fields_at_creation(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    course = await course_of_type(raw, "AllSessions")
    user = await free_user(raw, course["Id"])
    registered = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
    due = datetime(2027, 1, 31, 17, 0, tzinfo=UTC)
    created = await lms365.create_enrollment(
        user_id=user.id,
        course_id=course["Id"],
        passing_status=EnrollmentStatus.IN_PROGRESS,
        registration_date=registered,
        due_date=due,
        progress=30,
    )
    assert (created.user.id, created.course.id) == (user.id, course["Id"])
    assert created.status == EnrollmentStatus.IN_PROGRESS
    assert (created.enrolled_at, created.due_at) == (registered, due)
    assert created.started_at is not None and created.progress_percent == 30
    assert created.custom_fields["course_session_ids"] == []  # unlike Enroll on this course
    assert await notifications(raw) == ["enrollment"]
    mine = [e async for e in lms365.list_enrollments(user_ids=[user.id])]
    (listed,) = [e for e in mine if e.id == created.id]
    assert (listed.status, listed.due_at) == (EnrollmentStatus.IN_PROGRESS, due)


async def test_create_enrollment_already_enrolled_raises_conflict(
    lms365: LMS365Connector,
) -> None:
    existing = await anext(aiter(lms365.list_enrollments()))
    with pytest.raises(ConflictError) as caught:
        await lms365.create_enrollment(user_id=existing.user.id, course_id=existing.course.id)
    assert caught.value.status == 409 and caught.value.code == "Conflict"
    assert "already enrolled" in caught.value.message


async def test_create_enrollment_unknown_user_raises_not_found(
    lms365: LMS365Connector, raw: httpx.AsyncClient
) -> None:
    course = await course_of_type(raw, "SingleSession")
    with pytest.raises(NotFoundError):
        await lms365.create_enrollment(
            user_id="00000000-0000-4000-8000-000000000000", course_id=course["Id"]
        )
