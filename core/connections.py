"""Named connections: which vendor, where, and how to build its connector.

A ``Connection`` holds what is needed to build a connector, never a live one, so the terminal UI
and the command line can open and close connectors as they please. Credentials live in
``secrets`` and are never part of ``repr``/``str``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.connector import Connector


@dataclass(frozen=True, slots=True)
class Connection:
    name: str
    vendor: str
    base_url: str
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)

    def connector(
        self, *, http_client: httpx.AsyncClient | None = None, **options: Any
    ) -> Connector:
        """A new connector for this connection (the caller closes it)."""
        from core.connectors import connector_class

        cls = connector_class(self.vendor)
        return cls.from_secrets(
            base_url=self.base_url, secrets=self.secrets, http_client=http_client, **options
        )


def sandbox_connections(credentials: Mapping[str, Mapping[str, str]]) -> list[Connection]:
    """One connection per vendor from the sandbox's ``GET /_sandbox/credentials`` answer."""
    from core.connectors import VENDORS

    connections = []
    for vendor, creds in credentials.items():
        if vendor not in VENDORS:
            continue
        secrets = {k: v for k, v in creds.items() if k != "base_url"}
        connections.append(
            Connection(
                name=f"sandbox-{vendor}", vendor=vendor, base_url=creds["base_url"], secrets=secrets
            )
        )
    return connections
