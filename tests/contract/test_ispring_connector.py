"""The real iSpring Learn connector against the real sandbox, in process (no network), in JSON
and in XML. Time moves only through the sandbox's clock: nothing here sleeps."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from core.capabilities import EnrollOption
from core.connections import Connection
from core.connectors.ispring import ISpringConnector
from core.connectors.ispring.client import MAX_QUERY_IDS, Format
from core.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)
from core.models import Enrollment, EnrollmentStatus
from sandbox.app import Sandbox, sandbox_credentials, sandbox_of
from sandbox.vendors.ispring import ISpringBackend
from tests.conftest import IN_PROCESS_URL, in_process_client

BASE = "/ispring"
ACCESS = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
RequestHook = Callable[[httpx.Request], Awaitable[None]]


@pytest.fixture
def sandbox(sandbox_app: Starlette) -> Sandbox:
    return sandbox_of(sandbox_app)


@pytest.fixture
def backend(sandbox: Sandbox) -> ISpringBackend:
    vendor = sandbox.vendors["ispring"]
    assert isinstance(vendor, ISpringBackend)
    return vendor


@pytest.fixture
def credentials(sandbox_app: Starlette) -> dict[str, str]:
    return sandbox_credentials(sandbox_app, IN_PROCESS_URL)["ispring"]


@pytest.fixture(params=["json", "xml"])
def fmt(request: pytest.FixtureRequest) -> Format:
    value: Format = request.param
    return value


class Requests:
    """Every request a client sent, as (method, path)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, request: httpx.Request) -> None:
        self.seen.append((request.method, request.url.path))

    def count(self, method: str, path: str) -> int:
        return self.seen.count((method, BASE + path))


def hooked_client(app: Starlette, hook: RequestHook) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=IN_PROCESS_URL,
        event_hooks={"request": [hook]},
    )


def build(
    client: httpx.AsyncClient,
    credentials: dict[str, str],
    *,
    department: bool = False,
    **options: Any,
) -> ISpringConnector:
    prefix = "department_" if department else ""
    return ISpringConnector(
        base_url=credentials["base_url"],
        client_id=options.pop("client_id", credentials[f"{prefix}client_id"]),
        client_secret=options.pop("client_secret", credentials[f"{prefix}client_secret"]),
        http_client=client,
        **options,
    )


@pytest.fixture
async def ispring(
    sandbox_app: Starlette, credentials: dict[str, str], fmt: Format
) -> AsyncIterator[ISpringConnector]:
    """The account administrator's connector, in the format of the test's parameter."""
    async with (
        in_process_client(sandbox_app) as client,
        build(client, credentials, format=fmt) as c,
    ):
        yield c


@pytest.fixture
async def department(
    sandbox_app: Starlette, credentials: dict[str, str], fmt: Format
) -> AsyncIterator[ISpringConnector]:
    """The department administrator's connector: their credentials as the client's."""
    async with (
        in_process_client(sandbox_app) as client,
        build(client, credentials, department=True, format=fmt) as c,
    ):
        yield c


@pytest.fixture
async def raw(
    sandbox_app: Starlette, credentials: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    """The raw API as the account administrator, in JSON, to check the connector against."""
    async with in_process_client(sandbox_app) as client:
        answer = await client.post(
            f"{BASE}/api/v3/token",
            data={
                "client_id": credentials["client_id"],
                "client_secret": credentials["client_secret"],
                "grant_type": "client_credentials",
            },
            headers={"Accept": "application/json"},
        )
        token = answer.json()["access_token"]
        client.headers.update({"Accept": "application/json", "Authorization": f"Bearer {token}"})
        yield client


async def raw_enrollments(raw: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await raw.get(f"{BASE}/enrollment", params=params)).json()[
        "enrollments"
    ]
    return found


async def free_pairs(
    raw: httpx.AsyncClient, courses: int, learners: int, *, users: list[str] | None = None
) -> tuple[list[str], list[str]]:
    """Courses and active learners (from ``users`` when given) with no enrollment between any
    of them."""
    taken = {(e["courseId"], e["learnerId"]) for e in await raw_enrollments(raw)}
    content = (await raw.get(f"{BASE}/content", params={"contentTypes": "Course"})).json()
    if users is None:
        profiles = (await raw.get(f"{BASE}/user/v2")).json()
        users = [u["userId"] for u in profiles if u["status"] == 1]
    chosen_learners = users[:learners]
    chosen_courses = [
        item["contentItemId"]
        for item in content
        if all((item["contentItemId"], learner) not in taken for learner in chosen_learners)
    ][:courses]
    assert len(chosen_courses) == courses and len(chosen_learners) == learners
    return chosen_courses, chosen_learners


async def all_enrollments(connector: ISpringConnector, **filters: Any) -> list[Enrollment]:
    return [e async for e in connector.list_enrollments(**filters)]


# -- listing -----------------------------------------------------------------------------------


async def test_list_users_returns_every_user_once(
    ispring: ISpringConnector, raw: httpx.AsyncClient
) -> None:
    users = [u async for u in ispring.list_users()]
    profiles = (await raw.get(f"{BASE}/user/v2")).json()
    assert len(users) == len(profiles) > 100
    assert len({u.id for u in users}) == len(users)
    assert Counter(u.status for u in users) == Counter(
        {1: "active", 3: "inactive", 5: "terminated"}[p["status"]] for p in profiles
    )
    assert all(u.vendor == "ispring" and u.primary_email and u.username for u in users)


async def test_list_courses_returns_every_content_item_once(
    ispring: ISpringConnector, raw: httpx.AsyncClient
) -> None:
    courses = [c async for c in ispring.list_courses()]
    items = (await raw.get(f"{BASE}/content")).json()
    assert len(courses) == len(items) > 10
    assert len({c.id for c in courses}) == len(courses)
    assert {c.type for c in courses} == {"Course", "LearningTrack"}
    assert all(c.remote_data["contentItemType"] == c.remote_data["type"] == c.type for c in courses)


async def test_list_courses_filter_by_content_type(ispring: ISpringConnector) -> None:
    tracks = [c async for c in ispring.list_courses(content_types=["LearningTrack"])]
    assert tracks and {c.type for c in tracks} == {"LearningTrack"}


async def test_list_enrollments_returns_every_enrollment_once_with_its_result(
    ispring: ISpringConnector, raw: httpx.AsyncClient
) -> None:
    enrollments = await all_enrollments(ispring)
    assert len(enrollments) == len(await raw_enrollments(raw)) > 1000
    assert len({e.id for e in enrollments}) == len(enrollments)
    assert all(e.remote_data["result"] is not None for e in enrollments)
    statuses = {e.status for e in enrollments}
    assert EnrollmentStatus.UNKNOWN not in statuses
    assert {
        EnrollmentStatus.ENROLLED,
        EnrollmentStatus.IN_PROGRESS,
        EnrollmentStatus.COMPLETED,
        EnrollmentStatus.PASSED,
        EnrollmentStatus.FAILED,
        EnrollmentStatus.OVERDUE,
    } == statuses
    assert all(e.course.title for e in enrollments)


async def test_list_enrollments_reads_each_list_once(
    sandbox_app: Starlette, credentials: dict[str, str], raw: httpx.AsyncClient
) -> None:
    requests = Requests()
    async with hooked_client(sandbox_app, requests) as client:
        enrollments = await all_enrollments(build(client, credentials))
    pages = math.ceil(len(enrollments) / 1000)
    assert requests.count("GET", "/enrollments") == pages
    assert requests.count("GET", "/learners/results") == pages
    assert len(requests.seen) == 2 * pages + 1  # and one token


async def test_list_enrollments_in_xml_equals_json(
    sandbox_app: Starlette, credentials: dict[str, str]
) -> None:
    async with in_process_client(sandbox_app) as client:
        as_json = build(client, credentials)
        as_xml = build(client, credentials, format="xml")
        assert await all_enrollments(as_xml) == await all_enrollments(as_json)
        assert [u async for u in as_xml.list_users()] == [u async for u in as_json.list_users()]
        assert [c async for c in as_xml.list_courses()] == [c async for c in as_json.list_courses()]


async def test_list_enrollments_small_pages_match_large(
    sandbox_app: Starlette, credentials: dict[str, str], fmt: Format
) -> None:
    async with in_process_client(sandbox_app) as client:
        small = build(client, credentials, page_size=97, format=fmt)
        large = build(client, credentials, format=fmt)
        assert await all_enrollments(small) == await all_enrollments(large)


async def test_list_users_small_pages_match_large(
    sandbox_app: Starlette, credentials: dict[str, str], fmt: Format
) -> None:
    async with in_process_client(sandbox_app) as client:
        small = build(client, credentials, page_size=7, format=fmt)
        large = build(client, credentials, format=fmt)
        assert [u.id async for u in small.list_users()] == [u.id async for u in large.list_users()]
        assert [c.id async for c in small.list_courses()] == [
            c.id async for c in large.list_courses()
        ]


async def test_list_enrollments_filters_match_the_full_listing(ispring: ISpringConnector) -> None:
    everything = await all_enrollments(ispring)
    someone = everything[0]
    mine = await all_enrollments(ispring, user_ids=[someone.user.id])
    assert mine == [e for e in everything if e.user.id == someone.user.id]
    course = await all_enrollments(ispring, course_ids=[someone.course.id])
    assert course == [e for e in everything if e.course.id == someone.course.id]
    wanted = [EnrollmentStatus.PASSED, EnrollmentStatus.OVERDUE]
    chosen = await all_enrollments(ispring, statuses=wanted)
    assert chosen == [e for e in everything if e.status in wanted]
    by_id = await all_enrollments(ispring, enrollment_ids=[someone.id])
    assert by_id == [someone]


async def test_list_enrollments_many_user_ids_match_the_full_listing(
    ispring: ISpringConnector,
) -> None:
    everything = await all_enrollments(ispring)
    users = sorted({e.user.id for e in everything})[:60]
    found = await all_enrollments(ispring, user_ids=users)
    assert found == [e for e in everything if e.user.id in set(users)]


async def test_get_enrollment_unknown_raises_not_found(ispring: ISpringConnector) -> None:
    unknown = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    with pytest.raises(NotFoundError) as info:
        await ispring.get_enrollment(unknown)
    assert info.value.code == "404" and unknown in info.value.message


# -- enrolling ---------------------------------------------------------------------------------


async def test_enroll_one_pair_returns_the_new_enrollment(
    ispring: ISpringConnector, raw: httpx.AsyncClient
) -> None:
    (course,), (learner,) = await free_pairs(raw, 1, 1)
    due = date(2027, 3, 1)
    enrollment = await ispring.enroll(
        user_id=learner,
        course_id=course,
        options={EnrollOption.VALID_FROM: ACCESS, EnrollOption.DUE_AT: due},
    )
    assert (enrollment.user.id, enrollment.course.id) == (learner, course)
    assert enrollment.status is EnrollmentStatus.ENROLLED
    assert enrollment.progress_percent == 0 and enrollment.time_spent_seconds == 0
    assert enrollment.course.title
    assert enrollment.enrolled_at == ACCESS
    assert enrollment.due_at == datetime(2027, 3, 1, 23, 59, 59, tzinfo=UTC)
    (stored,) = await raw_enrollments(raw, **{"courseIds[]": course, "learnerIds[]": learner})
    assert stored["enrollmentId"] == enrollment.id
    assert enrollment.remote_data["enrollment"] == stored


async def test_enroll_many_two_by_two_sends_one_post(
    sandbox_app: Starlette, credentials: dict[str, str], raw: httpx.AsyncClient, fmt: Format
) -> None:
    courses, learners = await free_pairs(raw, 2, 2)
    before = len(await raw_enrollments(raw))
    requests = Requests()
    async with hooked_client(sandbox_app, requests) as client:
        ispring = build(client, credentials, format=fmt)
        enrollments = await ispring.enroll_many(learners, courses, due_date_type="unlimited")
    assert requests.count("POST", "/enrollment") == 1
    assert [m for m, p in requests.seen if m == "POST"] == ["POST", "POST"]  # and the token
    assert [(e.course.id, e.user.id) for e in enrollments] == [
        (course, learner) for course in courses for learner in learners
    ]
    assert all(e.status is EnrollmentStatus.ENROLLED and e.due_at is None for e in enrollments)
    assert len(await raw_enrollments(raw)) == before + 4


@pytest.mark.parametrize(
    ("arguments", "expected_due"),
    [
        ({"due_date_type": "unlimited"}, None),
        (
            {"due_date_type": "due_date", "due_date": date(2027, 2, 1)},
            datetime(2027, 2, 1, 23, 59, 59, tzinfo=UTC),
        ),
        (
            {"due_date_type": "due_date", "due_date": datetime(2027, 2, 1, 12, 0, tzinfo=UTC)},
            datetime(2027, 2, 1, 12, 0, tzinfo=UTC),
        ),
        ({"due_date_type": "due_period", "due_period_hours": 36}, ACCESS + timedelta(hours=36)),
        ({"due_date_type": "default"}, "the course's default"),
    ],
    ids=["unlimited", "due_date", "due_date-time", "due_period", "default"],
)
async def test_enroll_many_each_due_date_type_sets_the_due_date(
    ispring: ISpringConnector,
    raw: httpx.AsyncClient,
    backend: ISpringBackend,
    arguments: dict[str, Any],
    expected_due: datetime | str | None,
) -> None:
    courses, learners = await free_pairs(raw, 12, 1)
    periods = {
        doc["contentItemId"]: doc["defaultDuePeriod"] for doc in backend.content.docs.values()
    }
    course = next(c for c in courses if periods[c])  # one with a default due period
    if expected_due == "the course's default":
        expected_due = ACCESS + timedelta(hours=periods[course])
    (enrollment,) = await ispring.enroll_many(learners, [course], access_date=ACCESS, **arguments)
    assert enrollment.enrolled_at == ACCESS
    assert enrollment.due_at == expected_due
    assert enrollment.remote_data["enrollment"]["shouldLockAfterDueDate"] is False


async def test_enroll_lock_after_due_sets_the_expiration_date(
    ispring: ISpringConnector, raw: httpx.AsyncClient
) -> None:
    (course,), (learner,) = await free_pairs(raw, 1, 1)
    enrollment = await ispring.enroll(
        user_id=learner,
        course_id=course,
        options={
            EnrollOption.DUE_DATE_TYPE: "due_period",
            EnrollOption.DUE_PERIOD_HOURS: 48,
            EnrollOption.VALID_FROM: ACCESS,
            EnrollOption.LOCK_AFTER_DUE: True,
        },
    )
    assert enrollment.due_at == ACCESS + timedelta(hours=48)
    stored = enrollment.remote_data["enrollment"]
    assert stored["shouldLockAfterDueDate"] is True
    assert stored["expirationDate"] == "2027-01-06"


async def test_enroll_already_enrolled_pair_returns_the_existing_enrollment(
    ispring: ISpringConnector, raw: httpx.AsyncClient
) -> None:
    existing = (await raw_enrollments(raw))[0]
    before = len(await raw_enrollments(raw))
    enrollment = await ispring.enroll(user_id=existing["learnerId"], course_id=existing["courseId"])
    assert enrollment.id == existing["enrollmentId"]
    assert len(await raw_enrollments(raw)) == before


async def test_enroll_due_date_before_access_raises_bad_request(
    ispring: ISpringConnector, raw: httpx.AsyncClient
) -> None:
    (course,), (learner,) = await free_pairs(raw, 1, 1)
    with pytest.raises(BadRequestError) as info:
        await ispring.enroll_many(
            [learner], [course], due_date=date(2026, 12, 1), access_date=ACCESS
        )
    assert (info.value.status, info.value.code) == (400, "400")
    assert info.value.message == "dueDate must not be before accessDate"


async def test_enroll_unknown_learner_raises_not_found(
    ispring: ISpringConnector, raw: httpx.AsyncClient
) -> None:
    (course,), _ = await free_pairs(raw, 1, 1)
    unknown = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    with pytest.raises(NotFoundError) as info:
        await ispring.enroll(user_id=unknown, course_id=course)
    assert info.value.code == "404" and info.value.message == f"User {unknown} not found"


# -- changing, re-enrolling, unenrolling -------------------------------------------------------


async def test_update_enrollment_replaces_the_schedule_and_keeps_progress(
    ispring: ISpringConnector,
) -> None:
    (started,) = [
        e async for e in ispring.list_enrollments(statuses=[EnrollmentStatus.IN_PROGRESS])
    ][:1]
    changed = await ispring.update_enrollment(
        started.id,
        access_date=ACCESS,
        due_date_type="due_date",
        due_date=date(2027, 6, 30),
        lock_after_due_date=True,
    )
    assert changed.id == started.id
    assert changed.enrolled_at == ACCESS
    assert changed.due_at == datetime(2027, 6, 30, 23, 59, 59, tzinfo=UTC)
    assert changed.remote_data["enrollment"]["expirationDate"] == "2027-06-30"
    assert changed.status is EnrollmentStatus.IN_PROGRESS
    assert changed.progress_percent == started.progress_percent
    assert changed.time_spent_seconds == started.time_spent_seconds


async def test_update_enrollment_to_unlimited_removes_the_due_date(
    ispring: ISpringConnector,
) -> None:
    overdue = await anext(aiter(ispring.list_enrollments(statuses=[EnrollmentStatus.OVERDUE])))
    changed = await ispring.update_enrollment(
        overdue.id, access_date=ACCESS, due_date_type="unlimited"
    )
    assert changed.due_at is None
    assert changed.status is not EnrollmentStatus.OVERDUE


async def test_reenroll_restarts_a_finished_enrollment(ispring: ISpringConnector) -> None:
    done = await anext(aiter(ispring.list_enrollments(statuses=[EnrollmentStatus.PASSED])))
    assert done.completed_at is not None and done.score is not None
    again = await ispring.reenroll(done.id, access_date=ACCESS, due_date_type="unlimited")
    assert again.id == done.id
    assert again.status is EnrollmentStatus.ENROLLED
    assert (again.progress_percent, again.time_spent_seconds) == (0, 0)
    assert again.completed_at is None and again.score is None
    assert again.enrolled_at == ACCESS and again.due_at is None


async def test_reenroll_never_started_raises_conflict(
    ispring: ISpringConnector, raw: httpx.AsyncClient
) -> None:
    (course,), (learner,) = await free_pairs(raw, 1, 1)
    fresh = await ispring.enroll(user_id=learner, course_id=course)
    with pytest.raises(ConflictError) as info:
        await ispring.reenroll(fresh.id)
    assert info.value.code == "409"
    assert info.value.message == (
        f"Enrollment {fresh.id} has not been started: nothing to reenroll"
    )


async def test_unenroll_removes_the_enrollment(
    ispring: ISpringConnector, raw: httpx.AsyncClient
) -> None:
    (course,), (learner,) = await free_pairs(raw, 1, 1)
    enrollment = await ispring.enroll(user_id=learner, course_id=course)
    await ispring.unenroll(user_id=learner, course_id=course)
    assert await all_enrollments(ispring, user_ids=[learner], course_ids=[course]) == []
    assert (await raw.get(f"{BASE}/enrollment/{enrollment.id}")).status_code == 404
    with pytest.raises(NotFoundError):
        await ispring.unenroll(user_id=learner, course_id=course)


async def test_delete_enrollments_removes_every_id(
    ispring: ISpringConnector, raw: httpx.AsyncClient
) -> None:
    ids = [e["enrollmentId"] for e in (await raw_enrollments(raw))[:3]]
    await ispring.delete_enrollments(ids)
    assert await all_enrollments(ispring, enrollment_ids=ids) == []


# -- department administrators -----------------------------------------------------------------


async def test_list_users_of_department_admin_covers_only_their_departments(
    ispring: ISpringConnector, department: ISpringConnector
) -> None:
    everyone = {u.id: u async for u in ispring.list_users()}
    theirs = [u async for u in department.list_users()]
    assert 0 < len(theirs) < len(everyone)
    assert {u.id for u in theirs} <= everyone.keys()
    members = {u.id for u in theirs}
    enrollments = await all_enrollments(department)
    assert enrollments and {e.user.id for e in enrollments} <= members
    assert enrollments == [e for e in await all_enrollments(ispring) if e.user.id in members]


async def test_enroll_outside_learner_as_department_admin_raises_permission_denied(
    ispring: ISpringConnector, department: ISpringConnector, raw: httpx.AsyncClient
) -> None:
    everyone = {u.id async for u in ispring.list_users() if u.status == "active"}
    inside = sorted({u.id async for u in department.list_users() if u.status == "active"})
    outside = sorted(everyone - set(inside))
    courses, _ = await free_pairs(raw, 1, 1, users=[inside[0], outside[0]])
    before = len(await raw_enrollments(raw))
    with pytest.raises(PermissionDeniedError) as info:
        await department.enroll_many([inside[0], outside[0]], courses)
    assert (info.value.status, info.value.code) == (403, "403")
    assert info.value.message == (
        f"Learner {outside[0]} does not belong to the departments you manage"
    )
    assert len(await raw_enrollments(raw)) == before
    (enrollment,) = await department.enroll_many([inside[0]], courses)
    assert enrollment.user.id == inside[0]


# -- tokens ------------------------------------------------------------------------------------


async def test_list_users_after_token_expiry_renews_the_token(
    sandbox_app: Starlette, credentials: dict[str, str], fmt: Format
) -> None:
    requests = Requests()
    async with hooked_client(sandbox_app, requests) as client:
        ispring = build(client, credentials, format=fmt)
        first = [u.id async for u in ispring.list_users()]
        sandbox_of(sandbox_app).clock.advance(31 * 60)
        assert [u.id async for u in ispring.list_users()] == first
    assert requests.count("POST", "/api/v3/token") == 2
    assert requests.count("GET", "/users/v2") == 3  # the refused call, tried again once


async def test_list_users_with_wrong_secret_raises_authentication_error(
    sandbox_app: Starlette, credentials: dict[str, str], fmt: Format
) -> None:
    async with in_process_client(sandbox_app) as client:
        ispring = build(client, credentials, client_secret="wrong", format=fmt)
        with pytest.raises(AuthenticationError) as info:
            await anext(aiter(ispring.list_users()))
    assert (info.value.status, info.value.code) == (401, "401")
    assert info.value.message == "sign-in refused: Invalid client credentials"


async def test_sandbox_connection_builds_the_ispring_connector(
    sandbox_app: Starlette, connections: list[Connection]
) -> None:
    (connection,) = [c for c in connections if c.vendor == "ispring"]
    assert connection.name == "sandbox-ispring"
    async with in_process_client(sandbox_app) as client:
        connector = connection.connector(http_client=client, format="xml")
        assert isinstance(connector, ISpringConnector) and connector.format == "xml"
        async with connector:
            assert await anext(aiter(connector.list_users()))


# -- bulk enroll: a batch too big for one URL of ids -------------------------------------------


async def course_and_outsiders(raw: httpx.AsyncClient, count: int) -> tuple[str, list[str]]:
    """A course and ``count`` active learners not enrolled in it."""
    taken = {(e["courseId"], e["learnerId"]) for e in await raw_enrollments(raw)}
    content = (await raw.get(f"{BASE}/content", params={"contentTypes": "Course"})).json()
    course = content[0]["contentItemId"]
    users = [u["userId"] for u in (await raw.get(f"{BASE}/user/v2")).json() if u["status"] == 1]
    outsiders = [u for u in users if (course, u) not in taken][:count]
    assert len(outsiders) == count
    return course, outsiders


async def test_enroll_batch_over_the_url_limit_reads_the_course_results_only(
    sandbox_app: Starlette, credentials: dict[str, str], raw: httpx.AsyncClient, fmt: Format
) -> None:
    """The results are asked for by the course alone (not every result of the tenant), and the
    records are the ones a listing gives."""
    course, learners = await course_and_outsiders(raw, MAX_QUERY_IDS + 10)
    sent: list[httpx.URL] = []

    async def hook(request: httpx.Request) -> None:
        sent.append(request.url)

    async with hooked_client(sandbox_app, hook) as client:
        ispring = build(client, credentials, format=fmt)
        made = await ispring.enroll_batch(user_ids=learners, course_id=course)
        results = [url for url in sent if url.path == BASE + "/learners/results"]
        assert results
        assert all(url.params.get_list("courseIds") == [course] for url in results)
        assert all("userIds" not in url.params for url in results)
        listed = [e async for e in ispring.list_enrollments(user_ids=learners, course_ids=[course])]
    assert [e.user.id for e in made] == learners
    assert sorted(made, key=lambda e: e.id) == sorted(listed, key=lambda e: e.id)
