"""The main screen: connections on the left, a tab per listing, a filter and a status line.

Each connection's three listings load in workers (``tui.loading``) as soon as it is first shown;
batches come back as messages and grow the connection's datasets in place. Messages from a load
that a refresh has replaced carry an old generation and are dropped. Enrollment rows that show
an id get the name the connection's user and course listings know (``tui.names``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, OptionList, TabbedContent, TabPane
from textual.worker import Worker

from core.connections import Connection
from tui.dataset import Dataset, LoadState
from tui.loading import (
    ConnectorFactory,
    LoadFailed,
    LoadFinished,
    LoadMessage,
    RecordsLoaded,
    load,
)
from tui.names import Names
from tui.records import COLUMNS, Kind
from tui.screens.detail import DetailScreen
from tui.widgets.connection_list import ConnectionList
from tui.widgets.status_bar import StatusBar
from tui.widgets.virtual_table import VirtualTable

Command = tuple[str, str, Callable[[], object]]


class BrowseScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_tab('users')", "Users", id="browse.users"),
        Binding("2", "show_tab('courses')", "Courses", id="browse.courses"),
        Binding("3", "show_tab('enrollments')", "Enrollments", id="browse.enrollments"),
        Binding("/", "focus_filter", "Filter", id="browse.filter"),
        Binding("escape", "leave_filter", "Table", show=False, id="browse.leave_filter"),
        Binding("r", "refresh", "Refresh", id="browse.refresh"),
    ]

    class InitialLoadComplete(Message):
        """Every listing of the first connection has finished, or failed."""

    def __init__(self, connections: Sequence[Connection], factory: ConnectorFactory) -> None:
        super().__init__()
        self.connections = list(connections)
        self._factory = factory
        self._data: dict[str, dict[Kind, Dataset]] = {}
        self._workers: dict[tuple[str, Kind], Worker[None]] = {}
        self._notified: dict[str, set[str]] = {}
        self._names: dict[str, Names] = {}
        self.connection: Connection | None = self.connections[0] if self.connections else None
        self._initial = self.connection.name if self.connection else None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield Label("Connections", id="sidebar-title")
                yield ConnectionList(self.connections, id="connections")
            with Vertical(id="main"):
                yield Input(placeholder="Filter rows  ( / to focus, esc to leave )", id="filter")
                with TabbedContent(initial=Kind.ENROLLMENTS.value, id="tabs"):
                    for kind in Kind:
                        with TabPane(kind.label, id=kind.value):
                            yield VirtualTable(COLUMNS[kind], id=f"{kind.value}-table")
                yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        if self.connection is None:
            for kind in Kind:
                self.table(kind).empty_text = "No connections configured."
            self.query_one(StatusBar).show("No connections configured.", error=True)
            self.post_message(self.InitialLoadComplete())
            return
        self.activate(self.connection)

    # -- state ---------------------------------------------------------------------------------

    @property
    def kind(self) -> Kind:
        return Kind(self.query_one("#tabs", TabbedContent).active or Kind.ENROLLMENTS.value)

    def table(self, kind: Kind | None = None) -> VirtualTable:
        return self.query_one(f"#{(kind or self.kind).value}-table", VirtualTable)

    def dataset(self, kind: Kind | None = None) -> Dataset | None:
        if self.connection is None:
            return None
        return self._data.get(self.connection.name, {}).get(kind or self.kind)

    def activate(self, connection: Connection) -> None:
        """Show a connection, loading its listings the first time."""
        self.connection = connection
        self.sub_title = f"{connection.name} ({connection.vendor})"
        self.query_one(ConnectionList).highlighted = self.connections.index(connection)
        if connection.name not in self._data:
            self._data[connection.name] = {kind: Dataset(kind) for kind in Kind}
            self.reload()
        else:
            for kind in Kind:
                self._show(kind)
        self.table().focus()

    def reload(self) -> None:
        """Fetch every listing of the current connection again."""
        connection = self.connection
        if connection is None:
            return
        self._notified[connection.name] = set()
        self._names[connection.name] = Names()
        for kind, dataset in self._data[connection.name].items():
            if (worker := self._workers.pop((connection.name, kind), None)) is not None:
                worker.cancel()
            generation = dataset.start()
            self._workers[connection.name, kind] = self._load(connection, kind, generation)
            self._show(kind)

    @work(group="load", exit_on_error=False)
    async def _load(self, connection: Connection, kind: Kind, generation: int) -> None:
        await load(connection, kind, generation, self._factory, self.post_message)

    def _show(self, kind: Kind) -> None:
        """Point the kind's table at the current connection's dataset, filtered as typed."""
        dataset = self.dataset(kind)
        if dataset is None:
            return
        if kind is self.kind:
            dataset.apply(self.query_one("#filter", Input).value)
        self.table(kind).set_rows(dataset.rows, dataset.visible)
        self._refresh_status(kind)

    def _refresh_status(self, kind: Kind) -> None:
        dataset = self.dataset(kind)
        connection = self.connection
        if dataset is None or connection is None:
            return
        noun = kind.value if dataset.total != 1 else kind.singular
        table = self.table(kind)
        if dataset.state is LoadState.FAILED:
            table.empty_text = f"Could not load {kind.value}: {dataset.error}"
        elif dataset.state is LoadState.LOADING and not dataset.total:
            table.empty_text = f"Loading {kind.value}…"
        elif not dataset.total:
            table.empty_text = f"No {kind.value}."
        else:
            table.empty_text = f"No {kind.value} match “{dataset.query}”."
        if kind is not self.kind:
            return
        if dataset.query:
            counts = f"{dataset.shown:,} of {dataset.total:,} {kind.value}"
        else:
            counts = f"{dataset.total:,} {noun}"
        state = {
            LoadState.IDLE: "",
            LoadState.LOADING: "loading…",
            LoadState.LOADED: "loaded",
            LoadState.FAILED: f"failed: {dataset.error}",
        }[dataset.state]
        self.query_one(StatusBar).show(
            f"{connection.name} · {counts} · {state}",
            loading=dataset.state is LoadState.LOADING,
            error=dataset.state is LoadState.FAILED,
        )

    # -- load messages -------------------------------------------------------------------------

    def _current(self, message: LoadMessage) -> Dataset | None:
        """The dataset a load message is for, or None when a refresh has replaced that load."""
        dataset = self._data.get(message.connection, {}).get(message.kind)
        if dataset is None or dataset.generation != message.generation:
            return None
        return dataset

    def _is_shown(self, message: LoadMessage) -> bool:
        return self.connection is not None and message.connection == self.connection.name

    @on(RecordsLoaded)
    def _records_loaded(self, message: RecordsLoaded) -> None:
        dataset = self._current(message)
        if dataset is None:
            return
        names = self._names[message.connection]
        names.add(message.kind, message.records, message.rows)
        if message.kind is Kind.ENROLLMENTS:
            names.fill(message.records, message.rows, message.search)
        dataset.extend(message.records, message.rows, message.search)
        if self._is_shown(message):
            self.table(message.kind).rows_appended()
            self._refresh_status(message.kind)

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

    def _finish(self, message: LoadMessage, error: str | None) -> None:
        dataset = self._current(message)
        if dataset is None:
            return
        dataset.finish(error)
        self._workers.pop((message.connection, message.kind), None)
        if message.kind is not Kind.ENROLLMENTS:
            self._fill_names(message.connection)
        if self._is_shown(message):
            self._refresh_status(message.kind)
        if message.connection == self._initial and all(
            d.state is not LoadState.LOADING for d in self._data[message.connection].values()
        ):
            self._initial = None
            self.post_message(self.InitialLoadComplete())

    def _fill_names(self, connection: str) -> None:
        """Name the enrollment rows loaded so far from the users and courses loaded so far."""
        enrollments = self._data[connection][Kind.ENROLLMENTS]
        changed = self._names[connection].fill_dataset(enrollments)
        if changed and self.dataset(Kind.ENROLLMENTS) is enrollments:  # shown now
            self.table(Kind.ENROLLMENTS).rows_changed(enrollments.visible)
            self._refresh_status(Kind.ENROLLMENTS)

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
        if dataset is not None and dataset.apply(self.query_one("#filter", Input).value):
            self.table().set_filter(dataset.visible)
        self._refresh_status(self.kind)

    @on(OptionList.OptionSelected, "#connections")
    def _connection_selected(self, event: OptionList.OptionSelected) -> None:
        self.activate(self.connections[event.option_index])

    @on(VirtualTable.RowSelected)
    def _row_selected(self, event: VirtualTable.RowSelected) -> None:
        kind = Kind(str(event.table.id).removesuffix("-table"))
        dataset = self.dataset(kind)
        if dataset is None or self.connection is None:
            return
        record = dataset.records[event.row_index]
        title = f"{self.connection.name} · {kind.singular} {record.id}"
        detail = DetailScreen(
            record, title=title, connection=self.connection, factory=self._factory
        )
        self.app.push_screen(detail)

    # -- actions -------------------------------------------------------------------------------

    def action_show_tab(self, kind: str) -> None:
        self.query_one("#tabs", TabbedContent).active = kind
        self.table(Kind(kind)).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_leave_filter(self) -> None:
        self.table().focus()

    def action_refresh(self) -> None:
        self.reload()

    def commands(self) -> list[Command]:
        """What the command palette offers on this screen."""
        found: list[Command] = [
            (f"Show {k.value}", f"Switch to the {k.label} tab", partial(self.action_show_tab, k))
            for k in Kind
        ]
        found += [
            ("Refresh", "Fetch every listing of this connection again", self.action_refresh),
            ("Filter", "Focus the filter input", self.action_focus_filter),
        ]
        found += [
            (
                f"Open {c.name}",
                f"Browse the {c.vendor} connection at {c.base_url}",
                partial(self.activate, c),
            )
            for c in self.connections
        ]
        return found
