"""Learner activity: learners move through their enrollments in each vendor's own state, so
incremental listing finds the changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import in_process_client
from tests.contract.admin_helpers import credentials, freeze, vendor_headers

SINCE = "2027-01-04T00:00:00Z"  # the frozen instant: every seeded record changed before it


@pytest.fixture
async def client(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        await freeze(client)
        yield client


async def run(client: httpx.AsyncClient, **body: Any) -> list[dict[str, Any]]:
    answer = await client.post("/_sandbox/activity", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["count"] == len(answer.json()["changes"])
    changes: list[dict[str, Any]] = answer.json()["changes"]
    return changes


async def headers_for(client: httpx.AsyncClient, vendor: str) -> dict[str, str]:
    return await vendor_headers(client, vendor, (await credentials(client))[vendor])


async def test_activity_moves_learners_in_every_vendor(client: httpx.AsyncClient) -> None:
    changes = await run(client, count=4, steps=2)
    assert {c["vendor"] for c in changes} == {"docebo", "kombo", "ispring", "lms365"}
    assert all(len([c for c in changes if c["vendor"] == v]) <= 8 for v in ("docebo", "kombo"))
    assert all(set(c) == {"vendor", "id", "user_id", "course_id", "status_before", "status",
                          "progress", "score"} for c in changes)  # fmt: skip


async def test_docebo_updated_from_finds_the_changed_enrollments(
    client: httpx.AsyncClient,
) -> None:
    changes = await run(client, vendor="docebo", count=6, steps=3)
    assert changes and all(c["vendor"] == "docebo" for c in changes)
    answer = await client.get(
        "/docebo/course/v1/courses/enrollments",
        params={"updated_from": "2027-01-04 00:00:00", "page_size": 200},
        headers=await headers_for(client, "docebo"),
    )
    items = answer.json()["data"]["items"]
    assert {(i["user_id"], i["course_id"]) for i in items} == {
        (c["user_id"], c["course_id"]) for c in changes
    }
    last = {(c["user_id"], c["course_id"]): c for c in changes}
    for item in items:
        change = last[(item["user_id"], item["course_id"])]
        assert item["enrollment_status"] == change["status"]
        assert item["enrollment_completion_percentage"] == change["progress"]
        assert item["enrollment_time_spent"] > 0


async def test_docebo_completion_records_its_event(client: httpx.AsyncClient) -> None:
    changes = await run(client, vendor="docebo", count=20, steps=6)
    completed = [c for c in changes if c["status"] == "completed"]
    assert completed and all(c["score"] >= 80 for c in completed)
    events = (await client.get("/_sandbox/events", params={"vendor": "docebo"})).json()["events"]
    assert [
        (e["body"]["payload"]["user_id"], e["body"]["payload"]["course_id"]) for e in events
    ] == [(c["user_id"], c["course_id"]) for c in completed]
    assert {e["event"] for e in events} == {"course.enrollment.completed"}


async def test_kombo_updated_after_finds_status_changes(client: httpx.AsyncClient) -> None:
    changes = await run(client, vendor="kombo", count=8, steps=4)
    moved = {c["id"] for c in changes if c["status"] != c["status_before"]}
    assert moved
    answer = await client.get(
        "/kombo/v1/lms/course-progressions",
        params={"updated_after": SINCE, "page_size": 250},
        headers=await headers_for(client, "kombo"),
    )
    results = answer.json()["data"]["results"]
    assert {r["id"] for r in results} == moved
    events = (await client.get("/_sandbox/events", params={"vendor": "kombo"})).json()["events"]
    assert len(events) == len([c for c in changes if c["status"] != c["status_before"]])


async def test_ispring_results_show_progress_and_status_events(client: httpx.AsyncClient) -> None:
    changes = await run(client, vendor="ispring", count=5, steps=5)
    last = {c["id"]: c for c in changes}
    answer = await client.get(
        "/ispring/learners/results",
        params=[("enrollmentIds", enrollment) for enrollment in last],
        headers=await headers_for(client, "ispring"),
    )
    results = answer.json()["results"]
    assert {r["enrollmentId"] for r in results} == set(last)
    for result in results:
        change = last[result["enrollmentId"]]
        assert (result["completionStatus"], result["progress"]) == (
            change["status"],
            change["progress"],
        )
        assert result["timeSpent"] > 0 and result["viewsCount"] >= 1
    events = (await client.get("/_sandbox/events", params={"vendor": "ispring"})).json()["events"]
    assert [e["body"]["payload"]["status"] for e in events] == [
        c["status"] for c in changes if c["status"] != c["status_before"]
    ]


async def test_lms365_modified_filter_finds_the_changed_enrollments(
    client: httpx.AsyncClient,
) -> None:
    changes = await run(client, vendor="lms365", count=7, steps=2)
    answer = await client.get(
        "/lms365/odata/v2/Enrollments",
        params={"$filter": "Modified ge 2027-01-04T00:00:00Z"},
        headers=await headers_for(client, "lms365"),
    )
    assert {e["Id"] for e in answer.json()["value"]} == {c["id"] for c in changes}
    assert all(e["StartDate"] for e in answer.json()["value"])


async def test_activity_is_reproducible_after_a_reset(client: httpx.AsyncClient) -> None:
    first = await run(client, count=3, steps=2)
    await client.post("/_sandbox/reset")
    await freeze(client)
    assert await run(client, count=3, steps=2) == first


async def test_activity_timer_runs_until_stopped(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/_sandbox/activity/timer", json={"every_seconds": 0.01, "vendor": "lms365", "count": 1}
    )
    assert answer.json()["timer"] == {
        "vendor": "lms365",
        "count": 1,
        "steps": 1,
        "every_seconds": 0.01,
    }
    try:
        for _ in range(1000):  # wait for the timer's worker: two runs, 10 s at most
            if (await client.get("/_sandbox/activity")).json()["runs"] >= 2:
                break
            await asyncio.sleep(0.01)
    finally:
        stopped = await client.delete("/_sandbox/activity/timer")
    state = stopped.json()
    assert (state["timer"], state["running"], state["last_error"]) == (None, False, None)
    assert state["changes"] >= 1


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/_sandbox/activity", {"vendor": "moodle"}, "vendor must be one of"),
        ("/_sandbox/activity", {"count": 0}, "count must be a whole number from 1"),
        ("/_sandbox/activity", {"steps": 101}, "steps must be a whole number from 1 to 100"),
        ("/_sandbox/activity", {"every_seconds": 1}, "unknown field 'every_seconds'"),
        ("/_sandbox/activity/timer", {}, "every_seconds must be a number"),
        ("/_sandbox/activity/timer", {"every_seconds": 0}, "every_seconds must be a number"),
    ],
)
async def test_bad_activity_request_is_400(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], message: str
) -> None:
    answer = await client.post(path, json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]
    assert (await client.get("/_sandbox/activity")).json()["runs"] == 0
