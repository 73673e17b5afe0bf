"""Kombo's wire shapes, read leniently: the success envelope, list pages, bulk tasks, errors.

Every answer is ``{"status": "success", "data": ..., "warnings"?: [{"message"}]}``; an error is
``{"status": "error", "error": {"code", "title", "message", "log_url"}}``. Timestamps are
``YYYY-MM-DDTHH:mm:ss.sssZ`` (UTC); request bodies and paths also take ``YYYY-MM-DD``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

#: the prefix that addresses a record by its id in the remote LMS instead of Kombo's id
REMOTE_PREFIX = "remote:"


@dataclass(frozen=True, slots=True)
class Page:
    results: Sequence[Mapping[str, Any]]
    next: str | None


def read_data(body: Any) -> Any:
    """The ``data`` of a success answer."""
    if not isinstance(body, Mapping) or "data" not in body:
        raise ValueError("the answer has no 'data'")
    return body["data"]


def read_object(body: Any) -> Mapping[str, Any]:
    """The ``data`` of a success answer that carries one record."""
    data = read_data(body)
    if not isinstance(data, Mapping):
        raise ValueError("the answer's 'data' is not an object")
    return data


def read_page(body: Any) -> Page:
    """The records and the next cursor of a list answer (``{"data": {"next", "results"}}``)."""
    data = read_object(body)
    results = data.get("results")
    if not isinstance(results, list):
        raise ValueError("the answer has no 'data.results' list")
    cursor = data.get("next")
    return Page(
        # decoded JSON objects are dicts: the class test spares most items the ABC check
        results=[item for item in results if item.__class__ is dict or isinstance(item, Mapping)],
        next=str(cursor) if cursor else None,
    )


def read_warnings(body: Any) -> list[str]:
    """The messages of an action answer's ``warnings`` (none when the key is missing)."""
    warnings = body.get("warnings") if isinstance(body, Mapping) else None
    if not isinstance(warnings, list):
        return []
    return [str(w["message"]) for w in warnings if isinstance(w, Mapping) and w.get("message")]


@dataclass(frozen=True, slots=True)
class Task:
    """A bulk task as ``GET /lms/courses/bulk/{task_id}`` answers it."""

    task_id: str
    status: str
    #: the per-item outcomes of a COMPLETED task
    results: Sequence[Mapping[str, Any]]
    #: the error of a FAILED task
    error: Mapping[str, Any] | None


def read_task_id(body: Any) -> str:
    """The ``task_id`` of ``POST /lms/courses/bulk``'s answer."""
    task_id = read_object(body).get("task_id")
    if not isinstance(task_id, str) or not task_id:
        raise ValueError("the answer has no 'data.task_id'")
    return task_id


def read_task(body: Any) -> Task:
    data = read_object(body)
    status = data.get("status")
    if not isinstance(status, str) or not status:
        raise ValueError("the task has no 'status'")
    results = data.get("data")
    error = data.get("error")
    return Task(
        task_id=str(data.get("task_id") or ""),
        status=status.upper(),
        results=[r for r in results if isinstance(r, Mapping)] if isinstance(results, list) else [],
        error=error if isinstance(error, Mapping) else None,
    )


def error_fields(error: Any) -> tuple[str | None, str | None]:
    """(code, message) of one Kombo ``error`` object; the ``title`` when there is no message."""
    if not isinstance(error, Mapping):
        return None, None
    code = error.get("code")
    message = error.get("message") or error.get("title")
    return (str(code) if code else None), (str(message) if message else None)


def error_details(body: Any) -> tuple[str | None, str | None]:
    """(code, message) from a Kombo error body, a bare ``{"code", "message"}``, or plain text."""
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            return error_fields(error)
        if isinstance(error, str) and error:
            return None, error
        return error_fields(body)
    if isinstance(body, str) and body.strip():
        return None, body.strip()[:200]
    return None, None


def parse_datetime(value: Any) -> datetime | None:
    """A Kombo timestamp (or a bare date) as an aware UTC datetime; None when it is none."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is UTC:  # "...Z", as Kombo writes every timestamp: nothing to convert
        return parsed
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_datetime(value: datetime) -> str:
    """``YYYY-MM-DDTHH:mm:ss.sssZ`` in UTC; a naive datetime is taken as UTC. The fraction is
    cut to milliseconds, never rounded up, so an ``updated_after`` never skips a record."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def format_moment(value: datetime | date) -> str:
    """A datetime as :func:`format_datetime`; a date as ``YYYY-MM-DD``."""
    if isinstance(value, datetime):
        return format_datetime(value)
    return value.isoformat()


def csv(values: Sequence[str]) -> str:
    """A list filter's value: the ids joined by commas (Kombo ids contain none)."""
    return ",".join(str(v).strip() for v in values)
