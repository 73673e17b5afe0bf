"""The sessions of one course: whether the vendor has any, their display rows, and their load.

``load_sessions`` runs inside a worker, like ``tui.loading.load``: it opens a connector, lists the
course's sessions and posts them in one ``SessionsLoaded`` (a course has a handful), or one
``SessionsFailed`` with a readable line. It never raises but on cancellation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from textual.message import Message

from core.capabilities import Operation
from core.connections import Connection
from core.connectors import connector_class
from core.models import Session
from tui.loading import ConnectorFactory, describe_error
from tui.records import Row

SESSION_COLUMNS: tuple[str, ...] = ("Name", "When", "Where", "Seats", "Events")


def lists_sessions(connection: Connection) -> bool:
    """Whether the connection's connector class can list a course's sessions."""
    try:
        cls = connector_class(connection.vendor)
    except KeyError:
        return False
    return cls.capabilities.supports(Operation.LIST_SESSIONS)


def no_sessions_text(connection: Connection) -> str:
    return f"No sessions: {connection.vendor} has no instructor-led sessions to list."


@cache
def _zone(name: str | None) -> tzinfo | None:
    """The session's own time zone, or None when it names none that is known (Windows names)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def when(session: Session) -> str:
    """``2026-05-13 09:00-16:00 America/New_York``, or start and end days when they differ;
    in the session's own zone when it is known, in UTC otherwise."""
    zone = _zone(session.timezone)
    label = session.timezone if zone is not None else "UTC"

    def local(value: datetime) -> datetime:
        return value if value.tzinfo is None else value.astimezone(zone or UTC)

    starts, ends = session.starts_at, session.ends_at
    if starts is None:
        return "" if ends is None else f"until {local(ends):%Y-%m-%d %H:%M} {label}"
    if ends is None:
        return f"from {local(starts):%Y-%m-%d %H:%M} {label}"
    start, end = local(starts), local(ends)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} {label}"
    return f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} {label}"


def where(session: Session) -> str:
    """The venue, the webinar tool, or both."""
    return " · ".join(p for p in (session.location, session.webinar_tool) if p)


def seats(session: Session) -> str:
    """``enrolled/max``; a side the vendor does not say is ``?``, nothing when neither is said."""
    enrolled, most = session.enrolled_count, session.max_enrollments
    if enrolled is None and most is None:
        return ""
    return f"{'?' if enrolled is None else enrolled}/{'?' if most is None else most}"


def session_row(session: Session) -> Row:
    events = str(len(session.events)) if session.events else ""
    return (session.name or session.id, when(session), where(session), seats(session), events)


class SessionsMessage(Message):
    def __init__(self, course_id: str) -> None:
        super().__init__()
        self.course_id = course_id


class SessionsLoaded(SessionsMessage):
    """Every session of the course, in the vendor's order."""

    def __init__(self, course_id: str, sessions: list[Session]) -> None:
        super().__init__(course_id)
        self.sessions = sessions


class SessionsFailed(SessionsMessage):
    """The listing stopped with an error; ``error`` is one line fit to show."""

    def __init__(self, course_id: str, error: str) -> None:
        super().__init__(course_id)
        self.error = error


async def load_sessions(
    connection: Connection,
    course_id: str,
    factory: ConnectorFactory,
    post: Callable[[Message], object],
) -> None:
    try:
        async with factory(connection) as connector:
            sessions = [s async for s in connector.list_sessions(course_id=course_id)]
    except Exception as err:  # an LmsError, a bug or a broken setup: the app must live on
        post(SessionsFailed(course_id, describe_error(err)))
        return
    post(SessionsLoaded(course_id, sessions))
