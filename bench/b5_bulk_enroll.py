"""B5: bulk enroll through the operations layer.

What: pairs per second for enrolling 10,000 distinct free (user, course) pairs through the
operations layer, as ``lmsbridge bulk`` does it: ``core.operations.plan`` against a
``LocalView`` loaded beforehand (the load is not timed; its duration is in the figures), then
``execute`` with its default concurrency, each vendor's real connector on the client a connector
makes for itself (``core.connector.new_http_client``). The pairs are drawn at random (fixed
seed) from the view's users and its courses that take enrollments (not an ``inactive`` one),
skipping pairs already enrolled, so they spread over every course: about 250 learners a
course, which iSpring's connector sends 100 to a call. The operations run in a child process,
as the load generator does, so they do not share the serving process's interpreter; a request
hook records every HTTP request they send (method, path, headers, body).

Baseline: the write requests of that run (every request but a GET, in the order sent, with the
same bodies) sent again by the raw asyncio client of :mod:`bench.loadgen` at the same
concurrency, after the sandbox is reset to the same state. The ratio is operations pairs/s over
raw pairs/s; target ≥ 0.7. What the operations layer sends beyond those writes (Docebo's
connector reads each enrollment back after writing it, iSpring's lists each batch's) counts
against it; for context the row also gives the raw client replaying *every* request of the run,
reads included, so that the extra requests and the client's own cost can be told apart.

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
from typing import Any

import httpx

from bench.context import Context
from bench.harness import Row, Target
from bench.loadgen import ROOT, LoadResult, LoadSpec, run_load
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
            rows.append(measure(server, vendor, credentials, count, name))
    return rows


def reset(server: BenchServer) -> None:
    """Restore the seeded state through the admin API (in the server's own thread)."""
    httpx.post(server.base_url + "/_sandbox/reset", timeout=120.0).raise_for_status()


def measure(
    server: BenchServer, vendor: str, credentials: Mapping[str, str], count: int, name: str
) -> Row:
    concurrency = default_concurrency()
    reset(server)
    ops = run_child(ChildSpec(server.base_url, vendor, dict(credentials), count))
    failed = {k: v for k, v in ops.outcomes.items() if k != "created" and v}
    if ops.outcomes.get("created", 0) == 0:
        raise RuntimeError(f"the operations layer enrolled nothing: {ops.outcomes}")
    profile = PROFILES[vendor]
    writes = [r for r in ops.requests if r[0] != "GET"]

    def replay(requests: list[list[Any]]) -> LoadResult:
        reset(server)
        return run_load(
            LoadSpec(
                base_url=server.base_url,
                client="raw",
                method="GET",
                template="",
                headers=profile.auth_headers(credentials),
                requests=requests,
                concurrency=concurrency,
                duration=600.0,
                warmup=0.0,
            )
        )

    raw = replay(writes)
    everything = replay(ops.requests)
    reset(server)
    if not raw.exhausted or not everything.exhausted:
        raise RuntimeError("a raw replay did not finish in its time limit")
    pairs = ops.pairs
    ops_rate = pairs / ops.seconds
    raw_rate = pairs / raw.elapsed
    all_rate = pairs / everything.elapsed
    reads = len(ops.requests) - len(writes)
    raw_errors = raw.errors + everything.errors
    figures = (
        f"{pairs:,} pairs: operations {ops.seconds:.2f} s ({ops_rate:,.0f} pairs/s; plan "
        f"{ops.plan_seconds:.2f} s, execute {ops.execute_seconds:.2f} s; "
        f"{len(writes):,} writes + {reads:,} reads) vs raw client sending the writes "
        f"{raw.elapsed:.2f} s ({raw_rate:,.0f} pairs/s); raw replay of all "
        f"{len(ops.requests):,} requests {everything.elapsed:.2f} s ({all_rate:,.0f} pairs/s, "
        f"operations/that {ops_rate / all_rate:.2f}); c={concurrency}; view loaded in "
        f"{ops.load_seconds:.2f} s"
        + (f"; outcomes other than created: {failed}" if failed else "")
        + (f"; {raw_errors} raw errors" if raw_errors else "")
    )
    return Row.measured(name, ops_rate / raw_rate, TARGET, figures)


# -- the child: the operations layer in a process of its own ------------------------------------


@dataclass(frozen=True, slots=True)
class ChildSpec:
    base_url: str
    vendor: str
    credentials: dict[str, str]
    pairs: int
    seed: int = 5


@dataclass(frozen=True, slots=True)
class ChildResult:
    pairs: int
    load_seconds: float
    plan_seconds: float
    execute_seconds: float
    outcomes: dict[str, int]
    #: every request sent while planning and executing: [method, target, headers, body]
    requests: list[list[Any]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.plan_seconds + self.execute_seconds


def run_child(spec: ChildSpec) -> ChildResult:
    done = subprocess.run(
        [sys.executable, "-m", "bench.b5_bulk_enroll"],
        input=json.dumps(asdict(spec)),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        tail = " ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"the bulk enroll child failed ({done.returncode}): {tail}")
    return ChildResult(**json.loads(done.stdout))


class Recorder:
    """A request hook that notes every request (only while ``on``)."""

    def __init__(self) -> None:
        self.on = False
        self.sent: list[list[Any]] = []

    async def __call__(self, request: httpx.Request) -> None:
        if self.on:
            headers = {
                k: v
                for k, v in request.headers.items()
                if k.lower() not in AUTOMATIC_HEADERS and k.lower() != "authorization"
            }
            target = request.url.raw_path.decode("ascii")
            self.sent.append([request.method, target, headers, request.content.decode()])


async def child(spec: ChildSpec) -> ChildResult:
    from core.connections import sandbox_connections
    from core.connector import new_http_client
    from core.operations import Action, Request, execute, plan, summarize
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
            start = time.perf_counter()
            made = plan(connection.name, connector, view, requests)
            planned = time.perf_counter()
            reports = await execute(made, connector, view)
            finished = time.perf_counter()
            recorder.on = False
    return ChildResult(
        pairs=len(requests),
        load_seconds=load_seconds,
        plan_seconds=planned - start,
        execute_seconds=finished - planned,
        outcomes={str(k): v for k, v in summarize(reports).items()},
        requests=recorder.sent,
    )


def main() -> None:
    spec = ChildSpec(**json.loads(sys.stdin.read()))
    print(json.dumps(asdict(asyncio.run(child(spec)))))


if __name__ == "__main__":
    main()
