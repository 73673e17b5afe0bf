"""Docebo wire records to normalized models: pure functions, one status table.

Docebo statuses (the vocabulary of its enrollment import; ``not_started`` is the list filter's
name for ``subscribed``) map to the normalized enum through ``STATUS_MAP``:

==============  ===========  =====================================================
Docebo          normalized   why
==============  ===========  =====================================================
waiting         assigned     on the waiting list: assigned, not yet admitted
to_confirm      assigned     awaiting an administrator's approval
overbooking     assigned     over the session's capacity, not yet admitted
subscribed      enrolled     enrolled, not started (``not_started`` in filters)
in_progress     in_progress
completed       completed    Docebo reports no pass/fail on course enrollments
suspended       withdrawn    access suspended by an administrator
anything else   unknown
==============  ===========  =====================================================

Then, for an enrollment that is ``enrolled`` or ``in_progress`` whose validity end date has
passed: ``overdue`` when the course has a soft deadline (the learner keeps access after the date),
``expired`` otherwise (access ended). ``due_at`` is the validity end date.

Levels: 3 student, 4 tutor, 6 instructor (``LEVELS``); the wire may carry the number or the name.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from core.models import (
    Assigner,
    Course,
    CourseRef,
    Email,
    Enrollment,
    EnrollmentStatus,
    User,
    UserRef,
)

VENDOR = "docebo"

STATUS_MAP: Mapping[str, EnrollmentStatus] = {
    "waiting": EnrollmentStatus.ASSIGNED,
    "waiting_list": EnrollmentStatus.ASSIGNED,
    "to_confirm": EnrollmentStatus.ASSIGNED,
    "overbooking": EnrollmentStatus.ASSIGNED,
    "subscribed": EnrollmentStatus.ENROLLED,
    "not_started": EnrollmentStatus.ENROLLED,
    "in_progress": EnrollmentStatus.IN_PROGRESS,
    "completed": EnrollmentStatus.COMPLETED,
    "suspended": EnrollmentStatus.WITHDRAWN,
}

#: The Docebo statuses to ask the server for, per normalized status (``expired`` and ``overdue``
#: are derived from dates, so they ask for the statuses they can come from).
SERVER_STATUSES: Mapping[EnrollmentStatus, tuple[str, ...]] = {
    EnrollmentStatus.ASSIGNED: ("waiting", "to_confirm", "overbooking"),
    EnrollmentStatus.ENROLLED: ("subscribed",),
    EnrollmentStatus.IN_PROGRESS: ("in_progress",),
    EnrollmentStatus.COMPLETED: ("completed",),
    EnrollmentStatus.WITHDRAWN: ("suspended",),
    EnrollmentStatus.EXPIRED: ("subscribed", "in_progress"),
    EnrollmentStatus.OVERDUE: ("subscribed", "in_progress"),
}

USER_STATUSES: Mapping[str, str] = {"1": "active", "0": "suspended"}

LEVELS: Mapping[int, str] = {3: "student", 4: "tutor", 6: "instructor"}
LEVEL_NUMBERS: Mapping[str, int] = {
    "student": 3,
    "learner": 3,
    "tutor": 4,
    "instructor": 6,
}


def parse_date(value: Any) -> datetime | None:
    """A Docebo date (``YYYY-MM-DD HH:MM:SS``, ISO 8601 or ``YYYY-MM-DD``) as aware UTC."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_date(value: datetime) -> str:
    """A datetime in Docebo's wire format, UTC."""
    if value.tzinfo:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _str_id(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def map_status(
    raw: Any, *, due_at: datetime | None, soft_deadline: bool, now: datetime
) -> EnrollmentStatus:
    status = STATUS_MAP.get(str(raw).lower(), EnrollmentStatus.UNKNOWN) if raw else None
    if status is None:
        return EnrollmentStatus.UNKNOWN
    if (
        status in (EnrollmentStatus.ENROLLED, EnrollmentStatus.IN_PROGRESS)
        and due_at is not None
        and due_at < now
    ):
        return EnrollmentStatus.OVERDUE if soft_deadline else EnrollmentStatus.EXPIRED
    return status


def enrollment_id(course_id: Any, user_id: Any) -> str:
    """Docebo keys an enrollment by (course, user); the normalized id is ``<course>:<user>``."""
    return f"{course_id}:{user_id}"


def map_user(item: Mapping[str, Any]) -> User:
    first = item.get("first_name") or None
    last = item.get("last_name") or None
    name = item.get("fullname") or " ".join(p for p in (first, last) if p) or None
    email = item.get("email")
    status = item.get("status")
    user_id = _str_id(item.get("user_id"))
    return User(
        id=user_id,
        vendor=VENDOR,
        remote_id=user_id,
        first_name=first,
        last_name=last,
        name=name,
        username=item.get("username"),
        emails=(Email(email=email, type="work", is_primary=True),) if email else (),
        status=USER_STATUSES.get(str(status)) if status is not None else None,
        created_at=parse_date(item.get("creation_date")),
        updated_at=parse_date(item.get("last_update")),
        remote_data=dict(item),
    )


def map_course(item: Mapping[str, Any]) -> Course:
    course_id = _str_id(item.get("id_course", item.get("id")))
    duration = _int(item.get("duration"))
    return Course(
        id=course_id,
        vendor=VENDOR,
        remote_id=course_id,
        title=str(item.get("name") or ""),
        code=item.get("code") or None,
        description=item.get("description") or None,
        type=item.get("course_type") or item.get("type"),
        status=item.get("status"),
        language=item.get("lang_code") or item.get("language"),
        duration_seconds=duration,
        created_at=parse_date(item.get("date_created")),
        updated_at=parse_date(item.get("date_last_updated")),
        remote_data=dict(item),
    )


def map_course_enrollment(
    item: Mapping[str, Any], *, now: datetime, soft_deadline_courses: Collection[str] = ()
) -> Enrollment:
    """An item of ``GET /course/v1/courses/enrollments`` as a normalized enrollment."""
    course_id = _str_id(item.get("course_id"))
    user_id = _str_id(item.get("user_id"))
    due_at = parse_date(item.get("enrollment_validity_end_date"))
    created = parse_date(item.get("enrollment_created_at"))
    created_by = item.get("enrollment_created_by")
    fields = item.get("enrollment_fields")
    return Enrollment(
        id=enrollment_id(course_id, user_id),
        vendor=VENDOR,
        remote_id=enrollment_id(course_id, user_id),
        # Docebo's course-enrollment items name the learner only by username.
        user=UserRef(id=user_id, name=item.get("username")),
        course=CourseRef(id=course_id, title=item.get("course_name")),
        status=map_status(
            item.get("enrollment_status"),
            due_at=due_at,
            soft_deadline=course_id in soft_deadline_courses,
            now=now,
        ),
        assigned_at=created,
        due_at=due_at,
        enrolled_at=created,
        completed_at=parse_date(item.get("enrollment_completion_date")),
        progress_percent=_number(item.get("enrollment_completion_percentage")),
        time_spent_seconds=_int(item.get("enrollment_time_spent")),
        score=_number(item.get("enrollment_score")),
        assigned_by=Assigner(id=str(created_by)) if created_by not in (None, "", 0) else None,
        created_at=created,
        updated_at=parse_date(item.get("enrollment_date_last_updated")),
        custom_fields=dict(fields) if isinstance(fields, Mapping) else {},
        remote_data=dict(item),
    )
