"""Deferring full collections during listings: thresholds raised inside, restored after."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncGenerator, Iterator

import pytest

from core.gcpause import DEFERRED_THRESHOLD, deferring, full_collections_deferred


@pytest.fixture(autouse=True)
def thresholds() -> Iterator[tuple[int, int, int]]:
    """Known thresholds for each test, the process's own put back after it."""
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*saved)


def test_full_collections_deferred_raises_only_the_oldest_threshold() -> None:
    with full_collections_deferred():
        assert gc.get_threshold() == (700, 10, DEFERRED_THRESHOLD)
        assert deferring()
    assert gc.get_threshold() == (700, 10, 10)
    assert not deferring()


def test_full_collections_deferred_nested_restores_at_the_last_exit() -> None:
    with full_collections_deferred():
        with full_collections_deferred():
            pass
        assert gc.get_threshold()[2] == DEFERRED_THRESHOLD
    assert gc.get_threshold()[2] == 10


def test_full_collections_deferred_exception_restores() -> None:
    with pytest.raises(RuntimeError), full_collections_deferred():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)


def test_full_collections_deferred_keeps_young_thresholds_set_meanwhile() -> None:
    with full_collections_deferred():
        gc.set_threshold(1000, 20, DEFERRED_THRESHOLD)
    assert gc.get_threshold() == (1000, 20, 10)


def test_full_collections_deferred_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with full_collections_deferred():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


async def _listing(started: asyncio.Event, release: asyncio.Event) -> AsyncGenerator[int, None]:
    with full_collections_deferred():
        started.set()
        await release.wait()
        yield 1


async def test_full_collections_deferred_tasks_leaving_out_of_order_restore_once() -> None:
    first_started, second_started = asyncio.Event(), asyncio.Event()
    first_release, second_release = asyncio.Event(), asyncio.Event()

    async def drain(events: tuple[asyncio.Event, asyncio.Event]) -> list[int]:
        return [x async for x in _listing(*events)]

    first = asyncio.create_task(drain((first_started, first_release)))
    second = asyncio.create_task(drain((second_started, second_release)))
    await first_started.wait()
    await second_started.wait()
    first_release.set()  # the first to enter leaves first: not LIFO
    await first
    assert gc.get_threshold()[2] == DEFERRED_THRESHOLD
    second_release.set()
    await second
    assert gc.get_threshold() == (700, 10, 10)


async def test_full_collections_deferred_cancelled_listing_restores() -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def drain() -> list[int]:
        return [x async for x in _listing(started, release)]

    task = asyncio.create_task(drain())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gc.get_threshold() == (700, 10, 10)


async def test_full_collections_deferred_listing_closed_early_restores() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    release.set()
    listing = _listing(started, release)
    assert await anext(listing) == 1
    assert gc.get_threshold()[2] == DEFERRED_THRESHOLD
    await listing.aclose()
    assert gc.get_threshold() == (700, 10, 10)
