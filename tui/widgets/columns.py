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
        self.reset(columns)

    def reset(self, columns: Sequence[str] | None = None) -> None:
        """Start again from the header alone (with new columns when given)."""
        if columns is not None:
            self.columns = tuple(columns)
        self.widths = [min(self.max_width, cell_len(c)) for c in self.columns]
        self.sampled = 0

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
        widths = self.widths
        return 2 * len(PADDING) + sum(widths) + len(GAP) * max(0, len(widths) - 1)

    def format(self, cells: Sequence[str]) -> str:
        """One line of text: every cell fitted to its column (missing cells are blank)."""
        count = len(cells)
        fitted = (fit(cells[c] if c < count else "", w) for c, w in enumerate(self.widths))
        return PADDING + GAP.join(fitted) + PADDING
