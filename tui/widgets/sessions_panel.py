"""A course's sessions under its detail: one line that says what is known, and a small table.

The panel loads the sessions itself, in a worker that ends with the panel (closing the detail
cancels it), and only when the connection's connector class can list sessions; otherwise it says
so without opening a connector.
"""

from __future__ import annotations

from enum import StrEnum

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Static

from core.connections import Connection
from core.models import Session
from tui.loading import ConnectorFactory
from tui.sessions import (
    SESSION_COLUMNS,
    SessionsFailed,
    SessionsLoaded,
    lists_sessions,
    load_sessions,
    no_sessions_text,
    session_row,
)


class SessionsState(StrEnum):
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"
    UNSUPPORTED = "unsupported"


class SessionsPanel(Vertical):
    def __init__(
        self,
        connection: Connection,
        course_id: str,
        factory: ConnectorFactory,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.connection = connection
        self.course_id = course_id
        self._factory = factory
        self.sessions: list[Session] = []
        self.state = SessionsState.LOADING
        self.text = ""

    def compose(self) -> ComposeResult:
        yield Label("Sessions", classes="detail-section")
        yield Static(id="sessions-status")
        table: DataTable[str] = DataTable(id="sessions-table", cursor_type="row")
        table.add_columns(*SESSION_COLUMNS)
        table.display = False
        yield table

    def on_mount(self) -> None:
        if lists_sessions(self.connection):
            self._show(SessionsState.LOADING, "Loading sessions…")
            self._load()
        else:
            self._show(SessionsState.UNSUPPORTED, no_sessions_text(self.connection))

    @work(group="sessions", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        await load_sessions(self.connection, self.course_id, self._factory, self.post_message)

    def _show(self, state: SessionsState, text: str) -> None:
        self.state = state
        self.text = text
        status = self.query_one("#sessions-status", Static)
        status.update(text)
        status.set_class(state is SessionsState.FAILED, "-error")

    @on(SessionsLoaded)
    def _loaded(self, message: SessionsLoaded) -> None:
        if message.course_id != self.course_id:
            return
        self.sessions = message.sessions
        count = len(self.sessions)
        if not count:
            self._show(SessionsState.LOADED, "No sessions for this course.")
            return
        self._show(SessionsState.LOADED, f"{count} session{'s' if count != 1 else ''}")
        table = self.query_one("#sessions-table", DataTable)
        table.clear()
        table.add_rows(session_row(s) for s in self.sessions)
        table.display = True

    @on(SessionsFailed)
    def _failed(self, message: SessionsFailed) -> None:
        if message.course_id == self.course_id:
            self._show(SessionsState.FAILED, f"Could not load sessions: {message.error}")
