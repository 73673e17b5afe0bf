"""Kombo wire records to normalized models, and the connector's refusals before any request.

httpx's MockTransport stands in for the network where a test needs a connector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import orjson
import pytest

from core.capabilities import Operation
from core.connectors.kombo import KomboConnector, mapping, wire
from core.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    LmsTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnsupportedOperationError,
)
from core.models import EnrollmentStatus, ExternalCourse, ItemResult

BASE_URL = "https://api.kombo.test/v1"
API_KEY = "kombo-test-key"
INTEGRATION = "sandbox:8Ykf3J2mRUcS7qXHnWzTbA4v"


def user_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "26vafvWSRmbhNcxJYqjCzuJg",
        "remote_id": "32",
        "first_name": "Sarah",
        "last_name": "Johnson",
        "work_email": "sarah.johnson@example.com",
        "status": "ACTIVE",
        "remote_created_at": "2022-08-07T14:01:29.196Z",
        "remote_deleted_at": None,
        "changed_at": "2022-08-08T10:00:00.000Z",
        "remote_data": None,
        "custom_fields": None,
        "integration_fields": [],
    }
    item.update(overrides)
    return item


def skill_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "9mTkq2VbZ4xYhN8pLcR3sWfA",
        "remote_id": "skill-12",
        "name": "Data literacy",
        "remote_created_at": "2023-02-01T08:30:00.000Z",
        "remote_deleted_at": None,
        "changed_at": "2023-03-01T09:00:00.000Z",
        "remote_data": None,
        "custom_fields": None,
        "integration_fields": [],
    }
    item.update(overrides)
    return item


def revision_item(number: int, **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": f"rev{number}",
        "remote_id": f"revision-{number}",
        "course_id": "course1",
        "title": f"Building LMS integrations v{number}",
        "description": "Learn the unified LMS API.",
        "remote_url": f"https://lms.example.com/courses/1/v{number}",
        "status": "ACTIVE",
        "remote_created_at": f"2024-0{number}-01T00:00:00.000Z",
        "remote_deleted_at": None,
        "changed_at": f"2024-0{number}-02T00:00:00.000Z",
        "remote_data": None,
        "custom_fields": None,
        "integration_fields": [],
        "skill_assignments": [],
    }
    item.update(overrides)
    return item


def course_item(*revisions: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "course1",
        "remote_id": "1",
        "provider_id": "provider1",
        "origin_id": "course-1",
        "remote_created_at": "2024-01-01T00:00:00.000Z",
        "remote_deleted_at": None,
        "changed_at": "2024-01-01T00:00:00.000Z",
        "remote_data": None,
        "custom_fields": None,
        "integration_fields": [],
        "provider": {"id": "provider1", "remote_id": "p1", "name": "Content Inc."},
        "revisions": list(revisions),
    }
    item.update(overrides)
    return item


def progression_item(**overrides: Any) -> dict[str, Any]:
    """The example of the published document (seed 000)."""
    item: dict[str, Any] = {
        "id": "26vafvWSRmbhNcxJYqjCzuJg",
        "remote_id": "progress-12345",
        "user_id": "7xPdr68N8kG9EzLwjsN9xyz",
        "course_revision_id": "3KMdr68N8kG9EzLwjsN9aoz",
        "status": "COMPLETED",
        "enrolled_at": "2022-08-07T14:01:29.196Z",
        "completed_at": "2022-08-07T14:01:29.196Z",
        "changed_at": "2022-08-07T14:01:29.196Z",
        "remote_deleted_at": None,
        "remote_data": None,
        "user": {
            "id": "7xPdr68N8kG9EzLwjsN9xyz",
            "remote_id": "32",
            "first_name": "Sarah",
            "last_name": "Johnson",
            "work_email": "sarah.johnson@example.com",
        },
        "course_revision": {
            "id": "3KMdr68N8kG9EzLwjsN9aoz",
            "remote_id": "revision-12345",
            "title": "Building LMS integrations with Kombo",
            "course": {"id": "26vafvWSRmbhNcxJYqjCzuJg", "remote_id": "32"},
        },
    }
    item.update(overrides)
    return item


def error_envelope(code: str | None, message: str) -> dict[str, Any]:
    return {
        "status": "error",
        "error": {"code": code, "title": None, "message": message, "log_url": None},
    }


# -- statuses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kombo", "normalized"),
    [
        ("ENROLLED", EnrollmentStatus.ENROLLED),
        ("IN_PROGRESS", EnrollmentStatus.IN_PROGRESS),
        ("COMPLETED", EnrollmentStatus.COMPLETED),
        ("DROPPED", EnrollmentStatus.WITHDRAWN),
        (None, EnrollmentStatus.UNKNOWN),
        ("", EnrollmentStatus.UNKNOWN),
        ("in_progress", EnrollmentStatus.IN_PROGRESS),
        ("PAUSED", EnrollmentStatus.UNKNOWN),
    ],
)
def test_map_status_table(kombo: str | None, normalized: EnrollmentStatus) -> None:
    assert mapping.map_status(kombo) is normalized


@pytest.mark.parametrize("kombo", ["ENROLLED", "IN_PROGRESS", "COMPLETED", "DROPPED", None])
def test_map_status_deleted_is_withdrawn(kombo: str | None) -> None:
    assert mapping.map_status(kombo, deleted=True) is EnrollmentStatus.WITHDRAWN


# -- users -------------------------------------------------------------------------------------


def test_map_user_fields() -> None:
    item = user_item()
    user = mapping.map_user(item)
    assert (user.id, user.remote_id, user.vendor) == ("26vafvWSRmbhNcxJYqjCzuJg", "32", "kombo")
    assert (user.first_name, user.last_name, user.name) == ("Sarah", "Johnson", "Sarah Johnson")
    assert user.primary_email == "sarah.johnson@example.com"
    assert user.emails[0].type == "work"
    assert user.status == "active"
    assert user.created_at == datetime(2022, 8, 7, 14, 1, 29, 196000, tzinfo=UTC)
    assert user.updated_at == datetime(2022, 8, 8, 10, 0, tzinfo=UTC)
    assert user.remote_data == item


def test_map_user_deleted_keeps_remote_deleted_at() -> None:
    user = mapping.map_user(user_item(status="INACTIVE", remote_deleted_at="2024-05-01T00:00:00Z"))
    assert user.status == "inactive"
    assert user.remote_data["remote_deleted_at"] == "2024-05-01T00:00:00Z"


def test_map_user_tolerates_nulls() -> None:
    user = mapping.map_user(
        user_item(first_name=None, last_name=None, work_email=None, status=None, changed_at="x")
    )
    assert user.name is None
    assert user.emails == ()
    assert user.status is None
    assert user.updated_at is None


# -- skills ------------------------------------------------------------------------------------


def test_map_skill_fields() -> None:
    item = skill_item()
    skill = mapping.map_skill(item)
    assert (skill.id, skill.remote_id, skill.vendor) == (
        "9mTkq2VbZ4xYhN8pLcR3sWfA",
        "skill-12",
        "kombo",
    )
    assert skill.name == "Data literacy"
    assert skill.created_at == datetime(2023, 2, 1, 8, 30, tzinfo=UTC)
    assert skill.updated_at == datetime(2023, 3, 1, 9, 0, tzinfo=UTC)
    assert skill.remote_data == item


def test_map_skill_deleted_keeps_remote_deleted_at() -> None:
    skill = mapping.map_skill(skill_item(remote_deleted_at="2024-05-01T00:00:00.000Z"))
    assert skill.remote_data["remote_deleted_at"] == "2024-05-01T00:00:00.000Z"


def test_map_skill_tolerates_nulls() -> None:
    skill = mapping.map_skill(
        skill_item(name=None, remote_created_at=None, changed_at="not a date")
    )
    assert skill.name == ""
    assert (skill.created_at, skill.updated_at) == (None, None)


# -- courses -----------------------------------------------------------------------------------


def test_map_course_yields_one_course_per_revision() -> None:
    courses = mapping.map_course(course_item(revision_item(1), revision_item(2)))
    assert [c.id for c in courses] == ["rev1", "rev2"]
    assert all(c.remote_data["course_id"] == "course1" for c in courses)
    assert [c.remote_data["revision_id"] for c in courses] == ["rev1", "rev2"]


def test_map_course_revision_fields() -> None:
    revision = revision_item(2, status="INACTIVE")
    (course,) = mapping.map_course(course_item(revision))
    assert (course.vendor, course.remote_id) == ("kombo", "revision-2")
    assert course.title == "Building LMS integrations v2"
    assert course.description == "Learn the unified LMS API."
    assert course.code == "course-1"
    assert course.status == "inactive"
    assert course.created_at == datetime(2024, 2, 1, tzinfo=UTC)
    assert course.updated_at == datetime(2024, 2, 2, tzinfo=UTC)
    assert course.remote_data["revision"] == revision
    assert "revisions" not in course.remote_data["course"]
    assert course.remote_data["course"]["provider"]["name"] == "Content Inc."
    assert course.remote_data["remote_deleted_at"] is None


def test_map_course_revisions_share_course_fields() -> None:
    first, second = mapping.map_course(course_item(revision_item(1), revision_item(2)))
    assert first.remote_data["course"] is second.remote_data["course"]


@pytest.mark.parametrize(
    ("include_deleted", "expected"), [(False, ["rev1"]), (True, ["rev1", "rev2"])]
)
def test_map_course_deleted_revision_only_when_included(
    include_deleted: bool, expected: list[str]
) -> None:
    course = course_item(
        revision_item(1), revision_item(2, remote_deleted_at="2024-06-01T00:00:00.000Z")
    )
    courses = mapping.map_course(course, include_deleted=include_deleted)
    assert [c.id for c in courses] == expected


def test_map_course_deleted_course_marks_every_revision() -> None:
    course = course_item(revision_item(1), remote_deleted_at="2024-06-01T00:00:00.000Z")
    assert mapping.map_course(course, include_deleted=False) == []
    (revision,) = mapping.map_course(course)
    assert revision.remote_data["remote_deleted_at"] == "2024-06-01T00:00:00.000Z"


def test_map_course_without_revisions_maps_to_nothing() -> None:
    assert mapping.map_course(course_item()) == []
    assert mapping.current_revision(course_item()) is None


def test_current_revision_is_last_listed() -> None:
    current = mapping.current_revision(course_item(revision_item(1), revision_item(2)))
    assert current is not None and current.id == "rev2"


# -- progressions ------------------------------------------------------------------------------


def test_map_progression_fields() -> None:
    item = progression_item()
    enrollment = mapping.map_progression(item)
    assert enrollment.id == "26vafvWSRmbhNcxJYqjCzuJg"
    assert enrollment.remote_id == "progress-12345"
    assert enrollment.vendor == "kombo"
    assert enrollment.user.id == "7xPdr68N8kG9EzLwjsN9xyz"
    assert enrollment.user.name == "Sarah Johnson"
    assert enrollment.user.emails[0].email == "sarah.johnson@example.com"
    assert enrollment.course.id == "3KMdr68N8kG9EzLwjsN9aoz"
    assert enrollment.course.title == "Building LMS integrations with Kombo"
    assert enrollment.status is EnrollmentStatus.COMPLETED
    moment = datetime(2022, 8, 7, 14, 1, 29, 196000, tzinfo=UTC)
    assert enrollment.enrolled_at == enrollment.completed_at == enrollment.updated_at == moment
    assert enrollment.due_at is None
    assert enrollment.score is None
    assert enrollment.remote_data == item
    assert mapping.progression_course_id(item) == "26vafvWSRmbhNcxJYqjCzuJg"


def test_map_progression_deleted_is_withdrawn() -> None:
    item = progression_item(remote_deleted_at="2024-01-01T00:00:00.000Z")
    enrollment = mapping.map_progression(item)
    assert enrollment.status is EnrollmentStatus.WITHDRAWN
    assert enrollment.remote_data["status"] == "COMPLETED"
    assert enrollment.remote_data["remote_deleted_at"] == "2024-01-01T00:00:00.000Z"


def test_map_progression_without_embedded_records_uses_ids() -> None:
    item = progression_item(user=None, course_revision=None, status=None, completed_at=None)
    enrollment = mapping.map_progression(item)
    assert enrollment.user.id == "7xPdr68N8kG9EzLwjsN9xyz"
    assert enrollment.user.name is None
    assert enrollment.course.id == "3KMdr68N8kG9EzLwjsN9aoz"
    assert enrollment.course.title is None
    assert enrollment.status is EnrollmentStatus.UNKNOWN
    assert mapping.progression_course_id(item) is None


# -- bulk upsert -------------------------------------------------------------------------------


def test_external_course_item_full_body() -> None:
    course = ExternalCourse(
        origin_id="course-1",
        title="Building LMS integrations",
        url="https://docs.example.com/lms",
        description="All of it.",
        thumbnail_url="https://docs.example.com/t.png",
        duration_minutes=45,
        languages=("en", "de-CH"),
    )
    assert mapping.external_course_item(course) == {
        "origin_id": "course-1",
        "course": {
            "type": "EXTERNAL",
            "title": "Building LMS integrations",
            "course_url": "https://docs.example.com/lms",
            "description": "All of it.",
            "thumbnail_url": "https://docs.example.com/t.png",
            "duration": 45,
            "languages": ["en", "de-CH"],
        },
    }


def test_external_course_item_leaves_out_unset_fields() -> None:
    course = ExternalCourse(origin_id="o", title="T", url="https://x.example")
    assert mapping.external_course_item(course)["course"] == {
        "type": "EXTERNAL",
        "title": "T",
        "course_url": "https://x.example",
    }


def test_map_task_results_in_sent_order() -> None:
    rows = [
        {
            "origin_id": "b",
            "status": "FAILED",
            "error": {
                "code": "REMOTE.INPUT_INVALID",
                "title": None,
                "message": "bad url",
                "log_url": None,
            },
        },
        {"origin_id": "a", "status": "SUCCEEDED", "data": {"id": "courseA"}},
        {"origin_id": "stranger", "status": "SUCCEEDED", "data": {"id": "x"}},
    ]
    assert mapping.map_task_results(rows, ["a", "b", "c"]) == [
        ItemResult(index=0, success=True, id="courseA"),
        ItemResult(index=1, success=False, message="bad url", code="REMOTE.INPUT_INVALID"),
        ItemResult(index=2, success=False, message="the task reported no outcome"),
    ]


def test_map_task_results_repeated_origin_ids_match_in_order() -> None:
    rows = [
        {"origin_id": "a", "status": "SUCCEEDED", "data": {"id": "first"}},
        {"origin_id": "a", "status": "SUCCEEDED", "data": {"id": "second"}},
    ]
    results = mapping.map_task_results(rows, ["a", "a"])
    assert [r.id for r in results] == ["first", "second"]


# -- wire --------------------------------------------------------------------------------------


def test_read_page_reads_envelope() -> None:
    page = wire.read_page({"status": "success", "data": {"next": "c2", "results": [{"a": 1}, 3]}})
    assert page.results == [{"a": 1}]
    assert page.next == "c2"


def test_read_page_null_next_is_last_page() -> None:
    assert wire.read_page({"data": {"next": None, "results": []}}).next is None


@pytest.mark.parametrize("body", [{}, {"data": []}, {"data": {"results": None}}, "text", None])
def test_read_page_rejects_other_shapes(body: Any) -> None:
    with pytest.raises(ValueError):
        wire.read_page(body)


@pytest.mark.parametrize(
    ("data", "status", "results", "error"),
    [
        ({"task_id": "t", "status": "PENDING", "completed_at": None}, "PENDING", 0, False),
        ({"task_id": "t", "status": "COMPLETED", "data": [{"origin_id": "a"}]}, "COMPLETED", 1, 0),
        ({"task_id": "t", "status": "FAILED", "error": {"message": "no"}}, "FAILED", 0, True),
    ],
)
def test_read_task_forms(data: dict[str, Any], status: str, results: int, error: bool) -> None:
    task = wire.read_task({"status": "success", "data": data})
    assert (task.task_id, task.status, len(task.results), task.error is not None) == (
        "t",
        status,
        results,
        error,
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            error_envelope("PLATFORM.AUTHENTICATION_INVALID", "The API key is invalid."),
            ("PLATFORM.AUTHENTICATION_INVALID", "The API key is invalid."),
        ),
        (
            error_envelope(None, "The message is always in the response."),
            (None, "The message is always in the response."),
        ),
        (
            {"status": "error", "error": {"code": "X.Y", "title": "A title", "message": ""}},
            ("X.Y", "A title"),
        ),
        ({"status": "error", "error": "plain words"}, (None, "plain words")),
        ({"code": "PLATFORM.INPUT_INVALID", "message": "bare"}, ("PLATFORM.INPUT_INVALID", "bare")),
        ("<html>Bad gateway</html>", (None, "<html>Bad gateway</html>")),
        (None, (None, None)),
    ],
)
def test_error_details_forms(body: Any, expected: tuple[str | None, str | None]) -> None:
    assert wire.error_details(body) == expected


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "PLATFORM.AUTHENTICATION_INVALID", AuthenticationError),
        (400, "PLATFORM.AUTHENTICATION_INVALID", AuthenticationError),
        (404, "PLATFORM.INTEGRATION_NOT_FOUND", NotFoundError),
        (429, "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED", RateLimitError),
        (400, "PLATFORM.RATE_LIMIT_EXCEEDED", RateLimitError),
        (403, "PLATFORM.IP_NOT_WHITELISTED", PermissionDeniedError),
        (400, "INTEGRATION.PERMISSION_MISSING", PermissionDeniedError),
        (400, "PLATFORM.INPUT_INVALID", BadRequestError),
        (404, "PLATFORM.INPUT_INVALID", NotFoundError),
        (409, None, ConflictError),
        (500, "PLATFORM.UNKNOWN_ERROR", ServerError),
        (None, "PLATFORM.INPUT_INVALID", BadRequestError),
        (None, "REMOTE.INPUT_INVALID", BadRequestError),
        (None, "SOMETHING.NEW", ServerError),
        (None, None, ServerError),
        (None, "LMS.COURSE_UPDATE_NOT_SUPPORTED", BadRequestError),
    ],
)
def test_error_class_by_code_then_status(
    status: int | None, code: str | None, expected: type[ApiError]
) -> None:
    assert mapping.error_class(status, code) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 3, 1, 12, 0, 0, 123999, tzinfo=UTC), "2026-03-01T12:00:00.123Z"),
        (datetime(2026, 3, 1, 12, 0), "2026-03-01T12:00:00.000Z"),
        (
            datetime(2026, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
            "2026-03-01T12:00:00.000Z",
        ),
    ],
)
def test_format_datetime_utc_milliseconds(value: datetime, expected: str) -> None:
    assert wire.format_datetime(value) == expected


def test_format_moment_date_is_bare_day() -> None:
    assert wire.format_moment(date(2024, 4, 15)) == "2024-04-15"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-08-07T14:01:29.196Z", datetime(2022, 8, 7, 14, 1, 29, 196000, tzinfo=UTC)),
        ("2022-08-07T16:01:29+02:00", datetime(2022, 8, 7, 14, 1, 29, tzinfo=UTC)),
        ("2024-04-15", datetime(2024, 4, 15, tzinfo=UTC)),
        ("", None),
        (None, None),
        ("yesterday", None),
        (20240415, None),
    ],
)
def test_parse_datetime_forms(value: Any, expected: datetime | None) -> None:
    assert wire.parse_datetime(value) == expected


# -- the connector over a mock transport -------------------------------------------------------


def connector(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> KomboConnector:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return KomboConnector(
        base_url=BASE_URL,
        api_key=API_KEY,
        integration_id=INTEGRATION,
        http_client=client,
        backoff_base=0.0,
        **options,
    )


def no_request(request: httpx.Request) -> httpx.Response:
    pytest.fail(f"no request was expected, got {request.method} {request.url}")


def answers(
    *responses: httpx.Response,
) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    """A handler that answers ``responses`` in turn, and the requests it saw."""
    seen: list[httpx.Request] = []
    queue: Iterator[httpx.Response] = iter(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(queue)

    return handle, seen


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, content=orjson.dumps({"status": "success", "data": data}))


def test_capabilities_exclude_unenroll() -> None:
    assert not KomboConnector.capabilities.supports(Operation.UNENROLL)
    assert KomboConnector.capabilities.supports(Operation.ENROLL)


def test_capabilities_include_list_skills() -> None:
    assert KomboConnector.capabilities.supports(Operation.LIST_SKILLS)


def test_display_name_is_kombo() -> None:
    assert (KomboConnector.vendor, KomboConnector.display_name) == ("kombo", "Kombo")


async def test_unenroll_refused_before_any_request() -> None:
    async with connector(no_request) as kombo:
        with pytest.raises(UnsupportedOperationError, match="unenroll is not supported by Kombo"):
            await kombo.unenroll(user_id="u1", course_id="rev1")


@pytest.mark.parametrize("score", [-1, 101, 93.5, True])
async def test_complete_bad_score_refused_before_any_request(score: Any) -> None:
    async with connector(no_request) as kombo:
        with pytest.raises(BadRequestError, match="score must be a whole number"):
            await kombo.complete("p1", score=score)


async def test_upsert_courses_nothing_to_send_makes_no_request() -> None:
    async with connector(no_request) as kombo:
        assert await kombo.upsert_courses([]) == []


def test_page_size_beyond_kombo_limit_refused() -> None:
    with pytest.raises(ValueError, match="page_size"):
        connector(no_request, page_size=251)


async def test_list_users_sends_key_and_integration() -> None:
    handle, seen = answers(ok({"next": None, "results": [user_item()]}))
    async with connector(handle) as kombo:
        users = [u async for u in kombo.list_users()]
    assert [u.id for u in users] == ["26vafvWSRmbhNcxJYqjCzuJg"]
    (request,) = seen
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["X-Integration-Id"] == INTEGRATION
    assert request.url.path == "/v1/lms/users"
    assert request.url.params["page_size"] == "250"
    assert request.url.params["include_deleted"] == "false"


async def test_list_users_follows_next_with_same_filters() -> None:
    handle, seen = answers(
        ok({"next": "c2", "results": [user_item(id="a")]}),
        ok({"next": None, "results": [user_item(id="b")]}),
    )
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    async with connector(handle) as kombo:
        users = [
            u.id
            async for u in kombo.list_users(
                work_emails=["a@x.example", "b@x.example"], updated_after=moment
            )
        ]
    assert users == ["a", "b"]
    first, second = (r.url.params for r in seen)
    assert "cursor" not in first and second["cursor"] == "c2"
    for params in (first, second):
        assert params["work_emails"] == "a@x.example,b@x.example"
        assert params["updated_after"] == "2026-01-01T00:00:00.000Z"


async def test_list_skills_follows_next_with_same_filters() -> None:
    handle, seen = answers(
        ok({"next": "c2", "results": [skill_item(id="a")]}),
        ok({"next": None, "results": [skill_item(id="b", remote_deleted_at="2024-05-01")]}),
    )
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    async with connector(handle) as kombo:
        skills = [
            s.id
            async for s in kombo.list_skills(
                ids=["a", "b"],
                remote_ids=["skill-1", "skill-2"],
                updated_after=moment,
                include_deleted=True,
            )
        ]
    assert skills == ["a", "b"]
    first, second = seen
    assert first.url.path == second.url.path == "/v1/lms/skills"
    assert "cursor" not in first.url.params and second.url.params["cursor"] == "c2"
    for params in (first.url.params, second.url.params):
        assert params["ids"] == "a,b"
        assert params["remote_ids"] == "skill-1,skill-2"
        assert params["updated_after"] == "2026-01-01T00:00:00.000Z"
        assert params["include_deleted"] == "true"
        assert params["page_size"] == "250"


async def test_list_users_repeated_cursor_raises() -> None:
    handle, _ = answers(
        ok({"next": "c2", "results": [user_item()]}),
        ok({"next": "c2", "results": [user_item()]}),
    )
    async with connector(handle) as kombo:
        with pytest.raises(BadRequestError, match="cursor repeats"):
            [u async for u in kombo.list_users()]


async def test_list_users_wrong_key_raises_authentication_error_with_code() -> None:
    body = error_envelope("PLATFORM.AUTHENTICATION_INVALID", "The API key is invalid.")
    handle, _ = answers(httpx.Response(401, content=orjson.dumps(body)))
    async with connector(handle) as kombo:
        with pytest.raises(AuthenticationError) as info:
            await anext(aiter(kombo.list_users()))
    assert info.value.code == "PLATFORM.AUTHENTICATION_INVALID"
    assert info.value.message == "The API key is invalid."
    assert API_KEY not in str(info.value)


async def test_enroll_rate_limit_code_retried_after_retry_after() -> None:
    limited = error_envelope("PLATFORM.RATE_LIMIT_EXCEEDED", "Too many requests.")
    handle, seen = answers(
        httpx.Response(400, content=orjson.dumps(limited), headers={"Retry-After": "0"}),
        httpx.Response(
            200,
            content=orjson.dumps(
                {"status": "success", "data": progression_item(status="ENROLLED"), "warnings": []}
            ),
        ),
    )
    async with connector(handle) as kombo:
        enrollment = await kombo.enroll(user_id="u", course_id="r")
    assert enrollment.status is EnrollmentStatus.ENROLLED
    assert len(seen) == 2
    assert orjson.loads(seen[1].content) == {"user_id": "u", "course_revision_id": "r"}


async def test_enroll_concurrency_limit_raises_rate_limit_after_retries() -> None:
    refused = error_envelope("PLATFORM.CONCURRENCY_LIMIT_EXCEEDED", "Too many in flight.")
    handle, seen = answers(
        *(
            httpx.Response(429, content=orjson.dumps(refused), headers={"Retry-After": "7"})
            for _ in range(3)
        )
    )
    async with connector(handle, max_retries=2, max_backoff=0.0) as kombo:
        with pytest.raises(RateLimitError) as info:
            await kombo.enroll(user_id="u", course_id="r")
    assert len(seen) == 3
    assert info.value.code == "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED"
    assert info.value.retry_after == 7.0


async def test_complete_path_keeps_remote_prefix() -> None:
    handle, seen = answers(
        httpx.Response(
            200,
            content=orjson.dumps({"status": "success", "data": progression_item(), "warnings": []}),
        )
    )
    async with connector(handle) as kombo:
        enrollment = await kombo.complete(
            "remote:progress-12345", completed_at=date(2024, 4, 15), score=93
        )
    assert seen[0].url.raw_path == b"/v1/lms/course-progressions/remote:progress-12345/complete"
    assert orjson.loads(seen[0].content) == {"completed_at": "2024-04-15", "score": 93}
    assert enrollment.score == 93.0


async def test_upsert_courses_pending_past_max_wait_raises_timeout() -> None:
    pending = {"task_id": "t1", "created_at": "x", "status": "PENDING", "completed_at": None}
    started = httpx.Response(
        200, content=orjson.dumps({"status": "success", "data": {"task_id": "t1"}, "warnings": []})
    )
    handle, seen = answers(started, ok(pending))
    course = ExternalCourse(origin_id="o", title="T", url="https://x.example")
    async with connector(handle) as kombo:
        with pytest.raises(LmsTimeoutError, match="bulk course task t1 is still PENDING"):
            await kombo.upsert_courses([course], poll_interval=0.0, max_wait=0.0)
    assert [r.url.path for r in seen] == ["/v1/lms/courses/bulk", "/v1/lms/courses/bulk/t1"]


async def test_list_enrollments_unknown_revision_yields_nothing() -> None:
    courses = ok({"next": None, "results": [course_item(revision_item(1))]})
    handle, seen = answers(courses)
    async with connector(handle) as kombo:
        found = [e async for e in kombo.list_enrollments(course_ids=["no-such-revision"])]
    assert found == []
    assert [r.url.path for r in seen] == ["/v1/lms/courses"]
