"""Connectors that feed the terminal UI in the TUI benchmarks (B6 to B8).

The UI benchmarks measure the UI, so what it loads comes from connectors that do no network:

* :class:`PrebuiltConnector` yields enrollment records already built (by a real sync), in pages
  of 200 with a yield to the event loop between pages, as a connector streaming pages does;
  users and courses are empty listings, so the UI's work is the enrollments' alone.
* :class:`EnrollmentsOnly` passes ``list_enrollments`` through to a real connector (B8 gives it
  one reading replayed HTTP answers) and lists no users or courses; ``gate`` holds the listing
  back until it is set, so a measurement can be taken with the app up and nothing loaded, and
  ``client`` (the inner connector's HTTP client) is closed with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Self

import httpx

from core.capabilities import Capabilities
from core.connections import Connection
from core.connector import Connector
from core.models import Course, Enrollment, EnrollmentStatus, User

PAGE = 200


class _NoHttp(Connector):
    vendor = "bench"
    capabilities = Capabilities(operations=frozenset())

    def __init__(self) -> None:
        # No super().__init__(): these connectors never open an HTTP client of their own.
        self.base_url = "http://bench.invalid"
        self._owns_client = False

    @classmethod
    def from_secrets(
        cls,
        *,
        base_url: str,
        secrets: Mapping[str, str],
        http_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> Self:
        raise NotImplementedError

    def _error_details(self, body: Any) -> tuple[str | None, str | None]:
        return None, None

    async def _nothing(self) -> AsyncIterator[Any]:
        return
        yield

    def list_users(self) -> AsyncIterator[User]:
        return self._nothing()

    def list_courses(self) -> AsyncIterator[Course]:
        return self._nothing()


class PrebuiltConnector(_NoHttp):
    def __init__(self, records: Sequence[Enrollment], page: int = PAGE) -> None:
        super().__init__()
        self.records = records
        self.page = page

    async def _pages(self) -> AsyncIterator[Enrollment]:
        records, page = self.records, self.page
        for start in range(0, len(records), page):
            await asyncio.sleep(0)
            for record in records[start : start + page]:
                yield record

    def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
    ) -> AsyncIterator[Enrollment]:
        return self._pages()


class EnrollmentsOnly(_NoHttp):
    def __init__(
        self,
        inner: Connector,
        *,
        gate: asyncio.Event | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__()
        self.inner = inner
        self.gate = gate
        self.client = client

    async def _enrollments(self) -> AsyncIterator[Enrollment]:
        if self.gate is not None:
            await self.gate.wait()
        async for record in self.inner.list_enrollments():
            yield record

    def list_enrollments(
        self,
        *,
        user_ids: Sequence[str] = (),
        course_ids: Sequence[str] = (),
        statuses: Sequence[EnrollmentStatus] = (),
    ) -> AsyncIterator[Enrollment]:
        return self._enrollments()

    async def aclose(self) -> None:
        await self.inner.aclose()
        if self.client is not None:
            await self.client.aclose()


def bench_connection(name: str = "bench") -> Connection:
    return Connection(name=name, vendor="bench", base_url="http://bench.invalid")
