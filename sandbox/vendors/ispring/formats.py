"""iSpring's two wire formats: XML and JSON, both ways.

Answers are in the format the ``Accept`` header prefers (``application/json`` or
``application/xml``, with q-values); when it names neither (absent, ``*/*``, another type) they are
XML, as iSpring's own samples without ``Accept`` show [I]. Bodies are read in the format of their
``Content-Type``; without one (or with another type) the first byte decides: ``<`` is XML, anything
else JSON.

XML answers have the root ``<response>`` and follow the ``xml`` annotations of iSpring's OpenAPI
document: an object's properties are child elements, booleans ``true``/``false``, absent values
are left out, and each list is either wrapped (``<userProfiles><userProfile>...``) or a run of
repeated elements (``<userRole>...<userRole>...``), as :data:`LISTS` records per property name.
XML bodies have the root ``<request>``; a list field may be wrapped (``<courseIds><id>..</id>
</courseIds>``, as the seed's sample sends it) or repeated (``<courseIds>..</courseIds>
<courseIds>..</courseIds>``, as the document's unwrapped request schemas describe it). They are
parsed with defusedxml: any DTD is refused, so entity expansion and external entities are never
evaluated.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

import defusedxml.ElementTree as SafeElementTree
import orjson
from defusedxml import DefusedXmlException
from starlette.responses import Response

from sandbox.http import JSONResponse


class Format(enum.Enum):
    JSON = "json"
    XML = "xml"


#: the answer format when ``Accept`` names neither JSON nor XML [I]
DEFAULT_FORMAT: Final = Format.XML
XML_DECLARATION: Final = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def media_format(media: str) -> Format | None:
    media = media.strip().lower()
    if media in ("application/json", "text/json") or media.endswith("+json"):
        return Format.JSON
    if media in ("application/xml", "text/xml") or media.endswith("+xml"):
        return Format.XML
    return None


def answer_format(accept: str | None) -> Format:
    """The format ``Accept`` prefers (the first listed wins a tie), else :data:`DEFAULT_FORMAT`."""
    best: Format | None = None
    best_q = 0.0
    for part in (accept or "").split(","):
        media, *params = part.split(";")
        kind = media_format(media)
        if kind is None:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > best_q:
            best, best_q = kind, quality
    return best or DEFAULT_FORMAT


def body_format(content_type: str | None, raw: bytes) -> Format:
    declared = media_format((content_type or "").split(";", 1)[0])
    if declared is not None:
        return declared
    return Format.XML if raw.lstrip().startswith(b"<") else Format.JSON


# -- answers -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Many:
    """How a list property renders in XML: its item element, and whether a wrapper holds them."""

    item: str
    wrapped: bool = True


#: the XML shape of every list property iSpring's answers carry, after the document's schemas
LISTS: Final[Mapping[str, Many]] = {
    "manageableDepartmentIds": Many("id"),  # ArrayOfIds
    "groups": Many("id"),  # ArrayOfIds
    "userRoles": Many("userRole", wrapped=False),  # User.userRoles
    "courseFields": Many("courseField", wrapped=False),  # ContentItemInformation.courseFields
    "userProfiles": Many("userProfile"),  # UsersPage, UsersPageV2
    "contentItems": Many("contentItem"),  # ContentItemsInformationPage
    "departments": Many("department"),  # DepartmentsPage
    "enrollments": Many("enrollment"),  # EnrollmentsPage
    "results": Many("result"),  # LearnersResultsResponse
}
#: the unwrapped lists of the legacy unpaged answers (``GET /department``, ``GET /enrollment``)
UNWRAPPED: Final[Mapping[str, Many]] = {
    "departments": Many("department", wrapped=False),
    "enrollments": Many("enrollment", wrapped=False),
}

XmlChildren = Mapping[str, Any] | Sequence[tuple[str, Any]]


#: characters XML 1.0 cannot carry (C0 controls but tab, newline and return; surrogates; U+FFFE/F)
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # An echoed path or value may hold them; left in, the answer would not parse as XML.
    return _NOT_XML.sub("\ufffd", str(value))


def _append(parent: Element, tag: str, value: Any, lists: Mapping[str, Many]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        _fill(SubElement(parent, tag), value.items(), lists)
    elif isinstance(value, list | tuple):
        shape = lists.get(tag) or LISTS.get(tag) or Many("id")
        holder = SubElement(parent, tag) if shape.wrapped else parent
        for item in value:
            _append(holder, shape.item, item, lists)
    else:
        SubElement(parent, tag).text = _text(value)


def _fill(element: Element, children: Any, lists: Mapping[str, Many]) -> None:
    for tag, value in children:
        _append(element, tag, value, lists)


def encode_xml(children: XmlChildren, lists: Mapping[str, Many] | None = None) -> bytes:
    """``<response>`` holding ``children`` (property name -> value, or (element, value) pairs)."""
    root = Element("response")
    pairs = children.items() if isinstance(children, Mapping) else children
    _fill(root, pairs, lists or {})
    content: bytes = tostring(root, encoding="utf-8", xml_declaration=False)
    return XML_DECLARATION + content


class XMLResponse(Response):
    media_type = "application/xml"


def respond(
    fmt: Format,
    body: Any,
    *,
    xml: XmlChildren | None = None,
    lists: Mapping[str, Many] | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``body`` as JSON, or ``xml`` (``body`` when None) under ``<response>`` as XML."""
    if fmt is Format.JSON:
        return JSONResponse(body, status_code=status, headers=headers)
    content = encode_xml(body if xml is None else xml, lists)
    return XMLResponse(content, status_code=status, headers=headers)


def empty(status: int) -> Response:
    """An answer with no body (201 Created, 200 after an update, 204)."""
    return Response(status_code=status)


# -- bodies ------------------------------------------------------------------------------------

Kind = Literal["text", "list", "int", "bool"]


class BodyError(ValueError):
    """A body that cannot be read; the message says why."""


def decode_body(raw: bytes, fmt: Format, fields: Mapping[str, Kind]) -> dict[str, Any]:
    """The body as a dict: a JSON object as sent, or an XML ``<request>`` whose known
    ``fields`` are converted to their kinds (unknown elements are ignored, as unknown JSON keys
    are). An empty body is ``{}``."""
    if not raw.strip():
        return {}
    if fmt is Format.JSON:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as err:
            raise BodyError(f"The body is not valid JSON: {err.args[0]}") from None
        if not isinstance(body, dict):
            raise BodyError("The body must be a JSON object")
        return body
    return _decode_xml(raw, fields)


def _decode_xml(raw: bytes, fields: Mapping[str, Kind]) -> dict[str, Any]:
    try:
        root = SafeElementTree.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise BodyError("The XML body declares a DTD or entities, which are not accepted") from None
    except ParseError as err:
        raise BodyError(f"The body is not well-formed XML: {err}") from None
    if root.tag != "request":
        raise BodyError(f"The XML body's root element must be <request>, not <{root.tag}>")
    body: dict[str, Any] = {}
    for child in root:
        kind = fields.get(child.tag)
        if kind is None:
            continue
        if kind == "list":
            items = body.setdefault(child.tag, [])
            if len(child):
                items.extend((item.text or "").strip() for item in child)
            elif (child.text or "").strip():
                items.append((child.text or "").strip())
            continue
        text = (child.text or "").strip()
        if kind == "int" and text:
            try:
                body[child.tag] = int(text)
            except ValueError:
                raise BodyError(f"{child.tag} must be a whole number, not {text!r}") from None
        elif kind == "bool" and text:
            if text.lower() not in ("true", "false", "1", "0"):
                raise BodyError(f"{child.tag} must be true or false, not {text!r}")
            body[child.tag] = text.lower() in ("true", "1")
        elif text:
            body[child.tag] = text
    return body
