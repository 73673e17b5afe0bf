"""The sandbox's store: the working state in memory, every write on disk before its answer.

TinyDB's own write path cannot carry the sandbox (measured on this machine kind: its default
storage rewrites and fsyncs the whole file on every write, about 1 s at 100,000 documents; every
write rebuilds its whole table, about 40 ms at 100,000 even in memory; and it loses writes when
used from several threads). So the state lives in plain dicts, one per table, owned by the one
event loop that serves requests, and disk holds two files in the data directory:

``db.json``
    A TinyDB database (tables of documents keyed by integer ``doc_id``) holding the state as of
    the last compaction, plus a ``_meta`` table (generation, id counters). ``TinyDB("db.json")``
    opens it for inspection. It is only ever replaced whole: written to a temporary file,
    fsynced, renamed over the old one, and the directory fsynced, so it is always loadable.
``journal.log``
    Append-only. The first line names the snapshot generation it follows; then one line per
    committed write, ``<crc32 hex> <json>``, where the JSON is a list of operations
    ``["put", table, doc_id, doc]`` or ``["del", table, doc_id]`` applied atomically.

A write is applied to memory at once and its journal line buffered; ``await commit()`` returns
once every line buffered so far is written and fsynced. Concurrent committers share one fsync
(group commit), so durability costs one small append per batch of writes, whatever the number
of documents. Loading replays the journal over the snapshot: a torn last line (a crash in the
middle of an append) fails its checksum and is cut off; that write was never acknowledged. A
journal whose generation is not the snapshot's was already folded in by a compaction that
crashed before truncating it, and is ignored. Compaction (at open, at close, and when the
journal grows past the size of the state, so its cost is amortized O(1) per write) rewrites
``db.json`` with the next generation, then starts a new journal.

Readers on the event loop may see a write before it is durable; it is acknowledged to its own
client only after ``commit``. A directory is used by one sandbox at a time (``flock`` on
``lock``). ``Store(None)`` keeps everything in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage

Doc = dict[str, Any]
Tables = dict[str, dict[int, Doc]]

SNAPSHOT: Final = "db.json"
JOURNAL: Final = "journal.log"
LOCK: Final = "lock"
META_TABLE: Final = "_meta"
#: compact when the journal holds more writes than this or than half the documents
MIN_COMPACT_WRITES: Final = 20_000


class StoreError(OSError):
    """The data directory cannot be used; the message is one readable line."""


class SnapshotStorage(Storage):
    """A TinyDB storage that reads with orjson and replaces the file atomically on write."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        data = orjson.loads(raw) if raw.strip() else None
        if data is not None and not isinstance(data, dict):
            raise ValueError("not a TinyDB database")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        _replace_file(self.path, orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS))

    def close(self) -> None:
        pass


def _replace_file(path: Path, content: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        _write_all(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _line(payload: bytes) -> bytes:
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


class Transaction:
    """``Store.transaction()``: a plain context manager (a generator-based one costs a few
    microseconds more on every write)."""

    __slots__ = ("_outer", "_store")

    def __init__(self, store: Store) -> None:
        self._store = store
        self._outer = False

    def __enter__(self) -> None:
        self._outer = self._store._begin()

    def __exit__(self, *exc: object) -> None:
        if self._outer:
            self._store._end()


class Store:
    """Named tables of documents keyed by integer id; durable when given a directory."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.tables: Tables = {}
        self._next_ids: dict[str, int] = {}
        self._generation = 0
        self._pending: list[bytes] = []
        self._seq = 0
        self._durable = 0
        self._journal_writes = 0
        self._journal_fd: int | None = None
        self._lock_fd: int | None = None
        #: bytes of the journal known to be written whole (a failed append is cut back to it)
        self._journal_size = 0
        #: set when the append in flight ends (None when there is none)
        self._appending: asyncio.Event | None = None
        self._transaction: list[tuple[Any, ...]] | None = None
        #: bumped on every change; readers key their caches on it
        self.version = 0
        if directory is not None:
            self._open(directory)

    # -- reading -------------------------------------------------------------------------------

    def table(self, name: str) -> dict[int, Doc]:
        """The live documents of a table by id (created empty when new). Do not mutate."""
        table = self.tables.get(name)
        if table is None:
            table = self.tables[name] = {}
        return table

    @property
    def is_empty(self) -> bool:
        return not any(self.tables.values())

    @property
    def durable(self) -> bool:
        return self.directory is not None

    # -- writing -------------------------------------------------------------------------------

    def next_id(self, table: str) -> int:
        """A fresh id for a new document of ``table`` (ids are never reused)."""
        value = self._next_ids.get(table, 1)
        self._next_ids[table] = value + 1
        return value

    def peek_id(self, table: str) -> int:
        """The id ``next_id`` will hand out, without taking it."""
        return self._next_ids.get(table, 1)

    def put(self, table: str, doc_id: int, doc: Doc) -> None:
        doc_id = int(doc_id)
        docs = self.tables.get(table)
        if docs is None:
            docs = self.tables[table] = {}
        docs[doc_id] = doc
        if doc_id >= self._next_ids.get(table, 1):
            self._next_ids[table] = doc_id + 1
        self._journal(("put", table, doc_id, doc))

    def delete(self, table: str, doc_id: int) -> None:
        doc_id = int(doc_id)
        self.table(table).pop(doc_id, None)
        self._journal(("del", table, doc_id))

    def apply(self, ops: Iterable[tuple[Any, ...]]) -> None:
        """Apply operations to memory at once, and journal them as one atomic line (or as part
        of the enclosing ``transaction``'s line)."""
        ops = list(ops)
        for op in ops:
            self._apply_op(op)
        with self.transaction():
            for op in ops:
                self._journal(op)

    def _journal(self, op: tuple[Any, ...]) -> None:
        """Count a change applied to memory, and journal it: in the enclosing transaction's
        line, or as a line of its own."""
        self.version += 1
        if self.directory is None:
            return
        if self._transaction is not None:
            self._transaction.append(op)
            return
        self._pending.append(_line(orjson.dumps([op], option=orjson.OPT_NON_STR_KEYS)))
        self._seq += 1

    def transaction(self) -> Transaction:
        """Journal every write made inside (``with store.transaction(): ...``) as one line:
        after a crash, all or none of them.

        Writes apply to memory as they are made; a block that raises after writing has already
        changed memory, so check first, then write (as the vendors' rules do)."""
        return Transaction(self)

    def _begin(self) -> bool:
        """Open a transaction; False when one is open already (the outer one journals)."""
        if self._transaction is not None:
            return False
        self._transaction = []
        return True

    def _end(self) -> None:
        ops, self._transaction = self._transaction, None
        if ops:
            self._pending.append(_line(orjson.dumps(ops, option=orjson.OPT_NON_STR_KEYS)))
            self._seq += 1

    def _apply_op(self, op: Iterable[Any]) -> None:
        kind, table, doc_id, *rest = op
        doc_id = int(doc_id)
        if kind == "put":
            self.table(table)[doc_id] = rest[0]
            if doc_id >= self._next_ids.get(table, 1):
                self._next_ids[table] = doc_id + 1
        elif kind == "del":
            self.table(table).pop(doc_id, None)
        else:
            raise ValueError(f"unknown journal operation {kind!r}")

    async def commit(self) -> None:
        """Return once every write applied so far is on disk: one append and one fsync, in a
        worker thread, for every committer waiting (group commit). When the disk refuses the
        append, the committer that made it gets the error, and the lines go out with the next
        append (made by the next committer, or one that was waiting for this one).

        The committers that arrive during an append wait on one event and wake together when
        it ends (the first of them whose writes it did not hold makes the next append). A lock
        woke them one at a time, an event loop turn each: B2 measured the difference. (A flusher
        task that woke the committers through futures was tried too: cheaper driven in process,
        but about 100 us more server CPU per enroll under uvicorn in B2.)"""
        target = self._seq
        while self._durable < target:
            appending = self._appending
            if appending is not None:
                await appending.wait()
                continue
            await self._flush()

    async def _flush(self) -> None:
        """Append and fsync every line pending, in a worker thread; committers arriving
        meanwhile wait on ``_appending``."""
        appending = self._appending = asyncio.Event()
        try:
            batch, upto = b"".join(self._pending), self._seq
            self._pending = []
            try:
                await asyncio.to_thread(self._append, batch)
            except Exception:
                self._pending.insert(0, batch)  # cut back by _append: sent again next time
                raise
            self._durable = upto
            self._journal_writes += 1
            if self._journal_writes > max(MIN_COMPACT_WRITES, self._size() // 2):
                self.compact()
        finally:
            self._appending = None
            appending.set()

    def commit_sync(self) -> None:
        """``commit`` for code outside the event loop (seeding, shutdown, tests)."""
        if self._durable < self._seq:
            batch, self._durable = b"".join(self._pending), self._seq
            self._pending = []
            self._append(batch)
            self._journal_writes += 1

    def _append(self, data: bytes) -> None:
        fd = self._journal_fd
        if fd is None:
            raise StoreError("the store is closed")
        try:
            _write_all(fd, data)
            os.fsync(fd)
        except OSError:
            # cut off whatever part was written, so that the next append does not follow a
            # torn line (replay stops at one); the caller keeps the lines to write again
            with contextlib.suppress(OSError):
                os.ftruncate(fd, self._journal_size)
            raise
        self._journal_size += len(data)

    async def replace_all_async(self, tables: Mapping[str, Mapping[int, Doc]]) -> None:
        """``replace_all`` from the event loop: waits for a journal append in flight (writes
        pending meanwhile are superseded; their committers are answered)."""
        while self._appending is not None:
            await self._appending.wait()
        self.replace_all(tables)

    def replace_all(self, tables: Mapping[str, Mapping[int, Doc]]) -> None:
        """Swap in a whole new state (seeding, reset), durable on return."""
        self.tables = {name: dict(docs) for name, docs in tables.items()}
        self._next_ids = {name: max(docs, default=0) + 1 for name, docs in self.tables.items()}
        self._pending = []
        self._durable = self._seq
        self.version += 1
        if self.directory is not None:
            self.compact()

    # -- the files -----------------------------------------------------------------------------

    def _size(self) -> int:
        return sum(len(docs) for docs in self.tables.values())

    def _open(self, directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._lock_fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as err:
            raise StoreError(f"cannot use {directory}: {err.strerror or err}") from err
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise StoreError(f"{directory} is in use by another sandbox") from None
        try:
            if self._load(directory):
                self._journal_fd = os.open(directory / JOURNAL, os.O_WRONLY | os.O_APPEND)
                self._journal_size = os.fstat(self._journal_fd).st_size
            else:
                self.compact()
        except BaseException:
            self.close(compact=False)
            raise

    def _load(self, directory: Path) -> bool:
        """Load the snapshot and replay the journal; True when the journal is exactly the
        current generation's header, so appending to it can go on without a compaction."""
        db = TinyDB(str(directory / SNAPSHOT), storage=SnapshotStorage)
        try:
            data = db.storage.read() or {}
        except ValueError as err:
            raise StoreError(f"{directory / SNAPSHOT} cannot be read: {err}") from err
        finally:
            db.close()
        meta = data.pop(META_TABLE, {}).get("1", {})
        self._generation = int(meta.get("generation", 0))
        self._next_ids = {str(k): int(v) for k, v in meta.get("next_ids", {}).items()}
        self.tables = {
            name: {int(doc_id): doc for doc_id, doc in docs.items()} for name, docs in data.items()
        }
        return self._replay(directory / JOURNAL) and bool(data)

    def _replay(self, path: Path) -> bool:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return False
        lines = raw.split(b"\n")
        header = _parse(lines[0])
        if not isinstance(header, dict) or header.get("generation") != self._generation:
            return False  # empty, torn at birth, or already folded into the snapshot
        for line in lines[1:]:
            ops = _parse(line)
            if not isinstance(ops, list):
                break  # a torn or damaged tail: nothing after it was acknowledged
            for op in ops:
                self._apply_op(op)
        return lines[1:] == [b""]

    def compact(self) -> None:
        """Fold the state into a new ``db.json`` generation and start a new journal."""
        if self.directory is None:
            return
        if self._journal_fd is not None:
            self.commit_sync()
        self._generation += 1
        data: dict[str, Any] = {
            name: docs for name, docs in self.tables.items() if name != META_TABLE
        }
        data[META_TABLE] = {1: {"generation": self._generation, "next_ids": dict(self._next_ids)}}
        SnapshotStorage(str(self.directory / SNAPSHOT)).write(data)
        if self._journal_fd is not None:
            os.close(self._journal_fd)
        header = orjson.dumps({"generation": self._generation})
        _replace_file(self.directory / JOURNAL, _line(header))
        self._journal_fd = os.open(self.directory / JOURNAL, os.O_WRONLY | os.O_APPEND)
        self._journal_size = len(_line(header))
        self._journal_writes = 0

    def close(self, *, compact: bool = True) -> None:
        """Compact (when durable) and release the directory. Safe to call twice."""
        if self._journal_fd is not None:
            if compact and (self._journal_writes or self._pending):
                with contextlib.suppress(OSError):
                    self.compact()
            os.close(self._journal_fd)
            self._journal_fd = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def _parse(line: bytes) -> Any:
    """The JSON of a journal line whose checksum holds, else None."""
    crc, _, payload = line.partition(b" ")
    if len(crc) != 8 or not payload:
        return None
    try:
        if int(crc, 16) != zlib.crc32(payload):
            return None
        return orjson.loads(payload)
    except ValueError:
        return None
