"""The sandbox's indexed router answers every request as Starlette's own router would."""

from __future__ import annotations

import itertools

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route, Router

from sandbox.app import SandboxConfig, build_app, create_app, sandbox_of
from sandbox.routing import IndexedRouter, first_segment, literal_start

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: paths under each vendor's prefix: known ones, with ids, near misses and odd ones
SUFFIXES = (
    "",
    "/",
    "/learn/v1/enrollments/7/10001",
    "/learn/v1/enrollments/7/10001/",
    "/learn/v1/enrollments/x/10001",
    "/learn/v1/enrollments",
    "/learn/v1/enrollments/",
    "/learn/v1/enrollment/7/10001",
    "/course/v1/courses/enrollments",
    "/oauth2/token",
    "/manage/v1/user/10001",
    "/lms/course-progressions",
    "/lms/course-progressions/",
    "/lms/course-progressions/abc/complete",
    "/lms/courses/bulk",
    "/enrollment",
    "/enrollment/",
    "/enrollment%0A",
    "/enrollment/delete",
    "/enrollment/0b7e6c52-6a53-4c1b-9f3c-2f1a3b9b5e11",
    "/enrollments",
    "/user/u1/v2",
    "/webhook/register",
    "/nowhere/at/all",
    "/odata/v2",
    "/odata/v2/",
    "/odata/v2/Courses",
    "/odata/v2/Courses/",
    "/odata/v2/Courses(abc)/Enroll",
    "/odata/v2/Courses(abc)/Enroll/",
    "/odata/v2/Enrollments(1)",
    "/health",
    "/faults/f1",
)


def plain(app: Starlette) -> Starlette:
    """``app`` with Starlette's own routers in place of the indexed ones."""
    for route in app.router.routes:
        if isinstance(route, Mount) and isinstance(route.app, IndexedRouter):
            route.app = route._base_app = Router(route.app.routes)
    app.router = Router(app.router.routes)
    return app


async def answers(app: Starlette) -> list[tuple[str, str, int, bytes, list[tuple[str, str]]]]:
    sandbox = sandbox_of(app)
    prefixes = [vendor.prefix for vendor in sandbox.vendors.values()] + ["/_sandbox", ""]
    found = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
        for prefix, suffix, method in itertools.product(prefixes, SUFFIXES, METHODS):
            path = prefix + suffix
            if not path:
                continue
            response = await client.request(method, path, content=b"{}")
            headers = sorted((k, v) for k, v in response.headers.items() if k != "date")
            found.append((method, path, response.status_code, response.content, headers))
    return found


@pytest.mark.parametrize("admin_token", [None, "secret"])
async def test_indexed_routing_answers_as_starlette_does(admin_token: str | None) -> None:
    config = SandboxConfig(memory=True, admin_token=admin_token)
    indexed = create_app(config)
    reference = plain(build_app(sandbox_of(create_app(config))))
    assert await answers(indexed) == await answers(reference)


def test_literal_starts_and_segments() -> None:
    async def endpoint(request: object) -> None: ...

    assert literal_start(Route("/enrollment/{id}", endpoint)) == "/enrollment/"
    assert literal_start(Mount("/docebo", routes=[])) == "/docebo/"
    assert literal_start(Mount("", routes=[])) == "/"
    assert first_segment("/odata/v2/Courses(") == "odata"
    assert first_segment("/enrollment") is None  # a parameter may follow in the segment
    assert first_segment("/") is None
    router = IndexedRouter(
        [Route("/a", endpoint), Route("/a{x}", endpoint), Route("/{any:path}", endpoint)]
    )
    assert [route.path for _literal, route in router._by_segment["a"]] == [  # type: ignore[attr-defined]
        "/a",
        "/a{x}",
        "/{any:path}",
    ]
