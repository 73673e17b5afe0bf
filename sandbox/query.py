"""Indexed collections and paging, shared by every vendor emulation.

A ``Collection`` is one store table seen through the indexes its vendor's queries need: for each
indexed field, an ascending list of document ids per value. A query names the values it accepts
per indexed field, an optional predicate (for searches) and an optional sort; its answer is the
list of matching ids in order, computed from the smallest index union rather than a scan of the
table, and cached until the store's next write. A page is then a slice or a bisection of that
list, so serving one page never copies or scans the whole table.

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

from sandbox.store import Doc, Store

Predicate = Callable[[Doc], bool]
SortKey = Callable[[Doc], Any]
Extractor = Callable[[Doc], Hashable]

CACHE_SIZE = 32


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
    """The ids a query matched, ascending by ``(sort key, id)``; ``reverse`` to read backwards."""

    ids: list[int]
    keys: list[tuple[Any, int]]
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
        if self.reverse:
            end = bisect.bisect_left(self.keys, position)
            start = len(self.ids) - end
        else:
            start = bisect.bisect_right(self.keys, position)
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
        return doc_id

    def replace(self, doc_id: int, doc: Doc) -> None:
        old = self.docs[doc_id]
        self.store.put(self.table, doc_id, doc)
        for index in self.indexes.values():
            if index.extract(old) != index.extract(doc):
                index.discard(doc_id, old)
                index.add(doc_id, doc)

    def remove(self, doc_id: int) -> Doc:
        old = self.docs[doc_id]
        self.store.delete(self.table, doc_id)
        at = bisect.bisect_left(self._ids, doc_id)
        if at < len(self._ids) and self._ids[at] == doc_id:
            del self._ids[at]
        for index in self.indexes.values():
            index.discard(doc_id, old)
        return old

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
        if sort_key is not None:
            keys = sorted((sort_key(docs[i]), i) for i in ids)
            ids = [i for _, i in keys]
        else:
            keys = [(0, i) for i in ids]
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


class InvalidCursor(ValueError):
    """A cursor that was not issued by this sandbox, or not for this query."""


class Cursors:
    """Signed, opaque cursors naming a position in a query's order."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def encode(self, signature: str, position: tuple[Any, int]) -> str:
        payload = orjson.dumps([signature, position[0], position[1]])
        mac = hmac.new(self._secret, payload, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(mac + payload).decode().rstrip("=")

    def decode(self, token: str, signature: str) -> tuple[Any, int]:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except ValueError:
            raise InvalidCursor("the cursor is not valid") from None
        mac, payload = raw[:12], raw[12:]
        expected = hmac.new(self._secret, payload, hashlib.sha256).digest()[:12]
        if len(mac) != 12 or not hmac.compare_digest(mac, expected):
            raise InvalidCursor("the cursor is not valid")
        issued_for, key, doc_id = orjson.loads(payload)
        if issued_for != signature:
            raise InvalidCursor("the cursor was issued for other filters or sorting")
        return (key, int(doc_id))
