"""Streaming one listing of one connection into the UI, as messages.

``load`` runs inside a worker: it opens a connector, iterates the listing and posts the records in
batches (about every ``interval`` seconds, at most ``max_batch`` records), each with its display
rows and search strings built in one pass, so rows appear page by page without a refresh per
record. It never raises:
an ``LmsError`` (one readable line, no secrets) or any unexpected exception ends the load with
``LoadFailed``; only cancellation propagates.

While it runs, the cyclic collector's full collections wait (``core.gcpause``): every record
of a listing survives, so the full collections a growing heap triggers would each walk every
record loaded so far (and everything else the process holds) for nothing.

The three listings of a connection load at once, and :class:`SharedConnectors` gives them one
connector while any of them runs: one sign-in instead of three (and, for a connector a factory
paces to the tenant's rate limit with ``Connector.requests_per_second``, one pacing instead of
three at the full rate each). It is closed when the last of them ends.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import TypeAlias

from textual.message import Message

from core.connections import Connection
from core.connector import Connector
from core.errors import LmsError
from core.gcpause import full_collections_deferred
from tui.records import SEARCH_SEPARATOR, Kind, Record, Row, RowBuilder

ConnectorFactory: TypeAlias = Callable[[Connection], Connector]
#: opens a connector for a connection: a factory (a connector is its own context manager), or
#: ``SharedConnectors.use``
Opener: TypeAlias = Callable[[Connection], AbstractAsyncContextManager[Connector]]

BATCH_INTERVAL = 0.1
#: a batch is rows built and a repaint of the table, status and sidebar: 20,000 rows build in
#: ~20 ms (the event loop waits that long), and 100,000 records make 5 repaints rather than 20
MAX_BATCH = 20_000


def default_connector_factory(connection: Connection) -> Connector:
    return connection.connector()


def listing(connector: Connector, kind: Kind) -> AsyncIterator[Record]:
    if kind is Kind.USERS:
        return connector.list_users()
    if kind is Kind.COURSES:
        return connector.list_courses()
    return connector.list_enrollments()


def describe_error(err: BaseException) -> str:
    """One readable line: an ``LmsError`` as it words itself, anything else with its type."""
    if isinstance(err, LmsError):
        text = str(err)
    else:
        detail = str(err).strip()
        text = f"{type(err).__name__}: {detail}" if detail else type(err).__name__
    lines = text.splitlines()
    return lines[0] if lines else type(err).__name__


class LoadMessage(Message):
    """A message about one load: which connection, which tab, which generation of its data."""

    def __init__(self, connection: str, kind: Kind, generation: int) -> None:
        super().__init__()
        self.connection = connection
        self.kind = kind
        self.generation = generation


class RecordsLoaded(LoadMessage):
    """A batch of records with their display rows and search strings."""

    def __init__(
        self,
        connection: str,
        kind: Kind,
        generation: int,
        records: list[Record],
        rows: list[Row],
        search: list[str],
    ) -> None:
        super().__init__(connection, kind, generation)
        self.records = records
        self.rows = rows
        self.search = search


class LoadFinished(LoadMessage):
    """The listing is complete."""


class LoadFailed(LoadMessage):
    """The listing stopped with an error; ``error`` is one line fit to show."""

    def __init__(self, connection: str, kind: Kind, generation: int, error: str) -> None:
        super().__init__(connection, kind, generation)
        self.error = error


class SharedConnectors:
    """One connector per connection, shared by the loads that run at once (see the module
    docstring), made by ``factory`` and closed when its last user leaves."""

    def __init__(self, factory: ConnectorFactory) -> None:
        self.factory = factory
        self._open: dict[str, tuple[Connector, int]] = {}

    @contextlib.asynccontextmanager
    async def use(self, connection: Connection) -> AsyncIterator[Connector]:
        name = connection.name
        # No await before the entry is counted: loads starting together find it. (A connector
        # is opened by making it; its ``__aenter__`` only returns it.)
        connector, users = self._open.get(name) or (self.factory(connection), 0)
        self._open[name] = (connector, users + 1)
        try:
            yield connector
        finally:
            connector, users = self._open[name]
            if users > 1:
                self._open[name] = (connector, users - 1)
            else:
                del self._open[name]
                await connector.aclose()


async def load(
    connection: Connection,
    kind: Kind,
    generation: int,
    factory: Opener,
    post: Callable[[Message], object],
    *,
    interval: float = BATCH_INTERVAL,
    max_batch: int = MAX_BATCH,
) -> None:
    name = connection.name
    build = RowBuilder(kind).row
    join = SEARCH_SEPARATOR.join
    lower = str.lower
    records: list[Record] = []

    def flush() -> None:
        nonlocal records
        if records:
            rows = list(map(build, records))
            search = list(map(lower, map(join, rows)))
            post(RecordsLoaded(name, kind, generation, records, rows, search))
            records = []

    clock = time.monotonic
    with full_collections_deferred():
        try:
            async with factory(connection) as connector:
                deadline = clock()  # the first rows go out at once; later batches every interval
                async for record in listing(connector, kind):
                    records.append(record)
                    # Reading the clock every 64 records keeps the loop cheap at 100,000 records.
                    if len(records) >= max_batch or (
                        len(records) & 63 == 0 and clock() >= deadline
                    ):
                        flush()
                        deadline = clock() + interval
        except Exception as err:  # an LmsError, or a bug or a broken connection setup: the
            # app must live on, told in one line either way
            flush()
            post(LoadFailed(name, kind, generation, describe_error(err)))
            return
        flush()
    post(LoadFinished(name, kind, generation))
