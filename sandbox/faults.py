"""Fault injection: rules that make a vendor answer an error, hang up, stall or slow down.

A rule (``POST /_sandbox/faults``, or ``SandboxConfig(faults=[...])`` at start) is a JSON object:

* ``vendor``: ``"docebo"``, ``"kombo"``, ``"ispring"``, ``"lms365"`` or null (any; the default).
* ``path``: a glob (:func:`fnmatch.fnmatchcase`, ``*`` also crosses ``/``) matched against the
  path under the vendor's prefix, e.g. ``/learn/v1/enrollments*``; ``*`` by default. The query
  string is not part of it.
* ``methods``: a list such as ``["POST"]``; null (the default) is any method.
* What it does, at most one of:

  - ``status``: 429, 500 or 503, answered in the vendor's own error format (the one its
    platform errors use; iSpring's in the format ``Accept`` asks for), with ``Retry-After`` when
    ``retry_after`` (whole seconds, 429 or 503 only) is given;
  - ``kind: "drop"``: close the connection without an answer. Under a server (uvicorn) the
    status line is sent and the connection is closed before the body, which clients report as
    a closed connection; in process (``httpx.ASGITransport``) :class:`DroppedConnection` is
    raised to the caller;
  - ``kind: "timeout"``: wait ``seconds`` (30 by default), then answer 504 in the vendor's
    format, the answer a gateway gives up with; a client with a shorter timeout times out;
  - ``kind: "rate_limit"``: the vendor's rate limit, a token bucket of ``burst`` requests
    (default ``per_hour``) refilled at ``per_hour`` requests an hour (Docebo's documented
    1,000 by default; the other vendors publish no figure, so it is required), the refill
    sped up by ``scale`` (default 1; 3600 makes "1,000 an hour" 1,000 a second). A request
    that finds the bucket empty is answered 429 in the vendor's format with ``Retry-After``
    (whole seconds until a token is back, at least 1); one that finds a token goes on to the
    next rules. One bucket per vendor (a rule with ``vendor`` null has one for each), refilled in
    real time, not the sandbox clock. Takes no ``share``, ``count``, ``latency_ms`` or
    ``retry_after``. (Kombo's limit of 30 concurrent writes is always on, in its emulation.)
  - nothing: only the latency below, then the vendor answers as usual.

* ``latency_ms``: milliseconds added before the answer, a number or a ``[min, max]`` range.
* ``share``: the probability (0 to 1, default 1) that a matching request fires the rule.
* ``count``: the most times the rule fires (default unlimited); it stays listed afterwards.

Rules are tried in the order they were added; the first one that matches and fires decides, and
the others are not consulted. ``share`` and latency ranges draw from one ``random.Random``
seeded from the scenario's seed, so a run is reproducible; a ``share`` of 0 or 1 draws nothing,
so ``count`` alone is fully deterministic. A faulted answer carries ``X-Sandbox-Fault: <rule
id>``. The admin API is never faulted, and paths under no vendor's prefix are not either.

Rules come from ``POST /_sandbox/faults``, from the configuration (``lmsbridge sandbox --fault
JSON``) and from the scenario file's ``[[faults]]`` tables, which a reset brings back.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any, Final, Literal

import anyio
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.http import route_path
from sandbox.vendors.base import Vendor
from sandbox.vendors.ispring.exceptions import error_response as ispring_error
from sandbox.vendors.ispring.formats import answer_format

#: statuses a ``status`` rule may answer
STATUSES: Final = (429, 500, 503)
#: statuses whose answer may carry ``Retry-After``
RETRY_AFTER_STATUSES: Final = (429, 503)
KINDS: Final = ("drop", "timeout", "rate_limit")
FIELDS: Final = frozenset(
    {
        "vendor",
        "path",
        "methods",
        "status",
        "kind",
        "seconds",
        "share",
        "count",
        "retry_after",
        "latency_ms",
        "per_hour",
        "burst",
        "scale",
    }
)
RATE_FIELDS: Final = frozenset({"per_hour", "burst", "scale"})
#: each vendor's documented request rate per hour (vendors.md 1.3: Docebo, 1,000 an hour); the
#: others publish none
DOCUMENTED_PER_HOUR: Final = {"docebo": 1000.0}
MAX_PER_HOUR: Final = 1e9
MAX_SCALE: Final = 1e6
#: the longest ``seconds`` of a timeout and the longest latency, in seconds
MAX_WAIT: Final = 3600.0
DEFAULT_TIMEOUT: Final = 30.0
#: the vendor's message for each status a fault answers
MESSAGES: Final = {
    429: "Too many requests; slow down.",
    500: "Internal server error.",
    503: "The service is temporarily unavailable.",
    504: "The upstream service did not answer in time.",
}
RATE_LIMITED: Final = "Rate limit exceeded: too many requests; retry after the time given."
FAULT_HEADER: Final = "X-Sandbox-Fault"
#: the ASGI scope key naming the rule that fired for a request (the journal reads it)
FAULT_SCOPE: Final = "lmsbridge.fault"


class FaultError(ValueError):
    """A rule that cannot be read; the message says which field and why."""


class DroppedConnection(Exception):
    """A ``drop`` rule fired: the connection is closed without an answer."""


Kind = Literal["status", "drop", "timeout", "latency", "rate_limit"]


@dataclass(slots=True)
class Bucket:
    """A token bucket of ``capacity`` tokens refilled at ``rate`` tokens a second (real time)."""

    capacity: float
    rate: float
    tokens: float
    updated: float = field(default_factory=time.monotonic)

    def take(self) -> float:
        """Take a token: 0 when one was there, else the seconds until one is."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass(slots=True)
class FaultRule:
    id: str
    vendor: str | None = None
    path: str = "*"
    methods: frozenset[str] | None = None
    kind: Kind = "status"
    status: int | None = None
    seconds: float | None = None
    share: float = 1.0
    count: int | None = None
    retry_after: int | None = None
    latency_ms: tuple[float, float] | None = None
    #: a rate limit's requests an hour (before ``scale``), bucket size and speed-up
    per_hour: float | None = None
    burst: float | None = None
    scale: float = 1.0
    #: a rate limit's bucket per vendor
    buckets: dict[str, Bucket] = field(default_factory=dict)
    #: the ``Retry-After`` of the request a rate limit refused last
    wait: int = 1
    #: how many times the rule fired
    fired: int = field(default=0)

    def limited(self, vendor: str) -> bool:
        """A rate limit: take a token from ``vendor``'s bucket; True when there was none."""
        bucket = self.buckets.get(vendor)
        if bucket is None:
            per_hour = self.per_hour or DOCUMENTED_PER_HOUR[vendor]
            capacity = self.burst or per_hour
            rate = per_hour * self.scale / 3600
            bucket = self.buckets[vendor] = Bucket(capacity, rate, capacity)
        wait = bucket.take()
        if not wait:
            return False
        self.wait = max(1, math.ceil(wait))
        return True

    def matches(self, vendor: str, path: str, method: str) -> bool:
        return (
            (self.vendor is None or self.vendor == vendor)
            and (self.methods is None or method in self.methods)
            and (self.count is None or self.fired < self.count)
            and (self.path == "*" or fnmatchcase(path, self.path))
        )

    def to_json(self) -> dict[str, Any]:
        latency: float | list[float] | None = None
        if self.latency_ms is not None:
            low, high = self.latency_ms
            latency = low if low == high else [low, high]
        if self.kind == "rate_limit":
            return {
                "id": self.id,
                "vendor": self.vendor,
                "path": self.path,
                "methods": sorted(self.methods) if self.methods is not None else None,
                "kind": self.kind,
                "per_hour": self.per_hour,
                "burst": self.burst,
                "scale": self.scale,
                "fired": self.fired,
            }
        return {
            "id": self.id,
            "vendor": self.vendor,
            "path": self.path,
            "methods": sorted(self.methods) if self.methods is not None else None,
            "status": self.status,
            "kind": None if self.kind in ("status", "latency") else self.kind,
            "seconds": self.seconds,
            "share": self.share,
            "count": self.count,
            "retry_after": self.retry_after,
            "latency_ms": latency,
            "fired": self.fired,
        }


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_rule(body: Any, rule_id: str, vendors: Iterable[Vendor]) -> FaultRule:
    """The rule ``body`` describes, or :class:`FaultError`. A null field takes its default."""
    if not isinstance(body, Mapping):
        raise FaultError("a fault rule must be a JSON object")
    unknown = sorted(str(key) for key in body if key not in FIELDS)
    if unknown:
        raise FaultError(f"unknown field {unknown[0]!r}; a rule has {', '.join(sorted(FIELDS))}")
    given = {key: value for key, value in body.items() if value is not None}
    prefixes = {vendor.name: vendor.prefix for vendor in vendors}
    rule = FaultRule(id=rule_id)

    vendor = given.get("vendor")
    if vendor is not None:
        if vendor not in prefixes:
            names = ", ".join(repr(name) for name in prefixes)
            raise FaultError(f"vendor must be one of {names} or null (any), not {vendor!r}")
        rule.vendor = vendor

    path = given.get("path", "*")
    if not isinstance(path, str) or not path.startswith(("/", "*")):
        raise FaultError(f"path must be a glob starting with '/' or '*', not {path!r}")
    for name, prefix in prefixes.items():
        if (rule.vendor in (None, name)) and path.startswith(prefix + "/"):
            raise FaultError(
                f"path is matched under the vendor's prefix: {path[len(prefix) :]!r}, not {path!r}"
            )
    rule.path = path

    methods = given.get("methods")
    if methods is not None:
        if (
            not isinstance(methods, list)
            or not methods
            or not all(isinstance(m, str) and m.isalpha() for m in methods)
        ):
            raise FaultError(
                f'methods must be a non-empty list such as ["POST"], or null (any), not {methods!r}'
            )
        rule.methods = frozenset(m.upper() for m in methods)

    status, kind = given.get("status"), given.get("kind")
    if status is not None and kind is not None:
        raise FaultError("a rule has either status or kind, not both")
    if status is not None:
        if not _is_whole(status) or status not in STATUSES:
            raise FaultError(
                f"status must be one of {', '.join(map(str, STATUSES))}, not {status!r}"
            )
        rule.kind, rule.status = "status", status
    elif kind is not None:
        if kind not in KINDS:
            raise FaultError(f"kind must be 'drop', 'timeout' or 'rate_limit', not {kind!r}")
        rule.kind = kind
    else:
        rule.kind = "latency"
    if rule.kind == "rate_limit":
        return _rate_limit(rule, given, prefixes)
    rated = sorted(RATE_FIELDS & given.keys())
    if rated:
        raise FaultError(f'{rated[0]} is only for kind "rate_limit"')

    seconds = given.get("seconds")
    if rule.kind == "timeout":
        seconds = DEFAULT_TIMEOUT if seconds is None else seconds
        if not _is_number(seconds) or not 0 <= seconds <= MAX_WAIT:
            raise FaultError(f"seconds must be a number from 0 to {MAX_WAIT:g}, not {seconds!r}")
        rule.seconds = float(seconds)
    elif seconds is not None:
        raise FaultError('seconds is only for kind "timeout"')

    retry_after = given.get("retry_after")
    if retry_after is not None:
        if rule.status not in RETRY_AFTER_STATUSES:
            raise FaultError("retry_after is only for status 429 or 503")
        if not _is_whole(retry_after) or not 0 <= retry_after <= MAX_WAIT:
            raise FaultError(
                f"retry_after must be whole seconds from 0 to {MAX_WAIT:g}, not {retry_after!r}"
            )
        rule.retry_after = retry_after

    latency = given.get("latency_ms")
    if latency is not None:
        low, high = (latency, latency) if _is_number(latency) else _range(latency)
        if not 0 <= low <= high <= MAX_WAIT * 1000:
            raise FaultError(
                f"latency_ms must be from 0 to {MAX_WAIT * 1000:g} ms (min <= max), not {latency!r}"
            )
        rule.latency_ms = (float(low), float(high))
    elif rule.kind == "latency":
        raise FaultError(
            'a rule needs status (429, 500, 503), kind ("drop", "timeout") or latency_ms'
        )

    share = given.get("share", 1)
    if not _is_number(share) or not 0 <= share <= 1:
        raise FaultError(f"share must be a number from 0 to 1, not {share!r}")
    rule.share = float(share)

    count = given.get("count")
    if count is not None:
        if not _is_whole(count) or count < 1:
            raise FaultError(
                f"count must be a whole number >= 1, or null (unlimited), not {count!r}"
            )
        rule.count = count
    return rule


def _rate_limit(
    rule: FaultRule, given: Mapping[str, Any], prefixes: Mapping[str, str]
) -> FaultRule:
    extra = sorted(given.keys() & {"seconds", "share", "count", "retry_after", "latency_ms"})
    if extra:
        raise FaultError(f'{extra[0]} is not for kind "rate_limit"')
    per_hour = given.get("per_hour")
    if per_hour is None:
        undocumented = [
            name
            for name in prefixes
            if rule.vendor in (None, name) and name not in DOCUMENTED_PER_HOUR
        ]
        if undocumented:
            raise FaultError(
                f"per_hour is required for {', '.join(undocumented)}: only Docebo documents a "
                f"rate ({DOCUMENTED_PER_HOUR['docebo']:g} requests an hour)"
            )
    elif not _is_number(per_hour) or not 0 < per_hour <= MAX_PER_HOUR:
        raise FaultError(f"per_hour must be a number above 0, up to {MAX_PER_HOUR:g}")
    else:
        rule.per_hour = float(per_hour)
    burst = given.get("burst")
    if burst is not None:
        if not _is_number(burst) or not 1 <= burst <= MAX_PER_HOUR:
            raise FaultError(f"burst must be a number from 1 to {MAX_PER_HOUR:g}, not {burst!r}")
        rule.burst = float(burst)
    scale = given.get("scale", 1)
    if not _is_number(scale) or not 0 < scale <= MAX_SCALE:
        raise FaultError(f"scale must be a number above 0, up to {MAX_SCALE:g}, not {scale!r}")
    rule.scale = float(scale)
    return rule


def check_rules(bodies: Iterable[Any], vendors: Iterable[Vendor], where: str) -> None:
    """Raise :class:`FaultError` naming ``where`` and the rule's place for a rule that cannot
    be read (for rules from a scenario file or the command line)."""
    vendors = tuple(vendors)
    for index, body in enumerate(bodies):
        try:
            parse_rule(body, "check", vendors)
        except FaultError as err:
            raise FaultError(f"{where}: fault rule {index + 1}: {err}") from None


def _range(value: Any) -> tuple[float, float]:
    if isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value):
        return value[0], value[1]
    raise FaultError(f"latency_ms must be a number or a [min, max] pair, not {value!r}")


class Faults:
    """The rules in force, their ids and the one seeded random source they draw from."""

    def __init__(self, seed: int, vendors: Iterable[Vendor], start: Iterable[Any] = ()) -> None:
        self._seed = f"lmsbridge:faults:{seed}"
        self.vendors = tuple(vendors)
        self.random = random.Random(self._seed)
        self._next = 1
        self.rules: list[FaultRule] = []
        for index, body in enumerate(start):
            try:
                self.add(body)
            except FaultError as err:
                raise FaultError(f"fault rule {index + 1} of the configuration: {err}") from None
        self._start = tuple(replace(rule, buckets={}) for rule in self.rules)

    def add(self, body: Any) -> FaultRule:
        rule = parse_rule(body, f"f{self._next}", self.vendors)
        self._next += 1
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: str) -> FaultRule | None:
        for index, rule in enumerate(self.rules):
            if rule.id == rule_id:
                return self.rules.pop(index)
        return None

    def clear(self) -> int:
        """Remove every rule; the random source starts over. Returns how many were removed."""
        removed = len(self.rules)
        self.rules = []
        self.random = random.Random(self._seed)
        return removed

    def reset(self) -> None:
        """Back to the rules of the configuration, none fired, the random source started over."""
        self.clear()
        self.rules = [replace(rule, buckets={}) for rule in self._start]

    def pick(self, vendor: str, path: str, method: str) -> FaultRule | None:
        """The rule that fires for this request (counted as fired), or None."""
        for rule in self.rules:
            if not rule.matches(vendor, path, method):
                continue
            if rule.kind == "rate_limit":
                if rule.limited(vendor):
                    rule.fired += 1
                    return rule
                continue
            share = rule.share
            if share <= 0 or (share < 1 and self.random.random() >= share):
                continue
            rule.fired += 1
            return rule
        return None

    def vendor_of(self, path: str) -> tuple[Vendor, str] | None:
        """The vendor whose prefix ``path`` is under, and the rest of the path."""
        for vendor in self.vendors:
            prefix = vendor.prefix
            if path.startswith(prefix):
                rest = path[len(prefix) :]
                if not rest or rest[0] == "/":
                    return vendor, rest or "/"
        return None

    def latency(self, rule: FaultRule) -> float:
        """Seconds to wait before the rule's answer."""
        if rule.latency_ms is None:
            return 0.0
        low, high = rule.latency_ms
        return (low if low == high else self.random.uniform(low, high)) / 1000


class FaultInjector:
    """ASGI middleware applying :class:`Faults` to the vendors' routes. Without rules it only
    checks that the list is empty."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.faults.rules or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = self.faults.vendor_of(route_path(scope))
        if found is None:
            await self.app(scope, receive, send)
            return
        vendor, path = found
        rule = self.faults.pick(vendor.name, path, scope["method"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        scope[FAULT_SCOPE] = rule.id
        wait = self.faults.latency(rule)
        if wait:
            await anyio.sleep(wait)
        if rule.kind == "latency":
            await self.app(scope, receive, send)
        elif rule.kind == "drop":
            await drop(rule, send)
        else:
            if rule.kind == "timeout":
                assert rule.seconds is not None
                await anyio.sleep(rule.seconds)
            accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
            response = fault_response(vendor, rule, accept)
            await response(scope, receive, send)


def fault_response(vendor: Vendor, rule: FaultRule, accept: str = "") -> Response:
    """The rule's answer in the vendor's error format. iSpring answers JSON or XML as ``Accept``
    asks; ``Vendor.http_error`` does not see the request, so that one choice is made here."""
    if rule.kind == "rate_limit":
        response = error_response(vendor, 429, RATE_LIMITED, accept)
        response.headers["Retry-After"] = str(rule.wait)
    else:
        status = rule.status or 504
        response = error_response(vendor, status, MESSAGES[status], accept)
        if rule.retry_after is not None:
            response.headers["Retry-After"] = str(rule.retry_after)
    response.headers[FAULT_HEADER] = rule.id
    return response


def error_response(vendor: Vendor, status: int, message: str, accept: str = "") -> Response:
    """An error of the platform in the vendor's own format (iSpring's as ``Accept`` asks)."""
    if vendor.name == "ispring":
        return ispring_error(answer_format(accept), status, message)
    return vendor.http_error(status, message)


async def drop(rule: FaultRule, send: Send) -> None:
    """Start an answer and fail before its body: a server closes the connection then (nothing
    readable reaches the client); in process the exception reaches the caller."""
    await send(
        {
            "type": "http.response.start",
            "status": 502,
            "headers": [(FAULT_HEADER.lower().encode(), rule.id.encode())],
        }
    )
    raise DroppedConnection(f"fault rule {rule.id} dropped the connection")
