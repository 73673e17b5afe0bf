"""The dashboard: status distribution, overdue by course, completions over time, as charts.

The figures are worked out once, from the enrollments the browse screen shows (its filter
applied), each paired with the course name its row shows; the screen itself makes no call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Sparkline, Static

from core.models import Enrollment, EnrollmentStatus
from tui.stats import completions_by_month, is_overdue, overdue_by_course, peak, status_counts
from tui.widgets.charts import BarChart

DONE = frozenset({EnrollmentStatus.COMPLETED, EnrollmentStatus.PASSED})


class DashboardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="dashboard.close"),
    ]

    def __init__(
        self,
        enrollments: Sequence[tuple[Enrollment, str]],
        *,
        title: str,
        now: datetime | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        now = now or datetime.now(UTC)
        records = [e for e, _ in enrollments]
        self.statuses = status_counts(records)
        self.overdue = overdue_by_course(enrollments, now)
        self.months, self.completions = completions_by_month(records)
        overdue = sum(1 for e in records if is_overdue(e, now))
        done = sum(1 for e in records if e.status in DONE)
        self.summary = (
            f"{len(records):,} enrollments · {done:,} completed or passed · {overdue:,} overdue"
        )

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="action-body"):
            yield Label(self.title_text, classes="action-title")
            yield Static(Text(self.summary), id="dashboard-summary", classes="summary")
            with Horizontal(id="dashboard-charts"):
                yield BarChart("Status", self.statuses, id="dashboard-status", classes="chart")
                yield BarChart(
                    "Overdue by course (top 10)",
                    self.overdue,
                    id="dashboard-overdue",
                    classes="chart",
                )
            with Vertical(classes="chart"):
                yield Label("Completions per month", classes="chart-title")
                yield Sparkline([float(v) for v in self.completions], id="dashboard-completions")
                yield Static(Text(self._axis()), classes="muted")
        yield Footer()

    def _axis(self) -> str:
        if not self.months:
            return "No completions yet."
        total = sum(self.completions)
        return (
            f"{self.months[0]} → {self.months[-1]} · {total:,} completions · "
            f"busiest month {peak(self.completions):,}"
        )

    def action_close(self) -> None:
        self.dismiss()
