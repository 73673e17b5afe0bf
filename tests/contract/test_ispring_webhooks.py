"""iSpring's webhook API: register, confirm with the delivered code, subscribe; signed
deliveries (``X-Hub-Signature``); the rest of the document's ``webhook`` operations."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Any

import defusedxml.ElementTree as SafeElementTree
import httpx
import pytest
from starlette.applications import Starlette

from sandbox.app import SandboxConfig, create_app, sandbox_of
from tests.conftest import in_process_client
from tests.contract.admin_helpers import credentials, vendor_headers
from tests.contract.webhook_helpers import HOOK_URL, Receiver, route_deliveries, settled

BASE = "/ispring"
NAME = "my-integration"
SECRET = "ispring-shared"


@pytest.fixture(scope="module")
def shared_app() -> Starlette:
    return create_app(SandboxConfig(memory=True, webhooks={"backoff_seconds": 0.001}))


@pytest.fixture
async def receiver(shared_app: Starlette) -> Receiver:
    await sandbox_of(shared_app).reset()
    receiver = Receiver()
    route_deliveries(shared_app, receiver)
    return receiver


@pytest.fixture
async def api(shared_app: Starlette, receiver: Receiver) -> AsyncIterator[httpx.AsyncClient]:
    """The account administrator's client (JSON)."""
    async with in_process_client(shared_app) as client:
        client.headers.update(await vendor_headers(client, "ispring", await ispring(client)))
        yield client
        sandbox_of(shared_app).webhooks.close()


async def ispring(client: httpx.AsyncClient) -> dict[str, str]:
    creds: dict[str, str] = (await credentials(client))["ispring"]
    return creds


async def call(api: httpx.AsyncClient, op: str, **body: Any) -> httpx.Response:
    return await api.post(f"{BASE}/webhook/{op}", json=body)


async def registered(api: httpx.AsyncClient, receiver: Receiver, **extra: Any) -> str:
    """Register NAME at HOOK_URL; the confirmation code the receiver was sent."""
    answer = await call(api, "register", subscriberName=NAME, callbackUrl=HOOK_URL, **extra)
    assert answer.status_code == 200, answer.text
    await settled(api)
    code: str = receiver.received[-1].json["confirmationCode"]
    return code


async def subscribed(api: httpx.AsyncClient, receiver: Receiver, kind: str) -> None:
    code = await registered(api, receiver, secret=SECRET)
    assert (await call(api, "confirm", subscriberName=NAME, code=code)).status_code == 200
    answer = await call(
        api, "subscribe", subscriberName=NAME, subscription={"subscriptionType": kind}
    )
    assert answer.status_code == 200, answer.text


async def enroll_someone(api: httpx.AsyncClient) -> tuple[str, str]:
    """Enroll an active learner in a course they are not in; ``(course, learner)``."""
    taken = {
        (e["courseId"], e["learnerId"])
        for e in (await api.get(f"{BASE}/enrollment")).json()["enrollments"]
    }
    courses = (await api.get(f"{BASE}/content", params={"contentTypes": "Course"})).json()
    users = [u["userId"] for u in (await api.get(f"{BASE}/user")).json() if u["status"] == 1]
    course, learner = next(
        (c["contentItemId"], u)
        for c in courses
        for u in users
        if (c["contentItemId"], u) not in taken
    )
    answer = await api.post(
        f"{BASE}/enrollment",
        json={"courseIds": [course], "learnerIds": [learner], "dueDateType": "unlimited"},
    )
    assert answer.status_code == 201, answer.text
    return course, learner


async def info(api: httpx.AsyncClient) -> dict[str, str]:
    answer = await api.get(f"{BASE}/webhook/subscriber/info", params={"subscriberName": NAME})
    assert answer.status_code == 200, answer.text
    found: dict[str, str] = answer.json()
    return found


async def test_register_subscriber_delivers_confirmation_code(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    code = await registered(api, receiver)
    (request,) = receiver.received
    assert request.headers["x-sandbox-event"] == "CONFIRMATION_CODE"
    assert request.json["subscriberName"] == NAME
    assert len(code) == 6 and code.isdigit()
    assert await info(api) == {
        "subscriberStatus": "ACTIVE",
        "confirmationStatus": "UNCONFIRMED",
        "notificationProcessStatus": "INACTIVE",
    }
    listed = (await api.get("/_sandbox/webhooks", params={"vendor": "ispring"})).json()
    assert [(w["name"], w["confirmed"]) for w in listed["webhooks"]] == [(NAME, False)]


async def test_confirm_wrong_code_is_400(api: httpx.AsyncClient, receiver: Receiver) -> None:
    code = await registered(api, receiver)
    answer = await call(api, "confirm", subscriberName=NAME, code=f"x{code}")
    assert answer.status_code == 400
    assert answer.json() == {"code": 400, "message": "Invalid confirmation code"}


async def test_unconfirmed_subscriber_gets_no_events(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await registered(api, receiver)
    answer = await call(
        api,
        "subscribe",
        subscriberName=NAME,
        subscription={"subscriptionType": "LEARNERS_ENROLLED_IN_COURSE"},
    )
    assert answer.status_code == 200
    await enroll_someone(api)
    assert [d["event"] for d in await settled(api)] == ["CONFIRMATION_CODE"]


async def test_enroll_delivers_signed_learners_enrolled(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await subscribed(api, receiver, "LEARNERS_ENROLLED_IN_COURSE")
    assert (await info(api))["notificationProcessStatus"] == "ACTIVE"
    course, learner = await enroll_someone(api)
    deliveries = await settled(api, event="LEARNERS_ENROLLED_IN_COURSE")
    assert [d["state"] for d in deliveries] == ["delivered"]
    request = receiver.received[-1]
    assert request.json["subscriptionType"] == "LEARNERS_ENROLLED_IN_COURSE"
    assert request.json["payload"]["courseId"] == course
    assert [x["userId"] for x in request.json["payload"]["learners"]] == [learner]
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-hub-signature"] == f"sha256={expected}"


async def test_disable_subscriber_stops_deliveries(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await subscribed(api, receiver, "LEARNERS_ENROLLED_IN_COURSE")
    assert (await call(api, "disable", subscriberName=NAME)).status_code == 200
    await enroll_someone(api)
    assert [d["event"] for d in await settled(api)] == ["CONFIRMATION_CODE"]
    assert (await info(api))["subscriberStatus"] == "INACTIVE"
    assert (await call(api, "enable", subscriberName=NAME)).status_code == 200
    await enroll_someone(api)
    assert len(await settled(api, event="LEARNERS_ENROLLED_IN_COURSE")) == 1


async def test_subscribe_xml_and_list_subscriptions(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await registered(api, receiver)
    body = (
        "<request><subscriberName>my-integration</subscriberName><subscription>"
        "<subscriptionType>COURSE_STATUS_CHANGED</subscriptionType><params><param>"
        "<name>departmentId</name><value>all</value></param></params></subscription></request>"
    )
    answer = await api.post(
        f"{BASE}/webhook/subscribe", content=body, headers={"Content-Type": "application/xml"}
    )
    assert answer.status_code == 200, answer.text
    listed = await api.get(f"{BASE}/webhook/subscription/list", params={"subscriberName": NAME})
    assert listed.json() == [
        {
            "subscriptionType": "COURSE_STATUS_CHANGED",
            "params": [{"name": "departmentId", "value": "all"}],
        }
    ]
    xml = await api.get(
        f"{BASE}/webhook/subscription/list",
        params={"subscriberName": NAME},
        headers={"Accept": "application/xml"},
    )
    root = SafeElementTree.fromstring(xml.content)
    assert root.findtext("subscription/subscriptionType") == "COURSE_STATUS_CHANGED"
    assert root.findtext("subscription/params/param/name") == "departmentId"


async def test_unsubscribe_unknown_type_is_404(api: httpx.AsyncClient, receiver: Receiver) -> None:
    await registered(api, receiver)
    answer = await call(
        api, "unsubscribe", subscriberName=NAME, subscriptionType="COURSE_STATUS_CHANGED"
    )
    assert answer.status_code == 404
    assert "COURSE_STATUS_CHANGED" in answer.json()["message"]


@pytest.mark.parametrize(
    ("op", "body", "status", "needle"),
    [
        ("register", {"subscriberName": NAME}, 400, "callbackUrl must be"),
        ("register", {"callbackUrl": HOOK_URL}, 400, "subscriberName is required"),
        ("confirm", {"subscriberName": "nobody", "code": "1"}, 404, "'nobody' not found"),
        (
            "subscribe",
            {"subscriberName": NAME, "subscription": {"subscriptionType": "NOPE"}},
            400,
            "Invalid subscriptionType",
        ),
    ],
)
async def test_webhook_operation_invalid(
    api: httpx.AsyncClient,
    receiver: Receiver,
    op: str,
    body: dict[str, Any],
    status: int,
    needle: str,
) -> None:
    await registered(api, receiver)
    answer = await call(api, op, **body)
    assert answer.status_code == status
    assert needle in answer.json()["message"]


async def test_register_twice_is_400(api: httpx.AsyncClient, receiver: Receiver) -> None:
    await registered(api, receiver)
    again = await call(api, "register", subscriberName=NAME, callbackUrl=HOOK_URL)
    assert again.status_code == 400
    assert again.json()["message"] == "Subscriber 'my-integration' already exists"


async def test_change_settings_new_url_needs_new_confirmation(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    code = await registered(api, receiver)
    await call(api, "confirm", subscriberName=NAME, code=code)
    moved = "http://receiver.test/moved"
    answer = await call(api, "settings/change", subscriberName=NAME, callbackUrl=moved)
    assert answer.status_code == 200
    await settled(api)
    assert receiver.received[-1].path == "/moved"
    assert (await info(api))["confirmationStatus"] == "UNCONFIRMED"
    fresh = receiver.received[-1].json["confirmationCode"]
    assert (await call(api, "confirm", subscriberName=NAME, code=fresh)).status_code == 200


async def test_remove_subscriber(api: httpx.AsyncClient, receiver: Receiver) -> None:
    await registered(api, receiver)
    assert (await call(api, "remove", subscriberName=NAME)).status_code == 200
    assert (await api.get("/_sandbox/webhooks")).json() == {"webhooks": []}
    assert (await call(api, "code/send", subscriberName=NAME)).status_code == 404


async def test_department_administrator_is_403(shared_app: Starlette, receiver: Receiver) -> None:
    async with in_process_client(shared_app) as client:
        creds = await ispring(client)
        dept = {
            **creds,
            "client_id": creds["department_client_id"],
            "client_secret": creds["department_client_secret"],
        }
        headers = await vendor_headers(client, "ispring", dept)
        answer = await client.post(
            f"{BASE}/webhook/register",
            json={"subscriberName": NAME, "callbackUrl": HOOK_URL},
            headers=headers,
        )
    assert answer.status_code == 403
    assert answer.json()["message"] == "Only account administrators manage webhook subscribers"
