"""The run journal of the operations layer: lines written in groups, fsynced together."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from core.operations import Action, ItemReport, Journal, Outcome, Request


def report(index: int) -> ItemReport:
    return ItemReport(index, Request(Action.ENROLL, f"u{index}", "c"), Outcome.CREATED, "enrolled")


async def test_journal_written_and_synced_reads_back(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "run.jsonl")
    journal.write([report(0), report(1)])
    await journal.sync()
    journal.write([report(2)])
    await journal.sync()
    await journal.aclose()
    again = Journal(journal.path)
    assert [entry["user"] for entry in again.done.values()] == ["u0", "u1", "u2"]
    assert again.finished(report(1).request) is not None


async def test_journal_concurrent_items_share_fsyncs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        calls.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    journal = Journal(tmp_path / "run.jsonl")

    async def finish(index: int) -> None:
        journal.write([report(index)])
        await journal.sync()

    await asyncio.gather(*(finish(i) for i in range(20)))
    await journal.aclose()
    assert len(Journal(journal.path).done) == 20
    assert 1 <= len(calls) < 20


async def test_journal_sync_cancelled_leaves_the_lines(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "run.jsonl")
    journal.write([report(0)])
    waiting = asyncio.ensure_future(journal.sync())
    await asyncio.sleep(0)  # the fsync has started
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await journal.aclose()
    assert list(Journal(journal.path).done) == [report(0).request.key]


def test_journal_record_writes_one_line_at_once(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "run.jsonl")
    journal.record(report(0))
    journal.close()
    assert len(Journal(journal.path).done) == 1
