"""The sandbox app: every vendor emulation mounted under its prefix, and the admin API.

``create_app(SandboxConfig(...))`` opens the store (seeding it from the scenario when it is
empty) and returns a Starlette app; it serves from one event loop, with one worker. Routes:

* ``/docebo/...``: Docebo's Learn REST API (``sandbox.vendors.docebo``).
* ``/kombo/v1/...``: Kombo's unified LMS API (``sandbox.vendors.kombo``).
* ``/ispring/...``: iSpring Learn's REST API (``sandbox.vendors.ispring``).
* ``/lms365/...``: LMS365's OData v4 Cloud API (``sandbox.vendors.lms365``).
* ``GET /_sandbox/health``: ``{"status": "ok", "scenario", "seed", "persistent", "vendors":
  {name: {table: count}}}``.
* ``GET /_sandbox/credentials``: ``{vendor: {"base_url", ...credentials}}``.
* ``GET /_sandbox/events``: ``{"events": [{"id", "vendor", "event", "recorded_at", "body"}]}``,
  the webhook events the vendors' actions fired, oldest first; ``?vendor=``, ``?event=``,
  ``?after=<id>``, ``?limit=`` (1000 by default).
* With ``SandboxConfig(admin_token=...)`` (``lmsbridge sandbox --admin-token``; generated and
  printed when the sandbox listens beyond loopback) every admin route but health needs
  ``Authorization: Bearer <admin token>``.
* ``POST /_sandbox/reset``: restore the seeded state (every vendor), durable on return; the event
  log is emptied and the fault rules are those of the configuration again (none by default).
* ``POST /_sandbox/faults``: add a fault rule (``sandbox.faults`` describes them), answered 201
  with the rule and its ``id``; 400 ``{"error", "status"}`` for a rule that cannot be read.
* ``GET /_sandbox/faults``: ``{"faults": [rule, ...]}``, each with ``fired``, the times it fired.
* ``DELETE /_sandbox/faults/{id}``: ``{"status": "deleted", "fault": rule}`` (404 if unknown);
  ``DELETE /_sandbox/faults``: ``{"status": "deleted", "count": n}``, every rule.
* ``/_sandbox/webhooks``: subscribers, the delivery log, replay and delivery settings
  (``sandbox.webhooks``); every recorded event is delivered to the subscribers that want it.
* ``/_sandbox/snapshots``, ``/namespaces``, ``/clock``, ``/activity`` and ``/journal``: the
  developer tools of ``sandbox.admin``. A namespace's copy of the sandbox is served under
  ``/_ns/<id>`` (``sandbox.namespaces``), with its own admin API at ``/_ns/<id>/_sandbox``.

A reset also empties the request journal, drops the webhook subscribers and their delivery
log, puts the clock back to real time and the learner activity to the scenario's; it keeps
snapshots and namespaces. Fault rules of the
configuration are the scenario's ``[[faults]]`` then ``SandboxConfig.faults``.

Every vendor's tenant is built from the scenario's one world (``sandbox.seeding``): Docebo's,
the reference, holds it as is; the others hold the copy ``drift_world`` makes for their name,
which differs when the scenario has a ``[drift]`` table (the default scenario does), so that
reconciling two tenants has something to find.

Errors of the platform itself (an unknown path, a wrong method, a body over
``sandbox.front.MAX_BODY`` bytes, answered 413) are rendered in the format of the vendor whose
prefix the path is under.
The sandbox imports nothing from ``core``: the connectors are proven against it by tests.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from platformdirs import user_data_path
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.activity import Activity, parse_plan
from sandbox.admin import NAMESPACE_ROUTES, TOOL_ROUTES
from sandbox.clock import Clock
from sandbox.events import EventLog
from sandbox.faults import FaultError, Faults, check_rules
from sandbox.front import Front
from sandbox.http import BodyError, JSONResponse, read_json_object, route_path
from sandbox.journal import Journal
from sandbox.namespaces import Namespaces, Spec
from sandbox.routing import IndexedRouter, indexed_mount
from sandbox.seeding import Scenario, build_world, drift_world, load_scenario
from sandbox.snapshots import Snapshot, Snapshots
from sandbox.store import Store
from sandbox.vendors.base import Tables, Vendor, VendorError
from sandbox.vendors.docebo import DoceboBackend
from sandbox.vendors.ispring import ISpringBackend
from sandbox.vendors.kombo import KomboBackend
from sandbox.vendors.lms365 import LMS365Backend
from sandbox.webhooks import WEBHOOK_ROUTES, Webhooks

VENDORS: Final[tuple[type[Vendor], ...]] = (
    DoceboBackend,
    KomboBackend,
    ISpringBackend,
    LMS365Backend,
)
#: the vendor whose tenant holds the scenario's world as is; every other one drifts from it
REFERENCE_VENDOR: Final = DoceboBackend.name


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    scenario: str = "default"
    seed: int | None = None
    #: where the state persists; the user data directory when None
    data_dir: Path | None = None
    #: keep the state in memory only
    memory: bool = False
    #: when set, every admin route but health needs ``Authorization: Bearer <admin_token>``
    admin_token: str | None = field(default=None, repr=False)
    #: fault rules in force from the start (``sandbox.faults``), as ``POST /_sandbox/faults``
    #: takes them
    faults: Sequence[Mapping[str, Any]] = ()
    #: webhook delivery settings (``sandbox.webhooks``), as ``POST /_sandbox/webhooks/settings``
    #: takes them; a reset comes back to these
    webhooks: Mapping[str, Any] = field(default_factory=dict)


def default_data_dir(scenario: Scenario) -> Path:
    return user_data_path("lmsbridge") / "sandbox" / f"{scenario.name}-{scenario.seed}"


#: seeded tables by (scenario, vendors), the most recent few, shared by every sandbox of them
_SEEDED: dict[tuple[Scenario, tuple[str, ...]], Tables] = {}
SEEDED_CACHE_SIZE: Final = 4


class Sandbox:
    """The running sandbox: the scenario, the store and every vendor's tenant; or, with a
    ``tenant``, one namespace's copy of them (``only`` some vendors, ``seeded`` from tables
    already built)."""

    def __init__(
        self,
        config: SandboxConfig,
        *,
        tenant: str = "",
        only: Sequence[str] | None = None,
        seeded: Tables | None = None,
    ) -> None:
        self.config = config
        self.scenario = load_scenario(config.scenario, config.seed)
        self.directory = (
            None if config.memory else config.data_dir or default_data_dir(self.scenario)
        )
        self.store = Store(self.directory)
        try:
            self.clock = Clock()
            self.events = EventLog(self.store, self.clock)
            self.vendors: dict[str, Vendor] = {
                cls.name: cls(
                    self.store, self.clock, self.scenario.seed, self.events, tenant=tenant
                )
                for cls in VENDORS
                if only is None or cls.name in only
            }
            self.webhooks = Webhooks(
                self.clock,
                list(self.vendors),
                lambda vendor, purpose: self.vendors[vendor].secret(purpose),
                config.webhooks,
            )
            self.events.listeners.append(self.webhooks.on_event)
            where = str(self.scenario.source or self.scenario.name)
            check_rules(self.scenario.faults, self.vendors.values(), f"{where} [[faults]]")
            check_rules(config.faults, self.vendors.values(), "the configuration")
            rules = [*self.scenario.faults, *config.faults]
            self.faults = Faults(self.scenario.seed, self.vendors.values(), rules)
            timer = self.scenario.activity
            try:
                plan = parse_plan(timer, self.vendors, timer=True) if timer is not None else None
            except ValueError as err:
                raise ValueError(f"{where} [activity]: {err}") from None
            self.activity = Activity(
                self.store, self.vendors, f"{self.scenario.seed}:{tenant}", plan
            )
            self.journal = Journal(self.clock, self.vendors.values())
            self.snapshots = Snapshots()
            #: the namespaces made from this sandbox (None inside a namespace)
            self.namespaces: Namespaces | None = None
            #: seeded tables of other scenarios or seeds, for the next namespace of them
            self.seeds: dict[tuple[Path | None, int], Tables] = {}
            self._seeded: Tables | None = seeded
            if self.store.is_empty:
                self.store.replace_all(self.seed_tables())
                self._rebuild()
            else:
                self._seed_new_vendors()
        except BaseException:
            self.store.close(compact=False)
            raise

    def seed_tables(self) -> Tables:
        """Every vendor's tables for the scenario, built once per process: a second sandbox of
        the same scenario (a test's fresh in-memory sandbox, a reset) shares them. Documents
        are never mutated in place, and the store copies each table's mapping, so sharing them
        is safe."""
        if self._seeded is None:
            key: tuple[Scenario, tuple[str, ...]] | None = (self.scenario, tuple(self.vendors))
            try:
                cached = _SEEDED.get(key)  # type: ignore[arg-type]
            except TypeError:  # a scenario with tables of its own ([[faults]]) is not hashable
                key, cached = None, None
            if cached is None:
                world = build_world(self.scenario)
                cached = {}
                for name, vendor in self.vendors.items():
                    own = world if name == REFERENCE_VENDOR else drift_world(world, name)
                    cached |= vendor.seed_tables(own)
                if key is not None:
                    _SEEDED[key] = cached
                while len(_SEEDED) > SEEDED_CACHE_SIZE:
                    del _SEEDED[next(iter(_SEEDED))]
            self._seeded = cached
        return self._seeded

    def _seed_new_vendors(self) -> None:
        """Seed the vendors a saved state has no tables of (it predates them)."""
        present = {name.partition(".")[0] for name, docs in self.store.tables.items() if docs}
        missing = [name for name in self.vendors if name not in present]
        if not missing:
            return
        seeded = self.seed_tables()
        added = {
            table: docs for table, docs in seeded.items() if table.partition(".")[0] in missing
        }
        self.store.replace_all({**self.store.tables, **added})
        self._rebuild()

    def _rebuild(self) -> None:
        self.events.rebuild()
        for vendor in self.vendors.values():
            vendor.rebuild()

    async def reset(self) -> None:
        await self.store.replace_all_async(self.seed_tables())
        self._rebuild()
        self.faults.reset()
        self.clock.reset()
        self.journal.reset()
        self.activity.reset()
        self.webhooks.reset()

    async def restore(self, name: str) -> Snapshot:
        """Swap in a snapshot's state; on any failure the state before is put back."""
        snapshot = self.snapshots.get(name)
        before = self.store.tables
        try:
            await self.store.replace_all_async(snapshot.tables)
            self._rebuild()
        except BaseException:
            self.store.replace_all(before)
            self._rebuild()
            raise
        return snapshot

    def counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for name, docs in self.store.tables.items():
            vendor, _, table = name.partition(".")
            counts.setdefault(vendor, {})[table] = len(docs)
        return counts

    def credentials(self, base_url: str) -> dict[str, dict[str, str]]:
        return {name: vendor.credentials(base_url) for name, vendor in self.vendors.items()}

    def vendor_for(self, path: str) -> Vendor | None:
        for vendor in self.vendors.values():
            if path == vendor.prefix or path.startswith(vendor.prefix + "/"):
                return vendor
        return None

    def close(self) -> None:
        self.activity.stop()
        self.webhooks.close()
        if self.namespaces is not None:
            self.namespaces.close()
        self.store.close()


def sandbox_of(app: Starlette) -> Sandbox:
    sandbox = app.state.sandbox
    assert isinstance(sandbox, Sandbox)
    return sandbox


def sandbox_credentials(app: Starlette, base_url: str) -> dict[str, dict[str, str]]:
    """Each vendor's base URL under ``base_url`` and its credentials."""
    return sandbox_of(app).credentials(base_url)


# -- the admin API -----------------------------------------------------------------------------


async def health(request: Request) -> Response:
    sandbox = sandbox_of(request.app)
    return JSONResponse(
        {
            "status": "ok",
            "scenario": sandbox.scenario.name,
            "seed": sandbox.scenario.seed,
            "persistent": sandbox.store.durable,
            "vendors": sandbox.counts(),
        }
    )


async def credentials(request: Request) -> Response:
    base_url = str(request.base_url).rstrip("/")
    return JSONResponse(sandbox_of(request.app).credentials(base_url))


async def reset(request: Request) -> Response:
    sandbox = sandbox_of(request.app)
    await sandbox.reset()
    return JSONResponse({"status": "reset", "vendors": sandbox.counts()})


async def events(request: Request) -> Response:
    params = request.query_params
    try:
        after = int(params.get("after") or 0)
        limit = int(params.get("limit") or 1000)
    except ValueError:
        raise HTTPException(400, "after and limit must be whole numbers") from None
    if after < 0 or not 1 <= limit <= 10_000:
        raise HTTPException(400, "after must be >= 0 and limit between 1 and 10000")
    found = sandbox_of(request.app).events.list(
        vendor=params.get("vendor"), event=params.get("event"), after=after, limit=limit
    )
    return JSONResponse({"events": found})


async def add_fault(request: Request) -> Response:
    try:
        body = await read_json_object(request)
        rule = sandbox_of(request.app).faults.add(body)
    except (BodyError, FaultError) as err:
        raise HTTPException(400, str(err)) from None
    return JSONResponse(rule.to_json(), status_code=201)


async def list_faults(request: Request) -> Response:
    rules = sandbox_of(request.app).faults.rules
    return JSONResponse({"faults": [rule.to_json() for rule in rules]})


async def delete_fault(request: Request) -> Response:
    rule_id = request.path_params["fault_id"]
    rule = sandbox_of(request.app).faults.remove(rule_id)
    if rule is None:
        raise HTTPException(404, f"no fault rule {rule_id!r}")
    return JSONResponse({"status": "deleted", "fault": rule.to_json()})


async def delete_faults(request: Request) -> Response:
    removed = sandbox_of(request.app).faults.clear()
    return JSONResponse({"status": "deleted", "count": removed})


ADMIN_ROUTES: Final[list[BaseRoute]] = [
    Route("/health", health, methods=["GET"]),
    Route("/events", events, methods=["GET"]),
    Route("/credentials", credentials, methods=["GET"]),
    Route("/reset", reset, methods=["POST"]),
    Route("/faults", list_faults, methods=["GET"]),
    Route("/faults", add_fault, methods=["POST"]),
    Route("/faults", delete_faults, methods=["DELETE"]),
    Route("/faults/{fault_id}", delete_fault, methods=["DELETE"]),
    *WEBHOOK_ROUTES,
    *TOOL_ROUTES,
    *NAMESPACE_ROUTES,
]


# -- errors ------------------------------------------------------------------------------------


async def vendor_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, VendorError)
    return exc.render()


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    vendor = sandbox_of(request.app).vendor_for(route_path(request.scope))
    if vendor is not None:
        response = vendor.http_error(exc.status_code, exc.detail)
    else:
        response = JSONResponse(
            {"error": exc.detail, "status": exc.status_code}, status_code=exc.status_code
        )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """The sandbox as an ASGI app; its state is open (and seeded) on return."""
    sandbox = Sandbox(config or SandboxConfig())
    sandbox.namespaces = Namespaces(functools.partial(_make_namespace, sandbox))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        try:
            sandbox.activity.start()
            yield {}
        finally:
            sandbox.close()

    return build_app(sandbox, lifespan=lifespan)


def build_app(
    sandbox: Sandbox,
    lifespan: Callable[[Starlette], contextlib.AbstractAsyncContextManager[Any]] | None = None,
) -> Starlette:
    """The app serving ``sandbox``: its vendors, its admin API and its middleware (from the
    outside in, all in ``sandbox.front.Front``: namespaces, the admin token, the journal, faults,
    the body limit)."""
    routes: list[BaseRoute] = [
        indexed_mount(vendor.prefix, vendor.routes()) for vendor in sandbox.vendors.values()
    ]
    admin = ADMIN_ROUTES
    if sandbox.namespaces is None:
        admin = [route for route in ADMIN_ROUTES if route not in NAMESPACE_ROUTES]
    routes.append(indexed_mount("/_sandbox", admin))
    app = Starlette(
        exception_handlers={VendorError: vendor_error, HTTPException: http_error},
    )
    # the routes a path can match looked up before Starlette's scan (``sandbox.routing``)
    app.router = IndexedRouter(routes, lifespan=lifespan)
    app.state.sandbox = sandbox
    app.state.webhooks = sandbox.webhooks
    app.add_middleware(
        Front,
        journal=sandbox.journal,
        faults=sandbox.faults,
        namespaces=sandbox.namespaces,
        admin_token=sandbox.config.admin_token,
    )
    return app


#: seeded tables of scenarios other than the sandbox's own, kept for the next namespace
_SEEDS_KEPT: Final = 4


def _make_namespace(root: Sandbox, ns_id: str, spec: Spec) -> tuple[Sandbox, Starlette]:
    """A namespace's sandbox (in memory, seeded from ``spec``) and its app."""
    scenario = spec.scenario or root.config.scenario
    seed = spec.seed
    if seed is None and spec.scenario is None:
        seed = root.scenario.seed
    config = dataclasses.replace(
        root.config, scenario=scenario, seed=seed, memory=True, data_dir=None, faults=()
    )
    only = spec.vendors
    names = tuple(cls.name for cls in VENDORS if only is None or cls.name in only)
    probe = load_scenario(scenario, seed)
    seeded: Tables | None = None
    if (probe.source, probe.seed) == (root.scenario.source, root.scenario.seed):
        seeded = root.seed_tables()
    else:
        seeded = root.seeds.get((probe.source, probe.seed))
    if seeded is not None:
        seeded = {t: docs for t, docs in seeded.items() if t.partition(".")[0] in names}
        if {t.partition(".")[0] for t in seeded} != set(names):
            seeded = None  # kept for fewer vendors than this one has
    sandbox = Sandbox(config, tenant=ns_id, only=only, seeded=seeded)
    if seeded is None and only is None:
        root.seeds[(probe.source, probe.seed)] = sandbox.seed_tables()
        while len(root.seeds) > _SEEDS_KEPT:
            root.seeds.pop(next(iter(root.seeds)))
    with contextlib.suppress(RuntimeError):  # the scenario's activity timer, from the loop
        sandbox.activity.start()
    return sandbox, build_app(sandbox)
