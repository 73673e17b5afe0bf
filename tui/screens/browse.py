"""The main screen: connections on the left, a tab per listing, a filter, a breadcrumb, a status
line.

Each connection's three listings load in workers (``tui.loading``) as soon as it is first shown,
every connection's when "All connections" is; batches come back as messages and grow the store's
datasets in place (``tui.store``). What a tab shows (sort, facets, typed filter) is worked out by
its dataset (``tui.dataset``); the table only paints the window on screen. Sorting, facets,
columns and the jumps between users, courses and enrollments live in ``BrowseViews``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Header, Input, Label, OptionList, TabbedContent, TabPane
from textual.worker import Worker

from core.connections import Connection
from tui.loading import (
    ConnectorFactory,
    LoadFailed,
    LoadFinished,
    RecordsLoaded,
    SharedConnectors,
    load,
)
from tui.records import COLUMNS, Kind
from tui.screens.browse_actions import BrowseActions
from tui.screens.browse_views import BrowseViews
from tui.status import connection_line
from tui.store import ALL, Store
from tui.widgets.connection_list import ConnectionList
from tui.widgets.footer import QuietFooter
from tui.widgets.status_bar import StatusBar
from tui.widgets.virtual_table import VirtualTable

Command = tuple[str, str, Callable[[], object]]
Clock = Callable[[], datetime]
AGE_INTERVAL = 30.0


def utc_now() -> datetime:
    return datetime.now(UTC)


def _key(
    key: str, action: str, description: str, tooltip: str, id: str, *, show: bool = True
) -> Binding:
    return Binding(key, action, description, show=show, tooltip=tooltip, id=id)


class BrowseScreen(BrowseViews, BrowseActions):
    #: The footer shows the keys used most; every key is in ``?`` and in the palette.
    BINDINGS: ClassVar[list[BindingType]] = [
        _key("1", "show_tab('users')", "Users", "Show users", "browse.users"),
        _key("2", "show_tab('courses')", "Courses", "Show courses", "browse.courses"),
        _key(
            "3", "show_tab('enrollments')", "Enrollments", "Show enrollments", "browse.enrollments"
        ),
        _key("0", "show_all", "All", "Show all connections merged", "browse.all", show=False),
        _key("/", "focus_filter", "Filter", "Filter as you type", "browse.filter"),
        _key("escape", "leave_filter", "Table", "", "browse.leave_filter", show=False),
        _key("backspace", "back", "Back", "Go back to where you jumped from", "browse.back"),
        _key("r", "refresh", "Refresh", "Fetch every listing again", "browse.refresh"),
        _key("s", "sort", "Sort", "Sort by the current column (▲, ▼, off)", "browse.sort"),
        _key("c", "columns", "Columns", "Hide or show columns", "browse.columns", show=False),
        _key("f", "facets", "Facets", "Facet by status, vendor, course, due date", "browse.facets"),
        _key(
            "x",
            "clear_facets",
            "Clear facets",
            "Clear the facets of this tab",
            "browse.clear_facets",
            show=False,
        ),
        _key(
            "d",
            "detail",
            "Detail",
            "Show the record and its raw vendor data",
            "browse.detail",
            show=False,
        ),
        _key(
            "u", "goto_user", "User", "Go to the enrollment's user", "browse.goto_user", show=False
        ),
        _key(
            "o",
            "goto_course",
            "Course",
            "Go to the enrollment's course",
            "browse.goto_course",
            show=False,
        ),
    ]

    class InitialLoadComplete(Message):
        """Every listing of the first connection has finished, or failed."""

    def __init__(
        self,
        connections: Sequence[Connection],
        factory: ConnectorFactory,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__()
        self.connections = list(connections)
        self.store = Store(self.connections)
        self.clock = clock
        self._factory = factory
        self._connectors = SharedConnectors(factory)
        self._workers: dict[tuple[str, Kind], Worker[None]] = {}
        self._notified: dict[str, set[str]] = {}
        self.key: str | None = self.connections[0].name if self.connections else None
        self._initial = self.key

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield Label("Connections", id="sidebar-title")
                yield ConnectionList(self.connections, id="connections")
            with Vertical(id="main"):
                yield Input(placeholder="Filter rows  ( / to focus, esc to leave )", id="filter")
                yield Label(id="crumbs")
                with TabbedContent(initial=Kind.ENROLLMENTS.value, id="tabs"):
                    for kind in Kind:
                        with TabPane(kind.label, id=kind.value):
                            yield VirtualTable(COLUMNS[kind], id=f"{kind.value}-table")
                yield StatusBar(id="status")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.set_interval(AGE_INTERVAL, self._tick)
        if self.key is None:
            for kind in Kind:
                self.table(kind).empty_text = "No connections configured."
            self.query_one(StatusBar).show("No connections configured.", error=True)
            self.post_message(self.InitialLoadComplete())
            return
        self.activate(self.connections[0])

    # -- connections ---------------------------------------------------------------------------

    def activate(self, connection: Connection | None) -> None:
        """Show a connection (None: every connection merged), loading what is not loaded."""
        self.key = ALL if connection is None else connection.name
        self.sub_title = (
            f"{connection.name} ({connection.vendor})" if connection else "All connections"
        )
        sidebar = self.query_one(ConnectionList)
        sidebar.highlighted = sidebar.index_of(connection)
        names = [c.name for c in self.connections] if connection is None else [connection.name]
        for name in names:
            if name not in self.store.data:
                self._start(name)
        if connection is None:
            self.store.merge()
        for kind in Kind:
            self._show(kind)
        table = self.table()
        if self.focused is table:
            self.refresh_bindings()  # what is offered depends on the view
        else:
            table.focus()  # which refreshes the bindings

    def reload(self) -> None:
        """Fetch every listing of the shown connection (or of every connection) again."""
        if self.key is None:
            return
        names = list(self.store.data) if self.key == ALL else [self.key]
        for name in names:
            self._start(name)
        for kind in Kind:
            self._show(kind)

    def _start(self, name: str) -> None:
        for kind in Kind:
            if (worker := self._workers.pop((name, kind), None)) is not None:
                worker.cancel()
        self._notified[name] = set()
        self.store.start(name)
        connection = self.store.by_name[name]
        for kind, dataset in self.store.data[name].items():
            self._workers[name, kind] = self._load(connection, kind, dataset.generation)
        self._refresh_sidebar(name)

    @work(group="load", exit_on_error=False)
    async def _load(self, connection: Connection, kind: Kind, generation: int) -> None:
        await load(connection, kind, generation, self._connectors.use, self.post_message)

    # -- status --------------------------------------------------------------------------------

    def _refresh_sidebar(self, name: str) -> None:
        text, error = connection_line(self.store.data.get(name))
        self.query_one(ConnectionList).show_state(self.store.by_name[name], text, error)

    def _tick(self) -> None:
        self._refresh_status(self.kind)

    # -- load messages -------------------------------------------------------------------------

    @on(RecordsLoaded)
    def _records_loaded(self, message: RecordsLoaded) -> None:
        grown = self.store.add(message)
        if grown is None:
            return
        reordered = grown.get(self.key) if self.key is not None else None
        if reordered is not None:
            dataset = self.dataset(message.kind)
            table = self.table(message.kind)
            if reordered and dataset is not None:
                table.rows_changed(dataset.visible)
            else:
                table.rows_appended()
            self._refresh_status(message.kind)
        self._refresh_sidebar(message.connection)

    @on(LoadFinished)
    def _load_finished(self, message: LoadFinished) -> None:
        self._finish(message, None)

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        self._finish(message, message.error)
        notified = self._notified.setdefault(message.connection, set())
        if message.error not in notified:
            notified.add(message.error)
            self.notify(message.error, title=f"{message.connection}: load failed", severity="error")

    def _finish(self, message: LoadFinished | LoadFailed, error: str | None) -> None:
        changed = self.store.finish(message, error, self.clock())
        if changed is None:
            return
        self._workers.pop((message.connection, message.kind), None)
        for key, kind in changed:
            dataset = self.dataset(kind)
            if key == self.key and dataset is not None:
                table = self.table(kind)
                if key == ALL:  # rebuilt in connection order: row indices moved
                    table.clear_selection()
                table.rows_changed(dataset.visible)
        if self.key in (message.connection, ALL):
            for kind in Kind:
                self._refresh_status(kind)
        self._refresh_sidebar(message.connection)
        if message.connection == self._initial and not self.store.loading(message.connection):
            self._initial = None
            self.post_message(self.InitialLoadComplete())

    # -- user events ---------------------------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        dataset = self.dataset()
        if dataset is not None and dataset.apply(event.value):
            self.table().set_filter(dataset.visible)
            self._refresh_status(self.kind)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.table().focus()

    @on(TabbedContent.TabActivated, "#tabs")
    def _tab_activated(self) -> None:
        dataset = self.dataset()
        if dataset is not None and dataset.apply(self.query_text):
            self.table().set_filter(dataset.visible)
        self._refresh_status(self.kind)
        if self.focused is not self.table():  # a tab picked by key focuses its table
            self.refresh_bindings()

    @on(OptionList.OptionSelected, "#connections")
    def _connection_selected(self, event: OptionList.OptionSelected) -> None:
        self.activate(self.query_one(ConnectionList).connection_at(event.option_index))

    @on(VirtualTable.RowSelected)
    def _row_selected(self, event: VirtualTable.RowSelected) -> None:
        kind = Kind(str(event.table.id).removesuffix("-table"))
        if kind is Kind.ENROLLMENTS:
            self.open_detail(kind, event.row_index)
        else:
            self.enrollments_of(kind, event.row_index)

    # -- actions -------------------------------------------------------------------------------

    def action_show_tab(self, kind: str) -> None:
        self.query_one("#tabs", TabbedContent).active = kind
        self.table(Kind(kind)).focus()

    def action_show_all(self) -> None:
        self.activate(None)

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_leave_filter(self) -> None:
        if self.focused is self.table() and self.history:
            self.action_back()
        else:
            self.table().focus()

    def action_refresh(self) -> None:
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_all":
            return len(self.connections) > 1
        if action == "back":
            return bool(self.history)
        if action in ("goto_user", "goto_course"):
            return self.kind is Kind.ENROLLMENTS
        if action == "clear_facets":
            dataset = self.dataset()
            return dataset is not None and bool(dataset.facets)
        return super().check_action(action, parameters)

    def commands(self) -> list[Command]:
        """What the command palette offers on this screen."""
        from tui.commands import browse_commands

        return browse_commands(self)
