"""Indexed collections and paging, shared by every vendor emulation.

A ``Collection`` is one store table seen through the indexes its vendor's queries need: for each
indexed field, an ascending list of document ids per value. A query names the values it accepts
per indexed field, an optional predicate (for searches) and an optional sort; its answer is the
list of matching ids in order, computed from the smallest index union rather than a scan of the
table, and cached until the store's next write. A page is then a slice or a bisection of that
list, so serving one page never copies or scans the whole table.

A ``View`` is how one kind of answer renders a collection's documents; it keeps each document's
JSON encoded once (an ``orjson.Fragment``, spliced into an answer as is), so serving a page
neither rebuilds nor re-encodes its items. The store never changes a document in place (every
write puts a new one), so a kept encoding is valid while its document is the same object; a view
that also reads other collections (a joined user, a course's title) names them, and any write to
one of them drops everything it kept.

Cursors are opaque to clients: ``Cursors`` signs ``(query signature, last sort key, last id)``
with an HMAC, so a forged cursor, or one issued for other filters, is refused; a cursor stays
valid while records are added or removed, because it names a position in the order, not an
offset.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from sandbox.memo import Memo
from sandbox.store import Doc, Store

Predicate = Callable[[Doc], bool]
SortKey = Callable[[Doc], Any]
Extractor = Callable[[Doc], Hashable]
Render = Callable[[int], Any]

CACHE_SIZE = 32
#: pages a view keeps the item lists of, until the store's next write
PAGE_MEMO_SIZE = 4096
#: cursor tokens remembered, each way
CURSOR_MEMO_SIZE = 4096
#: how the answers are encoded (``sandbox.http.JSONResponse``): a kept item must be the same
_OPTIONS = orjson.OPT_NON_STR_KEYS


class Index:
    """value -> ascending list of ids."""

    __slots__ = ("extract", "lists")

    def __init__(self, extract: Extractor) -> None:
        self.extract = extract
        self.lists: dict[Hashable, list[int]] = {}

    def add(self, doc_id: int, doc: Doc) -> None:
        ids = self.lists.setdefault(self.extract(doc), [])
        if not ids or ids[-1] < doc_id:
            ids.append(doc_id)
        else:
            bisect.insort(ids, doc_id)

    def discard(self, doc_id: int, doc: Doc) -> None:
        value = self.extract(doc)
        ids = self.lists.get(value)
        if ids is None:
            return
        at = bisect.bisect_left(ids, doc_id)
        if at < len(ids) and ids[at] == doc_id:
            del ids[at]
            if not ids:
                del self.lists[value]

    def get(self, value: Hashable) -> list[int]:
        return self.lists.get(value, [])


@dataclass(frozen=True, slots=True)
class Selection:
    """The ids a query matched, ascending by ``(sort key, id)``; ``reverse`` to read backwards.
    ``keys`` holds each id's ``(sort key, id)``; None for a query without a sort, whose key is
    0 for every id (a bisection over the ids alone finds the same place, several times faster
    than one over 100,000 tuples)."""

    ids: list[int]
    keys: list[tuple[Any, int]] | None
    reverse: bool
    signature: str

    def __len__(self) -> int:
        return len(self.ids)

    def page(self, number: int, size: int) -> tuple[list[int], bool]:
        """Page ``number`` (1-based) and whether another follows."""
        start = (number - 1) * size
        return self._window(start, size)

    def after(self, position: tuple[Any, int], size: int) -> tuple[list[int], bool, int]:
        """The page that follows ``position`` (a sort key and id), whether another follows, and
        the 0-based offset of its first item in the order."""
        keys: list[Any]
        target: Any = position
        if self.keys is not None:
            keys = self.keys
        elif position[0] == 0:
            keys, target = self.ids, position[1]
        else:
            keys = [(0, i) for i in self.ids]
        if self.reverse:
            end = bisect.bisect_left(keys, target)
            start = len(self.ids) - end
        else:
            start = bisect.bisect_right(keys, target)
        ids, more = self._window(start, size)
        return ids, more, start

    def _window(self, start: int, size: int) -> tuple[list[int], bool]:
        total = len(self.ids)
        if self.reverse:
            hi = max(total - start, 0)
            lo = max(hi - size, 0)
            return self.ids[lo:hi][::-1], lo > 0
        return self.ids[start : start + size], start + size < total


class Collection:
    """A store table with its indexes and a cache of query answers."""

    def __init__(
        self,
        store: Store,
        table: str,
        *,
        indexes: Mapping[str, Extractor] | None = None,
        sorts: Mapping[str, SortKey] | None = None,
    ) -> None:
        self.store = store
        self.table = table
        self._extractors = dict(indexes or {})
        self.sorts = dict(sorts or {})
        self.indexes: dict[str, Index] = {}
        self._ids: list[int] = []
        self._cache: OrderedDict[Hashable, Selection] = OrderedDict()
        self._version = -1
        #: writes made through this collection (a view reading it keys its encodings on it)
        self.changes = 0
        self._views: list[View] = []
        self._plain: View | None = None
        self.rebuild()

    @property
    def docs(self) -> dict[int, Doc]:
        return self.store.table(self.table)

    def rebuild(self) -> None:
        """Build the indexes afresh from the store (at start and after a reset)."""
        docs = self.docs
        self._ids = sorted(docs)
        self.indexes = {name: Index(extract) for name, extract in self._extractors.items()}
        for doc_id in self._ids:
            for index in self.indexes.values():
                index.add(doc_id, docs[doc_id])
        self._cache.clear()
        self.changes += 1
        for view in self._views:
            view.clear()

    def __len__(self) -> int:
        return len(self._ids)

    def get(self, doc_id: int) -> Doc | None:
        return self.docs.get(doc_id)

    def lookup(self, index: str, value: Hashable) -> list[int]:
        return self.indexes[index].get(value)

    # -- writes: the store first, then the indexes ----------------------------------------------

    def insert(self, doc: Doc, doc_id: int | None = None) -> int:
        doc_id = self.store.next_id(self.table) if doc_id is None else doc_id
        self.store.put(self.table, doc_id, doc)
        if not self._ids or self._ids[-1] < doc_id:
            self._ids.append(doc_id)
        else:
            bisect.insort(self._ids, doc_id)
        for index in self.indexes.values():
            index.add(doc_id, doc)
        self.changes += 1
        return doc_id

    def replace(self, doc_id: int, doc: Doc) -> None:
        old = self.docs[doc_id]
        self.store.put(self.table, doc_id, doc)
        for index in self.indexes.values():
            if index.extract(old) != index.extract(doc):
                index.discard(doc_id, old)
                index.add(doc_id, doc)
        self.changes += 1
        for view in self._views:
            view.forget(doc_id)

    def remove(self, doc_id: int) -> Doc:
        old = self.docs[doc_id]
        self.store.delete(self.table, doc_id)
        at = bisect.bisect_left(self._ids, doc_id)
        if at < len(self._ids) and self._ids[at] == doc_id:
            del self._ids[at]
        for index in self.indexes.values():
            index.discard(doc_id, old)
        self.changes += 1
        for view in self._views:
            view.forget(doc_id)
        return old

    def encoded(self, ids: Iterable[int]) -> list[orjson.Fragment]:
        """The documents of ``ids`` as they are stored, encoded (see :class:`View`)."""
        if self._plain is None:
            self._plain = self.view()
        return self._plain.items(ids)

    def view(self, render: Render | None = None, *, reads: Iterable[Collection] = ()) -> View:
        """A view of this collection's documents: ``render(doc_id)`` (the document itself when
        None), reading also the collections in ``reads``."""
        view = View(self, render, tuple(reads))
        self._views.append(view)
        return view

    # -- queries -------------------------------------------------------------------------------

    def select(
        self,
        *,
        where: Mapping[str, Iterable[Hashable]] | None = None,
        match: Predicate | None = None,
        match_key: Hashable = None,
        sort: str | None = None,
        reverse: bool = False,
        volatile: Hashable = None,
    ) -> Selection:
        """The ids matching every ``where`` field (any of its values) and ``match``, in order.

        ``match_key`` identifies ``match`` for the cache and for cursors (say, the search text).
        ``volatile`` is what else ``match`` depends on (say, the current hour): part of the cache
        key, not of the cursors' signature, so paging goes on across it.
        """
        conditions = {name: frozenset(values) for name, values in (where or {}).items()}
        stable = (tuple(sorted(conditions.items(), key=lambda kv: kv[0])), match_key, sort, reverse)
        key = (stable, volatile)
        if self._version != self.store.version:
            self._cache.clear()
            self._version = self.store.version
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        ids = self._matching(conditions, match)
        sort_key = self.sorts[sort] if sort else None
        docs = self.docs
        keys = None
        if sort_key is not None:
            keys = sorted((sort_key(docs[i]), i) for i in ids)
            ids = [i for _, i in keys]
        signature = hashlib.sha256(repr(stable).encode()).hexdigest()[:16]
        selection = Selection(ids=ids, keys=keys, reverse=reverse, signature=signature)
        self._cache[key] = selection
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return selection

    def _matching(
        self, conditions: Mapping[str, frozenset[Hashable]], match: Predicate | None
    ) -> list[int]:
        docs = self.docs
        if not conditions:
            candidates: Iterable[int] = self._ids
        else:
            unions = {
                name: [self.indexes[name].get(value) for value in values]
                for name, values in conditions.items()
            }
            driver = min(unions, key=lambda name: sum(len(ids) for ids in unions[name]))
            lists = [ids for ids in unions[driver] if ids]
            candidates = lists[0] if len(lists) == 1 else sorted({i for ids in lists for i in ids})
            others = [
                (self.indexes[name].extract, values)
                for name, values in conditions.items()
                if name != driver
            ]
            if others:
                candidates = [
                    i
                    for i in candidates
                    if all(extract(docs[i]) in values for extract, values in others)
                ]
        if match is not None:
            return [i for i in candidates if match(docs[i])]
        return list(candidates)


class View:
    """One rendering of a collection's documents, each encoded to JSON once and kept while its
    document (and every collection it ``reads``) is unchanged. Make one with
    :meth:`Collection.view`.

    A page asked again before the store's next write is answered from a memo of its item list,
    without touching its documents (on a large table that touch, a cache miss per document,
    costs more than the rest of the answer)."""

    __slots__ = (
        "_collection",
        "_encoded",
        "_pages",
        "_pages_version",
        "_reads",
        "_render",
        "_sources",
        "_stamp",
    )

    def __init__(
        self, collection: Collection, render: Render | None, reads: tuple[Collection, ...]
    ) -> None:
        self._collection = collection
        self._render = render
        self._reads = reads
        #: each encoded document, and the document it was encoded from (two dicts rather than
        #: one of pairs: no object per document for the garbage collector to walk)
        self._encoded: dict[int, orjson.Fragment] = {}
        self._sources: dict[int, Doc] = {}
        self._stamp = self._changes()
        self._pages: Memo[tuple[int, ...], list[orjson.Fragment]] = Memo(PAGE_MEMO_SIZE)
        self._pages_version = -1

    def _changes(self) -> tuple[int, ...]:
        return tuple(collection.changes for collection in self._reads)

    def clear(self) -> None:
        self._encoded.clear()
        self._sources.clear()
        self._pages.clear()

    def forget(self, doc_id: int) -> None:
        self._encoded.pop(doc_id, None)
        self._sources.pop(doc_id, None)

    def items(self, ids: Iterable[int]) -> list[orjson.Fragment]:
        """The encoded items of ``ids``, in order, for an answer encoded with orjson (the list
        may be shared with other answers: do not change it)."""
        key = tuple(ids)
        version = self._collection.store.version
        if version != self._pages_version:
            self._pages.clear()
            self._pages_version = version
        items = self._pages.get(key)
        if items is None:
            items = self._pages.remember(key, self._encode(key))
        return items

    def _encode(self, ids: Iterable[int]) -> list[orjson.Fragment]:
        if self._reads:
            stamp = self._changes()
            if stamp != self._stamp:
                self._encoded.clear()
                self._sources.clear()
                self._stamp = stamp
        docs = self._collection.docs
        encoded, sources = self._encoded, self._sources
        render = self._render
        items = []
        for doc_id in ids:
            doc = docs[doc_id]
            if sources.get(doc_id) is not doc:
                value = doc if render is None else render(doc_id)
                encoded[doc_id] = orjson.Fragment(_kept(orjson.dumps(value, option=_OPTIONS)))
                sources[doc_id] = doc
            items.append(encoded[doc_id])
        return items


class InvalidCursor(ValueError):
    """A cursor that was not issued by this sandbox, or not for this query."""


class Cursors:
    """Signed, opaque cursors naming a position in a query's order. The tokens signed and
    verified lately are remembered (a connector reads the same pages again, and signing or
    checking one costs an HMAC), so a page asked again skips both."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        #: payload -> token, and token -> payload, of the tokens signed or verified lately
        self._tokens: Memo[bytes, str] = Memo(CURSOR_MEMO_SIZE)
        self._payloads: Memo[str, bytes] = Memo(CURSOR_MEMO_SIZE)

    def encode(self, signature: str, position: tuple[Any, int]) -> str:
        payload = orjson.dumps([signature, position[0], position[1]])
        token = self._tokens.get(payload)
        if token is None:
            mac = hmac.new(self._secret, payload, hashlib.sha256).digest()[:12]
            token = base64.urlsafe_b64encode(mac + payload).decode().rstrip("=")
            self._tokens.remember(_kept(payload), token)
        return token

    def decode(self, token: str, signature: str) -> tuple[Any, int]:
        payload = self._payloads.get(token)
        if payload is None:
            payload = self._verify(token)
            self._payloads.remember(token, payload)
        issued_for, key, doc_id = orjson.loads(payload)
        if issued_for != signature:
            raise InvalidCursor("the cursor was issued for other filters or sorting")
        return (key, int(doc_id))

    def _verify(self, token: str) -> bytes:
        """The payload of a token this sandbox signed; raises for any other."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except ValueError:
            raise InvalidCursor("the cursor is not valid") from None
        mac, payload = raw[:12], raw[12:]
        expected = hmac.new(self._secret, payload, hashlib.sha256).digest()[:12]
        if len(mac) != 12 or not hmac.compare_digest(mac, expected):
            raise InvalidCursor("the cursor is not valid")
        return payload


def _kept(encoded: bytes) -> bytes:
    """A copy of ``orjson.dumps``'s output, of its own size, for keeping. The output itself
    sits in a buffer shrunk in place from several KiB, and the allocator cannot reuse the rest
    while it lives: kept as is, 100,000 encoded documents held 2.3 GiB instead of 80 MiB."""
    return bytes(memoryview(encoded))
