"""Snapshots of the main browsing screens: a fixed terminal size, the default scenario's seeded
data in an in-memory sandbox, and a frozen clock (the scenario's reference date), so the same
code draws the same screen. Update them with ``pytest tests/tui/test_snapshots.py
--snapshot-update`` and look at the SVGs under ``__snapshots__/`` before committing them."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from textual.pilot import Pilot

from core.connections import Connection
from core.connector import Connector
from tests.conftest import in_process_client
from tui.app import LmsBridgeApp, make_app

SIZE = (130, 36)
REFERENCE = datetime(2026, 11, 1, 9, tzinfo=UTC)

Compare = Callable[..., bool]


def frozen_clock() -> datetime:
    return REFERENCE


def snapshot_app(
    sandbox_app: Starlette, connections: Sequence[Connection], **options: Any
) -> LmsBridgeApp:
    """The app on the sandbox, every connector with its own in-process client (the snapshot
    runs the app in an event loop of its own, so clients are made and closed inside it)."""

    def factory(connection: Connection) -> Connector:
        connector = connection.connector(http_client=in_process_client(sandbox_app))
        connector._owns_client = True  # closed when the load closes the connector
        return connector

    return make_app(connections, connector_factory=factory, clock=frozen_clock, **options)


def after(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Wait for every load, press ``keys`` one by one (each waited for), and settle."""

    async def run(pilot: Pilot[None]) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    return run


def test_snapshot_enrollments(
    snap_compare: Compare, sandbox_app: Starlette, connections: list[Connection]
) -> None:
    app = snapshot_app(sandbox_app, connections)
    assert snap_compare(app, terminal_size=SIZE, run_before=after())


def test_snapshot_users(
    snap_compare: Compare, sandbox_app: Starlette, connections: list[Connection]
) -> None:
    app = snapshot_app(sandbox_app, connections)
    assert snap_compare(app, terminal_size=SIZE, run_before=after("1"))


def test_snapshot_all_connections(
    snap_compare: Compare, sandbox_app: Starlette, connections: list[Connection]
) -> None:
    app = snapshot_app(sandbox_app, connections)
    assert snap_compare(app, terminal_size=SIZE, run_before=after("0"))


def test_snapshot_user_enrollments_after_jump(
    snap_compare: Compare, sandbox_app: Starlette, connections: list[Connection]
) -> None:
    app = snapshot_app(sandbox_app, connections)
    keys = ("1", "down", "down", "enter")
    assert snap_compare(app, terminal_size=SIZE, run_before=after(*keys))


def test_snapshot_facet_picker(
    snap_compare: Compare, sandbox_app: Starlette, connections: list[Connection]
) -> None:
    app = snapshot_app(sandbox_app, connections)
    assert snap_compare(app, terminal_size=SIZE, run_before=after("f", "space"))


def test_snapshot_column_picker(
    snap_compare: Compare, sandbox_app: Starlette, connections: list[Connection]
) -> None:
    app = snapshot_app(sandbox_app, connections)
    assert snap_compare(app, terminal_size=SIZE, run_before=after("c", "down", "space"))


def test_snapshot_sorted_light_theme(
    snap_compare: Compare, sandbox_app: Starlette, connections: list[Connection]
) -> None:
    app = snapshot_app(sandbox_app, connections, theme="light")
    keys = ("right", "right", "right", "right", "s", "s")  # Due, descending
    assert snap_compare(app, terminal_size=SIZE, run_before=after(*keys))


def test_snapshot_failing_connection(
    snap_compare: Compare, sandbox_app: Starlette, connections: list[Connection]
) -> None:
    (docebo,) = [c for c in connections if c.vendor == "docebo"]
    wrong = dataclasses.replace(docebo, secrets={**docebo.secrets, "client_secret": "wrong"})
    app = snapshot_app(sandbox_app, [wrong])
    assert snap_compare(app, terminal_size=SIZE, run_before=after())
