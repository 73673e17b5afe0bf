"""Bulk runs from a CSV file and from selected rows: the dry run, the run, retrying failures."""

from __future__ import annotations

import csv
from pathlib import Path

from starlette.applications import Starlette

from core.connections import Connection
from core.operations import LOST_ANSWER_ATTEMPTS, Outcome
from tests.tui.actions import (
    SIZE,
    add_fault,
    app_on,
    enrolled,
    free_pairs,
    fresh_view,
    only,
    settle,
)
from tui.loading import ConnectorFactory
from tui.records import Kind
from tui.screens.bulk import BulkScreen
from tui.widgets.virtual_table import VirtualTable


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["user", "course"])
        writer.writerows(rows)
    return path


async def test_bulk_csv_dry_run_then_run_enrolls_the_valid_rows(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    docebo = only(connections, "docebo")
    pairs = free_pairs(await fresh_view(factory, docebo), 2)
    rows = [(u.primary_email or "", c.code or c.id) for u, c in pairs]
    path = write_csv(tmp_path / "bulk.csv", [*rows, ("nobody@example.invalid", rows[0][1])])
    app = app_on([docebo], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        screen = app.screen
        assert isinstance(screen, BulkScreen)
        await pilot.press(*str(path), "enter")
        await settle(app, pilot)
        assert screen.summary.startswith("Dry run: 2 create · 1 invalid")
        assert "row 3: unknown user 'nobody@example.invalid'" in screen.summary
        assert "Nothing has been changed." in screen.summary
        assert not enrolled(await fresh_view(factory, docebo), pairs[0][0].id, pairs[0][1].id)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        outcomes = [r.outcome for r in screen.reports]
        assert outcomes == [Outcome.CREATED, Outcome.CREATED, Outcome.INVALID]
        assert screen.query_one("#bulk-table", VirtualTable).row_count == 3
    after = await fresh_view(factory, docebo)
    assert all(enrolled(after, u.id, c.id) for u, c in pairs)


async def test_bulk_from_selected_users_and_courses_enrolls_each_pair(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    kombo = only(connections, "kombo")
    app = app_on([kombo], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "space", "space", "2", "space")
        browser = app.browser
        users = [browser.record(Kind.USERS, i) for i in browser.table(Kind.USERS).selected]
        courses = [browser.record(Kind.COURSES, i) for i in browser.table(Kind.COURSES).selected]
        await pilot.press("b")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BulkScreen)
        assert len(screen.requests) == 2
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert all(r.outcome.ok for r in screen.reports)
    after = await fresh_view(factory, kombo)
    assert len(users) == 2 and len(courses) == 1
    for user in users:
        for course in courses:
            assert user is not None and course is not None
            assert enrolled(after, user.id, course.id)


async def test_bulk_retry_failures_sends_only_the_failed_items(
    sandbox_app: Starlette,
    connections: list[Connection],
    factory: ConnectorFactory,
    tmp_path: Path,
) -> None:
    docebo = only(connections, "docebo")
    pairs = free_pairs(await fresh_view(factory, docebo), 3)
    failing_user, failing_course = pairs[1]
    path = f"/learn/v1/enrollments/{failing_course.remote_id}/{failing_user.remote_id}"
    await add_fault(
        sandbox_app,
        {"vendor": "docebo", "path": path, "status": 500, "count": LOST_ANSWER_ATTEMPTS},
    )
    csv_path = write_csv(tmp_path / "bulk.csv", [(u.id, c.id) for u, c in pairs])
    app = app_on([docebo], factory, tmp_path / "state")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("b", *str(csv_path), "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BulkScreen)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert [r.outcome for r in screen.reports] == [
            Outcome.CREATED,
            Outcome.FAILED,
            Outcome.CREATED,
        ]
        assert "HTTP 500" in screen.reports[1].message
        assert "Retry failures" in screen.summary
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert [r.outcome for r in screen.reports] == [Outcome.CREATED] * 3
        assert [r.resumed for r in screen.reports] == [True, False, True]
        entries = app.workspace.activity.entries
        assert sorted(e.outcome for e in entries[:3]) == ["created", "created", "failed"]
        assert [(e.outcome, e.user) for e in entries[3:]] == [
            ("created", failing_user.primary_email)
        ]
    after = await fresh_view(factory, docebo)
    assert all(enrolled(after, u.id, c.id) for u, c in pairs)
