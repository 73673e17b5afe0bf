"""The browse screen on the real Docebo connector and the real in-process sandbox."""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest
from starlette.applications import Starlette
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from core.connections import Connection
from core.connector import Connector
from core.connectors.docebo import DoceboConnector
from tests.conftest import in_process_client
from tui.app import LmsBridgeApp, make_app
from tui.loading import ConnectorFactory
from tui.records import Kind, RowBuilder, search_text
from tui.screens.detail import DetailScreen
from tui.widgets.status_bar import StatusBar
from tui.widgets.virtual_table import VirtualTable

SIZE = (120, 40)


@pytest.fixture
def docebo_connection(connections: list[Connection]) -> Connection:
    (connection,) = [c for c in connections if c.vendor == "docebo"]
    return connection


async def loaded(app: LmsBridgeApp, pilot: Pilot[None]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def table(app: LmsBridgeApp, kind: Kind) -> VirtualTable:
    return app.browser.query_one(f"#{kind.value}-table", VirtualTable)


async def test_sandbox_load_shows_every_record(
    docebo: DoceboConnector, docebo_connection: Connection, factory: ConnectorFactory
) -> None:
    users = [u async for u in docebo.list_users()]
    courses = [c async for c in docebo.list_courses()]
    enrollments = [e async for e in docebo.list_enrollments()]
    app = make_app([docebo_connection], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        assert table(app, Kind.USERS).row_count == len(users) > 0
        assert table(app, Kind.COURSES).row_count == len(courses) > 0
        assert table(app, Kind.ENROLLMENTS).row_count == len(enrollments) > 0
        status = app.browser.query_one(StatusBar).text
        assert (
            status
            == f"{docebo_connection.name} · {len(enrollments):,} enrollments · loaded just now"
        )


async def test_sandbox_filter_narrows_to_matching_enrollments(
    docebo: DoceboConnector, docebo_connection: Connection, factory: ConnectorFactory
) -> None:
    builder = RowBuilder(Kind.ENROLLMENTS)
    rows = [builder.row(e) async for e in docebo.list_enrollments()]
    query = rows[0][1]  # the first enrollment's course title
    expected = [row for row in rows if query.lower() in search_text(row)]
    app = make_app([docebo_connection], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("/", *query.upper())
        await pilot.pause()
        grid = table(app, Kind.ENROLLMENTS)
        dataset = app.browser.dataset(Kind.ENROLLMENTS)
        assert dataset is not None
        shown = [dataset.rows[grid.row_index(p)] for p in range(grid.row_count)]
        assert sorted(shown) == sorted(expected)
        assert 0 < len(shown) < len(rows)


async def test_sandbox_enter_shows_record_and_remote_data(
    docebo_connection: Connection, factory: ConnectorFactory
) -> None:
    app = make_app([docebo_connection], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        remote = json.loads(detail.remote_json)
        assert remote == dict(detail.record.remote_data)
        assert {"course_id", "user_id"} <= remote.keys()
        assert json.loads(detail.record_json)["id"] == detail.record.id


async def test_sandbox_number_keys_switch_tabs(
    docebo_connection: Connection, factory: ConnectorFactory
) -> None:
    app = make_app([docebo_connection], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        await pilot.press("1")
        await pilot.pause()
        assert app.browser.query_one(TabbedContent).active == Kind.USERS.value
        assert " users · loaded just now" in app.browser.query_one(StatusBar).text


async def test_sandbox_wrong_secret_shows_authentication_error(
    docebo_connection: Connection, factory: ConnectorFactory
) -> None:
    secrets = {**docebo_connection.secrets, "client_secret": "wrong"}
    wrong = dataclasses.replace(docebo_connection, secrets=secrets)
    app = make_app([wrong], connector_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        status = app.browser.query_one(StatusBar).text
        assert "failed: docebo: HTTP 401" in status
        assert "wrong" not in status
        assert table(app, Kind.ENROLLMENTS).row_count == 0
        await pilot.press("r")
        await loaded(app, pilot)
        assert app.is_running


async def test_sandbox_listings_of_a_connection_sign_in_once(
    docebo_connection: Connection, sandbox_app: Starlette
) -> None:
    """The users, courses and enrollments loads share one connector, so one token."""
    tokens: list[httpx.Request] = []
    clients: list[httpx.AsyncClient] = []

    async def seen(request: httpx.Request) -> None:
        if request.url.path.endswith("/oauth2/token"):
            tokens.append(request)

    def counting(connection: Connection) -> Connector:
        clients.append(in_process_client(sandbox_app))
        clients[-1].event_hooks["request"].append(seen)
        return connection.connector(http_client=clients[-1])

    app = make_app([docebo_connection], connector_factory=counting)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await loaded(app, pilot)
            assert all(app.browser.dataset(kind).total for kind in Kind)  # type: ignore[union-attr]
            assert len(tokens) == 1 and len(clients) == 1
    finally:
        for client in clients:
            await client.aclose()
