"""One handler per Docebo operation: parse the request, call the backend, render the envelope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from sandbox.http import BodyError, JSONResponse, query_list, read_form, read_json_object
from sandbox.vendors.docebo.exceptions import BadRequest, NotFound
from sandbox.vendors.docebo.models import (
    DEFAULT_PAGE_SIZE,
    LEVEL_NUMBERS,
    LEVELS,
    MAX_PAGE_SIZE,
    STATUS_ALIASES,
    STATUSES,
    DoceboBackend,
    ListQuery,
    parse_wire_date,
)

VERSION = "1.0.0"
HEADERS = {"X-Docebo-Api-Version": VERSION}
USER_SORTS = ("user_id", "username", "first_name", "last_name", "email", "creation_date")
COURSE_SORTS = {"id_course": None, "name": "name", "code": "code"}
COURSE_SORTS |= {"date_last_updated": "date_last_updated", "last_update": "date_last_updated"}
ENROLLMENT_SORTS = ("user_id", "course_id", "enrollment_created_at", "enrollment_date_last_updated")
LEARNER_SORTS = {
    "id": "course_id",
    "name": "course_name",
    "date_last_updated": "enrollment_date_last_updated",
}


def envelope(data: Mapping[str, Any], request: Request | None = None) -> JSONResponse:
    links: dict[str, Any] = {}
    if request is not None:
        links["self"] = {"href": str(request.url)}
        if data.get("has_more_data"):
            if data.get("cursor"):
                following = request.url.remove_query_params(["page", "get_cursor"])
                following = following.include_query_params(cursor=data["cursor"])
            else:
                following = request.url.include_query_params(page=data["current_page"] + 1)
            links["next"] = {"href": str(following)}
    return JSONResponse({"data": data, "version": VERSION, "_links": links}, headers=HEADERS)


def _int(value: str | None, name: str, *, default: int, minimum: int = 1) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Invalid value for {name}: {value!r} is not a whole number") from None
    if number < minimum:
        raise BadRequest(f"Invalid value for {name}: must be at least {minimum}")
    return number


def list_query(params: QueryParams) -> ListQuery:
    size = _int(params.get("page_size"), "page_size", default=DEFAULT_PAGE_SIZE)
    return ListQuery(
        page=_int(params.get("page"), "page", default=1),
        page_size=min(size, MAX_PAGE_SIZE),
        want_cursor=params.get("get_cursor", "").lower() in ("1", "true"),
        cursor=params.get("cursor") or None,
    )


def ids(params: QueryParams, *names: str) -> list[int]:
    """Integer ids from every array form of ``names`` (``a[]``, ``a``; repeated or CSV)."""
    values = query_list(params, [form for name in names for form in (f"{name}[]", name)])
    try:
        return [int(value) for value in values]
    except ValueError:
        raise BadRequest(f"Invalid value for {names[0]}: ids must be whole numbers") from None


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


def statuses(params: QueryParams) -> list[str]:
    wanted = [STATUS_ALIASES.get(s.lower(), s.lower()) for s in csv(params, "status")]
    for status in wanted:
        if status not in STATUSES:
            allowed = ", ".join(STATUSES)
            raise BadRequest(f"Invalid value for status: {status!r}; use one of {allowed}")
    return wanted


def levels(values: Sequence[str]) -> list[str]:
    names = []
    for value in values:
        name = LEVELS.get(int(value)) if value.isdigit() else value.lower()
        if name is None or name not in LEVEL_NUMBERS:
            raise BadRequest(f"Invalid value for level: {value!r}")
        names.append(LEVELS[LEVEL_NUMBERS[name]])
    return names


def date_param(params: QueryParams, name: str) -> str | None:
    return parse_wire_date(params.get(name), name)


def path_id(request: Request, name: str) -> int:
    raw = request.path_params[name]
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"Invalid {name}: {raw!r} is not a whole number") from None


class DoceboResponses:
    def __init__(self, backend: DoceboBackend) -> None:
        self.backend = backend

    def _auth(self, request: Request) -> int:
        return self.backend.authenticate(request.headers.get("authorization")).user_id

    async def token(self, request: Request) -> Response:
        try:
            form = await read_form(request)
        except BodyError as err:
            raise BadRequest(str(err)) from None
        return JSONResponse(self.backend.issue_token(form), headers={"Cache-Control": "no-store"})

    async def list_users(self, request: Request) -> Response:
        self._auth(request)
        params = request.query_params
        query = list_query(params)
        sort = choose(params.get("sort_attr"), USER_SORTS, "sort_attr")
        sort = None if sort == "user_id" else sort
        selection = self.backend.select_users(
            params.get("search_text"), sort, sort_dir(params, "sort_dir")
        )
        data = self.backend.page(self.backend.users, selection, query, sort=sort)
        data["sort"] = [{"sort_attr": sort or "user_id", "sort_dir": params.get("sort_dir", "asc")}]
        return envelope(data, request)

    async def get_user(self, request: Request) -> Response:
        self._auth(request)
        user = self.backend.users.get(path_id(request, "user_id"))
        if user is None:
            raise NotFound("User not found")
        return envelope(user)

    async def list_courses(self, request: Request) -> Response:
        self._auth(request)
        params = request.query_params
        query = list_query(params)
        attr = choose(params.get("sort_by"), COURSE_SORTS, "sort_by")
        sort = COURSE_SORTS[attr] if attr else None
        selection = self.backend.select_courses(
            params.get("search_text"), sort, sort_dir(params, "sort_by_direction")
        )
        data = self.backend.page(self.backend.courses, selection, query, sort=sort)
        direction = params.get("sort_by_direction", "asc")
        data["sort"] = [{"sort_attr": attr or "id_course", "sort_dir": direction}]
        return envelope(data, request)

    async def get_course(self, request: Request) -> Response:
        self._auth(request)
        course = self.backend.courses.get(path_id(request, "course_id"))
        if course is None:
            raise NotFound("Course not found")
        return envelope({**course, "type": course["course_type"]})

    async def list_course_enrollments(self, request: Request) -> Response:
        self._auth(request)
        params = request.query_params
        query = list_query(params)
        sort = choose(params.get("sort_attr"), ENROLLMENT_SORTS, "sort_attr")
        selection = self.backend.select_enrollments(
            user_ids=ids(params, "user_id", "user_ids"),
            course_ids=ids(params, "course_id", "course_ids"),
            statuses=statuses(params),
            levels=levels(csv(params, "level")),
            course_types=[t.lower() for t in csv(params, "course_type")],
            updated_from=date_param(params, "updated_from"),
            updated_to=date_param(params, "updated_to"),
            sort=sort,
            reverse=sort_dir(params, "sort_dir"),
        )
        data = self.backend.page(self.backend.enrollments, selection, query, sort=sort)
        data["sort"] = [{"sort_attr": sort or "id", "sort_dir": params.get("sort_dir", "asc")}]
        return envelope(data, request)

    async def list_learner_enrollments(self, request: Request) -> Response:
        self._auth(request)
        params = request.query_params
        query = list_query(params)
        attr = choose(params.get("sort_by"), LEARNER_SORTS, "sort_by")
        sort = LEARNER_SORTS[attr] if attr else None
        course_ids = ids(params, "id_course", "course_id")
        codes = csv(params, "code_course")
        if codes:
            course_ids += self.backend.course_ids_for_codes(codes) or [0]
        types = [t.lower() for t in csv(params, "type")]
        selection = self.backend.select_enrollments(
            user_ids=ids(params, "id_user", "user_id"),
            course_ids=course_ids,
            statuses=statuses(params),
            levels=levels(csv(params, "level")),
            course_types=types,
            updated_from=date_param(params, "updated_from"),
            updated_to=date_param(params, "updated_to"),
            search=params.get("search") or None,
            sort=sort,
            reverse=sort_dir(params, "sort_by_direction"),
        )
        data = self.backend.page(
            self.backend.enrollments,
            selection,
            query,
            sort=sort,
            render=self.backend.learner_item,
        )
        return envelope(data, request)

    async def get_enrollment(self, request: Request) -> Response:
        self._auth(request)
        course_id, user_id = path_id(request, "course_id"), path_id(request, "user_id")
        doc_id = self.backend.find_enrollment(course_id, user_id)
        if doc_id is None:
            raise NotFound(f"Enrollment not found (user {user_id}, course {course_id})")
        return envelope({"records": self.backend.learner_item(doc_id)})

    async def enroll(self, request: Request) -> Response:
        creator = self._auth(request)
        course_id, user_id = path_id(request, "course_id"), path_id(request, "user_id")
        try:
            body = await read_json_object(request, allow_form=True)
        except BodyError as err:
            raise BadRequest(str(err)) from None
        fields = body.get("enrollment_fields") or {}
        if not isinstance(fields, dict):
            raise BadRequest("Invalid enrollment_fields: must be an object")
        self.backend.enroll(
            course_id=course_id,
            user_id=user_id,
            level=_level(body.get("level")),
            valid_from=parse_wire_date(body.get("date_begin_validity"), "date_begin_validity"),
            valid_until=parse_wire_date(body.get("date_expire_validity"), "date_expire_validity"),
            fields=fields,
            created_by=creator,
        )
        await self.backend.store.commit()
        enrolled = [{"user_id": user_id, "course_id": course_id, "waiting": False}]
        return JSONResponse(
            {"data": {"enrolled": enrolled}, "version": VERSION, "_links": {}}, headers=HEADERS
        )

    async def unenroll(self, request: Request) -> Response:
        self._auth(request)
        course_id, user_id = path_id(request, "course_id"), path_id(request, "user_id")
        doc_id = self.backend.unenroll(course_id=course_id, user_id=user_id)
        await self.backend.store.commit()
        return JSONResponse(
            {"data": {"deleted_enrollment": doc_id}, "version": VERSION, "_links": {}},
            headers=HEADERS,
        )


def _level(value: Any) -> int:
    """3 student (the default), 4 tutor, 6 instructor; the number or the name."""
    if value is None or value == "":
        return 3
    if isinstance(value, bool):
        raise BadRequest("Invalid level: use 3 (student), 4 (tutor) or 6 (instructor)")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        number = int(value)
        if number in LEVELS:
            return number
    elif isinstance(value, str) and value.strip().lower() in LEVEL_NUMBERS:
        return LEVEL_NUMBERS[value.strip().lower()]
    raise BadRequest(f"Invalid level {value!r}: use 3 (student), 4 (tutor) or 6 (instructor)")
