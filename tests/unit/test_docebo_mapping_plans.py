"""Docebo sessions, learning plans, the learner view and RSVPs: wire records to normalized models,
and the checks made before any request. httpx's MockTransport stands in for the network."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Self
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest

from core.capabilities import Capabilities, Operation
from core.connector import Connector
from core.connectors.docebo import DoceboConnector, mapping, wire
from core.errors import BadRequestError, UnsupportedOperationError
from core.models import (
    Course,
    Enrollment,
    EnrollmentStatus,
    ItemResult,
    LearningPlanEnrollment,
    Rsvp,
    RsvpResponse,
    User,
)

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def event(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id_event": 17,
        "date": "2026-05-13",
        "name": "Day 1",
        "time_begin": "09:00:00",
        "time_end": "16:00:00",
        "timezone": "America/New_York",
        "id_classroom": 116,
        "id_location": 256,
        "classroom_name": "Training Room 3",
        "location_name": "New York Headquarters",
    }
    item.update(overrides)
    return item


def session(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": 1,
        "course_id": 3,
        "name": "Finance for Non-Financial Managers - New York, May 2026",
        "description": "Classroom session at the New York Headquarters.",
        "other_info": "",
        "date_begin": "2026-05-13 13:00:00",
        "date_end": "2026-05-14 20:00:00",
        "timezone": "America/New_York",
        "min_enrollments": 1,
        "max_enrollments": 11,
        "enrolled_count": 4,
        "waiting_count": 2,
        "score_base": 100,
        "tool": None,
        "location_name": "New York Headquarters",
        "dates": [event(), event(id_event=18, date="2026-05-14", name="Day 2")],
    }
    item.update(overrides)
    return item


def plan(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "learning_plan_id": 1,
        "uuid": "1ddf8ca39dd08731c7b630146c01495f",
        "code": "LP-SEC-01",
        "title": "Security Essentials",
        "description": "4 Information Security courses to take in order.",
        "is_published": True,
        "courses_count": 3,
        "created_on": "2026-03-21 12:40:16",
        "updated_on": "2026-03-29 13:51:27",
    }
    item.update(overrides)
    return item


def plan_enrollment(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "user_id": 10004,
        "username": "phillip.good",
        "learning_plan_id": 1,
        "learning_plan_name": "Security Essentials",
        "learning_plan_code": "LP-SEC-01",
        "enrollment_status": "in_progress",
        "enrollment_created_by": 10031,
        "enrollment_created_at": "2026-04-06 05:55:32",
        "enrollment_validity_begin_date": None,
        "enrollment_validity_end_date": "2026-08-19 23:59:59",
        "enrollment_date_last_updated": "2026-10-30 16:34:31",
        "enrollment_completion_date": None,
        "enrollment_completion_percentage": 75,
        "enrollment_time_spent": 28157,
    }
    item.update(overrides)
    return item


def learner_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": 6,
        "user_id": 10219,
        "username": "nathan.luna",
        "name": "Secure Coding Fundamentals",
        "code": "SEC-102",
        "type": "classroom",
        "status": "in_progress",
        "level": "learner",
        "enroll_begin_date": None,
        "enroll_end_date": None,
        "enroll_date_of_enrollment": "2024-05-04 14:22:32",
        "course_complete_date": None,
        "total_time": 22329,
        "score": 85.0,
        "rating": 3,
        "complete_percent": 60,
        "date_last_updated": "2026-07-07 14:25:46",
        "subscribed_by": 10202,
        "duration": 25200,
        "soft_deadline": False,
        "enrolled_sessions": [{"id": 9, "name": "Toronto, September 2025", "status": "waiting"}],
    }
    item.update(overrides)
    return item


def learner_plan_item(**overrides: Any) -> dict[str, Any]:
    item = learner_item(
        id=1,
        name="Security Essentials",
        code="LP-SEC-01",
        type="learning_plan",
        status="not_started",
        score=None,
        rating=None,
        complete_percent=0,
        duration=None,
        soft_deadline=None,
        courses_count=4,
        enrolled_sessions=[],
    )
    item.update(overrides)
    return item


# -- sessions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "begin", "end", "zone", "starts_utc", "ends_utc"),
    [
        # summer time in New York: UTC-4
        ("2026-05-13", "09:00:00", "16:00:00", "America/New_York", (5, 13, 13, 0), (5, 13, 20, 0)),
        # winter time in New York: UTC-5
        (
            "2026-12-14",
            "09:00:00",
            "16:00:00",
            "America/New_York",
            (12, 14, 14, 0),
            (12, 14, 21, 0),
        ),
        # half-hour offset, no summer time
        ("2026-11-03", "09:00", "16:00", "Asia/Kolkata", (11, 3, 3, 30), (11, 3, 10, 30)),
        # ahead of UTC: the event starts on the previous day in UTC
        (
            "2026-10-23",
            "10:30:00",
            "12:00:00",
            "Australia/Sydney",
            (10, 22, 23, 30),
            (10, 23, 1, 0),
        ),
        # the Sunday Berlin leaves summer time: 09:00 is already UTC+1
        ("2026-10-25", "09:00:00", "10:00:00", "Europe/Berlin", (10, 25, 8, 0), (10, 25, 9, 0)),
    ],
)
def test_map_session_event_wall_clock_in_event_zone(
    day: str,
    begin: str,
    end: str,
    zone: str,
    starts_utc: tuple[int, int, int, int],
    ends_utc: tuple[int, int, int, int],
) -> None:
    mapped = mapping.map_session_event(
        event(date=day, time_begin=begin, time_end=end, timezone=zone)
    )
    assert mapped.starts_at == datetime(2026, *starts_utc, tzinfo=UTC)
    assert mapped.ends_at == datetime(2026, *ends_utc, tzinfo=UTC)
    assert mapped.starts_at is not None and mapped.starts_at.tzinfo == ZoneInfo(zone)
    assert mapped.timezone == zone


def test_map_session_event_without_zone_uses_session_zone() -> None:
    mapped = mapping.map_session_event(event(timezone=None), session_timezone="Europe/Berlin")
    assert mapped.starts_at == datetime(2026, 5, 13, 7, 0, tzinfo=UTC)
    assert mapped.timezone == "Europe/Berlin"


def test_map_session_event_without_any_zone_is_utc() -> None:
    mapped = mapping.map_session_event(event(timezone=None))
    assert mapped.starts_at == datetime(2026, 5, 13, 9, 0, tzinfo=UTC)
    assert mapped.timezone is None


def test_map_session_event_unknown_zone_leaves_times_unset() -> None:
    mapped = mapping.map_session_event(event(timezone="Mars/Olympus_Mons"))
    assert (mapped.starts_at, mapped.ends_at) == (None, None)
    assert mapped.timezone == "Mars/Olympus_Mons"


def test_map_session_event_past_midnight_ends_next_day() -> None:
    mapped = mapping.map_session_event(
        event(time_begin="22:00:00", time_end="01:00:00", timezone="UTC")
    )
    assert mapped.starts_at is not None and mapped.ends_at is not None
    assert mapped.ends_at - mapped.starts_at == timedelta(hours=3)


@pytest.mark.parametrize("odd", [{"date": None}, {"time_begin": "nine"}, {"date": "13/05/2026"}])
def test_map_session_event_odd_values_leave_start_unset(odd: dict[str, Any]) -> None:
    assert mapping.map_session_event(event(**odd)).starts_at is None


def test_map_session_fields() -> None:
    item = session()
    mapped = mapping.map_session(item)
    assert (mapped.id, mapped.remote_id, mapped.course_id, mapped.vendor) == (
        "1",
        "1",
        "3",
        "docebo",
    )
    assert mapped.starts_at == datetime(2026, 5, 13, 13, 0, tzinfo=UTC)
    assert mapped.ends_at == datetime(2026, 5, 14, 20, 0, tzinfo=UTC)
    assert (mapped.min_enrollments, mapped.max_enrollments, mapped.enrolled_count) == (1, 11, 4)
    assert mapped.location == "New York Headquarters"
    assert mapped.webinar_tool is None
    assert mapped.timezone == "America/New_York"
    assert [e.id for e in mapped.events] == ["17", "18"]
    assert mapped.events[1].classroom == "Training Room 3"
    assert mapped.remote_data == item


def test_map_session_webinar_has_tool_and_no_location() -> None:
    mapped = mapping.map_session(
        session(tool="zoom", location_name=None, dates=[event(location_name=None)])
    )
    assert mapped.webinar_tool == "zoom"
    assert mapped.location is None


def test_map_session_without_dates_spans_its_events() -> None:
    mapped = mapping.map_session(session(date_begin=None, date_end=None), course_id="3")
    assert mapped.starts_at == datetime(2026, 5, 13, 13, 0, tzinfo=UTC)
    assert mapped.ends_at == datetime(2026, 5, 14, 20, 0, tzinfo=UTC)


def test_map_session_course_id_from_caller_when_missing() -> None:
    item = session()
    del item["course_id"]
    assert mapping.map_session(item, course_id="42").course_id == "42"


# -- learning plans ----------------------------------------------------------------------------


def test_map_learning_plan_courses_in_position_order() -> None:
    courses = [
        {"id_course": 31, "name": "Awareness", "position": 2},
        {"id_course": 6, "name": "Secure Coding", "position": 3},
        {"id_course": 2, "name": "Remote Working", "position": 1},
    ]
    mapped = mapping.map_learning_plan(plan(courses=courses))
    assert mapped.course_ids == ("2", "31", "6")
    assert (mapped.id, mapped.title, mapped.code) == ("1", "Security Essentials", "LP-SEC-01")
    assert mapped.created_at == datetime(2026, 3, 21, 12, 40, 16, tzinfo=UTC)
    assert mapped.updated_at == datetime(2026, 3, 29, 13, 51, 27, tzinfo=UTC)


def test_map_learning_plan_courses_without_position_keep_order() -> None:
    mapped = mapping.map_learning_plan(plan(courses=[{"id_course": 9}, {"id_course": 4}, "junk"]))
    assert mapped.course_ids == ("9", "4")


def test_map_learning_plan_list_item_has_no_courses() -> None:
    assert mapping.map_learning_plan(plan()).course_ids == ()


@pytest.mark.parametrize(
    ("docebo", "normalized"),
    [
        ("not_started", EnrollmentStatus.ENROLLED),
        ("subscribed", EnrollmentStatus.ENROLLED),
        ("in_progress", EnrollmentStatus.IN_PROGRESS),
        ("completed", EnrollmentStatus.COMPLETED),
        ("Completed", EnrollmentStatus.COMPLETED),
        ("waiting", EnrollmentStatus.UNKNOWN),
        ("", EnrollmentStatus.UNKNOWN),
        (None, EnrollmentStatus.UNKNOWN),
    ],
)
def test_map_plan_status_table(docebo: str | None, normalized: EnrollmentStatus) -> None:
    assert mapping.map_plan_status(docebo) is normalized


def test_map_plan_status_past_validity_end_is_kept() -> None:
    enrollment = mapping.map_plan_enrollment(plan_enrollment())
    assert enrollment.due_at == datetime(2026, 8, 19, 23, 59, 59, tzinfo=UTC)
    assert enrollment.status is EnrollmentStatus.IN_PROGRESS


def test_map_plan_enrollment_fields() -> None:
    item = plan_enrollment()
    enrollment = mapping.map_plan_enrollment(item)
    assert (enrollment.id, enrollment.remote_id) == ("lp:1:10004", "lp:1:10004")
    assert (enrollment.user.id, enrollment.user.name) == ("10004", "phillip.good")
    assert enrollment.learning_plan.id == "1"
    assert enrollment.learning_plan.title == "Security Essentials"
    assert enrollment.enrolled_at == datetime(2026, 4, 6, 5, 55, 32, tzinfo=UTC)
    assert enrollment.progress_percent == 75.0
    assert enrollment.time_spent_seconds == 28157
    assert enrollment.assigned_by is not None and enrollment.assigned_by.id == "10031"
    assert enrollment.remote_data == item


@pytest.mark.parametrize(
    ("docebo", "normalized"),
    [
        ("not_started", EnrollmentStatus.ENROLLED),
        ("in_progress", EnrollmentStatus.IN_PROGRESS),
        ("completed", EnrollmentStatus.COMPLETED),
    ],
)
def test_map_plan_enrollment_status(docebo: str, normalized: EnrollmentStatus) -> None:
    mapped = mapping.map_plan_enrollment(plan_enrollment(enrollment_status=docebo))
    assert mapped.status is normalized


# -- the learner view --------------------------------------------------------------------------


def test_map_learner_course_item_fields() -> None:
    item = learner_item()
    enrollment = mapping.map_learner_item(item, now=NOW)
    assert isinstance(enrollment, Enrollment)
    assert (enrollment.id, enrollment.user.id, enrollment.course.id) == ("6:10219", "10219", "6")
    assert enrollment.course.title == "Secure Coding Fundamentals"
    assert enrollment.status is EnrollmentStatus.IN_PROGRESS
    assert enrollment.enrolled_at == datetime(2024, 5, 4, 14, 22, 32, tzinfo=UTC)
    assert (enrollment.progress_percent, enrollment.score) == (60.0, 85.0)
    assert enrollment.time_spent_seconds == 22329
    assert enrollment.assigned_by is not None and enrollment.assigned_by.id == "10202"
    assert enrollment.remote_data["enrolled_sessions"] == item["enrolled_sessions"]


@pytest.mark.parametrize(
    ("soft_deadline", "status"),
    [(True, EnrollmentStatus.OVERDUE), (False, EnrollmentStatus.EXPIRED)],
)
def test_map_learner_course_item_past_end_uses_its_soft_deadline(
    soft_deadline: bool, status: EnrollmentStatus
) -> None:
    item = learner_item(enroll_end_date="2026-10-01 00:00:00", soft_deadline=soft_deadline)
    assert mapping.map_learner_item(item, now=NOW).status is status


def test_map_learner_plan_item_fields() -> None:
    enrollment = mapping.map_learner_item(learner_plan_item(), now=NOW)
    assert isinstance(enrollment, LearningPlanEnrollment)
    assert enrollment.id == "lp:1:10219"
    assert enrollment.learning_plan.id == "1"
    assert enrollment.learning_plan.title == "Security Essentials"
    assert enrollment.status is EnrollmentStatus.ENROLLED
    assert enrollment.progress_percent == 0.0


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("elearning", Enrollment),
        ("classroom", Enrollment),
        ("webinar", Enrollment),
        (None, Enrollment),
        ("learning_plan", LearningPlanEnrollment),
        ("LEARNING_PLAN", LearningPlanEnrollment),
    ],
)
def test_map_learner_item_by_type(kind: str | None, cls: type[object]) -> None:
    assert isinstance(mapping.map_learner_item(learner_item(type=kind), now=NOW), cls)


def test_map_learner_item_course_and_plan_ids_do_not_collide() -> None:
    course = mapping.map_learner_item(learner_item(id=1), now=NOW)
    plan_enrollment = mapping.map_learner_item(learner_plan_item(id=1), now=NOW)
    assert course.id != plan_enrollment.id


# -- levels, flags and batch answers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (3, 3),
        ("3", 3),
        ("student", 3),
        ("learner", 3),
        ("LEARNER", 3),
        ("tutor", 4),
        (6, 6),
        ("instructor", 6),
        ("coach", 7),
        (7, 7),
        (5, None),
        ("5", None),
        (True, None),
        ("boss", None),
        (None, None),
    ],
)
def test_level_number_reads_numbers_and_names(value: Any, number: int | None) -> None:
    assert mapping.level_number(value) == number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[(True, True), (1, True), ("1", True), ("true", True)],
        *[(False, False), (0, False), ("0", False), ("false", False), (None, False), ("", False)],
    ],
)
def test_truthy_reads_waiting_forms(value: Any, expected: bool) -> None:
    assert wire.truthy(value) is expected


def test_map_item_results_in_row_order() -> None:
    rows = [
        {"row_index": 1, "success": False, "message": "No user with email x@example.com"},
        {"row_index": 0, "success": True, "message": "RSVP updated"},
        {"success": "1", "message": ""},
        "junk",
    ]
    assert mapping.map_item_results(rows) == [
        ItemResult(index=0, success=True, message="RSVP updated"),
        ItemResult(index=1, success=False, message="No user with email x@example.com"),
        ItemResult(index=2, success=True, message=None),
    ]


@pytest.mark.parametrize("rows", [None, {}, "text"])
def test_map_item_results_other_shapes_are_empty(rows: Any) -> None:
    assert mapping.map_item_results(rows) == []


def test_read_batch_reads_done_and_errors() -> None:
    body = {"data": {"enrolled": [{"user_id": 1, "waiting": 1}], "errors": ["User 2 not found"]}}
    answer = wire.read_batch(body, "enrolled")
    assert answer.done == [{"user_id": 1, "waiting": 1}]
    assert answer.errors == ["User 2 not found"]


@pytest.mark.parametrize("body", [{}, {"data": []}, "text", None])
def test_read_batch_rejects_other_shapes(body: Any) -> None:
    with pytest.raises(ValueError):
        wire.read_batch(body, "enrolled")


# -- checks before any request (a recording transport stands in for Docebo) -------------------


def docebo_probe() -> tuple[DoceboConnector, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/oauth2/token"):
            return httpx.Response(200, json={"access_token": "t" * 40, "expires_in": 3600})
        rows = [{"row_index": 0, "success": True, "message": "RSVP updated"}]
        return httpx.Response(200, json={"data": rows, "version": "1.0.0", "_links": {}})

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    connector = DoceboConnector(
        base_url="http://docebo.test", client_id="id", client_secret="secret", http_client=client
    )
    return connector, seen


@pytest.mark.parametrize(
    "row",
    [
        Rsvp(response=RsvpResponse.ATTENDING),
        Rsvp(user_id="10001", email="ada@example.com", response=RsvpResponse.MAYBE),
    ],
)
async def test_update_rsvp_needs_exactly_one_of_user_and_email(row: Rsvp) -> None:
    connector, seen = docebo_probe()
    good = Rsvp(user_id="10002", response=RsvpResponse.ATTENDING)
    with pytest.raises(BadRequestError) as info:
        await connector.update_rsvp(event_id="1", responses=[good, row])
    assert info.value.vendor == "docebo"
    assert info.value.message == "RSVP row 1: give exactly one of user_id and email"
    assert seen == []


async def test_update_rsvp_unknown_response_refused_before_request() -> None:
    connector, seen = docebo_probe()
    row = Rsvp(user_id="10001", response="yes")  # type: ignore[arg-type]
    with pytest.raises(BadRequestError, match="RSVP row 0: unknown response 'yes'"):
        await connector.update_rsvp(event_id="1", responses=[row])
    assert seen == []


async def test_update_rsvp_response_as_plain_string_is_accepted() -> None:
    connector, seen = docebo_probe()
    row = Rsvp(user_id="10001", response="maybe")  # type: ignore[arg-type]
    await connector.update_rsvp(event_id="1", responses=[row])
    (request,) = [r for r in seen if not r.url.path.endswith("/oauth2/token")]
    assert orjson.loads(request.content)["items"] == [{"user_id": 10001, "response": 2}]


async def test_update_rsvp_empty_batch_sends_nothing() -> None:
    connector, seen = docebo_probe()
    assert await connector.update_rsvp(event_id="1", responses=[]) == []
    assert seen == []


async def test_update_rsvp_sends_numbers_and_utc_timestamp() -> None:
    connector, seen = docebo_probe()
    synchronized = datetime(2026, 11, 2, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    rows = [
        Rsvp(user_id="10001", response=RsvpResponse.ATTENDING),
        Rsvp(email="ada@example.com", response=RsvpResponse.NOT_ATTENDING),
        Rsvp(user_id="10002", response=RsvpResponse.MAYBE),
    ]
    await connector.update_rsvp(event_id="7", responses=rows, synchronized_at=synchronized)
    (request,) = [r for r in seen if not r.url.path.endswith("/oauth2/token")]
    assert (request.method, request.url.path) == ("PUT", "/course/v1/events/7/rsvp")
    assert orjson.loads(request.content) == {
        "items": [
            {"user_id": 10001, "response": 1},
            {"user_email": "ada@example.com", "response": 0},
            {"user_id": 10002, "response": 2},
        ],
        "sync_timestamp": "2026-11-02 09:30:00",
    }


async def test_enroll_session_unknown_level_refused_before_request() -> None:
    connector, seen = docebo_probe()
    with pytest.raises(BadRequestError, match="unknown level 'boss'"):
        await connector.enroll_session(user_id="1", course_id="2", session_id="3", level="boss")
    assert seen == []


# -- a connector that implements none of the new operations ------------------------------------


class Bare(Connector):
    """The smallest concrete connector: only what the base requires."""

    vendor = "bare"
    capabilities = Capabilities(operations=frozenset({Operation.LIST_USERS}))

    @classmethod
    def from_secrets(
        cls,
        *,
        base_url: str,
        secrets: Mapping[str, str],
        http_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> Self:
        return cls(base_url=base_url, http_client=http_client, **options)

    def _error_details(self, body: Any) -> tuple[str | None, str | None]:
        return None, None

    async def list_users(self) -> AsyncIterator[User]:
        if False:
            yield

    async def list_courses(self) -> AsyncIterator[Course]:
        if False:
            yield

    async def list_enrollments(self, **_: Any) -> AsyncIterator[Enrollment]:
        if False:
            yield


async def first(items: AsyncIterator[Any]) -> Any:
    return await anext(items)


NEW_OPERATIONS: list[tuple[Operation, Callable[[Bare], Awaitable[object]]]] = [
    (Operation.LIST_SESSIONS, lambda c: first(c.list_sessions(course_id="1"))),
    (
        Operation.ENROLL_SESSION,
        lambda c: c.enroll_session(user_id="1", course_id="2", session_id="3"),
    ),
    (
        Operation.UNENROLL_SESSION,
        lambda c: c.unenroll_session(user_id="1", course_id="2", session_id="3"),
    ),
    (
        Operation.UPDATE_RSVP,
        lambda c: c.update_rsvp(
            event_id="1", responses=[Rsvp(user_id="1", response=RsvpResponse.ATTENDING)]
        ),
    ),
    (Operation.LIST_LEARNING_PLANS, lambda c: first(c.list_learning_plans())),
    (
        Operation.LIST_LEARNING_PLAN_ENROLLMENTS,
        lambda c: first(c.list_learning_plan_enrollments(learning_plan_ids=["1"])),
    ),
    (
        Operation.UNENROLL_LEARNING_PLAN,
        lambda c: c.unenroll_learning_plan(user_id="1", learning_plan_id="2"),
    ),
    (Operation.LIST_SKILLS, lambda c: first(c.list_skills())),
]


@pytest.mark.parametrize(("operation", "call"), NEW_OPERATIONS, ids=[o for o, _ in NEW_OPERATIONS])
async def test_new_operation_unsupported_by_default(
    operation: Operation, call: Callable[[Bare], Awaitable[object]]
) -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    async with Bare(
        base_url="http://lms.test",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(record)),
    ) as connector:
        with pytest.raises(UnsupportedOperationError) as info:
            await call(connector)
    assert info.value.vendor == "bare"
    assert info.value.message == f"{operation} is not supported by bare"
    assert seen == []


def test_new_operations_cover_the_enum() -> None:
    old = {
        Operation.LIST_USERS,
        Operation.LIST_COURSES,
        Operation.LIST_ENROLLMENTS,
        Operation.ENROLL,
        Operation.UNENROLL,
    }
    assert {o for o, _ in NEW_OPERATIONS} == set(Operation) - old


async def test_list_sessions_unsupported_only_when_iterated() -> None:
    connector = Bare(base_url="http://lms.test")
    listing = connector.list_sessions(course_id="1")  # no error yet, as with a generator
    with pytest.raises(UnsupportedOperationError):
        await anext(listing)
    await connector.aclose()


def test_docebo_capabilities_cover_every_operation_and_level() -> None:
    assert DoceboConnector.capabilities.operations == frozenset(Operation) - {Operation.LIST_SKILLS}
    assert DoceboConnector.capabilities.levels == ("student", "tutor", "instructor", "coach")
