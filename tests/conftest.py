"""Fixtures shared by every test tree: a fresh in-memory sandbox and connectors to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from core.connections import Connection, sandbox_connections
from core.connectors.docebo import DoceboConnector
from sandbox.app import SandboxConfig, create_app, sandbox_credentials

IN_PROCESS_URL = "http://sandbox.test"


@pytest.fixture
def sandbox_app() -> Starlette:
    """The sandbox app with the default scenario, in memory: every test gets its own state."""
    return create_app(SandboxConfig(memory=True))


@pytest.fixture
def connections(sandbox_app: Starlette) -> list[Connection]:
    return sandbox_connections(sandbox_credentials(sandbox_app, IN_PROCESS_URL))


def in_process_client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=IN_PROCESS_URL)


@pytest.fixture
async def docebo(
    sandbox_app: Starlette, connections: list[Connection]
) -> AsyncIterator[DoceboConnector]:
    """The real Docebo connector talking to the in-process sandbox."""
    (connection,) = [c for c in connections if c.vendor == "docebo"]
    async with in_process_client(sandbox_app) as client:
        connector = connection.connector(http_client=client)
        assert isinstance(connector, DoceboConnector)
        async with connector:
            yield connector
