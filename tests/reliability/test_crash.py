"""The sandbox SIGKILLed in the middle of a write load restarts with every acknowledged write
present and its state loadable (``tests/e2e/test_persistence.py`` kills it between writes; a
bulk run killed mid-way is ``tests/e2e/test_bulk_interrupt.py``)."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.crash import crash_trials
from tests.reliability.harness import BUDGET, SMALL_SCENARIO


async def test_sigkill_mid_write_load_loses_no_acknowledged_write(tmp_path: Path) -> None:
    figures = await crash_trials(
        tmp_path / "state", SMALL_SCENARIO, BUDGET.crash_trials, BUDGET.crash_writes
    )
    assert figures["acknowledged"] >= BUDGET.crash_trials
    assert (figures["lost"], figures["duplicates"]) == (0, 0)
