"""Horizontal bar charts drawn with block characters, for the dashboard."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Static

from tui.widgets.columns import fit

BLOCKS = " ▏▎▍▌▋▊▉█"


def bar(value: int, largest: int, width: int) -> str:
    """A bar ``width`` cells long at ``largest``, in eighths of a cell."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / largest))
    full, rest = divmod(eighths, 8)
    return "█" * full + (BLOCKS[rest] if rest else "")


def bars(items: Sequence[tuple[str, int]], *, width: int = 24, label_width: int = 28) -> Text:
    """One line per item: its label, a bar scaled to the largest value, and the value."""
    if not items:
        return Text("Nothing to show.", style="dim italic")
    largest = max(value for _, value in items)
    labels = min(label_width, max(cell_len(label) for label, _ in items))
    text = Text(no_wrap=True, overflow="crop")
    for label, value in items:
        text.append(fit(label, labels) + " ")
        text.append(bar(value, largest, width), style="bold")
        text.append(f" {value:,}\n")
    text.rstrip()
    return text


class BarChart(Vertical):
    """A titled bar chart; ``items`` are (label, value) pairs, drawn in their order."""

    DEFAULT_CSS = """
    BarChart {
        height: auto;
    }
    """

    def __init__(
        self,
        title: str,
        items: Sequence[tuple[str, int]],
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.title_text = title
        self.items = list(items)

    def compose(self) -> ComposeResult:
        yield Label(self.title_text, classes="chart-title")
        yield Static(bars(self.items), classes="chart-bars")
