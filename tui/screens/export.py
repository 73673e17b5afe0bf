"""Write rows to a file, as CSV or JSON lines: the current view, or the activity log.

The rows are the command line's export rows (``tui.scripting.export_row`` and its columns), and
the file is written the way ``lmsbridge export -o`` writes it: whole or not at all (a temporary
file renamed at the end), in a thread so a large view does not stall the screen. A file that is
there already is replaced only when Export is pressed a second time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tui.scripting import CommandError, write_records

FORMATS = (("CSV", "csv"), ("JSON (one object a line)", "json"))


class ExportScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def __init__(
        self,
        rows: Sequence[dict[str, Any]],
        columns: Sequence[str],
        *,
        what: str,
        default_path: Path,
    ) -> None:
        super().__init__()
        self.rows = rows
        self.columns = columns
        self.what = what
        self.default_path = default_path
        self.error = ""
        self.written: Path | None = None
        self._replace: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="export"):
            yield Label(f"Export {self.what}", classes="action-title")
            yield Static(
                Text(f"{len(self.rows):,} rows; columns: {', '.join(self.columns)}"),
                classes="muted",
            )
            with Horizontal(classes="action-row"):
                yield Select(FORMATS, value="csv", allow_blank=False, id="export-format")
            with Horizontal(classes="action-row"):
                yield Input(str(self.default_path), id="export-path")
            yield Static(id="export-error", classes="errors")
            with Horizontal(id="export-buttons"):
                yield Button("Cancel", id="export-cancel")
                yield Button("Export", id="export-write", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @property
    def chosen_format(self) -> str:
        return str(self.query_one("#export-format", Select).value)

    @on(Select.Changed, "#export-format")
    def _format_changed(self) -> None:
        field = self.query_one("#export-path", Input)
        path = Path(field.value)
        if path.suffix in (".csv", ".json", ".jsonl"):
            field.value = str(path.with_suffix(f".{self.chosen_format}"))

    @on(Input.Changed, "#export-path")
    def _path_changed(self) -> None:
        self._replace = None
        self._show("")

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-write")
    def action_export(self) -> None:
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self._show("Type the path of the file to write.")
            return
        path = Path(text).expanduser()
        if path.is_dir():
            self._show(f"{path} is a directory; name a file in it.")
            return
        if not path.parent.is_dir():
            self._show(f"There is no directory {path.parent}.")
            return
        if path.exists() and self._replace != path:
            self._replace = path
            self._show(f"{path} exists: Export again to replace it.")
            return
        self.query_one("#export-write", Button).disabled = True
        self._write(path, self.chosen_format)

    @work(group="export", exclusive=True, exit_on_error=False)
    async def _write(self, path: Path, fmt: str) -> None:
        try:
            await asyncio.to_thread(write_records, path, self.rows, self.columns, fmt)
        except CommandError as err:
            self.query_one("#export-write", Button).disabled = False
            self._show(str(err))
            return
        self.written = path
        self.app.notify(f"{len(self.rows):,} rows written to {path}", title="Exported")
        self.dismiss(True)

    def _show(self, text: str) -> None:
        self.error = text
        self.query_one("#export-error", Static).update(Text(text))

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
