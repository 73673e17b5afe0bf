"""Many enrolls or unenrolls at once: a dry run first, then the run, then each item's result.

The requests come from the browse screen's selection (users by courses) or from a CSV file read
with the command line's reader (``tui.scripting.read_csv``, so the same files work in both).
The dry run lists what each row would do and why an invalid row is refused; nothing is sent
until Run. A run that would unenroll anyone asks first, naming them (``ConfirmationModal``);
a screen opened after that question was answered (``confirmed``) runs at once. The run shows a
progress bar, then one result per item. It keeps a journal under the user state directory, as
the command line does, so "Retry failures" sends only the items that failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, ProgressBar, Static

from core.connections import Connection
from core.operations import ItemReport, Outcome, Plan, Request, Verdict, summarize
from tui.loading import ConnectorFactory
from tui.operate import (
    ActionFailed,
    ItemDone,
    PlanReady,
    RunFinished,
    RunStarted,
    ViewProgress,
    carry_out,
    prepare,
)
from tui.scripting import CommandError, plan_row, read_csv, report_row
from tui.widgets.confirmation import ConfirmationModal
from tui.widgets.virtual_table import VirtualTable
from tui.workspace import Workspace, display_name

PLAN_HEADERS = ("Row", "Action", "User", "Course", "Plan", "Reason")
RESULT_HEADERS = ("Row", "Action", "User", "Course", "Outcome", "Message")
#: how many names a confirmation lists before "and N more"
NAMED = 5


def unenroll_lines(pairs: Sequence[tuple[str, str]], connection: Connection) -> list[str]:
    """What a confirmation says: the count, the first few user and course names, where."""
    count = len(pairs)
    lines = [
        f"{count} enrollment{'s' if count != 1 else ''} on {connection.name} "
        f"({display_name(connection)}) will be removed:",
        "",
    ]
    lines += [f"  • {user} — {course}" for user, course in pairs[:NAMED]]
    if count > NAMED:
        lines.append(f"  … and {count - NAMED} more")
    return lines


class BulkScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="bulk.close"),
        Binding("ctrl+r", "run", "Run", id="bulk.run"),
        Binding("ctrl+t", "retry", "Retry failures", id="bulk.retry"),
    ]

    def __init__(
        self,
        connection: Connection,
        factory: ConnectorFactory,
        workspace: Workspace,
        *,
        requests: Sequence[Request] = (),
        title: str = "Bulk enroll or unenroll",
        source: str = "bulk",
        confirmed: bool = False,
    ) -> None:
        super().__init__()
        self.connection = connection
        self.factory = factory
        self.workspace = workspace
        self.requests = list(requests)
        self.title_text = title
        self.source = source
        self.confirmed = confirmed
        self.plan: Plan | None = None
        self.reports: list[ItemReport] = []
        self.summary = ""
        self.running = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="bulk", classes="action-body"):
            yield Label(f"{self.title_text} · {self.connection.name}", classes="action-title")
            with Horizontal(classes="action-row"):
                yield Input(
                    placeholder="CSV file to import: columns user, course, and optionally "
                    "action (enroll/unenroll) and options",
                    id="bulk-path",
                )
                yield Button("Import", id="bulk-import")
            yield Static(id="bulk-summary", classes="summary")
            yield ProgressBar(id="bulk-progress", show_eta=False)
            yield VirtualTable(PLAN_HEADERS, id="bulk-table", classes="action-table")
            with Horizontal(classes="action-row"):
                yield Button("Run", id="bulk-run", variant="warning", disabled=True)
                yield Button("Retry failures", id="bulk-retry", disabled=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#bulk-progress").display = False
        if not self.requests:
            self._say(
                "Import a CSV file, or select users (tab 1) and courses (tab 2) with space "
                "before opening bulk."
            )
            self.query_one("#bulk-path", Input).focus()
        elif self.confirmed:
            self._start(journal=True)
        else:
            self._dry_run()

    # -- the dry run ---------------------------------------------------------------------------

    @on(Button.Pressed, "#bulk-import")
    @on(Input.Submitted, "#bulk-path")
    def _import(self) -> None:
        if self.running:
            return
        text = self.query_one("#bulk-path", Input).value.strip()
        if not text:
            self._say("Type the path of a CSV file first.", error=True)
            return
        try:
            self.requests = read_csv(Path(text).expanduser())
        except CommandError as err:
            self._say(str(err), error=True)
            return
        self.confirmed = False
        self._dry_run()

    def _dry_run(self) -> None:
        self.query_one("#bulk-run", Button).disabled = True
        self._say(f"Planning {len(self.requests):,} rows…")
        self._prepare()

    @work(group="bulk", exclusive=True, exit_on_error=False)
    async def _prepare(self) -> None:
        await prepare(
            self.connection, self.factory, self.workspace, self.requests, self.post_message
        )

    @on(ViewProgress)
    def _view_progress(self, message: ViewProgress) -> None:
        self._say(f"Loading {self.connection.name}'s {message.kind}: {message.count:,}…")

    @on(PlanReady)
    def _planned(self, message: PlanReady) -> None:
        made = self.plan = message.plan
        self._show_plan(made)
        counts = made.counts()
        text = "Dry run: " + " · ".join(f"{counts[v]:,} {v}" for v in Verdict if counts[v])
        invalid = [i for i in made.items if i.verdict is Verdict.INVALID]
        if invalid:
            text += "\nInvalid rows: " + "; ".join(
                f"row {i.index + 1}: {i.reason}" for i in invalid[:NAMED]
            )
            if len(invalid) > NAMED:
                text += f"; … and {len(invalid) - NAMED} more (see the table)"
        to_do = counts[Verdict.CREATE] + counts[Verdict.REMOVE]
        text += "\nNothing has been changed." + (" Run (ctrl+r) to do it." if to_do else "")
        self._say(text)
        self.query_one("#bulk-run", Button).disabled = not to_do
        self.query_one("#bulk-table", VirtualTable).focus()

    def _show_plan(self, made: Plan) -> None:
        table = self.query_one("#bulk-table", VirtualTable)
        table.set_columns(PLAN_HEADERS)
        rows = [plan_row(made, i) for i in range(len(made.items))]
        table.set_rows([tuple(str(v) for v in row.values()) for row in rows])

    # -- the run -------------------------------------------------------------------------------

    @on(Button.Pressed, "#bulk-run")
    def action_run(self) -> None:
        made = self.plan
        if self.running or made is None or self.query_one("#bulk-run", Button).disabled:
            return
        removing = [i for i in made.items if i.verdict is Verdict.REMOVE]
        if not removing or self.confirmed:
            self._start(journal=True)
            return
        pairs = [(i.user_label, i.course_label) for i in removing]
        modal = ConfirmationModal(
            "Unenroll?",
            unenroll_lines(pairs, self.connection),
            confirm_text=f"Unenroll {len(pairs)}",
            count=len(pairs),
        )
        self.app.push_screen(modal, self._answered)

    def _answered(self, confirmed: bool | None) -> None:
        if confirmed:
            self.confirmed = True
            self._start(journal=True)

    @on(Button.Pressed, "#bulk-retry")
    def action_retry(self) -> None:
        if not self.running and any(r.outcome is Outcome.FAILED for r in self.reports):
            self._start(journal=True)

    def _start(self, *, journal: bool) -> None:
        self.running = True
        self.query_one("#bulk-run", Button).disabled = True
        self.query_one("#bulk-retry", Button).disabled = True
        self._say(f"Starting {len(self.requests):,} items…")
        self._run(journal)

    @work(group="bulk", exclusive=True, exit_on_error=False)
    async def _run(self, journal: bool) -> None:
        await carry_out(
            self.connection,
            self.factory,
            self.workspace,
            self.requests,
            self.post_message,
            source=self.source,
            journal=journal,
        )

    @on(RunStarted)
    def _run_started(self, message: RunStarted) -> None:
        self.plan = message.plan
        self._show_plan(message.plan)
        progress = self.query_one("#bulk-progress", ProgressBar)
        progress.update(total=len(message.plan.items), progress=0)
        progress.display = True
        resumed = f" ({message.resumed:,} done by an earlier run)" if message.resumed else ""
        self._say(f"Running {len(message.plan.items):,} items{resumed}…")

    @on(ItemDone)
    def _item_done(self, message: ItemDone) -> None:
        self.query_one("#bulk-progress", ProgressBar).update(progress=message.done)

    @on(RunFinished)
    def _run_finished(self, message: RunFinished) -> None:
        self.running = False
        self.reports = message.reports
        table = self.query_one("#bulk-table", VirtualTable)
        table.set_columns(RESULT_HEADERS)
        table.set_rows([tuple(str(v) for v in report_row(r).values()) for r in self.reports])
        counts = summarize(self.reports)
        failed = counts[Outcome.FAILED]
        text = "Done: " + " · ".join(f"{n:,} {o.replace('_', ' ')}" for o, n in counts.items() if n)
        if failed:
            text += f"\n{failed:,} failed: Retry failures (ctrl+t) sends only those again."
        self._say(text, error=bool(failed))
        self.query_one("#bulk-retry", Button).disabled = not failed
        if message.log_error:
            self.notify(message.log_error, severity="warning")

    @on(ActionFailed)
    def _failed(self, message: ActionFailed) -> None:
        self.running = False
        self._say(f"Could not reach {self.connection.name}: {message.error}", error=True)
        self.query_one("#bulk-retry", Button).disabled = not any(
            r.outcome is Outcome.FAILED for r in self.reports
        )

    def _say(self, text: str, *, error: bool = False) -> None:
        self.summary = text
        summary = self.query_one("#bulk-summary", Static)
        summary.update(Text(text))
        summary.set_class(error, "-error")

    def action_close(self) -> None:
        self.dismiss()
