"""Record a connector's HTTP exchanges once, then replay them without a server.

:class:`RecordingTransport` wraps httpx's own transport and keeps every request and answer.
B3 replays the recorded requests (bytes only) as its baseline: exactly the pages the connector
fetched, same cursors, same headers. :func:`save_replay` writes the answers to a file that
:class:`ReplayTransport` serves from, so B8's child process can run the real connector, through
the real httpx client, with no server in the process whose memory it measures.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import httpx

#: request headers the client sets by itself on every request (never recorded)
AUTOMATIC_HEADERS = frozenset(
    {"host", "content-length", "accept-encoding", "connection", "user-agent"}
)


@dataclass(frozen=True, slots=True)
class Exchange:
    method: str
    url: str
    headers: dict[str, str]
    content: bytes
    status: int
    body: bytes


class RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        try:
            body = await response.aread()
        finally:
            await response.aclose()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in AUTOMATIC_HEADERS}
        self.exchanges.append(
            Exchange(
                request.method,
                str(request.url),
                headers,
                request.content,
                response.status_code,
                body,
            )
        )
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def save_replay(exchanges: list[Exchange], path: Path) -> None:
    """The answers into ``path``, their index into ``path`` + ``.json``."""
    index: dict[str, list[int]] = {}
    with path.open("wb") as out:
        offset = 0
        for exchange in exchanges:
            out.write(exchange.body)
            index[f"{exchange.method} {exchange.url}"] = [
                exchange.status,
                offset,
                len(exchange.body),
            ]
            offset += len(exchange.body)
    Path(f"{path}.json").write_text(json.dumps(index))


class ReplayTransport(httpx.AsyncBaseTransport):
    """Answers each request with the answer recorded for its method and URL (404 otherwise);
    answers are read from the file when asked for, so they cost no memory beforehand."""

    def __init__(self, path: Path) -> None:
        self._index = {
            key: (status, offset, length)
            for key, (status, offset, length) in json.loads(
                Path(f"{path}.json").read_text()
            ).items()
        }
        self._fd = os.open(path, os.O_RDONLY)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        found = self._index.get(f"{request.method} {request.url}")
        if found is None:
            return httpx.Response(404, json={"message": "not recorded"}, request=request)
        status, offset, length = found
        body = os.pread(self._fd, length, offset)
        return httpx.Response(
            status, headers={"content-type": "application/json"}, content=body, request=request
        )

    async def aclose(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
