"""What the benchmarks of one run share: the sizes, a scratch folder, one live sandbox server
over the benchmark scenario (in memory) and one recorded full sync per vendor.

Building the ``large`` scenario takes seconds and a full sync of it more, so both are made once,
on first use, and reused by B1, B3 and the terminal UI benchmarks (B6 to B8).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.recording import Exchange, RecordingTransport
from bench.serving import BenchServer
from core.connections import Connection, sandbox_connections
from core.models import Enrollment
from sandbox.app import SandboxConfig, create_app


@dataclass(frozen=True, slots=True)
class Sizes:
    #: the scenario of B1, B2 (the big side), B3 and B6 to B8
    scenario: str
    #: existing enrollments on B2's small side
    small_enrollments: int
    #: seconds of measured load per round (B1, B2), after ``warmup`` seconds not counted
    duration: float
    warmup: float
    #: rounds of alternating baseline and subject loads (B1, B2, B3); the median is kept
    rounds: int
    #: repetitions of timed in-process work (B3, B6, B7); the median is kept
    repeat: int
    #: start-ups timed per side (B9)
    startup_runs: int
    concurrency: int = 32
    list_page_size: int = 100


FULL = Sizes(
    scenario="large",
    small_enrollments=1000,
    duration=3.0,
    warmup=0.5,
    rounds=3,
    repeat=3,
    startup_runs=5,
)
QUICK = Sizes(
    scenario="default",
    small_enrollments=1000,
    duration=2.0,
    warmup=0.3,
    rounds=1,
    repeat=2,
    startup_runs=2,
)


@dataclass(frozen=True, slots=True)
class Synced:
    """One full enrollment sync through a vendor's connector, with its HTTP exchanges."""

    connection: Connection
    records: list[Enrollment]
    exchanges: list[Exchange]
    seconds: float


async def record_sync(connection: Connection) -> Synced:
    transport = RecordingTransport()
    async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(60.0)) as client:
        start = time.perf_counter()
        async with connection.connector(http_client=client) as connector:
            records = [record async for record in connector.list_enrollments()]
        seconds = time.perf_counter() - start
    return Synced(connection, records, transport.exchanges, seconds)


class Context:
    def __init__(self, *, quick: bool) -> None:
        self.quick = quick
        self.sizes = QUICK if quick else FULL
        self._tmp = tempfile.TemporaryDirectory(prefix="lmsbridge-bench-")
        self.tmp = Path(self._tmp.name)
        self.log_file = self.tmp / "uvicorn.log"
        self._server: BenchServer | None = None
        self._synced: dict[str, Synced] = {}

    def memory_server(self) -> BenchServer:
        """A running server over the benchmark scenario, kept in memory (reads only)."""
        if self._server is None:
            app = create_app(SandboxConfig(scenario=self.sizes.scenario, memory=True))
            server = BenchServer(app, log_file=self.log_file)
            server.start()
            self._server = server
        return self._server

    def connections(self) -> dict[str, Connection]:
        """The connections core knows how to open, by vendor, to :meth:`memory_server`."""
        credentials = self.memory_server().credentials()
        return {c.vendor: c for c in sandbox_connections(credentials)}

    def synced(self, vendor: str) -> Synced:
        """A full enrollment sync of ``vendor`` (made on first use)."""
        if vendor not in self._synced:
            connection = self.connections()[vendor]
            self._synced[vendor] = asyncio.run(record_sync(connection))
        return self._synced[vendor]

    def ui_sync(self) -> Synced:
        """The sync whose records the terminal UI benchmarks load: the first vendor core has a
        connector for (the UI benchmarks measure the UI, whichever vendor fed it)."""
        vendors = self.connections()
        if not vendors:
            raise RuntimeError("the sandbox has no vendor core has a connector for")
        return self.synced(next(iter(vendors)))

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._synced.clear()
        self._tmp.cleanup()
