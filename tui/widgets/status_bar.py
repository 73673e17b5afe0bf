"""The line under the table: a spinner while anything loads, what is shown and its state, and the
active facets as chips on the right."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import LoadingIndicator, Static


class StatusBar(Horizontal):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = ""
        self._chips: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield LoadingIndicator(id="spinner")
        yield Static(id="status-text")
        yield Static(id="status-chips")

    @property
    def text(self) -> str:
        return self._text

    @property
    def chips(self) -> tuple[str, ...]:
        return self._chips

    @property
    def is_loading(self) -> bool:
        return self.query_one("#spinner", LoadingIndicator).display

    def show(self, text: str, *, loading: bool = False, error: bool = False) -> None:
        self._text = text
        self.query_one("#spinner", LoadingIndicator).display = loading
        label = self.query_one("#status-text", Static)
        label.update(text, layout=False)
        label.set_class(error, "-error")

    def show_chips(self, chips: Sequence[str]) -> None:
        """The active facets, each as a chip; none hides the chips."""
        chips = tuple(chips)
        if chips == self._chips:
            return
        self._chips = chips
        widget = self.query_one("#status-chips", Static)
        text = Text()
        for chip in chips:
            text.append(f" {chip} ", style="reverse")
            text.append(" ")
        widget.update(text)
        widget.display = bool(chips)
