"""Namespaces: isolated copies of the sandbox, for tests that run in parallel.

``POST /_sandbox/namespaces {"vendor"?, "scenario"?, "seed"?}`` seeds a fresh, in-memory
copy of the vendors' state (every vendor, or the one named) from a scenario of ``seed-data/``
(by name; the sandbox's own by default) and answers 201 ``{"id", "base_url", "scenario",
"seed", "vendors", "credentials": {vendor: {"base_url", ...}}}``. The copy has its own tenant:
its own credentials (derived from the seed and the namespace's id, so the sandbox's own do not
work there, nor another namespace's), its own clock, event log, fault rules, journal,
snapshots and learner activity. It is served under ``/_ns/<id>``: the vendors at
``/_ns/<id>/docebo/...`` and so on, and its own admin API at ``/_ns/<id>/_sandbox/...``
(everything but namespaces). Writes to one namespace are never seen by another, nor by the
sandbox itself. ``DELETE /_sandbox/namespaces/<id>`` drops it; ``GET /_sandbox/namespaces``
lists them. A reset of the sandbox keeps its namespaces; a restart loses them.

A namespace of the sandbox's own scenario and seed shares the seeded documents (which are
never changed in place), so making one costs a copy of the tables' indexes, not a new world.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.http import JSONResponse, route_path

if TYPE_CHECKING:
    from sandbox.app import Sandbox

PREFIX: Final = "/_ns/"
MAX_NAMESPACES: Final = 100
FIELDS: Final = frozenset({"vendor", "scenario", "seed"})
_SCENARIO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class NamespaceError(ValueError):
    """A namespace that cannot be made or found; ``status`` is the HTTP answer's."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Spec:
    """What a namespace is seeded from: None takes the sandbox's own."""

    vendors: tuple[str, ...] | None = None
    scenario: str | None = None
    seed: int | None = None


@dataclass(frozen=True, slots=True)
class Namespace:
    id: str
    sandbox: Sandbox
    app: ASGIApp

    def to_json(self, base_url: str) -> dict[str, Any]:
        own = f"{base_url.rstrip('/')}{PREFIX}{self.id}"
        return {
            "id": self.id,
            "base_url": own,
            "scenario": self.sandbox.scenario.name,
            "seed": self.sandbox.scenario.seed,
            "vendors": list(self.sandbox.vendors),
            "credentials": self.sandbox.credentials(own),
        }


def parse_spec(body: Mapping[str, Any], vendors: Sequence[str]) -> Spec:
    unknown = sorted(str(key) for key in body if key not in FIELDS)
    if unknown:
        raise NamespaceError(f"unknown field {unknown[0]!r}; use {', '.join(sorted(FIELDS))}")
    vendor = body.get("vendor")
    if vendor is not None and vendor not in vendors:
        names = ", ".join(repr(name) for name in vendors)
        raise NamespaceError(f"vendor must be one of {names} or null (every one), not {vendor!r}")
    scenario = body.get("scenario")
    if scenario is not None and (
        not isinstance(scenario, str) or not _SCENARIO_NAME.fullmatch(scenario)
    ):
        raise NamespaceError(
            f"scenario must be the name of a scenario in seed-data/, not {scenario!r}"
        )
    seed = body.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise NamespaceError(f"seed must be a whole number, not {seed!r}")
    return Spec(vendors=(vendor,) if vendor else None, scenario=scenario, seed=seed)


class Namespaces:
    """The namespaces of one sandbox; ``make`` builds one's sandbox and app."""

    def __init__(self, make: Callable[[str, Spec], tuple[Sandbox, ASGIApp]]) -> None:
        self.make = make
        self.live: dict[str, Namespace] = {}
        self._next = 1

    def create(self, spec: Spec) -> Namespace:
        if len(self.live) >= MAX_NAMESPACES:
            raise NamespaceError(
                f"there are already {MAX_NAMESPACES} namespaces; delete one first", status=409
            )
        ns_id = f"ns{self._next}"
        self._next += 1
        sandbox, app = self.make(ns_id, spec)
        namespace = self.live[ns_id] = Namespace(ns_id, sandbox, app)
        return namespace

    def get(self, ns_id: str) -> Namespace | None:
        return self.live.get(ns_id)

    def delete(self, ns_id: str) -> Namespace:
        namespace = self.live.pop(ns_id, None)
        if namespace is None:
            raise NamespaceError(f"no namespace {ns_id!r}", status=404)
        namespace.sandbox.close()
        return namespace

    def close(self) -> None:
        for ns_id in list(self.live):
            self.delete(ns_id)


class NamespaceRouter:
    """ASGI middleware sending ``/_ns/<id>/...`` to that namespace's app, with ``root_path``
    ``/_ns/<id>`` (so its links and credentials name the namespace's base URL). Any other
    request costs one ``startswith``."""

    def __init__(self, app: ASGIApp, namespaces: Namespaces) -> None:
        self.app = app
        self.namespaces = namespaces

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope) if scope["type"] == "http" else ""
        if not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        ns_id = path[len(PREFIX) :].partition("/")[0]
        namespace = self.namespaces.get(ns_id)
        if namespace is None:
            response = JSONResponse(
                {"error": f"no namespace {ns_id!r}", "status": 404}, status_code=404
            )
            await response(scope, receive, send)
            return
        root = scope.get("root_path", "") + PREFIX + ns_id
        await namespace.app({**scope, "root_path": root, "app_root_path": root}, receive, send)
