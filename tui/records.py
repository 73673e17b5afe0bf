"""What each tab shows: its columns, one display row per record, and a record's full detail.

A display row is a plain ``tuple[str, ...]`` built once per record, as the record arrives. Cells
reuse the model's own strings wherever they can (a name, a title, an enum value), and the few
derived ones (``"45%"``, ``"2025-03-01"``) go through a small per-table cache, so 100,000 rows
cost little beyond the tuples themselves. ``search_text`` is the row's displayed text, lowercased
once, which the filter scans with a plain substring test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, TypeAlias

import msgspec

from core.models import Course, Enrollment, User

Record: TypeAlias = User | Course | Enrollment
Row: TypeAlias = tuple[str, ...]

SEARCH_SEPARATOR = "\t"


class Kind(StrEnum):
    """The three tabs, in the order of their keys ``1``, ``2``, ``3``."""

    USERS = "users"
    COURSES = "courses"
    ENROLLMENTS = "enrollments"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def singular(self) -> str:
        return self.value[:-1]


COLUMNS: Mapping[Kind, tuple[str, ...]] = {
    Kind.USERS: ("Name", "Email", "Username", "Status", "ID"),
    Kind.COURSES: ("Title", "Code", "Type", "ID"),
    Kind.ENROLLMENTS: ("User", "Course", "Status", "Progress", "Due"),
}
#: the columns the "All connections" view puts before every row
MERGED_COLUMNS: tuple[str, ...] = ("Connection", "Vendor")
#: the columns the filter matches fuzzily (names, emails, titles) when no row contains the query
FUZZY_COLUMNS: Mapping[Kind, tuple[str, ...]] = {
    Kind.USERS: ("Name", "Email", "Username"),
    Kind.COURSES: ("Title", "Code"),
    Kind.ENROLLMENTS: ("User", "Course"),
}
#: columns that sort by their number rather than their text
NUMERIC_COLUMNS = frozenset({"Progress"})


def columns_of(kind: Kind, merged: bool = False) -> tuple[str, ...]:
    """The columns of a tab: the connection and vendor first in the "All connections" view."""
    return (*MERGED_COLUMNS, *COLUMNS[kind]) if merged else COLUMNS[kind]


class RowBuilder:
    """Builds the display rows of one table.

    Derived cells are cached by the value they come from, so equal due dates or progress values
    share one string and most rows allocate nothing but their tuple.
    """

    __slots__ = ("_dates", "_percents", "kind", "row")

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self._dates: dict[datetime, str] = {}
        self._percents: dict[float, str] = {}
        builders: dict[Kind, Callable[[Any], Row]] = {
            Kind.USERS: self.user_row,
            Kind.COURSES: self.course_row,
            Kind.ENROLLMENTS: self.enrollment_row,
        }
        self.row: Callable[[Any], Row] = builders[kind]

    def user_row(self, user: User) -> Row:
        name = user.name or " ".join(p for p in (user.first_name, user.last_name) if p)
        return (
            name,
            user.primary_email or "",
            user.username or "",
            user.status or "",
            user.id,
        )

    def course_row(self, course: Course) -> Row:
        return (course.title, course.code or "", course.type or "", course.id)

    def enrollment_row(self, enrollment: Enrollment) -> Row:
        user = enrollment.user
        course = enrollment.course
        progress = enrollment.progress_percent
        due = enrollment.due_at
        return (
            user.name or (user.emails[0].email if user.emails else user.id),
            course.title or course.id,
            # The member's own value string, not the member: an enum member is an object the
            # cyclic GC tracks, and a tuple of plain strings is one it stops tracking.
            enrollment.status._value_,
            "" if progress is None else self._percents.get(progress) or self._percent(progress),
            "" if due is None else self._dates.get(due) or self._date(due),
        )

    def _percent(self, value: float) -> str:
        text = self._percents[value] = f"{value:.0f}%"
        return text

    def _date(self, value: datetime) -> str:
        text = self._dates[value] = value.date().isoformat()
        return text


def search_text(row: Row) -> str:
    """The lowercase text the filter matches against (cells never span the separator)."""
    return SEARCH_SEPARATOR.join(row).lower()


def record_fields(record: Record) -> dict[str, Any]:
    """The normalized record as JSON-ready data, without its raw ``remote_data``."""
    return {
        name: _plain(getattr(record, name))
        for name in record.__struct_fields__
        if name != "remote_data"
    }


def _plain(value: Any) -> Any:
    if isinstance(value, msgspec.Struct):
        return {name: _plain(getattr(value, name)) for name in value.__struct_fields__}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def to_json(data: Any) -> str:
    """Pretty JSON for the detail view: a mapping that is not a dict (a listed record's
    ``remote_data``, ``core.remote.RawJson``) as its dict; anything else JSON cannot encode is
    shown as its ``str``."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    return dict(value) if isinstance(value, Mapping) else str(value)
