"""The Docebo connector (Learn REST API)."""

from core.connectors.docebo.client import DoceboConnector

__all__ = ["DoceboConnector"]
