"""Plain-httpx helpers for the admin API tests: each vendor's auth headers, from credentials."""

from __future__ import annotations

import base64
from typing import Any

import httpx

FROZEN_AT = "2027-01-04T00:00:00+00:00"


def path_of(base_url: str) -> str:
    """The path of a base URL (the in-process client is given paths)."""
    return "/" + base_url.split("://", 1)[1].partition("/")[2]


async def credentials(client: httpx.AsyncClient, root: str = "") -> dict[str, Any]:
    answer = await client.get(f"{root}/_sandbox/credentials")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def vendor_headers(
    client: httpx.AsyncClient, vendor: str, creds: dict[str, Any]
) -> dict[str, str]:
    """The headers that authenticate as ``vendor``'s tenant with ``creds``."""
    base = path_of(creds["base_url"])
    if vendor == "docebo":
        answer = await client.post(
            f"{base}/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
            },
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}
    if vendor == "ispring":
        answer = await client.post(
            f"{base}/api/v3/token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
            },
            headers={"Accept": "application/json"},
        )
        assert answer.status_code == 200, answer.text
        return {
            "Authorization": f"Bearer {answer.json()['access_token']}",
            "Accept": "application/json",
        }
    if vendor == "kombo":
        return {
            "Authorization": f"Bearer {creds['api_key']}",
            "X-Integration-Id": creds["integration_id"],
        }
    basic = base64.b64encode(f"api:{creds['api_key']}".encode()).decode()
    return {"Authorization": f"Basic {basic}"}


async def freeze(client: httpx.AsyncClient, at: str = FROZEN_AT, root: str = "") -> None:
    answer = await client.post(f"{root}/_sandbox/clock", json={"set": at, "freeze": True})
    assert answer.status_code == 200, answer.text
