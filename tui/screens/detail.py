"""A modal with the whole normalized record and the vendor's raw ``remote_data``, as JSON.

A course opened with its connection also shows the course's sessions (``SessionsPanel``). On a
user or a course, ``e`` closes the view with ``"enrollments"``: the browse screen then shows that
user's or course's enrollments.
"""

from __future__ import annotations

from typing import ClassVar

from rich.json import JSON
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from core.connections import Connection
from core.models import Course, User
from tui.loading import ConnectorFactory
from tui.records import Record, record_fields, to_json
from tui.widgets.sessions_panel import SessionsPanel


class DetailScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="detail.close"),
        Binding("e", "enrollments", "Enrollments", id="detail.enrollments"),
    ]

    def __init__(
        self,
        record: Record,
        *,
        title: str,
        connection: Connection | None = None,
        factory: ConnectorFactory | None = None,
    ) -> None:
        """``connection`` and ``factory``, when given for a course, load its sessions."""
        super().__init__()
        self.record = record
        self.connection = connection
        self.factory = factory
        self.title_text = title
        self.record_json = to_json(record_fields(record))
        self.remote_json = to_json(record.remote_data)

    def compose(self) -> ComposeResult:
        with Vertical(id="detail"):
            yield Label(self.title_text, id="detail-title")
            with Horizontal(id="detail-body"):
                with VerticalScroll(id="detail-record", classes="detail-pane"):
                    yield Label("Normalized record", classes="detail-section")
                    yield Static(JSON(self.record_json))
                with VerticalScroll(id="detail-remote", classes="detail-pane"):
                    yield Label("remote_data (raw)", classes="detail-section")
                    yield Static(JSON(self.remote_json))
            if (
                isinstance(self.record, Course)
                and self.connection is not None
                and self.factory is not None
            ):
                yield SessionsPanel(
                    self.connection, self.record.id, self.factory, id="detail-sessions"
                )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail-record").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enrollments":
            return isinstance(self.record, User | Course)
        return True

    def action_enrollments(self) -> None:
        self.dismiss("enrollments")
