"""``Connector.pages_ahead``: the next page's request goes out before the current page is handed
on, one request in flight at a time, and a listing left early cancels it. The network is httpx's
MockTransport, or a real TCP server of a few lines where the test needs a request written but
not yet answered; nothing of ours is mocked."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from core.connector import Follow
from core.errors import ServerError
from tests.unit.test_connector_base import Probe

PAGES = 3


class Pager(Probe):
    """A connector whose listing is ``GET /items?page=N``, answered ``{"items", "next"}``."""

    def items(self) -> AsyncGenerator[list[int], None]:
        def read(response: httpx.Response) -> tuple[list[int], Follow]:
            body = response.json()
            after = body["next"]
            if after is None:
                return body["items"], None
            return body["items"], lambda: self.request("GET", "/items", params=[("page", after)])

        return self.pages_ahead(self.request("GET", "/items", params=[("page", 1)]), read)


def page_answer(number: int) -> dict[str, Any]:
    return {"items": [number * 10, number * 10 + 1], "next": number + 1 if number < PAGES else None}


def pager(handler: Any, **options: Any) -> Pager:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return Pager(base_url="http://lms.test", http_client=client, backoff_base=0.0, **options)


async def test_next_page_is_requested_before_the_current_one_is_handed_on() -> None:
    log: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        log.append(f"sent {number}")
        return httpx.Response(200, json=page_answer(number))

    connector = pager(handler)
    pages = []
    async for items in connector.items():
        log.append(f"got {items[0] // 10}")
        pages.append(items)
    assert pages == [[10, 11], [20, 21], [30, 31]]
    assert log == ["sent 1", "sent 2", "got 1", "sent 3", "got 2", "got 3"]


async def test_a_failed_next_page_is_raised_after_the_page_before_it() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        if number == 2:
            return httpx.Response(500, json={})
        return httpx.Response(200, json=page_answer(number))

    connector = pager(handler, max_retries=0)
    got: list[list[int]] = []
    with pytest.raises(ServerError):
        async for items in connector.items():
            got.append(items)
    assert got == [[10, 11]]


async def test_cancelled_while_starting_the_request_ahead_cancels_it() -> None:
    release = asyncio.Event()
    cancelled = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        if number == 2:
            try:
                await release.wait()
            except asyncio.CancelledError:
                cancelled.set()
                raise
        return httpx.Response(200, json=page_answer(number))

    # MockTransport gives no trace events, so the listing waits for the request ahead to end
    # before it hands page 1 on; cancel it while it waits.
    connector = pager(handler)
    listing = connector.items()

    async def page_one() -> list[int]:
        return await anext(listing)

    first = asyncio.create_task(page_one())
    await asyncio.sleep(0.05)
    assert not first.done()  # no trace event: the page waits for its request ahead to end
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await listing.aclose()
    await asyncio.wait_for(cancelled.wait(), 5)


Hold = Callable[[int, asyncio.StreamReader], Awaitable[bool]]


@contextlib.asynccontextmanager
async def page_server(hold: Hold) -> AsyncIterator[str]:
    """A TCP server on 127.0.0.1 (its base URL) answering ``GET /items?page=N`` with page N once
    ``hold(N, reader)`` returns True; when it returns False the connection ends unanswered."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.closing(writer), contextlib.suppress(asyncio.IncompleteReadError):
            while head := await reader.readuntil(b"\r\n\r\n"):
                number = int(httpx.URL(head.split(b" ", 2)[1].decode()).params["page"])
                if not await hold(number, reader):
                    return
                body = httpx.Response(200, json=page_answer(number)).read()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
                writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


async def test_over_tcp_the_page_is_handed_on_once_the_next_request_is_written() -> None:
    """httpcore's trace says the next request is on the wire: the current page is handed on
    while its answer is still held back by the server."""
    requested: list[int] = []
    answer_two = asyncio.Event()

    async def hold(number: int, reader: asyncio.StreamReader) -> bool:
        requested.append(number)
        if number == 2:
            await answer_two.wait()
        return True

    async with page_server(hold) as base_url, httpx.AsyncClient() as client:
        listing = Pager(base_url=base_url, http_client=client).items()
        first = await asyncio.wait_for(anext(listing), 5)
        assert first == [10, 11]
        assert requested == [1, 2]  # page 2 asked, and not yet answered
        answer_two.set()
        rest = [items async for items in listing]
        assert rest == [[20, 21], [30, 31]]
        assert requested == [1, 2, 3]


async def test_over_tcp_leaving_early_cancels_the_request_ahead() -> None:
    """A listing closed after its first page drops the request ahead: the connection that
    carried it is closed before the server answers."""
    dropped = asyncio.Event()

    async def hold(number: int, reader: asyncio.StreamReader) -> bool:
        if number == 2:
            if not await reader.read(1):  # the client hung up: its request was cancelled
                dropped.set()
            return False
        return True

    async with page_server(hold) as base_url, httpx.AsyncClient() as client:
        listing = Pager(base_url=base_url, http_client=client).items()
        assert await asyncio.wait_for(anext(listing), 5) == [10, 11]
        await listing.aclose()
        await asyncio.wait_for(dropped.wait(), 5)
