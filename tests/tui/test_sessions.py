"""A session's display row, and which connections can list sessions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.connections import Connection
from core.models import Session, SessionEvent
from tui.sessions import lists_sessions, no_sessions_text, seats, session_row, when, where


def session(**overrides: object) -> Session:
    values: dict[str, object] = {
        "id": "s1",
        "vendor": "docebo",
        "remote_id": "s1",
        "course_id": "c1",
        "name": "Finance, New York",
        "starts_at": datetime(2026, 5, 13, 13, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 5, 13, 20, 0, tzinfo=UTC),
        "max_enrollments": 11,
        "enrolled_count": 4,
        "location": "New York Headquarters",
        "timezone": "America/New_York",
        "events": (SessionEvent(id="e1"), SessionEvent(id="e2")),
    }
    values.update(overrides)
    return Session(**values)  # type: ignore[arg-type]


def test_session_row_formats_every_column() -> None:
    assert session_row(session()) == (
        "Finance, New York",
        "2026-05-13 09:00-16:00 America/New_York",
        "New York Headquarters",
        "4/11",
        "2",
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"timezone": None}, "2026-05-13 13:00-20:00 UTC"),
        ({"timezone": "W. Europe Standard Time"}, "2026-05-13 13:00-20:00 UTC"),
        (
            {"ends_at": datetime(2026, 5, 15, 20, 0, tzinfo=UTC)},
            "2026-05-13 09:00 → 2026-05-15 16:00 America/New_York",
        ),
        ({"ends_at": None}, "from 2026-05-13 09:00 America/New_York"),
        ({"starts_at": None}, "until 2026-05-13 16:00 America/New_York"),
        ({"starts_at": None, "ends_at": None}, ""),
    ],
)
def test_when_shows_dates_in_session_zone(overrides: dict[str, object], expected: str) -> None:
    assert when(session(**overrides)) == expected


@pytest.mark.parametrize(
    ("enrolled", "most", "expected"),
    [(4, 11, "4/11"), (None, 19, "?/19"), (3, None, "3/?"), (None, None, "")],
)
def test_seats_shows_enrolled_of_max(enrolled: int | None, most: int | None, expected: str) -> None:
    assert seats(session(enrolled_count=enrolled, max_enrollments=most)) == expected


@pytest.mark.parametrize(
    ("location", "tool", "expected"),
    [
        ("Berlin Office", None, "Berlin Office"),
        (None, "zoom", "zoom"),
        ("Room 3", "teams", "Room 3 · teams"),
        (None, None, ""),
    ],
)
def test_where_shows_venue_or_webinar_tool(
    location: str | None, tool: str | None, expected: str
) -> None:
    assert where(session(location=location, webinar_tool=tool)) == expected


def test_session_row_without_name_or_events_shows_id() -> None:
    row = session_row(session(name="", events=()))
    assert (row[0], row[4]) == ("s1", "")


@pytest.mark.parametrize(
    ("vendor", "supported"),
    [("docebo", True), ("lms365", True), ("kombo", False), ("ispring", False), ("fake", False)],
)
def test_lists_sessions_follows_connector_capabilities(vendor: str, supported: bool) -> None:
    connection = Connection(name="x", vendor=vendor, base_url="http://x.invalid")
    assert lists_sessions(connection) is supported


def test_no_sessions_text_names_vendor() -> None:
    connection = Connection(name="x", vendor="kombo", base_url="http://x.invalid")
    assert (
        no_sessions_text(connection) == "No sessions: kombo has no instructor-led sessions to list."
    )
