"""Keep the cyclic garbage collector off the sandbox's long-lived data.

Opening a sandbox makes every tenant's documents and index entries: some 2.5 million objects
for the ``large`` scenario, all alive until the server stops, none in a reference cycle. CPython's
collector would walk them all in every full collection, and it starts one each time the
survivors grow by a quarter, so a server under a write load paused for one to several seconds
every few seconds (measured during B2 of the performance issue: 25 full collections in a run,
the longest 7.5 s, none freeing anything).

:func:`long_lived` wraps the opening of a server's sandbox: the collector is off while the data
is made (it would only scan it again and again as it piles up), and everything alive at the end
is moved to the permanent generation (``gc.freeze()``), which collections never walk.
Reference counting still frees those objects as usual when a reset or a delete drops them; only
a cycle among them would never be collected, and the store makes none.

Servers that live as long as their process use it (``lmsbridge sandbox``, the embedded sandbox's
child process, the benchmarks' servers); an app made inside a test is not frozen, since
freezing would pin everything the test process holds at that moment.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived() -> Iterator[None]:
    """Inside, the collector is off; on the way out (even by an exception) everything alive is
    frozen and the collector is turned back on if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
