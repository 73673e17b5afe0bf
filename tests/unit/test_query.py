"""Indexed collections: filters, sorts, pages and signed cursors."""

from __future__ import annotations

import dataclasses

import orjson
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


@pytest.mark.parametrize("reverse", [False, True])
def test_cursor_of_unsorted_selection_finds_same_page_as_sort_keys(reverse: bool) -> None:
    selection = people().select(reverse=reverse)
    assert selection.keys is None
    keyed = dataclasses.replace(selection, keys=[(0, i) for i in selection.ids])
    for position in [(0, 0), (0, 1), (0, 3), (0, 6), (0, 9), (-1, 3), (1, 3)]:
        assert selection.after(position, 2) == keyed.after(position, 2)


def test_view_encodes_documents_as_orjson_would() -> None:
    collection = people()
    items = collection.encoded([3, 1])
    assert orjson.loads(orjson.dumps(items)) == [collection.docs[3], collection.docs[1]]
    assert orjson.dumps(items) == orjson.dumps([collection.docs[3], collection.docs[1]])


def test_view_renders_with_its_function() -> None:
    collection = people()
    view = collection.view(lambda doc_id: {"id": doc_id, "upper": collection.docs[doc_id]["name"]})
    assert orjson.loads(orjson.dumps(view.items([2]))) == [{"id": 2, "upper": "bob"}]


def test_view_shows_a_replaced_document() -> None:
    collection = people()
    view = collection.view()
    view.items([1, 2])
    collection.replace(1, {"name": "eva", "team": "a"})
    assert [item["name"] for item in orjson.loads(orjson.dumps(view.items([1, 2])))] == [
        "eva",
        "bob",
    ]


def test_view_forgets_a_removed_document() -> None:
    collection = people()
    view = collection.view()
    view.items([1])
    collection.remove(1)
    collection.insert({"name": "new", "team": "b"}, doc_id=1)
    assert orjson.loads(orjson.dumps(view.items([1]))) == [{"name": "new", "team": "b"}]


def test_view_reading_another_collection_follows_its_writes() -> None:
    collection = people()
    teams = Collection(collection.store, "teams")
    teams.insert({"title": "Alpha"}, doc_id=1)

    def render(doc_id: int) -> dict[str, str]:
        return {"name": collection.docs[doc_id]["name"], "team": teams.docs[1]["title"]}

    view = collection.view(render, reads=[teams])
    assert orjson.loads(orjson.dumps(view.items([1])))[0]["team"] == "Alpha"
    teams.replace(1, {"title": "Beta"})
    assert orjson.loads(orjson.dumps(view.items([1])))[0]["team"] == "Beta"


def test_view_page_asked_again_is_the_same_list_until_a_write() -> None:
    collection = people()
    view = collection.view()
    first = view.items([1, 2, 3])
    assert view.items([1, 2, 3]) is first
    collection.store.put("elsewhere", 1, {"x": 1})
    assert view.items([1, 2, 3]) is not first


def test_cursor_remembered_still_checks_the_query() -> None:
    cursors = Cursors(b"secret")
    token = cursors.encode("sig-a", (0, 1))
    assert cursors.decode(token, "sig-a") == (0, 1)
    assert cursors.encode("sig-a", (0, 1)) == token
    with pytest.raises(InvalidCursor, match="other filters"):
        cursors.decode(token, "sig-b")


def test_cursor_decoded_twice_gives_fresh_values() -> None:
    cursors = Cursors(b"secret")
    token = cursors.encode("sig", (["a", 1], 0))
    first, _ = cursors.decode(token, "sig")
    first.append("changed")
    assert cursors.decode(token, "sig") == (["a", 1], 0)
