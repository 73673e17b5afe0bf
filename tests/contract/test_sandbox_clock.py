"""The clock: one "now" for every vendor, frozen, set or moved forward through the admin API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import in_process_client
from tests.contract.admin_helpers import credentials, freeze, vendor_headers


@pytest.fixture
async def client(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        yield client


async def clock(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    answer = await client.post("/_sandbox/clock", json=body)
    assert answer.status_code == 200, answer.text
    state: dict[str, Any] = answer.json()
    return state


async def test_clock_runs_with_real_time_by_default(client: httpx.AsyncClient) -> None:
    state = (await client.get("/_sandbox/clock")).json()
    assert state["frozen"] is False
    assert abs(state["offset_seconds"]) < 1
    assert datetime.fromisoformat(state["now"]).tzinfo is not None


async def test_frozen_clock_stands_still(client: httpx.AsyncClient) -> None:
    frozen = await clock(client, freeze=True)
    again = (await client.get("/_sandbox/clock")).json()
    assert frozen["frozen"] is True and again["now"] == frozen["now"]


@pytest.mark.parametrize(
    ("advance", "expected"),
    [(90, "2027-01-31T09:01:30.000+00:00"), ("3d", "2027-02-03T09:00:00.000+00:00"),
     ("1.5h", "2027-01-31T10:30:00.000+00:00"), ("2w", "2027-02-14T09:00:00.000+00:00")],
)  # fmt: skip
async def test_set_then_advance_moves_now(
    client: httpx.AsyncClient, advance: Any, expected: str
) -> None:
    state = await clock(client, set="2027-01-31T09:00:00Z", advance=advance, freeze=True)
    assert state["now"] == expected


async def test_set_without_zone_is_utc_and_a_date_is_midnight(client: httpx.AsyncClient) -> None:
    assert (await clock(client, set="2027-03-01 08:00", freeze=True))["now"].startswith(
        "2027-03-01T08:00:00.000+00:00"
    )
    assert (await clock(client, set="2027-03-02"))["now"] == "2027-03-02T00:00:00.000+00:00"


async def test_unfrozen_clock_runs_on_from_where_it_stood(client: httpx.AsyncClient) -> None:
    await clock(client, set="2030-05-01T00:00:00Z", freeze=True)
    running = await clock(client, freeze=False)
    assert running["frozen"] is False
    assert running["now"].startswith("2030-05-01T00:00:0")


async def test_reset_field_and_sandbox_reset_return_to_real_time(
    client: httpx.AsyncClient,
) -> None:
    await clock(client, advance="30d", freeze=True)
    assert abs((await clock(client, reset=True))["offset_seconds"]) < 1
    await clock(client, advance="30d", freeze=True)
    await client.post("/_sandbox/reset")
    state = (await client.get("/_sandbox/clock")).json()
    assert state["frozen"] is False and abs(state["offset_seconds"]) < 1


async def test_moving_the_clock_expires_docebo_tokens(client: httpx.AsyncClient) -> None:
    headers = await vendor_headers(client, "docebo", (await credentials(client))["docebo"])
    assert (await client.get("/docebo/manage/v1/user", headers=headers)).status_code == 200
    await clock(client, advance=3601)
    answer = await client.get("/docebo/manage/v1/user", headers=headers)
    assert answer.status_code == 401
    assert "expired" in answer.json()["message"]


async def test_moving_the_clock_makes_ispring_enrollments_overdue(
    client: httpx.AsyncClient,
) -> None:
    await freeze(client, "2026-11-01T00:00:00Z")
    headers = await vendor_headers(client, "ispring", (await credentials(client))["ispring"])
    answer = await client.get(
        "/ispring/learners/results",
        params={"completionStatuses": "in_progress", "pageSize": 1000},
        headers=headers,
    )
    upcoming = [r for r in answer.json()["results"] if r.get("dueDate") and not r["isOverdue"]]
    assert upcoming
    result = upcoming[0]
    due = datetime.fromisoformat(result["dueDate"])
    await clock(client, set=(due + timedelta(days=1)).isoformat())
    headers = await vendor_headers(client, "ispring", (await credentials(client))["ispring"])

    again = await client.get(
        "/ispring/learners/results",
        params={"enrollmentIds": result["enrollmentId"]},
        headers=headers,
    )

    assert again.json()["results"][0]["isOverdue"] is True  # (the old token expired meanwhile)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"jump": 3}, "unknown field 'jump'"),
        ({"set": "tomorrow"}, "set must be an ISO 8601 date-time"),
        ({"set": 5}, "set must be an ISO 8601 date-time string"),
        ({"set": "3001-01-01T00:00:00Z"}, "set must be between 1970 and 3000"),
        ({"advance": "3 fortnights"}, "advance must be seconds or a duration"),
        ({"advance": True}, "advance must be seconds or a duration"),
        ({"advance": 1e12}, "at most a hundred years"),
        ({"set": "2999-12-15", "advance": "30d"}, "the clock must stay between 1970 and 3000"),
        ({"set": "0001-01-01T00:00:00-05:00"}, "set must be between 1970 and 3000"),
        ({"freeze": "yes"}, "freeze must be true or false"),
    ],
)
async def test_bad_clock_change_is_400_and_changes_nothing(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    answer = await client.post("/_sandbox/clock", json={**body, "freeze": body.get("freeze", True)})
    assert answer.status_code == 400
    assert message in answer.json()["error"]
    assert (await client.get("/_sandbox/clock")).json()["frozen"] is False
