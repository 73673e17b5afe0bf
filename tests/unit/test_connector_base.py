"""The connector base: retries, Retry-After, error mapping. httpx's MockTransport stands in for
the network; nothing of ours is mocked."""

from __future__ import annotations

import email.utils
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Self

import httpx
import pytest

from core.capabilities import Capabilities, Operation
from core.connector import Connector, parse_retry_after
from core.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    LmsConnectionError,
    LmsTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnsupportedOperationError,
)
from core.models import Course, Enrollment, User


class Probe(Connector):
    """The smallest concrete connector: it only speaks HTTP through the base."""

    vendor = "probe"
    capabilities = Capabilities(operations=frozenset({Operation.LIST_USERS}))

    @classmethod
    def from_secrets(
        cls,
        *,
        base_url: str,
        secrets: Mapping[str, str],
        http_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> Self:
        return cls(base_url=base_url, http_client=http_client, **options)

    def _error_details(self, body: Any) -> tuple[str | None, str | None]:
        if isinstance(body, dict):
            return body.get("code"), body.get("message")
        return None, None

    async def list_users(self) -> AsyncIterator[User]:
        if False:
            yield

    async def list_courses(self) -> AsyncIterator[Course]:
        if False:
            yield

    async def list_enrollments(self, **_: Any) -> AsyncIterator[Enrollment]:
        if False:
            yield


Handler = Callable[[httpx.Request], httpx.Response]


def probe(handler: Handler, **options: Any) -> tuple[Probe, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(record))
    options.setdefault("backoff_base", 0.0)
    return Probe(base_url="http://lms.test", http_client=client, **options), seen


def answers(*responses: httpx.Response | Exception) -> Handler:
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


async def test_request_429_then_ok_retries_and_succeeds() -> None:
    connector, seen = probe(
        answers(httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200, json={}))
    )
    response = await connector.request("POST", "/enroll", json={"a": 1})
    assert response.status_code == 200
    assert len(seen) == 2


async def test_request_503_on_post_is_retried() -> None:
    connector, seen = probe(answers(httpx.Response(503), httpx.Response(201)))
    assert (await connector.request("POST", "/x")).status_code == 201
    assert len(seen) == 2


async def test_request_500_on_post_is_not_retried() -> None:
    connector, seen = probe(answers(httpx.Response(500, json={"message": "boom"})))
    with pytest.raises(ServerError) as info:
        await connector.request("POST", "/x")
    assert len(seen) == 1
    assert info.value.status == 500
    assert info.value.message == "boom"


async def test_request_500_on_get_is_retried_until_bounded() -> None:
    connector, seen = probe(answers(httpx.Response(502)), max_retries=3)
    with pytest.raises(ServerError):
        await connector.request("GET", "/x")
    assert len(seen) == 4


async def test_request_connect_error_is_retried_for_post() -> None:
    connector, seen = probe(answers(httpx.ConnectError("refused"), httpx.Response(200)))
    assert (await connector.request("POST", "/x")).status_code == 200
    assert len(seen) == 2


async def test_request_read_timeout_on_post_raises_timeout_without_retry() -> None:
    connector, seen = probe(answers(httpx.ReadTimeout("slow")))
    with pytest.raises(LmsTimeoutError) as info:
        await connector.request("POST", "/x")
    assert len(seen) == 1
    assert info.value.vendor == "probe"
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


async def test_request_unreachable_raises_connection_error() -> None:
    connector, _ = probe(answers(httpx.ConnectError("refused")), max_retries=1)
    with pytest.raises(LmsConnectionError) as info:
        await connector.request("GET", "/x")
    assert not isinstance(info.value, ApiError)
    assert "lms.test" in str(info.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, BadRequestError),
        (429, RateLimitError),
        (500, ServerError),
    ],
)
async def test_request_error_status_maps_to_error_tree(status: int, error: type[ApiError]) -> None:
    body = {"code": "E42", "message": "vendor says no"}
    connector, _ = probe(answers(httpx.Response(status, json=body)), max_retries=0)
    with pytest.raises(error) as info:
        await connector.request("POST", "/x")
    assert info.value.status == status
    assert info.value.code == "E42"
    assert info.value.message == "vendor says no"
    assert info.value.vendor == "probe"


async def test_rate_limit_error_carries_retry_after() -> None:
    response = httpx.Response(429, headers={"Retry-After": "7"})
    connector, _ = probe(answers(response), max_retries=0)
    with pytest.raises(RateLimitError) as info:
        await connector.request("GET", "/x")
    assert info.value.retry_after == 7.0


def test_backoff_honours_retry_after_capped() -> None:
    connector, _ = probe(answers(httpx.Response(200)), max_backoff=10.0)
    assert connector._backoff(0, 3.0) == 3.0
    assert connector._backoff(0, 99.0) == 10.0


def test_backoff_without_retry_after_is_bounded_jitter() -> None:
    connector, _ = probe(answers(httpx.Response(200)), backoff_base=1.0, max_backoff=5.0)
    waits = [connector._backoff(attempt, None) for attempt in range(10)]
    assert all(0.0 <= wait <= 5.0 for wait in waits)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("5", 5.0), ("0", 0.0), ("1.5", 1.5), ("-3", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_parse_retry_after_values(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_parse_retry_after_http_date() -> None:
    header = email.utils.formatdate(1_000_030.0, usegmt=True)
    assert parse_retry_after(header, now=1_000_000.0) == 30.0


async def test_unsupported_operation_raises_before_any_request() -> None:
    connector, seen = probe(answers(httpx.Response(200)))
    with pytest.raises(UnsupportedOperationError, match="unenroll is not supported by probe"):
        await connector.unenroll(user_id="1", course_id="2")
    assert seen == []


def test_repr_shows_no_secrets() -> None:
    connector, _ = probe(answers(httpx.Response(200)))
    assert repr(connector) == "<Probe http://lms.test>"
