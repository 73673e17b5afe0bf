"""Webhooks: subscribers per vendor, deliveries over HTTP in the background, a delivery log.

Every event a vendor's action records (``sandbox.events``, ``GET /_sandbox/events``) is also
POSTed to each subscriber of that vendor that wants it. A subscriber is registered the way the
vendor does it: iSpring through its own API (``POST /ispring/webhook/register``, then
``/webhook/confirm`` with the code delivered to the URL, then ``/webhook/subscribe``; see
``sandbox.vendors.ispring``); Docebo, Kombo and LMS365 configure webhooks in their admin
consoles, not through an API, so the sandbox takes them here. Each vendor module's docstring
says what its deliveries carry and how they are signed.

Admin API (under ``/_sandbox``, JSON; refusals are 4xx ``{"error", "status"}``):

``POST /webhooks {"vendor", "url", "events"?, "secret"?}``
    201 with the subscription: ``{"id": "wh1", "vendor", "url", "events", "secret", "enabled",
    "confirmed", "name", "created_at"}``. ``events`` lists the vendor's event names (Docebo
    needs at least one, as its console does; Kombo and LMS365 default to every event, ``null``).
    ``secret`` signs the deliveries; Kombo and LMS365 always sign, so one is derived from the
    scenario's seed when none is given, and answered here. ``vendor`` ``ispring`` is 400: use
    iSpring's own API.
``GET /webhooks?vendor=`` ``{"webhooks": [...]}`` (iSpring's subscribers too);
    ``GET /webhooks/{id}``; ``DELETE /webhooks/{id}``; ``DELETE /webhooks`` (every one).
``GET /webhooks/deliveries?vendor=&event=&state=&subscription=&after=&limit=&wait=``
    ``{"deliveries": [...], "pending": n}``, oldest first: ``{"id": "d1", "subscription",
    "vendor", "event", "event_id", "url", "state": "pending" | "delivered" | "failed",
    "status_codes", "attempts": [{"number", "at", "status", "error", "duration_ms"}],
    "duration_ms", "created_at", "completed_at", "replay_of", "headers", "body"}``.
    ``wait=<seconds>`` (at most 60) first waits until no delivery is pending, or that long.
``GET /webhooks/deliveries/{id}``; ``POST /webhooks/deliveries/{id}/replay``
    202 with a new delivery of the same body to the same URL (signed afresh), ``replay_of``
    naming the first; it is delivered and retried like any other.
``GET /webhooks/settings``; ``POST /webhooks/settings {...}``
    ``max_attempts`` (5; 1-20), ``backoff_seconds`` (1.0: the wait before the second attempt,
    doubled before each next one), ``max_backoff_seconds`` (60), ``timeout_seconds`` (10, per
    attempt), ``log_size`` (1000 deliveries kept). Tests make retries fast with
    ``{"backoff_seconds": 0.01}`` (``SandboxConfig(webhooks=...)`` sets them from the start).

Delivery: ``POST <url>`` with the event's body as JSON (the body ``GET /_sandbox/events``
lists), headers ``Content-Type: application/json``, ``User-Agent: lmsbridge-sandbox-webhooks``,
``X-Sandbox-Delivery`` (the delivery id, the same on every attempt: an idempotency key),
``X-Sandbox-Attempt`` (1, 2, ...), ``X-Sandbox-Event`` and the vendor's signature header
(``SIGNING``). Any 2xx answer is delivered; anything else (another status, a refused
connection, a timeout) is retried after the backoff, up to ``max_attempts``, then ``failed``.
Redirects are not followed. Deliveries run as tasks on the sandbox's event loop: the request
whose action fired the event never waits for them, and they start once that request's handler
yields. Times are the sandbox clock's; backoff and timeouts are real seconds.

Subscriptions and the log live in memory: a reset empties both and puts the settings back to
the configuration's (pending deliveries are cancelled); snapshots neither keep nor restore them;
a namespace has its own (``/_ns/<id>/_sandbox/webhooks``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import hashlib
import hmac
import ipaddress
import math
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import httpx
import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.clock import Clock
from sandbox.http import BodyError, JSONResponse, read_json_object

#: the events each vendor's actions record, for the vendors subscribed through this API
#: (iSpring's subscription types are checked by its own API)
VENDOR_EVENTS: Final[Mapping[str, tuple[str, ...]]] = {
    "docebo": (
        "course.enrollment.created",
        "course.enrollment.completed",
        "course.enrollment.deleted",
        "ilt.session.enrollment.created",
        "learningplan.enrollment.deleted",
    ),
    "kombo": ("data-changed",),
    "lms365": ("enrollment", "session_registration", "session_selection_required", "unenrollment"),
}
#: vendors whose webhooks are registered through their own API, and where
OWN_API: Final[Mapping[str, str]] = {
    "ispring": "POST /ispring/webhook/register, then /webhook/confirm and /webhook/subscribe",
}
SUBSCRIPTION_FIELDS: Final = frozenset({"vendor", "url", "events", "secret"})
USER_AGENT: Final = "lmsbridge-sandbox-webhooks"
MAX_WAIT: Final = 60.0
MAX_SECRET: Final = 256

Encoding = Literal["hex", "base64", "base64url"]


@dataclass(frozen=True, slots=True)
class Signing:
    """How a vendor signs a delivery: ``header: <prefix><HMAC-SHA256(secret, raw body)>``."""

    header: str
    encoding: Encoding
    prefix: str = ""
    #: the vendor always signs: a subscription without a secret gets a derived one
    always: bool = False


SIGNING: Final[Mapping[str, Signing]] = {
    "docebo": Signing("X-Docebo-Signature", "hex", "sha256="),
    "ispring": Signing("X-Hub-Signature", "hex", "sha256="),
    "kombo": Signing("X-Kombo-Signature", "base64url", always=True),
    "lms365": Signing("X-LMS365-Signature", "base64", always=True),
}


def signature(vendor: str, secret: str, body: bytes) -> str:
    """The value of ``vendor``'s signature header for ``body`` signed with ``secret``."""
    signing = SIGNING[vendor]
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    if signing.encoding == "hex":
        text = digest.hex()
    elif signing.encoding == "base64":
        text = base64.b64encode(digest).decode()
    else:
        text = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return signing.prefix + text


class WebhookError(ValueError):
    """A subscription, setting or delivery that cannot be made or found; ``status`` is the
    HTTP answer's."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# -- settings ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    max_attempts: int = 5
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 60.0
    timeout_seconds: float = 10.0
    log_size: int = 1000

    def backoff(self, failures: int) -> float:
        """The wait after ``failures`` failed attempts (1, 2, ...): doubled each time, capped."""
        return min(self.backoff_seconds * 2.0 ** (failures - 1), self.max_backoff_seconds)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


#: each setting's kind and bounds
_LIMITS: Final[Mapping[str, tuple[type, float, float]]] = {
    "max_attempts": (int, 1, 20),
    "backoff_seconds": (float, 0, 600),
    "max_backoff_seconds": (float, 0, 3600),
    "timeout_seconds": (float, 0.01, 120),
    "log_size": (int, 1, 100_000),
}


def apply_settings(settings: Settings, body: Mapping[str, Any]) -> Settings:
    """``settings`` with the values of ``body``, every one checked before any is applied."""
    unknown = sorted(str(key) for key in body if key not in _LIMITS)
    if unknown:
        raise WebhookError(f"unknown setting {unknown[0]!r}; use {', '.join(_LIMITS)}")
    values: dict[str, Any] = {}
    for key, value in body.items():
        kind, low, high = _LIMITS[key]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or (kind is int and not isinstance(value, int)):
            noun = "a whole number" if kind is int else "a number"
            raise WebhookError(f"{key} must be {noun}, not {value!r}")
        if not math.isfinite(value) or not low <= value <= high:
            raise WebhookError(f"{key} must be from {low:g} to {high:g}, not {value!r}")
        values[key] = kind(value)
    return dataclasses.replace(settings, **values)


# -- subscriptions and deliveries --------------------------------------------------------------


@dataclass(slots=True)
class Subscription:
    """Who gets a vendor's events. ``events`` None: every one. iSpring's subscribers carry a
    ``name`` and start unconfirmed; their ``events`` are the types subscribed, with ``params``."""

    id: str
    vendor: str
    url: str
    events: tuple[str, ...] | None
    secret: str | None = field(repr=False)
    created_at: str
    name: str | None = None
    enabled: bool = True
    confirmed: bool = True
    code: str | None = field(default=None, repr=False)
    params: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def wants(self, event: str) -> bool:
        return self.enabled and self.confirmed and (self.events is None or event in self.events)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "vendor": self.vendor,
            "url": self.url,
            "events": None if self.events is None else list(self.events),
            "secret": self.secret,
            "enabled": self.enabled,
            "confirmed": self.confirmed,
            "name": self.name,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    at: str
    status: int | None
    error: str | None
    duration_ms: float

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(slots=True)
class Delivery:
    id: str
    subscription: str
    vendor: str
    event: str
    event_id: int | None
    url: str
    body: bytes
    secret: str | None = field(repr=False)
    created_at: str
    replay_of: str | None = None
    state: Literal["pending", "delivered", "failed"] = "pending"
    attempts: list[Attempt] = field(default_factory=list)
    completed_at: str | None = None

    def headers(self, attempt: int) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Sandbox-Delivery": self.id,
            "X-Sandbox-Attempt": str(attempt),
            "X-Sandbox-Event": self.event,
        }
        if self.secret is not None:
            headers[SIGNING[self.vendor].header] = signature(self.vendor, self.secret, self.body)
        return headers

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subscription": self.subscription,
            "vendor": self.vendor,
            "event": self.event,
            "event_id": self.event_id,
            "url": self.url,
            "state": self.state,
            "status_codes": [a.status for a in self.attempts],
            "attempts": [a.to_json() for a in self.attempts],
            "duration_ms": round(sum(a.duration_ms for a in self.attempts), 3),
            "created_at": self.created_at,
            "completed_at": self.completed_at,
            "replay_of": self.replay_of,
            "headers": self.headers(max(len(self.attempts), 1)),
            "body": orjson.loads(self.body),
        }


def check_url(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 2048:
        raise WebhookError(f"url must be an http(s) URL, not {value!r}")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(f"url must be an absolute http or https URL, not {value!r}")
    return value.strip()


#: set to 1 to let deliveries reach hosts other than this machine's loopback addresses
ALLOW_REMOTE_ENV: Final = "LMSBRIDGE_WEBHOOKS_ALLOW_REMOTE"
REMOTE_REFUSED: Final = (
    "not sent: the sandbox delivers only to loopback addresses (127.0.0.0/8, ::1, localhost); "
    f"set {ALLOW_REMOTE_ENV}=1 to allow other hosts"
)


def may_deliver_to(url: str) -> bool:
    """Whether a delivery may go to ``url``: loopback hosts always; others only when the
    environment allows it. A sandbox is a test tool: an API client must not make it send
    requests across the network (no DNS lookup is made to decide)."""
    if os.environ.get(ALLOW_REMOTE_ENV) == "1":
        return True
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_secret(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_SECRET:
        raise WebhookError(f"secret must be a string of 1 to {MAX_SECRET} characters or null")
    return value


class Webhooks:
    """One sandbox's (or namespace's) subscriptions, deliveries and settings.

    ``derive(vendor, purpose)`` gives a stable secret of the tenant (the vendor's ``secret``),
    for signing secrets and iSpring's confirmation codes. ``transport`` may be set to deliver
    through another httpx transport (tests deliver to an ASGI app in process)."""

    def __init__(
        self,
        clock: Clock,
        vendors: Sequence[str],
        derive: Callable[[str, str], str],
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.clock = clock
        #: the vendors of this sandbox (a namespace may have one)
        self.vendors = tuple(vendors)
        self.derive = derive
        self.defaults = apply_settings(Settings(), settings or {})
        self.settings = self.defaults
        self.subscriptions: dict[str, Subscription] = {}
        self.deliveries: OrderedDict[str, Delivery] = OrderedDict()
        self.transport: httpx.AsyncBaseTransport | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._next_subscription = 1
        self._next_delivery = 1
        self._codes = 0

    def now(self) -> str:
        return self.clock.now().isoformat(timespec="milliseconds")

    # -- subscriptions -------------------------------------------------------------------------

    def subscribe(
        self,
        vendor: str,
        url: str,
        events: Sequence[str] | None,
        secret: str | None,
        *,
        name: str | None = None,
        confirmed: bool = True,
    ) -> Subscription:
        sub_id = f"wh{self._next_subscription}"
        self._next_subscription += 1
        if secret is None and SIGNING[vendor].always:
            secret = self.derive(vendor, f"webhook:{sub_id}")
        subscription = Subscription(
            id=sub_id,
            vendor=vendor,
            url=url,
            events=None if events is None else tuple(events),
            secret=secret,
            created_at=self.now(),
            name=name,
            confirmed=confirmed,
        )
        self.subscriptions[sub_id] = subscription
        return subscription

    def get(self, sub_id: str) -> Subscription:
        subscription = self.subscriptions.get(sub_id)
        if subscription is None:
            raise WebhookError(f"no webhook {sub_id!r}", status=404)
        return subscription

    def named(self, vendor: str, name: str) -> Subscription | None:
        for subscription in self.subscriptions.values():
            if subscription.vendor == vendor and subscription.name == name:
                return subscription
        return None

    def confirmation_code(self, subscription: Subscription) -> str:
        """A new six-digit code to confirm ``subscription``'s URL (derived from the tenant's
        seed and a counter: the same calls give the same codes)."""
        self._codes += 1
        digest = self.derive(subscription.vendor, f"webhook-code:{subscription.id}:{self._codes}")
        return f"{int(digest, 16) % 1_000_000:06d}"

    def unsubscribe(self, sub_id: str) -> Subscription:
        subscription = self.get(sub_id)
        del self.subscriptions[sub_id]
        return subscription

    def listed(self, vendor: str | None = None) -> list[Subscription]:
        return [s for s in self.subscriptions.values() if vendor in (None, s.vendor)]

    def clear(self) -> int:
        count = len(self.subscriptions)
        self.subscriptions.clear()
        return count

    # -- deliveries ----------------------------------------------------------------------------

    def on_event(self, vendor: str, event: str, event_id: int, body: dict[str, Any]) -> None:
        """``EventLog``'s listener: deliver the event to every subscriber that wants it."""
        for subscription in list(self.subscriptions.values()):
            if subscription.vendor == vendor and subscription.wants(event):
                self.send(subscription, event, body, event_id=event_id)

    def send(
        self,
        subscription: Subscription,
        event: str,
        body: Mapping[str, Any],
        *,
        event_id: int | None = None,
    ) -> Delivery:
        """Log a delivery of ``body`` to ``subscription`` and start it in the background."""
        delivery = self._new(
            subscription=subscription.id,
            vendor=subscription.vendor,
            event=event,
            event_id=event_id,
            url=subscription.url,
            body=orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS),
            secret=subscription.secret,
        )
        self._start(delivery)
        return delivery

    def replay(self, delivery_id: str) -> Delivery:
        """A new delivery of a logged one's body, to the same URL with the same secret."""
        first = self.delivery(delivery_id)
        delivery = self._new(
            subscription=first.subscription,
            vendor=first.vendor,
            event=first.event,
            event_id=first.event_id,
            url=first.url,
            body=first.body,
            secret=first.secret,
            replay_of=first.id,
        )
        self._start(delivery)
        return delivery

    def delivery(self, delivery_id: str) -> Delivery:
        delivery = self.deliveries.get(delivery_id)
        if delivery is None:
            raise WebhookError(f"no delivery {delivery_id!r}", status=404)
        return delivery

    def list_deliveries(
        self,
        *,
        vendor: str | None = None,
        event: str | None = None,
        state: str | None = None,
        subscription: str | None = None,
        after: int = 0,
        limit: int = 1000,
    ) -> list[Delivery]:
        found: list[Delivery] = []
        for delivery in self.deliveries.values():
            if (
                int(delivery.id[1:]) > after
                and vendor in (None, delivery.vendor)
                and event in (None, delivery.event)
                and state in (None, delivery.state)
                and subscription in (None, delivery.subscription)
            ):
                found.append(delivery)
                if len(found) >= limit:
                    break
        return found

    @property
    def pending(self) -> int:
        return sum(1 for task in self._tasks if not task.done())

    async def settle(self, seconds: float) -> int:
        """Wait until no delivery is pending, or ``seconds``; the pending count."""
        deadline = time.monotonic() + seconds
        while self._tasks:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            await asyncio.wait(set(self._tasks), timeout=left)
        return self.pending

    def _new(self, **fields: Any) -> Delivery:
        delivery = Delivery(id=f"d{self._next_delivery}", created_at=self.now(), **fields)
        self._next_delivery += 1
        self.deliveries[delivery.id] = delivery
        while len(self.deliveries) > self.settings.log_size:
            self.deliveries.popitem(last=False)
        return delivery

    def _start(self, delivery: Delivery) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            delivery.state, delivery.completed_at = "failed", self.now()
            error = "the sandbox's event loop is not running"
            delivery.attempts.append(Attempt(1, self.now(), None, error, 0.0))
            return
        task = loop.create_task(self._run(delivery, self.settings, self.transport))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(
        self, delivery: Delivery, settings: Settings, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        try:
            # No keep-alive: nothing stays open between attempts, so a delivery abandoned with
            # its event loop (a test's) has no connection to close.
            async with httpx.AsyncClient(
                transport=transport,
                timeout=settings.timeout_seconds,
                follow_redirects=False,
                limits=httpx.Limits(max_keepalive_connections=0),
            ) as client:
                for number in range(1, settings.max_attempts + 1):
                    if await self._attempt(client, delivery, number):
                        delivery.state = "delivered"
                        return
                    if number < settings.max_attempts:
                        await asyncio.sleep(settings.backoff(number))
                delivery.state = "failed"
        except Exception as err:  # never let a delivery task die with an unread exception
            delivery.state = "failed"
            number = len(delivery.attempts) + 1
            delivery.attempts.append(Attempt(number, self.now(), None, _describe(err), 0.0))
        finally:
            if delivery.state == "pending":  # cancelled (a reset or the sandbox closing)
                delivery.state = "failed"
            delivery.completed_at = self.now()

    async def _attempt(self, client: httpx.AsyncClient, delivery: Delivery, number: int) -> bool:
        at, started = self.now(), time.perf_counter()
        status: int | None = None
        error: str | None = None
        if self.transport is None and not may_deliver_to(delivery.url):
            error = REMOTE_REFUSED
            delivery.attempts.append(Attempt(number, at, None, error, 0.0))
            return False
        try:
            response = await client.post(
                delivery.url, content=delivery.body, headers=delivery.headers(number)
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except (httpx.HTTPError, httpx.InvalidURL) as err:
            error = _describe(err)
        elapsed = round((time.perf_counter() - started) * 1000, 3)
        delivery.attempts.append(Attempt(number, at, status, error, elapsed))
        return error is None

    # -- lifecycle -----------------------------------------------------------------------------

    def configure(self, body: Mapping[str, Any]) -> Settings:
        self.settings = apply_settings(self.settings, body)
        return self.settings

    def reset(self) -> None:
        """No subscriptions, an empty log, the configuration's settings (ids go on)."""
        self.close()
        self.subscriptions.clear()
        self.deliveries.clear()
        self.settings = self.defaults

    def close(self) -> None:
        """Cancel every pending delivery."""
        for task in list(self._tasks):
            with contextlib.suppress(RuntimeError):  # a task of a loop that is closed
                task.cancel()
        self._tasks.clear()


def _describe(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


# -- the admin API -----------------------------------------------------------------------------


def webhooks_of(request: Request) -> Webhooks:
    webhooks = request.app.state.webhooks
    assert isinstance(webhooks, Webhooks)
    return webhooks


async def _body(request: Request) -> dict[str, Any]:
    try:
        return await read_json_object(request)
    except BodyError as err:
        raise HTTPException(400, str(err)) from None


def parse_subscription(
    body: Mapping[str, Any], vendors: Sequence[str]
) -> tuple[str, str, list[str] | None, str | None]:
    """``(vendor, url, events, secret)`` of ``POST /_sandbox/webhooks``, for a sandbox of
    ``vendors``."""
    unknown = sorted(str(key) for key in body if key not in SUBSCRIPTION_FIELDS)
    if unknown:
        fields = ", ".join(sorted(SUBSCRIPTION_FIELDS))
        raise WebhookError(f"unknown field {unknown[0]!r}; use {fields}")
    vendor = body.get("vendor")
    if isinstance(vendor, str) and vendor in OWN_API:
        raise WebhookError(f"{vendor} subscribers register through its own API: {OWN_API[vendor]}")
    if not isinstance(vendor, str) or vendor not in VENDOR_EVENTS or vendor not in vendors:
        names = ", ".join(repr(name) for name in VENDOR_EVENTS if name in vendors)
        raise WebhookError(f"vendor must be one of {names}, not {vendor!r}")
    url = check_url(body.get("url"))
    known = VENDOR_EVENTS[vendor]
    events = body.get("events")
    if events is None:
        if vendor == "docebo":
            raise WebhookError(f"events must list the Docebo events to send: {', '.join(known)}")
    elif not isinstance(events, list) or not events:
        raise WebhookError("events must be a non-empty list of event names, or null (all)")
    else:
        for name in events:
            if name not in known:
                raise WebhookError(
                    f"unknown {vendor} event {name!r}; the events are {', '.join(known)}"
                )
        events = list(dict.fromkeys(events))
    return vendor, url, events, check_secret(body.get("secret"))


def _refuse(err: WebhookError) -> HTTPException:
    return HTTPException(err.status, str(err))


async def create_webhook(request: Request) -> Response:
    webhooks = webhooks_of(request)
    try:
        body = await _body(request)
        vendor, url, events, secret = parse_subscription(body, webhooks.vendors)
    except WebhookError as err:
        raise _refuse(err) from None
    subscription = webhooks.subscribe(vendor, url, events, secret)
    return JSONResponse(subscription.to_json(), status_code=201)


async def list_webhooks(request: Request) -> Response:
    vendor = request.query_params.get("vendor") or None
    found = webhooks_of(request).listed(vendor)
    return JSONResponse({"webhooks": [s.to_json() for s in found]})


async def get_webhook(request: Request) -> Response:
    try:
        subscription = webhooks_of(request).get(request.path_params["webhook_id"])
    except WebhookError as err:
        raise _refuse(err) from None
    return JSONResponse(subscription.to_json())


async def delete_webhook(request: Request) -> Response:
    try:
        subscription = webhooks_of(request).unsubscribe(request.path_params["webhook_id"])
    except WebhookError as err:
        raise _refuse(err) from None
    return JSONResponse({"status": "deleted", "webhook": subscription.to_json()})


async def delete_webhooks(request: Request) -> Response:
    return JSONResponse({"status": "deleted", "count": webhooks_of(request).clear()})


def _number(params: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = params.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be a number, not {raw!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise HTTPException(400, f"{name} must be from {low:g} to {high:g}, not {raw!r}")
    return value


async def list_deliveries(request: Request) -> Response:
    webhooks = webhooks_of(request)
    params = request.query_params
    state = params.get("state") or None
    if state not in (None, "pending", "delivered", "failed"):
        raise HTTPException(400, f"state must be pending, delivered or failed, not {state!r}")
    after = _number(params, "after", 0, 0, 1e12)
    limit = _number(params, "limit", 1000, 1, 10_000)
    if after != int(after) or limit != int(limit):
        raise HTTPException(400, "after and limit must be whole numbers")
    wait = _number(params, "wait", 0, 0, MAX_WAIT)
    pending = await webhooks.settle(wait) if wait else webhooks.pending
    found = webhooks.list_deliveries(
        vendor=params.get("vendor") or None,
        event=params.get("event") or None,
        state=state,
        subscription=params.get("subscription") or None,
        after=int(after),
        limit=int(limit),
    )
    return JSONResponse({"deliveries": [d.to_json() for d in found], "pending": pending})


async def get_delivery(request: Request) -> Response:
    try:
        delivery = webhooks_of(request).delivery(request.path_params["delivery_id"])
    except WebhookError as err:
        raise _refuse(err) from None
    return JSONResponse(delivery.to_json())


async def replay_delivery(request: Request) -> Response:
    try:
        delivery = webhooks_of(request).replay(request.path_params["delivery_id"])
    except WebhookError as err:
        raise _refuse(err) from None
    return JSONResponse(delivery.to_json(), status_code=202)


async def get_settings(request: Request) -> Response:
    return JSONResponse(webhooks_of(request).settings.to_json())


async def set_settings(request: Request) -> Response:
    try:
        settings = webhooks_of(request).configure(await _body(request))
    except WebhookError as err:
        raise _refuse(err) from None
    return JSONResponse(settings.to_json())


WEBHOOK_ROUTES: Final[list[BaseRoute]] = [
    Route("/webhooks/deliveries", list_deliveries, methods=["GET"]),
    Route("/webhooks/deliveries/{delivery_id}", get_delivery, methods=["GET"]),
    Route("/webhooks/deliveries/{delivery_id}/replay", replay_delivery, methods=["POST"]),
    Route("/webhooks/settings", get_settings, methods=["GET"]),
    Route("/webhooks/settings", set_settings, methods=["POST"]),
    Route("/webhooks", list_webhooks, methods=["GET"]),
    Route("/webhooks", create_webhook, methods=["POST"]),
    Route("/webhooks", delete_webhooks, methods=["DELETE"]),
    Route("/webhooks/{webhook_id}", get_webhook, methods=["GET"]),
    Route("/webhooks/{webhook_id}", delete_webhook, methods=["DELETE"]),
]
