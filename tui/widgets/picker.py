"""A fuzzy picker: type a few letters of a name, email, title or code, pick from the best matches.

The choices are ``{value: label}``. Typing lists the best ``limit`` labels: those containing the
text (a plain substring pass, quick at 100,000 choices), those starting with it first; when fewer
than ``limit`` contain it, rapidfuzz's ``WRatio`` adds the labels that resemble it (a typo, a
dropped letter), in a thread so typing never waits for it. Up and down move through the
matches, enter or a click picks one. ``value`` is the picked choice's value, ``None`` until one
is picked (typing again forgets the pick), and ``Picked`` is posted when it changes.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import ClassVar

from rapidfuzz import fuzz, process
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

#: a fuzzy match scoring below this is not offered
CUTOFF = 60.0
#: fuzzy matching starts at this many characters
FUZZY_MIN = 3


class Ranker:
    """The choices' labels, lowercased once, and the three ways of ranking them."""

    def __init__(self, choices: Mapping[str, str]) -> None:
        self.values = list(choices)
        self.lowered = [choices[v].casefold() for v in self.values]

    def first(self, limit: int) -> list[str]:
        best = heapq.nsmallest(limit, range(len(self.values)), key=self.lowered.__getitem__)
        return [self.values[i] for i in best]

    def containing(self, text: str, limit: int) -> list[str]:
        """Labels containing ``text`` (lowercase): starting with it, then a word starting with
        it, then shortest first."""
        lowered = self.lowered
        hits = [i for i, label in enumerate(lowered) if text in label]
        word = " " + text

        def key(i: int) -> tuple[bool, bool, int, str]:
            label = lowered[i]
            return (not label.startswith(text), word not in label, len(label), label)

        return [self.values[i] for i in heapq.nsmallest(limit, hits, key=key)]

    def resembling(self, text: str, limit: int) -> list[str]:
        found = process.extract(
            text, self.lowered, scorer=fuzz.WRatio, limit=limit, score_cutoff=CUTOFF
        )
        return [self.values[index] for _, _, index in found]


def rank(query: str, choices: Mapping[str, str], limit: int) -> list[str]:
    """The values of the ``limit`` best matches of ``query``, as the picker lists them."""
    ranker, text = Ranker(choices), query.strip().casefold()
    if not text:
        return ranker.first(limit)
    found = ranker.containing(text, limit)
    if len(found) < limit and len(text) >= FUZZY_MIN:
        found += [v for v in ranker.resembling(text, limit) if v not in found]
    return found[:limit]


class Picker(Vertical):
    DEFAULT_CSS = """
    Picker {
        height: auto;
        & > OptionList {
            height: auto;
            max-height: 8;
            display: none;
        }
        &.-open > OptionList {
            display: block;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Next match", show=False, id="picker.next"),
        Binding("up", "move(-1)", "Previous match", show=False, id="picker.previous"),
    ]

    class Picked(Message):
        def __init__(self, picker: Picker, value: str | None) -> None:
            super().__init__()
            self.picker = picker
            self.value = value

        @property
        def control(self) -> Picker:
            return self.picker

    def __init__(self, placeholder: str, *, limit: int = 8, id: str | None = None) -> None:
        super().__init__(id=id)
        self.placeholder = placeholder
        self.limit = limit
        self.choices: dict[str, str] = {}
        self.value: str | None = None
        self._ranker = Ranker({})
        self._shown: list[str] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.placeholder)
        yield OptionList()

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def set_choices(self, choices: Mapping[str, str]) -> None:
        self.choices = dict(choices)
        self._ranker = Ranker(self.choices)
        if self.value is not None and self.value not in self.choices:
            self._set_value(None)

    def pick(self, value: str) -> None:
        """Pick a choice (as if chosen from the list). Its text is left selected, so typing
        replaces it, whether the input had the focus before the pick or gets it after."""
        with self.input.prevent(Input.Changed):
            self.input.value = self.choices[value]
            self.input.select_all()
        self.remove_class("-open")
        self._set_value(value)

    def _set_value(self, value: str | None) -> None:
        if value != self.value:
            self.value = value
            self.post_message(self.Picked(self, value))

    def _show_matches(self, query: str) -> None:
        text = query.strip().casefold()
        if not text:
            self._list(self._ranker.first(self.limit))
            return
        found = self._ranker.containing(text, self.limit)
        self._list(found)
        if len(found) < self.limit and len(text) >= FUZZY_MIN:
            self._resembling(text, found)

    @work(thread=True, exclusive=True, group="picker", exit_on_error=False)
    def _resembling(self, text: str, found: list[str]) -> None:
        more = self._ranker.resembling(text, self.limit)
        self.app.call_from_thread(self._add, text, found, more)

    def _add(self, text: str, found: list[str], more: list[str]) -> None:
        if self.input.value.strip().casefold() == text and self.value is None:
            self._list((found + [v for v in more if v not in found])[: self.limit])

    def _list(self, values: list[str]) -> None:
        self._shown = values
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(self.choices[v], id=v) for v in self._shown)
        options.highlighted = 0 if self._shown else None
        self.set_class(bool(self._shown), "-open")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._set_value(None)
        self._show_matches(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if self.has_class("-open") and options.highlighted is not None:
            self.pick(self._shown[options.highlighted])

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.pick(event.option.id)
            self.input.focus()

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if not self._shown:
            self._show_matches(self.input.value)
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self._shown) - 1, current + step))
        self.add_class("-open")
