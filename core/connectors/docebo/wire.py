"""Docebo's wire shapes, read leniently: the envelope and its paging metadata."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


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
        items=[item for item in items if isinstance(item, Mapping)],
        has_more=bool(has_more) if has_more is not None else False,
        cursor=str(cursor) if cursor else None,
        current_page=current_page,
    )


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
