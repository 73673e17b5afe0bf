"""Browsing as an operator does it, driven by Pilot against fake connectors: sort, columns,
facets, fuzzy filter, jumps and back, All connections, progress, age, keys, themes, palette."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from core.connections import Connection
from core.models import Enrollment, EnrollmentStatus
from tests.tui.fakes import (
    SIZE,
    BrokenConnector,
    Clock,
    FakeConnector,
    FakeData,
    app_rows,
    connection,
    fake_app,
    loaded,
    run_command,
    status,
    table,
    visible_rows,
    wait_until,
)
from tui.app import LmsBridgeApp, make_app
from tui.cli import main
from tui.facets import OPEN_STATUSES, is_overdue
from tui.records import Kind
from tui.screens.browse import BrowseScreen
from tui.screens.columns import ColumnsScreen
from tui.screens.detail import DetailScreen
from tui.screens.facets import FacetsScreen
from tui.status import CRUMB
from tui.widgets.connection_list import ConnectionList
from tui.widgets.status_bar import StatusBar
from tui.widgets.virtual_table import VirtualTable


def chips(app: LmsBridgeApp) -> tuple[str, ...]:
    return app.browser.query_one(StatusBar).chips


def crumbs(app: LmsBridgeApp) -> str:
    return str(app.browser.query_one("#crumbs").render())


def enrollment_grid(app: LmsBridgeApp) -> VirtualTable:
    return table(app, Kind.ENROLLMENTS)


def top(app: LmsBridgeApp) -> Screen[object]:
    """The screen on top (a function, so that mypy does not keep an earlier narrowing)."""
    return app.screen


def tab(app: LmsBridgeApp) -> Kind:
    return app.browser.kind


# -- sort -------------------------------------------------------------------------------------


async def test_sort_key_cycles_ascending_descending_off() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        grid = enrollment_grid(app)
        await pilot.press("right", "s")
        courses = [row[1] for row in visible_rows(grid)]
        assert courses == sorted(courses, key=str.casefold)
        assert "Course ▲" in grid.render_line(0).text
        await pilot.press("s")
        courses = [row[1] for row in visible_rows(grid)]
        assert courses == sorted(courses, key=str.casefold, reverse=True)
        assert "Course ▼" in grid.render_line(0).text
        await pilot.press("s")
        assert visible_rows(grid) == list(app_rows(grid))
        assert "▲" not in grid.render_line(0).text


async def test_sort_keeps_cursor_on_its_record() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        grid = enrollment_grid(app)
        await pilot.press("down", "down", "down", "down", "down", "right", "right", "s")
        assert grid.cursor_index == 5
        assert grid.cursor_row != 5


async def test_sort_by_progress_compares_numbers() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await run_command(app, "Sort by Progress descending")
        await pilot.pause()
        progress = [row[3] for row in visible_rows(enrollment_grid(app))]
        assert progress[:3] == ["100%", "100%", "99%"]


# -- columns ----------------------------------------------------------------------------------


async def test_columns_picker_hides_a_column() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("c")
        assert isinstance(app.screen, ColumnsScreen)
        await pilot.press("space")  # the first column: User
        await pilot.press("escape")
        grid = enrollment_grid(app)
        assert top(app) is app.browser
        assert grid.shown_columns == ("Course", "Status", "Progress", "Due")
        assert grid.render_line(1).text.split()[:2] == ["Course", "0"]


async def test_palette_shows_hidden_column_again() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await run_command(app, "Hide column Due")
        assert "Due" not in enrollment_grid(app).shown_columns
        await run_command(app, "Show column Due")
        assert enrollment_grid(app).shown_columns[-1] == "Due"


# -- facets -----------------------------------------------------------------------------------


async def test_facet_picker_status_narrows_rows_and_shows_chip() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("f")
        assert isinstance(app.screen, FacetsScreen)
        await pilot.press("space")  # the first status: assigned
        await pilot.press("escape")
        rows = visible_rows(enrollment_grid(app))
        assert len(rows) == 24 and {row[2] for row in rows} == {"assigned"}
        assert chips(app) == ("status: assigned",)
        assert status(app).startswith("fake-one · 24 of 240 enrollments")


async def test_facet_overdue_counts_from_the_clock() -> None:
    clock = Clock()
    data = FakeData()
    app = fake_app(data, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await run_command(app, "Facet: overdue")
        await pilot.pause()
        grid = enrollment_grid(app)
        shown = [grid.row_index(p) for p in range(grid.row_count)]
        expected = [i for i, e in enumerate(data.enrollments) if is_overdue(e, clock.now)]
        assert shown == expected and 0 < len(shown) < 240
        assert chips(app) == ("overdue",)


async def test_facet_due_within_days_keeps_open_enrollments_due_soon() -> None:
    clock = Clock()
    data = FakeData()
    app = fake_app(data, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await run_command(app, "Facet: due within 30 days")
        grid = enrollment_grid(app)
        shown = {grid.row_index(p) for p in range(grid.row_count)}
        expected = {
            i
            for i, e in enumerate(data.enrollments)
            if e.status in OPEN_STATUSES
            and e.due_at is not None
            and 0 <= (e.due_at - clock.now).total_seconds() <= 30 * 86400
        }
        assert shown == expected and shown
        assert chips(app) == ("due ≤ 30 d",)


async def test_facet_course_search_is_fuzzy() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("f")
        app.screen.query_one("#facet-course-search").focus()
        await pilot.press(*"cuorse 3")
        courses = app.screen.query_one("#facet-courses")
        assert [o.value for o in courses._options] == ["Course 3"]  # type: ignore[attr-defined]
        await pilot.press("tab", "space", "escape")
        rows = visible_rows(enrollment_grid(app))
        assert {row[1] for row in rows} == {"Course 3"} and len(rows) == 30


async def test_x_clears_facets() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await run_command(app, "Facet: status failed")
        assert enrollment_grid(app).row_count == 24
        await pilot.press("x")
        assert enrollment_grid(app).row_count == 240
        assert chips(app) == ()


# -- fuzzy filter -----------------------------------------------------------------------------


async def test_filter_with_typo_matches_fuzzily_and_says_so() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("/", *"usr 003")
        rows = visible_rows(enrollment_grid(app))
        assert len(rows) == 8 and {row[0] for row in rows} == {"User 003"}
        assert "8 of 240 enrollments (fuzzy matches)" in status(app)


# -- jumps ------------------------------------------------------------------------------------


async def test_enter_on_user_shows_their_enrollments_with_breadcrumb() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("1", "down", "down", "down", "enter")
        assert tab(app) is Kind.ENROLLMENTS
        rows = visible_rows(enrollment_grid(app))
        assert len(rows) == 8 and {row[0] for row in rows} == {"User 003"}
        assert crumbs(app) == CRUMB.join(["fake-one", "Users", "User 003", "Enrollments"]) + (
            "   (⌫: back)"
        )
        assert chips(app) == ("user: User 003",)


async def test_back_returns_to_the_user_under_the_cursor() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("1", "down", "down", "down", "enter", "backspace")
        assert tab(app) is Kind.USERS
        assert table(app, Kind.USERS).cursor_index == 3
        assert crumbs(app) == f"fake-one{CRUMB}Users"
        await pilot.press("3")
        assert enrollment_grid(app).row_count == 240  # the jump's scope is gone


async def test_escape_on_table_goes_back_after_a_jump() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("2", "enter", "escape")
        assert tab(app) is Kind.COURSES


async def test_enter_on_course_shows_its_enrollments() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("2", "down", "down", "enter")
        rows = visible_rows(enrollment_grid(app))
        assert len(rows) == 30 and {row[1] for row in rows} == {"Course 2"}
        assert chips(app) == ("course: Course 2",)


async def test_u_and_o_go_from_an_enrollment_to_its_user_and_course() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("down", "down", "down", "down", "u")  # enrollment 4: u4, c4
        assert tab(app) is Kind.USERS
        assert [row[0] for row in visible_rows(table(app, Kind.USERS))] == ["User 004"]
        await pilot.press("backspace", "o")
        assert tab(app) is Kind.COURSES
        assert [row[0] for row in visible_rows(table(app, Kind.COURSES))] == ["Course 4"]


async def test_detail_e_shows_the_users_enrollments() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("1", "d")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("e")
        await pilot.pause()
        assert top(app) is app.browser and tab(app) is Kind.ENROLLMENTS
        assert {row[0] for row in visible_rows(enrollment_grid(app))} == {"User 000"}


# -- All connections ---------------------------------------------------------------------------


def two_connections(second: FakeConnector | BrokenConnector | None = None) -> LmsBridgeApp:
    first = FakeData(users=5, courses=2, enrollments=10)
    other = FakeData(users=5, courses=2, enrollments=20, tag="Other ")
    return make_app(
        [connection("one"), connection("two")],
        connector_factory=lambda c: (
            FakeConnector(first) if c.name == "one" else second or FakeConnector(other)
        ),
    )


async def test_all_connections_merges_rows_with_connection_and_vendor() -> None:
    app = two_connections()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("0")
        await loaded(app, pilot)
        grid = enrollment_grid(app)
        rows = visible_rows(grid)
        assert grid.columns[:3] == ("Connection", "Vendor", "User")
        assert [row[0] for row in rows] == ["one"] * 10 + ["two"] * 20
        assert {row[1] for row in rows} == {"fake"}
        assert status(app) == "All connections · 30 enrollments · loaded just now"
        assert app.browser.query_one(ConnectionList).highlighted == 0


async def test_all_connections_jump_stays_in_the_rows_connection() -> None:
    app = two_connections()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("0")
        await loaded(app, pilot)
        await pilot.press("1", "end", "enter")  # the last user: two's User 004
        rows = visible_rows(enrollment_grid(app))
        assert {(row[0], row[2]) for row in rows} == {("two", "Other User 004")}


async def test_all_connections_explains_a_failing_connection() -> None:
    app = two_connections(BrokenConnector())
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("0")
        await loaded(app, pilot)
        assert status(app) == ("All connections · 10 enrollments · failed: two: RuntimeError: boom")
        sidebar = app.browser.query_one(ConnectionList)
        assert "✗ RuntimeError: boom" in str(sidebar.get_option_at_index(2).prompt)
        assert "✓ 10 enrollments" in str(sidebar.get_option_at_index(1).prompt)
        assert app.is_running


# -- refresh, progress, age ---------------------------------------------------------------------


class GatedConnector(FakeConnector):
    """Holds the enrollments back until ``gate`` is set."""

    def __init__(self, data: FakeData, gate: asyncio.Event) -> None:
        super().__init__(data)
        self.gate = gate

    async def _gated(self) -> AsyncIterator[Enrollment]:
        await self.gate.wait()
        async for record in self._pages(self.data.enrollments):
            yield record

    def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
    ) -> AsyncIterator[Enrollment]:
        return self._gated()


async def test_refresh_shows_count_loaded_per_listing() -> None:
    gate = asyncio.Event()
    data = FakeData()
    app = make_app([connection()], connector_factory=lambda c: GatedConnector(data, gate))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.browser
        await wait_until(
            pilot, lambda: "courses 8 ✓" in status(app) and "users 30 ✓" in status(app)
        )
        assert status(app) == (
            "fake-one · 0 enrollments · loading users 30 ✓ · courses 8 ✓ · enrollments 0…"
        )
        assert screen.query_one(StatusBar).is_loading
        prompt = str(screen.query_one(ConnectionList).get_option_at_index(0).prompt)
        assert "… 0 enrollments" in prompt
        gate.set()
        await loaded(app, pilot)
        assert status(app) == "fake-one · 240 enrollments · loaded just now"


async def test_age_of_the_data_follows_the_clock() -> None:
    clock = Clock()
    app = fake_app(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        clock.advance(minutes=3)
        app.browser._tick()
        assert status(app) == "fake-one · 240 enrollments · loaded 3 min ago"


# -- keys, themes, palette ----------------------------------------------------------------------


async def test_keymap_from_config_remaps_a_binding() -> None:
    opened: list[str] = []
    data = FakeData()

    def factory(c: Connection) -> FakeConnector:
        opened.append(c.name)
        return FakeConnector(data)

    app = make_app([connection()], connector_factory=factory, keymap={"browse.refresh": "f5"})
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("r")
        await loaded(app, pilot)
        assert len(opened) == 1  # the three listings share one connector
        await pilot.press("f5")
        await loaded(app, pilot)
        assert len(opened) == 2


async def test_t_toggles_light_and_dark() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("t")
        assert app.theme == "textual-light"
        await pilot.press("t")
        assert app.theme == "textual-dark"


async def test_theme_from_config_is_used() -> None:
    app = fake_app(theme="light")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "textual-light"


async def test_unknown_theme_is_explained() -> None:
    app = fake_app(theme="neon")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        assert any("Unknown theme 'neon'" in n.message for n in app._notifications)


def test_every_binding_has_an_id() -> None:
    """Every binding the project declares (not Textual's own) can be remapped by its id."""
    classes: list[type[DOMNode]] = [
        LmsBridgeApp,
        BrowseScreen,
        VirtualTable,
        DetailScreen,
        ColumnsScreen,
        FacetsScreen,
    ]
    ours = {c for cls in classes for c in cls.__mro__ if c.__module__.startswith("tui.")}
    missing = [
        f"{cls.__name__}: {binding.key}"
        for cls in ours
        for binding in cls.__dict__.get("BINDINGS", [])
        if isinstance(binding, Binding) and not binding.id
    ]
    assert len(ours) > len(classes)  # the mixins and bases are in
    assert missing == []


async def test_palette_offers_every_browse_binding() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await run_command(app, "Facet: status failed")  # so that "clear facets" is offered
        names = {name for name, _help, _callback in app.browser.commands()}
        for binding in BrowseScreen.BINDINGS:
            assert isinstance(binding, Binding)
            action = binding.action.split("(")[0]
            if binding.id == "browse.leave_filter":
                continue
            if app.browser.check_action(action, ()):
                assert (binding.tooltip or binding.description) in names, binding.id


async def test_palette_binding_command_runs_its_action() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await run_command(app, "Show users")
        await pilot.pause()
        assert tab(app) is Kind.USERS


async def test_palette_help_names_key_and_binding_id() -> None:
    app = fake_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        helps = {name: help_text for name, help_text, _callback in app.browser.commands()}
        assert helps["Fetch every listing again"] == "key r · id browse.refresh"


def test_config_keys_and_theme_reach_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'theme = "light"\n'
        "[keys]\n"
        '"browse.refresh" = "f5"\n'
        "[connections.acme]\n"
        'vendor = "lms365"\n'
        'base_url = "https://api.365.systems"\n'
        'api_key = { env = "ACME_KEY" }\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ACME_KEY", "not-a-real-key")
    seen: dict[str, object] = {}

    class Started:
        def run(self) -> None:
            seen["ran"] = True

    def fake_make_app(connections: list[Connection], **options: object) -> Started:
        seen.update(options, names=[c.name for c in connections])
        return Started()

    monkeypatch.setattr("tui.app.make_app", fake_make_app)
    assert main(["--config", str(config)]) == 0
    assert seen == {
        "keymap": {"browse.refresh": "f5"},
        "theme": "light",
        "names": ["acme"],
        "ran": True,
    }
