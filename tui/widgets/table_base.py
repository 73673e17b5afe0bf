"""The column half of the virtual table: its layout, hidden columns, sort marks, the column
cursor (left and right), the header line and the cache of rendered lines.

``VirtualTable`` adds the rows, the row cursor, the selection and the rendering of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.widgets.columns import GAP, PADDING, ColumnLayout, Row


class TableBase(ScrollView):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "column_left", "Column left", show=False, id="table.column_left"),
        Binding("right", "column_right", "Column right", show=False, id="table.column_right"),
    ]

    def __init__(
        self,
        layout: ColumnLayout,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._layout = layout
        self._rows: Sequence[Row] = ()
        self._column = 0
        self._lines: LRUCache[tuple[int, bool, bool], Strip] = LRUCache(256)
        self._header: list[Segment] | None = None
        self._styles: dict[str, Style] = {}

    @property
    def row_count(self) -> int:
        raise NotImplementedError

    # -- columns -------------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[str, ...]:
        return self._layout.columns

    @property
    def column_widths(self) -> tuple[int, ...]:
        return tuple(self._layout.widths)

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """The columns on screen, in order (every column but the hidden ones)."""
        layout = self._layout
        return tuple(layout.columns[c] for c in layout.shown)

    @property
    def cursor_column(self) -> int | None:
        """The index (into ``columns``) of the column the column cursor is on."""
        shown = self._layout.shown
        return shown[min(self._column, len(shown) - 1)] if shown else None

    def set_columns(self, columns: Sequence[str]) -> None:
        if tuple(columns) == self._layout.columns:
            return
        self._layout.reset(columns)
        self._column = 0
        self._remeasure()
        self._update_size()

    def set_hidden(self, names: frozenset[str]) -> None:
        """Hide the columns named (by name, so it holds when the columns change)."""
        if names == self._layout.hidden:
            return
        current = self.cursor_column
        self._layout.hide(names)
        shown = self._layout.shown
        self._column = shown.index(current) if current in shown else 0
        self._forget_lines()
        self._update_size()

    def set_markers(self, markers: dict[int, str]) -> None:
        """Marks after column names, by column index (the sort direction)."""
        if markers == self._layout.markers:
            return
        self._layout.reset()  # drop the widths an old mark needed
        self._layout.mark(markers)
        self._remeasure()
        self._update_size()

    def move_column(self, position: int) -> None:
        """Put the column cursor on the shown column at ``position`` and scroll it into view."""
        position = max(0, min(position, len(self._layout.shown) - 1))
        if position != self._column:
            self._column = position
            self._header = None
            self.refresh()
        start, end = self._layout.span(self._column)
        left, width = self.scroll_offset.x, self.scrollable_content_region.width
        if start < left:
            self.scroll_to(x=start, animate=False, force=True)
        elif end > left + width:
            self.scroll_to(x=end - width + 1, animate=False, force=True)

    def action_column_left(self) -> None:
        self.move_column(self._column - 1)

    def action_column_right(self) -> None:
        self.move_column(self._column + 1)

    # -- layout --------------------------------------------------------------------------------

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
                self.set_reactive(TableBase.virtual_size, size)
                self._scroll_update(size)
            else:
                self.virtual_size = size
        if repaint:
            self.refresh()

    # -- styles and the header -----------------------------------------------------------------

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

    def _header_line(self, scroll_x: int, right: int) -> Strip:
        """The header: every shown column's name (and mark), the cursor's column set off."""
        style = self._style("virtual-table--header")
        if self._header is None:
            cursor = self.cursor_column
            at_cursor = self._style("virtual-table--header-cursor")
            segments = [Segment(PADDING, style)]
            for n, (column, text) in enumerate(self._layout.header_cells()):
                if n:
                    segments.append(Segment(GAP, style))
                segments.append(Segment(text, at_cursor if column == cursor else style))
            segments.append(Segment(PADDING, style))
            self._header = segments
        return Strip(self._header).crop_extend(scroll_x, right, style)
