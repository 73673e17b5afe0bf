"""The dashboard's figures and charts, from the enrollments the browser shows."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import Sparkline

from core.connections import Connection
from core.models import CourseRef, Enrollment, EnrollmentStatus, UserRef
from tests.tui.actions import SIZE, app_on, fresh_view, only, settle
from tui.loading import ConnectorFactory
from tui.screens.dashboard import DashboardScreen
from tui.stats import completions_by_month, overdue_by_course, status_counts
from tui.widgets.charts import bar, bars

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def enrollment(
    status: EnrollmentStatus, *, due: datetime | None = None, done: datetime | None = None
) -> Enrollment:
    return Enrollment(
        id=f"e{status}{due}{done}",
        vendor="fake",
        remote_id="r",
        user=UserRef(id="u"),
        course=CourseRef(id="c"),
        status=status,
        due_at=due,
        completed_at=done,
    )


def test_overdue_counts_the_vendors_word_and_open_past_due() -> None:
    past, future = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    rows = [
        (enrollment(EnrollmentStatus.OVERDUE), "A"),
        (enrollment(EnrollmentStatus.IN_PROGRESS, due=past), "A"),
        (enrollment(EnrollmentStatus.COMPLETED, due=past), "B"),
        (enrollment(EnrollmentStatus.ENROLLED, due=future), "B"),
        (enrollment(EnrollmentStatus.ASSIGNED, due=past), "C"),
    ]
    assert overdue_by_course(rows, NOW) == [("A", 2), ("C", 1)]


def test_completions_by_month_fills_empty_months() -> None:
    rows = [
        enrollment(EnrollmentStatus.COMPLETED, done=datetime(2025, 11, 5, tzinfo=UTC)),
        enrollment(EnrollmentStatus.PASSED, done=datetime(2026, 1, 9, tzinfo=UTC)),
        enrollment(EnrollmentStatus.PASSED, done=datetime(2026, 1, 20, tzinfo=UTC)),
    ]
    assert completions_by_month(rows) == (["2025-11", "2025-12", "2026-01"], [1, 0, 2])


def test_bars_scale_to_the_largest_value() -> None:
    assert bar(10, 10, 4) == "████"
    assert bar(5, 10, 4) == "██"
    assert bar(0, 10, 4) == ""
    lines = bars([("completed", 10), ("overdue", 5)], width=4).plain.splitlines()
    assert lines == ["completed ████ 10", "overdue   ██ 5"]


async def test_dashboard_charts_the_vendors_enrollments(
    connections: list[Connection], factory: ConnectorFactory, tmp_path: Path
) -> None:
    ispring = only(connections, "ispring")
    view = await fresh_view(factory, ispring)
    records = list(view.enrollments.values())
    app = app_on([ispring], factory, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("g")
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        counts = Counter(str(e.status).replace("_", " ") for e in records)
        assert dict(screen.statuses) == counts
        assert screen.statuses == status_counts(records)
        assert sum(screen.completions) == sum(1 for e in records if e.completed_at)
        assert screen.overdue and all(n > 0 for _, n in screen.overdue)
        titles = {c.title for c in view.courses.values()}
        assert {course for course, _ in screen.overdue} <= titles  # names, not ids
        spark = screen.query_one("#dashboard-completions", Sparkline)
        assert list(spark.data or []) == [float(v) for v in screen.completions]
        assert screen.summary.startswith(f"{len(records):,} enrollments")
