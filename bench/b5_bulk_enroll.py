"""B5: bulk enroll through the operations layer.

What: pairs per second for enrolling 10,000 distinct free (user, course) pairs through the
operations layer, as ``lmsbridge bulk`` does it: ``core.operations.plan`` against a
``LocalView`` loaded beforehand (the load is not timed; its duration is in the figures), then
``execute`` with its default concurrency and a run journal (``lmsbridge bulk`` keeps one for
every tenant a run can be resumed against, fsynced as items finish), each vendor's real
connector on the client a connector makes for itself (``core.connector.new_http_client``). The
pairs are drawn at random (fixed seed) from the view's users and its courses that take
enrollments (not an ``inactive`` one), skipping pairs already enrolled, so they spread over
every course: about 250 learners a course, which the connectors with a batch call (Docebo,
iSpring) send 100 to a call. The operations run in a child process, as the load generator
does, so they do not share the serving process's interpreter; a request hook records every
HTTP request they send (method, path and query, headers, body).

Baseline (the issue's "the same requests sent with the raw HTTP client at the same
concurrency"): every request of that run, reads included, in the order sent, with the same
bodies and headers, sent again by a plain ``httpx.AsyncClient`` from ``new_http_client`` (the
project's HTTP client, made as a connector makes it) with the same number in flight, in a child
process on the same event loop, after the sandbox is reset to the same state. The ratio is
operations pairs/s over replay pairs/s; target >= 0.7. It prices the operations layer and the
connectors (planning, the journal, mapping answers into records, the view) over the bare
client sending the same requests. What a connector sends beyond the writes counts on both
sides, so the figures also give the counts of writes and reads and, for context, the bare
asyncio client of :mod:`bench.rawhttp` replaying the writes alone (what an ideal client that
sent nothing else would need), and the CPU seconds of each child.

The sandbox is an in-memory server of its own over the ``default`` scenario with 2,000 people
(the ``default`` scenario itself and 1,000 pairs for ``--quick``), reset (``POST
/_sandbox/reset``) before each side.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import random
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench.context import Context
from bench.harness import Row, Target
from bench.loadgen import ROOT, LoadSpec, run_load
from bench.recording import AUTOMATIC_HEADERS
from bench.scenarios import derived_scenario
from bench.serving import BenchServer
from bench.vendors import PROFILES
from sandbox.app import SandboxConfig, create_app

TARGET = Target(">=", 0.7)
NAME = "B5 bulk enroll"
#: pairs per vendor (full run, quick run)
PAIRS = (10_000, 1_000)
USERS = 2000


def default_concurrency() -> int:
    from core.operations import execute

    value = inspect.signature(execute).parameters["concurrency"].default
    assert isinstance(value, int)
    return value


def run(ctx: Context) -> list[Row]:
    if ctx.quick:
        scenario = "default"
    else:
        scenario = str(
            derived_scenario(
                "default", ctx.tmp, "default with 2,000 people (bench B5)", users=USERS
            )
        )
    count = PAIRS[1] if ctx.quick else PAIRS[0]
    rows: list[Row] = []
    with BenchServer(
        create_app(SandboxConfig(scenario=scenario, memory=True)), log_file=ctx.log_file
    ) as server:
        known = set(ctx.connections())
        for vendor, credentials in server.credentials().items():
            name = f"{NAME} ({vendor})"
            if vendor not in known or vendor not in PROFILES:
                rows.append(Row.not_measured(name, str(TARGET), f"no connector for {vendor!r}"))
                continue
            rows.append(measure(server, vendor, credentials, count, name, ctx.tmp / "b5-runs"))
    return rows


#: listings a vendor serves by POST (the filters in the body), by path end: reads, not writes
READ_BY_POST = {"ispring": ("/enrollments",)}


def is_read(vendor: str, method: str, target: str) -> bool:
    path = target.partition("?")[0]
    return method == "GET" or (method == "POST" and path.endswith(READ_BY_POST.get(vendor, ())))


def reset(server: BenchServer) -> None:
    """Restore the seeded state through the admin API (in the server's own thread)."""
    httpx.post(server.base_url + "/_sandbox/reset", timeout=120.0).raise_for_status()


def measure(
    server: BenchServer,
    vendor: str,
    credentials: Mapping[str, str],
    count: int,
    name: str,
    journal_dir: Path,
) -> Row:
    concurrency = default_concurrency()
    reset(server)
    ops = run_child(
        ChildSpec(server.base_url, vendor, dict(credentials), count, str(journal_dir)),
        ChildResult,
    )
    failed = {k: v for k, v in ops.outcomes.items() if k != "created" and v}
    if ops.outcomes.get("created", 0) == 0:
        raise RuntimeError(f"the operations layer enrolled nothing: {ops.outcomes}")
    profile = PROFILES[vendor]
    writes = [r for r in ops.requests if not is_read(vendor, r[0], r[1])]
    reads = len(ops.requests) - len(writes)

    reset(server)
    authorization = {
        k: v for k, v in profile.auth_headers(credentials).items() if k.lower() == "authorization"
    }
    replay = run_child(
        ReplaySpec(server.base_url, authorization, ops.requests, concurrency), ReplayResult
    )
    reset(server)
    raw = run_load(
        LoadSpec(
            base_url=server.base_url,
            client="raw",
            method="GET",
            template="",
            headers=profile.auth_headers(credentials),
            requests=writes,
            concurrency=concurrency,
            duration=600.0,
            warmup=0.0,
        )
    )
    reset(server)
    if not raw.exhausted:
        raise RuntimeError("the raw replay of the writes did not finish in its time limit")
    pairs = ops.pairs
    ops_rate = pairs / ops.seconds
    replay_rate = pairs / replay.seconds
    raw_rate = pairs / raw.elapsed
    errors = replay.errors + raw.errors
    figures = (
        f"{pairs:,} pairs in {len(writes):,} writes + {reads:,} reads: operations "
        f"{ops.seconds:.2f} s ({ops_rate:,.0f} pairs/s; plan {ops.plan_seconds:.2f} s, execute "
        f"{ops.execute_seconds:.2f} s; CPU {ops.cpu_seconds:.2f} s) vs httpx replaying all "
        f"{len(ops.requests):,} requests {replay.seconds:.2f} s ({replay_rate:,.0f} pairs/s; "
        f"CPU {replay.cpu_seconds:.2f} s); raw client replaying the writes alone "
        f"{raw.elapsed:.2f} s ({raw_rate:,.0f} pairs/s, operations/that "
        f"{ops_rate / raw_rate:.2f}); c={concurrency}; view loaded in {ops.load_seconds:.2f} s"
        + (f"; outcomes other than created: {failed}" if failed else "")
        + (f"; {errors} replay errors" if errors else "")
    )
    return Row.measured(name, ops_rate / replay_rate, TARGET, figures)


# -- the children: the operations layer, and the replay, each in a process of its own ----------


@dataclass(frozen=True, slots=True)
class ChildSpec:
    base_url: str
    vendor: str
    credentials: dict[str, str]
    pairs: int
    #: where the run's journal is kept (and discarded once nothing failed)
    journal_dir: str
    seed: int = 5


@dataclass(frozen=True, slots=True)
class ChildResult:
    pairs: int
    load_seconds: float
    plan_seconds: float
    execute_seconds: float
    #: CPU seconds the child spent planning and executing
    cpu_seconds: float
    outcomes: dict[str, int]
    #: every request sent while planning and executing: [method, target, headers, body]
    requests: list[list[Any]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.plan_seconds + self.execute_seconds


@dataclass(frozen=True, slots=True)
class ReplaySpec:
    base_url: str
    #: the headers that authenticate (the recording leaves them out)
    authorization: dict[str, str]
    requests: list[list[Any]]
    concurrency: int


@dataclass(frozen=True, slots=True)
class ReplayResult:
    seconds: float
    cpu_seconds: float
    errors: int


R = TypeVar("R", ChildResult, ReplayResult)


def run_child(spec: ChildSpec | ReplaySpec, result: type[R]) -> R:
    payload = {"kind": type(spec).__name__, "spec": asdict(spec)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.b5_bulk_enroll"],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        tail = " ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"the bulk enroll child failed ({done.returncode}): {tail}")
    return result(**json.loads(done.stdout))


async def replay(spec: ReplaySpec) -> ReplayResult:
    """Send the recorded requests in order, ``concurrency`` in flight, on the client a
    connector makes for itself; each answer read whole, as a connector reads it."""
    from core.connector import new_http_client

    queue = iter(spec.requests)
    errors = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for method, target, headers, body in queue:
            response = await client.request(
                method,
                spec.base_url + target,
                headers={**headers, **spec.authorization},
                content=body.encode() or None,
            )
            errors += response.status_code >= 400

    async with new_http_client() as client:
        start, cpu = time.perf_counter(), time.process_time()
        async with asyncio.TaskGroup() as group:
            for _ in range(spec.concurrency):
                group.create_task(worker(client))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return ReplayResult(seconds=seconds, cpu_seconds=cpu, errors=errors)


class Recorder:
    """A request hook that keeps every request (only while ``on``); :meth:`requests` writes
    them out afterwards, so the timed run pays only for a list append."""

    def __init__(self) -> None:
        self.on = False
        self.sent: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> None:
        if self.on:
            self.sent.append(request)

    def requests(self) -> list[list[Any]]:
        """[method, target, headers, body] of each request, without the headers the client
        sets by itself and the credentials."""
        return [
            [
                request.method,
                request.url.raw_path.decode("ascii"),
                {
                    k: v
                    for k, v in request.headers.items()
                    if k.lower() not in AUTOMATIC_HEADERS and k.lower() != "authorization"
                },
                request.content.decode(),
            ]
            for request in self.sent
        ]


async def child(spec: ChildSpec) -> ChildResult:
    from core.connections import sandbox_connections
    from core.connector import new_http_client
    from core.operations import Action, Journal, Request, execute, plan, summarize
    from core.view import LocalView

    base = {**spec.credentials}
    (connection,) = sandbox_connections({spec.vendor: base})
    recorder = Recorder()
    # the client a connector makes for itself, as ``lmsbridge bulk`` runs it, plus the hook
    async with new_http_client() as client:
        client.event_hooks = {"request": [recorder], "response": []}
        async with connection.connector(http_client=client) as connector:
            start = time.perf_counter()
            view = await LocalView.load(connector)
            load_seconds = time.perf_counter() - start
            taken = {(e.user.id, e.course.id) for e in view.enrollments.values()}
            users = sorted(view.users)
            courses = sorted(
                course.id
                for course in view.courses.values()
                if (course.status or "").lower() != "inactive"
            )
            rng = random.Random(spec.seed)
            chosen: set[tuple[str, str]] = set()
            requests: list[Request] = []
            while len(requests) < spec.pairs:
                pair = (rng.choice(users), rng.choice(courses))
                if pair in taken or pair in chosen:
                    continue
                chosen.add(pair)
                requests.append(Request(Action.ENROLL, pair[0], pair[1]))
            recorder.on = True
            start, cpu = time.perf_counter(), time.process_time()
            made = plan(connection.name, connector, view, requests)
            journal = Journal.for_plan(Path(spec.journal_dir), made)
            planned = time.perf_counter()
            reports = await execute(made, connector, view, journal=journal)
            finished, cpu = time.perf_counter(), time.process_time() - cpu
            recorder.on = False
    return ChildResult(
        pairs=len(requests),
        load_seconds=load_seconds,
        plan_seconds=planned - start,
        execute_seconds=finished - planned,
        cpu_seconds=cpu,
        outcomes={str(k): v for k, v in summarize(reports).items()},
        requests=recorder.requests(),
    )


def main() -> None:
    payload = json.loads(sys.stdin.read())
    result: ChildResult | ReplayResult
    if payload["kind"] == ReplaySpec.__name__:
        result = asyncio.run(replay(ReplaySpec(**payload["spec"])))
    else:
        result = asyncio.run(child(ChildSpec(**payload["spec"])))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
