"""Streaming a listing into messages: batches, completion, failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from textual.message import Message

from core.connections import Connection
from core.connector import Connector
from core.errors import AuthenticationError
from core.models import Course, Enrollment, EnrollmentStatus, User
from tests.tui.fakes import OfflineConnector
from tui.loading import (
    LoadFailed,
    LoadFinished,
    RecordsLoaded,
    SharedConnectors,
    describe_error,
    load,
)
from tui.records import Kind

CONNECTION = Connection(name="fake", vendor="fake", base_url="http://fake.invalid")


class CourseConnector(OfflineConnector):
    def __init__(self, count: int, error: Exception | None = None) -> None:
        super().__init__()
        self.base_url = CONNECTION.base_url
        self.count = count
        self.error = error
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True

    async def list_courses(self) -> AsyncIterator[Course]:
        for i in range(self.count):
            yield Course(id=str(i), vendor="fake", remote_id=str(i), title=f"Course {i}")
        if self.error is not None:
            raise self.error

    def list_users(self) -> AsyncIterator[User]:
        raise NotImplementedError

    def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
    ) -> AsyncIterator[Enrollment]:
        raise NotImplementedError


async def run(connector: CourseConnector, **options: Any) -> list[Message]:
    posted: list[Message] = []
    await load(CONNECTION, Kind.COURSES, 3, lambda c: connector, posted.append, **options)
    return posted


async def test_load_posts_first_rows_at_once_then_batches_then_finished() -> None:
    posted = await run(CourseConnector(250), max_batch=100)
    batches = [m for m in posted if isinstance(m, RecordsLoaded)]
    # the first 64 records go out at once (first paint), then full batches, then the rest
    assert [len(b.records) for b in batches] == [64, 100, 86]
    assert isinstance(posted[-1], LoadFinished)
    assert all(m.generation == 3 and m.kind is Kind.COURSES for m in batches)


async def test_load_batches_carry_rows_and_search_text() -> None:
    (batch, _) = await run(CourseConnector(2))
    assert isinstance(batch, RecordsLoaded)
    assert batch.rows == [("Course 0", "", "", "0"), ("Course 1", "", "", "1")]
    assert batch.search == ["course 0\t\t\t0", "course 1\t\t\t1"]


async def test_load_closes_connector() -> None:
    connector = CourseConnector(1)
    await run(connector)
    assert connector.closed


async def test_load_lms_error_posts_rows_so_far_then_failure() -> None:
    error = AuthenticationError("bad client", vendor="fake", status=401, code="invalid_client")
    posted = await run(CourseConnector(5, error))
    assert isinstance(posted[0], RecordsLoaded)
    assert len(posted[0].records) == 5
    failure = posted[-1]
    assert isinstance(failure, LoadFailed)
    assert failure.error == "fake: HTTP 401 invalid_client: bad client"


async def test_load_unexpected_error_posts_failure() -> None:
    posted = await run(CourseConnector(0, KeyError("client_id")))
    (failure,) = posted
    assert isinstance(failure, LoadFailed)
    assert failure.error == "KeyError: 'client_id'"


async def test_load_factory_error_posts_failure() -> None:
    posted: list[Message] = []

    def factory(connection: Connection) -> Connector:
        raise KeyError("unknown vendor 'fake'")

    await load(CONNECTION, Kind.USERS, 1, factory, posted.append)
    (failure,) = posted
    assert isinstance(failure, LoadFailed)
    assert failure.error == "KeyError: \"unknown vendor 'fake'\""


def test_describe_error_keeps_first_line() -> None:
    assert describe_error(RuntimeError("first\nsecond")) == "RuntimeError: first"
    assert describe_error(RuntimeError()) == "RuntimeError"


class PagedCourses(CourseConnector):
    """Courses a page of 100 at a time, with a turn of the event loop between pages."""

    async def list_courses(self) -> AsyncIterator[Course]:
        async for course in super().list_courses():
            if int(course.id) % 100 == 0:
                await asyncio.sleep(0)
            yield course


async def test_loads_running_together_share_one_connector_closed_after_the_last() -> None:
    made: list[CourseConnector] = []

    def factory(connection: Connection) -> Connector:
        made.append(PagedCourses(300))
        return made[-1]

    shared = SharedConnectors(factory)
    posted: list[Message] = []
    loads = [load(CONNECTION, Kind.COURSES, n, shared.use, posted.append) for n in range(3)]
    await asyncio.gather(*loads)
    assert len(made) == 1 and made[0].closed
    assert sum(isinstance(m, LoadFinished) for m in posted) == 3
    await load(CONNECTION, Kind.COURSES, 4, shared.use, posted.append)
    assert len(made) == 2 and made[1].closed  # a later load opens a new one


async def test_shared_connectors_are_per_connection_and_released_on_failure() -> None:
    made: dict[str, CourseConnector] = {}

    def factory(connection: Connection) -> Connector:
        failing = AuthenticationError("bad key", vendor="fake", status=401)
        made[connection.name] = PagedCourses(5, error=failing)
        return made[connection.name]

    shared = SharedConnectors(factory)
    other = Connection(name="other", vendor="fake", base_url="http://other.invalid")
    posted: list[Message] = []
    await asyncio.gather(
        load(CONNECTION, Kind.COURSES, 1, shared.use, posted.append),
        load(other, Kind.COURSES, 1, shared.use, posted.append),
    )
    assert set(made) == {"fake", "other"}
    assert all(connector.closed for connector in made.values())
    assert sum(isinstance(m, LoadFailed) for m in posted) == 2
