"""The activity log: every change made from the terminal, kept across restarts.

One JSON object a line (when, connection, vendor, where it was made, action, user, course,
outcome, message) appended to ``activity.jsonl`` in the user state directory, written by the
owner alone (the directory ``0o700`` when the log creates it, the file ``0o600``) and fsynced.
Nothing secret goes in: an entry is built from an item's report (labels, outcome, the vendor's
message), and any of the connection's secret values that still turned up in that text is
replaced by ``***`` before it is written. A torn last line is skipped when the log is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from core.connections import Connection
from core.operations import ItemReport, Outcome

COLUMNS: tuple[str, ...] = (
    "at",
    "connection",
    "vendor",
    "source",
    "action",
    "user",
    "course",
    "outcome",
    "message",
)
#: a connection setting is secret when its name has one of these in it (``client_secret``,
#: ``password``, ``api_key``, ``read_only_api_key``); ``username`` and ``client_id`` are not
SECRET_NAMES = ("secret", "password", "key", "token")
#: secret values shorter than this are not searched for (they would match ordinary words)
MIN_SECRET = 8
REDACTED = "***"


@dataclass(frozen=True, slots=True)
class Activity:
    at: str
    connection: str
    vendor: str
    source: str
    action: str
    user: str
    course: str
    outcome: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def row(self) -> tuple[str, ...]:
        return tuple(str(getattr(self, c)) for c in COLUMNS)


def scrub(text: str, secrets: Mapping[str, str]) -> str:
    """``text`` with every secret value of ``secrets`` in it replaced by ``***``."""
    for name, value in secrets.items():
        secret = any(part in name.lower() for part in SECRET_NAMES)
        if secret and len(value) >= MIN_SECRET and value in text:
            text = text.replace(value, REDACTED)
    return text


def logged(report: ItemReport) -> bool:
    """Whether a report is a change tried now: not an invalid row, not one an earlier run did."""
    return report.outcome is not Outcome.INVALID and not report.resumed


class ActivityLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: list[Activity] | None = None

    @property
    def entries(self) -> list[Activity]:
        """Every entry, oldest first (read from the file the first time)."""
        if self._entries is None:
            self._entries = list(self._read())
        return self._entries

    def _read(self) -> Iterable[Activity]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        for line in raw.splitlines():
            try:
                data = orjson.loads(line)
                yield Activity(**{c: str(data.get(c) or "") for c in COLUMNS})
            except (orjson.JSONDecodeError, AttributeError, TypeError):
                continue

    def record(
        self, connection: Connection, source: str, reports: Iterable[ItemReport]
    ) -> list[Activity]:
        """Append one entry per report that is a change tried now; the entries written."""
        at = datetime.now(UTC).isoformat(timespec="seconds")
        secrets = connection.secrets

        def clean(text: str) -> str:
            return scrub(text, secrets)

        added = [
            Activity(
                at=at,
                connection=connection.name,
                vendor=connection.vendor,
                source=source,
                action=str(r.request.action),
                user=clean(r.user_label or r.request.user),
                course=clean(r.course_label or r.request.course),
                outcome=str(r.outcome),
                message=clean(r.message),
            )
            for r in reports
            if logged(r)
        ]
        if added:
            entries = self.entries  # read what was there before, once
            self._append(added)
            entries.extend(added)
        return added

    def _append(self, entries: list[Activity]) -> None:
        directory = self.path.parent
        if not directory.exists():
            directory.mkdir(parents=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "ab") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)  # a file made before, by hand, is tightened too
            handle.write(b"".join(orjson.dumps(e.as_dict()) + b"\n" for e in entries))
            handle.flush()
            os.fsync(handle.fileno())

    def rows(self) -> list[dict[str, Any]]:
        """Every entry as a dict of ``COLUMNS``, newest first (for export)."""
        return [e.as_dict() for e in reversed(self.entries)]
