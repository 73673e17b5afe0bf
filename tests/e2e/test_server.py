"""``sandbox.server`` serving a tiny Starlette app over real TCP on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.server import SandboxServer, SandboxStartError, find_free_port


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def tiny_app() -> Starlette:
    return Starlette(routes=[Route("/_sandbox/health", health)])


def failing_app() -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        raise OSError("cannot open the store\nsecond line")
        yield

    return Starlette(routes=[Route("/_sandbox/health", health)], lifespan=lifespan)


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_start_port_zero_serves_over_tcp() -> None:
    server = SandboxServer(tiny_app(), host="127.0.0.1", port=0)
    server.start()
    try:
        assert server.port != 0
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        response = httpx.get(f"{server.base_url}/_sandbox/health", timeout=5)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
    finally:
        server.stop()


def test_stop_twice_closes_port() -> None:
    server = SandboxServer(tiny_app())
    server.start()
    port = server.port
    assert not refused(port)
    server.stop()
    server.stop()
    assert refused(port)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=5)


def test_stop_before_start_does_nothing() -> None:
    SandboxServer(tiny_app()).stop()


def test_start_taken_port_raises_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = SandboxServer(tiny_app(), port=port)
        with pytest.raises(SandboxStartError) as info:
            server.start()
    message = str(info.value)
    assert str(port) in message
    assert "\n" not in message
    assert "in use" in message
    server.stop()


def test_start_unresolvable_host_raises_one_line() -> None:
    port = find_free_port()
    with pytest.raises(SandboxStartError) as info:
        SandboxServer(tiny_app(), host="no-such-host.invalid", port=port).start()
    assert str(port) in str(info.value)
    assert "\n" not in str(info.value)


def test_start_failing_lifespan_raises_one_line() -> None:
    server = SandboxServer(failing_app())
    with pytest.raises(SandboxStartError) as info:
        server.start()
    message = str(info.value)
    assert f":{server.port}" in message
    assert "cannot open the store second line" in message
    assert "\n" not in message
    assert refused(server.port)


def test_context_manager_serves_then_stops() -> None:
    with SandboxServer(tiny_app()) as server:
        port = server.port
        response = httpx.get(f"{server.base_url}/_sandbox/health", timeout=5)
        assert response.json() == {"status": "ok"}
    assert refused(port)


def test_find_free_port_returns_bindable_port() -> None:
    port = find_free_port()
    assert 0 < port < 65536
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


async def test_start_inside_event_loop_serves_async_client() -> None:
    with SandboxServer(tiny_app()) as server:
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            response = await client.get("/_sandbox/health")
    assert response.status_code == 200
