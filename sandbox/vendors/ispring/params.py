"""Reading iSpring's query parameters and bodies, strictly: a bad value is a 400 naming it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from starlette.datastructures import QueryParams
from starlette.requests import Request

from sandbox.http import query_list
from sandbox.vendors.ispring.exceptions import BadRequest
from sandbox.vendors.ispring.formats import BodyError, Kind, body_format, decode_body
from sandbox.vendors.ispring.render import COMPLETION_STATUSES, CONTENT_TYPES, iso

DEFAULT_PAGE_SIZE: Final = 1000
MAX_PAGE_SIZE: Final = 1000
DUE_DATE_TYPES: Final = ("unlimited", "default", "due_date", "due_period")
USER_STATUSES: Final = (1, 3, 5)

_CHANGE: Final[Mapping[str, Kind]] = {
    "accessDate": "text",
    "dueDateType": "text",
    "dueDate": "text",
    "duePeriod": "int",
    "lockAfterDueDate": "bool",
}
#: the fields of each body, by the document's request schemas
NEW_ENROLLMENT: Final[Mapping[str, Kind]] = {"courseIds": "list", "learnerIds": "list", **_CHANGE}
UPDATE_ENROLLMENT: Final = _CHANGE
REENROLL: Final = _CHANGE
DELETE_ENROLLMENTS: Final[Mapping[str, Kind]] = {"enrollmentIds": "list"}
LIST_ENROLLMENTS: Final[Mapping[str, Kind]] = {
    "pageSize": "int",
    "pageToken": "text",
    "courseIds": "list",
    "learnerIds": "list",
    "enrollmentIds": "list",
}
LIST_USERS: Final[Mapping[str, Kind]] = {
    "pageSize": "int",
    "pageToken": "text",
    "groups": "list",
    "departments": "list",
    "logins": "list",
    "emails": "list",
    "userIds": "list",
}
LIST_CONTENT: Final[Mapping[str, Kind]] = {
    "pageSize": "int",
    "pageToken": "text",
    "contentItemIds": "list",
    "contentTypes": "list",
}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class PageQuery:
    size: int
    token: str | None


@dataclass(frozen=True, slots=True)
class DueInput:
    """``dueDateType`` and what it needs: ``date`` (a stored timestamp) for ``due_date``,
    ``period`` (hours) for ``due_period``."""

    kind: str
    date: str | None
    period: int | None
    lock: bool


async def read_body(request: Request, fields: Mapping[str, Kind]) -> dict[str, Any]:
    raw = await request.body()
    fmt = body_format(request.headers.get("content-type"), raw)
    try:
        return decode_body(raw, fmt, fields)
    except BodyError as err:
        raise BadRequest(str(err)) from None


# -- values ------------------------------------------------------------------------------------


def uuid_value(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"Invalid {name}: {value!r} is not a UUID string")
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise BadRequest(f"Invalid {name}: {value!r} is not a UUID") from None


def whole(value: Any, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest(f"Invalid {name}: {value!r} is not a whole number")
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Invalid {name}: {value!r} is not a whole number") from None
    if number < minimum:
        raise BadRequest(f"Invalid {name}: must be at least {minimum}")
    return number


def timestamp(value: Any, name: str) -> str:
    """A date or date-time as a stored timestamp (UTC): ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS``
    (the seed's form) or ISO 8601 / RFC 3339 with ``T`` and an offset; no offset means UTC."""
    if not isinstance(value, str) or not (
        _DATE.fullmatch(value.strip()) or _DATETIME.fullmatch(value.strip())
    ):
        raise BadRequest(
            f"Invalid {name}: {value!r}; send YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339"
        )
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
    except ValueError:
        raise BadRequest(f"Invalid {name}: {value!r} is not a calendar date") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    stamp = iso(parsed)
    assert stamp is not None
    return stamp


def end_of_day(value: Any, name: str) -> str:
    """A due date: a bare ``YYYY-MM-DD`` is due at the end of that day (UTC) [I]."""
    stamp = timestamp(value, name)
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        day = datetime.fromisoformat(stamp) + timedelta(days=1, seconds=-1)
        stamp = iso(day) or stamp
    return stamp


def flag(value: Any, name: str, *, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    raise BadRequest(f"Invalid {name}: {value!r}; use true or false")


# -- query parameters --------------------------------------------------------------------------


def query_ids(params: QueryParams, name: str) -> list[str]:
    """UUIDs from ``name[]=a&name[]=b``, ``name=a&name=b`` or ``name=a,b``."""
    return [uuid_value(value, name) for value in query_list(params, [f"{name}[]", name])]


def query_strings(params: QueryParams, name: str) -> list[str]:
    return query_list(params, [f"{name}[]", name])


def page_query(source: QueryParams | Mapping[str, Any]) -> PageQuery:
    raw_size = source.get("pageSize")
    size = (
        DEFAULT_PAGE_SIZE
        if raw_size is None or raw_size == ""
        else whole(raw_size, "pageSize", minimum=1)
    )
    token = source.get("pageToken")
    if token is not None and not isinstance(token, str):
        raise BadRequest(f"Invalid pageToken: {token!r} is not a page token")
    return PageQuery(size=min(size, MAX_PAGE_SIZE), token=token or None)


def date_range(params: QueryParams, name: str) -> tuple[str | None, str | None]:
    """``name[startDate]`` and ``name[endDate]`` (deepObject); either may be left out."""
    start, end = params.get(f"{name}[startDate]"), params.get(f"{name}[endDate]")
    low = timestamp(start, f"{name}[startDate]") if start else None
    high = timestamp(end, f"{name}[endDate]") if end else None
    if low and high and low > high:
        raise BadRequest(f"Invalid {name}: startDate is after endDate")
    return low, high


def completion_statuses(params: QueryParams) -> list[str]:
    values = query_strings(params, "completionStatuses")
    for value in values:
        if value not in COMPLETION_STATUSES:
            raise BadRequest(
                f"Invalid completionStatuses: {value!r}; use {', '.join(COMPLETION_STATUSES)}"
            )
    return values


def user_statuses(params: QueryParams) -> list[int]:
    """``userStatuses``: 1 active, 3 inactive, 5 terminated; active users only by default."""
    values = query_strings(params, "userStatuses")
    statuses = [whole(value, "userStatuses", minimum=0) for value in values]
    for status in statuses:
        if status not in USER_STATUSES:
            raise BadRequest(f"Invalid userStatuses: {status}; use 1, 3 or 5")
    return statuses or [1]


def content_types(values: Sequence[Any]) -> list[str]:
    for value in values:
        if value not in CONTENT_TYPES:
            raise BadRequest(f"Invalid contentTypes: {value!r}; use {', '.join(CONTENT_TYPES)}")
    return [str(value) for value in values]


# -- bodies ------------------------------------------------------------------------------------


def body_list(body: Mapping[str, Any], name: str, *, required: bool = False) -> list[Any]:
    value = body.get(name)
    if value is None or value == []:
        if required:
            raise BadRequest(f"{name} is required: a non-empty list")
        return []
    if not isinstance(value, list):
        raise BadRequest(f"Invalid {name}: must be a list")
    return value


def body_ids(body: Mapping[str, Any], name: str, *, required: bool = False) -> list[str]:
    return [uuid_value(value, name) for value in body_list(body, name, required=required)]


def body_strings(body: Mapping[str, Any], name: str) -> list[str]:
    values = body_list(body, name)
    for value in values:
        if not isinstance(value, str):
            raise BadRequest(f"Invalid {name}: {value!r} is not a string")
    return values


def access_date(body: Mapping[str, Any], *, required: bool) -> str | None:
    value = body.get("accessDate")
    if value is None or value == "":
        if required:
            raise BadRequest("accessDate is required")
        return None
    return timestamp(value, "accessDate")


def due_input(body: Mapping[str, Any]) -> DueInput:
    """``dueDateType`` with ``dueDate`` (required for ``due_date``) or ``duePeriod`` in hours
    (required for ``due_period``); the field the type does not use is ignored, as the seed's
    sample sends both with ``unlimited``."""
    kind = body.get("dueDateType")
    if kind is None or kind == "":
        raise BadRequest("dueDateType is required")
    if kind not in DUE_DATE_TYPES:
        raise BadRequest(f"Invalid dueDateType: {kind!r}; use {', '.join(DUE_DATE_TYPES)}")
    date: str | None = None
    period: int | None = None
    if kind == "due_date":
        if body.get("dueDate") in (None, ""):
            raise BadRequest("dueDate is required when dueDateType is due_date")
        date = end_of_day(body["dueDate"], "dueDate")
    elif kind == "due_period":
        if body.get("duePeriod") in (None, ""):
            raise BadRequest("duePeriod is required when dueDateType is due_period")
        value = body["duePeriod"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadRequest(f"Invalid duePeriod: {value!r} is not a whole number of hours")
        if value < 1:
            raise BadRequest("Invalid duePeriod: must be at least 1 hour")
        period = value
    return DueInput(
        kind=str(kind),
        date=date,
        period=period,
        lock=flag(body.get("lockAfterDueDate"), "lockAfterDueDate"),
    )
