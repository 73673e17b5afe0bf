"""The browse screen and a course's sessions on every vendor's real connector and the in-process
sandbox: Kombo, iSpring and LMS365 load, Docebo and LMS365 list sessions, Kombo has none."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from textual.pilot import Pilot
from textual.widgets import DataTable

from core.connections import Connection
from core.connector import Connector
from core.models import Course, Enrollment, User
from tests.conftest import in_process_client
from tui.app import LmsBridgeApp, make_app
from tui.dataset import Dataset, LoadState
from tui.loading import ConnectorFactory
from tui.records import Kind
from tui.screens.detail import DetailScreen
from tui.sessions import session_row
from tui.widgets.sessions_panel import SessionsPanel, SessionsState
from tui.widgets.virtual_table import VirtualTable

SIZE = (120, 40)


def of_vendor(connections: list[Connection], vendor: str) -> Connection:
    (connection,) = [c for c in connections if c.vendor == vendor]
    return connection


async def loaded(app: LmsBridgeApp, pilot: Pilot[None]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def table(app: LmsBridgeApp, kind: Kind) -> VirtualTable:
    return app.browser.query_one(f"#{kind.value}-table", VirtualTable)


def dataset(app: LmsBridgeApp, kind: Kind) -> Dataset:
    found = app.browser.dataset(kind)
    assert found is not None
    return found


async def open_course(app: LmsBridgeApp, pilot: Pilot[None], course_type: str | None) -> Course:
    """Open the detail (d) of the first course of ``course_type`` (any course for None); the
    sessions loaded."""
    await pilot.press("2")
    courses = dataset(app, Kind.COURSES).records
    index = next(
        i
        for i, c in enumerate(courses)
        if isinstance(c, Course) and (course_type is None or c.type == course_type)
    )
    table(app, Kind.COURSES).move_cursor(index)
    await pilot.press("d")
    await loaded(app, pilot)
    assert isinstance(app.screen, DetailScreen)
    course = courses[index]
    assert isinstance(course, Course) and app.screen.record is course
    return course


def panel(app: LmsBridgeApp) -> SessionsPanel:
    return app.screen.query_one(SessionsPanel)


@pytest.mark.parametrize("vendor", ["kombo", "ispring", "lms365"])
async def test_load_fills_every_tab(
    vendor: str, connections: list[Connection], factory: ConnectorFactory
) -> None:
    app = make_app([of_vendor(connections, vendor)], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        for kind in Kind:
            data = dataset(app, kind)
            assert (data.state, data.error) == (LoadState.LOADED, None)
            assert table(app, kind).row_count == data.total > 0


@pytest.mark.parametrize(
    ("vendor", "course_type"), [("docebo", "classroom"), ("lms365", "instructor_led")]
)
async def test_open_instructor_led_course_shows_its_sessions(
    vendor: str,
    course_type: str,
    sandbox_app: Starlette,
    connections: list[Connection],
    factory: ConnectorFactory,
) -> None:
    connection = of_vendor(connections, vendor)
    async with (
        in_process_client(sandbox_app) as client,
        connection.connector(http_client=client) as connector,
    ):
        courses = [c async for c in connector.list_courses() if c.type == course_type]
        expected = [s async for s in connector.list_sessions(course_id=courses[0].id)]
    app = make_app([connection], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        course = await open_course(app, pilot, course_type)
        assert course.id == courses[0].id
        sessions = panel(app)
        assert sessions.state is SessionsState.LOADED
        assert [s.id for s in sessions.sessions] == [s.id for s in expected]
        assert sessions.text == f"{len(expected)} sessions"
        grid = app.screen.query_one("#sessions-table", DataTable)
        assert grid.display
        rows = [tuple(grid.get_row_at(i)) for i in range(grid.row_count)]
        assert rows == [session_row(s) for s in expected]
        assert all(row[1] and row[2] and row[3] for row in rows)  # when, where, seats


async def test_open_elearning_course_says_it_has_no_sessions(
    connections: list[Connection], factory: ConnectorFactory
) -> None:
    app = make_app([of_vendor(connections, "docebo")], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await open_course(app, pilot, "elearning")
        assert (panel(app).state, panel(app).text) == (
            SessionsState.LOADED,
            "No sessions for this course.",
        )
        assert not app.screen.query_one("#sessions-table", DataTable).display


async def test_open_kombo_course_says_vendor_has_no_sessions(
    connections: list[Connection], factory: ConnectorFactory
) -> None:
    opened: list[str] = []

    def counting(connection: Connection) -> Connector:
        opened.append(connection.name)
        return factory(connection)

    app = make_app([of_vendor(connections, "kombo")], connector_factory=counting)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await open_course(app, pilot, None)
        assert panel(app).state is SessionsState.UNSUPPORTED
        assert panel(app).text == "No sessions: kombo has no instructor-led sessions to list."
        assert len(opened) == 1  # the three listings' shared one; none for the sessions
        assert not app.screen.query_one("#sessions-table", DataTable).display


async def test_open_course_sessions_error_shows_one_line(
    connections: list[Connection], factory: ConnectorFactory
) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused\nsecond line", request=request)

    broken = httpx.AsyncClient(transport=httpx.MockTransport(refused))
    listings: list[Connection] = []

    def connect(connection: Connection) -> Connector:
        if not listings:  # the connector the three listings share
            listings.append(connection)
            return factory(connection)
        return connection.connector(http_client=broken, max_retries=0)

    app = make_app([of_vendor(connections, "docebo")], connector_factory=connect)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await loaded(app, pilot)
            await open_course(app, pilot, "classroom")
            sessions = panel(app)
            assert sessions.state is SessionsState.FAILED
            assert sessions.text.startswith("Could not load sessions: docebo: cannot reach ")
            assert "\n" not in sessions.text
            await pilot.press("escape")
            await pilot.pause()
            assert app.is_running and app.screen is app.browser
    finally:
        await broken.aclose()


@pytest.mark.parametrize("vendor", ["lms365", "ispring"])
async def test_load_names_enrollment_refs_from_users_and_courses(
    vendor: str, connections: list[Connection], factory: ConnectorFactory
) -> None:
    app = make_app([of_vendor(connections, vendor)], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        users = dataset(app, Kind.USERS)
        courses = dataset(app, Kind.COURSES)
        names = {u.id: row[0] for u, row in zip(users.records, users.rows, strict=True)}
        titles = {c.id: row[0] for c, row in zip(courses.records, courses.rows, strict=True)}
        enrollments = dataset(app, Kind.ENROLLMENTS)
        bare = 0
        for record, row in zip(enrollments.records, enrollments.rows, strict=True):
            assert isinstance(record, Enrollment)
            bare += record.user.name is None or record.course.title is None
            assert row[0] == (record.user.name or names[record.user.id])
            assert row[1] == (record.course.title or titles[record.course.id])
        assert bare > 0  # the vendor's refs carry ids only: the join is what named them


async def test_filter_finds_lms365_enrollments_by_resolved_user_name(
    connections: list[Connection], factory: ConnectorFactory
) -> None:
    app = make_app([of_vendor(connections, "lms365")], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        enrollments = dataset(app, Kind.ENROLLMENTS)
        first = enrollments.records[0]
        assert isinstance(first, Enrollment) and first.user.name is None
        user = next(u for u in dataset(app, Kind.USERS).records if u.id == first.user.id)
        assert isinstance(user, User) and user.name
        await pilot.press("/", *user.name)
        await pilot.pause()
        grid = table(app, Kind.ENROLLMENTS)
        shown = [enrollments.records[grid.row_index(p)] for p in range(grid.row_count)]
        assert first in shown
        assert all(isinstance(e, Enrollment) and e.user.id == user.id for e in shown)
