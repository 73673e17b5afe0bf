"""``core.remote``: a listed record's ``remote_data`` kept as the item's JSON text."""

from __future__ import annotations

import gc
import json
from collections.abc import Mapping

import orjson
import pytest

from core.remote import RawJson, item_texts

PAGE = orjson.dumps(
    {
        "data": {
            "items": [{"id": 1, "name": "Ada", "tags": ["a"]}, {"id": 2, "nested": {"x": None}}],
            "cursor": "c2",
        },
        "meta": [1, 2, 3],
    }
)


def texts() -> list[Mapping[str, object]]:
    found = item_texts(PAGE, ("data", "items"), 2)
    assert found is not None
    return found


def test_item_texts_read_as_the_decoded_items() -> None:
    first, second = texts()
    assert isinstance(first, RawJson) and isinstance(first, Mapping)
    assert first == {"id": 1, "name": "Ada", "tags": ["a"]}
    assert {"id": 2, "nested": {"x": None}} == second  # noqa: SIM300 (a dict on the left)
    assert first["name"] == "Ada" and first.get("missing", 7) == 7
    assert "tags" in first and "missing" not in first
    assert list(first) == ["id", "name", "tags"] and len(second) == 2
    assert dict(second.items()) == {"id": 2, "nested": {"x": None}}
    assert list(first.keys()) == ["id", "name", "tags"]
    assert list(second.values()) == [2, {"x": None}]
    with pytest.raises(KeyError):
        first["missing"]
    assert first != second
    assert first.__eq__([1]) is NotImplemented


def test_a_text_is_not_tracked_by_the_collector_and_decodes_anew_each_read() -> None:
    (first, _) = texts()
    assert not gc.is_tracked(first)
    assert isinstance(first, RawJson)
    one, two = first.decoded(), first.decoded()
    one["name"] = "changed"
    assert two["name"] == "Ada" and first["name"] == "Ada"


def test_a_text_shows_and_encodes_as_its_object() -> None:
    (first, _) = texts()
    assert repr(first) == "RawJson({'id': 1, 'name': 'Ada', 'tags': ['a']})"
    assert json.loads(json.dumps(dict(first))) == {"id": 1, "name": "Ada", "tags": ["a"]}
    with pytest.raises(TypeError):
        hash(first)


@pytest.mark.parametrize(
    ("content", "path", "count"),
    [
        (PAGE, ("data", "items"), 3),  # the reader kept another number of items
        (PAGE, ("data", "cursor"), 1),  # not a list there
        (PAGE, ("data", "absent"), 0),
        (b"<xml/>", ("data", "items"), 2),  # not JSON
        (b'{"data": {"items": [1, {"id": 2}]}}', ("data", "items"), 1),  # a non-object dropped
    ],
)
def test_item_texts_give_up_when_the_texts_would_not_line_up(
    content: bytes, path: tuple[str, ...], count: int
) -> None:
    assert item_texts(content, path, count) is None


def test_item_texts_at_the_top_level() -> None:
    found = item_texts(b'{"value": [{"Id": "a"}], "@odata.nextLink": null}', ("value",), 1)
    assert found == [{"Id": "a"}]
