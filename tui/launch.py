"""Opening the action screens from the browse screen, with what each takes from what is shown.

Each ``open_*`` reads the browse screen's state (the connection, the tab, the selected rows or
the cursor's row, the filter) and pushes its screen. When an action screen closes having changed
a connection's enrollments, the browse screen loads that connection again if it is shown, and
says so otherwise. A selection that spans connections (in "All connections") is refused: every
change is made on one connection at a time.

Each action screen (and what it needs: the operations layer, the export columns, fuzzy
matching) is imported when it is first opened, not when the browse screen is: none of them is
needed to show the first rows, and together they are a good part of the start-up's imports.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from core.connections import Connection
from core.models import Course, Enrollment, User
from tui.records import Kind
from tui.store import ALL

if TYPE_CHECKING:
    from tui.app import LmsBridgeApp
    from tui.screens.browse import BrowseScreen
    from tui.workspace import Workspace


def _app(screen: BrowseScreen) -> LmsBridgeApp:
    return cast("LmsBridgeApp", screen.app)


def _workspace(screen: BrowseScreen) -> Workspace:
    return _app(screen).workspace


def _cell(screen: BrowseScreen, kind: Kind, index: int, column: str) -> str:
    dataset = screen.dataset(kind)
    if dataset is None or column not in dataset.columns:
        return ""
    return dataset.rows[index][dataset.columns.index(column)]


def _indices(screen: BrowseScreen, kind: Kind, *, cursor: bool) -> list[int]:
    """The selected rows of a tab, else (with ``cursor``) the cursor's row."""
    table = screen.table(kind)
    if table.selected:
        return table.selected
    index = table.cursor_index
    return [index] if cursor and index is not None else []


def _one_connection(screen: BrowseScreen, rows: dict[Kind, list[int]]) -> Connection | None:
    """The connection of every row given (the shown one when none are); None, said, when they
    come from several connections or none is shown."""
    found = {
        connection.name: connection
        for kind, indices in rows.items()
        for index in indices
        if (connection := screen.row_connection(kind, index)) is not None
    }
    if len(found) > 1:
        screen.notify(
            "The rows come from several connections; select rows of one connection.",
            severity="warning",
        )
        return None
    connection = next(iter(found.values()), None) or screen.connection
    if connection is None:
        screen.notify("Pick a connection in the sidebar first.", severity="warning")
    return connection


def after_change(screen: BrowseScreen) -> None:
    """Show what the closed action screen changed: reload the connection if it is shown."""
    workspace = _workspace(screen)
    changed, workspace.changed = sorted(workspace.changed), set()
    shown = [n for n in changed if screen.key in (n, ALL)]
    if shown:
        screen.reload()
    for name in changed:
        if name not in shown and name in screen.store.data:
            screen.notify(f"{name} changed: open it and press r to see the change.")


def _push(screen: BrowseScreen, action_screen: Any) -> None:
    screen.app.push_screen(action_screen, lambda _: after_change(screen))


def open_enroll(screen: BrowseScreen) -> None:
    from tui.screens.enroll import EnrollScreen

    kind = screen.kind
    index = screen.table(kind).cursor_index
    connection = _one_connection(screen, {kind: [] if index is None else [index]})
    if connection is None:
        return
    record = None if index is None else screen.record(kind, index)
    user_id = course_id = None
    if isinstance(record, User):
        user_id = record.id
    elif isinstance(record, Course):
        course_id = record.id
    elif isinstance(record, Enrollment):
        user_id = record.user.id
    app = _app(screen)
    _push(
        screen,
        EnrollScreen(
            connection,
            app.connector_factory,
            app.workspace,
            user_id=user_id,
            course_id=course_id,
        ),
    )


def open_unenroll(screen: BrowseScreen) -> None:
    from core.operations import Action, Request
    from tui.screens.bulk import BulkScreen, unenroll_lines
    from tui.widgets.confirmation import ConfirmationModal

    if screen.kind is not Kind.ENROLLMENTS:
        screen.notify("Unenroll works on enrollments: press 3, select rows with space, then U.")
        return
    indices = _indices(screen, Kind.ENROLLMENTS, cursor=True)
    if not indices:
        screen.notify("No enrollment to unenroll.", severity="warning")
        return
    connection = _one_connection(screen, {Kind.ENROLLMENTS: indices})
    if connection is None:
        return
    records = [screen.record(Kind.ENROLLMENTS, i) for i in indices]
    enrollments = [r for r in records if isinstance(r, Enrollment)]
    pairs = [
        (_cell(screen, Kind.ENROLLMENTS, i, "User"), _cell(screen, Kind.ENROLLMENTS, i, "Course"))
        for i in indices
    ]
    lines = unenroll_lines(pairs, connection)
    dataset = screen.dataset(Kind.ENROLLMENTS)
    visible = set(dataset.visible) if dataset is not None and dataset.visible is not None else None
    hidden = 0 if visible is None else sum(1 for i in indices if i not in visible)
    if hidden:
        lines += ["", f"{hidden} of them are selected but hidden by the filter or facets."]
    requests = [Request(Action.UNENROLL, e.user.id, e.course.id) for e in enrollments]
    count = len(requests)
    modal = ConfirmationModal("Unenroll?", lines, confirm_text=f"Unenroll {count}", count=count)

    def answered(confirmed: bool | None) -> None:
        if not confirmed:
            return
        app = _app(screen)
        bulk = BulkScreen(
            connection,
            app.connector_factory,
            app.workspace,
            requests=requests,
            title=f"Unenroll {count}",
            source="unenroll",
            confirmed=True,
        )
        _push(screen, bulk)

    screen.app.push_screen(modal, answered)


def open_bulk(screen: BrowseScreen) -> None:
    from core.operations import Action, Request
    from tui.screens.bulk import BulkScreen

    users = screen.table(Kind.USERS).selected
    courses = screen.table(Kind.COURSES).selected
    connection = _one_connection(screen, {Kind.USERS: users, Kind.COURSES: courses})
    if connection is None:
        return
    requests: list[Request] = []
    title = "Bulk enroll or unenroll"
    if users and courses:
        user_ids = [r.id for i in users if (r := screen.record(Kind.USERS, i)) is not None]
        course_ids = [r.id for i in courses if (r := screen.record(Kind.COURSES, i)) is not None]
        requests = [Request(Action.ENROLL, u, c) for u in user_ids for c in course_ids]
        title = f"Enroll {_count(len(user_ids), 'user')} in {_count(len(course_ids), 'course')}"
    elif users or courses:
        screen.notify("Select users (tab 1) and courses (tab 2): each user goes in each course.")
    app = _app(screen)
    bulk = BulkScreen(
        connection, app.connector_factory, app.workspace, requests=requests, title=title
    )
    _push(screen, bulk)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def open_export(screen: BrowseScreen) -> None:
    from tui.screens.export import ExportScreen
    from tui.scripting import EXPORT_COLUMNS, export_row

    kind, dataset, table = screen.kind, screen.dataset(), screen.table()
    if dataset is None or screen.key is None:
        screen.notify("Nothing to export yet.", severity="warning")
        return
    indices = [table.row_index(p) for p in range(table.row_count)]
    columns = EXPORT_COLUMNS[kind.value]
    rows = [export_row(kind.value, dataset.records[i]) for i in indices]
    if screen.key == ALL:
        columns = ("connection", *columns)
        for row, i in zip(rows, indices, strict=True):
            connection = screen.row_connection(kind, i)
            row["connection"] = connection.name if connection else ""
    label = screen.store.label(screen.key)
    what = f"{len(rows):,} {kind.value} of {label}"
    if screen.query_text or dataset.facets:
        what += " (as filtered)"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{label}-{kind.value}").strip("-").lower()
    default = Path.cwd() / f"{name}.csv"
    screen.app.push_screen(ExportScreen(rows, columns, what=what, default_path=default))


def open_reconcile(screen: BrowseScreen) -> None:
    from tui.screens.reconcile import ReconcileScreen

    if len(screen.connections) < 2:
        screen.notify("Reconcile needs two connections.", severity="warning")
        return
    app = _app(screen)
    _push(
        screen,
        ReconcileScreen(
            screen.connections, app.connector_factory, app.workspace, a=screen.connection
        ),
    )


def open_activity(screen: BrowseScreen) -> None:
    from tui.screens.activity import ActivityScreen

    screen.app.push_screen(ActivityScreen(_workspace(screen).activity))


def open_dashboard(screen: BrowseScreen) -> None:
    from tui.screens.dashboard import DashboardScreen

    dataset = screen.dataset(Kind.ENROLLMENTS)
    if dataset is None or screen.key is None:
        screen.notify("Nothing to chart yet.", severity="warning")
        return
    visible = range(dataset.total) if dataset.visible is None else dataset.visible
    pairs = [
        (record, _cell(screen, Kind.ENROLLMENTS, i, "Course"))
        for i in visible
        if isinstance(record := dataset.records[i], Enrollment)
    ]
    title = f"Dashboard · {screen.store.label(screen.key)} · {len(pairs):,} enrollments"
    if len(pairs) < dataset.total:
        title += " (as filtered)"
    screen.app.push_screen(DashboardScreen(pairs, title=title, now=screen.clock()))
