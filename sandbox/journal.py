"""The request journal: every vendor request and its answer, kept in a bounded ring.

Each entry (``GET /_sandbox/journal``) is ``{"id", "at" (the sandbox clock), "vendor",
"method", "path" (under the sandbox's root, e.g. ``/docebo/learn/v1/enrollments``), "query",
"status", "duration_ms", "fault" (the fault rule that answered, or null), "error" (an
exception that cut the answer short, or null)}``; with the ``bodies`` setting on, also
``"request"`` and ``"response"``, each ``{"headers", "body"}`` (the first ``MAX_CAPTURE``
bytes; a JSON body as JSON, a form as an object, other text as text). Filters: ``vendor``,
``method``, ``path`` (a glob, ``*`` crosses ``/``), ``status`` (``429``, ``4xx``, or several
separated by commas), ``after`` (an entry id) and ``limit``; oldest first.

Secrets are never stored: the ``Authorization``, ``Cookie`` and API-key headers are left out,
and any query, form or JSON field whose name holds ``secret``, ``password``, ``token`` or
``api_key`` (``client_secret``, ``access_token``, ``refresh_token``...) is stored as
``"[redacted]"``, as are such XML elements.

Settings (``POST /_sandbox/journal/settings``): ``enabled`` (default true), ``bodies``
(default false) and ``size`` (the ring's length, default 1,000). A reset empties the journal
and restores the settings. The admin API is not journaled. With the journal on and bodies off,
a request costs two clock reads and one tuple appended to a deque.
"""

from __future__ import annotations

import functools
import re
import time
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.clock import Clock
from sandbox.faults import FAULT_SCOPE
from sandbox.vendors.base import Vendor

DEFAULT_SIZE: Final = 1000
MAX_SIZE: Final = 100_000
MAX_LIMIT: Final = 10_000
#: the most bytes of a body kept
MAX_CAPTURE: Final = 64 * 1024
REDACTED: Final = "[redacted]"
SECRET_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)
#: a field, parameter, header or element whose name says it holds a secret: ``client_secret``,
#: ``password``, ``api_key``, ``access_token``... (but not ``token_type``, ``pageToken`` or
#: ``$skiptoken``, which are not secrets)
_SECRET_NAME = re.compile(
    r"secret|passw|api_?key|authorization|(?<!page)(?<!skip)token$", re.IGNORECASE
)
_SECRET_QUERY = re.compile(rb"secret|passw|api_?key|token", re.IGNORECASE)
#: an element, a ``name=value`` pair or a JSON ``"name": "value"`` in text that is not parsed
_XML_ELEMENT = re.compile(r"<(?P<tag>[\w:.-]+)(?P<attrs>[^<>]*)>(?P<value>[^<]*)</(?P=tag)>")
_PAIR = re.compile(r"(?P<key>[\w.$-]+)=(?P<value>[^&\s]*)")
_JSON_PAIR = re.compile(r'(?P<key>"[\w.$-]+"\s*:\s*)"(?P<value>[^"]*)"')
_STATUS = re.compile(r"[1-5](?:xx|\d\d)")
SETTINGS: Final = frozenset({"enabled", "bodies", "size"})


class JournalError(ValueError):
    """A setting or filter that cannot be read; the message says which and why."""


# an entry: (id, at, vendor, method, path, query, status, seconds, fault, error, bodies)
Entry = tuple[int, float, str, str, str, str, int, float, str | None, str | None, Any]


class Journal:
    def __init__(self, clock: Clock, vendors: Iterable[Vendor]) -> None:
        self.clock = clock
        #: the first segment of each vendor's prefix -> (prefix, vendor name)
        self.prefixes = {
            vendor.prefix.split("/")[1]: (vendor.prefix, vendor.name) for vendor in vendors
        }
        self.enabled = True
        self.bodies = False
        self.entries: deque[Entry] = deque(maxlen=DEFAULT_SIZE)
        self._next = 1

    # -- recording -----------------------------------------------------------------------------

    def vendor_of(self, path: str) -> str | None:
        found = self.prefixes.get(path.split("/", 2)[1] if path[:1] == "/" else "")
        if found is None:
            return None
        prefix, name = found
        if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
            return name
        return None

    def add(
        self,
        vendor: str,
        method: str,
        path: str,
        query: bytes,
        status: int,
        at: float,
        seconds: float,
        fault: str | None,
        error: str | None,
        bodies: Any = None,
    ) -> None:
        text = _redact_query(query) if query else ""
        entry_id = self._next
        self._next = entry_id + 1
        self.entries.append(
            (
                entry_id,
                at,
                vendor,
                method,
                path,
                text,
                status,
                seconds,
                fault,
                error,
                bodies,
            )
        )

    # -- the admin side ------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "bodies": self.bodies, "size": self.entries.maxlen}

    def configure(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Apply the settings given (all checked before any is applied)."""
        unknown = sorted(str(key) for key in body if key not in SETTINGS)
        if unknown:
            raise JournalError(f"unknown setting {unknown[0]!r}; the journal has {_names()}")
        for key in ("enabled", "bodies"):
            if key in body and not isinstance(body[key], bool):
                raise JournalError(f"{key} must be true or false, not {body[key]!r}")
        size = body.get("size")
        if "size" in body and (
            not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_SIZE
        ):
            raise JournalError(f"size must be a whole number from 1 to {MAX_SIZE}, not {size!r}")
        self.enabled = body.get("enabled", self.enabled)
        self.bodies = body.get("bodies", self.bodies)
        if isinstance(size, int) and size != self.entries.maxlen:
            self.entries = deque(self.entries, maxlen=size)
        return self.settings()

    def clear(self) -> int:
        removed = len(self.entries)
        self.entries.clear()
        return removed

    def reset(self) -> None:
        """Empty, with the default settings (ids go on: an id is never given twice)."""
        self.enabled, self.bodies = True, False
        self.entries = deque(maxlen=DEFAULT_SIZE)

    def list(
        self,
        *,
        vendor: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: str | None = None,
        after: int = 0,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        statuses = _statuses(status) if status else None
        wanted_method = method.upper() if method else None
        found: list[dict[str, Any]] = []
        for entry in self.entries:
            if entry[0] <= after:
                continue
            if vendor and entry[2] != vendor:
                continue
            if wanted_method and entry[3] != wanted_method:
                continue
            if path and not fnmatchcase(entry[4], path):
                continue
            if statuses is not None and not _status_matches(entry[6], statuses):
                continue
            found.append(_render(entry))
            if len(found) >= limit:
                break
        return found


def _names() -> str:
    return ", ".join(sorted(SETTINGS))


def _statuses(spec: str) -> list[str]:
    parts = [part.strip().lower() for part in spec.split(",") if part.strip()]
    if not parts or not all(_STATUS.fullmatch(part) for part in parts):
        raise JournalError(f"status must be codes or classes such as 429, 4xx or 2xx,429: {spec!r}")
    return parts


def _status_matches(status: int, wanted: list[str]) -> bool:
    code = str(status)
    return any(code == part or (part.endswith("xx") and code[0] == part[0]) for part in wanted)


def _render(entry: Entry) -> dict[str, Any]:
    entry_id, at, vendor, method, path, query, status, seconds, fault, error, bodies = entry
    rendered: dict[str, Any] = {
        "id": entry_id,
        "at": datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds"),
        "vendor": vendor,
        "method": method,
        "path": path,
        "query": query,
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
        "fault": fault,
        "error": error,
    }
    if bodies is not None:
        rendered["request"], rendered["response"] = bodies
    return rendered


# -- redaction ---------------------------------------------------------------------------------


def _is_secret(name: str) -> bool:
    return _SECRET_NAME.search(name) is not None


@functools.lru_cache(maxsize=4096)
def _redact_query(query: bytes) -> str:
    """The query string as kept: as sent, or re-encoded with its secrets redacted. Memoized:
    pages are read again and again, and a ``pageToken`` (which matches the first check) costs
    a parse and an encode."""
    text = query.decode("latin-1")
    if not _SECRET_QUERY.search(query):
        return text
    pairs = parse_qsl(text, keep_blank_values=True)
    return urlencode([(k, REDACTED if _is_secret(k) else v) for k, v in pairs], safe="[]")


def _headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in raw:
        name = key.decode("latin-1").lower()
        if name in SECRET_HEADERS or _is_secret(name):
            continue
        headers[name] = value.decode("latin-1")
    return headers


def redact(value: Any) -> Any:
    """A JSON value with every field whose name looks secret replaced by ``[redacted]``."""
    if isinstance(value, dict):
        return {
            key: REDACTED if _is_secret(str(key)) else redact(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def _body(headers: dict[str, str], raw: bytes, total: int) -> Any:
    """What the journal keeps of a body: JSON as JSON, a form as an object, else text."""
    if not total:
        return None
    kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind == "multipart/form-data":
        return f"[multipart/form-data, {total} bytes, not kept]"
    text = raw.decode("utf-8", errors="replace")
    if total <= len(raw):
        if kind.endswith("json") or kind.endswith("+json"):
            try:
                return redact(orjson.loads(raw))
            except orjson.JSONDecodeError:
                pass
        elif kind == "application/x-www-form-urlencoded":
            return redact(dict(parse_qsl(text, keep_blank_values=True)))
    text = _XML_ELEMENT.sub(
        lambda m: (
            f"<{m['tag']}{m['attrs']}>{REDACTED}</{m['tag']}>" if _is_secret(m["tag"]) else m[0]
        ),
        text,
    )
    text = _PAIR.sub(lambda m: f"{m['key']}={REDACTED}" if _is_secret(m["key"]) else m[0], text)
    text = _JSON_PAIR.sub(
        lambda m: f'{m["key"]}"{REDACTED}"' if _is_secret(m["key"].split('"')[1]) else m[0], text
    )
    return text if total <= len(raw) else f"{text}... [{total} bytes in all]"


class JournalRecorder:
    """Passes a vendor's request on to ``app`` and writes it to the :class:`Journal` (with
    bodies or without, as the journal says); ``sandbox.front.Front`` picks the requests."""

    def __init__(self, app: ASGIApp, journal: Journal) -> None:
        self.app = app
        self.journal = journal

    async def record(
        self, scope: Scope, receive: Receive, send: Send, vendor: str, path: str
    ) -> None:
        """Pass a request to ``vendor`` (at ``path``) on, and journal it without bodies."""
        journal = self.journal
        status = 0

        async def sent(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        at = journal.clock.time()
        start = time.perf_counter()
        error: str | None = None
        try:
            await self.app(scope, receive, sent)
        except BaseException as err:
            error = type(err).__name__
            raise
        finally:
            journal.add(
                vendor,
                scope["method"],
                path,
                scope["query_string"],
                status,
                at,
                time.perf_counter() - start,
                scope.get(FAULT_SCOPE),
                error,
            )

    async def record_bodies(
        self, scope: Scope, receive: Receive, send: Send, vendor: str, path: str
    ) -> None:
        request = bytearray()
        response = bytearray()
        sizes = [0, 0]
        status = 0
        response_headers: dict[str, str] = {}

        async def received() -> Message:
            message = await receive()
            chunk = message.get("body", b"")
            sizes[0] += len(chunk)
            if len(request) < MAX_CAPTURE:
                request.extend(chunk[: MAX_CAPTURE - len(request)])
            return message

        async def sent(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = _headers(message.get("headers", ()))
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                sizes[1] += len(chunk)
                if len(response) < MAX_CAPTURE:
                    response.extend(chunk[: MAX_CAPTURE - len(response)])
            await send(message)

        at = self.journal.clock.time()
        start = time.perf_counter()
        error: str | None = None
        try:
            await self.app(scope, received, sent)
        except BaseException as err:
            error = type(err).__name__
            raise
        finally:
            seconds = time.perf_counter() - start
            request_headers = _headers(scope["headers"])
            bodies = (
                {
                    "headers": request_headers,
                    "body": _body(request_headers, bytes(request), sizes[0]),
                },
                {
                    "headers": response_headers,
                    "body": _body(response_headers, bytes(response), sizes[1]),
                },
            )
            self.journal.add(
                vendor,
                scope["method"],
                path,
                scope["query_string"],
                status,
                at,
                seconds,
                scope.get(FAULT_SCOPE),
                error,
                bodies,
            )


def parse_filters(params: Mapping[str, str]) -> dict[str, Any]:
    """The ``GET /_sandbox/journal`` query as :meth:`Journal.list` keywords."""
    try:
        after = int(params.get("after") or 0)
        limit = int(params.get("limit") or 1000)
    except ValueError:
        raise JournalError("after and limit must be whole numbers") from None
    if after < 0 or not 1 <= limit <= MAX_LIMIT:
        raise JournalError(f"after must be >= 0 and limit between 1 and {MAX_LIMIT}")
    status = params.get("status")
    if status:
        _statuses(status)
    return {
        "vendor": params.get("vendor") or None,
        "method": params.get("method") or None,
        "path": params.get("path") or None,
        "status": status or None,
        "after": after,
        "limit": limit,
    }
