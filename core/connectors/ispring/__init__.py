"""The iSpring Learn connector (Learn REST API v3, JSON or XML)."""

from core.connectors.ispring.client import ISpringConnector

__all__ = ["ISpringConnector"]
