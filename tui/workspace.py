"""What the action screens share: where state lives, each connection's local view, the log.

A ``Workspace`` is made once per app. Its state directory (``platformdirs.user_state_path``
unless the app is given another, as the tests do) holds the activity log and the journals of
bulk runs (``runs/``, the directory the command line uses). ``ViewStore`` keeps one
:class:`~core.view.LocalView` per connection, loaded the first time an action needs it and kept
up to date by the operations layer's own writes, and read again (incrementally where the vendor
allows) when it is older than ``MAX_AGE``, so changes made elsewhere are seen; ``forget`` drops
one so the next action reads the vendor afresh.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.capabilities import Capabilities
from core.connections import Connection
from core.connector import Connector
from core.connectors import connector_class
from core.view import LocalView, Progress
from tui.activity import ActivityLog

#: a view older than this is read again before an action uses it
MAX_AGE = timedelta(minutes=5)


def default_state_dir() -> Path:
    from platformdirs import user_state_path

    return user_state_path("lmsbridge")


def capabilities_of(connection: Connection) -> Capabilities:
    """What the connection's connector can do (known without opening it; nothing for a vendor
    this build has no connector for)."""
    try:
        return connector_class(connection.vendor).capabilities
    except KeyError:
        return Capabilities(operations=frozenset())


def display_name(connection: Connection) -> str:
    """The vendor's name as people write it ("iSpring Learn")."""
    try:
        cls = connector_class(connection.vendor)
    except KeyError:
        return connection.vendor
    return cls.display_name or cls.vendor


def tenant(connection: Connection) -> str:
    """What names a connection's tenant in a run's journal (the name and where it points)."""
    return f"{connection.name} {connection.base_url}"


class ViewStore:
    """One local view per connection name, loaded once; concurrent callers share one load."""

    def __init__(self) -> None:
        self._views: dict[str, LocalView] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def cached(self, name: str) -> LocalView | None:
        return self._views.get(name)

    async def get(
        self, connection: Connection, connector: Connector, progress: Progress | None = None
    ) -> LocalView:
        lock = self._locks.setdefault(connection.name, asyncio.Lock())
        async with lock:
            view = self._views.get(connection.name)
            if view is None:
                view = await LocalView.load(connector, progress)
                self._views[connection.name] = view
            elif view.loaded_at is None or datetime.now(UTC) - view.loaded_at > MAX_AGE:
                await view.refresh(connector, progress)
            return view

    def forget(self, name: str) -> None:
        self._views.pop(name, None)


@dataclass
class Workspace:
    state_dir: Path = field(default_factory=default_state_dir)
    views: ViewStore = field(default_factory=ViewStore)
    #: connection names whose data changed since the browse screen last loaded them
    changed: set[str] = field(default_factory=set)
    activity: ActivityLog = field(init=False)

    def __post_init__(self) -> None:
        self.activity = ActivityLog(self.state_dir / "activity.jsonl")

    @property
    def journal_dir(self) -> Path:
        return self.state_dir / "runs"
