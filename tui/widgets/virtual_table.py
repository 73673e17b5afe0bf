"""A read-only table for 100,000 rows: renders only the lines on screen (Textual's line API).

The table holds a reference to a list of rows (tuples of str) and, when filtered, to a list of
indices into it. It never copies them and does no work per cell outside the visible window:
``set_rows``, ``set_filter`` and ``rows_appended`` cost the same at 100 rows or 100,000. Column
widths come from the header and the first ``sample_size`` rows, capped at ``max_column_width``;
longer cells end with an ellipsis. The header stays on the first line while the rows scroll.

Filtering happens outside: the owner computes the matching indices and passes them in.

Rows can be selected (space toggles the cursor's row): the selection is a set of underlying row
indices, so it survives filtering and is cleared only when ``set_rows`` replaces the rows.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip

from tui.widgets.columns import PADDING, ColumnLayout, Row
from tui.widgets.table_base import TableBase

#: drawn in the left padding of a selected row
SELECTED_MARK = "▌"


class VirtualTable(TableBase, can_focus=True):
    """A table that renders a window of a large list of rows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="table.cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="table.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home", "first", "First row", show=False, id="table.first"),
        Binding("end", "last", "Last row", show=False, id="table.last"),
        Binding("enter", "select_cursor", "Details", id="table.select"),
        Binding("space", "toggle_selected", "Select", id="table.toggle_selected"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header", "virtual-table--header-cursor", "virtual-table--cursor",
        "virtual-table--empty", "virtual-table--selected",
    }  # fmt: skip

    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .virtual-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .virtual-table--header-cursor {
            background: $panel-lighten-2;
            color: $foreground;
            text-style: bold;
        }
        &:focus > .virtual-table--header-cursor {
            background: $accent 60%;
            color: $foreground;
            text-style: bold;
        }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .virtual-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .virtual-table--empty {
            color: $text-muted;
            text-style: italic;
        }
        & > .virtual-table--selected {
            background: $accent 35%;
            text-style: bold;
        }
    }
    """

    class RowMessage(Message):
        """Names the row by its index into the rows given to ``set_rows``."""

        def __init__(self, table: VirtualTable, cursor_row: int, row_index: int) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row
            """Position among the visible rows."""
            self.row_index = row_index
            """Index into the underlying rows."""

        @property
        def control(self) -> VirtualTable:
            return self.table

    class RowHighlighted(RowMessage):
        """The cursor moved to a row."""

    class RowSelected(RowMessage):
        """A row was chosen (enter, or a click on the highlighted row)."""

    class SelectionChanged(Message):
        """Rows were selected or deselected; ``selected`` is how many are now."""

        def __init__(self, table: VirtualTable, selected: int) -> None:
            super().__init__()
            self.table = table
            self.selected = selected

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[str] = (),
        *,
        sample_size: int = 2_000,
        max_column_width: int = 40,
        empty_text: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            ColumnLayout(columns, sample_size=sample_size, max_width=max_column_width),
            name=name,
            id=id,
            classes=classes,
            disabled=disabled,
        )
        self._visible: Sequence[int] | None = None
        self._cursor = 0
        self._empty_text = empty_text
        self._selected: set[int] = set()
        self._cursor_posted = False

    # -- data ----------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """How many rows are visible (after the filter)."""
        return len(self._rows) if self._visible is None else len(self._visible)

    @property
    def total_count(self) -> int:
        return len(self._rows)

    @property
    def cursor_row(self) -> int:
        """The cursor's position among the visible rows."""
        return self._cursor

    @property
    def cursor_index(self) -> int | None:
        """The cursor's row as an index into the underlying rows, or None when there are none."""
        return self.row_index(self._cursor) if self.row_count else None

    @property
    def empty_text(self) -> str:
        return self._empty_text

    @empty_text.setter
    def empty_text(self, text: str) -> None:
        if text != self._empty_text:
            self._empty_text = text
            if not self.row_count:
                self.refresh()

    def row_index(self, position: int) -> int:
        """The underlying index of the row at ``position`` among the visible rows."""
        return position if self._visible is None else self._visible[position]

    def set_rows(self, rows: Sequence[Row], visible: Sequence[int] | None = None) -> None:
        """Show ``rows`` (kept by reference), optionally filtered; the cursor goes to the top."""
        self._rows = rows
        self._visible = visible
        if self._selected:
            self._selected = set()
            self.post_message(self.SelectionChanged(self, 0))
        self._layout.reset()
        self._remeasure()
        self._reset_cursor()

    def set_filter(self, visible: Sequence[int] | None) -> None:
        """Show only the rows at these indices (ascending), or every row for None."""
        self._visible = visible
        self._reset_cursor()

    def rows_appended(self) -> None:
        """The rows (and filter) given earlier have grown in place; the cursor stays.

        When the window was already full and no column widened, nothing on screen but the
        scrollbar changes, so only the scrollbar is repainted.
        """
        shown_before = self.virtual_size.height - 1
        window_end = self.scroll_offset.y + self._page_height
        widened = self._layout.needs_sample(len(self._rows)) and self._measure()
        self._update_size(repaint=widened or shown_before < window_end)
        if not self._cursor_posted and self.row_count:
            self._post_highlight()

    def rows_changed(self, visible: Sequence[int] | None, cursor: int | None = None) -> None:
        """Rows given earlier were replaced in place or reordered and the filter recomputed;
        the cursor stays where it was (or on the last row, when fewer remain), or goes to the
        visible position ``cursor`` when given."""
        self._visible = visible
        target = self._cursor if cursor is None else cursor
        self._cursor = max(0, min(target, self.row_count - 1))
        self._layout.reset()
        self._remeasure()
        self._update_size()

    # -- selection -----------------------------------------------------------------------------

    @property
    def selected(self) -> list[int]:
        """The selected rows, as ascending indices into the underlying rows."""
        return sorted(self._selected)

    def toggle_selected(self, index: int) -> None:
        """Select the row at underlying ``index``, or deselect it when it was selected."""
        self._selected.symmetric_difference_update((index,))
        self.refresh()
        self.post_message(self.SelectionChanged(self, len(self._selected)))

    def clear_selection(self) -> None:
        if self._selected:
            self._selected = set()
            self.refresh()
            self.post_message(self.SelectionChanged(self, 0))

    def action_toggle_selected(self) -> None:
        """Select or deselect the cursor's row, then move down (so space selects a run)."""
        if self.row_count:
            self.toggle_selected(self.row_index(self._cursor))
            self.move_cursor(self._cursor + 1)

    # -- cursor --------------------------------------------------------------------------------

    def move_cursor(self, position: int) -> None:
        """Put the cursor on the visible row at ``position`` (clamped) and scroll it into view."""
        last = self.row_count - 1
        position = max(0, min(position, last))
        if position != self._cursor:
            self._cursor = position
            self.refresh()
        self._scroll_to_cursor()
        if last >= 0:
            self._post_highlight()

    @property
    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._page_height)

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._page_height)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self.row_count - 1)

    def action_select_cursor(self) -> None:
        if self.row_count:
            self.post_message(self.RowSelected(self, self._cursor, self.row_index(self._cursor)))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        position = self.scroll_offset.y + offset.y - 1
        if position >= self.row_count:
            return
        event.stop()
        already = position == self._cursor
        self.move_cursor(position)
        if already or event.chain > 1:
            self.action_select_cursor()

    def _post_highlight(self) -> None:
        self._cursor_posted = True
        self.post_message(self.RowHighlighted(self, self._cursor, self.row_index(self._cursor)))

    def _reset_cursor(self) -> None:
        self._cursor = 0
        self._cursor_posted = False
        self._update_size()
        if self.is_mounted:
            self.scroll_to(y=0, animate=False, force=True)
        if self.row_count:
            self._post_highlight()

    def _scroll_to_cursor(self) -> None:
        top = self.scroll_offset.y
        height = self._page_height
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, force=True)
        elif self._cursor >= top + height:
            self.scroll_to(y=self._cursor - height + 1, animate=False, force=True)

    # -- rendering -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        right = scroll_x + self.size.width
        if y == 0:
            return self._header_line(scroll_x, right)
        position = scroll_y + y - 1
        if position >= self.row_count:
            base = self._style(None)
            if self._empty_text and not self.row_count:
                width = self.scrollable_content_region.width
                wrapped = textwrap.wrap(self._empty_text, max(10, width - 2 * len(PADDING)))
                if position < len(wrapped):
                    text = PADDING + wrapped[position]
                    empty = Strip([Segment(text, self._style("virtual-table--empty"))])
                    return empty.crop_extend(0, self.size.width, base)
            return Strip.blank(self.size.width, base)
        index = self.row_index(position)
        is_cursor = position == self._cursor
        is_selected = index in self._selected
        component = "virtual-table--cursor" if is_cursor else None
        if is_selected and not is_cursor:
            component = "virtual-table--selected"
        style = self._style(component)
        key = (index, is_cursor, is_selected)
        line = self._lines.get(key)
        if line is None:
            text = self._layout.format(self._rows[index])
            if is_selected:  # a mark in the left padding, seen under the cursor too
                text = SELECTED_MARK + text[len(SELECTED_MARK) :]
            line = Strip([Segment(text, style)])
            self._lines[key] = line
        return line.crop_extend(scroll_x, right, style)
