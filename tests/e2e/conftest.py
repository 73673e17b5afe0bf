"""The sandbox under a real uvicorn on a free port of 127.0.0.1, reached over TCP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from core.connections import Connection, sandbox_connections
from core.connectors.docebo import DoceboConnector
from sandbox.app import SandboxConfig, create_app
from sandbox.server import SandboxServer


@pytest.fixture(scope="session")
def live_sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(create_app(SandboxConfig(memory=True)), host="127.0.0.1", port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live_connections(live_sandbox: SandboxServer) -> list[Connection]:
    """Connections read from the running sandbox's admin API, after a reset to the seed."""
    httpx.post(f"{live_sandbox.base_url}/_sandbox/reset", timeout=30).raise_for_status()
    creds = httpx.get(f"{live_sandbox.base_url}/_sandbox/credentials", timeout=10).json()
    return sandbox_connections(creds)


@pytest.fixture
async def live_docebo(live_connections: list[Connection]) -> AsyncIterator[DoceboConnector]:
    (connection,) = [c for c in live_connections if c.vendor == "docebo"]
    connector = connection.connector()
    assert isinstance(connector, DoceboConnector)
    async with connector:
        yield connector
