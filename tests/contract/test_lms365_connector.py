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
