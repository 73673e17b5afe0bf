"""The admin API: health, credentials, events, reset, and its token."""

from __future__ import annotations

import httpx
import pytest

from sandbox.app import SandboxConfig, create_app
from tests.conftest import in_process_client


@pytest.fixture
async def guarded() -> httpx.AsyncClient:
    return in_process_client(create_app(SandboxConfig(memory=True, admin_token="s3cret-token")))


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/_sandbox/credentials"), ("GET", "/_sandbox/events"), ("POST", "/_sandbox/reset")],
)
async def test_admin_route_without_token_is_401(
    guarded: httpx.AsyncClient, method: str, path: str
) -> None:
    async with guarded as client:
        missing = await client.request(method, path)
        wrong = await client.request(method, path, headers={"Authorization": "Bearer nope"})
        right = await client.request(method, path, headers={"Authorization": "Bearer s3cret-token"})
    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert "s3cret-token" not in missing.text + wrong.text


async def test_health_needs_no_token(guarded: httpx.AsyncClient) -> None:
    async with guarded as client:
        answer = await client.get("/_sandbox/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


async def test_vendor_routes_are_not_behind_admin_token(guarded: httpx.AsyncClient) -> None:
    async with guarded as client:
        answer = await client.get("/docebo/manage/v1/user")
    assert answer.status_code == 401
    assert answer.json()["message"]  # Docebo's own 401, not the admin guard's


def test_admin_token_is_not_in_config_repr() -> None:
    assert "s3cret" not in repr(SandboxConfig(admin_token="s3cret"))


async def test_unknown_admin_route_is_json_404() -> None:
    async with in_process_client(create_app(SandboxConfig(memory=True))) as client:
        answer = await client.get("/_sandbox/nothing")
    assert answer.status_code == 404
    assert answer.json() == {"error": "Not Found", "status": 404}
