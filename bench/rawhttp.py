"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for load generation.

It exists because a load generator must cost the server's CPU as little as possible: on two
cores the generator and the server share the machine, and httpx spends several times the CPU
per request of this client (the B1 row says how much, measured in the same run). It speaks only
what the benchmarks need: one connection, one request at a time, ``Content-Length`` bodies (as
uvicorn sends every Starlette response here), no redirects, no TLS, no chunked encoding.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from urllib.parse import urlsplit


class RawHttpError(Exception):
    """An answer this client cannot read."""


class RawConnection:
    """One keep-alive connection to ``http://host:port``."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"only http://host:port URLs are supported, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self._host_header = f"{self.host}:{self.port}".encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(
                self.host, self.port, limit=1 << 20
            )
        return self._reader, self._writer

    def encode(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> bytes:
        """The request's bytes (build once and send many times with :meth:`send`)."""
        lines = [f"{method} {target} HTTP/1.1".encode(), b"Host: " + self._host_header]
        lines += [f"{name}: {value}".encode() for name, value in (headers or {}).items()]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(b"Content-Length: %d" % len(body))
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Send an encoded request; (status, body) of the answer."""
        reader, writer = await self._connect()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, _, rest = head.partition(b"\r\n")
        try:
            status = int(status_line.split(b" ", 2)[1])
        except (IndexError, ValueError):
            raise RawHttpError(f"bad status line {status_line[:80]!r}") from None
        length = -1
        close = False
        for line in rest.split(b"\r\n"):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
            elif name == b"transfer-encoding":
                raise RawHttpError("chunked answers are not supported")
        if length < 0:
            raise RawHttpError("an answer without Content-Length")
        body = await reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, body

    async def request(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> tuple[int, bytes]:
        return await self.send(self.encode(method, target, headers, body))

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
