"""Fault injection: the ``/_sandbox/faults`` admin API and the faults it makes vendors answer."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from core.connectors.docebo import DoceboConnector
from sandbox.app import SandboxConfig, create_app
from sandbox.faults import DroppedConnection, FaultError
from tests.conftest import in_process_client

ENROLL = "/learn/v1/enrollments*"


@pytest.fixture
async def client(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(sandbox_app) as client:
        yield client


@pytest.fixture(scope="module")
def unchanged_app() -> Starlette:
    """One sandbox for the tests that change nothing (refused rules)."""
    return create_app(SandboxConfig(memory=True))


async def add_rule(client: httpx.AsyncClient, **rule: Any) -> dict[str, Any]:
    answer = await client.post("/_sandbox/faults", json=rule)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def rules(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    answer = await client.get("/_sandbox/faults")
    assert answer.status_code == 200
    found: list[dict[str, Any]] = answer.json()["faults"]
    return found


async def docebo_headers(client: httpx.AsyncClient) -> dict[str, str]:
    creds = (await client.get("/_sandbox/credentials")).json()["docebo"]
    token = await client.post(
        "/docebo/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
            "scope": "api",
        },
    )
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def free_pair(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[int, int]:
    """A (course, user) pair the scenario did not enroll: the first user, a course it lacks."""
    users = await client.get("/docebo/manage/v1/user", params={"page_size": 1}, headers=headers)
    user = int(users.json()["data"]["items"][0]["user_id"])
    mine = await client.get(
        "/docebo/course/v1/courses/enrollments",
        params={"user_id[]": user, "page_size": 200},
        headers=headers,
    )
    taken = {item["course_id"] for item in mine.json()["data"]["items"]}
    courses = await client.get(
        "/docebo/learn/v1/courses", params={"page_size": 200}, headers=headers
    )
    course = next(
        c["id_course"] for c in courses.json()["data"]["items"] if c["id_course"] not in taken
    )
    return course, user


async def test_docebo_enroll_429_twice_then_passes(client: httpx.AsyncClient) -> None:
    headers = await docebo_headers(client)
    course, user = await free_pair(client, headers)
    await add_rule(
        client, vendor="docebo", path=ENROLL, methods=["POST"], status=429, count=2, retry_after=1
    )
    path = f"/docebo/learn/v1/enrollments/{course}/{user}"
    answers = [await client.post(path, json={}, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    for refused in answers[:2]:
        assert refused.headers["Retry-After"] == "1"
        body = refused.json()
        assert set(body) == {"name", "message", "code", "status"} and body["message"]
        assert (body["name"], body["code"], body["status"]) == ("Too Many Requests", 0, 429)


async def test_list_faults_shows_fired_counts(client: httpx.AsyncClient) -> None:
    created = await add_rule(client, vendor="docebo", status=500, count=3)
    assert created["id"] and created["fired"] == 0
    for _ in range(2):
        await client.get("/docebo/manage/v1/user")
    (listed,) = await rules(client)
    assert listed == {**created, "fired": 2}
    assert listed == {
        "id": created["id"],
        "vendor": "docebo",
        "path": "*",
        "methods": None,
        "status": 500,
        "kind": None,
        "seconds": None,
        "share": 1.0,
        "count": 3,
        "retry_after": None,
        "latency_ms": None,
        "fired": 2,
    }


async def test_delete_fault_removes_only_that_rule(client: httpx.AsyncClient) -> None:
    first = await add_rule(client, vendor="docebo", status=503)
    second = await add_rule(client, vendor="kombo", status=503)
    deleted = await client.delete(f"/_sandbox/faults/{first['id']}")
    assert deleted.status_code == 200
    assert deleted.json() == {"status": "deleted", "fault": first}
    assert [rule["id"] for rule in await rules(client)] == [second["id"]]
    assert (await client.get("/docebo/manage/v1/user")).status_code == 401


async def test_delete_unknown_fault_is_404(client: httpx.AsyncClient) -> None:
    answer = await client.delete("/_sandbox/faults/f999")
    assert answer.status_code == 404
    assert answer.json() == {"error": "no fault rule 'f999'", "status": 404}


async def test_delete_faults_removes_every_rule(client: httpx.AsyncClient) -> None:
    await add_rule(client, status=503)
    await add_rule(client, status=429)
    answer = await client.delete("/_sandbox/faults")
    assert answer.json() == {"status": "deleted", "count": 2}
    assert await rules(client) == []
    assert (await client.get("/docebo/manage/v1/user")).status_code == 401


async def test_reset_clears_faults(client: httpx.AsyncClient) -> None:
    await add_rule(client, status=503)
    assert (await client.post("/_sandbox/reset")).status_code == 200
    assert await rules(client) == []
    assert (await client.get("/docebo/manage/v1/user")).status_code == 401


async def test_reset_restores_faults_of_the_configuration() -> None:
    app = create_app(SandboxConfig(memory=True, faults=[{"vendor": "lms365", "status": 503}]))
    async with in_process_client(app) as client:
        assert (await client.get("/lms365/odata/v2/Users")).status_code == 503
        await add_rule(client, status=429)
        await client.post("/_sandbox/reset")
        (rule,) = await rules(client)
    assert (rule["vendor"], rule["status"], rule["fired"]) == ("lms365", 503, 0)


def test_bad_fault_in_configuration_raises() -> None:
    with pytest.raises(FaultError, match="status must be one of 429, 500, 503"):
        create_app(SandboxConfig(memory=True, faults=[{"status": 404}]))


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"status": 404}, "status must be one of 429, 500, 503, not 404"),
        ({"vendor": "moodle", "status": 429}, "vendor must be one of"),
        ({"status": 429, "kind": "drop"}, "either status or kind"),
        ({"kind": "explode"}, "kind must be 'drop', 'timeout' or 'rate_limit'"),
        ({"status": 500, "retry_after": 5}, "retry_after is only for status 429 or 503"),
        ({"status": 429, "retry_after": 1.5}, "retry_after must be whole seconds"),
        ({"status": 429, "share": 2}, "share must be a number from 0 to 1"),
        ({"status": 429, "count": 0}, "count must be a whole number >= 1"),
        ({"status": 429, "methods": "POST"}, "methods must be a non-empty list"),
        ({"status": 429, "path": "learn/*"}, "path must be a glob starting with '/'"),
        ({"vendor": "docebo", "status": 429, "path": "/docebo/learn/*"}, "under the vendor's"),
        ({"latency_ms": [50, 10]}, "latency_ms must be from 0"),
        ({"status": 429, "retry-after": 1}, "unknown field 'retry-after'"),
        ({"vendor": "docebo"}, "a rule needs status"),
        ({"status": 429, "seconds": 3}, 'seconds is only for kind "timeout"'),
    ],
)
async def test_add_bad_fault_is_400(
    unchanged_app: Starlette, rule: dict[str, Any], message: str
) -> None:
    async with in_process_client(unchanged_app) as client:
        answer = await client.post("/_sandbox/faults", json=rule)
        assert await rules(client) == []
    assert answer.status_code == 400
    assert answer.json()["status"] == 400
    assert message in answer.json()["error"]


@pytest.mark.parametrize("body", [b"[1, 2]", b"{not json"])
async def test_add_fault_not_an_object_is_400(unchanged_app: Starlette, body: bytes) -> None:
    async with in_process_client(unchanged_app) as client:
        answer = await client.post(
            "/_sandbox/faults", content=body, headers={"Content-Type": "application/json"}
        )
    assert answer.status_code == 400
    assert answer.json()["error"]


async def test_share_zero_never_fires(client: httpx.AsyncClient) -> None:
    await add_rule(client, status=500, share=0)
    statuses = {(await client.get("/docebo/manage/v1/user")).status_code for _ in range(20)}
    assert statuses == {401}
    (rule,) = await rules(client)
    assert rule["fired"] == 0


async def test_share_is_reproducible_for_a_seed() -> None:
    fired: list[list[int]] = []
    for _ in range(2):
        app = create_app(SandboxConfig(memory=True, faults=[{"status": 503, "share": 0.5}]))
        async with in_process_client(app) as client:
            fired.append([(await client.get("/kombo/v1/lms/users")).status_code for _ in range(30)])
    assert fired[0] == fired[1]
    assert set(fired[0]) == {401, 503}


@pytest.mark.parametrize(
    ("method", "path", "faulted"),
    [
        ("POST", "/docebo/learn/v1/enrollments/1/10001", True),
        ("POST", "/docebo/learn/v1/enrollments", True),
        ("GET", "/docebo/learn/v1/enrollments/1/10001", False),
        ("POST", "/docebo/manage/v1/user", False),
        ("POST", "/kombo/v1/learn/v1/enrollments", False),
    ],
)
async def test_fault_matches_vendor_path_and_method(
    client: httpx.AsyncClient, method: str, path: str, faulted: bool
) -> None:
    await add_rule(client, vendor="docebo", path=ENROLL, methods=["post"], status=503)
    answer = await client.request(method, path)
    assert (answer.status_code == 503) is faulted


async def test_fault_without_vendor_matches_every_vendor(client: httpx.AsyncClient) -> None:
    await add_rule(client, path="/*", status=500)
    paths = ["/docebo/manage/v1/user", "/kombo/v1/lms/users", "/ispring/user", "/lms365/x"]
    assert [(await client.get(path)).status_code for path in paths] == [500] * 4


async def test_latency_delays_the_answer(client: httpx.AsyncClient) -> None:
    await add_rule(client, vendor="docebo", latency_ms=200)
    started = time.monotonic()
    answer = await client.get("/docebo/manage/v1/user")
    assert time.monotonic() - started >= 0.15
    assert answer.status_code == 401  # then Docebo answers as usual


async def test_kombo_429_uses_kombo_envelope(client: httpx.AsyncClient) -> None:
    await add_rule(client, vendor="kombo", status=429, retry_after=7)
    answer = await client.get("/kombo/v1/lms/users")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    body = answer.json()
    assert body["status"] == "error"
    assert set(body["error"]) == {"code", "title", "message", "log_url"}
    assert body["error"]["code"] == "PLATFORM.RATE_LIMIT_EXCEEDED"


async def test_lms365_503_uses_odata_error(client: httpx.AsyncClient) -> None:
    await add_rule(client, vendor="lms365", status=503)
    answer = await client.get("/lms365/odata/v2/Users")
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert set(error) == {"code", "message"} and error["message"]
    assert error["code"] == "ServiceUnavailable"


@pytest.mark.parametrize(
    ("accept", "media_type"), [("application/json", "application/json"), ("", "application/xml")]
)
async def test_ispring_429_answers_in_the_accepted_format(
    client: httpx.AsyncClient, accept: str, media_type: str
) -> None:
    await add_rule(client, vendor="ispring", status=429)
    answer = await client.get("/ispring/user", headers={"Accept": accept} if accept else {})
    assert answer.status_code == 429
    assert answer.headers["content-type"].startswith(media_type)
    assert "429" in answer.text


async def test_admin_routes_are_never_faulted(client: httpx.AsyncClient) -> None:
    await add_rule(client, status=500)
    await add_rule(client, kind="drop")
    assert (await client.get("/_sandbox/health")).status_code == 200
    assert (await client.get("/_sandbox/faults")).status_code == 200
    assert (await client.get("/_sandbox/credentials")).status_code == 200
    assert all(rule["fired"] == 0 for rule in await rules(client))


async def test_drop_in_process_raises(client: httpx.AsyncClient) -> None:
    await add_rule(client, vendor="docebo", kind="drop", count=1)
    with pytest.raises(DroppedConnection):
        await client.get("/docebo/manage/v1/user")
    assert (await client.get("/docebo/manage/v1/user")).status_code == 401


async def test_timeout_waits_then_answers_504(client: httpx.AsyncClient) -> None:
    await add_rule(client, vendor="docebo", kind="timeout", seconds=0.1)
    started = time.monotonic()
    answer = await client.get("/docebo/manage/v1/user")
    assert time.monotonic() - started >= 0.05
    assert answer.status_code == 504
    assert answer.json()["name"] == "Gateway Timeout"


async def test_docebo_connector_retries_through_429(
    docebo: DoceboConnector, client: httpx.AsyncClient
) -> None:
    users = [u.id async for u in docebo.list_users()]
    courses = [c.id async for c in docebo.list_courses()]
    enrolled = {(e.user.id, e.course.id) async for e in docebo.list_enrollments(user_ids=users[:1])}
    course = next(c for c in courses if (users[0], c) not in enrolled)
    await add_rule(
        client, vendor="docebo", path=ENROLL, methods=["POST"], status=429, count=2, retry_after=0
    )
    enrollment = await docebo.enroll(user_id=users[0], course_id=course)
    assert (enrollment.user.id, enrollment.course.id) == (users[0], course)
    (rule,) = await rules(client)
    assert rule["fired"] == 2
