"""Fixtures of the terminal UI's tests: connectors to the in-process sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from core.connections import Connection
from core.connector import Connector
from tests.conftest import in_process_client
from tui.loading import ConnectorFactory


@pytest.fixture
async def factory(sandbox_app: Starlette) -> AsyncIterator[ConnectorFactory]:
    """Connectors to the in-process sandbox; their HTTP clients are closed after the test."""
    clients: list[httpx.AsyncClient] = []

    def connect(connection: Connection) -> Connector:
        client = in_process_client(sandbox_app)
        clients.append(client)
        return connection.connector(http_client=client)

    yield connect
    for client in clients:
        await client.aclose()
