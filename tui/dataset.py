"""The records of one tab of one connection, their display rows, load state and filter.

Three parallel lists grow together as batches arrive: the models (for the detail view), their
display rows and their lowercase search strings. The filter is a list of row indices, or ``None``
for every row; it narrows the previous result when the new query extends the old one, and new
batches are filtered as they are appended, so a keystroke never rescans more than it must.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from tui.records import Kind, Record, Row


class LoadState(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"


def matching(
    search: Sequence[str], query: str, candidates: Sequence[int] | None = None
) -> list[int]:
    """Indices of the search strings that contain ``query`` (already lowercase)."""
    if candidates is None:
        return [i for i, text in enumerate(search) if query in text]
    return [i for i in candidates if query in search[i]]


class Dataset:
    __slots__ = (
        "error",
        "generation",
        "kind",
        "query",
        "records",
        "rows",
        "search",
        "state",
        "visible",
    )

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.records: list[Record] = []
        self.rows: list[Row] = []
        self.search: list[str] = []
        self.state = LoadState.IDLE
        self.error: str | None = None
        self.generation = 0
        self.query = ""
        self.visible: list[int] | None = None

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def shown(self) -> int:
        return len(self.rows) if self.visible is None else len(self.visible)

    def start(self) -> int:
        """Forget the records and begin a new load; returns the load's generation."""
        self.records = []
        self.rows = []
        self.search = []
        self.visible = None if not self.query else []
        self.state = LoadState.LOADING
        self.error = None
        self.generation += 1
        return self.generation

    def extend(self, records: Sequence[Record], rows: Sequence[Row], search: Sequence[str]) -> None:
        start = len(self.search)
        self.records.extend(records)
        self.rows.extend(rows)
        self.search.extend(search)
        if self.visible is not None:
            self.visible.extend(start + i for i in matching(search, self.query))

    def finish(self, error: str | None = None) -> None:
        self.state = LoadState.LOADED if error is None else LoadState.FAILED
        self.error = error

    def refilter(self) -> None:
        """Filter again by the current query, after rows changed in place."""
        if self.query:
            self.visible = matching(self.search, self.query)

    def apply(self, query: str) -> bool:
        """Filter the rows by ``query`` (case-insensitive); False when nothing changed."""
        query = query.lower()
        if query == self.query:
            return False
        if not query:
            self.visible = None
        elif self.visible is not None and self.query and self.query in query:
            self.visible = matching(self.search, query, self.visible)
        else:
            self.visible = matching(self.search, query)
        self.query = query
        return True
