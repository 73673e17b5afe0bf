"""Docebo's wire shapes, read leniently: the envelope, its paging metadata, batch answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True, slots=True)
class Page:
    items: Sequence[Mapping[str, Any]]
    has_more: bool
    cursor: str | None
    current_page: int


def read_page(body: Any) -> Page:
    """The items and paging metadata of a Docebo list answer (``{"data": {"items": ...}}``)."""
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping):
        raise ValueError("the answer has no 'data' object")
    items = data.get("items")
    if not isinstance(items, list):
        raise ValueError("the answer has no 'data.items' list")
    has_more = data.get("has_more_data")
    cursor = data.get("cursor")
    try:
        current_page = int(data.get("current_page") or 1)
    except (TypeError, ValueError):
        current_page = 1
    return Page(
        # decoded JSON objects are dicts: the class test spares most items the ABC check
        items=[item for item in items if item.__class__ is dict or isinstance(item, Mapping)],
        has_more=bool(has_more) if has_more is not None else False,
        cursor=str(cursor) if cursor else None,
        current_page=current_page,
    )


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    """A batch call's answer: what was done (``enrolled`` rows, ``unenrolled`` user ids) and
    the error messages of what was not."""

    done: Sequence[Any]
    errors: Sequence[str]


def read_data(body: Any) -> Any:
    """The ``data`` of a Docebo answer (``{"data": ..., "version", "_links"}``)."""
    if not isinstance(body, Mapping) or "data" not in body:
        raise ValueError("the answer has no 'data'")
    return body["data"]


def read_batch(body: Any, done_key: str) -> BatchAnswer:
    """``{"data": {<done_key>: [...], "errors": [...]}}``; a missing list reads as empty.

    Whether Docebo wraps its enroll answers in ``data`` is unverified, so the same object
    without the wrapper (``{<done_key>: [...], "errors"?: [...]}``) is read alike, rows and
    their ``waiting`` flags included."""
    if isinstance(body, Mapping) and "data" not in body and (done_key in body or "errors" in body):
        data: Any = body
    else:
        data = read_data(body)
    if not isinstance(data, Mapping):
        raise ValueError("the answer's 'data' is not an object")
    done = data.get(done_key)
    errors = data.get("errors")
    return BatchAnswer(
        done=list(done) if isinstance(done, list) else [],
        errors=[str(e) for e in errors] if isinstance(errors, list) else [],
    )


#: messages of a 404 that no API handler answered: the reason phrase, Yii's "Page not found."
#: and its "Unable to resolve the request ..." (lower-cased, without the final stop)
ROUTE_NOT_FOUND_MESSAGES: Final = ("not found", "page not found")


def is_route_not_found(body: Any) -> bool:
    """Whether a 404's body says the path itself is unknown, not a record behind it: no
    Docebo error object (an HTML or plain-text page from the web server), or one whose message
    is only a generic "not found". A record's 404 names it ("Enrollment not found (...)")."""
    if not isinstance(body, Mapping):
        return True
    _, message = error_details(body)
    text = (message or "").strip().rstrip(".").lower()
    return not text or text in ROUTE_NOT_FOUND_MESSAGES or text.startswith("unable to resolve")


def truthy(value: Any) -> bool:
    """A Docebo flag, whichever way it came: ``true``, ``1``, ``"1"``, ``"true"``."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def error_details(body: Any) -> tuple[str | None, str | None]:
    """(code, message) from a Docebo error body, an OAuth error body, or plain text."""
    if isinstance(body, Mapping):
        if "error" in body and isinstance(body["error"], str):
            description = body.get("error_description")
            return body["error"], str(description) if description else body["error"]
        message = body.get("message")
        if isinstance(message, list):
            message = "; ".join(str(m) for m in message)
        name = body.get("name")
        return (str(name) if name else None), (str(message) if message else None)
    if isinstance(body, str) and body.strip():
        return None, body.strip()[:200]
    return None, None
