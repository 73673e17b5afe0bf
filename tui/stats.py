"""Figures for the dashboard, from enrollment records: pure functions, no Textual."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from core.models import Enrollment, EnrollmentStatus

#: statuses of an enrollment that is still to be finished
OPEN = frozenset(
    {EnrollmentStatus.ASSIGNED, EnrollmentStatus.ENROLLED, EnrollmentStatus.IN_PROGRESS}
)


def status_counts(enrollments: Iterable[Enrollment]) -> list[tuple[str, int]]:
    """How many enrollments have each status, in the statuses' order, leaving out none."""
    counts = Counter(e.status for e in enrollments)
    return [(str(s).replace("_", " "), counts[s]) for s in EnrollmentStatus if counts[s]]


def is_overdue(enrollment: Enrollment, now: datetime) -> bool:
    """Overdue by the vendor's word, or still open after its due date."""
    if enrollment.status is EnrollmentStatus.OVERDUE:
        return True
    due = enrollment.due_at
    return due is not None and enrollment.status in OPEN and due < now


def overdue_by_course(
    enrollments: Iterable[tuple[Enrollment, str]], now: datetime, top: int = 10
) -> list[tuple[str, int]]:
    """The ``top`` courses with the most overdue enrollments (each with its course's name)."""
    counts = Counter(course for e, course in enrollments if is_overdue(e, now))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]


def completions_by_month(
    enrollments: Iterable[Enrollment], months: int = 24
) -> tuple[list[str], list[int]]:
    """Completions per calendar month (``YYYY-MM``), from the first month with one to the last,
    at most the last ``months`` of them; months without any count zero."""
    counts = Counter(
        (e.completed_at.year, e.completed_at.month) for e in enrollments if e.completed_at
    )
    if not counts:
        return [], []
    first, last = min(counts), max(counts)
    keys: list[tuple[int, int]] = []
    year, month = first
    while (year, month) <= last:
        keys.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    keys = keys[-months:]
    return [f"{y:04d}-{m:02d}" for y, m in keys], [counts[k] for k in keys]


def share(value: int, total: int) -> str:
    return f"{100 * value / total:.0f}%" if total else "0%"


def peak(values: Sequence[int]) -> int:
    return max(values, default=0)
