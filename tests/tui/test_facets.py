"""Facets: which rows each one keeps, their chips, and the counts the picker shows."""

from __future__ import annotations

from datetime import UTC, datetime

from core.models import Course, CourseRef, Enrollment, EnrollmentStatus, User, UserRef
from tui.facets import Facets, Scope, applies, counts, predicates, select
from tui.records import COLUMNS, Kind, Record, RowBuilder, columns_of

NOW = datetime(2025, 6, 15, tzinfo=UTC)


def enrollment(
    n: int, status: EnrollmentStatus, due: datetime | None, vendor: str = "docebo"
) -> Enrollment:
    return Enrollment(
        id=f"e{n}",
        vendor=vendor,
        remote_id=f"e{n}",
        user=UserRef(id=f"u{n % 2}", name=f"User {n % 2}"),
        course=CourseRef(id=f"c{n % 3}", title=f"Course {n % 3}"),
        status=status,
        due_at=due,
    )


RECORDS: list[Record] = [
    enrollment(0, EnrollmentStatus.IN_PROGRESS, datetime(2025, 6, 1, tzinfo=UTC)),  # overdue
    enrollment(1, EnrollmentStatus.COMPLETED, datetime(2025, 6, 1, tzinfo=UTC)),  # done
    enrollment(2, EnrollmentStatus.ASSIGNED, datetime(2025, 6, 20, tzinfo=UTC)),  # due in 5 d
    enrollment(3, EnrollmentStatus.ENROLLED, datetime(2025, 8, 1, tzinfo=UTC)),  # due later
    enrollment(4, EnrollmentStatus.OVERDUE, None, vendor="kombo"),  # overdue by its status
]
BUILDER = RowBuilder(Kind.ENROLLMENTS)
ROWS = [BUILDER.row(r) for r in RECORDS]


def kept(facets: Facets, kind: Kind = Kind.ENROLLMENTS) -> list[str]:
    checks = predicates(facets, kind, COLUMNS[kind], NOW)
    return [RECORDS[i].id for i in select(checks, RECORDS, ROWS, range(len(RECORDS)))]


def test_no_facets_is_false_and_has_no_tests() -> None:
    assert not Facets()
    assert predicates(Facets(), Kind.ENROLLMENTS, COLUMNS[Kind.ENROLLMENTS], NOW) == []


def test_status_keeps_matching_status() -> None:
    assert kept(Facets(statuses=frozenset({"completed", "assigned"}))) == ["e1", "e2"]


def test_vendor_keeps_vendor() -> None:
    assert kept(Facets(vendors=frozenset({"kombo"}))) == ["e4"]


def test_course_keeps_course_title() -> None:
    assert kept(Facets(courses=frozenset({"Course 0"}))) == ["e0", "e3"]


def test_overdue_keeps_open_past_due_and_overdue_status() -> None:
    assert kept(Facets(overdue=True)) == ["e0", "e4"]


def test_due_within_keeps_open_due_soon() -> None:
    assert kept(Facets(due_within=7)) == ["e2"]
    assert kept(Facets(due_within=60)) == ["e2", "e3"]


def test_scope_of_user_keeps_their_enrollments() -> None:
    assert kept(Facets(scope=Scope(Kind.USERS, "u1", "User 1"))) == ["e1", "e3"]


def test_scope_of_course_keeps_its_enrollments() -> None:
    assert kept(Facets(scope=Scope(Kind.COURSES, "c2", "Course 2"))) == ["e2"]


def test_scope_with_connection_checks_connection_column() -> None:
    rows = [("one", "docebo", *row) for row in ROWS]
    rows[3] = ("two", "docebo", *ROWS[3])
    scope = Scope(Kind.USERS, "u1", "User 1", connection="one")
    checks = predicates(
        Facets(scope=scope), Kind.ENROLLMENTS, columns_of(Kind.ENROLLMENTS, True), NOW
    )
    assert select(checks, RECORDS, rows, range(5)) == [1]


def test_scope_of_user_on_users_tab_keeps_that_user() -> None:
    users: list[Record] = [
        User(id=f"u{i}", vendor="docebo", remote_id=f"u{i}", name=f"U{i}") for i in range(3)
    ]
    rows = [RowBuilder(Kind.USERS).row(u) for u in users]
    checks = predicates(
        Facets(scope=Scope(Kind.USERS, "u2", "U2")), Kind.USERS, COLUMNS[Kind.USERS], NOW
    )
    assert select(checks, users, rows, range(3)) == [2]


def test_chips_name_every_active_facet() -> None:
    facets = Facets(
        statuses=frozenset({"failed", "assigned"}),
        vendors=frozenset({"kombo"}),
        overdue=True,
        due_within=7,
        scope=Scope(Kind.USERS, "u1", "Ada"),
    )
    assert facets.chips() == [
        "user: Ada",
        "status: assigned, failed",
        "vendor: kombo",
        "overdue",
        "due ≤ 7 d",
    ]


def test_toggled_adds_then_removes() -> None:
    once = Facets().toggled("statuses", "failed")
    assert once.statuses == {"failed"}
    assert not once.toggled("statuses", "failed")


def test_applies_only_where_meaningful() -> None:
    assert "overdue" not in applies(Kind.USERS)
    assert "statuses" not in applies(Kind.COURSES)
    assert "courses" in applies(Kind.ENROLLMENTS)


def test_counts_count_each_value() -> None:
    found = counts(Kind.ENROLLMENTS, RECORDS, ROWS, COLUMNS[Kind.ENROLLMENTS])
    assert found["vendors"] == {"docebo": 4, "kombo": 1}
    assert found["courses"]["Course 0"] == 2
    assert found["statuses"]["overdue"] == 1


def test_counts_of_courses_have_no_status() -> None:
    courses: list[Record] = [Course(id="c", vendor="kombo", remote_id="c", title="T")]
    found = counts(Kind.COURSES, courses, [("T", "", "", "c")], COLUMNS[Kind.COURSES])
    assert set(found) == {"vendors"}
