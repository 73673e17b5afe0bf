"""iSpring Learn's wire shapes, read leniently, in JSON and in XML.

iSpring speaks both formats both ways. JSON needs nothing here beyond ``orjson``. XML answers
have the root ``<response>`` and follow the ``xml`` annotations of iSpring's OpenAPI document:
an object's properties are child elements, booleans ``true``/``false``, absent values left out,
and each list is either *wrapped* (``<enrollments><enrollment>..</enrollment></enrollments>``,
``<manageableDepartmentIds><id>..</id></manageableDepartmentIds>``) or a run of *repeated*
elements (``<userRole>..</userRole><userRole>..</userRole>``). XML carries no types, so each
answer is read against a shape (:class:`Obj`, :class:`ListOf`, or a scalar name) written after
the document's schemas, and comes out as exactly what the JSON answer would have been: a list
wherever the schema has an array, even of one element or none; numbers and booleans as such.
Elements a shape does not name are read leniently (text, or an object of them; a repeated
element becomes a list), as unknown JSON keys are kept.

Untrusted XML is only ever parsed with ``defusedxml`` and any DTD is refused, so entity
expansion and external entities are never evaluated. The stdlib ``ElementTree`` only *builds*
request documents here.

Request bodies in XML have the root ``<request>``; list fields are wrapped with ``<id>`` items,
as the document's ``ArrayOfIds`` and seed 003's sample (``<courseIds><id>..</id></courseIds>``)
show, except the fields the document declares unwrapped (``ListEnrollmentsRequest``: the
element repeated, ``<courseIds>..</courseIds><courseIds>..</courseIds>``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Final, Literal, TypeAlias
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

import defusedxml.ElementTree as SafeElementTree
import orjson
from defusedxml import DefusedXmlException

XML_DECLARATION: Final = b'<?xml version="1.0" encoding="UTF-8"?>\n'
XML_MEDIA_TYPE: Final = "application/xml"

Scalar: TypeAlias = Literal["str", "int", "float", "bool"]


class Obj:
    """An object: its known properties and their shapes. An unwrapped list property is found
    by its item element's name."""

    __slots__ = ("fields", "repeated")

    def __init__(self, fields: Mapping[str, Shape] | None = None) -> None:
        self.fields: Mapping[str, Shape] = dict(fields or {})
        #: item element -> (property, list shape) of every unwrapped list property
        self.repeated: Mapping[str, tuple[str, ListOf]] = {
            shape.tag: (name, shape)
            for name, shape in self.fields.items()
            if isinstance(shape, ListOf) and not shape.wrapped
        }


@dataclass(frozen=True, slots=True)
class ListOf:
    """A list: the shape of its items, the items' element name, and whether one element named
    after the property wraps them (else the items repeat in the parent)."""

    item: Shape
    tag: str = "id"
    wrapped: bool = True


Shape: TypeAlias = "Scalar | Obj | ListOf"

# -- the document's schemas, as far as the connector reads them --------------------------------

IDS: Final = ListOf("str", "id")  # ArrayOfIds
SUBORDINATION: Final = Obj({"subordinationType": "str", "supervisorId": "str"})
USER_ROLE: Final = Obj({"roleId": "str", "manageableDepartmentIds": IDS, "roleType": "str"})
WORK_LEAVE: Final = Obj({"workLeaveReason": "str", "startDate": "str", "endDate": "str"})
USER: Final = Obj(  # User, UserV2
    {
        "userId": "str",
        "role": "str",
        "roleId": "str",
        "departmentId": "str",
        "status": "int",
        "fields": Obj(),  # UserProfileFields: login, email and any other field, all strings
        "addedDate": "str",
        "lastLoginDate": "str",
        "manageableDepartmentIds": IDS,
        "userRoles": ListOf(USER_ROLE, "userRole", wrapped=False),
        "groups": IDS,
        "subordination": SUBORDINATION,
        "coSubordination": SUBORDINATION,
        "workLeaveStatus": WORK_LEAVE,
    }
)
USERS_PAGE: Final = Obj({"userProfiles": ListOf(USER, "userProfile"), "nextPageToken": "str"})
CONTENT_ITEM: Final = Obj(  # ContentItemInformation
    {
        "contentItemId": "str",
        "title": "str",
        "subtitle": "str",
        "description": "str",
        "userId": "str",
        "addedDate": "str",
        "viewUrl": "str",
        "type": "str",
        "viewType": "str",
        "contentItemType": "str",
        "courseFields": ListOf(
            Obj({"fieldId": "str", "fieldValue": "str"}), "courseField", wrapped=False
        ),
    }
)
CONTENT_PAGE: Final = Obj(
    {"contentItems": ListOf(CONTENT_ITEM, "contentItem"), "nextPageToken": "str"}
)
CERTIFICATE: Final = Obj({"issuedCertificateId": "str", "issueDate": "str", "expiryDate": "str"})
ENROLLMENT: Final = Obj(
    {
        "enrollmentId": "str",
        "courseId": "str",
        "learnerId": "str",
        "accessDate": "str",
        "dueDate": "str",
        "expirationDate": "str",
        "shouldLockAfterDueDate": "bool",
        "certificate": CERTIFICATE,
        "enrollmentTypeGroup": "int",
    }
)
ENROLLMENTS_PAGE: Final = Obj(
    {"enrollments": ListOf(ENROLLMENT, "enrollment"), "nextPageToken": "str"}
)
#: ``GET /enrollment/{id}``: the ``Enrollment`` itself in JSON, ``<response><enrollment>`` in XML
ENROLLMENT_ANSWER: Final = Obj({"enrollment": ENROLLMENT, **ENROLLMENT.fields})
RESULT: Final = Obj(  # LearnerResult
    {
        "userId": "str",
        "courseId": "str",
        "courseTitle": "str",
        "enrollmentId": "str",
        "accessDate": "str",
        "dueDate": "str",
        "expirationDate": "str",
        "completionDate": "str",
        "duration": "int",
        "timeSpent": "int",
        "completionStatus": "str",
        "awardedScore": "float",
        "passingScore": "float",
        "progress": "float",
        "isOverdue": "bool",
        "viewsCount": "int",
    }
)
RESULTS_PAGE: Final = Obj({"results": ListOf(RESULT, "result"), "nextPageToken": "str"})
TOKEN: Final = Obj({"access_token": "str", "expires_in": "int", "token_type": "str"})
ERROR: Final = Obj({"code": "int", "message": "str"})  # ErrorResponse

#: the list fields of ``ListEnrollmentsRequest``, which the document declares unwrapped
LIST_ENROLLMENTS_REPEATED: Final = frozenset({"courseIds", "learnerIds", "enrollmentIds"})


# -- reading answers ---------------------------------------------------------------------------


def is_xml(content: bytes, content_type: str | None) -> bool:
    """Whether an answer is XML: by its ``Content-Type``, else by its first byte."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media:
        return media.endswith("/xml") or media.endswith("+xml")
    return content.lstrip().startswith(b"<")


def decode(content: bytes, content_type: str | None, shape: Shape) -> Any:
    """An answer's body as Python values, whichever format it came in; ``ValueError`` when it
    cannot be read."""
    if is_xml(content, content_type):
        return decode_xml(content, shape)
    return orjson.loads(content)


def decode_xml(content: bytes, shape: Shape) -> Any:
    """An XML answer read against ``shape`` (the root element is the shape's object; for a
    list, its children are the items). ``ValueError`` for malformed XML or any DTD."""
    try:
        root = SafeElementTree.fromstring(content, forbid_dtd=True)
    except DefusedXmlException as err:
        raise ValueError(f"the XML answer declares a DTD or entities: {err}") from None
    except ParseError as err:
        raise ValueError(f"the answer is not well-formed XML: {err}") from None
    if isinstance(shape, ListOf):
        return [_read(item, shape.item) for item in root]
    return _read(root, shape)


def _read(element: Element, shape: Shape) -> Any:
    if isinstance(shape, Obj):
        return _read_object(element, shape)
    if isinstance(shape, ListOf):
        return _read_list(element, shape)
    return _scalar((element.text or "").strip(), shape)


def _read_list(element: Element, shape: ListOf) -> list[Any]:
    """A wrapped list's items; a wrapper without children but with text is one item (the
    unwrapped form, in which the property's own element repeats)."""
    if len(element):
        return [_read(item, shape.item) for item in element]
    text = (element.text or "").strip()
    return [_scalar(text, shape.item)] if text and isinstance(shape.item, str) else []


def _read_object(element: Element, shape: Obj) -> dict[str, Any]:
    found: dict[str, Any] = {}
    loose: dict[str, list[Any]] = {}
    for child in element:
        tag = child.tag
        repeated = shape.repeated.get(tag)
        if repeated is not None:
            name, many = repeated
            found.setdefault(name, []).append(_read(child, many.item))
            continue
        kind = shape.fields.get(tag)
        if kind is None:
            loose.setdefault(tag, []).append(_loose(child))
        elif isinstance(kind, ListOf):
            found.setdefault(tag, []).extend(_read_list(child, kind))
        elif isinstance(kind, Obj):
            found[tag] = _read_object(child, kind)
        else:
            text = (child.text or "").strip()
            if text or kind == "str":
                found[tag] = _scalar(text, kind)
    for tag, values in loose.items():
        found[tag] = values[0] if len(values) == 1 else values
    return found


def _loose(element: Element) -> Any:
    """An element no shape names: its text, or an object of its children."""
    if not len(element):
        return (element.text or "").strip()
    return _read_object(element, Obj())


def _scalar(text: str, kind: Shape) -> Any:
    """Text converted to its schema type; text that does not convert is kept as it came."""
    try:
        if kind == "int":
            number = float(text)
            return int(number) if number.is_integer() else number
        if kind == "float":
            return float(text)
    except ValueError:
        return text
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
    return text


@dataclass(frozen=True, slots=True)
class Page:
    items: Sequence[Mapping[str, Any]]
    next_token: str | None


def read_page(body: Any, key: str) -> Page:
    """The records under ``key`` and the ``nextPageToken`` of a paged answer."""
    if not isinstance(body, Mapping):
        raise ValueError("the answer is not an object")
    items = body.get(key)
    if items is None:
        items = []  # an XML page without records may leave the wrapper out
    if not isinstance(items, list):
        raise ValueError(f"the answer's {key!r} is not a list")
    token = body.get("nextPageToken")
    return Page(
        # decoded objects are dicts: the class test spares most items the ABC check
        items=[item for item in items if item.__class__ is dict or isinstance(item, Mapping)],
        next_token=str(token) if token not in (None, "") else None,
    )


def read_token(body: Any) -> tuple[str, float]:
    """The ``access_token`` and its lifetime in seconds (``expires_in``, 1800 when unreadable)."""
    token = body.get("access_token") if isinstance(body, Mapping) else None
    if not isinstance(token, str) or not token:
        raise ValueError("the token answer has no access_token")
    try:
        expires_in = float(body.get("expires_in") or 1800)
    except (TypeError, ValueError):
        expires_in = 1800.0
    return token, expires_in


def read_enrollment(body: Any) -> Mapping[str, Any]:
    """``GET /enrollment/{id}``'s enrollment: the body itself, or its ``enrollment`` (XML)."""
    if isinstance(body, Mapping) and isinstance(body.get("enrollment"), Mapping):
        body = body["enrollment"]
    if not isinstance(body, Mapping) or not body.get("enrollmentId"):
        raise ValueError("the answer is not an enrollment")
    return body


def error_details(body: Any) -> tuple[str | None, str | None]:
    """(code, message) from iSpring's ``{code, message}`` (either format), or plain text."""
    if isinstance(body, Mapping):
        code = body.get("code")
        message = body.get("message")
        return (
            str(code) if code not in (None, "") else None,
            str(message) if message not in (None, "") else None,
        )
    if isinstance(body, str) and body.strip():
        return None, body.strip()[:200]
    return None, None


# -- writing requests --------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_xml(body: Mapping[str, Any], *, repeated: Collection[str] = ()) -> bytes:
    """A ``<request>`` document of ``body``: scalars as elements (``None`` left out), lists
    wrapped with ``<id>`` items, or repeated for the fields in ``repeated``."""
    root = Element("request")
    for name, value in body.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            if name in repeated:
                for item in value:
                    SubElement(root, name).text = _text(item)
            else:
                holder = SubElement(root, name)
                for item in value:
                    SubElement(holder, "id").text = _text(item)
        else:
            SubElement(root, name).text = _text(value)
    content: bytes = tostring(root, encoding="utf-8", xml_declaration=False)
    return XML_DECLARATION + content


def array(name: str, values: Iterable[Any]) -> list[tuple[str, str]]:
    """A list as repeated query parameters (``courseIds[]=a&courseIds[]=b``)."""
    return [(name, str(value)) for value in values]


# -- dates -------------------------------------------------------------------------------------


def parse_datetime(value: Any, *, end_of_day: bool = False) -> datetime | None:
    """An iSpring date (``YYYY-MM-DD``) or date-time (RFC 3339, or ``YYYY-MM-DD HH:MM:SS``) as
    an aware UTC datetime; a bare date is its first second, or with ``end_of_day`` its last
    (a due date is due at the end of that day). None for none or for what does not parse."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[-1:] in ("z", "Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) == 10 and end_of_day:  # a bare date
        parsed = datetime.combine(parsed.date(), time(23, 59, 59))
    if parsed.tzinfo is UTC:  # "+00:00" or "Z", as iSpring writes them: nothing to convert
        return parsed
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_moment(value: datetime | date | str) -> str:
    """A date as ``YYYY-MM-DD``; a datetime in UTC as ``YYYY-MM-DD HH:MM:SS`` (seed 003's
    form; a naive one is taken as UTC); a string as it is."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return value.isoformat()
