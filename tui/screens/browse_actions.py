"""The browse screen's keys for changing things: enroll, unenroll, bulk, reconcile, and for
export, the activity log and the dashboard. Each opens its screen through ``tui.launch``."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui import launch

if TYPE_CHECKING:
    from tui.screens.browse import BrowseScreen


class BrowseActions(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "enroll", "Enroll", tooltip="Enroll a user in a course", id="browse.enroll"),
        Binding(
            "U",
            "unenroll",
            "Unenroll",
            tooltip="Unenroll the selected enrollments (asks first)",
            id="browse.unenroll",
        ),
        Binding(
            "b",
            "bulk",
            "Bulk",
            tooltip="Bulk: each selected user in each selected course, or a CSV file",
            id="browse.bulk",
        ),
        Binding(
            "w",
            "export",
            "Export",
            show=False,
            tooltip="Export this view to CSV or JSON",
            id="browse.export",
        ),
        Binding(
            "m",
            "reconcile",
            "Reconcile",
            show=False,
            tooltip="Reconcile two connections",
            id="browse.reconcile",
        ),
        Binding(
            "a",
            "activity",
            "Activity",
            show=False,
            tooltip="Show the activity log",
            id="browse.activity",
        ),
        Binding(
            "g",
            "dashboard",
            "Dashboard",
            show=False,
            tooltip="Show the dashboard of these enrollments",
            id="browse.dashboard",
        ),
    ]

    def _browse(self) -> BrowseScreen:
        return cast("BrowseScreen", self)

    def action_enroll(self) -> None:
        launch.open_enroll(self._browse())

    def action_unenroll(self) -> None:
        launch.open_unenroll(self._browse())

    def action_bulk(self) -> None:
        launch.open_bulk(self._browse())

    def action_export(self) -> None:
        launch.open_export(self._browse())

    def action_reconcile(self) -> None:
        launch.open_reconcile(self._browse())

    def action_activity(self) -> None:
        launch.open_activity(self._browse())

    def action_dashboard(self) -> None:
        launch.open_dashboard(self._browse())
