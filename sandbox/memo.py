"""A bounded memo for values that are cheap to make again: links, roots, cursors, pages."""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V], Generic[K, V]):
    """A dict that empties itself when it is full, rather than evicting one by one: what it
    holds is derived and made again on a miss, and a whole-table reader (a connector walking
    every page) fills it again in one pass."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: K, value: V) -> V:
        """Keep ``value`` under ``key`` (emptying the memo first when it is full); ``value``."""
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value
