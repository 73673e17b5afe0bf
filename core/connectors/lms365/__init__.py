"""The LMS365 (Learn365 by Zensai) connector (OData v4 Cloud API)."""

from core.connectors.lms365.client import LMS365Connector

__all__ = ["LMS365Connector"]
