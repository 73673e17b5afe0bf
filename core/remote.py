"""A listed record's ``remote_data`` kept as the JSON text the vendor sent, decoded when read.

Why: every record keeps the vendor's item in ``remote_data``, and decoded, an item costs about
three times its text. Measured on a Docebo sync of the ``large`` scenario (100,000 enrollments,
665 bytes of JSON an item): the decoded dicts held 1,909 bytes a record, more than the rest of
the record three times over, for data most callers never read.

What: :class:`RawJson` is a read-only ``Mapping`` over one item's JSON text, a ``msgspec.Raw``
that points into the page the item came in (no copy: a page's items share its buffer, which
lives as long as one of them does). Each read decodes the text again (about 1 µs for such an
item) and nothing decoded is kept, so memory stays at the text's size. It compares equal to the
dict it decodes to, and ``dict(remote_data)`` gives that dict. Listings use it
(:func:`item_texts` finds the items' texts in a page: about 0.27 µs an item, on top of the
page's decoding); a record answered on its own keeps the decoded dict.

A ``RawJson`` is a ``msgspec.Struct`` with ``gc=False``, like the records: it refers to bytes
only, so the cyclic collector has nothing to look for in it.
"""

from __future__ import annotations

import functools
from collections.abc import ItemsView, Iterator, KeysView, Mapping, Sequence, ValuesView
from typing import Any, cast

import msgspec


class RawJson(msgspec.Struct, frozen=True, gc=False):
    """One JSON object's text, read as a ``Mapping[str, Any]`` (see the module docstring)."""

    text: msgspec.Raw

    def decoded(self) -> dict[str, Any]:
        """The object, decoded anew (a new dict each time: change it freely)."""
        value: dict[str, Any] = msgspec.json.decode(self.text)
        return value

    def __getitem__(self, key: str) -> Any:
        return self.decoded()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.decoded().get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.decoded()

    def __iter__(self) -> Iterator[str]:
        return iter(self.decoded())

    def __len__(self) -> int:
        return len(self.decoded())

    def keys(self) -> KeysView[str]:
        return self.decoded().keys()

    def items(self) -> ItemsView[str, Any]:
        return self.decoded().items()

    def values(self) -> ValuesView[Any]:
        return self.decoded().values()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RawJson):
            return self.decoded() == other.decoded()
        if isinstance(other, Mapping):
            return self.decoded() == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to dicts, so unhashable as they are

    def __repr__(self) -> str:
        return f"RawJson({self.decoded()!r})"


Mapping.register(RawJson)


def item_texts(content: bytes, path: Sequence[str], count: int) -> list[Mapping[str, Any]] | None:
    """The JSON texts of the list at ``path`` in a page (``("data", "items")`` for
    ``{"data": {"items": [...]}}``) as :class:`RawJson`, when the list holds exactly ``count``
    items, the objects the page reader kept (it drops any other value, so a count that differs
    means the texts would not line up); None otherwise, and the caller keeps the decoded items
    (a page that is not what it should be is the page reader's to report)."""
    try:
        found: Any = _decoder(tuple(path)).decode(content)
    except msgspec.MsgspecError:
        return None
    for name in path:
        found = getattr(found, name)
    texts: list[msgspec.Raw] = found
    if len(texts) != count:
        return None
    # a RawJson is a Mapping by registration, which type checkers do not follow
    return cast(list[Mapping[str, Any]], [RawJson(text) for text in texts])


@functools.cache
def _decoder(path: tuple[str, ...]) -> msgspec.json.Decoder[Any]:
    """A decoder that walks ``path`` and keeps the list there as raw texts, skipping the rest."""
    shape: Any = list[msgspec.Raw]
    for depth, name in enumerate(reversed(path)):
        shape = msgspec.defstruct(f"_Level{len(path) - depth}", [(name, shape)])
    return msgspec.json.Decoder(shape)
