"""A read-only table for 100,000 rows: renders only the lines on screen (Textual's line API).

The table holds a reference to a list of rows (tuples of str) and, when filtered, to a list of
indices into it. It never copies them and does no work per cell outside the visible window:
``set_rows``, ``set_filter`` and ``rows_appended`` cost the same at 100 rows or 100,000. Column
widths come from the header and the first ``sample_size`` rows, capped at ``max_column_width``;
longer cells end with an ellipsis. The header stays on the first line while the rows scroll.

Filtering happens outside: the owner computes the matching indices and passes them in.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.widgets.columns import PADDING, ColumnLayout, Row


class VirtualTable(ScrollView, can_focus=True):
    """A table that renders a window of a large list of rows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="table.cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="table.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home", "first", "First row", show=False, id="table.first"),
        Binding("end", "last", "Last row", show=False, id="table.last"),
        Binding("enter", "select_cursor", "Details", id="table.select"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header", "virtual-table--cursor", "virtual-table--empty"
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
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._layout = ColumnLayout(columns, sample_size=sample_size, max_width=max_column_width)
        self._rows: Sequence[Row] = ()
        self._visible: Sequence[int] | None = None
        self._cursor = 0
        self._empty_text = empty_text
        self._lines: LRUCache[tuple[int, bool], Strip] = LRUCache(256)
        self._header: Strip | None = None
        self._styles: dict[str, Style] = {}
        self._cursor_posted = False

    # -- data ----------------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[str, ...]:
        return self._layout.columns

    @property
    def column_widths(self) -> tuple[int, ...]:
        return tuple(self._layout.widths)

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

    def set_columns(self, columns: Sequence[str]) -> None:
        self._layout.reset(columns)
        self._remeasure()
        self._update_size()

    def set_rows(self, rows: Sequence[Row], visible: Sequence[int] | None = None) -> None:
        """Show ``rows`` (kept by reference), optionally filtered; the cursor goes to the top."""
        self._rows = rows
        self._visible = visible
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

    def rows_changed(self, visible: Sequence[int] | None) -> None:
        """Rows given earlier were replaced in place and the filter recomputed; the cursor
        stays where it was (or on the last row, when fewer remain)."""
        self._visible = visible
        self._cursor = max(0, min(self._cursor, self.row_count - 1))
        self._layout.reset()
        self._remeasure()
        self._update_size()

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

    # -- layout and rendering ------------------------------------------------------------------

    def _measure(self) -> bool:
        """Sample new rows for column widths; a change invalidates the rendered lines."""
        if self._layout.measure(self._rows):
            self._forget_lines()
            return True
        return False

    def _remeasure(self) -> None:
        self._layout.measure(self._rows)
        self._forget_lines()

    def _forget_lines(self) -> None:
        self._lines.clear()
        self._header = None

    def _update_size(self, *, repaint: bool = True) -> None:
        size = Size(self._layout.line_width, self.row_count + 1)
        if size != self.virtual_size:
            if self.container_size:
                # The table fills the space its parent gives it (``height: 1fr``), so a new row
                # count changes only its scrollbars: skip the screen-wide layout that assigning
                # ``virtual_size`` would trigger on every batch of a streaming load.
                self.set_reactive(VirtualTable.virtual_size, size)
                self._scroll_update(size)
            else:
                self.virtual_size = size
        if repaint:
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._forget_lines()

    def _style(self, component: str | None) -> Style:
        """The widget's style, plus a component's when given (cached until styles change)."""
        key = component or ""
        style = self._styles.get(key)
        if style is None:
            style = self.rich_style
            if component:
                style += self.get_component_rich_style(component)
            self._styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        right = scroll_x + self.size.width
        if y == 0:
            style = self._style("virtual-table--header")
            if self._header is None:
                self._header = Strip([Segment(self._layout.format(self.columns), style)])
            return self._header.crop_extend(scroll_x, right, style)
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
        style = self._style("virtual-table--cursor" if is_cursor else None)
        key = (index, is_cursor)
        line = self._lines.get(key)
        if line is None:
            line = Strip([Segment(self._layout.format(self._rows[index]), style)])
            self._lines[key] = line
        return line.crop_extend(scroll_x, right, style)
