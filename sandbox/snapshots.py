"""Named snapshots of the sandbox's state, to go back to.

A snapshot holds every table of the store (every vendor's records and the event log) as it
was when saved. Documents are never changed in place, so a snapshot shares them with the
store and costs one dict entry per document. Snapshots live in memory: they are kept across
resets but not across restarts. Restoring swaps the whole state in at once (durable on return
with a data directory); when that fails the state in force before is put back, so a restore
takes effect entirely or not at all. The clock, the fault rules, the journal and the
vendors' issued tokens are not part of a snapshot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sandbox.store import Tables

NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_SNAPSHOTS: Final = 50


class SnapshotError(ValueError):
    """A snapshot that cannot be saved or found; ``status`` is the HTTP answer's."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Snapshot:
    name: str
    created_at: datetime
    tables: Tables

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "created_at": self.created_at.isoformat(timespec="milliseconds"),
            "documents": sum(len(docs) for docs in self.tables.values()),
        }


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise SnapshotError(
            "name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or "
            f"digit, not {name!r}"
        )
    return name


class Snapshots:
    def __init__(self) -> None:
        self.saved: dict[str, Snapshot] = {}

    def save(self, name: Any, tables: Tables, now: datetime) -> Snapshot:
        """Keep a copy of ``tables`` under ``name`` (replacing a snapshot of that name)."""
        name = check_name(name)
        if name not in self.saved and len(self.saved) >= MAX_SNAPSHOTS:
            raise SnapshotError(
                f"there are already {MAX_SNAPSHOTS} snapshots; delete one first", status=409
            )
        copy = {table: dict(docs) for table, docs in tables.items()}
        snapshot = Snapshot(name, now.astimezone(UTC), copy)
        self.saved[name] = snapshot
        return snapshot

    def get(self, name: str) -> Snapshot:
        snapshot = self.saved.get(name)
        if snapshot is None:
            raise SnapshotError(f"no snapshot {name!r}", status=404)
        return snapshot

    def delete(self, name: str) -> Snapshot:
        snapshot = self.get(name)
        del self.saved[name]
        return snapshot

    def list(self) -> list[dict[str, Any]]:
        return [snapshot.to_json() for snapshot in self.saved.values()]
