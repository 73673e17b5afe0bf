"""Every Kombo answer validates against Kombo's published OpenAPI document, errors included.

The document is read from ``../shared/vendor-specs/kombo-lms-openapi.json`` beside the checkout
(never copied into the repository); each response body is validated with JSON Schema Draft
2020-12 (OpenAPI 3.1) against the schema of its operation and status, the ``default`` response
(Kombo's general error) for an error status, resolving ``#/components/...`` through a
``referencing`` registry built from the document.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from sandbox.app import sandbox_credentials, sandbox_of
from sandbox.vendors.kombo import KomboBackend
from tests.conftest import IN_PROCESS_URL, in_process_client

SPEC_PATH = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "vendor-specs"
    / "kombo-lms-openapi.json"
)
SPEC_URI = "urn:kombo-lms-openapi"
BASE = "/kombo/v1"
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)

FORMATS = FormatChecker()


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(re.match(r"^[a-z][a-z0-9+.-]*:", value))


FORMATS.checks("date-time")(_is_date_time)
FORMATS.checks("uri")(_is_uri)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        pytest.skip(
            "Kombo's published OpenAPI document is not beside the checkout "
            f"(expected at {SPEC_PATH})"
        )
    document: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return document


@pytest.fixture(scope="module")
def registry(spec: dict[str, Any]) -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(spec, default_specification=DRAFT202012)
    empty: Registry[Any] = Registry()
    return empty.with_resources([(SPEC_URI, resource)])


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def response_pointer(spec: dict[str, Any], method: str, path: str, status: int) -> str:
    """The JSON pointer of the schema the document gives for ``status`` of an operation."""
    responses = spec["paths"][path][method.lower()]["responses"]
    key = str(status)
    if key not in responses:
        assert status >= 400, f"{method} {path} answered {status}, which the document lacks"
        key = "default"
    response = responses[key]
    if "$ref" in response:
        base = response["$ref"]
    else:
        base = "#/" + "/".join(
            _escape(p) for p in ("paths", path, method.lower(), "responses", key)
        )
    return f"{base}/content/application~1json/schema"


def assert_matches(
    spec: dict[str, Any],
    registry: Registry[Any],
    method: str,
    path: str,
    response: httpx.Response,
) -> None:
    pointer = response_pointer(spec, method, path, response.status_code)
    validator = Draft202012Validator(
        {"$ref": SPEC_URI + pointer}, registry=registry, format_checker=FORMATS
    )
    body = response.json()
    problems = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)
    ]
    assert not problems, f"{method} {path} {response.status_code}: {problems[:5]}"


# -- the sandbox -----------------------------------------------------------------------------------


class Kombo:
    """The in-process client with Kombo's headers, and a few ids of the seeded tenant."""

    def __init__(self, app: Starlette, client: httpx.AsyncClient) -> None:
        creds = sandbox_credentials(app, IN_PROCESS_URL)["kombo"]
        self.app = app
        self.client = client
        self.headers = {
            "Authorization": f"Bearer {creds['api_key']}",
            "X-Integration-Id": creds["integration_id"],
        }
        backend = sandbox_of(app).vendors["kombo"]
        assert isinstance(backend, KomboBackend)
        self.backend = backend

    async def get(self, path: str, **params: str) -> httpx.Response:
        return await self.client.get(BASE + path, params=params, headers=self.headers)

    async def post(self, path: str, body: Any = None) -> httpx.Response:
        return await self.client.post(BASE + path, json=body, headers=self.headers)

    async def first(self, path: str, **params: str) -> dict[str, Any]:
        answer = await self.get(path, page_size="1", **params)
        result: dict[str, Any] = answer.json()["data"]["results"][0]
        return result

    async def active_revision(self) -> str:
        courses = (await self.get("/lms/courses", page_size="250")).json()["data"]["results"]
        for course in courses:
            for revision in course["revisions"]:
                if revision["status"] == "ACTIVE":
                    revision_id: str = revision["id"]
                    return revision_id
        raise AssertionError("no active revision")

    async def fresh_pair(self) -> tuple[str, str]:
        """A (user, revision) pair with no progression yet."""
        revision = await self.active_revision()
        taken = (
            await self.get("/lms/course-progressions", page_size="250", include_deleted="true")
        ).json()["data"]["results"]
        busy = {p["user_id"] for p in taken if p["course_revision_id"] == revision}
        users = (await self.get("/lms/users", page_size="250")).json()["data"]["results"]
        user = next(u["id"] for u in users if u["id"] not in busy)
        return user, revision

    async def task(self, items: list[dict[str, Any]]) -> str:
        answer = await self.post("/lms/courses/bulk", {"items": items})
        task_id: str = answer.json()["data"]["task_id"]
        return task_id

    async def run_task(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Start a bulk task, let its time pass and poll it: its ``data``."""
        task_id = await self.task(items)
        sandbox_of(self.app).clock.advance(self.backend.bulk_task_seconds)
        data: dict[str, Any] = (await self.get(f"/lms/courses/bulk/{task_id}")).json()["data"]
        return data

    def advance_past_seed(self) -> None:
        """Move the clock a day past every seeded date (whatever the machine's date)."""
        sandbox = sandbox_of(self.app)
        reference = sandbox.scenario.reference_date.timestamp()
        sandbox.clock.advance(max(0.0, reference - sandbox.clock.time()) + 86_400)

    async def every(self, path: str, **params: str) -> list[dict[str, Any]]:
        """Every record of a list, following ``next``."""
        found: list[dict[str, Any]] = []
        cursor: dict[str, str] = {}
        while True:
            data = (await self.get(path, page_size="250", **params, **cursor)).json()["data"]
            found.extend(data["results"])
            if data["next"] is None:
                return found
            cursor = {"cursor": data["next"]}


@pytest.fixture
async def kombo(sandbox_app: Starlette) -> AsyncIterator[Kombo]:
    async with in_process_client(sandbox_app) as client:
        yield Kombo(sandbox_app, client)


def course_item(origin_id: str, url: str = "https://content.example.com/c/1") -> dict[str, Any]:
    return {
        "origin_id": origin_id,
        "course": {
            "type": "EXTERNAL",
            "title": f"Course {origin_id}",
            "description": None,
            "course_url": url,
            "thumbnail_url": None,
            "duration": 30,
            "languages": ["en", "de-CH"],
        },
    }


Call = Callable[[Kombo], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Case:
    """One request and what it must answer: the HTTP status, the error code of an error, and
    for a bulk task the task's ``data.status``."""

    call: Call
    status: int
    code: str | None = None
    task_status: str | None = None


def ok(call: Call, task_status: str | None = None) -> Case:
    return Case(call, 200, task_status=task_status)


def error(call: Call, status: int, code: str = "PLATFORM.INPUT_INVALID") -> Case:
    return Case(call, status, code)


def _deleted(record: dict[str, Any]) -> bool:
    """Whether Kombo marks the record deleted (a course also through a deleted revision)."""
    revisions = record.get("revisions") or []
    return record["remote_deleted_at"] is not None or any(
        r["remote_deleted_at"] is not None for r in revisions
    )


def list_cases(path: str, extra: dict[str, str]) -> dict[str, Case]:
    async def page(k: Kombo) -> httpx.Response:
        return await k.get(path, page_size="3")

    async def last_page(k: Kombo) -> httpx.Response:
        first = (await k.get(path, page_size="250")).json()["data"]
        return await k.get(path, page_size="250", cursor=first["next"] or "")

    async def filtered(k: Kombo) -> httpx.Response:
        return await k.get(
            path,
            include_deleted="true",
            ignore_unsupported_filters="true",
            updated_after="2020-01-01T00:00:00.000Z",
            **extra,
        )

    async def empty(k: Kombo) -> httpx.Response:
        return await k.get(path, ids="nope,nothing")

    async def bad_key(k: Kombo) -> httpx.Response:
        headers = {**k.headers, "Authorization": "Bearer wrong"}
        return await k.client.get(BASE + path, headers=headers)

    async def unknown_integration(k: Kombo) -> httpx.Response:
        headers = {**k.headers, "X-Integration-Id": "sandbox:nope"}
        return await k.client.get(BASE + path, headers=headers)

    async def bad_page_size(k: Kombo) -> httpx.Response:
        return await k.get(path, page_size="251")

    async def bad_cursor(k: Kombo) -> httpx.Response:
        return await k.get(path, cursor="forged")

    async def deleted(k: Kombo) -> httpx.Response:
        """Only records Kombo marks deleted: ``remote_deleted_at`` set."""
        gone = [r["id"] for r in await k.every(path, include_deleted="true") if _deleted(r)]
        assert gone, f"the seeded tenant has no deleted record in {path}"
        answer = await k.get(path, include_deleted="true", ids=",".join(gone[:20]))
        results = answer.json()["data"]["results"]
        assert results and all(_deleted(r) for r in results)
        return answer

    return {
        "page": ok(page),
        "last_page": ok(last_page),
        "filtered": ok(filtered),
        "empty": ok(empty),
        "deleted": ok(deleted),
        "bad_key": error(bad_key, 401, "PLATFORM.AUTHENTICATION_INVALID"),
        "unknown_integration": error(unknown_integration, 404, "PLATFORM.INTEGRATION_NOT_FOUND"),
        "bad_page_size": error(bad_page_size, 400),
        "bad_cursor": error(bad_cursor, 400),
    }


async def _courses_after_upsert(k: Kombo) -> httpx.Response:
    """Courses the integration upserted: ``origin_id``, ``provider_id`` and ``provider`` set."""
    task = await k.run_task([course_item("c-1"), course_item("c-2")])
    assert task["status"] == "COMPLETED"
    ids = [row["data"]["id"] for row in task["data"]]
    answer = await k.get("/lms/courses", ids=",".join(ids))
    results = answer.json()["data"]["results"]
    assert [r["origin_id"] for r in results] == ["c-1", "c-2"]
    assert all(r["provider"] and r["provider_id"] == r["provider"]["id"] for r in results)
    return answer


async def _courses_after_upsert_update(k: Kombo) -> httpx.Response:
    """A course upserted, then updated by its ``origin_id``, listed by ``updated_after``."""
    k.advance_past_seed()
    await k.run_task([course_item("c-1")])
    since = k.backend.now()
    item = course_item("c-1")
    item["course"]["description"] = "Updated by the provider."
    await k.run_task([item])
    answer = await k.get("/lms/courses", updated_after=since)
    (course,) = answer.json()["data"]["results"]
    assert course["origin_id"] == "c-1" and course["provider"] is not None
    assert course["revisions"][-1]["description"] == "Updated by the provider."
    return answer


async def _deactivate_upserted(k: Kombo) -> httpx.Response:
    task = await k.run_task([course_item("c-1")])
    course_id = task["data"][0]["data"]["id"]
    return await k.post(f"/lms/courses/{course_id}/deactivate", {})


async def _enroll(k: Kombo) -> httpx.Response:
    user, revision = await k.fresh_pair()
    return await k.post(
        "/lms/course-progressions", {"user_id": user, "course_revision_id": revision}
    )


async def _enroll_again(k: Kombo) -> httpx.Response:
    user, revision = await k.fresh_pair()
    body = {"user_id": user, "course_revision_id": revision}
    assert (await k.post("/lms/course-progressions", body)).status_code == 200
    answer = await k.post("/lms/course-progressions", body)
    assert answer.json()["warnings"], "enrolling again answers the progression with a warning"
    return answer


async def _enroll_remote(k: Kombo) -> httpx.Response:
    user, revision = await k.fresh_pair()
    users = (await k.get("/lms/users", ids=user)).json()["data"]["results"]
    place = k.backend.revisions[revision]
    remote = k.backend.courses.docs[place[0]]["item"]["revisions"][place[1]]["remote_id"]
    body = {"user_id": f"remote:{users[0]['remote_id']}", "course_revision_id": f"remote:{remote}"}
    return await k.post("/lms/course-progressions", body)


async def _enroll_missing_field(k: Kombo) -> httpx.Response:
    return await k.post("/lms/course-progressions", {"user_id": "x"})


async def _enroll_unknown_user(k: Kombo) -> httpx.Response:
    revision = await k.active_revision()
    return await k.post(
        "/lms/course-progressions", {"user_id": "nobody", "course_revision_id": revision}
    )


async def _enroll_over_limit(k: Kombo) -> httpx.Response:
    k.backend.max_concurrent_actions = 0
    return await k.post("/lms/course-progressions", {"user_id": "a", "course_revision_id": "b"})


async def _complete(k: Kombo) -> httpx.Response:
    sandbox = sandbox_of(k.app)
    sandbox.clock.advance(
        max(0.0, sandbox.scenario.reference_date.timestamp() - sandbox.clock.time())
    )
    progression = await k.first("/lms/course-progressions")
    return await k.post(
        f"/lms/course-progressions/{progression['id']}/complete",
        {"completed_at": "2026-01-15", "score": 93},
    )


async def _complete_empty_body(k: Kombo) -> httpx.Response:
    progression = await k.first("/lms/course-progressions")
    return await k.post(f"/lms/course-progressions/remote:{progression['remote_id']}/complete")


async def _complete_unknown(k: Kombo) -> httpx.Response:
    return await k.post("/lms/course-progressions/nope/complete", {})


async def _complete_bad_score(k: Kombo) -> httpx.Response:
    progression = await k.first("/lms/course-progressions")
    return await k.post(f"/lms/course-progressions/{progression['id']}/complete", {"score": 101})


async def _bulk(k: Kombo) -> httpx.Response:
    return await k.post("/lms/courses/bulk", {"items": [course_item("c-1"), course_item("c-2")]})


async def _bulk_invalid(k: Kombo) -> httpx.Response:
    item = course_item("c-1")
    item["course"]["duration"] = 0
    return await k.post("/lms/courses/bulk", {"items": [item]})


async def _task_pending(k: Kombo) -> httpx.Response:
    task_id = await k.task([course_item("c-1")])
    return await k.get(f"/lms/courses/bulk/{task_id}")


async def _task_completed(k: Kombo) -> httpx.Response:
    task_id = await k.task([course_item("c-1"), course_item("c-2", url="not a url")])
    sandbox_of(k.app).clock.advance(k.backend.bulk_task_seconds)
    return await k.get(f"/lms/courses/bulk/{task_id}")


async def _task_failed(k: Kombo) -> httpx.Response:
    task_id = await k.task([course_item("c-1"), course_item("c-1")])
    sandbox_of(k.app).clock.advance(k.backend.bulk_task_seconds)
    return await k.get(f"/lms/courses/bulk/{task_id}")


async def _task_unknown(k: Kombo) -> httpx.Response:
    return await k.get("/lms/courses/bulk/nope")


async def _deactivate(k: Kombo) -> httpx.Response:
    course = await k.first("/lms/courses")
    return await k.post(f"/lms/courses/{course['id']}/deactivate", {})


async def _deactivate_remote(k: Kombo) -> httpx.Response:
    course = await k.first("/lms/courses")
    return await k.post(f"/lms/courses/remote:{course['remote_id']}/deactivate")


async def _deactivate_unknown(k: Kombo) -> httpx.Response:
    return await k.post("/lms/courses/nope/deactivate", {})


async def _deactivate_bad_body(k: Kombo) -> httpx.Response:
    course = await k.first("/lms/courses")
    return await k.post(f"/lms/courses/{course['id']}/deactivate", [])


OPERATIONS: dict[tuple[str, str], dict[str, Case]] = {
    ("GET", "/lms/users"): list_cases("/lms/users", {"work_emails": "A@EXAMPLE-CORP.COM"}),
    ("GET", "/lms/courses"): {
        **list_cases("/lms/courses", {"remote_ids": "1,2"}),
        "after_bulk_upsert": ok(_courses_after_upsert),
        "after_bulk_update": ok(_courses_after_upsert_update),
    },
    ("GET", "/lms/skills"): list_cases("/lms/skills", {"remote_ids": "skill-1"}),
    ("GET", "/lms/course-progressions"): list_cases(
        "/lms/course-progressions", {"user_ids": "a,b", "course_ids": "c"}
    ),
    ("POST", "/lms/course-progressions"): {
        "enrolled": ok(_enroll),
        "already_enrolled": ok(_enroll_again),
        "remote_ids": ok(_enroll_remote),
        "missing_field": error(_enroll_missing_field, 400),
        "unknown_user": error(_enroll_unknown_user, 400),
        "concurrency_limit": error(_enroll_over_limit, 429, "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED"),
    },
    ("POST", "/lms/course-progressions/{course_progression_id}/complete"): {
        "completed": ok(_complete),
        "empty_body_remote_id": ok(_complete_empty_body),
        "unknown": error(_complete_unknown, 404),
        "bad_score": error(_complete_bad_score, 400),
    },
    ("POST", "/lms/courses/bulk"): {
        "accepted": ok(_bulk),
        "invalid": error(_bulk_invalid, 400),
    },
    ("GET", "/lms/courses/bulk/{task_id}"): {
        "pending": ok(_task_pending, "PENDING"),
        "completed": ok(_task_completed, "COMPLETED"),
        "failed": ok(_task_failed, "FAILED"),
        "unknown": error(_task_unknown, 404),
    },
    ("POST", "/lms/courses/{course_id}/deactivate"): {
        "deactivated": ok(_deactivate),
        "remote_id": ok(_deactivate_remote),
        "upserted": ok(_deactivate_upserted),
        "unknown": error(_deactivate_unknown, 404),
        "bad_body": error(_deactivate_bad_body, 400),
    },
}
CASES = [
    pytest.param(method, path, case, id=f"{method} {path} {name}")
    for (method, path), cases in OPERATIONS.items()
    for name, case in cases.items()
]


def test_document_operations_all_have_cases(spec: dict[str, Any]) -> None:
    documented = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert documented == set(OPERATIONS)


def test_sandbox_routes_are_the_document_operations(
    spec: dict[str, Any], sandbox_app: Starlette
) -> None:
    (mount,) = [r for r in sandbox_app.routes if isinstance(r, Mount) and r.path == BASE]
    served = set()
    for route in mount.routes:
        assert isinstance(route, Route)
        for method in (route.methods or set()) - {"HEAD"}:
            served.add((method, route.path))
    assert served == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path", "case"), CASES)
async def test_operation_answer_matches_document_schema(
    spec: dict[str, Any],
    registry: Registry[Any],
    kombo: Kombo,
    method: str,
    path: str,
    case: Case,
) -> None:
    response = await case.call(kombo)
    assert "Traceback" not in response.text
    assert response.status_code == case.status, response.text
    body = response.json()
    if case.code is not None:
        assert body["error"]["code"] == case.code
    if case.task_status is not None:
        assert body["data"]["status"] == case.task_status
    assert_matches(spec, registry, method, path, response)


async def test_every_route_error_matches_document_schema(
    spec: dict[str, Any], registry: Registry[Any], kombo: Kombo
) -> None:
    for method, path in OPERATIONS:
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        for headers in (
            {},
            {"Authorization": "Bearer nope"},
            {**kombo.headers, "X-Integration-Id": ""},
        ):
            answer = await kombo.client.request(method, BASE + concrete, headers=headers)
            assert answer.status_code in (400, 401)
            assert_matches(spec, registry, method, path, answer)


async def test_platform_errors_match_document_error_schema(
    spec: dict[str, Any], registry: Registry[Any], kombo: Kombo
) -> None:
    wrong_method = await kombo.client.delete(BASE + "/lms/users", headers=kombo.headers)
    too_big = await kombo.client.post(
        BASE + "/lms/courses/bulk", content=b"x" * (2 << 20), headers=kombo.headers
    )
    assert (wrong_method.status_code, too_big.status_code) == (405, 413)
    assert_matches(spec, registry, "GET", "/lms/users", wrong_method)
    assert_matches(spec, registry, "POST", "/lms/courses/bulk", too_big)


async def test_concurrent_enrollments_match_document_schema(
    spec: dict[str, Any], registry: Registry[Any], kombo: Kombo
) -> None:
    user, revision = await kombo.fresh_pair()
    body = {"user_id": user, "course_revision_id": revision}
    answers = await asyncio.gather(
        *(kombo.post("/lms/course-progressions", body) for _ in range(3))
    )
    for answer in answers:
        assert answer.status_code == 200
        assert_matches(spec, registry, "POST", "/lms/course-progressions", answer)
    assert len({answer.json()["data"]["id"] for answer in answers}) == 1
