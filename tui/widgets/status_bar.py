"""The line under the table: a spinner while anything loads, then what is shown and its state."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import LoadingIndicator, Static


class StatusBar(Horizontal):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = ""

    def compose(self) -> ComposeResult:
        yield LoadingIndicator(id="spinner")
        yield Static(id="status-text")

    @property
    def text(self) -> str:
        return self._text

    @property
    def is_loading(self) -> bool:
        return self.query_one("#spinner", LoadingIndicator).display

    def show(self, text: str, *, loading: bool = False, error: bool = False) -> None:
        self._text = text
        self.query_one("#spinner", LoadingIndicator).display = loading
        label = self.query_one("#status-text", Static)
        label.update(text, layout=False)
        label.set_class(error, "-error")
