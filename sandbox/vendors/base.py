"""What every vendor emulation provides to the platform (``sandbox.app``)."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from typing import ClassVar

from starlette.responses import Response
from starlette.routing import BaseRoute

from sandbox.clock import Clock
from sandbox.events import EventLog
from sandbox.seeding import World
from sandbox.store import Doc, Store

Tables = dict[str, dict[int, Doc]]


class VendorError(Exception):
    """Base of every vendor's errors: knows its HTTP status and renders the vendor's body."""

    status: int = 400

    @abstractmethod
    def render(self) -> Response: ...


class Vendor(ABC):
    """One vendor's tenant: its tables in the store, its routes, its credentials."""

    name: ClassVar[str]
    prefix: ClassVar[str]

    def __init__(
        self, store: Store, clock: Clock, seed: int, events: EventLog, *, tenant: str = ""
    ) -> None:
        self.store = store
        self.clock = clock
        self.seed = seed
        self.events = events
        #: empty for the sandbox's own tenant; a namespace's id for a namespace's copy, so that
        #: every namespace has credentials of its own
        self.tenant = tenant

    def secret(self, purpose: str, length: int = 32) -> str:
        """A stable credential of this tenant, derived from the scenario's seed (and the
        namespace, for a namespace's tenant)."""
        source = f"lmsbridge:{self.name}:{purpose}:{self.seed}"
        if self.tenant:
            source += f":{self.tenant}"
        return hashlib.sha256(source.encode()).hexdigest()[:length]

    @abstractmethod
    def routes(self) -> list[BaseRoute]:
        """The vendor's routes, relative to ``prefix``."""

    @abstractmethod
    def seed_tables(self, world: World) -> Tables:
        """The vendor's tables for a freshly seeded world (pure: no store writes)."""

    @abstractmethod
    def rebuild(self) -> None:
        """Rebuild in-memory indexes and sessions from the store (at start, after a reset)."""

    @abstractmethod
    def credentials(self, base_url: str) -> dict[str, str]:
        """``base_url`` (the vendor's prefix under ``base_url``) and the tenant's credentials."""

    @abstractmethod
    def http_error(self, status: int, detail: str) -> Response:
        """An error of the platform (unknown route, wrong method, body too large) in the
        vendor's own format."""
