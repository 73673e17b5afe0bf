"""The operations layer against every vendor of the in-process sandbox.

Each scenario asserts the final state read back from the vendor (a fresh view), not the
operation's own report."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from core.capabilities import EnrollOption
from core.connections import Connection
from core.connector import Connector
from core.connectors import connector_class
from core.models import Course, EnrollmentStatus, User
from core.operations import (
    Action,
    Journal,
    Outcome,
    Request,
    Verdict,
    execute,
    plan,
)
from core.reconcile import DifferenceKind, reconcile
from core.view import LocalView
from tests.conftest import in_process_client

VENDORS = ["docebo", "kombo", "ispring", "lms365"]
#: the vendors whose connector enrolls several learners with one call (``enroll_batch_size``)
BATCH_VENDORS = [v for v in VENDORS if connector_class(v).enroll_batch_size]
IN_PROCESS = "http://sandbox.test"

#: each vendor's enroll call (Docebo's single call and its batch call, which bulk uses for
#: learners of one course)
WRITE_PATHS = {
    "docebo": "/learn/v1/enrollments*",
    "kombo": "/lms/course-progressions",
    "ispring": "/enrollment",
    "lms365": "/odata/v2/Courses(*)/Enroll",
}


@dataclass
class Tenant:
    name: str
    connector: Connector
    view: LocalView

    async def fresh(self) -> LocalView:
        """The vendor's state now, read anew."""
        return await LocalView.load(self.connector)

    def free_pair(self, skip: int = 0) -> tuple[User, Course]:
        """A user and course not enrolled together (a course without sessions)."""
        found = 0
        for course in sorted(self.view.courses.values(), key=lambda c: c.id):
            if course.type and course.type.lower() in {"classroom", "webinar"}:
                continue
            if (course.status or "").upper() == "INACTIVE":
                continue
            for user in sorted(self.view.users.values(), key=lambda u: u.id):
                if self.view.enrollment_of(user.id, course.id) is None and user.emails:
                    if found == skip:
                        return user, course
                    found += 1
        raise AssertionError("no free pair")

    def free_learners(self, course: Course, count: int) -> list[User]:
        """``count`` users not enrolled in ``course``."""
        view = self.view
        return [u for u in view.users.values() if view.enrollment_of(u.id, course.id) is None][
            :count
        ]

    def free_pairs_in_distinct_courses(self, count: int) -> list[tuple[User, Course]]:
        pairs: list[tuple[User, Course]] = []
        skip = 0
        while len(pairs) < count:
            user, course = self.free_pair(skip)
            skip += 1
            if all(course.id != c.id for _, c in pairs):
                pairs.append((user, course))
        return pairs

    def enrolled_pair(self) -> tuple[str, str]:
        for enrollment in sorted(self.view.enrollments.values(), key=lambda e: e.id):
            if enrollment.status not in (EnrollmentStatus.WITHDRAWN,):
                return enrollment.user.id, enrollment.course.id
        raise AssertionError("no enrolled pair")


async def open_tenant(app: Starlette, connection: Connection) -> AsyncGenerator[Tenant]:
    async with in_process_client(app) as client, connection.connector(http_client=client) as c:
        yield Tenant(connection.name, c, await LocalView.load(c))


@pytest.fixture(params=VENDORS)
async def tenant(
    request: pytest.FixtureRequest, sandbox_app: Starlette, connections: list[Connection]
) -> AsyncIterator[Tenant]:
    (connection,) = [c for c in connections if c.vendor == request.param]
    async for tenant in open_tenant(sandbox_app, connection):
        yield tenant


def enroll(user: str, course: str, **options: object) -> Request:
    return Request(Action.ENROLL, user, course, {EnrollOption(k): v for k, v in options.items()})


async def run(tenant: Tenant, requests: list[Request], **kwargs: object) -> list[Outcome]:
    made = plan(tenant.name, tenant.connector, tenant.view, requests)
    reports = await execute(made, tenant.connector, tenant.view, **kwargs)  # type: ignore[arg-type]
    return [report.outcome for report in reports]


async def test_enroll_creates_then_enrolling_again_says_already(tenant: Tenant) -> None:
    user, course = tenant.free_pair()
    email = user.primary_email
    assert email is not None
    assert await run(tenant, [enroll(email, course.id)]) == [Outcome.CREATED]
    assert await run(tenant, [enroll(email, course.id)]) == [Outcome.ALREADY_ENROLLED]
    # a stale view (loaded before the enroll) still never makes a duplicate
    stale = await tenant.fresh()
    stale.remove(user.id, course.id)
    made = plan(tenant.name, tenant.connector, stale, [enroll(user.id, course.id)])
    assert made.items[0].verdict is Verdict.CREATE
    (report,) = await execute(made, tenant.connector, stale)
    assert report.outcome in (Outcome.ALREADY_ENROLLED, Outcome.CREATED)
    after = await tenant.fresh()
    pairs = [
        e for e in after.enrollments.values() if (e.user.id, e.course.id) == (user.id, course.id)
    ]
    assert len(pairs) == 1


async def test_unenroll_removes_or_says_not_supported(tenant: Tenant) -> None:
    user_id, course_id = tenant.enrolled_pair()
    outcomes = await run(tenant, [Request(Action.UNENROLL, user_id, course_id)])
    after = await tenant.fresh()
    if tenant.view.vendor == "kombo":
        assert outcomes == [Outcome.INVALID]
        made = plan(
            tenant.name,
            tenant.connector,
            tenant.view,
            [Request(Action.UNENROLL, user_id, course_id)],
        )
        assert made.items[0].reason == "unenroll is not supported by Kombo"
        assert after.enrollment_of(user_id, course_id) is not None
    else:
        assert outcomes == [Outcome.REMOVED]
        assert after.enrollment_of(user_id, course_id) is None
        again = await run(tenant, [Request(Action.UNENROLL, user_id, course_id)])
        assert again == [Outcome.NOT_ENROLLED]


async def test_bulk_mixed_rows_plan_then_execute(tenant: Tenant) -> None:
    (u1, c1), (u2, c2) = tenant.free_pair(0), tenant.free_pair(1)
    existing_user, existing_course = tenant.enrolled_pair()
    requests = [
        enroll(u1.id, c1.id),
        enroll(u2.primary_email or u2.id, c2.id),
        enroll(existing_user, existing_course),
        enroll("nobody@nowhere.invalid", c1.id),
        enroll(u1.id, "no-such-course"),
        enroll(u1.id, c1.id),  # the same row again
    ]
    made = plan(tenant.name, tenant.connector, tenant.view, requests)
    assert [i.verdict for i in made.items] == [
        Verdict.CREATE,
        Verdict.CREATE,
        Verdict.EXISTS,
        Verdict.INVALID,
        Verdict.INVALID,
        Verdict.INVALID,
    ]
    assert made.items[3].reason == "unknown user 'nobody@nowhere.invalid'"
    assert made.items[4].reason == "unknown course 'no-such-course'"
    reports = await execute(made, tenant.connector, tenant.view, concurrency=4)
    assert [r.outcome for r in reports] == [
        Outcome.CREATED,
        Outcome.CREATED,
        Outcome.ALREADY_ENROLLED,
        Outcome.INVALID,
        Outcome.INVALID,
        Outcome.INVALID,
    ]
    after = await tenant.fresh()
    assert after.enrollment_of(u1.id, c1.id) is not None
    assert after.enrollment_of(u2.id, c2.id) is not None


async def test_unsupported_option_is_invalid_before_any_call(tenant: Tenant) -> None:
    user, course = tenant.free_pair()
    supported = tenant.connector.capabilities.enroll_options
    missing = [o for o in EnrollOption if o not in supported]
    assert missing, "every vendor lacks some option"
    request = Request(Action.ENROLL, user.id, course.id, {missing[0]: "x"})
    made = plan(tenant.name, tenant.connector, tenant.view, [request])
    assert made.items[0].verdict is Verdict.INVALID
    assert "is not supported by" in (made.items[0].reason or "")
    await execute(made, tenant.connector, tenant.view)
    assert (await tenant.fresh()).enrollment_of(user.id, course.id) is None


@pytest.mark.parametrize("vendor", VENDORS)
async def test_interrupted_run_resumes_and_does_each_pair_once(
    vendor: str, sandbox_app: Starlette, connections: list[Connection], tmp_path: Path
) -> None:
    """A run cancelled (as Ctrl-C does) while its third write waits on the network; one more
    pair lands at the vendor unjournaled (as when killed between the answer and the journal).
    Run again: the journal's items are not sent again and every pair ends enrolled once."""
    (connection,) = [c for c in connections if c.vendor == vendor]
    inner = httpx.ASGITransport(app=sandbox_app)
    writes = 0
    third_write_waiting = asyncio.Event()
    never = asyncio.Event()

    class HangsOnThirdWrite(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal writes
            if request.method == "POST" and fnmatch(request.url.path, "*" + WRITE_PATHS[vendor]):
                writes += 1
                if writes == 3:
                    third_write_waiting.set()
                    await never.wait()  # the network hangs; the run is cancelled here
            return await inner.handle_async_request(request)

    async with (
        httpx.AsyncClient(transport=HangsOnThirdWrite(), base_url=IN_PROCESS) as client,
        connection.connector(http_client=client) as connector,
    ):
        tenant = Tenant(connection.name, connector, await LocalView.load(connector))
        pairs = tenant.free_pairs_in_distinct_courses(5)
        requests = [enroll(u.id, c.id) for u, c in pairs]
        made = plan(tenant.name, connector, tenant.view, requests)
        journal = Journal.for_plan(tmp_path, made)
        first = asyncio.ensure_future(
            execute(made, connector, tenant.view, concurrency=1, journal=Journal(journal.path))
        )
        await third_write_waiting.wait()
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        assert len(Journal(journal.path).done) == 2
        u4, c4 = pairs[3]
        await connector.enroll(user_id=u4.id, course_id=c4.id)

        view = await tenant.fresh()
        resumed = plan(tenant.name, connector, view, requests)
        assert resumed.run_id == made.run_id
        reports = await execute(resumed, connector, view, journal=Journal(journal.path))
        assert [r.resumed for r in reports] == [True, True, False, False, False]
        assert [r.outcome for r in reports] == [
            Outcome.CREATED,
            Outcome.CREATED,
            Outcome.CREATED,
            Outcome.ALREADY_ENROLLED,
            Outcome.CREATED,
        ]
        assert not journal.path.exists()  # nothing failed: nothing left to resume
        after = await tenant.fresh()
        for u, c in pairs:
            matches = [
                e for e in after.enrollments.values() if (e.user.id, e.course.id) == (u.id, c.id)
            ]
            assert len(matches) == 1


async def test_journal_ignores_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(b'{"key": "a", "outcome": "created"}\n{"key": "b", "outc')
    journal = Journal(path)
    assert list(journal.done) == ["a"]


async def test_lost_answer_is_looked_up_not_sent_twice(
    sandbox_app: Starlette, connections: list[Connection]
) -> None:
    """The vendor enrolls but the answer is lost (the connection drops after the request went
    through): the operation looks the pair up and reports it created, with one enrollment."""
    (connection,) = [c for c in connections if c.vendor == "docebo"]
    inner = httpx.ASGITransport(app=sandbox_app)
    sent: list[str] = []

    class LosesEnrollAnswers(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await inner.handle_async_request(request)
            if request.method == "POST" and "/learn/v1/enrollments/" in request.url.path:
                sent.append(request.url.path)
                raise httpx.ReadTimeout("lost", request=request)
            return response

    async with (
        httpx.AsyncClient(transport=LosesEnrollAnswers(), base_url="http://sandbox.test") as client,
        connection.connector(http_client=client) as connector,
    ):
        tenant = Tenant(connection.name, connector, await LocalView.load(connector))
        user, course = tenant.free_pair()
        assert await run(tenant, [enroll(user.id, course.id)]) == [Outcome.CREATED]
        assert len(sent) == 1
        after = await tenant.fresh()
        assert after.enrollment_of(user.id, course.id) is not None


def unmatched_pair(a: Tenant, b: Tenant) -> tuple[User, Course]:
    """A person and a course both sides know, enrolled together on neither."""
    for skip in range(500):
        user, course = a.free_pair(skip)
        email = (user.primary_email or "").casefold()
        b_users = [
            u for u in b.view.users.values() if email in {e.email.casefold() for e in u.emails}
        ]
        b_courses = [c for c in b.view.courses.values() if c.title == course.title]
        if (
            len(b_users) == 1
            and len(b_courses) == 1
            and b.view.enrollment_of(b_users[0].id, b_courses[0].id) is None
        ):
            return user, course
    raise AssertionError("no pair unenrolled on both sides")


async def test_reconcile_finds_differences_between_vendors(
    sandbox_app: Starlette, connections: list[Connection]
) -> None:
    by_vendor = {c.vendor: c for c in connections}
    tenants = [open_tenant(sandbox_app, by_vendor[v]) for v in ("docebo", "lms365")]
    a = await anext(tenants[0])
    b = await anext(tenants[1])
    try:
        before = reconcile(a.view, b.view)
        assert before.matched_people > 100 and before.matched_courses > 10
        user, course = unmatched_pair(a, b)
        assert await run(a, [enroll(user.id, course.id)]) == [Outcome.CREATED]
        after = reconcile(a.view, b.view)
        email = (user.primary_email or "").casefold()
        added = [
            d
            for d in after.differences
            if d.kind is DifferenceKind.MISSING_IN_B
            and d.email == email
            and d.course == course.title
        ]
        assert len(added) == 1
        assert len(after.differences) == len(before.differences) + 1
    finally:
        for generator in tenants:
            await generator.aclose()


@pytest.mark.parametrize("vendor", VENDORS)
async def test_rate_limited_vendor_run_waits_and_finishes(
    vendor: str, sandbox_app: Starlette, connections: list[Connection]
) -> None:
    """The vendor answers 429 with Retry-After more often than the connector retries: the run
    pauses as told and still enrolls every pair, once."""
    (connection,) = [c for c in connections if c.vendor == vendor]
    async with in_process_client(sandbox_app) as client:
        rule = {
            "vendor": vendor,
            "path": WRITE_PATHS[vendor],
            "methods": ["POST"],
            "status": 429,
            "retry_after": 1,
            "count": 3,
        }
        answer = await client.post("/_sandbox/faults", json=rule)
        assert answer.status_code == 201, answer.text
        async with connection.connector(http_client=client, max_retries=1) as connector:
            tenant = Tenant(connection.name, connector, await LocalView.load(connector))
            pairs = [tenant.free_pair(i) for i in range(3)]
            outcomes = await run(tenant, [enroll(u.id, c.id) for u, c in pairs], concurrency=1)
            assert outcomes == [Outcome.CREATED] * 3
            after = await tenant.fresh()
            for u, c in pairs:
                assert after.enrollment_of(u.id, c.id) is not None
        faults = (await client.get("/_sandbox/faults")).json()["faults"]
        assert faults[0]["fired"] == 3


async def test_ispring_bulk_enrolls_a_course_with_one_call(
    sandbox_app: Starlette, connections: list[Connection]
) -> None:
    (connection,) = [c for c in connections if c.vendor == "ispring"]
    inner = httpx.ASGITransport(app=sandbox_app)
    posts: list[str] = []

    class Counting(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "POST" and request.url.path.endswith("/enrollment"):
                posts.append(request.url.path)
            return await inner.handle_async_request(request)

    async with (
        httpx.AsyncClient(transport=Counting(), base_url="http://sandbox.test") as client,
        connection.connector(http_client=client) as connector,
    ):
        tenant = Tenant(connection.name, connector, await LocalView.load(connector))
        _, course = tenant.free_pair()
        users = tenant.free_learners(course, 12)
        requests = [enroll(u.id, course.id, due_at="2027-02-01") for u in users]
        outcomes = await run(tenant, requests)
        assert outcomes == [Outcome.CREATED] * 12
        assert len(posts) == 1
        after = await tenant.fresh()
        for user in users:
            enrollment = after.enrollment_of(user.id, course.id)
            assert enrollment is not None and enrollment.due_at is not None
            assert enrollment.due_at.date().isoformat() == "2027-02-01"


async def test_docebo_bulk_enrolls_a_course_with_one_call_and_one_listing(
    sandbox_app: Starlette, connections: list[Connection]
) -> None:
    (connection,) = [c for c in connections if c.vendor == "docebo"]
    inner = httpx.ASGITransport(app=sandbox_app)
    sent: list[tuple[str, str]] = []

    class Counting(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent.append((request.method, request.url.path))
            return await inner.handle_async_request(request)

    async with (
        httpx.AsyncClient(transport=Counting(), base_url=IN_PROCESS) as client,
        connection.connector(http_client=client) as connector,
    ):
        tenant = Tenant(connection.name, connector, await LocalView.load(connector))
        _, course = tenant.free_pair()
        users = tenant.free_learners(course, 12)
        sent.clear()
        outcomes = await run(tenant, [enroll(u.id, course.id, level="tutor") for u in users])
        assert outcomes == [Outcome.CREATED] * 12
        assert sent == [
            ("POST", "/docebo/learn/v1/enrollments"),
            ("GET", "/docebo/course/v1/courses/enrollments"),
        ]
        after = await tenant.fresh()
        for user in users:
            enrollment = after.enrollment_of(user.id, course.id)
            assert enrollment is not None
            assert enrollment.remote_data["enrollment_level"] == "tutor"
            assert tenant.view.enrollment_of(user.id, course.id) == enrollment


@pytest.mark.parametrize("tenant", BATCH_VENDORS, indirect=True)
async def test_bulk_learner_refused_in_the_batch_gets_its_own_answer(tenant: Tenant) -> None:
    """One learner of a course's batch was enrolled behind the view's back: the others are
    created; that one gets the answer its own enroll gets (Docebo: already enrolled)."""
    _, course = tenant.free_pair()
    users = tenant.free_learners(course, 4)
    await tenant.connector.enroll(user_id=users[2].id, course_id=course.id)
    outcomes = await run(tenant, [enroll(u.id, course.id) for u in users])
    expected = Outcome.ALREADY_ENROLLED if tenant.connector.vendor == "docebo" else Outcome.CREATED
    assert outcomes == [Outcome.CREATED, Outcome.CREATED, expected, Outcome.CREATED]
    after = await tenant.fresh()
    for user in users:
        assert after.enrollment_of(user.id, course.id) is not None
