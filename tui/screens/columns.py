"""A small picker of the tab's columns: space toggles one, and the table follows at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, SelectionList
from textual.widgets.selection_list import Selection

from tui.records import Kind


class ColumnsScreen(ModalScreen[frozenset[str] | None]):
    """Dismissed with the hidden columns' names (escape or enter when done)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "done", "Done", id="columns.done"),
    ]

    def __init__(
        self,
        kind: Kind,
        columns: Sequence[str],
        hidden: frozenset[str],
        apply: Callable[[frozenset[str]], object] | None = None,
    ) -> None:
        super().__init__()
        self.kind = kind
        self.columns = tuple(columns)
        self.hidden = hidden
        self._apply = apply

    def compose(self) -> ComposeResult:
        with Vertical(id="columns-dialog", classes="dialog"):
            yield Label(f"Columns of {self.kind.value}", classes="dialog-title")
            yield Label("space: show or hide · esc: done", classes="dialog-hint")
            yield SelectionList[str](
                *(Selection(name, name, name not in self.hidden) for name in self.columns),
                id="columns-list",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#columns-list").focus()

    @on(SelectionList.SelectedChanged, "#columns-list")
    def _changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        shown = set(event.selection_list.selected)
        self.hidden = frozenset(c for c in self.columns if c not in shown)
        if self._apply is not None:
            self._apply(self.hidden)

    def action_done(self) -> None:
        self.dismiss(self.hidden)
