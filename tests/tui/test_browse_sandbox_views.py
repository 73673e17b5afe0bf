"""Browsing against the real connectors and the in-process sandbox: All connections, jumps,
facets, sort and the fuzzy filter, each checked against what the vendor itself lists."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from core.connections import Connection
from core.connectors.docebo import DoceboConnector
from core.models import Enrollment
from tests.tui.fakes import loaded, run_command, status, table, visible_rows
from tui.app import make_app
from tui.facets import is_overdue
from tui.loading import ConnectorFactory
from tui.records import Kind

SIZE = (120, 40)
REFERENCE = datetime(2026, 11, 1, 9, tzinfo=UTC)  # the default scenario's reference date


def docebo_of(connections: list[Connection]) -> Connection:
    (connection,) = [c for c in connections if c.vendor == "docebo"]
    return connection


def shown_ids(app: object, kind: Kind) -> list[str]:
    grid = table(app, kind)  # type: ignore[arg-type]
    dataset = app.browser.dataset(kind)  # type: ignore[attr-defined]
    return [dataset.records[grid.row_index(p)].id for p in range(grid.row_count)]


async def test_sandbox_all_connections_merge_every_vendor(
    connections: list[Connection], factory: ConnectorFactory
) -> None:
    app = make_app(connections, connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("0")
        await loaded(app, pilot)
        totals = {
            c.name: app.browser.store.data[c.name][Kind.ENROLLMENTS].total for c in connections
        }
        rows = visible_rows(table(app, Kind.ENROLLMENTS))
        assert len(rows) == sum(totals.values()) and all(totals.values())
        assert {row[1] for row in rows} == {c.vendor for c in connections}
        assert status(app).startswith(f"All connections · {len(rows):,} enrollments · loaded")


async def test_sandbox_enter_on_user_lists_exactly_their_enrollments(
    docebo: DoceboConnector, connections: list[Connection], factory: ConnectorFactory
) -> None:
    enrollments = [e async for e in docebo.list_enrollments()]
    app = make_app([docebo_of(connections)], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("1", "down", "down", "enter")
        user = app.browser.store.data[docebo_of(connections).name][Kind.USERS].records[2]
        expected = [e.id for e in enrollments if e.user.id == user.id]
        assert shown_ids(app, Kind.ENROLLMENTS) == expected and expected


async def test_sandbox_enter_on_course_lists_exactly_its_enrollments(
    docebo: DoceboConnector, connections: list[Connection], factory: ConnectorFactory
) -> None:
    enrollments = [e async for e in docebo.list_enrollments()]
    app = make_app([docebo_of(connections)], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("2", "enter")
        course = app.browser.store.data[docebo_of(connections).name][Kind.COURSES].records[0]
        expected = [e.id for e in enrollments if e.course.id == course.id]
        assert shown_ids(app, Kind.ENROLLMENTS) == expected and expected


async def test_sandbox_overdue_facet_matches_vendor_data(
    docebo: DoceboConnector, connections: list[Connection], factory: ConnectorFactory
) -> None:
    enrollments = [e async for e in docebo.list_enrollments()]
    app = make_app([docebo_of(connections)], connector_factory=factory, clock=lambda: REFERENCE)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await run_command(app, "Facet: overdue")
        expected = [e.id for e in enrollments if is_overdue(e, REFERENCE)]
        assert shown_ids(app, Kind.ENROLLMENTS) == expected
        assert 0 < len(expected) < len(enrollments)


async def test_sandbox_sort_by_due_descending(
    connections: list[Connection], factory: ConnectorFactory
) -> None:
    app = make_app([docebo_of(connections)], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await run_command(app, "Sort by Due descending")
        due = [row[4] for row in visible_rows(table(app, Kind.ENROLLMENTS))]
        dated = [d for d in due if d]
        assert dated == sorted(dated, reverse=True)
        assert due == dated + [""] * (len(due) - len(dated))  # no date: last


async def test_sandbox_filter_with_typo_finds_the_course(
    docebo: DoceboConnector, connections: list[Connection], factory: ConnectorFactory
) -> None:
    enrollments = [e async for e in docebo.list_enrollments()]
    title = enrollments[0].course.title or ""
    typo = title[:3] + title[4:]  # one letter dropped
    app = make_app([docebo_of(connections)], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("/", *typo)
        rows = visible_rows(table(app, Kind.ENROLLMENTS))
        assert {row[1] for row in rows} >= {title}
        assert len([row for row in rows if row[1] == title]) == len(
            [e for e in enrollments if e.course.title == title]
        )
        assert "(fuzzy matches)" in status(app)


async def test_sandbox_failing_connection_in_all_view_keeps_the_others(
    connections: list[Connection], factory: ConnectorFactory
) -> None:
    kombo = next(c for c in connections if c.vendor == "kombo")
    broken = dataclasses.replace(kombo, secrets={**kombo.secrets, "api_key": "wrong"})
    others = [c for c in connections if c.vendor != "kombo"]
    app = make_app([*others, broken], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("0")
        await loaded(app, pilot)
        line = status(app)
        assert f"failed: {broken.name}: kombo: HTTP 401" in line
        assert "wrong" not in line
        rows = visible_rows(table(app, Kind.ENROLLMENTS))
        assert {row[1] for row in rows} == {c.vendor for c in others}
        assert isinstance(app.browser.dataset(Kind.ENROLLMENTS).records[0], Enrollment)  # type: ignore[union-attr]
