"""Webhooks: subscribers per vendor, background deliveries with retries, the log, replay."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sandbox.app import SandboxConfig, create_app, sandbox_of
from sandbox.server import find_free_port
from tests.conftest import in_process_client
from tests.contract.admin_helpers import credentials, path_of, vendor_headers
from tests.contract.webhook_helpers import (
    HOOK_URL,
    Receiver,
    route_deliveries,
    settled,
    subscribe,
)

FAST = {"backoff_seconds": 0.001, "max_backoff_seconds": 0.01}


@pytest.fixture(scope="module")
def shared_app() -> Starlette:
    return create_app(SandboxConfig(memory=True, webhooks=FAST))


@pytest.fixture
async def sandbox_app(shared_app: Starlette) -> Starlette:
    """The module's sandbox, reset: no subscribers, an empty log, the FAST settings."""
    await sandbox_of(shared_app).reset()
    return shared_app


@pytest.fixture
def receiver(sandbox_app: Starlette) -> Receiver:
    receiver = Receiver()
    route_deliveries(sandbox_app, receiver)
    return receiver


@pytest.fixture
async def client(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        yield client
        sandbox_of(sandbox_app).webhooks.close()
        sandbox_of(sandbox_app).webhooks.transport = None


async def headers_for(client: httpx.AsyncClient, vendor: str) -> dict[str, str]:
    return await vendor_headers(client, vendor, (await credentials(client))[vendor])


async def docebo_unenroll_and_enroll(client: httpx.AsyncClient) -> tuple[int, int]:
    """Unenroll the first enrollment (``course.enrollment.deleted``), then enroll the pair
    again (``course.enrollment.created``)."""
    headers = await headers_for(client, "docebo")
    listed = await client.get(
        "/docebo/course/v1/courses/enrollments", params={"page_size": 1}, headers=headers
    )
    item = listed.json()["data"]["items"][0]
    pair = f"{item['course_id']}/{item['user_id']}"
    gone = await client.delete(f"/docebo/learn/v1/enrollments/{pair}", headers=headers)
    assert gone.status_code == 200, gone.text
    made = await client.post(f"/docebo/learn/v1/enrollments/{pair}", json={}, headers=headers)
    assert made.status_code == 200, made.text
    return item["course_id"], item["user_id"]


async def lms365_unenroll(client: httpx.AsyncClient) -> str:
    headers = await headers_for(client, "lms365")
    listed = await client.get("/lms365/odata/v2/Enrollments", params={"$top": 1}, headers=headers)
    key = listed.json()["value"][0]["Id"]
    gone = await client.delete(f"/lms365/odata/v2/Enrollments({key})", headers=headers)
    assert gone.status_code == 204, gone.text
    return str(key)


async def activity(client: httpx.AsyncClient, vendor: str) -> None:
    answer = await client.post(
        "/_sandbox/activity", json={"vendor": vendor, "count": 10, "steps": 3}
    )
    assert answer.status_code == 200, answer.text


# -- subscriptions -----------------------------------------------------------------------------


async def test_create_webhook_answers_subscription(client: httpx.AsyncClient) -> None:
    made = await subscribe(
        client, vendor="docebo", url=HOOK_URL, events=["course.enrollment.created"]
    )
    assert made == {
        "id": "wh1",
        "vendor": "docebo",
        "url": HOOK_URL,
        "events": ["course.enrollment.created"],
        "secret": None,
        "enabled": True,
        "confirmed": True,
        "name": None,
        "created_at": made["created_at"],
    }
    listed = (await client.get("/_sandbox/webhooks")).json()["webhooks"]
    assert listed == [made]
    assert (await client.get("/_sandbox/webhooks/wh1")).json() == made


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"vendor": "ispring", "url": HOOK_URL}, "/ispring/webhook/register"),
        ({"vendor": "moodle", "url": HOOK_URL}, "vendor must be one of"),
        ({"vendor": "kombo", "url": "ftp://x/hook"}, "url must be an absolute http"),
        ({"vendor": "kombo", "url": HOOK_URL, "events": ["nope"]}, "unknown kombo event 'nope'"),
        ({"vendor": "docebo", "url": HOOK_URL}, "events must list the Docebo events"),
        ({"vendor": "kombo", "url": HOOK_URL, "events": []}, "non-empty list"),
        ({"vendor": "kombo", "url": HOOK_URL, "secret": ""}, "secret must be a string"),
        ({"vendor": "kombo", "url": HOOK_URL, "colour": "red"}, "unknown field 'colour'"),
    ],
)
async def test_create_webhook_invalid_is_400(
    client: httpx.AsyncClient, body: dict[str, Any], needle: str
) -> None:
    answer = await client.post("/_sandbox/webhooks", json=body)
    assert answer.status_code == 400
    assert needle in answer.json()["error"]


async def test_delete_webhook_stops_deliveries(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    made = await subscribe(client, vendor="kombo", url=HOOK_URL)
    gone = await client.delete(f"/_sandbox/webhooks/{made['id']}")
    assert gone.json()["status"] == "deleted"
    await activity(client, "kombo")
    assert await settled(client) == []
    assert (await client.get(f"/_sandbox/webhooks/{made['id']}")).status_code == 404


# -- deliveries --------------------------------------------------------------------------------


async def test_docebo_enroll_delivers_subscribed_event_signed(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    await subscribe(
        client,
        vendor="docebo",
        url=HOOK_URL,
        events=["course.enrollment.created"],
        secret="docebo-shared",
    )
    course_id, user_id = await docebo_unenroll_and_enroll(client)
    (delivery,) = await settled(client)
    (request,) = receiver.received
    assert request.json["event"] == "course.enrollment.created"
    assert (request.json["payload"]["course_id"], request.json["payload"]["user_id"]) == (
        course_id,
        user_id,
    )
    expected = hmac.new(b"docebo-shared", request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-docebo-signature"] == f"sha256={expected}"
    assert request.headers["x-sandbox-delivery"] == delivery["id"]
    assert delivery["state"] == "delivered"
    assert delivery["status_codes"] == [200]
    assert delivery["body"] == request.json
    event = (await client.get("/_sandbox/events", params={"event": delivery["event"]})).json()
    assert delivery["event_id"] == event["events"][0]["id"]


async def test_kombo_delivery_signed_with_derived_secret(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    made = await subscribe(client, vendor="kombo", url=HOOK_URL)
    assert made["secret"] and made["events"] is None
    await activity(client, "kombo")
    deliveries = await settled(client)
    assert deliveries and all(d["event"] == "data-changed" for d in deliveries)
    for request in receiver.received:
        digest = hmac.new(made["secret"].encode(), request.body, hashlib.sha256).digest()
        signature = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        assert request.headers["x-kombo-signature"] == signature
        assert request.json["type"] == "data-changed"


async def test_lms365_delivery_signed_with_shared_secret(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    await subscribe(client, vendor="lms365", url=HOOK_URL, secret="lms365-shared")
    key = await lms365_unenroll(client)
    (delivery,) = await settled(client)
    (request,) = receiver.received
    digest = hmac.new(b"lms365-shared", request.body, hashlib.sha256).digest()
    assert request.headers["x-lms365-signature"] == base64.b64encode(digest).decode()
    assert delivery["event"] == "unenrollment"
    assert request.json["EnrollmentId"] == key


async def test_delivery_retried_until_2xx(client: httpx.AsyncClient, receiver: Receiver) -> None:
    receiver.fail["/hook"] = 2
    await subscribe(client, vendor="lms365", url=HOOK_URL)
    await lms365_unenroll(client)
    (delivery,) = await settled(client)
    assert delivery["state"] == "delivered"
    assert delivery["status_codes"] == [500, 500, 200]
    assert [a["number"] for a in delivery["attempts"]] == [1, 2, 3]
    assert delivery["attempts"][0]["error"] == "HTTP 500"
    assert [r.headers["x-sandbox-attempt"] for r in receiver.received] == ["1", "2", "3"]
    assert len({r.headers["x-sandbox-delivery"] for r in receiver.received}) == 1


async def test_delivery_failed_after_max_attempts(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    settings = await client.post("/_sandbox/webhooks/settings", json={"max_attempts": 3})
    assert settings.json()["max_attempts"] == 3
    receiver.fail["/hook"] = 10
    await subscribe(client, vendor="lms365", url=HOOK_URL)
    await lms365_unenroll(client)
    (delivery,) = await settled(client)
    assert delivery["state"] == "failed"
    assert delivery["status_codes"] == [500, 500, 500]
    assert delivery["completed_at"] is not None


async def test_unreachable_url_is_retried_and_logged(
    sandbox_app: Starlette, client: httpx.AsyncClient
) -> None:
    sandbox_of(sandbox_app).webhooks.transport = None  # real TCP, to a port nobody listens on
    await client.post("/_sandbox/webhooks/settings", json={"max_attempts": 2})
    url = f"http://127.0.0.1:{find_free_port()}/hook"
    await subscribe(client, vendor="lms365", url=url)
    await lms365_unenroll(client)
    (delivery,) = await settled(client)
    assert delivery["state"] == "failed"
    assert delivery["status_codes"] == [None, None]
    assert delivery["attempts"][0]["error"].startswith("ConnectError")


async def test_firing_request_does_not_wait_for_delivery(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.hold["/hook"] = release = asyncio.Event()
    await subscribe(client, vendor="lms365", url=HOOK_URL)
    await lms365_unenroll(client)  # answered while the receiver still holds the delivery
    pending = (await client.get("/_sandbox/webhooks/deliveries")).json()
    assert pending["pending"] == 1
    assert pending["deliveries"][0]["state"] == "pending"
    release.set()
    (delivery,) = await settled(client)
    assert delivery["state"] == "delivered"


async def test_subscription_gets_only_its_events(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    await subscribe(client, vendor="docebo", url=HOOK_URL, events=["course.enrollment.deleted"])
    await subscribe(client, vendor="kombo", url="http://receiver.test/kombo")
    await docebo_unenroll_and_enroll(client)
    deliveries = await settled(client)
    assert [d["event"] for d in deliveries] == ["course.enrollment.deleted"]
    assert [r.path for r in receiver.received] == ["/hook"]


async def test_replay_delivery_sends_same_body_again(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    await subscribe(client, vendor="lms365", url=HOOK_URL)
    await lms365_unenroll(client)
    (first,) = await settled(client)
    answer = await client.post(f"/_sandbox/webhooks/deliveries/{first['id']}/replay")
    assert answer.status_code == 202
    replay = answer.json()
    assert replay["replay_of"] == first["id"]
    assert (replay["event"], replay["url"]) == (first["event"], first["url"])
    deliveries = await settled(client)
    assert [d["state"] for d in deliveries] == ["delivered", "delivered"]
    assert receiver.received[0].body == receiver.received[1].body
    assert receiver.received[1].headers["x-sandbox-delivery"] == replay["id"]


async def test_replay_unknown_delivery_is_404(client: httpx.AsyncClient) -> None:
    answer = await client.post("/_sandbox/webhooks/deliveries/d99/replay")
    assert answer.status_code == 404
    assert answer.json() == {"error": "no delivery 'd99'", "status": 404}


async def test_deliveries_filter_by_vendor_and_state(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    await subscribe(client, vendor="lms365", url=HOOK_URL)
    await subscribe(client, vendor="kombo", url="http://receiver.test/kombo")
    await lms365_unenroll(client)
    await activity(client, "kombo")
    everything = await settled(client)
    only = await settled(client, vendor="lms365", state="delivered")
    assert {d["vendor"] for d in everything} == {"lms365", "kombo"}
    assert [d["vendor"] for d in only] == ["lms365"]
    later = await settled(client, after=int(everything[0]["id"][1:]))
    assert later == everything[1:]


async def test_reset_clears_subscriptions_and_log(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    await client.post("/_sandbox/webhooks/settings", json={"max_attempts": 1})
    await subscribe(client, vendor="lms365", url=HOOK_URL)
    await lms365_unenroll(client)
    assert await settled(client)
    assert (await client.post("/_sandbox/reset")).status_code == 200
    assert (await client.get("/_sandbox/webhooks")).json() == {"webhooks": []}
    assert await settled(client) == []
    settings = (await client.get("/_sandbox/webhooks/settings")).json()
    assert settings["max_attempts"] == 5 and settings["backoff_seconds"] == FAST["backoff_seconds"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"max_attempts": 0}, "max_attempts must be from 1 to 20"),
        ({"max_attempts": 2.5}, "max_attempts must be a whole number"),
        ({"backoff_seconds": "fast"}, "backoff_seconds must be a number"),
        ({"retries": 3}, "unknown setting 'retries'"),
    ],
)
async def test_webhook_settings_invalid_is_400(
    client: httpx.AsyncClient, body: dict[str, Any], needle: str
) -> None:
    answer = await client.post("/_sandbox/webhooks/settings", json=body)
    assert answer.status_code == 400
    assert needle in answer.json()["error"]


async def test_namespace_has_own_webhooks(sandbox_app: Starlette, receiver: Receiver) -> None:
    async with in_process_client(sandbox_app) as client:
        made = (await client.post("/_sandbox/namespaces", json={"vendor": "lms365"})).json()
        root = path_of(made["base_url"])
        namespace = sandbox_of(sandbox_app).namespaces
        assert namespace is not None
        nested = namespace.live[made["id"]].sandbox.webhooks
        nested.transport = httpx.ASGITransport(app=receiver)
        await subscribe(client, root, vendor="lms365", url=HOOK_URL)
        refused = await client.post(
            f"{root}/_sandbox/webhooks", json={"vendor": "kombo", "url": HOOK_URL}
        )
        creds = made["credentials"]["lms365"]
        headers = await vendor_headers(client, "lms365", creds)
        base = path_of(creds["base_url"])
        listed = await client.get(f"{base}/odata/v2/Enrollments?$top=1", headers=headers)
        key = listed.json()["value"][0]["Id"]
        await client.delete(f"{base}/odata/v2/Enrollments({key})", headers=headers)
        (delivery,) = await settled(client, root)
        assert await settled(client) == []
        nested.close()
    assert refused.status_code == 400
    assert delivery["state"] == "delivered"


async def test_delivery_to_a_host_beyond_loopback_is_refused_unsent(
    sandbox_app: Starlette, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sandbox is a test tool: an API client cannot make it send requests across the
    network. Nothing is sent (no test transport is set here: a real send would be tried)."""
    monkeypatch.delenv("LMSBRIDGE_WEBHOOKS_ALLOW_REMOTE", raising=False)
    sandbox_of(sandbox_app).webhooks.transport = None
    await subscribe(client, vendor="kombo", url="http://192.0.2.10/hook")
    await activity(client, "kombo")
    deliveries = await settled(client)
    assert deliveries and all(d["state"] == "failed" for d in deliveries)
    errors = {a["error"] for d in deliveries for a in d["attempts"]}
    assert errors == {
        "not sent: the sandbox delivers only to loopback addresses (127.0.0.0/8, ::1, "
        "localhost); set LMSBRIDGE_WEBHOOKS_ALLOW_REMOTE=1 to allow other hosts"
    }


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:9/x", True),
        ("http://127.8.9.10/x", True),
        ("http://[::1]:8080/x", True),
        ("http://localhost/x", True),
        ("http://hooks.localhost/x", True),
        ("http://10.0.0.1/x", False),
        ("https://example.com/x", False),
        ("http://192.168.1.1/x", False),
    ],
)
def test_only_loopback_hosts_receive_deliveries(
    url: str, allowed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox.webhooks import may_deliver_to

    monkeypatch.delenv("LMSBRIDGE_WEBHOOKS_ALLOW_REMOTE", raising=False)
    assert may_deliver_to(url) is allowed
    monkeypatch.setenv("LMSBRIDGE_WEBHOOKS_ALLOW_REMOTE", "1")
    assert may_deliver_to(url) is True
