"""Fakes for the terminal UI's tests: models page by page without HTTP, and small helpers."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import httpx
from textual.pilot import Pilot
from textual.widget import Widget

from core.capabilities import Capabilities
from core.connections import Connection
from core.connector import Connector
from core.models import (
    Course,
    CourseRef,
    Email,
    Enrollment,
    EnrollmentStatus,
    User,
    UserRef,
)
from tui.app import LmsBridgeApp, make_app
from tui.records import Kind
from tui.screens.browse import BrowseScreen
from tui.widgets.status_bar import StatusBar
from tui.widgets.virtual_table import VirtualTable

SIZE = (120, 40)
STATUSES = list(EnrollmentStatus)


class FakeData:
    def __init__(
        self, users: int = 30, courses: int = 8, enrollments: int = 240, tag: str = ""
    ) -> None:
        self.users = [
            User(
                id=f"u{i}",
                vendor="fake",
                remote_id=f"u{i}",
                name=f"{tag}User {i:03d}",
                username=f"user{i}",
                emails=(Email(email=f"user{i}@example.com", is_primary=True),),
                status="active",
                remote_data={"user_id": i, "fullname": f"{tag}User {i:03d}"},
            )
            for i in range(users)
        ]
        self.courses = [
            Course(
                id=f"c{i}",
                vendor="fake",
                remote_id=f"c{i}",
                title=f"{tag}Course {i}",
                code=f"C-{i}",
                type="elearning",
                remote_data={"id_course": i, "name": f"{tag}Course {i}"},
            )
            for i in range(courses)
        ]
        self.enrollments = [
            Enrollment(
                id=f"c{i % courses}:u{i % users}",
                vendor="fake",
                remote_id=f"c{i % courses}:u{i % users}",
                user=UserRef(id=f"u{i % users}", name=f"{tag}User {i % users:03d}"),
                course=CourseRef(id=f"c{i % courses}", title=f"{tag}Course {i % courses}"),
                status=STATUSES[i % len(STATUSES)],
                progress_percent=float(i % 101),
                due_at=datetime(2025, 1 + i % 12, 1 + i % 28, tzinfo=UTC),
                remote_data={"enrollment_number": i, "marker": f"remote-{i}"},
            )
            for i in range(enrollments)
        ]


class OfflineConnector(Connector):
    """A connector that never opens an HTTP client (so there is none to close)."""

    vendor = "fake"
    capabilities = Capabilities(operations=frozenset())

    def __init__(self) -> None:
        # No super().__init__(): it would make an httpx client.
        self.base_url = "http://fake.invalid"
        self._owns_client = False

    @classmethod
    def from_secrets(
        cls,
        *,
        base_url: str,
        secrets: Mapping[str, str],
        http_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> Self:
        raise NotImplementedError

    def _error_details(self, body: Any) -> tuple[str | None, str | None]:
        return None, None


class BrokenConnector(OfflineConnector):
    """Fails as a bug would: a plain exception on the first listing call."""

    def list_users(self) -> AsyncIterator[User]:
        raise RuntimeError("boom\nsecond line")

    def list_courses(self) -> AsyncIterator[Course]:
        raise RuntimeError("boom")

    def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
    ) -> AsyncIterator[Enrollment]:
        raise RuntimeError("boom")


class FakeConnector(OfflineConnector):
    """Yields the fake data in pages, letting the event loop run between pages."""

    def __init__(self, data: FakeData, *, fail: Exception | None = None, page: int = 50) -> None:
        super().__init__()
        self.data = data
        self.fail = fail
        self.page = page

    async def _pages(self, records: Sequence[Any]) -> AsyncIterator[Any]:
        for start in range(0, len(records), self.page):
            await asyncio.sleep(0)
            if self.fail is not None and start >= self.page:
                raise self.fail
            for record in records[start : start + self.page]:
                yield record

    async def aclose(self) -> None:
        pass

    def list_users(self) -> AsyncIterator[User]:
        return self._pages(self.data.users)

    def list_courses(self) -> AsyncIterator[Course]:
        return self._pages(self.data.courses)

    def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
    ) -> AsyncIterator[Enrollment]:
        return self._pages(self.data.enrollments)


def connection(name: str = "fake-one") -> Connection:
    return Connection(name=name, vendor="fake", base_url="http://fake.invalid")


def fake_app(
    data: FakeData | None = None, *, fail: Exception | None = None, **options: Any
) -> LmsBridgeApp:
    data = data or FakeData()
    return make_app(
        [connection()], connector_factory=lambda c: FakeConnector(data, fail=fail), **options
    )


async def loaded(app: LmsBridgeApp, pilot: Pilot[None]) -> None:
    """Wait until every load has finished and its messages have been handled."""
    await app.workers.wait_for_complete()
    await pilot.pause()


def table(app: LmsBridgeApp, kind: Kind) -> VirtualTable:
    return app.browser.query_one(f"#{kind.value}-table", VirtualTable)


def focused(app: LmsBridgeApp) -> Widget | None:
    return app.focused


def status(app: LmsBridgeApp) -> str:
    return app.browser.query_one(StatusBar).text


def visible_rows(grid: VirtualTable) -> list[tuple[str, ...]]:
    data = app_rows(grid)
    return [data[grid.row_index(p)] for p in range(grid.row_count)]


def app_rows(grid: VirtualTable) -> Sequence[tuple[str, ...]]:
    screen = grid.screen
    assert isinstance(screen, BrowseScreen)
    kind = Kind(str(grid.id).removesuffix("-table"))
    dataset = screen.dataset(kind)
    assert dataset is not None
    return dataset.rows


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = datetime(2025, 6, 15, 12, tzinfo=UTC)) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], turns: int = 200) -> None:
    """Let the app run until ``condition`` holds (a bounded number of turns, no sleeps)."""
    for _ in range(turns):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("the condition never held")


async def run_command(app: LmsBridgeApp, name: str) -> None:
    """Run the browse palette command called ``name``."""
    commands = {n: callback for n, _help, callback in app.browser.commands()}
    result = commands[name]()
    if inspect.isawaitable(result):
        await result
