"""The vendor connectors, by vendor name."""

from __future__ import annotations

from core.connector import Connector

VENDORS: tuple[str, ...] = ("docebo", "kombo", "ispring", "lms365")


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
    if vendor == "lms365":
        from core.connectors.lms365 import LMS365Connector

        return LMS365Connector
    raise KeyError(f"unknown vendor {vendor!r}; known: {', '.join(VENDORS)}")
