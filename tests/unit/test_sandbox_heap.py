"""``sandbox.heap.long_lived``: the collector is off inside, what is alive is frozen after."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from sandbox.heap import long_lived


@pytest.fixture(autouse=True)
def _thaw() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()  # a test process must not keep its objects pinned
    if was_enabled:
        gc.enable()


def test_collector_off_inside_and_data_frozen_after() -> None:
    before = gc.get_freeze_count()
    with long_lived():
        assert not gc.isenabled()
        data = [{"id": n} for n in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(data)


def test_restored_after_an_exception() -> None:
    with pytest.raises(ValueError), long_lived():
        raise ValueError("opening failed")
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    with long_lived():
        pass
    assert not gc.isenabled()
