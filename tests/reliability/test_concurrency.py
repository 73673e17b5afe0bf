"""Concurrent writes across every vendor: identical enrolls make one enrollment, distinct ones
make one each, and an enroll racing an unenroll ends as one of their serial orders would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.concurrency import (
    VENDORS,
    LiveSandbox,
    distinct_enrolls,
    enroll_unenroll_race,
    identical_enrolls,
    live_sandbox,
)
from tests.reliability.harness import BUDGET, SMALL_SCENARIO


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSandbox]:
    with live_sandbox(tmp_path_factory.mktemp("concurrency"), SMALL_SCENARIO) as live:
        yield live


@pytest.mark.parametrize("vendor", VENDORS)
async def test_identical_concurrent_enrolls_make_exactly_one(
    live: LiveSandbox, vendor: str
) -> None:
    figures = await identical_enrolls(live, vendor, BUDGET.identical)
    assert figures["records"] == 1


@pytest.mark.parametrize("vendor", VENDORS)
async def test_distinct_concurrent_enrolls_make_one_each(live: LiveSandbox, vendor: str) -> None:
    count = min(BUDGET.distinct, 100)
    figures = await distinct_enrolls(live, vendor, count, skip=1)
    assert figures == {"enrolled": count, "duplicates": 0, "others": 0}


@pytest.mark.parametrize("vendor", [v for v in VENDORS if v != "kombo"])
async def test_enroll_racing_unenroll_ends_in_a_serial_state(
    live: LiveSandbox, vendor: str
) -> None:
    for trial in range(BUDGET.races):
        await enroll_unenroll_race(live, vendor, each=10, skip=200 + trial)


def test_kombo_has_no_unenroll_to_race() -> None:
    """Kombo's API has no unenroll (progressions are completed, never removed), so its race is
    the identical-enroll one above."""
    from core.capabilities import Operation
    from core.connectors import connector_class

    capabilities = connector_class("kombo").capabilities
    assert not capabilities.supports(Operation.UNENROLL)
