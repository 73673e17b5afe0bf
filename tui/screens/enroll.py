"""Enroll one user in one course: fuzzy pickers, the options the vendor supports, the result.

The connection's local view loads in a worker as the screen opens and feeds the two pickers. The
option fields are those the connector's capabilities list (``tui.enrolling``); a session field
appears once a course with sessions is picked. Everything is checked before the request goes out,
through the operations layer in a worker (so enrolling twice says "already enrolled"); the
outcome, or the vendor's refusal in its own words, is shown under the form. The form stays
filled in, for the next enroll.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, Select, Static

from core.capabilities import EnrollOption, Operation
from core.connections import Connection
from core.operations import Action, Outcome, Request
from core.view import LocalView
from tui.enrolling import Field, Value, fields_for, read_options
from tui.loading import ConnectorFactory
from tui.operate import ActionFailed, RunFinished, ViewProgress, ViewReady, carry_out, describe
from tui.operate import load_view as load_view_of
from tui.sessions import SessionsFailed, SessionsLoaded, load_sessions, when
from tui.widgets.picker import Picker
from tui.workspace import Workspace, capabilities_of, display_name


class EnrollScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="enroll.close"),
        Binding("ctrl+s", "submit", "Enroll", id="enroll.submit"),
    ]

    def __init__(
        self,
        connection: Connection,
        factory: ConnectorFactory,
        workspace: Workspace,
        *,
        user_id: str | None = None,
        course_id: str | None = None,
    ) -> None:
        super().__init__()
        self.connection = connection
        self.factory = factory
        self.workspace = workspace
        self.capabilities = capabilities_of(connection)
        self.vendor_name = display_name(connection)
        self.fields = fields_for(self.capabilities)
        self.view: LocalView | None = None
        self.initial = (user_id, course_id)
        self.result = ""
        self.outcome: Outcome | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="enroll", classes="action-body"):
            yield Label(
                f"Enroll on {self.connection.name} ({self.vendor_name})", classes="action-title"
            )
            yield Static("Loading users and courses…", id="enroll-status", classes="muted")
            yield Label("User", classes="field-label")
            yield Picker("Type a name or an email, then pick with ↑ ↓ and enter", id="enroll-user")
            yield Label("Course", classes="field-label")
            yield Picker("Type a title or a code, then pick with ↑ ↓ and enter", id="enroll-course")
            for field in self.fields:
                yield self._field(field)
            if not self.fields:
                yield Static(f"{self.vendor_name} takes no enroll options.", classes="muted")
            yield Static(id="enroll-errors", classes="errors")
            yield Button("Enroll", id="enroll-submit", variant="primary", disabled=True)
            yield Static(id="enroll-result")
        yield Footer()

    def _field(self, field: Field) -> Widget:
        widget: Widget
        name = f"opt-{field.column}"
        if field.kind == "check":
            widget = Checkbox(field.label, id=name)
        elif field.kind == "select":
            prompt = "pick a course first" if field.option is EnrollOption.SESSION else "default"
            widget = Select([(c, c) for c in field.choices], prompt=prompt, id=name)
        else:
            widget = Input(placeholder=field.placeholder, id=name)
        row = Horizontal(
            Label(field.label if field.kind != "check" else "", classes="option-label"),
            widget,
            id=f"field-{field.column}",
            classes="option",
        )
        row.display = field.option is not EnrollOption.SESSION
        return row

    def on_mount(self) -> None:
        self.query_one("#enroll-user", Picker).input.focus()
        self._load_view()

    @work(group="view", exclusive=True, exit_on_error=False)
    async def _load_view(self) -> None:
        await load_view_of(self.connection, self.factory, self.workspace, self.post_message)

    @on(ViewProgress)
    def _view_progress(self, message: ViewProgress) -> None:
        status = f"Loading {message.kind}: {message.count:,}…"
        self.query_one("#enroll-status", Static).update(status)

    @on(ViewReady)
    def _view_ready(self, message: ViewReady) -> None:
        view = self.view = message.view
        users = {
            u.id: " · ".join(p for p in (u.name, u.primary_email) if p) or u.id
            for u in view.users.values()
        }
        courses = {
            c.id: f"{c.title} ({c.code})" if c.code else c.title for c in view.courses.values()
        }
        self.query_one("#enroll-user", Picker).set_choices(users)
        self.query_one("#enroll-course", Picker).set_choices(courses)
        user_id, course_id = self.initial
        if user_id in users:
            self.query_one("#enroll-user", Picker).pick(user_id)
        if course_id in courses:
            self.query_one("#enroll-course", Picker).pick(course_id)
        self.query_one("#enroll-status", Static).update(
            f"{len(users):,} users and {len(courses):,} courses."
        )
        self.query_one("#enroll-submit", Button).disabled = False

    @on(ActionFailed)
    def _failed(self, message: ActionFailed) -> None:
        self._show_result(f"Could not reach {self.vendor_name}: {message.error}", ok=False)
        self.query_one("#enroll-submit", Button).disabled = self.view is None

    # -- sessions ------------------------------------------------------------------------------

    @on(Picker.Picked, "#enroll-course")
    def _course_picked(self, message: Picker.Picked) -> None:
        if not self.query("#opt-session"):
            return
        select = self.query_one("#opt-session", Select)
        select.set_options([])
        self.query_one("#field-session").display = False
        if message.value and self.capabilities.supports(Operation.LIST_SESSIONS):
            self._load_sessions(message.value)

    @work(group="sessions", exclusive=True, exit_on_error=False)
    async def _load_sessions(self, course_id: str) -> None:
        await load_sessions(self.connection, course_id, self.factory, self.post_message)

    @on(SessionsLoaded)
    def _sessions_loaded(self, message: SessionsLoaded) -> None:
        if message.course_id != self.query_one("#enroll-course", Picker).value:
            return
        options = [(f"{s.name or s.id} · {when(s)}", s.id) for s in message.sessions]
        select = self.query_one("#opt-session", Select)
        select.set_options(options)
        select.prompt = "none: as the course's enrollment type decides"
        self.query_one("#field-session").display = bool(options)

    @on(SessionsFailed)
    def _sessions_failed(self, message: SessionsFailed) -> None:
        self.notify(message.error, title="Could not list the course's sessions", severity="error")

    # -- submitting ----------------------------------------------------------------------------

    def values(self) -> dict[str, Value]:
        found: dict[str, Value] = {}
        for field in self.fields:
            widget = self.query_one(f"#opt-{field.column}")
            if isinstance(widget, Checkbox):
                found[field.column] = widget.value
            elif isinstance(widget, Select):
                selection = widget.selection
                found[field.column] = None if selection is None else str(selection)
            elif isinstance(widget, Input):
                found[field.column] = widget.value.strip()
        return found

    def validate(self) -> tuple[Request | None, list[str]]:
        """The request the form describes, or why there is none yet."""
        user = self.query_one("#enroll-user", Picker).value
        course = self.query_one("#enroll-course", Picker).value
        errors = []
        if self.view is None:
            errors.append("The users and courses have not loaded yet")
        if user is None:
            errors.append("Pick a user from the list (type, then enter)")
        if course is None:
            errors.append("Pick a course from the list (type, then enter)")
        options, option_errors = read_options(self.fields, self.values())
        errors += option_errors
        if errors or user is None or course is None:
            return None, errors
        return Request(Action.ENROLL, user, course, options), []

    @on(Button.Pressed, "#enroll-submit")
    def action_submit(self) -> None:
        button = self.query_one("#enroll-submit", Button)
        if button.disabled:
            return
        request, errors = self.validate()
        self.query_one("#enroll-errors", Static).update(Text("\n".join(f"• {e}" for e in errors)))
        if request is None:
            return
        button.disabled = True
        self._show_result("Enrolling…", ok=True)
        self._enroll(request)

    @work(group="enroll", exclusive=True, exit_on_error=False)
    async def _enroll(self, request: Request) -> None:
        await carry_out(
            self.connection,
            self.factory,
            self.workspace,
            [request],
            self.post_message,
            source="enroll form",
        )

    @on(RunFinished)
    def _finished(self, message: RunFinished) -> None:
        self.query_one("#enroll-submit", Button).disabled = False
        (report,) = message.reports
        self.outcome = report.outcome
        self._show_result(describe(report, self.vendor_name), ok=report.outcome.ok)
        if message.log_error:
            self.notify(message.log_error, severity="warning")

    def _show_result(self, text: str, *, ok: bool) -> None:
        self.result = text
        result = self.query_one("#enroll-result", Static)
        result.update(Text(text))
        result.set_class(not ok, "-error")
        result.set_class(ok, "-ok")

    def action_close(self) -> None:
        self.dismiss()
