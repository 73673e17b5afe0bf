"""Snapshots: save the state under a name, restore it (all or nothing), list, delete; reset."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sandbox.app import SandboxConfig, create_app, sandbox_of
from sandbox.store import Store, StoreError, Tables
from tests.conftest import in_process_client
from tests.contract.admin_helpers import credentials, vendor_headers

USER, COURSE = 10001, 1


@pytest.fixture
async def client(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        yield client


async def docebo(client: httpx.AsyncClient) -> dict[str, str]:
    return await vendor_headers(client, "docebo", (await credentials(client))["docebo"])


async def enrollment(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    """How many enrollments USER has in COURSE (0 or 1)."""
    answer = await client.get(
        "/docebo/course/v1/courses/enrollments",
        params={"user_id": USER, "course_id": COURSE},
        headers=headers,
    )
    assert answer.status_code == 200
    count: int = answer.json()["data"]["total_count"]
    return count


async def unenroll(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    if await enrollment(client, headers):
        gone = await client.delete(f"/docebo/learn/v1/enrollments/{COURSE}/{USER}", headers=headers)
        assert gone.status_code == 200


async def save(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    answer = await client.post("/_sandbox/snapshots", json={"name": name})
    assert answer.status_code == 201, answer.text
    saved: dict[str, Any] = answer.json()
    return saved


async def test_restore_snapshot_brings_back_the_saved_state(client: httpx.AsyncClient) -> None:
    headers = await docebo(client)
    await unenroll(client, headers)
    saved = await save(client, "clean")
    enrolled = await client.post(f"/docebo/learn/v1/enrollments/{COURSE}/{USER}", headers=headers)
    assert enrolled.status_code == 200 and await enrollment(client, headers) == 1

    answer = await client.post("/_sandbox/snapshots/clean/restore")

    assert answer.status_code == 200
    assert answer.json()["status"] == "restored"
    assert answer.json()["snapshot"] == saved
    assert await enrollment(client, headers) == 0  # tokens survive a restore


async def test_restore_brings_back_the_event_log(client: httpx.AsyncClient) -> None:
    headers = await docebo(client)
    await unenroll(client, headers)
    await save(client, "quiet")
    before = (await client.get("/_sandbox/events")).json()["events"]
    await client.post(f"/docebo/learn/v1/enrollments/{COURSE}/{USER}", headers=headers)
    await client.post("/_sandbox/snapshots/quiet/restore")
    assert (await client.get("/_sandbox/events")).json()["events"] == before


async def test_list_snapshots_names_each_with_its_size(client: httpx.AsyncClient) -> None:
    first = await save(client, "a")
    second = await save(client, "b-2.x_y")
    answer = await client.get("/_sandbox/snapshots")
    assert answer.json() == {"snapshots": [first, second]}
    assert first["documents"] == sum(
        sum(tables.values())
        for tables in (await client.get("/_sandbox/health")).json()["vendors"].values()
    )


async def test_save_under_a_name_in_use_replaces_it(client: httpx.AsyncClient) -> None:
    await save(client, "same")
    await save(client, "same")
    assert [s["name"] for s in (await client.get("/_sandbox/snapshots")).json()["snapshots"]] == [
        "same"
    ]


async def test_delete_snapshot_removes_it(client: httpx.AsyncClient) -> None:
    saved = await save(client, "gone")
    answer = await client.delete("/_sandbox/snapshots/gone")
    assert answer.json() == {"status": "deleted", "snapshot": saved}
    assert (await client.get("/_sandbox/snapshots")).json() == {"snapshots": []}
    again = await client.delete("/_sandbox/snapshots/gone")
    assert again.status_code == 404
    assert again.json() == {"error": "no snapshot 'gone'", "status": 404}


async def test_restore_unknown_snapshot_is_404(client: httpx.AsyncClient) -> None:
    answer = await client.post("/_sandbox/snapshots/nothing/restore")
    assert answer.status_code == 404
    assert answer.json() == {"error": "no snapshot 'nothing'", "status": 404}


@pytest.mark.parametrize("name", [None, "", "-dash", "a/b", "x" * 65, 7])
async def test_save_snapshot_with_bad_name_is_400(client: httpx.AsyncClient, name: Any) -> None:
    answer = await client.post("/_sandbox/snapshots", json={"name": name})
    assert answer.status_code == 400
    assert "name must be 1-64 letters" in answer.json()["error"]


async def test_save_snapshot_body_not_json_is_400(client: httpx.AsyncClient) -> None:
    answer = await client.post("/_sandbox/snapshots", content=b"{nope")
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("the body is not valid JSON")


async def test_failed_restore_leaves_the_state_as_it_was(
    sandbox_app: Starlette, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await docebo(client)
    await unenroll(client, headers)
    await save(client, "clean")
    await client.post(f"/docebo/learn/v1/enrollments/{COURSE}/{USER}", headers=headers)
    store = sandbox_of(sandbox_app).store

    async def half_written(tables: Tables) -> None:  # swapped in memory, then the disk fails
        Store.replace_all(store, tables)
        raise StoreError("no space left on device")

    monkeypatch.setattr(store, "replace_all_async", half_written)
    answer = await client.post("/_sandbox/snapshots/clean/restore")

    assert answer.status_code == 503
    assert "nothing changed" in answer.json()["error"]
    assert await enrollment(client, headers) == 1


async def test_reset_returns_to_the_seed_and_keeps_snapshots(client: httpx.AsyncClient) -> None:
    headers = await docebo(client)
    seeded = await enrollment(client, headers)
    await unenroll(client, headers)
    await client.post(f"/docebo/learn/v1/enrollments/{COURSE}/{USER}", headers=headers)
    saved = await save(client, "kept")
    await client.post("/_sandbox/reset")
    assert await enrollment(client, headers) == seeded
    assert (await client.get("/_sandbox/snapshots")).json() == {"snapshots": [saved]}


async def test_restore_is_durable_with_a_data_directory(tmp_path: Path) -> None:
    config = SandboxConfig(data_dir=tmp_path / "state")
    app = create_app(config)
    async with in_process_client(app) as client:
        headers = await docebo(client)
        await unenroll(client, headers)
        await save(client, "clean")
        await client.post(f"/docebo/learn/v1/enrollments/{COURSE}/{USER}", headers=headers)
        await client.post("/_sandbox/snapshots/clean/restore")
    sandbox_of(app).close()
    reopened = create_app(config)
    try:
        async with in_process_client(reopened) as client:
            assert await enrollment(client, await docebo(client)) == 0
            assert (await client.get("/_sandbox/snapshots")).json() == {"snapshots": []}
    finally:
        sandbox_of(reopened).close()
