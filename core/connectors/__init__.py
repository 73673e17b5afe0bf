"""The vendor connectors, by vendor name."""

from __future__ import annotations

from core.connector import Connector

VENDORS: tuple[str, ...] = ("docebo", "kombo", "ispring")


def connector_class(vendor: str) -> type[Connector]:
    """The connector class for a vendor name; ``KeyError`` names the known vendors."""
    if vendor == "docebo":
        from core.connectors.docebo import DoceboConnector

        return DoceboConnector
    if vendor == "kombo":
        from core.connectors.kombo import KomboConnector

        return KomboConnector
    if vendor == "ispring":
        from core.connectors.ispring import ISpringConnector

        return ISpringConnector
    raise KeyError(f"unknown vendor {vendor!r}; known: {', '.join(VENDORS)}")
