"""Indexed collections: filters, sorts, pages and signed cursors."""

from __future__ import annotations

import pytest

from sandbox.query import Collection, Cursors, InvalidCursor
from sandbox.store import Store


def people() -> Collection:
    store = Store(None)
    collection = Collection(
        store,
        "people",
        indexes={"team": lambda d: d["team"]},
        sorts={"name": lambda d: d["name"]},
    )
    for n, (name, team) in enumerate(
        [("eve", "a"), ("bob", "b"), ("ann", "a"), ("dan", "b"), ("cat", "a"), ("fay", "c")],
        start=1,
    ):
        collection.insert({"name": name, "team": team}, doc_id=n)
    return collection


def names(collection: Collection, ids: list[int]) -> list[str]:
    return [collection.docs[i]["name"] for i in ids]


def test_select_without_filters_is_id_order() -> None:
    collection = people()
    assert collection.select().ids == [1, 2, 3, 4, 5, 6]


def test_select_where_matches_any_value_of_a_field() -> None:
    collection = people()
    assert collection.select(where={"team": ["a", "c"]}).ids == [1, 3, 5, 6]


def test_select_with_predicate_and_sort_descending() -> None:
    collection = people()
    selection = collection.select(
        where={"team": ["a", "b"]},
        match=lambda d: d["name"] != "dan",
        match_key="no-dan",
        sort="name",
        reverse=True,
    )
    ids, more = selection.page(1, 10)
    assert names(collection, ids) == ["eve", "cat", "bob", "ann"]
    assert not more


@pytest.mark.parametrize("reverse", [False, True])
def test_cursor_pages_cover_everything_once(reverse: bool) -> None:
    collection = people()
    selection = collection.select(sort="name", reverse=reverse)
    first, more = selection.page(1, 4)
    assert more
    last = first[-1]
    rest, more_after, start = selection.after((collection.docs[last]["name"], last), 4)
    assert not more_after and start == 4
    everything = names(collection, first + rest)
    assert everything == sorted(everything, reverse=reverse)
    assert len(set(everything)) == 6


def test_cursor_survives_insert_and_delete_before_it() -> None:
    collection = people()
    first, _ = collection.select().page(1, 3)  # ids 1, 2, 3
    collection.remove(2)
    collection.insert({"name": "gus", "team": "a"}, doc_id=7)
    rest, more, _ = collection.select().after((0, first[-1]), 10)
    assert rest == [4, 5, 6, 7]
    assert not more


def test_write_invalidates_cached_selection() -> None:
    collection = people()
    before = collection.select(where={"team": ["c"]})
    collection.insert({"name": "hal", "team": "c"}, doc_id=8)
    after = collection.select(where={"team": ["c"]})
    assert (before.ids, after.ids) == ([6], [6, 8])


def test_replace_moves_document_between_index_values() -> None:
    collection = people()
    collection.replace(1, {"name": "eve", "team": "c"})
    assert collection.lookup("team", "c") == [1, 6]
    assert 1 not in collection.lookup("team", "a")


def test_cursor_round_trip() -> None:
    cursors = Cursors(b"secret")
    token = cursors.encode("sig", ("name", 3))
    assert cursors.decode(token, "sig") == ("name", 3)


@pytest.mark.parametrize("token", ["", "not-base64!", "AAAA", "x" * 200])
def test_forged_cursor_is_refused(token: str) -> None:
    with pytest.raises(InvalidCursor):
        Cursors(b"secret").decode(token, "sig")


def test_cursor_for_other_query_is_refused() -> None:
    cursors = Cursors(b"secret")
    with pytest.raises(InvalidCursor, match="other filters"):
        cursors.decode(cursors.encode("sig-a", (0, 1)), "sig-b")


def test_cursor_signed_by_other_sandbox_is_refused() -> None:
    token = Cursors(b"one").encode("sig", (0, 1))
    with pytest.raises(InvalidCursor):
        Cursors(b"two").decode(token, "sig")
