"""Reading Docebo's query parameters and bodies, strictly: a bad value is a 400 naming it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from starlette.datastructures import QueryParams
from starlette.requests import Request

from sandbox.http import JSONResponse, query_list, url_key
from sandbox.memo import Memo
from sandbox.vendors.docebo.exceptions import BadRequest
from sandbox.vendors.docebo.models import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PLAN_STATUSES,
    STATUS_ALIASES,
    STATUSES,
    ListQuery,
)
from sandbox.vendors.docebo.render import LEVEL_NUMBERS, LEVELS, parse_wire_date

VERSION: Final = "1.0.0"
HEADERS: Final = {"X-Docebo-Api-Version": VERSION}


def envelope(data: Any, request: Request | None = None) -> JSONResponse:
    """``{"data": ..., "version", "_links"}`` with ``self`` and ``next`` links for a list."""
    links: dict[str, Any] = {}
    if request is not None and isinstance(data, Mapping):
        links = _links(request, data)
    return JSONResponse({"data": data, "version": VERSION, "_links": links}, headers=HEADERS)


#: the links of recent list answers (shared between answers: never changed once made)
_LINKS: Memo[tuple[Any, ...], dict[str, Any]] = Memo(4096)


def _links(request: Request, data: Mapping[str, Any]) -> dict[str, Any]:
    """``self`` and (when more data follows) ``next``. Memoized by the request's URL and the
    page's position: a connector reads the same pages again, and building the URLs cost more
    than the rest of the answer."""
    more = bool(data.get("has_more_data"))
    cursor = (data.get("cursor") or None) if more else None
    page = data["current_page"] if more and cursor is None else None
    key = (url_key(request.scope), more, cursor, page)
    links = _LINKS.get(key)
    if links is None:
        links = {"self": {"href": str(request.url)}}
        if cursor is not None:
            following = request.url.remove_query_params(["page", "get_cursor"])
            following = following.include_query_params(cursor=cursor)
            links["next"] = {"href": str(following)}
        elif page is not None:
            following = request.url.include_query_params(page=page + 1)
            links["next"] = {"href": str(following)}
        _LINKS.remember(key, links)
    return links


#: the largest whole number a parameter takes (Docebo's ids and counters are MySQL INTs); a
#: larger one would also overflow the 64-bit integers JSON answers can carry
MAX_WHOLE: Final = 2**31 - 1


def whole(
    value: Any,
    name: str,
    *,
    default: int | None = None,
    minimum: int = 1,
    maximum: int | None = MAX_WHOLE,
) -> int:
    if value is None or value == "":
        if default is None:
            raise BadRequest(f"Missing {name}")
        return default
    if isinstance(value, bool):
        raise BadRequest(f"Invalid value for {name}: {value!r} is not a whole number")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"Invalid value for {name}: {value!r} is not a whole number") from None
    if number < minimum:
        raise BadRequest(f"Invalid value for {name}: must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise BadRequest(f"Invalid value for {name}: must be at most {maximum}")
    return number


def list_query(params: QueryParams) -> ListQuery:
    size = whole(params.get("page_size"), "page_size", default=DEFAULT_PAGE_SIZE, maximum=None)
    return ListQuery(
        page=whole(params.get("page"), "page", default=1),
        page_size=min(size, MAX_PAGE_SIZE),
        want_cursor=flag(params, "get_cursor"),
        cursor=params.get("cursor") or None,
    )


def flag(params: QueryParams, name: str) -> bool:
    value = (params.get(name) or "").lower()
    if value in ("", "0", "false"):
        return False
    if value in ("1", "true"):
        return True
    raise BadRequest(f"Invalid value for {name}: use 1 or 0")


def ids(params: QueryParams, *names: str) -> list[int]:
    """Integer ids from every array form of ``names`` (``a[]``, ``a``; repeated or CSV)."""
    values = query_list(params, [form for name in names for form in (f"{name}[]", name)])
    return [whole(value, names[0]) for value in values]


def body_ids(body: Mapping[str, Any], *names: str) -> list[int]:
    """Integer ids from the first of ``names`` present in a JSON body (a list or one id)."""
    for name in names:
        if name in body and body[name] not in (None, ""):
            raw = body[name]
            values = raw if isinstance(raw, list) else [raw]
            return [whole(value, name) for value in values]
    return []


def csv(params: QueryParams, name: str) -> list[str]:
    return query_list(params, [name, f"{name}[]"])


def sort_dir(params: QueryParams, name: str) -> bool:
    """True for descending."""
    direction = (params.get(name) or "asc").lower()
    if direction not in ("asc", "desc"):
        raise BadRequest(f"Invalid value for {name}: use asc or desc")
    return direction == "desc"


def choose(value: str | None, allowed: Sequence[str] | Mapping[str, Any], name: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in allowed:
        raise BadRequest(f"Invalid value for {name}: {value!r}; use one of {', '.join(allowed)}")
    return value


def statuses(params: QueryParams, *, plans: bool = False) -> list[str]:
    """The ``status`` CSV: course statuses (with their aliases), or plan statuses."""
    if plans:
        wanted = [s.lower() for s in csv(params, "status")]
        allowed: Sequence[str] = PLAN_STATUSES
    else:
        wanted = [STATUS_ALIASES.get(s.lower(), s.lower()) for s in csv(params, "status")]
        allowed = STATUSES
    for status in wanted:
        if status not in allowed:
            choices = ", ".join(allowed)
            raise BadRequest(f"Invalid value for status: {status!r}; use one of {choices}")
    return wanted


def levels(values: Sequence[str]) -> list[str]:
    """Level filters by number or name, as the names Docebo renders."""
    names = []
    for value in values:
        number = _small_int(value)
        name = LEVELS.get(number) if number is not None else value.lower()
        if name is None or name not in LEVEL_NUMBERS:
            raise BadRequest(f"Invalid value for level: {value!r}")
        names.append(LEVELS[LEVEL_NUMBERS[name]])
    return names


def _small_int(text: str) -> int | None:
    """The whole number ``text`` spells, or None: ``str.isdigit`` admits characters ``int``
    refuses (``"²"``), and ``int`` refuses more than 4300 digits; either was a 500."""
    if not text.isdigit() or len(text) > 18:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def level(value: Any) -> int:
    """An enroll body's level: 3 learner (the default), 4 tutor, 6 instructor, 7 coach; the
    number or the name."""
    if value is None or value == "":
        return 3
    if isinstance(value, int) and not isinstance(value, bool) and value in LEVELS:
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        number = _small_int(text)
        if number is not None and number in LEVELS:
            return number
        if text in LEVEL_NUMBERS:
            return LEVEL_NUMBERS[text]
    raise BadRequest(
        f"Invalid level {value!r}: use 3 (learner), 4 (tutor), 6 (instructor) or 7 (coach)"
    )


def date_param(params: QueryParams, name: str) -> str | None:
    return parse_wire_date(params.get(name), name)


def path_id(request: Request, name: str) -> int:
    raw = request.path_params[name]
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"Invalid {name}: {raw!r} is not a whole number") from None
