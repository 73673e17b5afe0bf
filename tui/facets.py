"""Facets: the structured half of the filter (status, vendor, course, overdue, due soon, a scope).

A tab's ``Facets`` narrow its rows before the typed filter does. Each facet applies only where it
means something: status to users and enrollments, course and due dates to enrollments, vendor to
every tab. A ``Scope`` is what a jump leaves behind (the enrollments of one user or one course, the
user or course of one enrollment); it shows in the breadcrumb and as a chip, and clears like any
other facet. Facets are shown as chips in the status line (``chips``).

Overdue and due-soon count only enrollments still open (not completed, passed, failed, withdrawn
or expired), against the ``now`` the screen's clock gives, so tests can freeze it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from core.models import EnrollmentStatus
from tui.records import Kind, Record, Row

OPEN_STATUSES = frozenset(
    {
        EnrollmentStatus.ASSIGNED,
        EnrollmentStatus.ENROLLED,
        EnrollmentStatus.IN_PROGRESS,
        EnrollmentStatus.OVERDUE,
        EnrollmentStatus.UNKNOWN,
    }
)
DUE_CHOICES = (7, 14, 30, 90)

Test = Callable[[Any, Row], bool]


@dataclass(frozen=True, slots=True)
class Scope:
    """One user's or one course's rows, left by a jump."""

    kind: Kind
    """``Kind.USERS`` or ``Kind.COURSES``: whose id ``id`` is."""
    id: str
    label: str
    connection: str | None = None
    """The connection the id belongs to, in the "All connections" view."""

    @property
    def chip(self) -> str:
        return f"{self.kind.singular}: {self.label}"


@dataclass(frozen=True, slots=True)
class Facets:
    statuses: frozenset[str] = field(default_factory=frozenset)
    vendors: frozenset[str] = field(default_factory=frozenset)
    courses: frozenset[str] = field(default_factory=frozenset)
    """Course titles, as the Course column shows them."""
    overdue: bool = False
    due_within: int | None = None
    """Days: open enrollments due from now until that many days ahead."""
    scope: Scope | None = None

    def __bool__(self) -> bool:
        return bool(
            self.statuses
            or self.vendors
            or self.courses
            or self.overdue
            or self.due_within is not None
            or self.scope is not None
        )

    def chips(self) -> list[str]:
        """Short labels of the active facets, in a fixed order."""
        found = [self.scope.chip] if self.scope is not None else []
        if self.statuses:
            found.append("status: " + ", ".join(sorted(self.statuses)))
        if self.vendors:
            found.append("vendor: " + ", ".join(sorted(self.vendors)))
        if self.courses:
            found.append("course: " + ", ".join(sorted(self.courses)))
        if self.overdue:
            found.append("overdue")
        if self.due_within is not None:
            found.append(f"due ≤ {self.due_within} d")
        return found

    def toggled(self, facet: str, value: str) -> Facets:
        """A copy with ``value`` added to, or removed from, the set facet ``facet``."""
        if facet == "statuses":
            return replace(self, statuses=self.statuses ^ {value})
        if facet == "vendors":
            return replace(self, vendors=self.vendors ^ {value})
        if facet == "courses":
            return replace(self, courses=self.courses ^ {value})
        raise ValueError(f"not a set facet: {facet}")


def applies(kind: Kind) -> frozenset[str]:
    """The facets that mean something on a tab."""
    if kind is Kind.ENROLLMENTS:
        return frozenset({"statuses", "vendors", "courses", "overdue", "due_within", "scope"})
    if kind is Kind.USERS:
        return frozenset({"statuses", "vendors", "scope"})
    return frozenset({"vendors", "scope"})


def predicates(facets: Facets, kind: Kind, columns: Sequence[str], now: datetime) -> list[Test]:
    """One predicate per active facet that applies to ``kind``; a row passes when all pass."""
    found: list[Test] = []
    if facets.statuses and kind is not Kind.COURSES:
        statuses = facets.statuses
        found.append(lambda r, row: r.status in statuses)
    if facets.vendors:
        vendors = facets.vendors
        found.append(lambda r, row: r.vendor in vendors)
    if kind is Kind.ENROLLMENTS:
        if facets.courses and "Course" in columns:
            course, titles = columns.index("Course"), facets.courses
            found.append(lambda r, row: row[course] in titles)
        if facets.overdue:
            found.append(lambda r, row: is_overdue(r, now))
        if facets.due_within is not None:
            until = now + timedelta(days=facets.due_within)
            found.append(
                lambda r, row: (
                    r.status in OPEN_STATUSES and r.due_at is not None and now <= r.due_at <= until
                )
            )
    if facets.scope is not None:
        found.append(_scope_test(facets.scope, kind))
        if facets.scope.connection is not None and "Connection" in columns:
            at, name = columns.index("Connection"), facets.scope.connection
            found.append(lambda r, row: row[at] == name)
    return found


def is_overdue(enrollment: Any, now: datetime) -> bool:
    if enrollment.status is EnrollmentStatus.OVERDUE:
        return True
    due = enrollment.due_at
    return enrollment.status in OPEN_STATUSES and due is not None and due < now


def _scope_test(scope: Scope, kind: Kind) -> Test:
    wanted = scope.id
    if kind is scope.kind:
        return lambda r, row: r.id == wanted
    if kind is Kind.ENROLLMENTS and scope.kind is Kind.USERS:
        return lambda r, row: r.user.id == wanted
    if kind is Kind.ENROLLMENTS and scope.kind is Kind.COURSES:
        return lambda r, row: r.course.id == wanted
    return lambda r, row: False


def select(
    checks: Sequence[Test],
    records: Sequence[Record],
    rows: Sequence[Row],
    indices: Sequence[int] | range,
) -> list[int]:
    """The indices whose record and row pass every check."""
    if len(checks) == 1:
        (check,) = checks
        return [i for i in indices if check(records[i], rows[i])]
    return [i for i in indices if all(c(records[i], rows[i]) for c in checks)]


def counts(
    kind: Kind, records: Sequence[Record], rows: Sequence[Row], columns: Sequence[str]
) -> dict[str, Counter[str]]:
    """How many rows hold each value of each facet, for the facet picker."""
    found: dict[str, Counter[str]] = {"vendors": Counter(r.vendor for r in records)}
    if kind is not Kind.COURSES:
        found["statuses"] = Counter(str(getattr(r, "status", None) or "") for r in records)
        found["statuses"].pop("", None)
    if kind is Kind.ENROLLMENTS and "Course" in columns:
        at = columns.index("Course")
        found["courses"] = Counter(row[at] for row in rows)
    return found
