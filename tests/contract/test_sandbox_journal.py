"""The request journal: every vendor request and answer, filterable, bounded, without secrets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import in_process_client
from tests.contract.admin_helpers import credentials, vendor_headers

VENDORS = ("docebo", "kombo", "ispring", "lms365")


@pytest.fixture
async def client(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        yield client


async def journal(client: httpx.AsyncClient, **filters: Any) -> list[dict[str, Any]]:
    answer = await client.get("/_sandbox/journal", params=filters)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["requests"]
    return found


async def settings(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    answer = await client.post("/_sandbox/journal/settings", json=body)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_journal_records_method_path_query_status_and_timing(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/docebo/manage/v1/user", params={"page_size": 2})
    (entry,) = await journal(client)
    assert entry == {
        "id": 1,
        "at": entry["at"],
        "vendor": "docebo",
        "method": "GET",
        "path": "/docebo/manage/v1/user",
        "query": "page_size=2",
        "status": 401,
        "duration_ms": entry["duration_ms"],
        "fault": None,
        "error": None,
    }
    assert entry["duration_ms"] > 0 and "request" not in entry


async def test_admin_requests_are_not_journaled(client: httpx.AsyncClient) -> None:
    await client.get("/_sandbox/health")
    await client.get("/_sandbox/credentials")
    assert await journal(client) == []


async def test_journal_filters(client: httpx.AsyncClient) -> None:
    creds = await credentials(client)
    kombo = await vendor_headers(client, "kombo", creds["kombo"])
    await client.get("/kombo/v1/lms/users", params={"page_size": 1}, headers=kombo)
    await client.get("/kombo/v1/lms/courses", params={"page_size": 1}, headers=kombo)
    await client.post("/kombo/v1/lms/course-progressions", json={}, headers=kombo)
    await client.get("/lms365/odata/v2/Users")

    assert [e["path"] for e in await journal(client, vendor="kombo", method="get")] == [
        "/kombo/v1/lms/users",
        "/kombo/v1/lms/courses",
    ]
    assert [e["status"] for e in await journal(client, status="4xx")] == [400, 401]
    assert [e["vendor"] for e in await journal(client, status="200,401")] == [
        "kombo",
        "kombo",
        "lms365",
    ]
    assert [e["path"] for e in await journal(client, path="/kombo/v1/lms/c*")] == [
        "/kombo/v1/lms/courses",
        "/kombo/v1/lms/course-progressions",
    ]
    assert [e["id"] for e in await journal(client, after=2, limit=1)] == [3]


async def test_journal_names_the_fault_rule_that_answered(client: httpx.AsyncClient) -> None:
    await client.post("/_sandbox/faults", json={"vendor": "lms365", "status": 503, "count": 1})
    await client.post("/_sandbox/faults", json={"vendor": "lms365", "latency_ms": 1, "count": 1})
    for _ in range(3):
        await client.get("/lms365/odata/v2/Users")
    assert [(e["status"], e["fault"]) for e in await journal(client)] == [
        (503, "f1"),
        (401, "f2"),
        (401, None),
    ]


async def test_journal_keeps_bodies_when_asked(client: httpx.AsyncClient) -> None:
    assert await settings(client, bodies=True) == {"enabled": True, "bodies": True, "size": 1000}
    creds = await credentials(client)
    kombo = await vendor_headers(client, "kombo", creds["kombo"])
    await client.post(
        "/kombo/v1/lms/course-progressions", json={"user_id": "nobody"}, headers=kombo
    )
    (entry,) = await journal(client)
    assert entry["request"]["body"] == {"user_id": "nobody"}
    assert entry["request"]["headers"]["x-integration-id"] == creds["kombo"]["integration_id"]
    assert "authorization" not in entry["request"]["headers"]
    assert entry["response"]["body"]["status"] == "error"
    assert entry["response"]["headers"]["content-type"] == "application/json"


async def test_journal_never_stores_secrets(client: httpx.AsyncClient) -> None:
    await settings(client, bodies=True)
    creds = await credentials(client)
    issued = [await vendor_headers(client, vendor, creds[vendor]) for vendor in VENDORS]
    for vendor, headers in zip(VENDORS, issued, strict=True):
        base = "/" + creds[vendor]["base_url"].split("/", 3)[3]
        await client.get(
            f"{base}/anything", params={"access_token": "tok-in-query"}, headers=headers
        )
    await client.post(
        "/docebo/oauth2/token",
        data={"grant_type": "password", "client_id": creds["docebo"]["client_id"],
              "client_secret": creds["docebo"]["client_secret"], "username": "admin",
              "password": creds["docebo"]["password"]},
    )  # fmt: skip
    await client.post(
        "/ispring/api/v3/token",
        content=f"<request><client_secret>{creds['ispring']['client_secret']}</client_secret>"
        "</request>",
        headers={"Content-Type": "application/xml"},
    )
    await client.post(
        "/docebo/oauth2/token",
        files={"client_secret": (None, creds["docebo"]["client_secret"])},
    )

    text = (await client.get("/_sandbox/journal")).text

    assert len(await journal(client)) == 9  # with the two token requests (and answers)
    secrets = [
        value
        for vendor in VENDORS
        for key, value in creds[vendor].items()
        if "secret" in key or "key" in key or key == "password"
    ]
    tokens = [h["Authorization"].split(" ", 1)[1] for h in issued]
    assert len(secrets) == 7 and len(tokens) == 4
    for secret in [*secrets, *tokens, "tok-in-query"]:
        assert secret not in text
    assert "[redacted]" in text


async def test_journal_is_a_bounded_ring(client: httpx.AsyncClient) -> None:
    await settings(client, size=3)
    for _ in range(5):
        await client.get("/lms365/odata/v2/Users")
    assert [e["id"] for e in await journal(client)] == [3, 4, 5]


async def test_journal_off_records_nothing(client: httpx.AsyncClient) -> None:
    await settings(client, enabled=False)
    await client.get("/lms365/odata/v2/Users")
    assert await journal(client) == []


async def test_delete_and_reset_empty_the_journal(client: httpx.AsyncClient) -> None:
    await client.get("/lms365/odata/v2/Users")
    assert (await client.delete("/_sandbox/journal")).json() == {"status": "cleared", "count": 1}
    await settings(client, bodies=True, size=10)
    await client.get("/lms365/odata/v2/Users")
    await client.post("/_sandbox/reset")
    assert await journal(client) == []
    default = {"enabled": True, "bodies": False, "size": 1000}
    assert (await client.get("/_sandbox/journal/settings")).json() == default


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"bodies": "yes"}, "bodies must be true or false"),
        ({"size": 0}, "size must be a whole number from 1 to 100000"),
        ({"ring": 5}, "unknown setting 'ring'"),
    ],
)
async def test_bad_journal_setting_is_400(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    answer = await client.post("/_sandbox/journal/settings", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]


@pytest.mark.parametrize(
    ("params", "message"),
    [({"status": "teapot"}, "status must be codes"), ({"limit": "0"}, "limit between 1")],
)
async def test_bad_journal_filter_is_400(
    client: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    answer = await client.get("/_sandbox/journal", params=params)
    assert answer.status_code == 400
    assert message in answer.json()["error"]
