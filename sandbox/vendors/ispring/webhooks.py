"""iSpring's webhook API (the document's ``webhook`` tag): one handler per operation.

The subscribers live in the platform's registry (``sandbox.webhooks``, ``request.app.state.
webhooks``), so ``GET /_sandbox/webhooks`` lists them and their deliveries are logged, retried
and replayable like every other vendor's. The flow and every choice made where iSpring is silent
are in the package docstring (``sandbox.vendors.ispring``, "Webhooks").
"""

from __future__ import annotations

from typing import Any, Final
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException
from starlette.requests import Request
from starlette.responses import Response

from sandbox.vendors.ispring import params as p
from sandbox.vendors.ispring.exceptions import BadRequest, NotFound, PermissionDenied
from sandbox.vendors.ispring.formats import Format, Kind, Many, body_format, decode_body, empty
from sandbox.vendors.ispring.formats import respond as render
from sandbox.vendors.ispring.models import ISpringBackend
from sandbox.vendors.ispring.render import ACCOUNT_HOST
from sandbox.vendors.ispring.responses import operation
from sandbox.webhooks import Subscription, WebhookError, Webhooks, check_secret, check_url

#: the document's ``Subscription.subscriptionType`` enum [V]
SUBSCRIPTION_TYPES: Final = (
    "USER_REGISTERED",
    "LEARNERS_ENROLLED_IN_COURSE",
    "TRAINING_MEETING_ADDED",
    "TRAINING_MEETING_REMOVED",
    "TRAINING_MEETING_UPDATED",
    "TRAINING_SESSION_PARTICIPANTS_ADDED",
    "TRAINING_SESSION_PARTICIPANT_REMOVED",
    "COURSE_COMPLETED_SUCCESSFULLY",
    "COURSE_STATUS_CHANGED",
    "COURSE_ITEM_COMPLETED_SUCCESSFULLY",
    "COURSE_ITEM_STATUS_CHANGED",
)
#: the event of a delivered confirmation code [I]
CONFIRMATION: Final = "CONFIRMATION_CODE"
VENDOR: Final = "ispring"
SUBSCRIBER: Final[dict[str, Kind]] = {
    "subscriberName": "text",
    "callbackUrl": "text",
    "secret": "text",
}
NAME: Final[dict[str, Kind]] = {"subscriberName": "text"}
CONFIRM: Final[dict[str, Kind]] = {"subscriberName": "text", "code": "text"}
UNSUBSCRIBE: Final[dict[str, Kind]] = {"subscriberName": "text", "subscriptionType": "text"}
MAX_NAME: Final = 255


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{name} is required")
    if len(value) > MAX_NAME:
        raise BadRequest(f"{name} must be at most {MAX_NAME} characters")
    return value.strip()


def _subscription_type(value: Any) -> str:
    if value not in SUBSCRIPTION_TYPES:
        raise BadRequest(
            f"Invalid subscriptionType: {value!r}; use one of {', '.join(SUBSCRIPTION_TYPES)}"
        )
    assert isinstance(value, str)
    return value


def _xml_subscribe(raw: bytes) -> dict[str, Any]:
    """A ``SubscribeRequest`` in XML: ``<request><subscriberName>..<subscription>
    <subscriptionType>..<params><param><name>..<value>..`` (a repeated ``<params>`` of
    ``<name>``/``<value>`` is read too)."""
    try:
        root = SafeElementTree.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise BadRequest("The XML body declares a DTD or entities, which are refused") from None
    except ParseError as err:
        raise BadRequest(f"The body is not well-formed XML: {err}") from None
    if root.tag != "request":
        raise BadRequest(f"The XML body's root element must be <request>, not <{root.tag}>")
    body: dict[str, Any] = {"subscriberName": (root.findtext("subscriberName") or "").strip()}
    subscription = root.find("subscription")
    if subscription is not None:
        params: list[dict[str, str]] = []
        for holder in subscription.findall("params"):
            items: list[Element] = [holder] if holder.find("name") is not None else list(holder)
            params.extend(
                {
                    "name": (item.findtext("name") or "").strip(),
                    "value": (item.findtext("value") or "").strip(),
                }
                for item in items
            )
        body["subscription"] = {
            "subscriptionType": (subscription.findtext("subscriptionType") or "").strip(),
            "params": params,
        }
    return body


def _params(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequest("subscription.params must be a list of {name, value}")
    params: list[dict[str, str]] = []
    for index, item in enumerate(value):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("name"), str)
            or not isinstance(item.get("value"), str)
            or not item["name"]
        ):
            raise BadRequest(f"subscription.params[{index}] must be {{name, value}} strings")
        params.append({"name": item["name"], "value": item["value"]})
    return params


class ISpringWebhookResponses:
    def __init__(self, backend: ISpringBackend) -> None:
        self.backend = backend

    def _admin(self, request: Request) -> Webhooks:
        """The registry, for an account administrator's token; a department administrator's is
        403 [I]."""
        actor = self.backend.authenticate(request.headers.get("authorization"))
        if actor.scope is not None:
            raise PermissionDenied("Only account administrators manage webhook subscribers")
        webhooks = request.app.state.webhooks
        assert isinstance(webhooks, Webhooks)
        return webhooks

    @staticmethod
    def _subscriber(webhooks: Webhooks, name: str) -> Subscription:
        subscription = webhooks.named(VENDOR, name)
        if subscription is None:
            raise NotFound(f"Subscriber {name!r} not found")
        return subscription

    def _send_code(self, webhooks: Webhooks, subscription: Subscription) -> None:
        """Deliver a new confirmation code to the subscriber's URL; the old one stops working."""
        code = webhooks.confirmation_code(subscription)
        subscription.code = code
        body = {
            "subscriberName": subscription.name,
            "accountUrl": f"https://{ACCOUNT_HOST}",
            "confirmationCode": code,
        }
        webhooks.send(subscription, CONFIRMATION, body)

    @staticmethod
    def _url_and_secret(body: dict[str, Any]) -> tuple[str, str | None]:
        try:
            return check_url(body.get("callbackUrl")), check_secret(body.get("secret") or None)
        except WebhookError as err:
            raise BadRequest(str(err).replace("url", "callbackUrl", 1)) from None

    @operation
    async def register_subscriber(self, request: Request, fmt: Format) -> Response:
        """``POST /webhook/register`` (RegisterSubscriber): 200; the code goes to the URL."""
        webhooks = self._admin(request)
        body = await p.read_body(request, SUBSCRIBER)
        name = _text(body, "subscriberName")
        url, secret = self._url_and_secret(body)
        if webhooks.named(VENDOR, name) is not None:
            raise BadRequest(f"Subscriber {name!r} already exists")
        subscription = webhooks.subscribe(VENDOR, url, (), secret, name=name, confirmed=False)
        self._send_code(webhooks, subscription)
        return empty(200)

    @operation
    async def send_confirmation_code(self, request: Request, fmt: Format) -> Response:
        """``POST /webhook/code/send`` (SendConfirmationCode): a new code to the URL."""
        webhooks = self._admin(request)
        body = await p.read_body(request, NAME)
        subscription = self._subscriber(webhooks, _text(body, "subscriberName"))
        self._send_code(webhooks, subscription)
        return empty(200)

    @operation
    async def confirm(self, request: Request, fmt: Format) -> Response:
        """``POST /webhook/confirm`` (Confirm): the code delivered to the URL proves it."""
        webhooks = self._admin(request)
        body = await p.read_body(request, CONFIRM)
        subscription = self._subscriber(webhooks, _text(body, "subscriberName"))
        code = _text(body, "code")
        if subscription.code is None or code != subscription.code:
            raise BadRequest("Invalid confirmation code")
        subscription.confirmed, subscription.code = True, None
        return empty(200)

    @operation
    async def change_subscriber_settings(self, request: Request, fmt: Format) -> Response:
        """``POST /webhook/settings/change`` (ChangeSubscriberSettings)."""
        webhooks = self._admin(request)
        body = await p.read_body(request, SUBSCRIBER)
        subscription = self._subscriber(webhooks, _text(body, "subscriberName"))
        url, secret = self._url_and_secret(body)
        if secret is not None:
            subscription.secret = secret
        if url != subscription.url:
            subscription.url, subscription.confirmed = url, False
            self._send_code(webhooks, subscription)
        return empty(200)

    @operation
    async def remove_subscriber(self, request: Request, fmt: Format) -> Response:
        """``POST /webhook/remove`` (RemoveSubscriber)."""
        webhooks = self._admin(request)
        body = await p.read_body(request, NAME)
        subscription = self._subscriber(webhooks, _text(body, "subscriberName"))
        webhooks.unsubscribe(subscription.id)
        return empty(200)

    async def _enabled(self, request: Request, enabled: bool) -> Response:
        webhooks = self._admin(request)
        body = await p.read_body(request, NAME)
        self._subscriber(webhooks, _text(body, "subscriberName")).enabled = enabled
        return empty(200)

    @operation
    async def enable_subscriber(self, request: Request, fmt: Format) -> Response:
        """``POST /webhook/enable`` (EnableSubscriber)."""
        return await self._enabled(request, True)

    @operation
    async def disable_subscriber(self, request: Request, fmt: Format) -> Response:
        """``POST /webhook/disable`` (DisabableSubscriber, sic)."""
        return await self._enabled(request, False)

    @operation
    async def subscribe(self, request: Request, fmt: Format) -> Response:
        """``POST /webhook/subscribe`` (Subscribe): add a type (again: its params replaced)."""
        webhooks = self._admin(request)
        raw = await request.body()
        source = body_format(request.headers.get("content-type"), raw)
        if source is Format.XML and raw.strip():
            body = _xml_subscribe(raw)
        else:
            try:
                body = decode_body(raw, source, {})
            except ValueError as err:
                raise BadRequest(str(err)) from None
        subscription = self._subscriber(webhooks, _text(body, "subscriberName"))
        wanted = body.get("subscription")
        if not isinstance(wanted, dict):
            raise BadRequest("subscription is required: {subscriptionType, params}")
        kind = _subscription_type(wanted.get("subscriptionType"))
        subscription.params[kind] = _params(wanted.get("params"))
        events = subscription.events or ()
        if kind not in events:
            subscription.events = (*events, kind)
        return empty(200)

    @operation
    async def unsubscribe(self, request: Request, fmt: Format) -> Response:
        """``POST /webhook/unsubscribe`` (unsubscribe)."""
        webhooks = self._admin(request)
        body = await p.read_body(request, UNSUBSCRIBE)
        subscription = self._subscriber(webhooks, _text(body, "subscriberName"))
        kind = _subscription_type(body.get("subscriptionType"))
        if kind not in (subscription.events or ()):
            raise NotFound(f"Subscription {kind} not found for {subscription.name!r}")
        subscription.events = tuple(e for e in subscription.events or () if e != kind)
        subscription.params.pop(kind, None)
        return empty(200)

    def _named(self, request: Request) -> tuple[Webhooks, Subscription]:
        webhooks = self._admin(request)
        name = request.query_params.get("subscriberName", "")
        if not name.strip():
            raise BadRequest("subscriberName is required")
        return webhooks, self._subscriber(webhooks, name.strip())

    @operation
    async def list_subscriptions(self, request: Request, fmt: Format) -> Response:
        """``GET /webhook/subscription/list`` (ListSubscriptions): an array of
        ``Subscription``."""
        _webhooks, subscription = self._named(request)
        items = [
            {"subscriptionType": kind, "params": subscription.params.get(kind, [])}
            for kind in subscription.events or ()
        ]
        return render(
            fmt,
            items,
            xml=[("subscription", item) for item in items],
            lists={"params": Many("param")},
        )

    @operation
    async def get_subscriber_info(self, request: Request, fmt: Format) -> Response:
        """``GET /webhook/subscriber/info`` (GetSubscriberInfo): ``GetSubscriberInfoResponse``."""
        _webhooks, subscription = self._named(request)
        notifying = subscription.enabled and subscription.confirmed and bool(subscription.events)
        return render(
            fmt,
            {
                "subscriberStatus": "ACTIVE" if subscription.enabled else "INACTIVE",
                "confirmationStatus": "CONFIRMED" if subscription.confirmed else "UNCONFIRMED",
                "notificationProcessStatus": "ACTIVE" if notifying else "INACTIVE",
            },
        )
