"""Reconciling two connections and enrolling the side where an enrollment is missing."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button

from core.connections import Connection
from core.reconcile import DifferenceKind, reconcile
from tests.tui.actions import SIZE, app_on, fresh_view, only, settle
from tui.loading import ConnectorFactory
from tui.screens.reconcile import ReconcileScreen
from tui.widgets.confirmation import ConfirmationModal
from tui.widgets.virtual_table import VirtualTable


async def test_reconcile_enrolls_the_missing_side_after_confirmation(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    docebo, kombo = only(connections, "docebo"), only(connections, "kombo")
    app = app_on([docebo, kombo], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, ReconcileScreen)
        await pilot.press("enter")  # Compare has the focus
        await settle(app, pilot)
        assert screen.result is not None and screen.views is not None
        assert screen.summary.startswith("A = sandbox-docebo, B = sandbox-kombo: ")
        table = screen.query_one("#reconcile-table", VirtualTable)
        assert table.row_count == len(screen.result.differences) > 0
        index = next(
            i
            for i, d in enumerate(screen.result.differences)
            if d.kind is DifferenceKind.MISSING_IN_B
        )
        difference = screen.result.differences[index]
        assert difference.a is not None
        table.move_cursor(index)
        await pilot.press("enter")
        modal = app.screen
        assert isinstance(modal, ConfirmationModal)
        assert f"Enroll {difference.email} in “{difference.course}” on sandbox-kombo" in (
            "\n".join(modal.lines)
        )
        assert isinstance(app.focused, Button) and app.focused.id == "cancel-button"
        await pilot.press("tab", "enter")
        await settle(app, pilot)
        assert screen.rows[index][-1] in ("created", "already enrolled")
    after = reconcile(await fresh_view(factory, docebo), await fresh_view(factory, kombo))
    pairs = {(d.kind, d.email, d.course) for d in after.differences}
    assert (DifferenceKind.MISSING_IN_B, difference.email, difference.course) not in pairs
    assert len(after.differences) == len(screen.result.differences) - 1
    entries = app.workspace.activity.entries
    assert [(e.connection, e.source) for e in entries] == [("sandbox-kombo", "reconcile")]


async def test_reconcile_of_a_status_difference_offers_no_change(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    docebo, ispring = only(connections, "docebo"), only(connections, "ispring")
    app = app_on([docebo, ispring], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("m", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReconcileScreen) and screen.result is not None
        kinds = [d.kind for d in screen.result.differences]
        index = next(i for i, k in enumerate(kinds) if k is DifferenceKind.STATUS)
        screen.query_one("#reconcile-table", VirtualTable).move_cursor(index)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        assert not app.workspace.activity.entries
