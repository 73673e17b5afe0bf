"""The activity log: persisted owner-only, reloaded after a restart, never holding a secret."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

from textual.widgets import Input

from core.connections import Connection
from core.operations import Action, ItemReport, Outcome, Request
from tests.tui.actions import SIZE, app_on, free_pairs, fresh_view, only, settle
from tui.activity import ActivityLog, scrub
from tui.loading import ConnectorFactory
from tui.screens.activity import ActivityScreen
from tui.screens.enroll import EnrollScreen
from tui.screens.export import ExportScreen
from tui.widgets.virtual_table import VirtualTable


async def enroll_through_the_form(
    connection: Connection, factory: ConnectorFactory, state: Path, user_id: str, course_id: str
) -> None:
    app = app_on([connection], factory, state)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = EnrollScreen(
            connection, factory, app.workspace, user_id=user_id, course_id=course_id
        )
        await app.push_screen(screen)
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.outcome is Outcome.CREATED


async def test_activity_log_is_kept_owner_only_and_shown_after_a_restart(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    docebo = only(connections, "docebo")
    ((user, course),) = free_pairs(await fresh_view(factory, docebo), 1)
    state = tmp_path / "state"
    await enroll_through_the_form(docebo, factory, state, user.id, course.id)
    path = state / "activity.jsonl"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    app = app_on([docebo], factory, state)  # a new app: the log is read from the file
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        screen = app.screen
        assert isinstance(screen, ActivityScreen)
        table = screen.query_one("#activity-table", VirtualTable)
        assert table.row_count == 1
        (entry,) = app.workspace.activity.entries
        assert (entry.connection, entry.action, entry.outcome) == (
            "sandbox-docebo",
            "enroll",
            "created",
        )
        assert (entry.user, entry.course) == (user.primary_email, course.title)
        await pilot.press("x")
        export = app.screen
        assert isinstance(export, ExportScreen)
        export.query_one("#export-path", Input).value = str(tmp_path / "activity.csv")
        await pilot.press("enter")
        await settle(app, pilot)
    with (tmp_path / "activity.csv").open(newline="") as stream:
        (row,) = list(csv.DictReader(stream))
    assert row["outcome"] == "created" and row["connection"] == "sandbox-docebo"


async def test_activity_log_holds_no_secret(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    docebo = only(connections, "docebo")
    ((user, course),) = free_pairs(await fresh_view(factory, docebo), 1)
    await enroll_through_the_form(docebo, factory, tmp_path, user.id, course.id)
    text = (tmp_path / "activity.jsonl").read_text()
    assert text.count("\n") == 1
    for name, value in docebo.secrets.items():
        if name in ("client_secret", "password"):
            assert value not in text


def test_activity_log_redacts_a_secret_that_turns_up_in_a_message(tmp_path: Path) -> None:
    connection = Connection(
        name="acme",
        vendor="docebo",
        base_url="https://acme.example",
        secrets={"client_secret": "s3cr3t-value-123", "username": "admin"},
    )
    report = ItemReport(
        index=0,
        request=Request(Action.ENROLL, "admin@acme.example", "C-1"),
        outcome=Outcome.FAILED,
        message="token s3cr3t-value-123 refused",
    )
    log = ActivityLog(tmp_path / "activity.jsonl")
    log.record(connection, "bulk", [report])
    text = (tmp_path / "activity.jsonl").read_text()
    assert "s3cr3t-value-123" not in text
    assert "token *** refused" in text
    assert "admin@acme.example" in text  # a username is not a secret
    assert scrub("no secret here", connection.secrets) == "no secret here"


def test_activity_log_skips_invalid_and_resumed_items_and_a_torn_line(tmp_path: Path) -> None:
    connection = Connection(name="acme", vendor="kombo", base_url="https://acme.example")
    request = Request(Action.ENROLL, "a@acme.example", "C-1")
    reports = [
        ItemReport(index=0, request=request, outcome=Outcome.INVALID, message="unknown user"),
        ItemReport(index=1, request=request, outcome=Outcome.CREATED, resumed=True),
        ItemReport(index=2, request=request, outcome=Outcome.REMOVED, message="unenrolled"),
    ]
    path = tmp_path / "activity.jsonl"
    ActivityLog(path).record(connection, "bulk", reports)
    with path.open("ab") as stream:
        stream.write(b'{"at": "2026-')  # a write cut short
    (entry,) = ActivityLog(path).entries
    assert entry.outcome == "removed"
