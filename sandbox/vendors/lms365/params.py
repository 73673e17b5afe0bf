"""Reading LMS365's requests: OData system query options, entity keys, and JSON bodies.

Every check is strict and answers 400 in the OData error body, naming what is wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from starlette.datastructures import QueryParams
from starlette.requests import Request

from sandbox.http import BodyError, read_json_object
from sandbox.vendors.lms365.exceptions import BadRequest, InvalidQuery
from sandbox.vendors.lms365.odata import (
    EntityType,
    Expand,
    Node,
    QueryError,
    parse_datetime,
    parse_expand,
    parse_filter,
    parse_orderby,
    parse_select,
)
from sandbox.vendors.lms365.render import ENTITY_SETS, PASSING_STATUS_NAMES, timestamp

#: the server's page size: a page never holds more, whatever ``$top`` asks
PAGE_SIZE: Final = 100
#: the largest ``$top`` accepted (ASP.NET Core OData's ``MaxTop``)
MAX_TOP: Final = 1000
COLLECTION_OPTIONS: Final = (
    "$filter",
    "$select",
    "$orderby",
    "$top",
    "$skip",
    "$count",
    "$expand",
    "$skiptoken",
)
ENTITY_OPTIONS: Final = ("$select", "$expand")
_GUID: Final = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_WHOLE: Final = re.compile(r"^\d+$")


@dataclass(frozen=True, slots=True)
class QueryOptions:
    """One request's system query options, parsed and checked against the entity type."""

    filter: Node | None = None
    orderby: tuple[tuple[str, bool], ...] = ()
    select: tuple[str, ...] | None = None
    expand: tuple[Expand, ...] = ()
    top: int | None = None
    skip: int = 0
    count: bool = False
    skiptoken: str | None = None


def _options(params: QueryParams, allowed: tuple[str, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in params:
        if not name.startswith("$"):
            continue  # a custom query option: ignored, as ASP.NET Core OData does
        if name not in COLLECTION_OPTIONS:
            raise InvalidQuery(QueryError(f"The query parameter '{name}' is not supported."))
        if name not in allowed:
            raise InvalidQuery(
                QueryError(
                    "The requested resource is not a collection. Query options $filter, "
                    "$orderby, $count, $skip, and $top can be applied only on collections."
                )
            )
        values = params.getlist(name)
        if len(values) > 1:
            raise InvalidQuery(
                QueryError(
                    f"Query option '{name}' was specified more than once, but it must be "
                    "specified at most once."
                )
            )
        found[name] = values[0]
    return found


def _whole(value: str, name: str) -> int:
    try:
        if _WHOLE.match(value.strip()):
            return int(value)
    except ValueError:  # more than int()'s 4300 digits
        pass
    raise QueryError(
        f"Invalid value '{value}' for {name} query option found. The {name} query option "
        "requires a non-negative integer value."
    )


def query_options(params: QueryParams, entity: EntityType, *, collection: bool) -> QueryOptions:
    """The system query options of a request on an entity set (``collection``) or one entity."""
    found = _options(params, COLLECTION_OPTIONS if collection else ENTITY_OPTIONS)
    try:
        top: int | None = None
        if "$top" in found:
            top = _whole(found["$top"], "$top")
            if top > MAX_TOP:
                raise QueryError(
                    f"The limit of '{MAX_TOP}' for Top query has been exceeded. The value from "
                    f"the incoming request is '{top}'."
                )
        count = False
        if "$count" in found:
            raw = found["$count"].lower()
            if raw not in ("true", "false"):
                raise QueryError(f"'{found['$count']}' is not a valid count option.")
            count = raw == "true"
        return QueryOptions(
            filter=parse_filter(found["$filter"], entity) if "$filter" in found else None,
            orderby=parse_orderby(found["$orderby"], entity) if "$orderby" in found else (),
            select=parse_select(found["$select"], entity) if "$select" in found else None,
            expand=parse_expand(found["$expand"], entity, ENTITY_SETS)
            if "$expand" in found
            else (),
            top=top,
            skip=_whole(found["$skip"], "$skip") if "$skip" in found else 0,
            count=count,
            skiptoken=found.get("$skiptoken"),
        )
    except QueryError as err:
        raise InvalidQuery(err) from None


def key(segment: str, entity: EntityType) -> str:
    """The GUID of an OData key segment: ``<guid>`` or ``Id=<guid>`` (lower case)."""
    raw = segment.strip()
    if raw.startswith("Id="):
        raw = raw[3:].strip()
    if not _GUID.match(raw):
        raise BadRequest(
            f"The key value ({segment}) from request is not valid. The key value should be "
            f"format of type 'Edm.Guid' for '{entity.qualified}'."
        )
    return raw.lower()


# -- bodies ------------------------------------------------------------------------------------


async def json_body(request: Request) -> dict[str, Any]:
    try:
        return await read_json_object(request)
    except BodyError as err:
        raise BadRequest(f"The request body is invalid: {err}.") from None


def guid_value(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _GUID.match(value.strip()):
        raise BadRequest(
            f"Cannot convert the literal '{value}' to the expected type 'Edm.Guid' ({name})."
        )
    return value.strip().lower()


@dataclass(frozen=True, slots=True)
class EnrollRequest:
    """The body of ``POST Courses({Id})/Enroll``."""

    login_name: str
    session_ids: tuple[str, ...]


ENROLL_PARAMETERS: Final = (
    "userLoginName",
    "courseSessionIds",
    "courseSessionId",
    "ignoreMaxAttendees",
    "ignoreEnrollmentFlow",
)


def enroll_body(body: Mapping[str, Any]) -> EnrollRequest:
    for name in body:
        if name not in ENROLL_PARAMETERS and not name.startswith("@"):
            raise BadRequest(
                f"The parameter '{name}' in the request payload is not a valid parameter for "
                "the operation 'Enroll'."
            )
    login = body.get("userLoginName")
    if not isinstance(login, str) or not login.strip():
        raise BadRequest("The parameter 'userLoginName' is required and must be a string.")
    ids: list[str] = []
    many = body.get("courseSessionIds")
    if many is not None:
        if not isinstance(many, list):
            raise BadRequest("The parameter 'courseSessionIds' must be an array of GUIDs.")
        ids.extend(guid_value(value, "courseSessionIds") for value in many)
    one = body.get("courseSessionId")  # deprecated, still read
    if one not in (None, ""):
        ids.append(guid_value(one, "courseSessionId"))
    for name in ("ignoreMaxAttendees", "ignoreEnrollmentFlow"):
        if body.get(name) is not None and not isinstance(body[name], bool):
            raise BadRequest(f"The parameter '{name}' must be a boolean.")
    return EnrollRequest(login.strip(), tuple(dict.fromkeys(ids)))


#: Enrollment properties a client may set, on create and on update
WRITABLE: Final = (
    "RegistrationDate",
    "StartDate",
    "CompletionDate",
    "DueDate",
    "CoursePassingStatus",
    "Progress",
    "CEU",
    "CourseDuration",
)
CREATE_ONLY: Final = ("CourseId", "UserId", "UserLoginName")


def enrollment_fields(
    body: Mapping[str, Any], entity: EntityType, *, create: bool
) -> dict[str, Any]:
    """The Enrollment properties of a create (POST) or update (PATCH) body, validated."""
    allowed = (*CREATE_ONLY, *WRITABLE) if create else WRITABLE
    fields: dict[str, Any] = {}
    for name, value in body.items():
        if name.startswith("@"):
            continue  # annotations such as @odata.type
        if name not in entity.properties and name not in entity.navigations:
            raise BadRequest(
                f"The property '{name}' does not exist on type '{entity.qualified}'. Make sure "
                "to only use property names that are defined by the type."
            )
        if name not in allowed:
            raise BadRequest(f"The property '{name}' of '{entity.qualified}' cannot be set here.")
        fields[name] = _field(name, value)
    return fields


def _field(name: str, value: Any) -> Any:
    if name in ("CourseId", "UserId"):
        return guid_value(value, name)
    if name == "UserLoginName":
        if not isinstance(value, str) or not value.strip():
            raise BadRequest("UserLoginName must be a non-empty string.")
        return value.strip()
    if name in ("RegistrationDate", "StartDate", "CompletionDate", "DueDate"):
        if value is None:
            return None
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None:
            raise BadRequest(
                f"Cannot convert the literal '{value}' to the expected type "
                f"'Edm.DateTimeOffset' ({name}): use e.g. 2024-01-15T15:00:00Z."
            )
        return timestamp(moment)
    if name == "CoursePassingStatus":
        if isinstance(value, bool) or value not in PASSING_STATUS_NAMES:
            raise BadRequest(
                f"The value '{value}' is not a valid CoursePassingStatus: use 0 (Completed), "
                "1 (Not Started) or 2 (In Progress)."
            )
        return value
    if name == "CEU":
        number = _number(value)
        if number is None or number < 0:
            raise BadRequest(f"CEU must be a non-negative number, got {value!r}.")
        return number
    # Progress, CourseDuration: whole numbers
    number = _number(value)
    if number is None or number != int(number) or number < 0:
        raise BadRequest(f"{name} must be a non-negative whole number, got {value!r}.")
    if name == "Progress" and number > 100:
        raise BadRequest(f"Progress must be between 0 and 100, got {value!r}.")
    return int(number)


def _number(value: Any) -> float | None:
    """A JSON number, or a string holding one (the API explorer's example sends ``"20"``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number: float
    if isinstance(value, float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number
