"""A modal that asks before a change is made, naming who and what; Cancel is the default.

Cancel has the focus when the modal opens, so enter cancels, and so does escape: confirming takes
a deliberate move to the confirm button first. For a change to many items (``typed``), the
confirm button stays disabled until the operator types the number of items, so no stray
keystrokes can unenroll a hundred people.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

#: from this many items on, the count must be typed to confirm
TYPE_TO_CONFIRM = 10


class ConfirmationModal(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmationModal {
        align: center middle;
        background: $background 60%;
        & > #confirmation {
            width: 72;
            max-width: 95%;
            height: auto;
            border: thick $error;
            background: $surface;
            padding: 1 2;
        }
        & #confirmation-title {
            text-style: bold;
            color: $text-error;
            width: 100%;
        }
        & #confirmation-body {
            margin: 1 0;
        }
        & #confirmation-buttons {
            height: auto;
            align: center middle;
            margin-top: 1;
            & > Button {
                width: 1fr;
                margin: 0 1;
            }
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirmation.cancel"),
        Binding("left,right", "move_focus", "Move", show=False, id="confirmation.move"),
    ]

    def __init__(
        self,
        title: str,
        lines: Sequence[str],
        *,
        confirm_text: str,
        count: int = 1,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.lines = list(lines)
        self.confirm_text = confirm_text
        self.count = count
        self.typed = count >= TYPE_TO_CONFIRM

    def compose(self) -> ComposeResult:
        with Vertical(id="confirmation"):
            yield Label(self.title_text, id="confirmation-title")
            yield Static("\n".join(self.lines), id="confirmation-body", markup=False)
            if self.typed:
                yield Input(
                    placeholder=f"Type {self.count} to confirm",
                    id="confirmation-count",
                    restrict=r"[0-9]*",
                )
            with Horizontal(id="confirmation-buttons"):
                yield Button("Cancel", id="cancel-button")
                yield Button(
                    self.confirm_text,
                    id="confirm-button",
                    variant="error",
                    disabled=self.typed,
                )

    def on_mount(self) -> None:
        self.query_one("#cancel-button", Button).focus()

    @on(Input.Changed, "#confirmation-count")
    def _count_typed(self, event: Input.Changed) -> None:
        self.query_one("#confirm-button", Button).disabled = event.value != str(self.count)

    @on(Input.Submitted, "#confirmation-count")
    def _count_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value == str(self.count):
            self.query_one("#confirm-button", Button).focus()

    @on(Button.Pressed, "#confirm-button")
    def _confirmed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel-button")
    def _cancelled(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_move_focus(self) -> None:
        self.focus_next()
