"""Reading Kombo's query parameters and bodies as the published document defines them.

Every check is strict, so a client bug shows as ``PLATFORM.INPUT_INVALID`` naming the parameter:
a parameter the operation does not define, a parameter given twice (the document's parameters
are single strings), a value outside its type, range, pattern or enum.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from starlette.datastructures import QueryParams
from starlette.requests import Request

from sandbox.http import BodyError, read_json_object
from sandbox.vendors.kombo.exceptions import InputInvalid
from sandbox.vendors.kombo.render import parse_timestamp, timestamp

DEFAULT_PAGE_SIZE: Final = 100
MAX_PAGE_SIZE: Final = 250
#: the parameters every list operation defines
LIST_PARAMS: Final = (
    "cursor",
    "page_size",
    "updated_after",
    "include_deleted",
    "ignore_unsupported_filters",
    "ids",
    "remote_ids",
)
_WHOLE: Final = re.compile(r"^[+-]?\d+$")
_LANGUAGE: Final = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
REMOTE_PREFIX: Final = "remote:"


@dataclass(frozen=True, slots=True)
class ListQuery:
    """One list request's parameters, validated; ``filters`` holds the comma-separated id and
    email filters by parameter name (absent when not given)."""

    cursor: str | None
    page_size: int
    updated_after: str | None
    include_deleted: bool
    filters: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class BulkCourse:
    """One item of ``POST /lms/courses/bulk``, validated."""

    origin_id: str
    title: str
    description: str | None
    course_url: str
    thumbnail_url: str | None
    duration: int | None
    languages: tuple[str, ...] | None

    def as_doc(self) -> dict[str, Any]:
        return {
            "origin_id": self.origin_id,
            "title": self.title,
            "description": self.description,
            "course_url": self.course_url,
            "thumbnail_url": self.thumbnail_url,
            "duration": self.duration,
            "languages": list(self.languages) if self.languages is not None else None,
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> BulkCourse:
        languages = doc["languages"]
        return cls(
            origin_id=doc["origin_id"],
            title=doc["title"],
            description=doc["description"],
            course_url=doc["course_url"],
            thumbnail_url=doc["thumbnail_url"],
            duration=doc["duration"],
            languages=tuple(languages) if languages is not None else None,
        )


# -- query parameters --------------------------------------------------------------------------


def check_params(params: QueryParams, allowed: Sequence[str]) -> None:
    """Refuse a parameter the operation does not define, or one given more than once."""
    for name in params:
        if name not in allowed:
            raise InputInvalid(f"Unknown query parameter {name!r} for this endpoint.")
        if len(params.getlist(name)) > 1:
            raise InputInvalid(f"The query parameter {name!r} must be given at most once.")


def list_query(params: QueryParams, filters: Sequence[str]) -> ListQuery:
    """A list operation's parameters: the common ones plus its own ``filters``."""
    check_params(params, (*LIST_PARAMS, *filters))
    found: dict[str, tuple[str, ...]] = {}
    for name in ("ids", "remote_ids", *filters):
        value = params.get(name)
        if value is None:
            continue
        parts = tuple(part.strip() for part in value.split(",") if part.strip())
        if parts:
            found[name] = parts
    boolean(params, "ignore_unsupported_filters")  # every filter is supported: no effect
    return ListQuery(
        cursor=params.get("cursor") or None,
        page_size=page_size(params.get("page_size")),
        updated_after=updated_after(params.get("updated_after")),
        include_deleted=boolean(params, "include_deleted"),
        filters=found,
    )


def page_size(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not _WHOLE.match(value.strip()):
        raise InputInvalid(f"page_size must be an integer, got {value!r}.")
    try:
        number = int(value)
    except ValueError:  # beyond int()'s 4300 digits: out of range all the same
        number = MAX_PAGE_SIZE + 1
    if not 1 <= number <= MAX_PAGE_SIZE:
        raise InputInvalid(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {number}.")
    return number


def updated_after(value: str | None) -> str | None:
    """The parameter as a Kombo timestamp (comparable with ``changed_at``), or None."""
    if value is None:
        return None
    moment = parse_timestamp(value)
    if moment is None:
        raise InputInvalid(
            f"updated_after must be a date-time in the format YYYY-MM-DDTHH:mm:ss.sssZ, "
            f"got {value!r}."
        )
    return timestamp(moment)


def boolean(params: QueryParams, name: str) -> bool:
    value = params.get(name)
    if value is None or value == "false":
        return False
    if value == "true":
        return True
    raise InputInvalid(f'{name} must be "true" or "false", got {value!r}.')


# -- bodies --------------------------------------------------------------------------------------


async def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}``."""
    try:
        return await read_json_object(request)
    except BodyError as err:
        raise InputInvalid(f"Invalid request body: {err}.") from None


def optional_string(body: Mapping[str, Any], name: str, path: str = "") -> str | None:
    """A nullable string property: None when absent or null."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InputInvalid(f"{path}{name} must be a string or null.")
    return value


def required_string(body: Mapping[str, Any], name: str, path: str = "") -> str:
    if name not in body:
        raise InputInvalid(f"{path}{name} is required.")
    value = body[name]
    if not isinstance(value, str):
        raise InputInvalid(f"{path}{name} must be a string.")
    return value


def _integer(value: Any) -> int | None:
    """A JSON integer (``3`` or ``3.0``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def enroll_body(body: Mapping[str, Any]) -> tuple[str, str]:
    """``(user_id, course_revision_id)`` of ``POST /lms/course-progressions``."""
    return required_string(body, "user_id"), required_string(body, "course_revision_id")


def complete_body(body: Mapping[str, Any], now: datetime) -> tuple[datetime, int | None]:
    """``(completed_at, score)`` of the complete action: ``completed_at`` defaults to now and
    may not lie in the future; ``score`` is an integer from 0 to 100, or null."""
    completed = now
    raw = optional_string(body, "completed_at")
    if raw is not None:
        parsed = parse_timestamp(raw)
        if parsed is None:
            raise InputInvalid(
                f"completed_at must be a date-time (YYYY-MM-DD or YYYY-MM-DDTHH:mm:ss.sssZ), "
                f"got {raw!r}."
            )
        if parsed > now:
            raise InputInvalid("completed_at must not be in the future.")
        completed = parsed
    score: int | None = None
    if body.get("score") is not None:
        score = _integer(body["score"])
        if score is None:
            raise InputInvalid("score must be an integer.")
        if not 0 <= score <= 100:
            raise InputInvalid(f"score must be between 0 and 100 (inclusive), got {score}.")
    return completed, score


def bulk_body(body: Mapping[str, Any]) -> list[BulkCourse]:
    items = body.get("items")
    if "items" not in body:
        raise InputInvalid("items is required.")
    if not isinstance(items, list):
        raise InputInvalid("items must be an array.")
    return [_bulk_item(item, f"items[{n}].") for n, item in enumerate(items)]


def _bulk_item(item: Any, path: str) -> BulkCourse:
    if not isinstance(item, dict):
        raise InputInvalid(f"{path[:-1]} must be an object.")
    origin_id = required_string(item, "origin_id", path)
    course = item.get("course")
    if not isinstance(course, dict):
        raise InputInvalid(f"{path}course is required and must be an object.")
    path += "course."
    kind = course.get("type")
    if kind != "EXTERNAL":
        raise InputInvalid(f'{path}type must be "EXTERNAL", got {kind!r}.')
    duration: int | None = None
    if course.get("duration") is not None:
        duration = _integer(course["duration"])
        if duration is None:
            raise InputInvalid(f"{path}duration must be an integer (minutes).")
        if duration <= 0:
            raise InputInvalid(f"{path}duration must be greater than 0.")
    return BulkCourse(
        origin_id=origin_id,
        title=required_string(course, "title", path),
        description=optional_string(course, "description", path),
        course_url=required_string(course, "course_url", path),
        thumbnail_url=optional_string(course, "thumbnail_url", path),
        duration=duration,
        languages=_languages(course.get("languages"), path),
    )


def _languages(value: Any, path: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise InputInvalid(f"{path}languages must be an array of language tags.")
    for n, tag in enumerate(value):
        if not isinstance(tag, str) or not _LANGUAGE.match(tag):
            raise InputInvalid(
                f'{path}languages[{n}] must be a language tag like "en" or "en-US", got {tag!r}.'
            )
    return tuple(value)
