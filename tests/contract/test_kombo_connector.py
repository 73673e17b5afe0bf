"""The real Kombo connector against the real sandbox, in process (no network).

The emulation's choices are attributes of its backend (``max_concurrent_actions``,
``bulk_task_seconds``, ``duplicate_enrollment``); a test that needs another choice sets it on
its own sandbox. Time moves only through the sandbox's clock: nothing here sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from core.connections import Connection
from core.connectors.kombo import KomboConnector
from core.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    RateLimitError,
    UnsupportedOperationError,
)
from core.models import Course, Enrollment, EnrollmentStatus, ExternalCourse, Skill, User
from sandbox.app import Sandbox, sandbox_credentials, sandbox_of
from sandbox.vendors.kombo import KomboBackend
from tests.conftest import IN_PROCESS_URL, in_process_client

ResponseHook = Callable[[httpx.Response], Awaitable[None]]


@pytest.fixture
def sandbox(sandbox_app: Starlette) -> Sandbox:
    return sandbox_of(sandbox_app)


@pytest.fixture
def backend(sandbox: Sandbox) -> KomboBackend:
    vendor = sandbox.vendors["kombo"]
    assert isinstance(vendor, KomboBackend)
    return vendor


@pytest.fixture
def credentials(sandbox_app: Starlette) -> dict[str, str]:
    return sandbox_credentials(sandbox_app, IN_PROCESS_URL)["kombo"]


@pytest.fixture
async def kombo(
    sandbox_app: Starlette, connections: list[Connection]
) -> AsyncIterator[KomboConnector]:
    """The Kombo connector as the sandbox's connection builds it."""
    (connection,) = [c for c in connections if c.vendor == "kombo"]
    async with in_process_client(sandbox_app) as client:
        connector = connection.connector(http_client=client)
        assert isinstance(connector, KomboConnector)
        async with connector:
            yield connector


def hooked_client(app: Starlette, hook: ResponseHook) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=IN_PROCESS_URL,
        event_hooks={"response": [hook]},
    )


def build(client: httpx.AsyncClient, credentials: dict[str, str], **options: Any) -> KomboConnector:
    return KomboConnector(
        base_url=credentials["base_url"],
        api_key=options.pop("api_key", credentials["api_key"]),
        integration_id=options.pop("integration_id", credentials["integration_id"]),
        http_client=client,
        **options,
    )


async def free_pair(kombo: KomboConnector) -> tuple[User, Course]:
    """An active user and an active revision the user has no progression in."""
    taken = {(e.user.id, e.course.id) async for e in kombo.list_enrollments(include_deleted=True)}
    users = [u async for u in kombo.list_users() if u.status == "active"]
    courses = [c async for c in kombo.list_courses() if c.status == "active"]
    for user in users:
        for course in courses:
            if (user.id, course.id) not in taken:
                return user, course
    raise AssertionError("every active user has a progression in every active revision")


@contextlib.asynccontextmanager
async def held_actions(
    client: httpx.AsyncClient,
    credentials: dict[str, str],
    count: int,
    release: asyncio.Event | None = None,
) -> AsyncIterator[Awaitable[list[httpx.Response]]]:
    """``count`` action requests held in flight: each enters its handler (and so counts
    against the limit), which then waits for the rest of its body until ``release`` is set (on
    leaving, when none is given), and all have answered once the block is left. They deactivate
    a course that does not exist, so each is answered 404 and changes nothing. Yields an
    awaitable of their answers."""
    release = release or asyncio.Event()
    started = [asyncio.Event() for _ in range(count)]
    headers = {
        "Authorization": f"Bearer {credentials['api_key']}",
        "X-Integration-Id": credentials["integration_id"],
    }

    async def held(n: int) -> AsyncIterator[bytes]:
        yield b"{"
        started[n].set()
        await release.wait()
        yield b"}"

    url = f"{credentials['base_url']}/lms/courses/no-such-course/deactivate"
    tasks = [
        asyncio.create_task(client.post(url, content=held(n), headers=headers))
        for n in range(count)
    ]
    try:
        async with asyncio.timeout(60):  # a guard only: every wait ends on an event
            await asyncio.gather(*(event.wait() for event in started))
        yield asyncio.gather(*tasks)
    finally:
        release.set()
        await asyncio.gather(*tasks, return_exceptions=True)  # none is left running


async def open_progression(kombo: KomboConnector) -> Enrollment:
    return await anext(aiter(kombo.list_enrollments(statuses=[EnrollmentStatus.IN_PROGRESS])))


def external(origin_id: str, title: str = "Prompting for analysts") -> ExternalCourse:
    return ExternalCourse(
        origin_id=origin_id,
        title=title,
        url=f"https://content.example.com/courses/{origin_id}",
        description="A course whose content stays with the provider.",
        duration_minutes=45,
        languages=("en", "de-CH"),
    )


# -- listing -----------------------------------------------------------------------------------


async def test_list_users_returns_every_user_once(kombo: KomboConnector, sandbox: Sandbox) -> None:
    users = [u async for u in kombo.list_users(include_deleted=True)]
    assert len(users) == sandbox.counts()["kombo"]["users"]
    assert len({u.id for u in users}) == len(users)
    assert all(u.vendor == "kombo" and u.primary_email for u in users)


async def test_list_users_leaves_deleted_out_by_default(kombo: KomboConnector) -> None:
    every = {u.id: u async for u in kombo.list_users(include_deleted=True)}
    current = [u.id async for u in kombo.list_users()]
    deleted = every.keys() - set(current)
    assert deleted
    assert all(every[i].remote_data["remote_deleted_at"] for i in deleted)
    assert not any(every[i].remote_data["remote_deleted_at"] for i in current)


async def test_list_courses_returns_every_revision_once(
    kombo: KomboConnector, sandbox: Sandbox
) -> None:
    revisions = [c async for c in kombo.list_courses(include_deleted=True)]
    assert (
        len({c.remote_data["course_id"] for c in revisions})
        == (sandbox.counts()["kombo"]["courses"])
    )
    assert len({c.id for c in revisions}) == len(revisions)
    assert all(c.title for c in revisions)
    assert {c.status for c in revisions} == {"active", "inactive"}


async def test_list_enrollments_returns_every_progression_once(
    kombo: KomboConnector, sandbox: Sandbox
) -> None:
    enrollments = [e async for e in kombo.list_enrollments(include_deleted=True)]
    assert len(enrollments) == sandbox.counts()["kombo"]["course_progressions"]
    assert len({e.id for e in enrollments}) == len(enrollments)
    statuses = {e.status for e in enrollments}
    assert EnrollmentStatus.UNKNOWN not in statuses
    assert {EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED} <= statuses


async def test_list_skills_returns_every_skill_once(
    kombo: KomboConnector, sandbox: Sandbox
) -> None:
    skills = [s async for s in kombo.list_skills(include_deleted=True)]
    assert len(skills) == sandbox.counts()["kombo"]["skills"]
    assert len({s.id for s in skills}) == len(skills)
    assert all(isinstance(s, Skill) and s.vendor == "kombo" and s.name for s in skills)
    assert all(s.remote_id and s.created_at and s.updated_at for s in skills)


async def test_list_skills_leaves_deleted_out_by_default(kombo: KomboConnector) -> None:
    every = {s.id: s async for s in kombo.list_skills(include_deleted=True)}
    current = [s.id async for s in kombo.list_skills()]
    deleted = every.keys() - set(current)
    assert deleted
    assert all(every[i].remote_data["remote_deleted_at"] for i in deleted)
    assert not any(every[i].remote_data["remote_deleted_at"] for i in current)


async def test_list_skills_are_the_skills_courses_teach(kombo: KomboConnector) -> None:
    skills = {s.id: s.name async for s in kombo.list_skills(include_deleted=True)}
    taught = {
        assignment["skill"]["id"]: assignment["skill"]["name"]
        async for course in kombo.list_courses()
        for assignment in course.remote_data["revision"]["skill_assignments"]
    }
    assert taught
    assert all(skills[i] == name for i, name in taught.items())


async def test_list_skills_filter_by_ids_and_remote_ids(kombo: KomboConnector) -> None:
    skills = [s async for s in kombo.list_skills()][:4]
    by_ids = [s.id async for s in kombo.list_skills(ids=[skills[2].id, skills[0].id, "nope"])]
    both = [
        s.id
        async for s in kombo.list_skills(
            ids=[skills[1].id, skills[3].id], remote_ids=[skills[3].remote_id]
        )
    ]
    assert by_ids == [skills[0].id, skills[2].id]
    assert both == [skills[3].id]


async def test_list_skills_updated_after_keeps_those_changed_since(
    kombo: KomboConnector,
) -> None:
    skills = [s async for s in kombo.list_skills()]
    since = sorted(s.updated_at for s in skills if s.updated_at)[len(skills) // 2]
    found = [s.id async for s in kombo.list_skills(updated_after=since)]
    assert found == [s.id for s in skills if s.updated_at and s.updated_at >= since]
    assert 0 < len(found) < len(skills)


async def test_list_skills_small_pages_match_large(
    sandbox_app: Starlette, credentials: dict[str, str]
) -> None:
    async with in_process_client(sandbox_app) as client:
        small = build(client, credentials, page_size=2)
        large = build(client, credentials)
        ids_small = [s.id async for s in small.list_skills(include_deleted=True)]
        ids_large = [s.id async for s in large.list_skills(include_deleted=True)]
    assert ids_small == ids_large


async def test_list_enrollments_course_refs_are_listed_courses(kombo: KomboConnector) -> None:
    revisions = {c.id async for c in kombo.list_courses(include_deleted=True)}
    courses = {e.course.id async for e in kombo.list_enrollments(include_deleted=True)}
    assert courses <= revisions


async def test_list_enrollments_small_pages_match_large(
    sandbox_app: Starlette, credentials: dict[str, str]
) -> None:
    async with in_process_client(sandbox_app) as client:
        small = build(client, credentials, page_size=37)
        large = build(client, credentials)
        ids_small = [e.id async for e in small.list_enrollments()]
        ids_large = [e.id async for e in large.list_enrollments()]
    assert ids_small == ids_large


async def test_list_users_small_pages_match_large(
    sandbox_app: Starlette, credentials: dict[str, str]
) -> None:
    async with in_process_client(sandbox_app) as client:
        small = build(client, credentials, page_size=1)
        large = build(client, credentials)
        ids_small = [u.id async for u in small.list_users(include_deleted=True)]
        ids_large = [u.id async for u in large.list_users(include_deleted=True)]
    assert ids_small == ids_large


async def test_list_enrollments_pages_stable_while_records_change(
    sandbox_app: Starlette, credentials: dict[str, str]
) -> None:
    async with in_process_client(sandbox_app) as client:
        writer = build(client, credentials)
        before = [e async for e in writer.list_enrollments()]
        open_ones = [
            n
            for n, e in enumerate(before)
            if e.status in (EnrollmentStatus.ENROLLED, EnrollmentStatus.IN_PROGRESS)
        ]
        seen_one = before[next(n for n in open_ones if n < 50)].id
        later_one = before[next(n for n in open_ones if n >= 150)].id
        listing = build(client, credentials, page_size=50).list_enrollments()
        listed = [await anext(listing)]  # the first page is read
        for progression_id in (seen_one, later_one):
            await writer.complete(progression_id, score=75)
        listed.extend([e async for e in listing])
    assert [e.id for e in listed] == [e.id for e in before]
    statuses = {e.id: e.status for e in listed}
    assert statuses[seen_one] is not EnrollmentStatus.COMPLETED  # read before it changed
    assert statuses[later_one] is EnrollmentStatus.COMPLETED


async def test_list_courses_pages_stable_while_courses_change(
    sandbox_app: Starlette, credentials: dict[str, str]
) -> None:
    async with in_process_client(sandbox_app) as client:
        writer = build(client, credentials)
        before = [c async for c in writer.list_courses()]
        course_ids = list(dict.fromkeys(c.remote_data["course_id"] for c in before))
        seen_one, later_one = course_ids[0], course_ids[-3]
        listing = build(client, credentials, page_size=5).list_courses()
        listed = [await anext(listing)]
        for course_id in (seen_one, later_one):
            await writer.deactivate_course(course_id)
        listed.extend([c async for c in listing])
    assert [c.id for c in listed] == [c.id for c in before]
    later = [c for c in listed if c.remote_data["course_id"] == later_one]
    assert later and all(c.status == "inactive" for c in later)


async def test_list_users_filter_by_work_email_ignores_case(kombo: KomboConnector) -> None:
    first, second = [u async for u in kombo.list_users()][:2]
    emails = [str(first.primary_email).upper(), str(second.primary_email)]
    found = [u.id async for u in kombo.list_users(work_emails=emails)]
    assert sorted(found) == sorted([first.id, second.id])


async def test_list_users_filter_by_ids(kombo: KomboConnector) -> None:
    wanted = [u.id async for u in kombo.list_users()][5:8]
    assert [u.id async for u in kombo.list_users(ids=wanted)] == wanted


async def test_list_courses_filter_by_kombo_course(kombo: KomboConnector) -> None:
    revision = await anext(aiter(kombo.list_courses()))
    course_id = revision.remote_data["course_id"]
    found = [c async for c in kombo.list_courses(kombo_course_ids=[course_id])]
    assert revision.id in {c.id for c in found}
    assert all(c.remote_data["course_id"] == course_id for c in found)


async def test_list_enrollments_filter_by_user(kombo: KomboConnector) -> None:
    first = await anext(aiter(kombo.list_enrollments()))
    mine = [e async for e in kombo.list_enrollments(user_ids=[first.user.id])]
    everyone = [e async for e in kombo.list_enrollments()]
    assert [e.id for e in mine] == [e.id for e in everyone if e.user.id == first.user.id]


async def test_list_enrollments_filter_by_course_revision(kombo: KomboConnector) -> None:
    first = await anext(aiter(kombo.list_enrollments()))
    theirs = [e async for e in kombo.list_enrollments(course_ids=[first.course.id])]
    everyone = [e async for e in kombo.list_enrollments()]
    assert [e.id for e in theirs] == [e.id for e in everyone if e.course.id == first.course.id]


async def test_list_enrollments_filter_by_kombo_course(kombo: KomboConnector) -> None:
    first = await anext(aiter(kombo.list_enrollments()))
    course_id = first.remote_data["course_revision"]["course"]["id"]
    theirs = [e async for e in kombo.list_enrollments(kombo_course_ids=[course_id])]
    assert first.id in {e.id for e in theirs}
    assert all(e.remote_data["course_revision"]["course"]["id"] == course_id for e in theirs)


async def test_list_enrollments_filter_by_unknown_revision_finds_nothing(
    kombo: KomboConnector,
) -> None:
    assert [e async for e in kombo.list_enrollments(course_ids=["no-such-revision"])] == []


@pytest.mark.parametrize(
    "status",
    [EnrollmentStatus.COMPLETED, EnrollmentStatus.WITHDRAWN, EnrollmentStatus.ENROLLED],
)
async def test_list_enrollments_filter_by_status(
    kombo: KomboConnector, status: EnrollmentStatus
) -> None:
    everyone = [e async for e in kombo.list_enrollments()]
    filtered = [e async for e in kombo.list_enrollments(statuses=[status])]
    assert filtered
    assert [e.id for e in filtered] == [e.id for e in everyone if e.status is status]


async def test_list_enrollments_include_deleted_shows_deleted_as_withdrawn(
    kombo: KomboConnector,
) -> None:
    current = {e.id async for e in kombo.list_enrollments()}
    deleted = [e async for e in kombo.list_enrollments(include_deleted=True) if e.id not in current]
    assert deleted
    assert all(e.remote_data["remote_deleted_at"] for e in deleted)
    assert {e.status for e in deleted} == {EnrollmentStatus.WITHDRAWN}


# -- incremental listing -----------------------------------------------------------------------


async def test_list_enrollments_updated_after_returns_only_changed(
    kombo: KomboConnector, sandbox: Sandbox
) -> None:
    user, course = await free_pair(kombo)
    progression = await open_progression(kombo)
    since = sandbox.clock.now()
    assert [e async for e in kombo.list_enrollments(updated_after=since)] == []
    sandbox.clock.advance(60)
    enrolled = await kombo.enroll(user_id=user.id, course_id=course.id)
    completed = await kombo.complete(progression.id)
    changed = {e.id async for e in kombo.list_enrollments(updated_after=since)}
    assert changed == {enrolled.id, completed.id}


async def test_list_enrollments_updated_after_later_moment_excludes_earlier_change(
    kombo: KomboConnector, sandbox: Sandbox
) -> None:
    user, course = await free_pair(kombo)
    enrolled = await kombo.enroll(user_id=user.id, course_id=course.id)
    sandbox.clock.advance(60)
    since = sandbox.clock.now()
    sandbox.clock.advance(60)
    completed = await kombo.complete(enrolled.id)
    changed = [e.id async for e in kombo.list_enrollments(updated_after=since)]
    assert changed == [completed.id]


async def test_list_courses_updated_after_returns_only_upserted(
    kombo: KomboConnector, sandbox: Sandbox, backend: KomboBackend
) -> None:
    backend.bulk_task_seconds = 0
    since = sandbox.clock.now()
    sandbox.clock.advance(60)
    (result,) = await kombo.upsert_courses([external("new-1")], poll_interval=0)
    changed = [c async for c in kombo.list_courses(updated_after=since)]
    assert [c.remote_data["course_id"] for c in changed] == [result.id]


async def test_list_users_updated_after_now_finds_nothing(
    kombo: KomboConnector, sandbox: Sandbox
) -> None:
    since = sandbox.clock.now()
    assert [u async for u in kombo.list_users(updated_after=since)] == []


# -- enroll ------------------------------------------------------------------------------------


async def test_enroll_creates_progression_listed_afterwards(kombo: KomboConnector) -> None:
    user, course = await free_pair(kombo)
    enrollment = await kombo.enroll(user_id=user.id, course_id=course.id)
    assert (enrollment.user.id, enrollment.course.id) == (user.id, course.id)
    assert enrollment.status is EnrollmentStatus.ENROLLED
    assert enrollment.enrolled_at is not None
    assert enrollment.user.name == user.name
    assert enrollment.course.title == course.title
    listed = [e async for e in kombo.list_enrollments(user_ids=[user.id])]
    assert enrollment.id in {e.id for e in listed}


async def test_enroll_by_remote_ids_passes_them_through(kombo: KomboConnector) -> None:
    user, course = await free_pair(kombo)
    enrollment = await kombo.enroll(
        user_id=f"remote:{user.remote_id}", course_id=f"remote:{course.remote_id}"
    )
    assert (enrollment.user.id, enrollment.course.id) == (user.id, course.id)


async def test_enroll_twice_returns_existing_progression(
    kombo: KomboConnector, caplog: pytest.LogCaptureFixture
) -> None:
    user, course = await free_pair(kombo)
    first = await kombo.enroll(user_id=user.id, course_id=course.id)
    with caplog.at_level(logging.WARNING, logger="core.connectors.kombo.client"):
        again = await kombo.enroll(user_id=user.id, course_id=course.id)
    assert again.id == first.id
    assert "already enrolled" in caplog.text


async def test_enroll_twice_refused_raises_conflict(
    kombo: KomboConnector, backend: KomboBackend
) -> None:
    backend.duplicate_enrollment = "error"
    user, course = await free_pair(kombo)
    await kombo.enroll(user_id=user.id, course_id=course.id)
    with pytest.raises(ConflictError) as info:
        await kombo.enroll(user_id=user.id, course_id=course.id)
    assert info.value.code == "PLATFORM.INPUT_INVALID"
    assert "already enrolled" in info.value.message


async def test_enroll_unknown_user_raises_bad_request(kombo: KomboConnector) -> None:
    course = await anext(aiter(kombo.list_courses()))
    with pytest.raises(BadRequestError) as info:
        await kombo.enroll(user_id="no-such-user", course_id=course.id)
    assert info.value.code == "PLATFORM.INPUT_INVALID"
    assert "user_id" in info.value.message


async def test_enroll_inactive_revision_raises_bad_request(kombo: KomboConnector) -> None:
    user = await anext(aiter(kombo.list_users()))
    inactive = [c async for c in kombo.list_courses() if c.status == "inactive"]
    with pytest.raises(BadRequestError) as info:
        await kombo.enroll(user_id=user.id, course_id=inactive[0].id)
    assert info.value.code == "PLATFORM.INPUT_INVALID"
    assert "inactive" in info.value.message


async def test_unenroll_unsupported(kombo: KomboConnector) -> None:
    existing = await anext(aiter(kombo.list_enrollments()))
    with pytest.raises(UnsupportedOperationError, match="unenroll is not supported by Kombo"):
        await kombo.unenroll(user_id=existing.user.id, course_id=existing.course.id)


# -- complete ----------------------------------------------------------------------------------


async def test_complete_sets_status_date_and_score(kombo: KomboConnector, sandbox: Sandbox) -> None:
    progression = await open_progression(kombo)
    when = (sandbox.clock.now() - timedelta(days=2)).replace(microsecond=250_000)
    completed = await kombo.complete(progression.id, completed_at=when, score=93)
    assert completed.id == progression.id
    assert completed.status is EnrollmentStatus.COMPLETED
    assert completed.completed_at == when
    assert completed.score == 93.0
    (listed,) = [e async for e in kombo.list_enrollments(ids=[progression.id])]
    assert (listed.status, listed.completed_at) == (EnrollmentStatus.COMPLETED, when)


async def test_complete_without_date_uses_now(kombo: KomboConnector, sandbox: Sandbox) -> None:
    progression = await open_progression(kombo)
    sandbox.clock.advance(3600)
    completed = await kombo.complete(progression.id)
    assert completed.completed_at is not None
    assert abs(completed.completed_at - sandbox.clock.now()) < timedelta(seconds=5)


async def test_complete_by_remote_id(kombo: KomboConnector) -> None:
    progression = await open_progression(kombo)
    completed = await kombo.complete(f"remote:{progression.remote_id}", score=0)
    assert completed.id == progression.id


async def test_complete_future_date_raises_bad_request(
    kombo: KomboConnector, sandbox: Sandbox
) -> None:
    progression = await open_progression(kombo)
    with pytest.raises(BadRequestError) as info:
        await kombo.complete(progression.id, completed_at=sandbox.clock.now() + timedelta(days=1))
    assert info.value.code == "PLATFORM.INPUT_INVALID"
    assert "future" in info.value.message


async def test_complete_unknown_progression_raises_not_found(kombo: KomboConnector) -> None:
    with pytest.raises(NotFoundError) as info:
        await kombo.complete("no-such-progression")
    assert info.value.code == "PLATFORM.INPUT_INVALID"
    assert "no-such-progression" in info.value.message


# -- bulk upsert and deactivate ----------------------------------------------------------------


async def test_upsert_courses_completed_after_task_time(
    kombo: KomboConnector, sandbox: Sandbox, backend: KomboBackend
) -> None:
    items = [external("new-1"), external("new-2", "Data literacy")]
    task_id = await kombo.start_course_upsert(items)
    sandbox.clock.advance(backend.bulk_task_seconds)
    results = await kombo.wait_for_course_upsert(task_id, items, poll_interval=0)
    assert [(r.index, r.success) for r in results] == [(0, True), (1, True)]
    created = [c async for c in kombo.list_courses(kombo_course_ids=[str(r.id) for r in results])]
    assert sorted((c.code, c.title, c.status) for c in created) == [
        ("new-1", "Prompting for analysts", "active"),
        ("new-2", "Data literacy", "active"),
    ]


async def test_upsert_courses_polls_until_completed(
    sandbox_app: Starlette, credentials: dict[str, str], backend: KomboBackend
) -> None:
    polls: list[str] = []

    async def advance_after_poll(response: httpx.Response) -> None:
        if response.request.method == "GET" and "/lms/courses/bulk/" in response.url.path:
            polls.append(response.url.path)
            backend.clock.advance(backend.bulk_task_seconds / 2)

    async with hooked_client(sandbox_app, advance_after_poll) as client:
        kombo = build(client, credentials)
        (result,) = await kombo.upsert_courses([external("new-1")], poll_interval=0)
    assert result.success and result.id
    assert len(polls) == 3  # pending, pending, then processed at the task's time


async def test_upsert_courses_same_origin_updates_course(
    kombo: KomboConnector, backend: KomboBackend
) -> None:
    backend.bulk_task_seconds = 0
    (first,) = await kombo.upsert_courses([external("new-1")], poll_interval=0)
    (again,) = await kombo.upsert_courses([external("new-1", "Renamed")], poll_interval=0)
    assert again.id == first.id
    (course,) = [c async for c in kombo.list_courses(kombo_course_ids=[str(first.id)])]
    assert course.title == "Renamed"


async def test_upsert_courses_refused_item_reported(
    kombo: KomboConnector, backend: KomboBackend
) -> None:
    backend.bulk_task_seconds = 0
    bad = ExternalCourse(origin_id="bad", title="No link", url="not-a-url")
    results = await kombo.upsert_courses([bad, external("good")], poll_interval=0)
    assert [r.success for r in results] == [False, True]
    assert results[0].code == "REMOTE.INPUT_INVALID"
    assert results[0].message and "course_url" in results[0].message


async def test_upsert_courses_failed_task_raises(
    kombo: KomboConnector, backend: KomboBackend
) -> None:
    backend.bulk_task_seconds = 0
    with pytest.raises(BadRequestError) as info:
        await kombo.upsert_courses([external("twice"), external("twice")], poll_interval=0)
    assert info.value.code == "PLATFORM.INPUT_INVALID"
    assert "failed" in info.value.message and "more than once" in info.value.message


async def test_upsert_courses_invalid_item_refused(kombo: KomboConnector) -> None:
    wrong = ExternalCourse(origin_id="o", title="T", url="https://x.example", duration_minutes=0)
    with pytest.raises(BadRequestError) as info:
        await kombo.upsert_courses([wrong], poll_interval=0)
    assert info.value.code == "PLATFORM.INPUT_INVALID"
    assert "duration" in info.value.message


async def test_deactivate_course_makes_revisions_inactive(kombo: KomboConnector) -> None:
    revision = await anext(c async for c in kombo.list_courses() if c.status == "active")
    course_id = revision.remote_data["course_id"]
    current = await kombo.deactivate_course(course_id)
    assert current.remote_data["course_id"] == course_id
    assert current.status == "inactive"
    listed = [c async for c in kombo.list_courses(kombo_course_ids=[course_id])]
    assert {c.status for c in listed} == {"inactive"}


async def test_deactivate_course_then_enroll_refused(kombo: KomboConnector) -> None:
    user, course = await free_pair(kombo)
    await kombo.deactivate_course(course.remote_data["course_id"])
    with pytest.raises(BadRequestError, match="inactive"):
        await kombo.enroll(user_id=user.id, course_id=course.id)


async def test_deactivate_unknown_course_raises_not_found(kombo: KomboConnector) -> None:
    with pytest.raises(NotFoundError) as info:
        await kombo.deactivate_course("no-such-course")
    assert info.value.code == "PLATFORM.INPUT_INVALID"


# -- credentials and limits --------------------------------------------------------------------


async def test_wrong_key_raises_authentication_error(
    sandbox_app: Starlette, credentials: dict[str, str]
) -> None:
    async with in_process_client(sandbox_app) as client:
        kombo = build(client, credentials, api_key="not-the-key")
        with pytest.raises(AuthenticationError) as info:
            await anext(aiter(kombo.list_users()))
    assert info.value.status == 401
    assert info.value.code == "PLATFORM.AUTHENTICATION_INVALID"
    assert info.value.message == "The API key is invalid."
    assert "not-the-key" not in str(info.value)


async def test_unknown_integration_raises_not_found(
    sandbox_app: Starlette, credentials: dict[str, str]
) -> None:
    async with in_process_client(sandbox_app) as client:
        kombo = build(client, credentials, integration_id="sandbox:nope")
        with pytest.raises(NotFoundError) as info:
            await anext(aiter(kombo.list_courses()))
    assert info.value.code == "PLATFORM.INTEGRATION_NOT_FOUND"
    assert "sandbox:nope" in info.value.message


async def test_enroll_concurrency_limit_retried(
    sandbox_app: Starlette, credentials: dict[str, str], backend: KomboBackend
) -> None:
    statuses: list[int] = []

    async def free_slots_after_refusal(response: httpx.Response) -> None:
        if response.request.method == "POST":
            statuses.append(response.status_code)
            backend.in_flight.clear()

    async with hooked_client(sandbox_app, free_slots_after_refusal) as client:
        kombo = build(client, credentials, backoff_base=0)
        user, course = await free_pair(kombo)
        backend.in_flight[credentials["integration_id"]] = backend.max_concurrent_actions
        enrollment = await kombo.enroll(user_id=user.id, course_id=course.id)
    assert enrollment.status is EnrollmentStatus.ENROLLED
    assert statuses == [429, 200]


async def test_enroll_concurrency_limit_raises_rate_limit_error(
    sandbox_app: Starlette, credentials: dict[str, str], backend: KomboBackend
) -> None:
    backend.max_concurrent_actions = 0
    async with in_process_client(sandbox_app) as client:
        kombo = build(client, credentials, max_retries=2, backoff_base=0)
        user, course = await free_pair(kombo)
        with pytest.raises(RateLimitError) as info:
            await kombo.enroll(user_id=user.id, course_id=course.id)
    assert info.value.status == 429
    assert info.value.code == "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED"
    assert "in flight" in info.value.message


async def test_enroll_31st_concurrent_action_at_default_limit_raises_rate_limit_error(
    sandbox_app: Starlette, credentials: dict[str, str], backend: KomboBackend
) -> None:
    limit = backend.max_concurrent_actions
    assert limit == 30  # Kombo's documented limit, left at its default
    async with in_process_client(sandbox_app) as client:
        kombo = build(client, credentials, max_retries=0)
        user, course = await free_pair(kombo)
        async with held_actions(client, credentials, limit) as in_flight:
            assert backend.in_flight == {credentials["integration_id"]: limit}
            with pytest.raises(RateLimitError) as info:
                await kombo.enroll(user_id=user.id, course_id=course.id)
        assert [a.status_code for a in await in_flight] == [404] * limit
        assert backend.in_flight == {}
        enrollment = await kombo.enroll(user_id=user.id, course_id=course.id)
    assert (info.value.status, info.value.code) == (429, "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED")
    assert "30" in info.value.message
    assert enrollment.status is EnrollmentStatus.ENROLLED


async def test_enroll_31st_concurrent_action_retried_once_slots_free(
    sandbox_app: Starlette, credentials: dict[str, str], backend: KomboBackend
) -> None:
    statuses: list[int] = []
    release = asyncio.Event()
    held: list[Awaitable[list[httpx.Response]]] = []

    async def finish_held_actions_after_refusal(response: httpx.Response) -> None:
        request = response.request
        if request.method == "POST" and request.url.path.endswith("/lms/course-progressions"):
            statuses.append(response.status_code)
            if response.status_code == 429:
                release.set()
                await held[0]  # every held action has answered: no slot is taken

    async with (
        in_process_client(sandbox_app) as raw,
        hooked_client(sandbox_app, finish_held_actions_after_refusal) as client,
    ):
        kombo = build(client, credentials, backoff_base=0)
        user, course = await free_pair(kombo)
        async with held_actions(
            raw, credentials, backend.max_concurrent_actions, release
        ) as in_flight:
            held.append(in_flight)
            enrollment = await kombo.enroll(user_id=user.id, course_id=course.id)
    assert statuses == [429, 200]
    assert enrollment.status is EnrollmentStatus.ENROLLED
    assert backend.in_flight == {}


async def test_sandbox_connection_builds_kombo_connector(connections: list[Connection]) -> None:
    (connection,) = [c for c in connections if c.vendor == "kombo"]
    assert connection.base_url.endswith("/kombo/v1")
    assert set(connection.secrets) == {"api_key", "integration_id"}
    connector = connection.connector()
    try:
        assert isinstance(connector, KomboConnector)
    finally:
        await connector.aclose()
