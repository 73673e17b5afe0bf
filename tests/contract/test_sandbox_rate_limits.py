"""Vendor rate limits: token buckets, scaled, answering 429 + Retry-After in the vendor's format."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sandbox.app import SandboxConfig, create_app
from tests.conftest import in_process_client
from tests.contract.admin_helpers import credentials, vendor_headers


@pytest.fixture
async def client(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        yield client


async def limit(client: httpx.AsyncClient, **rule: Any) -> dict[str, Any]:
    answer = await client.post("/_sandbox/faults", json={"kind": "rate_limit", **rule})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def test_docebo_rate_limit_defaults_to_its_documented_rate(
    client: httpx.AsyncClient,
) -> None:
    rule = await limit(client, vendor="docebo")
    assert rule == {
        "id": "f1",
        "vendor": "docebo",
        "path": "*",
        "methods": None,
        "kind": "rate_limit",
        "per_hour": None,
        "burst": None,
        "scale": 1.0,
        "fired": 0,
    }
    statuses = {(await client.get("/docebo/manage/v1/user")).status_code for _ in range(20)}
    assert statuses == {401}  # well within 1,000 an hour


async def test_empty_bucket_answers_docebo_429_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    await limit(client, vendor="docebo", per_hour=36, burst=2)
    first = [(await client.get("/docebo/manage/v1/user")).status_code for _ in range(2)]
    refused = await client.get("/docebo/manage/v1/user")
    assert first == [401, 401]
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "100"  # one token every 100 s
    assert refused.headers["x-sandbox-fault"] == "f1"
    assert refused.json() == {
        "name": "Too Many Requests",
        "message": refused.json()["message"],
        "code": 0,
        "status": 429,
    }
    assert (await client.get("/_sandbox/faults")).json()["faults"][0]["fired"] == 1


async def test_scale_speeds_the_bucket_up(client: httpx.AsyncClient) -> None:
    await limit(client, vendor="docebo", per_hour=36, burst=1, scale=50)
    await client.get("/docebo/manage/v1/user")
    refused = await client.get("/docebo/manage/v1/user")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "2"


async def test_kombo_rate_limit_answers_its_error_code(client: httpx.AsyncClient) -> None:
    await limit(client, vendor="kombo", per_hour=1, burst=1, methods=["GET"])
    headers = await vendor_headers(client, "kombo", (await credentials(client))["kombo"])
    ok = await client.get("/kombo/v1/lms/users", params={"page_size": 1}, headers=headers)
    refused = await client.get("/kombo/v1/lms/users", params={"page_size": 1}, headers=headers)
    assert ok.status_code == 200
    assert refused.status_code == 429 and refused.headers["retry-after"] == "3600"
    assert refused.json()["error"]["code"] == "PLATFORM.RATE_LIMIT_EXCEEDED"


async def test_ispring_rate_limit_answers_in_the_format_asked(client: httpx.AsyncClient) -> None:
    await limit(client, vendor="ispring", per_hour=1, burst=1)
    await client.get("/ispring/user")
    refused = await client.get("/ispring/user", headers={"Accept": "application/xml"})
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/xml")
    assert "<code>429</code>" in refused.text


async def test_rate_limit_with_any_vendor_keeps_a_bucket_per_vendor(
    client: httpx.AsyncClient,
) -> None:
    await limit(client, per_hour=1, burst=1)
    assert (await client.get("/lms365/odata/v2/Users")).status_code == 401
    assert (await client.get("/kombo/v1/lms/users")).status_code == 401
    assert (await client.get("/lms365/odata/v2/Users")).status_code == 429
    assert (await client.get("/kombo/v1/lms/users")).status_code == 429


async def test_a_request_the_limit_lets_through_meets_the_next_rules(
    client: httpx.AsyncClient,
) -> None:
    await limit(client, vendor="lms365", per_hour=100)
    await client.post("/_sandbox/faults", json={"vendor": "lms365", "status": 503})
    assert (await client.get("/lms365/odata/v2/Users")).status_code == 503


async def test_reset_refills_the_buckets_of_configured_limits() -> None:
    rule = {"vendor": "lms365", "kind": "rate_limit", "per_hour": 1, "burst": 1}
    async with in_process_client(create_app(SandboxConfig(memory=True, faults=[rule]))) as client:
        statuses = [(await client.get("/lms365/odata/v2/Users")).status_code for _ in range(2)]
        await client.post("/_sandbox/reset")
        after = (await client.get("/lms365/odata/v2/Users")).status_code
    assert (statuses, after) == ([401, 429], 401)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"vendor": "kombo"}, "per_hour is required for kombo"),
        ({}, "per_hour is required for kombo, ispring, lms365"),
        ({"vendor": "docebo", "per_hour": 0}, "per_hour must be a number above 0"),
        ({"vendor": "docebo", "burst": 0.5}, "burst must be a number from 1"),
        ({"vendor": "docebo", "scale": -1}, "scale must be a number above 0"),
        ({"vendor": "docebo", "count": 3}, 'count is not for kind "rate_limit"'),
        ({"vendor": "docebo", "retry_after": 3}, 'retry_after is not for kind "rate_limit"'),
    ],
)
async def test_bad_rate_limit_is_400(
    client: httpx.AsyncClient, rule: dict[str, Any], message: str
) -> None:
    answer = await client.post("/_sandbox/faults", json={"kind": "rate_limit", **rule})
    assert answer.status_code == 400
    assert message in answer.json()["error"]


async def test_rate_fields_need_kind_rate_limit(client: httpx.AsyncClient) -> None:
    answer = await client.post("/_sandbox/faults", json={"status": 503, "scale": 2})
    assert answer.status_code == 400
    assert answer.json()["error"] == 'scale is only for kind "rate_limit"'
