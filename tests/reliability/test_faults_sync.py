"""With about 30% of the requests answered 429 or 503 or left to time out, a full sync and a bulk
enroll end with exactly the records of a fault-free run, for every vendor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette

from sandbox.app import sandbox_of
from tests.reliability.concurrency import VENDORS, LiveSandbox, live_sandbox
from tests.reliability.faults import sync_and_bulk_under_faults
from tests.reliability.harness import BUDGET, SMALL_SCENARIO, small_app


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSandbox]:
    with live_sandbox(tmp_path_factory.mktemp("faults"), SMALL_SCENARIO) as live:
        yield live


@pytest.fixture(scope="module")
def baseline() -> Iterator[Starlette]:
    app = small_app()
    yield app
    sandbox_of(app).close()


@pytest.mark.parametrize("vendor", VENDORS)
async def test_sync_and_bulk_under_faults_match_fault_free_run(
    live: LiveSandbox, baseline: Starlette, vendor: str
) -> None:
    result = await sync_and_bulk_under_faults(live, baseline, vendor, BUDGET.fault_pairs)
    assert result.faults > 0, "no fault fired: the test proved nothing"
    assert result.synced, "the sync under faults read other records than the fault-free one"
    assert result.bulk_ok and result.bulk_same, result.problems
    assert result.duplicates == 0
