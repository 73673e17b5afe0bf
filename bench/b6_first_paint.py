"""B6: terminal UI, first paint of 100,000 enrollments (headless).

What: wall time from starting the app (``make_app(...).run_test(size=(120, 40))``, headless)
until the browse screen has been repainted with every one of the ``large`` scenario's 100,000
enrollments loaded (the app's ``on_ready`` hook, which runs after that repaint). The records are
real ones (made once by a full Docebo sync of the live sandbox) fed by a connector that yields
them in pages of 200 without HTTP (``bench.tui_support.PrebuiltConnector``), so the figure is
the UI's own work: start-up, display rows and search strings, batching, table updates, paints.

Each run starts as ``lmsbridge`` does: what the process holds before the app starts (imported
modules, the records to feed) is frozen out of the cyclic collector's scans first, as
``lmsbridge`` freezes what it imports at start-up (``sandbox.heap.long_lived``).

Baseline: building the 100,000 display rows from the records (``tui.records.RowBuilder``, as
a list comprehension). Target: ratio ≤ 3. The row also gives the time to the app being up, to
the first rows on screen, and of one run with Python's cyclic garbage collector disabled.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Sequence

from bench.context import Context
from bench.harness import Row, Target, median, median_time
from bench.tui_support import PrebuiltConnector, bench_connection
from core.models import Enrollment
from tui.app import LmsBridgeApp, make_app
from tui.records import Kind, RowBuilder

TARGET = Target("<=", 3.0)
SIZE = (120, 40)
#: seconds to wait for a load before giving up
TIMEOUT = 300.0


def build_rows(records: Sequence[Enrollment]) -> int:
    builder = RowBuilder(Kind.ENROLLMENTS)
    rows = [builder.row(record) for record in records]
    return len(rows)


def loaded_app(
    records: Sequence[Enrollment], ready: asyncio.Event, stamps: dict[str, float]
) -> LmsBridgeApp:
    """The app fed ``records``; sets ``ready`` (and ``stamps["ready"]``) from ``on_ready``."""

    def on_ready(app: LmsBridgeApp) -> None:
        stamps["ready"] = time.perf_counter()
        ready.set()

    return make_app(
        [bench_connection()],
        connector_factory=lambda connection: PrebuiltConnector(records),
        on_ready=on_ready,
    )


async def first_paint(records: Sequence[Enrollment]) -> dict[str, float]:
    # What is alive before the app starts is frozen, as ``lmsbridge`` freezes what it imports
    # at start-up (``sandbox.heap.long_lived``); unfrozen after, so runs do not pin each other.
    gc.collect()
    gc.freeze()
    try:
        return await _first_paint(records)
    finally:
        gc.unfreeze()


async def _first_paint(records: Sequence[Enrollment]) -> dict[str, float]:
    ready = asyncio.Event()
    stamps: dict[str, float] = {}
    app = loaded_app(records, ready, stamps)
    start = time.perf_counter()
    async with app.run_test(size=SIZE):
        stamps["up"] = time.perf_counter()
        table = app.browser.table(Kind.ENROLLMENTS)
        # Polled: the app posts no event when its first rows arrive.
        while not table.row_count and not ready.is_set():  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        await app.screen.wait_for_refresh()
        stamps["first"] = time.perf_counter()
        await asyncio.wait_for(ready.wait(), TIMEOUT)
        dataset = app.browser.dataset(Kind.ENROLLMENTS)
        if dataset is None or dataset.total != len(records):
            raise RuntimeError("the app did not load every record")
    stamps["first"] = min(stamps["first"], stamps["ready"])
    return {key: value - start for key, value in stamps.items()}


def run(ctx: Context) -> list[Row]:
    records = ctx.ui_sync().records
    runs = []
    for _ in range(ctx.sizes.repeat):
        runs.append(asyncio.run(first_paint(records)))
    rows_time, _ = median_time(lambda: build_rows(records), max(3, ctx.sizes.repeat))
    gc.collect()
    gc.disable()  # once more without the cyclic collector, to show its share
    try:
        no_gc = asyncio.run(first_paint(records))["ready"]
    finally:
        gc.enable()
    took = {key: median([r[key] for r in runs]) for key in ("up", "first", "ready")}
    figures = (
        f"all {len(records):,} painted {took['ready']:.2f} s (app up {took['up']:.2f} s, first "
        f"rows {took['first']:.2f} s; {no_gc:.2f} s with the cyclic GC off) vs building the "
        f"rows {rows_time * 1000:.0f} ms"
    )
    return [Row.measured("B6 TUI first paint", took["ready"] / rows_time, TARGET, figures)]
