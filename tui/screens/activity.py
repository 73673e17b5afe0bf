"""The activity log: every change made from this terminal, newest first, and its export."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static

from tui.activity import COLUMNS, ActivityLog
from tui.screens.export import ExportScreen
from tui.widgets.virtual_table import VirtualTable

HEADERS = ("When", "Connection", "Vendor", "From", "Action", "User", "Course", "Outcome", "Message")


class ActivityScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="activity.close"),
        Binding("x", "export", "Export", id="activity.export"),
    ]

    def __init__(self, activity: ActivityLog) -> None:
        super().__init__()
        self.activity = activity

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(classes="action-body"):
            yield Label("Activity: every change made from this terminal", classes="action-title")
            yield Static(id="activity-summary", classes="summary muted")
            yield VirtualTable(HEADERS, id="activity-table", classes="action-table")
        yield Footer()

    def on_mount(self) -> None:
        entries = self.activity.entries
        table = self.query_one("#activity-table", VirtualTable)
        table.empty_text = "No changes yet: enroll (e), unenroll (u) or bulk (b) from the browser."
        table.set_rows([entry.row for entry in reversed(entries)])
        table.focus()
        count = len(entries)
        text = f"{count:,} change{'s' if count != 1 else ''}, kept in {self.activity.path}"
        self.query_one("#activity-summary", Static).update(Text(text))

    def action_export(self) -> None:
        default = Path.cwd() / "lmsbridge-activity.csv"
        rows = self.activity.rows()
        self.app.push_screen(
            ExportScreen(rows, COLUMNS, what="the activity log", default_path=default)
        )

    def action_close(self) -> None:
        self.dismiss()
