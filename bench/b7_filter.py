"""B7: terminal UI, filter keystroke to repainted table at 100,000 rows.

What: with the ``large`` scenario's 100,000 enrollments loaded (as in B6) and the filter input
focused, the wall time from a key event reaching the app (``app.post_message(Key)``, as the
terminal driver posts it) to the screen's next repaint after the browse screen has applied the
filter (``screen.wait_for_refresh()``). The key is the first of a query, so the filter scans
every row: the worst keystroke (later ones narrow the previous result). Then backspace clears
it, and the next repetition starts again from every row shown.

Baseline: the same predicate as a list comprehension over the rows' search strings
(``[i for i, text in enumerate(search) if query in text]``). Target: ratio ≤ 10 and under
150 ms.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from textual import events

from bench.b6_first_paint import SIZE, TIMEOUT, loaded_app
from bench.context import Context
from bench.harness import Row, Target, median, median_time
from core.models import Enrollment
from tui.dataset import Dataset
from tui.records import Kind

TARGET = Target("<=", 10.0)
LIMIT_MS = 150.0
#: seconds a keystroke may take before the benchmark gives up
KEY_TIMEOUT = 30.0
#: the first key of the query: in most rows (course titles, statuses), so the repaint is full
QUERY = "s"


async def keystrokes(
    records: Sequence[Enrollment], repeat: int
) -> tuple[list[float], list[float], list[str], int]:
    """(filter times, clear times, the search strings, rows matched) in seconds."""
    ready = asyncio.Event()
    app = loaded_app(records, ready, {})
    filtering: list[float] = []
    clearing: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(ready.wait(), TIMEOUT)
        await pilot.press("/")
        await pilot.pause()
        dataset = app.browser.dataset(Kind.ENROLLMENTS)
        assert isinstance(dataset, Dataset)
        table = app.browser.table(Kind.ENROLLMENTS)

        async def stroke(key: str, character: str | None, query: str) -> float:
            start = time.perf_counter()
            app.post_message(events.Key(key, character))
            async with asyncio.timeout(KEY_TIMEOUT):
                # Polled (one loop turn at a time): no event tells the filter was applied.
                while dataset.query != query:  # noqa: ASYNC110
                    await asyncio.sleep(0)
                await app.screen.wait_for_refresh()
            return time.perf_counter() - start

        matched = 0
        for _ in range(repeat):
            await pilot.pause()
            filtering.append(await stroke(QUERY, QUERY, QUERY))
            matched = table.row_count
            await pilot.pause()
            clearing.append(await stroke("backspace", None, ""))
        search = dataset.search
    return filtering, clearing, search, matched


def run(ctx: Context) -> list[Row]:
    records = ctx.ui_sync().records
    repeat = max(5, 2 * ctx.sizes.repeat + 1)
    filtering, clearing, search, matched = asyncio.run(keystrokes(records, repeat))

    def comprehension() -> int:
        return len([i for i, text in enumerate(search) if QUERY in text])

    expected = comprehension()
    if matched != expected:
        raise RuntimeError(f"the table shows {matched} rows, the predicate matches {expected}")
    scan, _ = median_time(comprehension, repeat)
    took = median(filtering)
    figures = (
        f"keystroke {QUERY!r} to repaint {took * 1000:.0f} ms (worst {max(filtering) * 1000:.0f}"
        f" ms; clearing {median(clearing) * 1000:.0f} ms) vs predicate {scan * 1000:.1f} ms; "
        f"{matched:,} of {len(search):,} rows match"
    )
    return [
        Row.measured(
            "B7 TUI filter keystroke",
            took / scan,
            TARGET,
            figures,
            extra_ok=took * 1000 < LIMIT_MS,
            extra_target=f"< {LIMIT_MS:g} ms",
        )
    ]
