"""The store: load messages in, the merged "All connections" view, stale loads dropped."""

from __future__ import annotations

from datetime import UTC, datetime

from core.connections import Connection
from tests.tui.fakes import FakeData
from tui.dataset import LoadState
from tui.loading import LoadFailed, LoadFinished, RecordsLoaded
from tui.records import Kind, Record, RowBuilder, search_text
from tui.store import ALL, Store

AT = datetime(2025, 6, 15, tzinfo=UTC)
ONE = Connection(name="one", vendor="docebo", base_url="http://one.invalid")
TWO = Connection(name="two", vendor="kombo", base_url="http://two.invalid")


def batch(
    name: str, generation: int, records: list[Record], kind: Kind = Kind.USERS
) -> RecordsLoaded:
    builder = RowBuilder(kind)
    rows = [builder.row(r) for r in records]
    return RecordsLoaded(name, kind, generation, records, rows, [search_text(r) for r in rows])


def users(tag: str, count: int) -> list[Record]:
    return list(FakeData(users=count, tag=tag).users)


def test_add_grows_the_connection_dataset() -> None:
    store = Store([ONE, TWO])
    store.start("one")
    assert store.add(batch("one", 1, users("", 3))) == {"one": False}
    dataset = store.dataset("one", Kind.USERS)
    assert dataset is not None and dataset.total == 3


def test_add_from_replaced_load_is_dropped() -> None:
    store = Store([ONE])
    store.start("one")
    store.start("one")  # a refresh: generation 2
    assert store.add(batch("one", 1, users("", 3))) is None


def test_merged_rows_carry_connection_and_vendor() -> None:
    store = Store([ONE, TWO])
    store.start("one")
    store.start("two")
    store.add(batch("one", 1, users("A", 2)))
    merged = store.merge()[Kind.USERS]
    assert merged.columns[:3] == ("Connection", "Vendor", "Name")
    assert [row[:3] for row in merged.rows] == [
        ("one", "docebo", "AUser 000"),
        ("one", "docebo", "AUser 001"),
    ]
    assert store.add(batch("two", 1, users("B", 1))) == {"two": False, ALL: False}
    assert merged.rows[-1][:3] == ("two", "kombo", "BUser 000")
    assert merged.search[-1].startswith("two\tkombo\t")


def test_finish_rebuilds_merged_in_connection_order() -> None:
    store = Store([ONE, TWO])
    store.start("one")
    store.start("two")
    merged = store.merge()[Kind.USERS]
    store.add(batch("two", 1, users("B", 1)))
    store.add(batch("one", 1, users("A", 1)))
    assert [row[0] for row in merged.rows] == ["two", "one"]
    changed = store.finish(LoadFinished("two", Kind.USERS, 1), None, AT)
    assert changed is not None and (ALL, Kind.USERS) in changed
    assert [row[0] for row in merged.rows] == ["one", "two"]


def test_merged_state_loading_then_failed_names_connection() -> None:
    store = Store([ONE, TWO])
    store.start("one")
    store.start("two")
    merged = store.merge()[Kind.USERS]
    assert merged.state is LoadState.LOADING
    store.finish(LoadFinished("one", Kind.USERS, 1), None, AT)
    store.finish(LoadFailed("two", Kind.USERS, 1, "kombo: HTTP 401"), "kombo: HTTP 401", AT)
    assert (merged.state, merged.error) == (LoadState.FAILED, "two: kombo: HTTP 401")
    assert merged.loaded_at == AT


def test_start_again_drops_the_connection_from_merged() -> None:
    store = Store([ONE, TWO])
    store.start("one")
    store.start("two")
    merged = store.merge()[Kind.USERS]
    store.add(batch("one", 1, users("A", 2)))
    store.add(batch("two", 1, users("B", 1)))
    store.start("one")
    assert [row[0] for row in merged.rows] == ["two"]
