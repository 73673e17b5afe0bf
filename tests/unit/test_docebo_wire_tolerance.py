"""The Docebo connector's tolerance of the unverified parts of Docebo's wire (the enroll answer's
``data`` wrapper, the singular or plural unenroll path) and the requests it sends, against a
recording transport that stands in for Docebo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from core.capabilities import EnrollOption
from core.connectors.docebo import DoceboConnector, wire
from core.errors import BadRequestError, NotFoundError

Handler = Callable[[httpx.Request], httpx.Response]

ROUTE_MISSING = {"name": "Not Found", "message": "Page not found.", "code": 0, "status": 404}
NO_ENROLLMENT = {
    "name": "Not Found",
    "message": "Enrollment not found (user 10001, course 7)",
    "code": 0,
    "status": 404,
}


def empty_page() -> dict[str, Any]:
    return {"data": {"items": [], "has_more_data": False}, "version": "1.0.0", "_links": {}}


def probe(handler: Handler) -> tuple[DoceboConnector, list[httpx.Request]]:
    """A connector whose every request but the token goes to ``handler``, recorded."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return httpx.Response(200, json={"access_token": "t" * 40, "expires_in": 3600})
        seen.append(request)
        return handler(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    connector = DoceboConnector(
        base_url="http://docebo.test",
        client_id="id",
        client_secret="secret",
        http_client=client,
        max_retries=0,
    )
    return connector, seen


def deletes(seen: list[httpx.Request]) -> list[str]:
    return [r.url.path for r in seen if r.method == "DELETE"]


# -- reading answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "done", "errors"),
    [
        (
            {"enrolled": [{"user_id": 1, "course_id": 7, "waiting": True}]},
            [{"user_id": 1, "course_id": 7, "waiting": True}],
            [],
        ),
        ({"unenrolled": [1, 2], "errors": ["User 3 not found"]}, [1, 2], ["User 3 not found"]),
        ({"errors": ["User 3 not found"]}, [], ["User 3 not found"]),
    ],
    ids=["enrolled", "with-errors", "errors-only"],
)
def test_read_batch_reads_unwrapped_answer(
    body: dict[str, Any], done: list[Any], errors: list[str]
) -> None:
    done_key = "unenrolled" if "unenrolled" in body else "enrolled"
    answer = wire.read_batch(body, done_key)
    assert answer.done == done
    assert answer.errors == errors
    assert wire.read_batch({"data": body}, done_key) == answer


def test_read_batch_unwrapped_waiting_flag_survives() -> None:
    answer = wire.read_batch({"enrolled": [{"user_id": "10001", "waiting": 1}]}, "enrolled")
    assert [wire.truthy(row["waiting"]) for row in answer.done] == [True]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "Not Found", "message": "Not Found", "code": 0, "status": 404}, True),
        (ROUTE_MISSING, True),
        ({"name": "Not Found", "message": 'Unable to resolve the request "learn/v1/x".'}, True),
        ({"name": "Not Found", "code": 0, "status": 404}, True),
        ("<html><body>404 Not Found</body></html>", True),
        (None, True),
        (NO_ENROLLMENT, False),
        ({"name": "Not Found", "message": "User not found (user 5)"}, False),
        ({"message": ["Course not found"]}, False),
    ],
)
def test_is_route_not_found_forms(body: Any, expected: bool) -> None:
    assert wire.is_route_not_found(body) is expected


# -- unenroll: the plural path first, the singular when the route is missing -----------------


@pytest.mark.parametrize(
    ("status", "body"),
    [(404, ROUTE_MISSING), (405, {"name": "Method Not Allowed", "message": "x", "status": 405})],
    ids=["404-route", "405"],
)
async def test_unenroll_missing_plural_route_falls_back_to_singular(
    status: int, body: dict[str, Any]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/learn/v1/enrollments/"):
            return httpx.Response(status, json=body)
        return httpx.Response(200, json={"data": {"deleted_enrollment": 41}})

    connector, seen = probe(handler)
    async with connector:
        await connector.unenroll(user_id="10001", course_id="7")
        await connector.unenroll(user_id="10002", course_id="7")
    assert deletes(seen) == [
        "/learn/v1/enrollments/7/10001",
        "/learn/v1/enrollment/7/10001",
        "/learn/v1/enrollment/7/10002",
    ]


async def test_unenroll_record_not_found_is_not_retried() -> None:
    connector, seen = probe(lambda request: httpx.Response(404, json=NO_ENROLLMENT))
    async with connector:
        with pytest.raises(NotFoundError) as info:
            await connector.unenroll(user_id="10001", course_id="7")
    assert info.value.message == NO_ENROLLMENT["message"]
    assert deletes(seen) == ["/learn/v1/enrollments/7/10001"]


async def test_unenroll_no_route_in_either_form_raises_not_found() -> None:
    connector, seen = probe(lambda request: httpx.Response(404, json=ROUTE_MISSING))
    async with connector:
        with pytest.raises(NotFoundError) as info:
            await connector.unenroll(user_id="10001", course_id="7")
    assert info.value.status == 404
    assert deletes(seen) == ["/learn/v1/enrollments/7/10001", "/learn/v1/enrollment/7/10001"]


# -- requests sent ---------------------------------------------------------------------------


def enroll_handler(request: httpx.Request) -> httpx.Response:
    if request.method == "POST":
        enrolled = [{"user_id": 10001, "course_id": 7, "waiting": False}]
        return httpx.Response(200, json={"data": {"enrolled": enrolled}})
    if request.url.path == "/course/v1/courses/enrollments":
        item = {"user_id": 10001, "course_id": 7, "enrollment_status": "subscribed"}
        return httpx.Response(200, json={"data": {"items": [item], "has_more_data": False}})
    return httpx.Response(200, json=empty_page())


async def test_enroll_sends_enrollment_fields_as_an_object() -> None:
    connector, seen = probe(enroll_handler)
    fields = {12: "Cost centre 4711", "13": 3}
    async with connector:
        await connector.enroll(
            user_id="10001", course_id="7", options={EnrollOption.ENROLLMENT_FIELDS: fields}
        )
    (post,) = [r for r in seen if r.method == "POST"]
    assert post.url.path == "/learn/v1/enrollments/7/10001"
    assert orjson.loads(post.content) == {"enrollment_fields": {"12": "Cost centre 4711", "13": 3}}


@pytest.mark.parametrize("fields", [["a"], "a=1", 3])
async def test_enroll_enrollment_fields_not_a_mapping_refused_before_request(fields: Any) -> None:
    connector, seen = probe(enroll_handler)
    async with connector:
        with pytest.raises(BadRequestError, match="enrollment_fields must be a mapping"):
            await connector.enroll(
                user_id="10001", course_id="7", options={EnrollOption.ENROLLMENT_FIELDS: fields}
            )
    assert seen == []


@pytest.mark.parametrize(
    ("listing", "path"),
    [
        (lambda c: c.list_course_enrollments, "/course/v1/courses/enrollments"),
        (
            lambda c: c.list_learning_plan_enrollments,
            "/learningplan/v1/learningplans/enrollments",
        ),
    ],
    ids=["course", "plan"],
)
async def test_admin_listing_sends_sort_attr_and_dir(
    listing: Callable[[DoceboConnector], Callable[..., Any]], path: str
) -> None:
    connector, seen = probe(lambda request: httpx.Response(200, json=empty_page()))
    async with connector:
        async for _ in listing(connector)(sort_by="user_id", sort_direction="DESC"):
            pass
    (request,) = [r for r in seen if r.url.path == path]
    assert request.url.params["sort_attr"] == "user_id"
    assert request.url.params["sort_dir"] == "desc"


async def test_plan_course_listing_sends_types_levels_and_sort() -> None:
    connector, seen = probe(lambda request: httpx.Response(200, json=empty_page()))
    async with connector:
        listing = connector.list_learning_plan_course_enrollments(
            learning_plan_id="3",
            course_types=["Classroom", "webinar"],
            levels=["tutor", 6],
            sort_by="enrollment_created_at",
            sort_direction="asc",
        )
        async for _ in listing:
            pass
    (request,) = [r for r in seen if "/learningplans/3/" in r.url.path]
    params = request.url.params
    assert params["course_type"] == "classroom,webinar"
    assert params["level"] == "4,6"
    assert (params["sort_attr"], params["sort_dir"]) == ("enrollment_created_at", "asc")
