"""The events the vendors' actions fired (the webhooks a real tenant would send), in order.

Each vendor records the body its webhook would carry; ``GET /_sandbox/events`` lists them,
oldest first, filtered by ``vendor``, ``event`` and ``after`` (an event id), at most ``limit``.
The log lives in the store like any other state: durable, and emptied by a reset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from sandbox.clock import Clock
from sandbox.query import Collection
from sandbox.store import Doc, Store

EVENTS: Final = "sandbox.events"

#: told of every event as it is recorded: ``(vendor, event, event id, body)``
Listener = Callable[[str, str, int, dict[str, Any]], None]


class EventLog:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        #: called after each event is recorded (``sandbox.webhooks`` delivers it)
        self.listeners: list[Listener] = []
        self.rebuild()

    def rebuild(self) -> None:
        self.collection = Collection(
            self.store,
            EVENTS,
            indexes={"vendor": lambda d: d["vendor"], "event": lambda d: d["event"]},
        )

    def record(self, vendor: str, event: str, body: dict[str, Any]) -> int:
        """Record one event; the caller commits it with the write that fired it."""
        event_id = self.collection.insert(
            {
                "vendor": vendor,
                "event": event,
                "recorded_at": self.clock.now().isoformat(timespec="milliseconds"),
                "body": body,
            }
        )
        for listener in self.listeners:
            listener(vendor, event, event_id, body)
        return event_id

    def next_id(self) -> int:
        """The id the next recorded event will get (for message ids inside its body)."""
        return self.store.peek_id(EVENTS)

    def list(
        self,
        *,
        vendor: str | None = None,
        event: str | None = None,
        after: int = 0,
        limit: int = 1000,
    ) -> list[Doc]:
        where = {}
        if vendor:
            where["vendor"] = [vendor]
        if event:
            where["event"] = [event]
        ids, _more, _start = self.collection.select(where=where).after((0, after), limit)
        docs = self.collection.docs
        return [{"id": doc_id, **docs[doc_id]} for doc_id in ids]
