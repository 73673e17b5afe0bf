"""Unenrolling from the enrollments table: a confirmation that names who and what first."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input

from core.connections import Connection
from core.models import Enrollment
from tests.tui.actions import SIZE, app_on, enrolled, fresh_view, only, settle
from tui.app import LmsBridgeApp
from tui.loading import ConnectorFactory
from tui.records import Kind
from tui.screens.browse import BrowseScreen
from tui.screens.bulk import BulkScreen
from tui.widgets.confirmation import ConfirmationModal


def pairs(app: LmsBridgeApp, indices: list[int]) -> list[tuple[str, str]]:
    records = [app.browser.record(Kind.ENROLLMENTS, i) for i in indices]
    assert all(isinstance(r, Enrollment) for r in records)
    return [(r.user.id, r.course.id) for r in records if isinstance(r, Enrollment)]


def selected(app: LmsBridgeApp) -> list[int]:
    return app.browser.table(Kind.ENROLLMENTS).selected


async def test_unenroll_confirmation_defaults_to_cancel_and_escape_changes_nothing(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    docebo = only(connections, "docebo")
    app = app_on([docebo], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "space")
        chosen = pairs(app, selected(app))
        assert len(chosen) == 2
        await pilot.press("U")
        modal = app.screen
        assert isinstance(modal, ConfirmationModal)
        assert isinstance(app.focused, Button) and app.focused.id == "cancel-button"
        body = "\n".join(modal.lines)
        assert "2 enrollments on sandbox-docebo (Docebo) will be removed" in body
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, BrowseScreen)
        await pilot.press("U", "enter")  # enter presses the focused button: Cancel
        await settle(app, pilot)
        assert isinstance(app.screen, BrowseScreen)
        assert len(selected(app)) == 2
    after = await fresh_view(factory, docebo)
    assert all(enrolled(after, user, course) for user, course in chosen)
    assert not (tmp_path / "activity.jsonl").exists()


async def test_unenroll_selection_removes_it_at_the_vendor(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    docebo = only(connections, "docebo")
    app = app_on([docebo], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "down", "space")
        chosen = pairs(app, selected(app))
        await pilot.press("U")
        modal = app.screen
        assert isinstance(modal, ConfirmationModal)
        dataset = app.browser.dataset(Kind.ENROLLMENTS)
        assert dataset is not None
        names = [dataset.rows[i][0] for i in selected(app)]
        assert all(name in "\n".join(modal.lines) for name in names)
        await pilot.press("tab", "enter")  # move to Unenroll 2, then press it
        await settle(app, pilot)
        bulk = app.screen
        assert isinstance(bulk, BulkScreen)
        assert [str(r.outcome) for r in bulk.reports] == ["removed", "removed"]
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, BrowseScreen)
        assert selected(app) == []  # the browser reloaded the changed connection
    after = await fresh_view(factory, docebo)
    assert not any(enrolled(after, user, course) for user, course in chosen)


async def test_unenroll_of_many_needs_the_count_typed(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    docebo = only(connections, "docebo")
    app = app_on([docebo], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*["space"] * 12)
        await pilot.press("U")
        modal = app.screen
        assert isinstance(modal, ConfirmationModal)
        confirm = modal.query_one("#confirm-button", Button)
        assert confirm.disabled
        count = modal.query_one("#confirmation-count", Input)
        count.value = "11"
        await pilot.pause()
        assert confirm.disabled
        count.value = "12"
        await pilot.pause()
        assert not confirm.disabled
        await pilot.press("escape")
        await settle(app, pilot)
    assert not (tmp_path / "activity.jsonl").exists()
