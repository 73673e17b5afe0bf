"""Docebo wire records to normalized models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.connectors.docebo import mapping, wire
from core.models import EnrollmentStatus

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def course_enrollment(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "user_id": 12001,
        "username": "ada.lovelace",
        "course_id": 7,
        "course_name": "Data Privacy Essentials",
        "enrollment_status": "in_progress",
        "enrollment_level": "student",
        "enrollment_created_by": 12000,
        "enrollment_created_at": "2026-10-01 09:30:00",
        "enrollment_validity_end_date": None,
        "enrollment_date_last_updated": "2026-10-05 10:00:00",
        "enrollment_completion_date": None,
        "enrollment_score": 0,
        "enrollment_time_spent": 600,
        "enrollment_completion_percentage": 40,
    }
    item.update(overrides)
    return item


@pytest.mark.parametrize(
    ("docebo", "normalized"),
    [
        ("waiting", EnrollmentStatus.ASSIGNED),
        ("to_confirm", EnrollmentStatus.ASSIGNED),
        ("overbooking", EnrollmentStatus.ASSIGNED),
        ("subscribed", EnrollmentStatus.ENROLLED),
        ("not_started", EnrollmentStatus.ENROLLED),
        ("in_progress", EnrollmentStatus.IN_PROGRESS),
        ("completed", EnrollmentStatus.COMPLETED),
        ("suspended", EnrollmentStatus.WITHDRAWN),
        ("COMPLETED", EnrollmentStatus.COMPLETED),
        ("something_new", EnrollmentStatus.UNKNOWN),
        (None, EnrollmentStatus.UNKNOWN),
    ],
)
def test_map_status_table(docebo: str | None, normalized: EnrollmentStatus) -> None:
    assert mapping.map_status(docebo, due_at=None, soft_deadline=False, now=NOW) == normalized


@pytest.mark.parametrize(
    ("status", "soft", "expected"),
    [
        ("subscribed", False, EnrollmentStatus.EXPIRED),
        ("in_progress", False, EnrollmentStatus.EXPIRED),
        ("in_progress", True, EnrollmentStatus.OVERDUE),
        ("completed", False, EnrollmentStatus.COMPLETED),
        ("suspended", True, EnrollmentStatus.WITHDRAWN),
        ("waiting", False, EnrollmentStatus.ASSIGNED),
    ],
)
def test_map_status_past_validity_end(status: str, soft: bool, expected: EnrollmentStatus) -> None:
    due = datetime(2026, 10, 1, tzinfo=UTC)
    assert mapping.map_status(status, due_at=due, soft_deadline=soft, now=NOW) == expected


def test_map_status_future_validity_end_keeps_status() -> None:
    due = datetime(2026, 12, 1, tzinfo=UTC)
    status = mapping.map_status("in_progress", due_at=due, soft_deadline=False, now=NOW)
    assert status is EnrollmentStatus.IN_PROGRESS


def test_map_course_enrollment_fields() -> None:
    item = course_enrollment(enrollment_validity_end_date="2026-12-31 23:59:59")
    enrollment = mapping.map_course_enrollment(item, now=NOW)
    assert enrollment.id == "7:12001"
    assert enrollment.remote_id == "7:12001"
    assert enrollment.vendor == "docebo"
    assert enrollment.user.id == "12001"
    assert enrollment.user.name == "ada.lovelace"
    assert enrollment.course.id == "7"
    assert enrollment.course.title == "Data Privacy Essentials"
    assert enrollment.status is EnrollmentStatus.IN_PROGRESS
    assert enrollment.enrolled_at == datetime(2026, 10, 1, 9, 30, tzinfo=UTC)
    assert enrollment.due_at == datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert enrollment.progress_percent == 40.0
    assert enrollment.time_spent_seconds == 600
    assert enrollment.assigned_by is not None and enrollment.assigned_by.id == "12000"
    assert enrollment.remote_data == item


def test_map_course_enrollment_soft_deadline_course_is_overdue() -> None:
    item = course_enrollment(enrollment_validity_end_date="2026-10-15 00:00:00")
    assert mapping.map_course_enrollment(item, now=NOW).status is EnrollmentStatus.EXPIRED
    overdue = mapping.map_course_enrollment(item, now=NOW, soft_deadline_courses={"7"})
    assert overdue.status is EnrollmentStatus.OVERDUE


def test_map_course_enrollment_tolerates_missing_and_odd_values() -> None:
    enrollment = mapping.map_course_enrollment(
        {"user_id": "5", "course_id": 9, "enrollment_score": "n/a", "enrollment_time_spent": ""},
        now=NOW,
    )
    assert enrollment.id == "9:5"
    assert enrollment.score is None
    assert enrollment.time_spent_seconds is None
    assert enrollment.status is EnrollmentStatus.UNKNOWN
    assert enrollment.assigned_by is None


def test_map_user_fields() -> None:
    item = {
        "user_id": "12001",
        "username": "ada.lovelace",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "status": "1",
        "creation_date": "2025-01-02 03:04:05",
    }
    user = mapping.map_user(item)
    assert user.id == "12001"
    assert user.name == "Ada Lovelace"
    assert user.primary_email == "ada@example.com"
    assert user.status == "active"
    assert user.created_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert user.remote_data == item


def test_map_course_fields() -> None:
    item = {"id_course": 7, "name": "Fire Safety", "code": "HS-101", "course_type": "elearning"}
    course = mapping.map_course(item)
    assert (course.id, course.title, course.code, course.type) == (
        "7",
        "Fire Safety",
        "HS-101",
        "elearning",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-02 03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02", datetime(2026, 1, 2, tzinfo=UTC)),
        ("", None),
        (None, None),
        ("not a date", None),
        (20260102, None),
    ],
)
def test_parse_date_forms(value: Any, expected: datetime | None) -> None:
    assert mapping.parse_date(value) == expected


def test_read_page_reads_envelope() -> None:
    body = {
        "data": {
            "items": [{"a": 1}, "junk"],
            "has_more_data": True,
            "cursor": "abc",
            "current_page": 2,
        }
    }
    page = wire.read_page(body)
    assert page.items == [{"a": 1}]
    assert page.has_more is True
    assert page.cursor == "abc"
    assert page.current_page == 2


@pytest.mark.parametrize("body", [{}, {"data": []}, {"data": {"items": None}}, "text", None])
def test_read_page_rejects_other_shapes(body: Any) -> None:
    with pytest.raises(ValueError):
        wire.read_page(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"name": "Bad Request", "message": "Invalid level", "code": 0, "status": 400},
            ("Bad Request", "Invalid level"),
        ),
        ({"name": "Bad Request", "message": ["a", "b"]}, ("Bad Request", "a; b")),
        (
            {"error": "invalid_client", "error_description": "Bad secret"},
            ("invalid_client", "Bad secret"),
        ),
        ("<html>oops</html>", (None, "<html>oops</html>")),
        (None, (None, None)),
    ],
)
def test_error_details_forms(body: Any, expected: tuple[str | None, str | None]) -> None:
    assert wire.error_details(body) == expected
