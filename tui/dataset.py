"""The records of one tab of one connection (or of every connection), and what of them is shown.

Three parallel lists grow together as batches arrive: the models (for the detail view and the
facets), their display rows and their lowercase search strings. What is shown is worked out in
two steps, each kept until its inputs change:

* the *base*: the rows the facets let through, in the sort order (``None`` when there are no
  facets and no sort: every row, in load order);
* ``visible``: the base rows the typed query matches (``tui.matching``), or the base itself.

A keystroke that extends the query narrows the previous matches; new batches are faceted and
filtered as they are appended (a sorted tab sorts again). So typing never rescans more than it
must, and a tab with no facets and no sort filters exactly like one list comprehension.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from tui.facets import Facets, Test, predicates, select
from tui.matching import FuzzyIndex, TextFilter, matching
from tui.records import FUZZY_COLUMNS, NUMERIC_COLUMNS, Kind, Record, Row, columns_of

__all__ = ["Dataset", "LoadState", "Sort", "matching"]

_LAST = "\U0010ffff"  # sorts after any text: empty cells go last


class LoadState(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


class Sort(NamedTuple):
    column: int
    """Index of the column in the rows."""
    descending: bool = False


def sort_key(cell: str, numeric: bool) -> Any:
    if numeric:
        try:
            return float(cell.rstrip("%"))
        except ValueError:
            return float("inf")
    return cell.casefold()


class Dataset:
    __slots__ = (
        "_base",
        "_index",
        "_keys",
        "_text",
        "columns",
        "error",
        "facets",
        "fields",
        "generation",
        "kind",
        "loaded_at",
        "merged",
        "now",
        "query",
        "records",
        "rows",
        "search",
        "sort",
        "state",
        "visible",
    )

    def __init__(self, kind: Kind, *, merged: bool = False) -> None:
        self.kind = kind
        self.merged = merged
        self.columns = columns_of(kind, merged)
        self.fields = tuple(
            i for i, column in enumerate(self.columns) if column in FUZZY_COLUMNS[kind]
        )
        self.records: list[Record] = []
        self.rows: list[Row] = []
        self.search: list[str] = []
        self.state = LoadState.IDLE
        self.error: str | None = None
        self.loaded_at: datetime | None = None
        self.generation = 0
        self.query = ""
        self.facets = Facets()
        self.now = datetime.min
        self.sort: Sort | None = None
        self._base: list[int] | None = None
        self._text: TextFilter | None = None
        self._index: FuzzyIndex | None = None
        self._keys: dict[int, list[Any]] = {}
        """Sort keys of every row, by column: kept while rows are only appended."""
        self.visible: list[int] | None = None

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def shown(self) -> int:
        return len(self.rows) if self.visible is None else len(self.visible)

    @property
    def fuzzy(self) -> bool:
        """Whether the rows shown matched the query fuzzily (no row contained it)."""
        return self._text is not None and self._text.fuzzy

    # -- loading -------------------------------------------------------------------------------

    def start(self) -> int:
        """Forget the records and begin a new load; returns the load's generation."""
        self.records = []
        self.rows = []
        self.search = []
        self.state = LoadState.LOADING
        self.error = None
        self.generation += 1
        self._forget()
        self._recompute()
        return self.generation

    def extend(self, records: Sequence[Record], rows: Sequence[Row], search: Sequence[str]) -> bool:
        """Append a batch; True when the shown rows were reordered rather than grown at the end."""
        start = len(self.search)
        self.records.extend(records)
        self.rows.extend(rows)
        self.search.extend(search)
        if self.sort is not None:
            self._recompute()
            return True
        new: Sequence[int] = range(start, len(self.rows))
        if self.facets:
            new = select(self._tests(), self.records, self.rows, new)
            assert self._base is not None
            self._base.extend(new)
        if self._text is not None and self.visible is not None:
            self.visible.extend(self._text.extend(self.search, self.rows, new))
        return False

    def replace(self, records: list[Record], rows: list[Row], search: list[str]) -> None:
        """Swap every record for new ones in place (the lists keep their identity)."""
        self.records[:] = records
        self.rows[:] = rows
        self.search[:] = search
        self._forget()
        self._recompute()

    def finish(self, error: str | None = None, at: datetime | None = None) -> None:
        self.state = LoadState.LOADED if error is None else LoadState.FAILED
        self.error = error
        if error is None:
            self.loaded_at = at

    # -- what is shown -------------------------------------------------------------------------

    def refilter(self) -> None:
        """Work out the shown rows again, after rows changed in place."""
        self._forget()
        self._recompute()

    def apply(self, query: str) -> bool:
        """Filter the rows by ``query`` (case-insensitive); False when nothing changed."""
        query = query.lower()
        if query == self.query:
            return False
        previous, self.query = self._text, query
        if not query:
            self._text = None
            self.visible = self._base
            return True
        self._text = TextFilter(query, self._fuzzy_index())
        narrowed = None
        if previous is not None and previous.query in query and self.visible is not None:
            self._text.fuzzy = previous.fuzzy
            narrowed = self._text.narrow(self.search, self.visible)
        self.visible = (
            narrowed if narrowed is not None else self._text.run(self.search, self.rows, self._base)
        )
        return True

    def set_facets(self, facets: Facets, now: datetime | None = None) -> None:
        self.facets = facets
        if now is not None:
            self.now = now
        self._recompute()

    def set_sort(self, sort: Sort | None) -> None:
        self.sort = sort
        self._recompute()

    def _forget(self) -> None:
        """Rows changed in place: the fuzzy index and the sort keys no longer hold."""
        self._keys = {}
        self._index = None
        if self._text is not None:
            self._text = TextFilter(self._text.query, self._fuzzy_index())

    def _fuzzy_index(self) -> FuzzyIndex:
        if self._index is None:
            self._index = FuzzyIndex(self.fields)
        return self._index

    def _tests(self) -> list[Test]:
        return predicates(self.facets, self.kind, self.columns, self.now)

    def _recompute(self) -> None:
        indices: Sequence[int] | range = range(len(self.rows))
        base: list[int] | None = None
        if self.sort is not None:
            base = self._sorted(indices)
            indices = base
        if self.facets:
            base = select(self._tests(), self.records, self.rows, indices)
        self._base = base
        if self._text is None:
            self.visible = base
        else:
            self.visible = self._text.run(self.search, self.rows, base)

    def _sorted(self, indices: Sequence[int] | range) -> list[int]:
        column, descending = self.sort or Sort(0)
        rows = self.rows
        if column >= len(self.columns):
            return list(indices)
        keys = self._keys.get(column)
        if keys is None:
            keys = self._keys[column] = []
        if len(keys) < len(rows):
            numeric = self.columns[column] in NUMERIC_COLUMNS
            keys.extend(
                sort_key(row[column], numeric) if row[column] else _LAST
                for row in rows[len(keys) :]
            )
        filled = [i for i in indices if keys[i] is not _LAST]
        empty = [i for i in indices if keys[i] is _LAST]
        filled.sort(key=keys.__getitem__, reverse=descending)
        return filled + empty
