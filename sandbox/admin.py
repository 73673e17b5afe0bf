"""The admin API's developer tools, under ``/_sandbox`` (``sandbox.app`` mounts them).

Every answer is JSON; every refusal is a 4xx ``{"error", "status"}`` that says why.

Snapshots (``sandbox.snapshots``)
    ``POST /snapshots {"name"}`` saves the state (201; a name in use is replaced);
    ``GET /snapshots``; ``POST /snapshots/{name}/restore``; ``DELETE /snapshots/{name}``.
Namespaces (``sandbox.namespaces``; not inside a namespace)
    ``POST /namespaces {"vendor"?, "scenario"?, "seed"?}`` (201); ``GET /namespaces``;
    ``GET /namespaces/{id}``; ``DELETE /namespaces/{id}``.
Clock (``sandbox.clock``)
    ``GET /clock``: ``{"now", "frozen", "offset_seconds"}``. ``POST /clock`` with any of, applied
    in this order: ``"reset": true`` (real time, running), ``"set": "<ISO 8601 date-time>"``
    (a date alone is midnight; no zone is UTC), ``"advance": <seconds> | "<n>s|m|h|d|w"``,
    ``"freeze": true | false`` (stand still / run on from there). Answers the clock.
Learner activity (``sandbox.activity``)
    ``POST /activity {"vendor"?, "count"?, "steps"?}``: ``{"changes": [...], "count"}``;
    ``GET /activity``: the timer and totals; ``POST /activity/timer {"every_seconds", "vendor"?,
    "count"?, "steps"?}``; ``DELETE /activity/timer``.
Request journal (``sandbox.journal``)
    ``GET /journal?vendor=&method=&path=&status=&after=&limit=``: ``{"requests": [...],
    "settings"}``; ``DELETE /journal`` empties it; ``GET /journal/settings``; ``POST
    /journal/settings {"enabled"?, "bodies"?, "size"?}``.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Final, cast

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.activity import ActivityError, parse_plan
from sandbox.clock import Clock
from sandbox.http import BodyError, JSONResponse, read_json_object
from sandbox.journal import JournalError, parse_filters
from sandbox.namespaces import NamespaceError, Namespaces, parse_spec
from sandbox.snapshots import SnapshotError
from sandbox.store import StoreError

if TYPE_CHECKING:
    from sandbox.app import Sandbox

CLOCK_FIELDS: Final = frozenset({"reset", "set", "advance", "freeze"})
#: the furthest the clock may be moved in one call: a hundred years
MAX_MOVE: Final = 100 * 365 * 86_400.0
#: the clock stays between these instants (every date renders with four digits)
EPOCH: Final = 0.0
YEAR_3000: Final = 32_503_680_000.0
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def _sandbox(request: Request) -> Sandbox:
    return cast("Sandbox", request.app.state.sandbox)


async def _body(request: Request) -> dict[str, Any]:
    try:
        return await read_json_object(request)
    except BodyError as err:
        raise HTTPException(400, str(err)) from None


# -- snapshots ---------------------------------------------------------------------------------


async def save_snapshot(request: Request) -> Response:
    sandbox = _sandbox(request)
    body = await _body(request)
    try:
        snapshot = sandbox.snapshots.save(
            body.get("name"), sandbox.store.tables, sandbox.clock.now()
        )
    except SnapshotError as err:
        raise HTTPException(err.status, str(err)) from None
    return JSONResponse(snapshot.to_json(), status_code=201)


async def list_snapshots(request: Request) -> Response:
    return JSONResponse({"snapshots": _sandbox(request).snapshots.list()})


async def restore_snapshot(request: Request) -> Response:
    sandbox = _sandbox(request)
    try:
        snapshot = await sandbox.restore(request.path_params["name"])
    except SnapshotError as err:
        raise HTTPException(err.status, str(err)) from None
    except StoreError as err:
        raise HTTPException(
            503, f"the state could not be written; nothing changed: {err}"
        ) from None
    return JSONResponse(
        {"status": "restored", "snapshot": snapshot.to_json(), "vendors": sandbox.counts()}
    )


async def delete_snapshot(request: Request) -> Response:
    try:
        snapshot = _sandbox(request).snapshots.delete(request.path_params["name"])
    except SnapshotError as err:
        raise HTTPException(err.status, str(err)) from None
    return JSONResponse({"status": "deleted", "snapshot": snapshot.to_json()})


# -- namespaces --------------------------------------------------------------------------------


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _namespaces(request: Request) -> Namespaces:
    namespaces = _sandbox(request).namespaces
    if namespaces is None:  # the routes are not mounted inside a namespace
        raise HTTPException(404, "namespaces are made by the sandbox, not inside a namespace")
    return namespaces


async def create_namespace(request: Request) -> Response:
    sandbox = _sandbox(request)
    namespaces = _namespaces(request)
    body = await _body(request)
    try:
        namespace = namespaces.create(parse_spec(body, list(sandbox.vendors)))
    except NamespaceError as err:
        raise HTTPException(err.status, str(err)) from None
    except ValueError as err:  # the scenario cannot be loaded (ScenarioError, FaultError...)
        raise HTTPException(400, str(err)) from None
    return JSONResponse(namespace.to_json(_base_url(request)), status_code=201)


async def list_namespaces(request: Request) -> Response:
    base = _base_url(request)
    live = _namespaces(request).live.values()
    return JSONResponse({"namespaces": [namespace.to_json(base) for namespace in live]})


async def get_namespace(request: Request) -> Response:
    ns_id = request.path_params["ns_id"]
    namespace = _namespaces(request).get(ns_id)
    if namespace is None:
        raise HTTPException(404, f"no namespace {ns_id!r}")
    return JSONResponse(namespace.to_json(_base_url(request)))


async def delete_namespace(request: Request) -> Response:
    try:
        namespace = _namespaces(request).delete(request.path_params["ns_id"])
    except NamespaceError as err:
        raise HTTPException(err.status, str(err)) from None
    return JSONResponse({"status": "deleted", "id": namespace.id})


# -- the clock ---------------------------------------------------------------------------------


def _instant(value: Any) -> float:
    if not isinstance(value, str):
        raise HTTPException(400, f"set must be an ISO 8601 date-time string, not {value!r}")
    text = value.strip()
    try:
        moment = (
            datetime.fromisoformat(text)
            if "T" in text or " " in text
            else datetime.combine(date.fromisoformat(text), datetime.min.time())
        )
    except ValueError:
        raise HTTPException(
            400, f"set must be an ISO 8601 date-time such as 2027-01-31T09:00:00Z, not {value!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.timestamp()
    except (OverflowError, ValueError):
        raise HTTPException(400, "set must be between 1970 and 3000") from None


def _seconds(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.fullmatch(value.strip())):
        seconds = float(match[1]) * _UNITS[match[2]]
    else:
        raise HTTPException(
            400, f'advance must be seconds or a duration such as "90m", "3d", "2w", not {value!r}'
        )
    if abs(seconds) > MAX_MOVE:
        raise HTTPException(400, "advance must be at most a hundred years")
    return seconds


def apply_clock(clock: Clock, body: dict[str, Any]) -> None:
    """Check every field, then apply them: reset, set, advance, freeze."""
    unknown = sorted(str(key) for key in body if key not in CLOCK_FIELDS)
    if unknown:
        raise HTTPException(
            400, f"unknown field {unknown[0]!r}; use {', '.join(sorted(CLOCK_FIELDS))}"
        )
    for key in ("reset", "freeze"):
        if key in body and not isinstance(body[key], bool):
            raise HTTPException(400, f"{key} must be true or false, not {body[key]!r}")
    instant = _instant(body["set"]) if "set" in body else None
    if instant is not None and not EPOCH <= instant <= YEAR_3000:
        raise HTTPException(400, "set must be between 1970 and 3000")
    move = _seconds(body["advance"]) if "advance" in body else None
    before = (clock.offset, clock.frozen_at)
    if body.get("reset"):
        clock.reset()
    if instant is not None:
        clock.set(instant)
    if move is not None:
        clock.advance(move)
    if body.get("freeze") is True:
        clock.freeze()
    elif body.get("freeze") is False:
        clock.resume()
    if not EPOCH <= clock.time() <= YEAR_3000:
        clock.offset, clock.frozen_at = before
        raise HTTPException(400, "the clock must stay between 1970 and 3000")


async def get_clock(request: Request) -> Response:
    return JSONResponse(_sandbox(request).clock.to_json())


async def set_clock(request: Request) -> Response:
    clock = _sandbox(request).clock
    apply_clock(clock, await _body(request))
    return JSONResponse(clock.to_json())


# -- learner activity --------------------------------------------------------------------------


async def run_activity(request: Request) -> Response:
    sandbox = _sandbox(request)
    try:
        plan = parse_plan(await _body(request), sandbox.vendors)
    except ActivityError as err:
        raise HTTPException(400, str(err)) from None
    changes = sandbox.activity.run(plan)
    await sandbox.store.commit()
    return JSONResponse({"changes": changes, "count": len(changes)})


async def get_activity(request: Request) -> Response:
    return JSONResponse(_sandbox(request).activity.state())


async def set_activity_timer(request: Request) -> Response:
    sandbox = _sandbox(request)
    try:
        plan = parse_plan(await _body(request), sandbox.vendors, timer=True)
    except ActivityError as err:
        raise HTTPException(400, str(err)) from None
    sandbox.activity.set_timer(plan)
    return JSONResponse(sandbox.activity.state())


async def stop_activity_timer(request: Request) -> Response:
    activity = _sandbox(request).activity
    activity.set_timer(None)
    return JSONResponse(activity.state())


# -- the request journal -----------------------------------------------------------------------


async def list_journal(request: Request) -> Response:
    journal = _sandbox(request).journal
    try:
        filters = parse_filters(request.query_params)
    except JournalError as err:
        raise HTTPException(400, str(err)) from None
    return JSONResponse({"requests": journal.list(**filters), "settings": journal.settings()})


async def clear_journal(request: Request) -> Response:
    return JSONResponse({"status": "cleared", "count": _sandbox(request).journal.clear()})


async def get_journal_settings(request: Request) -> Response:
    return JSONResponse(_sandbox(request).journal.settings())


async def set_journal_settings(request: Request) -> Response:
    journal = _sandbox(request).journal
    try:
        settings = journal.configure(await _body(request))
    except JournalError as err:
        raise HTTPException(400, str(err)) from None
    return JSONResponse(settings)


NAMESPACE_ROUTES: Final[list[BaseRoute]] = [
    Route("/namespaces", list_namespaces, methods=["GET"]),
    Route("/namespaces", create_namespace, methods=["POST"]),
    Route("/namespaces/{ns_id}", get_namespace, methods=["GET"]),
    Route("/namespaces/{ns_id}", delete_namespace, methods=["DELETE"]),
]

TOOL_ROUTES: Final[list[BaseRoute]] = [
    Route("/snapshots", list_snapshots, methods=["GET"]),
    Route("/snapshots", save_snapshot, methods=["POST"]),
    Route("/snapshots/{name}/restore", restore_snapshot, methods=["POST"]),
    Route("/snapshots/{name}", delete_snapshot, methods=["DELETE"]),
    Route("/clock", get_clock, methods=["GET"]),
    Route("/clock", set_clock, methods=["POST"]),
    Route("/activity", get_activity, methods=["GET"]),
    Route("/activity", run_activity, methods=["POST"]),
    Route("/activity/timer", set_activity_timer, methods=["POST"]),
    Route("/activity/timer", stop_activity_timer, methods=["DELETE"]),
    Route("/journal", list_journal, methods=["GET"]),
    Route("/journal", clear_journal, methods=["DELETE"]),
    Route("/journal/settings", get_journal_settings, methods=["GET"]),
    Route("/journal/settings", set_journal_settings, methods=["POST"]),
]
