"""Compare the enrollments of two connections, and enroll the side where one is missing.

Pick connection A and B and Compare: both local views load in a worker and ``core.reconcile``
matches people by email and courses by code or title. Each difference is a row. Enter on an
"only in A" or "only in B" row offers to enroll that person in that course on the other side,
after a confirmation naming who, what and where (Cancel is the default); the outcome is written
on the row. Status and due date differences are listed, not acted on: which side is right is the
operator's call, made in the vendor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, Select, Static

from core.connections import Connection
from core.models import Enrollment
from core.operations import Action, Request
from core.reconcile import Difference, DifferenceKind, Reconciliation, reconcile
from core.view import LocalView, UnknownReference
from tui.loading import ConnectorFactory, describe_error
from tui.operate import ActionFailed, RunFinished, carry_out, describe
from tui.widgets.confirmation import ConfirmationModal
from tui.widgets.virtual_table import VirtualTable
from tui.workspace import Workspace, display_name

HEADERS = ("Difference", "Email", "Course", "A", "B", "Action")


class Compared(Message):
    def __init__(self, result: Reconciliation, a: LocalView, b: LocalView) -> None:
        super().__init__()
        self.result = result
        self.a = a
        self.b = b


def side(enrollment: Enrollment | None) -> str:
    if enrollment is None:
        return "—"
    due = f", due {enrollment.due_at.date().isoformat()}" if enrollment.due_at else ""
    return f"{enrollment.status}{due}"


class ReconcileScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="reconcile.close"),
        Binding("ctrl+r", "compare", "Compare", id="reconcile.compare"),
    ]

    def __init__(
        self,
        connections: Sequence[Connection],
        factory: ConnectorFactory,
        workspace: Workspace,
        *,
        a: Connection | None = None,
    ) -> None:
        super().__init__()
        self.connections = {c.name: c for c in connections}
        self.factory = factory
        self.workspace = workspace
        names = list(self.connections)
        first = a.name if a is not None and a.name in self.connections else names[0]
        self.initial = (first, next((n for n in names if n != first), first))
        self.result: Reconciliation | None = None
        self.views: tuple[LocalView, LocalView] | None = None
        self.pair: tuple[Connection, Connection] | None = None
        self.rows: list[tuple[str, ...]] = []
        self.summary = ""
        #: the row being acted on, and the connection enrolled on
        self._acting: tuple[int, Connection] | None = None

    def compose(self) -> ComposeResult:
        options = [(name, name) for name in self.connections]
        yield Header()
        with Vertical(classes="action-body"):
            yield Label("Reconcile two connections", classes="action-title")
            with Horizontal(classes="action-row"):
                yield Select(options, value=self.initial[0], allow_blank=False, id="reconcile-a")
                yield Select(options, value=self.initial[1], allow_blank=False, id="reconcile-b")
                yield Button("Compare", id="reconcile-compare", variant="primary")
            yield Static(id="reconcile-summary", classes="summary")
            yield VirtualTable(HEADERS, id="reconcile-table", classes="action-table")
            yield Static(
                "Enter on an “only in A/B” row: enroll the missing side (asks first).",
                classes="muted",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reconcile-compare", Button).focus()

    def _chosen(self, widget: str) -> Connection:
        return self.connections[str(self.query_one(widget, Select).value)]

    @on(Button.Pressed, "#reconcile-compare")
    def action_compare(self) -> None:
        a, b = self._chosen("#reconcile-a"), self._chosen("#reconcile-b")
        if a.name == b.name:
            self._say("Pick two different connections.", error=True)
            return
        self.pair = (a, b)
        self._say(f"Loading {a.name} and {b.name}…")
        self._compare(a, b)

    @work(group="reconcile", exclusive=True, exit_on_error=False)
    async def _compare(self, a: Connection, b: Connection) -> None:
        try:
            async with self.factory(a) as ca, self.factory(b) as cb:
                view_a = await self.workspace.views.get(a, ca)
                view_b = await self.workspace.views.get(b, cb)
        except Exception as err:  # an LmsError, a bug or a broken setup: the app must live on
            self.post_message(ActionFailed(describe_error(err)))
            return
        self.post_message(Compared(reconcile(view_a, view_b), view_a, view_b))

    @on(Compared)
    def _compared(self, message: Compared) -> None:
        assert self.pair is not None
        self.result, self.views = message.result, (message.a, message.b)
        result = message.result
        a, b = self.pair
        self.rows = [
            (_KINDS[d.kind], d.email, d.course, side(d.a), side(d.b), "")
            for d in result.differences
        ]
        self.query_one("#reconcile-table", VirtualTable).set_rows(self.rows)
        counts = result.counts()
        self._say(
            f"A = {a.name}, B = {b.name}: {result.matched_people:,} people and "
            f"{result.matched_courses:,} courses matched, {result.compared_pairs:,} enrollments "
            "compared. "
            + (
                " · ".join(f"{n:,} {_KINDS[k]}" for k, n in counts.items() if n)
                or "No differences."
            )
        )
        self.query_one("#reconcile-table", VirtualTable).focus()

    # -- acting on a difference ----------------------------------------------------------------

    @on(VirtualTable.RowSelected, "#reconcile-table")
    def _row_selected(self, event: VirtualTable.RowSelected) -> None:
        if self.result is None or self.pair is None or self._acting is not None:
            return
        difference = self.result.differences[event.row_index]
        target = self._target(difference)
        if target is None:
            self.notify(
                "Only a missing enrollment can be acted on here; which status or due date is "
                "right is decided in the vendor.",
                title=_KINDS[difference.kind],
            )
            return
        connection, request = target
        lines = [
            f"Enroll {difference.email} in “{difference.course}” on {connection.name} "
            f"({display_name(connection)}),",
            "so that both connections have this enrollment.",
        ]
        modal = ConfirmationModal("Enroll the missing side?", lines, confirm_text="Enroll")

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self._acting = (event.row_index, connection)
                self._mark(event.row_index, "enrolling…")
                self._enroll(connection, request)

        self.app.push_screen(modal, answered)

    def _target(self, difference: Difference) -> tuple[Connection, Request] | None:
        """Where to enroll and what, for a missing enrollment (None for another difference)."""
        assert self.pair is not None and self.views is not None
        if difference.kind is DifferenceKind.MISSING_IN_B and difference.a is not None:
            connection, (source, target), present = self.pair[1], self.views, difference.a
        elif difference.kind is DifferenceKind.MISSING_IN_A and difference.b is not None:
            (target, source), present = self.views, difference.b
            connection = self.pair[0]
        else:
            return None
        course = source.courses.get(present.course.id)
        reference = difference.course
        # the course on the other side, matched as reconcile matched it: by code, else by title
        keys = [k for k in (course.code, course.title) if k] if course is not None else []
        for key in keys:
            try:
                reference = target.find_course(key).id
                break
            except UnknownReference:
                continue
        return connection, Request(Action.ENROLL, difference.email, reference)

    @work(group="reconcile-act", exclusive=True, exit_on_error=False)
    async def _enroll(self, connection: Connection, request: Request) -> None:
        await carry_out(
            connection,
            self.factory,
            self.workspace,
            [request],
            self.post_message,
            source="reconcile",
        )

    @on(RunFinished)
    def _finished(self, message: RunFinished) -> None:
        acting, self._acting = self._acting, None
        if acting is None:
            return
        index, connection = acting
        (report,) = message.reports
        self._mark(index, str(report.outcome).replace("_", " "))
        text = describe(report, display_name(connection))
        self.notify(text, severity="information" if report.outcome.ok else "error")
        if message.log_error:
            self.notify(message.log_error, severity="warning")

    @on(ActionFailed)
    def _failed(self, message: ActionFailed) -> None:
        if self._acting is not None:
            self._mark(self._acting[0], "failed")
            self._acting = None
        self._say(message.error, error=True)

    def _mark(self, index: int, text: str) -> None:
        self.rows[index] = (*self.rows[index][:-1], text)
        self.query_one("#reconcile-table", VirtualTable).rows_changed(None)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.summary = text
        summary = self.query_one("#reconcile-summary", Static)
        summary.update(Text(text))
        summary.set_class(error, "-error")

    def action_close(self) -> None:
        self.dismiss()


_KINDS = {
    DifferenceKind.MISSING_IN_A: "only in B",
    DifferenceKind.MISSING_IN_B: "only in A",
    DifferenceKind.STATUS: "status differs",
    DifferenceKind.DUE_DATE: "due date differs",
}
