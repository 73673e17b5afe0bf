"""The Kombo connector (unified LMS API)."""

from core.connectors.kombo.client import KomboConnector

__all__ = ["KomboConnector"]
