"""What the browse screen shows of its data: the tab's dataset in its table, the status line and
breadcrumb, sorting, hidden columns, facets, and the jumps between users, courses and enrollments.

A jump (enter on a user or course, ``u``/``o`` on an enrollment, ``e`` in a detail view) pushes
the current view (connection, tab, typed filter, every tab's facets, the cursor's record) on
``history`` and scopes the target tab to the record; ``back`` pops it and puts all of it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from textual.screen import Screen
from textual.widgets import Input, Label, TabbedContent

from core.connections import Connection
from core.models import Course, Enrollment, User
from tui.dataset import Dataset, LoadState, Sort
from tui.facets import Facets, Scope, counts
from tui.loading import ConnectorFactory
from tui.records import Kind, Record
from tui.screens.detail import DetailScreen
from tui.status import breadcrumb, status
from tui.store import ALL, Store
from tui.widgets.status_bar import StatusBar
from tui.widgets.virtual_table import VirtualTable

MARKS = {False: " ▲", True: " ▼"}


@dataclass(frozen=True, slots=True)
class ViewState:
    """Where the operator was before a jump."""

    key: str
    kind: Kind
    query: str
    facets: dict[Kind, Facets]
    cursor: int | None
    """The underlying index of the row under the cursor."""


class BrowseViews(Screen[None]):
    store: Store
    key: str | None
    clock: Callable[[], datetime]
    _factory: ConnectorFactory

    def __init__(self) -> None:
        super().__init__()
        self.history: list[ViewState] = []
        self.hidden: dict[Kind, frozenset[str]] = {kind: frozenset() for kind in Kind}
        self._crumbs = ""

    def activate(self, connection: Connection | None) -> None:
        raise NotImplementedError

    # -- state ---------------------------------------------------------------------------------

    @property
    def kind(self) -> Kind:
        return Kind(self.query_one("#tabs", TabbedContent).active or Kind.ENROLLMENTS.value)

    @property
    def connection(self) -> Connection | None:
        """The connection shown, or None for "All connections" (or none configured)."""
        return None if self.key is None or self.key == ALL else self.store.by_name[self.key]

    @property
    def query_text(self) -> str:
        return self.query_one("#filter", Input).value

    def table(self, kind: Kind | None = None) -> VirtualTable:
        return self.query_one(f"#{(kind or self.kind).value}-table", VirtualTable)

    def dataset(self, kind: Kind | None = None) -> Dataset | None:
        return None if self.key is None else self.store.dataset(self.key, kind or self.kind)

    def row_connection(self, kind: Kind, index: int) -> Connection | None:
        """The connection a row of the shown view comes from."""
        dataset = self.dataset(kind)
        if self.key == ALL and dataset is not None:
            return self.store.by_name[dataset.rows[index][0]]
        return self.connection

    def record(self, kind: Kind, index: int) -> Record | None:
        dataset = self.dataset(kind)
        return None if dataset is None else dataset.records[index]

    # -- showing -------------------------------------------------------------------------------

    def _show(self, kind: Kind) -> None:
        """Point the kind's table at the shown view's dataset, filtered as typed."""
        dataset = self.dataset(kind)
        if dataset is None:
            return
        table = self.table(kind)
        self._configure(table, dataset)
        if kind is self.kind:
            dataset.apply(self.query_text)
        table.set_rows(dataset.rows, dataset.visible)
        self._refresh_status(kind)

    def _configure(self, table: VirtualTable, dataset: Dataset) -> None:
        table.set_columns(dataset.columns)
        table.set_hidden(self.hidden[dataset.kind])
        sort = dataset.sort
        table.set_markers({} if sort is None else {sort.column: MARKS[sort.descending]})

    def _refresh_status(self, kind: Kind) -> None:
        dataset = self.dataset(kind)
        if dataset is None or self.key is None:
            return
        self.table(kind).empty_text = _empty_text(dataset)
        if kind is not self.kind:
            return
        line = status(self.store, self.key, kind, self.clock())
        bar = self.query_one(StatusBar)
        bar.show(line.text, loading=line.loading, error=line.error)
        bar.show_chips(dataset.facets.chips())
        back = self._key_of("browse.back") if self.history else None
        crumbs = breadcrumb(self.store, self.key, kind, dataset, back)
        if crumbs != self._crumbs:
            self._crumbs = crumbs
            self.query_one("#crumbs", Label).update(crumbs)

    def _key_of(self, binding_id: str) -> str:
        for _key, binding in self._bindings:
            if binding.id == binding_id:
                return self.app.get_key_display(binding)
        return binding_id

    def _reshow(self, kind: Kind, dataset: Dataset, keep: int | None, faceted: bool) -> None:
        """The dataset's shown rows changed; keep the cursor on the record ``keep``.
        ``faceted`` is whether the tab had facets before (the keys offered change with it)."""
        table = self.table(kind)
        self._configure(table, dataset)
        position = None
        if keep is not None:
            visible = dataset.visible
            if visible is None:
                position = keep
            elif keep in visible:
                position = visible.index(keep)
        table.rows_changed(dataset.visible, 0 if position is None else position)
        self._refresh_status(kind)
        if faceted != bool(dataset.facets):
            self.refresh_bindings()

    # -- sort, columns, facets -----------------------------------------------------------------

    def sort_by(self, column: str | None, descending: bool = False) -> None:
        """Sort the tab by a column (None: back to load order)."""
        dataset = self.dataset()
        if dataset is None:
            return
        keep = self.table().cursor_index
        sort = None if column is None else Sort(dataset.columns.index(column), descending)
        dataset.set_sort(sort)
        self._reshow(self.kind, dataset, keep, bool(dataset.facets))

    def action_sort(self) -> None:
        """Cycle the column under the column cursor: ascending, descending, off."""
        dataset, column = self.dataset(), self.table().cursor_column
        if dataset is None or column is None:
            return
        name = dataset.columns[column]
        current = dataset.sort
        if current is None or current.column != column:
            self.sort_by(name)
        elif not current.descending:
            self.sort_by(name, descending=True)
        else:
            self.sort_by(None)

    def set_hidden(self, kind: Kind, names: frozenset[str]) -> None:
        self.hidden[kind] = names
        self.table(kind).set_hidden(names)

    def toggle_column(self, name: str) -> None:
        self.set_hidden(self.kind, self.hidden[self.kind] ^ {name})

    def action_columns(self) -> None:
        from tui.screens.columns import ColumnsScreen

        kind = self.kind
        columns = self.table(kind).columns

        def chosen(hidden: frozenset[str] | None) -> None:
            if hidden is not None:
                self.set_hidden(kind, hidden)

        picker = ColumnsScreen(kind, columns, self.hidden[kind], lambda h: self.set_hidden(kind, h))
        self.app.push_screen(picker, chosen)

    def set_facets(self, facets: Facets, kind: Kind | None = None) -> None:
        kind = kind or self.kind
        dataset = self.dataset(kind)
        if dataset is None or facets == dataset.facets:
            return
        keep, faceted = self.table(kind).cursor_index, bool(dataset.facets)
        dataset.set_facets(facets, self.clock())
        self._reshow(kind, dataset, keep, faceted)

    def action_facets(self) -> None:
        from tui.screens.facets import FacetsScreen

        dataset, kind = self.dataset(), self.kind
        if dataset is None:
            return
        found = counts(kind, dataset.records, dataset.rows, dataset.columns)

        def chosen(facets: Facets | None) -> None:
            if facets is not None:
                self.set_facets(facets, kind)

        picker = FacetsScreen(kind, dataset.facets, found, lambda f: self.set_facets(f, kind))
        self.app.push_screen(picker, chosen)

    def action_clear_facets(self) -> None:
        self.set_facets(Facets())

    # -- detail and jumps ----------------------------------------------------------------------

    def open_detail(self, kind: Kind, index: int) -> None:
        dataset, connection = self.dataset(kind), self.row_connection(kind, index)
        if dataset is None or connection is None:
            return
        record = dataset.records[index]

        def closed(result: str | None) -> None:
            if result == "enrollments":
                self.enrollments_of(kind, index)

        title = f"{connection.name} · {kind.singular} {record.id}"
        detail = DetailScreen(record, title=title, connection=connection, factory=self._factory)
        self.app.push_screen(detail, closed)

    def action_detail(self) -> None:
        index = self.table().cursor_index
        if index is not None:
            self.open_detail(self.kind, index)

    def enrollments_of(self, kind: Kind, index: int) -> None:
        """Jump to the enrollments of the user or course at ``index`` of tab ``kind``."""
        record = self.record(kind, index)
        if isinstance(record, User | Course):
            label = self.dataset(kind).rows[index][len(self._prefix())]  # type: ignore[union-attr]
            self.jump(Kind.ENROLLMENTS, self._scope(kind, record.id, label, kind, index))

    def action_goto_user(self) -> None:
        self._goto(Kind.USERS)

    def action_goto_course(self) -> None:
        self._goto(Kind.COURSES)

    def _goto(self, target: Kind) -> None:
        index = self.table(Kind.ENROLLMENTS).cursor_index
        record = None if index is None else self.record(Kind.ENROLLMENTS, index)
        if index is None or not isinstance(record, Enrollment):
            return
        row = self.dataset(Kind.ENROLLMENTS).rows[index]  # type: ignore[union-attr]
        at = len(self._prefix()) + (0 if target is Kind.USERS else 1)
        ref = record.user.id if target is Kind.USERS else record.course.id
        self.jump(target, self._scope(target, ref, row[at], Kind.ENROLLMENTS, index))

    def _prefix(self) -> tuple[str, ...]:
        return ("", "") if self.key == ALL else ()

    def _scope(self, kind: Kind, id: str, label: str, source_kind: Kind, index: int) -> Scope:
        source = self.row_connection(source_kind, index) if self.key == ALL else None
        return Scope(kind, id, label or id, None if source is None else source.name)

    def jump(self, target: Kind, scope: Scope) -> None:
        """Show tab ``target`` scoped to one user or course, remembering where we were."""
        datasets = None if self.key is None else self.store.datasets(self.key)
        if datasets is None or self.key is None:
            return
        self.history.append(
            ViewState(
                self.key,
                self.kind,
                self.query_text,
                {kind: d.facets for kind, d in datasets.items()},
                self.table().cursor_index,
            )
        )
        datasets[target].set_facets(Facets(scope=scope), self.clock())
        self.query_one("#filter", Input).value = ""
        self.query_one("#tabs", TabbedContent).active = target.value
        self._show(target)
        self.table(target).focus()
        self.refresh_bindings()

    def action_back(self) -> None:
        if not self.history:
            return
        state = self.history.pop()
        if state.key != self.key:
            connection = None if state.key == ALL else self.store.by_name[state.key]
            self.activate(connection)
        datasets = self.store.datasets(state.key) or {}
        for kind, facets in state.facets.items():
            if kind in datasets:
                datasets[kind].set_facets(facets, self.clock())
        self.query_one("#filter", Input).value = state.query
        self.query_one("#tabs", TabbedContent).active = state.kind.value
        for kind in Kind:
            self._show(kind)
        dataset = datasets.get(state.kind)
        if dataset is not None:
            self._reshow(state.kind, dataset, state.cursor, True)
        self.refresh_bindings()
        self.table(state.kind).focus()


def _empty_text(dataset: Dataset) -> str:
    kind = dataset.kind
    if dataset.state is LoadState.FAILED and not dataset.total:
        return f"Could not load {kind.value}: {dataset.error}"
    if dataset.state is LoadState.LOADING and not dataset.total:
        return f"Loading {kind.value}…"
    if not dataset.total:
        return f"No {kind.value}."
    if dataset.query:
        return f"No {kind.value} match “{dataset.query}”."
    return f"No {kind.value} match the facets ({', '.join(dataset.facets.chips())})."
