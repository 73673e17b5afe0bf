"""The store: writes survive a reopen, a torn journal tail is cut off, db.json is TinyDB's."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from tinydb import TinyDB

from sandbox.store import JOURNAL, SNAPSHOT, Store, StoreError


def reopen(directory: Path) -> Store:
    return Store(directory)


async def test_commit_makes_writes_survive_reopen(tmp_path: Path) -> None:
    store = Store(tmp_path)
    doc_id = store.next_id("t")
    store.put("t", doc_id, {"name": "a"})
    await store.commit()
    os.close(store._lock_fd or -1)  # a crash: no compaction, the lock released by the kernel
    store._lock_fd = None
    again = reopen(tmp_path)
    assert again.table("t") == {1: {"name": "a"}}
    again.close()


async def test_delete_survives_reopen(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put("t", 1, {"v": 1})
    store.put("t", 2, {"v": 2})
    store.delete("t", 1)
    await store.commit()
    store.close()
    again = reopen(tmp_path)
    assert again.table("t") == {2: {"v": 2}}
    again.close()


async def test_torn_journal_tail_is_cut_off(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put("t", 1, {"v": 1})
    await store.commit()
    store.put("t", 2, {"v": 2})
    await store.commit()
    os.close(store._journal_fd or -1)
    os.close(store._lock_fd or -1)
    store._journal_fd = store._lock_fd = None
    journal = tmp_path / JOURNAL
    content = journal.read_bytes()
    journal.write_bytes(content[:-7])  # the second write half on disk
    again = reopen(tmp_path)
    assert again.table("t") == {1: {"v": 1}}
    again.close()


async def test_damaged_line_stops_replay_without_failing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for doc_id in (1, 2, 3):
        store.put("t", doc_id, {"v": doc_id})
        await store.commit()
    os.close(store._journal_fd or -1)
    os.close(store._lock_fd or -1)
    store._journal_fd = store._lock_fd = None
    journal = tmp_path / JOURNAL
    lines = journal.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b'"v":2', b'"v":9')  # checksum no longer holds
    journal.write_bytes(b"\n".join(lines))
    again = reopen(tmp_path)
    assert again.table("t") == {1: {"v": 1}}
    again.close()


def test_stale_journal_after_compaction_is_ignored(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put("t", 1, {"v": 1})
    store.commit_sync()
    stale = (tmp_path / JOURNAL).read_bytes()
    store.replace_all({"t": {5: {"v": 5}}})  # a reset: new snapshot generation
    store.close(compact=False)
    (tmp_path / JOURNAL).write_bytes(stale)  # as if the crash came before the truncation
    again = reopen(tmp_path)
    assert again.table("t") == {5: {"v": 5}}
    again.close()


def test_snapshot_opens_with_plain_tinydb(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put("docebo.users", 7, {"username": "ada"})
    store.close()
    with TinyDB(tmp_path / SNAPSHOT) as db:
        (doc,) = db.table("docebo.users").all()
    assert doc == {"username": "ada"}
    assert doc.doc_id == 7


def test_second_store_on_same_directory_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(StoreError, match="in use by another sandbox"):
        Store(tmp_path)
    store.close()
    Store(tmp_path).close()


def test_ids_are_never_reused_after_reopen(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = store.next_id("t")
    store.put("t", first, {})
    second = store.next_id("t")
    store.put("t", second, {})
    store.delete("t", second)
    store.close()
    again = reopen(tmp_path)
    assert again.next_id("t") == second + 1
    again.close()


async def test_concurrent_commits_share_fsyncs_and_all_land(tmp_path: Path) -> None:
    store = Store(tmp_path)

    async def write(n: int) -> None:
        store.put("t", n, {"n": n})
        await store.commit()

    await asyncio.gather(*(write(n) for n in range(1, 201)))
    lines = (tmp_path / JOURNAL).read_bytes().count(b"\n")
    assert lines == 201  # the header and one line per write
    store.close(compact=False)
    again = reopen(tmp_path)
    assert sorted(again.table("t")) == list(range(1, 201))
    again.close()


def test_memory_store_writes_nothing(tmp_path: Path) -> None:
    store = Store(None)
    store.put("t", 1, {"v": 1})
    store.commit_sync()
    assert store.table("t") == {1: {"v": 1}}
    assert not store.durable
    store.close()


def test_unusable_directory_is_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError) as info:
        Store(blocker / "data")
    assert "\n" not in str(info.value)
    assert str(blocker) in str(info.value)


async def test_reopen_with_empty_journal_appends_without_compacting(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put("t", 1, {"v": 1})
    store.close()
    snapshot = (tmp_path / SNAPSHOT).stat()
    again = reopen(tmp_path)
    assert (tmp_path / SNAPSHOT).stat().st_mtime_ns == snapshot.st_mtime_ns
    again.put("t", 2, {"v": 2})
    await again.commit()
    os.close(again._lock_fd or -1)  # a crash after the acknowledged write
    again._lock_fd = None
    third = reopen(tmp_path)
    assert third.table("t") == {1: {"v": 1}, 2: {"v": 2}}
    third.close()


def test_transaction_is_one_journal_line(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction():
        store.put("t", 1, {"v": 1})
        store.put("u", 1, {"v": 2})
        store.delete("t", 1)
    store.commit_sync()
    assert (tmp_path / JOURNAL).read_bytes().count(b"\n") == 2  # the header and one line
    store.close(compact=False)
    again = reopen(tmp_path)
    assert (again.table("t"), again.table("u")) == ({}, {1: {"v": 2}})
    again.close()


async def test_failed_append_is_cut_back_and_written_with_the_next_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path)
    real_fsync = os.fsync
    failures = [OSError(5, "Input/output error")]

    def failing_fsync(fd: int) -> None:
        if failures:
            raise failures.pop()
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    store.put("t", 1, {"n": 1})
    with pytest.raises(OSError):
        await store.commit()
    assert (tmp_path / JOURNAL).read_bytes().count(b"\n") == 1  # the header only: cut back
    store.put("t", 2, {"n": 2})
    await store.commit()
    os.close(store._lock_fd or -1)  # a crash: no compaction
    store._lock_fd = None
    again = reopen(tmp_path)
    assert again.table("t") == {1: {"n": 1}, 2: {"n": 2}}
    again.close()


async def test_committers_during_an_append_wait_for_their_own(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put("t", 1, {"n": 1})
    first = asyncio.ensure_future(store.commit())
    await asyncio.sleep(0)  # the first append is in flight
    store.put("t", 2, {"n": 2})
    second = asyncio.ensure_future(store.commit())
    await first
    assert not second.done() or store._durable >= 2
    await second
    assert store._durable == store._seq == 2
    store.close()
