"""The sandbox app's middleware, as one ASGI layer: namespaces, the admin token, the journal,
faults and the body limit, in that order (from the outside in).

Each of them was a layer of its own, and every request went through all five (with Starlette's
wrapping of each), though a request usually needs little of them: no namespace, no admin token,
no fault rule, the journal without bodies. :class:`Front` decides what a request needs from
its path once and calls only that: the body limit's ``receive`` inline, the journal's
recorder (:class:`~sandbox.journal.JournalRecorder`) for a vendor's request, the namespace
router (:class:`~sandbox.namespaces.NamespaceRouter`) and the fault injector
(:class:`~sandbox.faults.FaultInjector`) only when there are namespaces or rules (B2, the write
benchmark, counts every layer a request and its answer pass through).
What a request is answered is the same either way.
"""

from __future__ import annotations

import hmac
from typing import Final

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.faults import FaultInjector, Faults
from sandbox.http import JSONResponse, route_path
from sandbox.journal import Journal, JournalRecorder
from sandbox.namespaces import PREFIX, NamespaceRouter, Namespaces

#: the largest request body accepted (413 beyond it)
MAX_BODY: Final = 1 << 20
ADMIN_PREFIX: Final = "/_sandbox/"
#: the admin route that needs no token
HEALTH: Final = "/_sandbox/health"


def last_header(scope: Scope, name: bytes) -> bytes | None:
    """The last value of header ``name`` (as ``dict(scope["headers"])`` would keep it)."""
    found = None
    for key, value in scope["headers"]:
        if key == name:
            found = value
    return found


def limited_receive(scope: Scope, receive: Receive, limit: int) -> Receive:
    """``receive`` refusing a body over ``limit`` bytes with 413, declared or streamed."""
    declared = last_header(scope, b"content-length")
    received = 0

    async def limited() -> Message:
        nonlocal received
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise HTTPException(413, f"The request body is larger than {limit} bytes")
        message = await receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise HTTPException(413, f"The request body is larger than {limit} bytes")
        return message

    return limited


class BodyLimit:
    """Refuse a request body over ``limit`` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, limited_receive(scope, receive, self.limit), send)


def admin_refusal() -> JSONResponse:
    return JSONResponse(
        {"error": "the admin API needs Authorization: Bearer <admin token>", "status": 401},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


class AdminGuard:
    """The admin API (but its health check) refused without the admin token."""

    def __init__(self, token: str) -> None:
        self.expected = f"Bearer {token}".encode()

    def refuses(self, scope: Scope, path: str) -> bool:
        return (
            path.startswith(ADMIN_PREFIX)
            and path != HEALTH
            and not hmac.compare_digest(last_header(scope, b"authorization") or b"", self.expected)
        )


class Front:
    """The middleware of a sandbox's app (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        journal: Journal,
        faults: Faults,
        namespaces: Namespaces | None = None,
        admin_token: str | None = None,
        limit: int = MAX_BODY,
    ) -> None:
        self.app = app
        self.journal = journal
        self.faults = faults
        self.limit = limit
        self.guard = AdminGuard(admin_token) if admin_token else None
        self.namespaces = NamespaceRouter(app, namespaces) if namespaces is not None else None
        #: the layers under the journal when fault rules are in force (the usual case, no
        #: rules, is inline in ``_under_journal``), and the journal's recorder over them
        self.faulted = FaultInjector(BodyLimit(app, limit), faults)
        self.recorder = JournalRecorder(self._under_journal, journal)

    async def _under_journal(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.faults.rules:
            await self.faulted(scope, receive, send)
        else:
            await self.app(scope, limited_receive(scope, receive, self.limit), send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        if self.namespaces is not None and path.startswith(PREFIX):
            await self.namespaces(scope, receive, send)
            return
        if self.guard is not None and self.guard.refuses(scope, path):
            await admin_refusal()(scope, receive, send)
            return
        journal = self.journal
        vendor = journal.vendor_of(path) if journal.enabled else None
        if vendor is None:
            await self._under_journal(scope, receive, send)
            return
        if journal.bodies:
            await self.recorder.record_bodies(scope, receive, send, vendor, path)
        else:
            await self.recorder.record(scope, receive, send, vendor, path)
