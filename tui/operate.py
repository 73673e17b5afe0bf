"""The operations layer driven from the terminal: plan and run requests inside workers.

``prepare`` and ``carry_out`` run inside a worker, like ``tui.loading.load``: they open a
connector, get the connection's local view from the workspace (loading it the first time, with
``ViewProgress`` as it goes) and answer with messages: ``ViewReady`` for ``load_view``,
``PlanReady`` for a dry run; for a run,
``RunStarted``, one ``ItemDone`` per finished item and ``RunFinished``. A run is planned afresh
against the view right before it is carried out (what the dry run showed may have changed), and
every change it tried is appended to the activity log, even when the run is cancelled part way.
Neither raises but on cancellation: a failure to load or connect is one ``ActionFailed``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.message import Message

from core.connections import Connection
from core.operations import (
    ItemReport,
    Journal,
    Outcome,
    Plan,
    Request,
    execute,
    plan,
)
from core.view import LocalView
from tui.loading import ConnectorFactory, describe_error
from tui.workspace import Workspace, tenant

Post = Callable[[Message], object]


class ViewProgress(Message):
    """The connection's view is loading: ``count`` records of ``kind`` so far."""

    def __init__(self, kind: str, count: int) -> None:
        super().__init__()
        self.kind = kind
        self.count = count


class ViewReady(Message):
    """The connection's view is loaded (its users and courses feed the pickers)."""

    def __init__(self, connection: str, view: LocalView) -> None:
        super().__init__()
        self.connection = connection
        self.view = view


class PlanReady(Message):
    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan


class RunStarted(Message):
    """A run began; ``resumed`` items are done already, by an earlier run (its journal)."""

    def __init__(self, plan: Plan, resumed: int) -> None:
        super().__init__()
        self.plan = plan
        self.resumed = resumed


class ItemDone(Message):
    def __init__(self, report: ItemReport, done: int, total: int) -> None:
        super().__init__()
        self.report = report
        self.done = done
        self.total = total


class RunFinished(Message):
    """Every item's report; ``log_error`` says why the activity log missed them, if it did."""

    def __init__(self, reports: list[ItemReport], log_error: str | None = None) -> None:
        super().__init__()
        self.reports = reports
        self.log_error = log_error


class ActionFailed(Message):
    """Nothing could be done (the view could not load, the vendor could not be reached)."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


async def load_view(
    connection: Connection, factory: ConnectorFactory, workspace: Workspace, post: Post
) -> None:
    try:
        async with factory(connection) as connector:
            view = await workspace.views.get(connection, connector, _progress(post))
    except Exception as err:  # an LmsError, a bug or a broken setup: the app must live on
        post(ActionFailed(describe_error(err)))
        return
    post(ViewReady(connection.name, view))


async def prepare(
    connection: Connection,
    factory: ConnectorFactory,
    workspace: Workspace,
    requests: Sequence[Request],
    post: Post,
) -> None:
    """The dry run: what each request would do; nothing is sent."""
    try:
        async with factory(connection) as connector:
            view = await workspace.views.get(connection, connector, _progress(post))
            made = plan(tenant(connection), connector, view, requests)
    except Exception as err:  # an LmsError, a bug or a broken setup: the app must live on
        post(ActionFailed(describe_error(err)))
        return
    post(PlanReady(made))


async def carry_out(
    connection: Connection,
    factory: ConnectorFactory,
    workspace: Workspace,
    requests: Sequence[Request],
    post: Post,
    *,
    source: str,
    journal: bool = False,
    concurrency: int = 8,
) -> None:
    """Plan and run the requests; with ``journal``, a run that partly failed, run again with
    the same requests, does only what is left (the failures)."""
    finished: list[ItemReport] = []

    def on_result(report: ItemReport, done: int, total: int) -> None:
        finished.append(report)
        post(ItemDone(report, done, total))

    try:
        async with factory(connection) as connector:
            view = await workspace.views.get(connection, connector, _progress(post))
            made = plan(tenant(connection), connector, view, requests)
            run_journal = Journal.for_plan(workspace.journal_dir, made) if journal else None
            post(RunStarted(made, len(run_journal.done) if run_journal else 0))
            reports = await execute(
                made,
                connector,
                view,
                concurrency=concurrency,
                journal=run_journal,
                on_result=on_result,
            )
    except Exception as err:
        post(ActionFailed(describe_error(err)))
        return
    finally:
        log_error = _log(workspace, connection, source, finished)
    post(RunFinished(reports, log_error))


def _progress(post: Post) -> Callable[[str, int], None]:
    def progress(kind: str, count: int) -> None:
        post(ViewProgress(kind, count))

    return progress


def _log(
    workspace: Workspace, connection: Connection, source: str, reports: list[ItemReport]
) -> str | None:
    """Record the changes in the activity log; why it could not, or None."""
    if any(r.outcome in (Outcome.CREATED, Outcome.REMOVED) for r in reports):
        workspace.changed.add(connection.name)
    try:
        workspace.activity.record(connection, source, reports)
    except OSError as err:
        return f"the activity log could not be written: {err.strerror or err}"
    return None


def describe(report: ItemReport, display: str) -> str:
    """One plain sentence for an item's outcome (``display`` names the vendor)."""
    user = report.user_label or report.request.user
    course = report.course_label or report.request.course
    outcome = report.outcome
    if outcome is Outcome.CREATED:
        return f"Enrolled {user} in {course} ({report.message})."
    if outcome is Outcome.ALREADY_ENROLLED:
        return f"{user} is already enrolled in {course}; nothing was changed."
    if outcome is Outcome.REMOVED:
        return f"Unenrolled {user} from {course}."
    if outcome is Outcome.NOT_ENROLLED:
        return f"{user} is not enrolled in {course}; nothing was changed."
    if outcome is Outcome.INVALID:
        return f"Not sent: {report.message}."
    return f"{display} refused: {report.message}"
