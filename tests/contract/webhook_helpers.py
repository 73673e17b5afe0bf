"""A webhook receiver for the tests: an ASGI app that records what it is sent and answers as it
is told, and helpers to route a sandbox's deliveries to it in process."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from sandbox.app import sandbox_of

HOOK_URL = "http://receiver.test/hook"


@dataclass(frozen=True, slots=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Receiver:
    """Records every request; ``fail[path]`` answers that many 500s first; a request to a path
    in ``hold`` waits until its event is set."""

    received: list[Received] = field(default_factory=list)
    fail: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    hold: dict[str, asyncio.Event] = field(default_factory=dict)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path: str = scope["path"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.received.append(Received(path, headers, body))
        if path in self.hold:
            await self.hold[path].wait()
        status = 200
        if self.fail[path] > 0:
            self.fail[path] -= 1
            status = 500
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


def route_deliveries(app: Starlette, receiver: Receiver) -> None:
    """Deliver ``app``'s webhooks to ``receiver`` in process (any host name reaches it)."""
    sandbox_of(app).webhooks.transport = httpx.ASGITransport(app=receiver)


async def subscribe(client: httpx.AsyncClient, root: str = "", **body: Any) -> dict[str, Any]:
    answer = await client.post(f"{root}/_sandbox/webhooks", json=body)
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


async def settled(client: httpx.AsyncClient, root: str = "", **params: Any) -> list[dict[str, Any]]:
    """The delivery log once no delivery is pending."""
    answer = await client.get(f"{root}/_sandbox/webhooks/deliveries", params={"wait": 10, **params})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["pending"] == 0
    deliveries: list[dict[str, Any]] = body["deliveries"]
    return deliveries
