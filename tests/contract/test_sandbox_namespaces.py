"""Namespaces: isolated copies of the vendors' state under /_ns/<id>, with their own tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sandbox.app import SandboxConfig, create_app
from tests.conftest import in_process_client
from tests.contract.admin_helpers import FROZEN_AT, credentials, freeze, path_of, vendor_headers

USER, COURSE = 10001, 1


@pytest.fixture
async def client(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        yield client


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    answer = await client.post("/_sandbox/namespaces", json=body)
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


async def enrolled(client: httpx.AsyncClient, base: str, headers: dict[str, str]) -> int:
    answer = await client.get(
        f"{base}/course/v1/courses/enrollments",
        params={"user_id": USER, "course_id": COURSE},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    count: int = answer.json()["data"]["total_count"]
    return count


async def test_create_namespace_gives_base_url_and_own_credentials(
    client: httpx.AsyncClient,
) -> None:
    made = await create(client)
    root = await credentials(client)
    assert made["id"] == "ns1"
    assert made["base_url"] == "http://sandbox.test/_ns/ns1"
    assert (made["scenario"], made["seed"]) == ("default", 20261101)
    assert made["vendors"] == ["docebo", "kombo", "ispring", "lms365"]
    assert made["credentials"]["docebo"]["base_url"] == "http://sandbox.test/_ns/ns1/docebo"
    for vendor in made["vendors"]:
        own, theirs = made["credentials"][vendor], root[vendor]
        secrets = [key for key in own if "secret" in key or "key" in key or key == "password"]
        assert secrets and all(own[key] != theirs[key] for key in secrets)
    assert (await credentials(client, "/_ns/ns1")) == made["credentials"]


async def test_namespace_writes_are_not_seen_elsewhere(client: httpx.AsyncClient) -> None:
    first, second = await create(client), await create(client)
    bases = [path_of(ns["credentials"]["docebo"]["base_url"]) for ns in (first, second)]
    heads = [
        await vendor_headers(client, "docebo", ns["credentials"]["docebo"])
        for ns in (first, second)
    ]
    root_heads = await vendor_headers(client, "docebo", (await credentials(client))["docebo"])
    seeded = await enrolled(client, "/docebo", root_heads)
    for base, headers in zip(bases, heads, strict=True):
        if seeded:
            await client.delete(f"{base}/learn/v1/enrollments/{COURSE}/{USER}", headers=headers)

    answer = await client.post(f"{bases[0]}/learn/v1/enrollments/{COURSE}/{USER}", headers=heads[0])

    assert answer.status_code == 200
    assert await enrolled(client, bases[0], heads[0]) == 1
    assert await enrolled(client, bases[1], heads[1]) == 0
    assert await enrolled(client, "/docebo", root_heads) == seeded


async def test_root_credentials_are_refused_in_a_namespace(client: httpx.AsyncClient) -> None:
    await create(client)
    root = await credentials(client)
    token = await client.post(
        "/_ns/ns1/docebo/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": root["docebo"]["client_id"],
            "client_secret": root["docebo"]["client_secret"],
        },
    )
    assert token.status_code == 401
    root_token = await vendor_headers(client, "docebo", root["docebo"])
    listed = await client.get("/_ns/ns1/docebo/manage/v1/user", headers=root_token)
    assert listed.status_code == 401
    kombo = await client.get(
        "/_ns/ns1/kombo/v1/lms/users",
        headers=await vendor_headers(client, "kombo", root["kombo"]),
    )
    assert kombo.status_code == 401


async def test_namespace_links_name_its_own_base_url(client: httpx.AsyncClient) -> None:
    made = await create(client)
    creds = made["credentials"]["docebo"]
    headers = await vendor_headers(client, "docebo", creds)
    answer = await client.get(
        "/_ns/ns1/docebo/course/v1/courses/enrollments", params={"page_size": 2}, headers=headers
    )
    assert answer.json()["_links"]["next"]["href"].startswith(creds["base_url"] + "/course/v1/")


async def test_namespace_of_one_vendor_serves_only_it(client: httpx.AsyncClient) -> None:
    made = await create(client, vendor="lms365")
    assert made["vendors"] == ["lms365"] and list(made["credentials"]) == ["lms365"]
    creds = made["credentials"]["lms365"]
    users = await client.get(
        path_of(creds["base_url"]) + "/odata/v2/Users",
        params={"$top": 1},
        headers=await vendor_headers(client, "lms365", creds),
    )
    assert users.status_code == 200
    assert (await client.get("/_ns/ns1/docebo/manage/v1/user")).status_code == 404


async def test_namespace_has_its_own_clock_journal_and_faults(client: httpx.AsyncClient) -> None:
    made = await create(client, vendor="kombo")
    await freeze(client, root="/_ns/ns1")
    assert (await client.get("/_ns/ns1/_sandbox/clock")).json()["now"] == FROZEN_AT.replace(
        "+00:00", ".000+00:00"
    )
    assert (await client.get("/_sandbox/clock")).json()["frozen"] is False
    fault = await client.post("/_ns/ns1/_sandbox/faults", json={"status": 503})
    assert fault.status_code == 201
    kombo = made["credentials"]["kombo"]
    answer = await client.get(
        "/_ns/ns1/kombo/v1/lms/users", headers=await vendor_headers(client, "kombo", kombo)
    )
    assert answer.status_code == 503
    assert (await client.get("/_sandbox/faults")).json() == {"faults": []}
    journal = (await client.get("/_ns/ns1/_sandbox/journal")).json()["requests"]
    assert [(e["path"], e["status"], e["fault"]) for e in journal] == [
        ("/kombo/v1/lms/users", 503, "f1")
    ]
    assert (await client.get("/_sandbox/journal")).json()["requests"] == []


async def test_namespace_of_another_seed_holds_other_people(client: httpx.AsyncClient) -> None:
    made = await create(client, vendor="kombo", seed=7)
    assert made["seed"] == 7
    root = await credentials(client)

    async def first_email(base: str, creds: dict[str, Any]) -> str:
        answer = await client.get(
            f"{base}/lms/users",
            params={"page_size": 1},
            headers=await vendor_headers(client, "kombo", creds),
        )
        email: str = answer.json()["data"]["results"][0]["work_email"]
        return email

    theirs = made["credentials"]["kombo"]
    assert await first_email("/_ns/ns1/kombo/v1", theirs) != await first_email(
        "/kombo/v1", root["kombo"]
    )


async def test_list_get_and_delete_namespaces(client: httpx.AsyncClient) -> None:
    made = await create(client, vendor="docebo")
    listed = await client.get("/_sandbox/namespaces")
    assert listed.json() == {"namespaces": [made]}
    assert (await client.get("/_sandbox/namespaces/ns1")).json() == made

    deleted = await client.delete("/_sandbox/namespaces/ns1")

    assert deleted.json() == {"status": "deleted", "id": "ns1"}
    gone = await client.get("/_ns/ns1/docebo/manage/v1/user")
    assert gone.status_code == 404
    assert gone.json() == {"error": "no namespace 'ns1'", "status": 404}
    again = await client.delete("/_sandbox/namespaces/ns1")
    assert again.json() == {"error": "no namespace 'ns1'", "status": 404}
    assert (await create(client, vendor="docebo"))["id"] == "ns2"  # ids are never reused


async def test_reset_keeps_namespaces(client: httpx.AsyncClient) -> None:
    made = await create(client, vendor="docebo")
    await client.post("/_sandbox/reset")
    assert (await client.get("/_sandbox/namespaces")).json() == {"namespaces": [made]}


async def test_namespaces_are_not_made_inside_a_namespace(client: httpx.AsyncClient) -> None:
    await create(client, vendor="docebo")
    answer = await client.post("/_ns/ns1/_sandbox/namespaces", json={})
    assert answer.status_code == 404
    assert answer.json()["status"] == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"vendor": "moodle"}, "vendor must be one of"),
        ({"scenario": "../etc/passwd"}, "scenario must be the name of a scenario"),
        ({"scenario": "nothing-here"}, "nothing-here"),
        ({"seed": "7"}, "seed must be a whole number"),
        ({"tenant": "x"}, "unknown field 'tenant'"),
    ],
)
async def test_create_bad_namespace_is_400(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    answer = await client.post("/_sandbox/namespaces", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]
    assert (await client.get("/_sandbox/namespaces")).json() == {"namespaces": []}


async def test_namespace_admin_api_needs_the_admin_token() -> None:
    app = create_app(SandboxConfig(memory=True, admin_token="tok"))
    auth = {"Authorization": "Bearer tok"}
    async with in_process_client(app) as client:
        refused = await client.post("/_sandbox/namespaces", json={"vendor": "docebo"})
        made = await client.post("/_sandbox/namespaces", json={"vendor": "docebo"}, headers=auth)
        inner = await client.get("/_ns/ns1/_sandbox/clock")
        allowed = await client.get("/_ns/ns1/_sandbox/clock", headers=auth)
        vendor = await client.get("/_ns/ns1/docebo/manage/v1/user")
    assert (refused.status_code, made.status_code) == (401, 201)
    assert (inner.status_code, allowed.status_code) == (401, 200)
    assert vendor.status_code == 401 and vendor.json()["name"] == "Unauthorized"  # Docebo's own
