"""LMS365's OData v4 wire shapes, read leniently: list pages, entities, errors, literals.

A list answers ``{"@odata.context", "@odata.count"?, "value": [...], "@odata.nextLink"?}``; one
entity answers ``{"@odata.context": "...#<Set>/$entity", ...properties}``. An error is
``{"error": {"code", "message", "details"?, "innererror"?}}`` (``code`` is ``""`` for a query
ASP.NET Core OData could not read). Date-times are ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, whole
seconds. ``$filter`` literals: strings in single quotes with ``''`` for a quote, GUIDs bare,
date-times bare.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Page:
    values: Sequence[Mapping[str, Any]]
    next_link: str | None
    count: int | None = None
    #: the values' JSON texts, when a listing keeps them (``core.remote``)
    texts: Sequence[Mapping[str, Any]] | None = None


def read_page(body: Any) -> Page:
    """The entities, the ``@odata.nextLink`` and the ``@odata.count`` of a list answer."""
    if not isinstance(body, Mapping):
        raise ValueError("the answer is not a JSON object")
    values = body.get("value")
    if not isinstance(values, list):
        raise ValueError("the answer has no 'value' list")
    next_link = body.get("@odata.nextLink")
    count = body.get("@odata.count")
    return Page(
        # decoded JSON objects are dicts: the class test spares most items the ABC check
        values=[v for v in values if v.__class__ is dict or isinstance(v, Mapping)],
        next_link=str(next_link) if next_link else None,
        count=count if isinstance(count, int) and not isinstance(count, bool) else None,
    )


def read_entity(body: Any) -> Mapping[str, Any]:
    """One entity (an object with an ``Id``)."""
    if not isinstance(body, Mapping) or not body.get("Id"):
        raise ValueError("the answer is not an entity with an 'Id'")
    return body


def error_details(body: Any) -> tuple[str | None, str | None]:
    """(code, message) from an OData error body; an empty code is None. Plain text is the
    message."""
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            code = error.get("code")
            message = error.get("message")
            if not message and isinstance(error.get("innererror"), Mapping):
                message = error["innererror"].get("message")
            return (str(code) if code else None), (str(message) if message else None)
        if isinstance(error, str) and error:
            return None, error
        message = body.get("message")
        return None, (str(message) if message else None)
    if isinstance(body, str) and body.strip():
        return None, body.strip()[:200]
    return None, None


def parse_datetime(value: Any) -> datetime | None:
    """An LMS365 date-time (or date) as an aware UTC datetime; None when it is none."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is UTC:  # "...Z", as LMS365 writes every date-time: nothing to convert
        return parsed
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_datetime(value: datetime | date) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC (the fraction dropped, as LMS365 stores it); a naive
    datetime is taken as UTC and a date as its midnight UTC."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}Z"


def string_literal(value: str) -> str:
    """A ``$filter`` string literal: single quotes, a quote inside doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def guid(value: Any) -> str | None:
    """The canonical (lower-case) form of a GUID, or None when ``value`` is not one."""
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        return None
