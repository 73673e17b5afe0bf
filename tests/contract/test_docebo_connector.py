"""The real Docebo connector against the real sandbox, in process (no network)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette

from core.capabilities import EnrollOption
from core.connectors.docebo import DoceboConnector
from core.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    UnsupportedOperationError,
)
from core.models import EnrollmentStatus
from tests.conftest import IN_PROCESS_URL, in_process_client


async def total_count(connector: DoceboConnector, path: str) -> int:
    response = await connector.request("GET", path, params=[("page_size", 1)])
    count = response.json()["data"]["total_count"]
    assert isinstance(count, int)
    return count


Answer = Callable[[httpx.Request, httpx.Response], Awaitable[httpx.Response]]


class Rerouting(httpx.AsyncBaseTransport):
    """The in-process sandbox, with a log of what was sent (method, path as sent). A request
    whose method and path start match ``hide`` is sent to a path the sandbox does not route,
    as a tenant without that route would see it; ``answer`` may rewrite an answer."""

    def __init__(
        self, app: Starlette, *, hide: tuple[str, str] | None = None, answer: Answer | None = None
    ) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._hide = hide
        self._answer = answer
        self.sent: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path))
        hide = self._hide
        if hide and request.method == hide[0] and request.url.path.startswith(hide[1]):
            path = "/docebo/learn/v1/nowhere/" + request.url.path[len(hide[1]) :]
            request = httpx.Request(
                request.method,
                request.url.copy_with(path=path),
                headers=request.headers,
                stream=request.stream,
            )
        response = await self._inner.handle_async_request(request)
        return await self._answer(request, response) if self._answer else response

    def deletes(self) -> list[str]:
        return [path for method, path in self.sent if method == "DELETE"]


@asynccontextmanager
async def connector_over(
    app: Starlette, transport: httpx.AsyncBaseTransport
) -> AsyncIterator[DoceboConnector]:
    from sandbox.app import sandbox_credentials

    creds = sandbox_credentials(app, IN_PROCESS_URL)["docebo"]
    client = httpx.AsyncClient(transport=transport, base_url=IN_PROCESS_URL)
    connector = DoceboConnector(
        base_url=creds["base_url"],
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        http_client=client,
    )
    async with client, connector:
        yield connector


async def free_pair(connector: DoceboConnector) -> tuple[str, str]:
    """A (user, course) pair the scenario did not enroll."""
    enrolled = {(e.user.id, e.course.id) async for e in connector.list_enrollments()}
    users = [u.id async for u in connector.list_users()]
    courses = [c.id async for c in connector.list_courses()]
    for user in users:
        for course in courses:
            if (user, course) not in enrolled:
                return user, course
    raise AssertionError("every user is enrolled in every course")


async def test_list_users_returns_every_user_once(docebo: DoceboConnector) -> None:
    users = [u async for u in docebo.list_users()]
    assert len(users) == await total_count(docebo, "/manage/v1/user")
    assert len({u.id for u in users}) == len(users)
    assert all(u.vendor == "docebo" and u.primary_email for u in users)
    assert all(u.remote_data["user_id"] == u.id for u in users)


async def test_list_courses_returns_every_course(docebo: DoceboConnector) -> None:
    courses = [c async for c in docebo.list_courses()]
    assert len(courses) == await total_count(docebo, "/learn/v1/courses")
    assert all(c.title for c in courses)


async def test_list_enrollments_returns_every_enrollment_once(docebo: DoceboConnector) -> None:
    enrollments = [e async for e in docebo.list_enrollments()]
    assert len(enrollments) == await total_count(docebo, "/course/v1/courses/enrollments")
    assert len({e.id for e in enrollments}) == len(enrollments)
    statuses = {e.status for e in enrollments}
    assert EnrollmentStatus.UNKNOWN not in statuses
    assert {EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED} <= statuses


async def test_list_enrollments_small_pages_match_large(sandbox_app: Starlette) -> None:
    from sandbox.app import sandbox_credentials

    creds = sandbox_credentials(sandbox_app, IN_PROCESS_URL)["docebo"]
    async with in_process_client(sandbox_app) as client:
        small = DoceboConnector(
            base_url=creds["base_url"],
            client_id=creds["client_id"],
            client_secret=creds["client_secret"],
            http_client=client,
            page_size=37,
        )
        large = DoceboConnector(
            base_url=creds["base_url"],
            client_id=creds["client_id"],
            client_secret=creds["client_secret"],
            http_client=client,
        )
        ids_small = [e.id async for e in small.list_enrollments()]
        ids_large = [e.id async for e in large.list_enrollments()]
    assert ids_small == ids_large


async def test_list_enrollments_filter_by_user(docebo: DoceboConnector) -> None:
    first = await anext(aiter(docebo.list_enrollments()))
    mine = [e async for e in docebo.list_enrollments(user_ids=[first.user.id])]
    assert mine and all(e.user.id == first.user.id for e in mine)
    everyone = [e async for e in docebo.list_enrollments()]
    assert len(mine) == sum(1 for e in everyone if e.user.id == first.user.id)


async def test_list_enrollments_filter_by_course(docebo: DoceboConnector) -> None:
    first = await anext(aiter(docebo.list_enrollments()))
    theirs = [e async for e in docebo.list_enrollments(course_ids=[first.course.id])]
    assert theirs and all(e.course.id == first.course.id for e in theirs)


@pytest.mark.parametrize(
    "status",
    [EnrollmentStatus.COMPLETED, EnrollmentStatus.ASSIGNED, EnrollmentStatus.EXPIRED],
)
async def test_list_enrollments_filter_by_status(
    docebo: DoceboConnector, status: EnrollmentStatus
) -> None:
    everyone = [e async for e in docebo.list_enrollments()]
    filtered = [e async for e in docebo.list_enrollments(statuses=[status])]
    assert filtered
    assert [e.id for e in filtered] == [e.id for e in everyone if e.status is status]


async def test_enroll_creates_enrollment_listed_afterwards(docebo: DoceboConnector) -> None:
    user_id, course_id = await free_pair(docebo)
    enrollment = await docebo.enroll(user_id=user_id, course_id=course_id)
    assert (enrollment.user.id, enrollment.course.id) == (user_id, course_id)
    assert enrollment.status is EnrollmentStatus.ENROLLED
    listed = [e async for e in docebo.list_enrollments(user_ids=[user_id])]
    assert enrollment.id in {e.id for e in listed}


async def test_enroll_with_level_and_validity(docebo: DoceboConnector) -> None:
    user_id, course_id = await free_pair(docebo)
    until = datetime(2030, 6, 30, 12, 0, tzinfo=UTC)
    enrollment = await docebo.enroll(
        user_id=user_id,
        course_id=course_id,
        options={EnrollOption.LEVEL: "tutor", EnrollOption.VALID_UNTIL: until},
    )
    assert enrollment.remote_data["enrollment_level"] == "tutor"
    assert enrollment.due_at == until


async def test_enroll_with_enrollment_fields_stores_and_returns_them(
    docebo: DoceboConnector,
) -> None:
    user_id, course_id = await free_pair(docebo)
    fields = {"12": "Cost centre 4711", "13": 3, "badge_name": None}
    enrollment = await docebo.enroll(
        user_id=user_id, course_id=course_id, options={EnrollOption.ENROLLMENT_FIELDS: fields}
    )
    assert enrollment.remote_data["enrollment_fields"] == fields
    (listed,) = [
        e async for e in docebo.list_course_enrollments(user_ids=[user_id], course_ids=[course_id])
    ]
    assert listed.remote_data["enrollment_fields"] == fields


def test_capabilities_declare_enrollment_fields() -> None:
    assert EnrollOption.ENROLLMENT_FIELDS in DoceboConnector.capabilities.enroll_options


async def test_enroll_twice_raises_conflict(docebo: DoceboConnector) -> None:
    user_id, course_id = await free_pair(docebo)
    await docebo.enroll(user_id=user_id, course_id=course_id)
    with pytest.raises(ConflictError) as info:
        await docebo.enroll(user_id=user_id, course_id=course_id)
    assert info.value.status == 400
    assert "already enrolled" in info.value.message.lower()


async def test_enroll_unknown_user_raises_not_found(docebo: DoceboConnector) -> None:
    course = await anext(aiter(docebo.list_courses()))
    with pytest.raises(NotFoundError) as info:
        await docebo.enroll(user_id="999999999", course_id=course.id)
    assert info.value.status == 404
    assert info.value.code == "Not Found"


async def test_enroll_unknown_course_raises_not_found(docebo: DoceboConnector) -> None:
    user = await anext(aiter(docebo.list_users()))
    with pytest.raises(NotFoundError):
        await docebo.enroll(user_id=user.id, course_id="999999999")


async def test_enroll_unsupported_option_refused_before_request(docebo: DoceboConnector) -> None:
    with pytest.raises(UnsupportedOperationError, match="due_at is not supported by Docebo"):
        await docebo.enroll(user_id="1", course_id="1", options={EnrollOption.DUE_AT: "2030-01-01"})


async def test_unenroll_removes_enrollment(docebo: DoceboConnector) -> None:
    existing = await anext(aiter(docebo.list_enrollments()))
    await docebo.unenroll(user_id=existing.user.id, course_id=existing.course.id)
    remaining = [e async for e in docebo.list_enrollments(user_ids=[existing.user.id])]
    assert existing.id not in {e.id for e in remaining}


async def test_unenroll_unknown_pair_raises_not_found(docebo: DoceboConnector) -> None:
    user_id, course_id = await free_pair(docebo)
    with pytest.raises(NotFoundError):
        await docebo.unenroll(user_id=user_id, course_id=course_id)


PLURAL = "/docebo/learn/v1/enrollments/"
SINGULAR = "/docebo/learn/v1/enrollment/"


async def test_unenroll_without_plural_route_uses_singular_path(sandbox_app: Starlette) -> None:
    transport = Rerouting(sandbox_app, hide=("DELETE", PLURAL))
    async with connector_over(sandbox_app, transport) as docebo:
        first, second = [e async for e in docebo.list_enrollments()][:2]
        await docebo.unenroll(user_id=first.user.id, course_id=first.course.id)
        assert transport.deletes() == [
            f"{PLURAL}{first.course.id}/{first.user.id}",
            f"{SINGULAR}{first.course.id}/{first.user.id}",
        ]
        await docebo.unenroll(user_id=second.user.id, course_id=second.course.id)
        assert transport.deletes()[2:] == [f"{SINGULAR}{second.course.id}/{second.user.id}"]
        remaining = {e.id async for e in docebo.list_enrollments()}
    assert not {first.id, second.id} & remaining


async def test_unenroll_unknown_pair_is_not_retried_on_other_path(
    sandbox_app: Starlette,
) -> None:
    transport = Rerouting(sandbox_app)
    async with connector_over(sandbox_app, transport) as docebo:
        user_id, course_id = await free_pair(docebo)
        with pytest.raises(NotFoundError) as info:
            await docebo.unenroll(user_id=user_id, course_id=course_id)
    assert "Enrollment not found" in info.value.message
    assert transport.deletes() == [f"{PLURAL}{course_id}/{user_id}"]


async def test_wrong_secret_raises_authentication_error(sandbox_app: Starlette) -> None:
    from sandbox.app import sandbox_credentials

    creds = sandbox_credentials(sandbox_app, IN_PROCESS_URL)["docebo"]
    async with in_process_client(sandbox_app) as client:
        connector = DoceboConnector(
            base_url=creds["base_url"],
            client_id=creds["client_id"],
            client_secret="not-the-secret",
            http_client=client,
        )
        with pytest.raises(AuthenticationError) as info:
            await anext(aiter(connector.list_users()))
    assert info.value.code == "invalid_client"
    assert "not-the-secret" not in str(info.value)


async def test_password_grant_signs_in(sandbox_app: Starlette) -> None:
    from sandbox.app import sandbox_credentials

    creds = sandbox_credentials(sandbox_app, IN_PROCESS_URL)["docebo"]
    async with in_process_client(sandbox_app) as client:
        connector = DoceboConnector.from_secrets(
            base_url=creds["base_url"], secrets=creds, http_client=client
        )
        assert connector._username
        user = await anext(aiter(connector.list_users()))
    assert user.id


async def test_client_credentials_grant_signs_in(sandbox_app: Starlette) -> None:
    from sandbox.app import sandbox_credentials

    creds = sandbox_credentials(sandbox_app, IN_PROCESS_URL)["docebo"]
    async with in_process_client(sandbox_app) as client:
        connector = DoceboConnector(
            base_url=creds["base_url"],
            client_id=creds["client_id"],
            client_secret=creds["client_secret"],
            http_client=client,
        )
        course = await anext(aiter(connector.list_courses()))
    assert course.id


async def test_stale_token_is_renewed_after_401(docebo: DoceboConnector) -> None:
    await anext(aiter(docebo.list_users()))
    docebo._token = "0" * 40  # a token the sandbox never issued
    docebo._refresh_token = None
    user = await anext(aiter(docebo.list_users()))
    assert user.id
    assert docebo._token != "0" * 40


async def test_listing_is_consistent_while_enrollments_are_added(docebo: DoceboConnector) -> None:
    user_id, course_id = await free_pair(docebo)
    before = [e.id async for e in docebo.list_enrollments()]
    seen: list[str] = []
    async for enrollment in docebo.list_enrollments():
        seen.append(enrollment.id)
        if len(seen) == 250:
            await docebo.enroll(user_id=user_id, course_id=course_id)
    assert set(before) <= set(seen)
    assert len(seen) == len(set(seen))
