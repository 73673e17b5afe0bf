"""LMS365 entities to normalized models, ``$filter`` building, error details, and the
connector's behaviour over httpx's MockTransport (no sandbox)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import orjson
import pytest

from core.capabilities import EnrollOption
from core.connectors import VENDORS, connector_class
from core.connectors.lms365 import LMS365Connector, mapping, wire
from core.errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    UnsupportedOperationError,
)
from core.models import EnrollmentStatus

BASE_URL = "https://api.365.test"
NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
USER_ID = "161a04bd-856b-447f-8240-7170c9ce2e80"
COURSE_ID = "7252b081-6fe5-4c8e-870f-7b703402a82a"
ENROLLMENT_ID = "001e32e7-8ed6-4b6d-bb45-769d7c738507"
LOGIN = "i:0#.f|membership|hannah.oneal@example-corp.com"


def enrollment_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "Id": ENROLLMENT_ID,
        "CourseId": COURSE_ID,
        "UserId": USER_ID,
        "UserLoginName": LOGIN,
        "RegistrationDate": "2026-09-06T05:26:35Z",
        "StartDate": "2026-09-07T08:00:00Z",
        "CompletionDate": None,
        "DueDate": None,
        "CoursePassingStatus": 2,
        "Progress": 40,
        "Score": 75,
        "CEU": 0.1,
        "CourseDuration": 60,
        "CourseSessionIds": ["031bcfcc-2a6b-4764-a252-3f20ede025b7"],
        "Modified": "2026-09-08T05:26:35Z",
    }
    item.update(overrides)
    return item


# -- status table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "due", "expected"),
    [
        (0, None, EnrollmentStatus.COMPLETED),
        (1, None, EnrollmentStatus.ENROLLED),
        (2, None, EnrollmentStatus.IN_PROGRESS),
        (1, "2026-05-31T00:00:00Z", EnrollmentStatus.OVERDUE),
        (2, "2026-05-31T00:00:00Z", EnrollmentStatus.OVERDUE),
        (0, "2026-05-31T00:00:00Z", EnrollmentStatus.COMPLETED),
        (2, "2026-06-02T00:00:00Z", EnrollmentStatus.IN_PROGRESS),
        (1, "2026-06-01T12:00:00Z", EnrollmentStatus.ENROLLED),
        (None, None, EnrollmentStatus.UNKNOWN),
        (7, None, EnrollmentStatus.UNKNOWN),
        ("x", None, EnrollmentStatus.UNKNOWN),
    ],
)
def test_map_status_follows_table(raw: Any, due: str | None, expected: EnrollmentStatus) -> None:
    assert mapping.map_status(raw, due, now=NOW) == expected


def test_map_status_without_now_is_never_overdue() -> None:
    assert mapping.map_status(1, "2000-01-01T00:00:00Z") == EnrollmentStatus.ENROLLED


# -- entities ----------------------------------------------------------------------------------


def test_map_enrollment_maps_fields() -> None:
    enrollment = mapping.map_enrollment(enrollment_item(), now=NOW)
    assert enrollment.id == enrollment.remote_id == ENROLLMENT_ID
    assert (enrollment.user.id, enrollment.course.id) == (USER_ID, COURSE_ID)
    assert enrollment.user.emails[0].email == "hannah.oneal@example-corp.com"
    assert enrollment.status == EnrollmentStatus.IN_PROGRESS
    assert enrollment.enrolled_at == datetime(2026, 9, 6, 5, 26, 35, tzinfo=UTC)
    assert enrollment.started_at == datetime(2026, 9, 7, 8, tzinfo=UTC)
    assert enrollment.completed_at is None and enrollment.due_at is None
    assert (enrollment.progress_percent, enrollment.score) == (40.0, 75.0)
    assert enrollment.custom_fields == {
        "ceu": 0.1,
        "course_duration_minutes": 60,
        "course_session_ids": ["031bcfcc-2a6b-4764-a252-3f20ede025b7"],
    }
    assert enrollment.remote_data["UserLoginName"] == LOGIN


def test_map_user_maps_fields() -> None:
    user = mapping.map_user(
        {
            "Id": USER_ID,
            "LoginName": LOGIN,
            "Email": "hannah.oneal@example-corp.com",
            "FirstName": "Hannah",
            "LastName": "O'Neal",
            "FullName": "Hannah O'Neal",
            "IsActive": False,
            "Created": "2025-10-16T18:00:46Z",
            "Modified": None,
        }
    )
    assert (user.id, user.name, user.username) == (USER_ID, "Hannah O'Neal", LOGIN)
    assert user.primary_email == "hannah.oneal@example-corp.com"
    assert user.status == "inactive" and user.updated_at is None


def test_map_course_maps_fields() -> None:
    course = mapping.map_course(
        {
            "Id": COURSE_ID,
            "Title": "Key Account Management",
            "Code": "SAL-101",
            "CourseType": "InstructorLed",
            "EnrollmentType": "SingleSession",
            "Language": "en",
            "Duration": 90,
            "IsPublished": True,
        }
    )
    assert (course.type, course.status, course.duration_seconds) == (
        "instructor_led",
        "published",
        5400,
    )
    assert course.code == "SAL-101" and course.remote_data["EnrollmentType"] == "SingleSession"


def test_map_session_maps_fields() -> None:
    session = mapping.map_session(
        {
            "Id": "s1",
            "CourseId": COURSE_ID,
            "Title": "New York, December",
            "StartDate": "2026-12-14T14:00:00Z",
            "EndDate": "2026-12-14T21:00:00Z",
            "TimeZoneName": "America/New_York",
            "Location": "New York Headquarters",
            "MeetingTool": None,
            "MinAttendees": 5,
            "MaxAttendees": 28,
        }
    )
    assert (session.course_id, session.name, session.timezone) == (
        COURSE_ID,
        "New York, December",
        "America/New_York",
    )
    assert (session.min_enrollments, session.max_enrollments) == (5, 28)
    assert session.ends_at == datetime(2026, 12, 14, 21, tzinfo=UTC)
    assert session.events == () and session.webinar_tool is None


def test_email_of_login_reads_claim_only() -> None:
    assert mapping.email_of_login(LOGIN) == "hannah.oneal@example-corp.com"
    assert mapping.email_of_login("c:0o.c|federateddirectoryclaimprovider|abc") is None
    assert mapping.email_of_login(None) is None


# -- wire --------------------------------------------------------------------------------------


def test_error_details_reads_odata_error() -> None:
    body = {"error": {"code": "Forbidden", "message": "Read Only"}}
    assert wire.error_details(body) == ("Forbidden", "Read Only")
    query = {"error": {"code": "", "message": "The query ...", "details": []}}
    assert wire.error_details(query) == (None, "The query ...")
    inner = {"error": {"code": "", "message": "", "innererror": {"message": "detail"}}}
    assert wire.error_details(inner) == (None, "detail")
    assert wire.error_details("Bad Gateway") == (None, "Bad Gateway")
    assert wire.error_details(None) == (None, None)


def test_format_datetime_drops_fraction() -> None:
    assert wire.format_datetime(datetime(2026, 1, 2, 3, 4, 5, 999999)) == "2026-01-02T03:04:05Z"
    assert wire.format_datetime(date(2026, 1, 2)) == "2026-01-02T00:00:00Z"


def test_read_page_refuses_answer_without_value() -> None:
    with pytest.raises(ValueError, match="value"):
        wire.read_page({"error": {}})
    page = wire.read_page({"@odata.count": 3, "value": [{"Id": "a"}], "@odata.nextLink": "n"})
    assert (page.count, page.next_link, len(page.values)) == (3, "n", 1)


# -- $filter -----------------------------------------------------------------------------------


def test_string_literal_doubles_quotes() -> None:
    assert wire.string_literal("O'Neal") == "'O''Neal'"
    assert mapping.string_clause("LastName", ["O'Neal"]) == "LastName eq 'O''Neal'"
    assert mapping.string_clause("LastName", ["a'", "b"]) == "LastName in ('a''', 'b')"


def test_guids_drops_non_guids() -> None:
    assert mapping.guids([USER_ID.upper(), "o'brien", USER_ID]) == [USER_ID]


def test_in_clause_uses_eq_for_one() -> None:
    assert mapping.in_clause("UserId", [USER_ID]) == f"UserId eq {USER_ID}"
    assert mapping.in_clause("UserId", ["a", "b"]) == "UserId in (a, b)"


def test_status_clause_builds_table_filter() -> None:
    moment = "2026-06-01T12:00:00Z"
    assert mapping.status_clause([EnrollmentStatus.COMPLETED], NOW) == "CoursePassingStatus eq 0"
    assert mapping.status_clause([EnrollmentStatus.ENROLLED], NOW) == (
        f"(CoursePassingStatus eq 1 and (DueDate eq null or DueDate ge {moment}))"
    )
    assert mapping.status_clause([EnrollmentStatus.OVERDUE, EnrollmentStatus.COMPLETED], NOW) == (
        f"(CoursePassingStatus eq 0 or (CoursePassingStatus in (1, 2) and DueDate lt {moment}))"
    )
    assert mapping.status_clause([EnrollmentStatus.PASSED, EnrollmentStatus.EXPIRED], NOW) is None


def test_and_filter_skips_missing_clauses() -> None:
    assert mapping.and_filter([None, "a eq 1", "", "b eq 2"]) == "a eq 1 and b eq 2"
    assert mapping.and_filter([None]) is None


# -- the connector over a mock transport -------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


def connector(handler: Handler) -> LMS365Connector:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return LMS365Connector(
        base_url=BASE_URL, api_key="key", http_client=client, max_retries=0, clock=lambda: NOW
    )


def test_connector_class_knows_lms365() -> None:
    assert "lms365" in VENDORS and connector_class("lms365") is LMS365Connector


async def test_list_enrollments_sends_filter_and_follows_next_link() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "$skiptoken" in str(request.url):
            return httpx.Response(200, json={"value": [enrollment_item(Id="b")]})
        link = f"{BASE_URL}/odata/v2/Enrollments?$filter=x&$skiptoken=t"
        return httpx.Response(
            200, json={"value": [enrollment_item(Id="a")], "@odata.nextLink": link}
        )

    lms365 = connector(handler)
    found = [
        e.id
        async for e in lms365.list_enrollments(
            user_ids=[USER_ID, "not-a-guid"], statuses=[EnrollmentStatus.IN_PROGRESS]
        )
    ]
    assert found == ["a", "b"]
    expected = (
        f"UserId eq {USER_ID} and (CoursePassingStatus eq 2 and "
        "(DueDate eq null or DueDate ge 2026-06-01T12:00:00Z))"
    )
    assert seen[0].url.params["$filter"] == expected
    auth = base64.b64encode(b"api:key").decode()
    assert all(r.headers["Authorization"] == f"Basic {auth}" for r in seen)


async def test_list_users_refuses_foreign_next_link() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": [], "@odata.nextLink": "https://evil.test/x"})

    with pytest.raises(BadRequestError, match="leaves"):
        [u async for u in connector(handler).list_users()]


async def test_list_enrollments_chunks_long_id_lists() -> None:
    filters: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        filters.append(request.url.params["$filter"])
        return httpx.Response(200, json={"value": []})

    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(45)]
    assert [e async for e in connector(handler).list_enrollments(user_ids=ids)] == []
    assert len(filters) == 3 and all(f.startswith("UserId in (") for f in filters)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"error": {"code": "Unauthorized", "message": "no"}}, AuthenticationError),
        (403, {"error": {"code": "Forbidden", "message": "Read Only"}}, PermissionDeniedError),
        (404, {"error": {"code": "NotFound", "message": "Not Found"}}, NotFoundError),
        (400, {"error": {"code": "", "message": "The query ..."}}, BadRequestError),
    ],
)
async def test_enroll_error_maps_to_tree(
    status: int, body: dict[str, Any], error: type[Exception]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"Id": USER_ID, "LoginName": LOGIN})
        return httpx.Response(status, content=orjson.dumps(body))

    with pytest.raises(error) as caught:
        await connector(handler).enroll(user_id=USER_ID, course_id=COURSE_ID)
    assert caught.value.message == body["error"]["message"]  # type: ignore[attr-defined]


async def test_enroll_sends_login_name_and_sessions() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            assert request.url.path == f"/odata/v2/Users({USER_ID})"
            return httpx.Response(200, json={"Id": USER_ID, "LoginName": LOGIN})
        assert request.url.path == f"/odata/v2/Courses({COURSE_ID})/Enroll"
        bodies.append(orjson.loads(request.content))
        return httpx.Response(201, json=enrollment_item())

    lms365 = connector(handler)
    await lms365.enroll(user_id=USER_ID, course_id=COURSE_ID, options={EnrollOption.SESSION: "s1"})
    await lms365.enroll_session(user_id=USER_ID, course_id=COURSE_ID, session_id="s2")
    assert bodies == [
        {"userLoginName": LOGIN, "courseSessionIds": ["s1"]},
        {"userLoginName": LOGIN, "courseSessionIds": ["s2"]},
    ]


async def test_enroll_unsupported_option_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(UnsupportedOperationError):
        await connector(handler).enroll(
            user_id=USER_ID, course_id=COURSE_ID, options={EnrollOption.LEVEL: "x"}
        )
    with pytest.raises(BadRequestError):
        await connector(handler).enroll(
            user_id=USER_ID, course_id=COURSE_ID, options={EnrollOption.SESSION: 5}
        )


async def test_update_enrollment_sends_patch_and_reads_back_after_204() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.method == "PATCH":
            return httpx.Response(204)
        return httpx.Response(200, json=enrollment_item(CoursePassingStatus=1))

    updated = await connector(handler).update_enrollment(
        ENROLLMENT_ID,
        passing_status=EnrollmentStatus.ENROLLED,
        due_date=date(2026, 7, 1),
        ceus=2,
    )
    assert [r.method for r in sent] == ["PATCH", "GET"]
    assert orjson.loads(sent[0].content) == {
        "CoursePassingStatus": 1,
        "DueDate": "2026-07-01T00:00:00Z",
        "CEU": 2,
    }
    assert sent[0].headers["Prefer"] == "return=representation"
    assert updated.status == EnrollmentStatus.ENROLLED


async def test_update_enrollment_unmappable_status_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(BadRequestError):
        await connector(handler).update_enrollment(
            ENROLLMENT_ID, passing_status=EnrollmentStatus.PASSED
        )


async def test_unenroll_without_enrollment_raises_not_found() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": []})

    with pytest.raises(NotFoundError):
        await connector(handler).unenroll(user_id=USER_ID, course_id=COURSE_ID)


GROUP_ID = "5b0c4f52-3d3e-4a8e-9f57-3c1d6e0f7a21"
GROUP_LOGIN = f"c:0o.c|federateddirectoryclaimprovider|{GROUP_ID}"
OTHER_USER = "2f7f6b6e-0a57-4d7b-8d7c-2f0c4b1e9a10"


@pytest.mark.parametrize(
    "names",
    [{}, {"group_id": GROUP_ID, "login_name": GROUP_LOGIN}, {"login_name": "  "}],
    ids=["neither", "both", "blank-login"],
)
async def test_enroll_group_without_exactly_one_name_is_refused(names: dict[str, str]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(BadRequestError):
        await connector(handler).enroll_group(course_id=COURSE_ID, **names)


async def test_enroll_group_by_id_reads_login_name_then_enrolls_it() -> None:
    seen: list[tuple[str, str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = orjson.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path, body))
        if request.method == "GET":
            assert request.url.params["$select"] == "Id,LoginName"
            return httpx.Response(200, json={"Id": GROUP_ID, "LoginName": GROUP_LOGIN})
        members = [enrollment_item(), enrollment_item(Id="e2", UserId=OTHER_USER)]
        return httpx.Response(201, json={"@odata.context": "x#Enrollments", "value": members})

    enrollments = await connector(handler).enroll_group(
        course_id=COURSE_ID, group_id=GROUP_ID, sessions=["s1", "s2", "s1"]
    )
    assert seen == [
        ("GET", f"/odata/v2/Groups({GROUP_ID})", None),
        (
            "POST",
            f"/odata/v2/Courses({COURSE_ID})/Enroll",
            {"userLoginName": GROUP_LOGIN, "courseSessionIds": ["s1", "s2"]},
        ),
    ]
    assert [(e.id, e.user.id) for e in enrollments] == [
        (ENROLLMENT_ID, USER_ID),
        ("e2", OTHER_USER),
    ]


async def test_enroll_group_login_name_of_a_user_returns_its_one_enrollment() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert orjson.loads(request.content) == {"userLoginName": LOGIN}
        return httpx.Response(200, json=enrollment_item())

    enrollments = await connector(handler).enroll_group(course_id=COURSE_ID, login_name=LOGIN)
    assert [e.id for e in enrollments] == [ENROLLMENT_ID]


async def test_enroll_group_follows_next_link_of_the_answer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"value": [enrollment_item(Id="e2")]})
        link = f"{BASE_URL}/odata/v2/Enrollments?$skiptoken=t"
        return httpx.Response(201, json={"value": [enrollment_item()], "@odata.nextLink": link})

    enrollments = await connector(handler).enroll_group(course_id=COURSE_ID, login_name=GROUP_LOGIN)
    assert [e.id for e in enrollments] == [ENROLLMENT_ID, "e2"]


async def test_create_enrollment_posts_ids_login_name_and_fields() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            assert request.url.path == f"/odata/v2/Users({USER_ID})"
            return httpx.Response(200, json={"Id": USER_ID, "LoginName": LOGIN})
        assert request.url.path == "/odata/v2/Enrollments"
        bodies.append(orjson.loads(request.content))
        return httpx.Response(201, json=enrollment_item(DueDate="2026-07-01T00:00:00Z"))

    created = await connector(handler).create_enrollment(
        user_id=USER_ID.upper(),
        course_id=COURSE_ID,
        passing_status=EnrollmentStatus.IN_PROGRESS,
        due_date=date(2026, 7, 1),
        progress=40,
    )
    assert bodies == [
        {
            "CourseId": COURSE_ID,
            "UserId": USER_ID,
            "UserLoginName": LOGIN,
            "CoursePassingStatus": 2,
            "DueDate": "2026-07-01T00:00:00Z",
            "Progress": 40,
        }
    ]
    assert created.id == ENROLLMENT_ID and created.due_at == datetime(2026, 7, 1, tzinfo=UTC)


async def test_create_enrollment_unmappable_status_is_refused_before_any_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(BadRequestError):
        await connector(handler).create_enrollment(
            user_id=USER_ID, course_id=COURSE_ID, passing_status=EnrollmentStatus.FAILED
        )
