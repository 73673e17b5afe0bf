"""Defer the cyclic garbage collector's full collections while a bulk listing runs.

Why: a full listing builds ~100,000 records that all survive, and CPython's collector walks
its whole oldest generation every time the survivors grow by a quarter of it. In a process that
also holds a large heap (the embedded sandbox's ``large`` tenants are ~2.5 million objects) each
of those full collections takes a good fraction of a second, several times per listing: half of
a sync's time, and seconds during which a paced client misses its turns.

What :func:`full_collections_deferred` does: while any listing is inside it, the threshold of
the oldest generation is raised out of reach (``gc.set_threshold``), so only full collections
wait; the young generations are still collected as usual, so the garbage cycles a listing makes
and drops at once are freed as before. When the last listing leaves, the thresholds it found are
put back and the next full collection comes on its usual terms, once for the whole listing.

Safety:

* It is one process-wide setting shared by every listing running at once, in any task or
  thread: a counter under a lock, so the first to enter saves the thresholds and the last to
  leave restores them, whatever the order they leave in (concurrent tasks do not nest LIFO).
* Inside an async generator the ``with`` block spans its ``yield``s; leaving by exhaustion, an
  exception, ``aclose()`` or cancellation all run its exit. An abandoned generator is closed by
  asyncio's async-generator finalizer as soon as its last reference goes.
* Memory stays bounded by the listing: what waits is only cyclic garbage that survived two
  young collections before it became garbage, which a listing of records makes little of.
* Only the oldest generation's threshold changes; a collector disabled with ``gc.disable()``
  stays disabled, and an explicit ``gc.collect()`` still runs a full collection.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

#: the oldest generation's threshold while deferred: the young collections it counts would
#: take billions of allocations to reach it
DEFERRED_THRESHOLD: Final = 2**30

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


def deferring() -> bool:
    """Whether full collections are deferred right now (some listing is inside)."""
    return _depth > 0


@contextmanager
def full_collections_deferred() -> Iterator[None]:
    """Inside, the collector runs no full collection of its own accord (see the module
    docstring); reentrant and safe across tasks and threads."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            young, middle, oldest = gc.get_threshold()
            _saved = (young, middle, oldest)
            gc.set_threshold(young, middle, DEFERRED_THRESHOLD)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                young, middle, _ = gc.get_threshold()  # young ones set meanwhile are kept
                gc.set_threshold(young, middle, _saved[2])
                _saved = None
