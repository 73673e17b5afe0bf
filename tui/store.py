"""Every connection's datasets, the names their enrollment rows borrow, and the merged
"All connections" view.

The store is the browse screen's data, kept apart from its widgets. Load messages go in (``add``,
``finish``); each says which views it changed, so the screen repaints only what is shown. A load
message from a load that a refresh has replaced carries an old generation and is dropped.

The merged view (key ``ALL``) has one dataset per tab whose rows are every loaded connection's
rows, each with its connection and vendor in front. It is built the first time it is shown and
then kept up to date: batches are appended as they arrive, and when a listing finishes (or a
connection's names fill in, or a connection is refreshed) that tab is rebuilt in connection
order, so the finished view is the same whatever order the batches came in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.connections import Connection
from tui.dataset import Dataset, LoadState
from tui.loading import LoadMessage, RecordsLoaded
from tui.names import Names
from tui.records import SEARCH_SEPARATOR, Kind, Record, Row

ALL = "*"
"""The key of the "All connections" view (no connection name can be ``*``)."""

Changed = list[tuple[str, Kind]]
"""(view key, tab) pairs whose rows were rewritten or reordered."""


class Store:
    def __init__(self, connections: Sequence[Connection]) -> None:
        self.connections = list(connections)
        self.by_name = {c.name: c for c in self.connections}
        self.data: dict[str, dict[Kind, Dataset]] = {}
        self.names: dict[str, Names] = {}
        self.merged: dict[Kind, Dataset] = {}

    def datasets(self, key: str) -> dict[Kind, Dataset] | None:
        if key == ALL:
            return self.merged or None
        return self.data.get(key)

    def dataset(self, key: str, kind: Kind) -> Dataset | None:
        found = self.datasets(key)
        return None if found is None else found.get(kind)

    def label(self, key: str) -> str:
        return "All connections" if key == ALL else key

    # -- loads ---------------------------------------------------------------------------------

    def start(self, name: str) -> Changed:
        """Begin loading a connection again; its datasets start empty with a new generation."""
        datasets = self.data.setdefault(name, {kind: Dataset(kind) for kind in Kind})
        self.names[name] = Names()
        for dataset in datasets.values():
            dataset.start()
        changed: Changed = [(name, kind) for kind in Kind]
        for kind in list(self.merged):
            self.rebuild(kind)
            changed.append((ALL, kind))
        return changed

    def current(self, message: LoadMessage) -> Dataset | None:
        """The dataset a load message is for, or None when a refresh has replaced that load."""
        dataset = self.data.get(message.connection, {}).get(message.kind)
        if dataset is None or dataset.generation != message.generation:
            return None
        return dataset

    def add(self, message: RecordsLoaded) -> dict[str, bool] | None:
        """Append a batch; the views it grew, each True when its rows were reordered."""
        dataset = self.current(message)
        if dataset is None:
            return None
        names = self.names[message.connection]
        names.add(message.kind, message.records, message.rows)
        if message.kind is Kind.ENROLLMENTS:
            names.fill(message.records, message.rows, message.search)
        grown = {message.connection: dataset.extend(message.records, message.rows, message.search)}
        merged = self.merged.get(message.kind)
        if merged is not None:
            connection = self.by_name[message.connection]
            rows, search = _prefixed(connection, message.rows, message.search)
            grown[ALL] = merged.extend(message.records, rows, search)
            self._sync(message.kind)
        return grown

    def finish(self, message: LoadMessage, error: str | None, at: datetime) -> Changed | None:
        """End a load; the views whose rows were rewritten (names filled in, merged rebuilt)."""
        dataset = self.current(message)
        if dataset is None:
            return None
        dataset.finish(error, at)
        changed: Changed = []
        name = message.connection
        if message.kind is not Kind.ENROLLMENTS:
            enrollments = self.data[name][Kind.ENROLLMENTS]
            if self.names[name].fill_dataset(enrollments):
                changed.append((name, Kind.ENROLLMENTS))
                if Kind.ENROLLMENTS in self.merged:
                    self.rebuild(Kind.ENROLLMENTS)
                    changed.append((ALL, Kind.ENROLLMENTS))
        if message.kind in self.merged:
            self.rebuild(message.kind)
            changed.append((ALL, message.kind))
        return changed

    def loading(self, key: str) -> bool:
        datasets = self.datasets(key)
        return datasets is not None and any(d.state is LoadState.LOADING for d in datasets.values())

    # -- the merged view -----------------------------------------------------------------------

    def merge(self) -> dict[Kind, Dataset]:
        """The "All connections" datasets, built from what is loaded the first time."""
        if not self.merged:
            self.merged = {kind: Dataset(kind, merged=True) for kind in Kind}
            for kind in Kind:
                self.rebuild(kind)
        return self.merged

    def rebuild(self, kind: Kind) -> None:
        """Lay the merged tab out again from every loaded connection, in connection order."""
        records: list[Record] = []
        rows: list[Row] = []
        search: list[str] = []
        for connection in self.connections:
            dataset = self.data.get(connection.name, {}).get(kind)
            if dataset is None:
                continue
            records.extend(dataset.records)
            more_rows, more_search = _prefixed(connection, dataset.rows, dataset.search)
            rows.extend(more_rows)
            search.extend(more_search)
        self.merged[kind].replace(records, rows, search)
        self._sync(kind)

    def _sync(self, kind: Kind) -> None:
        """The merged tab's state: loading while any connection loads, failed if any failed."""
        merged = self.merged[kind]
        parts = [
            (name, datasets[kind])
            for name, datasets in self.data.items()
            if datasets[kind].state is not LoadState.IDLE
        ]
        failed = [f"{name}: {d.error}" for name, d in parts if d.state is LoadState.FAILED]
        if not parts:
            merged.state = LoadState.IDLE
        elif any(d.state is LoadState.LOADING for _name, d in parts):
            merged.state = LoadState.LOADING
        else:
            merged.state = LoadState.FAILED if failed else LoadState.LOADED
        merged.error = "; ".join(failed) or None
        stamps = [d.loaded_at for _name, d in parts if d.loaded_at is not None]
        merged.loaded_at = min(stamps) if stamps else None


def _prefixed(
    connection: Connection, rows: Sequence[Row], search: Sequence[str]
) -> tuple[list[Row], list[str]]:
    name, vendor = connection.name, connection.vendor
    head = f"{name}{SEARCH_SEPARATOR}{vendor}{SEARCH_SEPARATOR}".lower()
    return [(name, vendor, *row) for row in rows], [head + text for text in search]
