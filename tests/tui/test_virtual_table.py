"""The virtual table on its own: the window it renders, its cursor, its filter, its messages."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tui.widgets.columns import Row, fit
from tui.widgets.virtual_table import VirtualTable

COLUMNS = ("Name", "Code")
HEIGHT = 10  # one header line and nine rows


def numbered(count: int) -> list[Row]:
    return [(f"row {i}", f"C{i}") for i in range(count)]


class TableApp(App[None]):
    def __init__(self, rows: list[Row] | None = None, *, sample_size: int = 2_000) -> None:
        super().__init__()
        self.rows = rows if rows is not None else numbered(1000)
        self.sample_size = sample_size
        self.highlighted: list[int] = []
        self.selected: list[int] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS, empty_text="Nothing here", sample_size=self.sample_size)

    def on_mount(self) -> None:
        self.query_one(VirtualTable).set_rows(self.rows)
        self.query_one(VirtualTable).focus()

    @on(VirtualTable.RowHighlighted)
    def _highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        self.highlighted.append(event.row_index)

    @on(VirtualTable.RowSelected)
    def _selected(self, event: VirtualTable.RowSelected) -> None:
        self.selected.append(event.row_index)


def lines(table: VirtualTable) -> list[str]:
    return [table.render_line(y).text.rstrip() for y in range(table.size.height)]


def first_cells(table: VirtualTable) -> list[str]:
    return [" ".join(line.split()[:2]) for line in lines(table)[1:]]


async def started(app: TableApp, pilot: Pilot[None]) -> VirtualTable:
    await pilot.pause()
    return app.query_one(VirtualTable)


async def test_render_shows_header_and_first_window() -> None:
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        rendered = lines(table)
        assert rendered[0] == " Name     Code"
        assert rendered[1] == " row 0    C0"
        assert first_cells(table) == [f"row {i}" for i in range(9)]
        assert table.virtual_size.height == 1001


async def test_render_after_scroll_keeps_header() -> None:
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        table.move_cursor(500)
        await pilot.pause()
        assert lines(table)[0].split() == ["Name", "Code"]
        assert first_cells(table)[-1] == "row 500"


async def test_cursor_moves_with_keys() -> None:
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        await pilot.press("up")
        assert table.cursor_row == 1
        await pilot.press("pagedown")
        assert table.cursor_row == 1 + 9
        await pilot.press("end")
        assert table.cursor_row == 999
        assert first_cells(table)[-1] == "row 999"
        await pilot.press("pageup")
        assert table.cursor_row == 999 - 9
        await pilot.press("home")
        assert table.cursor_row == 0
        assert first_cells(table)[0] == "row 0"


async def test_cursor_stops_at_the_ends() -> None:
    app = TableApp(numbered(3))
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        await pilot.press("up")
        assert table.cursor_row == 0
        await pilot.press("down", "down", "down", "down")
        assert table.cursor_row == 2


async def test_cursor_move_posts_highlight_with_data_index() -> None:
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        table.set_filter([5, 7, 9])
        await pilot.press("down")
        await pilot.pause()
        assert app.highlighted[-2:] == [5, 7]


async def test_cursor_row_is_highlighted() -> None:
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        await pilot.press("down")
        cursor = table.get_component_rich_style("virtual-table--cursor")
        line = table.render_line(2)
        assert all(seg.style and seg.style.bgcolor == cursor.bgcolor for seg in line)
        assert table.render_line(1) != line


async def test_enter_posts_selected_with_data_index() -> None:
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        table.set_filter([3, 30, 300])
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.selected == [300]


async def test_click_moves_cursor_and_second_click_selects() -> None:
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        await pilot.click(VirtualTable, offset=(2, 4))
        assert table.cursor_row == 3
        assert app.selected == []
        await pilot.click(VirtualTable, offset=(2, 4))
        await pilot.pause()
        assert app.selected == [3]


async def test_click_on_header_does_nothing() -> None:
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        await pilot.click(VirtualTable, offset=(2, 0))
        assert table.cursor_row == 0
        assert app.selected == []


async def test_filter_shows_only_given_rows() -> None:
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        table.move_cursor(400)
        table.set_filter([2, 4, 600])
        await pilot.pause()
        assert table.row_count == 3
        assert table.total_count == 1000
        assert table.cursor_row == 0
        assert table.cursor_index == 2
        assert first_cells(table)[:4] == ["row 2", "row 4", "row 600", ""]
        assert table.virtual_size.height == 4


async def test_filter_none_shows_every_row() -> None:
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        table.set_filter([1])
        table.set_filter(None)
        await pilot.pause()
        assert table.row_count == 1000
        assert first_cells(table)[0] == "row 0"


async def test_filter_empty_shows_empty_text() -> None:
    app = TableApp()
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        table.set_filter([])
        await pilot.pause()
        assert table.cursor_index is None
        assert lines(table)[1] == " Nothing here"


async def test_rows_appended_keeps_cursor_and_counts_new_rows() -> None:
    rows = numbered(20)
    app = TableApp(rows)
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        await pilot.press("down", "down")
        rows.extend(numbered(50)[20:])
        table.rows_appended()
        await pilot.pause()
        assert table.row_count == 50
        assert table.cursor_row == 2
        assert table.virtual_size.height == 51


async def test_rows_appended_to_empty_table_highlights_first_row() -> None:
    rows: list[Row] = []
    app = TableApp(rows)
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        assert app.highlighted == []
        rows.extend(numbered(5))
        table.rows_appended()
        await pilot.pause()
        assert app.highlighted == [0]
        assert first_cells(table)[:2] == ["row 0", "row 1"]


async def test_widths_come_from_header_and_sample() -> None:
    rows: list[Row] = [("a", "b") for _ in range(5)]
    rows.append(("x" * 30, "y"))
    app = TableApp(rows, sample_size=5)
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        assert table.column_widths == (4, 4)
        await pilot.press("end")
        assert lines(table)[6] == " xxx…  y"


async def test_widths_capped_and_cells_cut_with_ellipsis() -> None:
    rows: list[Row] = [("x" * 100, "code")]
    app = TableApp(rows)
    async with app.run_test(size=(80, HEIGHT)) as pilot:
        table = await started(app, pilot)
        assert table.column_widths == (40, 4)
        assert lines(table)[1] == " " + "x" * 39 + "…  code"


async def test_horizontal_scroll_shows_right_columns() -> None:
    rows: list[Row] = [("x" * 40, "end")]
    app = TableApp(rows)
    async with app.run_test(size=(20, HEIGHT)) as pilot:
        table = await started(app, pilot)
        table.scroll_to(x=30, animate=False)
        await pilot.pause()
        assert lines(table)[1] == "x" * 13 + "  end"


def test_fit_pads_short_text() -> None:
    assert fit("ab", 4) == "ab  "


def test_fit_cuts_long_text_with_ellipsis() -> None:
    assert fit("abcdef", 4) == "abc…"


def test_fit_counts_wide_characters_as_two_cells() -> None:
    assert fit("日本語テキスト", 6) == "日本 …"
    assert fit("日本", 5) == "日本 "


def test_fit_replaces_control_characters() -> None:
    assert fit("a\nb\tc", 5) == "a b c"


async def test_set_rows_replaces_rendered_rows() -> None:
    app = TableApp(numbered(3))
    async with app.run_test(size=(40, HEIGHT)) as pilot:
        table = await started(app, pilot)
        table.set_rows([("new", "N")])
        await pilot.pause()
        assert lines(table)[1:3] == [" new   N", ""]
