"""The load generator: concurrent HTTP requests for a fixed time, from a separate process.

``run_load(spec)`` (in the benchmark process) starts ``python -m bench.loadgen``, hands it a
:class:`LoadSpec` as JSON on stdin and reads a :class:`LoadResult` as JSON from its stdout. The
child runs ``concurrency`` workers on one event loop (uvloop when installed), each on its own
keep-alive connection, for ``warmup`` seconds that are not counted and then ``duration`` seconds
that are. Requests come from one of four sources:

* ``targets``: one of these paths drawn at random for each request (list reads that follow the
  vendor's own cursors, collected beforehand);
* ``pages > 0``: ``template`` with ``{page}`` drawn at random from ``1..pages`` (list reads);
* ``pairs``: ``template.format(*pair)`` for each pair once, in order (distinct writes), with
  ``{0}`` and ``{1}`` in ``body`` replaced by the pair's members (JSON-escaped); the run ends
  early when they run out, and the result says so;
* ``requests``: ``[method, target, headers, body]`` each once, in order (a recorded run
  replayed; ``headers`` add to the spec's), ending early like ``pairs``.

Two clients: ``httpx`` (one ``AsyncClient`` with a pool of ``concurrency`` connections, as the
connectors use it) and ``raw`` (:mod:`bench.rawhttp`, a bare asyncio HTTP/1.1 client). The
benchmarks measure both against the same baseline route and say which one they report.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[1]
Client = Literal["raw", "httpx"]


@dataclass(frozen=True, slots=True)
class LoadSpec:
    base_url: str
    client: Client
    method: str
    template: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    pages: int = 0
    pairs: list[list[Any]] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    requests: list[list[Any]] = field(default_factory=list)
    concurrency: int = 32
    duration: float = 3.0
    warmup: float = 0.5
    seed: int = 1


@dataclass(frozen=True, slots=True)
class LoadResult:
    client: str
    requests: int
    elapsed: float
    errors: int
    statuses: dict[str, int]
    p50_ms: float
    p99_ms: float
    exhausted: bool
    #: CPU seconds the load generator itself used in the measured window
    cpu: float
    #: the measured window in wall-clock time (``time.time()``), comparable across processes
    window_start: float = 0.0
    window_end: float = 0.0
    #: cores the serving process (the caller of ``run_load``) used in the window
    server_cores: float = 0.0

    @property
    def rate(self) -> float:
        """Answered requests per second in the measured window."""
        return self.requests / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def cpu_per_request_us(self) -> float:
        return 1e6 * self.cpu / self.requests if self.requests else 0.0

    @property
    def server_per_request_us(self) -> float:
        """CPU microseconds the serving process spent per answered request."""
        return 1e6 * self.server_cores / self.rate if self.rate else 0.0


class CpuSampler:
    """This process's CPU time sampled every ``interval`` seconds in a thread, to learn how
    busy the server threads were during a child's measured window."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), time.process_time()))
            self._stop.wait(self.interval)
        self.samples.append((time.time(), time.process_time()))

    def __enter__(self) -> CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def cores(self, start: float, end: float) -> float:
        """Average cores used between two wall-clock times (0 when not covered)."""
        inside = [(t, c) for t, c in self.samples if start <= t <= end]
        if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
            return 0.0
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


#: below this many cores for the server during a baseline load, the machine (or the client)
#: held the server back, and a throughput ratio leans towards 1: the rows say so
SATURATED = 0.85


def busy_note(baselines: list[LoadResult]) -> str:
    """A warning for the figures when the server was not saturated during the baseline."""
    cores = sorted(r.server_cores for r in baselines)[len(baselines) // 2]
    if cores >= SATURATED:
        return ""
    return (
        f"; NOTE the server got only {cores:.2f} cores in the baseline (machine busy or client "
        "bound): the throughput ratio is biased towards 1, the CPU/req ratio is the safer reading"
    )


def run_load(spec: LoadSpec) -> LoadResult:
    """Run one load in a child process and return what it measured, with how many cores this
    process (the server's) used meanwhile."""
    timeout = spec.warmup + spec.duration + 120
    with CpuSampler() as sampler:
        done = subprocess.run(
            [sys.executable, "-m", "bench.loadgen"],
            input=json.dumps(asdict(spec)),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        tail = " ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"the load generator failed ({done.returncode}): {tail}")
    data = json.loads(done.stdout)
    if data.get("requests", 0) == 0:
        raise RuntimeError(f"the load generator completed no request: {data}")
    data["server_cores"] = sampler.cores(data["window_start"], data["window_end"])
    return LoadResult(**data)


# -- the child -----------------------------------------------------------------------------------


#: one request to send: method, target, headers, body
Outgoing = tuple[str, str, dict[str, str], bytes]


def fill(body: str, pair: list[Any]) -> str:
    """``body`` with ``{0}`` and ``{1}`` replaced by the pair's members, JSON-escaped."""
    for index, value in enumerate(pair):
        body = body.replace(f"{{{index}}}", json.dumps(str(value))[1:-1])
    return body


def _requests(spec: LoadSpec) -> Iterator[Outgoing]:
    method, headers, body = spec.method, spec.headers, spec.body.encode()
    if spec.targets:
        rng = random.Random(spec.seed)
        targets = spec.targets
        while True:
            yield method, rng.choice(targets), headers, body
    elif spec.pages > 0:
        rng = random.Random(spec.seed)
        template, pages = spec.template, spec.pages
        while True:
            yield method, template.format(page=rng.randint(1, pages)), headers, body
    elif spec.requests:
        for method, target, extra, content in spec.requests:
            yield method, target, {**headers, **extra}, content.encode()
    else:
        for pair in spec.pairs:
            yield method, spec.template.format(*pair), headers, fill(spec.body, pair).encode()


class _Window:
    """What the workers measured, shared between them (one event loop, no locks needed)."""

    def __init__(self, spec: LoadSpec) -> None:
        now = time.perf_counter()
        self.start = now + spec.warmup
        self.end = self.start + spec.duration
        self.last = self.start
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.errors = 0
        self.exhausted = False
        self.cpu_start = 0.0
        #: ``time.time()`` at the window's start
        self.wall_start = time.time() + spec.warmup

    def record(self, began: float, status: int | None) -> None:
        now = time.perf_counter()
        if began < self.start or now > self.end:
            return
        self.latencies.append(now - began)
        self.last = now
        key = str(status) if status is not None else "exception"
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if status is None or status >= 400:
            self.errors += 1


async def _raw_worker(spec: LoadSpec, outgoing: Iterator[Outgoing], window: _Window) -> None:
    from bench.rawhttp import RawConnection

    connection = RawConnection(spec.base_url)
    try:
        while time.perf_counter() < window.end:
            found = next(outgoing, None)
            if found is None:
                window.exhausted = True
                return
            request = connection.encode(*found)
            began = time.perf_counter()
            try:
                status, _ = await connection.send(request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                await connection.close()
                window.record(began, None)
                continue
            window.record(began, status)
    finally:
        await connection.close()


async def _httpx_worker(outgoing: Iterator[Outgoing], window: _Window, client: Any) -> None:
    import httpx

    while time.perf_counter() < window.end:
        found = next(outgoing, None)
        if found is None:
            window.exhausted = True
            return
        method, target, headers, body = found
        began = time.perf_counter()
        try:
            response = await client.request(method, target, headers=headers, content=body or None)
            _ = response.content
        except httpx.HTTPError:
            window.record(began, None)
            continue
        window.record(began, response.status_code)


async def _run(spec: LoadSpec) -> LoadResult:
    outgoing = _requests(spec)
    window = _Window(spec)

    async def cpu_mark() -> None:
        await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
        window.cpu_start = time.process_time()

    marker = asyncio.create_task(cpu_mark())
    if spec.client == "raw":
        workers = [_raw_worker(spec, outgoing, window) for _ in range(spec.concurrency)]
        await asyncio.gather(*workers)
    else:
        import httpx

        limits = httpx.Limits(
            max_connections=spec.concurrency, max_keepalive_connections=spec.concurrency
        )
        async with httpx.AsyncClient(
            base_url=spec.base_url, limits=limits, timeout=httpx.Timeout(60.0)
        ) as client:
            await asyncio.gather(
                *(_httpx_worker(outgoing, window, client) for _ in range(spec.concurrency))
            )
    await marker
    cpu = time.process_time() - window.cpu_start
    latencies = sorted(window.latencies)
    count = len(latencies)
    elapsed = (window.last if window.exhausted else window.end) - window.start

    def quantile(q: float) -> float:
        return 1000 * latencies[min(count - 1, int(q * count))] if count else 0.0

    return LoadResult(
        client=spec.client,
        requests=count,
        elapsed=elapsed,
        errors=window.errors,
        statuses=window.statuses,
        p50_ms=quantile(0.5),
        p99_ms=quantile(0.99),
        exhausted=window.exhausted,
        cpu=cpu,
        window_start=window.wall_start,
        window_end=window.wall_start + elapsed,
    )


def main() -> None:
    spec = LoadSpec(**json.loads(sys.stdin.read()))
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on POSIX
        result = asyncio.run(_run(spec))
    else:
        result = uvloop.run(_run(spec))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
