"""Fixed-width columns for the virtual table: widths from a sample, cells fitted to them.

Widths come from the header and the first ``sample_size`` rows (measuring all 100,000 would cost
as much as the rest of the table), capped at ``max_width``; a longer cell is cut and ends with an
ellipsis. Widths are in terminal cells (``rich.cells``), so wide characters line up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size

Row = tuple[str, ...]

ELLIPSIS = "…"
PADDING = " "
GAP = "  "
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def fit(text: str, width: int) -> str:
    """``text`` padded or cut to exactly ``width`` cells, a cut shown by an ellipsis."""
    if not text.isprintable():
        text = _CONTROL.sub(" ", text)
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    if width <= 1:
        return ELLIPSIS[:width]
    return set_cell_size(text, width - 1) + ELLIPSIS


class ColumnLayout:
    def __init__(
        self, columns: Sequence[str] = (), *, sample_size: int = 2_000, max_width: int = 40
    ) -> None:
        self.sample_size = sample_size
        self.max_width = max_width
        self.columns: tuple[str, ...] = ()
        self.widths: list[int] = []
        self.sampled = 0
        self.hidden: frozenset[str] = frozenset()
        self.shown: list[int] = []
        """Indices of the columns on screen, in order."""
        self.markers: dict[int, str] = {}
        """A mark after a column's name (the sort direction), by column index."""
        self.reset(columns)

    def reset(self, columns: Sequence[str] | None = None) -> None:
        """Start again from the header alone (with new columns when given)."""
        if columns is not None:
            self.columns = tuple(columns)
            self.markers = {}
        self.widths = [
            min(self.max_width, cell_len(c + self.markers.get(i, "")))
            for i, c in enumerate(self.columns)
        ]
        self.sampled = 0
        self.hide(self.hidden)

    def hide(self, names: frozenset[str]) -> None:
        """Show every column but those named (one column always stays)."""
        self.hidden = names
        shown = [i for i, c in enumerate(self.columns) if c not in names]
        self.shown = shown or list(range(len(self.columns)))[:1]

    def mark(self, markers: dict[int, str]) -> None:
        """Put a mark after some columns' names, widening them to fit it."""
        self.markers = markers
        for i, mark in markers.items():
            if i < len(self.widths):
                needed = cell_len(self.columns[i] + mark)
                self.widths[i] = min(self.max_width, max(self.widths[i], needed))

    def header_cells(self) -> list[tuple[int, str]]:
        """(column index, its name and mark fitted to its width) of each column on screen."""
        widths, markers = self.widths, self.markers
        return [(c, fit(self.columns[c] + markers.get(c, ""), widths[c])) for c in self.shown]

    def span(self, position: int) -> tuple[int, int]:
        """Where the column at ``position`` among those shown starts and ends on the line."""
        start = len(PADDING)
        for c in self.shown[:position]:
            start += self.widths[c] + len(GAP)
        return start, start + self.widths[self.shown[position]]

    def needs_sample(self, row_count: int) -> bool:
        return self.sampled < min(row_count, self.sample_size)

    def measure(self, rows: Sequence[Row]) -> bool:
        """Widen columns for the rows not yet sampled; True if any width changed."""
        widths = self.widths
        before = list(widths)
        cap = self.max_width
        limit = min(len(rows), self.sample_size)
        for i in range(self.sampled, limit):
            for c, cell in enumerate(rows[i][: len(widths)]):
                if len(cell) > widths[c] or not cell.isascii():
                    widths[c] = min(cap, max(widths[c], cell_len(cell)))
        self.sampled = max(self.sampled, limit)
        return widths != before

    @property
    def line_width(self) -> int:
        widths = [self.widths[c] for c in self.shown]
        return 2 * len(PADDING) + sum(widths) + len(GAP) * max(0, len(widths) - 1)

    def format(self, cells: Sequence[str]) -> str:
        """One line of text: every shown cell fitted to its column (missing cells are blank)."""
        count, widths = len(cells), self.widths
        fitted = (fit(cells[c] if c < count else "", widths[c]) for c in self.shown)
        return PADDING + GAP.join(fitted) + PADDING
