"""The browse screen driven by Pilot, against a fake connector that yields models page by page."""

from __future__ import annotations

import json

from textual.command import CommandPalette
from textual.widgets import HelpPanel, Input, TabbedContent

from core.connections import Connection
from core.errors import LmsConnectionError
from tests.tui.fakes import (
    SIZE,
    BrokenConnector,
    FakeConnector,
    FakeData,
    app_rows,
    connection,
    fake_app,
    focused,
    loaded,
    status,
    table,
    visible_rows,
)
from tui.app import make_app
from tui.commands import BrowseCommands
from tui.records import Kind
from tui.screens.detail import DetailScreen
from tui.widgets.connection_list import ConnectionList
from tui.widgets.status_bar import StatusBar

# -- loading ----------------------------------------------------------------------------------


async def test_load_shows_every_record_of_each_listing() -> None:
    data = FakeData()
    app = fake_app(data)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        assert table(app, Kind.ENROLLMENTS).row_count == len(data.enrollments)
        assert table(app, Kind.USERS).row_count == len(data.users)
        assert table(app, Kind.COURSES).row_count == len(data.courses)


async def test_load_reports_count_and_state_in_status_line() -> None:
    app = fake_app(FakeData(enrollments=1234))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        assert status(app) == "fake-one · 1,234 enrollments · loaded just now"
        assert not app.browser.query_one(StatusBar).is_loading


async def test_load_renders_enrollment_columns() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        grid = table(app, Kind.ENROLLMENTS)
        assert grid.columns == ("User", "Course", "Status", "Progress", "Due")
        assert app_rows(grid)[45] == ("User 015", "Course 5", "failed", "45%", "2025-10-18")
        assert grid.render_line(1).text.split() == [
            "User",
            "000",
            "Course",
            "0",
            "assigned",
            "0%",
            "2025-01-01",
        ]


async def test_load_calls_on_ready_once_after_every_listing() -> None:
    calls: list[int] = []
    app = fake_app(on_ready=lambda a: calls.append(table(a, Kind.ENROLLMENTS).row_count))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.pause()
        assert calls == [240]


async def test_refresh_fetches_again() -> None:
    opened: list[str] = []
    data = FakeData()

    def factory(c: Connection) -> FakeConnector:
        opened.append(c.name)
        return FakeConnector(data)

    app = make_app([connection()], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("r")
        await loaded(app, pilot)
        assert len(opened) == 2  # one connector a round, shared by its three listings
        assert table(app, Kind.ENROLLMENTS).row_count == len(data.enrollments)
        assert status(app).endswith("· loaded just now")


async def test_select_connection_shows_its_records() -> None:
    first, second = FakeData(enrollments=10), FakeData(enrollments=20, tag="Other ")
    by_name = {"one": first, "two": second}
    app = make_app(
        [connection("one"), connection("two")],
        connector_factory=lambda c: FakeConnector(by_name[c.name]),
    )
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        app.browser.query_one(ConnectionList).focus()
        await pilot.press("down", "enter")
        await loaded(app, pilot)
        grid = table(app, Kind.ENROLLMENTS)
        assert grid.row_count == 20
        assert visible_rows(grid)[0][0] == "Other User 000"
        assert status(app).startswith("two · 20 enrollments")
        assert app.browser.sub_title == "two (fake)"


# -- filter -----------------------------------------------------------------------------------


async def test_filter_narrows_rows_to_matches() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("/", *"user 003")
        await pilot.pause()
        grid = table(app, Kind.ENROLLMENTS)
        rows = visible_rows(grid)
        assert len(rows) == 8
        assert {row[0] for row in rows} == {"User 003"}
        assert status(app) == "fake-one · 8 of 240 enrollments · loaded just now"


async def test_filter_ignores_case_and_matches_any_column() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("/", *"IN_PROGRESS")
        await pilot.pause()
        rows = visible_rows(table(app, Kind.ENROLLMENTS))
        assert len(rows) == 24
        assert {row[2] for row in rows} == {"in_progress"}


async def test_filter_cleared_shows_every_row() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("/", *"zz")
        await pilot.pause()
        assert table(app, Kind.ENROLLMENTS).row_count == 0
        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert table(app, Kind.ENROLLMENTS).row_count == 240


async def test_filter_without_match_says_so() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("/", *"zz")
        await pilot.pause()
        grid = table(app, Kind.ENROLLMENTS)
        assert "No enrollments match" in grid.render_line(1).text


async def test_filter_applies_to_tab_switched_to() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("/", *"user 00")
        await pilot.press("escape", "1")
        await pilot.pause()
        rows = visible_rows(table(app, Kind.USERS))
        assert [row[0] for row in rows] == [f"User 00{i}" for i in range(10)]


async def test_filter_typing_q_does_not_quit() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("/", "q", "1", "r")
        await pilot.pause()
        assert app.is_running
        assert app.browser.query_one("#filter", Input).value == "q1r"


async def test_escape_leaves_filter_for_table() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("/")
        assert focused(app) is app.browser.query_one("#filter", Input)
        await pilot.press("escape")
        assert focused(app) is table(app, Kind.ENROLLMENTS)


# -- tabs, detail, keys -----------------------------------------------------------------------


async def test_number_keys_switch_tabs() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        tabs = app.browser.query_one(TabbedContent)
        for key, kind in (("1", Kind.USERS), ("2", Kind.COURSES), ("3", Kind.ENROLLMENTS)):
            await pilot.press(key)
            await pilot.pause()
            assert tabs.active == kind.value
            assert app.focused is table(app, kind)
        await pilot.press("1")
        await pilot.pause()
        assert status(app) == "fake-one · 30 users · loaded just now"


async def test_enter_shows_detail_with_remote_data() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        assert detail.record.id == "c2:u2"
        assert json.loads(detail.remote_json) == {"enrollment_number": 2, "marker": "remote-2"}
        fields = json.loads(detail.record_json)
        assert fields["status"] == "in_progress"
        assert fields["due_at"] == "2025-03-03T00:00:00+00:00"
        assert "remote_data" not in fields


async def test_enter_on_filtered_row_shows_that_record() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("/", *"user 029", "enter", "down", "enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        assert detail.record.id == "c3:u29"
        assert json.loads(detail.remote_json)["enrollment_number"] == 59


async def test_escape_closes_detail() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen_stack == [app.browser]


async def test_question_mark_toggles_keys_panel() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("?")
        await pilot.pause()
        assert app.screen.query(HelpPanel)
        await pilot.press("?")
        await pilot.pause()
        assert not app.screen.query(HelpPanel)


async def test_q_quits() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_palette_command_switches_tab() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Show courses")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.browser.query_one(TabbedContent).active == Kind.COURSES.value


async def test_palette_offers_every_binding_and_valued_commands() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        provider = BrowseCommands(app.browser)
        names = [hit.text async for hit in provider.discover()]
        assert {
            "Show users",
            "Show courses",
            "Show enrollments",
            "Fetch every listing again",
            "Filter as you type",
            "Sort by the current column (▲, ▼, off)",
            "Hide or show columns",
            "Facet by status, vendor, course, due date",
            "Open fake-one",
            "Sort by Due descending",
            "Hide column Progress",
            "Facet: status overdue",
            "Facet: due within 7 days",
            "Toggle light/dark theme",
        } <= set(names)


# -- failures ---------------------------------------------------------------------------------


async def test_connector_error_shows_message_and_app_lives() -> None:
    error = LmsConnectionError("cannot reach http://fake.invalid: refused", vendor="fake")
    app = fake_app(fail=error)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        assert status(app).endswith("failed: fake: cannot reach http://fake.invalid: refused")
        grid = table(app, Kind.ENROLLMENTS)
        assert grid.row_count == 50  # the first page arrived before the failure
        notes = [n.message for n in app._notifications]
        assert notes == ["fake: cannot reach http://fake.invalid: refused"]
        await pilot.press("1")
        assert app.is_running


async def test_unexpected_exception_shows_one_line_and_app_lives() -> None:
    app = fake_app(FakeData(users=0, courses=0, enrollments=0), fail=None)
    app.connector_factory = lambda c: BrokenConnector()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        assert status(app).endswith("failed: RuntimeError: boom")
        grid = table(app, Kind.ENROLLMENTS)
        assert grid.render_line(1).text.strip() == "Could not load enrollments: RuntimeError: boom"
        await pilot.press("r")
        await loaded(app, pilot)
        assert app.is_running


async def test_unreachable_docebo_shows_error_and_app_lives() -> None:
    closed = Connection(
        name="closed",
        vendor="docebo",
        base_url="http://127.0.0.1:9",
        secrets={"client_id": "id", "client_secret": "secret"},
    )
    app = make_app([closed], connector_factory=lambda c: c.connector(max_retries=0))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        assert "failed: docebo: cannot reach http://127.0.0.1:9" in status(app)
        assert "secret" not in status(app)
        assert table(app, Kind.ENROLLMENTS).row_count == 0
        assert app.is_running


async def test_no_connections_shows_message() -> None:
    app = make_app([])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert status(app) == "No connections configured."
        assert "No connections configured." in table(app, Kind.ENROLLMENTS).render_line(1).text
