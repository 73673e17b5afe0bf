"""Exporting the current view, with its filter, to CSV or JSON lines, whole or not at all."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from textual.widgets import Input, Select

from core.connections import Connection
from tests.tui.actions import SIZE, app_on, only, settle
from tui.loading import ConnectorFactory
from tui.records import Kind
from tui.screens.export import ExportScreen
from tui.scripting import EXPORT_COLUMNS


async def test_export_writes_the_filtered_enrollments_as_csv(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    lms365 = only(connections, "lms365")
    target = tmp_path / "out.csv"
    app = app_on([lms365], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.browser.table(Kind.ENROLLMENTS)
        dataset = app.browser.dataset(Kind.ENROLLMENTS)
        assert dataset is not None
        query = dataset.rows[0][1]  # the first enrollment's course, by name
        await pilot.press("/", *query, "enter")
        await pilot.pause()
        shown = [dataset.records[table.row_index(p)].id for p in range(table.row_count)]
        assert 0 < len(shown) < dataset.total
        await pilot.press("w")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.written == target
    with target.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [r["id"] for r in rows] == shown
    assert list(rows[0]) == list(EXPORT_COLUMNS["enrollments"])
    assert not (tmp_path / ".out.csv.partial").exists()


async def test_export_as_json_asks_before_replacing_a_file(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    kombo = only(connections, "kombo")
    target = tmp_path / "users.json"
    target.write_text("keep me")
    app = app_on([kombo], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "w")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        screen.query_one("#export-format", Select).value = "json"
        screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "exists: Export again to replace it" in screen.error
        assert target.read_text() == "keep me"
        await pilot.press("enter")
        await settle(app, pilot)
        total = app.browser.table(Kind.USERS).row_count
    lines = target.read_text().splitlines()
    assert len(lines) == total > 0
    assert set(json.loads(lines[0])) == set(EXPORT_COLUMNS["users"])


async def test_export_to_a_missing_directory_says_so_and_writes_nothing(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    kombo = only(connections, "kombo")
    app = app_on([kombo], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("w")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        screen.query_one("#export-path", Input).value = str(tmp_path / "nowhere" / "x.csv")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.error == f"There is no directory {tmp_path / 'nowhere'}."
        assert app.screen is screen
